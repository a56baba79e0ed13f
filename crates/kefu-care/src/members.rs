//! Members: tiers with their benefits (and their points per yuan, in
//! `point_rules`), the members' events — self-drive trips, store events —
//! with sign-up and attendance, and the birthday gift each member receives
//! once a year.

use crate::customers;
use crate::timeline::{self, NewEvent};
use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId, MemberEventId};
use kefu_core::time::instant_text;
use kefu_core::validation::required_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tier {
    pub code: String,
    pub name: String,
    pub benefits: String,
}

/// The tiers, lowest first.
pub async fn tiers(db: &Db) -> Result<Vec<Tier>> {
    let rows = sqlx::query("SELECT code, name, benefits FROM member_tiers ORDER BY rank").fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| Ok(Tier { code: r.text("code")?, name: r.text("name")?, benefits: r.text("benefits")? }))
        .collect()
}

/// A customer's tier, if they have one.
pub async fn tier_of(db: &Db, customer: CustomerId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT member_tier FROM customers WHERE id = $1")
        .bind(customer.0)
        .fetch_optional(db.pool())
        .await?
        .flatten())
}

/// A member as the member list shows them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub customer_id: CustomerId,
    pub name: String,
    pub tier: String,
    /// The balance: the sum of the ledger.
    pub points: i64,
}

/// The members in scope (customers with a tier), highest tier first, then
/// by name; at most `limit`.
pub async fn list(db: &Db, scope: &Scope, limit: i64) -> Result<Vec<Member>> {
    // The limit is ours, written into the text as the scope is.
    let sql = format!(
        "SELECT c.id, c.name, c.member_tier,          (SELECT CAST(COALESCE(SUM(p.points), 0) AS BIGINT) FROM point_entries p WHERE p.customer_id = c.id) AS points          FROM customers c JOIN member_tiers t ON t.code = c.member_tier          WHERE c.branch_id IN ({}) ORDER BY t.rank DESC, c.name, c.id LIMIT {}",
        scope.sql_list(),
        limit.max(0)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                customer_id: CustomerId(r.i64("id")?),
                name: r.text("name")?,
                tier: r.text("member_tier")?,
                points: r.i64("points")?,
            })
        })
        .collect()
}

fn audit_change<'a>(
    entity: &'a str,
    id: String,
    action: &'a str,
    branch: BranchId,
    new: serde_json::Value,
) -> Change<'a> {
    Change { entity, entity_id: id, action, branch: Some(branch), old: None, new: Some(new) }
}

/// Gives a customer a tier (which makes them a member), or takes it away
/// (they stay a member without a tier).
pub async fn set_tier(db: &Db, actor: &Actor, customer: CustomerId, tier: &str, now: jiff::Timestamp) -> Result<()> {
    let c = customers::get(db, &actor.scope, customer).await?;
    let tier = tier.trim();
    if !tier.is_empty() && !tiers(db).await?.iter().any(|t| t.code == tier) {
        return Err(
            Invalid::new("member_tier", Rule::new("member_tier", "没有这个会员等级", "there is no such tier")).into()
        );
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE customers SET member_tier = $1, is_member = CASE WHEN $1 IS NULL THEN is_member ELSE 1 END, \
         updated_at = $2 WHERE id = $3",
    )
    .bind((!tier.is_empty()).then(|| tier.to_string()))
    .bind(instant_text(now))
    .bind(customer.0)
    .execute(tx.conn())
    .await?;
    timeline::record(
        &mut tx,
        NewEvent {
            branch: c.branch_id,
            customer,
            asset: None,
            at: now,
            kind: timeline::kind::CHANGE,
            summary: tier.to_string(),
            detail: json!({ "fields": ["member_tier"] }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        audit_change("customer", customer.to_string(), "member_tier", c.branch_id, json!({ "tier": tier })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A note on the customer's timeline of what a member received or joined.
async fn note(
    tx: &mut Tx,
    actor: &Actor,
    (branch, customer, at): (BranchId, CustomerId, jiff::Timestamp),
    summary: String,
    detail: serde_json::Value,
) -> Result<()> {
    let kind = timeline::kind::NOTE;
    let event = NewEvent { branch, customer, asset: None, at, kind, summary, detail, actor: &actor.display_name };
    timeline::record(tx, event).await
}

pub const EVENT_KINDS: [&str; 2] = ["self_drive", "store_event"];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub kind: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub capacity: String,
}

struct ValidEvent {
    title: String,
    kind: String,
    starts_on: Date,
    capacity: i64,
}

impl EventInput {
    fn validate(&self) -> std::result::Result<ValidEvent, Invalid> {
        let title = required_text("title", &self.title, 100)?;
        if !EVENT_KINDS.contains(&self.kind.trim()) {
            return Err(Invalid::new(
                "event_kind",
                Rule::new("event_kind", "须为 自驾游 或 店内活动", "must be a self-drive trip or a store event"),
            ));
        }
        let starts_on = self.starts_on.trim().parse().map_err(|_| {
            Invalid::new("starts_on", Rule::new("date_format", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"))
        })?;
        let capacity =
            self.capacity.trim().parse::<i64>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                Invalid::new(
                    "capacity",
                    Rule::new("capacity_range", "须为 1 到 1000 人", "must be from 1 to 1000 people"),
                )
            })?;
        Ok(ValidEvent { title, kind: self.kind.trim().to_string(), starts_on, capacity })
    }
}

/// Whether one more member may sign up: members only, while places last.
pub fn check_sign_up(is_member: bool, taken: i64, capacity: i64) -> std::result::Result<(), Invalid> {
    if !is_member {
        return Err(Invalid::new(
            "customer",
            Rule::new("members_only", "会员活动仅限会员报名", "member events are for members only"),
        ));
    }
    if taken >= capacity {
        return Err(Invalid::new(
            "event",
            Rule::new(
                "event_full",
                format!("名额已满（{capacity} 人）"),
                format!("the event is full ({capacity} places)"),
            ),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub id: MemberEventId,
    pub branch_id: BranchId,
    pub title: String,
    pub kind: String,
    pub starts_on: String,
    pub capacity: i64,
    pub signed_up: i64,
    pub attended: i64,
}

const EVENT_SELECT: &str = "SELECT e.id, e.branch_id, e.title, e.kind, e.starts_on, e.capacity, \
     (SELECT COUNT(*) FROM member_event_signups s WHERE s.event_id = e.id) AS signed_up, \
     (SELECT COUNT(*) FROM member_event_signups s WHERE s.event_id = e.id AND s.attended = 1) AS attended \
     FROM member_events e";

fn event_of(r: &sqlx::any::AnyRow) -> Result<Event> {
    Ok(Event {
        id: MemberEventId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        title: r.text("title")?,
        kind: r.text("kind")?,
        starts_on: r.text("starts_on")?,
        capacity: r.i64("capacity")?,
        signed_up: r.i64("signed_up")?,
        attended: r.i64("attended")?,
    })
}

pub async fn create_event(db: &Db, actor: &Actor, branch: BranchId, input: &EventInput) -> Result<Event> {
    actor.scope.check(branch)?;
    let v = input.validate()?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO member_events (branch_id, title, kind, starts_on, capacity, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(branch.0)
    .bind(v.title.clone())
    .bind(v.kind.clone())
    .bind(v.starts_on.to_string())
    .bind(v.capacity)
    .bind(instant_text(tx.now()))
    .bind(actor.display_name.clone())
    .fetch_one(tx.conn())
    .await?;
    let new = json!({ "title": v.title, "kind": v.kind, "starts_on": v.starts_on, "capacity": v.capacity });
    tx.audit(actor, audit_change("member_event", id.to_string(), "create", branch, new)).await?;
    tx.commit().await?;
    event(db, &actor.scope, MemberEventId(id)).await
}

/// Events in scope from `from` on, soonest first.
pub async fn events(db: &Db, scope: &Scope, from: Date) -> Result<Vec<Event>> {
    let sql = format!(
        "{EVENT_SELECT} WHERE e.branch_id IN ({}) AND e.starts_on >= $1 ORDER BY e.starts_on, e.id LIMIT 200",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).fetch_all(db.pool()).await?;
    rows.iter().map(event_of).collect()
}

pub async fn event(db: &Db, scope: &Scope, id: MemberEventId) -> Result<Event> {
    let sql = format!("{EVENT_SELECT} WHERE e.id = $1");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(db.pool()).await?.ok_or(Failure::NotFound)?;
    let e = event_of(&row)?;
    scope.check(e.branch_id)?;
    Ok(e)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Signup {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub attended: bool,
}

pub async fn signups(db: &Db, scope: &Scope, id: MemberEventId) -> Result<Vec<Signup>> {
    event(db, scope, id).await?;
    let rows = sqlx::query(
        "SELECT s.customer_id, c.name, s.attended FROM member_event_signups s JOIN customers c ON c.id = s.customer_id \
         WHERE s.event_id = $1 ORDER BY s.id",
    )
    .bind(id.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Signup {
                customer_id: CustomerId(r.i64("customer_id")?),
                customer_name: r.text("name")?,
                attended: r.flag("attended")?,
            })
        })
        .collect()
}

/// Signs a member up for an event while places last. The event's row is
/// locked first, so two sign-ups for the last place queue.
pub async fn sign_up(
    db: &Db,
    actor: &Actor,
    event_id: MemberEventId,
    customer: CustomerId,
    now: jiff::Timestamp,
) -> Result<()> {
    let c = customers::get(db, &actor.scope, customer).await?;
    let e = event(db, &actor.scope, event_id).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE member_events SET capacity = capacity WHERE id = $1").bind(e.id.0).execute(tx.conn()).await?;
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_event_signups WHERE event_id = $1")
        .bind(e.id.0)
        .fetch_one(tx.conn())
        .await?;
    check_sign_up(c.is_member, taken, e.capacity)?;
    sqlx::query("INSERT INTO member_event_signups (event_id, customer_id, signed_up_at) VALUES ($1, $2, $3)")
        .bind(e.id.0)
        .bind(customer.0)
        .bind(instant_text(now))
        .execute(tx.conn())
        .await
        .map_err(|err| Failure::unique_as_taken(err, "customer"))?;
    note(&mut tx, actor, (c.branch_id, customer, now), e.title.clone(), json!({ "member_event": e.id })).await?;
    tx.audit(
        actor,
        audit_change("member_event", e.id.to_string(), "sign_up", e.branch_id, json!({ "customer": customer })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records whether a signed-up member came.
pub async fn set_attended(
    db: &Db,
    actor: &Actor,
    event_id: MemberEventId,
    customer: CustomerId,
    attended: bool,
) -> Result<()> {
    let e = event(db, &actor.scope, event_id).await?;
    let mut tx = db.begin().await?;
    let changed = sqlx::query("UPDATE member_event_signups SET attended = $1 WHERE event_id = $2 AND customer_id = $3")
        .bind(i64::from(attended))
        .bind(e.id.0)
        .bind(customer.0)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(Failure::NotFound);
    }
    let new = json!({ "customer": customer, "attended": attended });
    tx.audit(actor, audit_change("member_event", e.id.to_string(), "attendance", e.branch_id, new)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gift {
    pub year: i64,
    pub gift: String,
    pub given_at: String,
    pub given_by: String,
}

pub async fn gifts_of(db: &Db, customer: CustomerId) -> Result<Vec<Gift>> {
    let rows = sqlx::query(
        "SELECT year, gift, given_at, given_by FROM birthday_gifts WHERE customer_id = $1 ORDER BY year DESC",
    )
    .bind(customer.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Gift {
                year: r.i64("year")?,
                gift: r.text("gift")?,
                given_at: r.text("given_at")?,
                given_by: r.text("given_by")?,
            })
        })
        .collect()
}

/// Records a member's birthday gift for the year of `today`; once a year.
pub async fn record_birthday_gift(
    db: &Db,
    actor: &Actor,
    customer: CustomerId,
    gift: &str,
    (today, now): (Date, jiff::Timestamp),
) -> Result<()> {
    let c = customers::get(db, &actor.scope, customer).await?;
    if !c.is_member {
        return Err(Invalid::new(
            "gift",
            Rule::new("members_only", "生日礼品仅赠予会员", "birthday gifts are for members"),
        )
        .into());
    }
    let gift = required_text("gift", gift, 100)?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO birthday_gifts (branch_id, customer_id, year, gift, given_at, given_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.branch_id.0)
    .bind(customer.0)
    .bind(i64::from(today.year()))
    .bind(gift.to_string())
    .bind(instant_text(now))
    .bind(actor.display_name.clone())
    .execute(tx.conn())
    .await
    .map_err(|e| match Failure::unique_as_taken(e, "gift") {
        Failure::Invalid(_) => Invalid::new(
            "gift",
            Rule::new("gift_this_year", format!("{} 年的生日礼品已赠送", today.year()), format!("the {} birthday gift was already given", today.year())),
        )
        .into(),
        other => other,
    })?;
    note(&mut tx, actor, (c.branch_id, customer, now), gift.to_string(), json!({ "birthday_gift": today.year() }))
        .await?;
    tx.audit(
        actor,
        audit_change(
            "birthday_gift",
            customer.to_string(),
            "create",
            c.branch_id,
            json!({ "gift": gift, "year": today.year() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_sign_up_while_places_last() {
        assert!(check_sign_up(true, 9, 10).is_ok());
        assert_eq!(check_sign_up(true, 10, 10).unwrap_err().rule.code, "event_full");
        assert_eq!(check_sign_up(false, 0, 10).unwrap_err().rule.code, "members_only");
    }

    #[test]
    fn an_event_needs_a_title_kind_date_and_places() {
        let ok = EventInput {
            title: "春季川西自驾游".into(),
            kind: "self_drive".into(),
            starts_on: "2027-04-10".into(),
            capacity: "20".into(),
        };
        assert!(ok.validate().is_ok());
        assert_eq!(EventInput { kind: "party".into(), ..ok.clone() }.validate().err().unwrap().field, "event_kind");
        assert_eq!(EventInput { capacity: "0".into(), ..ok.clone() }.validate().err().unwrap().field, "capacity");
        assert_eq!(EventInput { starts_on: "4月".into(), ..ok }.validate().err().unwrap().field, "starts_on");
    }
}
