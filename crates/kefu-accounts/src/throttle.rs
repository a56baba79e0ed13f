//! Login throttling: an account, and an address, may try to sign in only so
//! many times in a window — after that every attempt is refused until the
//! window has passed, even with the right password — so guessing is slow.
//!
//! The attempt is counted before its password is checked, by one
//! conditional upsert per key that reserves a slot or refuses: checking a
//! password takes long enough that attempts sent at once would otherwise all
//! be checked before the first failure was written. The upsert holds the
//! key's row (PostgreSQL locks it; SQLite has one writer), so however the
//! attempts arrive, at most [`MAX_PER_USERNAME`] of an account's are
//! checked in a window. Counted in the database so every server of a
//! PostgreSQL deployment sees the same count.

use crate::Result;
use jiff::{SignedDuration, Timestamp};
use kefu_core::time::instant_text;
use kefu_store::{Db, Tx};

pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);
pub const MAX_PER_USERNAME: i64 = 5;
pub const MAX_PER_ADDRESS: i64 = 30;

/// The slots one sign-in attempt holds: its account's and its address's.
#[derive(Debug, Clone)]
pub struct Attempt {
    account: String,
    address: String,
}

fn account_key(username: &str) -> String {
    // No account name is longer than 32 characters; a longer one is counted
    // under its first 64, so the key stays small whatever is typed.
    format!("user:{}", username.trim().to_lowercase().chars().take(64).collect::<String>())
}

/// Takes one of the key's slots in the window that `now` falls in; false
/// when all `max` are taken. A window begins at the first attempt after the
/// last one ended.
async fn take_slot(tx: &mut Tx, key: &str, max: i64, now: Timestamp) -> Result<bool> {
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO login_attempts (key, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 ELSE login_attempts.attempts + 1 END, \
           window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 ELSE login_attempts.window_start END \
         WHERE login_attempts.window_start <= $3 OR login_attempts.attempts < $4 \
         RETURNING attempts",
    )
    .bind(key.to_string())
    .bind(instant_text(now))
    .bind(instant_text(now - WINDOW))
    .bind(max)
    .fetch_optional(tx.conn())
    .await?;
    Ok(taken.is_some())
}

/// Reserves an attempt for `username` from `ip`, before the password is
/// checked. None when the account or the address has used its attempts in
/// the window: the attempt is refused without a check, and holds nothing.
pub async fn reserve(db: &Db, username: &str, ip: &str, now: Timestamp) -> Result<Option<Attempt>> {
    let attempt = Attempt { account: account_key(username), address: format!("addr:{ip}") };
    let mut tx = db.begin_housekeeping().await?;
    // Always the account first, then the address: two attempts never wait
    // on each other's rows in opposite orders.
    if !take_slot(&mut tx, &attempt.account, MAX_PER_USERNAME, now).await?
        || !take_slot(&mut tx, &attempt.address, MAX_PER_ADDRESS, now).await?
    {
        // Dropping the transaction gives back the account's slot if only the
        // address was refused.
        return Ok(None);
    }
    sqlx::query("DELETE FROM login_attempts WHERE window_start < $1")
        .bind(instant_text(now - WINDOW - WINDOW))
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(Some(attempt))
}

/// The password was right: the attempt was no failure. The account's count
/// starts again, and the address gets its slot back.
pub async fn succeeded(db: &Db, attempt: &Attempt) -> Result<()> {
    let mut tx = db.begin_housekeeping().await?;
    sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(attempt.account.clone()).execute(tx.conn()).await?;
    sqlx::query("UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
        .bind(attempt.address.clone())
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(())
}
