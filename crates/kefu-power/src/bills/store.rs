//! The bills' SQL: the run reads its accounts with what it knows of each
//! (the bill already there, the kWh billed earlier in the year, where the
//! period begins, the holder to tell) in one query and the month's standing
//! readings in another, prices every account in memory and writes the
//! bills, their lines and their notices in bulk, in one audited
//! transaction.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_outreach::source::customer_columns;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, FetchedRow, RowExt};
use serde::Serialize;
use serde_json::json;

use super::DUE_DAYS;
use super::terms::{self, BasicBy, Terms};
use crate::billing::{self, Demand, LineKind, PowerFactorTables, Usage};
use crate::price::round_to_fen;
use crate::tariffs::{Basis, Tariff, quote::yuan, store as tariffs};

type Result<T> = std::result::Result<T, Failure>;

/// What a run bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Book(i64),
    Station(BranchId),
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

/// One account to bill and what the store knows of it.
struct Candidate {
    id: i64,
    account_no: String,
    branch: BranchId,
    book: Option<i64>,
    tariff: String,
    terms: Terms,
    /// The contracted capacity, for a basic charge by capacity.
    capacity_kva: i64,
    /// The row it was read from, which holds its holder's columns for the
    /// bill notice ([`super::notice`]); none when the holder was merged
    /// into another customer, who is told of nothing under this record.
    holder: Option<usize>,
    /// The bill issued for the month: its id, reading and number.
    issued: Option<(i64, Option<i64>, String)>,
    /// kWh billed earlier in the calendar year.
    year_to_date: i64,
    /// The day of the last reading before the month.
    last_read: Option<Date>,
}

/// One standing reading of the month.
struct MonthReading {
    id: i64,
    kind: String,
    status: String,
    kwh: i64,
    read_on: Date,
    registers: Option<[i64; 3]>,
    kvarh: Option<i64>,
    demand_kw: Option<i64>,
    power_factor: Option<i64>,
}

/// A bill line to write.
struct NewLine {
    kind: &'static str,
    tier: Option<i64>,
    period: Option<&'static str>,
    label: Option<String>,
    effective_from: Date,
    kwh: i64,
    price: i64,
    amount: Money,
}

/// A bill priced: its lines, kWh and amount.
struct Priced {
    lines: Vec<NewLine>,
    kwh: i64,
    amount: Money,
}

/// What a large user's bill needs beyond the kWh, from the month's readings.
#[derive(Default)]
struct Measured {
    kvarh: Option<i64>,
    demand_kw: Option<i64>,
    power_factor: Option<i64>,
}

fn hundredths_text(n: i64) -> String {
    format!("{}.{:02}", n / 100, n % 100)
}

fn required(field: &str, code: &'static str, zh: &str, en: &str) -> Invalid {
    Invalid::new(field, Rule::new(code, zh.to_string(), en.to_string()))
}

/// Prices a bill: the energy charge's lines by tier or register
/// ([`billing::energy_charge`]); for a large user the basic charge on the
/// contracted kVA or the month's maximum demand, at the tariff version in
/// force on the period's last day, and the power factor adjustment on the
/// energy and basic charges ([`billing::power_factor_adjustment`], the
/// table in force for the contract's standard, `pf_tables`); then the tariff's
/// surcharges on the kWh, each a line of its own and never adjusted.
fn price_bill(
    tariff: &Tariff,
    usage: Usage,
    ytd: i64,
    (from, to): (Date, Date),
    c: &Candidate,
    m: &Measured,
    pf_tables: &PowerFactorTables,
) -> std::result::Result<Priced, Invalid> {
    let charge = billing::energy_charge(tariff, usage, ytd, from, to)?;
    let mut lines: Vec<NewLine> = charge
        .lines
        .iter()
        .map(|l| {
            let (kind, tier, period) = match l.kind {
                LineKind::Flat => ("flat", None, None),
                LineKind::Tier(t) => ("tier", Some(t as i64), None),
                LineKind::Register(p) => ("register", None, Some(p.code())),
            };
            NewLine {
                kind,
                tier,
                period,
                label: None,
                effective_from: l.effective_from,
                kwh: l.kwh,
                price: l.price.units(),
                amount: l.amount,
            }
        })
        .collect();
    // energy_charge found a version in force on the first day, so on the last.
    let Some(version) = tariff.version_on(to) else { return Err(unknown_tariff(tariff.code())) };
    let mut adjusted = charge.amount;
    if let Some(by) = c.terms.basic_by {
        let (demand, price) = match by {
            BasicBy::Capacity => (Demand::Capacity { kva: c.capacity_kva }, version.basic.per_kva),
            BasicBy::Demand => {
                let kw = m.demand_kw.ok_or_else(|| {
                    required(
                        "demand",
                        "demand_required",
                        "按最大需量计收基本电费的用户须抄录最大需量",
                        "an account billed on its maximum demand needs the month's maximum demand",
                    )
                })?;
                (Demand::MaximumDemand { kw }, version.basic.per_kw)
            }
        };
        let price = price.ok_or_else(|| {
            Invalid::new(
                "tariff_code",
                Rule::new(
                    "no_basic_price",
                    format!(
                        "电价 {} 没有{}的基本电价",
                        tariff.code(),
                        if by == BasicBy::Capacity { "按容量" } else { "按需量" }
                    ),
                    format!("tariff {} has no basic charge price by {}", tariff.code(), by.code()),
                ),
            )
        })?;
        let amount = billing::basic_charge(demand, price);
        let units = match demand {
            Demand::Capacity { kva } => kva,
            Demand::MaximumDemand { kw } => kw,
        };
        adjusted = adjusted + amount;
        lines.push(NewLine {
            kind: "basic",
            tier: None,
            period: None,
            label: Some(by.code().into()),
            effective_from: version.effective_from,
            kwh: units,
            price: price.units(),
            amount,
        });
    }
    if let Some(standard) = c.terms.standard {
        let factor = match m.power_factor {
            Some(pf) => Some(pf),
            None => {
                let kvarh = m.kvarh.ok_or_else(|| {
                    required(
                        "reactive",
                        "reactive_required",
                        "执行功率因数调整的用户须抄录无功示数（或功率因数）",
                        "an account judged on its power factor needs the reactive register (or the power factor)",
                    )
                })?;
                billing::power_factor(charge.kwh, kvarh).map(i64::from)
            }
        };
        // Nothing metered, nothing to judge.
        if let Some(pf) = factor {
            let pf = u8::try_from(pf.clamp(0, 100)).unwrap_or(100);
            let table = pf_tables.of(standard);
            lines.push(NewLine {
                kind: "power_factor",
                tier: None,
                period: None,
                label: Some(format!(
                    "{}/{}",
                    hundredths_text(i64::from(pf)),
                    hundredths_text(terms::standard_hundredths(standard))
                )),
                effective_from: version.effective_from,
                kwh: 0,
                price: i64::from(table.basis_points(pf)),
                amount: billing::power_factor_adjustment(adjusted, pf, table),
            });
        }
    }
    for s in version.surcharges.iter().filter(|_| charge.kwh != 0) {
        lines.push(NewLine {
            kind: "surcharge",
            tier: None,
            period: None,
            label: Some(s.name.clone()),
            effective_from: version.effective_from,
            kwh: charge.kwh,
            price: s.price.units(),
            amount: round_to_fen(s.price.times(charge.kwh)),
        });
    }
    Ok(Priced { kwh: charge.kwh, amount: lines.iter().map(|l| l.amount).sum(), lines })
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

/// Runs the month's billing for `target`, audited. Each account with a
/// standing real or estimated reading and none held gets its bill; one
/// billed already is passed over, or corrected when its reading changed.
pub async fn run(
    db: &Db,
    actor: &Actor,
    target: Target,
    month: &str,
    today: Date,
    now: Timestamp,
) -> Result<RunOutcome> {
    let first_day = month_ok(month)?;
    let (filter, key) = match target {
        Target::Book(b) => ("x.book_id = $1", b),
        Target::Station(s) => ("a.branch_id = $1", s.0),
        Target::Account(a) => ("a.id = $1", a),
    };
    let accounts_sql = format!(
        "SELECT a.id FROM power_accounts a JOIN power_book_accounts x ON x.account_id = a.id WHERE {filter} \
         AND a.branch_id IN ({})",
        actor.scope.sql_list()
    );
    // The accounts with what the run knows of each in one row: the
    // holder's columns the bill notices need, the bill issued for the month
    // (one at most), the kWh billed earlier in the calendar year (reversals
    // cancel what they reverse) and the day of the last reading before the
    // month, where the period begins.
    // Read inside the run's transaction, so that what is billed is what
    // the bills refer to: on SQLite no other writer comes in between, and
    // the rows written need not be checked against their accounts again.
    let mut tx = db.begin_bulk().await?;
    let binds = [Cell::from(key), Cell::from(month), Cell::from(format!("{}-01", &month[..4]))];
    let rows = bulk::fetch(
        tx.conn(),
        &format!(
            "SELECT a.id, a.account_no, a.branch_id, a.tariff_code, x.book_id, t.basic_by, t.pf_standard, \
         CASE WHEN t.basic_by = 'capacity' THEN COALESCE((SELECT k.capacity_kva FROM power_contracts k \
           WHERE k.account_id = a.id ORDER BY k.id DESC LIMIT 1), a.capacity_kva) ELSE 0 END AS capacity_kva, \
         i.id AS issued_id, i.reading_id AS issued_reading, i.bill_no AS issued_no, \
         CAST(COALESCE((SELECT SUM(y.kwh) FROM power_bills y WHERE y.account_id = a.id AND y.month >= $3 \
           AND y.month < $2), 0) AS BIGINT) AS ytd_kwh, \
         (SELECT MAX(p.read_on) FROM power_readings p WHERE p.account_id = a.id AND p.month < $2 \
           AND p.replaced_by IS NULL AND p.kind IN ('real', 'estimated', 'base')) AS last_read_on, \
         c.id AS customer_id, c.merged_into, {} \
         FROM power_accounts a JOIN power_book_accounts x ON x.account_id = a.id \
         JOIN customers c ON c.id = a.customer_id JOIN branches b ON b.id = a.branch_id \
         LEFT JOIN power_billing_terms t ON t.account_id = a.id \
         LEFT JOIN power_bills i ON i.account_id = a.id AND i.month = $2 AND i.status = 'issued' \
         WHERE a.id IN ({accounts_sql})",
            customer_columns()
        ),
        &binds,
    )
    .await?;
    // In the order of the account numbers, as the bills' ids are given.
    let mut rows: Vec<FetchedRow> = rows.iter().collect();
    rows.sort_by_cached_key(|r| r.text("account_no").unwrap_or_default());
    let candidates: Vec<Candidate> = rows
        .iter()
        .enumerate()
        .map(|(n, r)| {
            Ok(Candidate {
                id: r.i64("id")?,
                account_no: r.text("account_no")?,
                branch: BranchId(r.i64("branch_id")?),
                book: r.opt_i64("book_id")?,
                tariff: r.text("tariff_code")?,
                terms: Terms {
                    basic_by: match r.opt_text("basic_by")?.as_deref() {
                        Some("capacity") => Some(BasicBy::Capacity),
                        Some("demand") => Some(BasicBy::Demand),
                        _ => None,
                    },
                    standard: r.opt_i64("pf_standard")?.and_then(terms::standard_of),
                },
                capacity_kva: r.i64("capacity_kva")?,
                holder: r.opt_i64("merged_into")?.is_none().then_some(n),
                issued: match r.opt_i64("issued_id")? {
                    Some(id) => Some((id, r.opt_i64("issued_reading")?, r.text("issued_no")?)),
                    None => None,
                },
                year_to_date: r.i64("ytd_kwh")?,
                last_read: r.opt_text("last_read_on")?.and_then(|d| d.parse().ok()),
            })
        })
        .collect::<Result<_>>()?;
    let readings = bulk::fetch(
        tx.conn(),
        &format!(
            "SELECT id, account_id, kind, status, kwh, read_on, peak_kwh, flat_kwh, valley_kwh, kvarh, demand_kw, \
             power_factor FROM power_readings WHERE month = $2 AND replaced_by IS NULL \
             AND account_id IN ({accounts_sql})"
        ),
        &binds[..2],
    )
    .await?;
    // Each account's readings in the order they were entered.
    let mut readings: Vec<FetchedRow> = readings.iter().collect();
    readings.sort_by_cached_key(|r| r.i64("id").unwrap_or_default());
    let mut by_account: HashMap<i64, Vec<MonthReading>> = HashMap::new();
    for r in &readings {
        by_account.entry(r.i64("account_id")?).or_default().push(MonthReading {
            id: r.i64("id")?,
            kind: r.text("kind")?,
            status: r.text("status")?,
            kwh: r.i64("kwh")?,
            read_on: r.text("read_on")?.parse().map_err(|_| Failure::NotFound)?,
            registers: match (r.opt_i64("peak_kwh")?, r.opt_i64("flat_kwh")?, r.opt_i64("valley_kwh")?) {
                (Some(p), Some(f), Some(v)) => Some([p, f, v]),
                _ => None,
            },
            kvarh: r.opt_i64("kvarh")?,
            demand_kw: r.opt_i64("demand_kw")?,
            power_factor: r.opt_i64("power_factor")?,
        });
    }
    let tariffs: HashMap<String, Tariff> =
        tariffs::all(db).await?.into_iter().map(|t| (t.code().to_string(), t)).collect();
    let pf_tables = super::pf_tables::load(db).await?;

    let mut out = RunOutcome { accounts: candidates.len(), ..RunOutcome::default() };
    let due = today.checked_add(jiff::Span::new().days(DUE_DAYS)).map_err(|_| Failure::NotFound)?;
    let mut to_reverse: Vec<(i64, String)> = Vec::new();
    let mut new_bills = Vec::new();
    let empty = Vec::new();
    for c in &candidates {
        let month_readings = by_account.get(&c.id).unwrap_or(&empty);
        let Some(last) = month_readings.iter().rev().find(|r| r.kind == "real" || r.kind == "estimated") else {
            out.unread += 1;
            continue;
        };
        let standing = c.issued.as_ref();
        if let Some((_, reading, _)) = standing
            && *reading == Some(last.id)
        {
            out.existing += 1;
            continue;
        }
        if month_readings.iter().any(|r| r.status == "held") {
            out.held += 1;
            continue;
        }
        let Some(tariff) = tariffs.get(&c.tariff) else {
            out.refused.push((c.account_no.clone(), unknown_tariff(&c.tariff)));
            continue;
        };
        let counted: Vec<&MonthReading> = month_readings.iter().filter(|r| r.kind != "base").collect();
        let kwh: i64 = counted.iter().map(|r| r.kwh).sum();
        let usage = if tariff.basis() == Basis::TimeOfUse {
            // Every reading that bills use carries its three registers.
            let Some([peak, flat, valley]) = register_sum(counted.iter()) else {
                out.refused.push((
                    c.account_no.clone(),
                    required(
                        "peak",
                        "time_of_use_register_required",
                        "分时电价户须同时抄录峰、平、谷三个示数",
                        "a time-of-use account's reading needs the peak, flat and valley registers",
                    ),
                ));
                continue;
            };
            Usage::Registers { peak, flat, valley }
        } else {
            Usage::Total(kwh)
        };
        let measured = Measured {
            kvarh: counted.iter().filter_map(|r| r.kvarh).reduce(|a, b| a + b),
            demand_kw: counted.iter().filter_map(|r| r.demand_kw).max(),
            power_factor: last.power_factor,
        };
        let from = c
            .last_read
            .and_then(|d| d.tomorrow().ok())
            .filter(|d| *d <= last.read_on)
            .unwrap_or(first_day.min(last.read_on));
        match price_bill(tariff, usage, c.year_to_date, (from, last.read_on), c, &measured, &pf_tables) {
            Ok(charge) => {
                if let Some((old, _, old_no)) = standing {
                    to_reverse.push((*old, old_no.clone()));
                    out.corrected += 1;
                } else {
                    out.created += 1;
                }
                new_bills.push((c, last.id, from, last.read_on, charge, standing.map(|s| s.2.clone())));
            }
            Err(e) => out.refused.push((c.account_no.clone(), e)),
        }
    }
    if new_bills.is_empty() {
        return Ok(out);
    }

    let at = instant_text(now);
    // Reversals first: the old bill leaves the one issued slot of its month.
    for (old, old_no) in &to_reverse {
        sqlx::query("UPDATE power_bills SET status = 'reversed' WHERE id = $1 AND status = 'issued'")
            .bind(*old)
            .execute(tx.conn())
            .await?;
        let id = tx.reserve_ids("power_bills", 1).await?[0];
        sqlx::query(
            "INSERT INTO power_bills (id, bill_no, account_id, branch_id, book_id, month, period_from, period_to, \
             tariff_code, kwh, amount, due_on, status, reverses_id, reading_id, created_at) \
             SELECT $1, $2, account_id, branch_id, book_id, month, period_from, period_to, tariff_code, -kwh, -amount, \
             due_on, 'reversal', id, reading_id, $3 FROM power_bills WHERE id = $4",
        )
        .bind(id)
        .bind(format!("{old_no}-R"))
        .bind(at.clone())
        .bind(*old)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "INSERT INTO power_bill_lines (bill_id, line_no, kind, tier, period, label, effective_from, kwh, price, \
             amount) SELECT $1, line_no, kind, tier, period, label, effective_from, -kwh, price, -amount \
             FROM power_bill_lines WHERE bill_id = $2",
        )
        .bind(id)
        .bind(*old)
        .execute(tx.conn())
        .await?;
    }
    let ids = tx.reserve_ids("power_bills", new_bills.len()).await?;
    let mut bill_rows = Vec::with_capacity(new_bills.len());
    let mut line_rows = Vec::new();
    for ((c, reading, from, to, charge, before), id) in new_bills.iter().zip(&ids) {
        let bill_no = match before {
            Some(old) => corrected_no(old),
            None => format!("{}{}", month.replace('-', ""), c.account_no),
        };
        bill_rows.push(vec![
            Cell::from(*id),
            Cell::Text(Some(bill_no)),
            c.id.into(),
            c.branch.0.into(),
            c.book.into(),
            Cell::Text(Some(month.to_string())),
            Cell::Text(Some(from.to_string())),
            Cell::Text(Some(to.to_string())),
            Cell::Text(Some(c.tariff.clone())),
            charge.kwh.into(),
            charge.amount.fen().into(),
            Cell::Text(Some(due.to_string())),
            Cell::Text(Some("issued".into())),
            Option::<i64>::None.into(),
            Some(*reading).into(),
            Cell::Text(Some(at.clone())),
        ]);
        for (n, l) in charge.lines.iter().enumerate() {
            line_rows.push(vec![
                Cell::from(*id),
                (n as i64 + 1).into(),
                Cell::Text(Some(l.kind.into())),
                l.tier.into(),
                Cell::Text(l.period.map(str::to_string)),
                Cell::Text(l.label.clone()),
                Cell::Text(Some(l.effective_from.to_string())),
                l.kwh.into(),
                l.price.into(),
                l.amount.fen().into(),
            ]);
        }
    }
    bulk::insert(tx.conn(), "power_bills", &BILL_COLUMNS, bill_rows, "").await?;
    bulk::insert(tx.conn(), "power_bill_lines", &LINE_COLUMNS, line_rows, "").await?;
    tx.analyze_grown("power_bills", new_bills.len() as u64).await?;
    let mut subjects = Vec::with_capacity(new_bills.len());
    for ((c, _, _, _, charge, _), id) in new_bills.iter().zip(&ids) {
        if let Some(n) = c.holder {
            subjects.push(super::notice::subject(&rows[n], (c.branch, *id), month, charge.amount, due)?);
        }
    }
    out.notices = super::notice::queue_in(&mut tx, db, &subjects, today).await?;
    let total: Money = new_bills.iter().map(|b| b.4.amount).sum();
    let change = Change {
        entity: "power_billing_run",
        entity_id: format!("{target:?}:{month}"),
        action: "run",
        branch: candidates.first().map(|c| c.branch),
        old: None,
        new: Some(json!({"accounts": out.accounts, "created": out.created, "corrected": out.corrected,
            "amount": yuan(total), "notices": out.notices})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    // A prepaid balance pays the new bills at once, as a payment of its own
    // (the collection rules', audited there).
    if out.created + out.corrected > 0 {
        let rules = crate::collection::load_rules(db).await?;
        let billed: Vec<i64> = new_bills.iter().map(|b| b.0.id).collect();
        out.prepaid = crate::collection::apply_prepaid(db, actor, Some(&billed), today, &rules, now).await?;
    }
    Ok(out)
}

/// A corrected month's new bill number: the first bill's number with
/// `-C1`, then `-C2`… after each correction.
fn corrected_no(old: &str) -> String {
    match old.rsplit_once("-C").and_then(|(base, n)| Some((base, n.parse::<u32>().ok()?))) {
        Some((base, n)) => format!("{base}-C{}", n + 1),
        None => format!("{old}-C1"),
    }
}

fn unknown_tariff(code: &str) -> Invalid {
    Invalid::new(
        "tariff_code",
        Rule::new("unknown_tariff", format!("没有电价 {code}"), format!("there is no tariff {code}")),
    )
}

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

/// The sum of the month's readings' registers, none when one lacks them.
fn register_sum<'a>(readings: impl Iterator<Item = &'a &'a MonthReading>) -> Option<[i64; 3]> {
    let mut total = [0; 3];
    for r in readings {
        for (t, v) in total.iter_mut().zip(r.registers?) {
            *t += v;
        }
    }
    Some(total)
}
