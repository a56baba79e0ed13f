//! The planned outages' JSON API: the list, one outage with the accounts
//! it cuts, a station's request, and a manager's decision — what the pages
//! offer, with the warning when the holders are told late.

use super::requests::{OutageFields, approves, late_warning};
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::power::paging::OffsetQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_power::outages::{self, Affected, Outage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// A planned outage (停电审批).
#[derive(Serialize, ToSchema)]
pub struct OutageDto {
    id: i64,
    station_id: i64,
    station: String,
    /// feeder | transformer
    equipment_kind: String,
    equipment: String,
    /// The instants, RFC 3339 in UTC.
    starts_at: String,
    ends_at: String,
    /// The business day it starts on, YYYY-MM-DD: the notices' anchor.
    start_day: String,
    /// From and until as the notice says them, in the company's zone.
    hours: String,
    reason: String,
    /// requested | approved | refused
    status: String,
    requested_by: String,
    decided_by: Option<String>,
    decision_note: String,
    /// How many accounts it cuts.
    accounts: i64,
    /// When an approval after the notices' lead day sent them at once.
    late_notice_at: Option<String>,
    /// How many notices that approval sent at once.
    late_notices: i64,
}

impl OutageDto {
    fn of(o: Outage) -> OutageDto {
        OutageDto {
            id: o.id,
            station_id: o.branch_id.0,
            station: o.station,
            equipment_kind: o.equipment_kind,
            equipment: o.equipment,
            starts_at: o.starts_at,
            ends_at: o.ends_at,
            start_day: o.start_day.to_string(),
            hours: o.hours,
            reason: o.reason,
            status: o.status,
            requested_by: o.requested_by,
            decided_by: o.decided_by,
            decision_note: o.decision_note,
            accounts: o.accounts,
            late_notice_at: o.late_notice_at,
            late_notices: o.late_notices,
        }
    }
}

/// An account an outage cuts.
#[derive(Serialize, ToSchema)]
pub struct OutageAccountDto {
    account_no: String,
    holder: String,
    /// 220v | 380v | 10kv
    voltage: String,
    supply_address: String,
}

/// An outage with its accounts and its notices' timing.
#[derive(Serialize, ToSchema)]
pub struct OutageDetailDto {
    outage: OutageDto,
    account_list: Vec<OutageAccountDto>,
    /// The first day the playbooks in force tell its holders (YYYY-MM-DD).
    first_notice_day: Option<String>,
    /// Set when the holders are (or, approved today, would be) told later
    /// than the lead time, in the user's language.
    warning: Option<String>,
}

async fn detail(app: &AppState, ctx: &Ctx, id: i64) -> Result<OutageDetailDto, AppError> {
    let (o, affected) = outages::get(app.db(), &ctx.actor.scope, id).await?;
    let first = outages::first_notice_day(app.db(), &o).await?;
    let warning = late_warning(ctx.actor.lang, &app.0.zone, &o, first, app.today());
    Ok(OutageDetailDto {
        outage: OutageDto::of(o),
        account_list: affected
            .into_iter()
            .map(|a: Affected| OutageAccountDto {
                account_no: a.account_no,
                holder: a.holder,
                voltage: a.voltage,
                supply_address: a.supply_address,
            })
            .collect(),
        first_notice_day: first.map(|d| d.to_string()),
        warning,
    })
}

/// A station's request for a planned outage.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"station_id": 2, "equipment_kind": "feeder", "equipment": "10kV青山线12号杆",
    "starts_at": "2026-12-20 08:00", "ends_at": "2026-12-20 17:00", "reason": "10kV线路检修及树障清理",
    "accounts": ["0301000042"]}))]
pub struct OutageBody {
    station_id: i64,
    /// feeder | transformer
    #[serde(default)]
    equipment_kind: String,
    #[serde(default)]
    equipment: String,
    /// In the company's zone, `YYYY-MM-DD HH:MM`; ahead of now.
    #[serde(default)]
    starts_at: String,
    /// After the start.
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    reason: String,
    /// The station's accounts in supply that it cuts (户号).
    #[serde(default)]
    accounts: Vec<String>,
}

/// A manager's decision on a request.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"decision": "approve", "note": "同意，请做好安全措施"}))]
pub struct OutageDecisionBody {
    /// approve | refuse
    #[serde(default)]
    decision: String,
    /// Required for a refusal.
    #[serde(default)]
    note: String,
}

#[utoipa::path(get, path = "/api/v1/power/outages", tag = "power", params(OffsetQuery),
    responses((status = 200, body = [OutageDto], description = "Latest first, at most 1,000 from `offset`"), (status = 403, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<OffsetQuery>,
) -> Result<Json<Vec<OutageDto>>, AppError> {
    let page = kefu_power::paging::Page { limit: 1000, ..super::super::paging::page(&q.offset) };
    let list = outages::list(app.db(), &ctx.actor.scope, page).await?;
    Ok(Json(list.rows.into_iter().map(OutageDto::of).collect()))
}

#[utoipa::path(get, path = "/api/v1/power/outages/{id}", tag = "power",
    params(("id" = i64, Path, description = "The outage")),
    responses((status = 200, body = OutageDetailDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<OutageDetailDto>, AppError> {
    Ok(Json(detail(&app, &ctx, id).await?))
}

#[utoipa::path(post, path = "/api/v1/power/outages", tag = "power", request_body = OutageBody,
    responses((status = 200, body = OutageDetailDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn request(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<OutageBody>,
) -> Result<Json<OutageDetailDto>, AppError> {
    let zone = &app.0.zone;
    let new = OutageFields {
        station: b.station_id.to_string(),
        equipment_kind: b.equipment_kind,
        equipment: b.equipment,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        reason: b.reason,
        accounts: b.accounts.join(" "),
    }
    .read(zone)
    .map_err(AppError::Invalid)?;
    let o = outages::request(app.db(), &ctx.actor, zone, &new, app.now()).await?;
    Ok(Json(detail(&app, &ctx, o.id).await?))
}

#[utoipa::path(post, path = "/api/v1/power/outages/{id}/decision", tag = "power", request_body = OutageDecisionBody,
    params(("id" = i64, Path, description = "The outage")),
    responses((status = 200, body = OutageDetailDto, description = "Decided; `warning` says when the notices went out late"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<OutageDecisionBody>,
) -> Result<Json<OutageDetailDto>, AppError> {
    let approve = approves(&b.decision).map_err(AppError::Invalid)?;
    outages::decide(app.db(), &ctx.actor, &app.0.zone, id, (approve, &b.note), app.now()).await?;
    Ok(Json(detail(&app, &ctx, id).await?))
}
