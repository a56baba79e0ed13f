//! Fee items edited by a manager (issue 21 §6): a new item from the form,
//! a price changed from a period on (the item keeps its history; each
//! period bills at the price in force for it), and an item retired from a
//! period on. Every edit audited.

use std::collections::HashMap;

use kefu_core::{Actor, Invalid, Money, Rule, required_text};
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;

use crate::archive::Estate;
use crate::charges::{self, ItemRow, audit};
use crate::fees::{AreaOf, Basis, Cycle, DueDay, FeeItem, Month, ShareBy, UnitPrice, yuan_text};
use crate::houses::HouseKind;

type Result<T> = std::result::Result<T, Failure>;

/// A new fee item as the form sends it: every field text, checked here.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// area | metered | fixed | one_off
    #[serde(default)]
    pub basis: String,
    /// area: building | interior
    #[serde(default)]
    pub area_of: String,
    /// metered: area | house
    #[serde(default)]
    pub share_by: String,
    /// Yuan per m² a month (area) or per unit (metered), or the amount in
    /// yuan (fixed a month, one-off).
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub cycle: String,
    #[serde(default)]
    pub due_day: String,
    /// House kinds' codes (a repeated field).
    #[serde(default)]
    pub applies_to: Vec<String>,
}

fn choose(field: &str) -> Invalid {
    Invalid::new(field, Rule::new("choose", "请从列表中选择", "choose one from the list"))
}

/// The price field read for the basis: a unit price to four decimals for
/// area and metered items, an amount in yuan otherwise.
fn basis_of(form: &ItemForm) -> std::result::Result<Basis, Invalid> {
    let unit = || UnitPrice::parse("price", &form.price);
    let money = || Money::parse_yuan("price", &form.price);
    Ok(match form.basis.as_str() {
        "area" => {
            Basis::Area { of: AreaOf::from_code(&form.area_of).ok_or_else(|| choose("area_of"))?, price: unit()? }
        }
        "metered" => Basis::Metered {
            price: unit()?,
            share_by: ShareBy::from_code(&form.share_by).ok_or_else(|| choose("share_by"))?,
        },
        "fixed" => Basis::Fixed { per_month: money()? },
        "one_off" => Basis::OneOff { amount: money()? },
        _ => return Err(choose("basis")),
    })
}

/// Reads the form into a named item, or says which field is wrong and why.
pub fn parse_item(form: &ItemForm) -> std::result::Result<(String, FeeItem), Invalid> {
    let name = required_text("name", &form.name, 100)?;
    let basis = basis_of(form)?;
    let cycle = Cycle::from_code(&form.cycle).ok_or_else(|| choose("cycle"))?;
    let day: i64 = form.due_day.trim().parse().map_err(|_| {
        Invalid::new(
            "due_day",
            Rule::new("due_day_range", "缴费截止日应为每月 1 到 28 日", "the due day is from 1 to 28"),
        )
    })?;
    let due_day = DueDay::new("due_day", day)?;
    let mut kinds = Vec::new();
    for code in form.applies_to.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        kinds.push(HouseKind::from_code(code).ok_or_else(|| choose("applies_to"))?);
    }
    Ok((name, FeeItem::new(&form.code, basis, cycle, due_day, &kinds)?))
}

/// A price change from a period on.
#[derive(Debug, Clone, Serialize)]
pub struct PriceChange {
    pub effective: String,
    pub price: String,
}

/// An item as the edit page shows it: as published, its changes, and the
/// period it is retired from.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub row: ItemRow,
    pub changes: Vec<PriceChange>,
    pub retired_from: Option<String>,
}

struct Change {
    effective: Month,
    price: Option<i64>,
    amount: Option<i64>,
}

async fn changes(db: &Db, estate: &Estate) -> Result<(HashMap<String, Vec<Change>>, HashMap<String, Month>)> {
    let rows = sqlx::query(
        "SELECT item_code, effective, price, amount FROM estate_fee_item_prices WHERE branch_id = $1 \
         ORDER BY item_code, effective",
    )
    .bind(estate.branch_id.0)
    .fetch_all(db.pool())
    .await?;
    let mut by_item: HashMap<String, Vec<Change>> = HashMap::new();
    for r in &rows {
        let effective = Month::parse("effective", &r.text("effective")?)?;
        by_item.entry(r.text("item_code")?).or_default().push(Change {
            effective,
            price: r.opt_i64("price")?,
            amount: r.opt_i64("amount")?,
        });
    }
    let retired = sqlx::query(
        "SELECT code, retired_from FROM estate_fee_items WHERE branch_id = $1 AND retired_from IS NOT NULL",
    )
    .bind(estate.branch_id.0)
    .fetch_all(db.pool())
    .await?;
    let mut gone = HashMap::new();
    for r in &retired {
        gone.insert(r.text("code")?, Month::parse("retired_from", &r.text("retired_from")?)?);
    }
    Ok((by_item, gone))
}

/// The basis with a change's price or amount in it.
fn with_change(basis: Basis, c: &Change) -> Basis {
    match basis {
        Basis::Area { of, price } => Basis::Area { of, price: c.price.map_or(price, UnitPrice::from_units) },
        Basis::Metered { price, share_by } => {
            Basis::Metered { price: c.price.map_or(price, UnitPrice::from_units), share_by }
        }
        Basis::Fixed { per_month } => Basis::Fixed { per_month: c.amount.map_or(per_month, Money::from_fen) },
        Basis::OneOff { amount } => Basis::OneOff { amount: c.amount.map_or(amount, Money::from_fen) },
    }
}

fn price_text(basis: Basis) -> String {
    match basis {
        Basis::Area { price, .. } | Basis::Metered { price, .. } => price.to_string(),
        Basis::Fixed { per_month: m } | Basis::OneOff { amount: m } => yuan_text(m),
    }
}

/// The estate's items in force for `period`: retired ones left out, each
/// at the latest price whose period has come. The billing run and the
/// 明码标价 notice read these.
pub async fn in_force(db: &Db, estate: &Estate, period: Month) -> Result<Vec<(ItemRow, FeeItem)>> {
    let (changes, gone) = changes(db, estate).await?;
    let mut out = Vec::new();
    for (mut row, mut item) in charges::items(db, estate).await? {
        if gone.get(&item.code).is_some_and(|from| *from <= period) {
            continue;
        }
        if let Some(c) = changes.get(&item.code).and_then(|list| list.iter().rev().find(|c| c.effective <= period)) {
            item.basis = with_change(item.basis, c);
            match item.basis {
                Basis::Area { .. } | Basis::Metered { .. } => row.price = Some(price_text(item.basis)),
                _ => row.amount = Some(price_text(item.basis)),
            }
        }
        out.push((row, item));
    }
    Ok(out)
}

/// Every item of the estate with its changes, for the edit page.
pub async fn views(db: &Db, estate: &Estate) -> Result<Vec<ItemView>> {
    let (mut changes, gone) = changes(db, estate).await?;
    Ok(charges::items(db, estate)
        .await?
        .into_iter()
        .map(|(row, item)| {
            let list = changes.remove(&item.code).unwrap_or_default();
            ItemView {
                changes: list
                    .iter()
                    .map(|c| PriceChange {
                        effective: c.effective.to_string(),
                        price: price_text(with_change(item.basis, c)),
                    })
                    .collect(),
                retired_from: gone.get(&item.code).map(Month::to_string),
                row,
            }
        })
        .collect())
}

async fn item_of(db: &Db, estate: &Estate, code: &str) -> Result<FeeItem> {
    charges::items(db, estate).await?.into_iter().map(|(_, i)| i).find(|i| i.code == code).ok_or(Failure::NotFound)
}

/// Sets an item's price (or amount) from `effective` on, audited with the
/// price it replaces. A second change for the same period is refused.
pub async fn change_price(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    code: &str,
    effective: Month,
    price: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    let item = item_of(db, estate, code).await?;
    let (units, fen) = match item.basis {
        Basis::Area { .. } | Basis::Metered { .. } => (Some(UnitPrice::parse("price", price)?.units()), None),
        Basis::Fixed { .. } | Basis::OneOff { .. } => (None, Some(Money::parse_yuan("price", price)?.fen())),
    };
    let before = in_force(db, estate, effective).await?.into_iter().find(|(_, i)| i.code == code);
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO estate_fee_item_prices (branch_id, item_code, effective, price, amount, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(estate.branch_id.0)
    .bind(code.to_string())
    .bind(effective.to_string())
    .bind(units)
    .bind(fen)
    .bind(actor.user_id.0)
    .bind(kefu_core::time::instant_text(now))
    .execute(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "effective"))?;
    let new = serde_json::json!({
        "item": code, "effective": effective.to_string(), "price": price.trim(),
        "was": before.map(|(_, i)| price_text(i.basis)),
    });
    audit(&mut tx, actor, estate, "estate_fee_item_price", "update", new).await?;
    tx.commit().await?;
    Ok(())
}

/// Retires an item from `from` on: that period's run and later ones no
/// longer bill it; earlier bills stay as issued. Audited.
pub async fn retire(db: &Db, actor: &Actor, estate: &Estate, code: &str, from: Month) -> Result<()> {
    item_of(db, estate, code).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE estate_fee_items SET retired_from = $1 WHERE branch_id = $2 AND code = $3")
        .bind(from.to_string())
        .bind(estate.branch_id.0)
        .bind(code.to_string())
        .execute(tx.conn())
        .await?;
    let new = serde_json::json!({ "item": code, "retired_from": from.to_string() });
    audit(&mut tx, actor, estate, "estate_fee_item", "retire", new).await?;
    tx.commit().await?;
    Ok(())
}
