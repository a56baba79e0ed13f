//! A billing run's second half: the plan ([`super::plan`]) written — the
//! reversals of corrected bills, the bills and their lines in bulk, the
//! holders' notices through the outreach engine, the prepaid balances paid
//! toward the new bills — in one audited transaction.
//!
//! A run of many stations (the month's run of a whole county) reads and
//! prices the next station while it writes the one before, on SQLite, whose
//! one writer otherwise leaves the second core idle. Such a plan was read
//! outside the transaction that writes it; it is written only when nothing
//! but the run itself committed since it was read, and otherwise the
//! station is read again inside its transaction. The audit log tells: every
//! business write commits with its audit record (the store refuses one
//! without), so the log's last id moves with every change anyone makes.
//! The run's own commits do not count, since a station's bills and
//! payments are its own accounts': what the run wrote for one station
//! changes nothing another's plan read.

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Money, Scope};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Backend, Change, Db, Failure, Tx, last_audit_id};
use serde_json::json;

use super::notice;
use super::plan::{Plan, plan_in};
use super::store::{BILL_COLUMNS, LINE_COLUMNS, RunOutcome, Target, month_ok};
use crate::tariffs::quote::yuan;

type Result<T> = std::result::Result<T, Failure>;

/// Runs the month's billing for `target`, audited. Each account with a
/// standing real or estimated reading and none held gets its bill; one
/// billed already is passed over, or corrected when its reading changed.
pub async fn run(
    db: &Db,
    actor: &Actor,
    target: Target,
    month: &str,
    today: Date,
    now: Timestamp,
) -> Result<RunOutcome> {
    month_ok(month)?;
    let day = (today, now);
    if target != Target::AllStations {
        return run_one(db, actor, target, month, day).await;
    }
    let stations: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT branch_id FROM power_stations WHERE branch_id IN ({}) ORDER BY branch_id",
        actor.scope.sql_list()
    )))
    .fetch_all(db.pool())
    .await?;
    let stations: Vec<BranchId> = stations.into_iter().map(BranchId).collect();
    if db.backend() == Backend::Sqlite {
        return run_reading_ahead(db, actor, &stations, month, day).await;
    }
    // Writers there interleave, and the audit log's ids come in the order
    // they were taken, not committed: each station is read inside its own
    // transaction.
    let mut total = RunOutcome::default();
    for s in stations {
        total.add(run_one(db, actor, Target::Station(s), month, day).await?);
    }
    Ok(total)
}

/// [`run`] of a book, a station or an account, read inside its transaction.
async fn run_one(db: &Db, actor: &Actor, target: Target, month: &str, day: (Date, Timestamp)) -> Result<RunOutcome> {
    // Read inside the run's transaction, so that what is billed is what
    // the bills refer to: on SQLite no other writer comes in between, and
    // the rows written need not be checked against their accounts again.
    let mut tx = db.begin_bulk().await?;
    let plan = plan_in(tx.conn(), db, &actor.scope, target, month, day.0).await?;
    if plan.bills.is_empty() {
        return Ok(plan.out);
    }
    let out = write_in(&mut tx, db, actor, target, month, plan, day).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`run`] of each of `stations` in turn, a transaction each, every
/// station but the first read and priced while the one before is written.
async fn run_reading_ahead(
    db: &Db,
    actor: &Actor,
    stations: &[BranchId],
    month: &str,
    (today, now): (Date, Timestamp),
) -> Result<RunOutcome> {
    let mut total = RunOutcome::default();
    let mut ahead: Option<Plan> = None;
    // The audit log's last id before and after the run's own last commit.
    let mut ours: Option<(i64, i64)> = None;
    for (k, station) in stations.iter().enumerate() {
        let target = Target::Station(*station);
        let mut tx = db.begin_bulk().await?;
        let before = last_audit_id(tx.conn()).await?;
        let plan = match ahead.take() {
            Some(p) if still_stands(p.seen, before, ours) => p,
            _ => plan_in(tx.conn(), db, &actor.scope, target, month, today).await?,
        };
        // The next station is read and priced meanwhile, on a connection
        // of its own.
        let next = stations
            .get(k + 1)
            .map(|s| tokio::spawn(read_ahead(db.clone(), actor.scope.clone(), *s, month.to_string(), today)));
        let writes = !plan.bills.is_empty();
        let out =
            if writes { write_in(&mut tx, db, actor, target, month, plan, (today, now)).await? } else { plan.out };
        // The next plan is read before this commit: a reader still in the
        // write-ahead log would keep the commit's checkpoint from copying
        // all of it back, and the log would grow from station to station.
        // One that failed is read again inside its transaction, where what
        // failed is reported.
        if let Some(next) = next {
            ahead = next.await.ok().and_then(|p| p.ok());
        }
        ours = if writes {
            let after = last_audit_id(tx.conn()).await?;
            tx.commit().await?;
            Some((before, after))
        } else {
            None // nothing written: the transaction is dropped
        };
        total.add(out);
    }
    Ok(total)
}

/// Whether a plan read when the audit log's last id was `seen` still
/// stands in a transaction that finds it at `now`: nobody committed in
/// between, or only the run itself, whose last commit took the log from
/// `ours.0` to `ours.1`.
fn still_stands(seen: i64, now: i64, ours: Option<(i64, i64)>) -> bool {
    seen == now || ours == Some((seen, now))
}

/// A station read and priced in a reading transaction of its own.
async fn read_ahead(db: Db, scope: Scope, station: BranchId, month: String, today: Date) -> Result<Plan> {
    let mut reading = db.pool().begin().await?;
    plan_in(&mut reading, &db, &scope, Target::Station(station), &month, today).await
}

/// Writes `plan` in `tx`, audited; what the run did.
async fn write_in(
    tx: &mut Tx,
    db: &Db,
    actor: &Actor,
    target: Target,
    month: &str,
    plan: Plan,
    (today, now): (Date, Timestamp),
) -> Result<RunOutcome> {
    let Plan { mut out, bills, branch, due, .. } = plan;
    let at = instant_text(now);
    // Reversals first: the old bill leaves the one issued slot of its month.
    for (old, old_no) in bills.iter().filter_map(|b| b.replaces.as_ref()) {
        sqlx::query("UPDATE power_bills SET status = 'reversed' WHERE id = $1 AND status = 'issued'")
            .bind(*old)
            .execute(tx.conn())
            .await?;
        let id = tx.reserve_ids("power_bills", 1).await?[0];
        sqlx::query(
            "INSERT INTO power_bills (id, bill_no, account_id, branch_id, book_id, month, period_from, period_to, \
             tariff_code, kwh, amount, due_on, status, reverses_id, reading_id, created_at) \
             SELECT $1, $2, account_id, branch_id, book_id, month, period_from, period_to, tariff_code, -kwh, -amount, \
             due_on, 'reversal', id, reading_id, $3 FROM power_bills WHERE id = $4",
        )
        .bind(id)
        .bind(format!("{old_no}-R"))
        .bind(at.clone())
        .bind(*old)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "INSERT INTO power_bill_lines (bill_id, line_no, kind, tier, period, label, effective_from, kwh, price, \
             amount) SELECT $1, line_no, kind, tier, period, label, effective_from, -kwh, price, -amount \
             FROM power_bill_lines WHERE bill_id = $2",
        )
        .bind(id)
        .bind(*old)
        .execute(tx.conn())
        .await?;
    }
    let ids = tx.reserve_ids("power_bills", bills.len()).await?;
    let mut bill_rows = Vec::with_capacity(bills.len());
    let mut line_rows = Vec::new();
    for (b, id) in bills.iter().zip(&ids) {
        let bill_no = match &b.replaces {
            Some((_, old)) => corrected_no(old),
            None => format!("{}{}", month.replace('-', ""), b.account_no),
        };
        bill_rows.push(vec![
            Cell::from(*id),
            Cell::Text(Some(bill_no)),
            b.account.into(),
            b.branch.0.into(),
            b.book.into(),
            Cell::Text(Some(month.to_string())),
            Cell::Text(Some(b.period.0.to_string())),
            Cell::Text(Some(b.period.1.to_string())),
            Cell::Text(Some(b.tariff.clone())),
            b.charge.kwh.into(),
            b.charge.amount.fen().into(),
            Cell::Text(Some(due.to_string())),
            Cell::Text(Some("issued".into())),
            Option::<i64>::None.into(),
            Some(b.reading).into(),
            Cell::Text(Some(at.clone())),
        ]);
        for (n, l) in b.charge.lines.iter().enumerate() {
            line_rows.push(vec![
                Cell::from(*id),
                (n as i64 + 1).into(),
                Cell::Text(Some(l.kind.into())),
                l.tier.into(),
                Cell::Text(l.period.map(str::to_string)),
                Cell::Text(l.label.clone()),
                Cell::Text(Some(l.effective_from.to_string())),
                l.kwh.into(),
                l.price.into(),
                l.amount.fen().into(),
            ]);
        }
    }
    bulk::insert(tx.conn(), "power_bills", &BILL_COLUMNS, bill_rows, "").await?;
    bulk::insert(tx.conn(), "power_bill_lines", &LINE_COLUMNS, line_rows, "").await?;
    tx.analyze_grown("power_bills", bills.len() as u64).await?;
    let total: Money = bills.iter().map(|b| b.charge.amount).sum();
    let billed: Vec<i64> = bills.iter().map(|b| b.account).collect();
    let subjects: Vec<_> =
        bills.into_iter().zip(&ids).filter_map(|(b, id)| Some(notice::of_bill(b.notice?, *id))).collect();
    out.notices = notice::queue_in(tx, db, &subjects, today).await?;
    // A prepaid balance pays the new bills at once, as a payment of its own
    // (the collection rules', audited there).
    let rules = crate::collection::load_rules(db).await?;
    out.prepaid = crate::collection::apply_prepaid_in(tx, actor, Some(&billed), today, &rules, now).await?;
    let change = Change {
        entity: "power_billing_run",
        entity_id: format!("{target:?}:{month}"),
        action: "run",
        branch,
        old: None,
        new: Some(json!({"accounts": out.accounts, "created": out.created, "corrected": out.corrected,
            "amount": yuan(total), "notices": out.notices})),
    };
    tx.audit(actor, change).await?;
    Ok(out)
}

/// A corrected month's new bill number: the first bill's number with
/// `-C1`, then `-C2`… after each correction.
fn corrected_no(old: &str) -> String {
    match old.rsplit_once("-C").and_then(|(base, n)| Some((base, n.parse::<u32>().ok()?))) {
        Some((base, n)) => format!("{base}-C{}", n + 1),
        None => format!("{old}-C1"),
    }
}

#[cfg(test)]
mod tests {
    use super::still_stands;

    #[test]
    fn a_plan_read_ahead_stands_only_when_nobody_else_committed_since() {
        // Nothing committed since it was read.
        assert!(still_stands(40, 40, None));
        assert!(still_stands(40, 40, Some((30, 35))));
        // Only the run's own previous station (audit 41–43).
        assert!(still_stands(40, 43, Some((40, 43))));
        // Someone committed before that station's transaction began…
        assert!(!still_stands(39, 43, Some((40, 43))));
        // …or between its commit and this transaction.
        assert!(!still_stands(40, 44, Some((40, 43))));
        // Someone committed and the run wrote nothing meanwhile.
        assert!(!still_stands(40, 41, None));
    }
}
