//! Repairs over JSON: the list (as the page filters it), a report, one
//! repair with its steps, materials and 回访 calls, and the next step.

use super::pages::{StepInput, estate_field, take};
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::estate::api::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_estate::fees::yuan_text;
use kefu_estate::repairs::store::{self, Completion, Filter, NewRepair, Repair};
use kefu_estate::repairs::{CATEGORIES, Status};
use kefu_estate::window::Window;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A repair work order and where it stands.
#[derive(Serialize, ToSchema)]
pub struct RepairDto {
    id: i64,
    estate: String,
    /// public | in_house
    place: String,
    house: Option<String>,
    location: String,
    category: String,
    /// desk | call | owner_link
    source: String,
    reporter: String,
    description: String,
    /// reported | dispatched | arrived | completed | confirmed
    status: String,
    reported_at: String,
    arrive_due_at: String,
    complete_due_at: String,
    technician: String,
    arrived_at: Option<String>,
    completed_at: Option<String>,
    work_done: String,
    /// Yuan, two decimals: materials and labour of an in-house repair.
    charge: String,
    owner_satisfied: Option<bool>,
    /// A deadline passed unmet.
    overdue: bool,
    /// none | supervisor | manager
    escalation: String,
    /// With a repair read alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<Vec<RepairStepDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    materials: Option<Vec<MaterialDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revisits: Option<Vec<RevisitDto>>,
}

#[derive(Serialize, ToSchema)]
pub struct RepairStepDto {
    /// report | dispatch | arrive | complete | confirm | escalation
    kind: String,
    at: String,
    text: String,
    actor: String,
}

#[derive(Serialize, ToSchema)]
pub struct MaterialDto {
    name: String,
    quantity: i64,
    /// Yuan, two decimals.
    unit_price: String,
    /// Yuan, two decimals.
    amount: String,
}

/// The 回访 call about the repair.
#[derive(Serialize, ToSchema)]
pub struct RevisitDto {
    call_id: i64,
    due_on: String,
    /// pending | claimed | done …
    status: String,
    /// satisfied | problem_reported | no_answer …
    outcome: Option<String>,
    notes: String,
}

impl RepairDto {
    fn of(r: &Repair, now: jiff::Timestamp) -> RepairDto {
        let code = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        RepairDto {
            id: r.id,
            estate: r.estate.clone(),
            place: r.place.clone(),
            house: r.house.clone(),
            location: r.location.clone(),
            category: r.category.clone(),
            source: r.source.clone(),
            reporter: r.reporter.clone(),
            description: r.description.clone(),
            status: r.status.code().to_string(),
            reported_at: r.reported_at.clone(),
            arrive_due_at: r.arrive_due_at.clone(),
            complete_due_at: r.complete_due_at.clone(),
            technician: r.technician.clone(),
            arrived_at: r.arrived_at.clone(),
            completed_at: r.completed_at.clone(),
            work_done: r.work_done.clone(),
            charge: yuan_text(r.charge),
            owner_satisfied: r.owner_satisfied,
            overdue: r.overdue(now),
            escalation: code(serde_json::json!(r.escalation)),
            steps: None,
            materials: None,
            revisits: None,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ListParams {
    /// An estate's code; all of the user's when left out.
    estate: String,
    /// reported | dispatched | arrived | completed | confirmed
    status: String,
    category: String,
    /// Any text: only those escalated.
    escalated: String,
    /// Repairs to skip (the list gives at most 500 from here, latest first).
    offset: i64,
}

#[utoipa::path(get, path = "/api/v1/estate/repairs", tag = "estate", params(ListParams),
    responses((status = 200, body = [RepairDto]), (status = 403, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListParams>,
) -> Result<Json<Vec<RepairDto>>, AppError> {
    let estates = kefu_estate::archive::estates(app.db(), &ctx.actor.scope).await?;
    let estate = match q.estate.as_str() {
        "" => None,
        code => Some(estates.iter().find(|e| e.code == code).map(|e| e.branch_id).ok_or(AppError::NotFound)?),
    };
    let filter = Filter {
        estate,
        status: Status::parse(&q.status),
        category: CATEGORIES.iter().find(|c| c.code == q.category).map(|c| c.code),
        escalated: !q.escalated.is_empty(),
    };
    let list = store::list(app.db(), &ctx.actor.scope, &filter, Window::new(500, q.offset)).await?;
    Ok(Json(list.iter().map(|r| RepairDto::of(r, app.now())).collect()))
}

/// A report (报修).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"estate": "TA", "place": "in_house", "house": "3-2-1502", "category": "water_leak", "source": "call", "reporter": "王建国", "phone": "13800001111", "description": "厨房水管爆裂"}))]
pub struct NewRepairBody {
    /// The estate's code.
    estate: String,
    /// public | in_house
    place: String,
    /// The house (in_house: required).
    house: String,
    /// Where in a public area (public: required).
    location: String,
    /// water_leak | power_failure | lift | drain | door_lock | fixtures | public_facility | other
    category: String,
    /// desk | call | owner_link
    source: String,
    reporter: String,
    phone: String,
    description: String,
}

#[utoipa::path(post, path = "/api/v1/estate/repairs", tag = "estate", request_body = NewRepairBody,
    responses((status = 200, body = RepairDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<NewRepairBody>,
) -> Result<Json<RepairDto>, AppError> {
    let estate = estate_field(&app, &ctx, &b.estate).await?;
    let new = NewRepair {
        place: b.place,
        house: b.house,
        location: b.location,
        category: b.category,
        source: b.source,
        reporter: b.reporter,
        phone: b.phone,
        description: b.description,
    };
    let id = store::report(app.db(), &ctx.actor, &estate, &new, app.now()).await?;
    let r = store::get(app.db(), &ctx.actor.scope, id).await?;
    Ok(Json(RepairDto::of(&r, app.now())))
}

#[utoipa::path(get, path = "/api/v1/estate/repairs/{id}", tag = "estate", params(("id" = i64, Path)),
    responses((status = 200, body = RepairDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<RepairDto>, AppError> {
    let r = store::get(app.db(), &ctx.actor.scope, id).await?;
    let (steps, materials) = store::history(app.db(), &r).await?;
    let revisits = store::revisits(app.db(), &r).await?;
    let mut dto = RepairDto::of(&r, app.now());
    dto.steps = Some(
        steps.into_iter().map(|s| RepairStepDto { kind: s.kind, at: s.at, text: s.text, actor: s.actor }).collect(),
    );
    dto.materials = Some(
        materials
            .into_iter()
            .map(|m| MaterialDto {
                name: m.name,
                quantity: m.quantity,
                unit_price: yuan_text(m.unit_price),
                amount: yuan_text(m.amount),
            })
            .collect(),
    );
    dto.revisits = Some(
        revisits
            .into_iter()
            .map(|v| RevisitDto {
                call_id: v.call_id,
                due_on: v.due_on,
                status: v.status,
                outcome: v.outcome,
                notes: v.notes,
            })
            .collect(),
    );
    Ok(Json(dto))
}

/// The next step: `dispatch` (technician), `arrive`, `complete` (work_done;
/// in-house: materials one a line "name, quantity, unit price" and labour
/// in yuan) or `confirm` (satisfied "yes" | "no", note).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"step": "complete", "work_done": "更换进水软管", "materials": "进水软管, 1, 35.00", "labour": "50.00"}))]
pub struct RepairStepBody {
    step: String,
    technician: String,
    work_done: String,
    materials: String,
    labour: String,
    satisfied: String,
    note: String,
}

#[utoipa::path(post, path = "/api/v1/estate/repairs/{id}/steps", tag = "estate", params(("id" = i64, Path)),
    request_body = RepairStepBody,
    responses((status = 200, body = RepairDto), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<RepairStepBody>,
) -> Result<Json<RepairDto>, AppError> {
    let input = StepInput {
        step: b.step,
        technician: b.technician,
        completion: Completion { work_done: b.work_done, materials: b.materials, labour: b.labour },
        satisfied: b.satisfied,
        note: b.note,
    };
    let r = take(&app, &ctx, id, &input).await?;
    Ok(Json(RepairDto::of(&r, app.now())))
}
