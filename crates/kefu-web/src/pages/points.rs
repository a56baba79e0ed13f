//! The points forms on the customer's 360° page: money spent earns points,
//! points are redeemed, a refunded purchase gives its points back.

use super::customers::back_or_message;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::requests::when;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use kefu_care::points::{self, EarnInput};
use kefu_core::ids::CustomerId;
use serde::Deserialize;

pub async fn earn(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(input): FormBody<EarnInput>,
) -> Result<Response, AppError> {
    let result = points::earn(app.db(), &ctx.actor, CustomerId(id), &input, when(&app)).await.map(|_| ());
    back_or_message(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct RedeemForm {
    #[serde(default)]
    points: String,
    #[serde(default)]
    reference: String,
}

/// A whole number of points, as typed.
fn whole_points(text: &str) -> Result<i64, kefu_core::Invalid> {
    text.trim().parse().map_err(|_| {
        kefu_core::Invalid::new("points", kefu_core::Rule::new("integer", "须为整数", "must be a whole number"))
    })
}

pub async fn redeem(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<RedeemForm>,
) -> Result<Response, AppError> {
    let result = match whole_points(&f.points) {
        Ok(n) => points::redeem(app.db(), &ctx.actor, CustomerId(id), n, &f.reference, when(&app)).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    back_or_message(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    purchase: i64,
    #[serde(default)]
    amount: String,
}

pub async fn refund(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<RefundForm>,
) -> Result<Response, AppError> {
    let result =
        points::refund(app.db(), &ctx.actor, CustomerId(id), f.purchase, &f.amount, when(&app)).await.map(|_| ());
    back_or_message(app, ctx, id, result).await
}
