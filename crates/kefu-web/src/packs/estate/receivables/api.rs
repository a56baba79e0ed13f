//! `GET /api/v1/estate/collection-rate?estate=CODE&month=YYYY-MM`: the
//! month's collection rate, the current period and arrears recovered apart.

use super::pages::{MonthQuery, month_of};
use crate::error::AppError;
use crate::extract::QueryParams;
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_core::required_text;
use kefu_estate::archive;
use kefu_estate::collection_rate::Collection;
use kefu_estate::fees::{Month, yuan_text};
use kefu_estate::receivables::rate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// A month's figures; amounts in yuan with two decimals, rates as
/// percentages with two decimals (none where nothing was due).
#[derive(Serialize, ToSchema)]
pub struct CollectionRateDto {
    estate: String,
    month: String,
    /// Billed for the month's period.
    billed: String,
    /// Paid on it by the month's end.
    collected: String,
    current_rate: Option<String>,
    /// Owed from earlier periods at the month's start.
    arrears_opening: String,
    /// Paid on those in the month.
    arrears_collected: String,
    arrears_rate: Option<String>,
}

impl CollectionRateDto {
    pub(super) fn of(estate: &str, month: Month, c: &Collection) -> CollectionRateDto {
        CollectionRateDto {
            estate: estate.to_string(),
            month: month.to_string(),
            billed: yuan_text(c.billed),
            collected: yuan_text(c.collected),
            current_rate: c.current().map(|r| r.to_string()),
            arrears_opening: yuan_text(c.arrears_opening),
            arrears_collected: yuan_text(c.arrears_collected),
            arrears_rate: c.arrears().map(|r| r.to_string()),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct RateQuery {
    estate: Option<String>,
    month: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/estate/collection-rate", tag = "estate",
    params(("estate" = String, Query, description = "The estate's code"),
           ("month" = Option<String>, Query, description = "YYYY-MM; this month when left out")),
    responses((status = 200, body = CollectionRateDto), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn collection_rate(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<RateQuery>,
) -> Result<Json<CollectionRateDto>, AppError> {
    let code = required_text("estate", q.estate.as_deref().unwrap_or_default(), 64).map_err(AppError::Invalid)?;
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let month = month_of(&app, &MonthQuery { month: q.month })?;
    let ledger = rate::ledger(app.db(), &app.0.zone, &estate, month).await?;
    Ok(Json(CollectionRateDto::of(&estate.code, month, &ledger.month(month))))
}
