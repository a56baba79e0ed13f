//! The owner's own link to report a repair: staff hand an owner a link
//! signed for their house (like the survey links, under its own key) that
//! works for [`LIFETIME`]; whoever opens it reports a repair in that house,
//! recorded as coming from the owner's link, with the deadlines of its
//! category like any other.

use super::store::{self, NewRepair};
use crate::passes::{Checked, Purpose, check, token};
use jiff::{SignedDuration, Timestamp};
use kefu_care::surveys;
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// How long an owner's link works: as long as a survey link by default.
pub const LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 30);

/// The house a link is for.
#[derive(Debug, Clone, Serialize)]
pub struct Linked {
    pub house_id: i64,
    pub branch_id: i64,
    pub estate: String,
    pub estate_name: String,
    pub house: String,
    pub expires: String,
    pub expired: bool,
}

async fn house_row(db: &Db, scope: Option<&Scope>, house: i64) -> Result<(i64, String, String, String)> {
    let within = scope.map(|s| format!(" AND h.branch_id IN ({})", s.sql_list())).unwrap_or_default();
    let sql = format!(
        "SELECT h.branch_id, b.code, b.name, h.number FROM estate_houses h JOIN branches b ON b.id = h.branch_id \
         WHERE h.id = $1{within}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(house).fetch_optional(db.pool()).await?;
    let r = row.ok_or(Failure::NotFound)?;
    Ok((r.i64("branch_id")?, r.text("code")?, r.text("name")?, r.text("number")?))
}

/// Makes the link token for a house in the actor's scope, audited.
pub async fn issue(db: &Db, actor: &Actor, house: i64, now: Timestamp) -> Result<(String, Timestamp)> {
    let (branch, ..) = house_row(db, Some(&actor.scope), house).await?;
    let expires = now + LIFETIME;
    let token = token(&surveys::link_key(db).await?, Purpose::RepairLink, house, expires);
    let mut tx = db.begin().await?;
    let change = Change {
        entity: "estate_house",
        entity_id: house.to_string(),
        action: "repair_link",
        branch: Some(BranchId(branch)),
        old: None,
        new: Some(serde_json::json!({ "expires": kefu_core::time::instant_text(expires) })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok((token, expires))
}

/// The house a token opens, and whether it has expired; a token not signed
/// here is not found.
pub async fn open(db: &Db, token: &str, now: Timestamp) -> Result<Linked> {
    let (house, expires, expired) = match check(&surveys::link_key(db).await?, Purpose::RepairLink, token, now) {
        Checked::Valid { id, expires } => (id, expires, false),
        Checked::Expired { id, expires } => (id, expires, true),
        Checked::Forged => return Err(Failure::NotFound),
    };
    let (branch, estate, estate_name, number) = house_row(db, None, house).await?;
    Ok(Linked {
        house_id: house,
        branch_id: branch,
        estate,
        estate_name,
        house: number,
        expires: kefu_core::time::instant_text(expires),
        expired,
    })
}

/// A repair reported through a working link: in the link's house, from
/// the owner's link, by the system on the estate's behalf; refused like
/// any report when a field is wrong, and as gone when the link expired.
pub async fn report(db: &Db, token: &str, new: &NewRepair, now: Timestamp) -> Result<i64> {
    let linked = open(db, token, now).await?;
    if linked.expired {
        return Err(Failure::Conflict(kefu_core::Rule::new(
            "repair_link_expired",
            "该报修链接已过期，请致电物业服务中心",
            "this repair link has expired; please call the service centre",
        )));
    }
    let actor = Actor::system(Scope::new(vec![BranchId(linked.branch_id)]));
    let estate = crate::archive::estate(db, &actor.scope, &linked.estate).await?;
    let new = NewRepair {
        place: "in_house".into(),
        house: linked.house,
        source: "owner_link".into(),
        location: String::new(),
        ..new.clone()
    };
    store::report(db, &actor, &estate, &new, now).await
}
