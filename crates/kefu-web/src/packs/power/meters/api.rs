//! The meter archive's JSON API: meters with their history, batch
//! acceptance, installation and removal, the month's rotation and
//! field-test plan with its work orders, the instruments in date, and the
//! periods of the periodic work. The request bodies are read here for the
//! pages too.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::power::api::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::{Invalid, Rule};
use kefu_power::meter_archive::{
    self as archive, Asset, Batch, BatchMeter, Completion, Installation, Plan, parse_reading, reading_text,
};
use kefu_power::meters::{MeterState, PeriodicRules};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A meter's move.
#[derive(Serialize, ToSchema)]
pub struct MoveDto {
    on_day: String,
    /// accepted | installed | removed | scrapped | field_test
    action: String,
    account_no: Option<String>,
    /// kWh, two decimals.
    reading: Option<String>,
    seals: Option<String>,
    note: Option<String>,
}

/// A meter with its asset record.
#[derive(Serialize, ToSchema)]
pub struct MeterAssetDto {
    meter_no: String,
    asset_no: String,
    kind: String,
    accuracy_class: String,
    rated_current: String,
    register_digits: i64,
    ct: String,
    pt: String,
    /// The multiplier (综合倍率 = CT × PT).
    multiplier: i64,
    maker: String,
    batch: String,
    verified_on: Option<String>,
    /// passed | failed
    verification: Option<String>,
    seals: String,
    /// in_stock | installed | removed | scrapped
    state: String,
    station_id: i64,
    account_no: Option<String>,
    point_class: Option<String>,
    install_reading: Option<String>,
    removal_reading: Option<String>,
    history: Vec<MoveDto>,
}

impl MeterAssetDto {
    pub fn of(a: &Asset) -> MeterAssetDto {
        MeterAssetDto {
            meter_no: a.meter_no.clone(),
            asset_no: a.asset_no.clone(),
            kind: a.kind.clone(),
            accuracy_class: a.accuracy_class.clone(),
            rated_current: a.rated_current.clone(),
            register_digits: a.register_digits,
            ct: format!("{}/{}", a.ct.0, a.ct.1),
            pt: format!("{}/{}", a.pt.0, a.pt.1),
            multiplier: archive::multiplier_of(a.ct, a.pt).unwrap_or(1),
            maker: a.maker.clone(),
            batch: a.batch.clone(),
            verified_on: a.verified_on.map(|d| d.to_string()),
            verification: a.verification.clone(),
            seals: a.seals.clone(),
            state: a.state.clone(),
            station_id: a.branch_id.0,
            account_no: a.account_no.clone(),
            point_class: a.point_class.clone(),
            install_reading: a.install_reading.map(reading_text),
            removal_reading: a.removal_reading.map(reading_text),
            history: a
                .history
                .iter()
                .map(|m| MoveDto {
                    on_day: m.on_day.clone(),
                    action: m.action.clone(),
                    account_no: m.account_no.clone(),
                    reading: m.reading.map(reading_text),
                    seals: m.seals.clone(),
                    note: m.note.clone(),
                })
                .collect(),
        }
    }
}

/// Which meters to list.
#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct MeterQuery {
    /// A station's branch id.
    pub station: Option<i64>,
    /// in_stock | installed | removed | scrapped
    pub state: Option<String>,
    /// The page's first meter, counted from 0 (5,000 a page here).
    #[serde(default)]
    pub offset: String,
}

#[utoipa::path(get, path = "/api/v1/power/meters", tag = "power", params(MeterQuery),
    responses((status = 200, body = [MeterAssetDto]), (status = 403, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MeterQuery>,
) -> Result<Json<Vec<MeterAssetDto>>, AppError> {
    let page = kefu_power::paging::Page { limit: 5000, ..super::super::paging::page(&q.offset) };
    let list =
        archive::list(app.db(), &ctx.actor.scope, q.station.map(BranchId), q.state.as_deref().unwrap_or(""), page)
            .await?;
    Ok(Json(list.rows.iter().map(MeterAssetDto::of).collect()))
}

#[utoipa::path(get, path = "/api/v1/power/meters/{meter_no}", tag = "power", params(("meter_no" = String, Path)),
    responses((status = 200, body = MeterAssetDto), (status = 404, body = Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Json<MeterAssetDto>, AppError> {
    Ok(Json(MeterAssetDto::of(&archive::get(app.db(), &ctx.actor.scope, &no).await?)))
}

/// One meter of a batch.
#[derive(Deserialize, ToSchema, Clone)]
pub struct BatchMeterBody {
    pub meter_no: String,
    pub asset_no: String,
    /// passed | failed
    pub verification: String,
    /// The seal numbers fitted after verification.
    #[serde(default)]
    pub seals: String,
}

/// A batch of new meters to accept into a station's stock.
#[derive(Deserialize, ToSchema, Clone)]
#[schema(example = json!({"station_id": 2, "batch": "2026-12-A", "maker": "威胜集团", "kind": "single_phase", "accuracy_class": "2", "rated_current": "5(60)A", "register_digits": 6, "verified_on": "2026-11-20", "meters": [{"meter_no": "3300012345", "asset_no": "GX2026000001", "verification": "passed", "seals": "QF123456,QF123457"}]}))]
pub struct BatchBody {
    pub station_id: i64,
    pub batch: String,
    pub maker: String,
    /// single_phase | three_phase | three_phase_ct | single_phase_mech | three_phase_mech
    pub kind: String,
    pub accuracy_class: String,
    /// As the nameplate writes it: 5(60)A.
    pub rated_current: String,
    pub register_digits: i64,
    /// YYYY-MM-DD
    #[schema(value_type = String)]
    pub verified_on: Date,
    /// For three_phase_ct: the current transformers' ratio, primary/secondary (150/5); 1/1 when left out.
    #[serde(default)]
    pub ct_ratio: Option<String>,
    /// For three_phase_ct: the voltage transformers' ratio (10000/100); none for low voltage.
    #[serde(default)]
    pub pt_ratio: Option<String>,
    pub meters: Vec<BatchMeterBody>,
}

impl BatchBody {
    pub fn batch(&self) -> Result<Batch, Invalid> {
        let meters = self
            .meters
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let passed = match m.verification.trim() {
                    "passed" => true,
                    "failed" => false,
                    _ => {
                        return Err(Invalid::new(
                            format!("meters[{i}].verification"),
                            Rule::new(
                                "verification",
                                "检定结果须为 passed 或 failed",
                                "the result is passed or failed",
                            ),
                        ));
                    }
                };
                Ok(BatchMeter {
                    meter_no: m.meter_no.clone(),
                    asset_no: m.asset_no.clone(),
                    passed,
                    seals: m.seals.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Batch {
            station: BranchId(self.station_id),
            batch: self.batch.clone(),
            maker: self.maker.clone(),
            kind: self.kind.clone(),
            accuracy_class: self.accuracy_class.clone(),
            rated_current: self.rated_current.clone(),
            register_digits: self.register_digits,
            verified_on: self.verified_on,
            ct: archive::parse_ratio("ct_ratio", self.ct_ratio.as_deref().unwrap_or_default())?,
            pt: archive::parse_ratio("pt_ratio", self.pt_ratio.as_deref().unwrap_or_default())?,
            meters,
        })
    }
}

/// How many meters were accepted.
#[derive(Serialize, ToSchema)]
pub struct AcceptedDto {
    accepted: usize,
}

#[utoipa::path(post, path = "/api/v1/power/meter-batches", tag = "power", request_body = BatchBody,
    responses((status = 201, body = AcceptedDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn accept(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<BatchBody>,
) -> Result<(StatusCode, Json<AcceptedDto>), AppError> {
    let batch = b.batch().map_err(AppError::Invalid)?;
    let ids = archive::accept_batch(app.db(), &ctx.actor, &batch, app.now()).await?;
    Ok((StatusCode::CREATED, Json(AcceptedDto { accepted: ids.len() })))
}

/// An installation at an account.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"account_no": "0301000042", "on": "2026-11-28", "reading": "0.00", "seals": "QF123456"}))]
pub struct InstallBody {
    pub account_no: String,
    /// YYYY-MM-DD; today when left out.
    #[schema(value_type = Option<String>)]
    pub on: Option<Date>,
    /// The installation reading, kWh with at most two decimals.
    pub reading: String,
    #[serde(default)]
    pub seals: String,
    /// I | II | III for a high-voltage metering point.
    pub point_class: Option<String>,
}

impl InstallBody {
    pub fn installation(&self, today: Date) -> Result<Installation, Invalid> {
        Ok(Installation {
            account_no: self.account_no.clone(),
            on: self.on.unwrap_or(today),
            reading: parse_reading("reading", &self.reading)?,
            seals: self.seals.clone(),
            point_class: self.point_class.clone().filter(|c| !c.trim().is_empty()),
        })
    }
}

#[utoipa::path(post, path = "/api/v1/power/meters/{meter_no}/install", tag = "power", params(("meter_no" = String, Path)),
    request_body = InstallBody,
    responses((status = 200, body = MeterAssetDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn install(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    JsonBody(b): JsonBody<InstallBody>,
) -> Result<Json<MeterAssetDto>, AppError> {
    let i = b.installation(app.today()).map_err(AppError::Invalid)?;
    Ok(Json(MeterAssetDto::of(&archive::install(app.db(), &ctx.actor, &no, &i, app.now()).await?)))
}

/// A removal with its reading.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"on": "2026-11-28", "reading": "8765.40"}))]
pub struct RemoveBody {
    #[schema(value_type = Option<String>)]
    pub on: Option<Date>,
    /// The removal reading, kWh, never below the installation reading.
    pub reading: String,
}

#[utoipa::path(post, path = "/api/v1/power/meters/{meter_no}/remove", tag = "power", params(("meter_no" = String, Path)),
    request_body = RemoveBody,
    responses((status = 200, body = MeterAssetDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn remove(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    JsonBody(b): JsonBody<RemoveBody>,
) -> Result<Json<MeterAssetDto>, AppError> {
    let reading = parse_reading("reading", &b.reading).map_err(AppError::Invalid)?;
    let on = b.on.unwrap_or_else(|| app.today());
    Ok(Json(MeterAssetDto::of(&archive::remove(app.db(), &ctx.actor, &no, on, reading, app.now()).await?)))
}

/// A meter scrapped, or a removed one returned to stock, and why.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"on": "2026-11-28", "reason": "检定不合格，无修复价值"}))]
pub struct SetAsideBody {
    /// YYYY-MM-DD; today when left out.
    #[schema(value_type = Option<String>)]
    pub on: Option<Date>,
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/power/meters/{meter_no}/scrap", tag = "power", params(("meter_no" = String, Path)),
    request_body = SetAsideBody,
    responses((status = 200, body = MeterAssetDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn scrap(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    JsonBody(b): JsonBody<SetAsideBody>,
) -> Result<Json<MeterAssetDto>, AppError> {
    let on = b.on.unwrap_or_else(|| app.today());
    let a = archive::set_aside(app.db(), &ctx.actor, &no, (MeterState::Scrapped, on, &b.reason), app.now()).await?;
    Ok(Json(MeterAssetDto::of(&a)))
}

#[utoipa::path(post, path = "/api/v1/power/meters/{meter_no}/return", tag = "power", params(("meter_no" = String, Path)),
    request_body = SetAsideBody,
    responses((status = 200, body = MeterAssetDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn return_to_stock(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
    JsonBody(b): JsonBody<SetAsideBody>,
) -> Result<Json<MeterAssetDto>, AppError> {
    let on = b.on.unwrap_or_else(|| app.today());
    let a = archive::set_aside(app.db(), &ctx.actor, &no, (MeterState::InStock, on, &b.reason), app.now()).await?;
    Ok(Json(MeterAssetDto::of(&a)))
}

/// A work order of the month's plan.
#[derive(Serialize, ToSchema)]
pub struct WorkOrderDto {
    id: i64,
    /// rotation | field_test
    kind: String,
    meter_no: String,
    account_no: Option<String>,
    due_on: String,
    /// open | done
    status: String,
    done_on: Option<String>,
    old_reading: Option<String>,
    new_meter_no: Option<String>,
    seals: Option<String>,
    result: Option<String>,
}

/// A station's plan of a month.
#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    station_id: i64,
    month: String,
    work_orders: Vec<WorkOrderDto>,
    done: i64,
    /// "75.00%"; null without work orders.
    completion: Option<String>,
}

impl PlanDto {
    pub fn of(p: &Plan) -> PlanDto {
        PlanDto {
            station_id: p.station.0,
            month: p.month.clone(),
            work_orders: p
                .orders
                .iter()
                .map(|o| WorkOrderDto {
                    id: o.id,
                    kind: o.kind.clone(),
                    meter_no: o.meter_no.clone(),
                    account_no: o.account_no.clone(),
                    due_on: o.due_on.clone(),
                    status: o.status.clone(),
                    done_on: o.done_on.clone(),
                    old_reading: o.old_reading.map(reading_text),
                    new_meter_no: o.new_meter_no.clone(),
                    seals: o.seals.clone(),
                    result: o.result.clone(),
                })
                .collect(),
            done: p.done,
            completion: p.completion.clone(),
        }
    }
}

/// Which plan: a station and a month.
#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[schema(example = json!({"station": 2, "month": "2026-12"}))]
pub struct PlanQuery {
    /// A station's branch id.
    pub station: i64,
    /// YYYY-MM; this month when left out.
    pub month: Option<String>,
}

/// The first day of the month asked for.
pub fn month_of(month: Option<&str>, today: Date) -> Result<Date, AppError> {
    match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(today.first_of_month()),
        Some(m) => format!("{m}-01").parse().map_err(|_| {
            AppError::Invalid(Invalid::new("month", Rule::new("month", "月份格式应为 YYYY-MM", "use YYYY-MM")))
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/power/meter-plans", tag = "power", params(PlanQuery),
    responses((status = 200, body = PlanDto), (status = 404, body = Problem)))]
pub async fn plan(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PlanQuery>,
) -> Result<Json<PlanDto>, AppError> {
    let first = month_of(q.month.as_deref(), app.today())?;
    Ok(Json(PlanDto::of(&archive::plan(app.db(), &ctx.actor, BranchId(q.station), first, false).await?)))
}

#[utoipa::path(post, path = "/api/v1/power/meter-plans", tag = "power", request_body = PlanQuery,
    responses((status = 200, description = "the plan generated from the archive; generating twice adds nothing", body = PlanDto), (status = 404, body = Problem)))]
pub async fn generate(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(q): JsonBody<PlanQuery>,
) -> Result<Json<PlanDto>, AppError> {
    let first = month_of(q.month.as_deref(), app.today())?;
    Ok(Json(PlanDto::of(&archive::plan(app.db(), &ctx.actor, BranchId(q.station), first, true).await?)))
}

/// A work order's result.
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"on": "2026-11-28", "old_reading": "8765.40", "new_meter_no": "3300012345", "new_reading": "0.00", "seals": "QF123458"}))]
pub struct CompleteBody {
    #[schema(value_type = Option<String>)]
    pub on: Option<Date>,
    /// Rotation: the old meter's closing reading, the new meter from stock
    /// with its opening reading, and the seals fitted.
    pub old_reading: Option<String>,
    #[serde(default)]
    pub new_meter_no: String,
    pub new_reading: Option<String>,
    #[serde(default)]
    pub seals: String,
    /// Field test: passed | failed.
    #[serde(default)]
    pub result: String,
}

impl CompleteBody {
    pub fn completion(&self) -> Result<Completion, Invalid> {
        let reading = |field: &str, v: &Option<String>| {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| parse_reading(field, s)).transpose()
        };
        Ok(Completion {
            on: self.on,
            old_reading: reading("old_reading", &self.old_reading)?,
            new_meter_no: self.new_meter_no.clone(),
            new_reading: reading("new_reading", &self.new_reading)?,
            seals: self.seals.clone(),
            result: self.result.trim().to_string(),
        })
    }
}

#[utoipa::path(post, path = "/api/v1/power/meter-work-orders/{id}/complete", tag = "power", params(("id" = i64, Path)),
    request_body = CompleteBody,
    responses((status = 204, description = "done"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn complete(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<CompleteBody>,
) -> Result<StatusCode, AppError> {
    let c = b.completion().map_err(AppError::Invalid)?;
    archive::complete(app.db(), &ctx.actor, id, &c, app.today(), app.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The instruments and the share in date.
#[derive(Serialize, ToSchema)]
pub struct InstrumentsDto {
    instruments: Vec<InstrumentDto>,
    /// "100.00%" is the target.
    in_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InstrumentDto {
    name: String,
    serial: String,
    verified_on: String,
    valid_until: String,
    in_date: bool,
}

#[utoipa::path(get, path = "/api/v1/power/instruments", tag = "power",
    responses((status = 200, body = InstrumentsDto), (status = 403, body = Problem)))]
pub async fn instruments(State(app): State<AppState>, ctx: Ctx) -> Result<Json<InstrumentsDto>, AppError> {
    let (list, in_date) = archive::instruments(app.db(), &ctx.actor.scope, app.today()).await?;
    let instruments = list
        .iter()
        .map(|i| InstrumentDto {
            name: i.name.clone(),
            serial: i.serial.clone(),
            verified_on: i.verified_on.to_string(),
            valid_until: i.valid_until.to_string(),
            in_date: i.in_date,
        })
        .collect();
    Ok(Json(InstrumentsDto { instruments, in_date }))
}

/// The periods of the periodic work, in months.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"field_test_months": [3, 6, 12], "rotation_months": [96, 72, 120, 120], "instrument_verification_months": 12}))]
pub struct MeterRulesDto {
    /// Field tests of class I, II and III points.
    pub field_test_months: [i32; 3],
    /// Rotation of single-phase electronic, three-phase electronic,
    /// single-phase mechanical and three-phase mechanical meters.
    pub rotation_months: [i32; 4],
    pub instrument_verification_months: i32,
}

#[utoipa::path(get, path = "/api/v1/power/meter-rules", tag = "power",
    responses((status = 200, body = MeterRulesDto), (status = 403, body = Problem)))]
pub async fn rules(State(app): State<AppState>) -> Result<Json<MeterRulesDto>, AppError> {
    let r = archive::rules(app.db()).await?;
    Ok(Json(MeterRulesDto {
        field_test_months: r.field_test_months,
        rotation_months: r.rotation_months,
        instrument_verification_months: r.instrument_verification_months,
    }))
}

#[utoipa::path(put, path = "/api/v1/power/meter-rules", tag = "power", request_body = MeterRulesDto,
    responses((status = 200, body = MeterRulesDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save_rules(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<MeterRulesDto>,
) -> Result<Json<MeterRulesDto>, AppError> {
    let r = PeriodicRules {
        field_test_months: b.field_test_months,
        rotation_months: b.rotation_months,
        instrument_verification_months: b.instrument_verification_months,
    };
    archive::save_rules(app.db(), &ctx.actor, &r).await?;
    Ok(Json(b))
}
