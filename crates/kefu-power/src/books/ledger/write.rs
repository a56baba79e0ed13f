//! The checks of each entry in order and the writes of those that pass,
//! a chunk at a time, each chunk written while the next is checked.

use std::collections::HashMap;

use jiff::Timestamp;
use kefu_core::ids::UserId;
use kefu_core::time::instant_text;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Failure, Tx};

use super::{Account, Known, Ledger, READING_COLUMNS, Result, Standing, Written, unknown_account};
use crate::books::store::{Decided, Entry, decide, decide_extra, meter_of, month_of};
use crate::readings::{Reading, ReadingRules};

/// How many entries are checked while the ones before them are written.
const CHUNK: usize = 1 << 16;

/// The checks of each entry in order against the ledger, which takes in
/// each entry that passes; then the writes, a chunk of entries at a time,
/// each written while the next is checked: the database writes on its own
/// thread (or server) while this one checks.
pub(super) async fn check_and_write(
    tx: &mut Tx,
    Known { accounts, ledger }: Known,
    entries: &[Entry],
    reader_of_book: Option<UserId>,
    rules: &ReadingRules,
    now: Timestamp,
) -> Result<Vec<Result<Written>>> {
    // An id for every entry, so that a reading's id is known as it passes:
    // those of the entries refused are left unused.
    let ids = tx.reserve_ids("power_readings", entries.len()).await?;
    let mut checking = Checking {
        accounts: &accounts,
        ledger,
        reader_of_book,
        rules,
        at: instant_text(now),
        ids,
        outcomes: Vec::with_capacity(entries.len()),
        written: 0,
        pending: Vec::new(),
        replaced: Vec::new(),
    };
    let mut chunks = entries.chunks(CHUNK);
    if let Some(first) = chunks.next() {
        checking.check(first);
    }
    loop {
        let (rows, replaced) = checking.take();
        // Every reading replaced by one of these, stored or written with a
        // chunk before: marked first, since one reading of a kind stands at
        // any moment (the partial unique index).
        if !replaced.is_empty() {
            bulk::with_values(
                tx.conn(),
                "UPDATE power_readings SET replaced_by = v.column2 FROM (VALUES {values}) AS v \
                 WHERE power_readings.id = v.column1",
                2,
                replaced,
            )
            .await?;
        }
        let next = chunks.next();
        if rows.is_empty() {
            match next {
                Some(chunk) => checking.check(chunk),
                None => break,
            }
            continue;
        }
        let (done, ()) = bulk::insert_while(tx.conn(), "power_readings", &READING_COLUMNS, rows, "", || {
            if let Some(chunk) = next {
                checking.check(chunk);
            }
        })
        .await;
        done?;
        if next.is_none() {
            break;
        }
    }
    Ok(checking.outcomes)
}

/// The checks under way: what they know, and the outcomes so far.
struct Checking<'a> {
    accounts: &'a HashMap<String, Account>,
    ledger: Ledger,
    reader_of_book: Option<UserId>,
    rules: &'a ReadingRules,
    /// The instant written as every reading's creation.
    at: String,
    /// The ids of the readings written, in order.
    ids: Vec<i64>,
    outcomes: Vec<Result<Written>>,
    /// How many readings passed.
    written: usize,
    /// The rows of the readings passed since the last [`Checking::take`].
    pending: Vec<Vec<Cell>>,
    /// Readings written before those pending, or stored, and replaced by
    /// one of them: (its id, the new one's).
    replaced: Vec<Vec<Cell>>,
}

impl Checking<'_> {
    /// The rows to write and the readings they replace, taken out.
    fn take(&mut self) -> (Vec<Vec<Cell>>, Vec<Vec<Cell>>) {
        (std::mem::take(&mut self.pending), std::mem::take(&mut self.replaced))
    }

    /// Checks `entries` in order, each against the ledger.
    fn check(&mut self, entries: &[Entry]) {
        self.pending.reserve(entries.len());
        for e in entries {
            let outcome = self.check_one(e);
            self.outcomes.push(outcome);
        }
    }

    /// Checks one entry; if it passes, takes it into the ledger and the
    /// rows to write.
    fn check_one(&mut self, e: &Entry) -> Result<Written> {
        let number = e.account_no.trim();
        let a = self.accounts.get(number).ok_or_else(unknown_account)?;
        if let Some(me) = self.reader_of_book
            && a.reader != Some(me.0)
        {
            return Err(Failure::NotFound);
        }
        let current = Reading::parse("reading", &e.reading)?;
        let month = month_of(e.read_on);
        let meter = meter_of(&a.meters, e.meter_no.as_deref())?;
        meter.register.check("reading", current)?;
        let past = self.ledger.past(a.id, meter.id, &month);
        let decided: Decided = decide(&meter, current, e.kind, &past, self.rules)?;
        let extra = decide_extra(&meter, &e.extra, decided.kind, a.needs, past.last.as_ref(), self.rules)?;
        let kind = decided.kind.code();
        let (fresh, id) = (self.written, self.ids[self.written]);
        self.written += 1;
        // A reading of the same kind this month stands already: this one corrects it.
        let before =
            self.ledger.standing(&self.ledger.by_meter, meter.id).find(|(_, r)| r.month == month && r.kind == kind);
        let replaces = before.map(|(old, r)| (old, r.id, r.fresh));
        let registers = extra.registers;
        self.ledger.push(Standing {
            id,
            fresh: Some(fresh),
            account: a.id,
            meter: meter.id,
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
            replaced: false,
        });
        if let Some((old, old_id, old_fresh)) = replaces {
            self.ledger.rows[old].replaced = true;
            // One still to write says so in its row; any other is marked.
            let first_pending = self.written - 1 - self.pending.len();
            match old_fresh {
                Some(f) if f >= first_pending => self.pending[f - first_pending][REPLACED_BY] = Cell::from(id),
                _ => self.replaced.push(vec![Cell::from(old_id), Cell::from(id)]),
            }
        }
        self.pending.push(vec![
            Cell::from(id),
            a.id.into(),
            meter.id.into(),
            month.as_str().into(),
            e.read_on.to_string().into(),
            current.hundredths().into(),
            kind.into(),
            decided.status.into(),
            decided.hold.into(),
            decided.kwh.into(),
            decided.rollover.into(),
            e.reader.as_str().into(),
            e.source.into(),
            self.at.as_str().into(),
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
            Cell::Int(None),
        ]);
        Ok(Written {
            id,
            account_no: number.to_string(),
            branch: a.branch,
            replaces: replaces.map(|(_, old_id, _)| old_id),
            month,
            reading: current.to_string(),
            kind,
            status: decided.status,
            kwh: decided.kwh,
        })
    }
}

/// Where [`READING_COLUMNS`] has `replaced_by`.
const REPLACED_BY: usize = READING_COLUMNS.len() - 1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::source;
    use crate::books::store::{Extra, Kind, MeterRow};
    use kefu_core::ids::BranchId;

    /// A reading entered three times in a month: the first written with a
    /// chunk before, the other two checked together.
    #[test]
    fn a_reading_replaced_is_marked_by_an_update_once_written_and_in_its_row_while_pending() {
        let meter = MeterRow { id: 10, meter_no: "M-1".into(), removed: false, digits: 6, ct: (1, 1), pt: (1, 1) };
        let account =
            Account { id: 1, branch: BranchId(1), reader: None, needs: Default::default(), meters: vec![meter] };
        let accounts = HashMap::from([("0001".to_string(), account)]);
        let rules = ReadingRules::default();
        let mut checking = Checking {
            accounts: &accounts,
            ledger: Ledger::default(),
            reader_of_book: None,
            rules: &rules,
            at: "2026-11-25T00:00:00Z".into(),
            ids: vec![101, 102, 103],
            outcomes: Vec::new(),
            written: 0,
            pending: Vec::new(),
            replaced: Vec::new(),
        };
        let entry = |reading: &str| Entry {
            account_no: "0001".into(),
            meter_no: None,
            reading: reading.into(),
            read_on: jiff::civil::date(2026, 11, 25),
            kind: Kind::Base,
            reader: "王五".into(),
            source: source::IMPORT,
            extra: Extra::default(),
        };
        let id = |c: &Cell| match c {
            Cell::Int(v) => *v,
            Cell::Text(_) => panic!("an id is an integer"),
        };
        checking.check(&[entry("1000")]);
        let (first, replaced) = checking.take();
        assert_eq!((first.len(), replaced.len()), (1, 0));
        assert_eq!((id(&first[0][0]), id(&first[0][REPLACED_BY])), (Some(101), None));
        checking.check(&[entry("1010"), entry("1020")]);
        let (rows, replaced) = checking.take();
        // 101 went in with the chunk before: an update marks it.
        let marked: Vec<_> = replaced.iter().map(|r| (id(&r[0]), id(&r[1]))).collect();
        assert_eq!(marked, [(Some(101), Some(102))]);
        // 102 is still to write: its row says so; 103 stands.
        let written: Vec<_> = rows.iter().map(|r| (id(&r[0]), id(&r[REPLACED_BY]))).collect();
        assert_eq!(written, [(Some(102), Some(103)), (Some(103), None)]);
        let replaces: Vec<_> = checking.outcomes.iter().map(|o| o.as_ref().unwrap().replaces).collect();
        assert_eq!(replaces, [None, Some(101), Some(102)]);
        let standing: Vec<i64> = checking.ledger.standing(&checking.ledger.by_meter, 10).map(|(_, r)| r.id).collect();
        assert_eq!(standing, [103]);
    }
}
