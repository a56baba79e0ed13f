//! The contracts' and permits' JSON API: an account's contracts, recording
//! one, recording its permit, and the contracts expiring soon.

use super::pages::Window;
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_power::archive;
use kefu_power::contracts::{self, Contract, ContractInput, PermitInput};
use serde::Serialize;
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// A supply contract (供用电合同).
#[derive(Serialize, ToSchema)]
pub struct ContractDto {
    id: i64,
    account_no: String,
    contract_no: String,
    /// YYYY-MM-DD
    signed_on: String,
    /// YYYY-MM-DD
    valid_until: String,
    capacity_kva: i64,
    /// single_source | dual_source | single_source_standby
    supply_mode: String,
    metering_point: String,
    liability_boundary: String,
    /// Days from today to the end (negative once past).
    days_left: i64,
}

impl ContractDto {
    fn of(c: &Contract, account_no: &str, today: jiff::civil::Date) -> ContractDto {
        ContractDto {
            id: c.id,
            account_no: account_no.to_string(),
            contract_no: c.contract_no.clone(),
            signed_on: c.signed_on.to_string(),
            valid_until: c.valid_until.to_string(),
            capacity_kva: c.capacity_kva,
            supply_mode: c.supply_mode.clone(),
            metering_point: c.metering_point.clone(),
            liability_boundary: c.liability_boundary.clone(),
            days_left: contracts::days_left(c.valid_until, today),
        }
    }
}

/// A contract or permit as the API takes it: dates YYYY-MM-DD, the
/// capacity a whole number of kVA as a string or a number.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"contract_no": "QSHT-2026-001", "signed_on": "2026-01-10", "valid_until": "2029-01-09",
    "capacity_kva": "630", "supply_mode": "dual_source", "metering_point": "10kV 进线高压计量柜",
    "liability_boundary": "10kV 线路 T 接杆跌落式熔断器下桩头"}))]
pub struct ContractBody {
    #[serde(default)]
    contract_no: String,
    #[serde(default)]
    signed_on: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = String)]
    capacity_kva: String,
    #[serde(default)]
    supply_mode: String,
    #[serde(default)]
    metering_point: String,
    #[serde(default)]
    liability_boundary: String,
}

fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match <Either as serde::Deserialize>::deserialize(d)? {
        Either::Text(s) => s,
        Either::Number(n) => n.to_string(),
    })
}

/// A power-use permit (用电许可证).
#[derive(serde::Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"permit_no": "QSYD202600001", "permit_issued": "2026-03-01", "permit_valid_until": "2031-02-28"}))]
pub struct PermitDto {
    #[serde(default)]
    permit_no: String,
    /// YYYY-MM-DD
    #[serde(default)]
    permit_issued: String,
    /// YYYY-MM-DD; one already past is refused.
    #[serde(default)]
    permit_valid_until: String,
}

#[utoipa::path(get, path = "/api/v1/power/accounts/{number}/contracts", tag = "power",
    params(("number" = String, Path, description = "户号")),
    responses((status = 200, body = [ContractDto], description = "The latest (in force) first"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn contracts(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
) -> Result<Json<Vec<ContractDto>>, AppError> {
    let a = archive::by_number(app.db(), &ctx.actor.scope, &number).await?;
    let today = app.today();
    let list = contracts::contracts_of(app.db(), &a).await?;
    Ok(Json(list.iter().map(|c| ContractDto::of(c, &a.account_no, today)).collect()))
}

#[utoipa::path(post, path = "/api/v1/power/accounts/{number}/contracts", tag = "power",
    params(("number" = String, Path, description = "户号")), request_body = ContractBody,
    responses((status = 200, body = ContractDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
    JsonBody(b): JsonBody<ContractBody>,
) -> Result<Json<ContractDto>, AppError> {
    let input = ContractInput {
        contract_no: b.contract_no,
        signed_on: b.signed_on,
        valid_until: b.valid_until,
        capacity_kva: b.capacity_kva,
        supply_mode: b.supply_mode,
        metering_point: b.metering_point,
        liability_boundary: b.liability_boundary,
    };
    let today = app.today();
    let c = contracts::record(app.db(), &ctx.actor, &number, &input, (today, app.now())).await?;
    Ok(Json(ContractDto::of(&c, &number, today)))
}

#[utoipa::path(put, path = "/api/v1/power/accounts/{number}/permit", tag = "power",
    params(("number" = String, Path, description = "户号")), request_body = PermitDto,
    responses((status = 200, body = PermitDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn permit(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
    JsonBody(b): JsonBody<PermitDto>,
) -> Result<Json<PermitDto>, AppError> {
    let input = PermitInput {
        permit_no: b.permit_no,
        permit_issued: b.permit_issued,
        permit_valid_until: b.permit_valid_until,
    };
    let a = contracts::record_permit(app.db(), &ctx.actor, &number, &input, app.today()).await?;
    Ok(Json(PermitDto {
        permit_no: a.permit_no.unwrap_or_default(),
        permit_issued: a.permit_issued.map(|d| d.to_string()).unwrap_or_default(),
        permit_valid_until: a.permit_valid_until.map(|d| d.to_string()).unwrap_or_default(),
    }))
}

#[utoipa::path(get, path = "/api/v1/power/contracts/expiring", tag = "power",
    params(("days" = Option<i64>, Query, description = "Days ahead, 1 to 366 (60 by default); those ended in the last 30 days come too")),
    responses((status = 200, body = [ContractDto]), (status = 403, body = Problem)))]
pub async fn expiring(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(w): QueryParams<Window>,
) -> Result<Json<Vec<ContractDto>>, AppError> {
    let today = app.today();
    let list =
        contracts::expiring(app.db(), &ctx.actor.scope, w.range(today), kefu_power::paging::Page::ALL).await?.rows;
    Ok(Json(list.iter().map(|e| ContractDto::of(&e.contract, &e.account_no, today)).collect()))
}
