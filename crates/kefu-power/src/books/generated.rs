//! The reading books and readings of `kefu gen --packs power`: every
//! station's active metered accounts in books of [`BOOK_SIZE`] in the order
//! they were planned, and each of their meters read on the 25th of the two
//! months before today's, the time-of-use meters with their peak, flat and
//! valley registers, so that last month bills as it stands (the billing
//! run refuses a time-of-use reading without its registers) and this
//! month's readings check against the last.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_store::bulk::Cell;
use kefu_store::{Rows, Tx, bulk};

use super::month_of;
use crate::accounts::StationPrefix;
use crate::archive::NewMeter;
use crate::readings::{Multiplier, Ratio};

/// Accounts a generated book holds.
pub(crate) const BOOK_SIZE: usize = 500;

/// The reading day of the generated books.
const READING_DAY: i8 = 25;

/// A generated reading's columns: the first twenty a reading is inserted
/// with (no reactive register, demand, power factor or replacement).
pub(crate) const READING_INSERT: &[&str] = super::ledger::READING_COLUMNS.split_at(20).0;

pub(crate) const BOOK_ACCOUNT_INSERT: [&str; 3] = ["book_id", "account_id", "route_order"];

/// Where the generated books' ids begin, station by station.
pub(crate) struct Books {
    /// The first book's id of each station, in the stations' order.
    first: Vec<i64>,
}

impl Books {
    /// The book and route order of station `s`'s `k`th account (from 0).
    pub(crate) fn place(&self, s: usize, k: usize) -> (i64, i64) {
        (self.first[s] + (k / BOOK_SIZE) as i64, (k % BOOK_SIZE) as i64 + 1)
    }
}

/// Writes the books of a county of `count` accounts spread over
/// `stations` in turn (the `i`th account is station `i % n`'s `i / n`th),
/// ids from `first_id`.
pub(crate) async fn create_in(
    tx: &mut Tx,
    stations: &[(BranchId, StationPrefix)],
    count: usize,
    first_id: i64,
    now: &str,
) -> kefu_store::Result<Books> {
    let n = stations.len().max(1);
    let (mut rows, mut first, mut id) = (Vec::new(), Vec::new(), first_id);
    for (s, (station, prefix)) in stations.iter().enumerate() {
        first.push(id);
        let accounts = (count + n - 1 - s) / n;
        for b in 0..accounts.div_ceil(BOOK_SIZE) {
            rows.push(vec![
                Cell::from(id),
                station.0.into(),
                format!("{}-G{:04}", prefix.as_str(), b + 1).into(),
                format!("第{}抄表段", b + 1).into(),
                Cell::from(i64::from(READING_DAY)),
                now.into(),
            ]);
            id += 1;
        }
    }
    let columns = ["id", "branch_id", "code", "name", "reading_day", "created_at"];
    bulk::insert(tx.conn(), "power_books", &columns, rows, "").await?;
    Ok(Books { first })
}

/// A number from the account's id and the seed (splitmix64): the readings
/// draw nothing from the planner, whose accounts stay the demo's.
fn mix(seed: u64, account: i64) -> u64 {
    let mut z = seed ^ (account as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Of a use of `kwh` on a time-of-use meter: the peak, flat and valley kWh.
fn split(kwh: i64) -> [i64; 3] {
    let (peak, valley) = (kwh * 3 / 10, kwh / 4);
    [peak, kwh - peak - valley, valley]
}

/// The two months' readings of an account's meter (its id `meter_id`), ids
/// from `next_id`: real readings of 50 to 449 kWh a month on the register
/// (times the meter's multiplier billed), read on the 25th.
pub(crate) fn readings(
    rows: &mut Rows,
    next_id: &mut i64,
    (account, meter_id, meter): (i64, i64, &NewMeter),
    time_of_use: bool,
    (seed, today, now): (u64, Date, &str),
) -> anyhow::Result<()> {
    let h = mix(seed, account);
    let ratio =
        |(p, s): (i64, i64)| Ratio::new("meter", u32::try_from(p)?, u32::try_from(s)?).map_err(anyhow::Error::from);
    let multiplier = Multiplier::new("multiplier", 1, ratio(meter.ct)?, ratio(meter.pt)?)?;
    // Whole kWh on the register, well below where it rolls over.
    let range = 10i64.pow(u32::try_from(meter.register_digits)?.min(9));
    let mut register = (h % (range / 4).max(1) as u64) as i64;
    let mut registers = split(register);
    let first = today.first_of_month();
    for (n, back) in [2, 1].into_iter().enumerate() {
        let month = first - back.months();
        let used = 50 + ((h >> (20 + 10 * n)) % 400) as i64;
        register += used;
        let by_period = split(used);
        for (r, u) in registers.iter_mut().zip(by_period) {
            *r += u;
        }
        let tou = |i: usize| time_of_use.then_some(registers[i] * 100);
        let tou_kwh = |i: usize| time_of_use.then(|| multiplier.kwh(by_period[i] * 100));
        rows.push([
            Cell::from(*next_id),
            account.into(),
            meter_id.into(),
            month_of(month).into(),
            month.with().day(READING_DAY).build()?.to_string().into(),
            Cell::from(register * 100),
            "real".into(),
            "ok".into(),
            Cell::Text(None),
            Cell::from(multiplier.kwh(used * 100)),
            Cell::from(0),
            "生成".into(),
            super::source::IMPORT.into(),
            now.into(),
            tou(0).into(),
            tou(1).into(),
            tou(2).into(),
            tou_kwh(0).into(),
            tou_kwh(1).into(),
            tou_kwh(2).into(),
        ]);
        *next_id += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registers_split_the_whole_use() {
        for kwh in [0, 1, 7, 50, 449, 10_001] {
            assert_eq!(split(kwh).iter().sum::<i64>(), kwh);
        }
    }

    #[test]
    fn each_station_s_accounts_fill_its_books_in_turn() {
        let books = Books { first: vec![1, 4] };
        assert_eq!(books.place(0, 0), (1, 1));
        assert_eq!(books.place(0, BOOK_SIZE - 1), (1, BOOK_SIZE as i64));
        assert_eq!(books.place(0, BOOK_SIZE), (2, 1));
        assert_eq!(books.place(1, 2 * BOOK_SIZE + 3), (6, 4));
    }
}
