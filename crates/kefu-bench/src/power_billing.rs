//! The power pack's month's billing run at scale, beside its floor (issue
//! 20 §3: 1,000,000 accounts on SQLite in ≤ 30 s and ≤ 3× the floor).
//!
//! On a county from `kefu gen --packs power`, the setup (not timed) puts
//! every station's accounts with a meter in one reading book and gives each
//! meter last month's installation reading and this month's real one, as
//! plain SQL. The run is `kefu_power::bills::run` per station, as the
//! billing page runs it: the reads, the pricing, the bills, their lines
//! and the bill SMS queued through the outreach engine, in one audited
//! transaction per station. The floor is the plain SQL inserts the run
//! must do — one bill row and its energy lines per account and one
//! outreach task per bill, in multi-row INSERTs in one transaction —
//! rolled back, so the run that follows finds the month unbilled.

use jiff::civil::Date;
use kefu_core::Actor;
use kefu_core::time::{Clock, SystemClock, instant_text};
use kefu_power::bills::{self, Target};
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

/// Books and readings for every station; returns the stations.
async fn prepare(db: &Db, actor: &Actor, month: Date) -> anyhow::Result<Vec<i64>> {
    let stations: Vec<i64> =
        sqlx::query_scalar("SELECT branch_id FROM power_stations ORDER BY branch_id").fetch_all(db.pool()).await?;
    let last = month - jiff::Span::new().months(1);
    let (m, lm) =
        (format!("{:04}-{:02}", month.year(), month.month()), format!("{:04}-{:02}", last.year(), last.month()));
    let now = instant_text(SystemClock.now());
    let mut tx = db.begin().await?;
    for s in &stations {
        let book: i64 = sqlx::query_scalar(
            "INSERT INTO power_books (branch_id, code, name, reading_day, created_at) VALUES ($1, $2, $3, 25, $4) \
             RETURNING id",
        )
        .bind(*s)
        .bind(format!("BENCH-{s}"))
        .bind("压测抄表本")
        .bind(now.clone())
        .fetch_one(tx.conn())
        .await?;
        // Route order by account number: the number order gives distinct orders.
        sqlx::query(
            "INSERT INTO power_book_accounts (book_id, account_id, route_order) \
             SELECT $1, a.id, ROW_NUMBER() OVER (ORDER BY a.account_no) FROM power_accounts a WHERE a.branch_id = $2 \
             AND EXISTS (SELECT 1 FROM power_meters m WHERE m.account_id = a.id)",
        )
        .bind(book)
        .bind(*s)
        .execute(tx.conn())
        .await?;
    }
    // One meter an account: its first. Last month's base, this month's use
    // of 50–449 kWh, spread by the meter's id.
    for (month, day, kind, kwh) in
        [(lm.clone(), format!("{lm}-25"), "base", "0"), (m.clone(), format!("{m}-25"), "real", "50 + m.id % 400")]
    {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO power_readings (account_id, meter_id, month, read_on, reading, kind, status, kwh, rollover, \
             reader, source, created_at) SELECT m.account_id, m.id, $1, $2, 100000 + ({kwh}) * 100, $3, 'ok', {kwh}, 0, \
             'bench', 'import', $4 FROM power_meters m WHERE m.account_id IS NOT NULL \
             AND m.id = (SELECT MIN(n.id) FROM power_meters n WHERE n.account_id = m.account_id)"
        )))
        .bind(month)
        .bind(day)
        .bind(kind)
        .bind(now.clone())
        .execute(tx.conn())
        .await?;
    }
    let change = kefu_store::Change {
        entity: "bench",
        entity_id: "power_billing".into(),
        action: "prepare",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(stations)
}

pub async fn measure(db: &Db, actor: &Actor, month: Date) -> anyhow::Result<Figures> {
    let stations = prepare(db, actor, month).await?;
    let m = format!("{:04}-{:02}", month.year(), month.month());
    let bills: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM power_readings WHERE month = $1 AND kind = 'real'")
        .bind(m.clone())
        .fetch_one(db.pool())
        .await?;
    let started = Instant::now();
    floor(db, &m, usize::try_from(bills)?).await?;
    let floor = started.elapsed();
    let today = month + jiff::Span::new().days(26);
    let started = Instant::now();
    let (mut created, mut notices) = (0, 0);
    for s in stations {
        let o =
            bills::run(db, actor, Target::Station(kefu_core::ids::BranchId(s)), &m, today, SystemClock.now()).await?;
        anyhow::ensure!(o.refused.is_empty(), "the run refused {} accounts: {:?}", o.refused.len(), o.refused.first());
        created += o.created;
        notices += o.notices;
    }
    let run = started.elapsed();
    let lines: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM power_bill_lines l JOIN power_bills b ON b.id = l.bill_id WHERE b.month = $1",
    )
    .bind(m)
    .fetch_one(db.pool())
    .await?;
    Ok(Figures { bills: created, lines, notices, run, floor })
}

/// The inserts any implementation must make: a bill, two tier lines (the
/// most a residential month makes at these kWh) and an outreach task per
/// account, rolled back.
async fn floor(db: &Db, month: &str, n: usize) -> anyhow::Result<()> {
    let now = instant_text(SystemClock.now());
    let accounts = sqlx::query(
        "SELECT r.account_id, a.branch_id, a.customer_id, a.account_no FROM power_readings r \
         JOIN power_accounts a ON a.id = r.account_id WHERE r.month = $1 AND r.kind = 'real'",
    )
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?;
    anyhow::ensure!(accounts.len() == n, "{} accounts read, {n} expected", accounts.len());
    let mut tx = db.begin().await?;
    let ids = tx.reserve_ids("power_bills", n).await?;
    let (mut bills, mut lines, mut tasks) = (Vec::with_capacity(n), Vec::with_capacity(2 * n), Vec::with_capacity(n));
    for (r, id) in accounts.iter().zip(&ids) {
        let (account, branch, customer) = (r.i64("account_id")?, r.i64("branch_id")?, r.i64("customer_id")?);
        bills.push(vec![
            Cell::from(*id),
            Cell::Text(Some(format!("{}{}", month.replace('-', ""), r.text("account_no")?))),
            account.into(),
            branch.into(),
            Cell::from(Option::<i64>::None),
            Cell::Text(Some(month.to_string())),
            Cell::Text(Some(format!("{month}-01"))),
            Cell::Text(Some(format!("{month}-25"))),
            Cell::Text(Some("gx-res-1".into())),
            200i64.into(),
            10_000i64.into(),
            Cell::Text(Some(format!("{month}-28"))),
            Cell::Text(Some("issued".into())),
            Cell::from(Option::<i64>::None),
            Cell::from(Option::<i64>::None),
            Cell::Text(Some(now.clone())),
        ]);
        for line in 1..=2i64 {
            lines.push(vec![
                Cell::from(*id),
                line.into(),
                Cell::Text(Some("tier".into())),
                Some(line).into(),
                Cell::Text(None),
                Cell::Text(None),
                Cell::Text(Some("2026-01-01".into())),
                100i64.into(),
                5283i64.into(),
                5283i64.into(),
            ]);
        }
        tasks.push(vec![
            Cell::from(branch),
            Cell::from(customer),
            "power_bill".into(),
            Cell::from(*id),
            "power_bill_issued".into(),
            0i64.into(),
            format!("{month}-28").into(),
            format!("{month}-26").into(),
            "sms".into(),
            "sms".into(),
            7i64.into(),
            "pending".into(),
            "".into(),
            Cell::Int(None),
            "【站】您好，您的户号电费100.00元，请于缴费期限前缴清。".into(),
            "{}".into(),
            now.as_str().into(),
            now.as_str().into(),
        ]);
    }
    let bill_columns = [
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
    bulk::insert(tx.conn(), "power_bills", &bill_columns, bills, "").await?;
    let line_columns =
        ["bill_id", "line_no", "kind", "tier", "period", "label", "effective_from", "kwh", "price", "amount"];
    bulk::insert(tx.conn(), "power_bill_lines", &line_columns, lines, "").await?;
    bulk::insert(tx.conn(), "outreach_tasks", &kefu_outreach::run::TASK_COLUMNS, tasks, "").await?;
    drop(tx); // rolled back
    Ok(())
}
