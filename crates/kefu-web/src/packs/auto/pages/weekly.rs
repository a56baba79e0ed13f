//! The weekly follow-up summary a supervisor owes management
//! (每周：维修/保养客户回访汇总及投诉处理状态): the week's follow-ups per day
//! (with two charts) and per service advisor, the problems they found and
//! where those stand — on screen, printable, and as a workbook.

use super::percent;
use crate::chart::{self, Chart, Point};
use crate::error::AppError;
use crate::guard::Ctx;
use crate::i18n::t;
use crate::packs::auto::weekly::{WeekQuery, load};
use crate::render::page;
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use jiff::civil::Date;
use kefu_auto::weekly::{Counts, Summary};
use kefu_core::Lang;
use serde_json::Value;

/// "周一 11-23".
fn day_label(lang: Lang, day: Date) -> String {
    let n = day.weekday().to_monday_one_offset();
    format!("{} {}", t(lang, &format!("weekday_{n}")), day.strftime("%m-%d"))
}

fn advisor_label(lang: Lang, advisor: &str) -> String {
    if advisor.is_empty() { t(lang, "week_no_advisor") } else { advisor.to_string() }
}

/// The two charts: follow-ups due per day, and the share reached per day.
fn charts(lang: Lang, s: &Summary) -> (String, String) {
    let due: Vec<Point> = s
        .days
        .iter()
        .map(|d| Point {
            key: d.day.to_string(),
            label: day_label(lang, d.day),
            value: Some(d.counts.due as f64),
            text: d.counts.due.to_string(),
        })
        .collect();
    let rate: Vec<Point> = s
        .days
        .iter()
        .map(|d| Point {
            key: d.day.to_string(),
            label: day_label(lang, d.day),
            value: d.counts.reach_rate(),
            text: percent(d.counts.reach_rate()),
        })
        .collect();
    // Counts have no halves: the middle gridline goes unlabelled when odd.
    let count_tick = |v: f64| if v.fract() == 0.0 { format!("{v}") } else { String::new() };
    let percent_tick = |v: f64| format!("{:.0}%", v * 100.0);
    let bars = chart::bars(&Chart {
        id: "chart-due",
        title: &t(lang, "week_chart_due"),
        desc: &t(lang, "week_chart_due_desc"),
        points: &due,
        max: None,
        tick: &count_tick,
    });
    let line = chart::line(&Chart {
        id: "chart-reach",
        title: &t(lang, "week_chart_rate"),
        desc: &t(lang, "week_chart_rate_desc"),
        points: &rate,
        max: Some(1.0),
        tick: &percent_tick,
    });
    (bars, line)
}

fn counts_view(c: &Counts) -> Value {
    view! { c => c, rate => percent(c.reach_rate()) }
}

pub async fn page_handler(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WeekQuery>,
) -> Result<Html<String>, AppError> {
    let s = load(&app, &ctx, &q).await?;
    let lang = ctx.actor.lang;
    let (chart_due, chart_rate) = charts(lang, &s);
    let days: Vec<Value> =
        s.days.iter().map(|d| view! { label => day_label(lang, d.day), n => counts_view(&d.counts) }).collect();
    let advisors: Vec<Value> = s
        .advisors
        .iter()
        .map(|a| view! { name => advisor_label(lang, &a.advisor), n => counts_view(&a.counts) })
        .collect();
    let problems: Vec<Value> = s
        .problems
        .iter()
        .map(|p| view! { p => p, day => day_label(lang, p.day), advisor => advisor_label(lang, &p.advisor) })
        .collect();
    page(
        &app,
        &ctx,
        "outreach/weekly.html",
        "nav_outreach",
        view! {
            monday => s.week.monday, sunday => s.sunday, previous => s.week.previous().monday, next => s.week.next().monday,
            totals => counts_view(&s.totals), days => days, advisors => advisors, problems => problems,
            chart_due => chart_due, chart_rate => chart_rate,
        },
    )
}

/// A row: its label, then the counts.
fn count_row(label: String, c: &Counts) -> Vec<Cell> {
    vec![
        Cell::Text(label),
        Cell::Int(c.due),
        Cell::Int(c.done),
        Cell::Int(c.reached),
        Cell::Percent(c.reach_rate()),
        Cell::Int(c.problems),
        Cell::Int(c.problems_open),
    ]
}

/// The summary as a workbook: by day (with the week's total), by advisor,
/// and the problems.
pub async fn export(State(app): State<AppState>, ctx: Ctx, Query(q): Query<WeekQuery>) -> Result<Response, AppError> {
    let s = load(&app, &ctx, &q).await?;
    let lang = ctx.actor.lang;
    let tr = |keys: &[&str]| keys.iter().map(|k| t(lang, k)).collect::<Vec<_>>();
    let counts_header =
        ["week_due", "week_done", "week_reached", "week_reach_rate", "week_problems", "week_problems_open"];
    let with_counts = |first: &str| {
        let mut h = tr(&[first]);
        h.extend(tr(&counts_header));
        h
    };
    let mut by_day: Vec<Vec<Cell>> = s.days.iter().map(|d| count_row(day_label(lang, d.day), &d.counts)).collect();
    by_day.push(count_row(t(lang, "week_total"), &s.totals));
    let by_advisor = s.advisors.iter().map(|a| count_row(advisor_label(lang, &a.advisor), &a.counts)).collect();
    let problems = s
        .problems
        .iter()
        .map(|p| {
            vec![
                Cell::Text(p.day.to_string()),
                Cell::Text(advisor_label(lang, &p.advisor)),
                Cell::Text(p.customer_name.clone()),
                Cell::Text(p.description.clone()),
                Cell::Text(t(lang, &format!("followup_{}", p.status))),
                Cell::Text(p.resolution.clone()),
            ]
        })
        .collect();
    let sheets = [
        Sheet { name: t(lang, "week_by_day"), header: with_counts("week_day"), rows: by_day },
        Sheet { name: t(lang, "week_by_advisor"), header: with_counts("week_advisor"), rows: by_advisor },
        Sheet {
            name: t(lang, "week_problems_title"),
            header: tr(&[
                "outreach_due",
                "week_advisor",
                "field_name",
                "followup_problem",
                "outreach_status",
                "followup_resolution",
            ]),
            rows: problems,
        },
    ];
    let bytes = xlsx::workbook(&sheets)?;
    Ok(xlsx::download(&format!("follow-ups-{}.xlsx", s.week.monday), bytes))
}
