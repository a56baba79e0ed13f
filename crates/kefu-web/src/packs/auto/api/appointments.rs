//! Appointments over JSON: book a vehicle into its store's workshop, read a
//! booking, record what became of it, and a month's load per day.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::auto::requests::{BookForm, OutcomeForm, month_start};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_auto::appointments::{self, Appointment};
use kefu_core::ids::{AppointmentId, BranchId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AppointmentDto {
    id: i64,
    branch_id: i64,
    customer_id: i64,
    vehicle_id: i64,
    plate: String,
    /// YYYY-MM-DD
    day: String,
    /// The hour slot the job starts in (local time).
    hour: i64,
    /// first_maintenance, maintenance, repair, warranty or accident
    job: String,
    /// Technician time reserved.
    minutes: i64,
    note: String,
    /// booked, arrived, no_show or cancelled
    status: String,
    /// counter, phone or call
    source: String,
    booked_by: String,
    /// The repair order the arrival opened.
    repair_order_id: Option<i64>,
    /// Parts the job needs beyond the stock left after the other bookings
    /// (given when booking).
    shortages: Vec<ShortageDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ShortageDto {
    part_no: String,
    needed: i64,
    /// Stock left after the other standing bookings.
    free: i64,
}

impl ShortageDto {
    pub(crate) fn of(s: &kefu_auto::parts::Shortage) -> ShortageDto {
        ShortageDto { part_no: s.part_no.clone(), needed: s.needed, free: s.free }
    }
}

impl AppointmentDto {
    fn of(a: &Appointment) -> AppointmentDto {
        AppointmentDto {
            id: a.id.0,
            branch_id: a.branch_id.0,
            customer_id: a.customer_id.0,
            vehicle_id: a.vehicle_id.0,
            plate: a.plate.clone(),
            day: a.day.to_string(),
            hour: a.hour,
            job: a.job.clone(),
            minutes: a.minutes,
            note: a.note.clone(),
            status: a.status.clone(),
            source: a.source.clone(),
            booked_by: a.booked_by.clone(),
            repair_order_id: a.repair_order_id.map(|o| o.0),
            shortages: Vec::new(),
        }
    }
}

/// A booking: the same fields as the booking form, without the vehicle
/// (it is in the path).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"day": "2026-12-01", "hour": 10, "job": "maintenance", "note": "客户希望上午到店", "source": "phone", "parts": "OF-8011 1, MO-0W20 4"}))]
pub struct BookBody {
    /// YYYY-MM-DD
    day: String,
    hour: i64,
    /// first_maintenance, maintenance, repair, warranty or accident
    job: String,
    #[serde(default)]
    note: String,
    /// counter (default), phone or call
    #[serde(default)]
    source: String,
    /// The parts the job needs: "OF-8011 1, MO-0W20 4".
    #[serde(default)]
    parts: String,
}

/// Books the vehicle. 409 `slot_full` or `day_full` when the hour's bays or
/// the day's technician time are taken — also when many book at once.
#[utoipa::path(post, path = "/api/v1/vehicles/{id}/appointments", tag = "service", params(("id" = i64, Path)),
    request_body = BookBody,
    responses((status = 201, body = AppointmentDto), (status = 403, body = super::Problem),
        (status = 404, body = super::Problem), (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn book(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(vehicle): PathParams<i64>,
    JsonBody(b): JsonBody<BookBody>,
) -> Result<(StatusCode, Json<AppointmentDto>), AppError> {
    let form = BookForm {
        vehicle_id: vehicle.to_string(),
        day: b.day,
        hour: b.hour.to_string(),
        job: b.job,
        note: b.note,
        source: b.source,
        parts: b.parts,
    };
    let booking = form.booking().map_err(AppError::Invalid)?;
    let a = appointments::book(app.db(), &ctx.actor, &booking, app.now(), app.today()).await?;
    crate::packs::send_notice(&app, &ctx.actor, a.customer_id).await;
    let short = appointments::shortages(app.db(), &a, &booking.parts).await?;
    let mut dto = AppointmentDto::of(&a);
    dto.shortages = short.iter().map(ShortageDto::of).collect();
    Ok((StatusCode::CREATED, Json(dto)))
}

#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "service", params(("id" = i64, Path)),
    responses((status = 200, body = AppointmentDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<AppointmentDto>, AppError> {
    Ok(Json(AppointmentDto::of(&appointments::get(app.db(), &ctx.actor.scope, AppointmentId(id)).await?)))
}

/// Arrived (opens the repair order), no_show (not before the day) or
/// cancelled (gives the bay and the time back). 409 when already concluded.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/outcome", tag = "service", params(("id" = i64, Path)),
    request_body = OutcomeForm,
    responses((status = 200, body = AppointmentDto), (status = 403, body = super::Problem),
        (status = 404, body = super::Problem), (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn conclude(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(f): JsonBody<OutcomeForm>,
) -> Result<Json<AppointmentDto>, AppError> {
    let a =
        appointments::conclude(app.db(), &ctx.actor, AppointmentId(id), f.outcome()?, app.now(), app.today()).await?;
    Ok(Json(AppointmentDto::of(&a)))
}

#[derive(Deserialize, IntoParams)]
pub struct LoadQuery {
    branch: i64,
    /// YYYY-MM; this month when empty
    #[serde(default)]
    month: String,
}

#[derive(Serialize, ToSchema)]
pub struct DayLoadDto {
    day: String,
    booked_minutes: i64,
    capacity_minutes: i64,
    percent: i64,
    /// free, light, busy or full
    level: String,
}

/// Each day of a month: the technician time booked against the capacity.
#[utoipa::path(get, path = "/api/v1/workshop/load", tag = "service", params(LoadQuery),
    responses((status = 200, body = [DayLoadDto]), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn load(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<LoadQuery>,
) -> Result<Json<Vec<DayLoadDto>>, AppError> {
    let branch = BranchId(q.branch);
    ctx.actor.scope.check(branch).map_err(|_| AppError::NotFound)?;
    let first = month_start(&q.month, app.today())?;
    let days = appointments::month_load(app.db(), branch, first).await?;
    Ok(Json(
        days.iter()
            .map(|(d, l)| DayLoadDto {
                day: d.to_string(),
                booked_minutes: l.booked_minutes,
                capacity_minutes: l.capacity_minutes,
                percent: l.percent,
                level: l.level.to_string(),
            })
            .collect(),
    ))
}
