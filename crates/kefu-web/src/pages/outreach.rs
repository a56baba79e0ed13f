//! Outreach pages: today's tasks at a glance, the agents' call queue and the
//! call itself (script, claim, outcome), the supervisor's follow-up items,
//! and the playbooks an administrator edits.

use super::form_message;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::Permission;
use kefu_core::ids::CallId;
use kefu_outreach::calls::{self, Outcome, Remedy};
use kefu_outreach::store;
use serde::Deserialize;
use serde_json::Value;

/// Today's tasks in scope, counted by playbook, channel and status.
pub async fn overview(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let today = app.today();
    let names = super::playbook_names(&app, ctx.actor.lang);
    let counts: Vec<Value> = kefu_outreach::day::task_counts(app.db(), &ctx.actor.scope, today)
        .await?
        .into_iter()
        .map(|c| {
            let playbook = names.get(&c.playbook).cloned().unwrap_or(c.playbook);
            view! { playbook => playbook, channel => c.channel, status => c.status, n => c.n }
        })
        .collect();
    let last_run = kefu_outreach::day::last_run(app.db(), today).await?;
    let reports = crate::render::links(&ctx, app.packs().web().flat_map(|p| p.reports().iter()), "");
    page(
        &app,
        &ctx,
        "outreach/overview.html",
        "nav_outreach",
        view! {
            today => today.to_string(), counts => counts,
            last_run => last_run.and_then(|t| kefu_core::time::parse_instant(&t)).map(|t| app.0.zone.display(t)),
            can_run => ctx.actor.can(Permission::OutreachManage),
            can_report => ctx.actor.can(Permission::FollowUpsManage), reports => reports,
        },
    )
}

/// Runs today's outreach now (it also runs by itself every morning).
pub async fn run_now(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let summary = app.packs().core().run_outreach(app.db(), &ctx.actor, (app.today(), &app.0.zone), &|_, _| {}).await?;
    // A second run finds the day's work done: it says so, "0 new tasks".
    let mut res = Redirect::to("/outreach").into_response();
    res.extensions_mut().insert(crate::flash::Flash::new("flash_outreach_ran", Some(summary.created_total)));
    Ok(res)
}

fn call_value(c: &calls::Call, ctx: &Ctx, names: &std::collections::HashMap<String, String>) -> Value {
    let mobile = c.mobile.as_deref().map(|m| {
        if ctx.actor.can(Permission::PersonalDataView) { m.to_string() } else { kefu_care::customers::mask_mobile(m) }
    });
    view! {
        id => c.id, customer_id => c.customer_id, customer_name => c.customer_name, mobile => mobile,
        playbook => names.get(&c.playbook).cloned().unwrap_or_else(|| c.playbook.clone()), due_date => c.due_date,
        anchor_date => c.anchor_date, priority => c.priority, status => c.status, mine => c.claimed_by == Some(ctx.actor.user_id.0),
        claimed_by_name => c.claimed_by_name, attempts => c.attempts, message => c.message, reason => c.reason,
        outcome => c.outcome, notes => c.notes, quiet => if c.quiet_start.is_empty() { String::new() } else { format!("{}–{}", c.quiet_start, c.quiet_end) },
        preferred_time => c.preferred_time,
    }
}

/// Whether it is now the customer's quiet hours, at local time `now`.
fn quiet_now(c: &calls::Call, now: jiff::civil::Time) -> bool {
    let prefs = kefu_care::preferences::PreferencesInput {
        quiet_start: c.quiet_start.clone(),
        quiet_end: c.quiet_end.clone(),
        ..Default::default()
    };
    prefs.validate().map(|p| p.is_quiet(now)).unwrap_or(false)
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    offset: i64,
}

/// Today's calls, most important first, a page at a time; customers in
/// their quiet hours right now wait at the end of the page.
pub async fn queue(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<QueueQuery>,
) -> Result<Html<String>, AppError> {
    let names = super::playbook_names(&app, ctx.actor.lang);
    let offset = q.offset.max(0);
    // One call more than the page tells whether a next page exists
    // without counting the whole queue.
    let mut list = calls::queue(app.db(), &ctx.actor.scope, app.today(), calls::QUEUE_PAGE + 1, offset).await?;
    let more = list.len() as i64 > calls::QUEUE_PAGE;
    list.truncate(calls::QUEUE_PAGE as usize);
    let now = app.local_time();
    list.sort_by_key(|c| quiet_now(c, now));
    let rows: Vec<Value> = list
        .iter()
        .map(|c| {
            let mut v = call_value(c, &ctx, &names);
            v["quiet_now"] = quiet_now(c, now).into();
            v
        })
        .collect();
    page(
        &app,
        &ctx,
        "outreach/calls.html",
        "nav_outreach",
        view! {
            calls => rows, today => app.today().to_string(),
            prev_offset => (offset > 0).then(|| (offset - calls::QUEUE_PAGE).max(0)),
            next_offset => more.then_some(offset + calls::QUEUE_PAGE),
        },
    )
}

/// The call's page. A call inviting the customer in opens with the booking
/// form, which is what it is for; the follow-up after a visit asks whether
/// the customer is satisfied, and books only to bring them back for a
/// problem that remains (`return_visit`); a complaint's re-contact asks
/// whether the customer is satisfied with how it was handled.
async fn call_page(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    error: Option<String>,
    return_visit: bool,
) -> Result<Response, AppError> {
    let call = calls::get(app.db(), &ctx.actor.scope, CallId(id)).await?;
    let recontact = call.complaint_id.is_some();
    let follow_up = !recontact && app.packs().core().follows_up_a_visit(&call.playbook);
    let offered: &[Outcome] = if recontact {
        &Outcome::RECONTACT
    } else if call.playbook == calls::NOTICE_PLAYBOOK {
        &Outcome::NOTICE
    } else if follow_up {
        &Outcome::FOLLOW_UP
    } else {
        &Outcome::INVITATION
    };
    let outcomes: Vec<Value> = offered
        .iter()
        .map(|o| {
            let label = match o {
                Outcome::ProblemReported if follow_up => "outcome_problem_remains".to_string(),
                Outcome::Satisfied if recontact => "outcome_recontact_satisfied".to_string(),
                _ => format!("outcome_{}", o.code()),
            };
            view! { code => o.code(), label => label }
        })
        .collect();
    let remedies = [Remedy::FollowUpItem, Remedy::ReturnVisit].map(Remedy::code);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut panels = Vec::new();
    for pack in app.packs().web() {
        panels.extend(pack.call_panel(app, ctx, call.customer_id).await?);
    }
    let html = page(
        app,
        ctx,
        "outreach/call.html",
        "nav_outreach",
        view! {
            call => call_value(&call, ctx, &super::playbook_names(app, ctx.actor.lang)), outcomes => outcomes, remedies => remedies,
            error => error, panels => panels, book_open => !follow_up || return_visit, return_visit => return_visit,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CallQuery {
    /// Set after a follow-up found a problem the customer comes back for.
    book: String,
}

pub async fn call(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<CallQuery>,
) -> Result<Response, AppError> {
    call_page(&app, &ctx, id, None, q.book == Remedy::ReturnVisit.code()).await
}

pub async fn claim(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    match calls::claim(app.db(), &ctx.actor, CallId(id)).await {
        Ok(_) => Ok(Redirect::to(&format!("/outreach/calls/{id}")).into_response()),
        Err(kefu_store::Failure::Conflict(rule)) => {
            let msg = rule.message(ctx.actor.lang).to_string();
            let mut res = call_page(&app, &ctx, id, Some(msg), false).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    notes: String,
    /// For a reported problem: followup_item (the default) or return_visit.
    #[serde(default)]
    remedy: String,
}

pub async fn outcome(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<OutcomeForm>,
) -> Result<Response, AppError> {
    let Some(outcome) = Outcome::from_code(&f.outcome) else {
        let invalid = kefu_core::Invalid::new(
            "outcome",
            kefu_core::Rule::new("call_outcome", "请选择通话结果", "choose how the call ended"),
        );
        let msg = form_message(AppError::Invalid(invalid), ctx.actor.lang)?;
        return call_page(&app, &ctx, id, Some(msg), false).await;
    };
    let remedy = Remedy::from_code(f.remedy.trim()).unwrap_or_default();
    match calls::record_outcome(app.db(), &ctx.actor, CallId(id), (outcome, remedy), &f.notes, app.today()).await {
        // The problem brings the customer back: book the visit on the call's page.
        Ok(_) if outcome == Outcome::ProblemReported && remedy == Remedy::ReturnVisit => {
            Ok(Redirect::to(&format!("/outreach/calls/{id}?book={}", Remedy::ReturnVisit.code())).into_response())
        }
        Ok(_) => Ok(Redirect::to("/outreach/calls").into_response()),
        Err(kefu_store::Failure::Conflict(rule)) => {
            call_page(&app, &ctx, id, Some(rule.message(ctx.actor.lang).to_string()), false).await
        }
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            call_page(&app, &ctx, id, Some(msg), false).await
        }
    }
}

pub async fn followups(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let list = calls::followups(app.db(), &ctx.actor.scope, false).await?;
    let zone = &app.0.zone;
    let rows: Vec<Value> = list
        .iter()
        .map(|f| {
            let at = kefu_core::time::parse_instant(&f.opened_at).map(|t| zone.display(t)).unwrap_or_default();
            view! { f => f, opened => at }
        })
        .collect();
    page(&app, &ctx, "outreach/followups.html", "nav_outreach", view! { followups => rows })
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    resolution: String,
}

pub async fn close_followup(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<CloseForm>,
) -> Result<Response, AppError> {
    calls::close_followup(app.db(), &ctx.actor, id, &f.resolution).await?;
    Ok(Redirect::to("/outreach/followups").into_response())
}

/// The playbooks in force; after a refused edit, that playbook shows the
/// text as submitted with the message.
async fn playbooks_page(
    app: &AppState,
    ctx: &Ctx,
    refused: Option<(String, String, String)>,
) -> Result<Response, AppError> {
    let defaults = app.packs().core().default_playbooks();
    let in_force = store::effective(app.db(), &defaults).await?;
    let rows: Vec<Value> = in_force
        .iter()
        .map(|p| {
            let (source, err) = match &refused {
                Some((code, msg, submitted)) if *code == p.code => (submitted.clone(), Some(msg.clone())),
                _ => (store::to_toml(p), None),
            };
            view! { code => p.code, name => super::playbook_name(ctx.actor.lang, &p.code, &p.name), anchor => p.anchor, enabled => p.enabled, steps => p.steps.len(), source => source, error => err }
        })
        .collect();
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "outreach/playbooks.html",
        "nav_playbooks",
        view! { playbooks => rows, variables => kefu_outreach::playbook::VARIABLES },
    )?;
    Ok((status, html).into_response())
}

pub async fn playbooks(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    playbooks_page(&app, &ctx, None).await
}

#[derive(Deserialize)]
pub struct PlaybookForm {
    #[serde(default)]
    source: String,
}

pub async fn save_playbook(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<PlaybookForm>,
) -> Result<Response, AppError> {
    match store::save(app.db(), &ctx.actor, &code, &app.packs().core().default_playbooks(), &f.source).await {
        Ok(_) => Ok(Redirect::to("/admin/playbooks").into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            playbooks_page(&app, &ctx, Some((code, msg, f.source))).await
        }
    }
}

/// The day's letters as one PDF to print, one letter a page: those not yet
/// printed and those printed today. Downloading changes nothing, so a
/// failed download loses no letter; "mark printed" is a separate POST.
pub async fn letters_pdf(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let letters = super::letter_channel(&app)?;
    let playbooks = app.packs().core().playbooks(app.db()).await?;
    let day = (app.today(), app.0.zone.start_of(app.today()));
    let Some(bytes) =
        kefu_outreach::dispatch::letters_of_the_day(app.db(), &ctx.actor.scope, letters, &playbooks, day).await?
    else {
        return Err(AppError::NotFound);
    };
    let name = format!("letters-{}.pdf", app.today());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Marks the day's pending letters printed (and files them in the letter
/// folder for the print room); they stay in the day's PDF.
pub async fn letters_printed(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let letters = super::letter_channel(&app)?;
    let playbooks = app.packs().core().playbooks(app.db()).await?;
    let when = (app.today(), app.now());
    kefu_outreach::dispatch::print_letters(app.db(), &ctx.actor, letters, &playbooks, when).await?;
    Ok(Redirect::to("/outreach").into_response())
}

/// Sends the pending SMS and e-mails now (they also go out every hour).
pub async fn send_now(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    packs::send_outreach(&app, &ctx.actor, kefu_outreach::dispatch::Whose::Everyone, app.today()).await?;
    Ok(Redirect::to("/outreach").into_response())
}
