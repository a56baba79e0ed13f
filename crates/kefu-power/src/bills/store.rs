//! The bills' SQL: the run reads a month's standing readings, the bills
//! already there and each account's kWh billed earlier in the year in one
//! query each, prices every account in memory and writes the bills and
//! their lines in bulk, in one audited transaction.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use super::DUE_DAYS;
use crate::billing::{self, LineKind, Usage};
use crate::tariffs::{Tariff, quote::yuan, store as tariffs};

type Result<T> = std::result::Result<T, Failure>;

/// What a run bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Book(i64),
    Station(BranchId),
    /// One account (after a corrected reading).
    Account(i64),
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub accounts: usize,
    pub created: usize,
    pub corrected: usize,
    /// Billed for the month already.
    pub existing: usize,
    /// No real or estimated reading for the month.
    pub unread: usize,
    /// A reading held for re-reading.
    pub held: usize,
    /// Accounts the rules refused, with why.
    pub refused: Vec<(String, Invalid)>,
}

/// A bill with its lines.
#[derive(Debug, Clone, Serialize)]
pub struct Bill {
    pub id: i64,
    pub bill_no: String,
    pub account_no: String,
    pub branch_id: BranchId,
    pub month: String,
    pub period_from: String,
    pub period_to: String,
    pub tariff_code: String,
    pub kwh: i64,
    pub amount: String,
    pub amount_fen: i64,
    pub due_on: String,
    pub status: String,
    pub reverses_id: Option<i64>,
    pub lines: Vec<BillLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BillLine {
    pub kind: String,
    pub tier: Option<i64>,
    pub period: Option<String>,
    pub effective_from: String,
    pub kwh: i64,
    pub price: String,
    pub amount: String,
}

pub fn month_ok(month: &str) -> std::result::Result<Date, Invalid> {
    format!("{month}-01").parse::<Date>().ok().filter(|_| month.len() == 7).ok_or_else(|| {
        Invalid::new(
            "month",
            Rule::new("month_format", "月份格式为 YYYY-MM，如 2026-11", "a month is YYYY-MM, such as 2026-11"),
        )
    })
}

/// One account to bill and what the store knows of it.
struct Candidate {
    id: i64,
    account_no: String,
    branch: BranchId,
    book: Option<i64>,
    tariff: String,
}

/// One standing reading of the month.
struct MonthReading {
    id: i64,
    kind: String,
    status: String,
    kwh: i64,
    read_on: Date,
}

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
    let first_day = month_ok(month)?;
    let (filter, key) = match target {
        Target::Book(b) => ("x.book_id = $1", b),
        Target::Station(s) => ("a.branch_id = $1", s.0),
        Target::Account(a) => ("a.id = $1", a),
    };
    let accounts_sql = format!(
        "SELECT a.id FROM power_accounts a JOIN power_book_accounts x ON x.account_id = a.id WHERE {filter} \
         AND a.branch_id IN ({})",
        actor.scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, a.account_no, a.branch_id, a.tariff_code, x.book_id FROM power_accounts a \
         JOIN power_book_accounts x ON x.account_id = a.id WHERE a.id IN ({accounts_sql}) ORDER BY a.account_no"
    )))
    .bind(key)
    .fetch_all(db.pool())
    .await?;
    if rows.is_empty() && matches!(target, Target::Book(_)) {
        return Err(Failure::NotFound);
    }
    let candidates: Vec<Candidate> = rows
        .iter()
        .map(|r| {
            Ok(Candidate {
                id: r.i64("id")?,
                account_no: r.text("account_no")?,
                branch: BranchId(r.i64("branch_id")?),
                book: r.opt_i64("book_id")?,
                tariff: r.text("tariff_code")?,
            })
        })
        .collect::<Result<_>>()?;
    let readings = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, account_id, kind, status, kwh, read_on FROM power_readings WHERE month = $2 AND replaced_by IS NULL \
         AND account_id IN ({accounts_sql}) ORDER BY id"
    )))
    .bind(key)
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut by_account: HashMap<i64, Vec<MonthReading>> = HashMap::new();
    for r in &readings {
        by_account.entry(r.i64("account_id")?).or_default().push(MonthReading {
            id: r.i64("id")?,
            kind: r.text("kind")?,
            status: r.text("status")?,
            kwh: r.i64("kwh")?,
            read_on: r.text("read_on")?.parse().map_err(|_| Failure::NotFound)?,
        });
    }
    let issued: HashMap<i64, (i64, Option<i64>, String)> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT account_id, id, reading_id, bill_no FROM power_bills WHERE month = $2 AND status = 'issued' \
         AND account_id IN ({accounts_sql})"
    )))
    .bind(key)
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.i64("account_id")?, (r.i64("id")?, r.opt_i64("reading_id")?, r.text("bill_no")?))))
    .collect::<Result<_>>()?;
    // kWh billed earlier in the calendar year: reversals cancel what they reverse.
    let year_to_date: HashMap<i64, i64> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT account_id, CAST(SUM(kwh) AS BIGINT) AS kwh FROM power_bills WHERE month >= $2 AND month < $3 \
         AND account_id IN ({accounts_sql}) GROUP BY account_id"
    )))
    .bind(key)
    .bind(format!("{}-01", &month[..4]))
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.i64("account_id")?, r.i64("kwh")?)))
    .collect::<Result<_>>()?;
    // Where each account's period begins: the day after its last reading before the month.
    let last_read: HashMap<i64, String> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT account_id, MAX(read_on) AS read_on FROM power_readings WHERE month < $2 AND replaced_by IS NULL \
         AND kind IN ('real', 'estimated', 'base') AND account_id IN ({accounts_sql}) GROUP BY account_id"
    )))
    .bind(key)
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.i64("account_id")?, r.text("read_on")?)))
    .collect::<Result<_>>()?;
    let tariffs: HashMap<String, Tariff> =
        tariffs::all(db).await?.into_iter().map(|t| (t.code().to_string(), t)).collect();

    let mut out = RunOutcome { accounts: candidates.len(), ..RunOutcome::default() };
    let due = today.checked_add(jiff::Span::new().days(DUE_DAYS)).map_err(|_| Failure::NotFound)?;
    let mut to_reverse: Vec<(i64, String)> = Vec::new();
    let mut new_bills = Vec::new();
    let empty = Vec::new();
    for c in &candidates {
        let month_readings = by_account.get(&c.id).unwrap_or(&empty);
        let Some(last) = month_readings.iter().rev().find(|r| r.kind == "real" || r.kind == "estimated") else {
            out.unread += 1;
            continue;
        };
        let standing = issued.get(&c.id);
        if let Some((_, reading, _)) = standing
            && *reading == Some(last.id)
        {
            out.existing += 1;
            continue;
        }
        if month_readings.iter().any(|r| r.status == "held") {
            out.held += 1;
            continue;
        }
        let Some(tariff) = tariffs.get(&c.tariff) else {
            out.refused.push((c.account_no.clone(), unknown_tariff(&c.tariff)));
            continue;
        };
        let kwh: i64 = month_readings.iter().filter(|r| r.kind != "base").map(|r| r.kwh).sum();
        let from = last_read
            .get(&c.id)
            .and_then(|d| d.parse::<Date>().ok())
            .and_then(|d| d.tomorrow().ok())
            .filter(|d| *d <= last.read_on)
            .unwrap_or(first_day.min(last.read_on));
        let ytd = year_to_date.get(&c.id).copied().unwrap_or(0);
        match billing::energy_charge(tariff, Usage::Total(kwh), ytd, from, last.read_on) {
            Ok(charge) => {
                if let Some((old, _, old_no)) = standing {
                    to_reverse.push((*old, old_no.clone()));
                    out.corrected += 1;
                } else {
                    out.created += 1;
                }
                new_bills.push((c, last.id, from, last.read_on, charge, standing.map(|s| s.2.clone())));
            }
            Err(e) => out.refused.push((c.account_no.clone(), e)),
        }
    }
    if new_bills.is_empty() {
        return Ok(out);
    }

    let mut tx = db.begin().await?;
    let at = instant_text(now);
    // Reversals first: the old bill leaves the one issued slot of its month.
    for (old, old_no) in &to_reverse {
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
            "INSERT INTO power_bill_lines (bill_id, line_no, kind, tier, period, effective_from, kwh, price, amount) \
             SELECT $1, line_no, kind, tier, period, effective_from, -kwh, price, -amount FROM power_bill_lines \
             WHERE bill_id = $2",
        )
        .bind(id)
        .bind(*old)
        .execute(tx.conn())
        .await?;
    }
    let ids = tx.reserve_ids("power_bills", new_bills.len()).await?;
    let mut bill_rows = Vec::with_capacity(new_bills.len());
    let mut line_rows = Vec::new();
    for ((c, reading, from, to, charge, before), id) in new_bills.iter().zip(&ids) {
        let bill_no = match before {
            Some(old) => corrected_no(old),
            None => format!("{}{}", month.replace('-', ""), c.account_no),
        };
        bill_rows.push(vec![
            Cell::from(*id),
            Cell::Text(Some(bill_no)),
            c.id.into(),
            c.branch.0.into(),
            c.book.into(),
            Cell::Text(Some(month.to_string())),
            Cell::Text(Some(from.to_string())),
            Cell::Text(Some(to.to_string())),
            Cell::Text(Some(c.tariff.clone())),
            charge.kwh.into(),
            charge.amount.fen().into(),
            Cell::Text(Some(due.to_string())),
            Cell::Text(Some("issued".into())),
            Option::<i64>::None.into(),
            Some(*reading).into(),
            Cell::Text(Some(at.clone())),
        ]);
        for (n, l) in charge.lines.iter().enumerate() {
            let (kind, tier, period) = match l.kind {
                LineKind::Flat => ("flat", None, None),
                LineKind::Tier(t) => ("tier", Some(t as i64), None),
                LineKind::Register(p) => ("register", None, Some(p.code().to_string())),
            };
            line_rows.push(vec![
                Cell::from(*id),
                (n as i64 + 1).into(),
                Cell::Text(Some(kind.into())),
                tier.into(),
                Cell::Text(period),
                Cell::Text(Some(l.effective_from.to_string())),
                l.kwh.into(),
                l.price.units().into(),
                l.amount.fen().into(),
            ]);
        }
    }
    let columns = [
        "id",
        "bill_no",
        "account_id",
        "branch_id",
        "book_id",
        "month",
        "period_from",
        "period_to",
        "tariff_code",
        "kwh",
        "amount",
        "due_on",
        "status",
        "reverses_id",
        "reading_id",
        "created_at",
    ];
    bulk::insert(tx.conn(), "power_bills", &columns, bill_rows, "").await?;
    let line_columns = ["bill_id", "line_no", "kind", "tier", "period", "effective_from", "kwh", "price", "amount"];
    bulk::insert(tx.conn(), "power_bill_lines", &line_columns, line_rows, "").await?;
    tx.analyze_grown("power_bills", new_bills.len() as u64).await?;
    let total: Money = new_bills.iter().map(|b| b.4.amount).sum();
    let change = Change {
        entity: "power_billing_run",
        entity_id: format!("{target:?}:{month}"),
        action: "run",
        branch: candidates.first().map(|c| c.branch),
        old: None,
        new: Some(json!({"created": out.created, "corrected": out.corrected, "amount": yuan(total)})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
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

fn unknown_tariff(code: &str) -> Invalid {
    Invalid::new(
        "tariff_code",
        Rule::new("unknown_tariff", format!("没有电价 {code}"), format!("there is no tariff {code}")),
    )
}

const BILL_SELECT: &str = "SELECT b.id, b.bill_no, a.account_no, b.branch_id, b.month, b.period_from, b.period_to, \
     b.tariff_code, b.kwh, b.amount, b.due_on, b.status, b.reverses_id FROM power_bills b \
     JOIN power_accounts a ON a.id = b.account_id";

fn bill_from(r: &sqlx::any::AnyRow) -> Result<Bill> {
    let fen = r.i64("amount")?;
    Ok(Bill {
        id: r.i64("id")?,
        bill_no: r.text("bill_no")?,
        account_no: r.text("account_no")?,
        branch_id: BranchId(r.i64("branch_id")?),
        month: r.text("month")?,
        period_from: r.text("period_from")?,
        period_to: r.text("period_to")?,
        tariff_code: r.text("tariff_code")?,
        kwh: r.i64("kwh")?,
        amount: yuan(Money::from_fen(fen)),
        amount_fen: fen,
        due_on: r.text("due_on")?,
        status: r.text("status")?,
        reverses_id: r.opt_i64("reverses_id")?,
        lines: Vec::new(),
    })
}

/// A bill in scope by its number, with its lines.
pub async fn bill(db: &Db, scope: &Scope, bill_no: &str) -> Result<Bill> {
    let sql = format!("{BILL_SELECT} WHERE b.bill_no = $1 AND b.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bill_no.to_string()).fetch_optional(db.pool()).await?;
    let mut b = row.as_ref().map(bill_from).transpose()?.ok_or(Failure::NotFound)?;
    let lines = sqlx::query(
        "SELECT kind, tier, period, effective_from, kwh, price, amount FROM power_bill_lines WHERE bill_id = $1 \
         ORDER BY line_no",
    )
    .bind(b.id)
    .fetch_all(db.pool())
    .await?;
    b.lines = lines
        .iter()
        .map(|l| {
            Ok(BillLine {
                kind: l.text("kind")?,
                tier: l.opt_i64("tier")?,
                period: l.opt_text("period")?,
                effective_from: l.text("effective_from")?,
                kwh: l.i64("kwh")?,
                price: crate::Price::from_units(l.i64("price")?).to_string(),
                amount: yuan(Money::from_fen(l.i64("amount")?)),
            })
        })
        .collect::<Result<_>>()?;
    Ok(b)
}

/// The month's bills of a book (or every book in scope), by account.
pub async fn bills_of_month(db: &Db, scope: &Scope, book: Option<i64>, month: &str) -> Result<Vec<Bill>> {
    let sql = format!(
        "{BILL_SELECT} WHERE b.month = $1 AND ($2 IS NULL OR b.book_id = $2) AND b.branch_id IN ({}) \
         ORDER BY a.account_no, b.id LIMIT 2000",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(month.to_string()).bind(book).fetch_all(db.pool()).await?;
    rows.iter().map(bill_from).collect::<Result<_>>().map(|v: Vec<Bill>| {
        // A bill shown once even when the LIMIT cut a correction's pair.
        let mut seen = HashSet::new();
        v.into_iter().filter(|b| seen.insert(b.id)).collect()
    })
}
