//! Repair orders over JSON: open one for a vehicle, read it, take its steps.
//! A step's body is the same flat set of fields the order page's forms post,
//! read by [`RepairOrderStepBody::into_step`] for both.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::packs::auto::requests::{RepairOrderStepBody, apply};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_auto::repair_orders::settlement::{self};
use kefu_auto::repair_orders::{self, RepairOrder};
use kefu_core::ids::{RepairOrderId, VehicleId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
pub struct PaymentDto {
    /// cash, card, wechat_pay, alipay, transfer or claim
    method: String,
    /// What the customer paid at the cashier.
    paid_fen: i64,
    /// The points the payment earned (0 for a claim).
    points_earned: i64,
    refunded_fen: i64,
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
    /// How the settled order was paid, the points it earned, its refunds.
    payment: Option<PaymentDto>,
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
            payment: o.payment.as_ref().map(|p| PaymentDto {
                method: p.method.clone(),
                paid_fen: p.paid.fen(),
                points_earned: p.points_earned,
                refunded_fen: p.refunded.fen(),
            }),
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
    let order =
        repair_orders::open(app.db(), &ctx.actor, VehicleId(id), b.kind.trim(), (app.today(), app.now())).await?;
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
