//! The collection API under `/api/v1/power/`: an account's open bills,
//! payments (take, read, reverse, a bank or agent's file), a waiver, the
//! cashier's day and its close, arrears and dunning steps, the collection rate.

use crate::api::Problem;
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use kefu_core::{Invalid, Lang, Money, Rule};
use kefu_power::collection::rate::{self, StationCollection};
use kefu_power::collection::{self as col, Channel, NewPayment};
use kefu_power::indicators::Collection;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// A day as `YYYY-MM-DD`, today when left out.
pub(super) fn day_or_today(app: &AppState, field: &str, day: Option<&str>) -> Result<Date, AppError> {
    match day.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(app.today()),
        Some(d) => d.parse().map_err(|_| {
            AppError::Invalid(Invalid::new(
                field,
                Rule::new("date_format", "日期格式为 YYYY-MM-DD", "a date is YYYY-MM-DD"),
            ))
        }),
    }
}

/// A month as `YYYY-MM`, this month when left out (the store checks it).
pub(super) fn month_or_this(app: &AppState, month: Option<&str>) -> String {
    month
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map_or_else(|| kefu_power::books::month_of(app.today()), str::to_string)
}

pub(super) fn channel_of(code: &str) -> Result<Channel, AppError> {
    match code.trim() {
        "" | "counter" => Ok(Channel::Counter),
        "bank" => Ok(Channel::Bank),
        "agent" => Ok(Channel::Agent),
        _ => Err(AppError::Invalid(Invalid::new(
            "channel",
            Rule::new("unknown_channel", "收款渠道为柜台、银行或代收", "a channel is counter, bank or agent"),
        ))),
    }
}

/// An import's report: how many rows were paid and every refused row.
pub(super) fn imported_json(i: &col::BankImport, lang: Lang) -> Value {
    let rejected: Vec<Value> = i
        .rejected
        .iter()
        .map(|(row, e)| {
            let message = e.message(lang, &crate::i18n::field_label(lang, &e.field));
            json!({"row": row, "field": e.field, "rule": e.rule.code, "message": message})
        })
        .collect();
    json!({"paid": i.paid, "amount": kefu_power::tariffs::quote::yuan(Money::from_fen(i.amount)), "rejected": rejected})
}

fn collection_json(c: &Collection) -> Value {
    let pct = |r: Option<kefu_core::rate::Rate>| r.map(|r| r.to_string());
    let y = |m: Money| kefu_power::tariffs::quote::yuan(m);
    json!({
        "billed": y(c.billed), "collected": y(c.collected), "rate": pct(c.current()),
        "arrears_opening": y(c.arrears_opening), "arrears_collected": y(c.arrears_collected),
        "arrears_rate": pct(c.arrears()), "cumulative_rate": pct(c.cumulative()),
    })
}

/// The month's and the year's figures by station, and the centre's (their sum).
pub(super) async fn rate_json(app: &AppState, ctx: &Ctx, month: &str) -> Result<Value, AppError> {
    let of_month = rate::month_of(app.db(), &ctx.actor.scope, month).await?;
    let of_year = rate::year_to_month(app.db(), &ctx.actor.scope, month).await?;
    let stations: Vec<Value> = of_month
        .iter()
        .map(|m| {
            let year = of_year.iter().find(|y| y.branch_id == m.branch_id).map(|y| y.collection).unwrap_or_default();
            json!({"station_id": m.branch_id.0, "station": m.station, "month": collection_json(&m.collection),
                "year_to_date": collection_json(&year)})
        })
        .collect();
    let sum = |v: &[StationCollection]| v.iter().map(|s| s.collection).sum::<Collection>();
    Ok(json!({
        "month": month, "stations": stations,
        "centre": {"month": collection_json(&sum(&of_month)), "year_to_date": collection_json(&sum(&of_year))},
    }))
}

#[utoipa::path(get, path = "/api/v1/power/accounts/{number}/open-bills", tag = "power", params(("number" = String, Path)),
    responses((status = 200, description = "the account's open bills with outstanding amounts and late charges to today, and its prepaid balance"),
        (status = 404, body = Problem)))]
pub async fn open_bills(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
) -> Result<Json<Value>, AppError> {
    let rules = col::load_rules(app.db()).await?;
    let due = col::open_bills(app.db(), &ctx.actor.scope, &number, app.today(), &rules).await?;
    Ok(Json(serde_json::to_value(due).unwrap_or_default()))
}

/// A payment: the account, the amount in yuan (at most 2 decimals), the
/// channel, the bank's or agent's transaction number, and whether what is
/// left over may be kept as a prepaid balance.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"account_no": "0301000042", "amount": "120.50", "channel": "counter", "prepaid": true}))]
pub struct PaymentBody {
    account_no: String,
    amount: String,
    /// counter (default) | bank | agent
    #[serde(default)]
    channel: String,
    reference: Option<String>,
    /// Keep what is left over as a prepaid balance (预存电费).
    #[serde(default)]
    prepaid: bool,
}

#[utoipa::path(post, path = "/api/v1/power/payments", tag = "power", request_body = PaymentBody,
    responses((status = 201, description = "the receipt"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn take(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<PaymentBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let p = NewPayment {
        account_no: b.account_no,
        amount: Money::parse_yuan("amount", &b.amount).map_err(AppError::Invalid)?,
        channel: channel_of(&b.channel)?,
        reference: b.reference,
        open_prepaid: b.prepaid,
        day: app.today(),
    };
    let rules = col::load_rules(app.db()).await?;
    let no = col::take(app.db(), &ctx.actor, &p, &rules, app.now()).await?;
    let r = col::receipt(app.db(), &ctx.actor.scope, &no).await?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(r).unwrap_or_default())))
}

#[utoipa::path(get, path = "/api/v1/power/payments/{receipt_no}", tag = "power", params(("receipt_no" = String, Path)),
    responses((status = 200, description = "the receipt with the bills it reached"), (status = 404, body = Problem)))]
pub async fn payment(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(serde_json::to_value(col::receipt(app.db(), &ctx.actor.scope, &no).await?).unwrap_or_default()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "收错户号，客户退款"}))]
pub struct ReasonBody {
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/power/payments/{receipt_no}/reverse", tag = "power", params(("receipt_no" = String, Path)),
    request_body = ReasonBody,
    responses((status = 201, description = "the reversal's receipt"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reverse(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    JsonBody(b): JsonBody<ReasonBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let new = col::reverse(app.db(), &ctx.actor, &no, &b.reason, app.today(), app.now()).await?;
    let r = col::receipt(app.db(), &ctx.actor.scope, &new).await?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(r).unwrap_or_default())))
}

#[derive(Deserialize, Default, IntoParams)]
pub struct ChannelQuery {
    /// bank (default) | agent
    pub channel: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/power/payments/import", tag = "power", params(ChannelQuery),
    request_body(content_type = "multipart/form-data", description = "`file`: CSV or XLSX with 户号, 金额, 交易流水号 and 日期"),
    responses((status = 200, description = "rows paid, and every refused row"), (status = 422, body = Problem)))]
pub async fn import(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ChannelQuery>,
    form: axum::extract::Multipart,
) -> Result<Json<Value>, AppError> {
    let channel = bank_channel(q.channel.as_deref())?;
    let upload = crate::imports::Upload::read(form).await?;
    let rules = col::load_rules(app.db()).await?;
    let done = col::import_bank_file(app.db(), &ctx.actor, &upload.bytes, channel, &rules, app.now()).await?;
    Ok(Json(imported_json(&done, ctx.actor.lang)))
}

/// A file's channel: a bank's (the default) or an agent's.
pub(super) fn bank_channel(code: Option<&str>) -> Result<Channel, AppError> {
    match channel_of(code.unwrap_or("bank"))? {
        Channel::Counter => Ok(Channel::Bank),
        other => Ok(other),
    }
}

#[utoipa::path(post, path = "/api/v1/power/bills/{bill_no}/waive", tag = "power", params(("bill_no" = String, Path)),
    request_body = ReasonBody,
    responses((status = 200, description = "the late charge waived"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn waive(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    JsonBody(b): JsonBody<ReasonBody>,
) -> Result<Json<Value>, AppError> {
    let rules = col::load_rules(app.db()).await?;
    let waived = col::waive(app.db(), &ctx.actor, &no, &b.reason, app.today(), &rules, app.now()).await?;
    Ok(Json(json!({"bill_no": no, "waived": kefu_power::tariffs::quote::yuan(waived)})))
}

#[derive(Deserialize, Default, IntoParams)]
pub struct DayQuery {
    /// YYYY-MM-DD; today when left out.
    pub day: Option<String>,
}

/// The cashier's day with the stations' totals of the day and the centre's.
pub(super) async fn day_json(app: &AppState, ctx: &Ctx, day: Date) -> Result<Value, AppError> {
    let mine = col::cashier_day(app.db(), &ctx.actor.scope, ctx.actor.user_id, day).await?;
    let stations = col::station_totals(app.db(), &ctx.actor.scope, day, day).await?;
    let centre: i64 = stations.iter().map(|s| s.total_fen).sum();
    let closes = col::closes(app.db(), &ctx.actor.scope, None, day, day).await?;
    Ok(json!({"mine": mine, "stations": stations, "centre": kefu_power::tariffs::quote::yuan(Money::from_fen(centre)),
        "centre_fen": centre, "closes": closes}))
}

#[utoipa::path(get, path = "/api/v1/power/day-close", tag = "power", params(DayQuery),
    responses((status = 200, description = "the cashier's day by channel, its close, the stations' and the centre's totals"),
        (status = 422, body = Problem)))]
pub async fn day(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<DayQuery>,
) -> Result<Json<Value>, AppError> {
    let day = day_or_today(&app, "day", q.day.as_deref())?;
    Ok(Json(day_json(&app, &ctx, day).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"day": "2026-11-28", "cash_counted": "1520.00", "note": ""}))]
pub struct DayCloseBody {
    /// YYYY-MM-DD; today when left out.
    day: Option<String>,
    /// The cash counted in the drawer, yuan.
    cash_counted: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/power/day-close", tag = "power", request_body = DayCloseBody,
    responses((status = 201, description = "the day closed"), (status = 422, body = Problem)))]
pub async fn close(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<DayCloseBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let day = day_or_today(&app, "day", b.day.as_deref())?;
    let counted = Money::parse_yuan("cash_counted", &b.cash_counted).map_err(AppError::Invalid)?;
    col::close_day(app.db(), &ctx.actor, day, counted, &b.note, app.now()).await?;
    Ok((StatusCode::CREATED, Json(day_json(&app, &ctx, day).await?)))
}

#[utoipa::path(get, path = "/api/v1/power/arrears", tag = "power", params(DayQuery),
    responses((status = 200, description = "arrears by station, book and age, and the accounts in arrears")))]
pub async fn arrears(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<DayQuery>,
) -> Result<Json<Value>, AppError> {
    let day = day_or_today(&app, "day", q.day.as_deref())?;
    let rules = col::load_rules(app.db()).await?;
    let report = col::arrears(app.db(), &ctx.actor.scope, day).await?;
    // The longest overdue 500, and how many there are in all.
    let first = kefu_power::paging::Page { offset: 0, limit: 500 };
    let accounts = col::accounts_in_arrears(app.db(), &ctx.actor.scope, day, &rules, first).await?;
    Ok(Json(json!({"buckets": col::BUCKETS.map(|b| b.0), "report": report, "accounts": accounts.rows,
        "accounts_total": accounts.total})))
}

/// A dunning step: sms | call | notice | suspension, the day it was done.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"account_no": "0301000042", "step": "notice", "done_on": "2026-12-01"}))]
pub struct DunningStepBody {
    account_no: String,
    step: String,
    done_on: Option<String>,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/power/arrears/steps", tag = "power", request_body = DunningStepBody,
    responses((status = 201, description = "recorded"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_step(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<DunningStepBody>,
) -> Result<StatusCode, AppError> {
    let on = day_or_today(&app, "done_on", b.done_on.as_deref())?;
    let rules = col::load_rules(app.db()).await?;
    col::record_step(app.db(), &ctx.actor, &b.account_no, &b.step, on, &b.note, &rules, app.now()).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize, Default, IntoParams)]
pub struct MonthQuery {
    /// YYYY-MM; this month when left out.
    pub month: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/power/collection-rate", tag = "power", params(MonthQuery),
    responses((status = 200, description = "电费回收率 by station and for the centre: the month, the year to date, and earlier years' arrears apart"),
        (status = 422, body = Problem)))]
pub async fn rate(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Json<Value>, AppError> {
    let month = month_or_this(&app, q.month.as_deref());
    Ok(Json(rate_json(&app, &ctx, &month).await?))
}
