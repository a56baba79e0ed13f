//! The front desk's visitor register (issue 21 §2): the day's visitors of an
//! estate, the form that registers one (the minimum: name, mobile, the house
//! visited, a plate, the host's confirmation), signing out, and the
//! retention an estate manager sets for the records.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::estate::pager;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::ToSpan;
use kefu_core::Permission;
use kefu_estate::visitors::{Retention, Visitor};
use kefu_estate::{archive, desk};
use serde::Deserialize;
use serde_json::Value;

/// The pages of the day's two lists.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DayQuery {
    offset: i64,
    entries_offset: i64,
}

pub async fn visitors(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<DayQuery>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let zone = &app.0.zone;
    let today = app.today();
    let from = zone.start_of(today);
    let to = zone.start_of(today + 1.day());
    let shown = |t: &str| t.parse::<jiff::Timestamp>().map(|t| zone.display(t)).unwrap_or_default();
    let mut rows: Vec<Value> = desk::between(app.db(), &estate, (from, to), pager::window(q.offset))
        .await?
        .into_iter()
        .map(|v| {
            let mobile = if ctx.actor.can(Permission::PersonalDataView) {
                v.mobile.clone()
            } else {
                kefu_care::customers::mask_mobile(&v.mobile)
            };
            view! { v => v, mobile => mobile, arrived => shown(&v.arrived_at), left => v.left_at.as_deref().map(shown) }
        })
        .collect();
    let mut entries: Vec<Value> = desk::entries_between(app.db(), &estate, (from, to), pager::window(q.entries_offset))
        .await?
        .into_iter()
        .map(|e| view! { e => e, at => shown(&e.at) })
        .collect();
    // Each list keeps the other's page.
    let base = format!("/estate/estates/{}/visitors?", estate.code);
    let visitors_pager =
        pager::pager(&mut rows, q.offset, &format!("{base}entries_offset={}&", q.entries_offset), "offset");
    let entries_pager =
        pager::pager(&mut entries, q.entries_offset, &format!("{base}offset={}&", q.offset), "entries_offset");
    page(
        &app,
        &ctx,
        "estate/visitors.html",
        "nav_estate_estates",
        view! {
            estate => estate, rows => rows, today => today.to_string(), entries => entries,
            departments => desk::DEPARTMENTS, visitors_pager => visitors_pager, entries_pager => entries_pager,
            can_manage => ctx.actor.can(Permission::EstateManage),
        },
    )
}

#[derive(Deserialize)]
pub struct VisitorForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    house: String,
    #[serde(default)]
    plate: String,
    /// The checkbox: present when the host confirmed.
    host_confirmed: Option<String>,
}

pub async fn register(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<VisitorForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let visitor = Visitor::new(&f.name, &f.mobile, &f.house, &f.plate).map_err(AppError::Invalid)?;
    desk::register(app.db(), &ctx.actor, &estate, &visitor, f.host_confirmed.is_some(), app.now()).await?;
    Ok(Redirect::to(&format!("/estate/estates/{}/visitors", estate.code)).into_response())
}

pub async fn sign_out(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((code, id)): PathParams<(String, i64)>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    desk::sign_out(app.db(), &ctx.actor, &estate, id, app.now()).await?;
    Ok(Redirect::to(&format!("/estate/estates/{}/visitors", estate.code)).into_response())
}

#[derive(Deserialize)]
pub struct RetentionForm {
    days: i64,
}

pub async fn retention(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<RetentionForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let days = Retention::days("days", f.days).map_err(AppError::Invalid)?;
    desk::set_retention(app.db(), &ctx.actor, &estate, days).await?;
    Ok(Redirect::to(&format!("/estate/estates/{}/visitors", estate.code)).into_response())
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    house: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    result: String,
}

/// A call or a visit entered in the day's register.
pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<EntryForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let entry = desk::Entry {
        kind: f.kind,
        who: f.who,
        house: f.house,
        request: f.request,
        department: f.department,
        result: f.result,
    };
    desk::record(app.db(), &ctx.actor, &estate, &entry, app.now()).await?;
    Ok(Redirect::to(&format!("/estate/estates/{}/visitors", estate.code)).into_response())
}
