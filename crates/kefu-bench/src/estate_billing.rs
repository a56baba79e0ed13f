//! The estate pack's billing run at scale (issue 21: 500,000 houses on
//! SQLite within 15 s and within three times its floor), beside its
//! floor. The run is measured as the billing page performs it
//! (`charges::run_billing` per estate, one transaction each). The floor
//! does the reads and writes any implementation must: the estate's houses
//! read, and the very bill, line and key rows the run wrote written again
//! with multi-row INSERTs in one transaction per estate, rolled back.

use kefu_core::time::{Clock, SystemClock};
use kefu_core::{Actor, Scope};
use kefu_estate::archive;
use kefu_estate::charges;
use kefu_estate::fees::Month;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, RowExt};
use std::time::{Duration, Instant};

pub struct Figures {
    pub houses: i64,
    pub bills: usize,
    pub run: Duration,
    pub floor: Duration,
}

pub const TARGET: Duration = Duration::from_secs(15);
pub const MAX_RATIO: f64 = 3.0;

/// Bills `period` (one no run has billed) over every estate, then times
/// the floor over what the run wrote.
pub async fn measure(db: &Db, period: Month) -> anyhow::Result<Figures> {
    let everyone = Scope::new(kefu_accounts::branches::all(db).await?.into_iter().map(|b| b.id).collect());
    let actor = Actor::system(everyone.clone());
    let estates = archive::estates(db, &everyone).await?;
    let now = SystemClock.now();
    let started = Instant::now();
    let mut bills = 0;
    for estate in &estates {
        bills += charges::run_billing(db, &actor, estate, period, now).await?.bills;
    }
    let run = started.elapsed();
    let mut floor = Duration::ZERO;
    let mut houses = 0;
    for estate in &estates {
        let (rows, lines, keys) = written(db, estate.branch_id.0, period).await?;
        let started = Instant::now();
        let mut tx = db.begin().await?;
        let read = sqlx::query(
            "SELECT id, number, kind, building_area, interior_area, billed_from FROM estate_houses WHERE branch_id = $1",
        )
        .bind(estate.branch_id.0)
        .fetch_all(tx.conn())
        .await?;
        houses += read.len() as i64;
        let columns = ["id", "branch_id", "bill_no", "house_id", "period", "due", "total", "outstanding", "created_at"];
        bulk::insert(tx.conn(), "estate_bills", &columns, rows, "").await?;
        let columns = ["bill_id", "item_code", "kind", "quantity", "price", "amount"];
        bulk::insert(tx.conn(), "estate_bill_lines", &columns, lines, "").await?;
        let columns = ["branch_id", "period", "house_id", "item_code", "bill_id"];
        bulk::insert(tx.conn(), "estate_billing_keys", &columns, keys, "").await?;
        floor += started.elapsed();
        drop(tx);
    }
    Ok(Figures { houses, bills, run, floor })
}

type Rows = Vec<Vec<Cell>>;

/// The rows the run wrote for an estate, re-keyed for the floor's copy:
/// new ids past the highest, a period no run uses, so nothing collides.
async fn written(db: &Db, branch: i64, period: Month) -> anyhow::Result<(Rows, Rows, Rows)> {
    let offset: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM estate_bills").fetch_one(db.pool()).await?;
    let copy = "FLOOR";
    let bills = sqlx::query(
        "SELECT id, house_id, due, total, created_at FROM estate_bills WHERE branch_id = $1 AND period = $2 \
         AND reverses IS NULL",
    )
    .bind(branch)
    .bind(period.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut rows = Vec::with_capacity(bills.len());
    for r in &bills {
        let id = r.i64("id")? + offset;
        rows.push(vec![
            Cell::from(id),
            branch.into(),
            format!("F{id:09}").into(),
            r.i64("house_id")?.into(),
            copy.to_string().into(),
            r.text("due")?.into(),
            r.i64("total")?.into(),
            r.i64("total")?.into(),
            r.text("created_at")?.into(),
        ]);
    }
    let line_rows = sqlx::query(
        "SELECT l.bill_id, l.item_code, l.kind, l.quantity, l.price, l.amount FROM estate_bill_lines l \
         JOIN estate_bills b ON b.id = l.bill_id WHERE b.branch_id = $1 AND b.period = $2",
    )
    .bind(branch)
    .bind(period.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut lines = Vec::with_capacity(line_rows.len());
    for r in &line_rows {
        lines.push(vec![
            Cell::from(r.i64("bill_id")? + offset),
            r.text("item_code")?.into(),
            r.text("kind")?.into(),
            r.i64("quantity")?.into(),
            r.opt_i64("price")?.into(),
            r.i64("amount")?.into(),
        ]);
    }
    let key_rows = sqlx::query(
        "SELECT house_id, item_code, bill_id FROM estate_billing_keys WHERE branch_id = $1 AND period = $2",
    )
    .bind(branch)
    .bind(period.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut keys = Vec::with_capacity(key_rows.len());
    for r in &key_rows {
        keys.push(vec![
            Cell::from(branch),
            copy.to_string().into(),
            r.i64("house_id")?.into(),
            r.text("item_code")?.into(),
            Cell::from(r.i64("bill_id")? + offset),
        ]);
    }
    Ok((rows, lines, keys))
}
