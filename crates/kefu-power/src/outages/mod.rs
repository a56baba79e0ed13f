//! Planned outages (停电审批, issue 19 §5): a station asks to cut a feeder
//! or a transformer — the accounts it cuts, from when until when, why — and
//! a manager approves or refuses the request. Once approved, the outreach
//! engine tells the accounts' holders at the playbooks' lead times (large
//! users 7 days ahead, everyone else 1 day: `playbooks.toml`) through this
//! module's anchor source; a printable notice is drawn by the web half. An
//! approval that comes after a notice's day (the daily run of that day had
//! nothing to tell) sends that notice at once and records that it was late
//! (migration 36).

use crate::accounts::AccountNo;
use crate::paging::{Page, Paged, total_of};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use kefu_care::customers::{PREFERENCE_COLUMNS, preferences_of};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::{BusinessZone, instant_text};
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::rules::Reachable;
use kefu_outreach::source::{AnchorSource, Subject, Subjects, Vars};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

pub const EQUIPMENT_KINDS: &[&str] = &["feeder", "transformer"];

/// The most accounts one request names.
const MAX_ACCOUNTS: usize = 5000;

/// The anchors: an approved outage's first day, for large users (10 kV) and
/// for everyone else.
pub const LARGE: &str = "power_outage_large";
pub const OTHERS: &str = "power_outage_resident";

/// The record a notice is about.
pub const ASSET: &str = "power_outage";

/// The outage notices among the pack's playbooks.
pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

/// A request as a station makes it.
#[derive(Debug, Clone, Default)]
pub struct NewOutage {
    pub station: i64,
    pub equipment_kind: String,
    pub equipment: String,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub reason: String,
    /// Account numbers, separated by spaces, commas or lines.
    pub accounts: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outage {
    pub id: i64,
    pub branch_id: BranchId,
    pub station: String,
    pub station_phone: String,
    pub equipment_kind: String,
    pub equipment: String,
    pub starts_at: String,
    pub ends_at: String,
    pub start_day: Date,
    pub hours: String,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub decision_note: String,
    pub accounts: i64,
    /// When an approval after a notice's day sent the notices at once.
    pub late_notice_at: Option<String>,
    /// How many notices the approval sent at once.
    pub late_notices: i64,
}

/// An account an outage cuts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Affected {
    pub account_no: String,
    pub holder: String,
    pub voltage: String,
    pub supply_address: String,
}

fn refuse(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Failure {
    Failure::Invalid(Invalid::new(field, Rule::new(code, zh, en)))
}

const COLUMNS: &str = "o.id, o.branch_id, b.name AS station, b.phone AS station_phone, o.equipment_kind, \
     o.equipment, o.starts_at, o.ends_at, o.start_day, o.hours, o.reason, o.status, o.requested_by, o.decided_by, \
     o.decision_note, o.late_notice_at, o.late_notices, \
     (SELECT COUNT(*) FROM power_outage_accounts x WHERE x.outage_id = o.id) AS accounts";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Outage> {
    Ok(Outage {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        station: r.text("station")?,
        station_phone: r.text("station_phone")?,
        equipment_kind: r.text("equipment_kind")?,
        equipment: r.text("equipment")?,
        starts_at: r.text("starts_at")?,
        ends_at: r.text("ends_at")?,
        start_day: r.text("start_day")?.parse().map_err(|_| Failure::NotFound)?,
        hours: r.text("hours")?,
        reason: r.text("reason")?,
        status: r.text("status")?,
        requested_by: r.text("requested_by")?,
        decided_by: r.opt_text("decided_by")?,
        decision_note: r.text("decision_note")?,
        accounts: r.i64("accounts")?,
        late_notice_at: r.opt_text("late_notice_at")?,
        late_notices: r.i64("late_notices")?,
    })
}

/// A station asks for an outage; the accounts must be the station's and
/// in supply. Nothing is written when one is not.
pub async fn request(db: &Db, actor: &Actor, zone: &BusinessZone, o: &NewOutage, now: Timestamp) -> Result<Outage> {
    let station = BranchId(o.station);
    actor.scope.check(station)?;
    if !EQUIPMENT_KINDS.contains(&o.equipment_kind.as_str()) {
        return Err(refuse("equipment_kind", "one_of", "应为线路或变压器", "must be a feeder or a transformer"));
    }
    let equipment = required_text("equipment", &o.equipment, 60)?;
    let reason = required_text("reason", &o.reason, 500)?;
    let starts = o.starts_at.ok_or_else(|| Invalid::required("starts_at"))?;
    let ends = o.ends_at.ok_or_else(|| Invalid::required("ends_at"))?;
    if starts <= now {
        return Err(refuse("starts_at", "outage_in_past", "计划停电须在将来", "a planned outage lies ahead"));
    }
    if ends <= starts {
        return Err(refuse(
            "ends_at",
            "outage_ends_before",
            "送电时间须晚于停电时间",
            "the end must come after the start",
        ));
    }
    let numbers: Vec<&str> =
        o.accounts.split(|c: char| c.is_whitespace() || c == ',' || c == '，').filter(|s| !s.is_empty()).collect();
    if numbers.is_empty() {
        return Err(Invalid::required("accounts").into());
    }
    if numbers.len() > MAX_ACCOUNTS {
        return Err(refuse(
            "accounts",
            "too_many",
            format!("一次最多 {MAX_ACCOUNTS} 户"),
            format!("at most {MAX_ACCOUNTS} accounts a request"),
        ));
    }
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(numbers.len());
    for n in &numbers {
        let no = AccountNo::parse("accounts", n)?;
        let found: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT id, branch_id, status FROM power_accounts WHERE account_no = $1")
                .bind(no.as_str().to_string())
                .fetch_optional(tx.conn())
                .await?;
        match found {
            Some((id, branch, status)) if branch == station.0 && status != "closed" => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => {
                return Err(refuse(
                    "accounts",
                    "outage_account",
                    format!("户号 {} 不是本供电所在用的用电户", no.as_str()),
                    format!("{} is not an account of this station in supply", no.as_str()),
                ));
            }
        }
    }
    let hours = format!("{} 至 {}", zone.display(starts), zone.display(ends));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_outages (branch_id, equipment_kind, equipment, starts_at, ends_at, start_day, hours, reason, \
         status, requested_by, requested_at, decision_note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9, $10, $11) RETURNING id",
    )
    .bind(station.0)
    .bind(o.equipment_kind.clone())
    .bind(equipment)
    .bind(instant_text(starts))
    .bind(instant_text(ends))
    .bind(zone.date_of(starts).to_string())
    .bind(hours)
    .bind(reason)
    .bind(actor.display_name.clone())
    .bind(instant_text(now))
    .bind(String::new())
    .fetch_one(tx.conn())
    .await?;
    for account in &ids {
        sqlx::query("INSERT INTO power_outage_accounts (outage_id, account_id) VALUES ($1, $2)")
            .bind(id)
            .bind(account)
            .execute(tx.conn())
            .await?;
    }
    let sql = format!("SELECT {COLUMNS} FROM power_outages o JOIN branches b ON b.id = o.branch_id WHERE o.id = $1");
    let outage = from_row(&sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(tx.conn()).await?)?;
    tx.audit(
        actor,
        Change {
            entity: "power_outage",
            entity_id: id.to_string(),
            action: "request",
            branch: Some(station),
            old: None,
            new: Some(json!({ "outage": outage, "accounts": numbers })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(outage)
}

/// A manager approves or refuses a request (once); a refusal says why. An
/// approval on or after a notice's day sends that notice at once (the
/// daily run of its day found nothing approved), and one after it records
/// that the notices were late.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    zone: &BusinessZone,
    id: i64,
    (approve, note): (bool, &str),
    now: Timestamp,
) -> Result<Outage> {
    let note = optional_text("note", note, 500)?;
    if !approve && note.is_empty() {
        return Err(Invalid::required("note").into());
    }
    let before = get(db, &actor.scope, id).await?.0;
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE power_outages SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 \
         WHERE id = $5 AND status = 'requested'",
    )
    .bind(if approve { "approved" } else { "refused" })
    .bind(actor.display_name.clone())
    .bind(instant_text(now))
    .bind(note.clone())
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Failure::Conflict(Rule::new("outage_decided", "该停电申请已审批", "the request has been decided")));
    }
    let today = zone.date_of(now);
    let (mut late, mut sent) = (false, 0);
    if approve && before.start_day >= today {
        for p in playbooks.iter().filter(|p| p.enabled && [LARGE, OTHERS].contains(&p.anchor.as_str())) {
            let sql = holders_sql(&p.anchor, true);
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(before.start_day.to_string())
                .bind(id)
                .fetch_all(tx.conn())
                .await?;
            let subjects = rows.iter().map(|r| subject_of(r, before.start_day)).collect::<Result<Vec<_>>>()?;
            for (i, step) in p.steps.iter().enumerate() {
                let day = before.start_day + step.offset_days.days();
                if day > today || subjects.is_empty() {
                    continue;
                }
                late |= day < today;
                sent += kefu_outreach::notices::send_step_now_in(&mut tx, p, i, &subjects, today).await?;
            }
        }
    }
    if late {
        sqlx::query("UPDATE power_outages SET late_notice_at = $1, late_notices = $2 WHERE id = $3")
            .bind(instant_text(now))
            .bind(sent as i64)
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    tx.audit(
        actor,
        Change {
            entity: "power_outage",
            entity_id: id.to_string(),
            action: if approve { "approve" } else { "refuse" },
            branch: Some(before.branch_id),
            old: Some(json!(before)),
            new: Some(json!({ "approve": approve, "note": note, "late": late, "notices_sent_at_once": sent })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(get(db, &actor.scope, id).await?.0)
}

/// The first day the playbooks in force tell the outage's holders: its
/// first day moved by the earliest step of the enabled playbooks whose
/// holders it cuts (large users, the others). An approval after this day
/// is late. None when no playbook tells them.
pub async fn first_notice_day(db: &Db, o: &Outage) -> Result<Option<Date>> {
    let large: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM power_outage_accounts x JOIN power_accounts a ON a.id = x.account_id \
         WHERE x.outage_id = $1 AND a.voltage = '10kv'",
    )
    .bind(o.id)
    .fetch_one(db.pool())
    .await?;
    let cut = |anchor: &str| if anchor == LARGE { large > 0 } else { o.accounts > large };
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    Ok(playbooks
        .iter()
        .filter(|p| p.enabled && [LARGE, OTHERS].contains(&p.anchor.as_str()) && cut(&p.anchor))
        .flat_map(|p| p.steps.iter().map(|s| o.start_day + s.offset_days.days()))
        .min())
}

/// Whether approving on `today` comes after the outage's first notice day
/// ([`first_notice_day`]) while the outage still lies ahead: its holders
/// would then be told later than the lead time promises.
pub fn approval_late(first_notice_day: Option<Date>, start_day: Date, today: Date) -> bool {
    first_notice_day.is_some_and(|d| d < today) && start_day >= today
}

/// An outage in scope and the accounts it cuts.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<(Outage, Vec<Affected>)> {
    let sql = format!(
        "SELECT {COLUMNS} FROM power_outages o JOIN branches b ON b.id = o.branch_id WHERE o.id = $1 \
         AND o.branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    let outage = from_row(&row.ok_or(Failure::NotFound)?)?;
    let rows = sqlx::query(
        "SELECT a.account_no, c.name, a.voltage, a.supply_address FROM power_outage_accounts x \
         JOIN power_accounts a ON a.id = x.account_id JOIN customers c ON c.id = a.customer_id \
         WHERE x.outage_id = $1 ORDER BY a.account_no",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let affected = rows
        .iter()
        .map(|r| {
            Ok(Affected {
                account_no: r.text("account_no")?,
                holder: r.text("name")?,
                voltage: r.text("voltage")?,
                supply_address: r.text("supply_address")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((outage, affected))
}

/// A page of the outages in scope, latest first.
pub async fn list(db: &Db, scope: &Scope, page: Page) -> Result<Paged<Outage>> {
    let sql = format!(
        "SELECT {COLUMNS}, COUNT(*) OVER () AS total FROM power_outages o JOIN branches b ON b.id = o.branch_id \
         WHERE o.branch_id IN ({}) ORDER BY o.start_day DESC, o.id DESC{}",
        scope.sql_list(),
        page.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    Ok(Paged { total: total_of(&rows)?, rows: rows.iter().map(from_row).collect::<Result<_>>()? })
}

/// The holders of the accounts an approved outage starting on a day cuts.
pub struct OutageNotices;

pub static NOTICES: OutageNotices = OutageNotices;

impl AnchorSource for OutageNotices {
    fn anchors(&self) -> &'static [&'static str] {
        &[LARGE, OTHERS]
    }

    fn subjects<'a>(&'a self, db: &'a Db, anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let sql = holders_sql(anchor, false);
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(date.to_string()).fetch_all(db.pool()).await?;
            rows.iter().map(|r| subject_of(r, date)).collect()
        })
    }
}

/// The holders of the accounts of the approved outages starting on a day
/// (`$1`), large users or the others by the anchor; with `one`, of the
/// outage `$2` only.
fn holders_sql(anchor: &str, one: bool) -> String {
    let voltage = if anchor == LARGE { "a.voltage = '10kv'" } else { "a.voltage <> '10kv'" };
    let outage = if one { "AND o.id = $2" } else { "" };
    let prefs = PREFERENCE_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
    // A holder of several accounts on the outage is told once.
    format!(
        "SELECT DISTINCT o.id AS outage_id, o.branch_id, o.hours, o.reason, o.equipment, c.id AS customer_id, \
         c.name, c.mobile, c.email, c.address, c.is_member, {prefs}, b.name AS station, b.phone \
         FROM power_outages o JOIN power_outage_accounts x ON x.outage_id = o.id \
         JOIN power_accounts a ON a.id = x.account_id JOIN customers c ON c.id = a.customer_id \
         JOIN branches b ON b.id = o.branch_id \
         WHERE o.status = 'approved' AND o.start_day = $1 AND {voltage} {outage} AND c.merged_into IS NULL \
         ORDER BY o.id, c.id"
    )
}

fn subject_of(r: &sqlx::any::AnyRow, date: Date) -> Result<Subject> {
    let vars = Vars::from([
        ("name", r.text("name")?),
        ("store", r.text("station")?),
        ("store_phone", r.text("phone")?),
        ("time", r.text("hours")?),
        ("reason", format!("{}（{}）", r.text("reason")?, r.text("equipment")?)),
    ]);
    Ok(Subject {
        branch: BranchId(r.i64("branch_id")?),
        customer: CustomerId(r.i64("customer_id")?),
        asset: Some((ASSET, r.i64("outage_id")?)),
        anchor_date: date,
        last_visit: None,
        is_member: r.flag("is_member")?,
        visit_kind: None,
        last_booking: None,
        prefs: preferences_of(r)?,
        reach: Reachable {
            mobile: r.opt_text("mobile")?.is_some_and(|m| !m.is_empty()),
            email: !r.text("email")?.is_empty(),
            address: !r.text("address")?.is_empty(),
        },
        vars,
    })
}

#[cfg(test)]
mod tests {
    use super::approval_late;
    use jiff::civil::date;

    #[test]
    fn an_approval_after_the_first_notice_day_is_late() {
        let start = date(2026, 12, 10);
        // Large users are told 7 days ahead: on the 3rd.
        let first = Some(date(2026, 12, 3));
        assert!(!approval_late(first, start, date(2026, 12, 2)));
        assert!(!approval_late(first, start, date(2026, 12, 3)), "on the notice day the notice goes out on time");
        assert!(approval_late(first, start, date(2026, 12, 4)));
        assert!(approval_late(first, start, start), "on the day itself");
        assert!(!approval_late(first, start, date(2026, 12, 11)), "an outage past is no longer told");
        assert!(!approval_late(None, start, date(2026, 12, 9)), "no playbook tells anyone");
    }
}
