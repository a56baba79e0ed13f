//! Visitors at an estate's front desk as stored (issue 21 §2): registered
//! with the minimum ([`Visitor`]), always to a house of the estate, signed
//! out, listed for the day; deleted after the estate's retention by the
//! hourly job ([`purge`]), each deletion audited with what it removed.

use crate::archive::Estate;
use crate::visitors::{Retention, Visit, Visitor, past_retention};
use jiff::Timestamp;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// A visit as the desk's list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitRow {
    pub id: i64,
    pub house: String,
    pub name: String,
    pub mobile: String,
    pub plate: Option<String>,
    pub host_confirmed: bool,
    pub arrived_at: String,
    pub left_at: Option<String>,
}

/// Registers a visitor to a house of `estate` (read in the actor's scope);
/// a number the estate does not have is refused naming the field.
pub async fn register(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    visitor: &Visitor,
    host_confirmed: bool,
    now: Timestamp,
) -> Result<i64> {
    let number = visitor.house.to_string();
    let mut tx = db.begin().await?;
    let house = house_in(&mut tx, estate, &visitor.house).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO estate_visitors (branch_id, house_id, name, mobile, plate, host_confirmed, arrived_at, \
         registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(estate.branch_id.0)
    .bind(house)
    .bind(visitor.name.clone())
    .bind(visitor.mobile.as_str().to_string())
    .bind(visitor.plate.as_ref().map(|p| p.as_str().to_string()))
    .bind(i64::from(host_confirmed))
    .bind(instant_text(now))
    .bind(actor.user_id.0)
    .fetch_one(tx.conn())
    .await?;
    let new = serde_json::json!({ "house": number, "host_confirmed": host_confirmed });
    let change = Change {
        entity: "estate_visitor",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(estate.branch_id),
        old: None,
        new: Some(new),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// The house of `estate` a typed number names: the number itself, or for
/// a room typed without its unit (`3栋1502`) the one room of that building
/// and number; refused naming the field when there is none, or two.
pub(crate) async fn house_in(tx: &mut kefu_store::Tx, estate: &Estate, no: &crate::houses::HouseNo) -> Result<i64> {
    let exact = no.to_string();
    let pattern = match no {
        crate::houses::HouseNo::Room { building, unit: None, room } => format!("{building}-%-{room}"),
        _ => exact.clone(),
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM estate_houses WHERE branch_id = $1 AND (number = $2 OR number LIKE $3) ORDER BY id LIMIT 2",
    )
    .bind(estate.branch_id.0)
    .bind(exact)
    .bind(pattern)
    .fetch_all(tx.conn())
    .await?;
    match ids[..] {
        [id] => Ok(id),
        [] => Err(Invalid::new(
            "house",
            Rule::new("unknown_house", "本小区没有这个房号", "this estate has no house with this number"),
        )
        .into()),
        _ => Err(Invalid::new(
            "house",
            Rule::new(
                "house_ambiguous",
                "该楼有多个单元有此房号，请写明单元",
                "more than one unit has this room; give the unit",
            ),
        )
        .into()),
    }
}

/// Signs a visitor out, once; a visit outside the scope is not there.
pub async fn sign_out(db: &Db, actor: &Actor, estate: &Estate, id: i64, now: Timestamp) -> Result<()> {
    let mut tx = db.begin().await?;
    let sql = format!(
        "UPDATE estate_visitors SET left_at = $1 WHERE id = $2 AND left_at IS NULL AND branch_id = {} \
         RETURNING branch_id",
        estate.branch_id.0
    );
    let branch: Option<i64> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(instant_text(now)).bind(id).fetch_optional(tx.conn()).await?;
    let branch = branch.ok_or(Failure::NotFound)?;
    let change = Change {
        entity: "estate_visitor",
        entity_id: id.to_string(),
        action: "sign_out",
        branch: Some(BranchId(branch)),
        old: None,
        new: None,
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// The estate's visits that arrived from `from` to before `to`, in order
/// (a page of them).
pub async fn between(
    db: &Db,
    estate: &Estate,
    (from, to): (Timestamp, Timestamp),
    window: crate::window::Window,
) -> Result<Vec<VisitRow>> {
    let sql = format!(
        "SELECT v.id, h.number, v.name, v.mobile, v.plate, v.host_confirmed, v.arrived_at, v.left_at \
         FROM estate_visitors v JOIN estate_houses h ON h.id = v.house_id \
         WHERE v.branch_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3 ORDER BY v.arrived_at, v.id{}",
        window.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(estate.branch_id.0)
        .bind(instant_text(from))
        .bind(instant_text(to))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(VisitRow {
                id: r.i64("id")?,
                house: r.text("number")?,
                name: r.text("name")?,
                mobile: r.text("mobile")?,
                plate: r.opt_text("plate")?,
                host_confirmed: r.i64("host_confirmed")? != 0,
                arrived_at: r.text("arrived_at")?,
                left_at: r.opt_text("left_at")?,
            })
        })
        .collect()
}

/// Sets how long an estate keeps its visitor records (EstateManage's
/// decision), audited with the old and new days.
pub async fn set_retention(db: &Db, actor: &Actor, estate: &Estate, days: Retention) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE estate_estates SET visitor_retention_days = $1 WHERE branch_id = $2")
        .bind(days.in_days())
        .bind(estate.branch_id.0)
        .execute(tx.conn())
        .await?;
    let change = Change {
        entity: "estate",
        entity_id: estate.code.clone(),
        action: "visitor_retention",
        branch: Some(estate.branch_id),
        old: Some(serde_json::json!({ "days": estate.visitor_retention_days })),
        new: Some(serde_json::json!({ "days": days.in_days() })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes every estate's visitor records past its retention at `now`,
/// each deletion audited with the house and the times (never the person's
/// data, which is what goes); the number deleted.
pub async fn purge(db: &Db, actor: &Actor, now: Timestamp) -> Result<usize> {
    let estates = sqlx::query("SELECT branch_id, visitor_retention_days FROM estate_estates ORDER BY branch_id")
        .fetch_all(db.pool())
        .await?;
    let mut tx = db.begin().await?;
    let mut deleted = 0;
    for estate in &estates {
        let (branch, days) = (BranchId(estate.i64("branch_id")?), estate.i64("visitor_retention_days")?);
        let retention = Retention::days("visitor_retention_days", days)?;
        let rows = sqlx::query(
            "SELECT v.id, h.number, v.arrived_at, v.left_at FROM estate_visitors v \
             JOIN estate_houses h ON h.id = v.house_id WHERE v.branch_id = $1",
        )
        .bind(branch.0)
        .fetch_all(tx.conn())
        .await?;
        let mut visits = Vec::with_capacity(rows.len());
        let mut facts = std::collections::HashMap::new();
        for r in &rows {
            let id = r.i64("id")?;
            let arrived = r.text("arrived_at")?;
            let left = r.opt_text("left_at")?;
            let at = |t: &str| t.parse::<Timestamp>().ok();
            if let Some(arrived_at) = at(&arrived) {
                visits.push(Visit { key: id, arrived: arrived_at, left: left.as_deref().and_then(at) });
            }
            facts.insert(id, serde_json::json!({ "house": r.text("number")?, "arrived_at": arrived, "left_at": left }));
        }
        for id in past_retention(&visits, retention, now) {
            sqlx::query("DELETE FROM estate_visitors WHERE id = $1").bind(id).execute(tx.conn()).await?;
            let change = Change {
                entity: "estate_visitor",
                entity_id: id.to_string(),
                action: "purge",
                branch: Some(branch),
                old: facts.remove(&id),
                new: Some(serde_json::json!({ "retention_days": days })),
            };
            tx.audit(actor, change).await?;
            deleted += 1;
        }
    }
    if deleted == 0 {
        // Nothing deleted, nothing to audit: the transaction only read,
        // and dropping it rolls it back.
        drop(tx);
    } else {
        tx.commit().await?;
    }
    Ok(deleted)
}

/// What owners complain about, as the common complaints engine files it.
pub const COMPLAINT_CATEGORIES: &[&str] = &[
    "estate_repairs",
    "estate_fees",
    "estate_security",
    "estate_cleaning",
    "estate_greening",
    "estate_parking",
    "estate_neighbours",
    "estate_facilities",
];

/// The departments a call or visit is routed to.
pub const DEPARTMENTS: &[&str] = &["engineering", "security", "cleaning", "greening", "finance", "customer_service"];

/// A call or a visit at the desk, as the form gives it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: String,
    pub who: String,
    /// A house number of the estate, or empty when it concerns none.
    pub house: String,
    pub request: String,
    pub department: String,
    pub result: String,
}

/// A register line as the day's list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryRow {
    pub id: i64,
    pub kind: String,
    pub who: String,
    pub house: Option<String>,
    pub request: String,
    pub department: String,
    pub result: String,
    pub at: String,
}

/// Records a call or visit in `estate`'s register, audited; each field is
/// checked and a refusal names it, nothing written.
pub async fn record(db: &Db, actor: &Actor, estate: &Estate, entry: &Entry, now: Timestamp) -> Result<i64> {
    if !["call", "visit"].contains(&entry.kind.as_str()) {
        return Err(Invalid::new("kind", Rule::new("desk_kind", "请选择来电或来访", "choose a call or a visit")).into());
    }
    let who = kefu_core::required_text("who", &entry.who, 50)?;
    let request = kefu_core::required_text("request", &entry.request, 500)?;
    if !DEPARTMENTS.contains(&entry.department.as_str()) {
        return Err(
            Invalid::new("department", Rule::new("department", "请选择转办部门", "choose the department")).into()
        );
    }
    let result = entry.result.trim().chars().take(500).collect::<String>();
    let mut tx = db.begin().await?;
    let house = match entry.house.trim() {
        "" => None,
        text => Some(house_in(&mut tx, estate, &crate::houses::HouseNo::parse("house", text)?).await?),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO estate_desk_entries (branch_id, kind, who, house_id, request, department, result, at, \
         registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(estate.branch_id.0)
    .bind(entry.kind.clone())
    .bind(who)
    .bind(house)
    .bind(request)
    .bind(entry.department.clone())
    .bind(result)
    .bind(instant_text(now))
    .bind(actor.user_id.0)
    .fetch_one(tx.conn())
    .await?;
    let change = Change {
        entity: "estate_desk_entry",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(estate.branch_id),
        old: None,
        new: Some(serde_json::json!({ "kind": entry.kind, "department": entry.department })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// The estate's register from `from` to before `to`, in time order (a
/// page of it).
pub async fn entries_between(
    db: &Db,
    estate: &Estate,
    (from, to): (Timestamp, Timestamp),
    window: crate::window::Window,
) -> Result<Vec<EntryRow>> {
    let sql = format!(
        "SELECT d.id, d.kind, d.who, h.number, d.request, d.department, d.result, d.at FROM estate_desk_entries d \
         LEFT JOIN estate_houses h ON h.id = d.house_id WHERE d.branch_id = $1 AND d.at >= $2 AND d.at < $3 \
         ORDER BY d.at, d.id{}",
        window.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(estate.branch_id.0)
        .bind(instant_text(from))
        .bind(instant_text(to))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(EntryRow {
                id: r.i64("id")?,
                kind: r.text("kind")?,
                who: r.text("who")?,
                house: r.opt_text("number")?,
                request: r.text("request")?,
                department: r.text("department")?,
                result: r.text("result")?,
                at: r.text("at")?,
            })
        })
        .collect()
}
