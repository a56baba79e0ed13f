//! The power pack's month's billing run at scale, beside its floor (issue
//! 20 §3: 1,000,000 accounts on SQLite in ≤ 30 s and ≤ 3× the floor).
//!
//! On a county from `kefu gen --packs power`, whose reading books hold
//! every active metered account and whose meters were read in the two
//! months before the day it was generated for (the time-of-use ones with
//! their peak, flat and valley registers), the run bills last month:
//! `kefu_power::bills::run` of every station, as the billing page's "all
//! stations" runs it — the reads, the pricing, the bills, their lines and
//! the bill SMS queued through the outreach engine, in one audited
//! transaction per station, the next station read while the one before is
//! written.
//! The floor is then the reads and writes any implementation must make,
//! per station: the station's accounts with their month's readings read in
//! one query, and the very bill, line and task rows the run wrote written
//! again by plain INSERTs, in one bulk transaction as the run's is (no
//! foreign-key lookups on SQLite), rolled back.

use jiff::civil::Date;
use kefu_core::Actor;
use kefu_core::time::{Clock, SystemClock};
use kefu_power::bills;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, RowExt};
use std::time::{Duration, Instant};

pub const TARGET: Duration = Duration::from_secs(30);
pub const MAX_RATIO: f64 = 3.0;

pub struct Figures {
    pub bills: usize,
    pub lines: i64,
    pub notices: usize,
    pub run: Duration,
    pub floor: Duration,
}

pub async fn measure(db: &Db, actor: &Actor, month: Date) -> anyhow::Result<Figures> {
    let stations: Vec<i64> =
        sqlx::query_scalar("SELECT branch_id FROM power_stations ORDER BY branch_id").fetch_all(db.pool()).await?;
    let m = format!("{:04}-{:02}", month.year(), month.month());
    let real: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM power_readings WHERE month = $1 AND kind = 'real'")
        .bind(m.clone())
        .fetch_one(db.pool())
        .await?;
    anyhow::ensure!(
        real > 0,
        "no readings in {m}: bill a month `kefu gen --packs power` read (the one before its day)"
    );
    let today = month + jiff::Span::new().months(1);
    let started = Instant::now();
    let o = bills::run(db, actor, bills::Target::AllStations, &m, today, SystemClock.now()).await?;
    let run = started.elapsed();
    anyhow::ensure!(o.refused.is_empty(), "the run refused {} accounts: {:?}", o.refused.len(), o.refused.first());
    let mut floor = Duration::ZERO;
    for s in &stations {
        floor += station_floor(db, *s, &m).await?;
    }
    let lines: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM power_bill_lines l JOIN power_bills b ON b.id = l.bill_id WHERE b.month = $1",
    )
    .bind(m)
    .fetch_one(db.pool())
    .await?;
    Ok(Figures { bills: o.created, lines, notices: o.notices, run, floor })
}

type Rows = Vec<Vec<Cell>>;

/// The floor of a station: the time to read its accounts with their
/// month's readings and write again the rows its run wrote.
async fn station_floor(db: &Db, station: i64, month: &str) -> anyhow::Result<Duration> {
    let (bill_rows, line_rows, task_rows) = written(db, station, month).await?;
    let started = Instant::now();
    // As the run does: a bulk transaction, read the fastest way there is.
    let mut tx = db.begin_bulk().await?;
    bulk::fetch(
        tx.conn(),
        "SELECT a.id, a.account_no, a.tariff_code, a.customer_id, r.id AS reading_id, r.kwh, r.read_on, r.peak_kwh, \
         r.flat_kwh, r.valley_kwh FROM power_accounts a JOIN power_book_accounts x ON x.account_id = a.id \
         JOIN power_readings r ON r.account_id = a.id WHERE a.branch_id = $1 AND r.month = $2",
        &[Cell::from(station), Cell::from(month)],
    )
    .await?;
    bulk::insert(tx.conn(), "power_bills", &BILL_COLUMNS, bill_rows, "").await?;
    bulk::insert(tx.conn(), "power_bill_lines", &LINE_COLUMNS, line_rows, "").await?;
    bulk::insert(tx.conn(), "outreach_tasks", &kefu_outreach::run::TASK_COLUMNS, task_rows, "").await?;
    let took = started.elapsed();
    drop(tx); // rolled back
    Ok(took)
}

const BILL_COLUMNS: [&str; 16] = bills::BILL_COLUMNS;
const LINE_COLUMNS: [&str; 10] = bills::LINE_COLUMNS;
/// The tasks' columns that hold numbers; the others hold text.
const TASK_NUMBERS: [&str; 6] = ["branch_id", "customer_id", "asset_id", "step", "priority", "merged_into"];

/// The bills, lines and tasks the run wrote for a station, re-keyed for
/// the floor's copy: ids past the highest, bill numbers and a month no run
/// uses, so nothing collides with the rows they copy.
async fn written(db: &Db, station: i64, month: &str) -> anyhow::Result<(Rows, Rows, Rows)> {
    let offset: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM power_bills").fetch_one(db.pool()).await?;
    let copy = |r: &sqlx::any::AnyRow, columns: &[&str], numbers: &[&str]| -> anyhow::Result<Vec<Cell>> {
        columns
            .iter()
            .map(|c| Ok(if numbers.contains(c) { Cell::from(r.opt_i64(c)?) } else { Cell::from(r.opt_text(c)?) }))
            .collect()
    };
    let bills = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM power_bills WHERE branch_id = $1 AND month = $2 AND status = 'issued'",
        BILL_COLUMNS.join(", ")
    )))
    .bind(station)
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?;
    let numbers = ["id", "account_id", "branch_id", "book_id", "kwh", "amount", "reverses_id", "reading_id"];
    let mut bill_rows = Vec::with_capacity(bills.len());
    for r in &bills {
        let mut row = copy(r, &BILL_COLUMNS, &numbers)?;
        row[0] = Cell::from(r.i64("id")? + offset);
        row[1] = Cell::from(format!("F{}", r.text("bill_no")?));
        row[5] = Cell::from("FLOOR");
        bill_rows.push(row);
    }
    let lines = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM power_bill_lines WHERE bill_id IN (SELECT id FROM power_bills WHERE branch_id = $1 \
         AND month = $2 AND status = 'issued')",
        LINE_COLUMNS.map(|c| format!("power_bill_lines.{c}")).join(", ")
    )))
    .bind(station)
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut line_rows = Vec::with_capacity(lines.len());
    for r in &lines {
        let mut row = copy(r, &LINE_COLUMNS, &["bill_id", "line_no", "tier", "kwh", "price", "amount"])?;
        row[0] = Cell::from(r.i64("bill_id")? + offset);
        line_rows.push(row);
    }
    let tasks = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM outreach_tasks WHERE asset_kind = 'power_bill' AND asset_id IN (SELECT id FROM power_bills \
         WHERE branch_id = $1 AND month = $2 AND status = 'issued')",
        kefu_outreach::run::TASK_COLUMNS.join(", ")
    )))
    .bind(station)
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut task_rows = Vec::with_capacity(tasks.len());
    for r in &tasks {
        let mut row = copy(r, &kefu_outreach::run::TASK_COLUMNS, &TASK_NUMBERS)?;
        row[3] = Cell::from(r.i64("asset_id")? + offset);
        task_rows.push(row);
    }
    Ok((bill_rows, line_rows, task_rows))
}
