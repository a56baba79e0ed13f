//! The estate pack's JSON API: the fee quote — one line computed by the
//! billing rules (`kefu_estate::quote`) and stored nowhere.

use crate::error::AppError;
use crate::extract::JsonBody;
use axum::Json;
use kefu_estate::quote::{self, QuoteRequest};
use serde::Serialize;
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// An area line (`basis` "area": area × price per m² per month over the
/// days from `from` to `to`, partial months by their days) or a metered
/// one (`basis` "metered": the readings' difference × price). Decimals are
/// strings: nothing passes through a float.
#[derive(ToSchema)]
#[schema(example = json!({"basis": "area", "area_m2": "98.56", "price": "2.35", "from": "2026-01-01", "to": "2026-03-31"}))]
#[allow(dead_code)] // The schema of `QuoteRequest`, which kefu-estate owns and deserialises.
pub struct FeeQuoteBody {
    /// area | metered
    basis: String,
    /// m², at most two decimals (area).
    area_m2: Option<String>,
    /// Yuan per m² a month (area) or per unit (metered), at most four decimals.
    price: String,
    /// The first day billed, YYYY-MM-DD (area).
    from: Option<String>,
    /// The last day billed, YYYY-MM-DD (area).
    to: Option<String>,
    /// The last reading (metered).
    previous: Option<i64>,
    /// This reading (metered): not below the last.
    current: Option<i64>,
}

/// The line: the m²·months or units the price multiplies, and the amount
/// in yuan, rounded once, half up, to the fen.
#[derive(Serialize, ToSchema)]
pub struct FeeQuoteDto {
    quantity: String,
    amount: String,
}

#[utoipa::path(post, path = "/api/v1/estate/fee-quote", tag = "estate",
    request_body(content = FeeQuoteBody, example = json!({"basis": "metered", "previous": 1234, "current": 1251, "price": "3.95"})),
    responses((status = 200, body = FeeQuoteDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn fee_quote(JsonBody(request): JsonBody<QuoteRequest>) -> Result<Json<FeeQuoteDto>, AppError> {
    let answer = quote::quote(&request).map_err(AppError::Invalid)?;
    Ok(Json(FeeQuoteDto { quantity: answer.quantity, amount: answer.amount }))
}
