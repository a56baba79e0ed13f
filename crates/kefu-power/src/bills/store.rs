//! The bills: what a run bills and did, and a bill and a month's bills
//! read back.

use std::collections::HashSet;

use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::{Invalid, Money, Rule, Scope};
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;

use crate::tariffs::quote::yuan;

type Result<T> = std::result::Result<T, Failure>;

/// What a run bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Book(i64),
    Station(BranchId),
    /// Every station in the actor's scope, one after another: the month's
    /// run of the whole county.
    AllStations,
    /// One account (after a corrected reading).
    Account(i64),
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub accounts: usize,
    pub created: usize,
    pub corrected: usize,
    /// Billed for the month already.
    pub existing: usize,
    /// No real or estimated reading for the month.
    pub unread: usize,
    /// A reading held for re-reading.
    pub held: usize,
    /// Accounts the rules refused, with why.
    pub refused: Vec<(String, Invalid)>,
    /// Bill notices queued to go out (SMS, or a letter to a holder without one).
    pub notices: usize,
    /// Accounts whose prepaid balance (预存电费) paid toward their new bills.
    pub prepaid: usize,
}

impl RunOutcome {
    /// Adds what another run did (a county's run, station by station).
    pub(super) fn add(&mut self, o: RunOutcome) {
        self.accounts += o.accounts;
        self.created += o.created;
        self.corrected += o.corrected;
        self.existing += o.existing;
        self.unread += o.unread;
        self.held += o.held;
        self.refused.extend(o.refused);
        self.notices += o.notices;
        self.prepaid += o.prepaid;
    }
}

/// A bill with its lines.
#[derive(Debug, Clone, Serialize)]
pub struct Bill {
    pub id: i64,
    pub bill_no: String,
    pub account_no: String,
    pub branch_id: BranchId,
    pub month: String,
    pub period_from: String,
    pub period_to: String,
    pub tariff_code: String,
    pub kwh: i64,
    pub amount: String,
    pub amount_fen: i64,
    pub due_on: String,
    pub status: String,
    pub reverses_id: Option<i64>,
    pub lines: Vec<BillLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BillLine {
    /// flat | tier | register | basic | power_factor | surcharge
    pub kind: String,
    /// A basic line's basis (capacity, demand), a surcharge's name, the
    /// adjustment's factor and standard ("0.85/0.90").
    pub label: Option<String>,
    pub tier: Option<i64>,
    pub period: Option<String>,
    pub effective_from: String,
    pub kwh: i64,
    /// Yuan a kWh (a kVA or kW for a basic line); for the power factor
    /// adjustment its percentage ("+2.50%").
    pub price: String,
    pub amount: String,
}

pub fn month_ok(month: &str) -> std::result::Result<Date, Invalid> {
    format!("{month}-01").parse::<Date>().ok().filter(|_| month.len() == 7).ok_or_else(|| {
        Invalid::new(
            "month",
            Rule::new("month_format", "月份格式为 YYYY-MM，如 2026-11", "a month is YYYY-MM, such as 2026-11"),
        )
    })
}

pub(super) fn hundredths_text(n: i64) -> String {
    format!("{}.{:02}", n / 100, n % 100)
}

/// The columns a bill is inserted with (the bench's floor writes the same).
pub const BILL_COLUMNS: [&str; 16] = [
    "id",
    "bill_no",
    "account_id",
    "branch_id",
    "book_id",
    "month",
    "period_from",
    "period_to",
    "tariff_code",
    "kwh",
    "amount",
    "due_on",
    "status",
    "reverses_id",
    "reading_id",
    "created_at",
];

/// The columns a bill's line is inserted with.
pub const LINE_COLUMNS: [&str; 10] =
    ["bill_id", "line_no", "kind", "tier", "period", "label", "effective_from", "kwh", "price", "amount"];

pub(super) const BILL_SELECT: &str = "SELECT b.id, b.bill_no, a.account_no, b.branch_id, b.month, b.period_from, b.period_to, \
     b.tariff_code, b.kwh, b.amount, b.due_on, b.status, b.reverses_id FROM power_bills b \
     JOIN power_accounts a ON a.id = b.account_id";

pub(super) fn bill_from(r: &sqlx::any::AnyRow) -> Result<Bill> {
    let fen = r.i64("amount")?;
    Ok(Bill {
        id: r.i64("id")?,
        bill_no: r.text("bill_no")?,
        account_no: r.text("account_no")?,
        branch_id: BranchId(r.i64("branch_id")?),
        month: r.text("month")?,
        period_from: r.text("period_from")?,
        period_to: r.text("period_to")?,
        tariff_code: r.text("tariff_code")?,
        kwh: r.i64("kwh")?,
        amount: yuan(Money::from_fen(fen)),
        amount_fen: fen,
        due_on: r.text("due_on")?,
        status: r.text("status")?,
        reverses_id: r.opt_i64("reverses_id")?,
        lines: Vec::new(),
    })
}

/// A bill in scope by its number, with its lines.
pub async fn bill(db: &Db, scope: &Scope, bill_no: &str) -> Result<Bill> {
    let sql = format!("{BILL_SELECT} WHERE b.bill_no = $1 AND b.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bill_no.to_string()).fetch_optional(db.pool()).await?;
    let mut b = row.as_ref().map(bill_from).transpose()?.ok_or(Failure::NotFound)?;
    let lines = sqlx::query(
        "SELECT kind, tier, period, label, effective_from, kwh, price, amount FROM power_bill_lines \
         WHERE bill_id = $1 ORDER BY line_no",
    )
    .bind(b.id)
    .fetch_all(db.pool())
    .await?;
    b.lines = lines
        .iter()
        .map(|l| {
            let kind = l.text("kind")?;
            let price = l.i64("price")?;
            Ok(BillLine {
                price: if kind == "power_factor" {
                    let sign = if price > 0 {
                        "+"
                    } else if price < 0 {
                        "-"
                    } else {
                        ""
                    };
                    format!("{sign}{}%", hundredths_text(price.abs()))
                } else {
                    crate::Price::from_units(price).to_string()
                },
                kind,
                label: l.opt_text("label")?,
                tier: l.opt_i64("tier")?,
                period: l.opt_text("period")?,
                effective_from: l.text("effective_from")?,
                kwh: l.i64("kwh")?,
                amount: yuan(Money::from_fen(l.i64("amount")?)),
            })
        })
        .collect::<Result<_>>()?;
    Ok(b)
}

/// The month's bills of a book (or every book in scope), by account.
pub async fn bills_of_month(db: &Db, scope: &Scope, book: Option<i64>, month: &str) -> Result<Vec<Bill>> {
    let sql = format!(
        "{BILL_SELECT} WHERE b.month = $1 AND ($2 IS NULL OR b.book_id = $2) AND b.branch_id IN ({}) \
         ORDER BY a.account_no, b.id LIMIT 2000",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(month.to_string()).bind(book).fetch_all(db.pool()).await?;
    rows.iter().map(bill_from).collect::<Result<_>>().map(|v: Vec<Bill>| {
        // A bill shown once even when the LIMIT cut a correction's pair.
        let mut seen = HashSet::new();
        v.into_iter().filter(|b| seen.insert(b.id)).collect()
    })
}
