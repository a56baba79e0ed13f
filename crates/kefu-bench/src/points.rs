//! A customer's points at the size the members issue names: the balance
//! and the newest entries of a ledger of 10,000 entries, read over HTTP
//! (`GET /api/v1/customers/{id}/points`) and on the floor (the same
//! `points::account` reads without HTTP, the guard or JSON).

use kefu_care::points::{self, EarnInput, When};
use kefu_core::Actor;
use kefu_core::ids::CustomerId;
use kefu_core::time::{Clock, SystemClock};
use kefu_store::Db;
use std::time::Duration;

pub const TARGET: Duration = Duration::from_millis(10);
/// The entries the API and the page show.
pub const SHOWN: i64 = 100;

/// Gives the first customer in the actor's branches `entries` ledger
/// entries (earnings, each its own audited transaction as at the desk) and
/// returns them.
pub async fn prepare(db: &Db, actor: &Actor, entries: usize) -> anyhow::Result<CustomerId> {
    let sql = format!("SELECT MIN(id) FROM customers WHERE branch_id IN ({})", actor.scope.sql_list());
    let id: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?;
    let customer = CustomerId(id.ok_or_else(|| anyhow::anyhow!("no customer in the user's branches"))?);
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM point_entries WHERE customer_id = $1")
        .bind(customer.0)
        .fetch_one(db.pool())
        .await?;
    let now = SystemClock.now();
    let when = When { now, today: kefu_core::time::BusinessZone::shanghai().date_of(now) };
    for i in have as usize..entries {
        let input = EarnInput {
            amount: format!("{}.00", 100 + i % 900),
            reference: format!("压测-{i}"),
            promotion_percent: 100,
        };
        points::earn(db, actor, customer, &input, when).await?;
    }
    // The ledger of a long-standing member, whose table autovacuum has
    // long since passed over: measured a minute after its 10,000 entries
    // were written, the balance's index-only read visited every entry's
    // row (p99 22 ms; 5–7 ms once vacuumed).
    db.vacuum_analyze(&["point_entries"]).await?;
    Ok(customer)
}
