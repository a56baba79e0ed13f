//! The demo county's large-user and time-of-use books at the first supply
//! station: its 10 kV 大工业 users on the two-part tariff — the basic
//! charge on the contracted kVA (a few on the month's maximum demand), the
//! power factor judged against 0.90 from the reactive register — and its
//! larger shops on the peak, flat and valley registers; three months read,
//! the two before this one billed, as the other books are.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::Actor;
use kefu_store::{Db, RowExt};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Entry, Extra, Kind, NewBook, source};
use crate::billing::Standard;
use crate::bills::{self, BasicBy, Target, Terms};
use crate::readings::ReadingRules;

/// Accounts a book.
const LARGE: i64 = 12;
const TIME_OF_USE: i64 = 20;

/// Hundredths as a register reads: `1234.56`.
fn text(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// An account of the book: its number, contracted kVA and meter multiplier.
type Account = (String, i64, i64);

async fn accounts(db: &Db, station: i64, class_and_tariff: (&str, &str), limit: i64) -> anyhow::Result<Vec<Account>> {
    let rows = sqlx::query(
        "SELECT a.account_no, a.capacity_kva, (m.ct_primary * m.pt_primary) / (m.ct_secondary * m.pt_secondary) AS mult \
         FROM power_accounts a JOIN power_meters m ON m.account_id = a.id AND m.removed_on IS NULL \
         WHERE a.branch_id = $1 AND a.status = 'active' AND a.usage_class = $2 AND a.tariff_code = $3 \
         AND NOT EXISTS (SELECT 1 FROM power_book_accounts x WHERE x.account_id = a.id) ORDER BY a.account_no LIMIT $4",
    )
    .bind(station)
    .bind(class_and_tariff.0.to_string())
    .bind(class_and_tariff.1.to_string())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.text("account_no")?, r.i64("capacity_kva")?, r.i64("mult")?.max(1))))
        .collect::<kefu_store::Result<_>>()?)
}

/// Loads the two books of `station` (`prefix`) as `actor`, read by `reader`
/// (user name, display name); the readings entered.
pub(super) async fn load(
    db: &Db,
    actor: &Actor,
    (station, prefix): (i64, &str),
    (reader, reader_name): &(String, String),
    seed: u64,
    today: Date,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6c61_7267); // "larg"
    let now = jiff::tz::TimeZone::UTC.to_timestamp(today.at(9, 0, 0, 0))?;
    let first = today.first_of_month();
    // Three months before this one (the first the base), and this month.
    let months: Vec<Date> = (1..=3).rev().map(|m| first - m.months()).collect();
    let this_month = today.min(first + 24.days());
    let mut readings = 0;
    let books = [
        ("DY", "大用户抄表段", accounts(db, station, ("large_industry", "gx-ind-1"), LARGE).await?),
        ("FG", "峰谷分时抄表段", accounts(db, station, ("general_commercial", "gx-tou-1"), TIME_OF_USE).await?),
    ];
    for (large, (code, name, list)) in books.into_iter().enumerate().map(|(i, b)| (i == 0, b)) {
        if list.is_empty() {
            continue;
        }
        let book = NewBook {
            branch_id: kefu_core::ids::BranchId(station),
            code: format!("{prefix}-{code}"),
            name: name.into(),
            reader: Some(reader.clone()),
            reading_day: 25,
            accounts: list.iter().map(|a| a.0.clone()).collect(),
        };
        let book = super::create(db, actor, book, now).await?;
        for (n, (number, kva, multiplier)) in list.iter().enumerate() {
            // Every fourth large user's basic charge is on its maximum demand.
            let by_demand = large && n % 4 == 3;
            if large {
                let basic_by = Some(if by_demand { BasicBy::Demand } else { BasicBy::Capacity });
                bills::terms::set(db, actor, number, Terms { basic_by, standard: Some(Standard::P90) }, now).await?;
            }
            // The month's kWh: a load factor of the contracted capacity over
            // 720 hours for a plant, a few hundred to a few thousand for a shop.
            let usual =
                if large { kva * rng.random_range(20..50) * 720 / 100 } else { rng.random_range(3_000..12_000) };
            // Reactive over active, thousandths: a power factor of about 0.85 to 0.97.
            let q_ratio: i64 = rng.random_range(250..620);
            let mut registers = [rng.random_range(1_000..50_000) * 100i64; 4]; // active, reactive or peak, flat, valley
            let entry = |day: Date, registers: &[i64; 4], demand_kw: Option<i64>| {
                let extra = if large {
                    Extra {
                        reactive: Some(text(registers[1])),
                        demand: demand_kw.map(|kw| text(kw * 100 / multiplier)),
                        ..Extra::default()
                    }
                } else {
                    Extra {
                        peak: Some(text(registers[1])),
                        flat: Some(text(registers[2])),
                        valley: Some(text(registers[3])),
                        ..Extra::default()
                    }
                };
                Entry {
                    account_no: number.clone(),
                    meter_no: None,
                    reading: text(registers[0]),
                    read_on: day,
                    kind: Kind::Real,
                    reader: reader_name.clone(),
                    source: source::IMPORT,
                    extra,
                }
            };
            if !large {
                registers[0] = registers[1] + registers[2] + registers[3];
            }
            let mut entries = vec![entry(months[0] + 24.days(), &registers, None)];
            for day in months[1..].iter().map(|m| *m + 24.days()).chain([this_month]) {
                let kwh = usual * rng.random_range(90..111) / 100;
                let advance = kwh * 100 / multiplier;
                if large {
                    registers[0] += advance;
                    registers[1] += advance * (q_ratio + rng.random_range(-40..40)) / 1000;
                } else {
                    // Shops use most in the flat and peak hours.
                    let peak = advance * rng.random_range(28..38) / 100;
                    let valley = advance * rng.random_range(15..25) / 100;
                    registers[1] += peak;
                    registers[3] += valley;
                    registers[2] += advance - peak - valley;
                    registers[0] += advance;
                }
                let demand = by_demand.then(|| kva * rng.random_range(45..80) / 100);
                entries.push(entry(day, &registers, demand));
            }
            for e in entries {
                super::enter(db, actor, &e, None, &ReadingRules::default(), now).await?;
                readings += 1;
            }
        }
        for m in &months[1..] {
            bills::run(db, actor, Target::Book(book), &super::month_of(*m), *m + 24.days(), now).await?;
        }
    }
    Ok(readings)
}
