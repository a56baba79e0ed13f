//! The repair pages: the list, the report form, a repair with its steps,
//! and the manager's deadlines per category.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::estate::pager;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::{Invalid, Permission, Rule};
use kefu_estate::archive;
use kefu_estate::fees::yuan_text;
use kefu_estate::repairs::store::{self, Completion, Filter, NewRepair, Repair};
use kefu_estate::repairs::{CATEGORIES, Deadlines, PLACES, SOURCES, Status};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    estate: String,
    status: String,
    category: String,
    escalated: String,
    offset: i64,
}

/// An instant as stored, in the business zone.
fn shown(app: &AppState, t: &str) -> String {
    t.parse::<jiff::Timestamp>().map(|t| app.0.zone.display(t)).unwrap_or_default()
}

/// A repair with what its rows show: its times in the business zone, its
/// charge in yuan, whether it is late now.
pub(super) fn row(app: &AppState, r: &Repair) -> Value {
    let opt = |t: &Option<String>| t.as_deref().map(|t| shown(app, t));
    view! {
        r => r, reported => shown(app, &r.reported_at), arrive_due => shown(app, &r.arrive_due_at),
        complete_due => shown(app, &r.complete_due_at), dispatched => opt(&r.dispatched_at),
        arrived => opt(&r.arrived_at), completed => opt(&r.completed_at), confirmed => opt(&r.confirmed_at),
        charge => yuan_text(r.charge), overdue => r.overdue(app.now()), on_time => r.on_time(),
    }
}

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    // A code the user has no estate of narrows to nothing rather than failing.
    let estate = estates.iter().find(|e| e.code == q.estate);
    let filter = Filter {
        estate: estate.map(|e| e.branch_id),
        status: Status::parse(&q.status),
        category: CATEGORIES.iter().find(|c| c.code == q.category).map(|c| c.code),
        escalated: !q.escalated.is_empty(),
    };
    let mut rows: Vec<Value> = store::list(app.db(), &ctx.actor.scope, &filter, pager::window(q.offset))
        .await?
        .iter()
        .map(|r| row(&app, r))
        .collect();
    let base = format!(
        "/estate/repairs?estate={}&status={}&category={}&escalated={}&",
        q.estate, q.status, q.category, q.escalated
    );
    let pager = pager::pager(&mut rows, q.offset, &base, "offset");
    let deadlines = match estate {
        Some(e) => store::deadlines(app.db(), e).await?,
        None => Vec::new(),
    };
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.code()).collect();
    page(
        &app,
        &ctx,
        "estate/repairs_list.html",
        "nav_estate_repairs",
        view! {
            estates => estates, estate => estate.map(|e| e.code.clone()), rows => rows, statuses => statuses,
            status => filter.status, categories => CATEGORIES, category => filter.category,
            escalated => filter.escalated, deadlines => deadlines, pager => pager,
            can_manage => ctx.actor.can(Permission::EstateManage),
        },
    )
}

pub async fn new_form(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    page(
        &app,
        &ctx,
        "estate/repairs_new.html",
        "nav_estate_repairs",
        view! { estates => estates, estate => q.estate, categories => CATEGORIES, places => PLACES, sources => SOURCES },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewRepairForm {
    estate: String,
    #[serde(flatten)]
    repair: NewRepair,
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<NewRepairForm>,
) -> Result<Response, AppError> {
    let estate = estate_field(&app, &ctx, &f.estate).await?;
    let id = store::report(app.db(), &ctx.actor, &estate, &f.repair, app.now()).await?;
    Ok(Redirect::to(&format!("/estate/repairs/{id}")).into_response())
}

/// The estate a form or a body names, in the user's scope; a code the user
/// has no estate of is refused naming the field.
pub(crate) async fn estate_field(app: &AppState, ctx: &Ctx, code: &str) -> Result<archive::Estate, AppError> {
    match archive::estate(app.db(), &ctx.actor.scope, code.trim()).await {
        Err(kefu_store::Failure::NotFound) => Err(AppError::Invalid(Invalid::new(
            "estate",
            Rule::new("unknown_estate", "请选择您所在的小区", "choose one of your estates"),
        ))),
        other => Ok(other?),
    }
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let repair = store::get(app.db(), &ctx.actor.scope, id).await?;
    let (steps, materials) = store::history(app.db(), &repair).await?;
    let steps: Vec<Value> = steps.iter().map(|s| view! { s => s, at => shown(&app, &s.at) }).collect();
    let materials: Vec<Value> = materials
        .iter()
        .map(|m| view! { m => m, unit_price => yuan_text(m.unit_price), amount => yuan_text(m.amount) })
        .collect();
    let revisits = store::revisits(app.db(), &repair).await?;
    page(
        &app,
        &ctx,
        "estate/repairs_show.html",
        "nav_estate_repairs",
        view! { x => row(&app, &repair), steps => steps, materials => materials, revisits => revisits },
    )
}

/// The next step as the repair's form or the API gives it.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepInput {
    /// dispatch | arrive | complete | confirm
    pub step: String,
    pub technician: String,
    #[serde(flatten)]
    pub completion: Completion,
    /// confirm: "yes" or "no".
    pub satisfied: String,
    pub note: String,
}

/// Takes the step the input names on a repair in scope.
pub(super) async fn take(app: &AppState, ctx: &Ctx, id: i64, input: &StepInput) -> Result<Repair, AppError> {
    let (db, actor) = (app.db(), &ctx.actor);
    Ok(match input.step.as_str() {
        "dispatch" => store::dispatch(db, actor, id, &input.technician).await?,
        "arrive" => store::arrive(db, actor, id).await?,
        "complete" => store::complete(db, actor, id, &input.completion, app.today()).await?,
        "confirm" => {
            let satisfied = match input.satisfied.as_str() {
                "yes" => true,
                "no" => false,
                _ => {
                    return Err(AppError::Invalid(Invalid::new(
                        "satisfied",
                        Rule::new("repair_satisfied", "请选择业主是否满意", "say whether the owner is satisfied"),
                    )));
                }
            };
            store::confirm(db, actor, id, satisfied, &input.note).await?
        }
        _ => {
            // The repair must be there before its step is refused.
            store::get(db, &actor.scope, id).await?;
            return Err(AppError::Invalid(Invalid::new(
                "step",
                Rule::new(
                    "repair_step",
                    "请选择派工、到场、完工或确认",
                    "choose dispatch, arrive, complete or confirm",
                ),
            )));
        }
    })
}

pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<StepInput>,
) -> Result<Response, AppError> {
    take(&app, &ctx, id, &f).await?;
    Ok(Redirect::to(&format!("/estate/repairs/{id}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeadlinesForm {
    estate: String,
    category: String,
    arrive_minutes: String,
    complete_minutes: String,
}

/// A manager sets an estate's deadlines for a category.
pub async fn deadlines(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<DeadlinesForm>,
) -> Result<Response, AppError> {
    let estate = estate_field(&app, &ctx, &f.estate).await?;
    let minutes = |field: &str, text: &str| {
        text.trim().parse::<i64>().map_err(|_| {
            AppError::Invalid(Invalid::new(field, Rule::new("whole_number", "须为整数", "must be a whole number")))
        })
    };
    let d = Deadlines::new(
        minutes("arrive_minutes", &f.arrive_minutes)?,
        minutes("complete_minutes", &f.complete_minutes)?,
    )
    .map_err(AppError::Invalid)?;
    store::set_deadlines(app.db(), &ctx.actor, &estate, &f.category, d).await?;
    Ok(Redirect::to(&format!("/estate/repairs?estate={}", estate.code)).into_response())
}
