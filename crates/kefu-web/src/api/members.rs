//! Members over JSON: the tiers and a customer's tier, the members' events
//! with their invitations (SMS or e-mail), sign-ups and attendance, and the
//! birthday gifts.

use super::surveys::{SendBody, SentDto};
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_care::members::{self, Event, EventInput};
use kefu_core::ids::{BranchId, CustomerId, MemberEventId};
use kefu_outreach::sends::{self, Audience};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TierDto {
    /// silver, gold, platinum
    code: String,
    name: String,
    benefits: String,
}

#[utoipa::path(get, path = "/api/v1/members/tiers", tag = "members",
    responses((status = 200, body = [TierDto]), (status = 403, body = super::Problem)))]
pub async fn tiers(State(app): State<AppState>) -> Result<Json<Vec<TierDto>>, AppError> {
    let tiers = members::tiers(app.db()).await?;
    Ok(Json(tiers.into_iter().map(|t| TierDto { code: t.code, name: t.name, benefits: t.benefits }).collect()))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"tier": "gold"}))]
pub struct TierBody {
    /// A tier's code; empty to take the tier away (the customer stays a member).
    #[serde(default)]
    tier: String,
}

/// A customer's tier.
#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    customer_id: i64,
    tier: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/customers/{id}/tier", tag = "members", request_body = TierBody,
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = MemberDto), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn set_tier(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<TierBody>,
) -> Result<Json<MemberDto>, AppError> {
    members::set_tier(app.db(), &ctx.actor, CustomerId(id), &b.tier, app.now()).await?;
    let tier = members::tier_of(app.db(), CustomerId(id)).await?;
    Ok(Json(MemberDto { customer_id: id, tier }))
}

#[derive(Serialize, ToSchema)]
pub struct MemberEventDto {
    id: i64,
    branch_id: i64,
    title: String,
    /// self_drive or store_event
    kind: String,
    starts_on: String,
    capacity: i64,
    signed_up: i64,
    attended: i64,
}

impl From<Event> for MemberEventDto {
    fn from(e: Event) -> Self {
        MemberEventDto {
            id: e.id.0,
            branch_id: e.branch_id.0,
            title: e.title,
            kind: e.kind,
            starts_on: e.starts_on,
            capacity: e.capacity,
            signed_up: e.signed_up,
            attended: e.attended,
        }
    }
}

#[derive(Deserialize)]
pub struct EventsQuery {
    from: Option<jiff::civil::Date>,
}

#[utoipa::path(get, path = "/api/v1/members/events", tag = "members",
    params(("from" = Option<String>, Query, description = "YYYY-MM-DD: the events from this day on; today by default")),
    responses((status = 200, body = [MemberEventDto]), (status = 403, body = super::Problem)))]
pub async fn events(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<EventsQuery>,
) -> Result<Json<Vec<MemberEventDto>>, AppError> {
    let from = q.from.unwrap_or_else(|| app.today());
    let events = members::events(app.db(), &ctx.actor.scope, from).await?;
    Ok(Json(events.into_iter().map(MemberEventDto::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"branch_id": 2, "title": "2027 春季自驾游", "kind": "self_drive", "starts_on": "2027-04-10", "capacity": 30}))]
pub struct EventBody {
    #[serde(default)]
    branch_id: i64,
    #[serde(default)]
    title: String,
    /// self_drive or store_event
    #[serde(default)]
    kind: String,
    /// YYYY-MM-DD
    #[serde(default)]
    starts_on: String,
    /// Places, 1 to 1000.
    #[serde(default)]
    capacity: i64,
}

#[utoipa::path(post, path = "/api/v1/members/events", tag = "members", request_body = EventBody,
    responses((status = 201, body = MemberEventDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create_event(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<EventBody>,
) -> Result<(StatusCode, Json<MemberEventDto>), AppError> {
    let input = EventInput { title: b.title, kind: b.kind, starts_on: b.starts_on, capacity: b.capacity.to_string() };
    let e = members::create_event(app.db(), &ctx.actor, BranchId(b.branch_id), &input).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

#[derive(Serialize, ToSchema)]
pub struct SignupDto {
    customer_id: i64,
    customer_name: String,
    attended: bool,
}

/// An event with who signed up.
#[derive(Serialize, ToSchema)]
pub struct EventDetailDto {
    event: MemberEventDto,
    signups: Vec<SignupDto>,
}

async fn detail(app: &AppState, ctx: &Ctx, id: i64) -> Result<EventDetailDto, AppError> {
    let event = members::event(app.db(), &ctx.actor.scope, MemberEventId(id)).await?;
    let signups = members::signups(app.db(), &ctx.actor.scope, MemberEventId(id)).await?;
    Ok(EventDetailDto {
        event: event.into(),
        signups: signups
            .into_iter()
            .map(|s| SignupDto { customer_id: s.customer_id.0, customer_name: s.customer_name, attended: s.attended })
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/members/events/{id}", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = EventDetailDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn event(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<EventDetailDto>, AppError> {
    Ok(Json(detail(&app, &ctx, id).await?))
}

#[utoipa::path(post, path = "/api/v1/members/events/{id}/invitations", tag = "members", request_body = SendBody,
    params(("id" = i64, Path, description = "event id")),
    responses((status = 200, body = SentDto, description = "without customers or days: every member of the event's store"),
        (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn invite(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<SendBody>,
) -> Result<Json<SentDto>, AppError> {
    let audience = b.audience(Audience::Members);
    let when = (app.today(), app.now(), app.local_time());
    let sent =
        sends::invite_to_event(app.db(), &ctx.actor, &app.0.channels, (MemberEventId(id), &b.channel), &audience, when)
            .await?;
    Ok(Json(sent.into()))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"customer": 1}))]
pub struct SignupBody {
    #[serde(default)]
    customer: i64,
}

#[utoipa::path(post, path = "/api/v1/members/events/{id}/signups", tag = "members", request_body = SignupBody,
    params(("id" = i64, Path, description = "event id")),
    responses((status = 201, body = EventDetailDto), (status = 404, body = super::Problem),
        (status = 422, body = super::Problem, description = "members only; the event is full; signed up already")))]
pub async fn sign_up(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<SignupBody>,
) -> Result<(StatusCode, Json<EventDetailDto>), AppError> {
    members::sign_up(app.db(), &ctx.actor, MemberEventId(id), CustomerId(b.customer), app.now()).await?;
    Ok((StatusCode::CREATED, Json(detail(&app, &ctx, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"customer": 1, "attended": true}))]
pub struct AttendanceBody {
    #[serde(default)]
    customer: i64,
    #[serde(default)]
    attended: bool,
}

#[utoipa::path(put, path = "/api/v1/members/events/{id}/attendance", tag = "members", request_body = AttendanceBody,
    params(("id" = i64, Path, description = "event id")),
    responses((status = 200, body = EventDetailDto), (status = 404, body = super::Problem, description = "no such event, or the customer did not sign up")))]
pub async fn attendance(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<AttendanceBody>,
) -> Result<Json<EventDetailDto>, AppError> {
    members::set_attended(app.db(), &ctx.actor, MemberEventId(id), CustomerId(b.customer), b.attended).await?;
    Ok(Json(detail(&app, &ctx, id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct GiftDto {
    year: i64,
    gift: String,
    given_at: String,
    given_by: String,
}

async fn gifts_of(app: &AppState, ctx: &Ctx, id: i64) -> Result<Vec<GiftDto>, AppError> {
    // The customer's branch decides who may read them.
    kefu_care::customers::get(app.db(), &ctx.actor.scope, CustomerId(id)).await?;
    let gifts = members::gifts_of(app.db(), CustomerId(id)).await?;
    Ok(gifts
        .into_iter()
        .map(|g| GiftDto { year: g.year, gift: g.gift, given_at: g.given_at, given_by: g.given_by })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/birthday-gifts", tag = "members",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = [GiftDto]), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn gifts(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<Vec<GiftDto>>, AppError> {
    Ok(Json(gifts_of(&app, &ctx, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"gift": "生日蛋糕券"}))]
pub struct GiftBody {
    #[serde(default)]
    gift: String,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/birthday-gifts", tag = "members", request_body = GiftBody,
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 201, body = [GiftDto], description = "the customer's gifts, this year's first"),
        (status = 404, body = super::Problem),
        (status = 422, body = super::Problem, description = "members only; once a year")))]
pub async fn give_gift(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<GiftBody>,
) -> Result<(StatusCode, Json<Vec<GiftDto>>), AppError> {
    members::record_birthday_gift(app.db(), &ctx.actor, CustomerId(id), &b.gift, (app.today(), app.now())).await?;
    Ok((StatusCode::CREATED, Json(gifts_of(&app, &ctx, id).await?)))
}
