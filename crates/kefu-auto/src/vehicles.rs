//! Vehicles: the auto pack's asset, owned by a customer.

use jiff::civil::Date;
use kefu_core::ident::{Plate, Vin};
use kefu_core::ids::{BranchId, CustomerId, VehicleId};
use kefu_core::time::instant_text;
use kefu_core::{Invalid, Scope};
use kefu_store::{Db, Failure, RowExt, Tx};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Vehicle {
    pub id: VehicleId,
    pub branch_id: BranchId,
    pub customer_id: CustomerId,
    pub vin: String,
    pub plate: Option<String>,
    pub brand: String,
    pub model: String,
    pub colour: String,
    pub purchase_date: Option<Date>,
    pub mileage_km: i64,
}

#[derive(Debug, Clone, Default)]
pub struct VehicleInput {
    pub vin: String,
    pub plate: String,
    pub brand: String,
    pub model: String,
    pub colour: String,
    pub purchase_date: Option<Date>,
    pub mileage_km: i64,
}

impl VehicleInput {
    fn validate(&self) -> std::result::Result<(Vin, Option<Plate>), Invalid> {
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
        if self.mileage_km < 0 {
            return Err(Invalid::new(
                "mileage_km",
                kefu_core::Rule::new("non_negative", "不能为负数", "must not be negative"),
            ));
        }
        Ok((vin, plate))
    }
}

const COLUMNS: &str = "id, branch_id, customer_id, vin, plate, brand, model, colour, purchase_date, mileage_km";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Vehicle> {
    Ok(Vehicle {
        id: VehicleId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        vin: r.text("vin")?,
        plate: r.opt_text("plate")?,
        brand: r.text("brand")?,
        model: r.text("model")?,
        colour: r.text("colour")?,
        purchase_date: r.opt_text("purchase_date")?.and_then(|d| d.parse().ok()),
        mileage_km: r.i64("mileage_km")?,
    })
}

/// Validates and inserts inside the caller's transaction, which audits.
pub async fn create_in(tx: &mut Tx, branch: BranchId, owner: CustomerId, input: &VehicleInput) -> Result<Vehicle> {
    let (vin, plate) = input.validate()?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO vehicles (branch_id, customer_id, vin, plate, brand, model, colour, purchase_date, mileage_km, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
    )))
    .bind(branch.0)
    .bind(owner.0)
    .bind(vin.as_str().to_string())
    .bind(plate.map(|p| p.as_str().to_string()))
    .bind(input.brand.trim().to_string())
    .bind(input.model.trim().to_string())
    .bind(input.colour.trim().to_string())
    .bind(input.purchase_date.map(|d| d.to_string()))
    .bind(input.mileage_km)
    .bind(instant_text(jiff::Timestamp::now()))
    .fetch_one(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "vin"))?;
    from_row(&row)
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
