//! The customer lounge (D1: receive customers in the lounge, keep the bar
//! in order and register its drinkware every day): who waited, from when
//! to when and what they were served, and the day's drinkware count with
//! what broke — an item that went missing since the day before without
//! being recorded broken is flagged.

use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The bar's drinkware, counted every day.
pub const DRINKWARE: [&str; 5] = ["cup", "glass", "mug", "saucer", "teapot"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guest {
    pub id: i64,
    pub guest: String,
    pub plate: String,
    pub served: String,
    pub arrived_at: String,
    pub left_at: Option<String>,
    pub recorded_by: String,
}

/// One item's count on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub item: String,
    pub count: i64,
    pub broken: i64,
}

/// An item that went missing: fewer than the day before, less what broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub item: String,
    pub missing: i64,
}

/// Items of `today` that fell short of the day before by more than what
/// was recorded broken.
pub fn missing(before: &[Count], today: &[Count]) -> Vec<Missing> {
    today
        .iter()
        .filter_map(|t| {
            let b = before.iter().find(|b| b.item == t.item)?;
            let missing = b.count - t.broken - t.count;
            (missing > 0).then(|| Missing { item: t.item.clone(), missing })
        })
        .collect()
}

pub fn check_counts(counts: &[Count]) -> std::result::Result<(), Invalid> {
    for c in counts {
        if !DRINKWARE.contains(&c.item.as_str()) {
            return Err(Invalid::new("item", Rule::new("one_of", "未知的饮具", "unknown drinkware")));
        }
        if !(0..=10_000).contains(&c.count) || !(0..=10_000).contains(&c.broken) {
            return Err(Invalid::new(
                format!("count_{}", c.item),
                Rule::new("count_range", "数量须在 0 到 10000 之间", "must be between 0 and 10,000"),
            ));
        }
    }
    Ok(())
}

/// Who sits down in the lounge: the guest, their car, what they are served.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewGuest {
    pub guest: String,
    pub plate: String,
    pub served: String,
}

/// A guest sits down in the lounge.
pub async fn arrive(db: &Db, actor: &Actor, branch: BranchId, g: &NewGuest, now: jiff::Timestamp) -> Result<Guest> {
    actor.scope.check(branch)?;
    let (guest, plate, served) = (g.guest.as_str(), g.plate.as_str(), g.served.as_str());
    required_text("guest", guest, 60)?;
    optional_text("plate", plate, 20)?;
    optional_text("served", served, 200)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO lounge_guests (branch_id, guest, plate, served, arrived_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(branch.0)
    .bind(guest.trim().to_string())
    .bind(plate.trim().to_string())
    .bind(served.trim().to_string())
    .bind(instant_text(now))
    .bind(actor.display_name.clone())
    .fetch_one(tx.conn())
    .await?;
    let g = load_guest(tx.conn(), id).await?;
    tx.audit(actor, change("lounge_guest", id, "arrive", branch, json!(g))).await?;
    tx.commit().await?;
    Ok(g)
}

/// The guest leaves (once).
pub async fn leave(db: &Db, actor: &Actor, id: i64, now: jiff::Timestamp) -> Result<Guest> {
    let mut tx = db.begin().await?;
    let branch: Option<i64> = sqlx::query_scalar("SELECT branch_id FROM lounge_guests WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    let branch = BranchId(branch.ok_or(Failure::NotFound)?);
    actor.scope.check(branch)?;
    let left = sqlx::query("UPDATE lounge_guests SET left_at = $1 WHERE id = $2 AND left_at IS NULL")
        .bind(instant_text(now))
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if left == 0 {
        return Err(Failure::Conflict(Rule::new("already_left", "该客人已离开", "the guest has already left")));
    }
    let g = load_guest(tx.conn(), id).await?;
    tx.audit(actor, change("lounge_guest", id, "leave", branch, json!(g))).await?;
    tx.commit().await?;
    Ok(g)
}

fn change<'a>(entity: &'a str, id: i64, action: &'a str, branch: BranchId, new: serde_json::Value) -> Change<'a> {
    Change { entity, entity_id: id.to_string(), action, branch: Some(branch), old: None, new: Some(new) }
}

async fn load_guest(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Guest> {
    let r = sqlx::query(
        "SELECT id, guest, plate, served, arrived_at, left_at, recorded_by FROM lounge_guests WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    guest_from_row(&r)
}

fn guest_from_row(r: &sqlx::any::AnyRow) -> Result<Guest> {
    Ok(Guest {
        id: r.i64("id")?,
        guest: r.text("guest")?,
        plate: r.text("plate")?,
        served: r.text("served")?,
        arrived_at: r.text("arrived_at")?,
        left_at: r.opt_text("left_at")?,
        recorded_by: r.text("recorded_by")?,
    })
}

/// A store's guests who arrived from `from` until before `until`, newest first.
pub async fn guests(
    db: &Db,
    scope: &Scope,
    branch: BranchId,
    (from, until): (jiff::Timestamp, jiff::Timestamp),
) -> Result<Vec<Guest>> {
    scope.check(branch)?;
    let rows = sqlx::query(
        "SELECT id, guest, plate, served, arrived_at, left_at, recorded_by FROM lounge_guests \
         WHERE branch_id = $1 AND arrived_at >= $2 AND arrived_at < $3 ORDER BY arrived_at DESC, id DESC",
    )
    .bind(branch.0)
    .bind(instant_text(from))
    .bind(instant_text(until))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(guest_from_row).collect()
}

/// Registers the day's drinkware; a second registration the same day
/// replaces the first.
pub async fn register(db: &Db, actor: &Actor, branch: BranchId, day: Date, counts: &[Count]) -> Result<()> {
    actor.scope.check(branch)?;
    check_counts(counts)?;
    let mut tx = db.begin().await?;
    for c in counts {
        sqlx::query(
            "INSERT INTO drinkware_counts (branch_id, day, item, count, broken, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (branch_id, day, item) DO UPDATE SET \
             count = excluded.count, broken = excluded.broken, recorded_by = excluded.recorded_by",
        )
        .bind(branch.0)
        .bind(day.to_string())
        .bind(c.item.clone())
        .bind(c.count)
        .bind(c.broken)
        .bind(actor.display_name.clone())
        .execute(tx.conn())
        .await?;
    }
    tx.audit(
        actor,
        Change {
            entity: "drinkware",
            entity_id: format!("{branch}:{day}"),
            action: "register",
            branch: Some(branch),
            old: None,
            new: Some(json!(counts)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A store's drinkware count of a day (empty when not registered).
pub async fn counts(db: &Db, scope: &Scope, branch: BranchId, day: Date) -> Result<Vec<Count>> {
    scope.check(branch)?;
    let rows = sqlx::query("SELECT item, count, broken FROM drinkware_counts WHERE branch_id = $1 AND day = $2")
        .bind(branch.0)
        .bind(day.to_string())
        .fetch_all(db.pool())
        .await?;
    let mut out: Vec<Count> = rows
        .iter()
        .map(|r| Ok(Count { item: r.text("item")?, count: r.i64("count")?, broken: r.i64("broken")? }))
        .collect::<Result<_>>()?;
    out.sort_by_key(|c| DRINKWARE.iter().position(|i| *i == c.item));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(item: &str, count: i64, broken: i64) -> Count {
        Count { item: item.into(), count, broken }
    }

    #[test]
    fn what_went_missing_is_what_neither_stayed_nor_broke() {
        let before = [c("cup", 24, 0), c("glass", 12, 0), c("mug", 6, 0)];
        let today = [c("cup", 22, 2), c("glass", 10, 1), c("mug", 7, 0), c("teapot", 2, 0)];
        assert_eq!(missing(&before, &today), vec![Missing { item: "glass".into(), missing: 1 }]);
    }

    #[test]
    fn counts_are_checked() {
        assert!(check_counts(&[c("cup", 24, 1)]).is_ok());
        assert_eq!(check_counts(&[c("vase", 1, 0)]).unwrap_err().field, "item");
        assert_eq!(check_counts(&[c("cup", -1, 0)]).unwrap_err().field, "count_cup");
    }
}
