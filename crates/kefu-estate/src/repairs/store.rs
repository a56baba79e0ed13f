//! Repairs as stored (migration 0055): reported to an estate with the
//! deadlines of its category (the estate's own, or the defaults), each step
//! a row of `estate_repair_steps` written with its audit record; an
//! in-house repair's charge waits in `estate_repair_charges` for the
//! house's next bill; the hourly run escalates the late ones.

use super::{CATEGORIES, Category, Deadlines, Due, Escalation, Material, Status, Step, category_of};
use crate::archive::Estate;
use crate::desk::house_in;
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::{instant_text, parse_instant};
use kefu_core::{Actor, Invalid, Money, Rule, Scope, optional_text, required_text};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The asset kind of the 回访 call's outreach task.
pub const ASSET: &str = "estate_repair";

/// The categories with the deadlines in force at `estate`.
pub async fn deadlines(db: &Db, estate: &Estate) -> Result<Vec<Category>> {
    let rows = sqlx::query(
        "SELECT category, arrive_minutes, complete_minutes FROM estate_repair_deadlines WHERE branch_id = $1",
    )
    .bind(estate.branch_id.0)
    .fetch_all(db.pool())
    .await?;
    let mut out = CATEGORIES.to_vec();
    for r in &rows {
        let code = r.text("category")?;
        if let Some(c) = out.iter_mut().find(|c| c.code == code) {
            c.deadlines =
                Deadlines { arrive_minutes: r.i64("arrive_minutes")?, complete_minutes: r.i64("complete_minutes")? };
        }
    }
    Ok(out)
}

/// Sets an estate's deadlines for a category (EstateManage's decision),
/// audited with the old and new minutes; later reports use them.
pub async fn set_deadlines(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    category: &str,
    deadlines: Deadlines,
) -> Result<()> {
    let code = category_of("category", category)?.code;
    let old = deadlines_in_force(db, estate, code).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM estate_repair_deadlines WHERE branch_id = $1 AND category = $2")
        .bind(estate.branch_id.0)
        .bind(code)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO estate_repair_deadlines (branch_id, category, arrive_minutes, complete_minutes) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(estate.branch_id.0)
    .bind(code)
    .bind(deadlines.arrive_minutes)
    .bind(deadlines.complete_minutes)
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "estate_repair_deadlines",
        entity_id: format!("{}/{code}", estate.code),
        action: "update",
        branch: Some(estate.branch_id),
        old: Some(json!(old)),
        new: Some(json!(deadlines)),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

async fn deadlines_in_force(db: &Db, estate: &Estate, code: &str) -> Result<Deadlines> {
    let all = deadlines(db, estate).await?;
    Ok(all.iter().find(|c| c.code == code).map(|c| c.deadlines).unwrap_or(category_of("category", code)?.deadlines))
}

/// A report as the desk's form or the API gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewRepair {
    /// public | in_house
    pub place: String,
    /// The house repaired (in_house, required) or the reporter's (public,
    /// optional): a number of the estate.
    pub house: String,
    /// Where in a public area (required there): "3幢2单元电梯厅".
    pub location: String,
    pub category: String,
    /// desk | call | owner_link
    pub source: String,
    pub reporter: String,
    pub phone: String,
    pub description: String,
}

/// Records a report to `estate`: every field checked and a refusal names
/// it, nothing written; due by its category's deadlines from `now`.
pub async fn report(db: &Db, actor: &Actor, estate: &Estate, new: &NewRepair, now: Timestamp) -> Result<i64> {
    let one_of = |field: &str, value: &str, codes: &[&str], zh: &str, en: &str| {
        if codes.contains(&value) {
            Ok(())
        } else {
            Err(Invalid::new(field, Rule::new("one_of", zh.to_string(), en.to_string())))
        }
    };
    one_of("place", &new.place, super::PLACES, "请选择公共区域或户内", "choose a public area or in-house")?;
    one_of("source", &new.source, super::SOURCES, "请选择报修来源", "choose how the repair was reported")?;
    let category = category_of("category", &new.category)?;
    let reporter = required_text("reporter", &new.reporter, 50)?;
    let phone = optional_text("phone", &new.phone, 30)?;
    let description = required_text("description", &new.description, 1000)?;
    let location = optional_text("location", &new.location, 100)?;
    if new.place == "public" && location.is_empty() {
        return Err(Invalid::new(
            "location",
            Rule::new("repair_location", "公共区域报修须写明位置", "a public area's repair needs its location"),
        )
        .into());
    }
    if new.place == "in_house" && new.house.trim().is_empty() {
        return Err(Invalid::new(
            "house",
            Rule::new("repair_house", "户内报修须填写房号", "an in-house repair needs the house number"),
        )
        .into());
    }
    let deadlines = deadlines_in_force(db, estate, category.code).await?;
    let due = deadlines.due(now);
    let mut tx = db.begin().await?;
    let house = match new.house.trim() {
        "" => None,
        text => Some(house_in(&mut tx, estate, &crate::houses::HouseNo::parse("house", text)?).await?),
    };
    // The 回访 call goes to the house's owner (a co-owner, a tenant, family
    // when there is no owner), as long as they live there.
    let customer: Option<i64> = match house {
        Some(h) => {
            sqlx::query_scalar(
                "SELECT customer_id FROM estate_residents WHERE house_id = $1 AND moved_out IS NULL \
                 ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'co_owner' THEN 1 WHEN 'tenant' THEN 2 ELSE 3 END, id \
                 LIMIT 1",
            )
            .bind(h)
            .fetch_optional(tx.conn())
            .await?
        }
        None => None,
    };
    let at = instant_text(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO estate_repairs (branch_id, place, house_id, customer_id, location, category, source, reporter, \
         phone, description, status, reported_at, arrive_due_at, complete_due_at, registered_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'reported', $11, $12, $13, $14, $11) RETURNING id",
    )
    .bind(estate.branch_id.0)
    .bind(new.place.clone())
    .bind(house)
    .bind(customer)
    .bind(location)
    .bind(category.code)
    .bind(new.source.clone())
    .bind(reporter)
    .bind(phone)
    .bind(description.clone())
    .bind(at.clone())
    .bind(instant_text(due.arrive_by))
    .bind(instant_text(due.complete_by))
    .bind(actor.user_id.0)
    .fetch_one(tx.conn())
    .await?;
    step(&mut tx, id, "report", &at, &description, actor).await?;
    let change = Change {
        entity: "estate_repair",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(estate.branch_id),
        old: None,
        new: Some(json!({ "place": new.place, "category": category.code, "source": new.source, "house": new.house })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

async fn step(tx: &mut Tx, repair: i64, kind: &str, at: &str, text: &str, actor: &Actor) -> Result<()> {
    sqlx::query("INSERT INTO estate_repair_steps (repair_id, kind, at, text, actor) VALUES ($1, $2, $3, $4, $5)")
        .bind(repair)
        .bind(kind.to_string())
        .bind(at.to_string())
        .bind(text.to_string())
        .bind(actor.display_name.clone())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A repair as its page and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    pub id: i64,
    pub branch_id: BranchId,
    pub estate: String,
    pub place: String,
    pub house_id: Option<i64>,
    pub house: Option<String>,
    pub customer_id: Option<i64>,
    pub location: String,
    pub category: String,
    pub source: String,
    pub reporter: String,
    pub phone: String,
    pub description: String,
    pub status: Status,
    pub reported_at: String,
    pub arrive_due_at: String,
    pub complete_due_at: String,
    pub technician: String,
    pub dispatched_at: Option<String>,
    pub arrived_at: Option<String>,
    pub completed_at: Option<String>,
    pub completed_on: Option<String>,
    pub work_done: String,
    /// Fen.
    pub charge: Money,
    pub confirmed_at: Option<String>,
    pub owner_satisfied: Option<bool>,
    pub confirm_note: String,
    pub escalation: Escalation,
}

impl Repair {
    fn due(&self) -> Result<Due> {
        let at = |t: &str| {
            parse_instant(t).ok_or_else(|| {
                Failure::Store(kefu_store::StoreError::Other(format!("estate_repairs: bad instant {t:?}")))
            })
        };
        let (arrive_by, complete_by) = (at(&self.arrive_due_at)?, at(&self.complete_due_at)?);
        let reported = at(&self.reported_at)?;
        Ok(Due { arrive_by, complete_by, manager_by: complete_by + complete_by.duration_since(reported) })
    }

    /// Whether a deadline has passed unmet at `now` (the list's red mark,
    /// before the hourly run escalates it).
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.due()
            .map(|due| super::escalation(now, &due, self.arrived_at.is_some(), self.completed_at.is_some()))
            .is_ok_and(|e| e > Escalation::None)
    }

    /// Whether the technician was on site and the repair done within their
    /// deadlines (None while it is not done).
    pub fn on_time(&self) -> Option<bool> {
        let (arrived, completed) = (self.arrived_at.as_deref()?, self.completed_at.as_deref()?);
        Some(arrived <= self.arrive_due_at.as_str() && completed <= self.complete_due_at.as_str())
    }
}

const COLUMNS: &str = "r.id, r.branch_id, b.code AS estate, r.place, r.house_id, h.number AS house, r.customer_id, \
     r.location, r.category, r.source, r.reporter, r.phone, r.description, r.status, r.reported_at, r.arrive_due_at, \
     r.complete_due_at, r.technician, r.dispatched_at, r.arrived_at, r.completed_at, r.completed_on, r.work_done, \
     r.charge, r.confirmed_at, r.owner_satisfied, r.confirm_note, r.escalation \
     FROM estate_repairs r JOIN branches b ON b.id = r.branch_id LEFT JOIN estate_houses h ON h.id = r.house_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Repair> {
    let status = r.text("status")?;
    Ok(Repair {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        estate: r.text("estate")?,
        place: r.text("place")?,
        house_id: r.opt_i64("house_id")?,
        house: r.opt_text("house")?,
        customer_id: r.opt_i64("customer_id")?,
        location: r.text("location")?,
        category: r.text("category")?,
        source: r.text("source")?,
        reporter: r.text("reporter")?,
        phone: r.text("phone")?,
        description: r.text("description")?,
        status: Status::parse(&status)
            .ok_or(Failure::Store(kefu_store::StoreError::Other(format!("estate_repairs: bad status {status:?}"))))?,
        reported_at: r.text("reported_at")?,
        arrive_due_at: r.text("arrive_due_at")?,
        complete_due_at: r.text("complete_due_at")?,
        technician: r.text("technician")?,
        dispatched_at: r.opt_text("dispatched_at")?,
        arrived_at: r.opt_text("arrived_at")?,
        completed_at: r.opt_text("completed_at")?,
        completed_on: r.opt_text("completed_on")?,
        work_done: r.text("work_done")?,
        charge: Money::from_fen(r.i64("charge")?),
        confirmed_at: r.opt_text("confirmed_at")?,
        owner_satisfied: r.opt_i64("owner_satisfied")?.map(|s| s != 0),
        confirm_note: r.text("confirm_note")?,
        escalation: Escalation::from_level(r.i64("escalation")?),
    })
}

/// A repair in scope; one outside it is not there.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Repair> {
    let sql = format!("SELECT {COLUMNS} WHERE r.id = $1 AND r.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    from_row(&row.ok_or(Failure::NotFound)?)
}

/// What the list narrows to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One estate of the scope, or all of them.
    pub estate: Option<BranchId>,
    pub status: Option<Status>,
    pub category: Option<&'static str>,
    /// Only those escalated by the hourly run.
    pub escalated: bool,
}

/// The repairs in scope the filter keeps, latest first (a page of them).
pub async fn list(db: &Db, scope: &Scope, filter: &Filter, window: crate::window::Window) -> Result<Vec<Repair>> {
    let mut sql = format!("SELECT {COLUMNS} WHERE r.branch_id IN ({})", scope.sql_list());
    if let Some(b) = filter.estate {
        sql.push_str(&format!(" AND r.branch_id = {}", b.0));
    }
    if let Some(s) = filter.status {
        sql.push_str(&format!(" AND r.status = '{}'", s.code()));
    }
    if let Some(c) = filter.category {
        sql.push_str(&format!(" AND r.category = '{c}'"));
    }
    if filter.escalated {
        sql.push_str(" AND r.escalation > 0");
    }
    sql.push_str(" ORDER BY r.reported_at DESC, r.id DESC");
    sql.push_str(&window.sql());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// The estate's repairs reported from `from` to before `to` (the monthly
/// report's), in order.
pub async fn reported_between(db: &Db, estate: &Estate, (from, to): (Timestamp, Timestamp)) -> Result<Vec<Repair>> {
    let sql = format!(
        "SELECT {COLUMNS} WHERE r.branch_id = $1 AND r.reported_at >= $2 AND r.reported_at < $3 ORDER BY r.reported_at, r.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(estate.branch_id.0)
        .bind(instant_text(from))
        .bind(instant_text(to))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// A step of a repair's history.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub kind: String,
    pub at: String,
    pub text: String,
    pub actor: String,
}

/// A repair's steps and materials, in order.
pub async fn history(db: &Db, repair: &Repair) -> Result<(Vec<StepRow>, Vec<Material>)> {
    let rows = sqlx::query("SELECT kind, at, text, actor FROM estate_repair_steps WHERE repair_id = $1 ORDER BY id")
        .bind(repair.id)
        .fetch_all(db.pool())
        .await?;
    let steps = rows
        .iter()
        .map(|r| {
            Ok(StepRow { kind: r.text("kind")?, at: r.text("at")?, text: r.text("text")?, actor: r.text("actor")? })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query(
        "SELECT name, quantity, unit_price, amount FROM estate_repair_materials WHERE repair_id = $1 ORDER BY id",
    )
    .bind(repair.id)
    .fetch_all(db.pool())
    .await?;
    let materials = rows
        .iter()
        .map(|r| {
            Ok(Material {
                name: r.text("name")?,
                quantity: r.i64("quantity")?,
                unit_price: Money::from_fen(r.i64("unit_price")?),
                amount: Money::from_fen(r.i64("amount")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((steps, materials))
}

/// A value an [`advance`] sets, typed as its column is.
enum Bind {
    Text(String),
    Int(i64),
}

/// Moves `repair` on by `step` inside `tx` when its state allows it (the
/// update checks the state it read, so two clerks cannot both take it),
/// with the step row and the audit record.
async fn advance(
    tx: &mut Tx,
    actor: &Actor,
    repair: &Repair,
    (step_kind, to): (Step, Status),
    set: &str,
    text: &str,
    binds: Vec<Bind>,
) -> Result<()> {
    if !repair.status.allows(step_kind) {
        return Err(Failure::Conflict(step_kind.out_of_order()));
    }
    let at = instant_text(tx.now());
    let sql = format!(
        "UPDATE estate_repairs SET status = '{}', {set}, updated_at = $1 WHERE id = $2 AND status = '{}'",
        to.code(),
        repair.status.code()
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at.clone()).bind(repair.id);
    for b in binds {
        query = match b {
            Bind::Text(t) => query.bind(t),
            Bind::Int(i) => query.bind(i),
        };
    }
    if query.execute(tx.conn()).await?.rows_affected() == 0 {
        return Err(Failure::Conflict(step_kind.out_of_order()));
    }
    step(tx, repair.id, step_kind.code(), &at, text, actor).await?;
    let change = Change {
        entity: "estate_repair",
        entity_id: repair.id.to_string(),
        action: step_kind.code(),
        branch: Some(repair.branch_id),
        old: Some(json!({ "status": repair.status })),
        new: Some(json!({ "status": to, "text": text })),
    };
    tx.audit(actor, change).await?;
    Ok(())
}

/// Dispatches a technician (again, while nobody is on site).
pub async fn dispatch(db: &Db, actor: &Actor, id: i64, technician: &str) -> Result<Repair> {
    let repair = get(db, &actor.scope, id).await?;
    let technician = required_text("technician", technician, 50)?;
    let mut tx = db.begin().await?;
    let set = "technician = $3, dispatched_at = $1";
    advance(
        &mut tx,
        actor,
        &repair,
        (Step::Dispatch, Status::Dispatched),
        set,
        &technician,
        vec![Bind::Text(technician.clone())],
    )
    .await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// The technician is on site.
pub async fn arrive(db: &Db, actor: &Actor, id: i64) -> Result<Repair> {
    let repair = get(db, &actor.scope, id).await?;
    let mut tx = db.begin().await?;
    advance(&mut tx, actor, &repair, (Step::Arrive, Status::Arrived), "arrived_at = $1", "", Vec::new()).await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// The repair done, as the technician reports it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Completion {
    pub work_done: String,
    /// One material a line: `name, quantity, unit price` (in-house only).
    pub materials: String,
    /// Yuan; empty for none.
    pub labour: String,
}

/// Completes a repair on the business day `today`: what was done, and for
/// an in-house repair its materials and labour, whose total waits in
/// `estate_repair_charges` for the house's next bill — all in one
/// transaction, or nothing.
pub async fn complete(db: &Db, actor: &Actor, id: i64, done: &Completion, today: Date) -> Result<Repair> {
    let repair = get(db, &actor.scope, id).await?;
    let work_done = required_text("work_done", &done.work_done, 1000)?;
    let materials = super::materials("materials", &done.materials)?;
    let labour = match done.labour.trim() {
        "" => Money::ZERO,
        text => Money::parse_yuan("labour", text)?,
    };
    if labour < Money::ZERO {
        return Err(Invalid::new("labour", Rule::new("not_negative", "不能为负数", "cannot be negative")).into());
    }
    let charge = super::charge(&repair.place, &materials, labour)?;
    let mut tx = db.begin().await?;
    let set = "completed_at = $1, completed_on = $3, work_done = $4, charge = $5";
    advance(
        &mut tx,
        actor,
        &repair,
        (Step::Complete, Status::Completed),
        set,
        &work_done,
        vec![Bind::Text(today.to_string()), Bind::Text(work_done.clone()), Bind::Int(charge.fen())],
    )
    .await?;
    for m in &materials {
        sqlx::query(
            "INSERT INTO estate_repair_materials (repair_id, name, quantity, unit_price, amount) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(repair.id)
        .bind(m.name.clone())
        .bind(m.quantity)
        .bind(m.unit_price.fen())
        .bind(m.amount.fen())
        .execute(tx.conn())
        .await?;
    }
    if let (Some(house), true) = (repair.house_id, charge > Money::ZERO) {
        sqlx::query(
            "INSERT INTO estate_repair_charges (branch_id, house_id, repair_id, amount, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(repair.branch_id.0)
        .bind(house)
        .bind(repair.id)
        .bind(charge.fen())
        .bind(format!("报修 #{} 维修费 Repair #{} charge", repair.id, repair.id))
        .bind(instant_text(tx.now()))
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// The owner's confirmation of a completed repair (signed on the work
/// order, or said on the phone): satisfied or not, and why.
pub async fn confirm(db: &Db, actor: &Actor, id: i64, satisfied: bool, note: &str) -> Result<Repair> {
    let repair = get(db, &actor.scope, id).await?;
    let note = optional_text("note", note, 500)?;
    if !satisfied && note.is_empty() {
        return Err(Invalid::new(
            "note",
            Rule::new("repair_unsatisfied_note", "业主不满意时请记录原因", "say why the owner is not satisfied"),
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let set = "confirmed_at = $1, owner_satisfied = $3, confirm_note = $4";
    let binds = vec![Bind::Int(i64::from(satisfied)), Bind::Text(note.clone())];
    advance(&mut tx, actor, &repair, (Step::Confirm, Status::Confirmed), set, &note, binds).await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Escalates the unfinished repairs in the actor's scope whose deadlines
/// passed by `now`, each to each level once (the update only raises it),
/// with a step and an audit record; how many it raised.
pub async fn escalate(db: &Db, actor: &Actor, now: Timestamp) -> Result<usize> {
    let at = instant_text(now);
    let sql = format!(
        "SELECT {COLUMNS} WHERE r.completed_at IS NULL AND r.escalation < {} AND r.branch_id IN ({}) \
         AND (r.complete_due_at <= $1 OR (r.arrived_at IS NULL AND r.arrive_due_at <= $1)) ORDER BY r.id",
        Escalation::Manager.level(),
        actor.scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at.clone()).fetch_all(db.pool()).await?;
    let mut raised = 0;
    for row in &rows {
        let r = from_row(row)?;
        let level = super::escalation(now, &r.due()?, r.arrived_at.is_some(), false);
        if level <= r.escalation {
            continue;
        }
        let mut tx = db.begin().await?;
        let done = sqlx::query(
            "UPDATE estate_repairs SET escalation = $1, escalated_at = $2, updated_at = $2 \
             WHERE id = $3 AND escalation < $1",
        )
        .bind(level.level())
        .bind(at.clone())
        .bind(r.id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if done == 0 {
            continue;
        }
        let text = match level {
            Escalation::Manager => "manager",
            _ => "supervisor",
        };
        step(&mut tx, r.id, "escalation", &at, text, actor).await?;
        let change = Change {
            entity: "estate_repair",
            entity_id: r.id.to_string(),
            action: "escalation",
            branch: Some(r.branch_id),
            old: Some(json!({ "escalation": r.escalation })),
            new: Some(json!({ "escalation": level })),
        };
        tx.audit(actor, change).await?;
        tx.commit().await?;
        raised += 1;
    }
    Ok(raised)
}

/// The 回访 call about a repair: when it is queued for, and how it ended.
#[derive(Debug, Clone, Serialize)]
pub struct Revisit {
    pub call_id: i64,
    pub due_on: String,
    pub status: String,
    pub outcome: Option<String>,
    pub notes: String,
}

/// The 回访 calls about `repair` (the outreach tasks whose asset it is):
/// their outcome, recorded by the call queue, is the repair's 回访 result.
pub async fn revisits(db: &Db, repair: &Repair) -> Result<Vec<Revisit>> {
    let rows = sqlx::query(
        "SELECT id, due_date, status, outcome, notes FROM outreach_tasks \
         WHERE asset_kind = $1 AND asset_id = $2 AND branch_id = $3 ORDER BY id",
    )
    .bind(ASSET)
    .bind(repair.id)
    .bind(repair.branch_id.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Revisit {
                call_id: r.i64("id")?,
                due_on: r.text("due_date")?,
                status: r.text("status")?,
                outcome: r.opt_text("outcome")?,
                notes: r.text("notes")?,
            })
        })
        .collect()
}
