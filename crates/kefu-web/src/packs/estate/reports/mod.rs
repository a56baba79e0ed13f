//! The monthly report per estate (issue 21 §7): the desk's calls and visits
//! by kind, the fees billed and collected with the collection rate, the
//! arrears by bucket at the month's end, the repairs, owners' complaints
//! with their measures, opinion visits (`ops.rs`) and the archive's
//! completeness —
//! each a [`Section`] shown as a page with SVG charts, exported as XLSX
//! (a sheet per section) and printed as PDF, all from the one list that
//! [`sections`] builds.

mod ops;

use super::receivables::pdf;
use super::receivables::{MonthQuery, month_of, rate_chart, rates};
use crate::chart::{self, Chart, Point};
use crate::error::AppError;
use crate::extract::{PathParams, QueryParams};
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::routes::{Entry, entry};
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::http::Method as M;
use axum::response::{Html, Response};
use axum::routing::get;
use kefu_core::Lang;
use kefu_core::Money;
use kefu_core::Permission::*;
use kefu_estate::archive::{self, Estate};
use kefu_estate::fees::{Month, yuan_text};
use kefu_estate::receivables::rate;
use kefu_estate::{charges, completeness};
use serde::Serialize;

pub const TEMPLATES: &[(&str, &str)] = &[("estate/report.html", include_str!("templates/report.html"))];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/estate/estates/{code}/report", Signed(EstateWork), get(report)),
        entry(M::GET, "/estate/estates/{code}/report.xlsx", Signed(EstateWork), get(report_xlsx)),
        entry(M::GET, "/estate/estates/{code}/report.pdf", Signed(EstateWork), get(report_pdf)),
    ]
}

/// One part of the report: its title, a table (texts as shown) and a chart.
#[derive(Serialize)]
pub struct Section {
    /// Stable, for tests and anchors.
    pub key: &'static str,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// An SVG drawn on the server, if the section has one.
    pub chart: Option<String>,
}

fn bars(lang: Lang, id: &str, base: &str, points: Vec<(String, String, i64)>) -> String {
    let points: Vec<Point> = points
        .into_iter()
        .map(|(key, label, n)| Point { key, label, value: Some(n as f64), text: n.to_string() })
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

/// The desk's register: calls and visits by department.
async fn desk(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Section, AppError> {
    let counts = rate::desk_by_kind(app.db(), &app.0.zone, estate, month).await?;
    let mut by_kind: Vec<(String, String, i64)> = Vec::new();
    for ((kind, _), n) in &counts {
        match by_kind.iter_mut().find(|(k, _, _)| k == kind) {
            Some(entry) => entry.2 += n,
            None => by_kind.push((kind.clone(), t(lang, &format!("estate_desk_kind_{kind}")), *n)),
        }
    }
    let rows = counts
        .iter()
        .map(|((kind, dept), n)| {
            vec![
                t(lang, &format!("estate_desk_kind_{kind}")),
                t(lang, &format!("estate_department_{dept}")),
                n.to_string(),
            ]
        })
        .collect();
    Ok(Section {
        key: "desk",
        title: t(lang, "estate_report_desk"),
        header: vec![
            t(lang, "estate_report_kind"),
            t(lang, "estate_report_department"),
            t(lang, "estate_report_count"),
        ],
        rows,
        chart: (!by_kind.is_empty()).then(|| bars(lang, "estate-report-desk", "estate_report_desk_chart", by_kind)),
    })
}

/// Fees billed and collected and the collection rate, with the twelve
/// months' current-period rate as a chart.
async fn fees(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Section, AppError> {
    let figures = rates(app, estate, month).await?;
    let c = figures.last().map(|(_, c)| *c).unwrap_or_default();
    let pct = |r: Option<kefu_core::rate::Rate>| r.map_or_else(|| "—".to_string(), |r| r.to_string());
    let rows = vec![
        vec![t(lang, "estate_fee_billed"), yuan_text(c.billed)],
        vec![t(lang, "estate_fee_collected"), yuan_text(c.collected)],
        vec![t(lang, "estate_fee_current_rate"), pct(c.current())],
        vec![t(lang, "estate_fee_arrears_opening"), yuan_text(c.arrears_opening)],
        vec![t(lang, "estate_fee_arrears_collected"), yuan_text(c.arrears_collected)],
        vec![t(lang, "estate_fee_arrears_rate"), pct(c.arrears())],
    ];
    Ok(Section {
        key: "fees",
        title: t(lang, "estate_report_fees"),
        header: vec![t(lang, "estate_report_figure"), t(lang, "estate_report_value")],
        rows,
        chart: Some(rate_chart(lang, &figures)),
    })
}

/// The arrears by ageing bucket at the month's end (or today, for this month).
async fn arrears(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Section, AppError> {
    let as_of = month.last_day().min(app.today());
    let aged = charges::arrears(app.db(), estate, as_of).await?;
    let rows = aged
        .iter()
        .map(|a| {
            vec![t(lang, &format!("estate_bucket_{}", a.bucket.code())), yuan_text(a.total), a.houses.len().to_string()]
        })
        .collect();
    let points = aged
        .iter()
        .map(|a| {
            let yuan = (a.total.fen() + 50) / 100;
            (a.bucket.code().to_string(), t(lang, &format!("estate_bucket_{}", a.bucket.code())), yuan)
        })
        .collect();
    let total: Money = aged.iter().map(|a| a.total).sum();
    Ok(Section {
        key: "arrears",
        title: format!("{} {as_of} · {}", t(lang, "estate_report_arrears"), yuan_text(total)),
        header: vec![t(lang, "estate_bucket"), t(lang, "estate_amount"), t(lang, "estate_houses")],
        rows,
        chart: Some(bars(lang, "estate-report-arrears", "estate_report_arrears_chart", points)),
    })
}

/// The archive's completeness as snapshotted for the month (checked now
/// for the current month before its snapshot).
async fn completeness_of(
    app: &AppState,
    lang: Lang,
    estate: &Estate,
    month: Month,
) -> Result<Option<Section>, AppError> {
    let snap = completeness::trend(app.db(), estate).await?.into_iter().find(|c| c.month == month.to_string());
    let counts = match snap {
        Some(c) => c,
        None if month == Month::of(app.today()) => completeness::check(app.db(), estate, month).await?.0,
        None => return Ok(None),
    };
    let rows = [
        ("estate_report_houses_checked", counts.houses),
        ("estate_report_no_mobile", counts.no_mobile),
        ("estate_report_no_id", counts.no_id),
        ("estate_report_no_contract", counts.no_contract),
        ("estate_report_no_handover", counts.no_handover),
    ]
    .iter()
    .map(|(k, n)| vec![t(lang, k), n.to_string()])
    .collect();
    Ok(Some(Section {
        key: "completeness",
        title: t(lang, "estate_report_completeness"),
        header: vec![t(lang, "estate_report_figure"), t(lang, "estate_report_count")],
        rows,
        chart: None,
    }))
}

/// The report's sections in order. The one place a section is added: the
/// repairs, complaints with their measures, opinion visits and notices
/// (es-ops' parts, issue 21 §3–§5) go in here as each gets its data.
pub async fn sections(app: &AppState, lang: Lang, estate: &Estate, month: Month) -> Result<Vec<Section>, AppError> {
    let mut out = vec![
        desk(app, lang, estate, month).await?,
        fees(app, lang, estate, month).await?,
        arrears(app, lang, estate, month).await?,
    ];
    out.extend(ops::sections(app, lang, estate, month).await?);
    out.extend(completeness_of(app, lang, estate, month).await?);
    out.push(super::notices::report_section(app, lang, estate, month).await?);
    Ok(out)
}

async fn load(
    app: &AppState,
    ctx: &Ctx,
    code: &str,
    q: &MonthQuery,
) -> Result<(Estate, Month, Vec<Section>), AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, code).await?;
    let month = month_of(app, q)?;
    let list = sections(app, ctx.actor.lang, &estate, month).await?;
    Ok((estate, month, list))
}

pub async fn report(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let (estate, month, list) = load(&app, &ctx, &code, &q).await?;
    page(
        &app,
        &ctx,
        "estate/report.html",
        "nav_estate_estates",
        view! { estate => estate, month => month.to_string(), sections => list },
    )
}

pub async fn report_xlsx(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let (estate, month, list) = load(&app, &ctx, &code, &q).await?;
    let sheets: Vec<Sheet> = list
        .into_iter()
        .map(|s| Sheet {
            name: s.key.to_string(),
            header: s.header,
            rows: s.rows.into_iter().map(|r| r.into_iter().map(Cell::Text).collect()).collect(),
        })
        .collect();
    Ok(xlsx::download(&format!("estate-{}-{month}.xlsx", estate.code), xlsx::workbook(&sheets)?))
}

pub async fn report_pdf(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let (estate, month, list) = load(&app, &ctx, &code, &q).await?;
    let title = format!("{} {} {month}", estate.name, t(ctx.actor.lang, "estate_report_title"));
    let mut lines = vec![(16.0, title.clone())];
    for s in &list {
        lines.push((13.0, s.title.clone()));
        lines.push((10.0, s.header.join(" · ")));
        lines.extend(s.rows.iter().map(|r| (10.0, r.join(" · "))));
    }
    pdf(&app, title, &format!("estate-{}-{month}.pdf", estate.code), lines).await
}
