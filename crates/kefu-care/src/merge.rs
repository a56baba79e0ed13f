//! Duplicates and merging. The same person often arrives twice — once from
//! the showroom, once from an old system's export — with the same mobile, or
//! the same name and birthday. Merging keeps every record: the kept customer
//! receives the other's contacts, assets, history and tags, and the other
//! stays behind as a pointer ("merged into KH…") so nothing is lost.

use crate::customers::{self, Customer};
use crate::timeline::{self, NewEvent};
use kefu_core::ids::CustomerId;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// Why two customers look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    SameMobile,
    SameNameAndBirthday,
    SameNameAndMobileTail,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suspect {
    pub customer_id: CustomerId,
    pub reason: Reason,
}

/// Customers in scope that look like `c`: the same mobile (as their own or a
/// contact's number), or the same name with the same birthday or the same
/// last four digits.
pub async fn suspects(db: &Db, scope: &Scope, c: &Customer) -> Result<Vec<Suspect>> {
    let mut out: Vec<Suspect> = Vec::new();
    let mut add = |id: i64, reason: Reason| {
        let id = CustomerId(id);
        if id != c.id && !out.iter().any(|s| s.customer_id == id) {
            out.push(Suspect { customer_id: id, reason });
        }
    };
    let live = format!("c.branch_id IN ({}) AND c.merged_into IS NULL", scope.sql_list());
    if let Some(m) = &c.mobile {
        let sql = format!(
            "SELECT DISTINCT k.customer_id FROM search_keys k JOIN customers c ON c.id = k.customer_id \
             WHERE k.key = $1 AND {live} LIMIT 20"
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(crate::search::key(crate::search::kind::MOBILE, m))
            .fetch_all(db.pool())
            .await?
        {
            add(r.i64("customer_id")?, Reason::SameMobile);
        }
    }
    let sql = format!(
        "SELECT c.id, c.birthday, c.mobile FROM search_keys k JOIN customers c ON c.id = k.customer_id \
         WHERE k.key = $1 AND k.source = 'customer' AND {live} LIMIT 50"
    );
    for r in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(crate::search::key(crate::search::kind::NAME, &c.name.to_lowercase()))
        .fetch_all(db.pool())
        .await?
    {
        let birthday = r.opt_text("birthday")?;
        let mobile = r.opt_text("mobile")?;
        let tail = |m: &Option<String>| m.as_deref().map(|m| m[m.len().saturating_sub(4)..].to_string());
        if birthday.is_some() && birthday == c.birthday.map(|d| d.to_string()) {
            add(r.i64("id")?, Reason::SameNameAndBirthday);
        } else if tail(&mobile).is_some() && tail(&mobile) == tail(&c.mobile) {
            add(r.i64("id")?, Reason::SameNameAndMobileTail);
        }
    }
    Ok(out)
}

/// The tables that point at customers. The common core's are listed here;
/// packs pass theirs (the auto pack's vehicles and visits) to [`merge`].
const CORE_REFERENCES: &[(&str, &str)] = &[
    ("contacts", "customer_id"),
    ("timeline_events", "customer_id"),
    ("complaints", "customer_id"),
    ("point_entries", "customer_id"),
    ("survey_invitations", "customer_id"),
    ("member_event_signups", "customer_id"),
    ("birthday_gifts", "customer_id"),
];

/// What a merge moved, kept in the audit log.
#[derive(Debug, Serialize)]
pub struct Moved {
    pub table: String,
    pub ids: Vec<i64>,
}

/// Merges `drop` into `keep`: every row that pointed at `drop` now points at
/// `keep`; tags and search keys are united; fields `keep` lacks are filled
/// from `drop`; `drop` is marked merged. Both must lie in the actor's scope.
pub async fn merge(
    db: &Db,
    actor: &Actor,
    keep: CustomerId,
    drop: CustomerId,
    pack_references: &[(&str, &str)],
) -> Result<Customer> {
    if keep == drop {
        return Err(Invalid::new(
            "merge",
            Rule::new("merge_self", "不能与自身合并", "cannot merge a customer into itself"),
        )
        .into());
    }
    let kept = customers::get(db, &actor.scope, keep).await?;
    let dropped = customers::get(db, &actor.scope, drop).await?;
    if kept.merged_into.is_some() || dropped.merged_into.is_some() {
        return Err(Invalid::new(
            "merge",
            Rule::new(
                "already_merged",
                "该客户已被合并过，请在合并后的档案上操作",
                "one of the customers was already merged",
            ),
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let mut moved = Vec::new();
    for (table, column) in CORE_REFERENCES.iter().chain(pack_references) {
        let ids: Vec<i64> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT id FROM {table} WHERE {column} = $1")))
                .bind(drop.0)
                .fetch_all(tx.conn())
                .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2")))
            .bind(keep.0)
            .bind(drop.0)
            .execute(tx.conn())
            .await?;
        moved.push(Moved { table: table.to_string(), ids });
    }
    // Tags and search keys: united, without duplicating what both had.
    sqlx::query(
        "INSERT INTO customer_tags (customer_id, tag) SELECT $1, tag FROM customer_tags WHERE customer_id = $2 \
         ON CONFLICT DO NOTHING",
    )
    .bind(keep.0)
    .bind(drop.0)
    .execute(tx.conn())
    .await?;
    crate::search::move_keys(&mut tx, drop, keep).await?;
    sqlx::query("UPDATE customers SET merged_into = $1, updated_at = $2 WHERE id = $3")
        .bind(keep.0)
        .bind(kefu_core::time::instant_text(jiff::Timestamp::now()))
        .bind(drop.0)
        .execute(tx.conn())
        .await?;
    let now = jiff::Timestamp::now();
    timeline::record(
        &mut tx,
        NewEvent {
            branch: kept.branch_id,
            customer: keep,
            asset: None,
            at: now,
            kind: timeline::kind::MERGE,
            summary: format!("{} {}", dropped.customer_no, dropped.name),
            detail: json!({ "merged_from": drop }),
            actor: &actor.display_name,
        },
    )
    .await?;
    // The dropped customer's own numbers become a contact of the kept one,
    // so a call from that number still finds them.
    if kept.mobile.is_some() && dropped.mobile.is_some() && dropped.mobile != kept.mobile {
        let input = crate::contacts::ContactInput {
            name: dropped.name.clone(),
            relation: "other".into(),
            mobile: dropped.mobile.clone().unwrap_or_default(),
            landline: dropped.landline.clone(),
            address: dropped.address.clone(),
            is_primary: false,
        };
        crate::contacts::add_in(&mut tx, keep, &input).await?;
    }
    tx.audit(
        actor,
        Change {
            entity: "customer",
            entity_id: keep.to_string(),
            action: "merge",
            branch: Some(kept.branch_id),
            old: Some(json!({ "kept": kept, "dropped": dropped })),
            new: Some(json!({ "merged_into": keep, "moved": moved })),
        },
    )
    .await?;
    tx.commit().await?;
    let mut filled = customers::get(db, &actor.scope, keep).await?;
    let before = filled.clone();
    fill_gaps(&mut filled, &dropped);
    if filled != before {
        customers::save(db, actor, &before, &filled).await?;
    }
    Ok(filled)
}

/// Fields the kept record lacks are taken from the dropped one.
fn fill_gaps(keep: &mut Customer, from: &Customer) {
    if keep.mobile.is_none() {
        keep.mobile.clone_from(&from.mobile);
    }
    for (mine, theirs) in [
        (&mut keep.landline, &from.landline),
        (&mut keep.email, &from.email),
        (&mut keep.address, &from.address),
        (&mut keep.gender, &from.gender),
    ] {
        if mine.is_empty() {
            mine.clone_from(theirs);
        }
    }
    if keep.birthday.is_none() {
        keep.birthday = from.birthday;
    }
    if keep.id_number.is_none() {
        keep.id_number.clone_from(&from.id_number);
    }
    keep.is_member |= from.is_member;
    if !from.notes.is_empty() && !keep.notes.contains(&from.notes) {
        keep.notes = if keep.notes.is_empty() { from.notes.clone() } else { format!("{}\n{}", keep.notes, from.notes) };
    }
    for tag in &from.tags {
        if !keep.tags.contains(tag) {
            keep.tags.push(tag.clone());
        }
    }
    keep.tags.sort();
}
