//! The monthly management report (D3 总结), store by store: the solicited
//! customers who did not come and why, the complaint handling summary, and
//! what customers expect and think — on screen with charts, as a workbook
//! and as a printable PDF.

use super::percent;
use crate::chart::{self, Chart, Point};
use crate::error::AppError;
use crate::extract::QueryParams;
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::requests::{MonthQuery, Store, month, month_store_reports as load};
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::Lang;
use kefu_outreach::channels::print::{self, A4_HEIGHT, A4_WIDTH, MM, PrintFont};

use serde_json::Value;
use std::collections::HashMap;

fn playbook_names(app: &AppState) -> HashMap<String, String> {
    app.packs().core().default_playbooks().into_iter().map(|p| (p.code, p.name)).collect()
}

fn hours(h: Option<f64>) -> String {
    h.map_or_else(|| "—".to_string(), |h| format!("{h:.1}"))
}

/// A bar per code with its count; `base` names its title and description
/// (`{base}_title`, `{base}_desc`).
pub(super) fn chart_of(lang: Lang, id: &str, base: &str, key_prefix: &str, counts: &[(String, usize)]) -> String {
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
        title: &t(lang, &format!("{base}_title")),
        desc: &t(lang, &format!("{base}_desc")),
        points: &points,
        max: None,
        tick: &tick,
    })
}

fn store_view(lang: Lang, s: &Store, names: &HashMap<String, String>) -> Value {
    let m = &s.month;
    let c = &m.complaints;
    let absent: Vec<Value> = m
        .absent
        .iter()
        .map(|a| {
            view! {
                a => a, playbook => names.get(&a.playbook).cloned().unwrap_or_else(|| a.playbook.clone()),
                reason => t(lang, &format!("monthly_reason_{}", a.reason)),
            }
        })
        .collect();
    let opinions: Vec<Value> = m
        .opinions
        .iter()
        .map(|o| view! { o => o, source => t(lang, &format!("monthly_source_{}", o.source)) })
        .collect();
    view! {
        id => s.id, name => s.name, absent => absent, opinions => opinions, c => c,
        first_contact_hours => hours(c.first_contact_hours), resolution_hours => hours(c.resolution_hours),
        in_time => percent(c.contacted_in_time), satisfaction => percent(c.satisfaction),
        chart_reasons => chart_of(lang, &format!("reasons-{}", s.id), "monthly_chart_reasons", "monthly_reason_", &m.reasons),
        chart_category => chart_of(lang, &format!("category-{}", s.id), "chart_complaint_category", "complaint_category_", &c.by_category),
        chart_sources => chart_of(lang, &format!("sources-{}", s.id), "monthly_chart_sources", "monthly_source_", &m.sources),
    }
}

pub async fn page_handler(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let first = month(&q, app.today())?;
    let stores = load(&app, &ctx, first).await?;
    let lang = ctx.actor.lang;
    let names = playbook_names(&app);
    let shown: Vec<Value> = stores.iter().map(|s| store_view(lang, s, &names)).collect();
    let month_text = |d: Date| d.strftime("%Y-%m").to_string();
    page(
        &app,
        &ctx,
        "reports/monthly.html",
        "nav_reports",
        view! {
            month => month_text(first), previous => month_text(first - 1.month()), next => month_text(first + 1.month()),
            stores => shown,
        },
    )
}

/// The report as a workbook: the customers who did not come, the complaint
/// figures and the opinions, each a sheet with the store in its first column.
pub async fn export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let first = month(&q, app.today())?;
    let stores = load(&app, &ctx, first).await?;
    let lang = ctx.actor.lang;
    let names = playbook_names(&app);
    let tr = |keys: &[&str]| keys.iter().map(|k| t(lang, k)).collect::<Vec<_>>();
    let text = |s: &str| Cell::Text(s.to_string());
    let mut absent = Vec::new();
    let mut figures = Vec::new();
    let mut opinions = Vec::new();
    for s in &stores {
        let m = &s.month;
        for a in &m.absent {
            absent.push(vec![
                text(&s.name),
                text(&a.customer_name),
                text(&a.asset),
                text(names.get(&a.playbook).unwrap_or(&a.playbook)),
                Cell::Text(t(lang, &format!("monthly_reason_{}", a.reason))),
                text(&a.notes),
            ]);
        }
        let c = &m.complaints;
        figures.push(vec![
            text(&s.name),
            Cell::Int(c.received as i64),
            Cell::Int(c.closed as i64),
            Cell::Text(hours(c.first_contact_hours)),
            Cell::Percent(c.contacted_in_time),
            Cell::Text(hours(c.resolution_hours)),
            Cell::Int(c.recontacted as i64),
            Cell::Int(c.satisfied as i64),
            Cell::Percent(c.satisfaction),
        ]);
        for o in &m.opinions {
            opinions.push(vec![
                text(&s.name),
                Cell::Text(t(lang, &format!("monthly_source_{}", o.source))),
                Cell::Text(o.day.to_string()),
                text(&o.customer_name),
                text(&o.text),
            ]);
        }
    }
    let sheets = [
        Sheet {
            name: t(lang, "monthly_absent"),
            header: tr(&[
                "monthly_store",
                "field_name",
                "field_plate",
                "monthly_playbook",
                "monthly_reason",
                "field_notes",
            ]),
            rows: absent,
        },
        Sheet {
            name: t(lang, "monthly_complaints"),
            header: tr(&[
                "monthly_store",
                "complaint_summary_received",
                "complaint_summary_closed",
                "complaint_summary_first_contact_hours",
                "complaint_summary_in_time",
                "complaint_summary_resolution_hours",
                "complaint_summary_recontacted",
                "complaint_summary_satisfied",
                "complaint_summary_satisfaction",
            ]),
            rows: figures,
        },
        Sheet {
            name: t(lang, "monthly_opinions"),
            header: tr(&["monthly_store", "monthly_source", "week_day", "field_name", "monthly_opinion"]),
            rows: opinions,
        },
    ];
    let bytes = xlsx::workbook(&sheets)?;
    Ok(xlsx::download(&format!("monthly-{}.xlsx", first.strftime("%Y-%m")), bytes))
}

/// Lines of the printed report: (font size, text).
fn printed_lines(lang: Lang, first: Date, stores: &[Store], names: &HashMap<String, String>) -> Vec<(f32, String)> {
    let mut lines = vec![(16.0, format!("{} {}", t(lang, "monthly_title"), first.strftime("%Y-%m")))];
    for s in stores {
        let m = &s.month;
        let c = &m.complaints;
        lines.push((13.0, s.name.clone()));
        lines.push((11.0, format!("{}（{}）", t(lang, "monthly_absent"), m.absent.len())));
        for a in &m.absent {
            let playbook = names.get(&a.playbook).unwrap_or(&a.playbook);
            let reason = t(lang, &format!("monthly_reason_{}", a.reason));
            let notes = if a.notes.is_empty() { String::new() } else { format!(" — {}", a.notes) };
            lines.push((10.0, format!("{} {} {playbook}：{reason}{notes}", a.customer_name, a.asset)));
        }
        lines.push((11.0, t(lang, "monthly_complaints")));
        lines.push((
            10.0,
            format!(
                "{} {} · {} {} · {} {} · {} {} · {} {} · {} {}",
                t(lang, "complaint_summary_received"),
                c.received,
                t(lang, "complaint_summary_closed"),
                c.closed,
                t(lang, "complaint_summary_first_contact_hours"),
                hours(c.first_contact_hours),
                t(lang, "complaint_summary_in_time"),
                percent(c.contacted_in_time),
                t(lang, "complaint_summary_resolution_hours"),
                hours(c.resolution_hours),
                t(lang, "complaint_summary_satisfaction"),
                percent(c.satisfaction),
            ),
        ));
        lines.push((11.0, format!("{}（{}）", t(lang, "monthly_opinions"), m.opinions.len())));
        for o in &m.opinions {
            let source = t(lang, &format!("monthly_source_{}", o.source));
            lines.push((10.0, format!("{} [{source}] {}：{}", o.day, o.customer_name, o.text)));
        }
    }
    lines
}

/// Lays the lines out on A4 sheets, broken to the width, a new sheet when
/// one is full.
pub(crate) fn sheets_of(font: &PrintFont, lines: &[(f32, String)]) -> Vec<print::Sheet> {
    let margin = 18.0 * MM;
    let width = A4_WIDTH - 2.0 * margin;
    let mut sheets = vec![print::Sheet::default()];
    let mut y = margin;
    for (size, text) in lines {
        let measure = font.measure(*size);
        for line in print::wrap(text, width, &|s| measure.width(s)) {
            y += size * 1.5;
            if y > A4_HEIGHT - margin {
                sheets.push(print::Sheet::default());
                y = margin + size * 1.5;
            }
            sheets.last_mut().expect("one sheet at least").text(margin, y, *size, &line);
        }
    }
    sheets
}

/// Lines of (font size, text) as an inline PDF named `name`, in the
/// letters' CJK font: every printed page of the shell and the packs.
pub(crate) async fn lines_pdf(
    app: &AppState,
    title: String,
    name: &str,
    lines: Vec<(f32, String)>,
) -> Result<Response, AppError> {
    let font = super::letter_channel(app)?.font();
    let pdf = tokio::task::spawn_blocking(move || {
        let sheets = sheets_of(&font, &lines);
        print::render(&font, sheets.iter(), &title)
    })
    .await
    .map_err(|e| AppError::Internal(format!("printing crashed: {e}")))?
    .map_err(AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        pdf,
    )
        .into_response())
}

pub async fn pdf(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let first = month(&q, app.today())?;
    let stores = load(&app, &ctx, first).await?;
    let lang = ctx.actor.lang;
    let lines = printed_lines(lang, first, &stores, &playbook_names(&app));
    let title = format!("{} {}", t(lang, "monthly_title"), first.strftime("%Y-%m"));
    let name = format!("monthly-{}.pdf", first.strftime("%Y-%m"));
    lines_pdf(&app, title, &name, lines).await
}
