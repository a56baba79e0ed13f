//! Duplicates and merging. The same person often arrives twice — once from
//! the showroom, once from an old system's export — with the same mobile, or
//! the same name and birthday. Merging keeps every record: the kept customer
//! receives the other's contacts, assets, history and tags, and the other
//! stays behind as a pointer ("merged into KH…") so nothing is lost.

use crate::customers::{self, Customer};
use crate::search::kind::MOBILE_TAIL;
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
    // A common name has a thousand namesakes in a large archive, so they
    // are not read: the customers born the same day (by the birthday index,
    // `b`) and those with the same last four digits (by their search key)
    // are, and of them those whose name key is the same — looked up for
    // each, on the index entry that leads to the customer, so that only a
    // namesake's row is read. (As EXISTS, PostgreSQL rather read every
    // namesake's key into a hash table.)
    let namesake = |id: &str| {
        format!(
            "(SELECT 1 FROM search_keys n WHERE n.key = $1 AND n.customer_id = {id} AND n.source = 'customer' \
             LIMIT 1) IS NOT NULL"
        )
    };
    let tail = c.mobile.as_deref().map(|m| crate::search::key(MOBILE_TAIL, &m[m.len().saturating_sub(4)..]));
    // Only what the customer has is compared, and each part is limited:
    // PostgreSQL then settles on one plan for every customer. Without the
    // limits the plan it makes for the values at hand looked cheaper each
    // time, and planning it anew took half of the 360° page's time there.
    let (mut parts, mut values) = (Vec::new(), Vec::new());
    if let Some(birthday) = c.birthday {
        values.push(birthday.to_string());
        parts.push(format!(
            "SELECT c.id, 'birthday' AS why FROM customers b CROSS JOIN customers c \
             WHERE b.birthday = ${} AND {} AND c.id = b.id AND c.id <> $2 AND {live}",
            values.len() + 2,
            namesake("b.id")
        ));
    }
    if let Some(tail) = tail {
        values.push(tail);
        parts.push(format!(
            "SELECT c.id, 'tail' AS why FROM search_keys t JOIN customers c ON c.id = t.customer_id \
             WHERE t.key = ${} AND t.source = 'customer' AND {} AND c.id <> $2 AND {live}",
            values.len() + 2,
            namesake("t.customer_id")
        ));
    }
    if parts.is_empty() {
        return Ok(out);
    }
    let parts: Vec<String> =
        parts.iter().enumerate().map(|(i, part)| format!("SELECT * FROM ({part} LIMIT 20) p{i}")).collect();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(parts.join(" UNION ALL ")))
        .bind(crate::search::full_name_key(&c.name))
        .bind(c.id.0);
    for value in values {
        query = query.bind(value);
    }
    for r in query.fetch_all(db.pool()).await? {
        let reason =
            if r.text("why")? == "birthday" { Reason::SameNameAndBirthday } else { Reason::SameNameAndMobileTail };
        add(r.i64("id")?, reason);
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
        .bind(kefu_core::time::instant_text(tx.now()))
        .bind(drop.0)
        .execute(tx.conn())
        .await?;
    let now = tx.now();
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
