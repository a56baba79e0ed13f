//! Workshop visits: the service history of a vehicle (maintenance, repairs,
//! warranty and accident work) with mileage and the amount paid in fen.

use jiff::civil::Date;
use kefu_care::timeline::{self, NewEvent};
use kefu_core::Money;
use kefu_core::Scope;
use kefu_core::ids::{BranchId, CustomerId, ServiceVisitId, VehicleId};
use kefu_core::time::{instant_text, parse_instant};
use kefu_store::{Db, Failure, RowExt, Tx};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

pub const KINDS: [&str; 5] = ["first_maintenance", "maintenance", "repair", "warranty", "accident"];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Visit {
    pub id: ServiceVisitId,
    pub branch_id: BranchId,
    pub vehicle_id: VehicleId,
    pub customer_id: CustomerId,
    pub visit_date: Date,
    /// When it happened, if that is known: the instant a repair order was
    /// settled. A visit from the history brings only its day.
    pub at: Option<jiff::Timestamp>,
    pub kind: String,
    pub mileage_km: i64,
    pub amount: Money,
    pub advisor: String,
    pub summary: String,
}

const COLUMNS: &str =
    "id, branch_id, vehicle_id, customer_id, visit_date, visited_at, kind, mileage_km, amount_fen, advisor, summary";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Visit> {
    Ok(Visit {
        id: ServiceVisitId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        vehicle_id: VehicleId(r.i64("vehicle_id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        visit_date: r
            .text("visit_date")?
            .parse()
            .map_err(|e| kefu_store::StoreError::Other(format!("visit_date: {e}")))?,
        at: r.opt_text("visited_at")?.as_deref().and_then(parse_instant),
        kind: r.text("kind")?,
        mileage_km: r.i64("mileage_km")?,
        amount: Money::from_fen(r.i64("amount_fen")?),
        advisor: r.text("advisor")?,
        summary: r.text("summary")?,
    })
}

/// Records a visit inside the caller's transaction (history loads and, later,
/// closed repair orders), which audits. The visit also enters the customer's
/// timeline and the vehicle's mileage readings.
pub async fn record_in(tx: &mut Tx, v: &Visit, actor: &str) -> Result<ServiceVisitId> {
    debug_assert!(KINDS.contains(&v.kind.as_str()));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO service_visits (branch_id, vehicle_id, customer_id, visit_date, visited_at, kind, mileage_km, \
         amount_fen, advisor, summary, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(v.branch_id.0)
    .bind(v.vehicle_id.0)
    .bind(v.customer_id.0)
    .bind(v.visit_date.to_string())
    .bind(v.at.map(instant_text))
    .bind(v.kind.clone())
    .bind(v.mileage_km)
    .bind(v.amount.fen())
    .bind(v.advisor.clone())
    .bind(v.summary.clone())
    .bind(instant_text(tx.now()))
    .fetch_one(tx.conn())
    .await?;
    crate::vehicles::record_mileage_in(tx, v.vehicle_id, v.visit_date, v.mileage_km, "visit").await?;
    crate::vehicles::refresh_due_dates(tx, v.vehicle_id).await?;
    timeline::record(tx, event(v, actor)).await?;
    Ok(ServiceVisitId(id))
}

/// The timeline entry a visit makes. A visit known to the instant is
/// placed at that instant. One known only by its day says so (`day` in the
/// detail, which the pages show instead of a time) and is placed at
/// midnight UTC of the day: within the business day in every zone from UTC
/// to UTC+14, Shanghai's among them, and before its working hours, so below
/// everything timed that day — nothing says it came after any of them.
pub fn event<'a>(v: &'a Visit, actor: &'a str) -> NewEvent<'a> {
    let mut detail =
        serde_json::json!({ "visit_kind": v.kind, "amount_fen": v.amount.fen(), "mileage_km": v.mileage_km });
    if v.at.is_none() {
        detail["day"] = v.visit_date.to_string().into();
    }
    NewEvent {
        branch: v.branch_id,
        customer: v.customer_id,
        asset: Some((crate::vehicles::ASSET, v.vehicle_id.0)),
        at: v.at.unwrap_or_else(|| start_of_day(v.visit_date)),
        kind: timeline::kind::VISIT,
        summary: v.summary.clone(),
        detail,
        actor,
    }
}

fn start_of_day(day: Date) -> jiff::Timestamp {
    day.to_zoned_datetime(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).unwrap_or_default()
}

/// The date of a vehicle's last maintenance (first or routine), from which
/// the next one is reckoned.
pub async fn last_service(db: &Db, vehicle: VehicleId) -> Result<Option<Date>> {
    let last: Option<String> = sqlx::query_scalar(
        "SELECT MAX(visit_date) FROM service_visits WHERE vehicle_id = $1 AND kind IN ('first_maintenance', 'maintenance')",
    )
    .bind(vehicle.0)
    .fetch_one(db.pool())
    .await?;
    Ok(last.and_then(|d| d.parse().ok()))
}

/// A vehicle's visits, newest first (by day, then by the instant: a day
/// known only as a day is placed first on it, as on the timeline).
pub async fn of_vehicle(db: &Db, scope: &Scope, vehicle: VehicleId) -> Result<Vec<Visit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM service_visits WHERE vehicle_id = $1 AND branch_id IN ({}) \
         ORDER BY visit_date DESC, COALESCE(visited_at, '') DESC, id DESC",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(vehicle.0).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// A customer's visits, newest first, as [`of_vehicle`].
pub async fn of_customer(db: &Db, scope: &Scope, customer: CustomerId) -> Result<Vec<Visit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM service_visits WHERE customer_id = $1 AND branch_id IN ({}) \
         ORDER BY visit_date DESC, COALESCE(visited_at, '') DESC, id DESC",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// Visits in scope on or after `from` and before `until`.
pub async fn count_between(db: &Db, scope: &Scope, from: Date, until: Date) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM service_visits WHERE branch_id IN ({}) AND visit_date >= $1 AND visit_date < $2",
        scope.sql_list()
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(from.to_string())
        .bind(until.to_string())
        .fetch_one(db.pool())
        .await?)
}

/// Vehicles in scope whose last visit was before `cutoff` (or that never
/// came): the lapsed customers the documents ask to win back.
pub async fn count_lapsed_vehicles(db: &Db, scope: &Scope, cutoff: Date) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM vehicles v WHERE v.branch_id IN ({}) AND NOT EXISTS \
         (SELECT 1 FROM service_visits s WHERE s.vehicle_id = v.id AND s.visit_date >= $1)",
        scope.sql_list()
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(cutoff.to_string()).fetch_one(db.pool()).await?)
}
