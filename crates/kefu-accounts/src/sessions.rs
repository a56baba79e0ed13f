//! Server-side sessions. The browser holds a random token in an HttpOnly
//! cookie; the database holds its hash, the user, the CSRF token and the
//! expiry. Signing in always makes a new token (no session fixation).

use crate::{Result, random_secret, secret_hash};
use jiff::{SignedDuration, Timestamp};
use kefu_core::ids::UserId;
use kefu_core::time::instant_text;
use kefu_store::{Db, RowExt};

/// A session ends after this long without a request.
pub const IDLE: SignedDuration = SignedDuration::from_hours(8);
/// Its expiry is pushed forward at most this often, to spare the writer.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_mins(5);

pub struct NewSession {
    /// The cookie value; shown once, never stored.
    pub token: String,
    pub csrf_token: String,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
    token_hash: String,
    last_seen_at: Timestamp,
}

pub async fn create(db: &Db, user: UserId, now: Timestamp) -> Result<NewSession> {
    let token = random_secret();
    let csrf_token = random_secret();
    let mut tx = db.begin_housekeeping().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(secret_hash(&token))
    .bind(user.0)
    .bind(csrf_token.clone())
    .bind(instant_text(now))
    .bind(instant_text(now + IDLE))
    .execute(tx.conn())
    .await?;
    // Expired sessions of anyone are swept while we are writing anyway.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(instant_text(now)).execute(tx.conn()).await?;
    tx.commit().await?;
    Ok(NewSession { token, csrf_token })
}

/// The live session for a cookie token, or None when unknown or expired.
pub async fn find(db: &Db, token: &str, now: Timestamp) -> Result<Option<Session>> {
    let hash = secret_hash(token);
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf_token, s.last_seen_at, s.expires_at FROM sessions s \
         JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND u.active = 1",
    )
    .bind(hash.clone())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires: Timestamp =
        row.text("expires_at")?.parse().map_err(|e| kefu_store::StoreError::Other(format!("{e}")))?;
    if expires <= now {
        return Ok(None);
    }
    let last_seen_at = row.text("last_seen_at")?.parse().map_err(|e| kefu_store::StoreError::Other(format!("{e}")))?;
    Ok(Some(Session {
        user_id: UserId(row.i64("user_id")?),
        csrf_token: row.text("csrf_token")?,
        token_hash: hash,
        last_seen_at,
    }))
}

/// Slides the idle expiry forward on use.
pub async fn touch(db: &Db, session: &Session, now: Timestamp) -> Result<()> {
    if now.duration_since(session.last_seen_at) < TOUCH_EVERY {
        return Ok(());
    }
    let mut tx = db.begin_housekeeping().await?;
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
        .bind(instant_text(now))
        .bind(instant_text(now + IDLE))
        .bind(session.token_hash.clone())
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn end(db: &Db, token: &str) -> Result<()> {
    let mut tx = db.begin_housekeeping().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(secret_hash(token)).execute(tx.conn()).await?;
    tx.commit().await?;
    Ok(())
}
