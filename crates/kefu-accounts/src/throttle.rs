//! Login throttling: after repeated failures for one username, or from one
//! address, further attempts are refused for a while — even with the right
//! password — so guessing is slow. Counted in the database so every server
//! of a PostgreSQL deployment sees the same count.

use crate::Result;
use jiff::{SignedDuration, Timestamp};
use kefu_core::time::instant_text;
use kefu_store::Db;

pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);
pub const MAX_PER_USERNAME: i64 = 5;
pub const MAX_PER_ADDRESS: i64 = 30;

/// Whether a login attempt may be tried now.
pub async fn is_locked(db: &Db, username: &str, ip: &str, now: Timestamp) -> Result<bool> {
    let since = instant_text(now - WINDOW);
    let by_name: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at > $2")
        .bind(username.trim().to_lowercase())
        .bind(since.clone())
        .fetch_one(db.pool())
        .await?;
    let by_ip: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at > $2")
        .bind(ip.to_string())
        .bind(since)
        .fetch_one(db.pool())
        .await?;
    Ok(by_name >= MAX_PER_USERNAME || by_ip >= MAX_PER_ADDRESS)
}

pub async fn record_failure(db: &Db, username: &str, ip: &str, now: Timestamp) -> Result<()> {
    let mut tx = db.begin_housekeeping().await?;
    sqlx::query("INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)")
        .bind(username.trim().to_lowercase())
        .bind(ip.to_string())
        .bind(instant_text(now))
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(instant_text(now - WINDOW - WINDOW))
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A successful login forgets that username's failures.
pub async fn clear(db: &Db, username: &str) -> Result<()> {
    let mut tx = db.begin_housekeeping().await?;
    sqlx::query("DELETE FROM login_failures WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(())
}
