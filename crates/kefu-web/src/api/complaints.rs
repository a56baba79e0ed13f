//! Complaints over JSON: intake, the list with its overdue flags, one
//! complaint with its steps, and the steps of its life — a handling step,
//! the resolution, the re-contact and the closure. Refusals are problem
//! documents naming the field and the rule.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::requests::{MonthQuery, month, month_summary};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_care::complaints::{self, Complaint, ComplaintInput, Filter, Overdue, Step};
use kefu_core::ids::{ComplaintId, CustomerId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A complaint. Instants are UTC (RFC 3339).
#[derive(Serialize, ToSchema)]
pub struct ComplaintDto {
    id: i64,
    branch_id: i64,
    customer_id: i64,
    customer_name: String,
    /// call, visit, front_desk, survey or followup
    source: String,
    category: String,
    /// normal, serious or critical
    severity: String,
    department: String,
    subject: String,
    detail: String,
    /// open, in_progress, resolved, confirmed or closed
    status: String,
    received_at: String,
    received_by: String,
    contact_due_at: String,
    resolve_due_at: String,
    contacted_at: Option<String>,
    resolved_at: Option<String>,
    solution: String,
    recontact_due_at: Option<String>,
    recontacted_at: Option<String>,
    satisfied: Option<bool>,
    closed_at: Option<String>,
    /// none, supervisor or manager
    escalation: String,
    /// It closes only with both measures recorded.
    measures_required: bool,
    /// 纠正措施.
    corrective: String,
    /// 预防措施.
    preventive: String,
    overdue: OverdueDto,
    /// The steps taken, oldest first (only when one complaint is asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<Vec<StepDto>>,
}

/// The deadlines missed as of now.
#[derive(Serialize, ToSchema)]
pub struct OverdueDto {
    contact: bool,
    resolution: bool,
    recontact: bool,
}

#[derive(Serialize, ToSchema)]
pub struct StepDto {
    /// intake, contact, investigation, apology, home_visit, note, resolution,
    /// recontact, reopen, escalation or close
    kind: String,
    at: String,
    text: String,
    actor: String,
}

impl ComplaintDto {
    fn of(c: Complaint, overdue: Overdue) -> ComplaintDto {
        ComplaintDto {
            id: c.id.0,
            branch_id: c.branch_id.0,
            customer_id: c.customer_id.0,
            customer_name: c.customer_name,
            source: c.source,
            category: c.category,
            severity: c.severity,
            department: c.department,
            subject: c.subject,
            detail: c.detail,
            status: c.status.code().to_string(),
            received_at: c.received_at,
            received_by: c.received_by,
            contact_due_at: c.contact_due_at,
            resolve_due_at: c.resolve_due_at,
            contacted_at: c.contacted_at,
            resolved_at: c.resolved_at,
            solution: c.solution,
            recontact_due_at: c.recontact_due_at,
            recontacted_at: c.recontacted_at,
            satisfied: c.satisfied,
            closed_at: c.closed_at,
            escalation: c.escalation.code().to_string(),
            measures_required: c.measures_required,
            corrective: c.corrective,
            preventive: c.preventive,
            overdue: OverdueDto {
                contact: overdue.contact,
                resolution: overdue.resolution,
                recontact: overdue.recontact,
            },
            steps: None,
        }
    }
}

/// The complaint as it stands now, with its steps.
async fn full(app: &AppState, ctx: &Ctx, id: ComplaintId) -> Result<ComplaintDto, AppError> {
    let c = complaints::get(app.db(), &ctx.actor.scope, id).await?;
    let steps = complaints::steps(app.db(), &c)
        .await?
        .into_iter()
        .map(|s| StepDto { kind: s.kind, at: s.at, text: s.text, actor: s.actor })
        .collect();
    let overdue = c.overdue(app.now())?;
    Ok(ComplaintDto { steps: Some(steps), ..ComplaintDto::of(c, overdue) })
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Closed complaints too (default: only those not yet closed).
    all: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ListQuery),
    responses((status = 200, body = Vec<ComplaintDto>), (status = 401, body = super::Problem), (status = 403, body = super::Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Json<Vec<ComplaintDto>>, AppError> {
    let filter = if q.all.unwrap_or(false) { Filter::All } else { Filter::Unclosed };
    let now = app.now();
    let mut out = Vec::new();
    for c in complaints::list(app.db(), &ctx.actor.scope, filter, 500).await? {
        let overdue = c.overdue(now)?;
        out.push(ComplaintDto::of(c, overdue));
    }
    Ok(Json(out))
}

/// A complaint as it is taken in. A missing field is refused by name.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"source": "call", "category": "repair_quality", "severity": "serious", "department": "workshop", "subject": "保养后刹车仍有异响", "detail": "11月25日保养，回家路上刹车吱吱响"}))]
pub struct IntakeBody {
    /// call, visit, front_desk, survey or followup
    #[serde(default)]
    source: String,
    /// service_attitude, repair_quality, waiting_time, price, parts,
    /// sales_promise or other
    #[serde(default)]
    category: String,
    /// normal, serious or critical
    #[serde(default)]
    severity: String,
    /// sales, after_sales, workshop, customer_service or other
    #[serde(default)]
    department: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    detail: String,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/complaints", tag = "complaints", request_body = IntakeBody,
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 201, body = ComplaintDto), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn intake(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<IntakeBody>,
) -> Result<(StatusCode, Json<ComplaintDto>), AppError> {
    let input = ComplaintInput {
        source: b.source,
        category: b.category,
        severity: b.severity,
        department: b.department,
        subject: b.subject,
        detail: b.detail,
    };
    let (choices, deadlines) = (app.packs().core().complaint_choices(), app.0.config.complaints);
    let c = complaints::intake_with(app.db(), &ctx.actor, CustomerId(id), &input, (&choices, &deadlines), app.now())
        .await?;
    Ok((StatusCode::CREATED, Json(full(&app, &ctx, c.id).await?)))
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDto), (status = 404, body = super::Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<ComplaintDto>, AppError> {
    Ok(Json(full(&app, &ctx, ComplaintId(id)).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"step": "contact", "text": "已致电客户，约明早到店检查"}))]
pub struct ComplaintStepBody {
    /// contact, investigation, apology, home_visit or note
    step: String,
    text: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/steps", tag = "complaints", request_body = ComplaintStepBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDto), (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn add_step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ComplaintStepBody>,
) -> Result<Json<ComplaintDto>, AppError> {
    let step = Step::from_code(&b.step).map_err(kefu_store::Failure::from)?;
    complaints::add_step(app.db(), &ctx.actor, ComplaintId(id), step, &b.text, app.now()).await?;
    Ok(Json(full(&app, &ctx, ComplaintId(id)).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"solution": "免费更换刹车片并致歉"}))]
pub struct ResolveBody {
    /// The solution agreed with the customer.
    solution: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/resolve", tag = "complaints", request_body = ResolveBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDto), (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn resolve(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ResolveBody>,
) -> Result<Json<ComplaintDto>, AppError> {
    complaints::resolve(app.db(), &ctx.actor, ComplaintId(id), &b.solution, app.now()).await?;
    Ok(Json(full(&app, &ctx, ComplaintId(id)).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"satisfied": false, "notes": "仍有轻微异响"}))]
pub struct RecontactBody {
    /// Whether the customer is really satisfied; false reopens the complaint.
    satisfied: bool,
    /// Required when the customer is not satisfied.
    #[serde(default)]
    notes: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/recontact", tag = "complaints", request_body = RecontactBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDto), (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn recontact(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<RecontactBody>,
) -> Result<Json<ComplaintDto>, AppError> {
    complaints::recontact(app.db(), &ctx.actor, ComplaintId(id), b.satisfied, &b.notes, app.now()).await?;
    Ok(Json(full(&app, &ctx, ComplaintId(id)).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"notes": "客户满意，结案"}))]
pub struct CloseBody {
    #[serde(default)]
    notes: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/close", tag = "complaints", request_body = CloseBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDto), (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn close(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<CloseBody>,
) -> Result<Json<ComplaintDto>, AppError> {
    complaints::close(app.db(), &ctx.actor, ComplaintId(id), &b.notes, app.now()).await?;
    Ok(Json(full(&app, &ctx, ComplaintId(id)).await?))
}

/// The corrective and preventive measures (纠正预防措施), both required.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"corrective": "更换漏水管段并赔偿业主损失", "preventive": "每季度巡检老旧管道"}))]
pub struct MeasuresBody {
    #[serde(default)]
    corrective: String,
    #[serde(default)]
    preventive: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/measures", tag = "complaints", request_body = MeasuresBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDto), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn measures(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<MeasuresBody>,
) -> Result<Json<ComplaintDto>, AppError> {
    let both = (b.corrective.as_str(), b.preventive.as_str());
    complaints::measures(app.db(), &ctx.actor, ComplaintId(id), both, app.now()).await?;
    Ok(Json(full(&app, &ctx, ComplaintId(id)).await?))
}

/// The monthly complaint summary.
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    /// YYYY-MM
    month: String,
    received: usize,
    closed: usize,
    /// Every category with its count.
    by_category: Vec<(String, usize)>,
    /// Every department with its count.
    by_department: Vec<(String, usize)>,
    first_contact_hours: Option<f64>,
    /// Share of the contacted complaints contacted by their deadline.
    contacted_in_time: Option<f64>,
    resolution_hours: Option<f64>,
    recontacted: usize,
    satisfied: usize,
    satisfaction: Option<f64>,
}

#[utoipa::path(get, path = "/api/v1/complaints/summary", tag = "complaints", params(MonthQuery),
    responses((status = 200, body = SummaryDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn summary(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Json<SummaryDto>, AppError> {
    let first = month(&q, app.today())?;
    let s = month_summary(&app, &ctx, first).await?;
    Ok(Json(SummaryDto {
        month: first.strftime("%Y-%m").to_string(),
        received: s.received,
        closed: s.closed,
        by_category: s.by_category,
        by_department: s.by_department,
        first_contact_hours: s.first_contact_hours,
        contacted_in_time: s.contacted_in_time,
        resolution_hours: s.resolution_hours,
        recontacted: s.recontacted,
        satisfied: s.satisfied,
        satisfaction: s.satisfaction,
    }))
}
