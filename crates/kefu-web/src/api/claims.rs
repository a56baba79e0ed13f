//! Warranty and insurance claims over JSON: the list with what is still
//! owed, and moving a claim on (submitted, paid, rejected).

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::fields::one_of;
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use kefu_auto::claims::{self, Claim, Move};
use kefu_core::{Invalid, Money};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A step on a claim, as the form and the API send it.
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"action": "submitted", "reference": "PA-2026-11-0042"}))]
#[serde(default)]
pub struct ClaimBody {
    /// submitted, paid or rejected
    pub action: String,
    /// submitted: the claim's number at the manufacturer or insurer.
    pub reference: String,
    /// paid: the amount received, in yuan.
    pub paid: String,
    /// rejected: why.
    pub note: String,
}

impl ClaimBody {
    pub(crate) fn into_move(self) -> Result<Move, Invalid> {
        Ok(match self.action.trim() {
            "submitted" => Move::Submit { reference: self.reference },
            "paid" => Move::Paid { amount: Money::parse_yuan("paid", &self.paid)? },
            "rejected" => Move::Rejected { note: self.note },
            _ => return Err(one_of("action")),
        })
    }
}

#[derive(Deserialize, IntoParams, Default)]
pub struct ClaimQuery {
    /// warranty or insurance; both when empty
    #[serde(default)]
    pub payer: String,
}

impl ClaimQuery {
    pub(crate) fn payer(&self) -> Option<&str> {
        claims::PAYERS.iter().copied().find(|p| *p == self.payer.trim())
    }
}

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
    Query(q): Query<ClaimQuery>,
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
