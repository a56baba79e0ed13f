//! The contract checks' JSON API: a contract's checks, recording a visit's
//! checks, and a broken term opening a case.

use super::requests::{case, visit};
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_power::contracts::checks::{self, Check};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// A term of a supply contract checked on an inspection visit.
#[derive(Serialize, ToSchema)]
pub struct ContractCheckDto {
    id: i64,
    contract_id: i64,
    /// The visit's inspection record and its plan.
    record_id: i64,
    plan_id: i64,
    /// YYYY-MM-DD
    inspected_on: String,
    inspector: Option<String>,
    /// capacity | supply_mode | metering_point | liability_boundary
    term: String,
    /// kept | broken
    outcome: String,
    found: String,
    /// The case a broken term opened.
    case_id: Option<i64>,
}

impl ContractCheckDto {
    fn of(x: Check) -> ContractCheckDto {
        ContractCheckDto {
            id: x.id,
            contract_id: x.contract_id,
            record_id: x.record_id,
            plan_id: x.plan_id,
            inspected_on: x.inspected_on.to_string(),
            inspector: x.inspector,
            term: x.term,
            outcome: x.outcome,
            found: x.found,
            case_id: x.case_id,
        }
    }
}

/// A term as found.
#[derive(Deserialize, ToSchema)]
pub struct ContractTermBody {
    /// capacity | supply_mode | metering_point | liability_boundary
    #[serde(default)]
    term: String,
    /// kept | broken
    #[serde(default)]
    outcome: String,
    /// What was found; required when broken.
    #[serde(default)]
    found: String,
}

/// A visit's checks of the contract in force.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"plan_id": null, "inspected_on": "2026-11-20", "findings": "现场检查负荷及计量装置",
    "terms": [{"term": "capacity", "outcome": "broken", "found": "新增 250kVA 变压器一台，运行容量 880kVA"},
              {"term": "metering_point", "outcome": "kept", "found": ""}]}))]
pub struct ContractChecksBody {
    /// The account's contract or capacity plan; null makes one for the visit.
    #[serde(default)]
    plan_id: Option<i64>,
    /// YYYY-MM-DD, not after today; today when left out.
    #[serde(default)]
    inspected_on: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    terms: Vec<ContractTermBody>,
}

/// The case a broken term opens.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"kind": "unauthorised_increase", "added_kva": 250, "back_charge": null, "seal_numbers": ""}))]
pub struct ContractCheckCaseBody {
    /// unauthorised_increase | over_capacity | class_change | other
    #[serde(default)]
    kind: String,
    /// For an unauthorised increase: the kVA added without leave.
    #[serde(default)]
    added_kva: Option<i64>,
    /// For the others: the back charge in yuan, at most two decimals.
    #[serde(default)]
    back_charge: Option<String>,
    #[serde(default)]
    seal_numbers: String,
}

/// The case opened.
#[derive(Serialize, ToSchema)]
pub struct ContractCheckCaseDto {
    case_id: i64,
}

#[utoipa::path(get, path = "/api/v1/power/contracts/{id}/checks", tag = "power",
    params(("id" = i64, Path, description = "The contract")),
    responses((status = 200, body = [ContractCheckDto], description = "The latest visit first"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn checks(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<Vec<ContractCheckDto>>, AppError> {
    let list = checks::of_contract(app.db(), &ctx.actor.scope, id).await?;
    Ok(Json(list.into_iter().map(ContractCheckDto::of).collect()))
}

#[utoipa::path(post, path = "/api/v1/power/contracts/{id}/checks", tag = "power", request_body = ContractChecksBody,
    params(("id" = i64, Path, description = "The contract in force")),
    responses((status = 200, body = [ContractCheckDto], description = "The contract's checks"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ContractChecksBody>,
) -> Result<Json<Vec<ContractCheckDto>>, AppError> {
    // A term the API sends says how it was found (the form's blank means
    // "not checked").
    if let Some(t) = b.terms.iter().find(|t| t.outcome.trim().is_empty()) {
        return Err(AppError::Invalid(crate::fields::one_of(&t.term)));
    }
    let terms: Vec<(&str, &str, &str)> =
        b.terms.iter().map(|t| (t.term.as_str(), t.outcome.as_str(), t.found.as_str())).collect();
    let plan = b.plan_id.map(|p| p.to_string()).unwrap_or_default();
    let today = app.today();
    let v = visit(&plan, &b.inspected_on, &terms, &b.findings, today).map_err(AppError::Invalid)?;
    checks::record(app.db(), &ctx.actor, id, &v, (today, app.now())).await?;
    let list = checks::of_contract(app.db(), &ctx.actor.scope, id).await?;
    Ok(Json(list.into_iter().map(ContractCheckDto::of).collect()))
}

#[utoipa::path(post, path = "/api/v1/power/contract-checks/{id}/case", tag = "power", request_body = ContractCheckCaseBody,
    params(("id" = i64, Path, description = "The broken term's check")),
    responses((status = 200, body = ContractCheckCaseDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn open_case(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ContractCheckCaseBody>,
) -> Result<Json<ContractCheckCaseDto>, AppError> {
    let kva = b.added_kva.map(|n| n.to_string()).unwrap_or_default();
    let c = case(&b.kind, &kva, b.back_charge.as_deref().unwrap_or_default(), &b.seal_numbers)
        .map_err(AppError::Invalid)?;
    let case_id = checks::open_case(app.db(), &ctx.actor, id, c, app.now()).await?;
    Ok(Json(ContractCheckCaseDto { case_id }))
}
