//! The indicators' pages: the monthly report against the targets with its
//! trend charts, export and print view; the targets form; the analysis
//! meeting's minutes and actions; the station and generation meters and the
//! phone-sized monthly reading form.

use super::{month_or_last, read_on};
use crate::chart::{self, Chart, Point};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::{field_label, t};
use crate::render::page;
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::ids::BranchId;
use kefu_core::{Invalid, Lang, Permission};
use kefu_power::indicators::meetings::{self, Minutes};
use kefu_power::indicators::meters::{self, NewSupplyMeter};
use kefu_power::indicators::store::{self, Figures, TargetsInput, TrendPoint};
use kefu_store::Failure;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    month: Option<String>,
    station: Option<String>,
}

fn messages(lang: Lang, errors: &[Invalid]) -> Vec<String> {
    errors.iter().map(|e| e.message(lang, &field_label(lang, &e.field))).collect()
}

/// A figure as a number for a chart.
fn value(text: &Option<String>) -> Option<f64> {
    text.as_deref().and_then(|s| s.parse().ok())
}

/// The 12-month trend of line loss, collection rate and average price.
fn charts(lang: Lang, trend: &[TrendPoint]) -> Vec<(String, String)> {
    let series = |pick: &dyn Fn(&Figures) -> &Option<String>, unit: &str| -> Vec<Point> {
        trend
            .iter()
            .map(|p| {
                let v = value(pick(&p.figures));
                Point {
                    key: p.month.clone(),
                    label: p.month[5..].to_string(),
                    value: v,
                    text: pick(&p.figures).as_ref().map(|s| format!("{s}{unit}")).unwrap_or_else(|| "—".into()),
                }
            })
            .collect()
    };
    let percent_tick = |v: f64| format!("{v:.0}%");
    let price_tick = |v: f64| format!("{v:.2}");
    let loss = series(&|f| &f.line_loss, "%");
    let collection = series(&|f| &f.collection_rate, "%");
    let price = series(&|f| &f.average_price, "");
    let top = |points: &[Point], floor: f64| points.iter().filter_map(|p| p.value).fold(floor, f64::max);
    [
        (
            "chart-line-loss",
            "power_ind_line_loss",
            &loss,
            Some(top(&loss, 10.0).ceil()),
            &percent_tick as &dyn Fn(f64) -> String,
        ),
        ("chart-collection", "power_ind_collection_rate", &collection, Some(100.0), &percent_tick),
        ("chart-average-price", "power_ind_average_price", &price, Some(top(&price, 1.0).ceil()), &price_tick),
    ]
    .into_iter()
    .map(|(id, key, points, max, tick)| {
        let title = format!("{} · {}", t(lang, key), t(lang, "power_ind_trend"));
        let svg = chart::line(&Chart { id, title: &title, desc: &title, points, max, tick });
        (title, svg)
    })
    .collect()
}

async fn report_page(
    app: &AppState,
    ctx: &Ctx,
    month: String,
    station: Option<String>,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let db = app.db();
    let scope = &ctx.actor.scope;
    let report = store::report(db, scope, &month, station.as_deref()).await?;
    let trend = store::trend(db, scope, &month, station.as_deref()).await?;
    let lang = ctx.actor.lang;
    let charts: Vec<Value> =
        charts(lang, &trend).into_iter().map(|(title, svg)| view! { title => title, svg => svg }).collect();
    let meeting = meetings::of_month(db, scope, &month, app.today()).await?;
    let stations = store::stations(db, scope).await?;
    let station_ids: std::collections::HashMap<&str, i64> =
        stations.iter().map(|s| (s.code.as_str(), s.branch_id.0)).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = page(
        app,
        ctx,
        "power/indicators.html",
        "nav_power_indicators",
        view! {
            month => month, station => station, r => report, charts => charts, meeting => meeting,
            stations => stations, station_ids => station_ids,
            can_manage => ctx.actor.can(Permission::PowerManage), errors => errors, today => app.today().to_string(),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn report(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ReportQuery>,
) -> Result<Response, AppError> {
    let month = month_or_last(&app, q.month.as_deref())?;
    report_page(&app, &ctx, month, q.station.filter(|s| !s.trim().is_empty()), Vec::new()).await
}

/// The report as a workbook: a row a station and the centre's.
pub async fn export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ReportQuery>,
) -> Result<Response, AppError> {
    let month = month_or_last(&app, q.month.as_deref())?;
    let r = store::report(app.db(), &ctx.actor.scope, &month, q.station.as_deref()).await?;
    let lang = ctx.actor.lang;
    let share = |s: &Option<String>| Cell::Percent(value(s).map(|v| v / 100.0));
    let text = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
    let centre = t(lang, "power_ind_centre");
    let row = |f: &Figures, name: &str| {
        vec![
            Cell::Text(name.to_string()),
            Cell::Int(f.supplied_kwh),
            Cell::Int(f.sold_kwh),
            Cell::Int(f.loss_kwh),
            share(&f.line_loss),
            share(&f.line_loss_at_most),
            Cell::Text(f.revenue.clone()),
            text(&f.average_price),
            text(&f.average_price_at_least),
            Cell::Text(f.billed.clone()),
            Cell::Text(f.collected.clone()),
            share(&f.collection_rate),
            share(&f.collection_at_least),
            share(&f.reading_rate),
            share(&f.error_rate),
            Cell::Int(f.meter_faults),
            Cell::Text(f.misses.iter().map(|m| t(lang, &format!("power_ind_miss_{m}"))).collect::<Vec<_>>().join(" ")),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r.stations.iter().map(|f| row(f, &f.name)).collect();
    rows.push(row(&r.centre, &centre));
    let header = [
        "power_station",
        "power_ind_supplied",
        "power_ind_sold",
        "power_ind_loss_kwh",
        "power_ind_line_loss",
        "power_ind_target",
        "power_ind_revenue",
        "power_ind_average_price",
        "power_ind_target",
        "power_ind_billed",
        "power_ind_collected",
        "power_ind_collection_rate",
        "power_ind_target",
        "power_ind_reading_rate",
        "power_ind_error_rate",
        "power_ind_meter_faults",
        "power_ind_misses",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let hydros = Sheet {
        name: t(lang, "power_ind_hydros"),
        header: ["power_ind_hydro", "power_ind_meter_no", "power_ind_fed", "power_ind_price", "power_ind_settlement"]
            .iter()
            .map(|k| t(lang, k))
            .collect(),
        rows: r
            .hydros
            .iter()
            .map(|h| {
                vec![
                    Cell::Text(h.site.clone()),
                    Cell::Text(h.meter_no.clone()),
                    Cell::Int(h.kwh),
                    Cell::Text(h.price.clone()),
                    Cell::Text(h.settlement.clone()),
                ]
            })
            .collect(),
    };
    let sheets = [Sheet { name: format!("{} {month}", t(lang, "nav_power_indicators")), header, rows }, hydros];
    Ok(xlsx::download(&format!("indicators-{month}.xlsx"), xlsx::workbook(&sheets)?))
}

#[derive(Deserialize)]
pub struct TargetsForm {
    month: String,
    station_id: i64,
    #[serde(default)]
    line_loss_at_most: String,
    #[serde(default)]
    collection_at_least: String,
    #[serde(default)]
    average_price_at_least: String,
}

/// A station's targets; every refused field is shown on the report.
pub async fn save_targets(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<TargetsForm>,
) -> Result<Response, AppError> {
    let month = month_or_last(&app, Some(&f.month))?;
    let input = TargetsInput {
        line_loss_at_most: f.line_loss_at_most,
        collection_at_least: f.collection_at_least,
        average_price_at_least: f.average_price_at_least,
    };
    match input.check() {
        Ok(targets) => {
            store::save_targets(app.db(), &ctx.actor, BranchId(f.station_id), &targets).await?;
            Ok(Redirect::to(&format!("/power/indicators?month={month}")).into_response())
        }
        Err(errors) => report_page(&app, &ctx, month, None, messages(ctx.actor.lang, &errors)).await,
    }
}

/// A refused form shows its error on the report; anything else fails.
async fn or_report(
    app: &AppState,
    ctx: &Ctx,
    month: String,
    done: Result<meetings::Meeting, Failure>,
) -> Result<Response, AppError> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/power/indicators?month={month}#meeting")).into_response()),
        Err(Failure::Invalid(e)) => report_page(app, ctx, month, None, messages(ctx.actor.lang, &[e])).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct MeetingForm {
    month: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    notes: String,
}

pub async fn save_meeting(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<MeetingForm>,
) -> Result<Response, AppError> {
    let month = month_or_last(&app, Some(&f.month))?;
    let minutes = Minutes { held_on: f.held_on, attendees: f.attendees, notes: f.notes };
    let done = meetings::save(app.db(), &ctx.actor, &month, &minutes, app.today()).await;
    or_report(&app, &ctx, month, done).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    month: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_on: String,
}

pub async fn add_action(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<ActionForm>,
) -> Result<Response, AppError> {
    let month = month_or_last(&app, Some(&f.month))?;
    let done = meetings::add_action(app.db(), &ctx.actor, &month, (&f.action, &f.owner, &f.due_on), app.today()).await;
    or_report(&app, &ctx, month, done).await
}

#[derive(Deserialize)]
pub struct DoneForm {
    month: String,
}

pub async fn complete_action(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<DoneForm>,
) -> Result<Response, AppError> {
    let month = month_or_last(&app, Some(&f.month))?;
    let done = meetings::complete_action(app.db(), &ctx.actor, &month, id, app.today()).await;
    or_report(&app, &ctx, month, done).await
}

/// Opens a done action again: the follow-up found it not done after all.
pub async fn reopen_action(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<DoneForm>,
) -> Result<Response, AppError> {
    let month = month_or_last(&app, Some(&f.month))?;
    let reopened = meetings::reopen_action(app.db(), &ctx.actor, &month, id, app.today()).await;
    or_report(&app, &ctx, month, reopened).await
}

#[derive(Deserialize, Default)]
pub struct ActionsQuery {
    #[serde(default)]
    offset: String,
}

/// The meetings' open actions a page at a time, those past their date marked.
pub async fn actions(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ActionsQuery>,
) -> Result<Response, AppError> {
    let at = super::super::paging::page(&q.offset);
    let list = meetings::open_actions(app.db(), &ctx.actor.scope, app.today(), at).await?;
    let pager = super::super::paging::pager("/power/indicators/actions", &[], at, list.rows.len(), list.total);
    let data = view! { actions => list.rows, pager => pager };
    Ok(page(&app, &ctx, "power/ind_actions.html", "nav_power_indicators", data)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct MeterForm {
    #[serde(default)]
    meter_no: String,
    #[serde(default)]
    kind: String,
    station_id: Option<i64>,
    site_id: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    multiplier: String,
    #[serde(default)]
    opening_reading: String,
    #[serde(default)]
    price: String,
}

async fn meters_page(app: &AppState, ctx: &Ctx, error: Option<String>, typed: Value) -> Result<Response, AppError> {
    meters_page_with(app, ctx, (error, typed), None).await
}

async fn meters_page_with(
    app: &AppState,
    ctx: &Ctx,
    (error, typed): (Option<String>, Value),
    imported: Option<Value>,
) -> Result<Response, AppError> {
    let list = meters::list(app.db(), &ctx.actor.scope).await?;
    let stations = store::stations(app.db(), &ctx.actor.scope).await?;
    let sites = meters::hydro_sites(app.db(), &ctx.actor.scope).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "power/supply_meters.html",
        "nav_power_supply_meters",
        view! {
            meters => list, stations => stations, sites => sites, error => error, typed => typed,
            can_manage => ctx.actor.can(Permission::PowerManage), imported => imported,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn meters(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    meters_page(&app, &ctx, None, Value::Null).await
}

/// A file of the month's readings: the list again with what was entered or
/// every refused row.
pub async fn import(
    State(app): State<AppState>,
    ctx: Ctx,
    form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let bytes = super::api::file_bytes(form).await?;
    let done = kefu_power::indicators::import::import(app.db(), &ctx.actor, &bytes).await?;
    let report = super::api::supply_imported_json(&done, &ctx);
    meters_page_with(&app, &ctx, (None, Value::Null), Some(report)).await
}

pub async fn register(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<MeterForm>,
) -> Result<Response, AppError> {
    let typed = view! { meter_no => f.meter_no, kind => f.kind, name => f.name, multiplier => f.multiplier,
    opening_reading => f.opening_reading, price => f.price };
    let new = NewSupplyMeter {
        meter_no: f.meter_no,
        kind: f.kind,
        branch_id: f.station_id.map(BranchId),
        site_branch_id: f.site_id.map(BranchId),
        name: f.name,
        multiplier: f.multiplier,
        opening_reading: f.opening_reading,
        price: f.price,
    };
    match meters::register(app.db(), &ctx.actor, &new).await {
        Ok(_) => Ok(Redirect::to("/power/supply-meters").into_response()),
        Err(Failure::Invalid(e)) => meters_page(&app, &ctx, messages(ctx.actor.lang, &[e]).pop(), typed).await,
        Err(other) => Err(other.into()),
    }
}

async fn read_page(
    app: &AppState,
    ctx: &Ctx,
    meter_no: &str,
    error: Option<String>,
    typed: Value,
) -> Result<Response, AppError> {
    let m = meters::get(app.db(), &ctx.actor.scope, meter_no).await?;
    // The month after the last one read, else the month just closed.
    let month = match &m.last_month {
        Some(last) => store::next_month(last),
        None => store::last_month(app.today()),
    };
    let history = meters::history(app.db(), &ctx.actor.scope, meter_no).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "power/supply_read.html",
        "nav_power_supply_meters",
        view! { m => m, month => month, history => history, error => error, typed => typed, today => app.today().to_string() },
    )?;
    Ok((status, html).into_response())
}

pub async fn read(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(meter_no): PathParams<String>,
) -> Result<Response, AppError> {
    read_page(&app, &ctx, &meter_no, None, Value::Null).await
}

#[derive(Deserialize)]
pub struct ReadingForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    reading: String,
    #[serde(default)]
    read_on: String,
}

pub async fn save_reading(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(meter_no): PathParams<String>,
    FormBody(f): FormBody<ReadingForm>,
) -> Result<Response, AppError> {
    let typed = view! { month => f.month, reading => f.reading, read_on => f.read_on };
    let done = match read_on(&app, Some(&f.read_on)) {
        Ok(day) => meters::enter(app.db(), &ctx.actor, &meter_no, &f.month, &f.reading, day).await,
        Err(AppError::Invalid(e)) => Err(Failure::Invalid(e)),
        Err(other) => return Err(other),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/power/supply-meters/{meter_no}/read")).into_response()),
        Err(Failure::Invalid(e)) => read_page(&app, &ctx, &meter_no, messages(ctx.actor.lang, &[e]).pop(), typed).await,
        Err(other) => Err(other.into()),
    }
}
