//! One-off charges (issue 21 §6): a decoration deposit, a key card, a late
//! fee — charged to a house now and billed once, on its next bill. The
//! billing run takes every pending charge as a one-off item of its own
//! (code `item#id`, at the charge's amount), so the rules' billing key
//! bills it once whatever the run is repeated; a reversal of that bill
//! sets the charge pending again for the corrected bill.

use kefu_core::{Actor, Money};
use kefu_store::{Db, Failure, RowExt, Tx};
use serde::Serialize;
use sqlx::AssertSqlSafe;

use crate::archive::{Estate, House};
use crate::charges::{audit, invalid};
use crate::fees::{Basis, Cycle, DueDay, FeeItem, Month, yuan_text};
use crate::houses::{HouseKind, HouseNo};

type Result<T> = std::result::Result<T, Failure>;

/// The item code of charges that no published item names: a bill's late fee.
pub const LATE_FEE: &str = "late_fee";

/// Charges a house a one-off item of its estate at the item's price in
/// force today, audited. An item that is not one-off, or not for this kind
/// of house, is refused naming the field.
pub async fn charge(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    house: &House,
    item: &str,
    description: &str,
    (now, today): (jiff::Timestamp, jiff::civil::Date),
) -> Result<i64> {
    if house.branch_id != estate.branch_id {
        return Err(Failure::NotFound);
    }
    let items = super::items::in_force(db, estate, Month::of(today)).await?;
    let Some((_, fee)) = items.iter().find(|(_, i)| i.code == item) else {
        return Err(invalid("item", "unknown_item", "没有这个收费项目", "there is no such fee item"));
    };
    let Basis::OneOff { amount } = fee.basis else {
        return Err(invalid("item", "not_one_off", "该收费项目不是一次性收费", "the fee item is not a one-off charge"));
    };
    if !HouseKind::from_code(&house.kind).is_some_and(|k| fee.applies_to(k)) {
        return Err(invalid(
            "item",
            "item_not_for_house_kind",
            "该收费项目不适用于这类房屋",
            "the fee item does not apply to this kind of house",
        ));
    }
    let description = kefu_core::optional_text("description", description, 200)?;
    let mut tx = db.begin().await?;
    let id = charge_in(&mut tx, actor, estate, house.id, item, amount, &description, now).await?;
    let new = serde_json::json!({ "house": house.number, "item": item, "amount": amount.fen(), "charge": id });
    audit(&mut tx, actor, estate, "estate_one_off_charge", "create", new).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a pending charge inside the caller's transaction (which audits).
#[allow(clippy::too_many_arguments)] // the charge's facts, checked by the callers
pub async fn charge_in(
    tx: &mut Tx,
    actor: &Actor,
    estate: &Estate,
    house: i64,
    item: &str,
    amount: Money,
    description: &str,
    now: jiff::Timestamp,
) -> Result<i64> {
    let id = tx.reserve_ids("estate_one_off_charges", 1).await?[0];
    sqlx::query(
        "INSERT INTO estate_one_off_charges (id, branch_id, house_id, item_code, amount, description, charged_at, \
         charged_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(estate.branch_id.0)
    .bind(house)
    .bind(item.to_string())
    .bind(amount.fen())
    .bind(description.to_string())
    .bind(kefu_core::time::instant_text(now))
    .bind(actor.user_id.0)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// The pending charges as the billing run takes them: an item of its own
/// per charge and the (house, item) pair to bill, over the houses the run
/// knows (`ids`: house id → number). A one-off charge is billed as
/// `ITEM#id` and falls due on its item's due day; a late fee, which no
/// item names, and a completed in-house repair's charge (`报修@id`, from
/// `estate_repair_charges`) on the latest due day of the estate's items, so
/// they never fall due before the fees they follow.
pub async fn pending(
    tx: &mut Tx,
    estate: &Estate,
    items: &[FeeItem],
    ids: &std::collections::HashMap<i64, HouseNo>,
) -> Result<(Vec<FeeItem>, Vec<(HouseNo, String)>)> {
    let rows = sqlx::query(
        "SELECT id, house_id, item_code, amount, CAST(0 AS BIGINT) AS repair FROM estate_one_off_charges WHERE branch_id = $1 \
         AND billed_bill_id IS NULL \
         UNION ALL SELECT id, house_id, '' AS item_code, amount, CAST(1 AS BIGINT) AS repair FROM estate_repair_charges \
         WHERE branch_id = $1 AND billed_bill_id IS NULL ORDER BY repair, id",
    )
    .bind(estate.branch_id.0)
    .fetch_all(tx.conn())
    .await?;
    let latest = items.iter().map(|i| i.due_day).max().unwrap_or(DueDay::new("due_day", 28)?);
    let (mut own, mut pairs) = (Vec::new(), Vec::new());
    for r in &rows {
        let Some(no) = ids.get(&r.i64("house_id")?) else { continue };
        let id = r.i64("id")?;
        let (code, due) = if r.i64("repair")? == 1 {
            (format!("{REPAIR}@{id}"), latest)
        } else {
            let item = r.text("item_code")?;
            let due = items.iter().find(|i| i.code == item).map_or(latest, |i| i.due_day);
            (format!("{item}#{id}"), due)
        };
        let amount = Money::from_fen(r.i64("amount")?);
        own.push(FeeItem::new(&code, Basis::OneOff { amount }, Cycle::Monthly, due, HouseKind::ALL)?);
        pairs.push((no.clone(), code));
    }
    Ok((own, pairs))
}

/// The item a repair's charge is billed under, before `@` and its id.
const REPAIR: &str = "报修";

/// A pending charge a bill's one-off line carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// `ITEM#id`: a row of `estate_one_off_charges`.
    OneOff(i64),
    /// `报修@id`: a row of `estate_repair_charges`.
    Repair(i64),
}

/// The charge a billed one-off line's item code names, if any.
pub fn charge_of(code: &str) -> Option<Charge> {
    if let Some((_, id)) = code.rsplit_once('#') {
        return id.parse().ok().map(Charge::OneOff);
    }
    let (item, id) = code.rsplit_once('@')?;
    (item == REPAIR).then(|| id.parse().ok().map(Charge::Repair)).flatten()
}

/// Marks each charge billed on its bill: (charge, bill).
pub async fn billed(tx: &mut Tx, charges: &[(Charge, i64)]) -> Result<()> {
    for (charge, bill) in charges {
        let (table, id) = match charge {
            Charge::OneOff(id) => ("estate_one_off_charges", id),
            Charge::Repair(id) => ("estate_repair_charges", id),
        };
        sqlx::query(AssertSqlSafe(format!("UPDATE {table} SET billed_bill_id = $1 WHERE id = $2")))
            .bind(*bill)
            .bind(*id)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// A reversed bill's charges wait for the corrected bill.
pub async fn unbilled(tx: &mut Tx, bill: i64) -> Result<()> {
    for table in ["estate_one_off_charges", "estate_repair_charges"] {
        sqlx::query(AssertSqlSafe(format!("UPDATE {table} SET billed_bill_id = NULL WHERE billed_bill_id = $1")))
            .bind(bill)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// A charge as a house's page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ChargeRow {
    pub id: i64,
    pub item: String,
    pub amount: String,
    pub description: String,
    pub charged_at: String,
    pub billed: bool,
}

/// A house's one-off charges, newest first.
pub async fn of_house(db: &Db, house: &House) -> Result<Vec<ChargeRow>> {
    let rows = sqlx::query(
        "SELECT id, item_code, amount, description, charged_at, billed_bill_id FROM estate_one_off_charges \
         WHERE house_id = $1 ORDER BY id DESC",
    )
    .bind(house.id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChargeRow {
                id: r.i64("id")?,
                item: r.text("item_code")?,
                amount: yuan_text(Money::from_fen(r.i64("amount")?)),
                description: r.text("description")?,
                charged_at: r.text("charged_at")?,
                billed: r.opt_i64("billed_bill_id")?.is_some(),
            })
        })
        .collect()
}
