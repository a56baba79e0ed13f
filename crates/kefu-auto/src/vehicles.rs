//! Vehicles: the auto pack's asset, owned by a customer and often driven by
//! one of their contacts, with its mileage readings over time and the dates
//! the outreach engine works from (first maintenance, insurance expiry).

use jiff::civil::Date;
use kefu_care::search::{self, Probe, kind};
use kefu_care::timeline::{self, NewEvent};
use kefu_core::ident::{Plate, Vin};
use kefu_core::ids::{BranchId, ContactId, CustomerId, VehicleId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt, StoreError, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The asset kind in timelines.
pub const ASSET: &str = "vehicle";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Vehicle {
    pub id: VehicleId,
    pub branch_id: BranchId,
    pub customer_id: CustomerId,
    pub driver_contact_id: Option<ContactId>,
    pub vin: String,
    pub plate: Option<String>,
    pub brand: String,
    pub model: String,
    pub variant: String,
    pub colour: String,
    pub purchase_date: Option<Date>,
    pub selling_branch_id: Option<BranchId>,
    pub mileage_km: i64,
    pub first_maintenance_date: Option<Date>,
    pub insurance_expiry: Option<Date>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VehicleInput {
    #[serde(default)]
    pub vin: String,
    #[serde(default)]
    pub plate: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub variant: String,
    #[serde(default)]
    pub colour: String,
    #[serde(default)]
    pub purchase_date: Option<Date>,
    #[serde(default)]
    pub selling_branch_id: Option<BranchId>,
    #[serde(default)]
    pub mileage_km: i64,
    #[serde(default)]
    pub first_maintenance_date: Option<Date>,
    #[serde(default)]
    pub insurance_expiry: Option<Date>,
    #[serde(default)]
    pub driver_contact_id: Option<ContactId>,
}

impl VehicleInput {
    fn validate(&self, today: Date) -> std::result::Result<(Vin, Option<Plate>), Invalid> {
        let vin = Vin::parse("vin", &self.vin)?;
        let plate = match self.plate.trim() {
            "" => None,
            p => Some(Plate::parse("plate", p)?),
        };
        if self.brand.trim().is_empty() {
            return Err(Invalid::required("brand"));
        }
        if self.model.trim().is_empty() {
            return Err(Invalid::required("model"));
        }
        if self.mileage_km < 0 || self.mileage_km > 3_000_000 {
            return Err(Invalid::new(
                "mileage_km",
                Rule::new("mileage_range", "须在 0 到 3,000,000 公里之间", "must be between 0 and 3,000,000 km"),
            ));
        }
        if self.purchase_date.is_some_and(|d| d > today) {
            return Err(Invalid::new(
                "purchase_date",
                Rule::new("not_in_future", "不能晚于今天", "must not be in the future"),
            ));
        }
        Ok((vin, plate))
    }
}

impl VehicleInput {
    /// The vehicle this input becomes when stored as `id` — the row
    /// [`create_in`] writes — for bulk loads that write rows themselves.
    pub fn record(
        &self,
        id: VehicleId,
        branch: BranchId,
        owner: CustomerId,
        today: Date,
    ) -> std::result::Result<Vehicle, Invalid> {
        Ok(self.check(today)?.into_vehicle(id, branch, owner))
    }
}

/// Search keys for a vehicle: the plate with and without its province
/// character, and the VIN written back to front, so that its last six,
/// its last eight and all its characters are each a prefix of one key
/// (one key where a key per tail took three: a seventh of what an import
/// writes).
pub fn keys(v: &Vehicle) -> Vec<String> {
    let mut k = Vec::new();
    if let Some(p) = &v.plate
        && let Ok(plate) = Plate::parse("plate", p)
    {
        k.push(search::key(kind::PLATE, plate.as_str()));
        k.push(search::key(kind::PLATE, plate.without_province()));
    }
    k.push(search::key(kind::VIN_REVERSED, &backwards(&v.vin)));
    k
}

fn backwards(text: &str) -> String {
    text.chars().rev().collect()
}

/// The probes the auto pack adds to a search: plates in any case, with or
/// without the province character, and VIN tails of six, eight or all
/// seventeen characters.
pub fn probes(query: &str) -> Vec<Probe> {
    let q: String =
        query.chars().filter(|c| !c.is_whitespace() && !"-·.•".contains(*c)).collect::<String>().to_uppercase();
    let mut out = Vec::new();
    if q.is_empty() {
        return out;
    }
    let starts_with_province = q.chars().next().is_some_and(|c| !c.is_ascii());
    if starts_with_province {
        if Plate::parse("plate", &q).is_ok() {
            out.push(Probe::exact(kind::PLATE, &q, 0, "plate"));
        } else if q.chars().count() >= 3 {
            out.push(Probe::prefix(kind::PLATE, &q, 3, "plate"));
        }
        return out;
    }
    let alnum = q.chars().all(|c| c.is_ascii_alphanumeric());
    let has_letter = q.chars().any(|c| c.is_ascii_alphabetic());
    let has_digit = q.chars().any(|c| c.is_ascii_digit());
    if alnum && has_letter && has_digit && (5..=7).contains(&q.len()) {
        out.push(Probe::exact(kind::PLATE, &q, 1, "plate"));
    }
    // Every VIN has 17 characters, so a key that begins with a tail
    // written backwards belongs to a VIN that ends with it.
    if alnum && (q.len() == 6 || q.len() == 8) && has_digit {
        out.push(Probe::prefix(kind::VIN_REVERSED, &backwards(&q), 1, "vin"));
    }
    if alnum && q.len() == 17 {
        out.push(Probe::exact(kind::VIN_REVERSED, &backwards(&q), 0, "vin"));
    }
    out
}

/// The tables of this pack that point at customers, moved by a merge.
pub const CUSTOMER_REFERENCES: &[(&str, &str)] = &[
    ("vehicles", "customer_id"),
    ("service_visits", "customer_id"),
    ("repair_orders", "customer_id"),
    ("appointments", "customer_id"),
    ("insurance_policies", "customer_id"),
];

const COLUMNS: &str = "id, branch_id, customer_id, driver_contact_id, vin, plate, brand, model, variant, colour, \
     purchase_date, selling_branch_id, mileage_km, first_maintenance_date, insurance_expiry";

fn date(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<Date>> {
    Ok(r.opt_text(col)?.and_then(|d| d.parse().ok()))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Vehicle> {
    Ok(Vehicle {
        id: VehicleId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        driver_contact_id: r.opt_i64("driver_contact_id")?.map(ContactId),
        vin: r.text("vin")?,
        plate: r.opt_text("plate")?,
        brand: r.text("brand")?,
        model: r.text("model")?,
        variant: r.text("variant")?,
        colour: r.text("colour")?,
        purchase_date: date(r, "purchase_date")?,
        selling_branch_id: r.opt_i64("selling_branch_id")?.map(BranchId),
        mileage_km: r.i64("mileage_km")?,
        first_maintenance_date: date(r, "first_maintenance_date")?,
        insurance_expiry: date(r, "insurance_expiry")?,
    })
}

/// Validates and inserts inside the caller's transaction, which audits; the
/// first mileage reading and the search keys come with it.
pub async fn create_in(
    tx: &mut Tx,
    branch: BranchId,
    owner: CustomerId,
    input: &VehicleInput,
    today: Date,
) -> Result<Vehicle> {
    let mut created = create_many_in(tx, branch, vec![(owner, input.check(today)?)], today).await?;
    Ok(created.remove(0))
}

/// A vehicle that passed validation and waits to be inserted (bulk loads).
pub struct NewVehicle {
    input: VehicleInput,
    vin: Vin,
    plate: Option<Plate>,
}

impl VehicleInput {
    /// The same validation the forms and the API apply.
    pub fn check(&self, today: Date) -> std::result::Result<NewVehicle, Invalid> {
        let (vin, plate) = self.validate(today)?;
        Ok(NewVehicle { input: self.clone(), vin, plate })
    }
}

impl NewVehicle {
    pub fn vin(&self) -> &str {
        self.vin.as_str()
    }

    fn into_vehicle(self, id: VehicleId, branch: BranchId, owner: CustomerId) -> Vehicle {
        let i = self.input;
        Vehicle {
            id,
            branch_id: branch,
            customer_id: owner,
            driver_contact_id: i.driver_contact_id,
            vin: self.vin.as_str().to_string(),
            plate: self.plate.map(|p| p.as_str().to_string()),
            brand: i.brand.trim().to_string(),
            model: i.model.trim().to_string(),
            variant: i.variant.trim().to_string(),
            colour: i.colour.trim().to_string(),
            purchase_date: i.purchase_date,
            selling_branch_id: i.selling_branch_id,
            mileage_km: i.mileage_km,
            first_maintenance_date: i.first_maintenance_date,
            insurance_expiry: i.insurance_expiry,
        }
    }

    /// Names the contact who usually drives it.
    pub fn driven_by(self, contact: Option<ContactId>) -> NewVehicle {
        NewVehicle { input: VehicleInput { driver_contact_id: contact, ..self.input }, ..self }
    }
}

/// The columns of a vehicle's row as bulk writers insert it (the
/// generator too, through [`insert_row`]).
pub const INSERT_COLUMNS: [&str; 19] = [
    "id",
    "branch_id",
    "customer_id",
    "driver_contact_id",
    "vin",
    "plate",
    "brand",
    "model",
    "variant",
    "colour",
    "purchase_date",
    "selling_branch_id",
    "mileage_km",
    "first_maintenance_date",
    "insurance_expiry",
    "next_service_kind",
    "next_service_due",
    "last_visit_date",
    "created_at",
];

/// A vehicle's row in [`INSERT_COLUMNS`]' order, with its service dates
/// (a new vehicle's from its purchase alone; a loaded history's from its
/// visits, see `maintenance::service_dates`).
pub fn insert_row(v: &Vehicle, service: &crate::maintenance::ServiceDates, created_at: &str) -> [Cell; 19] {
    let date = |d: Option<Date>| Cell::from(d.map(|d| d.to_string()));
    [
        v.id.0.into(),
        v.branch_id.0.into(),
        v.customer_id.0.into(),
        v.driver_contact_id.map(|c| c.0).into(),
        v.vin.as_str().into(),
        v.plate.as_deref().into(),
        v.brand.as_str().into(),
        v.model.as_str().into(),
        v.variant.as_str().into(),
        v.colour.as_str().into(),
        date(v.purchase_date),
        v.selling_branch_id.map(|b| b.0).into(),
        v.mileage_km.into(),
        date(v.first_maintenance_date),
        date(v.insurance_expiry),
        service.next_kind.into(),
        date(service.next_due),
        date(service.last_visit),
        created_at.into(),
    ]
}

/// Inserts validated vehicles of their owners in `branch`, with the first
/// mileage readings and the search keys, in as few statements as the
/// database allows; returns them in the order given.
pub async fn create_many_in(
    tx: &mut Tx,
    branch: BranchId,
    rows: Vec<(CustomerId, NewVehicle)>,
    today: Date,
) -> Result<Vec<Vehicle>> {
    let now = instant_text(tx.now());
    let ids = tx.reserve_ids("vehicles", rows.len()).await?;
    let created: Vec<Vehicle> =
        rows.into_iter().zip(ids).map(|((owner, n), id)| n.into_vehicle(VehicleId(id), branch, owner)).collect();
    let cells = created
        .iter()
        .map(|v| {
            // A new vehicle has no visits: its next service is the first,
            // reckoned from the purchase (see refresh_due_dates).
            let service = crate::maintenance::service_dates(v.purchase_date, [], &[]);
            insert_row(v, &service, &now).into()
        })
        .collect();
    let (inserted, (readings, keys)) = bulk::insert_while(tx.conn(), "vehicles", &INSERT_COLUMNS, cells, "", || {
        let readings = created
            .iter()
            .filter(|v| v.mileage_km > 0)
            .map(|v| vec![Cell::from(v.id.0), today.to_string().into(), v.mileage_km.into(), "import".into()])
            .collect();
        let keys = created
            .iter()
            .map(|v| search::Keys { customer: v.customer_id, source: format!("vehicle:{}", v.id), keys: keys(v) })
            .collect();
        (readings, keys)
    })
    .await;
    inserted.map_err(|e| match e {
        StoreError::Sql(e) => Failure::unique_as_taken(e, "vin"),
        other => Failure::Store(other),
    })?;
    bulk::insert(tx.conn(), "mileage_readings", &["vehicle_id", "reading_date", "mileage_km", "source"], readings, "")
        .await?;
    search::insert_many(tx, keys).await?;
    Ok(created)
}

/// Adds a vehicle to a customer in scope.
pub async fn create(db: &Db, actor: &Actor, owner: CustomerId, input: &VehicleInput, today: Date) -> Result<Vehicle> {
    let customer = kefu_care::customers::get(db, &actor.scope, owner).await?;
    let mut tx = db.begin().await?;
    let vehicle = create_in(&mut tx, customer.branch_id, owner, input, today).await?;
    let at = tx.now();
    timeline::record(
        &mut tx,
        NewEvent {
            branch: customer.branch_id,
            customer: owner,
            asset: Some((ASSET, vehicle.id.0)),
            at,
            kind: timeline::kind::CHANGE,
            summary: vehicle.plate.clone().unwrap_or_else(|| vehicle.vin.clone()),
            detail: json!({ "vehicle_added": vehicle.id }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "vehicle",
            entity_id: vehicle.id.to_string(),
            action: "create",
            branch: Some(customer.branch_id),
            old: None,
            new: Some(json!(vehicle)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(vehicle)
}

/// Recomputes the vehicle's next service (kind and day) and its latest
/// visit from its purchase, visits and readings, inside the caller's
/// transaction; the daily outreach run finds vehicles by these columns.
pub async fn refresh_due_dates(tx: &mut Tx, vehicle: VehicleId) -> Result<()> {
    let purchase: Option<String> = sqlx::query_scalar("SELECT purchase_date FROM vehicles WHERE id = $1")
        .bind(vehicle.0)
        .fetch_one(tx.conn())
        .await?;
    let purchase: Option<Date> = purchase.and_then(|d| d.parse().ok());
    let mut visits = Vec::new();
    for r in sqlx::query("SELECT visit_date, kind FROM service_visits WHERE vehicle_id = $1")
        .bind(vehicle.0)
        .fetch_all(tx.conn())
        .await?
    {
        if let Ok(d) = r.text("visit_date")?.parse::<Date>() {
            visits.push((d, r.text("kind")?));
        }
    }
    let rows = sqlx::query(
        "SELECT reading_date, mileage_km FROM mileage_readings WHERE vehicle_id = $1 ORDER BY reading_date, id",
    )
    .bind(vehicle.0)
    .fetch_all(tx.conn())
    .await?;
    let mut readings = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Ok(d) = r.text("reading_date")?.parse::<Date>() {
            readings.push((d, r.i64("mileage_km")?));
        }
    }
    let dates = crate::maintenance::service_dates(purchase, visits.iter().map(|(d, k)| (*d, k.as_str())), &readings);
    sqlx::query(
        "UPDATE vehicles SET next_service_kind = $1, next_service_due = $2, last_visit_date = $3 WHERE id = $4",
    )
    .bind(dates.next_kind)
    .bind(dates.next_due.map(|d| d.to_string()))
    .bind(dates.last_visit.map(|d| d.to_string()))
    .bind(vehicle.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A mileage reading; the vehicle's current mileage follows the newest one.
pub async fn record_mileage_in(tx: &mut Tx, vehicle: VehicleId, on: Date, km: i64, source: &str) -> Result<()> {
    sqlx::query("INSERT INTO mileage_readings (vehicle_id, reading_date, mileage_km, source) VALUES ($1, $2, $3, $4)")
        .bind(vehicle.0)
        .bind(on.to_string())
        .bind(km)
        .bind(source.to_string())
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE vehicles SET mileage_km = $1 WHERE id = $2 AND mileage_km < $1")
        .bind(km)
        .bind(vehicle.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reading {
    pub date: Date,
    pub mileage_km: i64,
    pub source: String,
}

pub async fn readings(db: &Db, vehicle: VehicleId) -> Result<Vec<Reading>> {
    let rows = sqlx::query(
        "SELECT reading_date, mileage_km, source FROM mileage_readings WHERE vehicle_id = $1 ORDER BY reading_date, id",
    )
    .bind(vehicle.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Reading {
                date: r
                    .text("reading_date")?
                    .parse()
                    .map_err(|e| kefu_store::StoreError::Other(format!("reading_date: {e}")))?,
                mileage_km: r.i64("mileage_km")?,
                source: r.text("source")?,
            })
        })
        .collect()
}

/// One vehicle, if it lies in scope.
pub async fn get(db: &Db, scope: &Scope, id: VehicleId) -> Result<Vehicle> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM vehicles WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let vehicle = from_row(&row)?;
    scope.check(vehicle.branch_id)?;
    Ok(vehicle)
}

/// A customer's vehicles, if the customer lies in scope.
pub async fn of_customer(db: &Db, scope: &Scope, customer: CustomerId) -> Result<Vec<Vehicle>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM vehicles WHERE customer_id = $1 AND branch_id IN ({}) ORDER BY id",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// The vehicle in scope with this plate or VIN, as an advisor types either
/// at the desk ("京a 12345", "lsvam4187c2184847"). A VIN is found by its
/// unique index, a plate by its search key, which names the owner.
pub async fn find_by_plate_or_vin(db: &Db, scope: &Scope, text: &str) -> Result<Option<Vehicle>> {
    let q: String =
        text.chars().filter(|c| !c.is_whitespace() && !"-·.•".contains(*c)).collect::<String>().to_uppercase();
    if q.len() == 17 && q.chars().all(|c| c.is_ascii_alphanumeric()) {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM vehicles WHERE vin = $1")))
            .bind(q)
            .fetch_optional(db.pool())
            .await?;
        return Ok(row.map(|r| from_row(&r)).transpose()?.filter(|v| scope.contains(v.branch_id)));
    }
    let Ok(plate) = Plate::parse("plate", &q) else { return Ok(None) };
    let owners: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT customer_id FROM search_keys WHERE key = $1")
        .bind(search::key(kind::PLATE, plate.as_str()))
        .fetch_all(db.pool())
        .await?;
    for owner in owners {
        let found = of_customer(db, scope, CustomerId(owner)).await?;
        if let Some(v) = found.into_iter().find(|v| v.plate.as_deref() == Some(plate.as_str())) {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

pub async fn count(db: &Db, scope: &Scope) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM vehicles WHERE branch_id IN ({})", scope.sql_list());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?)
}

/// Vehicles in scope delivered on or after `from` and before `until`: the
/// new owners the purchase-thanks letters, SMS and calls are for.
pub async fn count_purchased_between(db: &Db, scope: &Scope, from: Date, until: Date) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM vehicles WHERE branch_id IN ({}) AND purchase_date >= $1 AND purchase_date < $2",
        scope.sql_list()
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(from.to_string())
        .bind(until.to_string())
        .fetch_one(db.pool())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_care::search::Match;

    /// Whether `probe` leads to `key`, as `search::run` looks keys up.
    fn leads_to(probe: &Probe, key: &str) -> bool {
        match probe.how {
            Match::Exact => probe.key == key,
            Match::Prefix => key.starts_with(&probe.key),
        }
    }

    fn found_by(vehicle: &Vehicle, q: &str) -> bool {
        let keys = keys(vehicle);
        probes(q).iter().any(|p| keys.iter().any(|k| leads_to(p, k)))
    }

    fn vehicle(vin: &str, plate: &str) -> Vehicle {
        let input = VehicleInput {
            vin: vin.into(),
            plate: plate.into(),
            brand: "一汽-大众".into(),
            model: "迈腾".into(),
            ..Default::default()
        };
        input.record(VehicleId(1), BranchId(1), CustomerId(1), jiff::civil::date(2026, 11, 29)).unwrap()
    }

    #[test]
    fn plates_are_found_with_or_without_the_province_in_any_case() {
        let ordinary = vehicle("LSVAM4187C2184847", "京A12345");
        for q in ["京A12345", "京a12345", "a12345", "A-12345", "京A1"] {
            assert!(found_by(&ordinary, q), "{q} finds 京A12345");
        }
        assert!(!found_by(&ordinary, "沪A12345"), "another province's plate is another car");
        let new_energy = vehicle("LSVAM4187C2184847", "京AD12345");
        assert!(found_by(&new_energy, "ad12345") && found_by(&new_energy, "京AD12345"));
    }

    #[test]
    fn a_vin_is_found_by_its_last_six_or_eight_characters_or_whole() {
        let v = vehicle("LSVAM4187C2184847", "京A12345");
        for q in ["184847", "c2184847", "LSVAM4187C2184847", "lsvam4187c2184847"] {
            assert!(found_by(&v, q), "{q} finds LSVAM4187C2184847");
        }
        for q in ["LSVAM4", "AM4187C2", "284847", "d2184847", "LSVAM4187C2184840"] {
            assert!(!found_by(&v, q), "{q} is not a tail of LSVAM4187C2184847");
        }
        assert_eq!(keys(&v).iter().filter(|k| k.starts_with(kind::VIN_REVERSED)).count(), 1, "one key a VIN");
    }
}
