//! Insurance over JSON: record a vehicle's policy (renewing an earlier one
//! wins its renewal), the renewal list, and a renewal lost.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::packs::auto::requests::{LostBody, PolicyBody, RenewalQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use kefu_auto::insurance::{self, Policy};
use kefu_core::ids::VehicleId;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PolicyDto {
    id: i64,
    vehicle_id: i64,
    customer_id: i64,
    customer_name: String,
    plate: String,
    insurer: String,
    kind: String,
    policy_no: String,
    start: String,
    expiry: String,
    premium_fen: i64,
    /// open, won or lost
    renewal: String,
    renewed_by: Option<i64>,
    lost_reason: String,
}

impl PolicyDto {
    fn of(p: &Policy) -> PolicyDto {
        PolicyDto {
            id: p.id,
            vehicle_id: p.vehicle_id.0,
            customer_id: p.customer_id.0,
            customer_name: p.customer_name.clone(),
            plate: p.plate.clone(),
            insurer: p.insurer.clone(),
            kind: p.kind.clone(),
            policy_no: p.policy_no.clone(),
            start: p.start.to_string(),
            expiry: p.expiry.to_string(),
            premium_fen: p.premium.fen(),
            renewal: p.renewal.clone(),
            renewed_by: p.renewed_by,
            lost_reason: p.lost_reason.clone(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/vehicles/{id}/policies", tag = "insurance", params(("id" = i64, Path)),
    request_body = PolicyBody,
    responses((status = 201, body = PolicyDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem),
        (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(vehicle): PathParams<i64>,
    JsonBody(b): JsonBody<PolicyBody>,
) -> Result<(StatusCode, Json<PolicyDto>), AppError> {
    let input = b.input().map_err(AppError::Invalid)?;
    let p = insurance::record(app.db(), &ctx.actor, VehicleId(vehicle), &input).await?;
    Ok((StatusCode::CREATED, Json(PolicyDto::of(&p))))
}

#[derive(Serialize, ToSchema)]
pub struct RenewalsDto {
    won: i64,
    lost: i64,
    open: i64,
    policies: Vec<PolicyDto>,
}

#[utoipa::path(get, path = "/api/v1/insurance/renewals", tag = "insurance", params(RenewalQuery),
    responses((status = 200, body = RenewalsDto), (status = 403, body = super::Problem)))]
pub async fn renewals(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RenewalQuery>,
) -> Result<Json<RenewalsDto>, AppError> {
    let (from, to) = q.window(app.today());
    let list = insurance::renewals(app.db(), &ctx.actor.scope, from, to).await?;
    let t = insurance::tally(&list);
    Ok(Json(RenewalsDto { won: t.won, lost: t.lost, open: t.open, policies: list.iter().map(PolicyDto::of).collect() }))
}

#[utoipa::path(post, path = "/api/v1/insurance/policies/{id}/lost", tag = "insurance", params(("id" = i64, Path)),
    request_body = LostBody,
    responses((status = 200, body = PolicyDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem),
        (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn lose(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<LostBody>,
) -> Result<Json<PolicyDto>, AppError> {
    Ok(Json(PolicyDto::of(&insurance::lose(app.db(), &ctx.actor, id, &b.lost_reason).await?)))
}
