//! The electricians' training JSON API: the sessions, one session with its
//! attendees, adding a session, recording an attendee's result, and the
//! certificates lapsing soon — what the pages offer.

use super::requests::{ResultFields, SessionFields};
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::power::paging::OffsetQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_power::training::{self, Attendee, Session};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// A training session of rural electricians (农村电工培训).
#[derive(Serialize, ToSchema)]
pub struct TrainingSessionDto {
    id: i64,
    station_id: i64,
    station: String,
    /// YYYY-MM-DD
    held_on: String,
    topic: String,
    trainer: String,
    attendees: i64,
}

impl TrainingSessionDto {
    fn of(s: Session) -> TrainingSessionDto {
        TrainingSessionDto {
            id: s.id,
            station_id: s.branch_id.0,
            station: s.station,
            held_on: s.held_on.to_string(),
            topic: s.topic,
            trainer: s.trainer,
            attendees: s.attendees,
        }
    }
}

/// An attendee's result and certificate.
#[derive(Serialize, ToSchema)]
pub struct TrainingAttendeeDto {
    user_id: i64,
    name: String,
    station: String,
    /// pass | fail
    result: String,
    score: Option<i64>,
    certificate_no: Option<String>,
    /// YYYY-MM-DD
    certificate_expires: Option<String>,
    /// The session's topic and day.
    topic: String,
    held_on: String,
}

impl TrainingAttendeeDto {
    fn of(a: Attendee) -> TrainingAttendeeDto {
        TrainingAttendeeDto {
            user_id: a.user_id,
            name: a.name,
            station: a.station,
            result: a.result,
            score: a.score,
            certificate_no: a.certificate_no,
            certificate_expires: a.certificate_expires.map(|d| d.to_string()),
            topic: a.topic,
            held_on: a.held_on.to_string(),
        }
    }
}

/// A session with its attendees.
#[derive(Serialize, ToSchema)]
pub struct TrainingSessionDetailDto {
    session: TrainingSessionDto,
    attendee_list: Vec<TrainingAttendeeDto>,
}

/// A session a station holds.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"station_id": 2, "held_on": "2026-11-20", "topic": "农村低压电网安全工作规程", "trainer": "韦建华"}))]
pub struct TrainingSessionBody {
    station_id: i64,
    /// YYYY-MM-DD
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    trainer: String,
}

/// An attendee's result: one of the station's staff; again for the same
/// person replaces it.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"user_id": 3, "result": "pass", "score": 86, "certificate_no": "GXDG-2026-0042", "certificate_expires": "2029-11-19"}))]
pub struct TrainingResultBody {
    user_id: i64,
    /// pass | fail
    #[serde(default)]
    result: String,
    /// 0 to 100, when examined.
    #[serde(default)]
    score: Option<i64>,
    /// For a pass: the certificate and its expiry (after the session, YYYY-MM-DD).
    #[serde(default)]
    certificate_no: String,
    #[serde(default)]
    certificate_expires: Option<String>,
}

async fn detail(app: &AppState, ctx: &Ctx, id: i64) -> Result<TrainingSessionDetailDto, AppError> {
    let (s, attendees) = training::get(app.db(), &ctx.actor.scope, id).await?;
    Ok(TrainingSessionDetailDto {
        session: TrainingSessionDto::of(s),
        attendee_list: attendees.into_iter().map(TrainingAttendeeDto::of).collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/power/training/sessions", tag = "power", params(OffsetQuery),
    responses((status = 200, body = [TrainingSessionDto], description = "Latest first, at most 1,000 from `offset`"), (status = 403, body = Problem)))]
pub async fn sessions(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<OffsetQuery>,
) -> Result<Json<Vec<TrainingSessionDto>>, AppError> {
    let page = kefu_power::paging::Page { limit: 1000, ..super::super::paging::page(&q.offset) };
    let list = training::sessions(app.db(), &ctx.actor.scope, page).await?;
    Ok(Json(list.rows.into_iter().map(TrainingSessionDto::of).collect()))
}

#[utoipa::path(get, path = "/api/v1/power/training/sessions/{id}", tag = "power",
    params(("id" = i64, Path, description = "The session")),
    responses((status = 200, body = TrainingSessionDetailDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<TrainingSessionDetailDto>, AppError> {
    Ok(Json(detail(&app, &ctx, id).await?))
}

#[utoipa::path(post, path = "/api/v1/power/training/sessions", tag = "power", request_body = TrainingSessionBody,
    responses((status = 200, body = TrainingSessionDetailDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<TrainingSessionBody>,
) -> Result<Json<TrainingSessionDetailDto>, AppError> {
    let fields =
        SessionFields { station: b.station_id.to_string(), held_on: b.held_on, topic: b.topic, trainer: b.trainer };
    let (station, held_on) = fields.read().map_err(AppError::Invalid)?;
    let s = training::add_session(app.db(), &ctx.actor, station, held_on, &fields.topic, &fields.trainer, app.now())
        .await?;
    Ok(Json(detail(&app, &ctx, s.id).await?))
}

#[utoipa::path(post, path = "/api/v1/power/training/sessions/{id}/attendees", tag = "power", request_body = TrainingResultBody,
    params(("id" = i64, Path, description = "The session")),
    responses((status = 200, body = TrainingSessionDetailDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<TrainingResultBody>,
) -> Result<Json<TrainingSessionDetailDto>, AppError> {
    let outcome = ResultFields {
        user_id: b.user_id.to_string(),
        result: b.result,
        score: b.score.map(|n| n.to_string()).unwrap_or_default(),
        certificate_no: b.certificate_no,
        certificate_expires: b.certificate_expires.unwrap_or_default(),
    }
    .read()
    .map_err(AppError::Invalid)?;
    training::record(app.db(), &ctx.actor, id, &outcome).await?;
    Ok(Json(detail(&app, &ctx, id).await?))
}

#[utoipa::path(get, path = "/api/v1/power/training/lapsing", tag = "power",
    responses((status = 200, body = [TrainingAttendeeDto], description = "Certificates lapsing within 60 days, soonest first"), (status = 403, body = Problem)))]
pub async fn lapsing(State(app): State<AppState>, ctx: Ctx) -> Result<Json<Vec<TrainingAttendeeDto>>, AppError> {
    let list = training::lapsing(app.db(), &ctx.actor.scope, app.today()).await?;
    Ok(Json(list.into_iter().map(TrainingAttendeeDto::of).collect()))
}
