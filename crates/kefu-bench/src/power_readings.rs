//! The power pack's reading import at scale, beside its floor (issue 20
//! §3: at least 50,000 readings a second on SQLite).
//!
//! On a county from `kefu gen --packs power`, whose meters were read in the
//! two months before the day it was generated for, the bench writes a
//! handheld's CSV of the next month: one row an account in a book, its
//! account number, its register advanced by 50 to 449 kWh, the day, the
//! reader, and the peak, flat and valley registers of a time-of-use meter.
//! The import is `kefu_power::books::import` of the file's bytes, as the
//! import page and the API run it: read, checked, entered in one
//! transaction. The floor is plain multi-row INSERTs of the very rows the
//! import wrote, in one transaction, rolled back.

use jiff::civil::Date;
use kefu_core::Actor;
use kefu_core::time::{Clock, SystemClock};
use kefu_power::books;
use kefu_power::readings::ReadingRules;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, RowExt};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

pub const TARGET_PER_SECOND: f64 = 50_000.0;

pub struct Figures {
    pub rows: usize,
    pub entered: usize,
    pub held: usize,
    pub refused: usize,
    pub import: Duration,
    pub floor: Duration,
}

impl Figures {
    pub fn per_second(&self, took: Duration) -> f64 {
        self.rows as f64 / took.as_secs_f64().max(1e-6)
    }
}

/// The month `YYYY-MM` of a day.
fn month(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The file: a reading of `month` for every account in a book, on from
/// the last real one.
async fn file(db: &Db, month: Date) -> anyhow::Result<(Vec<u8>, usize)> {
    let last = month - jiff::Span::new().months(1);
    let rows = sqlx::query(
        "SELECT a.id, a.account_no, r.reading, r.peak, r.flat, r.valley FROM power_book_accounts x \
         JOIN power_accounts a ON a.id = x.account_id JOIN power_readings r ON r.account_id = a.id \
         WHERE r.month = $1 AND r.kind = 'real' AND r.replaced_by IS NULL ORDER BY x.book_id, x.route_order",
    )
    .bind(self::month(last))
    .fetch_all(db.pool())
    .await?;
    anyhow::ensure!(!rows.is_empty(), "no readings in {}: run `kefu gen --packs power` first", self::month(last));
    let day = month.with().day(25).build()?;
    let mut csv = String::from("户号,示数,抄表时间,抄表员,峰,平,谷\n");
    let kwh = |hundredths: i64| format!("{}.{:02}", hundredths / 100, hundredths % 100);
    for r in &rows {
        // 50–449 kWh, spread by the account's id: three tenths peak, a quarter valley.
        let used = 50 + (r.i64("id")? * 7919) % 400;
        let (peak, valley) = (used * 3 / 10, used / 4);
        let flat = used - peak - valley;
        write!(csv, "{},{},{day},抄表员甲,", r.text("account_no")?, kwh(r.i64("reading")? + used * 100))?;
        match (r.opt_i64("peak")?, r.opt_i64("flat")?, r.opt_i64("valley")?) {
            (Some(p), Some(f), Some(v)) => {
                writeln!(csv, "{},{},{}", kwh(p + peak * 100), kwh(f + flat * 100), kwh(v + valley * 100))?
            }
            _ => csv.push_str(",,\n"),
        }
    }
    Ok((csv.into_bytes(), rows.len()))
}

pub async fn measure(db: &Db, actor: &Actor, month: Date) -> anyhow::Result<Figures> {
    let (bytes, rows) = file(db, month).await?;
    let now = SystemClock.now();
    let started = Instant::now();
    let done = books::import(db, actor, &bytes, None, &ReadingRules::default(), now).await?;
    let import = started.elapsed();
    let floor = floor(db, &self::month(month), now).await?;
    Ok(Figures { rows, entered: done.entered, held: done.held, refused: done.rejected.len(), import, floor })
}

/// The readings' columns as the import writes them.
const COLUMNS: [&str; 25] = books::READING_COLUMNS;
const TEXTS: [&str; 8] = ["month", "read_on", "kind", "status", "hold_reason", "reader", "source", "created_at"];

/// The rows the import wrote, copied by plain multi-row INSERTs under new
/// ids and a month of their own, in one transaction, rolled back.
async fn floor(db: &Db, month: &str, now: jiff::Timestamp) -> anyhow::Result<Duration> {
    let offset: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM power_readings").fetch_one(db.pool()).await?;
    let written = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM power_readings WHERE month = $1 AND created_at = $2",
        COLUMNS.join(", ")
    )))
    .bind(month.to_string())
    .bind(kefu_core::time::instant_text(now))
    .fetch_all(db.pool())
    .await?;
    let mut rows = Vec::with_capacity(written.len());
    for r in &written {
        let mut row: Vec<Cell> = COLUMNS
            .iter()
            .map(|c| Ok(if TEXTS.contains(c) { Cell::from(r.opt_text(c)?) } else { Cell::from(r.opt_i64(c)?) }))
            .collect::<anyhow::Result<_>>()?;
        row[0] = Cell::from(r.i64("id")? + offset);
        row[3] = Cell::from("FLOOR");
        rows.push(row);
    }
    let started = Instant::now();
    let mut tx = db.begin().await?;
    bulk::insert(tx.conn(), "power_readings", &COLUMNS, rows, "").await?;
    let took = started.elapsed();
    drop(tx); // rolled back
    Ok(took)
}
