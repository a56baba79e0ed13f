//! The customer lounge over JSON: the guests waiting (who, their car, what
//! they were served, when they came and left) and the bar's daily
//! drinkware register with what went missing since the day before.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::fields::date;
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use kefu_auto::lounge::{self, Count, Guest, NewGuest};
use kefu_core::ids::BranchId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct GuestDto {
    id: i64,
    guest: String,
    plate: String,
    served: String,
    /// RFC 3339, UTC
    arrived_at: String,
    /// RFC 3339, UTC; null while the guest is waiting
    left_at: Option<String>,
    recorded_by: String,
}

impl GuestDto {
    fn of(g: Guest) -> GuestDto {
        GuestDto {
            id: g.id,
            guest: g.guest,
            plate: g.plate,
            served: g.served,
            arrived_at: g.arrived_at,
            left_at: g.left_at,
            recorded_by: g.recorded_by,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DayQuery {
    branch: i64,
    /// YYYY-MM-DD; today when empty
    #[serde(default)]
    day: String,
}

impl DayQuery {
    fn read(&self, ctx: &Ctx, today: Date) -> Result<(BranchId, Date), AppError> {
        let branch = BranchId(self.branch);
        ctx.actor.scope.check(branch).map_err(|_| AppError::NotFound)?;
        let day = if self.day.trim().is_empty() { today } else { date("day", &self.day).map_err(AppError::Invalid)? };
        Ok((branch, day))
    }
}

/// The guests who came to a store's lounge on a day, newest first.
#[utoipa::path(get, path = "/api/v1/lounge/guests", tag = "service", params(DayQuery),
    responses((status = 200, body = [GuestDto]), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn guests(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<DayQuery>,
) -> Result<Json<Vec<GuestDto>>, AppError> {
    let (branch, day) = q.read(&ctx, app.today())?;
    let zone = &app.0.zone;
    let span = (zone.start_of(day), zone.start_of(day.tomorrow().unwrap_or(day)));
    let list = lounge::guests(app.db(), &ctx.actor.scope, branch, span).await?;
    Ok(Json(list.into_iter().map(GuestDto::of).collect()))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"branch": 2, "guest": "张伟", "plate": "京A12345", "served": "咖啡"}))]
pub struct GuestBody {
    branch: i64,
    guest: String,
    #[serde(default)]
    plate: String,
    /// What they were served ("咖啡").
    #[serde(default)]
    served: String,
}

/// A guest sits down in the lounge.
#[utoipa::path(post, path = "/api/v1/lounge/guests", tag = "service", request_body = GuestBody,
    responses((status = 201, body = GuestDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn arrive(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<GuestBody>,
) -> Result<(StatusCode, Json<GuestDto>), AppError> {
    let guest = NewGuest { guest: b.guest, plate: b.plate, served: b.served };
    let g = lounge::arrive(app.db(), &ctx.actor, BranchId(b.branch), &guest, app.now()).await?;
    Ok((StatusCode::CREATED, Json(GuestDto::of(g))))
}

/// The guest leaves. 409 `already_left` the second time.
#[utoipa::path(post, path = "/api/v1/lounge/guests/{id}/leave", tag = "service", params(("id" = i64, Path)),
    responses((status = 200, body = GuestDto), (status = 403, body = super::Problem),
        (status = 404, body = super::Problem), (status = 409, body = super::Problem)))]
pub async fn leave(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<GuestDto>, AppError> {
    Ok(Json(GuestDto::of(lounge::leave(app.db(), &ctx.actor, id, app.now()).await?)))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct CountDto {
    /// cup, glass, mug, saucer or teapot
    item: String,
    count: i64,
    broken: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MissingDto {
    item: String,
    /// Fewer than the day before, less what was recorded broken.
    missing: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DrinkwareDto {
    day: String,
    /// Empty when the day is not registered.
    counts: Vec<CountDto>,
    missing: Vec<MissingDto>,
}

/// A store's drinkware register of a day, with what went missing since the
/// day before.
#[utoipa::path(get, path = "/api/v1/lounge/drinkware", tag = "service", params(DayQuery),
    responses((status = 200, body = DrinkwareDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn drinkware(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<DayQuery>,
) -> Result<Json<DrinkwareDto>, AppError> {
    let (branch, day) = q.read(&ctx, app.today())?;
    Ok(Json(drinkware_of(&app, &ctx, branch, day).await?))
}

async fn drinkware_of(app: &AppState, ctx: &Ctx, branch: BranchId, day: Date) -> Result<DrinkwareDto, AppError> {
    let scope = &ctx.actor.scope;
    let counts = lounge::counts(app.db(), scope, branch, day).await?;
    let before = lounge::counts(app.db(), scope, branch, day.yesterday().unwrap_or(day)).await?;
    Ok(DrinkwareDto {
        day: day.to_string(),
        missing: lounge::missing(&before, &counts)
            .into_iter()
            .map(|m| MissingDto { item: m.item, missing: m.missing })
            .collect(),
        counts: counts.into_iter().map(|c| CountDto { item: c.item, count: c.count, broken: c.broken }).collect(),
    })
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"branch": 2, "counts": [{"item": "cup", "count": 24, "broken": 1}, {"item": "teapot", "count": 4, "broken": 0}]}))]
pub struct DrinkwareBody {
    branch: i64,
    counts: Vec<CountDto>,
}

/// Registers today's drinkware; a second registration the same day
/// replaces the first.
#[utoipa::path(put, path = "/api/v1/lounge/drinkware", tag = "service", request_body = DrinkwareBody,
    responses((status = 200, body = DrinkwareDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn register(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<DrinkwareBody>,
) -> Result<Json<DrinkwareDto>, AppError> {
    let branch = BranchId(b.branch);
    let counts: Vec<Count> =
        b.counts.into_iter().map(|c| Count { item: c.item, count: c.count, broken: c.broken }).collect();
    lounge::register(app.db(), &ctx.actor, branch, app.today(), &counts).await?;
    Ok(Json(drinkware_of(&app, &ctx, branch, app.today()).await?))
}
