//! The appointment tables and the workshop's booked counters.

use super::Booking;
use super::capacity::{self, Capacity, Load};
use crate::vehicles::Vehicle;
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::{AppointmentId, BranchId, CustomerId, RepairOrderId, VehicleId};
use kefu_core::time::instant_text;
use kefu_store::{Db, Failure, RowExt, StoreError, Tx};
use serde::Serialize;
use sqlx::any::AnyRow;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appointment {
    pub id: AppointmentId,
    pub branch_id: BranchId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub vehicle_id: VehicleId,
    /// The plate, or the VIN of a car not yet registered.
    pub plate: String,
    pub day: Date,
    pub hour: i64,
    pub job: String,
    pub minutes: i64,
    pub note: String,
    /// booked, arrived, no_show or cancelled
    pub status: String,
    pub source: String,
    pub booked_by: String,
    pub booked_at: String,
    pub repair_order_id: Option<RepairOrderId>,
}

const SELECT: &str = "SELECT a.id, a.branch_id, a.customer_id, c.name, a.vehicle_id, COALESCE(v.plate, v.vin) AS plate, \
     a.day, a.hour, a.job, a.minutes, a.note, a.status, a.source, a.booked_by, a.booked_at, a.repair_order_id \
     FROM appointments a JOIN vehicles v ON v.id = a.vehicle_id JOIN customers c ON c.id = a.customer_id";

fn date_of(text: &str) -> Result<Date> {
    Ok(text.parse().map_err(|_| StoreError::Other(format!("workshop day {text:?}")))?)
}

fn from_row(r: &AnyRow) -> Result<Appointment> {
    let day = r.text("day")?;
    Ok(Appointment {
        id: AppointmentId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        customer_name: r.text("name")?,
        vehicle_id: VehicleId(r.i64("vehicle_id")?),
        plate: r.text("plate")?,
        day: day.parse().map_err(|_| StoreError::Other(format!("appointment day {day:?}")))?,
        hour: r.i64("hour")?,
        job: r.text("job")?,
        minutes: r.i64("minutes")?,
        note: r.text("note")?,
        status: r.text("status")?,
        source: r.text("source")?,
        booked_by: r.text("booked_by")?,
        booked_at: r.text("booked_at")?,
        repair_order_id: r.opt_i64("repair_order_id")?.map(RepairOrderId),
    })
}

pub(super) async fn load(conn: &mut sqlx::AnyConnection, id: AppointmentId) -> Result<Appointment> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(Failure::NotFound)?;
    from_row(&row)
}

/// A store's capacity: its own settings, or the defaults.
pub async fn capacity_of(db: &Db, branch: BranchId) -> Result<Capacity> {
    let row = sqlx::query(
        "SELECT bays, technician_minutes, open_hour, close_hour FROM workshop_capacity WHERE branch_id = $1",
    )
    .bind(branch.0)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(r) => Capacity {
            bays: r.i64("bays")?,
            technician_minutes: r.i64("technician_minutes")?,
            open_hour: r.i64("open_hour")?,
            close_hour: r.i64("close_hour")?,
        },
        None => Capacity::default(),
    })
}

pub(super) async fn write_capacity(tx: &mut Tx, branch: BranchId, cap: &Capacity) -> Result<()> {
    sqlx::query(
        "INSERT INTO workshop_capacity (branch_id, bays, technician_minutes, open_hour, close_hour) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (branch_id) DO UPDATE SET bays = excluded.bays, \
         technician_minutes = excluded.technician_minutes, open_hour = excluded.open_hour, \
         close_hour = excluded.close_hour",
    )
    .bind(branch.0)
    .bind(cap.bays)
    .bind(cap.technician_minutes)
    .bind(cap.open_hour)
    .bind(cap.close_hour)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Raises the hour slot's and the day's booked counters, each only while it
/// stays within the capacity: a conditional UPDATE, which on PostgreSQL
/// waits for a concurrent booking of the same slot and then judges its
/// result, and on SQLite runs behind the one writer. When a counter is full
/// the refusal names which, and the transaction is dropped unwritten.
pub(super) async fn take_capacity(
    tx: &mut Tx,
    branch: BranchId,
    b: &Booking,
    minutes: i64,
    cap: &Capacity,
) -> Result<()> {
    let day = b.day.to_string();
    sqlx::query(
        "INSERT INTO workshop_slots (branch_id, day, hour, booked) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING",
    )
    .bind(branch.0)
    .bind(day.clone())
    .bind(b.hour)
    .execute(tx.conn())
    .await?;
    let slot = sqlx::query(
        "UPDATE workshop_slots SET booked = booked + 1 WHERE branch_id = $1 AND day = $2 AND hour = $3 AND booked < $4",
    )
    .bind(branch.0)
    .bind(day.clone())
    .bind(b.hour)
    .bind(cap.bays)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if slot == 0 {
        return Err(Failure::Conflict(capacity::slot_full()));
    }
    sqlx::query("INSERT INTO workshop_days (branch_id, day, booked_minutes) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING")
        .bind(branch.0)
        .bind(day.clone())
        .execute(tx.conn())
        .await?;
    let taken = sqlx::query(
        "UPDATE workshop_days SET booked_minutes = booked_minutes + $3 \
         WHERE branch_id = $1 AND day = $2 AND booked_minutes + $3 <= $4",
    )
    .bind(branch.0)
    .bind(day)
    .bind(minutes)
    .bind(cap.technician_minutes)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if taken == 0 {
        return Err(Failure::Conflict(capacity::day_full()));
    }
    Ok(())
}

/// A cancelled booking gives its bay and its time back.
pub(super) async fn give_back(tx: &mut Tx, a: &Appointment) -> Result<()> {
    sqlx::query("UPDATE workshop_slots SET booked = booked - 1 WHERE branch_id = $1 AND day = $2 AND hour = $3")
        .bind(a.branch_id.0)
        .bind(a.day.to_string())
        .bind(a.hour)
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE workshop_days SET booked_minutes = booked_minutes - $3 WHERE branch_id = $1 AND day = $2")
        .bind(a.branch_id.0)
        .bind(a.day.to_string())
        .bind(a.minutes)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(super) async fn insert(
    tx: &mut Tx,
    v: &Vehicle,
    b: &Booking,
    minutes: i64,
    by: &str,
    (now, today): (Timestamp, Date),
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO appointments (branch_id, customer_id, vehicle_id, day, hour, job, minutes, note, status, source, \
         booked_by, booked_at, booked_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'booked', $9, $10, $11, $12) RETURNING id",
    )
    .bind(v.branch_id.0)
    .bind(v.customer_id.0)
    .bind(v.id.0)
    .bind(b.day.to_string())
    .bind(b.hour)
    .bind(b.job.clone())
    .bind(minutes)
    .bind(b.note.trim().to_string())
    .bind(b.source.clone())
    .bind(by.to_string())
    .bind(instant_text(now))
    .bind(today.to_string())
    .fetch_one(tx.conn())
    .await?)
}

/// Holds the appointment's row for this transaction (see the repair
/// orders' lock).
pub(super) async fn lock(tx: &mut Tx, id: AppointmentId) -> Result<()> {
    let locked = sqlx::query("UPDATE appointments SET status = status WHERE id = $1")
        .bind(id.0)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if locked == 1 { Ok(()) } else { Err(Failure::NotFound) }
}

/// The vehicle's first booking still standing on `day`.
pub(super) async fn booked_on(tx: &mut Tx, vehicle: VehicleId, day: Date) -> Result<Option<AppointmentId>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM appointments WHERE vehicle_id = $1 AND day = $2 AND status = 'booked' ORDER BY hour, id LIMIT 1",
    )
    .bind(vehicle.0)
    .bind(day.to_string())
    .fetch_optional(tx.conn())
    .await?;
    Ok(id.map(AppointmentId))
}

pub(super) async fn set_status(
    tx: &mut Tx,
    id: AppointmentId,
    status: &str,
    order: Option<RepairOrderId>,
) -> Result<()> {
    sqlx::query("UPDATE appointments SET status = $1, repair_order_id = COALESCE($2, repair_order_id) WHERE id = $3")
        .bind(status.to_string())
        .bind(order.map(|o| o.0))
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A store's appointments on a day, by hour.
pub async fn of_day(db: &Db, branch: BranchId, day: Date) -> Result<Vec<Appointment>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE a.branch_id = $1 AND a.day = $2 ORDER BY a.hour, a.id"
    )))
    .bind(branch.0)
    .bind(day.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The standing bookings of these vehicles from `from` on, soonest first.
pub async fn upcoming(db: &Db, vehicles: &[VehicleId], from: Date) -> Result<Vec<Appointment>> {
    if vehicles.is_empty() {
        return Ok(Vec::new());
    }
    // Our own ids, never user text.
    let list = vehicles.iter().map(|v| v.0.to_string()).collect::<Vec<_>>().join(",");
    let sql = format!(
        "{SELECT} WHERE a.vehicle_id IN ({list}) AND a.status = 'booked' AND a.day >= $1 ORDER BY a.day, a.hour, a.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// Bays booked per hour of a store's day.
pub async fn day_slots(db: &Db, branch: BranchId, day: Date) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query("SELECT hour, booked FROM workshop_slots WHERE branch_id = $1 AND day = $2 ORDER BY hour")
        .bind(branch.0)
        .bind(day.to_string())
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| Ok((r.i64("hour")?, r.i64("booked")?))).collect()
}

/// The load of every day of the month `day` falls in.
pub async fn month_load(db: &Db, branch: BranchId, day: Date) -> Result<Vec<(Date, Load)>> {
    let cap = capacity_of(db, branch).await?;
    let days = capacity::month_days(day);
    let (first, last) = (days[0], days[days.len() - 1]);
    let rows =
        sqlx::query("SELECT day, booked_minutes FROM workshop_days WHERE branch_id = $1 AND day >= $2 AND day <= $3")
            .bind(branch.0)
            .bind(first.to_string())
            .bind(last.to_string())
            .fetch_all(db.pool())
            .await?;
    let mut booked = std::collections::HashMap::new();
    for r in &rows {
        booked.insert(r.text("day")?, r.i64("booked_minutes")?);
    }
    Ok(days.into_iter().map(|d| (d, capacity::load(booked.get(&d.to_string()).copied().unwrap_or(0), &cap))).collect())
}

/// The free capacity of a store's days from `from`, `count` days on.
pub async fn free_ahead(db: &Db, branch: BranchId, from: Date, count: i64) -> Result<Vec<capacity::FreeDay>> {
    let cap = capacity_of(db, branch).await?;
    let days: Vec<Date> = (0..count).map(|n| from + jiff::ToSpan::days(n)).collect();
    let last = days.last().copied().unwrap_or(from).to_string();
    let bounds = |sql: &'static str| sqlx::query(sql).bind(branch.0).bind(from.to_string()).bind(last.clone());
    let mut minutes = std::collections::HashMap::new();
    let day_rows =
        bounds("SELECT day, booked_minutes FROM workshop_days WHERE branch_id = $1 AND day >= $2 AND day <= $3")
            .fetch_all(db.pool())
            .await?;
    for r in &day_rows {
        minutes.insert(date_of(&r.text("day")?)?, r.i64("booked_minutes")?);
    }
    let mut bays = std::collections::HashMap::new();
    let slot_rows =
        bounds("SELECT day, hour, booked FROM workshop_slots WHERE branch_id = $1 AND day >= $2 AND day <= $3")
            .fetch_all(db.pool())
            .await?;
    for r in &slot_rows {
        bays.insert((date_of(&r.text("day")?)?, r.i64("hour")?), r.i64("booked")?);
    }
    Ok(capacity::free_days(&cap, &days, &minutes, &bays))
}

/// The store's name and address, for the invitation.
pub(super) async fn branch_place(db: &Db, branch: BranchId) -> Result<(String, String)> {
    let r = sqlx::query("SELECT name, address FROM branches WHERE id = $1").bind(branch.0).fetch_one(db.pool()).await?;
    Ok((r.text("name")?, r.text("address")?))
}

pub(super) async fn insert_needs(tx: &mut Tx, id: i64, parts: &[(String, i64)]) -> Result<()> {
    for (part_no, quantity) in parts {
        sqlx::query("INSERT INTO appointment_parts (appointment_id, part_no, quantity) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(part_no.clone())
            .bind(*quantity)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// The parts each of these appointments needs.
pub async fn needs(
    db: &Db,
    ids: &[AppointmentId],
) -> Result<std::collections::HashMap<AppointmentId, Vec<(String, i64)>>> {
    let mut out: std::collections::HashMap<AppointmentId, Vec<(String, i64)>> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // Our own ids, never user text.
    let list = ids.iter().map(AppointmentId::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT appointment_id, part_no, quantity FROM appointment_parts WHERE appointment_id IN ({list}) \
         ORDER BY appointment_id, part_no"
    );
    for r in &sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await? {
        out.entry(AppointmentId(r.i64("appointment_id")?)).or_default().push((r.text("part_no")?, r.i64("quantity")?));
    }
    Ok(out)
}
