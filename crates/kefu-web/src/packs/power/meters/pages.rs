//! The meter archive's pages: the list (and its workbook), a meter with its
//! history and its installation or removal, the batch acceptance form, the
//! month's plan with its work orders, the instruments.

use super::api::{BatchBody, BatchMeterBody, CompleteBody, InstallBody, MeterQuery, month_of};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::{Invalid, Rule};
use kefu_power::archive::{self as accounts, Station};
use kefu_power::meter_archive::{self as archive, Asset, KINDS, parse_reading, reading_text};
use kefu_power::meters::MeterState;
use kefu_power::paging::Page;
use serde::Deserialize;
use serde_json::Value;

const STATES: &[&str] = &["in_stock", "installed", "removed", "scrapped"];

fn row(a: &Asset) -> Value {
    view! {
        a => a, install_reading => a.install_reading.map(reading_text), removal_reading => a.removal_reading.map(reading_text),
    }
}

async fn stations(app: &AppState, ctx: &Ctx) -> Result<Vec<Station>, AppError> {
    Ok(accounts::stations(app.db(), &ctx.actor.scope).await?)
}

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MeterQuery>,
) -> Result<Html<String>, AppError> {
    let state = q.state.clone().unwrap_or_default();
    let at = super::super::paging::page(&q.offset);
    let list = archive::list(app.db(), &ctx.actor.scope, q.station.map(BranchId), &state, at).await?;
    let rows: Vec<Value> = list.rows.iter().map(row).collect();
    let query = [("station", q.station.map(|s| s.to_string()).unwrap_or_default()), ("state", state.clone())];
    let pager = super::super::paging::pager("/power/meters", &query, at, list.rows.len(), list.total);
    page(
        &app,
        &ctx,
        "power/meters/list.html",
        "nav_power_meters",
        view! {
            rows => rows, pager => pager, stations => stations(&app, &ctx).await?, station => q.station, state => state, states => STATES,
            export => format!("/power/meters.xlsx?station={}&state={state}", q.station.map(|s| s.to_string()).unwrap_or_default()),
        },
    )
}

pub async fn export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MeterQuery>,
) -> Result<Response, AppError> {
    let t = |k: &str| crate::i18n::t(ctx.actor.lang, k);
    let list =
        archive::list(app.db(), &ctx.actor.scope, q.station.map(BranchId), q.state.as_deref().unwrap_or(""), Page::ALL)
            .await?
            .rows;
    let header = [
        "field_meter_no",
        "field_asset_no",
        "field_meter_kind",
        "field_accuracy_class",
        "field_rated_current",
        "field_maker",
        "field_batch",
        "field_verified_on",
        "power_meter_verification",
        "field_seals",
        "power_meter_state",
        "field_account_no",
        "power_meter_install_reading",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows = list
        .iter()
        .map(|a| {
            vec![
                Cell::Text(a.meter_no.clone()),
                Cell::Text(a.asset_no.clone()),
                Cell::Text(t(&format!("meter_kind_{}", a.kind))),
                Cell::Text(a.accuracy_class.clone()),
                Cell::Text(a.rated_current.clone()),
                Cell::Text(a.maker.clone()),
                Cell::Text(a.batch.clone()),
                Cell::Text(a.verified_on.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Text(
                    a.verification.as_deref().map(|v| t(&format!("power_meter_verification_{v}"))).unwrap_or_default(),
                ),
                Cell::Text(a.seals.clone()),
                Cell::Text(t(&format!("power_meter_state_{}", a.state))),
                Cell::Text(a.account_no.clone().unwrap_or_default()),
                Cell::Text(a.install_reading.map(reading_text).unwrap_or_default()),
            ]
        })
        .collect();
    let bytes = xlsx::workbook(&[Sheet { name: t("nav_power_meters"), header, rows }])?;
    Ok(xlsx::download(&format!("meters-{}.xlsx", app.today()), bytes))
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Html<String>, AppError> {
    let a = archive::get(app.db(), &ctx.actor.scope, &no).await?;
    let history: Vec<Value> =
        a.history.iter().map(|m| view! { m => m, reading => m.reading.map(reading_text) }).collect();
    page(
        &app,
        &ctx,
        "power/meters/show.html",
        "nav_power_meters",
        view! { r => row(&a), history => history, today => app.today().to_string() },
    )
}

#[derive(Deserialize)]
pub struct InstallForm {
    #[serde(default)]
    account_no: String,
    on: Option<Date>,
    #[serde(default)]
    reading: String,
    #[serde(default)]
    seals: String,
    point_class: Option<String>,
}

pub async fn install(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    FormBody(f): FormBody<InstallForm>,
) -> Result<Response, AppError> {
    let body = InstallBody {
        account_no: f.account_no,
        on: f.on,
        reading: f.reading,
        seals: f.seals,
        point_class: f.point_class,
    };
    let i = body.installation(app.today()).map_err(AppError::Invalid)?;
    let a = archive::install(app.db(), &ctx.actor, &no, &i, app.now()).await?;
    Ok(Redirect::to(&format!("/power/meters/{}", a.meter_no)).into_response())
}

#[derive(Deserialize)]
pub struct RemoveForm {
    on: Option<Date>,
    #[serde(default)]
    reading: String,
}

pub async fn remove(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    FormBody(f): FormBody<RemoveForm>,
) -> Result<Response, AppError> {
    let reading = parse_reading("reading", &f.reading).map_err(AppError::Invalid)?;
    let on = f.on.unwrap_or_else(|| app.today());
    let a = archive::remove(app.db(), &ctx.actor, &no, on, reading, app.now()).await?;
    Ok(Redirect::to(&format!("/power/meters/{}", a.meter_no)).into_response())
}

#[derive(Deserialize)]
pub struct SetAsideForm {
    on: Option<Date>,
    #[serde(default)]
    reason: String,
}

pub async fn scrap(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    FormBody(f): FormBody<SetAsideForm>,
) -> Result<Response, AppError> {
    let on = f.on.unwrap_or_else(|| app.today());
    let a = archive::set_aside(app.db(), &ctx.actor, &no, (MeterState::Scrapped, on, &f.reason), app.now()).await?;
    Ok(Redirect::to(&format!("/power/meters/{}", a.meter_no)).into_response())
}

pub async fn return_to_stock(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    FormBody(f): FormBody<SetAsideForm>,
) -> Result<Response, AppError> {
    let on = f.on.unwrap_or_else(|| app.today());
    let a = archive::set_aside(app.db(), &ctx.actor, &no, (MeterState::InStock, on, &f.reason), app.now()).await?;
    Ok(Redirect::to(&format!("/power/meters/{}", a.meter_no)).into_response())
}

pub async fn batch_form(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    page(
        &app,
        &ctx,
        "power/meters/batch.html",
        "nav_power_meters",
        view! { stations => stations(&app, &ctx).await?, kinds => KINDS, today => app.today().to_string() },
    )
}

#[derive(Deserialize)]
pub struct BatchForm {
    station_id: Option<i64>,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    maker: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    accuracy_class: String,
    #[serde(default)]
    rated_current: String,
    register_digits: Option<i64>,
    verified_on: Option<Date>,
    #[serde(default)]
    ct_ratio: String,
    #[serde(default)]
    pt_ratio: String,
    /// One meter a line: number, asset number, passed or failed, seals.
    #[serde(default)]
    meters: String,
}

pub async fn accept(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<BatchForm>,
) -> Result<Response, AppError> {
    let required = |field: &str| AppError::Invalid(Invalid::required(field));
    let mut meters = Vec::new();
    for (i, line) in f.meters.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let cells: Vec<&str> = line.split([',', '，', '\t']).map(str::trim).collect();
        let [meter_no, asset_no, verification, seals @ ..] = cells.as_slice() else {
            return Err(AppError::Invalid(Invalid::new(
                format!("meters[{i}].meter_no"),
                Rule::new(
                    "batch_line",
                    "每行：表号, 资产号, passed/failed, 封印号",
                    "each line: meter no., asset no., passed/failed, seals",
                ),
            )));
        };
        meters.push(BatchMeterBody {
            meter_no: meter_no.to_string(),
            asset_no: asset_no.to_string(),
            verification: verification.to_string(),
            seals: seals.join(" "),
        });
    }
    let body = BatchBody {
        station_id: f.station_id.ok_or_else(|| required("station_id"))?,
        batch: f.batch,
        maker: f.maker,
        kind: f.kind,
        accuracy_class: f.accuracy_class,
        rated_current: f.rated_current,
        register_digits: f.register_digits.ok_or_else(|| required("register_digits"))?,
        verified_on: f.verified_on.ok_or_else(|| required("verified_on"))?,
        ct_ratio: Some(f.ct_ratio),
        pt_ratio: Some(f.pt_ratio),
        meters,
    };
    let batch = body.batch().map_err(AppError::Invalid)?;
    archive::accept_batch(app.db(), &ctx.actor, &batch, app.now()).await?;
    Ok(Redirect::to(&format!("/power/meters?station={}&state=in_stock", body.station_id)).into_response())
}

#[derive(Deserialize, Default)]
pub struct PlanPageQuery {
    station: Option<i64>,
    month: Option<String>,
}

async fn station_plan(
    app: &AppState,
    ctx: &Ctx,
    q: &PlanPageQuery,
    generate: bool,
) -> Result<(Vec<Station>, Option<archive::Plan>), AppError> {
    let stations = stations(app, ctx).await?;
    let station = q.station.map(BranchId).or_else(|| stations.first().map(|s| s.branch_id));
    let first = month_of(q.month.as_deref(), app.today())?;
    let plan = match station {
        Some(s) => Some(archive::plan(app.db(), &ctx.actor, s, first, generate).await?),
        None => None,
    };
    Ok((stations, plan))
}

pub async fn plan(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PlanPageQuery>,
) -> Result<Html<String>, AppError> {
    let (stations, plan) = station_plan(&app, &ctx, &q, false).await?;
    let month = month_of(q.month.as_deref(), app.today())?.strftime("%Y-%m").to_string();
    let orders: Vec<Value> = plan
        .as_ref()
        .map(|p| p.orders.iter().map(|o| view! { o => o, old_reading => o.old_reading.map(reading_text) }).collect())
        .unwrap_or_default();
    page(
        &app,
        &ctx,
        "power/meters/plan.html",
        "nav_power_meter_plans",
        view! {
            stations => stations, station => plan.as_ref().map(|p| p.station.0), month => month, orders => orders,
            plan => plan, today => app.today().to_string(),
        },
    )
}

pub async fn generate(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(q): FormBody<PlanPageQuery>,
) -> Result<Response, AppError> {
    let (_, plan) = station_plan(&app, &ctx, &q, true).await?;
    let plan = plan.ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/power/meter-plans?station={}&month={}", plan.station.0, plan.month)).into_response())
}

pub async fn plan_export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PlanPageQuery>,
) -> Result<Response, AppError> {
    let t = |k: &str| crate::i18n::t(ctx.actor.lang, k);
    let (_, plan) = station_plan(&app, &ctx, &q, false).await?;
    let plan = plan.ok_or(AppError::NotFound)?;
    let header = [
        "power_work_order_kind",
        "field_meter_no",
        "field_account_no",
        "field_due_on",
        "power_work_order_status",
        "field_old_reading",
        "field_new_meter_no",
        "field_seals",
        "field_result",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows = plan
        .orders
        .iter()
        .map(|o| {
            vec![
                Cell::Text(t(&format!("power_work_order_{}", o.kind))),
                Cell::Text(o.meter_no.clone()),
                Cell::Text(o.account_no.clone().unwrap_or_default()),
                Cell::Text(o.due_on.clone()),
                Cell::Text(t(&format!("power_work_order_status_{}", o.status))),
                Cell::Text(o.old_reading.map(reading_text).unwrap_or_default()),
                Cell::Text(o.new_meter_no.clone().unwrap_or_default()),
                Cell::Text(o.seals.clone().unwrap_or_default()),
                Cell::Text(o.result.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let bytes = xlsx::workbook(&[Sheet { name: t("nav_power_meter_plans"), header, rows }])?;
    Ok(xlsx::download(&format!("meter-plan-{}.xlsx", plan.month), bytes))
}

#[derive(Deserialize)]
pub struct CompleteForm {
    on: Option<Date>,
    old_reading: Option<String>,
    #[serde(default)]
    new_meter_no: String,
    new_reading: Option<String>,
    #[serde(default)]
    seals: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    back: String,
}

pub async fn complete(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<CompleteForm>,
) -> Result<Response, AppError> {
    let body = CompleteBody {
        on: f.on,
        old_reading: f.old_reading,
        new_meter_no: f.new_meter_no,
        new_reading: f.new_reading,
        seals: f.seals,
        result: f.result,
    };
    let c = body.completion().map_err(AppError::Invalid)?;
    archive::complete(app.db(), &ctx.actor, id, &c, app.today(), app.now()).await?;
    // Back to the plan it came from; only a path of this site.
    let back = if f.back.starts_with("/power/meter-plans") { f.back } else { "/power/meter-plans".into() };
    Ok(Redirect::to(&back).into_response())
}

pub async fn instruments(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let (list, in_date) = archive::instruments(app.db(), &ctx.actor.scope, app.today()).await?;
    page(
        &app,
        &ctx,
        "power/meters/instruments.html",
        "nav_power_meters",
        view! { list => list, in_date => in_date, stations => stations(&app, &ctx).await?, today => app.today().to_string() },
    )
}

#[derive(Deserialize)]
pub struct InstrumentForm {
    station_id: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    serial: String,
    verified_on: Option<Date>,
}

pub async fn add_instrument(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<InstrumentForm>,
) -> Result<Response, AppError> {
    let station = f.station_id.ok_or_else(|| AppError::Invalid(Invalid::required("station_id")))?;
    let on = f.verified_on.ok_or_else(|| AppError::Invalid(Invalid::required("verified_on")))?;
    archive::add_instrument(app.db(), &ctx.actor, BranchId(station), &f.name, &f.serial, on).await?;
    Ok(Redirect::to("/power/instruments").into_response())
}
