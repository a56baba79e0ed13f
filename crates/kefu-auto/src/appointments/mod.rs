//! Appointments: a vehicle booked into a store's workshop for a day and an
//! hour slot, by an agent (from the customer page or a call in the queue) or
//! by the advisor. A booking takes one bay of its hour and the job's
//! technician time of its day; it is refused when either is full, also when
//! many are made at once. The car's arrival opens its repair order; a booked
//! appointment stops the invitation cadences (the outreach engine's
//! "booked"). The booking is confirmed to the customer at once (the
//! `appointment_confirmation` playbook), and the day before, the reminder
//! playbook reminds them.

pub mod capacity;
pub mod ics;
mod store;

pub use capacity::Capacity;
pub use store::{Appointment, capacity_of, day_slots, free_ahead, month_load, needs, of_day, upcoming};

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_care::timeline::{self, NewEvent};
use kefu_core::ids::{AppointmentId, BranchId, RepairOrderId, VehicleId};
use kefu_core::time::BusinessZone;
use kefu_core::validation::optional_text;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Change, Db, Failure, Tx};
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The timeline kind of an appointment's events.
pub const EVENT_KIND: &str = "appointment";
/// How a booking was made.
pub const SOURCES: [&str; 3] = ["counter", "phone", "call"];
/// The playbook that confirms a booking to the customer when it is made.
pub const CONFIRMATION: &str = "appointment_confirmation";
/// The kind of record an appointment's outreach task is about.
const ASSET: &str = "appointment";
/// How far ahead a booking may be made.
const HORIZON_DAYS: i64 = 180;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub vehicle: VehicleId,
    pub day: Date,
    pub hour: i64,
    pub job: String,
    pub note: String,
    pub source: String,
    /// The parts the job needs: part number and quantity.
    pub parts: Vec<(String, i64)>,
}

fn invalid(field: &str, code: &'static str, zh: &str, en: &str) -> Failure {
    Invalid::new(field, Rule::new(code, zh, en)).into()
}

fn check(b: &Booking, cap: &Capacity, today: Date) -> Result<i64> {
    let minutes = capacity::job_minutes(&b.job)
        .ok_or_else(|| invalid("job", "one_of", "请选择维修类别", "choose the kind of job"))?;
    if !SOURCES.contains(&b.source.as_str()) {
        return Err(invalid("source", "one_of", "请选择预约来源", "choose how the booking was made"));
    }
    if b.day < today || b.day > today + HORIZON_DAYS.days() {
        return Err(invalid(
            "day",
            "booking_window",
            "预约日期须在今天到 180 天之内",
            "the day must be from today to 180 days ahead",
        ));
    }
    if !cap.hours().contains(&b.hour) {
        return Err(invalid(
            "hour",
            "outside_hours",
            format!("须在营业时段 {}:00–{}:00 之内", cap.open_hour, cap.close_hour).as_str(),
            format!("must be within the opening hours {}:00–{}:00", cap.open_hour, cap.close_hour).as_str(),
        ));
    }
    optional_text("note", &b.note, 500)?;
    Ok(minutes)
}

/// Books a vehicle in scope into its store's workshop. The slot and the day
/// are raised by conditional updates inside the transaction; when either is
/// full nothing is written and the refusal says which.
pub async fn book(db: &Db, actor: &Actor, b: &Booking, now: jiff::Timestamp, today: Date) -> Result<Appointment> {
    let v = crate::vehicles::get(db, &actor.scope, b.vehicle).await?;
    let cap = capacity_of(db, v.branch_id).await?;
    let minutes = check(b, &cap, today)?;
    let mut tx = db.begin().await?;
    store::take_capacity(&mut tx, v.branch_id, b, minutes, &cap).await?;
    let id = store::insert(&mut tx, &v, b, minutes, &actor.display_name, (now, today)).await?;
    store::insert_needs(&mut tx, id, &b.parts).await?;
    let a = store::load(tx.conn(), AppointmentId(id)).await?;
    record(&mut tx, actor, &a, None, "booked", now).await?;
    let time = ("time", format!("{:02}:00", a.hour));
    crate::outreach::notify_in(&mut tx, db, (CONFIRMATION, (ASSET, a.id.0)), a.vehicle_id, a.day, (today, &[time]))
        .await?;
    tx.commit().await?;
    Ok(a)
}

/// The parts a standing booking needs that the stock, less what the other
/// standing bookings hold, cannot cover.
pub async fn shortages(db: &Db, a: &Appointment, needs: &[(String, i64)]) -> Result<Vec<crate::parts::Shortage>> {
    if a.status != "booked" || needs.is_empty() {
        return Ok(Vec::new());
    }
    let (stock, held) = crate::parts::stock_and_held(db, a.branch_id, a.id.0).await?;
    Ok(crate::parts::shortages(needs, &stock, &held))
}

/// One appointment in scope.
pub async fn get(db: &Db, scope: &kefu_core::Scope, id: AppointmentId) -> Result<Appointment> {
    let mut conn = db.pool().acquire().await?;
    let a = store::load(&mut conn, id).await?;
    scope.check(a.branch_id)?;
    Ok(a)
}

/// What became of a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The car came: its repair order is opened.
    Arrived,
    NoShow,
    Cancelled,
}

impl Outcome {
    pub fn parse(code: &str) -> Option<Outcome> {
        match code {
            "arrived" => Some(Outcome::Arrived),
            "no_show" => Some(Outcome::NoShow),
            "cancelled" => Some(Outcome::Cancelled),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Arrived => "arrived",
            Outcome::NoShow => "no_show",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// Records the arrival (opening the repair order), a no-show (not before
/// the day) or a cancellation (giving the bay and the time back).
pub async fn conclude(
    db: &Db,
    actor: &Actor,
    id: AppointmentId,
    outcome: Outcome,
    now: jiff::Timestamp,
    today: Date,
) -> Result<Appointment> {
    let mut tx = db.begin().await?;
    store::lock(&mut tx, id).await?;
    let before = store::load(tx.conn(), id).await?;
    actor.scope.check(before.branch_id)?;
    if before.status != "booked" {
        return Err(Failure::Conflict(Rule::new(
            "appointment_closed",
            "该预约已到店、爽约或取消",
            "the appointment has already arrived, been missed or been cancelled",
        )));
    }
    let order = match outcome {
        Outcome::NoShow if before.day > today => {
            return Err(Failure::Conflict(Rule::new(
                "not_yet_due",
                "预约日期未到，不能记为爽约",
                "an appointment cannot be missed before its day",
            )));
        }
        Outcome::Cancelled => {
            store::give_back(&mut tx, &before).await?;
            None
        }
        Outcome::Arrived => {
            let v = crate::vehicles::get(db, &actor.scope, before.vehicle_id).await?;
            Some(crate::repair_orders::open_in(&mut tx, actor, &v, &before.job, now).await?.id)
        }
        Outcome::NoShow => None,
    };
    store::set_status(&mut tx, id, outcome.code(), order).await?;
    let after = store::load(tx.conn(), id).await?;
    record(&mut tx, actor, &after, Some(&before), outcome.code(), now).await?;
    tx.commit().await?;
    Ok(after)
}

/// A car received at the desk without its booking being marked (its order
/// opened from the vehicle page): the booking it has that day becomes
/// arrived with that order, as if the advisor had marked it so.
pub(crate) async fn arrived_in(
    tx: &mut Tx,
    actor: &Actor,
    vehicle: VehicleId,
    order: RepairOrderId,
    (today, now): (Date, jiff::Timestamp),
) -> Result<()> {
    let Some(id) = store::booked_on(tx, vehicle, today).await? else { return Ok(()) };
    store::lock(tx, id).await?;
    let before = store::load(tx.conn(), id).await?;
    store::set_status(tx, id, Outcome::Arrived.code(), Some(order)).await?;
    let after = store::load(tx.conn(), id).await?;
    record(tx, actor, &after, Some(&before), Outcome::Arrived.code(), now).await
}

/// A store's capacity, changed by a manager.
pub async fn set_capacity(db: &Db, actor: &Actor, branch: BranchId, cap: &Capacity) -> Result<()> {
    actor.scope.check(branch)?;
    cap.validate()?;
    let old = capacity_of(db, branch).await?;
    let mut tx = db.begin().await?;
    store::write_capacity(&mut tx, branch, cap).await?;
    tx.audit(
        actor,
        Change {
            entity: "workshop_capacity",
            entity_id: branch.to_string(),
            action: "update",
            branch: Some(branch),
            old: Some(json!(old)),
            new: Some(json!(cap)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The invitation file for an appointment in scope.
pub async fn invitation(
    db: &Db,
    scope: &kefu_core::Scope,
    id: i64,
    zone: &BusinessZone,
    now: jiff::Timestamp,
) -> Result<String> {
    let a = get(db, scope, AppointmentId(id)).await?;
    let (store_name, address) = store::branch_place(db, a.branch_id).await?;
    let start = zone.start_of(a.day) + jiff::SignedDuration::from_hours(a.hour);
    let summary = format!("{store_name} 预约进厂：{}", a.plate);
    let location = if address.is_empty() { store_name.clone() } else { format!("{store_name}，{address}") };
    Ok(ics::render(&ics::Invitation {
        uid: format!("appointment-{}@kefu", a.id),
        start,
        end: start + jiff::SignedDuration::from_mins(a.minutes),
        summary: &summary,
        location: &location,
        description: &a.note,
        stamp: now,
    }))
}

async fn record(
    tx: &mut Tx,
    actor: &Actor,
    a: &Appointment,
    before: Option<&Appointment>,
    step: &str,
    at: jiff::Timestamp,
) -> Result<()> {
    timeline::record(
        tx,
        NewEvent {
            branch: a.branch_id,
            customer: a.customer_id,
            asset: Some((crate::vehicles::ASSET, a.vehicle_id.0)),
            at,
            kind: EVENT_KIND,
            summary: a.note.clone(),
            detail: json!({ "appointment": a.id, "step": step, "day": a.day.to_string(), "hour": a.hour,
                            "job": a.job, "repair_order": a.repair_order_id }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "appointment",
            entity_id: a.id.to_string(),
            action: step,
            branch: Some(a.branch_id),
            old: before.map(|b| json!(b)),
            new: Some(json!(a)),
        },
    )
    .await?;
    Ok(())
}
