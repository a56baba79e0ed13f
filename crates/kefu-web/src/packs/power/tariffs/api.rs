//! `POST /api/v1/power/tariffs/{code}/quote`: a month's energy charge by a
//! stored tariff, computed by `kefu_power::billing` and stored nowhere.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_core::{Invalid, Rule};
use kefu_power::tariffs::quote::{self, Ask, Quote};
use kefu_power::tariffs::store;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::Problem;

/// A month's energy to price: `kwh` for a flat or tiered tariff, or the
/// three registers of a time-of-use meter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kwh": 300, "year_to_date_kwh": 0, "date": "2026-11-30"}))]
pub struct TariffQuoteBody {
    /// The month's kWh (flat and tiered tariffs).
    kwh: Option<i64>,
    /// Time of use: the peak, flat and valley registers' kWh.
    peak_kwh: Option<i64>,
    flat_kwh: Option<i64>,
    valley_kwh: Option<i64>,
    /// kWh billed earlier in the calendar year (yearly tiers only).
    #[serde(default)]
    year_to_date_kwh: i64,
    /// The day whose prices apply, the reading period's last (YYYY-MM-DD);
    /// today when left out.
    #[schema(value_type = Option<String>)]
    date: Option<jiff::civil::Date>,
    /// The reading period's first day when it spans more than `date`: a
    /// new tariff version within it splits the kWh by days.
    #[schema(value_type = Option<String>)]
    from: Option<jiff::civil::Date>,
}

#[utoipa::path(post, path = "/api/v1/power/tariffs/{code}/quote", tag = "power",
    params(("code" = String, Path, description = "the tariff's code, e.g. gx-res-1")),
    request_body(content = TariffQuoteBody, example = json!({"kwh": 300, "year_to_date_kwh": 0, "date": "2026-11-30"})),
    responses((status = 200, body = Quote), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn quote(
    State(app): State<AppState>,
    PathParams(code): PathParams<String>,
    JsonBody(b): JsonBody<TariffQuoteBody>,
) -> Result<Json<Quote>, AppError> {
    let tariff = store::by_code(app.db(), &code).await?;
    let usage = quote::usage(b.kwh, b.peak_kwh, b.flat_kwh, b.valley_kwh).map_err(AppError::Invalid)?;
    let date = b.date.unwrap_or_else(|| app.today());
    if b.from.is_some_and(|from| from > date) {
        return Err(AppError::Invalid(Invalid::new(
            "from",
            Rule::new("period_order", "计费期的开始日不能晚于 date", "the period's first day cannot be after date"),
        )));
    }
    let ask = Ask { usage, year_to_date_kwh: b.year_to_date_kwh, from: b.from, date };
    Ok(Json(quote::quote(&tariff, ask).map_err(AppError::Invalid)?))
}
