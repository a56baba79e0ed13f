//! The power pack's JSON API: an account with its meters (the quote is
//! in `tariffs/`).

use crate::error::AppError;
use crate::extract::PathParams;
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_power::archive::{self, Account, Meter};
use serde::Serialize;
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

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
