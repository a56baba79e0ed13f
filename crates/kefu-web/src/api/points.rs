//! A customer's points over JSON: the balance with the ledger's newest
//! entries, and earning, redeeming and refunds.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::requests::when;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_care::points::{self, EarnInput, Entry};
use kefu_core::ids::CustomerId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One ledger entry. Points are signed: earned positive, the rest negative.
#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    id: i64,
    /// earn, redeem, expire or refund
    kind: String,
    points: i64,
    /// Money spent (earn) or refunded (refund), in fen.
    amount_fen: i64,
    /// earn: the tier whose rule applied, and the promotion in percent
    tier: String,
    promotion_percent: i64,
    /// refund: the earn entry of the refunded purchase
    purchase_id: Option<i64>,
    /// earn: the business date its points lapse, and what is left of them
    expires_on: Option<String>,
    remaining: i64,
    reference: String,
    at: String,
    business_date: String,
    actor: String,
}

impl From<Entry> for EntryDto {
    fn from(e: Entry) -> Self {
        EntryDto {
            id: e.id,
            kind: e.kind,
            points: e.points,
            amount_fen: e.amount_fen,
            tier: e.tier,
            promotion_percent: e.promotion_percent,
            purchase_id: e.purchase_id,
            expires_on: e.expires_on,
            remaining: e.remaining,
            reference: e.reference,
            at: e.at,
            business_date: e.business_date,
            actor: e.actor,
        }
    }
}

/// The balance (the sum of every entry) and the newest 100 entries.
#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    balance: i64,
    entries: Vec<EntryDto>,
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/points", tag = "points", params(("id" = i64, Path)),
    responses((status = 200, body = AccountDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn account(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<AccountDto>, AppError> {
    let a = points::account(app.db(), &ctx.actor.scope, CustomerId(id), 100).await?;
    Ok(Json(AccountDto { balance: a.balance, entries: a.entries.into_iter().map(EntryDto::from).collect() }))
}

/// Money spent.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"amount": "1280.50", "reference": "RO-20261129-0001", "promotion_percent": 200}))]
pub struct EarnBody {
    /// Yuan, e.g. "1234.50".
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reference: String,
    /// 100 (the default) without a promotion, 200 for double points.
    promotion_percent: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/points/earn", tag = "points", request_body = EarnBody,
    params(("id" = i64, Path)),
    responses((status = 201, body = EntryDto), (status = 422, body = super::Problem)))]
pub async fn earn(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<EarnBody>,
) -> Result<(StatusCode, Json<EntryDto>), AppError> {
    let input =
        EarnInput { amount: b.amount, reference: b.reference, promotion_percent: b.promotion_percent.unwrap_or(100) };
    let entry = points::earn(app.db(), &ctx.actor, CustomerId(id), &input, when(&app)).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"points": 500, "reference": "兑换脚垫"}))]
pub struct RedeemBody {
    #[serde(default)]
    points: i64,
    /// What the points were redeemed for.
    #[serde(default)]
    reference: String,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/points/redeem", tag = "points", request_body = RedeemBody,
    params(("id" = i64, Path)),
    responses((status = 201, body = EntryDto), (status = 422, body = super::Problem, description = "e.g. not enough points")))]
pub async fn redeem(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<RedeemBody>,
) -> Result<(StatusCode, Json<EntryDto>), AppError> {
    let entry = points::redeem(app.db(), &ctx.actor, CustomerId(id), b.points, &b.reference, when(&app)).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"purchase": 17, "amount": "120.00"}))]
pub struct RefundBody {
    /// The earn entry of the purchase refunded.
    #[serde(default)]
    purchase: i64,
    /// Yuan refunded.
    #[serde(default)]
    amount: String,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/points/refund", tag = "points", request_body = RefundBody,
    params(("id" = i64, Path)),
    responses((status = 201, body = EntryDto), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn refund(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<RefundBody>,
) -> Result<(StatusCode, Json<EntryDto>), AppError> {
    let entry = points::refund(app.db(), &ctx.actor, CustomerId(id), b.purchase, &b.amount, when(&app)).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}
