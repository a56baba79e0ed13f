//! The service advisor's pages for repair orders: the board of orders in
//! the workshop, opening an order from the vehicle page, and the order page
//! whose forms take the seven steps (reception, estimate and signature,
//! repair and additional items, quality check, delivery and settlement).

use super::form_message;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::auto::requests::{RepairOrderStepBody, apply};
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_accounts::branches;
use kefu_auto::repair_orders::print::{self, Document, Parties};
use kefu_auto::repair_orders::settlement::quantity_text;
use kefu_auto::repair_orders::{self, CONSENT_METHODS, DAMAGE_MARKS, DAMAGE_ZONES, RepairOrder, Status};
use kefu_auto::vehicles;
use kefu_care::customers;
use kefu_core::ids::{RepairOrderId, VehicleId};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    /// An order number, plate or VIN.
    q: String,
}

/// The orders in the workshop now, or those found by number, plate or VIN.
pub async fn board(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<BoardQuery>,
) -> Result<Html<String>, AppError> {
    board_page(&app, &ctx, q.q.trim(), None).await
}

async fn board_page(app: &AppState, ctx: &Ctx, q: &str, error: Option<String>) -> Result<Html<String>, AppError> {
    let orders = if q.is_empty() {
        repair_orders::in_workshop(app.db(), &ctx.actor.scope).await?
    } else {
        repair_orders::search(app.db(), &ctx.actor.scope, q).await?
    };
    let rows: Vec<Value> = orders
        .iter()
        .map(|o| {
            let shown = |t: &str| kefu_core::time::parse_instant(t).map(|t| app.0.zone.display(t));
            view! {
                id => o.id, order_no => o.order_no, vehicle_id => o.vehicle_id, plate => o.plate,
                customer_id => o.customer_id, customer_name => o.customer_name, kind => o.kind,
                status => o.status.code(), advisor => o.advisor, opened_at => shown(&o.opened_at),
                promised_at => o.promised_at.as_deref().and_then(shown),
            }
        })
        .collect();
    let kinds = kefu_auto::visits::KINDS;
    page(
        app,
        ctx,
        "repair_orders/list.html",
        "nav_service",
        view! { orders => rows, q => q, kinds => kinds, error => error },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenByPlateForm {
    plate_or_vin: String,
    kind: String,
}

/// Opens an order from the board for the car with this plate or VIN.
pub async fn open_by_plate(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<OpenByPlateForm>,
) -> Result<Response, AppError> {
    let at = (app.today(), app.now());
    match repair_orders::open_by_plate_or_vin(app.db(), &ctx.actor, &f.plate_or_vin, f.kind.trim(), at).await {
        Ok(order) => Ok(Redirect::to(&format!("/repair-orders/{}", order.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, board_page(&app, &ctx, "", Some(msg)).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    kind: String,
}

/// Opens an order from the vehicle page.
pub async fn open(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(vehicle): PathParams<i64>,
    FormBody(f): FormBody<OpenForm>,
) -> Result<Response, AppError> {
    let order =
        repair_orders::open(app.db(), &ctx.actor, VehicleId(vehicle), f.kind.trim(), (app.today(), app.now())).await?;
    Ok(Redirect::to(&format!("/repair-orders/{}", order.id)).into_response())
}

fn order_value(o: &RepairOrder, app: &AppState) -> Value {
    let t = o.totals.clone().unwrap_or_else(|| o.running_totals());
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            view! {
                id => l.id, origin => l.origin, kind => l.kind.code(), description => l.description,
                part_no => l.part_no, quantity => quantity_text(l.qty_centi), unit => l.unit.to_string(),
                amount => l.amount.to_string(), payer => l.payer.code(), consent => l.consent,
                consent_by => l.consent_by, consent_method => l.consent_method,
                recommend_by => l.recommend_by.map(|d| d.to_string()),
                discount => (l.discount.fen() != 0).then(|| l.discount.to_string()),
            }
        })
        .collect();
    let shown = |t: Option<jiff::Timestamp>| t.map(|t| app.0.zone.display(t));
    let step_index = Status::ALL.iter().position(|s| *s == o.status).unwrap_or_default();
    view! {
        id => o.id, order_no => o.order_no, kind => o.kind, status => o.status.code(), step_index => step_index,
        advisor => o.advisor, opened_at => shown(Some(o.opened_at)), received => o.received_at.is_some(),
        mileage_km => o.mileage_km, fuel_eighths => o.fuel_eighths, complaint => o.complaint,
        diagnosis => o.diagnosis, damage => o.damage, valuables_reminded => o.valuables_reminded,
        promised_at => shown(o.promised_at), approved_at => shown(o.approved_at), approved_by => o.approved_by,
        technician => o.technician, qc_by => o.qc_by, qc_notes => o.qc_notes, settled_at => shown(o.settled_at),
        settled => o.totals.is_some(), visit_id => o.visit_id, lines => lines,
        payment => o.payment.as_ref().map(|p| view! {
            method => p.method, paid => p.paid.to_string(), points_earned => p.points_earned,
            refunded => p.refunded.to_string(), refundable => p.paid > p.refunded,
        }),
        payment_methods => kefu_auto::repair_orders::PaymentMethod::ALL.map(|m| m.code()),
        promised_input => o.promised_at.map(|t| app.0.zone.input_value(t)),
        totals => view! {
            labour => t.labour.to_string(), parts => t.parts.to_string(), gross => t.gross.to_string(),
            discount => t.discount.to_string(), customer => t.customer.to_string(),
            warranty => t.warranty.to_string(), insurance => t.insurance.to_string(),
            points => t.points.to_string(), cash_due => t.cash_due.to_string(),
        },
    }
}

async fn order_page(app: &AppState, ctx: &Ctx, id: i64, error: Option<String>) -> Result<Html<String>, AppError> {
    let db = app.db();
    let scope = &ctx.actor.scope;
    let o = repair_orders::get(db, scope, RepairOrderId(id)).await?;
    let v = vehicles::get(db, scope, o.vehicle_id).await?;
    let owner = customers::get(db, scope, o.customer_id).await?.shown_to(&ctx.actor);
    // While estimating, what the customer put off last time is offered again.
    let recommended = if o.status == Status::Open {
        super::vehicles::recommended(app, ctx, o.vehicle_id)
            .await?
            .into_iter()
            .filter(|r| r["order_id"] != o.id.0)
            .collect()
    } else {
        Vec::new()
    };
    page(
        app,
        ctx,
        "repair_orders/view.html",
        "nav_service",
        view! {
            o => order_value(&o, app), error => error,
            vehicle => view! { id => v.id, plate => v.plate, vin => v.vin, model => format!("{} {}", v.brand, v.model), mileage_km => v.mileage_km },
            owner => view! { id => owner.id, name => owner.name, mobile => owner.mobile },
            statuses => Status::ALL.iter().map(|s| s.code()).collect::<Vec<_>>(),
            zones => DAMAGE_ZONES, marks => DAMAGE_MARKS, methods => CONSENT_METHODS,
            today => app.today().to_string(), recommended => recommended,
        },
    )
}

pub async fn view(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    order_page(&app, &ctx, id, None).await
}

/// The order's printed documents: the repair order, the estimate for the
/// customer's signature, the settlement statement.
async fn document(app: &AppState, ctx: &Ctx, id: i64, doc: Document) -> Result<Response, AppError> {
    let font = super::letter_channel(app)?.font();
    let db = app.db();
    let scope = &ctx.actor.scope;
    let o = repair_orders::get(db, scope, RepairOrderId(id)).await?;
    if doc == Document::Settlement && o.totals.is_none() {
        return Err(AppError::NotFound);
    }
    let v = vehicles::get(db, scope, o.vehicle_id).await?;
    let owner = customers::get(db, scope, o.customer_id).await?.shown_to(&ctx.actor);
    let store = branches::all(db).await?.into_iter().find(|b| b.id == o.branch_id).ok_or(AppError::NotFound)?;
    let who = Parties {
        store: store.name,
        store_address: store.address,
        store_phone: store.phone,
        customer: owner.name,
        mobile: owner.mobile.unwrap_or_default(),
        plate: v.plate.unwrap_or_default(),
        vin: v.vin,
        model: format!("{} {}", v.brand, v.model),
    };
    let zone = app.0.zone.clone();
    let pdf = tokio::task::spawn_blocking(move || print::pdf(&font, doc, &o, &who, &zone))
        .await
        .map_err(|e| AppError::Internal(format!("printing crashed: {e}")))?
        .map_err(AppError::Internal)?;
    let name = match doc {
        Document::RepairOrder => "order",
        Document::Estimate => "estimate",
        Document::Settlement => "settlement",
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{}-{name}.pdf\"", repair_orders::order_no(id))),
        ],
        pdf,
    )
        .into_response())
}

pub async fn order_pdf(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    document(&app, &ctx, id, Document::RepairOrder).await
}

pub async fn estimate_pdf(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    document(&app, &ctx, id, Document::Estimate).await
}

pub async fn settlement_pdf(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    document(&app, &ctx, id, Document::Settlement).await
}

/// Takes the step a form on the order page posted; back to the page, or the
/// page again with the refusal or the field's rule above it.
pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<RepairOrderStepBody>,
) -> Result<Response, AppError> {
    let result = match f.into_step(&app.0.zone) {
        Ok(step) => apply(&app, &ctx, id, step).await,
        Err(invalid) => Err(AppError::Invalid(invalid)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/repair-orders/{id}")).into_response()),
        Err(AppError::Conflict(rule)) => {
            let html = order_page(&app, &ctx, id, Some(rule.message(ctx.actor.lang).to_string())).await?;
            Ok((StatusCode::CONFLICT, html).into_response())
        }
        Err(e) => {
            let msg = form_message(e, ctx.actor.lang)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, order_page(&app, &ctx, id, Some(msg)).await?).into_response())
        }
    }
}
