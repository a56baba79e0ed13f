//! The cases' SQL. Every read takes the actor's scope (a case is seen from
//! its account's station); every write is one audited transaction.

use super::{Amounts, Basis, CaseRules, ENTITY, NewCase, amounts};
use crate::Price;
use crate::archive;
use crate::inspections::{Capacity, TheftRules, UserClass};
use crate::paging::{Page, Paged, total_of};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Permission, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// A case as stored, with its account's number and holder.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: i64,
    pub branch_id: BranchId,
    pub account_id: i64,
    pub account_no: String,
    pub customer_id: CustomerId,
    pub kind: String,
    pub source: String,
    pub found_on: Date,
    pub description: String,
    pub seal_numbers: String,
    pub user_class: Option<String>,
    pub capacity_w: Option<i64>,
    pub rated_current_a: Option<i64>,
    pub voltage_v: Option<i64>,
    pub phases: Option<i64>,
    pub hours: Option<i64>,
    pub price: Option<String>,
    pub added_kva: Option<i64>,
    pub amounts: Amounts,
    pub escalated_at: Option<String>,
    pub status: String,
    pub closed_at: Option<String>,
    pub close_note: Option<String>,
    pub created_at: String,
    /// The evidence photos' ids (filled by [`get`]).
    pub photos: Vec<i64>,
}

impl Case {
    pub fn escalated(&self) -> bool {
        self.escalated_at.is_some()
    }
}

const COLUMNS: &str = "c.id, c.branch_id, c.account_id, a.account_no, a.customer_id, c.kind, c.source, c.found_on, \
     c.description, c.seal_numbers, c.user_class, c.capacity_w, c.rated_current_a, c.voltage_v, c.phases, c.hours, \
     c.price_units, c.added_kva, c.kwh, c.back_charge_fen, c.penalty_fen, c.total_fen, c.escalated_at, c.status, \
     c.closed_at, c.close_note, c.created_at";

fn case_from(r: &sqlx::any::AnyRow) -> Result<Case> {
    Ok(Case {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        account_id: r.i64("account_id")?,
        account_no: r.text("account_no")?,
        customer_id: CustomerId(r.i64("customer_id")?),
        kind: r.text("kind")?,
        source: r.text("source")?,
        found_on: r.text("found_on")?.parse().map_err(|_| Failure::NotFound)?,
        description: r.text("description")?,
        seal_numbers: r.text("seal_numbers")?,
        user_class: r.opt_text("user_class")?,
        capacity_w: r.opt_i64("capacity_w")?,
        rated_current_a: r.opt_i64("rated_current_a")?,
        voltage_v: r.opt_i64("voltage_v")?,
        phases: r.opt_i64("phases")?,
        hours: r.opt_i64("hours")?,
        price: r.opt_i64("price_units")?.map(|u| Price::from_units(u).to_string()),
        added_kva: r.opt_i64("added_kva")?,
        amounts: Amounts {
            kwh: r.i64("kwh")?,
            back_charge: Money::from_fen(r.i64("back_charge_fen")?),
            penalty: Money::from_fen(r.i64("penalty_fen")?),
            total: Money::from_fen(r.i64("total_fen")?),
        },
        escalated_at: r.opt_text("escalated_at")?,
        status: r.text("status")?,
        closed_at: r.opt_text("closed_at")?,
        close_note: r.opt_text("close_note")?,
        created_at: r.text("created_at")?,
        photos: Vec::new(),
    })
}

/// The parameters in force: the manager's, else the rules' defaults.
pub async fn rules(db: &Db) -> Result<CaseRules> {
    let row = sqlx::query("SELECT * FROM power_case_rules WHERE id = 1").fetch_optional(db.pool()).await?;
    let Some(r) = row else { return Ok(CaseRules::default()) };
    let u32_of = |col: &str| -> Result<u32> { Ok(u32::try_from(r.i64(col)?).unwrap_or(0)) };
    Ok(CaseRules {
        theft: TheftRules {
            penalty_multiple: u32_of("penalty_multiple")?,
            unknown_days: u32_of("unknown_days")?,
            lighting_hours_a_day: u32_of("lighting_hours")?,
            power_hours_a_day: u32_of("power_hours")?,
            escalate_above: Money::from_fen(r.i64("escalate_above_fen")?),
        },
        capacity_charge_per_kva: Money::from_fen(r.i64("capacity_charge_fen")?),
    })
}

/// Saves the parameters, audited with the old and new.
pub async fn save_rules(db: &Db, actor: &Actor, new: &CaseRules) -> Result<()> {
    new.check()?;
    let old = rules(db).await?;
    let view = |r: &CaseRules| {
        json!({
            "penalty_multiple": r.theft.penalty_multiple, "unknown_days": r.theft.unknown_days,
            "lighting_hours": r.theft.lighting_hours_a_day, "power_hours": r.theft.power_hours_a_day,
            "escalate_above_fen": r.theft.escalate_above.fen(), "capacity_charge_fen": r.capacity_charge_per_kva.fen(),
        })
    };
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM power_case_rules WHERE id = 1").execute(tx.conn()).await?;
    sqlx::query(
        "INSERT INTO power_case_rules (id, penalty_multiple, unknown_days, lighting_hours, power_hours, \
         escalate_above_fen, capacity_charge_fen) VALUES (1, $1, $2, $3, $4, $5, $6)",
    )
    .bind(i64::from(new.theft.penalty_multiple))
    .bind(i64::from(new.theft.unknown_days))
    .bind(i64::from(new.theft.lighting_hours_a_day))
    .bind(i64::from(new.theft.power_hours_a_day))
    .bind(new.theft.escalate_above.fen())
    .bind(new.capacity_charge_per_kva.fen())
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_case_rules",
        entity_id: "1".into(),
        action: "update",
        branch: None,
        old: Some(view(&old)),
        new: Some(view(new)),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// The basis as its columns: user class, watts, amps, volts, phases, hours,
/// price units, added kVA.
type BasisColumns =
    (Option<String>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

fn basis_columns(basis: &Basis) -> BasisColumns {
    match basis {
        Basis::Theft(t) => {
            let class = match t.user_class {
                UserClass::Lighting => "lighting",
                UserClass::Power => "power",
            };
            let (watts, amps, volts, phases) = match t.capacity {
                Capacity::Equipment { watts } => (i64::try_from(watts).ok(), None, None, None),
                Capacity::RatedCurrent { amps, volts, three_phase } => {
                    (None, Some(i64::from(amps)), Some(i64::from(volts)), Some(if three_phase { 3 } else { 1 }))
                }
            };
            (Some(class.into()), watts, amps, volts, phases, t.hours.map(i64::from), Some(t.price.units()), None)
        }
        Basis::Capacity { added_kva } => (None, None, None, None, None, None, None, Some(i64::from(*added_kva))),
        Basis::BackCharge(_) => (None, None, None, None, None, None, None, None),
    }
}

pub(crate) fn user_of(actor: &Actor) -> Option<i64> {
    // The system actor (demo, nightly runs) is no user row.
    (actor.user_id.0 > 0).then_some(actor.user_id.0)
}

fn amounts_json(a: &Amounts, escalated: bool) -> serde_json::Value {
    json!({
        "kwh": a.kwh, "back_charge_fen": a.back_charge.fen(), "penalty_fen": a.penalty.fen(),
        "total_fen": a.total.fen(), "escalated": escalated,
    })
}

/// Opens a case at an account in scope, its amounts computed by the rules
/// in force; escalated at once when the total is above the escalation
/// amount.
pub async fn create(db: &Db, actor: &Actor, new: NewCase, now: Timestamp) -> Result<Case> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, db, actor, new, now).await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Opens a case inside the caller's transaction (a contract's broken term
/// opens one and is linked to it at once); returns its id.
pub(crate) async fn create_in(tx: &mut Tx, db: &Db, actor: &Actor, mut new: NewCase, now: Timestamp) -> Result<i64> {
    new.check()?;
    let account = archive::by_number(db, &actor.scope, &new.account_no).await.map_err(|e| match e {
        Failure::NotFound => Failure::Invalid(Invalid::new(
            "account_no",
            Rule::new("unknown_account", "没有这个户号", "there is no account with this number"),
        )),
        other => other,
    })?;
    let rules = rules(db).await?;
    let a = amounts(&new.kind, &new.basis, &rules)?;
    let escalated = crate::inspections::escalates(a.total, &rules.theft);
    let at = instant_text(now);
    let (class, watts, amps, volts, phases, hours, price, kva) = basis_columns(&new.basis);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_cases (branch_id, account_id, kind, source, found_on, description, seal_numbers, \
         user_class, capacity_w, rated_current_a, voltage_v, phases, hours, price_units, added_kva, kwh, \
         back_charge_fen, penalty_fen, total_fen, escalated_at, status, created_by, created_at) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 'open', $21, $22) \
         RETURNING id",
    )
    .bind(account.branch_id.0)
    .bind(account.id)
    .bind(new.kind.clone())
    .bind(new.source.clone())
    .bind(new.found_on.to_string())
    .bind(new.description.clone())
    .bind(new.seal_numbers.clone())
    .bind(class)
    .bind(watts)
    .bind(amps)
    .bind(volts)
    .bind(phases)
    .bind(hours)
    .bind(price)
    .bind(kva)
    .bind(a.kwh)
    .bind(a.back_charge.fen())
    .bind(a.penalty.fen())
    .bind(a.total.fen())
    .bind(escalated.then(|| at.clone()))
    .bind(user_of(actor))
    .bind(at.clone())
    .fetch_one(tx.conn())
    .await?;
    let mut new_json = amounts_json(&a, escalated);
    new_json["kind"] = json!(new.kind);
    new_json["account_no"] = json!(account.account_no);
    let change = Change {
        entity: ENTITY,
        entity_id: id.to_string(),
        action: "create",
        branch: Some(account.branch_id),
        old: None,
        new: Some(new_json),
    };
    tx.audit(actor, change).await?;
    if escalated {
        escalate_in(tx, actor, id, account.branch_id, &a).await?;
    }
    Ok(id)
}

/// The escalation's own audit entry: the report to the leaders.
async fn escalate_in(tx: &mut Tx, actor: &Actor, id: i64, branch: BranchId, a: &Amounts) -> Result<()> {
    let change = Change {
        entity: ENTITY,
        entity_id: id.to_string(),
        action: "escalate",
        branch: Some(branch),
        old: None,
        new: Some(amounts_json(a, true)),
    };
    Ok(tx.audit(actor, change).await?)
}

/// A case in scope with its photos' ids.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Case> {
    let sql = format!(
        "SELECT {COLUMNS} FROM power_cases c JOIN power_accounts a ON a.id = c.account_id \
         WHERE c.id = $1 AND c.branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    let mut case = row.as_ref().map(case_from).transpose()?.ok_or(Failure::NotFound)?;
    case.photos = sqlx::query_scalar("SELECT id FROM power_case_photos WHERE case_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(db.pool())
        .await?;
    Ok(case)
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub station: Option<BranchId>,
    /// open | closed
    pub status: Option<String>,
    pub escalated: bool,
    pub kind: Option<String>,
}

/// A page of the cases in scope, newest found first, and how many there are.
pub async fn list(db: &Db, scope: &Scope, f: &CaseFilter, page: Page) -> Result<Paged<Case>> {
    let mut sql = format!(
        "SELECT {COLUMNS}, COUNT(*) OVER () AS total FROM power_cases c JOIN power_accounts a ON a.id = c.account_id WHERE c.branch_id IN ({})",
        scope.sql_list()
    );
    if let Some(s) = f.station {
        sql.push_str(&format!(" AND c.branch_id = {}", s.0));
    }
    if f.escalated {
        sql.push_str(" AND c.escalated_at IS NOT NULL");
    }
    sql.push_str(" AND ($1 = '' OR c.status = $1) AND ($2 = '' OR c.kind = $2)");
    sql.push_str(&format!(" ORDER BY c.found_on DESC, c.id DESC{}", page.sql()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(f.status.clone().unwrap_or_default())
        .bind(f.kind.clone().unwrap_or_default())
        .fetch_all(db.pool())
        .await?;
    Ok(Paged { total: total_of(&rows)?, rows: rows.iter().map(case_from).collect::<Result<_>>()? })
}

/// Open escalated cases in scope: the leaders' today number.
pub async fn escalated_open(db: &Db, scope: &Scope) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM power_cases WHERE escalated_at IS NOT NULL AND status = 'open' AND branch_id IN ({})",
        scope.sql_list()
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?)
}

/// A customer's cases in scope, newest first.
pub async fn of_customer(db: &Db, scope: &Scope, customer: CustomerId) -> Result<Vec<Case>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM power_cases c JOIN power_accounts a ON a.id = c.account_id \
         WHERE a.customer_id = $1 AND c.branch_id IN ({}) ORDER BY c.found_on DESC, c.id DESC",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool()).await?;
    rows.iter().map(case_from).collect()
}

fn refuse_closed(case: &Case) -> Result<()> {
    if case.status == "closed" {
        return Err(Failure::Invalid(Invalid::new(
            "case_status",
            Rule::new("case_closed", "案件已结案，不能再修改", "the case is closed and cannot change"),
        )));
    }
    Ok(())
}

/// Recomputes an open case's amounts from a new basis, audited with the
/// old and new figures; escalates it when the new total is above the
/// escalation amount (an escalated case stays escalated).
pub async fn change_amounts(db: &Db, actor: &Actor, id: i64, basis: Basis, now: Timestamp) -> Result<Case> {
    let case = get(db, &actor.scope, id).await?;
    refuse_closed(&case)?;
    let rules = rules(db).await?;
    let a = amounts(&case.kind, &basis, &rules)?;
    let escalate_now = !case.escalated() && crate::inspections::escalates(a.total, &rules.theft);
    let at = instant_text(now);
    let (class, watts, amps, volts, phases, hours, price, kva) = basis_columns(&basis);
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE power_cases SET user_class = $1, capacity_w = $2, rated_current_a = $3, voltage_v = $4, phases = $5, \
         hours = $6, price_units = $7, added_kva = $8, kwh = $9, back_charge_fen = $10, penalty_fen = $11, \
         total_fen = $12, escalated_at = COALESCE(escalated_at, $13) WHERE id = $14",
    )
    .bind(class)
    .bind(watts)
    .bind(amps)
    .bind(volts)
    .bind(phases)
    .bind(hours)
    .bind(price)
    .bind(kva)
    .bind(a.kwh)
    .bind(a.back_charge.fen())
    .bind(a.penalty.fen())
    .bind(a.total.fen())
    .bind(escalate_now.then(|| at.clone()))
    .bind(id)
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: ENTITY,
        entity_id: id.to_string(),
        action: "amounts",
        branch: Some(case.branch_id),
        old: Some(amounts_json(&case.amounts, case.escalated())),
        new: Some(amounts_json(&a, case.escalated() || escalate_now)),
    };
    tx.audit(actor, change).await?;
    if escalate_now {
        escalate_in(&mut tx, actor, id, case.branch_id, &a).await?;
    }
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Closes a case with a note. An escalated case is closed only by a
/// manager (`PowerManage`): the inspector and the inspection supervisor are
/// refused, naming the rule (严禁私下结案).
pub async fn close(db: &Db, actor: &Actor, id: i64, note: &str, now: Timestamp) -> Result<Case> {
    let case = get(db, &actor.scope, id).await?;
    refuse_closed(&case)?;
    if case.escalated() && !actor.can(Permission::PowerManage) {
        return Err(Failure::Invalid(Invalid::new(
            "case_status",
            Rule::new(
                "escalated_case_manager_closes",
                "案件金额超过 1000 元，已上报领导，只有经理可以结案（严禁私下结案）",
                "the case is over 1,000 yuan and was reported to the leaders: only a manager may close it",
            ),
        )));
    }
    let note = kefu_core::required_text("close_note", note, 1000)?;
    let at = instant_text(now);
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE power_cases SET status = 'closed', closed_at = $1, closed_by = $2, close_note = $3 WHERE id = $4",
    )
    .bind(at)
    .bind(user_of(actor))
    .bind(note.clone())
    .bind(id)
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: ENTITY,
        entity_id: id.to_string(),
        action: "close",
        branch: Some(case.branch_id),
        old: Some(json!({"status": "open"})),
        new: Some(json!({"status": "closed", "note": note, "escalated": case.escalated()})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// A photo of a case's evidence.
#[derive(Debug, Clone)]
pub struct Photo {
    pub content_type: String,
    pub data: Vec<u8>,
}

/// The largest photo kept: a phone's JPEG, well inside the request limit.
const PHOTO_MAX: usize = 1536 * 1024;

/// What the bytes are, by their signature: JPEG, PNG or WebP only.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Adds a photo to an open case in scope: an image (JPEG, PNG, WebP) of at
/// most 1.5 MB, by its bytes rather than its name.
pub async fn add_photo(db: &Db, actor: &Actor, id: i64, name: &str, bytes: Vec<u8>, now: Timestamp) -> Result<i64> {
    let case = get(db, &actor.scope, id).await?;
    refuse_closed(&case)?;
    if bytes.is_empty() {
        return Err(Failure::Invalid(Invalid::required("photo")));
    }
    if bytes.len() > PHOTO_MAX {
        return Err(Failure::Invalid(Invalid::new(
            "photo",
            Rule::new("photo_too_large", "照片不能超过 1.5 MB", "a photo is at most 1.5 MB"),
        )));
    }
    let content_type = image_type(&bytes).ok_or_else(|| {
        Invalid::new(
            "photo",
            Rule::new("photo_type", "照片须为 JPEG、PNG 或 WebP 图片", "a photo is a JPEG, PNG or WebP image"),
        )
    })?;
    let name = kefu_core::optional_text("photo", name, 200).unwrap_or_default();
    let size = bytes.len();
    let mut tx = db.begin().await?;
    let photo: i64 = sqlx::query_scalar(
        "INSERT INTO power_case_photos (case_id, file_name, content_type, data, added_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(id)
    .bind(name.clone())
    .bind(content_type.to_string())
    .bind(bytes)
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    let change = Change {
        entity: ENTITY,
        entity_id: id.to_string(),
        action: "photo",
        branch: Some(case.branch_id),
        old: None,
        new: Some(json!({"photo": photo, "file_name": name, "bytes": size})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(photo)
}

/// A photo of a case in scope.
pub async fn photo(db: &Db, scope: &Scope, case: i64, photo: i64) -> Result<Photo> {
    get(db, scope, case).await?;
    let row = sqlx::query("SELECT content_type, data FROM power_case_photos WHERE id = $1 AND case_id = $2")
        .bind(photo)
        .bind(case)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    Ok(Photo { content_type: row.text("content_type")?, data: sqlx::Row::try_get(&row, "data")? })
}
