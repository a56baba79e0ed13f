//! Applications over JSON: the list (as the page filters it), a new
//! application with its acceptance, one application with its steps, and the
//! next step taken. Documents are uploaded through the pages.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::power::api::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_power::connections::store::{self, Application, NewApplication, StepDone, StepInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An application (业扩报装) and where it stands.
#[derive(Serialize, ToSchema)]
pub struct ApplicationDto {
    id: i64,
    /// YK and seven digits.
    number: String,
    station_id: i64,
    station: String,
    customer_id: i64,
    customer_name: String,
    account_no: String,
    /// new | increase | decrease | pause | transfer | close
    kind: String,
    /// residential | low_voltage | hv_single | hv_dual
    supply: String,
    capacity_kva: i64,
    received_on: String,
    /// accepted | supply_plan | design_review | middle_check | completion_acceptance | connection
    last_step: String,
    last_done_on: String,
    next_step: Option<String>,
    next_due: Option<String>,
    overdue: bool,
    connected_on: Option<String>,
    /// The steps done, with an application read alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<Vec<ApplicationStepDto>>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationStepDto {
    step: String,
    done_on: String,
    due_on: Option<String>,
    done_by: String,
    notes: String,
    meter_no: Option<String>,
    /// kWh, two decimals.
    opening_reading: Option<String>,
    documents: Vec<String>,
}

impl ApplicationDto {
    fn of(a: &Application, steps: Option<&[StepDone]>) -> ApplicationDto {
        ApplicationDto {
            id: a.id,
            number: a.number.clone(),
            station_id: a.branch_id.0,
            station: a.station.clone(),
            customer_id: a.customer_id.0,
            customer_name: a.customer_name.clone(),
            account_no: a.account_no.clone(),
            kind: a.kind.clone(),
            supply: a.supply.clone(),
            capacity_kva: a.capacity_kva,
            received_on: a.received_on.to_string(),
            last_step: a.last_step.clone(),
            last_done_on: a.last_done_on.to_string(),
            next_step: a.next_step.clone(),
            next_due: a.next_due.map(|d| d.to_string()),
            overdue: a.overdue,
            connected_on: a.connected_on.map(|d| d.to_string()),
            steps: steps.map(|s| {
                s.iter()
                    .map(|d| ApplicationStepDto {
                        step: d.step.clone(),
                        done_on: d.done_on.to_string(),
                        due_on: d.due_on.map(|x| x.to_string()),
                        done_by: d.done_by.clone(),
                        notes: d.notes.clone(),
                        meter_no: d.meter_no.clone(),
                        opening_reading: d.opening_reading.clone(),
                        documents: d.documents.iter().map(|x| x.name.clone()).collect(),
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ListParams {
    /// A supply station's branch id.
    station: Option<i64>,
    /// Only those whose next step is this one.
    step: String,
    /// Any text: only those past their deadline.
    overdue: String,
    /// Any text: connected ones too.
    all: String,
    /// The page's first application, counted from 0 (at most 1000 a request).
    offset: String,
}

#[utoipa::path(get, path = "/api/v1/power/applications", tag = "power", params(ListParams),
    responses((status = 200, body = [ApplicationDto]), (status = 403, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListParams>,
) -> Result<Json<Vec<ApplicationDto>>, AppError> {
    let f = store::Filter {
        station: q.station.map(kefu_core::ids::BranchId),
        next_step: kefu_power::connections::Step::parse("step", &q.step).ok(),
        overdue: !q.overdue.is_empty(),
        all: !q.all.is_empty(),
    };
    let page = kefu_power::paging::Page { limit: 1000, ..super::super::paging::page(&q.offset) };
    let list = store::list(app.db(), &ctx.actor.scope, &f, app.today(), page).await?;
    Ok(Json(list.rows.iter().map(|a| ApplicationDto::of(a, None)).collect()))
}

/// A new application, taken with its acceptance (受理).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"kind": "new", "customer_id": 1, "station_id": 2, "usage_class": "residential", "voltage": "220v", "dual_source": false, "capacity_kva": 8, "supply_address": "青山镇龙岩村3组12号", "received_on": "2026-11-20", "notes": "一户一表新装"}))]
pub struct NewApplicationBody {
    /// new | increase | decrease | pause | transfer | close
    kind: String,
    /// The applicant (a customer id).
    customer_id: i64,
    /// new: the supply station's branch id.
    station_id: Option<i64>,
    /// A change: the account's number.
    account_no: String,
    /// new: residential | general_commercial | large_industry | agricultural
    usage_class: String,
    /// new: 220v | 380v | 10kv
    voltage: String,
    dual_source: bool,
    /// new, increase, decrease: the capacity applied for.
    capacity_kva: Option<i64>,
    supply_address: String,
    /// YYYY-MM-DD; today when left out.
    received_on: Option<String>,
    notes: String,
}

fn date(field: &str, text: Option<&str>) -> Result<Option<jiff::civil::Date>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => crate::fields::date(field, t).map(Some).map_err(AppError::Invalid),
    }
}

#[utoipa::path(post, path = "/api/v1/power/applications", tag = "power", request_body = NewApplicationBody,
    responses((status = 200, body = ApplicationDto), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<NewApplicationBody>,
) -> Result<Json<ApplicationDto>, AppError> {
    let new = NewApplication {
        kind: b.kind,
        customer: b.customer_id,
        station: b.station_id,
        account_no: b.account_no,
        usage_class: b.usage_class,
        voltage: b.voltage,
        dual_source: b.dual_source,
        capacity_kva: b.capacity_kva,
        supply_address: b.supply_address,
        received_on: date("received_on", b.received_on.as_deref())?,
        notes: b.notes,
        documents: Vec::new(),
    };
    let a = store::create(app.db(), &ctx.actor, &new, app.now(), app.today()).await?;
    Ok(Json(ApplicationDto::of(&a, None)))
}

#[utoipa::path(get, path = "/api/v1/power/applications/{id}", tag = "power", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<ApplicationDto>, AppError> {
    let (a, steps) = store::get(app.db(), &ctx.actor.scope, id, app.today()).await?;
    Ok(Json(ApplicationDto::of(&a, Some(&steps))))
}

/// The next step done.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"step": "supply_plan", "on": "2026-11-24", "notes": "供电方案已答复客户"}))]
pub struct StepBody {
    /// supply_plan | design_review | middle_check | completion_acceptance | connection
    step: String,
    /// YYYY-MM-DD; today when left out.
    on: Option<String>,
    notes: String,
    /// connection: the meter installed.
    meter_no: String,
    /// connection: its opening reading in kWh, e.g. "0.00".
    opening_reading: String,
}

#[utoipa::path(post, path = "/api/v1/power/applications/{id}/steps", tag = "power", params(("id" = i64, Path)),
    request_body = StepBody,
    responses((status = 200, body = ApplicationDto), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<StepBody>,
) -> Result<Json<ApplicationDto>, AppError> {
    let input = StepInput {
        step: b.step,
        on: date("on", b.on.as_deref())?,
        notes: b.notes,
        meter_no: b.meter_no,
        opening_reading: b.opening_reading,
        documents: Vec::new(),
    };
    let a = store::take_step(app.db(), &ctx.actor, id, &input, app.now(), app.today()).await?;
    Ok(Json(ApplicationDto::of(&a, None)))
}
