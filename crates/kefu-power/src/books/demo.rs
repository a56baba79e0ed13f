//! The demo county's reading books: every station's first residential and
//! commercial accounts in books of 40, three months read and billed, this
//! month read with a few readings held for re-reading; and at the first
//! station a large-user and a time-of-use book ([`super::demo_two_part`]),
//! so every station sells what its intake meter measures.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Role, Scope};
use kefu_store::{Db, RowExt};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Entry, Extra, Kind, NewBook, source};
use crate::bills::{self, Target};
use crate::readings::ReadingRules;

/// Accounts a book.
const BOOK_SIZE: i64 = 40;

pub async fn load(db: &Db, seed: u64, today: Date) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x626f_6f6b); // "book"
    let stations: Vec<(i64, String)> = sqlx::query("SELECT branch_id, prefix FROM power_stations ORDER BY prefix")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.i64("branch_id")?, r.text("prefix")?)))
        .collect::<kefu_store::Result<_>>()?;
    let actor = Actor::system(Scope::new(stations.iter().map(|s| BranchId(s.0)).collect()));
    let now = jiff::tz::TimeZone::UTC.to_timestamp(today.at(9, 0, 0, 0))?;
    let first = today.first_of_month();
    let months: Vec<Date> = (1..=3).rev().map(|m| first - m.months()).collect();
    // Each station's meter reader reads its books (`crate::demo::staff`).
    let mut readers = Vec::with_capacity(stations.len());
    for (station, prefix) in &stations {
        let (name, _) = kefu_pack::names::person(&mut rng);
        let username = format!("demo_reader_{prefix}");
        let id =
            crate::demo::staff(db, &mut rng, (&username, &name), Role::MeterReader, vec![BranchId(*station)]).await?;
        readers.push(((username, name), id));
    }
    let mut readings = 0;
    if let (Some((station, prefix)), Some((reader, _))) = (stations.first(), readers.first()) {
        readings += super::demo_two_part::load(db, &actor, (*station, prefix), reader, seed, today).await?;
    }
    for ((station, prefix), ((reader, reader_name), _)) in stations.iter().zip(&readers) {
        let accounts: Vec<String> = sqlx::query_scalar(
            "SELECT a.account_no FROM power_accounts a WHERE a.branch_id = $1 AND a.status = 'active' \
             AND a.tariff_code IN ('gx-res-1', 'gx-com-1') \
             AND EXISTS (SELECT 1 FROM power_meters m WHERE m.account_id = a.id) ORDER BY a.account_no LIMIT $2",
        )
        .bind(*station)
        .bind(BOOK_SIZE * 2)
        .fetch_all(db.pool())
        .await?;
        for (n, chunk) in accounts.chunks(BOOK_SIZE as usize).enumerate() {
            let book = NewBook {
                branch_id: kefu_core::ids::BranchId(*station),
                code: format!("{prefix}-{:02}", n + 1),
                name: format!("第{}抄表段", n + 1),
                reader: Some(reader.clone()),
                reading_day: 25,
                accounts: chunk.to_vec(),
            };
            let book = super::create(db, &actor, book, now).await?;
            for number in chunk {
                let mut register: i64 = rng.random_range(1_000..60_000);
                let usual: i64 = rng.random_range(60..400);
                let read = |day: Date, value: i64, kind: Kind| Entry {
                    account_no: number.clone(),
                    meter_no: None,
                    reading: value.to_string(),
                    read_on: day,
                    kind,
                    reader: reader_name.clone(),
                    source: source::IMPORT,
                    extra: Extra::default(),
                };
                let mut entries = vec![read(months[0] + 24.days(), register, Kind::Real)];
                for m in &months[1..] {
                    register += usual + rng.random_range(-40..40);
                    entries.push(read(*m + 24.days(), register, Kind::Real));
                }
                // This month: most read as usual, a few held (the register
                // did not move, or far more than usual was used).
                let day = today.min(first + 24.days());
                match rng.random_range(0..20) {
                    0 => {}
                    1 => entries.push(read(day, register, Kind::Real)),
                    2 => entries.push(read(day, register + usual * 5, Kind::Real)),
                    _ => entries.push(read(day, register + usual + rng.random_range(-40..40), Kind::Real)),
                }
                for e in entries {
                    super::enter(db, &actor, &e, None, &ReadingRules::default(), now).await?;
                    readings += 1;
                }
            }
            for m in &months[1..] {
                let month = super::month_of(*m);
                bills::run(db, &actor, Target::Book(book), &month, *m + 24.days(), now).await?;
            }
        }
    }
    crate::demo::retire(db, &readers.iter().map(|(_, id)| *id).collect::<Vec<_>>()).await?;
    Ok(readings)
}
