//! Each cashier's day close (日结) and the totals finance reconciles with
//! (财务对账): a cashier's business day — the payments by channel, their
//! count and total, the reversals — closed with the cash counted against
//! the cash the day's counter payments expect; and each station's totals by
//! channel over a period, which sum to the centre's. A prepaid balance
//! applied to bills moves no money and is left out of both.

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::{BranchId, UserId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use super::yuan;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Clone, Debug, Serialize)]
pub struct ChannelTotal {
    pub channel: String,
    /// Payments taken (reversals not counted).
    pub count: i64,
    /// Net of the reversals, fen.
    pub total_fen: i64,
    pub total: String,
}

/// A close as recorded.
#[derive(Clone, Debug, Serialize)]
pub struct DayClose {
    pub id: i64,
    pub branch_id: BranchId,
    pub cashier: String,
    pub business_day: String,
    pub payments: i64,
    pub total: String,
    pub reversals: String,
    pub cash_expected: String,
    pub cash_counted: String,
    /// Counted − expected: over (+) or short (−).
    pub difference: String,
    pub difference_fen: i64,
    pub note: String,
    pub closed_at: String,
}

/// A cashier's day as its payments make it, and its close if made.
#[derive(Clone, Debug, Serialize)]
pub struct CloseSummary {
    pub business_day: String,
    pub channels: Vec<ChannelTotal>,
    pub payments: i64,
    pub total_fen: i64,
    pub total: String,
    pub reversals_fen: i64,
    pub reversals: String,
    pub reversal_count: i64,
    pub cash_expected_fen: i64,
    pub cash_expected: String,
    pub closed: Option<DayClose>,
}

/// The day of `cashier` in the actor's scope.
pub async fn cashier_day(db: &Db, scope: &Scope, cashier: UserId, day: Date) -> Result<CloseSummary> {
    let sql = format!(
        "SELECT channel, status, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS total FROM power_payments \
         WHERE taken_by = $1 AND business_day = $2 AND channel <> 'prepaid' AND branch_id IN ({}) \
         GROUP BY channel, status ORDER BY channel, status",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cashier.0).bind(day.to_string()).fetch_all(db.pool()).await?;
    let mut channels: Vec<ChannelTotal> = Vec::new();
    let (mut payments, mut total, mut reversals, mut reversal_count, mut cash) = (0, 0, 0, 0, 0);
    for r in &rows {
        let (channel, status, n, sum) = (r.text("channel")?, r.text("status")?, r.i64("n")?, r.i64("total")?);
        let counted = if status == "reversal" { 0 } else { n };
        if status == "reversal" {
            reversals += sum;
            reversal_count += n;
        }
        payments += counted;
        total += sum;
        if channel == "counter" {
            cash += sum;
        }
        match channels.iter_mut().find(|c| c.channel == channel) {
            Some(c) => {
                c.count += counted;
                c.total_fen += sum;
            }
            None => channels.push(ChannelTotal { channel, count: counted, total_fen: sum, total: String::new() }),
        }
    }
    for c in &mut channels {
        c.total = yuan(Money::from_fen(c.total_fen));
    }
    let closed = closes(db, scope, Some(cashier), day, day).await?.into_iter().next();
    Ok(CloseSummary {
        business_day: day.to_string(),
        channels,
        payments,
        total_fen: total,
        total: yuan(Money::from_fen(total)),
        reversals_fen: reversals,
        reversals: yuan(Money::from_fen(reversals)),
        reversal_count,
        cash_expected_fen: cash,
        cash_expected: yuan(Money::from_fen(cash)),
        closed,
    })
}

/// Closes the actor's day with the cash counted, audited; refused when it
/// is closed already. After it, the cashier takes no more counter payments
/// on that day.
pub async fn close_day(db: &Db, actor: &Actor, day: Date, counted: Money, note: &str, now: Timestamp) -> Result<i64> {
    if counted < Money::ZERO {
        return Err(Invalid::new("cash_counted", Rule::new("not_negative", "不能为负数", "cannot be negative")).into());
    }
    let s = cashier_day(db, &actor.scope, actor.user_id, day).await?;
    if s.closed.is_some() {
        return Err(Invalid::new(
            "business_day",
            Rule::new("day_closed", format!("{day} 已日结"), format!("the day {day} is closed already")),
        )
        .into());
    }
    // The station of the day's payments; a day without any closes at the cashier's first station.
    let branch: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(branch_id) FROM power_payments WHERE taken_by = $1 AND business_day = $2 AND channel <> 'prepaid'",
    )
    .bind(actor.user_id.0)
    .bind(day.to_string())
    .fetch_one(db.pool())
    .await?;
    let branch = branch.or_else(|| actor.scope.branches().first().map(|b| b.0)).ok_or(Failure::NotFound)?;
    let mut tx = db.begin().await?;
    let id = tx.reserve_ids("power_day_closes", 1).await?[0];
    sqlx::query(
        "INSERT INTO power_day_closes (id, branch_id, cashier_id, business_day, payments, total, reversals, \
         cash_expected, cash_counted, note, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(branch)
    .bind(actor.user_id.0)
    .bind(day.to_string())
    .bind(s.payments)
    .bind(s.total_fen)
    .bind(s.reversals_fen)
    .bind(s.cash_expected_fen)
    .bind(counted.fen())
    .bind(note.trim().to_string())
    .bind(instant_text(now))
    .execute(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "business_day"))?;
    let change = Change {
        entity: "power_day_close",
        entity_id: format!("{}:{day}", actor.username),
        action: "close",
        branch: Some(BranchId(branch)),
        old: None,
        new: Some(json!({
            "payments": s.payments, "total": s.total, "reversals": s.reversals, "cash_expected": s.cash_expected,
            "cash_counted": yuan(counted), "difference": yuan(Money::from_fen(counted.fen() - s.cash_expected_fen)),
        })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// The closes from `from` to `to` (of one cashier, or all) in scope.
pub async fn closes(db: &Db, scope: &Scope, cashier: Option<UserId>, from: Date, to: Date) -> Result<Vec<DayClose>> {
    let sql = format!(
        "SELECT d.*, u.display_name FROM power_day_closes d JOIN users u ON u.id = d.cashier_id \
         WHERE d.business_day >= $1 AND d.business_day <= $2 AND ($3 IS NULL OR d.cashier_id = $3) \
         AND d.branch_id IN ({}) ORDER BY d.business_day, d.branch_id, u.display_name",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(cashier.map(|c| c.0))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let (expected, counted) = (r.i64("cash_expected")?, r.i64("cash_counted")?);
            Ok(DayClose {
                id: r.i64("id")?,
                branch_id: BranchId(r.i64("branch_id")?),
                cashier: r.text("display_name")?,
                business_day: r.text("business_day")?,
                payments: r.i64("payments")?,
                total: yuan(Money::from_fen(r.i64("total")?)),
                reversals: yuan(Money::from_fen(r.i64("reversals")?)),
                cash_expected: yuan(Money::from_fen(expected)),
                cash_counted: yuan(Money::from_fen(counted)),
                difference: yuan(Money::from_fen(counted - expected)),
                difference_fen: counted - expected,
                note: r.text("note")?,
                closed_at: r.text("closed_at")?,
            })
        })
        .collect()
}

/// A station's payments of a period in one channel.
#[derive(Clone, Debug, Serialize)]
pub struct StationTotal {
    pub branch_id: BranchId,
    pub station: String,
    pub channel: String,
    pub count: i64,
    pub reversals: i64,
    pub total_fen: i64,
    pub total: String,
}

/// Each station's payments from `from` to `to` by channel (the centre's
/// totals are their sum), net of reversals.
pub async fn station_totals(db: &Db, scope: &Scope, from: Date, to: Date) -> Result<Vec<StationTotal>> {
    let sql = format!(
        "SELECT p.branch_id, b.name, p.channel, \
         CAST(SUM(CASE WHEN p.status = 'reversal' THEN 0 ELSE 1 END) AS BIGINT) AS n, \
         CAST(SUM(CASE WHEN p.status = 'reversal' THEN 1 ELSE 0 END) AS BIGINT) AS r, \
         CAST(SUM(p.amount) AS BIGINT) AS total FROM power_payments p JOIN branches b ON b.id = p.branch_id \
         WHERE p.business_day >= $1 AND p.business_day <= $2 AND p.channel <> 'prepaid' AND p.branch_id IN ({}) \
         GROUP BY p.branch_id, b.name, p.channel ORDER BY b.name, p.channel",
        scope.sql_list()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).bind(to.to_string()).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(StationTotal {
                branch_id: BranchId(r.i64("branch_id")?),
                station: r.text("name")?,
                channel: r.text("channel")?,
                count: r.i64("n")?,
                reversals: r.i64("r")?,
                total_fen: r.i64("total")?,
                total: yuan(Money::from_fen(r.i64("total")?)),
            })
        })
        .collect()
}
