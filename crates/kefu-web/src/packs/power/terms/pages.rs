//! The billing terms page of an account and the power factor table page.

use std::collections::HashMap;

use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::i18n::{field_label, t};
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::{Invalid, Lang, Permission};
use kefu_power::bills::{self, pf_tables, terms};
use kefu_power::tariffs::store as tariffs;
use kefu_store::Failure;
use serde::Deserialize;
use serde_json::Value;

/// The terms as typed.
#[derive(Deserialize, Default)]
pub struct TermsForm {
    #[serde(default)]
    basic_by: String,
    #[serde(default)]
    power_factor_standard: String,
}

async fn terms_page(
    app: &AppState,
    ctx: &Ctx,
    number: &str,
    typed: Option<TermsForm>,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let (account, shown) = terms::of(app.db(), &ctx.actor.scope, number).await?;
    // What the tariff charges besides energy, in the version in force today.
    let tariff = match tariffs::by_code(app.db(), &account.tariff_code).await {
        Ok(t) => Some(t),
        Err(Failure::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let version = tariff.as_ref().and_then(|t| t.version_on(app.today()));
    let per_kva = version.and_then(|v| v.basic.per_kva).map(|p| p.to_string());
    let per_kw = version.and_then(|v| v.basic.per_kw).map(|p| p.to_string());
    let surcharges: Vec<Value> = version
        .map(|v| v.surcharges.iter().map(|s| view! { name => s.name, price => s.price.to_string() }).collect())
        .unwrap_or_default();
    // The run refuses a bill it cannot price: said here before it does.
    let basic_by = shown.basic_by.map(|b| b.code());
    let mut warnings = Vec::new();
    match basic_by {
        Some("capacity") if per_kva.is_none() => warnings.push(t(ctx.actor.lang, "power_terms_no_kva_price")),
        Some("demand") if per_kw.is_none() => warnings.push(t(ctx.actor.lang, "power_terms_no_kw_price")),
        Some("capacity") if shown.capacity_kva <= 0 => warnings.push(t(ctx.actor.lang, "power_terms_no_capacity")),
        _ => {}
    }
    let (basic_by, standard) = match &typed {
        Some(f) => (Some(f.basic_by.clone()), Some(f.power_factor_standard.clone())),
        None => (basic_by.map(str::to_string), shown.power_factor_standard.clone()),
    };
    let updated_at =
        shown.updated_at.as_deref().and_then(kefu_core::time::parse_instant).map(|t| app.0.zone.display(t));
    let recent = terms::recent(app.db(), account.id).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = page(
        app,
        ctx,
        "power/terms.html",
        "nav_power_accounts",
        view! {
            a => account, terms => shown, basic_by => basic_by, standard => standard,
            effective_from => version.map(|v| v.effective_from.to_string()), per_kva => per_kva, per_kw => per_kw,
            surcharges => surcharges, warnings => warnings, errors => errors, updated_at => updated_at,
            recent => recent,
            can_manage => ctx.actor.can(Permission::PowerManage),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn terms(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
) -> Result<Response, AppError> {
    terms_page(&app, &ctx, &number, None, Vec::new()).await
}

pub async fn save_terms(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
    FormBody(f): FormBody<TermsForm>,
) -> Result<Response, AppError> {
    let lang = ctx.actor.lang;
    let refused = |e: Invalid| vec![e.message(lang, &field_label(lang, &e.field))];
    match bills::Terms::parse(&f.basic_by, &f.power_factor_standard) {
        Err(e) => terms_page(&app, &ctx, &number, Some(f), refused(e)).await,
        Ok(parsed) => match terms::set(app.db(), &ctx.actor, &number, parsed, app.now()).await {
            Ok(()) => Ok(Redirect::to(&format!("/power/accounts/{number}/billing-terms")).into_response()),
            Err(Failure::Invalid(e)) => terms_page(&app, &ctx, &number, Some(f), refused(e)).await,
            Err(other) => Err(other.into()),
        },
    }
}

/// A row's field named as the user reads it: "0.90 standard, power factor 0.95".
fn row_label(lang: Lang, field: &str) -> String {
    let parts: Vec<&str> = field.split('_').collect();
    match parts.as_slice() {
        ["pf", standard, factor] => {
            let (s, f) = (standard.parse().unwrap_or(0usize), factor.parse().unwrap_or(0usize));
            format!(
                "{} {} · {} {}",
                t(lang, "power_pf_standard"),
                pf_tables::factor_text(s),
                t(lang, "power_pf_factor"),
                pf_tables::factor_text(f)
            )
        }
        _ => field_label(lang, field),
    }
}

async fn table_page(
    app: &AppState,
    ctx: &Ctx,
    typed: Option<HashMap<String, String>>,
    errors: Vec<Invalid>,
) -> Result<Response, AppError> {
    let lang = ctx.actor.lang;
    let tables = pf_tables::load(app.db()).await?;
    let standard = kefu_power::billing::PowerFactorTables::standard();
    let refused: std::collections::HashSet<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    // 1.00 down to 0.00, as the 办法's table reads.
    let rows: Vec<Value> = (0..=100usize)
        .rev()
        .map(|f| {
            let cells: Vec<Value> = pf_tables::STANDARDS
                .iter()
                .map(|s| {
                    let name = pf_tables::field(*s, f);
                    let kept = tables.of(*s).rows()[f];
                    let value = typed
                        .as_ref()
                        .and_then(|t| t.get(&name).cloned())
                        .unwrap_or_else(|| pf_tables::percent_text(kept));
                    view! {
                        label => row_label(lang, &name), name => name, value => value,
                        refused => refused.contains(name.as_str()),
                        differs => kept != standard.of(*s).rows()[f],
                    }
                })
                .collect();
            view! { factor => pf_tables::factor_text(f), cells => cells }
        })
        .collect();
    let messages: Vec<String> = errors.iter().map(|e| e.message(lang, &row_label(lang, &e.field))).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = page(
        app,
        ctx,
        "power/pf_table.html",
        "nav_power_pf_table",
        view! {
            rows => rows, errors => messages, own => pf_tables::is_own(app.db()).await?,
            can_manage => ctx.actor.can(Permission::PowerManage),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn table(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    table_page(&app, &ctx, None, Vec::new()).await
}

pub async fn save_table(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody<HashMap<String, String>>,
) -> Result<Response, AppError> {
    match pf_tables::parse(&form) {
        Ok(tables) => {
            pf_tables::save(app.db(), &ctx.actor, &tables, app.now()).await?;
            Ok(Redirect::to("/power/power-factor-table").into_response())
        }
        Err(errors) => table_page(&app, &ctx, Some(form), errors).await,
    }
}

pub async fn reset_table(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    pf_tables::reset(app.db(), &ctx.actor).await?;
    Ok(Redirect::to("/power/power-factor-table").into_response())
}
