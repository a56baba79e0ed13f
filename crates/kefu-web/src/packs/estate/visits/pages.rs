//! The opinion-visit pages and their JSON.

use crate::error::AppError;
use crate::extract::{FormBody, JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::Panel;
use crate::packs::estate::api::Problem;
use crate::packs::estate::pager;
use crate::render::page;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::Permission;
use kefu_core::ids::CustomerId;
use kefu_estate::archive;
use kefu_estate::fees::Month;
use kefu_estate::opinions::{self, Plan, Said};
use kefu_estate::visit_tasks;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlansQuery {
    estate: String,
    month: String,
}

/// A share in basis points as a percentage with one decimal.
fn percent(bp: Option<i64>) -> String {
    bp.map(|b| format!("{}.{}%", b / 100, (b % 100) / 10)).unwrap_or_else(|| "–".into())
}

pub async fn plans(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PlansQuery>,
) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    let mut rows = Vec::new();
    for e in estates.iter().filter(|e| q.estate.is_empty() || e.code == q.estate) {
        for p in opinions::plans(app.db(), e).await? {
            rows.push(view! { p => p, completion => percent(p.completion_bp), coverage => percent(p.coverage_bp) });
        }
    }
    let year = app.today().year();
    page(
        &app,
        &ctx,
        "estate/visit_plans.html",
        "nav_estate_visits",
        view! {
            estates => estates, estate => q.estate, rows => rows,
            starts_on => format!("{year}-01-01"), ends_on => format!("{year}-12-31"),
            month => Month::of(app.today()).to_string(),
            can_manage => ctx.actor.can(Permission::EstateManage),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    estate: String,
    starts_on: String,
    ends_on: String,
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<PlanForm>,
) -> Result<Response, AppError> {
    let estate = crate::packs::estate::repairs::pages::estate_field(&app, &ctx, &f.estate).await?;
    let first = crate::fields::date("starts_on", f.starts_on.trim()).map_err(AppError::Invalid)?;
    let last = crate::fields::date("ends_on", f.ends_on.trim()).map_err(AppError::Invalid)?;
    let id = opinions::create_plan(app.db(), &ctx.actor, &estate, (first, last), app.today()).await?;
    Ok(Redirect::to(&format!("/estate/visit-plans/{id}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanQuery {
    mine: String,
    pending: String,
    offset: i64,
}

pub async fn plan(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<PlanQuery>,
) -> Result<Html<String>, AppError> {
    let p = opinions::plan(app.db(), &ctx.actor.scope, id).await?;
    let (mine, pending) = (!q.mine.is_empty(), !q.pending.is_empty());
    let filter = (mine.then_some(ctx.actor.user_id.0), pending);
    let mut visits = opinions::visits(app.db(), &p, filter, pager::window(q.offset)).await?;
    let base = format!("/estate/visit-plans/{id}?mine={}&pending={}&", q.mine, q.pending);
    let pager = pager::pager(&mut visits, q.offset, &base, "offset");
    let assignments = opinions::assignments(app.db(), &p).await?;
    let staff: Vec<serde_json::Value> = opinions::staff(app.db(), kefu_core::ids::BranchId(p.branch_id))
        .await?
        .into_iter()
        .map(|(id, name)| view! { id => id, name => name })
        .collect();
    page(
        &app,
        &ctx,
        "estate/visit_plan.html",
        "nav_estate_visits",
        view! {
            p => p, completion => percent(p.completion_bp), coverage => percent(p.coverage_bp),
            visits => visits, pager => pager, assignments => assignments, staff => staff, mine => mine, pending => pending,
            can_manage => ctx.actor.can(Permission::EstateManage),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    building: i64,
    user: i64,
}

pub async fn assign(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<AssignForm>,
) -> Result<Response, AppError> {
    let p = opinions::plan(app.db(), &ctx.actor.scope, id).await?;
    opinions::assign(app.db(), &ctx.actor, &p, f.building, f.user).await?;
    Ok(Redirect::to(&format!("/estate/visit-plans/{id}")).into_response())
}

pub async fn visit(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let v = opinions::visit(app.db(), &ctx.actor.scope, id).await?;
    page(&app, &ctx, "estate/opinion_visit.html", "nav_estate_visits", view! { v => v })
}

/// The visit form, from the visit page or from a call's page (`back` =
/// `calls`: back to the call queue, the visit's task done).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VisitForm {
    #[serde(flatten)]
    said: Said,
    back: String,
}

pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<VisitForm>,
) -> Result<Response, AppError> {
    let v = opinions::record(app.db(), &ctx.actor, id, &f.said, (app.now(), app.today())).await?;
    if f.back == "calls" {
        return Ok(Redirect::to("/outreach/calls").into_response());
    }
    Ok(Redirect::to(&format!("/estate/visit-plans/{}?mine=1&pending=1", v.plan_id)).into_response())
}

/// On a call's page: the opinion visits the resident's open tasks are
/// about, each with the visit's form — for those who may record a visit.
pub async fn call_panel(app: &AppState, ctx: &Ctx, customer: CustomerId) -> Result<Option<Panel>, AppError> {
    if !ctx.actor.can(Permission::EstateWork) {
        return Ok(None);
    }
    let mut visits = Vec::new();
    for id in visit_tasks::open_visits_of(app.db(), customer).await? {
        match opinions::visit(app.db(), &ctx.actor.scope, id).await {
            Ok(v) if v.visited_on.is_none() => visits.push(v),
            Ok(_) | Err(kefu_store::Failure::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((!visits.is_empty()).then(|| Panel {
        template: "estate/visit_call_panel.html",
        top: None,
        data: view! { visits => visits },
    }))
}

pub async fn summary(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PlansQuery>,
) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    let estate = estates.iter().find(|e| e.code == q.estate).or(estates.first());
    let month = Month::parse("month", &q.month).unwrap_or(Month::of(app.today()));
    let s = match estate {
        Some(e) => Some(opinions::month_summary(app.db(), e, month.first_day(), month.last_day()).await?),
        None => None,
    };
    let mean = s.as_ref().and_then(|s| s.mean_hundredths).map(|m| format!("{}.{:02}", m / 100, m % 100));
    page(
        &app,
        &ctx,
        "estate/visit_summary.html",
        "nav_estate_visits",
        view! {
            estates => estates, estate => estate.map(|e| e.code.clone()), month => month.to_string(), s => s,
            mean => mean,
        },
    )
}

/// A plan's progress.
#[derive(Serialize, ToSchema)]
pub struct VisitPlanDto {
    id: i64,
    estate: String,
    starts_on: String,
    ends_on: String,
    planned: i64,
    done: i64,
    /// done ÷ planned, in basis points (10000 = all).
    completion_bp: Option<i64>,
    /// The households lived in now, and those visited in the plan.
    households: i64,
    covered: i64,
    coverage_bp: Option<i64>,
}

impl VisitPlanDto {
    fn of(p: Plan) -> VisitPlanDto {
        VisitPlanDto {
            id: p.id,
            estate: p.estate,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            planned: p.planned,
            done: p.done,
            completion_bp: p.completion_bp,
            households: p.households,
            covered: p.covered,
            coverage_bp: p.coverage_bp,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/estate/visit-plans/{id}", tag = "estate", params(("id" = i64, Path)),
    responses((status = 200, body = VisitPlanDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn plan_api(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<VisitPlanDto>, AppError> {
    Ok(Json(VisitPlanDto::of(opinions::plan(app.db(), &ctx.actor.scope, id).await?)))
}

/// What the owner said at a visit.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"opinions": "电梯保养及时", "suggestions": "增加儿童游乐设施", "satisfaction": 4}))]
pub struct VisitBody {
    opinions: String,
    suggestions: String,
    /// 1 to 5.
    satisfaction: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/estate/opinion-visits/{id}", tag = "estate", params(("id" = i64, Path)),
    request_body = VisitBody,
    responses((status = 200, body = VisitPlanDto), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn record_api(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<VisitBody>,
) -> Result<Json<VisitPlanDto>, AppError> {
    // A score left out is refused by the same rule as one out of range,
    // after the visit is found (one of another estate is not there).
    let satisfaction = b.satisfaction.map(|s| s.to_string()).unwrap_or_default();
    let said = Said { opinions: b.opinions, suggestions: b.suggestions, satisfaction };
    let v = opinions::record(app.db(), &ctx.actor, id, &said, (app.now(), app.today())).await?;
    Ok(Json(VisitPlanDto::of(opinions::plan(app.db(), &ctx.actor.scope, v.plan_id).await?)))
}
