//! Training of rural electricians (issue 19 §6) on the web: the sessions
//! with the form to add one and the certificates lapsing soon, and a
//! session with its attendees and the form to record a result; the same
//! under `/api/v1/power/training` (`api.rs`).

pub mod api;
mod requests;

use super::paging;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::{NavItem, page};
use crate::routes::{Entry, entry};
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::http::Method as M;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kefu_core::Permission::*;
use kefu_power::paging::Page;
use kefu_power::{archive, training};
use requests::{ResultFields, SessionFields};

pub const NAV: &[NavItem] = &[NavItem { key: "nav_power_training", href: Some("/power/training"), needs: PowerWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/training.html", include_str!("templates/list.html")),
    ("power/training_session.html", include_str!("templates/session.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/training", Signed(PowerWork), get(list)),
        entry(M::GET, "/power/training.xlsx", Signed(PowerWork), get(export)),
        entry(M::POST, "/power/training", Signed(PowerWork), post(add)),
        entry(M::GET, "/power/training/{id}", Signed(PowerWork), get(show)),
        entry(M::POST, "/power/training/{id}/attendees", Signed(PowerWork), post(record)),
        entry(M::GET, "/api/v1/power/training/sessions", Signed(PowerWork), get(api::sessions)),
        entry(M::POST, "/api/v1/power/training/sessions", Signed(PowerWork), post(api::add)),
        entry(M::GET, "/api/v1/power/training/sessions/{id}", Signed(PowerWork), get(api::show)),
        entry(M::POST, "/api/v1/power/training/sessions/{id}/attendees", Signed(PowerWork), post(api::record)),
        entry(M::GET, "/api/v1/power/training/lapsing", Signed(PowerWork), get(api::lapsing)),
    ]
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api::sessions, api::add, api::show, api::record, api::lapsing),
    components(schemas(
        api::TrainingSessionDto,
        api::TrainingAttendeeDto,
        api::TrainingSessionDetailDto,
        api::TrainingSessionBody,
        api::TrainingResultBody
    ))
)]
pub struct TrainingApi;

async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<super::paging::OffsetQuery>,
) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let at = paging::page(&q.offset);
    let sessions = training::sessions(app.db(), scope, at).await?;
    let pager = paging::pager("/power/training", &[], at, sessions.rows.len(), sessions.total);
    let lapsing = training::lapsing(app.db(), scope, app.today()).await?;
    let stations = archive::stations(app.db(), scope).await?;
    page(
        &app,
        &ctx,
        "power/training.html",
        "nav_power_training",
        view! {
            sessions => sessions.rows, pager => pager, lapsing => lapsing, stations => stations,
            days => training::LAPSING_DAYS, today => app.today().to_string(),
        },
    )
}

/// The sessions and the lapsing certificates as a workbook.
async fn export(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let (lang, scope) = (ctx.actor.lang, &ctx.actor.scope);
    let tr = |keys: &[&str]| keys.iter().map(|k| t(lang, k)).collect::<Vec<_>>();
    let sessions = training::sessions(app.db(), scope, Page::ALL)
        .await?
        .rows
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.held_on.to_string()),
                Cell::Text(s.station.clone()),
                Cell::Text(s.topic.clone()),
                Cell::Text(s.trainer.clone()),
                Cell::Int(s.attendees),
            ]
        })
        .collect();
    let lapsing = training::lapsing(app.db(), scope, app.today())
        .await?
        .iter()
        .map(|a| {
            vec![
                Cell::Text(a.name.clone()),
                Cell::Text(a.station.clone()),
                Cell::Text(a.certificate_no.clone().unwrap_or_default()),
                Cell::Text(a.certificate_expires.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Text(a.topic.clone()),
            ]
        })
        .collect();
    let sheets = [
        Sheet {
            name: t(lang, "power_training_sessions"),
            header: tr(&[
                "power_training_held_on",
                "power_station",
                "power_training_topic",
                "power_training_trainer",
                "power_training_attendees",
            ]),
            rows: sessions,
        },
        Sheet {
            name: t(lang, "power_training_certificate"),
            header: tr(&[
                "power_training_attendee",
                "power_station",
                "power_training_certificate",
                "power_training_expires",
                "power_training_topic",
            ]),
            rows: lapsing,
        },
    ];
    Ok(xlsx::download(&format!("training-{}.xlsx", app.today()), xlsx::workbook(&sheets)?))
}

async fn add(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<SessionFields>,
) -> Result<Response, AppError> {
    let (station, held_on) = f.read().map_err(AppError::Invalid)?;
    let s = training::add_session(app.db(), &ctx.actor, station, held_on, &f.topic, &f.trainer, app.now()).await?;
    Ok(Redirect::to(&format!("/power/training/{}", s.id)).into_response())
}

async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let (s, attendees) = training::get(app.db(), &ctx.actor.scope, id).await?;
    let staff: Vec<_> = training::staff(app.db(), s.branch_id)
        .await?
        .into_iter()
        .map(|(id, name)| view! { id => id, name => name })
        .collect();
    page(
        &app,
        &ctx,
        "power/training_session.html",
        "nav_power_training",
        view! { s => s, attendees => attendees, staff => staff },
    )
}

async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<ResultFields>,
) -> Result<Response, AppError> {
    let outcome = f.read().map_err(AppError::Invalid)?;
    training::record(app.db(), &ctx.actor, id, &outcome).await?;
    Ok(Redirect::to(&format!("/power/training/{id}")).into_response())
}
