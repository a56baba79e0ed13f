//! Property fees as stored (issue 21 §6): fee items, readings, the billing
//! run per estate and period (the rules' [`billing_run`] over what the
//! estate holds, written in one transaction, idempotent by the billing keys'
//! primary key), corrections by reversal, payments to the oldest bill first
//! with the rest prepaid, and arrears by ageing bucket.

use crate::archive::{Estate, House};
use crate::arrears::{Aged, ageing};
use crate::billing::{self, BillingKey, RunInput, billing_run};
use crate::fees::{AreaOf, Basis, Cycle, DueDay, FeeItem, Month, Reading, Replacement, ShareBy, UnitPrice};
use crate::houses::{Area, HouseKind, HouseNo};
use crate::payments::{apply_payment, apply_prepaid, check_same_estate};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::allocation::OpenBill;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

type Result<T> = std::result::Result<T, Failure>;

/// The meter name a master meter's readings are stored under.
pub const MASTER: &str = "MASTER";

/// The channels a payment comes by; all but the desk carry the bank's or
/// the wallet's transaction number.
pub const CHANNELS: &[&str] = &["desk", "bank", "wechat", "alipay"];

pub(crate) fn invalid(field: &str, code: &'static str, zh: &'static str, en: &'static str) -> Failure {
    Failure::Invalid(Invalid::new(field, Rule::new(code, zh, en)))
}

/// Adds fee items to an estate, audited; a code taken is refused.
pub async fn add_items(db: &Db, actor: &Actor, estate: &Estate, items: &[(String, FeeItem)]) -> Result<()> {
    let mut tx = db.begin().await?;
    for (name, item) in items {
        let (basis, area_of, price, share_by, amount) = match item.basis {
            Basis::Area { of, price } => ("area", Some(of.code()), Some(price.units()), None, None),
            Basis::Metered { price, share_by } => ("metered", None, Some(price.units()), Some(share_by.code()), None),
            Basis::Fixed { per_month } => ("fixed", None, None, None, Some(per_month.fen())),
            Basis::OneOff { amount } => ("one_off", None, None, None, Some(amount.fen())),
        };
        let kinds = item.applies_to.iter().map(|k| k.code()).collect::<Vec<_>>().join(",");
        sqlx::query(
            "INSERT INTO estate_fee_items (branch_id, code, name, basis, area_of, price, share_by, amount, cycle, \
             due_day, applies_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(estate.branch_id.0)
        .bind(item.code.clone())
        .bind(name.clone())
        .bind(basis)
        .bind(area_of)
        .bind(price)
        .bind(share_by)
        .bind(amount)
        .bind(item.cycle.code())
        .bind(i64::from(item.due_day.in_month(Month::new(2026, 1)).day()))
        .bind(kinds)
        .execute(tx.conn())
        .await
        .map_err(|e| Failure::unique_as_taken(e, "code"))?;
    }
    let codes: Vec<&str> = items.iter().map(|(_, i)| i.code.as_str()).collect();
    audit(&mut tx, actor, estate, "estate_fee_items", "create", serde_json::json!({ "items": codes })).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    estate: &Estate,
    entity: &str,
    action: &str,
    new: serde_json::Value,
) -> Result<()> {
    let change = Change {
        entity,
        entity_id: estate.code.clone(),
        action,
        branch: Some(estate.branch_id),
        old: None,
        new: Some(new),
    };
    Ok(tx.audit(actor, change).await?)
}

/// A fee item as published, with its name.
#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub basis: String,
    pub area_of: Option<String>,
    pub price: Option<String>,
    pub amount: Option<String>,
    pub cycle: String,
    pub due_day: i64,
    pub applies_to: Vec<String>,
}

/// An estate's fee items: as the rules read them and as the page shows them.
pub async fn items(db: &Db, estate: &Estate) -> Result<Vec<(ItemRow, FeeItem)>> {
    let rows = sqlx::query(
        "SELECT code, name, basis, area_of, price, share_by, amount, cycle, due_day, applies_to \
         FROM estate_fee_items WHERE branch_id = $1 ORDER BY code",
    )
    .bind(estate.branch_id.0)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let price = r.opt_i64("price")?.map(UnitPrice::from_units);
        let amount = r.opt_i64("amount")?.map(Money::from_fen);
        let basis = match r.text("basis")?.as_str() {
            "area" => Basis::Area {
                of: AreaOf::from_code(&r.opt_text("area_of")?.unwrap_or_default()).unwrap_or(AreaOf::Building),
                price: price.unwrap_or_default(),
            },
            "metered" => Basis::Metered {
                price: price.unwrap_or_default(),
                share_by: ShareBy::from_code(&r.opt_text("share_by")?.unwrap_or_default()).unwrap_or(ShareBy::Area),
            },
            "fixed" => Basis::Fixed { per_month: amount.unwrap_or(Money::ZERO) },
            _ => Basis::OneOff { amount: amount.unwrap_or(Money::ZERO) },
        };
        let kinds: Vec<HouseKind> = r.text("applies_to")?.split(',').filter_map(HouseKind::from_code).collect();
        let cycle = Cycle::from_code(&r.text("cycle")?).unwrap_or(Cycle::Monthly);
        let item = FeeItem::new(&r.text("code")?, basis, cycle, DueDay::new("due_day", r.i64("due_day")?)?, &kinds)?;
        let row = ItemRow {
            code: item.code.clone(),
            name: r.text("name")?,
            basis: r.text("basis")?,
            area_of: r.opt_text("area_of")?,
            price: price.map(|p| p.to_string()),
            amount: amount.map(crate::fees::yuan_text),
            cycle: cycle.code().to_string(),
            due_day: r.i64("due_day")?,
            applies_to: kinds.iter().map(|k| k.code().to_string()).collect(),
        };
        out.push((row, item));
    }
    Ok(out)
}

/// Records an item's readings for a period: each house's (by number) and
/// the master meter's ([`MASTER`]), audited; a reading below the last is
/// refused naming the meter.
pub async fn record_readings(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    item: &str,
    period: Month,
    readings: &[(String, Reading)],
) -> Result<()> {
    let mut tx = db.begin().await?;
    for (meter, reading) in readings {
        reading.usage().map_err(|e| Invalid::new(format!("{meter}.{}", e.field), e.rule))?;
        sqlx::query(
            "INSERT INTO estate_readings (branch_id, item_code, period, meter, previous, current, old_final, \
             new_initial) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(estate.branch_id.0)
        .bind(item.to_string())
        .bind(period.to_string())
        .bind(meter.clone())
        .bind(reading.previous)
        .bind(reading.current)
        .bind(reading.replacement.map(|r| r.old_final))
        .bind(reading.replacement.map(|r| r.new_initial))
        .execute(tx.conn())
        .await
        .map_err(|e| Failure::unique_as_taken(e, "meter"))?;
    }
    let new = serde_json::json!({ "item": item, "period": period.to_string(), "readings": readings.len() });
    audit(&mut tx, actor, estate, "estate_readings", "create", new).await?;
    tx.commit().await?;
    Ok(())
}

/// What a billing run did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunSummary {
    pub bills: usize,
    pub total: String,
    pub skipped: usize,
    pub prepaid_applied: String,
}

/// The houses of an estate as the billing run reads them, with their ids.
async fn billing_houses(tx: &mut Tx, estate: &Estate) -> Result<(Vec<billing::House>, HashMap<HouseNo, i64>)> {
    let rows = sqlx::query(
        "SELECT id, number, kind, building_area, interior_area, billed_from FROM estate_houses WHERE branch_id = $1",
    )
    .bind(estate.branch_id.0)
    .fetch_all(tx.conn())
    .await?;
    let (mut houses, mut ids) = (Vec::with_capacity(rows.len()), HashMap::with_capacity(rows.len()));
    for r in &rows {
        let no = HouseNo::parse("number", &r.text("number")?)?;
        let Some(kind) = HouseKind::from_code(&r.text("kind")?) else { continue };
        let Some(building_area) = Area::from_hundredths(r.i64("building_area")?) else { continue };
        ids.insert(no.clone(), r.i64("id")?);
        houses.push(billing::House {
            no,
            kind,
            building_area,
            interior_area: Area::from_hundredths(r.i64("interior_area")?),
            billed_from: r.opt_text("billed_from")?.and_then(|d| d.parse().ok()),
        });
    }
    Ok((houses, ids))
}

/// Runs the billing for an estate and period: every bill the rules make
/// that is not billed yet, in one transaction with its audit record; then
/// the houses' prepaid balances pay their open bills. Run twice, the second
/// run adds nothing.
pub async fn run_billing(db: &Db, actor: &Actor, estate: &Estate, period: Month, now: Timestamp) -> Result<RunSummary> {
    let mut items: Vec<FeeItem> =
        crate::receivables::items::in_force(db, estate, period).await?.into_iter().map(|(_, i)| i).collect();
    let mut tx = db.begin().await?;
    let (houses, ids) = billing_houses(&mut tx, estate).await?;
    let by_id: HashMap<i64, HouseNo> = ids.iter().map(|(no, id)| (*id, no.clone())).collect();
    let rows = sqlx::query(
        "SELECT item_code, meter, previous, current, old_final, new_initial FROM estate_readings \
         WHERE branch_id = $1 AND period = $2",
    )
    .bind(estate.branch_id.0)
    .bind(period.to_string())
    .fetch_all(tx.conn())
    .await?;
    let (mut readings, mut masters): (HashMap<String, HashMap<HouseNo, Reading>>, HashMap<String, Reading>) =
        (HashMap::new(), HashMap::new());
    for r in &rows {
        let replacement = match (r.opt_i64("old_final")?, r.opt_i64("new_initial")?) {
            (Some(old_final), Some(new_initial)) => Some(Replacement { old_final, new_initial }),
            _ => None,
        };
        let reading = Reading { previous: r.i64("previous")?, current: r.i64("current")?, replacement };
        let (item, meter) = (r.text("item_code")?, r.text("meter")?);
        if meter == MASTER {
            masters.insert(item, reading);
        } else if let Ok(no) = HouseNo::parse("meter", &meter) {
            readings.entry(item).or_default().insert(no, reading);
        }
    }
    let keys = sqlx::query("SELECT house_id, item_code FROM estate_billing_keys WHERE branch_id = $1 AND period = $2")
        .bind(estate.branch_id.0)
        .bind(period.to_string())
        .fetch_all(tx.conn())
        .await?;
    let mut billed = HashSet::new();
    for r in &keys {
        if let Some(no) = by_id.get(&r.i64("house_id")?) {
            billed.insert(BillingKey {
                estate: estate.code.clone(),
                period,
                house: no.clone(),
                item: r.text("item_code")?,
            });
        }
    }
    let (own, one_offs) = crate::receivables::one_off::pending(&mut tx, estate, &items, &by_id).await?;
    items.extend(own);
    let input = RunInput {
        estate: &estate.code,
        period,
        houses: &houses,
        items: &items,
        readings: &readings,
        masters: &masters,
        one_offs: &one_offs,
        billed: &billed,
    };
    let run = billing_run(&input)?;
    let now_text = instant_text(now);
    let bill_ids = tx.reserve_ids("estate_bills", run.bills.len()).await?;
    let (mut bills, mut lines, mut key_rows) = (Vec::new(), Vec::new(), Vec::new());
    let mut charged: Vec<(crate::receivables::one_off::Charge, i64)> = Vec::new();
    let mut total = Money::ZERO;
    for (bill, id) in run.bills.iter().zip(&bill_ids) {
        let house = ids[&bill.house];
        total = total + bill.total();
        bills.push(vec![
            Cell::from(*id),
            estate.branch_id.0.into(),
            bill_no(*id).into(),
            house.into(),
            period.to_string().into(),
            bill.due.to_string().into(),
            bill.total().fen().into(),
            bill.total().fen().into(),
            now_text.clone().into(),
        ]);
        charged.extend(
            bill.lines
                .iter()
                .filter(|l| l.kind == billing::LineKind::OneOff)
                .filter_map(|l| crate::receivables::one_off::charge_of(&l.item))
                .map(|c| (c, *id)),
        );
        for l in &bill.lines {
            lines.push(vec![
                Cell::from(*id),
                l.item.clone().into(),
                l.kind.code().into(),
                l.quantity.hundredths().into(),
                l.price.map(|p| p.units()).into(),
                l.amount.fen().into(),
            ]);
        }
        for k in bill.keys() {
            key_rows.push(vec![
                Cell::from(estate.branch_id.0),
                period.to_string().into(),
                house.into(),
                k.item.into(),
                Cell::from(*id),
            ]);
        }
    }
    let columns = ["id", "branch_id", "bill_no", "house_id", "period", "due", "total", "outstanding", "created_at"];
    bulk::insert(tx.conn(), "estate_bills", &columns, bills, "").await?;
    let line_columns = ["bill_id", "item_code", "kind", "quantity", "price", "amount"];
    bulk::insert(tx.conn(), "estate_bill_lines", &line_columns, lines, "").await?;
    let key_columns = ["branch_id", "period", "house_id", "item_code", "bill_id"];
    bulk::insert(tx.conn(), "estate_billing_keys", &key_columns, key_rows, "").await?;
    crate::receivables::one_off::billed(&mut tx, &charged).await?;
    let prepaid = apply_balances(&mut tx, estate).await?;
    let summary = RunSummary {
        bills: run.bills.len(),
        total: crate::fees::yuan_text(total),
        skipped: run.skipped.len(),
        prepaid_applied: crate::fees::yuan_text(prepaid),
    };
    let new = serde_json::json!({ "period": period.to_string(), "run": summary });
    audit(&mut tx, actor, estate, "estate_billing_run", "run", new).await?;
    tx.commit().await?;
    Ok(summary)
}

pub(crate) fn bill_no(id: i64) -> String {
    format!("B{id:09}")
}

/// A house's open bills, as the allocation reads them.
async fn open_bills(tx: &mut Tx, house: i64) -> Result<Vec<(i64, OpenBill<String>)>> {
    let rows = sqlx::query(
        "SELECT id, bill_no, due, outstanding FROM estate_bills WHERE house_id = $1 AND outstanding > 0 \
         AND reversed_by IS NULL ORDER BY due, bill_no",
    )
    .bind(house)
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let due: Date = r.text("due")?.parse().map_err(|_| Failure::NotFound)?;
            Ok((
                r.i64("id")?,
                OpenBill { key: r.text("bill_no")?, due, outstanding: Money::from_fen(r.i64("outstanding")?) },
            ))
        })
        .collect()
}

/// Pays `applied` (by bill number) off the bills.
async fn settle(
    tx: &mut Tx,
    open: &[(i64, OpenBill<String>)],
    applied: &[(String, Money)],
    payment: Option<i64>,
) -> Result<()> {
    for (no, amount) in applied {
        let Some((id, _)) = open.iter().find(|(_, b)| &b.key == no) else { continue };
        sqlx::query("UPDATE estate_bills SET outstanding = outstanding - $1 WHERE id = $2")
            .bind(amount.fen())
            .bind(*id)
            .execute(tx.conn())
            .await?;
        if let Some(payment) = payment {
            sqlx::query("INSERT INTO estate_payment_allocations (payment_id, bill_id, amount) VALUES ($1, $2, $3)")
                .bind(payment)
                .bind(*id)
                .bind(amount.fen())
                .execute(tx.conn())
                .await?;
        }
    }
    Ok(())
}

async fn set_balance(tx: &mut Tx, house: i64, balance: Money) -> Result<()> {
    sqlx::query("DELETE FROM estate_prepaid WHERE house_id = $1").bind(house).execute(tx.conn()).await?;
    if balance > Money::ZERO {
        sqlx::query("INSERT INTO estate_prepaid (house_id, balance) VALUES ($1, $2)")
            .bind(house)
            .bind(balance.fen())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

async fn balance_of(tx: &mut Tx, house: i64) -> Result<Money> {
    let fen: Option<i64> = sqlx::query_scalar("SELECT balance FROM estate_prepaid WHERE house_id = $1")
        .bind(house)
        .fetch_optional(tx.conn())
        .await?;
    Ok(Money::from_fen(fen.unwrap_or(0)))
}

/// The estate's prepaid balances pay their houses' open bills, oldest
/// first; what they paid.
async fn apply_balances(tx: &mut Tx, estate: &Estate) -> Result<Money> {
    let rows = sqlx::query(
        "SELECT p.house_id, p.balance FROM estate_prepaid p JOIN estate_houses h ON h.id = p.house_id \
         WHERE h.branch_id = $1 AND p.balance > 0",
    )
    .bind(estate.branch_id.0)
    .fetch_all(tx.conn())
    .await?;
    let mut paid = Money::ZERO;
    for r in &rows {
        let (house, balance) = (r.i64("house_id")?, Money::from_fen(r.i64("balance")?));
        let open = open_bills(tx, house).await?;
        let bills: Vec<OpenBill<String>> = open.iter().map(|(_, b)| b.clone()).collect();
        let a = apply_prepaid(balance, &bills);
        settle(tx, &open, &a.applied, None).await?;
        set_balance(tx, house, a.to_prepaid).await?;
        paid = paid + (balance - a.to_prepaid);
    }
    Ok(paid)
}

/// What a payment did: its receipt number, the bills it paid and what
/// went to the prepaid balance.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub id: i64,
    pub receipt_no: String,
    pub applied: Vec<(String, String)>,
    pub to_prepaid: String,
}

/// A payment taken in `estate` for a house (read in the actor's scope): to
/// the oldest due bill first, ties by bill number, the rest prepaid. A
/// house of another estate is refused naming the field; a bank transfer or
/// a wallet payment needs its transaction number.
#[allow(clippy::too_many_arguments)] // what the desk's form holds, each checked here
pub async fn take_payment(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    house: &House,
    amount: Money,
    channel: &str,
    transaction_no: &str,
    now: Timestamp,
) -> Result<Receipt> {
    if house.branch_id != estate.branch_id {
        let theirs: String = sqlx::query_scalar("SELECT code FROM branches WHERE id = $1")
            .bind(house.branch_id.0)
            .fetch_one(db.pool())
            .await?;
        check_same_estate(&estate.code, &theirs)?;
    }
    if !CHANNELS.contains(&channel) {
        return Err(invalid("channel", "unknown_channel", "请选择缴费方式", "choose how the payment was made"));
    }
    let transaction_no = transaction_no.trim();
    if channel != "desk" && transaction_no.is_empty() {
        return Err(invalid(
            "transaction_no",
            "transaction_no_required",
            "银行转账、微信支付、支付宝须填写交易流水号",
            "a bank transfer, WeChat Pay or Alipay payment needs its transaction number",
        ));
    }
    let mut tx = db.begin().await?;
    let seen: Option<i64> =
        sqlx::query_scalar("SELECT id FROM estate_payments WHERE channel = $1 AND transaction_no = $2")
            .bind(channel.to_string())
            .bind(transaction_no.to_string())
            .fetch_optional(tx.conn())
            .await?;
    if seen.is_some() {
        return Err(duplicate_transaction());
    }
    let receipt = pay_in(&mut tx, actor, estate, house.id, amount, channel, transaction_no, now).await?;
    let new =
        serde_json::json!({ "house": house.number, "amount": amount.fen(), "channel": channel, "receipt": receipt });
    audit(&mut tx, actor, estate, "estate_payment", "create", new).await?;
    tx.commit().await?;
    Ok(receipt)
}

/// A transaction number seen before on the same channel: the same money
/// reported twice.
fn duplicate_transaction() -> Failure {
    invalid(
        "transaction_no",
        "transaction_no_taken",
        "该缴费方式下已登记过这个交易流水号，同一笔款不能入账两次",
        "this transaction number is recorded for the channel already; the same money cannot be entered twice",
    )
}

/// Records a payment for a house inside the caller's transaction (which
/// audits): to the oldest bill first, the rest to the prepaid balance.
#[allow(clippy::too_many_arguments)] // the payment's facts, checked by the callers
pub async fn pay_in(
    tx: &mut Tx,
    actor: &Actor,
    estate: &Estate,
    house: i64,
    amount: Money,
    channel: &str,
    transaction_no: &str,
    now: Timestamp,
) -> Result<Receipt> {
    let open = open_bills(tx, house).await?;
    let bills: Vec<OpenBill<String>> = open.iter().map(|(_, b)| b.clone()).collect();
    let a = apply_payment(amount, &bills)?;
    let id = tx.reserve_ids("estate_payments", 1).await?[0];
    let receipt_no = format!("R{id:09}");
    sqlx::query(
        "INSERT INTO estate_payments (id, branch_id, house_id, receipt_no, amount, channel, transaction_no, \
         to_prepaid, paid_at, taken_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(estate.branch_id.0)
    .bind(house)
    .bind(receipt_no.clone())
    .bind(amount.fen())
    .bind(channel.to_string())
    .bind((!transaction_no.is_empty()).then(|| transaction_no.to_string()))
    .bind(a.to_prepaid.fen())
    .bind(instant_text(now))
    .bind(actor.user_id.0)
    .execute(tx.conn())
    .await
    .map_err(|e| match Failure::unique_as_taken(e, "transaction_no") {
        Failure::Invalid(_) => duplicate_transaction(),
        other => other,
    })?;
    settle(tx, &open, &a.applied, Some(id)).await?;
    let balance = balance_of(tx, house).await?;
    set_balance(tx, house, balance + a.to_prepaid).await?;
    Ok(Receipt {
        id,
        receipt_no,
        applied: a.applied.iter().map(|(no, m)| (no.clone(), crate::fees::yuan_text(*m))).collect(),
        to_prepaid: crate::fees::yuan_text(a.to_prepaid),
    })
}

/// Corrects an issued bill: a reversal bill negating every line, the
/// original closed, what was paid on it moved to the house's prepaid
/// balance, and its billing keys freed so the next run bills the house
/// again. Never an edit. A bill outside the scope is not there. Answers
/// the bill's house.
pub async fn reverse(db: &Db, actor: &Actor, scope: &Scope, bill: i64, now: Timestamp) -> Result<i64> {
    let mut tx = db.begin().await?;
    let sql = format!(
        "SELECT b.id, b.branch_id, b.house_id, b.period, b.due, b.total, b.outstanding, b.bill_no, e.code FROM estate_bills b \
         JOIN branches e ON e.id = b.branch_id WHERE b.id = $1 AND b.branch_id IN ({})",
        scope.sql_list()
    );
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bill).fetch_optional(tx.conn()).await?.ok_or(Failure::NotFound)?;
    let done: (Option<i64>, Option<i64>) = (
        sqlx::query_scalar("SELECT reversed_by FROM estate_bills WHERE id = $1")
            .bind(bill)
            .fetch_one(tx.conn())
            .await?,
        sqlx::query_scalar("SELECT reverses FROM estate_bills WHERE id = $1").bind(bill).fetch_one(tx.conn()).await?,
    );
    if done.0.is_some() || done.1.is_some() {
        return Err(invalid(
            "bill",
            "already_reversed",
            "该账单已冲销或本身是冲销单",
            "the bill is reversed already, or is a reversal",
        ));
    }
    let (house, total, outstanding) = (row.i64("house_id")?, row.i64("total")?, row.i64("outstanding")?);
    let id = tx.reserve_ids("estate_bills", 1).await?[0];
    sqlx::query(
        "INSERT INTO estate_bills (id, branch_id, bill_no, house_id, period, due, total, outstanding, reverses, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
    )
    .bind(id)
    .bind(row.i64("branch_id")?)
    .bind(bill_no(id))
    .bind(house)
    .bind(row.text("period")?)
    .bind(row.text("due")?)
    .bind(-total)
    .bind(bill)
    .bind(instant_text(now))
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO estate_bill_lines (bill_id, item_code, kind, quantity, price, amount) \
         SELECT $1, item_code, kind, -quantity, price, -amount FROM estate_bill_lines WHERE bill_id = $2",
    )
    .bind(id)
    .bind(bill)
    .execute(tx.conn())
    .await?;
    sqlx::query("UPDATE estate_bills SET reversed_by = $1, outstanding = 0 WHERE id = $2")
        .bind(id)
        .bind(bill)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM estate_billing_keys WHERE bill_id = $1").bind(bill).execute(tx.conn()).await?;
    // Its one-off and repair charges wait for the corrected bill.
    crate::receivables::one_off::unbilled(&mut tx, bill).await?;
    let paid = Money::from_fen(total - outstanding);
    let balance = balance_of(&mut tx, house).await?;
    set_balance(&mut tx, house, balance + paid).await?;
    let change = Change {
        entity: "estate_bill",
        entity_id: row.text("bill_no")?,
        action: "reverse",
        branch: Some(kefu_core::ids::BranchId(row.i64("branch_id")?)),
        old: Some(serde_json::json!({ "total": total, "outstanding": outstanding })),
        new: Some(serde_json::json!({ "reversal": bill_no(id), "to_prepaid": paid.fen() })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(house)
}

/// A bill as a house's page shows it, with its lines.
#[derive(Debug, Clone, Serialize)]
pub struct BillRow {
    pub id: i64,
    pub bill_no: String,
    pub period: String,
    pub due: String,
    pub total: String,
    pub outstanding: String,
    pub reverses: Option<i64>,
    pub reversed_by: Option<i64>,
    pub lines: Vec<LineRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineRow {
    pub item: String,
    pub kind: String,
    pub quantity: String,
    pub price: Option<String>,
    pub amount: String,
}

/// A house's bills, newest first, with their lines (a page of them).
pub async fn bills_of(db: &Db, house: &House, window: crate::window::Window) -> Result<Vec<BillRow>> {
    let sql = format!(
        "SELECT id, bill_no, period, due, total, outstanding, reverses, reversed_by FROM estate_bills \
         WHERE house_id = $1 ORDER BY due DESC, bill_no DESC{}",
        window.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(house.id).fetch_all(db.pool()).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids =
        rows.iter().map(|r| r.i64("id").map(|i| i.to_string())).collect::<std::result::Result<Vec<_>, _>>()?.join(", ");
    let line_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.bill_id, l.item_code, l.kind, l.quantity, l.price, l.amount FROM estate_bill_lines l \
         WHERE l.bill_id IN ({ids}) ORDER BY l.id"
    )))
    .fetch_all(db.pool())
    .await?;
    let mut lines: HashMap<i64, Vec<LineRow>> = HashMap::new();
    for r in &line_rows {
        lines.entry(r.i64("bill_id")?).or_default().push(LineRow {
            item: r.text("item_code")?,
            kind: r.text("kind")?,
            quantity: crate::fees::Quantity::from_hundredths(r.i64("quantity")?).to_string(),
            price: r.opt_i64("price")?.map(|p| UnitPrice::from_units(p).to_string()),
            amount: crate::fees::yuan_text(Money::from_fen(r.i64("amount")?)),
        });
    }
    rows.iter()
        .map(|r| {
            let id = r.i64("id")?;
            Ok(BillRow {
                id,
                bill_no: r.text("bill_no")?,
                period: r.text("period")?,
                due: r.text("due")?,
                total: crate::fees::yuan_text(Money::from_fen(r.i64("total")?)),
                outstanding: crate::fees::yuan_text(Money::from_fen(r.i64("outstanding")?)),
                reverses: r.opt_i64("reverses")?,
                reversed_by: r.opt_i64("reversed_by")?,
                lines: lines.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

/// A payment as a house's page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub receipt_no: String,
    pub amount: String,
    pub channel: String,
    pub transaction_no: Option<String>,
    pub to_prepaid: String,
    pub paid_at: String,
}

/// A house's payments, newest first, and its prepaid balance.
pub async fn payments_of(db: &Db, house: &House) -> Result<(Vec<PaymentRow>, String)> {
    let rows = sqlx::query(
        "SELECT id, receipt_no, amount, channel, transaction_no, to_prepaid, paid_at FROM estate_payments \
         WHERE house_id = $1 ORDER BY paid_at DESC, id DESC",
    )
    .bind(house.id)
    .fetch_all(db.pool())
    .await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(PaymentRow {
                id: r.i64("id")?,
                receipt_no: r.text("receipt_no")?,
                amount: crate::fees::yuan_text(Money::from_fen(r.i64("amount")?)),
                channel: r.text("channel")?,
                transaction_no: r.opt_text("transaction_no")?,
                to_prepaid: crate::fees::yuan_text(Money::from_fen(r.i64("to_prepaid")?)),
                paid_at: r.text("paid_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let balance: Option<i64> = sqlx::query_scalar("SELECT balance FROM estate_prepaid WHERE house_id = $1")
        .bind(house.id)
        .fetch_optional(db.pool())
        .await?;
    Ok((list, crate::fees::yuan_text(Money::from_fen(balance.unwrap_or(0)))))
}

/// The estate's arrears as of a day: each bucket with its total and houses.
pub async fn arrears(db: &Db, estate: &Estate, as_of: Date) -> Result<Vec<Aged<HouseNo>>> {
    let rows = sqlx::query(
        "SELECT h.number, b.bill_no, b.due, b.outstanding FROM estate_bills b JOIN estate_houses h ON h.id = b.house_id \
         WHERE b.branch_id = $1 AND b.outstanding > 0 AND b.reversed_by IS NULL AND b.due <= $2",
    )
    .bind(estate.branch_id.0)
    .bind(as_of.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut bills = Vec::with_capacity(rows.len());
    for r in &rows {
        let Ok(no) = HouseNo::parse("number", &r.text("number")?) else { continue };
        let Ok(due) = r.text("due")?.parse::<Date>() else { continue };
        bills
            .push((no, OpenBill { key: r.text("bill_no")?, due, outstanding: Money::from_fen(r.i64("outstanding")?) }));
    }
    Ok(ageing(&bills, as_of))
}
