//! Notices over JSON: the list, a notice, a draft made (sent at once when
//! asked) and rewritten until it is sent, its sending, and its deliveries
//! house by house.

use super::super::repairs::pages::estate_field;
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::estate::api::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_estate::notices::store::{self, Notice, Sent};
use kefu_estate::notices::{CHANNELS, NoticeInput, STATES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A notice to owners and where it stands.
#[derive(Serialize, ToSchema)]
pub struct NoticeDto {
    id: i64,
    estate: String,
    title: String,
    body: String,
    /// water_cut | power_cut | fees | event | other
    kind: String,
    effective_from: String,
    effective_until: Option<String>,
    /// estate | buildings | houses
    addressed_to: String,
    /// The buildings' codes or the houses' numbers.
    targets: Vec<String>,
    /// sms | email | wechat | call
    channels: Vec<String>,
    /// draft | sent
    status: String,
    sent_at: Option<String>,
    /// What sending did, when this request sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    sent: Option<NoticeSentDto>,
}

/// What sending did.
#[derive(Serialize, ToSchema)]
pub struct NoticeSentDto {
    houses: i64,
    /// One per house and channel.
    deliveries: i64,
    /// Messages and calls queued.
    messages: i64,
    /// Deliveries with nobody to send to (no contact, or all opted out).
    unreachable: i64,
    /// Messages the gateways accepted now.
    sent_now: i64,
    failed_now: i64,
    /// Channels chosen without a gateway configured: their messages wait.
    not_configured: Vec<String>,
}

impl From<Sent> for NoticeSentDto {
    fn from(s: Sent) -> NoticeSentDto {
        NoticeSentDto {
            houses: s.houses,
            deliveries: s.deliveries,
            messages: s.messages,
            unreachable: s.unreachable,
            sent_now: s.dispatched.sent,
            failed_now: s.dispatched.failed,
            not_configured: s.dispatched.not_configured,
        }
    }
}

impl NoticeDto {
    fn of(n: Notice, targets: Vec<String>, sent: Option<Sent>) -> NoticeDto {
        NoticeDto {
            id: n.id,
            estate: n.estate,
            title: n.title,
            body: n.body,
            kind: n.kind,
            effective_from: n.effective_from,
            effective_until: n.effective_until,
            addressed_to: n.addressed_to,
            targets,
            channels: n.channels,
            status: n.status,
            sent_at: n.sent_at,
            sent: sent.map(NoticeSentDto::from),
        }
    }
}

/// A notice: to the whole estate (sent by a manager), some buildings
/// (their codes) or some houses (their numbers as the desk types them).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"estate": "TA", "title": "停水通知", "body": "因二次供水水箱清洗，12月3日9:00至17:00停水，请提前储水。",
    "kind": "water_cut", "effective_from": "2026-12-03", "addressed_to": "buildings", "buildings": ["3"],
    "channels": ["sms", "call"], "send": true}))]
pub struct NewNoticeBody {
    /// The estate's code.
    estate: String,
    title: String,
    body: String,
    /// water_cut | power_cut | fees | event | other
    kind: String,
    effective_from: String,
    /// Left out for a single day or an open end.
    effective_until: String,
    /// estate | buildings | houses
    addressed_to: String,
    buildings: Vec<String>,
    houses: Vec<String>,
    /// sms | email | wechat | call
    channels: Vec<String>,
    /// Send it at once rather than keep it as a draft.
    send: bool,
}

/// A draft rewritten: every field of the notice but its estate.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"title": "停水通知（更正）", "body": "因二次供水水箱清洗，12月4日9:00至17:00停水，请提前储水。",
    "kind": "water_cut", "effective_from": "2026-12-04", "addressed_to": "buildings", "buildings": ["3", "5"],
    "channels": ["sms", "wechat"]}))]
pub struct NoticeChangeBody {
    title: String,
    body: String,
    /// water_cut | power_cut | fees | event | other
    kind: String,
    effective_from: String,
    /// Left out for a single day or an open end.
    effective_until: String,
    /// estate | buildings | houses
    addressed_to: String,
    buildings: Vec<String>,
    houses: Vec<String>,
    /// sms | email | wechat | call
    channels: Vec<String>,
}

impl NoticeChangeBody {
    fn input(self) -> NoticeInput {
        NoticeInput {
            title: self.title,
            body: self.body,
            kind: self.kind,
            effective_from: self.effective_from,
            effective_until: self.effective_until,
            addressed_to: self.addressed_to,
            buildings: self.buildings.join(","),
            houses: self.houses.join("\n"),
            channels: self.channels,
        }
    }
}

async fn dto(app: &AppState, ctx: &Ctx, id: i64, sent: Option<Sent>) -> Result<NoticeDto, AppError> {
    let n = store::get(app.db(), &ctx.actor.scope, id).await?;
    let targets = store::targets(app.db(), &n).await?;
    Ok(NoticeDto::of(n, targets, sent))
}

#[utoipa::path(post, path = "/api/v1/estate/notices", tag = "estate", request_body = NewNoticeBody,
    responses((status = 200, body = NoticeDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<NewNoticeBody>,
) -> Result<Json<NoticeDto>, AppError> {
    let estate = estate_field(&app, &ctx, &b.estate).await?;
    let NewNoticeBody {
        title,
        body,
        kind,
        effective_from,
        effective_until,
        addressed_to,
        buildings,
        houses,
        channels,
        ..
    } = b;
    let notice = NoticeChangeBody {
        title,
        body,
        kind,
        effective_from,
        effective_until,
        addressed_to,
        buildings,
        houses,
        channels,
    };
    let id = store::create(app.db(), &ctx.actor, &estate, &notice.input(), app.now()).await?;
    let sent = match b.send {
        true => {
            let when = (app.today(), app.now(), app.local_time());
            Some(store::send(app.db(), &ctx.actor, &app.0.channels, id, when).await?)
        }
        false => None,
    };
    Ok(Json(dto(&app, &ctx, id, sent).await?))
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct NoticeParams {
    /// An estate's code; every estate in scope when left out.
    estate: String,
}

#[utoipa::path(get, path = "/api/v1/estate/notices", tag = "estate", params(NoticeParams),
    responses((status = 200, body = [NoticeDto]), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<NoticeParams>,
) -> Result<Json<Vec<NoticeDto>>, AppError> {
    let estate = match q.estate.trim() {
        "" => None,
        code => Some(estate_field(&app, &ctx, code).await?.branch_id),
    };
    let mut out = Vec::new();
    for n in store::list(app.db(), &ctx.actor.scope, estate).await? {
        let targets = store::targets(app.db(), &n).await?;
        out.push(NoticeDto::of(n, targets, None));
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/estate/notices/{id}", tag = "estate", params(("id" = i64, Path)),
    responses((status = 200, body = NoticeDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<NoticeDto>, AppError> {
    Ok(Json(dto(&app, &ctx, id, None).await?))
}

#[utoipa::path(put, path = "/api/v1/estate/notices/{id}", tag = "estate", params(("id" = i64, Path)),
    request_body = NoticeChangeBody,
    responses((status = 200, body = NoticeDto), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "sent already: a notice sent is never edited"),
        (status = 422, body = Problem)))]
pub async fn update(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<NoticeChangeBody>,
) -> Result<Json<NoticeDto>, AppError> {
    store::update(app.db(), &ctx.actor, id, &b.input()).await?;
    Ok(Json(dto(&app, &ctx, id, None).await?))
}

#[utoipa::path(post, path = "/api/v1/estate/notices/{id}/send", tag = "estate", params(("id" = i64, Path)),
    responses((status = 200, body = NoticeDto), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "sent already"), (status = 422, body = Problem)))]
pub async fn send(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<NoticeDto>, AppError> {
    let when = (app.today(), app.now(), app.local_time());
    let sent = store::send(app.db(), &ctx.actor, &app.0.channels, id, when).await?;
    Ok(Json(dto(&app, &ctx, id, Some(sent)).await?))
}

/// A house's delivery on one channel.
#[derive(Serialize, ToSchema)]
pub struct NoticeDeliveryDto {
    house: String,
    /// sms | email | wechat | call
    channel: String,
    /// queued | sent | failed | explained | not_reached
    state: String,
    /// Why it failed or did not reach: the gateway's reason, no_contact,
    /// opted_out, or the call's outcome.
    reason: String,
    /// Whom its messages went to.
    people: Vec<String>,
    /// The call in the queue, for a call.
    call_id: Option<i64>,
}

/// The deliveries and their counts by state.
#[derive(Serialize, ToSchema)]
pub struct NoticeDeliveriesDto {
    counts: BTreeMap<String, i64>,
    deliveries: Vec<NoticeDeliveryDto>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct DeliveryParams {
    /// queued | sent | failed | explained | not_reached; all when left out.
    state: String,
    /// sms | email | wechat | call; all when left out.
    channel: String,
}

#[utoipa::path(get, path = "/api/v1/estate/notices/{id}/deliveries", tag = "estate",
    params(("id" = i64, Path), DeliveryParams),
    responses((status = 200, body = NoticeDeliveriesDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn deliveries(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<DeliveryParams>,
) -> Result<Json<NoticeDeliveriesDto>, AppError> {
    let n = store::get(app.db(), &ctx.actor.scope, id).await?;
    let (all, counts) = store::deliveries(app.db(), &n).await?;
    let state = STATES.iter().find(|s| **s == q.state).copied();
    let channel = CHANNELS.iter().find(|c| **c == q.channel).copied();
    let deliveries = all
        .into_iter()
        .filter(|d| state.is_none_or(|s| d.state.state == s) && channel.is_none_or(|c| d.channel == c))
        .map(|d| NoticeDeliveryDto {
            house: d.house,
            channel: d.channel,
            state: d.state.state.to_string(),
            reason: d.state.reason,
            people: d.people,
            call_id: d.call_id,
        })
        .collect();
    Ok(Json(NoticeDeliveriesDto { counts: counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), deliveries }))
}
