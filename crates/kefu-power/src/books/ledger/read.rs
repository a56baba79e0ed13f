//! What the checks read: the accounts the entries name, their meters, and
//! the readings the checks compare with, in seven set-based queries.
//!
//! The accounts are looked up in key order, a batch of neighbours at a
//! time (one statement per 30,000 accounts); where the entries name a good
//! part of the accounts in the reader's scope (a county's month from the
//! handhelds), the tables are read through once instead and the rows of
//! other accounts passed over: a million lookups all over the file take a
//! minute where one pass takes seconds. Such a file's reads are made side
//! by side before its transaction begins ([`read_ahead`]).

use std::collections::{HashMap, HashSet};

use kefu_core::Actor;
use kefu_core::ids::BranchId;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Backend, Db, Failure, Fetched, RowExt};
use sqlx::AnyConnection;

use super::{Account, Known, Ledger, ReadAhead, Result, STANDS_AS, Standing};
use crate::books::store::{AVERAGE_MONTHS, Entry, Last, MeterRow, Needs, month_of};
use crate::tariffs::{Basis, store as tariffs};

/// What the checks of `entries` need, read before the transaction that
/// writes them, the seven reads side by side on reading connections: on
/// SQLite, for a file naming a good part of the accounts in scope (a
/// county's month), while the one writer would leave the second core idle.
/// None otherwise, or for no entries: [`enter_all`] reads in its
/// transaction. PostgreSQL's writers interleave and its audit ids are not
/// taken in commit order, so the audit log cannot tell there that nothing
/// changed meanwhile.
pub(in crate::books) async fn read_ahead(db: &Db, actor: &Actor, entries: &[Entry]) -> Result<Option<ReadAhead>> {
    let Some(wanted) = Wanted::of(entries) else { return Ok(None) };
    if db.backend() != Backend::Sqlite {
        return Ok(None);
    }
    let mut conn = db.pool().acquire().await?;
    // Taken before any read begins: a commit after it moves the log on.
    let seen = kefu_store::last_audit_id(&mut conn).await?;
    if !wanted.pass(&mut conn, actor).await?.whole {
        return Ok(None);
    }
    drop(conn);
    let time_of_use = std::sync::Arc::new(time_of_use(db).await?);
    // Each read fetched and made into its part on its own: the fetch on
    // its connection's thread, the part on a thread for such work.
    let handles = reads(actor, &wanted.from).map(|read| {
        let (db, time_of_use) = (db.clone(), time_of_use.clone());
        tokio::spawn(async move {
            let mut conn = db.pool().acquire().await?;
            let rows = bulk::fetch(&mut conn, &format!("{} {}", read.sql, read.tail), &[]).await?;
            drop(conn);
            let made = tokio::task::spawn_blocking(move || {
                let mut part = Parts::default();
                part.take(read.part, &rows, &time_of_use).map(|()| part)
            });
            made.await.map_err(|e| Failure::from(kefu_store::StoreError::Other(e.to_string())))?
        })
    });
    let mut parts = Parts::default();
    for h in handles {
        // A read that failed is made again in the transaction, where what
        // failed is reported.
        let Ok(Ok(part)) = h.await else { return Ok(None) };
        parts.absorb(part);
    }
    Ok(Some(ReadAhead { seen, known: parts.known(&wanted.numbers) }))
}

/// What the checks of `entries` need, read on `conn` (the transaction that
/// writes them); none for no entries.
pub(super) async fn read_in(
    db: &Db,
    conn: &mut AnyConnection,
    actor: &Actor,
    entries: &[Entry],
) -> Result<Option<Known>> {
    let Some(wanted) = Wanted::of(entries) else { return Ok(None) };
    let pass = wanted.pass(conn, actor).await?;
    let time_of_use = time_of_use(db).await?;
    let parts = parts_in(conn, pass, reads(actor, &wanted.from), &wanted.numbers, &time_of_use).await?;
    Ok(Some(parts.known(&wanted.numbers)))
}

/// The accounts the entries name and the first month they read.
struct Wanted<'a> {
    numbers: HashSet<&'a str>,
    from: String,
}

impl<'a> Wanted<'a> {
    fn of(entries: &'a [Entry]) -> Option<Wanted<'a>> {
        let from = entries.iter().map(|e| month_of(e.read_on)).min()?;
        Some(Wanted { numbers: entries.iter().map(|e| e.account_no.trim()).collect(), from })
    }

    /// Whether the tables are read through or looked up, by the share of
    /// the accounts in scope the entries name.
    async fn pass(&self, conn: &mut AnyConnection, actor: &Actor) -> Result<Pass> {
        let in_scope: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM power_accounts WHERE branch_id IN ({})",
            actor.scope.sql_list()
        )))
        .fetch_one(conn)
        .await?;
        Ok(Pass { whole: self.numbers.len() as i64 * WHOLE_SHARE >= in_scope })
    }
}

/// The codes of the time-of-use tariffs.
async fn time_of_use(db: &Db) -> Result<HashSet<String>> {
    Ok(tariffs::all(db)
        .await?
        .into_iter()
        .filter(|t| t.basis() == Basis::TimeOfUse)
        .map(|t| t.code().to_string())
        .collect())
}

/// What each read gives.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Accounts,
    Readers,
    Terms,
    Meters,
    Held,
    Estimates,
    History,
}

/// One read the checks make: `{sql} AND {key} IN (…) {tail}` looked up,
/// `{sql} {tail}` read through.
struct Read {
    part: Part,
    sql: String,
    key: &'static str,
    tail: String,
}

/// The reads, the accounts by number first, the others by the accounts'
/// ids: the accounts in `actor`'s scope; their books' readers, their
/// billing terms and their meters, each meter with its last real or
/// installation reading before `from`; their standing readings from `from`
/// on, and the summaries of the months before it (the estimates, the kWh
/// of the last months). Read apart and joined in [`Parts::known`]: a
/// county's file reads each table through once, where one query joining
/// them looked every row up in the others (6 s for a million accounts
/// against 2 s). `from` is a month this module formatted (YYYY-MM), so it
/// is written into the statements: the lookups bind only the keys.
fn reads(actor: &Actor, from: &str) -> [Read; 7] {
    let read = |part, sql: String, key| Read { part, sql, key, tail: String::new() };
    let accounts = format!(
        "SELECT id, account_no, branch_id, tariff_code FROM power_accounts WHERE branch_id IN ({})",
        actor.scope.sql_list()
    );
    let readers = "SELECT x.account_id, b.reader_id FROM power_book_accounts x \
         JOIN power_books b ON b.id = x.book_id WHERE true";
    let terms = "SELECT account_id, basic_by, pf_standard FROM power_billing_terms WHERE true";
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
    let held = format!(
        "SELECT id, account_id, meter_id, month, kind, status, reading, kwh, peak, flat, valley, reactive \
         FROM power_readings WHERE replaced_by IS NULL AND month >= '{from}'"
    );
    let estimates = format!(
        "SELECT account_id, meter_id, month, kwh FROM power_readings WHERE kind = 'estimated' AND replaced_by IS NULL \
         AND month < '{from}'"
    );
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
    [
        read(Part::Accounts, accounts, "account_no"),
        read(Part::Readers, readers.to_string(), "x.account_id"),
        read(Part::Terms, terms.to_string(), "account_id"),
        read(Part::Meters, meters, "m.account_id"),
        read(Part::Held, held, "account_id"),
        read(Part::Estimates, estimates, "account_id"),
        Read { part: Part::History, sql: history, key: "account_id", tail },
    ]
}

/// The parts of `reads` on `conn`, one after another: the accounts by the
/// entries' `numbers`, then the others by the ids of those in scope.
async fn parts_in(
    conn: &mut AnyConnection,
    pass: Pass,
    reads: [Read; 7],
    numbers: &HashSet<&str>,
    time_of_use: &HashSet<String>,
) -> Result<Parts> {
    let mut sorted: Vec<&str> = numbers.iter().copied().collect();
    sorted.sort_unstable();
    let mut keys: Vec<Cell> = sorted.into_iter().map(Cell::from).collect();
    let mut parts = Parts::default();
    for read in reads {
        parts.take(read.part, &pass.rows(conn, &read, &keys).await?, time_of_use)?;
        if read.part == Part::Accounts {
            let mut ids: Vec<i64> = parts.accounts.values().map(|a| a.id).collect();
            ids.sort_unstable();
            keys = ids.into_iter().map(Cell::from).collect();
        }
    }
    Ok(parts)
}

/// The reads' rows as the checks look them up, of the accounts the entries
/// name and (when the tables were read through) of others.
#[derive(Default)]
struct Parts {
    accounts: HashMap<String, Account>,
    /// Per account: its book's reader.
    readers: HashMap<i64, Option<i64>>,
    /// Per account: its basic charge is on demand; it is judged on its
    /// power factor.
    terms: HashMap<i64, (bool, bool)>,
    /// Per account: its meters.
    meters: HashMap<i64, Vec<MeterRow>>,
    /// Per meter: its last real or installation reading before the months held.
    last_before: HashMap<i64, Last>,
    /// The standing readings of the months held, by id.
    held: Vec<Standing>,
    /// The estimates before the months held: account, meter, month, kWh.
    estimates: Vec<(i64, i64, String, i64)>,
    /// Per account: the kWh of its last months with readings before the
    /// months held, latest first.
    history: HashMap<i64, Vec<i64>>,
}

impl Parts {
    /// Takes in the rows of a read of `part`.
    fn take(&mut self, part: Part, rows: &Fetched, time_of_use: &HashSet<String>) -> Result<()> {
        match part {
            Part::Accounts => {
                self.accounts.reserve(rows.len());
                for r in rows.iter() {
                    let needs =
                        Needs { time_of_use: time_of_use.contains(&r.text("tariff_code")?), ..Needs::default() };
                    let account = Account {
                        id: r.i64("id")?,
                        branch: BranchId(r.i64("branch_id")?),
                        reader: None,
                        needs,
                        meters: Vec::new(),
                    };
                    self.accounts.insert(r.text("account_no")?, account);
                }
            }
            Part::Readers => {
                self.readers.reserve(rows.len());
                for r in rows.iter() {
                    self.readers.insert(r.i64("account_id")?, r.opt_i64("reader_id")?);
                }
            }
            Part::Terms => {
                for r in rows.iter() {
                    let demand = r.opt_text("basic_by")?.as_deref() == Some("demand");
                    self.terms.insert(r.i64("account_id")?, (demand, r.opt_i64("pf_standard")?.is_some()));
                }
            }
            Part::Meters => {
                self.meters.reserve(rows.len());
                for r in rows.iter() {
                    let meter = r.i64("meter_id")?;
                    if let Some(month) = r.opt_text("month")? {
                        let [peak, flat, valley, reactive] = registers(&r)?;
                        let last = Last { month, reading: r.i64("reading")?, peak, flat, valley, reactive };
                        self.last_before.insert(meter, last);
                    }
                    self.meters.entry(r.i64("account_id")?).or_default().push(MeterRow {
                        id: meter,
                        meter_no: r.text("meter_no")?,
                        removed: r.opt_text("removed_on")?.is_some(),
                        digits: r.i64("register_digits")?,
                        ct: (r.i64("ct_primary")?, r.i64("ct_secondary")?),
                        pt: (r.i64("pt_primary")?, r.i64("pt_secondary")?),
                    });
                }
            }
            Part::Held => {
                for r in rows.iter() {
                    let kind = r.text("kind")?;
                    let Some(kind) = STANDS_AS.into_iter().find(|k| *k == kind) else { continue };
                    self.held.push(Standing {
                        id: r.i64("id")?,
                        fresh: None,
                        account: r.i64("account_id")?,
                        meter: r.i64("meter_id")?,
                        month: r.text("month")?,
                        kind,
                        held: r.text("status")? == "held",
                        reading: r.i64("reading")?,
                        kwh: r.i64("kwh")?,
                        registers: registers(&r)?,
                        replaced: false,
                    });
                }
                self.held.sort_by_key(|s| s.id);
            }
            Part::Estimates => {
                for r in rows.iter() {
                    let row = (r.i64("account_id")?, r.i64("meter_id")?, r.text("month")?, r.i64("kwh")?);
                    self.estimates.push(row);
                }
            }
            Part::History => {
                let columns: Vec<String> = (1..=AVERAGE_MONTHS).map(|n| format!("h{n}")).collect();
                self.history.reserve(rows.len());
                for r in rows.iter() {
                    let mut months = Vec::with_capacity(AVERAGE_MONTHS);
                    for c in &columns {
                        months.extend(r.opt_i64(c)?);
                    }
                    self.history.insert(r.i64("account_id")?, months);
                }
            }
        }
        Ok(())
    }

    /// Takes in another's parts: each read fills fields of its own and
    /// leaves the others empty.
    fn absorb(&mut self, other: Parts) {
        let Parts { accounts, readers, terms, meters, last_before, held, estimates, history } = other;
        if !accounts.is_empty() {
            self.accounts = accounts;
        }
        if !readers.is_empty() {
            self.readers = readers;
        }
        if !terms.is_empty() {
            self.terms = terms;
        }
        if !meters.is_empty() {
            (self.meters, self.last_before) = (meters, last_before);
        }
        if !held.is_empty() {
            self.held = held;
        }
        if !estimates.is_empty() {
            self.estimates = estimates;
        }
        if !history.is_empty() {
            self.history = history;
        }
    }

    /// What the checks know of the accounts `numbers`.
    fn known(mut self, numbers: &HashSet<&str>) -> Known {
        self.accounts.retain(|number, _| numbers.contains(number.as_str()));
        let ours: HashSet<i64> = self.accounts.values().map(|a| a.id).collect();
        for a in self.accounts.values_mut() {
            a.reader = self.readers.get(&a.id).copied().flatten();
            if let Some((demand, power_factor)) = self.terms.get(&a.id) {
                (a.needs.demand, a.needs.power_factor) = (*demand, *power_factor);
            }
            a.meters = self.meters.remove(&a.id).unwrap_or_default();
            a.meters.sort_by_key(|m| std::cmp::Reverse(m.id));
        }
        let mut ledger = Ledger { last_before: self.last_before, history_before: self.history, ..Ledger::default() };
        for s in self.held.into_iter().filter(|s| ours.contains(&s.account)) {
            ledger.push(s);
        }
        for (account, meter, month, kwh) in self.estimates {
            if ours.contains(&account) {
                ledger.estimates_before.entry(meter).or_default().push((month, kwh));
            }
        }
        Known { accounts: self.accounts, ledger }
    }
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
    /// The rows of `read` whose key is one of `keys` (sorted, so that each
    /// batch reads neighbouring pages); in one pass, every row of `read`,
    /// the caller passing over the others.
    async fn rows(self, conn: &mut AnyConnection, read: &Read, keys: &[Cell]) -> Result<Fetched> {
        if self.whole {
            Ok(bulk::fetch(conn, &format!("{} {}", read.sql, read.tail), &[]).await?)
        } else {
            Ok(bulk::fetch_in(conn, &format!("{} AND {}", read.sql, read.key), keys, &read.tail).await?)
        }
    }
}

/// A reading row's peak, flat, valley and reactive registers.
fn registers(r: &impl RowExt) -> Result<[Option<i64>; 4]> {
    Ok([r.opt_i64("peak")?, r.opt_i64("flat")?, r.opt_i64("valley")?, r.opt_i64("reactive")?])
}
