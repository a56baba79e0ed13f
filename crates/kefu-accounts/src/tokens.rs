//! API tokens for programs calling /api/v1 without a browser session.

use crate::{Result, random_secret, secret_hash};
use kefu_core::Actor;
use kefu_core::ids::UserId;
use kefu_store::{Change, Db};
use serde_json::json;

const PREFIX: &str = "kefu_";

/// Issues a token for `user`; the returned text is shown once and never
/// stored.
pub async fn issue(db: &Db, actor: &Actor, user: UserId, name: &str) -> Result<String> {
    let token = format!("{PREFIX}{}", random_secret());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user.0)
    .bind(name.to_string())
    .bind(secret_hash(&token))
    .bind(kefu_core::time::instant_text(tx.now()))
    .fetch_one(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "api_token",
            entity_id: id.to_string(),
            action: "create",
            branch: None,
            old: None,
            new: Some(json!({ "user_id": user, "name": name })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The actor whose active account a bearer token (not revoked) belongs to.
pub async fn actor_for(db: &Db, token: &str) -> Result<Option<Actor>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let who = "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL";
    crate::users::actor_where(db, who, secret_hash(token)).await
}
