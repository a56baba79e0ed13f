//! A customer's vehicles over JSON: adding one, reading one.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_auto::vehicles::{self, Vehicle, VehicleInput};
use kefu_core::ids::{CustomerId, VehicleId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct VehicleDto {
    id: i64,
    customer_id: i64,
    vin: String,
    plate: Option<String>,
    brand: String,
    model: String,
    variant: String,
    colour: String,
    purchase_date: Option<String>,
    mileage_km: i64,
    insurance_expiry: Option<String>,
    /// Predicted from the interval and the vehicle's own daily mileage.
    next_service: Option<String>,
}

impl VehicleDto {
    pub(crate) fn of(v: &Vehicle, next_service: Option<jiff::civil::Date>) -> VehicleDto {
        VehicleDto {
            id: v.id.0,
            customer_id: v.customer_id.0,
            vin: v.vin.clone(),
            plate: v.plate.clone(),
            brand: v.brand.clone(),
            model: v.model.clone(),
            variant: v.variant.clone(),
            colour: v.colour.clone(),
            purchase_date: v.purchase_date.map(|d| d.to_string()),
            mileage_km: v.mileage_km,
            insurance_expiry: v.insurance_expiry.map(|d| d.to_string()),
            next_service: next_service.map(|d| d.to_string()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"vin": "LSVAM4187C2184847", "plate": "京A12345", "brand": "一汽-大众", "model": "速腾", "purchase_date": "2026-11-25", "mileage_km": 1200, "insurance_expiry": "2027-11-24"}))]
pub struct VehicleBody {
    vin: String,
    #[serde(default)]
    plate: String,
    brand: String,
    model: String,
    #[serde(default)]
    variant: String,
    #[serde(default)]
    colour: String,
    /// YYYY-MM-DD
    #[schema(value_type = Option<String>)]
    purchase_date: Option<jiff::civil::Date>,
    #[serde(default)]
    mileage_km: i64,
    #[schema(value_type = Option<String>)]
    insurance_expiry: Option<jiff::civil::Date>,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/vehicles", tag = "vehicles", params(("id" = i64, Path)), request_body = VehicleBody,
    responses((status = 201, body = VehicleDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn add_vehicle(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<VehicleBody>,
) -> Result<(StatusCode, Json<VehicleDto>), AppError> {
    let input = VehicleInput {
        vin: b.vin,
        plate: b.plate,
        brand: b.brand,
        model: b.model,
        variant: b.variant,
        colour: b.colour,
        purchase_date: b.purchase_date,
        mileage_km: b.mileage_km,
        insurance_expiry: b.insurance_expiry,
        ..VehicleInput::default()
    };
    let v = vehicles::create(app.db(), &ctx.actor, CustomerId(id), &input, app.today()).await?;
    let next = kefu_auto::overview::next_service(app.db(), &v).await?;
    Ok((StatusCode::CREATED, Json(VehicleDto::of(&v, next))))
}

#[utoipa::path(get, path = "/api/v1/vehicles/{id}", tag = "vehicles", params(("id" = i64, Path)),
    responses((status = 200, body = VehicleDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn get_vehicle(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<VehicleDto>, AppError> {
    let v = vehicles::get(app.db(), &ctx.actor.scope, VehicleId(id)).await?;
    let next = kefu_auto::overview::next_service(app.db(), &v).await?;
    Ok(Json(VehicleDto::of(&v, next)))
}
