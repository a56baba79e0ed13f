//! Payments as stored: the open bills of an account with what each still
//! owes and its late charge, a payment taken (counter, bank, agent) or a
//! prepaid balance applied, a receipt, a reversal, and a waiver of a late
//! charge. See the module's notes for the order a payment is applied in.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Permission, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;

use super::rules::CollectionRules;
use super::yuan;
use crate::billing::{self, Arrears, OpenBill, Payer};
use crate::paging::{Page, Paged, total_of};

type Result<T> = std::result::Result<T, Failure>;

/// Where a payment came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Counter,
    Bank,
    /// A collection agent (代收: a bank branch, a shop, a payment platform).
    Agent,
    /// A prepaid balance applied to new bills: no money changes hands.
    Prepaid,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Counter => "counter",
            Channel::Bank => "bank",
            Channel::Agent => "agent",
            Channel::Prepaid => "prepaid",
        }
    }
}

/// An open bill of an account as the counter shows it (amounts in fen and yuan).
#[derive(Clone, Debug, Serialize)]
pub struct DueBill {
    pub bill_id: i64,
    pub bill_no: String,
    pub month: String,
    pub due_on: String,
    pub amount: String,
    pub paid: String,
    pub outstanding: String,
    pub outstanding_fen: i64,
    /// Days the late charge has run, to the day asked.
    pub late_days: i64,
    pub late_charge: String,
    pub late_charge_fen: i64,
    pub waived: bool,
}

/// An account with its open bills and prepaid balance.
#[derive(Clone, Debug, Serialize)]
pub struct AccountDue {
    pub account_id: i64,
    pub account_no: String,
    pub name: String,
    pub address: String,
    pub branch_id: BranchId,
    pub usage_class: String,
    pub bills: Vec<DueBill>,
    pub outstanding: String,
    pub late_charges: String,
    /// Bills and late charges together: what clears the account.
    pub total_fen: i64,
    pub total: String,
    /// None: the account holds no prepaid balance.
    pub prepaid: Option<String>,
}

/// An account as a payment finds it.
struct Account {
    id: i64,
    account_no: String,
    branch: BranchId,
    payer: Payer,
}

/// The parts a payment may reach: a bill's late charge, then the bill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Late(i64),
    Bill(i64),
}

/// What the store knows of one open bill.
struct Open {
    id: i64,
    bill_no: String,
    month: String,
    due: Date,
    amount: i64,
    paid: i64,
    late_days: i64,
    /// Outstanding late charge (0 once waived).
    late: i64,
    waived: bool,
}

fn payer_of(usage_class: &str) -> Payer {
    if usage_class == "residential" { Payer::Residential } else { Payer::Other }
}

fn unknown_account() -> Invalid {
    Invalid::new("account_no", Rule::new("unknown_account", "没有这个户号", "there is no account of this number"))
}

async fn account(conn: &mut AnyConnection, scope: &Scope, account_no: &str) -> Result<Account> {
    let sql = format!(
        "SELECT id, account_no, branch_id, usage_class FROM power_accounts WHERE account_no = $1 AND branch_id IN ({})",
        scope.sql_list()
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_no.trim().to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(unknown_account)?;
    Ok(Account {
        id: r.i64("id")?,
        account_no: r.text("account_no")?,
        branch: BranchId(r.i64("branch_id")?),
        payer: payer_of(&r.text("usage_class")?),
    })
}

/// The accounts in scope whose number is `query` or ends with it (户号 or
/// its tail, at least 4 digits), at most 20.
pub async fn find_accounts(db: &Db, scope: &Scope, query: &str) -> Result<Vec<(String, String, String)>> {
    let q = query.trim();
    if q.len() < 4 || !q.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT a.account_no, c.name, a.supply_address FROM power_accounts a JOIN customers c ON c.id = a.customer_id \
         WHERE (a.account_no = $1 OR a.account_no LIKE $2) AND a.branch_id IN ({}) ORDER BY a.account_no LIMIT 20",
        scope.sql_list()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(q.to_string()).bind(format!("%{q}")).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.text("account_no")?, r.text("name")?, r.text("supply_address")?))).collect()
}

/// The account's issued bills still owing, oldest due first, with each
/// one's late charge to the end of `until`.
async fn open_of(conn: &mut AnyConnection, a: &Account, until: Date, rules: &CollectionRules) -> Result<Vec<Open>> {
    let rows = sqlx::query(
        "SELECT b.id, b.bill_no, b.month, b.due_on, b.amount, \
         CAST(COALESCE((SELECT SUM(x.amount) FROM power_payment_allocations x WHERE x.bill_id = b.id), 0) AS BIGINT) AS paid, \
         CAST(COALESCE((SELECT SUM(l.amount) FROM power_late_charge_payments l WHERE l.bill_id = b.id), 0) AS BIGINT) AS late_paid, \
         w.bill_id AS waived \
         FROM power_bills b LEFT JOIN power_late_charge_waivers w ON w.bill_id = b.id \
         WHERE b.account_id = $1 AND b.status = 'issued' ORDER BY b.due_on, b.bill_no",
    )
    .bind(a.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut open = Vec::new();
    for r in &rows {
        let (amount, paid) = (r.i64("amount")?, r.i64("paid")?);
        if amount - paid <= 0 {
            continue;
        }
        open.push((r, amount, paid));
    }
    if open.is_empty() {
        return Ok(Vec::new());
    }
    // The payments that stand (not reversed) against these bills, by day:
    // the late charge runs on what was still unpaid each day.
    let ids: Vec<String> = open.iter().map(|(r, ..)| Ok(r.i64("id")?.to_string())).collect::<Result<_>>()?;
    let paid_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT x.bill_id, p.business_day, x.amount FROM power_payment_allocations x \
         JOIN power_payments p ON p.id = x.payment_id WHERE p.status = 'valid' AND x.bill_id IN ({})",
        ids.join(", ")
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut paid_on: HashMap<i64, Vec<(Date, Money)>> = HashMap::new();
    for r in &paid_rows {
        let day: Date = r.text("business_day")?.parse().map_err(|_| Failure::NotFound)?;
        paid_on.entry(r.i64("bill_id")?).or_default().push((day, Money::from_fen(r.i64("amount")?)));
    }
    let mut out = Vec::with_capacity(open.len());
    for (r, amount, paid) in open {
        let id = r.i64("id")?;
        let due: Date = r.text("due_on")?.parse().map_err(|_| Failure::NotFound)?;
        let arrears = Arrears { payer: a.payer, amount: Money::from_fen(amount), due };
        let charge = billing::late_charge(arrears, paid_on.get(&id).map_or(&[][..], Vec::as_slice), until, &rules.late);
        let waived = r.opt_i64("waived")?.is_some();
        let late = if waived { 0 } else { (charge.amount.fen() - r.i64("late_paid")?).max(0) };
        out.push(Open {
            id,
            bill_no: r.text("bill_no")?,
            month: r.text("month")?,
            due,
            amount,
            paid,
            late_days: charge.days,
            late,
            waived,
        });
    }
    Ok(out)
}

async fn prepaid_of(conn: &mut AnyConnection, account: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT balance FROM power_prepaid WHERE account_id = $1")
        .bind(account)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The account's open bills with their late charges to `today`, and its prepaid balance.
pub async fn open_bills(
    db: &Db,
    scope: &Scope,
    account_no: &str,
    today: Date,
    rules: &CollectionRules,
) -> Result<AccountDue> {
    let mut conn = db.pool().acquire().await?;
    let a = account(&mut conn, scope, account_no).await.map_err(|e| match e {
        Failure::Invalid(_) => Failure::NotFound,
        other => other,
    })?;
    let open = open_of(&mut conn, &a, today, rules).await?;
    let prepaid = prepaid_of(&mut conn, a.id).await?;
    let r = sqlx::query(
        "SELECT c.name, a.supply_address, a.usage_class FROM power_accounts a JOIN customers c ON c.id = a.customer_id \
         WHERE a.id = $1",
    )
    .bind(a.id)
    .fetch_one(&mut *conn)
    .await?;
    let owed: i64 = open.iter().map(|o| o.amount - o.paid).sum();
    let late: i64 = open.iter().map(|o| o.late).sum();
    Ok(AccountDue {
        account_id: a.id,
        account_no: a.account_no,
        name: r.text("name")?,
        address: r.text("supply_address")?,
        branch_id: a.branch,
        usage_class: r.text("usage_class")?,
        bills: open
            .iter()
            .map(|o| DueBill {
                bill_id: o.id,
                bill_no: o.bill_no.clone(),
                month: o.month.clone(),
                due_on: o.due.to_string(),
                amount: yuan(Money::from_fen(o.amount)),
                paid: yuan(Money::from_fen(o.paid)),
                outstanding: yuan(Money::from_fen(o.amount - o.paid)),
                outstanding_fen: o.amount - o.paid,
                late_days: o.late_days,
                late_charge: yuan(Money::from_fen(o.late)),
                late_charge_fen: o.late,
                waived: o.waived,
            })
            .collect(),
        outstanding: yuan(Money::from_fen(owed)),
        late_charges: yuan(Money::from_fen(late)),
        total_fen: owed + late,
        total: yuan(Money::from_fen(owed + late)),
        prepaid: prepaid.map(|p| yuan(Money::from_fen(p))),
    })
}

/// A payment to take.
#[derive(Clone, Debug)]
pub struct NewPayment {
    pub account_no: String,
    pub amount: Money,
    pub channel: Channel,
    /// The bank's or agent's transaction number (a counter payment has none).
    pub reference: Option<String>,
    /// The customer keeps what is left over as a prepaid balance (at the
    /// counter); an account already holding one always may.
    pub open_prepaid: bool,
    /// The business day (the configured zone) the payment is booked on.
    pub day: Date,
}

/// A receipt: the payment with the bills it cleared.
#[derive(Clone, Debug, Serialize)]
pub struct Receipt {
    pub receipt_no: String,
    pub account_no: String,
    pub customer: String,
    pub branch_id: BranchId,
    pub channel: String,
    pub reference: Option<String>,
    pub amount: String,
    pub amount_fen: i64,
    pub to_prepaid: String,
    pub business_day: String,
    pub paid_at: String,
    pub cashier: String,
    pub status: String,
    pub reverses: Option<String>,
    pub lines: Vec<ReceiptLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReceiptLine {
    pub bill_no: String,
    pub month: String,
    pub energy: String,
    pub late_charge: String,
    /// What the bill still owes after this payment (now).
    pub left: String,
}

/// Refuses a counter payment or reversal on a day the cashier has closed.
async fn check_open_day(conn: &mut AnyConnection, actor: &Actor, day: Date) -> Result<()> {
    let closed: Option<i64> =
        sqlx::query_scalar("SELECT id FROM power_day_closes WHERE cashier_id = $1 AND business_day = $2")
            .bind(actor.user_id.0)
            .bind(day.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    if closed.is_none() {
        return Ok(());
    }
    Err(Invalid::new(
        "business_day",
        Rule::new(
            "day_closed",
            format!("{day} 已日结，不能再收款或冲正"),
            format!("the day {day} is closed: no more payments or reversals on it"),
        ),
    )
    .into())
}

/// Inserts a payment with its parts, moves the prepaid balance by
/// `to_prepaid` and audits it; the receipt number is the day and the id.
#[allow(clippy::too_many_arguments)]
async fn insert_payment(
    tx: &mut Tx,
    actor: &Actor,
    a: &Account,
    amount: Money,
    channel: Channel,
    reference: Option<&str>,
    parts: &[(Part, Money)],
    to_prepaid: Money,
    day: Date,
    now: Timestamp,
) -> Result<String> {
    let id = tx.reserve_ids("power_payments", 1).await?[0];
    let receipt_no = format!("SK{}{:07}", day.strftime("%Y%m%d"), id);
    sqlx::query(
        "INSERT INTO power_payments (id, receipt_no, account_id, branch_id, amount, channel, reference, to_prepaid, \
         business_day, paid_at, taken_by, status, reverses_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'valid', NULL)",
    )
    .bind(id)
    .bind(receipt_no.clone())
    .bind(a.id)
    .bind(a.branch.0)
    .bind(amount.fen())
    .bind(channel.code())
    .bind(reference.map(str::to_string))
    .bind(to_prepaid.fen())
    .bind(day.to_string())
    .bind(instant_text(now))
    .bind(actor.user_id.0)
    .execute(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "reference"))?;
    for (part, m) in parts {
        let (sql, bill) = match part {
            Part::Bill(b) => {
                ("INSERT INTO power_payment_allocations (payment_id, bill_id, amount) VALUES ($1, $2, $3)", b)
            }
            Part::Late(b) => {
                ("INSERT INTO power_late_charge_payments (payment_id, bill_id, amount) VALUES ($1, $2, $3)", b)
            }
        };
        sqlx::query(sql).bind(id).bind(*bill).bind(m.fen()).execute(tx.conn()).await?;
    }
    if to_prepaid != Money::ZERO {
        let moved = sqlx::query("UPDATE power_prepaid SET balance = balance + $1 WHERE account_id = $2")
            .bind(to_prepaid.fen())
            .bind(a.id)
            .execute(tx.conn())
            .await?
            .rows_affected();
        if moved == 0 {
            sqlx::query("INSERT INTO power_prepaid (account_id, balance) VALUES ($1, $2)")
                .bind(a.id)
                .bind(to_prepaid.fen())
                .execute(tx.conn())
                .await?;
        }
    }
    let energy: i64 = parts.iter().filter(|(p, _)| matches!(p, Part::Bill(_))).map(|(_, m)| m.fen()).sum();
    let late: i64 = parts.iter().filter(|(p, _)| matches!(p, Part::Late(_))).map(|(_, m)| m.fen()).sum();
    let change = Change {
        entity: "power_payment",
        entity_id: receipt_no.clone(),
        action: "create",
        branch: Some(a.branch),
        old: None,
        new: Some(json!({
            "account_no": a.account_no, "channel": channel.code(), "reference": reference,
            "amount": yuan(amount), "bills": yuan(Money::from_fen(energy)),
            "late_charges": yuan(Money::from_fen(late)), "to_prepaid": yuan(to_prepaid), "business_day": day.to_string(),
        })),
    };
    tx.audit(actor, change).await?;
    Ok(receipt_no)
}

/// The parts of the open bills in the order a payment reaches them.
fn parts_of(open: &[Open]) -> Vec<OpenBill<Part>> {
    open.iter()
        .flat_map(|o| {
            [
                OpenBill { key: Part::Late(o.id), due: o.due, outstanding: Money::from_fen(o.late) },
                OpenBill { key: Part::Bill(o.id), due: o.due, outstanding: Money::from_fen(o.amount - o.paid) },
            ]
        })
        .collect()
}

/// Applies the account's prepaid balance to its open bills, in `tx`:
/// `min(balance, owed)` as a payment of channel `prepaid`. The balance left.
async fn use_prepaid(
    tx: &mut Tx,
    actor: &Actor,
    a: &Account,
    day: Date,
    rules: &CollectionRules,
    now: Timestamp,
) -> Result<Option<i64>> {
    let Some(balance) = prepaid_of(tx.conn(), a.id).await? else {
        return Ok(None);
    };
    if balance <= 0 {
        return Ok(Some(balance));
    }
    let open = open_of(tx.conn(), a, day, rules).await?;
    let parts = parts_of(&open);
    let owed = billing::outstanding(&parts);
    let used = owed.min(Money::from_fen(balance));
    if used <= Money::ZERO {
        return Ok(Some(balance));
    }
    let alloc = billing::allocate(used, &parts, false)?;
    let negated = Money::ZERO - used;
    insert_payment(tx, actor, a, used, Channel::Prepaid, None, &alloc.applied, negated, day, now).await?;
    Ok(Some(balance - used.fen()))
}

/// Takes a payment in `tx` (the bank import's rows share one).
pub(super) async fn take_in(
    tx: &mut Tx,
    actor: &Actor,
    p: &NewPayment,
    rules: &CollectionRules,
    now: Timestamp,
) -> Result<String> {
    let a = account(tx.conn(), &actor.scope, &p.account_no).await?;
    if p.channel == Channel::Counter {
        check_open_day(tx.conn(), actor, p.day).await?;
    }
    let reference = p.reference.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reference {
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM power_payments WHERE channel = $1 AND reference = $2 AND status <> 'reversal'",
        )
        .bind(p.channel.code())
        .bind(r.to_string())
        .fetch_optional(tx.conn())
        .await?;
        if seen.is_some() {
            return Err(Invalid::new(
                "reference",
                Rule::new(
                    "duplicate_reference",
                    format!("交易流水号 {r} 已入账，不重复收款"),
                    format!("the transaction {r} is already paid in; it is not paid twice"),
                ),
            )
            .into());
        }
    } else if p.channel != Channel::Counter {
        return Err(Invalid::required("reference").into());
    }
    if p.amount <= Money::ZERO {
        // The rule's own refusal, before the prepaid balance moves.
        billing::allocate::<Part>(p.amount, &[], false)?;
    }
    let balance = use_prepaid(tx, actor, &a, p.day, rules, now).await?;
    let open = open_of(tx.conn(), &a, p.day, rules).await?;
    let parts = parts_of(&open);
    let alloc = billing::allocate(p.amount, &parts, balance.is_some() || p.open_prepaid)?;
    insert_payment(tx, actor, &a, p.amount, p.channel, reference, &alloc.applied, alloc.to_prepaid, p.day, now).await
}

/// Takes a payment, audited: the prepaid balance first pays what it can,
/// then the payment clears the oldest bills (each one's late charge first);
/// what is left over is prepaid, or the payment is refused. The receipt number.
pub async fn take(db: &Db, actor: &Actor, p: &NewPayment, rules: &CollectionRules, now: Timestamp) -> Result<String> {
    let mut tx = db.begin().await?;
    let no = take_in(&mut tx, actor, p, rules, now).await?;
    tx.commit().await?;
    Ok(no)
}

/// Applies the prepaid balances of the accounts in scope (or of the
/// accounts given) to their open bills, audited. The number of accounts
/// whose balance paid something.
pub async fn apply_prepaid(
    db: &Db,
    actor: &Actor,
    accounts: Option<&[i64]>,
    day: Date,
    rules: &CollectionRules,
    now: Timestamp,
) -> Result<usize> {
    let mut tx = db.begin().await?;
    let paid = apply_prepaid_in(&mut tx, actor, accounts, day, rules, now).await?;
    if paid > 0 {
        tx.commit().await?;
    }
    Ok(paid)
}

/// [`apply_prepaid`] in `tx`: what the billing run does with the bills it
/// issued, in its own transaction.
pub async fn apply_prepaid_in(
    tx: &mut Tx,
    actor: &Actor,
    accounts: Option<&[i64]>,
    day: Date,
    rules: &CollectionRules,
    now: Timestamp,
) -> Result<usize> {
    // The accounts holding a balance are few beside those billed: they
    // are read whole and the ones asked for picked here.
    let sql = format!(
        "SELECT a.id, a.account_no, a.branch_id, a.usage_class FROM power_prepaid p JOIN power_accounts a \
         ON a.id = p.account_id WHERE p.balance > 0 AND a.branch_id IN ({}) ORDER BY a.id",
        actor.scope.sql_list(),
    );
    let only: Option<HashSet<i64>> = accounts.map(|ids| ids.iter().copied().collect());
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(tx.conn()).await?;
    if let Some(only) = &only {
        rows.retain(|r| r.i64("id").is_ok_and(|id| only.contains(&id)));
    }
    let mut paid = 0;
    for r in &rows {
        let a = Account {
            id: r.i64("id")?,
            account_no: r.text("account_no")?,
            branch: BranchId(r.i64("branch_id")?),
            payer: payer_of(&r.text("usage_class")?),
        };
        let before = prepaid_of(tx.conn(), a.id).await?;
        let after = use_prepaid(tx, actor, &a, day, rules, now).await?;
        paid += usize::from(after != before);
    }
    Ok(paid)
}

const RECEIPT_SELECT: &str = "SELECT p.id, p.receipt_no, a.account_no, c.name, p.branch_id, p.channel, p.reference, \
     p.amount, p.to_prepaid, p.business_day, p.paid_at, u.display_name, p.status, r.receipt_no AS reverses \
     FROM power_payments p JOIN power_accounts a ON a.id = p.account_id JOIN customers c ON c.id = a.customer_id \
     JOIN users u ON u.id = p.taken_by LEFT JOIN power_payments r ON r.id = p.reverses_id";

fn receipt_of(r: &sqlx::any::AnyRow) -> Result<Receipt> {
    Ok(Receipt {
        receipt_no: r.text("receipt_no")?,
        account_no: r.text("account_no")?,
        customer: r.text("name")?,
        branch_id: BranchId(r.i64("branch_id")?),
        channel: r.text("channel")?,
        reference: r.opt_text("reference")?,
        amount: yuan(Money::from_fen(r.i64("amount")?)),
        amount_fen: r.i64("amount")?,
        to_prepaid: yuan(Money::from_fen(r.i64("to_prepaid")?)),
        business_day: r.text("business_day")?,
        paid_at: r.text("paid_at")?,
        cashier: r.text("display_name")?,
        status: r.text("status")?,
        reverses: r.opt_text("reverses")?,
        lines: Vec::new(),
    })
}

/// A receipt in scope by its number, with the bills it reached.
pub async fn receipt(db: &Db, scope: &Scope, receipt_no: &str) -> Result<Receipt> {
    let sql = format!("{RECEIPT_SELECT} WHERE p.receipt_no = $1 AND p.branch_id IN ({})", scope.sql_list());
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(receipt_no.to_string())
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let mut out = receipt_of(&r)?;
    let lines = sqlx::query(
        "SELECT b.bill_no, b.month, b.amount AS billed, \
         CAST(COALESCE((SELECT SUM(x.amount) FROM power_payment_allocations x WHERE x.payment_id = $1 AND x.bill_id = b.id), 0) AS BIGINT) AS energy, \
         CAST(COALESCE((SELECT SUM(l.amount) FROM power_late_charge_payments l WHERE l.payment_id = $1 AND l.bill_id = b.id), 0) AS BIGINT) AS late, \
         CAST(COALESCE((SELECT SUM(y.amount) FROM power_payment_allocations y WHERE y.bill_id = b.id), 0) AS BIGINT) AS paid \
         FROM power_bills b WHERE b.id IN (SELECT bill_id FROM power_payment_allocations WHERE payment_id = $1 \
         UNION SELECT bill_id FROM power_late_charge_payments WHERE payment_id = $1) ORDER BY b.due_on, b.bill_no",
    )
    .bind(r.i64("id")?)
    .fetch_all(db.pool())
    .await?;
    out.lines = lines
        .iter()
        .map(|l| {
            Ok(ReceiptLine {
                bill_no: l.text("bill_no")?,
                month: l.text("month")?,
                energy: yuan(Money::from_fen(l.i64("energy")?)),
                late_charge: yuan(Money::from_fen(l.i64("late")?)),
                left: yuan(Money::from_fen(l.i64("billed")? - l.i64("paid")?)),
            })
        })
        .collect::<Result<_>>()?;
    Ok(out)
}

/// A page of the payments of an account (or, without one, of the business
/// day) in scope, the latest first, and how many there are.
pub async fn receipts_of(
    db: &Db,
    scope: &Scope,
    account_no: Option<&str>,
    day: Option<Date>,
    page: Page,
) -> Result<Paged<Receipt>> {
    let sql = format!(
        "SELECT q.*, COUNT(*) OVER () AS total FROM ({RECEIPT_SELECT} WHERE ($1 IS NULL OR a.account_no = $1) \
         AND ($2 IS NULL OR p.business_day = $2) AND p.branch_id IN ({})) q ORDER BY q.id DESC{}",
        scope.sql_list(),
        page.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_no.map(str::to_string))
        .bind(day.map(|d| d.to_string()))
        .fetch_all(db.pool())
        .await?;
    Ok(Paged { total: total_of(&rows)?, rows: rows.iter().map(receipt_of).collect::<Result<_>>()? })
}

/// Reverses a payment (a refund, or one taken by mistake): a payment of the
/// negated amount and parts pointing to it, the original marked reversed,
/// the prepaid balance it added taken back (refused once spent), audited
/// with the reason. Never an edit. The reversal's receipt number.
pub async fn reverse(
    db: &Db,
    actor: &Actor,
    receipt_no: &str,
    reason: &str,
    day: Date,
    now: Timestamp,
) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Invalid::required("reason").into());
    }
    let mut tx = db.begin().await?;
    let sql = format!(
        "SELECT id, account_id, branch_id, amount, channel, reference, to_prepaid, status FROM power_payments \
         WHERE receipt_no = $1 AND branch_id IN ({})",
        actor.scope.sql_list()
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(receipt_no.to_string())
        .fetch_optional(tx.conn())
        .await?
        .ok_or(Failure::NotFound)?;
    let (status, channel) = (r.text("status")?, r.text("channel")?);
    if status != "valid" || channel == "prepaid" {
        return Err(Invalid::new(
            "receipt_no",
            Rule::new(
                "not_reversible",
                "只能冲正有效的收款（不含预存抵扣和冲正记录）",
                "only a standing payment can be reversed (not a reversal or a prepaid balance applied)",
            ),
        )
        .into());
    }
    check_open_day(tx.conn(), actor, day).await?;
    let (old, account, branch) = (r.i64("id")?, r.i64("account_id")?, BranchId(r.i64("branch_id")?));
    let (amount, to_prepaid) = (r.i64("amount")?, r.i64("to_prepaid")?);
    if to_prepaid > 0 {
        let taken =
            sqlx::query("UPDATE power_prepaid SET balance = balance - $1 WHERE account_id = $2 AND balance >= $1")
                .bind(to_prepaid)
                .bind(account)
                .execute(tx.conn())
                .await?
                .rows_affected();
        if taken == 0 {
            return Err(Invalid::new(
                "receipt_no",
                Rule::new(
                    "prepaid_spent",
                    "这笔收款转入的预存电费已被抵扣，不能冲正",
                    "the prepaid balance this payment added has been spent; it cannot be reversed",
                ),
            )
            .into());
        }
    }
    let id = tx.reserve_ids("power_payments", 1).await?[0];
    let new_no = format!("{receipt_no}-R");
    sqlx::query(
        "INSERT INTO power_payments (id, receipt_no, account_id, branch_id, amount, channel, reference, to_prepaid, \
         business_day, paid_at, taken_by, status, reverses_id) \
         SELECT $1, $2, account_id, branch_id, -amount, channel, reference, -to_prepaid, $3, $4, $5, 'reversal', id \
         FROM power_payments WHERE id = $6",
    )
    .bind(id)
    .bind(new_no.clone())
    .bind(day.to_string())
    .bind(instant_text(now))
    .bind(actor.user_id.0)
    .bind(old)
    .execute(tx.conn())
    .await?;
    for table in ["power_payment_allocations", "power_late_charge_payments"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} (payment_id, bill_id, amount) SELECT $1, bill_id, -amount FROM {table} WHERE payment_id = $2"
        )))
        .bind(id)
        .bind(old)
        .execute(tx.conn())
        .await?;
    }
    sqlx::query("UPDATE power_payments SET status = 'reversed' WHERE id = $1").bind(old).execute(tx.conn()).await?;
    let change = Change {
        entity: "power_payment",
        entity_id: receipt_no.to_string(),
        action: "reverse",
        branch: Some(branch),
        old: Some(json!({"status": "valid", "amount": yuan(Money::from_fen(amount))})),
        new: Some(json!({"status": "reversed", "reversal": new_no, "reason": reason})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(new_no)
}

/// Waives the late charge of a bill (a manager's, with a reason, audited):
/// what it owes now is recorded and nothing more accrues on it; what was
/// paid stays paid. The amount waived.
pub async fn waive(
    db: &Db,
    actor: &Actor,
    bill_no: &str,
    reason: &str,
    today: Date,
    rules: &CollectionRules,
    now: Timestamp,
) -> Result<Money> {
    if !actor.can(Permission::PowerManage) {
        return Err(Failure::NotFound);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Invalid::required("reason").into());
    }
    let mut tx = db.begin().await?;
    let sql = format!(
        "SELECT a.account_no FROM power_bills b JOIN power_accounts a ON a.id = b.account_id \
         WHERE b.bill_no = $1 AND b.status = 'issued' AND b.branch_id IN ({})",
        actor.scope.sql_list()
    );
    let account_no: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(bill_no.to_string())
        .fetch_optional(tx.conn())
        .await?
        .ok_or(Failure::NotFound)?;
    let a = account(tx.conn(), &actor.scope, &account_no).await?;
    let open = open_of(tx.conn(), &a, today, rules).await?;
    let Some(bill) = open.iter().find(|o| o.bill_no == bill_no) else {
        return Err(nothing_to_waive());
    };
    if bill.waived || bill.late == 0 {
        return Err(nothing_to_waive());
    }
    sqlx::query(
        "INSERT INTO power_late_charge_waivers (bill_id, amount, reason, waived_by, waived_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(bill.id)
    .bind(bill.late)
    .bind(reason.to_string())
    .bind(actor.user_id.0)
    .bind(instant_text(now))
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_late_charge",
        entity_id: bill_no.to_string(),
        action: "waive",
        branch: Some(a.branch),
        old: Some(json!({"late_charge": yuan(Money::from_fen(bill.late)), "days": bill.late_days})),
        new: Some(json!({"late_charge": "0.00", "reason": reason})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(Money::from_fen(bill.late))
}

fn nothing_to_waive() -> Failure {
    Invalid::new(
        "bill_no",
        Rule::new(
            "no_late_charge",
            "该电费单没有可减免的违约金（未逾期、已结清或已减免）",
            "the bill has no late charge to waive (not overdue, paid or waived already)",
        ),
    )
    .into()
}
