//! A billing run's first half: what it reads and how it prices. The
//! accounts of the target come with what the store knows of each (the bill
//! already there, the kWh billed earlier in the year, where the period
//! begins, the holder to tell) in one query, the month's standing readings
//! in another; every account is priced in memory. Nothing is written: the
//! plan goes to [`super::run`], which writes it, so a plan can be read
//! while the run writes another (see there why it still holds then).

use std::collections::HashMap;

use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::{Invalid, Money, Rule, Scope};
use kefu_outreach::source::{Subject, customer_columns};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, Failure, FetchedRow, RowExt};
use sqlx::AnyConnection;

use super::DUE_DAYS;
use super::store::{RunOutcome, Target, hundredths_text, month_ok};
use super::terms::{self, BasicBy, Terms};
use crate::billing::{self, Demand, LineKind, PowerFactorTables, Usage};
use crate::price::round_to_fen;
use crate::tariffs::{Basis, Tariff, store as tariffs};

type Result<T> = std::result::Result<T, Failure>;

/// A run read and priced, not yet written.
pub(super) struct Plan {
    /// The audit log's last id as the plan read the store.
    pub seen: i64,
    /// What the run does, but the notices and prepaid payments, which
    /// are counted as they are written.
    pub out: RunOutcome,
    /// The bills to issue, in the order of their account numbers.
    pub bills: Vec<PlannedBill>,
    /// The target's first account's station, for the run's audit record.
    pub branch: Option<BranchId>,
    /// The day the bills fall due.
    pub due: Date,
}

/// One bill to issue.
pub(super) struct PlannedBill {
    pub account: i64,
    pub account_no: String,
    pub branch: BranchId,
    pub book: Option<i64>,
    pub tariff: String,
    pub reading: i64,
    pub period: (Date, Date),
    pub charge: Priced,
    /// The bill of the month it corrects: its id and number.
    pub replaces: Option<(i64, String)>,
    /// The holder's notice, about the bill once it has an id; none when
    /// the holder was merged into another customer.
    pub notice: Option<Subject>,
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
pub(super) struct NewLine {
    pub kind: &'static str,
    pub tier: Option<i64>,
    pub period: Option<&'static str>,
    pub label: Option<String>,
    pub effective_from: Date,
    pub kwh: i64,
    pub price: i64,
    pub amount: Money,
}

/// A bill priced: its lines, kWh and amount.
pub(super) struct Priced {
    pub lines: Vec<NewLine>,
    pub kwh: i64,
    pub amount: Money,
}

/// What a large user's bill needs beyond the kWh, from the month's readings.
#[derive(Default)]
struct Measured {
    kvarh: Option<i64>,
    demand_kw: Option<i64>,
    power_factor: Option<i64>,
}

/// Reads and prices the month's billing of `target` on `conn` (the run's
/// transaction, or a reading transaction of its own).
pub(super) async fn plan_in(
    conn: &mut AnyConnection,
    db: &Db,
    scope: &Scope,
    target: Target,
    month: &str,
    today: Date,
) -> Result<Plan> {
    let seen = kefu_store::last_audit_id(&mut *conn).await?;
    let first_day = month_ok(month)?;
    let (filter, key) = match target {
        Target::Book(b) => ("x.book_id = $1", b),
        Target::Station(s) => ("a.branch_id = $1", s.0),
        Target::Account(a) => ("a.id = $1", a),
        // Every account in scope (a run writes this target a station at a
        // time, but read whole it is the same).
        Target::AllStations => ("a.branch_id <> $1", 0),
    };
    let accounts_sql = format!(
        "SELECT a.id FROM power_accounts a JOIN power_book_accounts x ON x.account_id = a.id WHERE {filter} \
         AND a.branch_id IN ({})",
        scope.sql_list()
    );
    // The accounts with what the run knows of each in one row: the
    // holder's columns the bill notices need, the bill issued for the month
    // (one at most), the kWh billed earlier in the calendar year (reversals
    // cancel what they reverse) and the day of the last reading before the
    // month, where the period begins.
    let binds = [Cell::from(key), Cell::from(month), Cell::from(format!("{}-01", &month[..4]))];
    let rows = bulk::fetch(
        &mut *conn,
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
        &mut *conn,
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
    let mut bills = Vec::new();
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
                match standing {
                    Some(_) => out.corrected += 1,
                    None => out.created += 1,
                }
                let notice = match c.holder {
                    Some(n) => Some(super::notice::subject(&rows[n], c.branch, month, charge.amount, due)?),
                    None => None,
                };
                bills.push(PlannedBill {
                    account: c.id,
                    account_no: c.account_no.clone(),
                    branch: c.branch,
                    book: c.book,
                    tariff: c.tariff.clone(),
                    reading: last.id,
                    period: (from, last.read_on),
                    charge,
                    replaces: standing.map(|(id, _, no)| (*id, no.clone())),
                    notice,
                });
            }
            Err(e) => out.refused.push((c.account_no.clone(), e)),
        }
    }
    let branch = candidates.first().map(|c| c.branch);
    Ok(Plan { seen, out, bills, branch, due })
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
fn unknown_tariff(code: &str) -> Invalid {
    Invalid::new(
        "tariff_code",
        Rule::new("unknown_tariff", format!("没有电价 {code}"), format!("there is no tariff {code}")),
    )
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
