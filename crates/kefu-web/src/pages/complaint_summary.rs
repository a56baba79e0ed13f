//! The monthly complaint summary: on screen with bar charts by category and
//! by department, and as a workbook.

use super::percent;
use crate::chart::{self, Chart, Point};
use crate::error::AppError;
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::requests::{MonthQuery, month, month_summary};
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use jiff::ToSpan;
use kefu_core::Lang;

fn chart_of(lang: Lang, id: &str, key_prefix: &str, counts: &[(String, usize)]) -> String {
    let points: Vec<Point> = counts
        .iter()
        .map(|(code, n)| Point {
            key: code.clone(),
            label: t(lang, &format!("{key_prefix}{code}")),
            value: Some(*n as f64),
            text: n.to_string(),
        })
        .collect();
    let tick = |v: f64| if v.fract() == 0.0 { format!("{v}") } else { String::new() };
    chart::bars(&Chart {
        id,
        title: &t(lang, &format!("{id}_title")),
        desc: &t(lang, &format!("{id}_desc")),
        points: &points,
        max: None,
        tick: &tick,
    })
}

fn hours(h: Option<f64>) -> String {
    h.map_or_else(|| "—".to_string(), |h| format!("{h:.1}"))
}

pub async fn page_handler(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let first = month(&q, app.today())?;
    let s = month_summary(&app, &ctx, first).await?;
    let lang = ctx.actor.lang;
    let month = first.strftime("%Y-%m").to_string();
    page(
        &app,
        &ctx,
        "complaints/summary.html",
        "nav_complaints",
        view! {
            month => month, previous => (first - 1.month()).strftime("%Y-%m").to_string(),
            next => (first + 1.month()).strftime("%Y-%m").to_string(), s => s,
            first_contact_hours => hours(s.first_contact_hours), resolution_hours => hours(s.resolution_hours),
            in_time => percent(s.contacted_in_time), satisfaction => percent(s.satisfaction),
            chart_category => chart_of(lang, "chart_complaint_category", "complaint_category_", &s.by_category),
            chart_department => chart_of(lang, "chart_complaint_department", "complaint_department_", &s.by_department),
        },
    )
}

fn counts_sheet(lang: Lang, name: &str, key_prefix: &str, counts: &[(String, usize)]) -> Sheet {
    Sheet {
        name: t(lang, name),
        header: vec![t(lang, name), t(lang, "complaint_summary_count")],
        rows: counts
            .iter()
            .map(|(code, n)| vec![Cell::Text(t(lang, &format!("{key_prefix}{code}"))), Cell::Int(*n as i64)])
            .collect(),
    }
}

pub async fn export(State(app): State<AppState>, ctx: Ctx, Query(q): Query<MonthQuery>) -> Result<Response, AppError> {
    let first = month(&q, app.today())?;
    let s = month_summary(&app, &ctx, first).await?;
    let lang = ctx.actor.lang;
    let figure = |key: &str, cell: Cell| vec![Cell::Text(t(lang, key)), cell];
    let text = |v: String| Cell::Text(v);
    let overview: Vec<Vec<Cell>> = vec![
        figure("complaint_summary_received", Cell::Int(s.received as i64)),
        figure("complaint_summary_closed", Cell::Int(s.closed as i64)),
        figure("complaint_summary_first_contact_hours", text(hours(s.first_contact_hours))),
        figure("complaint_summary_in_time", Cell::Percent(s.contacted_in_time)),
        figure("complaint_summary_resolution_hours", text(hours(s.resolution_hours))),
        figure("complaint_summary_recontacted", Cell::Int(s.recontacted as i64)),
        figure("complaint_summary_satisfied", Cell::Int(s.satisfied as i64)),
        figure("complaint_summary_satisfaction", Cell::Percent(s.satisfaction)),
    ];
    let sheets = [
        Sheet {
            name: t(lang, "complaint_summary_title"),
            header: vec![first.strftime("%Y-%m").to_string(), String::new()],
            rows: overview,
        },
        counts_sheet(lang, "field_category", "complaint_category_", &s.by_category),
        counts_sheet(lang, "field_department", "complaint_department_", &s.by_department),
    ];
    let bytes = xlsx::workbook(&sheets)?;
    Ok(xlsx::download(&format!("complaints-{}.xlsx", first.strftime("%Y-%m")), bytes))
}
