//! Readings entered in sets: a handheld's file of a month's readings for a
//! whole county, or one reading typed on the page. Whatever the number,
//! the accounts, their meters and the readings the checks need are read in
//! a few set-based queries ([`read`]); each entry is then checked in
//! memory in the order given, against what the store held and the entries
//! before it (a file may hold an account's October reading and then its
//! November one); and the entries that pass are written in the caller's
//! transaction ([`write`]). An entry refused leaves nothing; the caller
//! audits and commits.
//!
//! The checks see what the per-reading SQL saw: readings of the months
//! from the earliest entry's on are held in memory, the ones before it
//! summed per meter (the last real or installation reading, the estimates
//! billed) and per account (the kWh of its last months with readings).

mod read;
mod write;

pub(super) use read::read_ahead;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use kefu_core::ids::{BranchId, UserId};
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Db, Failure, Tx};

use super::store::{AVERAGE_MONTHS, Entry, Last, MeterRow, Needs, Past};
use crate::readings::ReadingRules;
use write::check_and_write;

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
    /// Its id: stored, or reserved for it when entered now.
    id: i64,
    /// Entered now: its index among the readings written.
    fresh: Option<usize>,
    account: i64,
    meter: i64,
    month: String,
    kind: &'static str,
    held: bool,
    reading: i64,
    kwh: i64,
    registers: [Option<i64>; 4],
    /// Replaced by a reading entered now.
    replaced: bool,
}

impl Standing {
    /// Where the checks' SQL orders it: by month, a real reading after the
    /// installation one of its month, then by id, the readings entered now
    /// after every stored one, in their order (`at`, in the ledger).
    fn order(&self, at: usize) -> (&str, bool, i64) {
        let id = if self.fresh.is_some() { i64::MAX / 2 + at as i64 } else { self.id };
        (&self.month, self.kind == "real", id)
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
        index.get(&key).into_iter().flatten().map(|i| (*i, &self.rows[*i])).filter(|(_, r)| !r.replaced)
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

/// What the checks know before the first entry: the accounts the entries
/// name, by number, and the ledger of their readings.
pub(super) struct Known {
    accounts: HashMap<String, Account>,
    ledger: Ledger,
}

/// [`Known`] read before the transaction that writes the entries, when the
/// audit log's last id was `seen`.
pub(super) struct ReadAhead {
    seen: i64,
    known: Known,
}

/// Checks `entries` in order and writes those that pass in `tx`; each
/// entry's outcome in the same order: what was written, or why it was
/// refused (an invalid field, or `NotFound` for an account outside the
/// reader's books). What the checks need is `ahead`, read before `tx`
/// began, when nobody has committed since; otherwise it is read in `tx`.
/// A failure of the store fails the whole.
pub(super) async fn enter_all(
    (db, tx): (&Db, &mut Tx),
    actor: &Actor,
    entries: &[Entry],
    ahead: Option<ReadAhead>,
    reader_of_book: Option<UserId>,
    rules: &ReadingRules,
    now: Timestamp,
) -> Result<Vec<Result<Written>>> {
    let known = match ahead {
        Some(a) if a.seen == kefu_store::last_audit_id(tx.conn()).await? => a.known,
        _ => match read::read_in(db, tx.conn(), actor, entries).await? {
            Some(known) => known,
            None => return Ok(Vec::new()),
        },
    };
    check_and_write(tx, known, entries, reader_of_book, rules, now).await
}
