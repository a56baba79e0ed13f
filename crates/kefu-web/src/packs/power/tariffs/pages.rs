//! The tariffs page: every tariff in force with its versions; for managers
//! (PowerManage) each one's file text to edit, the import of a tariff file
//! and, for everyone who reads it, the export.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::i18n::field_label;
use crate::render::page;
use crate::state::AppState;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::{Invalid, Permission};
use kefu_power::tariffs::store::{self, Saved};
use kefu_power::tariffs::{Rates, Tariff, export as to_toml};
use serde::Deserialize;
use serde_json::Value;

/// What the tariffs page shows of one version's prices.
fn rates_view(rates: &Rates) -> Value {
    match rates {
        Rates::Flat(price) => view! { flat => price.to_string() },
        Rates::Tiers(tiers) => {
            let mut from = 1;
            let tiers: Vec<Value> = tiers
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let row = view! { n => i + 1, from => from, up_to => t.up_to_kwh, price => t.price.to_string() };
                    from = t.up_to_kwh.map_or(from, |b| b + 1);
                    row
                })
                .collect();
            view! { tiers => tiers }
        }
        Rates::TimeOfUse { peak, flat, valley } => {
            view! { tou => view! { peak => peak.to_string(), flat => flat.to_string(), valley => valley.to_string() } }
        }
    }
}

/// A form sent back with its errors: the tariff edited (`None` for the
/// import), the messages and the text as the user sent it.
struct Refused {
    code: Option<String>,
    errors: Vec<String>,
    source: String,
}

fn messages(errors: &[Invalid], ctx: &Ctx) -> Vec<String> {
    let lang = ctx.actor.lang;
    errors.iter().map(|e| e.message(lang, &field_label(lang, &e.field))).collect()
}

async fn tariffs_page(app: &AppState, ctx: &Ctx, refused: Option<Refused>) -> Result<Response, AppError> {
    let tariffs = store::all(app.db()).await?;
    let editing = refused.as_ref().and_then(|r| r.code.clone());
    let list: Vec<Value> = tariffs
        .iter()
        .map(|t: &Tariff| {
            let versions: Vec<Value> = t
                .versions()
                .iter()
                .map(|v| view! { effective_from => v.effective_from.to_string(), rates => rates_view(&v.rates) })
                .collect();
            let (errors, source) = match &refused {
                Some(r) if editing.as_deref() == Some(t.code()) => (r.errors.clone(), r.source.clone()),
                _ => (Vec::new(), to_toml(std::slice::from_ref(t))),
            };
            view! {
                code => t.code(), name => t.name(), usage_class => t.usage_class().code(), basis => t.basis().code(),
                source => t.source(), note => t.note(), versions => versions, text => source, errors => errors,
            }
        })
        .collect();
    let import = refused.filter(|r| r.code.is_none()).map(|r| view! { errors => r.errors, source => r.source });
    let status = if import.is_some() || editing.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "power/tariffs.html",
        "nav_power_tariffs",
        view! { tariffs => list, can_manage => ctx.actor.can(Permission::PowerManage), import => import },
    )?;
    Ok((status, html).into_response())
}

pub async fn tariffs(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    tariffs_page(&app, &ctx, None).await
}

/// Every tariff in force as one TOML file, the format `kefu power tariffs
/// import` and the import form read.
pub async fn export(State(app): State<AppState>) -> Result<Response, AppError> {
    let text = to_toml(&store::all(app.db()).await?);
    let name = format!("tariffs-{}.toml", app.today());
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        text,
    )
        .into_response())
}

/// After a save: back to the page with how many tariffs changed, or the
/// page again with every error.
async fn after(
    app: &AppState,
    ctx: &Ctx,
    saved: Saved,
    code: Option<String>,
    source: String,
) -> Result<Response, AppError> {
    match saved {
        Ok(n) => {
            let mut res = Redirect::to("/power/tariffs").into_response();
            res.extensions_mut().insert(crate::flash::Flash::new("flash_power_tariffs_saved", Some(n as i64)));
            Ok(res)
        }
        Err(errors) => tariffs_page(app, ctx, Some(Refused { code, errors: messages(&errors, ctx), source })).await,
    }
}

/// The import form: a TOML file uploaded, or its text pasted.
pub async fn import(State(app): State<AppState>, ctx: Ctx, mut form: Multipart) -> Result<Response, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| AppError::body(e.status(), e.body_text());
    let mut text = String::new();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    text = String::from_utf8_lossy(&bytes).into_owned();
                }
            }
            "source" if text.is_empty() => text = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    let saved = store::import_file(app.db(), &ctx.actor, &text, app.today(), app.now()).await?;
    after(&app, &ctx, saved, None, text).await
}

#[derive(Deserialize)]
pub struct TariffForm {
    #[serde(default)]
    source: String,
}

/// One tariff's file text, edited.
pub async fn save(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<TariffForm>,
) -> Result<Response, AppError> {
    // A new tariff comes in through the import; this form edits one there is.
    store::by_code(app.db(), &code).await?;
    let saved = store::save_one(app.db(), &ctx.actor, &code, &f.source, app.today(), app.now()).await?;
    after(&app, &ctx, saved, Some(code), f.source).await
}
