//! The cases' JSON API: the theft assessment (stored nowhere), cases
//! opened, read, listed, their amounts changed and closed, their photos,
//! and the parameters of the amounts.

use super::requests::{AmountsBody, AmountsDto, CaseBody, TheftBody, TheftDto};
use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::power::api::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_core::{Invalid, Money, Rule};
use kefu_power::cases::{self, Case, CaseFilter, CaseRules};
use kefu_power::inspections::assess_theft;
use kefu_power::tariffs::quote::yuan;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[utoipa::path(post, path = "/api/v1/power/theft-assessments", tag = "power",
    request_body(content = TheftBody, example = json!({"user_class": "lighting", "capacity_kw": "1.1", "rated_current_a": null, "voltage_v": 220, "phases": 1, "hours": 300, "price": "0.5283"})),
    responses((status = 200, body = TheftDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn assess(State(app): State<AppState>, JsonBody(b): JsonBody<TheftBody>) -> Result<Json<TheftDto>, AppError> {
    let theft = b.theft().map_err(AppError::Invalid)?;
    let rules = cases::rules(app.db()).await?;
    let a = assess_theft(&theft, &rules.theft).map_err(AppError::Invalid)?;
    Ok(Json(TheftDto::of(&a)))
}

/// A case as the API answers it.
#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    id: i64,
    account_no: String,
    customer_id: i64,
    station_id: i64,
    kind: String,
    source: String,
    found_on: String,
    description: String,
    seal_numbers: String,
    /// The theft's price, yuan per kWh.
    price: Option<String>,
    hours: Option<i64>,
    added_kva: Option<i64>,
    amounts: AmountsDto,
    /// Reported to the leaders: only a manager closes it.
    escalated: bool,
    escalated_at: Option<String>,
    /// open | closed
    status: String,
    closed_at: Option<String>,
    close_note: Option<String>,
    /// The evidence photos: `/api/v1/power/cases/{id}/photos/{photo}`.
    photos: Vec<i64>,
}

impl CaseDto {
    pub fn of(c: &Case) -> CaseDto {
        CaseDto {
            id: c.id,
            account_no: c.account_no.clone(),
            customer_id: c.customer_id.0,
            station_id: c.branch_id.0,
            kind: c.kind.clone(),
            source: c.source.clone(),
            found_on: c.found_on.to_string(),
            description: c.description.clone(),
            seal_numbers: c.seal_numbers.clone(),
            price: c.price.clone(),
            hours: c.hours,
            added_kva: c.added_kva,
            amounts: AmountsDto::of(&c.amounts),
            escalated: c.escalated(),
            escalated_at: c.escalated_at.clone(),
            status: c.status.clone(),
            closed_at: c.closed_at.clone(),
            close_note: c.close_note.clone(),
            photos: c.photos.clone(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/power/cases", tag = "power", request_body = CaseBody,
    responses((status = 201, body = CaseDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn open(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<CaseBody>,
) -> Result<(axum::http::StatusCode, Json<CaseDto>), AppError> {
    let new = b.new_case(app.today()).map_err(AppError::Invalid)?;
    let c = cases::create(app.db(), &ctx.actor, new, app.now()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CaseDto::of(&c))))
}

#[utoipa::path(get, path = "/api/v1/power/cases/{id}", tag = "power", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDto), (status = 404, body = Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<CaseDto>, AppError> {
    Ok(Json(CaseDto::of(&cases::get(app.db(), &ctx.actor.scope, id).await?)))
}

/// Which cases to list.
#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct CaseQuery {
    /// A station's branch id.
    pub station: Option<i64>,
    /// open | closed
    pub status: Option<String>,
    /// Only those reported to the leaders.
    #[serde(default)]
    pub escalated: bool,
    pub kind: Option<String>,
    /// The page's first case, counted from 0.
    #[serde(default)]
    pub offset: String,
}

impl CaseQuery {
    pub fn filter(&self) -> CaseFilter {
        CaseFilter {
            station: self.station.map(kefu_core::ids::BranchId),
            status: self.status.clone(),
            escalated: self.escalated,
            kind: self.kind.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/power/cases", tag = "power", params(CaseQuery),
    responses((status = 200, body = [CaseDto]), (status = 403, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<CaseQuery>,
) -> Result<Json<Vec<CaseDto>>, AppError> {
    let page = kefu_power::paging::Page { limit: 1000, ..super::super::paging::page(&q.offset) };
    let list = cases::list(app.db(), &ctx.actor.scope, &q.filter(), page).await?;
    Ok(Json(list.rows.iter().map(CaseDto::of).collect()))
}

#[utoipa::path(put, path = "/api/v1/power/cases/{id}/amounts", tag = "power", params(("id" = i64, Path)),
    request_body = AmountsBody,
    responses((status = 200, body = CaseDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn amounts(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<AmountsBody>,
) -> Result<Json<CaseDto>, AppError> {
    let kind = cases::get(app.db(), &ctx.actor.scope, id).await?.kind;
    let basis = b.basis(&kind).map_err(AppError::Invalid)?;
    Ok(Json(CaseDto::of(&cases::change_amounts(app.db(), &ctx.actor, id, basis, app.now()).await?)))
}

/// Closing a case.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"note": "补交电费及违约使用电费已缴清"}))]
pub struct CaseCloseBody {
    /// How it ended (paid, referred to the authorities…).
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/power/cases/{id}/close", tag = "power", params(("id" = i64, Path)),
    request_body = CaseCloseBody,
    responses((status = 200, body = CaseDto), (status = 404, body = Problem),
        (status = 422, description = "closed already, or escalated and the user is no manager", body = Problem)))]
pub async fn close(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<CaseCloseBody>,
) -> Result<Json<CaseDto>, AppError> {
    Ok(Json(CaseDto::of(&cases::close(app.db(), &ctx.actor, id, &b.note, app.now()).await?)))
}

/// The parameters of the amounts, as the API reads and writes them.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"penalty_multiple": 3, "unknown_days": 180, "lighting_hours": 6, "power_hours": 12, "escalate_above": "1000.00", "capacity_charge": "50.00"}))]
pub struct CaseRulesDto {
    pub penalty_multiple: u32,
    pub unknown_days: u32,
    pub lighting_hours: u32,
    pub power_hours: u32,
    /// Yuan, two decimals: a case above it is escalated.
    pub escalate_above: String,
    /// Yuan per kVA of an unauthorised increase.
    pub capacity_charge: String,
}

impl CaseRulesDto {
    pub fn of(r: &CaseRules) -> CaseRulesDto {
        CaseRulesDto {
            penalty_multiple: r.theft.penalty_multiple,
            unknown_days: r.theft.unknown_days,
            lighting_hours: r.theft.lighting_hours_a_day,
            power_hours: r.theft.power_hours_a_day,
            escalate_above: yuan(r.theft.escalate_above),
            capacity_charge: yuan(r.capacity_charge_per_kva),
        }
    }

    pub fn rules(&self) -> Result<CaseRules, Invalid> {
        let mut r = CaseRules::default();
        r.theft.penalty_multiple = self.penalty_multiple;
        r.theft.unknown_days = self.unknown_days;
        r.theft.lighting_hours_a_day = self.lighting_hours;
        r.theft.power_hours_a_day = self.power_hours;
        r.theft.escalate_above = Money::parse_yuan("escalate_above", &self.escalate_above)?;
        r.capacity_charge_per_kva = Money::parse_yuan("capacity_charge", &self.capacity_charge)?;
        Ok(r)
    }
}

#[utoipa::path(get, path = "/api/v1/power/case-rules", tag = "power",
    responses((status = 200, body = CaseRulesDto), (status = 403, body = Problem)))]
pub async fn rules(State(app): State<AppState>) -> Result<Json<CaseRulesDto>, AppError> {
    Ok(Json(CaseRulesDto::of(&cases::rules(app.db()).await?)))
}

#[utoipa::path(put, path = "/api/v1/power/case-rules", tag = "power", request_body = CaseRulesDto,
    responses((status = 200, body = CaseRulesDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save_rules(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<CaseRulesDto>,
) -> Result<Json<CaseRulesDto>, AppError> {
    let r = b.rules().map_err(AppError::Invalid)?;
    cases::save_rules(app.db(), &ctx.actor, &r).await?;
    Ok(Json(CaseRulesDto::of(&r)))
}

/// A photo refused by its bytes names the field.
pub(super) fn no_photo() -> AppError {
    AppError::Invalid(Invalid::new("photo", Rule::new("photo_required", "请选择照片", "choose a photo")))
}

#[utoipa::path(get, path = "/api/v1/power/cases/{id}/photos/{photo}", tag = "power",
    params(("id" = i64, Path), ("photo" = i64, Path)),
    responses((status = 200, description = "the image", content_type = "image/jpeg"), (status = 404, body = Problem)))]
pub async fn photo(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((id, photo)): PathParams<(i64, i64)>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let p = cases::photo(app.db(), &ctx.actor.scope, id, photo).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, p.content_type)], p.data).into_response())
}
