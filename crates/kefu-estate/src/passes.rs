//! A visitor's pass (issue 21 §2): an optional QR code the desk hands a
//! registered visitor, encoding a token that names the visit and the
//! instant the pass stops working, signed like the survey links (HMAC-SHA256
//! with the server's link key, under a key of its own for each [`Purpose`]
//! so that a survey token is never a pass, nor a pass an owner's repair
//! link); the gate checks it and sees the visit it admits. The token
//! carries no personal data.

use crate::archive::Estate;
use jiff::{SignedDuration, Timestamp};
use kefu_care::surveys::{self, rules};
use kefu_core::{Actor, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// How long a pass works from its issue: a working day's visit.
pub const LIFETIME: SignedDuration = SignedDuration::from_hours(12);

/// What a signed token is for: each signs under its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A visitor's pass; the id is the visit's.
    Pass,
    /// An owner's own link to report a repair; the id is the house's.
    RepairLink,
}

/// The survey links' key, turned into the purpose's own.
fn purpose_key(link_key: &[u8], purpose: Purpose) -> Vec<u8> {
    let label: &[u8] = match purpose {
        Purpose::Pass => b"|estate-visitor-pass",
        Purpose::RepairLink => b"|estate-repair-link",
    };
    [link_key, label].concat()
}

/// The token for `purpose` about `id` that works until `expires`:
/// `EXPIRES.ID-TAG`, the expiry in seconds since the epoch.
pub fn token(link_key: &[u8], purpose: Purpose, id: i64, expires: Timestamp) -> String {
    let seconds = expires.as_second();
    format!("{seconds}.{}", rules::token(&purpose_key(link_key, purpose), id, seconds))
}

/// What a token says at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// Signed by this server for this id, and still working.
    Valid { id: i64, expires: Timestamp },
    /// Signed by this server, but past its expiry.
    Expired { id: i64, expires: Timestamp },
    /// Not a pass of this server (made up, changed, or cut short).
    Forged,
}

/// Checks a token for `purpose`: its signature, then its expiry.
pub fn check(link_key: &[u8], purpose: Purpose, token: &str, now: Timestamp) -> Checked {
    let Some((seconds, signed)) = token.trim().split_once('.') else { return Checked::Forged };
    let (Ok(seconds), Some(id)) = (seconds.parse::<i64>(), rules::claimed(signed)) else { return Checked::Forged };
    let Ok(expires) = Timestamp::from_second(seconds) else { return Checked::Forged };
    if !rules::verify(&purpose_key(link_key, purpose), signed, id, seconds) {
        Checked::Forged
    } else if now < expires {
        Checked::Valid { id, expires }
    } else {
        Checked::Expired { id, expires }
    }
}

/// A pass as the desk hands it over.
#[derive(Debug, Clone, Serialize)]
pub struct Pass {
    pub visit: i64,
    pub token: String,
    pub expires: String,
    pub name: String,
    pub house: String,
}

async fn visit_row(db: &Db, scope: &Scope, visit: i64) -> Result<(i64, String, String)> {
    let sql = format!(
        "SELECT v.branch_id, v.name, h.number FROM estate_visitors v JOIN estate_houses h ON h.id = v.house_id \
         WHERE v.id = $1 AND v.branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(visit).fetch_optional(db.pool()).await?;
    let row = row.ok_or(Failure::NotFound)?;
    Ok((row.i64("branch_id")?, row.text("name")?, row.text("number")?))
}

/// Issues a pass for a visit registered at `estate`, working for
/// [`LIFETIME`] from `now`; the issue is audited (the token is not kept:
/// it is its own proof).
pub async fn issue(db: &Db, actor: &Actor, estate: &Estate, visit: i64, now: Timestamp) -> Result<Pass> {
    let (branch, name, house) = visit_row(db, &actor.scope, visit).await?;
    if branch != estate.branch_id.0 {
        return Err(Failure::NotFound);
    }
    let expires = now + LIFETIME;
    let token = token(&surveys::link_key(db).await?, Purpose::Pass, visit, expires);
    let mut tx = db.begin().await?;
    let change = Change {
        entity: "estate_visitor",
        entity_id: visit.to_string(),
        action: "pass",
        branch: Some(estate.branch_id),
        old: None,
        new: Some(serde_json::json!({ "expires": expires })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(Pass { visit, token, expires: kefu_core::time::instant_text(expires), name, house })
}

/// What the gate sees for a token: valid or expired with the visit it
/// names (when that visit is in the guard's estates and still on record),
/// or forged.
#[derive(Debug, Clone, Serialize)]
pub struct AtGate {
    /// valid | expired | forged | unknown (signed, but no such visit here)
    pub verdict: &'static str,
    pub expires: Option<String>,
    pub name: Option<String>,
    pub house: Option<String>,
}

pub async fn at_gate(db: &Db, scope: &Scope, token: &str, now: Timestamp) -> Result<AtGate> {
    let (verdict, visit, expires) = match check(&surveys::link_key(db).await?, Purpose::Pass, token, now) {
        Checked::Valid { id, expires } => ("valid", id, expires),
        Checked::Expired { id, expires } => ("expired", id, expires),
        Checked::Forged => return Ok(AtGate { verdict: "forged", expires: None, name: None, house: None }),
    };
    let expires = Some(kefu_core::time::instant_text(expires));
    match visit_row(db, scope, visit).await {
        Ok((_, name, house)) => Ok(AtGate { verdict, expires, name: Some(name), house: Some(house) }),
        Err(Failure::NotFound) => Ok(AtGate { verdict: "unknown", expires, name: None, house: None }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_works_until_it_expires_and_cannot_be_altered() {
        let key = b"0123456789abcdef0123456789abcdef";
        let now: Timestamp = "2026-12-05T02:00:00Z".parse().unwrap();
        let expires = now + LIFETIME;
        let t = token(key, Purpose::Pass, 42, expires);
        let pass = |t: &str, at| check(key, Purpose::Pass, t, at);
        assert_eq!(pass(&t, now), Checked::Valid { id: 42, expires });
        assert_eq!(pass(&t, expires), Checked::Expired { id: 42, expires });
        // Another visit, a later expiry, another key, a repair link or a
        // survey token: forged.
        assert_eq!(pass(&t.replacen("42-", "43-", 1), now), Checked::Forged);
        let later = format!("{}{}", expires.as_second() + 3600, &t[t.find('.').unwrap()..]);
        assert_eq!(pass(&later, now), Checked::Forged);
        assert_eq!(check(b"another key", Purpose::Pass, &t, now), Checked::Forged);
        assert_eq!(check(key, Purpose::RepairLink, &t, now), Checked::Forged);
        let survey = format!("{}.{}", expires.as_second(), rules::token(key, 42, expires.as_second()));
        assert_eq!(pass(&survey, now), Checked::Forged);
        assert_eq!(pass("garbage", now), Checked::Forged);
    }
}
