//! The power pack's JSON API: an account with its meters, and the bill
//! quote — a month's energy charge for a tariff and its kWh, computed by
//! `kefu_power::billing` and stored nowhere.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_core::{Invalid, Money, Rule};
use kefu_power::archive::{self, Account, Meter};
use kefu_power::billing::{self, LineKind, Usage};
use kefu_power::tariffs;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// An amount as the API writes it: yuan with two decimals, no grouping.
pub(crate) fn yuan(m: Money) -> String {
    let sign = if m.fen() < 0 { "-" } else { "" };
    let fen = m.fen().unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// A meter. Ratios are primary/secondary ("150/5"); 1/1 without a
/// transformer.
#[derive(Serialize, ToSchema)]
pub struct MeterDto {
    meter_no: String,
    kind: String,
    register_digits: i64,
    ct: String,
    pt: String,
    /// The overall multiplier (综合倍率 = CT × PT).
    multiplier: i64,
    installed_on: Option<String>,
    removed_on: Option<String>,
}

impl MeterDto {
    fn of(m: &Meter) -> MeterDto {
        MeterDto {
            meter_no: m.meter_no.clone(),
            kind: m.kind.clone(),
            register_digits: m.register_digits,
            ct: format!("{}/{}", m.ct.0, m.ct.1),
            pt: format!("{}/{}", m.pt.0, m.pt.1),
            multiplier: m.multiplier(),
            installed_on: m.installed_on.map(|d| d.to_string()),
            removed_on: m.removed_on.map(|d| d.to_string()),
        }
    }
}

/// An electricity account (用电户) with its meters.
#[derive(Serialize, ToSchema)]
pub struct ElectricityAccountDto {
    account_no: String,
    customer_id: i64,
    station_id: i64,
    /// residential | general_commercial | large_industry | agricultural
    usage_class: String,
    /// 220v | 380v | 10kv
    voltage: String,
    capacity_kva: i64,
    supply_address: String,
    tariff_code: String,
    permit_no: Option<String>,
    permit_issued: Option<String>,
    permit_valid_until: Option<String>,
    /// applying | active | suspended | closed
    status: String,
    meters: Vec<MeterDto>,
}

impl ElectricityAccountDto {
    pub(crate) fn of(a: &Account, meters: &[Meter]) -> ElectricityAccountDto {
        ElectricityAccountDto {
            account_no: a.account_no.clone(),
            customer_id: a.customer_id.0,
            station_id: a.branch_id.0,
            usage_class: a.usage_class.clone(),
            voltage: a.voltage.clone(),
            capacity_kva: a.capacity_kva,
            supply_address: a.supply_address.clone(),
            tariff_code: a.tariff_code.clone(),
            permit_no: a.permit_no.clone(),
            permit_issued: a.permit_issued.map(|d| d.to_string()),
            permit_valid_until: a.permit_valid_until.map(|d| d.to_string()),
            status: a.status.clone(),
            meters: meters.iter().filter(|m| m.account_id == Some(a.id)).map(MeterDto::of).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/power/accounts/{number}", tag = "power", params(("number" = String, Path, description = "户号")),
    responses((status = 200, body = ElectricityAccountDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
) -> Result<Json<ElectricityAccountDto>, AppError> {
    let a = archive::by_number(app.db(), &ctx.actor.scope, &number).await?;
    let meters = archive::meters_of(app.db(), &[a.id]).await?;
    Ok(Json(ElectricityAccountDto::of(&a, &meters)))
}

/// A month's energy to price: `kwh` for a flat or tiered tariff, or the
/// three registers of a time-of-use meter.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"tariff_code": "gx-res-1", "kwh": 300, "date": "2026-11-30"}))]
pub struct QuoteBody {
    tariff_code: String,
    /// The month's kWh (flat and tiered tariffs).
    kwh: Option<i64>,
    /// Time of use: the peak, flat and valley registers' kWh.
    peak_kwh: Option<i64>,
    flat_kwh: Option<i64>,
    valley_kwh: Option<i64>,
    /// kWh billed earlier in the calendar year (yearly tiers only).
    #[serde(default)]
    year_to_date_kwh: i64,
    /// The day whose prices apply (YYYY-MM-DD); today when left out.
    #[schema(value_type = Option<String>)]
    date: Option<jiff::civil::Date>,
}

/// One line of the charge.
#[derive(Serialize, ToSchema)]
pub struct QuoteLineDto {
    /// flat | tier | register (see `tier` and `period`).
    kind: String,
    /// The tier, counted from 1 (tiered tariffs).
    tier: Option<usize>,
    /// peak | flat | valley (time of use).
    period: Option<String>,
    kwh: i64,
    /// Yuan per kWh, four decimals.
    price: String,
    /// Yuan, two decimals.
    amount: String,
}

/// The energy charge: its lines and their sum.
#[derive(Serialize, ToSchema)]
pub struct QuoteDto {
    tariff_code: String,
    kwh: i64,
    lines: Vec<QuoteLineDto>,
    /// Yuan, two decimals.
    amount: String,
}

#[utoipa::path(post, path = "/api/v1/power/bill-quote", tag = "power",
    request_body(content = QuoteBody, example = json!({"tariff_code": "gx-res-1", "kwh": 300, "date": "2026-11-30"})),
    responses((status = 200, body = QuoteDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn bill_quote(
    State(app): State<AppState>,
    JsonBody(b): JsonBody<QuoteBody>,
) -> Result<Json<QuoteDto>, AppError> {
    let tariff = tariffs::shipped().into_iter().find(|t| t.code() == b.tariff_code).ok_or_else(|| {
        AppError::Invalid(Invalid::new(
            "tariff_code",
            Rule::new("unknown_tariff", "没有这个电价代码", "there is no tariff with this code"),
        ))
    })?;
    let usage = match (b.kwh, b.peak_kwh, b.flat_kwh, b.valley_kwh) {
        (Some(kwh), None, None, None) => Usage::Total(kwh),
        (None, peak, flat, valley) if peak.is_some() || flat.is_some() || valley.is_some() => {
            Usage::Registers { peak: peak.unwrap_or(0), flat: flat.unwrap_or(0), valley: valley.unwrap_or(0) }
        }
        _ => {
            return Err(AppError::Invalid(Invalid::new(
                "kwh",
                Rule::new(
                    "kwh_or_registers",
                    "请填写电量 kwh，或分时电量 peak_kwh、flat_kwh、valley_kwh，二者取其一",
                    "give either kwh or the time-of-use registers peak_kwh, flat_kwh, valley_kwh",
                ),
            )));
        }
    };
    let date = b.date.unwrap_or_else(|| app.today());
    let charge = billing::quote(&tariff, usage, b.year_to_date_kwh, date).map_err(AppError::Invalid)?;
    let lines = charge
        .lines
        .iter()
        .map(|l| {
            let (kind, tier, period) = match l.kind {
                LineKind::Flat => ("flat", None, None),
                LineKind::Tier(n) => ("tier", Some(n), None),
                LineKind::Register(p) => ("register", None, Some(p.code().to_string())),
            };
            QuoteLineDto {
                kind: kind.into(),
                tier,
                period,
                kwh: l.kwh,
                price: l.price.to_string(),
                amount: yuan(l.amount),
            }
        })
        .collect();
    Ok(Json(QuoteDto { tariff_code: tariff.code().to_string(), kwh: charge.kwh, lines, amount: yuan(charge.amount) }))
}
