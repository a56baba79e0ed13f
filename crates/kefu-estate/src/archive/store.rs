//! The archive's SQL: estates, buildings, houses, their people, papers and
//! vehicles. Every read takes the actor's scope (a house is seen from its
//! estate's branch).

use super::{House, NewBuilding, NewHouse, Resident, Vehicle, house_keys, plate_keys, sort_key};
use crate::houses::{Area, HouseNo};
use jiff::Timestamp;
use kefu_care::search;
use kefu_core::Scope;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, Failure, RowExt, StoreError, Tx};
use serde::Serialize;
use std::collections::HashMap;

type Result<T> = std::result::Result<T, Failure>;

const HOUSE_COLUMNS: &str = "h.id, h.branch_id, h.building_id, h.number, h.unit, h.kind, h.state, h.building_area, \
     h.interior_area";

const RESIDENT_COLUMNS: &str = "id, house_id, customer_id, role, moved_in, moved_out, keys_handed_on, \
     certificate_no, emergency_name, emergency_phone";

fn date(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<jiff::civil::Date>> {
    Ok(r.opt_text(col)?.and_then(|d| d.parse().ok()))
}

fn area(hundredths: i64) -> String {
    Area::from_hundredths(hundredths).map(|a| a.to_string()).unwrap_or_default()
}

fn house_from(r: &sqlx::any::AnyRow) -> Result<House> {
    Ok(House {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        building_id: r.opt_i64("building_id")?,
        number: r.text("number")?,
        unit: r.opt_i64("unit")?,
        kind: r.text("kind")?,
        state: r.text("state")?,
        building_area: area(r.i64("building_area")?),
        interior_area: area(r.i64("interior_area")?),
    })
}

fn resident_from(r: &sqlx::any::AnyRow) -> Result<Resident> {
    Ok(Resident {
        id: r.i64("id")?,
        house_id: r.i64("house_id")?,
        customer_id: CustomerId(r.i64("customer_id")?),
        role: r.text("role")?,
        moved_in: date(r, "moved_in")?,
        moved_out: date(r, "moved_out")?,
        keys_handed_on: date(r, "keys_handed_on")?,
        certificate_no: r.opt_text("certificate_no")?,
        emergency_name: r.opt_text("emergency_name")?,
        emergency_phone: r.opt_text("emergency_phone")?,
    })
}

/// Makes `branch` an estate keeping visitor records `retention_days`,
/// inside the caller's transaction (which audits).
pub async fn add_estate_in(tx: &mut Tx, branch: BranchId, retention_days: i64) -> Result<()> {
    sqlx::query("INSERT INTO estate_estates (branch_id, visitor_retention_days) VALUES ($1, $2)")
        .bind(branch.0)
        .bind(retention_days)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Adds an estate's buildings inside the caller's transaction; a code
/// taken is refused naming the field.
pub async fn add_buildings_in(tx: &mut Tx, estate: BranchId, buildings: Vec<NewBuilding>) -> Result<()> {
    let rows = buildings
        .into_iter()
        .map(|b| {
            vec![
                Cell::from(estate.0),
                Cell::from(b.code),
                Cell::from(b.name),
                Cell::from(b.floors),
                Cell::from(b.units),
            ]
        })
        .collect();
    bulk::insert(tx.conn(), "estate_buildings", &["branch_id", "code", "name", "floors", "units"], rows, "")
        .await
        .map_err(taken("building"))?;
    Ok(())
}

fn taken(field: &'static str) -> impl Fn(StoreError) -> Failure {
    move |e| match e {
        StoreError::Sql(e) => Failure::unique_as_taken(e, field),
        other => Failure::Store(other),
    }
}

/// The columns of the rows [`rows_of`] makes, in order.
pub const HOUSE_INSERT: [&str; 12] = [
    "id",
    "branch_id",
    "building_id",
    "number",
    "sort_key",
    "unit",
    "kind",
    "state",
    "building_area",
    "interior_area",
    "billed_from",
    "created_at",
];
pub const RESIDENT_INSERT: [&str; 11] = [
    "id",
    "house_id",
    "customer_id",
    "role",
    "moved_in",
    "moved_out",
    "keys_handed_on",
    "certificate_no",
    "emergency_name",
    "emergency_phone",
    "created_at",
];
pub const DOCUMENT_INSERT: [&str; 4] = ["house_id", "kind", "signed_on", "created_at"];
pub const VEHICLE_INSERT: [&str; 6] = ["id", "house_id", "customer_id", "plate", "space_id", "created_at"];

/// An estate's houses as rows: houses, residents, papers, vehicles (each of
/// the columns above) and the residents' search keys.
#[derive(Default)]
pub struct ArchiveRows {
    pub houses: Vec<[Cell; 12]>,
    pub residents: Vec<[Cell; 11]>,
    pub documents: Vec<[Cell; 4]>,
    pub vehicles: Vec<[Cell; 6]>,
    pub keys: Vec<search::Keys>,
}

/// Where [`rows_of`] finds the ids: the estate's buildings by code, its
/// parking spaces by number, and the next ids of residents and vehicles.
pub struct Ids<'a> {
    pub buildings: &'a HashMap<String, i64>,
    pub spaces: &'a HashMap<String, i64>,
    pub resident: &'a mut dyn Iterator<Item = i64>,
    pub vehicle: &'a mut dyn Iterator<Item = i64>,
}

/// Rows of one table as [`bulk::insert`] takes them.
fn cells<const N: usize>(rows: Vec<[Cell; N]>) -> Vec<Vec<Cell>> {
    rows.into_iter().map(Vec::from).collect()
}

/// The rows of `houses` of `estate`, stored as `house_ids` (in order); a
/// room's building must be in `ids.buildings`, a vehicle's space in
/// `ids.spaces`. The one place a house becomes rows: [`insert_in`] and the
/// generator (`kefu gen`) write them.
pub fn rows_of(
    estate: BranchId,
    houses: &[NewHouse],
    house_ids: &[i64],
    ids: Ids<'_>,
    now: &str,
) -> Result<ArchiveRows> {
    let mut out = ArchiveRows::default();
    for (h, id) in houses.iter().zip(house_ids) {
        let id = *id;
        let (building, unit) = match &h.number {
            HouseNo::Room { building, unit, .. } => {
                let b = ids.buildings.get(building).copied().ok_or_else(|| {
                    Failure::Invalid(kefu_core::Invalid::new(
                        "house",
                        kefu_core::Rule::new(
                            "unknown_building",
                            "本小区没有这栋楼",
                            "there is no such building in this estate",
                        ),
                    ))
                })?;
                (Some(b), unit.map(i64::from))
            }
            _ => (None, None),
        };
        out.houses.push([
            Cell::from(id),
            estate.0.into(),
            building.into(),
            h.number.to_string().into(),
            sort_key(&h.number).into(),
            unit.into(),
            h.kind.code().into(),
            h.state.code().into(),
            h.building_area.hundredths().into(),
            h.interior_area.hundredths().into(),
            h.billed_from.map(|d| d.to_string()).into(),
            now.into(),
        ]);
        for (kind, signed) in &h.documents {
            out.documents.push([Cell::from(id), (*kind).into(), signed.to_string().into(), now.into()]);
        }
        for r in &h.residents {
            let resident = ids.resident.next().expect("an id for each resident");
            let day = |d: Option<jiff::civil::Date>| Cell::from(d.map(|d| d.to_string()));
            let (emergency_name, emergency_phone) = r.emergency.clone().unzip();
            out.residents.push([
                Cell::from(resident),
                id.into(),
                r.customer_id.0.into(),
                r.role.into(),
                day(r.moved_in),
                day(None),
                day(r.keys_handed_on),
                r.certificate_no.clone().into(),
                emergency_name.into(),
                emergency_phone.into(),
                now.into(),
            ]);
            out.keys.push(search::Keys {
                customer: r.customer_id,
                source: format!("estate_resident:{resident}"),
                keys: house_keys(&h.number),
            });
            for (plate, space) in &r.vehicles {
                let vehicle = ids.vehicle.next().expect("an id for each vehicle");
                let space = match space {
                    Some(s) => Some(ids.spaces.get(s).copied().ok_or_else(|| {
                        Failure::Invalid(kefu_core::Invalid::new(
                            "space",
                            kefu_core::Rule::new(
                                "unknown_space",
                                "本小区没有这个车位",
                                "there is no such parking space in this estate",
                            ),
                        ))
                    })?),
                    None => None,
                };
                out.vehicles.push([
                    Cell::from(vehicle),
                    id.into(),
                    r.customer_id.0.into(),
                    plate.as_str().into(),
                    space.into(),
                    now.into(),
                ]);
                out.keys.push(search::Keys {
                    customer: r.customer_id,
                    source: format!("estate_vehicle:{vehicle}"),
                    keys: plate_keys(plate),
                });
            }
        }
    }
    Ok(out)
}

/// Inserts an estate's houses with their people, papers, vehicles and
/// search keys in as few statements as the database allows, inside the
/// caller's transaction (which audits). A room's building must be stored
/// already; a vehicle's parking space is a house of this batch or of the
/// estate. A number taken is refused naming the field.
pub async fn insert_in(tx: &mut Tx, estate: BranchId, houses: Vec<NewHouse>, now: Timestamp) -> Result<usize> {
    let now = instant_text(now);
    let building_rows = sqlx::query("SELECT id, code FROM estate_buildings WHERE branch_id = $1")
        .bind(estate.0)
        .fetch_all(tx.conn())
        .await?;
    let mut buildings = HashMap::new();
    for r in &building_rows {
        buildings.insert(r.text("code")?, r.i64("id")?);
    }
    let ids = tx.reserve_ids("estate_houses", houses.len()).await?;
    let mut spaces: HashMap<String, i64> = HashMap::new();
    for (h, id) in houses.iter().zip(&ids) {
        if matches!(h.number, HouseNo::Parking { .. }) {
            spaces.insert(h.number.to_string(), *id);
        }
    }
    let wanted: Vec<String> = houses
        .iter()
        .flat_map(|h| h.residents.iter().flat_map(|r| r.vehicles.iter().filter_map(|(_, s)| s.clone())))
        .filter(|s| !spaces.contains_key(s))
        .collect();
    for s in wanted {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM estate_houses WHERE branch_id = $1 AND number = $2")
            .bind(estate.0)
            .bind(s.clone())
            .fetch_optional(tx.conn())
            .await?;
        // One not found is refused by `rows_of`.
        if let Some(id) = id {
            spaces.insert(s, id);
        }
    }
    let residents = houses.iter().map(|h| h.residents.len()).sum();
    let mut resident = tx.reserve_ids("estate_residents", residents).await?.into_iter();
    let vehicles = houses.iter().flat_map(|h| &h.residents).map(|r| r.vehicles.len()).sum();
    let mut vehicle = tx.reserve_ids("estate_vehicles", vehicles).await?.into_iter();
    let found = Ids { buildings: &buildings, spaces: &spaces, resident: &mut resident, vehicle: &mut vehicle };
    let rows = rows_of(estate, &houses, &ids, found, &now)?;
    bulk::insert(tx.conn(), "estate_houses", &HOUSE_INSERT, cells(rows.houses), "").await.map_err(taken("house"))?;
    bulk::insert(tx.conn(), "estate_residents", &RESIDENT_INSERT, cells(rows.residents), "").await?;
    bulk::insert(tx.conn(), "estate_documents", &DOCUMENT_INSERT, cells(rows.documents), "").await?;
    bulk::insert(tx.conn(), "estate_vehicles", &VEHICLE_INSERT, cells(rows.vehicles), "").await?;
    search::insert_many(tx, rows.keys).await?;
    Ok(houses.len())
}

/// An estate in scope with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct Estate {
    pub branch_id: BranchId,
    pub code: String,
    pub name: String,
    pub address: String,
    pub buildings: i64,
    pub houses: i64,
    pub visitor_retention_days: i64,
}

fn estate_sql(scope: &Scope, filter: &str) -> String {
    format!(
        "SELECT e.branch_id, b.code, b.name, b.address, e.visitor_retention_days, \
         (SELECT COUNT(*) FROM estate_buildings x WHERE x.branch_id = e.branch_id) AS buildings, \
         (SELECT COUNT(*) FROM estate_houses h WHERE h.branch_id = e.branch_id) AS houses \
         FROM estate_estates e JOIN branches b ON b.id = e.branch_id WHERE e.branch_id IN ({}) {filter} ORDER BY b.code",
        scope.sql_list()
    )
}

fn estate_from(r: &sqlx::any::AnyRow) -> Result<Estate> {
    Ok(Estate {
        branch_id: BranchId(r.i64("branch_id")?),
        code: r.text("code")?,
        name: r.text("name")?,
        address: r.text("address")?,
        buildings: r.i64("buildings")?,
        houses: r.i64("houses")?,
        visitor_retention_days: r.i64("visitor_retention_days")?,
    })
}

/// The estates in scope, by code.
pub async fn estates(db: &Db, scope: &Scope) -> Result<Vec<Estate>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(estate_sql(scope, ""))).fetch_all(db.pool()).await?;
    rows.iter().map(estate_from).collect()
}

/// An estate by its branch code, if it lies in the scope.
pub async fn estate(db: &Db, scope: &Scope, code: &str) -> Result<Estate> {
    // No branch code holds a control character (the branch form refuses
    // them), and PostgreSQL would refuse a NUL in the query itself.
    if code.chars().any(char::is_control) {
        return Err(Failure::NotFound);
    }
    let row = sqlx::query(sqlx::AssertSqlSafe(estate_sql(scope, "AND b.code = $1")))
        .bind(code.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(estate_from).transpose()?.ok_or(Failure::NotFound)
}

/// A building with how many houses it has.
#[derive(Debug, Clone, Serialize)]
pub struct Building {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub floors: i64,
    pub units: i64,
    pub houses: i64,
}

const BUILDING_SQL: &str = "SELECT x.id, x.branch_id, x.code, x.name, x.floors, x.units, \
     (SELECT COUNT(*) FROM estate_houses h WHERE h.building_id = x.id) AS houses FROM estate_buildings x";

fn building_from(r: &sqlx::any::AnyRow) -> Result<Building> {
    Ok(Building {
        id: r.i64("id")?,
        code: r.text("code")?,
        name: r.text("name")?,
        floors: r.i64("floors")?,
        units: r.i64("units")?,
        houses: r.i64("houses")?,
    })
}

/// An estate's buildings (the estate already read in scope), in natural
/// order.
pub async fn buildings(db: &Db, estate: &Estate) -> Result<Vec<Building>> {
    let sql = format!("{BUILDING_SQL} WHERE x.branch_id = $1");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(estate.branch_id.0).fetch_all(db.pool()).await?;
    let mut list = rows.iter().map(building_from).collect::<Result<Vec<_>>>()?;
    list.sort_by(|a, b| (a.code.len(), &a.code).cmp(&(b.code.len(), &b.code)));
    Ok(list)
}

/// A building by its id with its estate, if the estate lies in the scope.
pub async fn building(db: &Db, scope: &Scope, id: i64) -> Result<(Estate, Building)> {
    let sql = format!("{BUILDING_SQL} WHERE x.id = $1 AND x.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    let Some(row) = row else { return Err(Failure::NotFound) };
    let branch = row.i64("branch_id")?;
    let estate = sqlx::query(sqlx::AssertSqlSafe(estate_sql(scope, "AND e.branch_id = $1")))
        .bind(branch)
        .fetch_optional(db.pool())
        .await?;
    Ok((estate.as_ref().map(estate_from).transpose()?.ok_or(Failure::NotFound)?, building_from(&row)?))
}

/// A house in a list, with its owners' names.
#[derive(Debug, Clone, Serialize)]
pub struct HouseRow {
    pub house: House,
    pub owners: Vec<(CustomerId, String)>,
}

/// A building's houses in natural order, or the estate's parking spaces
/// and shops (`building` none), with their owners.
pub async fn houses(
    db: &Db,
    estate: &Estate,
    building: Option<&Building>,
    window: crate::window::Window,
) -> Result<Vec<HouseRow>> {
    let filter = match building {
        Some(b) => format!("h.building_id = {}", b.id),
        None => "h.building_id IS NULL".to_string(),
    };
    let sql = format!(
        "SELECT {HOUSE_COLUMNS} FROM estate_houses h WHERE h.branch_id = $1 AND {filter} ORDER BY h.sort_key, h.id{}",
        window.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(estate.branch_id.0).fetch_all(db.pool()).await?;
    let list = rows.iter().map(house_from).collect::<Result<Vec<_>>>()?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    // The owners of this page's houses only.
    let ids = list.iter().map(|h| h.id.to_string()).collect::<Vec<_>>().join(", ");
    let owner_sql = format!(
        "SELECT r.house_id, c.id, c.name FROM estate_residents r JOIN customers c ON c.id = r.customer_id \
         WHERE r.house_id IN ({ids}) AND r.role IN ('owner', 'co_owner') AND r.moved_out IS NULL ORDER BY r.id"
    );
    let owner_rows = sqlx::query(sqlx::AssertSqlSafe(owner_sql)).fetch_all(db.pool()).await?;
    let mut owners: HashMap<i64, Vec<(CustomerId, String)>> = HashMap::new();
    for r in &owner_rows {
        owners.entry(r.i64("house_id")?).or_default().push((CustomerId(r.i64("id")?), r.text("name")?));
    }
    Ok(list.into_iter().map(|h| HouseRow { owners: owners.remove(&h.id).unwrap_or_default(), house: h }).collect())
}

/// A house by its id, if its estate lies in the scope.
pub async fn house(db: &Db, scope: &Scope, id: i64) -> Result<House> {
    let sql = format!(
        "SELECT {HOUSE_COLUMNS} FROM estate_houses h WHERE h.id = $1 AND h.branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(house_from).transpose()?.ok_or(Failure::NotFound)
}

/// A house's people, owners first.
pub async fn residents_of(db: &Db, house: &House) -> Result<Vec<Resident>> {
    let sql = format!(
        "SELECT {RESIDENT_COLUMNS} FROM estate_residents WHERE house_id = $1 ORDER BY \
         CASE role WHEN 'owner' THEN 0 WHEN 'co_owner' THEN 1 WHEN 'tenant' THEN 2 ELSE 3 END, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(house.id).fetch_all(db.pool()).await?;
    rows.iter().map(resident_from).collect()
}

/// The vehicles of a house's people, with their parking spaces.
pub async fn vehicles_of(db: &Db, house: &House) -> Result<Vec<Vehicle>> {
    let rows = sqlx::query(
        "SELECT v.id, v.house_id, v.customer_id, v.plate, s.number AS space FROM estate_vehicles v \
         LEFT JOIN estate_houses s ON s.id = v.space_id WHERE v.house_id = $1 ORDER BY v.id",
    )
    .bind(house.id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Vehicle {
                id: r.i64("id")?,
                house_id: r.i64("house_id")?,
                customer_id: CustomerId(r.i64("customer_id")?),
                plate: r.text("plate")?,
                space: r.opt_text("space")?,
            })
        })
        .collect()
}

/// A customer's houses in scope, with the role and the estate's name.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Held {
    pub houses: Vec<(House, String, String)>,
}

pub async fn houses_of_customer(db: &Db, scope: &Scope, customer: CustomerId) -> Result<Held> {
    let sql = format!(
        "SELECT {HOUSE_COLUMNS}, r.role, b.name AS estate FROM estate_residents r \
         JOIN estate_houses h ON h.id = r.house_id JOIN branches b ON b.id = h.branch_id \
         WHERE r.customer_id = $1 AND h.branch_id IN ({}) ORDER BY b.code, h.sort_key",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool()).await?;
    let houses =
        rows.iter().map(|r| Ok((house_from(r)?, r.text("role")?, r.text("estate")?))).collect::<Result<Vec<_>>>()?;
    Ok(Held { houses })
}

/// The houses in scope.
pub async fn count(db: &Db, scope: &Scope) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM estate_houses WHERE branch_id IN ({})", scope.sql_list());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?)
}
