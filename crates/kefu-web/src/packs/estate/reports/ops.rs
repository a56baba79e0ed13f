//! The monthly report's sections on the estate's own work (issue 21 §7):
//! repairs (count, on time, the owners' satisfaction), owners' complaints
//! by the estate's categories and departments with their corrective and
//! preventive measures, and the opinion visits (coverage of the plan in
//! force and the month's satisfaction).

use super::Section;
use crate::error::AppError;
use crate::i18n::t;
use crate::state::AppState;
use jiff::ToSpan;
use kefu_care::complaints::{Choices, summary};
use kefu_core::rate::Rate;
use kefu_core::{Lang, Scope};
use kefu_estate::archive::Estate;
use kefu_estate::fees::Month;
use kefu_estate::opinions;
use kefu_estate::repairs::store as repairs;
use kefu_pack::Pack;

/// A part of a whole as a percentage, or "—" when the whole is none.
fn pct(part: usize, whole: usize) -> String {
    Rate::new(part as i64, whole as i64).map_or_else(|| "—".to_string(), |r| r.to_string())
}

fn figures(lang: Lang, key: &'static str, title: &str, rows: Vec<(&str, String)>) -> Section {
    Section {
        key,
        title: t(lang, title),
        header: vec![t(lang, "estate_report_figure"), t(lang, "estate_report_value")],
        rows: rows.into_iter().map(|(k, v)| vec![t(lang, k), v]).collect(),
        chart: None,
    }
}

/// Repairs reported in the month: how many, done, on time, and what the
/// owners said when they confirmed.
async fn repairs(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Section, AppError> {
    let zone = &app.0.zone;
    let bounds = (zone.start_of(month.first_day()), zone.start_of(month.last_day() + 1.day()));
    let list = repairs::reported_between(app.db(), estate, bounds).await?;
    let done: Vec<bool> = list.iter().filter_map(|r| r.on_time()).collect();
    let on_time = done.iter().filter(|d| **d).count();
    let confirmed: Vec<bool> = list.iter().filter_map(|r| r.owner_satisfied).collect();
    let satisfied = confirmed.iter().filter(|s| **s).count();
    Ok(figures(
        lang,
        "repairs",
        "estate_report_repairs",
        vec![
            ("estate_report_repairs_reported", list.len().to_string()),
            ("estate_report_repairs_done", done.len().to_string()),
            ("estate_report_repairs_on_time", format!("{on_time} · {}", pct(on_time, done.len()))),
            ("estate_report_repairs_confirmed", confirmed.len().to_string()),
            ("estate_report_repairs_satisfied", format!("{satisfied} · {}", pct(satisfied, confirmed.len()))),
        ],
    ))
}

/// Owners' complaints received in the month, counted by the estate's own
/// categories and departments, each with its measures.
async fn complaints(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Section, AppError> {
    let zone = &app.0.zone;
    let bounds = (zone.start_of(month.first_day()), zone.start_of(month.last_day() + 1.day()));
    let list = summary::received(app.db(), &Scope::new(vec![estate.branch_id]), bounds).await?;
    // The estate's own lists, not the core's (the 4S pack's "parts" is no
    // owner's complaint).
    let (categories, departments, _) = kefu_estate::pack::ESTATE.complaint_choices();
    let none = Choices { categories: Vec::new(), departments: Vec::new(), measures_for: Vec::new() };
    let choices = none.with(categories, departments, true);
    let s = summary::summarize(&list, &choices);
    let by_category: Vec<(String, String, i64)> = s
        .by_category
        .iter()
        .map(|(c, n)| (c.clone(), t(lang, &format!("complaint_category_{c}")), *n as i64))
        .collect();
    let chart = (s.received > 0)
        .then(|| super::bars(lang, "estate-report-complaints", "estate_report_complaints_chart", by_category));
    let mut rows: Vec<Vec<String>> =
        vec![vec![t(lang, "estate_report_complaints_received"), s.received.to_string(), String::new()]];
    rows.extend(
        s.by_category
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| vec![t(lang, &format!("complaint_category_{c}")), n.to_string(), String::new()]),
    );
    rows.extend(
        s.by_department
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(d, n)| vec![t(lang, &format!("complaint_department_{d}")), n.to_string(), String::new()]),
    );
    rows.extend(list.iter().filter(|c| !c.corrective.is_empty() || !c.preventive.is_empty()).map(|c| {
        vec![
            format!("{} · {}", c.subject, t(lang, &format!("complaint_category_{}", c.category))),
            format!("{}{}{}", t(lang, "estate_report_corrective"), t(lang, "colon"), c.corrective),
            format!("{}{}{}", t(lang, "estate_report_preventive"), t(lang, "colon"), c.preventive),
        ]
    }));
    Ok(Section {
        key: "complaints",
        title: t(lang, "estate_report_complaints"),
        header: vec![t(lang, "estate_report_figure"), t(lang, "estate_report_value"), String::new()],
        rows,
        chart,
    })
}

/// The opinion visits: the coverage of the plan in force at the month's
/// end and the month's visits with their satisfaction.
async fn visits(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Section, AppError> {
    let end = month.last_day().to_string();
    let plans = opinions::plans(app.db(), estate).await?;
    let plan = plans.iter().find(|p| p.starts_on <= end && p.ends_on >= end);
    let s = opinions::month_summary(app.db(), estate, month.first_day(), month.last_day()).await?;
    let bp = |b: Option<i64>| b.map_or_else(|| "—".to_string(), |b| format!("{}.{:02}%", b / 100, b % 100));
    let mean = s.mean_hundredths.map_or_else(|| "—".to_string(), |m| format!("{}.{:02}", m / 100, m % 100));
    let mut rows = vec![("estate_report_visits_made", s.visits.to_string()), ("estate_report_visits_mean", mean)];
    if let Some(p) = plan {
        rows.push(("estate_report_visits_plan", format!("{} – {}", p.starts_on, p.ends_on)));
        rows.push(("estate_report_visits_completion", format!("{} / {} · {}", p.done, p.planned, bp(p.completion_bp))));
        rows.push((
            "estate_report_visits_coverage",
            format!("{} / {} · {}", p.covered, p.households, bp(p.coverage_bp)),
        ));
    }
    Ok(figures(lang, "visits", "estate_report_visits", rows))
}

/// The three sections, in the report's order.
pub async fn sections(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Vec<Section>, AppError> {
    Ok(vec![
        repairs(app, lang, estate, month).await?,
        complaints(app, lang, estate, month).await?,
        visits(app, lang, estate, month).await?,
    ])
}
