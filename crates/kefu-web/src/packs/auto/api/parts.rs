//! The parts catalogue over JSON: a store's parts with their stock levels
//! (found by number or name), a part saved, and what an appointment's job
//! needs beyond the stock.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_auto::appointments;
use kefu_auto::parts::{self, Level, Part};
use kefu_core::Money;
use kefu_core::ids::{AppointmentId, BranchId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct PartDto {
    part_no: String,
    name: String,
    unit_fen: i64,
    stock: i64,
    /// Held by standing bookings.
    held: i64,
    /// Stock less what is held; negative when the bookings need more.
    free: i64,
}

impl PartDto {
    fn of(l: Level) -> PartDto {
        PartDto {
            part_no: l.part.part_no,
            name: l.part.name,
            unit_fen: l.part.unit.fen(),
            stock: l.part.stock,
            held: l.held,
            free: l.free,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PartsQuery {
    branch: i64,
    /// Part number or name contains this; all parts when empty.
    #[serde(default)]
    q: String,
}

/// A store's parts with their stock levels, by part number.
#[utoipa::path(get, path = "/api/v1/parts", tag = "service", params(PartsQuery),
    responses((status = 200, body = [PartDto]), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PartsQuery>,
) -> Result<Json<Vec<PartDto>>, AppError> {
    let levels = parts::levels(app.db(), &ctx.actor.scope, BranchId(q.branch), &q.q).await?;
    Ok(Json(levels.into_iter().map(PartDto::of).collect()))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"branch": 2, "part_no": "OF-8011", "name": "机油滤清器", "unit_price": "45.00", "stock": 20}))]
pub struct PartBody {
    branch: i64,
    part_no: String,
    name: String,
    /// In yuan as people type it ("45.00").
    unit_price: String,
    stock: i64,
}

/// Adds a part to a store's catalogue, or changes its name, price and stock.
#[utoipa::path(put, path = "/api/v1/parts", tag = "service", request_body = PartBody,
    responses((status = 200, body = PartDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn save(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<PartBody>,
) -> Result<Json<PartDto>, AppError> {
    let branch = BranchId(b.branch);
    let unit = Money::parse_yuan("unit_price", &b.unit_price).map_err(AppError::Invalid)?;
    let part = Part { part_no: b.part_no.trim().to_string(), name: b.name, unit, stock: b.stock };
    parts::save(app.db(), &ctx.actor, branch, &part).await?;
    let saved = parts::levels(app.db(), &ctx.actor.scope, branch, &part.part_no).await?;
    saved.into_iter().find(|l| l.part.part_no == part.part_no).map(|l| Json(PartDto::of(l))).ok_or(AppError::NotFound)
}

#[derive(Serialize, ToSchema)]
pub struct NeedDto {
    part_no: String,
    quantity: i64,
}

#[derive(Serialize, ToSchema)]
pub struct NeedsDto {
    /// The parts the booking's job needs.
    needs: Vec<NeedDto>,
    /// What the stock, less what the other standing bookings hold, cannot
    /// cover; empty once the appointment is no longer standing.
    shortages: Vec<super::appointments::ShortageDto>,
}

/// The parts an appointment's job needs and what of them is short.
#[utoipa::path(get, path = "/api/v1/appointments/{id}/parts", tag = "service", params(("id" = i64, Path)),
    responses((status = 200, body = NeedsDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn needs(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<NeedsDto>, AppError> {
    let a = appointments::get(app.db(), &ctx.actor.scope, AppointmentId(id)).await?;
    let needs = appointments::needs(app.db(), &[a.id]).await?.remove(&a.id).unwrap_or_default();
    let short = appointments::shortages(app.db(), &a, &needs).await?;
    Ok(Json(NeedsDto {
        shortages: short.iter().map(super::appointments::ShortageDto::of).collect(),
        needs: needs.into_iter().map(|(part_no, quantity)| NeedDto { part_no, quantity }).collect(),
    }))
}
