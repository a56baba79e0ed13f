//! Did the invitations work? For a period (this month unless asked), how many
//! of the customers invited came, per playbook, step and channel, and the
//! customers who did not come with what the calls heard — on screen and as
//! a workbook. Customers' names, numbers and call notes are in it, so it is
//! for those who act on them: supervisors and managers (FollowUpsManage),
//! not the IT administrator who edits playbooks.

use super::percent;
use crate::error::AppError;
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::requests::{PeriodQuery, period, shown_mobile};
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::Lang;
use kefu_outreach::effectiveness::{NotCame, Report, TouchLine};
use kefu_outreach::playbook::Channel;
use serde_json::Value;
use std::collections::HashMap;

async fn load(app: &AppState, ctx: &Ctx, q: &PeriodQuery) -> Result<Report, AppError> {
    let today = app.today();
    let range = period(q, today)?;
    Ok(app.packs().core().effectiveness(app.db(), &ctx.actor.scope, range, today).await?)
}

fn playbook_names(report: &Report) -> HashMap<String, String> {
    report.playbooks.iter().map(|p| (p.code.clone(), p.name.clone())).collect()
}

/// What the calls of an event heard: each outcome and its notes.
fn call_reasons(lang: Lang, touches: &[TouchLine]) -> (String, String) {
    let calls: Vec<&TouchLine> = touches.iter().filter(|c| c.channel == Channel::Call).collect();
    let last = calls.iter().rev().find_map(|c| c.outcome.as_deref()).map(|o| t(lang, &format!("outcome_{o}")));
    let notes: Vec<&str> = calls.iter().map(|c| c.notes.trim()).filter(|n| !n.is_empty()).collect();
    (last.unwrap_or_else(|| t(lang, "eff_no_call")), notes.join("；"))
}

/// A touch in a few words: "11-08 短信 已发送".
fn touch_text(lang: Lang, touch: &TouchLine) -> String {
    let state = match &touch.outcome {
        Some(o) => t(lang, &format!("outcome_{o}")),
        None => t(lang, &format!("task_{}", touch.status)),
    };
    format!("{} {} {state}", touch.day, t(lang, &format!("channel_{}", touch.channel.code())))
}

fn not_came_view(ctx: &Ctx, names: &HashMap<String, String>, n: &NotCame) -> Value {
    let lang = ctx.actor.lang;
    let (outcome, notes) = call_reasons(lang, &n.touches);
    let touches: Vec<Value> =
        n.touches.iter().map(|tl| view! { text => touch_text(lang, tl), delivered => tl.delivered }).collect();
    view! {
        customer_id => n.customer_id, customer_name => n.customer_name, mobile => shown_mobile(ctx, &n.mobile),
        asset => n.asset, playbook => names.get(&n.playbook).unwrap_or(&n.playbook), anchor_date => n.anchor_date,
        first_touch => n.first_touch, window_end => n.window_end, touches => touches, outcome => outcome, notes => notes,
    }
}

fn query_string(from: Date, to: Date) -> String {
    format!("from={from}&to={to}")
}

pub async fn page_handler(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Result<Html<String>, AppError> {
    let r = load(&app, &ctx, &q).await?;
    let names = playbook_names(&r);
    let playbooks: Vec<Value> = r
        .playbooks
        .iter()
        .map(|p| view! { name => p.name, t => p.tally, untouched => p.came_untouched, rate => percent(p.tally.rate()) })
        .collect();
    let steps: Vec<Value> = r
        .steps
        .iter()
        .map(|s| {
            view! {
                playbook => names.get(&s.playbook).unwrap_or(&s.playbook), step => s.step, offset => s.offset_days,
                channel => s.channel.code(), a => s.attribution, rate => percent(s.attribution.rate()),
            }
        })
        .collect();
    let channels: Vec<Value> = r
        .channels
        .iter()
        .map(|c| view! { channel => c.channel.code(), a => c.attribution, rate => percent(c.attribution.rate()) })
        .collect();
    let not_came: Vec<Value> = r.not_came.iter().map(|n| not_came_view(&ctx, &names, n)).collect();
    let whole_month = r.from == r.from.first_of_month() && r.to == r.from.last_of_month();
    let month = |d: Date| d.strftime("%Y-%m").to_string();
    page(
        &app,
        &ctx,
        "outreach/effectiveness.html",
        "nav_outreach",
        view! {
            from => r.from, to => r.to, today => r.today, month => whole_month.then(|| month(r.from)),
            previous => month(r.from.first_of_month() - 1.day()), next => month(r.from.last_of_month() + 1.day()),
            totals => r.totals, rate => percent(r.totals.rate()), playbooks => playbooks, steps => steps,
            channels => channels, not_came => not_came, export => format!("/outreach/effectiveness.xlsx?{}", query_string(r.from, r.to)),
            grace_days => kefu_outreach::effectiveness::GRACE_DAYS,
        },
    )
}

/// The customers who did not come, as a workbook.
pub async fn export(State(app): State<AppState>, ctx: Ctx, Query(q): Query<PeriodQuery>) -> Result<Response, AppError> {
    let r = load(&app, &ctx, &q).await?;
    let names = playbook_names(&r);
    let lang = ctx.actor.lang;
    let header = [
        "field_name",
        "field_mobile",
        "eff_asset",
        "outreach_playbook",
        "outreach_anchor",
        "eff_first_touch",
        "eff_window_end",
        "eff_touches",
        "eff_last_outcome",
        "eff_call_notes",
        "eff_call_attempts",
    ];
    let rows = r
        .not_came
        .iter()
        .map(|n| {
            let (outcome, notes) = call_reasons(lang, &n.touches);
            let touches: Vec<String> = n.touches.iter().map(|tl| touch_text(lang, tl)).collect();
            let attempts: i64 = n.touches.iter().filter(|tl| tl.channel == Channel::Call).map(|tl| tl.attempts).sum();
            vec![
                Cell::Text(n.customer_name.clone()),
                Cell::Text(shown_mobile(&ctx, &n.mobile).unwrap_or_default()),
                Cell::Text(n.asset.clone()),
                Cell::Text(names.get(&n.playbook).unwrap_or(&n.playbook).clone()),
                Cell::Text(n.anchor_date.to_string()),
                Cell::Text(n.first_touch.to_string()),
                Cell::Text(n.window_end.to_string()),
                Cell::Text(touches.join("\n")),
                Cell::Text(outcome),
                Cell::Text(notes),
                Cell::Int(attempts),
            ]
        })
        .collect();
    let sheet =
        Sheet { name: t(lang, "eff_not_came_title"), header: header.iter().map(|k| t(lang, k)).collect(), rows };
    let bytes = xlsx::workbook(&[sheet])?;
    Ok(xlsx::download(&format!("not-came-{}-{}.xlsx", r.from, r.to), bytes))
}
