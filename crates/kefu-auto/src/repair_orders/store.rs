//! The repair order tables: reading an order with its lines, and writing
//! each step inside the caller's transaction.

use super::settlement::{self, LineKind, Payer, PaymentMethod, Totals};
use super::{DamageMark, Line, Payment, RepairOrder, Status, Step, order_no};
use crate::vehicles::Vehicle;
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::{CustomerId, RepairOrderId, ServiceVisitId, VehicleId};
use kefu_core::time::{instant_text, parse_instant};
use kefu_core::{Money, Scope};
use kefu_store::{Db, Failure, RowExt, StoreError, Tx};
use serde::Serialize;
use sqlx::any::AnyRow;

type Result<T> = std::result::Result<T, Failure>;

fn corrupt(what: &str, value: &str) -> Failure {
    Failure::Store(StoreError::Other(format!("repair order: bad {what} {value:?}")))
}

fn instant(r: &AnyRow, col: &str) -> Result<Option<Timestamp>> {
    r.opt_text(col)?.map(|t| parse_instant(&t).ok_or_else(|| corrupt(col, &t))).transpose()
}

pub(super) async fn insert(tx: &mut Tx, v: &Vehicle, kind: &str, advisor: &str, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO repair_orders (branch_id, vehicle_id, customer_id, kind, status, advisor, opened_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(v.branch_id.0)
    .bind(v.id.0)
    .bind(v.customer_id.0)
    .bind(kind.to_string())
    .bind(Status::Open.code())
    .bind(advisor.to_string())
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?)
}

const LINE_COLUMNS: &str = "id, origin, kind, description, part_no, qty_centi, unit_fen, amount_fen, payer, consent, \
     consent_by, consent_method, recommend_by, discount_fen";

fn line_from_row(r: &AnyRow) -> Result<Line> {
    let kind = r.text("kind")?;
    let payer = r.text("payer")?;
    Ok(Line {
        id: r.i64("id")?,
        origin: r.text("origin")?,
        kind: LineKind::parse(&kind).ok_or_else(|| corrupt("line kind", &kind))?,
        description: r.text("description")?,
        part_no: r.text("part_no")?,
        qty_centi: r.i64("qty_centi")?,
        unit: Money::from_fen(r.i64("unit_fen")?),
        amount: Money::from_fen(r.i64("amount_fen")?),
        payer: Payer::parse(&payer).ok_or_else(|| corrupt("payer", &payer))?,
        consent: r.text("consent")?,
        consent_by: r.text("consent_by")?,
        consent_method: r.text("consent_method")?,
        recommend_by: r.opt_text("recommend_by")?.and_then(|d| d.parse().ok()),
        discount: Money::from_fen(r.i64("discount_fen")?),
    })
}

fn order_from_row(r: &AnyRow, lines: Vec<Line>) -> Result<RepairOrder> {
    let id = r.i64("id")?;
    let status = r.text("status")?;
    let damage: Vec<(String, String)> = serde_json::from_str::<Vec<serde_json::Value>>(&r.text("damage")?)
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (d["zone"].as_str().unwrap_or_default().to_string(), d["mark"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    let settled_at = instant(r, "settled_at")?;
    let fen = |col: &str| r.i64(col).map(Money::from_fen);
    let totals = match settled_at {
        Some(_) => {
            let (labour, parts, discount, customer, points) =
                (fen("labour_fen")?, fen("parts_fen")?, fen("discount_fen")?, fen("customer_fen")?, fen("points_fen")?);
            Some(Totals {
                labour,
                parts,
                gross: labour + parts,
                discount,
                customer,
                warranty: fen("warranty_fen")?,
                insurance: fen("insurance_fen")?,
                points,
                cash_due: fen("cash_fen")?,
                line_discounts: lines.iter().filter(|l| l.billed()).map(|l| l.discount).collect(),
            })
        }
        None => None,
    };
    let payment = match (&totals, r.opt_text("payment_method")?) {
        (Some(t), Some(method)) => Some(Payment {
            method,
            paid: t.cash_due,
            points_entry: r.opt_i64("points_entry")?,
            points_earned: r.i64("points_earned")?,
            refunded: fen("refunded_fen")?,
        }),
        _ => None,
    };
    Ok(RepairOrder {
        id: RepairOrderId(id),
        order_no: order_no(id),
        branch_id: kefu_core::ids::BranchId(r.i64("branch_id")?),
        vehicle_id: kefu_core::ids::VehicleId(r.i64("vehicle_id")?),
        customer_id: kefu_core::ids::CustomerId(r.i64("customer_id")?),
        kind: r.text("kind")?,
        status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        advisor: r.text("advisor")?,
        opened_at: instant(r, "opened_at")?.ok_or_else(|| corrupt("opened_at", ""))?,
        received_at: instant(r, "received_at")?,
        mileage_km: r.opt_i64("mileage_km")?,
        fuel_eighths: r.opt_i64("fuel_eighths")?,
        complaint: r.text("complaint")?,
        diagnosis: r.text("diagnosis")?,
        damage: damage.into_iter().map(|(zone, mark)| DamageMark { zone, mark }).collect(),
        valuables_reminded: r.flag("valuables_reminded")?,
        promised_at: instant(r, "promised_at")?,
        approved_at: instant(r, "approved_at")?,
        approved_by: r.text("approved_by")?,
        technician: r.text("technician")?,
        qc_by: r.text("qc_by")?,
        qc_notes: r.text("qc_notes")?,
        settled_at,
        totals,
        payment,
        visit_id: r.opt_i64("visit_id")?.map(ServiceVisitId),
        lines,
    })
}

/// An order with its lines, in the order they were written.
pub(super) async fn load(conn: &mut sqlx::AnyConnection, id: RepairOrderId) -> Result<RepairOrder> {
    let row = sqlx::query("SELECT * FROM repair_orders WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Failure::NotFound)?;
    let lines = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LINE_COLUMNS} FROM repair_order_lines WHERE order_id = $1 ORDER BY id"
    )))
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let lines = lines.iter().map(line_from_row).collect::<Result<Vec<_>>>()?;
    order_from_row(&row, lines)
}

/// Takes the order's row for this transaction before anything is judged:
/// on PostgreSQL a second step on the same order waits here until the first
/// commits, and then reads what the first wrote (SQLite has one writer at a
/// time anyway). So two advisors settling at once settle once.
pub(super) async fn lock(tx: &mut Tx, id: RepairOrderId) -> Result<()> {
    let locked = sqlx::query("UPDATE repair_orders SET status = status WHERE id = $1")
        .bind(id.0)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if locked == 1 { Ok(()) } else { Err(Failure::NotFound) }
}

pub(super) async fn set_status(tx: &mut Tx, id: i64, to: Status) -> Result<()> {
    sqlx::query("UPDATE repair_orders SET status = $1 WHERE id = $2")
        .bind(to.code())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Writes a step's data; returns the timeline's summary of it.
pub(super) async fn write_step(tx: &mut Tx, order: &RepairOrder, step: &Step, now: Timestamp) -> Result<String> {
    let now_text = instant_text(now);
    let id = order.id;
    let line_text = |line: i64| order.lines.iter().find(|l| l.id == line).map(|l| l.description.clone());
    let summary = match step {
        Step::Reception(r) => {
            let damage: Vec<_> =
                r.damage.iter().map(|d| serde_json::json!({ "zone": d.zone, "mark": d.mark })).collect();
            sqlx::query(
                "UPDATE repair_orders SET received_at = $1, mileage_km = $2, fuel_eighths = $3, complaint = $4, \
                 diagnosis = $5, damage = $6, valuables_reminded = $7, promised_at = $8 WHERE id = $9",
            )
            .bind(now_text)
            .bind(r.mileage_km)
            .bind(r.fuel_eighths)
            .bind(r.complaint.trim().to_string())
            .bind(r.diagnosis.trim().to_string())
            .bind(serde_json::Value::from(damage).to_string())
            .bind(i64::from(r.valuables_reminded))
            .bind(r.promised_at.map(instant_text))
            .bind(id.0)
            .execute(tx.conn())
            .await?;
            r.complaint.trim().to_string()
        }
        Step::AddLine(l) => {
            let origin = if order.status == Status::Open { "estimate" } else { "additional" };
            sqlx::query(
                "INSERT INTO repair_order_lines (order_id, origin, kind, description, part_no, qty_centi, unit_fen, \
                 amount_fen, payer, consent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')",
            )
            .bind(id.0)
            .bind(origin)
            .bind(l.kind.code())
            .bind(l.description.trim().to_string())
            .bind(l.part_no.trim().to_string())
            .bind(l.qty_centi)
            .bind(l.unit.fen())
            .bind(settlement::line_amount(l.qty_centi, l.unit).fen())
            .bind(l.payer.code())
            .execute(tx.conn())
            .await?;
            l.description.trim().to_string()
        }
        Step::RemoveLine { line } => {
            sqlx::query("DELETE FROM repair_order_lines WHERE id = $1 AND order_id = $2")
                .bind(line)
                .bind(id.0)
                .execute(tx.conn())
                .await?;
            line_text(*line).unwrap_or_default()
        }
        Step::Approve { signed_by } => {
            let signed_by = signed_by.trim().to_string();
            sqlx::query("UPDATE repair_orders SET approved_at = $1, approved_by = $2 WHERE id = $3")
                .bind(now_text.clone())
                .bind(signed_by.clone())
                .bind(id.0)
                .execute(tx.conn())
                .await?;
            // The signature on the estimate is the consent to its lines.
            sqlx::query(
                "UPDATE repair_order_lines SET consent = 'consented', consent_by = $1, consent_method = 'in_person', \
                 consent_at = $2 WHERE order_id = $3 AND origin = 'estimate'",
            )
            .bind(signed_by.clone())
            .bind(now_text)
            .bind(id.0)
            .execute(tx.conn())
            .await?;
            signed_by
        }
        Step::StartWork { technician } => {
            sqlx::query("UPDATE repair_orders SET technician = $1, work_started_at = $2 WHERE id = $3")
                .bind(technician.trim().to_string())
                .bind(now_text)
                .bind(id.0)
                .execute(tx.conn())
                .await?;
            technician.trim().to_string()
        }
        Step::ReportDelay { promised_at, reason } => {
            sqlx::query("UPDATE repair_orders SET promised_at = $1 WHERE id = $2")
                .bind(instant_text(*promised_at))
                .bind(id.0)
                .execute(tx.conn())
                .await?;
            reason.trim().to_string()
        }
        Step::Consent { line, given_by, method } => {
            answer(tx, id.0, *line, ("consented", given_by, method), None, &now_text).await?;
            format!("{} — {}", line_text(*line).unwrap_or_default(), given_by.trim())
        }
        Step::Decline { line, given_by, recommend_by } => {
            answer(tx, id.0, *line, ("declined", given_by, ""), Some(*recommend_by), &now_text).await?;
            format!("{} — {}", line_text(*line).unwrap_or_default(), given_by.trim())
        }
        Step::FinishRepair => {
            sqlx::query("UPDATE repair_orders SET finished_at = $1 WHERE id = $2")
                .bind(now_text)
                .bind(id.0)
                .execute(tx.conn())
                .await?;
            String::new()
        }
        Step::QualityCheck { passed, inspector, notes } => {
            sqlx::query(
                "UPDATE repair_orders SET qc_at = $1, qc_by = $2, qc_notes = $3, qc_failures = qc_failures + $4 \
                 WHERE id = $5",
            )
            .bind(now_text)
            .bind(inspector.trim().to_string())
            .bind(notes.trim().to_string())
            .bind(i64::from(!passed))
            .bind(id.0)
            .execute(tx.conn())
            .await?;
            notes.trim().to_string()
        }
        // Written by write_settlement once the visit exists.
        Step::Settle { .. } => String::new(),
        // Written by add_refund after the points are taken back.
        Step::Refund { amount, reason } => format!("¥{amount} — {}", reason.trim()),
    };
    Ok(summary)
}

/// How the order was paid, and the points entry the payment earned.
pub(super) async fn write_payment(
    tx: &mut Tx,
    order: RepairOrderId,
    method: PaymentMethod,
    earned: Option<(i64, i64)>,
) -> Result<()> {
    sqlx::query("UPDATE repair_orders SET payment_method = $1, points_entry = $2, points_earned = $3 WHERE id = $4")
        .bind(method.code())
        .bind(earned.map(|(entry, _)| entry))
        .bind(earned.map_or(0, |(_, points)| points))
        .bind(order.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(super) async fn add_refund(tx: &mut Tx, order: RepairOrderId, amount: Money) -> Result<()> {
    sqlx::query("UPDATE repair_orders SET refunded_fen = refunded_fen + $1 WHERE id = $2")
        .bind(amount.fen())
        .bind(order.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The customer's answer to an additional item.
async fn answer(
    tx: &mut Tx,
    order: i64,
    line: i64,
    (consent, by, method): (&str, &str, &str),
    recommend_by: Option<Date>,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE repair_order_lines SET consent = $1, consent_by = $2, consent_method = $3, consent_at = $4, \
         recommend_by = $5 WHERE id = $6 AND order_id = $7",
    )
    .bind(consent.to_string())
    .bind(by.trim().to_string())
    .bind(method.to_string())
    .bind(at.to_string())
    .bind(recommend_by.map(|d| d.to_string()))
    .bind(line)
    .bind(order)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Writes the settled totals, each billed line's share of the discount and
/// the visit the order became.
pub(super) async fn write_settlement(
    tx: &mut Tx,
    order: i64,
    t: &Totals,
    billed_lines: &[i64],
    visit: i64,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE repair_orders SET settled_at = $1, labour_fen = $2, parts_fen = $3, discount_fen = $4, \
         customer_fen = $5, warranty_fen = $6, insurance_fen = $7, points_fen = $8, cash_fen = $9, visit_id = $10 \
         WHERE id = $11",
    )
    .bind(instant_text(now))
    .bind(t.labour.fen())
    .bind(t.parts.fen())
    .bind(t.discount.fen())
    .bind(t.customer.fen())
    .bind(t.warranty.fen())
    .bind(t.insurance.fen())
    .bind(t.points.fen())
    .bind(t.cash_due.fen())
    .bind(visit)
    .bind(order)
    .execute(tx.conn())
    .await?;
    for (line, discount) in billed_lines.iter().zip(&t.line_discounts) {
        sqlx::query("UPDATE repair_order_lines SET discount_fen = $1 WHERE id = $2")
            .bind(discount.fen())
            .bind(*line)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// An order as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub id: RepairOrderId,
    pub order_no: String,
    pub vehicle_id: VehicleId,
    pub plate: String,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub kind: String,
    pub status: Status,
    pub advisor: String,
    pub opened_at: String,
    pub promised_at: Option<String>,
}

async fn listed(db: &Db, scope: &Scope, condition: &str, bind: Option<i64>) -> Result<Vec<Listed>> {
    let sql = format!(
        "SELECT o.id, o.vehicle_id, COALESCE(v.plate, v.vin) AS plate, o.customer_id, c.name, o.kind, o.status, \
         o.advisor, o.opened_at, o.promised_at FROM repair_orders o JOIN vehicles v ON v.id = o.vehicle_id \
         JOIN customers c ON c.id = o.customer_id WHERE o.branch_id IN ({}) AND {condition} ORDER BY o.id DESC LIMIT 200",
        scope.sql_list()
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(b) = bind {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            let id = r.i64("id")?;
            let status = r.text("status")?;
            Ok(Listed {
                id: RepairOrderId(id),
                order_no: order_no(id),
                vehicle_id: VehicleId(r.i64("vehicle_id")?),
                plate: r.text("plate")?,
                customer_id: CustomerId(r.i64("customer_id")?),
                customer_name: r.text("name")?,
                kind: r.text("kind")?,
                status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
                advisor: r.text("advisor")?,
                opened_at: r.text("opened_at")?,
                promised_at: r.opt_text("promised_at")?,
            })
        })
        .collect()
}

/// A vehicle's orders, newest first.
pub async fn of_vehicle(db: &Db, scope: &Scope, vehicle: kefu_core::ids::VehicleId) -> Result<Vec<Listed>> {
    listed(db, scope, "o.vehicle_id = $1", Some(vehicle.0)).await
}

/// The orders in the workshop now (not yet settled), newest first: the
/// advisors' board.
pub async fn in_workshop(db: &Db, scope: &Scope) -> Result<Vec<Listed>> {
    listed(db, scope, "o.status <> 'settled'", None).await
}

/// A customer's orders, newest first.
pub async fn of_customer(db: &Db, scope: &Scope, customer: kefu_core::ids::CustomerId) -> Result<Vec<Listed>> {
    listed(db, scope, "o.customer_id = $1", Some(customer.0)).await
}

/// Orders found by what an advisor types: the order number (RO00000042 or
/// 42), the plate or the VIN of its car, newest first; settled ones too.
pub async fn search(db: &Db, scope: &Scope, text: &str) -> Result<Vec<Listed>> {
    let q: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if let Ok(id) = q.strip_prefix("RO").unwrap_or(&q).parse::<i64>() {
        return listed(db, scope, "o.id = $1", Some(id)).await;
    }
    match crate::vehicles::find_by_plate_or_vin(db, scope, &q).await? {
        Some(v) => of_vehicle(db, scope, v.id).await,
        None => Ok(Vec::new()),
    }
}

/// An item a customer declined on an earlier order, to be recommended again.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub order_id: RepairOrderId,
    pub order_no: String,
    pub line: Line,
}

/// The items a vehicle's customer declined on its orders and that are due
/// from `since` on, soonest first: shown at the next visit.
pub async fn recommendations(
    db: &Db,
    scope: &Scope,
    vehicle: kefu_core::ids::VehicleId,
    since: Date,
) -> Result<Vec<Recommendation>> {
    let columns = LINE_COLUMNS.split(", ").map(|c| format!("l.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, o.id AS order_id FROM repair_order_lines l JOIN repair_orders o ON o.id = l.order_id \
         WHERE o.vehicle_id = $1 AND o.branch_id IN ({}) AND l.consent = 'declined' AND l.recommend_by >= $2 \
         ORDER BY l.recommend_by, l.id",
        scope.sql_list()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(vehicle.0).bind(since.to_string()).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            let order_id = r.i64("order_id")?;
            Ok(Recommendation {
                order_id: RepairOrderId(order_id),
                order_no: order_no(order_id),
                line: line_from_row(r)?,
            })
        })
        .collect()
}
