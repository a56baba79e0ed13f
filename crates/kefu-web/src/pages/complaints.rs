//! Complaint pages: the list with its overdue and escalation flags, intake
//! from the customer's 360° page, and the complaint itself with its steps,
//! resolution, re-contact and closure.

use super::customers::back_or_message;
use super::form_message;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_care::complaints::{self, Complaint, ComplaintInput, Filter, Status, Step, cases, rules};
use kefu_core::Permission;
use kefu_core::ids::{ComplaintId, CustomerId};
use kefu_core::time::parse_instant;
use kefu_store::Failure;
use serde::Deserialize;
use serde_json::Value;

/// An instant as the user reads it, in the business zone.
fn shown(app: &AppState, instant: Option<&str>) -> Option<String> {
    instant.and_then(parse_instant).map(|t| app.0.zone.display(t))
}

/// A complaint as the pages show it: times in the business zone, with the
/// deadlines missed as of now.
pub(crate) fn complaint_value(app: &AppState, c: &Complaint) -> Result<Value, AppError> {
    Ok(view! {
        id => c.id, customer_id => c.customer_id, customer_name => c.customer_name, source => c.source,
        category => c.category, severity => c.severity, department => c.department, subject => c.subject,
        detail => c.detail, status => c.status, received_by => c.received_by, solution => c.solution,
        satisfied => c.satisfied, escalation => c.escalation, overdue => c.overdue(app.now())?,
        received_at => shown(app, Some(&c.received_at)), contact_due_at => shown(app, Some(&c.contact_due_at)),
        resolve_due_at => shown(app, Some(&c.resolve_due_at)), contacted_at => shown(app, c.contacted_at.as_deref()),
        resolved_at => shown(app, c.resolved_at.as_deref()),
        recontact_due_at => shown(app, c.recontact_due_at.as_deref()),
        recontacted_at => shown(app, c.recontacted_at.as_deref()), closed_at => shown(app, c.closed_at.as_deref()),
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// Closed complaints too.
    #[serde(default)]
    all: bool,
}

/// Complaints in scope, newest first: by default those not yet closed.
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let filter = if q.all { Filter::All } else { Filter::Unclosed };
    let rows = complaints::list(app.db(), &ctx.actor.scope, filter, 500)
        .await?
        .iter()
        .map(|c| complaint_value(&app, c))
        .collect::<Result<Vec<_>, _>>()?;
    page(
        &app,
        &ctx,
        "complaints/list.html",
        "nav_complaints",
        view! { complaints => rows, all => q.all, can_report => ctx.actor.can(Permission::FollowUpsManage) },
    )
}

/// The choices the intake form offers: the core's categories and
/// departments with the running packs'.
pub(crate) fn intake_choices(app: &AppState) -> Value {
    let choices = app.packs().core().complaint_choices();
    view! {
        sources => complaints::SOURCES, categories => choices.categories,
        severities => complaints::SEVERITIES, departments => choices.departments,
    }
}

/// Takes in a complaint from the customer's page.
pub async fn intake(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(input): FormBody<ComplaintInput>,
) -> Result<Response, AppError> {
    let (choices, deadlines) = (app.packs().core().complaint_choices(), app.0.config.complaints);
    let taken = (&choices, &deadlines);
    match complaints::intake_with(app.db(), &ctx.actor, CustomerId(id), &input, taken, app.now()).await {
        Ok(c) => Ok(Redirect::to(&format!("/complaints/{}", c.id)).into_response()),
        Err(e) => back_or_message(app, ctx, id, Err(e)).await,
    }
}

async fn complaint_page(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let c = complaints::get(app.db(), &ctx.actor.scope, ComplaintId(id)).await?;
    let records = complaints::steps(app.db(), &c).await?;
    let steps: Vec<Value> = records
        .iter()
        .map(|s| view! { kind => s.kind, text => s.text, actor => s.actor, at => shown(app, Some(&s.at)) })
        .collect();
    let today = app.today();
    let case = cases::of_complaint(app.db(), &ctx.actor.scope, c.id).await?.map(|k| {
        let actions: Vec<Value> = k
            .actions
            .iter()
            .map(|a| {
                view! {
                    id => a.id, action => a.action, owner => a.owner, due_on => a.due_on, done_at => a.done_at,
                    done_by => a.done_by, overdue => a.overdue(today),
                }
            })
            .collect();
        view! { root_cause => k.root_cause, actions => actions }
    });
    // Whoever last worked on it answers for it (escalations are the
    // system's); until then whoever took it in.
    let responsible = records
        .iter()
        .rev()
        .find(|s| s.kind != "escalation")
        .map_or_else(|| c.received_by.clone(), |s| s.actor.clone());
    let customer = kefu_care::customers::get(app.db(), &ctx.actor.scope, c.customer_id).await?.shown_to(&ctx.actor);
    let mut about = None;
    for pack in app.packs().web() {
        about = about.or(pack.complaint_about(app, ctx, c.customer_id, &c.received_at).await?);
    }
    let (status, message) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let html = page(
        app,
        ctx,
        "complaints/view.html",
        "nav_complaints",
        view! {
            c => complaint_value(app, &c)?, steps => steps, step_kinds => Step::ALL.map(Step::code),
            offered => rules::offered(c.status), countdown => countdowns(app, ctx.actor.lang, &c),
            mobile => customer.mobile, responsible => responsible,
            about => about,
            case => case, can_case => ctx.actor.can(Permission::FollowUpsManage), error => message,
        },
    )?;
    Ok((status, html).into_response())
}

/// Time left to each deadline still open ("还剩 1 小时 20 分"), or how far
/// past it is.
fn countdowns(app: &AppState, lang: kefu_core::Lang, c: &Complaint) -> Value {
    let now = app.now();
    let left = |due: Option<&str>, done: bool| {
        due.and_then(parse_instant).filter(|_| !done).map(|due| {
            let minutes = rules::minutes_left(now, due);
            let text = duration_text(lang, minutes.abs());
            let key = if minutes < 0 { "complaint_time_over" } else { "complaint_time_left" };
            view! { text => t(lang, key).replace("{t}", &text), late => minutes < 0 }
        })
    };
    let open = c.status != Status::Closed;
    view! {
        contact => left(Some(&c.contact_due_at), c.contacted_at.is_some() || !open),
        resolve => left(Some(&c.resolve_due_at), c.resolved_at.is_some() || !open),
        recontact => left(c.recontact_due_at.as_deref(), c.recontacted_at.is_some() || !open),
    }
}

/// "2 天 3 小时 5 分" / "2 d 3 h 5 min": the largest units only.
fn duration_text(lang: kefu_core::Lang, minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let parts = [("time_days", days), ("time_hours", hours), ("time_minutes", mins)];
    let shown: Vec<String> = parts
        .iter()
        .skip_while(|(_, n)| *n == 0)
        .take(2)
        .filter(|(_, n)| *n > 0)
        .map(|(key, n)| t(lang, key).replace("{n}", &n.to_string()))
        .collect();
    if shown.is_empty() { t(lang, "time_minutes").replace("{n}", "0") } else { shown.join(" ") }
}

pub async fn view(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    complaint_page(&app, &ctx, id, None).await
}

/// After a step: back to the complaint, or the complaint again with the
/// message when a rule refused it.
async fn after<T>(app: AppState, ctx: Ctx, id: i64, result: Result<T, Failure>) -> Result<Response, AppError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/complaints/{id}")).into_response()),
        Err(Failure::Conflict(rule)) => {
            let message = rule.message(ctx.actor.lang).to_string();
            complaint_page(&app, &ctx, id, Some((StatusCode::CONFLICT, message))).await
        }
        Err(e) => {
            let message = form_message(e.into(), ctx.actor.lang)?;
            complaint_page(&app, &ctx, id, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await
        }
    }
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    text: String,
}

pub async fn add_step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<StepForm>,
) -> Result<Response, AppError> {
    let result = match Step::from_code(&f.step) {
        Ok(step) => complaints::add_step(app.db(), &ctx.actor, ComplaintId(id), step, &f.text, app.now()).await,
        Err(e) => Err(e.into()),
    };
    after(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    solution: String,
}

pub async fn resolve(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<ResolveForm>,
) -> Result<Response, AppError> {
    let result = complaints::resolve(app.db(), &ctx.actor, ComplaintId(id), &f.solution, app.now()).await;
    after(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct RecontactForm {
    /// "yes" or "no".
    #[serde(default)]
    satisfied: String,
    #[serde(default)]
    notes: String,
}

/// The satisfied answer of a form: yes or no, nothing else.
fn yes_or_no(answer: &str) -> Result<bool, kefu_core::Invalid> {
    match answer {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(kefu_core::Invalid::new(
            "satisfied",
            kefu_core::Rule::new("satisfied_answer", "请选择客户是否满意", "say whether the customer is satisfied"),
        )),
    }
}

pub async fn recontact(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<RecontactForm>,
) -> Result<Response, AppError> {
    let result = match yes_or_no(&f.satisfied) {
        Ok(satisfied) => {
            complaints::recontact(app.db(), &ctx.actor, ComplaintId(id), satisfied, &f.notes, app.now()).await
        }
        Err(e) => Err(e.into()),
    };
    after(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    notes: String,
}

pub async fn close(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<CloseForm>,
) -> Result<Response, AppError> {
    let result = complaints::close(app.db(), &ctx.actor, ComplaintId(id), &f.notes, app.now()).await;
    after(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct MeasuresForm {
    #[serde(default)]
    corrective: String,
    #[serde(default)]
    preventive: String,
}

/// Records the corrective and preventive measures (纠正预防措施).
pub async fn measures(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<MeasuresForm>,
) -> Result<Response, AppError> {
    let both = (f.corrective.as_str(), f.preventive.as_str());
    let result = complaints::measures(app.db(), &ctx.actor, ComplaintId(id), both, app.now()).await;
    after(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    root_cause: String,
}

/// Makes a case of a closed complaint.
pub async fn open_case(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<CaseForm>,
) -> Result<Response, AppError> {
    let result = cases::open(app.db(), &ctx.actor, ComplaintId(id), &f.root_cause, app.now()).await;
    after(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct ActionForm {
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
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<ActionForm>,
) -> Result<Response, AppError> {
    let action = (f.action.as_str(), f.owner.as_str(), f.due_on.as_str());
    let result = cases::add_action(app.db(), &ctx.actor, ComplaintId(id), action, app.now()).await;
    after(app, ctx, id, result).await
}

pub async fn complete_action(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((id, action)): PathParams<(i64, i64)>,
) -> Result<Response, AppError> {
    let result = cases::complete_action(app.db(), &ctx.actor, ComplaintId(id), action, app.now()).await;
    after(app, ctx, id, result).await
}
