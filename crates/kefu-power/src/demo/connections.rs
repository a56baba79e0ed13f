//! The demo county's applications (业扩报装): two years of new connections
//! and changes at every station, taken through the same store functions the
//! counter uses, each step a few working days after the one before — most
//! within their limits, some late, and the recent ones still open, a few of
//! them past their deadline. The history is told to nobody.

use crate::connections::store::{self, NewApplication, StepInput};
use crate::connections::{Step, WorkCalendar};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::BusinessZone;
use kefu_core::{Actor, Scope};
use kefu_pack::names::{self, pick};
use kefu_store::{Db, RowExt};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Applications a station took over the two years.
const PER_STATION: usize = 24;

/// The kinds, weighted: mostly new connections.
const KINDS: &[&str] =
    &["new", "new", "new", "new", "new", "increase", "increase", "decrease", "pause", "transfer", "close"];

/// Loads the applications of `stations`; returns how many.
pub async fn load(db: &Db, rng: &mut ChaCha8Rng, today: Date, stations: &[BranchId]) -> anyhow::Result<usize> {
    let calendar = WorkCalendar::shipped();
    let zone = BusinessZone::shanghai();
    let mut count = 0;
    let mut meter_serial = 0u64;
    for station in stations {
        // The station's staff take the steps.
        let staff: Vec<String> = (0..3).map(|_| names::person(rng).0).collect();
        let mut actor = Actor::system(Scope::new(vec![*station]));
        let customers: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT c.id, a.id FROM customers c JOIN power_accounts a ON a.customer_id = c.id \
             WHERE a.branch_id = $1 AND a.status = 'active' ORDER BY a.id LIMIT 400",
        )
        .bind(station.0)
        .fetch_all(db.pool())
        .await?;
        if customers.len() < 2 {
            continue;
        }
        for i in 0..PER_STATION {
            // A quarter came in the last six weeks and are still under way.
            let back = if i % 4 == 0 { rng.random_range(0..42) } else { rng.random_range(0..730) };
            let received = today - back.days();
            let received =
                if calendar.is_working_day(received) { received } else { calendar.add_working_days(received, 1) };
            if received > today {
                continue;
            }
            let kind = *pick(rng, KINDS);
            let (customer, account_id) = *pick(rng, &customers);
            let account = sqlx::query("SELECT account_no, capacity_kva, usage_class FROM power_accounts WHERE id = $1")
                .bind(account_id)
                .fetch_one(db.pool())
                .await?;
            let capacity = account.i64("capacity_kva")?;
            let (usage_class, voltage, kva) = match rng.random_range(0..10) {
                0..7 => ("residential", "220v", *pick(rng, &[4, 6, 8, 10])),
                7..9 => ("general_commercial", "380v", rng.random_range(10..80)),
                _ => ("large_industry", "10kv", *pick(rng, &[315, 500, 630, 800])),
            };
            let new = NewApplication {
                kind: kind.into(),
                customer: if kind == "transfer" { pick(rng, &customers).0 } else { customer },
                station: Some(station.0),
                account_no: account.text("account_no")?,
                usage_class: usage_class.into(),
                voltage: voltage.into(),
                dual_source: rng.random_range(0..4) == 0,
                capacity_kva: Some(match kind {
                    "increase" => capacity + rng.random_range(2..30),
                    "decrease" => (capacity / 2).max(1),
                    _ => kva,
                }),
                supply_address: format!("{}新街{}号", names::person(rng).0, rng.random_range(1..200)),
                received_on: Some(received),
                notes: String::new(),
                documents: Vec::new(),
            };
            if kind == "decrease" && capacity <= 1 {
                continue;
            }
            actor.display_name = pick(rng, &staff).clone();
            let at = |day: Date| zone.start_of(day) + 10.hours();
            // An account an earlier change closed, paused or transferred
            // takes no further change: the counter would refuse it too.
            let mut app = match store::create_telling(db, &actor, &new, (at(received), today), false).await {
                Err(kefu_store::Failure::Invalid(_)) => continue,
                other => other?,
            };
            count += 1;
            let plan = store::plan_of(&app.supply);
            // One in ten stalls at some step and stays open past its deadline.
            let stalls_at = (rng.random_range(0..10) == 0).then(|| rng.random_range(1..4));
            while let Some(next) = app.next_step.as_deref().and_then(|s| Step::parse("step", s).ok()) {
                let limit = plan.steps().iter().find(|s| s.step == next).map_or(3, |s| s.working_days);
                // One step in six runs late.
                let days = if rng.random_range(0..6) == 0 {
                    limit + rng.random_range(1..5)
                } else {
                    rng.random_range(1..=limit.max(1))
                };
                let on = calendar.add_working_days(app.last_done_on, days);
                if on > today || stalls_at == plan.steps().iter().position(|s| s.step == next) {
                    break;
                }
                let input = if next == Step::Connection && matches!(kind, "new" | "increase" | "decrease") {
                    meter_serial += 1;
                    let prefix = if app.voltage == "220v" { "DDZY" } else { "DTZY" };
                    StepInput {
                        step: next.code().into(),
                        on: Some(on),
                        meter_no: format!("{prefix}-46{meter_serial:08}"),
                        opening_reading: format!("{}.{:02}", rng.random_range(0..20), rng.random_range(0..100)),
                        ..StepInput::default()
                    }
                } else {
                    StepInput { step: next.code().into(), on: Some(on), ..StepInput::default() }
                };
                actor.display_name = pick(rng, &staff).clone();
                app = store::take_step_telling(db, &actor, app.id, &input, (at(on), today), false).await?;
            }
        }
    }
    Ok(count)
}
