//! The collection pages: the counter, a receipt (and its PDF), the day
//! close with the day's payments and the bank and agents' files, arrears
//! with the dunning steps and the written notice (PDF), the collection rate
//! with the settings.

use super::super::paging;
use super::api::{bank_channel, day_json, day_or_today, imported_json, month_or_this, rate_json};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::{field_label, t};
use crate::packs::power::paging::OffsetQuery;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::{Invalid, Money, Permission};
use kefu_power::collection::{self as col, Channel, NewPayment};
use kefu_power::paging::Page;
use kefu_power::tariffs::quote::yuan;
use serde::Deserialize;
use serde_json::Value;

fn message(ctx: &Ctx, e: &Invalid) -> String {
    let lang = ctx.actor.lang;
    e.message(lang, &field_label(lang, &e.field))
}

/// A page again with the error of the form, or the failure that is not one.
fn invalid_or<T>(r: Result<T, kefu_store::Failure>) -> Result<Result<T, Invalid>, AppError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(kefu_store::Failure::Invalid(e)) => Ok(Err(e)),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct CounterQuery {
    /// 户号 or its tail.
    q: Option<String>,
}

async fn counter_page(
    app: &AppState,
    ctx: &Ctx,
    q: &str,
    error: Option<String>,
    typed: Option<(String, bool)>,
) -> Result<Response, AppError> {
    let rules = col::load_rules(app.db()).await?;
    let matches = col::find_accounts(app.db(), &ctx.actor.scope, q).await?;
    let exact = matches.iter().find(|m| m.0 == q.trim()).or(if matches.len() == 1 { matches.first() } else { None });
    let due = match exact {
        Some(m) => Some(col::open_bills(app.db(), &ctx.actor.scope, &m.0, app.today(), &rules).await?),
        None => None,
    };
    let matches: Vec<Value> = matches
        .iter()
        .map(|(no, name, addr)| serde_json::json!({"account_no": no, "name": name, "address": addr}))
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (amount, prepaid) = typed.unzip();
    let html = page(
        app,
        ctx,
        "power/counter.html",
        "nav_power_counter",
        view! {
            q => q.trim(), matches => matches, due => due, error => error, amount => amount, prepaid => prepaid,
            can_waive => ctx.actor.can(Permission::PowerManage), today => app.today().to_string(),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn counter(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<CounterQuery>,
) -> Result<Response, AppError> {
    counter_page(&app, &ctx, q.q.as_deref().unwrap_or(""), None, None).await
}

#[derive(Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    account_no: String,
    #[serde(default)]
    amount: String,
    /// A checkbox: "1" when what is left over may be kept prepaid.
    #[serde(default)]
    prepaid: Option<String>,
}

/// Takes a counter payment and shows its receipt.
pub async fn take(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<PaymentForm>,
) -> Result<Response, AppError> {
    let prepaid = f.prepaid.is_some();
    let checked = Money::parse_yuan("amount", &f.amount).map_err(kefu_store::Failure::Invalid);
    let taken = match checked {
        Ok(amount) => {
            let p = NewPayment {
                account_no: f.account_no.clone(),
                amount,
                channel: Channel::Counter,
                reference: None,
                open_prepaid: prepaid,
                day: app.today(),
            };
            let rules = col::load_rules(app.db()).await?;
            col::take(app.db(), &ctx.actor, &p, &rules, app.now()).await
        }
        Err(e) => Err(e),
    };
    match invalid_or(taken)? {
        Ok(no) => Ok(Redirect::to(&format!("/power/receipts/{no}")).into_response()),
        Err(e) => counter_page(&app, &ctx, &f.account_no, Some(message(&ctx, &e)), Some((f.amount, prepaid))).await,
    }
}

async fn receipt_page(app: &AppState, ctx: &Ctx, no: &str, error: Option<String>) -> Result<Response, AppError> {
    let r = col::receipt(app.db(), &ctx.actor.scope, no).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let reversible = r.status == "valid" && r.channel != "prepaid";
    let html = page(
        app,
        ctx,
        "power/receipt.html",
        "nav_power_counter",
        view! { r => r, error => error, reversible => reversible },
    )?;
    Ok((status, html).into_response())
}

pub async fn receipt(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Response, AppError> {
    receipt_page(&app, &ctx, &no, None).await
}

/// The receipt (电费收据) as a PDF: its number, the account, each bill
/// cleared with its late charge, the amounts in yuan.
pub async fn receipt_pdf(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Response, AppError> {
    let r = col::receipt(app.db(), &ctx.actor.scope, &no).await?;
    let lang = ctx.actor.lang;
    let colon = t(lang, "colon");
    let mut lines = vec![
        (16.0, t(lang, "power_pay_receipt")),
        (11.0, format!("{}{colon}{}", t(lang, "power_pay_receipt_no"), r.receipt_no)),
    ];
    for (key, value) in [
        ("field_account_no", r.account_no.clone()),
        ("power_pay_customer", r.customer.clone()),
        ("power_pay_channel", t(lang, &format!("power_pay_channel_{}", r.channel))),
        ("power_pay_day", r.business_day.clone()),
        ("power_pay_cashier", r.cashier.clone()),
    ] {
        lines.push((11.0, format!("{}{colon}{value}", t(lang, key))));
    }
    for l in &r.lines {
        lines.push((
            10.0,
            format!(
                "{} {} · {}{colon}{} · {}{colon}{} · {}{colon}{}",
                l.bill_no,
                l.month,
                t(lang, "power_pay_energy"),
                l.energy,
                t(lang, "power_pay_late_charge"),
                l.late_charge,
                t(lang, "power_pay_left"),
                l.left
            ),
        ));
    }
    lines.push((11.0, format!("{}{colon}{}", t(lang, "power_pay_to_prepaid"), r.to_prepaid)));
    lines.push((13.0, format!("{}{colon}¥{}", t(lang, "power_pay_amount"), r.amount)));
    if r.status != "valid" {
        lines.push((11.0, t(lang, &format!("power_pay_status_{}", r.status))));
    }
    let title = format!("{} {}", t(lang, "power_pay_receipt"), r.receipt_no);
    crate::pages::monthly::lines_pdf(&app, title, &format!("receipt-{no}.pdf"), lines).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    /// Where the waiver's form came from (the counter's account).
    #[serde(default)]
    account_no: String,
}

pub async fn reverse(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    FormBody(f): FormBody<ReasonForm>,
) -> Result<Response, AppError> {
    match invalid_or(col::reverse(app.db(), &ctx.actor, &no, &f.reason, app.today(), app.now()).await)? {
        Ok(new) => Ok(Redirect::to(&format!("/power/receipts/{new}")).into_response()),
        Err(e) => receipt_page(&app, &ctx, &no, Some(message(&ctx, &e))).await,
    }
}

/// A manager waives a bill's late charge from the counter.
pub async fn waive(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    FormBody(f): FormBody<ReasonForm>,
) -> Result<Response, AppError> {
    let rules = col::load_rules(app.db()).await?;
    match invalid_or(col::waive(app.db(), &ctx.actor, &no, &f.reason, app.today(), &rules, app.now()).await)? {
        Ok(_) => Ok(Redirect::to(&format!("/power/counter?q={}", f.account_no.trim())).into_response()),
        Err(e) => counter_page(&app, &ctx, &f.account_no, Some(message(&ctx, &e)), None).await,
    }
}

#[derive(Deserialize, Default)]
pub struct DayQuery {
    day: Option<String>,
    #[serde(default)]
    offset: String,
}

/// The cashier's day with a page of the day's payments (`at`).
async fn day_page(
    app: &AppState,
    ctx: &Ctx,
    day: jiff::civil::Date,
    at: Page,
    error: Option<String>,
    imported: Option<Value>,
) -> Result<Response, AppError> {
    let data = day_json(app, ctx, day).await?;
    let receipts = col::receipts_of(app.db(), &ctx.actor.scope, None, Some(day), at).await?;
    let pager = paging::pager("/power/day-close", &[("day", day.to_string())], at, receipts.rows.len(), receipts.total);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let month = kefu_power::books::month_of(day);
    let html = page(
        app,
        ctx,
        "power/day_close.html",
        "nav_power_day_close",
        view! {
            day => day.to_string(), d => data, receipts => receipts.rows, pager => pager, error => error,
            imported => imported, month => month, can_export => ctx.actor.can(Permission::PowerManage),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn day_close(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<DayQuery>,
) -> Result<Response, AppError> {
    match day_or_today(&app, "day", q.day.as_deref()) {
        Ok(day) => day_page(&app, &ctx, day, paging::page(&q.offset), None, None).await,
        Err(AppError::Invalid(e)) => {
            day_page(&app, &ctx, app.today(), paging::page(""), Some(message(&ctx, &e)), None).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    cash_counted: String,
    #[serde(default)]
    note: String,
}

pub async fn close(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<CloseForm>,
) -> Result<Response, AppError> {
    let day = day_or_today(&app, "day", Some(&f.day))?;
    let closed = match Money::parse_yuan("cash_counted", &f.cash_counted) {
        Ok(counted) => col::close_day(app.db(), &ctx.actor, day, counted, &f.note, app.now()).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match invalid_or(closed)? {
        Ok(()) => Ok(Redirect::to(&format!("/power/day-close?day={day}")).into_response()),
        Err(e) => day_page(&app, &ctx, day, paging::page(""), Some(message(&ctx, &e)), None).await,
    }
}

#[derive(Deserialize, Default)]
pub struct ImportQuery {
    channel: Option<String>,
}

/// A bank's or agent's file; the report on the day's page.
pub async fn import(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ImportQuery>,
    form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let channel = bank_channel(q.channel.as_deref())?;
    let upload = crate::imports::Upload::read(form).await?;
    let rules = col::load_rules(app.db()).await?;
    let done = col::import_bank_file(app.db(), &ctx.actor, &upload.bytes, channel, &rules, app.now());
    match invalid_or(done.await)? {
        Ok(done) => {
            let imported = Some(imported_json(&done, ctx.actor.lang));
            day_page(&app, &ctx, app.today(), paging::page(""), None, imported).await
        }
        Err(e) => day_page(&app, &ctx, app.today(), paging::page(""), Some(message(&ctx, &e)), None).await,
    }
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    month: Option<String>,
}

/// 财务对账: a month's payments by station and channel (the centre's total
/// last), and every cashier's day close, as a workbook.
pub async fn finance_xlsx(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> Result<Response, AppError> {
    use crate::xlsx::{self, Cell, Sheet};
    let month = month_or_this(&app, q.month.as_deref());
    let first: jiff::civil::Date = kefu_power::bills::month_ok(&month).map_err(AppError::Invalid)?;
    let last = first.last_of_month();
    let lang = ctx.actor.lang;
    let head = |keys: &[&str]| keys.iter().map(|k| t(lang, k)).collect::<Vec<_>>();
    let totals = col::station_totals(app.db(), &ctx.actor.scope, first, last).await?;
    let mut rows: Vec<Vec<Cell>> = totals
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.station.clone()),
                Cell::Text(t(lang, &format!("power_pay_channel_{}", s.channel))),
                Cell::Int(s.count),
                Cell::Int(s.reversals),
                Cell::Int(s.total_fen),
                Cell::Text(s.total.clone()),
            ]
        })
        .collect();
    let centre: i64 = totals.iter().map(|s| s.total_fen).sum();
    rows.push(vec![
        Cell::Text(t(lang, "power_pay_centre")),
        Cell::Text(String::new()),
        Cell::Int(totals.iter().map(|s| s.count).sum()),
        Cell::Int(totals.iter().map(|s| s.reversals).sum()),
        Cell::Int(centre),
        Cell::Text(yuan(Money::from_fen(centre))),
    ]);
    let closes = col::closes(app.db(), &ctx.actor.scope, None, first, last).await?;
    let close_rows = closes
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.business_day.clone()),
                Cell::Text(c.cashier.clone()),
                Cell::Int(c.payments),
                Cell::Text(c.total.clone()),
                Cell::Text(c.reversals.clone()),
                Cell::Text(c.cash_expected.clone()),
                Cell::Text(c.cash_counted.clone()),
                Cell::Text(c.difference.clone()),
            ]
        })
        .collect();
    let sheets = [
        Sheet {
            name: t(lang, "power_pay_finance_totals"),
            header: head(&[
                "power_station",
                "power_pay_channel",
                "power_pay_count",
                "power_pay_reversals",
                "power_pay_total_fen",
                "power_pay_total",
            ]),
            rows,
        },
        Sheet {
            name: t(lang, "power_pay_closes"),
            header: head(&[
                "power_pay_day",
                "power_pay_cashier",
                "power_pay_count",
                "power_pay_total",
                "power_pay_reversals",
                "power_pay_cash_expected",
                "power_pay_cash_counted",
                "power_pay_difference",
            ]),
            rows: close_rows,
        },
    ];
    Ok(xlsx::download(&format!("finance-{month}.xlsx"), xlsx::workbook(&sheets)?))
}

async fn arrears_page(app: &AppState, ctx: &Ctx, at: Page, error: Option<String>) -> Result<Response, AppError> {
    let day = app.today();
    let rules = col::load_rules(app.db()).await?;
    let report = col::arrears(app.db(), &ctx.actor.scope, day).await?;
    let accounts = col::accounts_in_arrears(app.db(), &ctx.actor.scope, day, &rules, at).await?;
    let pager = paging::pager("/power/arrears", &[], at, accounts.rows.len(), accounts.total);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let buckets = col::BUCKETS.map(|b| b.0);
    let html = page(
        app,
        ctx,
        "power/arrears.html",
        "nav_power_arrears",
        view! {
            report => report, accounts => accounts.rows, count => accounts.total, pager => pager, buckets => buckets,
            error => error, today => day.to_string(),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn arrears(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<OffsetQuery>,
) -> Result<Response, AppError> {
    arrears_page(&app, &ctx, paging::page(&q.offset), None).await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    account_no: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    done_on: String,
    #[serde(default)]
    note: String,
}

pub async fn record_step(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<StepForm>,
) -> Result<Response, AppError> {
    let recorded = match day_or_today(&app, "done_on", Some(&f.done_on)) {
        Ok(on) => {
            let rules = col::load_rules(app.db()).await?;
            col::record_step(app.db(), &ctx.actor, &f.account_no, &f.step, on, &f.note, &rules, app.now()).await
        }
        Err(AppError::Invalid(e)) => Err(e.into()),
        Err(other) => return Err(other),
    };
    match invalid_or(recorded)? {
        Ok(()) => Ok(Redirect::to("/power/arrears").into_response()),
        Err(e) => arrears_page(&app, &ctx, paging::page(""), Some(message(&ctx, &e))).await,
    }
}

/// The written notice of arrears (催费通知书) as a PDF: the open bills with
/// their late charges to today, and the suspension warning.
pub async fn arrears_notice(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Response, AppError> {
    let rules = col::load_rules(app.db()).await?;
    let due = col::open_bills(app.db(), &ctx.actor.scope, &no, app.today(), &rules).await?;
    let lang = ctx.actor.lang;
    let colon = t(lang, "colon");
    let mut lines = vec![
        (16.0, t(lang, "power_pay_notice")),
        (11.0, format!("{}{colon}{}", t(lang, "field_account_no"), due.account_no)),
        (11.0, format!("{}{colon}{}", t(lang, "power_pay_customer"), due.name)),
        (11.0, format!("{}{colon}{}", t(lang, "power_pay_address"), due.address)),
    ];
    for b in &due.bills {
        lines.push((
            10.0,
            format!(
                "{} {} · {}{colon}{} · {}{colon}{} · {}{colon}{}",
                b.bill_no,
                b.month,
                t(lang, "power_bill_due"),
                b.due_on,
                t(lang, "power_pay_outstanding"),
                b.outstanding,
                t(lang, "power_pay_late_charge"),
                b.late_charge
            ),
        ));
    }
    lines.push((13.0, format!("{}{colon}¥{}", t(lang, "power_pay_total_due"), due.total)));
    lines.push((11.0, t(lang, "power_pay_notice_text")));
    lines.push((11.0, format!("{}{colon}{}", t(lang, "power_pay_day"), app.today())));
    let title = format!("{} {}", t(lang, "power_pay_notice"), due.account_no);
    crate::pages::monthly::lines_pdf(&app, title, &format!("arrears-notice-{no}.pdf"), lines).await
}

async fn rate_page(app: &AppState, ctx: &Ctx, month: String, error: Option<String>) -> Result<Response, AppError> {
    let (data, error) = match rate_json(app, ctx, &month).await {
        Ok(d) => (Some(d), error),
        Err(AppError::Invalid(e)) => (None, Some(message(ctx, &e))),
        Err(other) => return Err(other),
    };
    let rules = col::load_rules(app.db()).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "power/collection_rate.html",
        "nav_power_collection_rate",
        view! { month => month, d => data, error => error, rules => rules.view() },
    )?;
    Ok((status, html).into_response())
}

pub async fn rate(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> Result<Response, AppError> {
    let month = month_or_this(&app, q.month.as_deref());
    rate_page(&app, &ctx, month, None).await
}

/// The late charge's and the suspension's settings, a manager's.
pub async fn save_rules(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<col::RulesInput>,
) -> Result<Response, AppError> {
    let month = kefu_power::books::month_of(app.today());
    match invalid_or(col::save_rules(app.db(), &ctx.actor, &f).await)? {
        Ok(_) => Ok(Redirect::to("/power/collection-rate").into_response()),
        Err(e) => rate_page(&app, &ctx, month, Some(message(&ctx, &e))).await,
    }
}
