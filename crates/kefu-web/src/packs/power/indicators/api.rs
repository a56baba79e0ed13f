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
use kefu_power::indicators::meetings::{self, Meeting, Minutes};
use kefu_power::indicators::meters::{self, NewSupplyMeter, SupplyReading};
use kefu_power::indicators::store::{self, Report, TargetsInput};
use serde::{Deserialize, Serialize};
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

/// A supply station's targets: percentages with two decimals, the average
/// price in yuan a kWh with four; none where the company set none.
#[derive(Serialize, ToSchema)]
#[schema(as = PowerStationTargets)]
pub struct StationTargets {
    station_id: i64,
    code: String,
    name: String,
    line_loss_at_most: Option<String>,
    collection_at_least: Option<String>,
    average_price_at_least: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/power/indicators/targets", tag = "power",
    responses((status = 200, body = [StationTargets], description = "the supply stations in scope with their targets")))]
pub async fn targets(State(app): State<AppState>, ctx: Ctx) -> Result<Json<Vec<StationTargets>>, AppError> {
    let scope = &ctx.actor.scope;
    let set = store::targets(app.db(), scope).await?;
    let percent = |p: Option<kefu_core::rate::Percent>| p.map(|p| p.to_string().trim_end_matches('%').to_string());
    Ok(Json(
        store::stations(app.db(), scope)
            .await?
            .into_iter()
            .map(|s| {
                let t = set.get(&s.branch_id).copied().unwrap_or_default();
                StationTargets {
                    station_id: s.branch_id.0,
                    code: s.code,
                    name: s.name,
                    line_loss_at_most: percent(t.line_loss_at_most),
                    collection_at_least: percent(t.collection_at_least),
                    average_price_at_least: t.average_price_at_least.map(|p| p.to_string()),
                }
            })
            .collect(),
    ))
}

/// A station's targets as the company sets them; a field left out or blank
/// sets none.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"line_loss_at_most": "6.5", "collection_at_least": "99", "average_price_at_least": "0.5600"}))]
pub struct TargetsBody {
    /// 线损率 at most, percent (0 to 100, two decimals).
    #[serde(default)]
    line_loss_at_most: String,
    /// 电费回收率 at least, percent.
    #[serde(default)]
    collection_at_least: String,
    /// 综合平均电价 at least, yuan a kWh with up to four decimals.
    #[serde(default)]
    average_price_at_least: String,
}

#[utoipa::path(put, path = "/api/v1/power/indicators/targets/{station_id}", tag = "power",
    params(("station_id" = i64, Path, description = "the supply station (a branch id)")), request_body = TargetsBody,
    responses((status = 200, body = StationTargets, description = "the station's targets as stored"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_targets(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(station_id): PathParams<i64>,
    JsonBody(b): JsonBody<TargetsBody>,
) -> Result<Json<StationTargets>, AppError> {
    let input = TargetsInput {
        line_loss_at_most: b.line_loss_at_most,
        collection_at_least: b.collection_at_least,
        average_price_at_least: b.average_price_at_least,
    };
    let t = input.check().map_err(|mut errors| AppError::Invalid(errors.remove(0)))?;
    store::save_targets(app.db(), &ctx.actor, BranchId(station_id), &t).await?;
    let Json(all) = targets(State(app), ctx).await?;
    all.into_iter().find(|s| s.station_id == station_id).map(Json).ok_or(AppError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/power/indicators/meetings", tag = "power",
    responses((status = 200, body = [Meeting], description = "the analysis meetings in scope, the latest month first, with their actions")))]
pub async fn meetings(State(app): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Meeting>>, AppError> {
    Ok(Json(meetings::list(app.db(), &ctx.actor.scope, app.today(), 24).await?))
}

/// A month's meeting minutes; a second call for the month corrects them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"month": "2026-11", "held_on": "2026-12-04", "attendees": "主任、各供电所所长、营业班长",
    "notes": "青山所线损率超目标，安排关口表核对与台区线损排查"}))]
pub struct MeetingBody {
    /// The month whose figures were discussed, YYYY-MM.
    month: String,
    /// YYYY-MM-DD
    held_on: String,
    attendees: String,
    #[serde(default)]
    notes: String,
}

#[utoipa::path(post, path = "/api/v1/power/indicators/meetings", tag = "power", request_body = MeetingBody,
    responses((status = 200, body = Meeting, description = "the meeting as stored, with its actions"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save_meeting(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<MeetingBody>,
) -> Result<Json<Meeting>, AppError> {
    let minutes = Minutes { held_on: b.held_on, attendees: b.attendees, notes: b.notes };
    Ok(Json(meetings::save(app.db(), &ctx.actor, &b.month, &minutes, app.today()).await?))
}

/// An action of the meeting: what is to be done, by whom, by when.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "核对青山所10kV关口表倍率", "owner": "计量班 李工", "due_on": "2026-12-20"}))]
pub struct ActionBody {
    action: String,
    owner: String,
    /// YYYY-MM-DD
    due_on: String,
}

#[utoipa::path(post, path = "/api/v1/power/indicators/meetings/{id}/actions", tag = "power",
    params(("id" = i64, Path, description = "the meeting")), request_body = ActionBody,
    responses((status = 201, body = Meeting, description = "the meeting with the action added"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_action(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ActionBody>,
) -> Result<(StatusCode, Json<Meeting>), AppError> {
    let month = meetings::month_of_meeting(app.db(), &ctx.actor.scope, id, app.today()).await?;
    let m = meetings::add_action(app.db(), &ctx.actor, &month, (&b.action, &b.owner, &b.due_on), app.today()).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// An action's state: done when followed up and found done, open again when not.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "done"}))]
pub struct ActionStateBody {
    /// done | open
    state: String,
}

#[utoipa::path(put, path = "/api/v1/power/indicators/actions/{id}", tag = "power",
    params(("id" = i64, Path, description = "the action")), request_body = ActionStateBody,
    responses((status = 200, body = Meeting, description = "the action's meeting with the action's new state"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_action_state(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ActionStateBody>,
) -> Result<Json<Meeting>, AppError> {
    let done = match b.state.trim() {
        "done" => true,
        "open" => false,
        _ => {
            return Err(AppError::Invalid(kefu_core::Invalid::new(
                "state",
                kefu_core::Rule::new(
                    "one_of",
                    "须为以下之一：done（已完成）、open（未完成）",
                    "must be one of: done, open",
                ),
            )));
        }
    };
    let (db, today) = (app.db(), app.today());
    let month = meetings::month_of_action(db, &ctx.actor.scope, id, today).await?;
    Ok(Json(if done {
        meetings::complete_action(db, &ctx.actor, &month, id, today).await?
    } else {
        meetings::reopen_action(db, &ctx.actor, &month, id, today).await?
    }))
}

/// A readings file's report: the readings entered (none when a row was
/// refused: the file goes in whole or not at all) and each refused row with
/// its number, field and rule in the user's language.
pub(super) fn supply_imported_json(i: &kefu_power::indicators::import::SupplyImport, ctx: &Ctx) -> Value {
    let lang = ctx.actor.lang;
    let rejected: Vec<Value> = i
        .rejected
        .iter()
        .map(|(row, e)| {
            serde_json::json!({"row": row, "field": e.field, "rule": e.rule.code,
                "message": e.message(lang, &crate::i18n::field_label(lang, &e.field))})
        })
        .collect();
    serde_json::json!({"entered": i.entered.len(), "readings": i.entered, "rejected": rejected})
}

/// The uploaded file's bytes.
pub(super) async fn file_bytes(form: axum::extract::Multipart) -> Result<Vec<u8>, AppError> {
    let upload = crate::imports::Upload::read(form).await?;
    if upload.bytes.is_empty() {
        return Err(AppError::Invalid(kefu_core::Invalid::required("file")));
    }
    Ok(upload.bytes)
}

#[utoipa::path(post, path = "/api/v1/power/supply-meters/import", tag = "power",
    request_body(content_type = "multipart/form-data",
        description = "`file`: CSV or XLSX with 表号 (meter_no), 月份 (month, YYYY-MM), 示数 (reading) and optionally 抄表日期 (read_on; the month's last day when left out)"),
    responses((status = 200, description = "the readings entered, or every refused row and nothing entered"),
        (status = 422, body = Problem)))]
pub async fn import(
    State(app): State<AppState>,
    ctx: Ctx,
    form: axum::extract::Multipart,
) -> Result<Json<Value>, AppError> {
    let bytes = file_bytes(form).await?;
    let done = kefu_power::indicators::import::import(app.db(), &ctx.actor, &bytes).await?;
    Ok(Json(supply_imported_json(&done, &ctx)))
}
