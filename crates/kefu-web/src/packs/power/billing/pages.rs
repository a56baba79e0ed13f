//! The pages of reading and billing: the books with the month's audit, the
//! phone-sized entry page (one account after another in route order, the
//! last reading and the average shown), the held readings, the billing run
//! with the month's bills, and a bill.

use super::super::paging;
use super::api::{audit_view, file_of, imported_json, month_or_this, outcome_json, reader_only, target};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::field_label;
use crate::packs::power::paging::OffsetQuery;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::Permission;
use kefu_power::bills;
use kefu_power::books::{self, Entry, Kind};
use kefu_power::paging::Page;
use kefu_power::readings::ReadingRules;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
    book: Option<i64>,
    /// The page's first row, counted from 0.
    #[serde(default)]
    offset: String,
}

async fn books_page(
    app: &AppState,
    ctx: &Ctx,
    (month, at): (String, Page),
    imported: Option<Value>,
) -> Result<Response, AppError> {
    // The books the user reads: a meter reader's own, everyone else's all.
    let list = books::list_page(app.db(), &ctx.actor.scope, reader_only(ctx).map(|me| me.0), at).await?;
    let pager = paging::pager("/power/books", &[("month", month.clone())], at, list.rows.len(), list.total);
    let audit = audit_view(app, ctx, &month).await?;
    let held = books::held(app.db(), &ctx.actor.scope, Page { offset: 0, limit: 1 }).await?.total;
    Ok(page(
        app,
        ctx,
        "power/books.html",
        "nav_power_books",
        view! {
            books => list.rows, pager => pager, audit => audit, month => month, held => held, imported => imported,
            can_create => ctx.actor.can(Permission::PowerManage),
        },
    )?
    .into_response())
}

pub async fn books(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let month = month_or_this(&app, q.month.as_deref())?;
    books_page(&app, &ctx, (month, paging::page(&q.offset)), None).await
}

/// The import form: a handheld's export; the report shown on the books page.
pub async fn import(
    State(app): State<AppState>,
    ctx: Ctx,
    form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let bytes = file_of(form).await?;
    let done =
        books::import(app.db(), &ctx.actor, &bytes, reader_only(&ctx), &ReadingRules::default(), app.now()).await?;
    let first = paging::page("");
    books_page(&app, &ctx, (books::month_of(app.today()), first), Some(imported_json(&done, &ctx))).await
}

#[derive(Deserialize, Default)]
pub struct ReadQuery {
    /// The stop shown, counted from 0 in route order.
    at: Option<usize>,
}

async fn read_page(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    at: usize,
    error: Option<(String, String)>,
) -> Result<Response, AppError> {
    let book = books::get(app.db(), &ctx.actor.scope, id).await?;
    if reader_only(ctx).is_some_and(|me| book.reader_id != Some(me.0)) {
        return Err(AppError::NotFound);
    }
    let month = books::month_of(app.today());
    let stops = books::route(app.db(), &ctx.actor.scope, id, &month).await?;
    let at = at.min(stops.len().saturating_sub(1));
    let done = stops.iter().filter(|s| s.this_month.is_some()).count();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (error, typed) = error.unzip();
    let html = page(
        app,
        ctx,
        "power/read.html",
        "nav_power_books",
        view! {
            book => book, stop => stops.get(at), at => at, count => stops.len(), done => done, month => month,
            prev => at.checked_sub(1), next => (at + 1 < stops.len()).then_some(at + 1), error => error, typed => typed,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn read(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<ReadQuery>,
) -> Result<Response, AppError> {
    read_page(&app, &ctx, id, q.at.unwrap_or(0), None).await
}

#[derive(Deserialize)]
pub struct ReadingForm {
    #[serde(default)]
    at: usize,
    #[serde(default)]
    reading: String,
    #[serde(default)]
    kind: String,
    peak: Option<String>,
    flat: Option<String>,
    valley: Option<String>,
    reactive: Option<String>,
    demand: Option<String>,
    power_factor: Option<String>,
}

/// Saves the stop's reading and moves on to the next account.
pub async fn save_reading(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<ReadingForm>,
) -> Result<Response, AppError> {
    let month = books::month_of(app.today());
    let stops = books::route(app.db(), &ctx.actor.scope, id, &month).await?;
    let stop = stops.get(f.at).ok_or(AppError::NotFound)?;
    let kind = match Kind::from_code("kind", &f.kind) {
        Ok(k) => k,
        Err(e) => return read_page(&app, &ctx, id, f.at, Some((message(&ctx, &e), f.reading))).await,
    };
    let entry = Entry {
        account_no: stop.account_no.clone(),
        meter_no: None,
        reading: f.reading.clone(),
        read_on: app.today(),
        kind,
        reader: ctx.actor.username.clone(),
        source: books::source::PAGE,
        extra: books::Extra {
            peak: f.peak,
            flat: f.flat,
            valley: f.valley,
            reactive: f.reactive,
            demand: f.demand,
            power_factor: f.power_factor,
        },
    };
    match books::enter(app.db(), &ctx.actor, &entry, reader_only(&ctx), &ReadingRules::default(), app.now()).await {
        Ok(_) => {
            let next = (f.at + 1).min(stops.len().saturating_sub(1));
            Ok(Redirect::to(&format!("/power/books/{id}/read?at={next}")).into_response())
        }
        Err(kefu_store::Failure::Invalid(e)) => {
            read_page(&app, &ctx, id, f.at, Some((message(&ctx, &e), f.reading))).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) fn message(ctx: &Ctx, e: &kefu_core::Invalid) -> String {
    let lang = ctx.actor.lang;
    e.message(lang, &field_label(lang, &e.field))
}

pub async fn held(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<OffsetQuery>,
) -> Result<Response, AppError> {
    let at = paging::page(&q.offset);
    let list = books::held(app.db(), &ctx.actor.scope, at).await?;
    let pager = paging::pager("/power/readings/held", &[], at, list.rows.len(), list.total);
    let context = view! { held => list.rows, count => list.total, pager => pager };
    Ok(page(&app, &ctx, "power/held.html", "nav_power_books", context)?.into_response())
}

pub async fn confirm(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    books::confirm(app.db(), &ctx.actor, id, reader_only(&ctx)).await?;
    Ok(Redirect::to("/power/readings/held").into_response())
}

/// The billing page of `month` (the bills of `book`, or of every book);
/// `chosen` is what the run form offers first (`book:ID`, `station:ID` or
/// `all`), what was run last.
async fn billing_page(
    app: &AppState,
    ctx: &Ctx,
    (month, book, at): (String, Option<i64>, Page),
    chosen: String,
    outcome: Option<Value>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let list = books::list(app.db(), &ctx.actor.scope).await?;
    let stations = kefu_power::archive::stations(app.db(), &ctx.actor.scope).await?;
    let (bills, total) = bills::bills_page(app.db(), &ctx.actor.scope, book, &month, at).await?;
    let query = [("month", month.clone()), ("book", book.map(|b| b.to_string()).unwrap_or_default())];
    let pager = paging::pager("/power/billing", &query, at, bills.rows.len(), bills.total);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "power/billing.html",
        "nav_power_billing",
        view! {
            books => list, stations => stations, month => month, book => book, chosen => chosen, outcome => outcome,
            error => error,
            bills => bills.rows, count => bills.total, pager => pager, total => kefu_power::tariffs::quote::yuan(total),
            can_run => ctx.actor.can(Permission::PowerManage),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn billing(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let month = month_or_this(&app, q.month.as_deref())?;
    let chosen = q.book.map(|b| format!("book:{b}")).unwrap_or_default();
    billing_page(&app, &ctx, (month, q.book, paging::page(&q.offset)), chosen, None, None).await
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    month: String,
    /// `book:ID`, `station:ID` or `all`.
    #[serde(default)]
    what: String,
}

pub async fn run(State(app): State<AppState>, ctx: Ctx, FormBody(f): FormBody<RunForm>) -> Result<Response, AppError> {
    let (book, station) = match f.what.split_once(':') {
        Some(("book", id)) => (id.parse().ok(), None),
        Some(("station", id)) => (None, id.parse().ok()),
        _ => (None, None),
    };
    let month = books::month_of(app.today());
    let checked = month_or_this(&app, Some(&f.month)).and_then(|m| Ok((m, target(book, station, f.what == "all")?)));
    let (month, target) = match checked {
        Ok(ok) => ok,
        Err(AppError::Invalid(e)) => {
            let page = (month, None, paging::page(""));
            return billing_page(&app, &ctx, page, f.what, None, Some(message(&ctx, &e))).await;
        }
        Err(other) => return Err(other),
    };
    match bills::run(app.db(), &ctx.actor, target, &month, app.today(), app.now()).await {
        Ok(o) => {
            billing_page(&app, &ctx, (month, book, paging::page("")), f.what, Some(outcome_json(&o, &ctx)), None).await
        }
        Err(kefu_store::Failure::Invalid(e)) => {
            billing_page(&app, &ctx, (month, book, paging::page("")), f.what, None, Some(message(&ctx, &e))).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn bill(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Response, AppError> {
    let b = bills::bill(app.db(), &ctx.actor.scope, &no).await?;
    Ok(page(&app, &ctx, "power/bill.html", "nav_power_billing", view! { bill => b })?.into_response())
}

/// The month's bills (of a book, or every book in scope) as a workbook.
pub async fn export_bills(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    use crate::xlsx::{self, Cell, Sheet};
    let month = month_or_this(&app, q.month.as_deref())?;
    let lang = ctx.actor.lang;
    let list = bills::bills_of_month(app.db(), &ctx.actor.scope, q.book, &month).await?;
    let header = [
        "power_bill_no",
        "field_account_no",
        "power_bill_period",
        "field_tariff",
        "power_bill_kwh",
        "power_bill_amount_fen",
        "power_bill_due",
        "power_bill_status",
    ]
    .iter()
    .map(|k| crate::i18n::t(lang, k))
    .collect();
    let rows = list
        .iter()
        .map(|b| {
            vec![
                Cell::Text(b.bill_no.clone()),
                Cell::Text(b.account_no.clone()),
                Cell::Text(format!("{} – {}", b.period_from, b.period_to)),
                Cell::Text(b.tariff_code.clone()),
                Cell::Int(b.kwh),
                Cell::Int(b.amount_fen),
                Cell::Text(b.due_on.clone()),
                Cell::Text(crate::i18n::t(lang, &format!("power_bill_status_{}", b.status))),
            ]
        })
        .collect();
    let bytes = xlsx::workbook(&[Sheet { name: month.clone(), header, rows }])?;
    Ok(xlsx::download(&format!("bills-{month}.xlsx"), bytes))
}

/// The bill notice (电费通知单) as a PDF, set in the letters' CJK font.
pub async fn notice(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Response, AppError> {
    use crate::i18n::t;
    let b = bills::bill(app.db(), &ctx.actor.scope, &no).await?;
    let lang = ctx.actor.lang;
    let colon = t(lang, "colon");
    let mut lines =
        vec![(16.0, t(lang, "power_bill_notice")), (11.0, format!("{}{colon}{}", t(lang, "power_bill_no"), b.bill_no))];
    for (key, value) in [
        ("field_account_no", b.account_no.clone()),
        ("power_read_month", b.month.clone()),
        ("power_bill_period", format!("{} – {}", b.period_from, b.period_to)),
        ("field_tariff", b.tariff_code.clone()),
        ("power_bill_kwh", b.kwh.to_string()),
    ] {
        lines.push((11.0, format!("{}{colon}{value}", t(lang, key))));
    }
    for l in &b.lines {
        let label = l.label.clone().unwrap_or_default();
        let text = match (l.kind.as_str(), l.tier, &l.period) {
            (_, Some(n), _) => format!("{} {n}  {} kWh × {} = {}", t(lang, "power_tier"), l.kwh, l.price, l.amount),
            (_, None, Some(p)) => {
                format!("{}  {} kWh × {} = {}", t(lang, &format!("period_{p}")), l.kwh, l.price, l.amount)
            }
            ("basic", ..) => {
                let unit = if label == "capacity" { "kVA" } else { "kW" };
                let what = t(lang, &format!("power_bill_line_basic_{label}"));
                format!("{what}  {} {unit} × {} = {}", l.kwh, l.price, l.amount)
            }
            ("power_factor", ..) => {
                format!("{} {label}  {} = {}", t(lang, "power_bill_line_power_factor"), l.price, l.amount)
            }
            ("surcharge", ..) => format!("{label}  {} kWh × {} = {}", l.kwh, l.price, l.amount),
            _ => format!("{}  {} kWh × {} = {}", t(lang, "basis_flat"), l.kwh, l.price, l.amount),
        };
        lines.push((10.0, text));
    }
    lines.push((
        13.0,
        format!(
            "{}{colon}{} · {}{colon}{}",
            t(lang, "power_bill_amount"),
            b.amount,
            t(lang, "power_bill_due"),
            b.due_on
        ),
    ));
    let title = format!("{} {}", t(lang, "power_bill_notice"), b.bill_no);
    crate::pages::monthly::lines_pdf(&app, title, &format!("bill-{no}.pdf"), lines).await
}

/// The readings held for re-reading as a workbook.
pub async fn export_held(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    use crate::xlsx::{self, Cell, Sheet};
    let lang = ctx.actor.lang;
    let list = books::held(app.db(), &ctx.actor.scope, Page::ALL).await?.rows;
    let header = [
        "field_account_no",
        "power_read_month",
        "power_read_reading",
        "power_bill_kwh",
        "power_read_hold_reason",
        "power_read_reader",
    ]
    .iter()
    .map(|k| crate::i18n::t(lang, k))
    .collect();
    let rows = list
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.account_no.clone()),
                Cell::Text(r.month.clone()),
                Cell::Text(r.reading.clone()),
                Cell::Int(r.kwh),
                Cell::Text(
                    r.hold_reason
                        .as_ref()
                        .map(|h| crate::i18n::t(lang, &format!("power_read_hold_{h}")))
                        .unwrap_or_default(),
                ),
                Cell::Text(r.reader.clone()),
            ]
        })
        .collect();
    let name = crate::i18n::t(lang, "power_read_held");
    let bytes = xlsx::workbook(&[Sheet { name, header, rows }])?;
    Ok(xlsx::download("held-readings.xlsx", bytes))
}

/// The month's reading audit, per book and per station, as a workbook.
pub async fn export_audit(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    use crate::xlsx::{self, Cell, Sheet};
    let month = month_or_this(&app, q.month.as_deref())?;
    let lang = ctx.actor.lang;
    let audit = audit_view(&app, &ctx, &month).await?;
    let header = [
        "power_station",
        "power_read_book",
        "power_read_due",
        "power_read_read",
        "power_read_rate",
        "power_read_errors",
        "power_read_error_rate",
        "power_read_faults",
    ]
    .iter()
    .map(|k| crate::i18n::t(lang, k))
    .collect();
    let total = crate::i18n::t(lang, "power_read_station_total");
    let text = |v: &Value| Cell::Text(v.as_str().map(|s| format!("{s}%")).unwrap_or_default());
    let int = |v: &Value| Cell::Int(v.as_i64().unwrap_or(0));
    let rows = audit["books"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(audit["stations"].as_array().into_iter().flatten())
        .map(|r| {
            vec![
                Cell::Text(r["station"].as_str().unwrap_or_default().to_string()),
                Cell::Text(r["book"].as_str().map_or(total.clone(), str::to_string)),
                int(&r["due"]),
                int(&r["read"]),
                text(&r["reading_rate"]),
                int(&r["errors"]),
                text(&r["error_rate"]),
                int(&r["faults"]),
            ]
        })
        .collect();
    let bytes = xlsx::workbook(&[Sheet { name: month.clone(), header, rows }])?;
    Ok(xlsx::download(&format!("reading-audit-{month}.xlsx"), bytes))
}
