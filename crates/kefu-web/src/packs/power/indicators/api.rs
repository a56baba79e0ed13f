//! The indicators' API: the month's figures (the report page's, as JSON),
//! and the station and generation meters with their monthly readings.

use super::month_or_last;
use crate::api::Problem;
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::ids::BranchId;
use kefu_power::indicators::meters::{self, NewSupplyMeter, SupplyReading};
use kefu_power::indicators::store::{self, Report};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// The month and, optionally, one station.
#[derive(Deserialize, Default, IntoParams)]
pub struct IndicatorQuery {
    /// YYYY-MM; the month just closed when left out.
    pub month: Option<String>,
    /// A supply station's code (QSGD-01) or account prefix (3101).
    pub station: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/power/indicators", tag = "power", params(IndicatorQuery),
    responses((status = 200, body = Report, description = "each station's figures and the centre's, against their targets"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn indicators(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<IndicatorQuery>,
) -> Result<Json<Report>, AppError> {
    let month = month_or_last(&app, q.month.as_deref())?;
    Ok(Json(store::report(app.db(), &ctx.actor.scope, &month, q.station.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/power/supply-meters", tag = "power",
    responses((status = 200, description = "the station and generation meters in scope with their latest reading")))]
pub async fn meters(State(app): State<AppState>, ctx: Ctx) -> Result<Json<Value>, AppError> {
    Ok(Json(serde_json::to_value(meters::list(app.db(), &ctx.actor.scope).await?).unwrap_or_default()))
}

/// A station intake meter, or a small hydro's generation meter with its
/// purchase price.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"meter_no": "GK-0301-01", "kind": "intake", "station_id": 2, "name": "青山镇供电所10kV关口表",
    "multiplier": "600", "opening_reading": "1250.00"}))]
pub struct SupplyMeterBody {
    meter_no: String,
    /// intake | generation
    kind: String,
    /// The supply station the energy enters.
    station_id: i64,
    /// A generation meter's hydro station (a branch id).
    site_id: Option<i64>,
    name: String,
    /// 倍率, a whole number; 1 when left out.
    multiplier: Option<String>,
    /// The register when registered, kWh with up to 2 decimals; 0 when left out.
    opening_reading: Option<String>,
    /// A hydro's purchase price, yuan a kWh with up to 4 decimals.
    price: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/power/supply-meters", tag = "power", request_body = SupplyMeterBody,
    responses((status = 201, description = "the meter as stored"), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn register(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<SupplyMeterBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let new = NewSupplyMeter {
        meter_no: b.meter_no,
        kind: b.kind,
        branch_id: Some(BranchId(b.station_id)),
        site_branch_id: b.site_id.map(BranchId),
        name: b.name,
        multiplier: b.multiplier.unwrap_or_default(),
        opening_reading: b.opening_reading.unwrap_or_default(),
        price: b.price.unwrap_or_default(),
    };
    let m = meters::register(app.db(), &ctx.actor, &new).await?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(m).unwrap_or_default())))
}

/// A month's reading of a station or generation meter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"month": "2026-11", "reading": "13520.50", "read_on": "2026-11-30"}))]
pub struct SupplyReadingBody {
    /// YYYY-MM
    month: String,
    /// The register, kWh with up to 2 decimals.
    reading: String,
    /// YYYY-MM-DD; today when left out.
    read_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/power/supply-meters/{meter_no}/readings", tag = "power",
    params(("meter_no" = String, Path)), request_body = SupplyReadingBody,
    responses((status = 201, description = "the month's kWh (and a hydro's settlement)"), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn reading(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(meter_no): PathParams<String>,
    JsonBody(b): JsonBody<SupplyReadingBody>,
) -> Result<(StatusCode, Json<SupplyReading>), AppError> {
    let read_on = super::read_on(&app, b.read_on.as_deref())?;
    let r = meters::enter(app.db(), &ctx.actor, &meter_no, &b.month, &b.reading, read_on).await?;
    Ok((StatusCode::CREATED, Json(r)))
}
