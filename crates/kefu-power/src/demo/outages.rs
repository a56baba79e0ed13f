//! The demo county's planned outages and electricians' training: at the
//! first stations an approved outage next week (its holders will be told at
//! the lead times), one awaiting a manager and one refused; and each
//! station's training sessions of the past two years.

use crate::outages::{self, NewOutage};
use crate::training;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::BusinessZone;
use kefu_core::{Actor, Scope};
use kefu_pack::names::{self, pick};
use kefu_store::Db;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

const TOPICS: &[&str] = &[
    "农村低压电网安全工作规程",
    "剩余电流动作保护器的安装与运行",
    "低压配电台区线损管理",
    "电能计量装置接线检查",
    "触电急救与现场心肺复苏",
    "防窃电检查与违约用电处理",
];

const REASONS: &[(&str, &str)] =
    &[("feeder", "10kV线路检修及树障清理"), ("transformer", "配电变压器增容改造"), ("feeder", "线路迁改配合道路施工")];

/// Loads the outages and sessions of `stations`.
pub async fn load(db: &Db, rng: &mut ChaCha8Rng, today: Date, stations: &[BranchId]) -> anyhow::Result<()> {
    let zone = BusinessZone::shanghai();
    let now = zone.start_of(today) + 9.hours();
    for (i, station) in stations.iter().enumerate() {
        let actor = Actor::system(Scope::new(vec![*station]));
        if i < 3 {
            let numbers: Vec<String> = sqlx::query_scalar(
                "SELECT account_no FROM power_accounts WHERE branch_id = $1 AND status = 'active' \
                 ORDER BY voltage = '10kv' DESC, id LIMIT 12",
            )
            .bind(station.0)
            .fetch_all(db.pool())
            .await?;
            for (k, decision) in [Some(true), None, Some(false)].into_iter().enumerate() {
                let (kind, reason) = REASONS[(i + k) % REASONS.len()];
                let day = today + (5 + 7 * k as i64 + i as i64).days();
                let starts = zone.start_of(day) + 8.hours();
                let new = NewOutage {
                    station: station.0,
                    equipment_kind: kind.into(),
                    equipment: format!(
                        "10kV{}线{}号杆",
                        pick(rng, &["青山", "龙江", "马岭", "长安"]),
                        rng.random_range(1..60)
                    ),
                    starts_at: Some(starts),
                    ends_at: Some(starts + 9.hours()),
                    reason: reason.into(),
                    accounts: numbers.join(" "),
                };
                let o = outages::request(db, &actor, &zone, &new, now).await?;
                if let Some(approve) = decision {
                    let note = if approve {
                        "同意，请做好安全措施"
                    } else {
                        "与春耕灌溉用电冲突，请改期"
                    };
                    outages::decide(db, &actor, &zone, o.id, (approve, note), now).await?;
                }
            }
        }
        for k in 0..3 {
            let held_on = today - (60 + 200 * k + rng.random_range(0..60)).days();
            let (trainer, topic) = (names::person(rng).0, *pick(rng, TOPICS));
            training::add_session(db, &actor, *station, held_on, topic, &trainer, now).await?;
        }
    }
    Ok(())
}
