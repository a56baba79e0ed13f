//! Readings entered in sets: a handheld's file of a month's readings for a
//! whole county, or one reading typed on the page. Whatever the number,
//! the accounts, their meters and the readings the checks need are read in
//! a few set-based queries (one statement per 30,000 accounts); each entry
//! is then checked in memory in the order given, against what the store
//! held and the entries before it (a file may hold an account's October
//! reading and then its November one); and the entries that pass are
//! written by one multi-row INSERT in the caller's transaction. An entry
//! refused leaves nothing; the caller audits and commits.
//!
//! The accounts are looked up in key order, a batch of neighbours at a
//! time; where the entries name a good part of the accounts in the
//! reader's scope (a county's month from the handhelds), the tables are
//! read through once instead and the rows of other accounts passed over:
//! a million lookups all over the file take a minute where one pass takes
//! seconds.
//!
//! The checks see what the per-reading SQL saw: readings of the months
//! from the earliest entry's on are held in memory, the ones before it
//! summed per meter (the last real or installation reading, the estimates
//! billed) and per account (the kWh of its last months with readings).

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use kefu_core::ids::{BranchId, UserId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, Failure, Fetched, FetchedRow, RowExt, Tx};

use super::store::{
    AVERAGE_MONTHS, Decided, Entry, Last, MeterRow, Needs, Past, decide, decide_extra, meter_of, month_of,
};
use crate::readings::{Reading, ReadingRules};
use crate::tariffs::{Basis, store as tariffs};

type Result<T> = std::result::Result<T, Failure>;

/// A reading entered, as its audit record tells it.
#[derive(Debug)]
pub(super) struct Written {
    pub(super) id: i64,
    pub(super) account_no: String,
    pub(super) branch: BranchId,
    /// The reading of the same kind and month it corrects.
    pub(super) replaces: Option<i64>,
    pub(super) month: String,
    pub(super) reading: String,
    pub(super) kind: &'static str,
    pub(super) status: &'static str,
    pub(super) kwh: i64,
}

/// An account as the checks need it.
struct Account {
    id: i64,
    branch: BranchId,
    reader: Option<i64>,
    needs: Needs,
    /// Newest first.
    meters: Vec<MeterRow>,
}

/// A standing reading (not replaced) of the accounts entered, or one
/// entered now; registers in hundredths.
struct Standing {
    /// Stored: its id; entered now: none.
    id: Option<i64>,
    account: i64,
    meter: i64,
    month: String,
    kind: &'static str,
    held: bool,
    reading: i64,
    kwh: i64,
    registers: [Option<i64>; 4],
    /// Replaced by the entry of this index among those written.
    replaced_by: Option<usize>,
}

impl Standing {
    /// Where the checks' SQL orders it: by month, a real reading after the
    /// installation one of its month, then by id, the readings entered now
    /// after every stored one, in their order.
    fn order(&self, at: usize) -> (&str, bool, i64) {
        (&self.month, self.kind == "real", self.id.unwrap_or(i64::MAX / 2 + at as i64))
    }
}

/// The standing readings in memory and the summaries of the months before.
#[derive(Default)]
struct Ledger {
    rows: Vec<Standing>,
    by_meter: HashMap<i64, Vec<usize>>,
    by_account: HashMap<i64, Vec<usize>>,
    /// Per meter: the last real or installation reading before the months held.
    last_before: HashMap<i64, Last>,
    /// Per meter: its estimates before the months held, (month, kWh).
    estimates_before: HashMap<i64, Vec<(String, i64)>>,
    /// Per account: the kWh of its last months with readings before the
    /// months held, latest first.
    history_before: HashMap<i64, Vec<i64>>,
}

const STANDS_AS: [&str; 4] = ["real", "estimated", "base", "removal"];

impl Ledger {
    fn push(&mut self, r: Standing) -> usize {
        let at = self.rows.len();
        self.by_meter.entry(r.meter).or_default().push(at);
        self.by_account.entry(r.account).or_default().push(at);
        self.rows.push(r);
        at
    }

    fn standing(&self, index: &HashMap<i64, Vec<usize>>, key: i64) -> impl Iterator<Item = (usize, &Standing)> {
        index.get(&key).into_iter().flatten().map(|i| (*i, &self.rows[*i])).filter(|(_, r)| r.replaced_by.is_none())
    }

    /// What the checks of a reading of `meter` (at `account`) in `month` see.
    fn past(&self, account: i64, meter: i64, month: &str) -> Past {
        let last = self
            .standing(&self.by_meter, meter)
            .filter(|(_, r)| {
                !r.held
                    && ((r.month.as_str() < month && matches!(r.kind, "real" | "base"))
                        || (r.month == month && r.kind == "base"))
            })
            .max_by(|(a, x), (b, y)| x.order(*a).cmp(&y.order(*b)))
            .map(|(_, r)| Last {
                month: r.month.clone(),
                reading: r.reading,
                peak: r.registers[0],
                flat: r.registers[1],
                valley: r.registers[2],
                reactive: r.registers[3],
            })
            .or_else(|| self.last_before.get(&meter).cloned());
        let mut by_month: BTreeMap<&str, i64> = BTreeMap::new();
        for (_, r) in self.standing(&self.by_account, account) {
            if r.month.as_str() < month && !r.held && matches!(r.kind, "real" | "estimated" | "removal") {
                *by_month.entry(&r.month).or_default() += r.kwh;
            }
        }
        let before = self.history_before.get(&account).into_iter().flatten().copied();
        let history: Vec<i64> = by_month.values().rev().copied().chain(before).take(AVERAGE_MONTHS).collect();
        let estimated_kwh = match &last {
            None => 0,
            Some(l) => {
                let held: i64 = self
                    .standing(&self.by_meter, meter)
                    .filter(|(_, r)| r.kind == "estimated" && r.month > l.month && r.month.as_str() < month)
                    .map(|(_, r)| r.kwh)
                    .sum();
                let earlier: i64 = self
                    .estimates_before
                    .get(&meter)
                    .into_iter()
                    .flatten()
                    .filter(|(m, _)| *m > l.month)
                    .map(|(_, kwh)| kwh)
                    .sum();
                held + earlier
            }
        };
        Past { last, history, estimated_kwh }
    }
}

fn unknown_account() -> Failure {
    Invalid::new("account_no", Rule::new("unknown_account", "没有这个户号", "there is no account of this number"))
        .into()
}

/// The columns a reading is inserted with (the bench's floor writes the
/// same; the generator the first twenty).
pub const READING_COLUMNS: [&str; 25] = [
    "id",
    "account_id",
    "meter_id",
    "month",
    "read_on",
    "reading",
    "kind",
    "status",
    "hold_reason",
    "kwh",
    "rollover",
    "reader",
    "source",
    "created_at",
    "peak",
    "flat",
    "valley",
    "peak_kwh",
    "flat_kwh",
    "valley_kwh",
    "reactive",
    "kvarh",
    "demand_kw",
    "power_factor",
    "replaced_by",
];

/// Checks `entries` in order and writes those that pass in `tx`; each
/// entry's outcome in the same order: what was written, or why it was
/// refused (an invalid field, or `NotFound` for an account outside the
/// reader's books). A failure of the store fails the whole.
pub(super) async fn enter_all(
    (db, tx): (&Db, &mut Tx),
    actor: &Actor,
    entries: &[Entry],
    reader_of_book: Option<UserId>,
    rules: &ReadingRules,
    now: Timestamp,
) -> Result<Vec<Result<Written>>> {
    let numbers: HashSet<&str> = entries.iter().map(|e| e.account_no.trim()).collect();
    let Some(from) = entries.iter().map(|e| month_of(e.read_on)).min() else {
        return Ok(Vec::new());
    };
    let in_scope: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM power_accounts WHERE branch_id IN ({})",
        actor.scope.sql_list()
    )))
    .fetch_one(tx.conn())
    .await?;
    let pass = Pass { whole: numbers.len() as i64 * WHOLE_SHARE >= in_scope };
    let time_of_use: HashSet<String> = tariffs::all(db)
        .await?
        .into_iter()
        .filter(|t| t.basis() == Basis::TimeOfUse)
        .map(|t| t.code().to_string())
        .collect();
    // The accounts; then, looked up by their ids, their books' readers,
    // their billing terms and their meters, each meter with its last real
    // or installation reading before the months the entries read. Read
    // apart and joined here: a county's file reads each table through
    // once, where one query joining them looked every row up in the
    // others (6 s for a million accounts against 2 s).
    let accounts_sql = format!(
        "SELECT id, account_no, branch_id, tariff_code FROM power_accounts WHERE branch_id IN ({})",
        actor.scope.sql_list()
    );
    let mut sorted: Vec<&str> = numbers.iter().copied().collect();
    sorted.sort_unstable();
    let values: Vec<Cell> = sorted.into_iter().map(Cell::from).collect();
    let mut accounts: HashMap<String, Account> = HashMap::new();
    for r in pass.rows(tx, &accounts_sql, "account_no", &values, "").await?.iter() {
        let number = r.text("account_no")?;
        if !numbers.contains(number.as_str()) {
            continue;
        }
        let needs = Needs { time_of_use: time_of_use.contains(&r.text("tariff_code")?), ..Needs::default() };
        let account = Account {
            id: r.i64("id")?,
            branch: BranchId(r.i64("branch_id")?),
            reader: None,
            needs,
            meters: Vec::new(),
        };
        accounts.insert(number, account);
    }
    let mut ids: Vec<i64> = accounts.values().map(|a| a.id).collect();
    ids.sort_unstable();
    let keys: Vec<Cell> = ids.iter().copied().map(Cell::from).collect();
    let mut of_id: HashMap<i64, &mut Account> = accounts.values_mut().map(|a| (a.id, a)).collect();
    let readers = "SELECT x.account_id, b.reader_id FROM power_book_accounts x JOIN power_books b ON b.id = x.book_id \
         WHERE true";
    for r in pass.rows(tx, readers, "x.account_id", &keys, "").await?.iter() {
        if let Some(a) = of_id.get_mut(&r.i64("account_id")?) {
            a.reader = r.opt_i64("reader_id")?;
        }
    }
    let terms = "SELECT account_id, basic_by, pf_standard FROM power_billing_terms WHERE true";
    for r in pass.rows(tx, terms, "account_id", &keys, "").await?.iter() {
        if let Some(a) = of_id.get_mut(&r.i64("account_id")?) {
            a.needs.demand = r.opt_text("basic_by")?.as_deref() == Some("demand");
            a.needs.power_factor = r.opt_i64("pf_standard")?.is_some();
        }
    }
    // A meter's standing readings are one of a kind a month (the partial
    // unique index), and its installation reading comes before any real
    // one of the same month: so month, then kind, orders them, along the
    // index, with no sort of each meter's readings.
    let meters = format!(
        "SELECT m.id AS meter_id, m.account_id, m.meter_no, m.register_digits, m.ct_primary, m.ct_secondary, \
         m.pt_primary, m.pt_secondary, m.removed_on, r.month, r.reading, r.peak, r.flat, r.valley, r.reactive \
         FROM power_meters m LEFT JOIN power_readings r ON r.id = (SELECT q.id FROM power_readings q \
           WHERE q.meter_id = m.id AND q.replaced_by IS NULL AND q.status <> 'held' AND q.kind IN ('real', 'base') \
           AND q.month < '{from}' ORDER BY q.month DESC, q.kind DESC LIMIT 1) \
         WHERE m.account_id IS NOT NULL"
    );
    let mut ledger = Ledger::default();
    for r in pass.rows(tx, &meters, "m.account_id", &keys, "").await?.iter() {
        let Some(a) = of_id.get_mut(&r.i64("account_id")?) else { continue };
        let meter = r.i64("meter_id")?;
        if let Some(month) = r.opt_text("month")? {
            let [peak, flat, valley, reactive] = registers(&r)?;
            let last = Last { month, reading: r.i64("reading")?, peak, flat, valley, reactive };
            ledger.last_before.insert(meter, last);
        }
        a.meters.push(MeterRow {
            id: meter,
            meter_no: r.text("meter_no")?,
            removed: r.opt_text("removed_on")?.is_some(),
            digits: r.i64("register_digits")?,
            ct: (r.i64("ct_primary")?, r.i64("ct_secondary")?),
            pt: (r.i64("pt_primary")?, r.i64("pt_secondary")?),
        });
    }
    drop(of_id);
    for a in accounts.values_mut() {
        a.meters.sort_by_key(|m| std::cmp::Reverse(m.id));
    }
    ledger_of(tx, &mut ledger, ids, &from, pass).await?;
    check_and_write(tx, (&accounts, ledger), entries, reader_of_book, rules, now).await
}

/// Where the entries name at least one account in this many of the
/// scope's, the tables are read through rather than looked up.
const WHOLE_SHARE: i64 = 4;

/// How the lookups go: a batch of keys at a time, or one pass over the
/// whole.
#[derive(Clone, Copy)]
struct Pass {
    whole: bool,
}

impl Pass {
    /// The rows of `sql` (which ends in its WHERE clause) whose `column`
    /// is one of `keys` (sorted, so that each batch reads neighbouring
    /// pages), then `tail`; in one pass, every row of `sql`, the caller
    /// passing over the others.
    async fn rows(self, tx: &mut Tx, sql: &str, column: &str, keys: &[Cell], tail: &str) -> Result<Fetched> {
        if self.whole {
            Ok(bulk::fetch(tx.conn(), &format!("{sql} {tail}"), &[]).await?)
        } else {
            Ok(bulk::fetch_in(tx.conn(), &format!("{sql} AND {column}"), keys, tail).await?)
        }
    }
}

/// A reading row's peak, flat, valley and reactive registers.
fn registers(r: &impl RowExt) -> Result<[Option<i64>; 4]> {
    Ok([r.opt_i64("peak")?, r.opt_i64("flat")?, r.opt_i64("valley")?, r.opt_i64("reactive")?])
}

/// Into the ledger: the standing readings of the accounts `ids` from the
/// month `from` on, and the summaries of the months before it but the
/// meters' last readings (read with the meters).
async fn ledger_of(tx: &mut Tx, ledger: &mut Ledger, mut ids: Vec<i64>, from: &str, pass: Pass) -> Result<()> {
    ids.sort_unstable();
    let ours: HashSet<i64> = ids.iter().copied().collect();
    let ids: Vec<Cell> = ids.into_iter().map(Cell::from).collect();
    // `from` is a month this module formatted (YYYY-MM), so it is written
    // into the statements: the bulk lookups bind only the accounts.
    let held = format!(
        "SELECT id, account_id, meter_id, month, kind, status, reading, kwh, peak, flat, valley, reactive \
         FROM power_readings WHERE replaced_by IS NULL AND month >= '{from}'"
    );
    let fetched = pass.rows(tx, &held, "account_id", &ids, "").await?;
    let mut rows: Vec<FetchedRow> =
        fetched.iter().filter(|r| r.i64("account_id").is_ok_and(|a| ours.contains(&a))).collect();
    rows.sort_by_key(|r| r.i64("id").unwrap_or(0));
    for r in &rows {
        let kind = r.text("kind")?;
        let Some(kind) = STANDS_AS.into_iter().find(|k| *k == kind) else { continue };
        ledger.push(Standing {
            id: Some(r.i64("id")?),
            account: r.i64("account_id")?,
            meter: r.i64("meter_id")?,
            month: r.text("month")?,
            kind,
            held: r.text("status")? == "held",
            reading: r.i64("reading")?,
            kwh: r.i64("kwh")?,
            registers: registers(r)?,
            replaced_by: None,
        });
    }
    let estimates = format!(
        "SELECT account_id, meter_id, month, kwh FROM power_readings WHERE kind = 'estimated' AND replaced_by IS NULL \
         AND month < '{from}'"
    );
    for r in pass.rows(tx, &estimates, "account_id", &ids, "").await?.iter() {
        if !ours.contains(&r.i64("account_id")?) {
            continue;
        }
        ledger.estimates_before.entry(r.i64("meter_id")?).or_default().push((r.text("month")?, r.i64("kwh")?));
    }
    // The kWh of each account's last months with readings, one row an
    // account: the months summed, numbered from the latest, the first six
    // side by side.
    let latest = (1..=AVERAGE_MONTHS).map(|n| format!("MAX(CASE WHEN n = {n} THEN kwh END) AS h{n}"));
    let history = format!(
        "SELECT account_id, {} FROM (SELECT account_id, kwh, ROW_NUMBER() OVER (PARTITION BY account_id \
         ORDER BY month DESC) AS n FROM (SELECT account_id, month, CAST(SUM(kwh) AS BIGINT) AS kwh \
         FROM power_readings WHERE month < '{from}' AND replaced_by IS NULL \
         AND kind IN ('real', 'estimated', 'removal') AND status <> 'held'",
        latest.collect::<Vec<_>>().join(", ")
    );
    let tail = format!("GROUP BY account_id, month) g) t WHERE n <= {AVERAGE_MONTHS} GROUP BY account_id");
    for r in pass.rows(tx, &history, "account_id", &ids, &tail).await?.iter() {
        if !ours.contains(&r.i64("account_id")?) {
            continue;
        }
        let months =
            (1..=AVERAGE_MONTHS).map(|n| r.opt_i64(&format!("h{n}"))).collect::<std::result::Result<Vec<_>, _>>()?;
        ledger.history_before.insert(r.i64("account_id")?, months.into_iter().flatten().collect());
    }
    Ok(())
}

/// The checks of each entry in order against the ledger, which takes in
/// each entry that passes; then the writes.
async fn check_and_write(
    tx: &mut Tx,
    (accounts, mut ledger): (&HashMap<String, Account>, Ledger),
    entries: &[Entry],
    reader_of_book: Option<UserId>,
    rules: &ReadingRules,
    now: Timestamp,
) -> Result<Vec<Result<Written>>> {
    // Per entry: its outcome, or (for one that passed) its row's index in
    // the ledger and its cells, whose id is filled in once reserved.
    let mut outcomes: Vec<Result<Written>> = Vec::with_capacity(entries.len());
    let mut fresh: Vec<(usize, usize, Vec<Cell>)> = Vec::new();
    let at = instant_text(now);
    for e in entries {
        let checked = (|| {
            let number = e.account_no.trim();
            let a = accounts.get(number).ok_or_else(unknown_account)?;
            if let Some(me) = reader_of_book
                && a.reader != Some(me.0)
            {
                return Err(Failure::NotFound);
            }
            let current = Reading::parse("reading", &e.reading)?;
            let month = month_of(e.read_on);
            let meter = meter_of(&a.meters, e.meter_no.as_deref())?;
            meter.register.check("reading", current)?;
            let past = ledger.past(a.id, meter.id, &month);
            let decided: Decided = decide(&meter, current, e.kind, &past, rules)?;
            let extra = decide_extra(&meter, &e.extra, decided.kind, a.needs, past.last.as_ref(), rules)?;
            Ok((a, month, meter.id, current, decided, extra))
        })();
        let (a, month, meter, current, decided, extra) = match checked {
            Ok(c) => c,
            Err(e) => {
                outcomes.push(Err(e));
                continue;
            }
        };
        let kind = decided.kind.code();
        // A reading of the same kind this month stands already: this one corrects it.
        let before = ledger.standing(&ledger.by_meter, meter).find(|(_, r)| r.month == month && r.kind == kind);
        let before = before.map(|(i, _)| i);
        let registers = extra.registers;
        let row = ledger.push(Standing {
            id: None,
            account: a.id,
            meter,
            month: month.clone(),
            kind,
            held: decided.status == "held",
            reading: current.hundredths(),
            kwh: decided.kwh,
            registers: [
                registers.map(|r| r[0].0),
                registers.map(|r| r[1].0),
                registers.map(|r| r[2].0),
                extra.reactive.map(|r| r.0),
            ],
            replaced_by: None,
        });
        if let Some(old) = before {
            ledger.rows[old].replaced_by = Some(fresh.len());
        }
        let cells = vec![
            Cell::Int(None),
            a.id.into(),
            meter.into(),
            month.clone().into(),
            e.read_on.to_string().into(),
            current.hundredths().into(),
            kind.into(),
            decided.status.into(),
            decided.hold.into(),
            decided.kwh.into(),
            decided.rollover.into(),
            e.reader.as_str().into(),
            e.source.into(),
            at.as_str().into(),
            registers.map(|r| r[0].0).into(),
            registers.map(|r| r[1].0).into(),
            registers.map(|r| r[2].0).into(),
            registers.and_then(|r| r[0].1).into(),
            registers.and_then(|r| r[1].1).into(),
            registers.and_then(|r| r[2].1).into(),
            extra.reactive.map(|r| r.0).into(),
            extra.reactive.and_then(|r| r.1).into(),
            extra.demand_kw.into(),
            extra.power_factor.into(),
        ];
        outcomes.push(Ok(Written {
            id: 0,
            account_no: e.account_no.trim().to_string(),
            branch: a.branch,
            replaces: None,
            month,
            reading: current.to_string(),
            kind,
            status: decided.status,
            kwh: decided.kwh,
        }));
        fresh.push((outcomes.len() - 1, row, cells));
    }
    let ids = tx.reserve_ids("power_readings", fresh.len()).await?;
    // Every reading replaced: the stored ones by an UPDATE before the
    // inserts (one reading of a kind stands at any moment), the ones entered
    // now in their own row.
    let mut stored_replaced = Vec::new();
    for r in &ledger.rows {
        if let (Some(id), Some(by)) = (r.id, r.replaced_by) {
            stored_replaced.push(vec![Cell::from(id), Cell::from(ids[by])]);
        }
    }
    let row_of: HashMap<usize, usize> = fresh.iter().enumerate().map(|(n, (_, row, _))| (*row, n)).collect();
    let outcome_of: Vec<usize> = fresh.iter().map(|(outcome, _, _)| *outcome).collect();
    let mut rows = Vec::with_capacity(fresh.len());
    for (n, (outcome, row, mut cells)) in fresh.into_iter().enumerate() {
        cells[0] = Cell::from(ids[n]);
        let replaced = ledger.rows[row].replaced_by.map(|by| ids[by]);
        rows.push((cells, replaced));
        if let Ok(w) = &mut outcomes[outcome] {
            w.id = ids[n];
        }
    }
    // Which reading each new one replaces, for its audit.
    for (old, standing) in ledger.rows.iter().enumerate() {
        let Some(by) = standing.replaced_by else { continue };
        let old_id = standing.id.or_else(|| row_of.get(&old).map(|n| ids[*n]));
        if let Ok(w) = &mut outcomes[outcome_of[by]] {
            w.replaces = old_id;
        }
    }
    if !stored_replaced.is_empty() {
        bulk::with_values(
            tx.conn(),
            "UPDATE power_readings SET replaced_by = v.column2 FROM (VALUES {values}) AS v WHERE power_readings.id = v.column1",
            2,
            stored_replaced,
        )
        .await?;
    }
    let rows: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|(mut cells, replaced)| {
            cells.push(Cell::from(replaced));
            cells
        })
        .collect();
    bulk::insert(tx.conn(), "power_readings", &READING_COLUMNS, rows, "").await?;
    Ok(outcomes)
}
