//! Repair orders over JSON: open one for a vehicle, read it, take its steps.
//! A step's body is the same flat set of fields the order page's forms post,
//! read by [`RepairOrderStepBody::into_step`] for both.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::fields::{date, one_of, whole_number};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use jiff::civil::DateTime;
use kefu_auto::repair_orders::settlement::{self, LineKind, Payer};
use kefu_auto::repair_orders::{self, DamageMark, NewLine, Reception, RepairOrder, Step};
use kefu_core::ids::{RepairOrderId, VehicleId};
use kefu_core::time::BusinessZone;
use kefu_core::{Invalid, Money, Rule};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// Text fields that JSON callers may also send as numbers.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(i64),
    }
    Ok(match TextOrNumber::deserialize(d)? {
        TextOrNumber::Text(s) => s,
        TextOrNumber::Number(n) => n.to_string(),
    })
}

/// One step on an order. `step` says which; each step reads only its own
/// fields. Amounts are in yuan as people type them ("120.50"), quantities
/// may have two decimals ("1.5" hours), times are local ("2026-11-30T17:00").
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"step": "reception", "mileage_km": "15230", "fuel_eighths": "4", "complaint": "刹车异响", "diagnosis": "前刹车片磨损", "valuables_reminded": "true", "promised_at": "2026-11-29 17:00"}))]
#[serde(default)]
pub struct RepairOrderStepBody {
    /// reception, add_line, remove_line, approve, start_work, report_delay,
    /// consent, decline, finish_repair, quality_check, settle
    #[serde(deserialize_with = "text")]
    pub step: String,
    // reception
    #[serde(deserialize_with = "text")]
    pub mileage_km: String,
    /// 0 (empty) to 8 (full)
    #[serde(deserialize_with = "text")]
    pub fuel_eighths: String,
    /// The customer's complaint in their own words.
    pub complaint: String,
    pub diagnosis: String,
    /// "zone:mark", e.g. "front_bumper:scratch"; empty entries are ignored.
    pub damage: Vec<String>,
    /// "on" when the customer was reminded to take their valuables.
    pub valuables_reminded: String,
    /// When the car is promised back (reception, report_delay).
    pub promised_at: String,
    // add_line
    /// labour or part
    pub kind: String,
    pub description: String,
    pub part_no: String,
    pub quantity: String,
    pub unit_price: String,
    /// customer, warranty or insurance
    pub payer: String,
    /// The line a remove_line, consent or decline is about.
    #[serde(deserialize_with = "text")]
    pub line: String,
    /// approve: who signed the estimate.
    pub signed_by: String,
    pub technician: String,
    /// report_delay: why the car is late.
    pub reason: String,
    /// consent/decline: who answered.
    pub given_by: String,
    /// consent: in_person, phone or sms
    pub method: String,
    /// decline: when to recommend the item again (YYYY-MM-DD).
    pub recommend_by: String,
    /// quality_check: pass or fail
    pub result: String,
    pub inspector: String,
    pub qc_notes: String,
    /// settle: the discount off the customer's lines, in yuan.
    pub discount: String,
    /// settle: the value of the member points redeemed, in yuan.
    pub points: String,
}

/// A local time ("2026-11-30T17:00" or "2026-11-30 17:00") in the business zone.
fn local_time(field: &str, text: &str, zone: &BusinessZone) -> Result<Timestamp, Invalid> {
    let bad = || {
        Invalid::new(
            field,
            Rule::new("time_format", "时间格式应为 2026-01-31 17:00", "times look like 2026-01-31 17:00"),
        )
    };
    let t = text.trim().replacen(' ', "T", 1);
    let civil: DateTime = t.parse().map_err(|_| bad())?;
    civil.to_zoned_datetime(zone.time_zone()).map(|z| z.timestamp()).map_err(|_| bad())
}

fn yuan_or_zero(field: &str, text: &str) -> Result<Money, Invalid> {
    if text.trim().is_empty() { Ok(Money::ZERO) } else { Money::parse_yuan(field, text) }
}

impl RepairOrderStepBody {
    /// The step these fields describe, or the first field that breaks its
    /// rule.
    pub fn into_step(self, zone: &BusinessZone) -> Result<Step, Invalid> {
        Ok(match self.step.trim() {
            "reception" => Step::Reception(Reception {
                mileage_km: whole_number("mileage_km", &self.mileage_km)?,
                fuel_eighths: whole_number("fuel_eighths", &self.fuel_eighths)?,
                complaint: self.complaint,
                diagnosis: self.diagnosis,
                damage: self
                    .damage
                    .iter()
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| {
                        let (zone, mark) = d.split_once(':').ok_or_else(|| one_of("damage"))?;
                        Ok(DamageMark { zone: zone.trim().to_string(), mark: mark.trim().to_string() })
                    })
                    .collect::<Result<_, Invalid>>()?,
                valuables_reminded: !matches!(self.valuables_reminded.trim(), "" | "0" | "off" | "false"),
                promised_at: match self.promised_at.trim() {
                    "" => None,
                    t => Some(local_time("promised_at", t, zone)?),
                },
            }),
            "add_line" => Step::AddLine(NewLine {
                kind: LineKind::parse(self.kind.trim()).ok_or_else(|| one_of("kind"))?,
                description: self.description,
                part_no: self.part_no,
                qty_centi: settlement::parse_quantity("quantity", &self.quantity)?,
                unit: Money::parse_yuan("unit_price", &self.unit_price)?,
                payer: match self.payer.trim() {
                    "" => Payer::Customer,
                    p => Payer::parse(p).ok_or_else(|| one_of("payer"))?,
                },
            }),
            "remove_line" => Step::RemoveLine { line: whole_number("line", &self.line)? },
            "approve" => Step::Approve { signed_by: self.signed_by },
            "start_work" => Step::StartWork { technician: self.technician },
            "report_delay" => Step::ReportDelay {
                promised_at: match self.promised_at.trim() {
                    "" => return Err(Invalid::required("promised_at")),
                    t => local_time("promised_at", t, zone)?,
                },
                reason: self.reason,
            },
            "consent" => Step::Consent {
                line: whole_number("line", &self.line)?,
                given_by: self.given_by,
                method: self.method.trim().to_string(),
            },
            "decline" => Step::Decline {
                line: whole_number("line", &self.line)?,
                given_by: self.given_by,
                recommend_by: date("recommend_by", &self.recommend_by)?,
            },
            "finish_repair" => Step::FinishRepair,
            "quality_check" => Step::QualityCheck {
                passed: match self.result.trim() {
                    "pass" => true,
                    "fail" => false,
                    _ => return Err(one_of("result")),
                },
                inspector: self.inspector,
                notes: self.qc_notes,
            },
            "settle" => Step::Settle {
                discount: yuan_or_zero("discount", &self.discount)?,
                points: yuan_or_zero("points", &self.points)?,
            },
            _ => return Err(one_of("step")),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct LineDto {
    id: i64,
    /// estimate or additional
    origin: String,
    /// labour or part
    kind: String,
    description: String,
    part_no: String,
    /// "1.5"
    quantity: String,
    unit_fen: i64,
    amount_fen: i64,
    /// customer, warranty or insurance
    payer: String,
    /// pending, consented or declined
    consent: String,
    consent_by: String,
    /// A declined item is recommended again by this date.
    recommend_by: Option<String>,
    /// The line's share of the discount, once settled.
    discount_fen: i64,
}

/// What the order comes to, in fen: settled figures once settled, the
/// running figures (no discount) before.
#[derive(Serialize, ToSchema)]
pub struct TotalsDto {
    labour_fen: i64,
    parts_fen: i64,
    gross_fen: i64,
    discount_fen: i64,
    customer_fen: i64,
    warranty_fen: i64,
    insurance_fen: i64,
    points_fen: i64,
    cash_due_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RepairOrderDto {
    id: i64,
    order_no: String,
    branch_id: i64,
    vehicle_id: i64,
    customer_id: i64,
    /// first_maintenance, maintenance, repair, warranty or accident
    kind: String,
    /// open, approved, in_repair, awaiting_qc, qc_passed or settled
    status: String,
    advisor: String,
    mileage_km: Option<i64>,
    fuel_eighths: Option<i64>,
    complaint: String,
    diagnosis: String,
    /// "zone:mark"
    damage: Vec<String>,
    valuables_reminded: bool,
    promised_at: Option<String>,
    approved_by: String,
    technician: String,
    settled: bool,
    totals: TotalsDto,
    /// The workshop visit the settled order became.
    visit_id: Option<i64>,
    lines: Vec<LineDto>,
}

impl RepairOrderDto {
    pub fn of(o: &RepairOrder) -> RepairOrderDto {
        let t = o.totals.clone().unwrap_or_else(|| o.running_totals());
        RepairOrderDto {
            id: o.id.0,
            order_no: o.order_no.clone(),
            branch_id: o.branch_id.0,
            vehicle_id: o.vehicle_id.0,
            customer_id: o.customer_id.0,
            kind: o.kind.clone(),
            status: o.status.code().to_string(),
            advisor: o.advisor.clone(),
            mileage_km: o.mileage_km,
            fuel_eighths: o.fuel_eighths,
            complaint: o.complaint.clone(),
            diagnosis: o.diagnosis.clone(),
            damage: o.damage.iter().map(|d| format!("{}:{}", d.zone, d.mark)).collect(),
            valuables_reminded: o.valuables_reminded,
            promised_at: o.promised_at.map(|t| t.to_string()),
            approved_by: o.approved_by.clone(),
            technician: o.technician.clone(),
            settled: o.totals.is_some(),
            totals: TotalsDto {
                labour_fen: t.labour.fen(),
                parts_fen: t.parts.fen(),
                gross_fen: t.gross.fen(),
                discount_fen: t.discount.fen(),
                customer_fen: t.customer.fen(),
                warranty_fen: t.warranty.fen(),
                insurance_fen: t.insurance.fen(),
                points_fen: t.points.fen(),
                cash_due_fen: t.cash_due.fen(),
            },
            visit_id: o.visit_id.map(|v| v.0),
            lines: o
                .lines
                .iter()
                .map(|l| LineDto {
                    id: l.id,
                    origin: l.origin.clone(),
                    kind: l.kind.code().to_string(),
                    description: l.description.clone(),
                    part_no: l.part_no.clone(),
                    quantity: settlement::quantity_text(l.qty_centi),
                    unit_fen: l.unit.fen(),
                    amount_fen: l.amount.fen(),
                    payer: l.payer.code().to_string(),
                    consent: l.consent.clone(),
                    consent_by: l.consent_by.clone(),
                    recommend_by: l.recommend_by.map(|d| d.to_string()),
                    discount_fen: l.discount.fen(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"kind": "maintenance"}))]
pub struct OpenBody {
    /// first_maintenance, maintenance, repair, warranty or accident
    kind: String,
}

#[utoipa::path(post, path = "/api/v1/vehicles/{id}/repair-orders", tag = "service", params(("id" = i64, Path)),
    request_body = OpenBody,
    responses((status = 201, body = RepairOrderDto), (status = 403, body = super::Problem),
        (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn open(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<OpenBody>,
) -> Result<(StatusCode, Json<RepairOrderDto>), AppError> {
    let order = repair_orders::open(app.db(), &ctx.actor, VehicleId(id), b.kind.trim(), app.now()).await?;
    Ok((StatusCode::CREATED, Json(RepairOrderDto::of(&order))))
}

#[utoipa::path(get, path = "/api/v1/repair-orders/{id}", tag = "service", params(("id" = i64, Path)),
    responses((status = 200, body = RepairOrderDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<RepairOrderDto>, AppError> {
    Ok(Json(RepairOrderDto::of(&repair_orders::get(app.db(), &ctx.actor.scope, RepairOrderId(id)).await?)))
}

/// Takes a step; a delay is told to the customer at once.
pub(crate) async fn apply(app: &AppState, ctx: &Ctx, id: i64, step: Step) -> Result<RepairOrder, AppError> {
    let tells = matches!(step, Step::ReportDelay { .. });
    let order = repair_orders::apply(app.db(), &ctx.actor, RepairOrderId(id), step, app.now(), &app.0.zone).await?;
    if tells {
        crate::packs::send_notice(app, &ctx.actor, order.customer_id).await;
    }
    Ok(order)
}

/// Takes a step. 409 when the order's state refuses it (no work before the
/// estimate is signed, no finishing with an additional item unanswered, no
/// settlement before the quality check…), 422 when a field breaks its rule.
#[utoipa::path(post, path = "/api/v1/repair-orders/{id}/steps", tag = "service", params(("id" = i64, Path)),
    request_body = RepairOrderStepBody,
    responses((status = 200, body = RepairOrderDto), (status = 403, body = super::Problem),
        (status = 404, body = super::Problem), (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<RepairOrderStepBody>,
) -> Result<Json<RepairOrderDto>, AppError> {
    let step = b.into_step(&app.0.zone).map_err(AppError::Invalid)?;
    let order = apply(&app, &ctx, id, step).await?;
    Ok(Json(RepairOrderDto::of(&order)))
}
