//! Warranty and insurance claims over JSON: the list with what is still
//! owed, and moving a claim on (submitted, paid, rejected).

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::auto::requests::{ClaimBody, ClaimQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_auto::claims::{self, Claim};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ClaimDto {
    id: i64,
    order_id: i64,
    order_no: String,
    plate: String,
    customer_name: String,
    /// warranty or insurance
    payer: String,
    amount_fen: i64,
    /// open, submitted, paid or rejected
    state: String,
    reference: String,
    paid_fen: i64,
    note: String,
}

impl ClaimDto {
    fn of(k: &Claim) -> ClaimDto {
        ClaimDto {
            id: k.id,
            order_id: k.order_id.0,
            order_no: k.order_no.clone(),
            plate: k.plate.clone(),
            customer_name: k.customer_name.clone(),
            payer: k.payer.clone(),
            amount_fen: k.amount.fen(),
            state: k.state.clone(),
            reference: k.reference.clone(),
            paid_fen: k.paid.fen(),
            note: k.note.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClaimsDto {
    /// Open and submitted claims, in fen.
    outstanding_fen: i64,
    received_fen: i64,
    claims: Vec<ClaimDto>,
}

#[utoipa::path(get, path = "/api/v1/service/claims", tag = "service", params(ClaimQuery),
    responses((status = 200, body = ClaimsDto), (status = 403, body = super::Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ClaimQuery>,
) -> Result<Json<ClaimsDto>, AppError> {
    let list = claims::list(app.db(), &ctx.actor.scope, q.payer()).await?;
    let r = claims::receivables(&list);
    Ok(Json(ClaimsDto {
        outstanding_fen: r.outstanding.fen(),
        received_fen: r.received.fen(),
        claims: list.iter().map(ClaimDto::of).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/service/claims/{id}", tag = "service", params(("id" = i64, Path)),
    request_body = ClaimBody,
    responses((status = 200, body = ClaimDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem),
        (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn advance(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ClaimBody>,
) -> Result<Json<ClaimDto>, AppError> {
    let m = b.into_move().map_err(AppError::Invalid)?;
    Ok(Json(ClaimDto::of(&claims::advance(app.db(), &ctx.actor, id, m).await?)))
}
