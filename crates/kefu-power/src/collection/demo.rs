//! The demo county's collection: the bills the books' demo issued get
//! payments — most paid in full a few days before they fall due (a few by
//! the bank, a few with something left as a prepaid balance), some in part,
//! some left in arrears so their late charges run.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Money, Role, Scope};
use kefu_store::{Db, RowExt};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::payments::{Channel, NewPayment, take};
use super::rules::CollectionRules;

/// The payments made, by a demo cashier of every station.
pub async fn load(db: &Db, seed: u64, today: Date) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7061_7920); // "pay "
    let stations: Vec<BranchId> = sqlx::query_scalar("SELECT branch_id FROM power_stations")
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .map(BranchId)
        .collect();
    // The payments need a cashier: the demo's own (`crate::demo::staff`).
    let system = Actor::system(Scope::new(stations.clone()));
    let cashier = crate::demo::staff(db, &mut rng, ("demo_cashier", "演示收费员"), Role::Cashier, stations).await?;
    crate::demo::retire(db, &[cashier]).await?;
    let actor = Actor { user_id: cashier, ..system };
    let bills = sqlx::query(
        "SELECT a.account_no, b.amount, b.due_on FROM power_bills b JOIN power_accounts a ON a.id = b.account_id \
         WHERE b.status = 'issued' ORDER BY a.account_no, b.due_on",
    )
    .fetch_all(db.pool())
    .await?;
    let now = jiff::tz::TimeZone::UTC.to_timestamp(today.at(9, 0, 0, 0))?;
    let rules = CollectionRules::default();
    let (mut made, mut kind, mut last) = (0, 0, String::new());
    for r in &bills {
        let account_no = r.text("account_no")?;
        if account_no != last {
            // Each account pays its way: 0–13 in full, 14–16 in part, 17–19 not at all.
            kind = rng.random_range(0..20);
            last = account_no.clone();
        }
        let due: Date = r.text("due_on")?.parse()?;
        let day = (due - rng.random_range(0..8).days()).min(today);
        let amount = r.i64("amount")?;
        let (fen, channel, open_prepaid) = match kind {
            0..=1 => (amount + 5_000, Channel::Counter, true),
            2..=4 => (amount, Channel::Bank, false),
            5..=13 => (amount, Channel::Counter, false),
            14..=16 => (amount / 2, Channel::Counter, false),
            _ => continue,
        };
        if fen <= 0 {
            continue;
        }
        let payment = NewPayment {
            account_no,
            amount: Money::from_fen(fen),
            channel,
            reference: (channel == Channel::Bank).then(|| format!("YH{}{made:06}", day.strftime("%Y%m%d"))),
            open_prepaid,
            day,
        };
        take(db, &actor, &payment, &rules, now).await?;
        made += 1;
    }
    Ok(made)
}
