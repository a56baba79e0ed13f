//! The demo county's metering and inspection work (issue 19 §3, §4): at
//! the first stations, batches of meters with their histories — verified
//! eight years ago in this month's days, so this month's rotation plan has
//! work — a failed meter in stock, class I and II points with field tests
//! due; the plan generated with a work order done; standard instruments,
//! one out of date; and two years of inspection plans with their records,
//! violation and theft cases (some above 1,000 yuan, reported to the
//! leaders; older ones closed), and suspensions of supply for safety.

use crate::accounts::MeterNo;
use crate::cases::{self, Basis, NewCase, plans, suspensions};
use crate::inspections::{Capacity, Theft, UserClass};
use crate::meter_archive::{self, Batch, BatchMeter, Completion, Installation};
use crate::{Price, archive};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::BusinessZone;
use kefu_core::{Actor, Money, Role, Scope};
use kefu_store::Db;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Stations given meters and cases: enough to show every state.
const STATIONS: usize = 3;

const FINDINGS: &[&str] = &[
    "合同容量与实际一致，计量封印完好",
    "配电房接地电阻偏大，已下发整改通知",
    "自备发电机未装双投闸刀，限期整改",
    "双电源切换装置闭锁正常",
    "变压器铭牌容量与合同不符，另案处理",
];

const THEFT_NOTES: &[&str] = &[
    "表前接线绕越计量，现场拍照取证",
    "电能表封印被破坏，内部接线改动",
    "私拉乱接从邻户接电",
    "电流互感器二次回路短接",
];

/// Accounts of a station that no meter serves yet, by number.
async fn accounts_without_meter(db: &Db, station: BranchId, limit: i64) -> anyhow::Result<Vec<String>> {
    let sql = format!(
        "SELECT a.account_no FROM power_accounts a WHERE a.branch_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM power_meters m WHERE m.account_id = a.id) ORDER BY a.account_no LIMIT {limit}"
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(station.0).fetch_all(db.pool()).await?)
}

async fn some_accounts(db: &Db, station: BranchId, limit: i64) -> anyhow::Result<Vec<String>> {
    let sql = format!(
        "SELECT account_no FROM power_accounts WHERE branch_id = $1 AND status = 'active' ORDER BY account_no LIMIT {limit}"
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(station.0).fetch_all(db.pool()).await?)
}

pub async fn load(db: &Db, seed: u64, today: Date) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6361_7365); // "case"
    let ids: Vec<BranchId> =
        archive::stations(db, &Scope::new(all_branches(db).await?)).await?.iter().map(|s| s.branch_id).collect();
    // The centre's manager does this work: closing a case reported to the
    // leaders takes a manager.
    let actor = Actor { roles: vec![Role::Manager], ..Actor::system(Scope::new(ids.clone())) };
    for (s, station) in ids.iter().take(STATIONS).enumerate() {
        meters(db, &actor, &mut rng, *station, s, today).await?;
        inspections(db, &actor, &mut rng, *station, today).await?;
    }
    let first = ids.first().copied();
    if let Some(station) = first {
        for (i, (name, months_ago)) in [
            ("标准电能表", 2),
            ("三相标准表", 5),
            ("互感器校验仪", 9),
            ("绝缘电阻测试仪", 11),
            ("钳形电流表", 4),
            ("现场校验仪", 14),
        ]
        .iter()
        .enumerate()
        {
            meter_archive::add_instrument(
                db,
                &actor,
                station,
                name,
                &format!("QS-STD-{:03}", i + 1),
                today - months_ago.months(),
            )
            .await?;
        }
    }
    Ok(())
}

/// Ten in the morning of a day, when the work is done.
fn at(day: Date) -> jiff::Timestamp {
    BusinessZone::shanghai().start_of(day) + 10.hours()
}

async fn all_branches(db: &Db) -> anyhow::Result<Vec<BranchId>> {
    Ok(kefu_accounts::branches::all(db).await?.iter().map(|b| b.id).collect())
}

async fn meters(
    db: &Db,
    actor: &Actor,
    rng: &mut ChaCha8Rng,
    station: BranchId,
    s: usize,
    today: Date,
) -> anyhow::Result<()> {
    let accounts = accounts_without_meter(db, station, 10).await?;
    let first = today.first_of_month();
    let serial = |i: usize| format!("DDZY-46{:02}{:06}", s + 1, i);
    // Verified eight years before a day of this month: due for rotation now.
    let mut old = Vec::new();
    let mut fresh = Vec::new();
    for i in 0..8 {
        old.push(BatchMeter {
            meter_no: serial(i),
            asset_no: format!("QS{:02}-2018-{i:04}", s + 1),
            passed: true,
            seals: format!("GX18{:02}{i:04}", s + 1),
        });
    }
    for i in 8..20 {
        // One failed verification: recorded, never installed.
        fresh.push(BatchMeter {
            meter_no: serial(i),
            asset_no: format!("QS{:02}-2026-{i:04}", s + 1),
            passed: i != 13,
            seals: format!("GX26{:02}{i:04}", s + 1),
        });
    }
    let verified_old = first + rng.random_range(0..20).days() - 8.years();
    let batch = |name: &str, kind: &str, verified_on: Date, meters: Vec<BatchMeter>| Batch {
        station,
        batch: name.into(),
        maker: ["威胜集团", "许继电气", "林洋能源", "炬华科技"][s % 4].into(),
        kind: kind.into(),
        accuracy_class: if kind == "three_phase_ct" { "0.5S" } else { "2" }.into(),
        rated_current: if kind == "three_phase_ct" { "1.5(6)A" } else { "5(60)A" }.into(),
        register_digits: 6,
        verified_on,
        // The CT-connected meters of the 10 kV users: 150/5 A and 10000/100 V.
        ct: if kind == "three_phase_ct" { (150, 5) } else { (1, 1) },
        pt: if kind == "three_phase_ct" { (10000, 100) } else { (1, 1) },
        meters,
    };
    meter_archive::accept_batch(
        db,
        actor,
        &batch(&format!("QS-2018-{:02}", s + 1), "single_phase", verified_old, old.clone()),
        at(verified_old),
    )
    .await?;
    let verified_fresh = today - rng.random_range(20..60).days();
    meter_archive::accept_batch(
        db,
        actor,
        &batch(&format!("QS-2026-{:02}", s + 1), "single_phase", verified_fresh, fresh),
        at(verified_fresh),
    )
    .await?;
    // High-voltage points: class I and II with their field tests due.
    let hv: Vec<BatchMeter> = (0..2)
        .map(|i| BatchMeter {
            meter_no: format!("DSZY-46{:02}{:06}", s + 1, i),
            asset_no: format!("QS{:02}-HV-{i:04}", s + 1),
            passed: true,
            seals: format!("GXHV{:02}{i:02}", s + 1),
        })
        .collect();
    let verified_hv = first + rng.random_range(0..20).days() - 3.months();
    meter_archive::accept_batch(
        db,
        actor,
        &batch(&format!("QS-HV-{:02}", s + 1), "three_phase_ct", verified_hv, hv.clone()),
        at(verified_hv),
    )
    .await?;
    for (m, account) in old.iter().zip(&accounts) {
        let on = verified_old + 10.days();
        let i = Installation { account_no: account.clone(), on, reading: 0, seals: m.seals.clone(), point_class: None };
        meter_archive::install(db, actor, &m.meter_no, &i, at(on)).await?;
    }
    for ((m, account), class) in hv.iter().zip(accounts.iter().skip(old.len())).zip(["I", "II"]) {
        let on = verified_hv + 5.days();
        let i = Installation {
            account_no: account.clone(),
            on,
            reading: 0,
            seals: m.seals.clone(),
            point_class: Some(class.into()),
        };
        meter_archive::install(db, actor, &m.meter_no, &i, at(on)).await?;
    }
    // The month's plan, its first rotation done with a new meter from stock.
    let plan = meter_archive::plan(db, actor, station, first, true).await?;
    if let Some(order) = plan.orders.iter().find(|o| o.kind == "rotation") {
        let done = Completion {
            on: Some(today),
            old_reading: Some(rng.random_range(800_000..2_000_000)),
            new_meter_no: MeterNo::parse("meter_no", &serial(8))?.as_str().to_string(),
            new_reading: Some(0),
            seals: format!("GX26{:02}R001", s + 1),
            result: String::new(),
        };
        meter_archive::complete(db, actor, order.id, &done, today, at(today)).await?;
    }
    Ok(())
}

async fn inspections(
    db: &Db,
    actor: &Actor,
    rng: &mut ChaCha8Rng,
    station: BranchId,
    today: Date,
) -> anyhow::Result<()> {
    let accounts = some_accounts(db, station, 400).await?;
    if accounts.is_empty() {
        return Ok(());
    }
    let account = |rng: &mut ChaCha8Rng| accounts[rng.random_range(0..accounts.len())].clone();
    // Two years of cases, a few a month.
    let mut day = today - 2.years();
    while day < today {
        let kind = cases::KINDS[rng.random_range(0..cases::KINDS.len())];
        let basis = match kind {
            k if cases::is_theft(k) => Basis::Theft(Theft {
                user_class: if rng.random_range(0..3) == 0 { UserClass::Power } else { UserClass::Lighting },
                capacity: if rng.random_range(0..2) == 0 {
                    Capacity::Equipment { watts: rng.random_range(3..20) * 100 }
                } else {
                    Capacity::RatedCurrent { amps: [5, 10][rng.random_range(0..2)], volts: 220, three_phase: false }
                },
                // Mostly a known duration of days to weeks; now and then
                // unknown, reckoned at 180 days and escalated.
                hours: (rng.random_range(0..6) > 0).then(|| rng.random_range(20..200)),
                price: Price::from_units(5283),
            }),
            "unauthorised_increase" => Basis::Capacity { added_kva: rng.random_range(3..40) },
            _ => Basis::BackCharge(Money::from_fen(rng.random_range(5_000..90_000))),
        };
        let new = NewCase {
            account_no: account(rng),
            kind: kind.into(),
            source: cases::SOURCES[rng.random_range(0..2)].into(),
            found_on: day,
            description: THEFT_NOTES[rng.random_range(0..THEFT_NOTES.len())].into(),
            seal_numbers: format!("GX{}{:04}", day.year(), rng.random_range(1..9999)),
            basis,
        };
        let case = cases::create(db, actor, new, at(day)).await?;
        // Cases older than a month are closed (by the manager when reported).
        if day < today - 1.month() && rng.random_range(0..10) > 0 {
            cases::close(db, actor, case.id, "已补交电费及违约使用电费，恢复正常用电", at(day + 14.days())).await?;
        }
        day += rng.random_range(6..16).days();
    }
    // Quarterly checks of large users' contracts and dual supply.
    let mut due = today.first_of_month() - 21.months();
    while due <= today + 1.month() {
        for subject in plans::SUBJECTS {
            let plan = plans::create(db, actor, &account(rng), subject, due, at(due - 20.days())).await?;
            if due < today {
                let result = plans::RESULTS
                    [usize::from(rng.random_range(0..10) == 0) + usize::from(rng.random_range(0..20) == 0)];
                let visit = plans::Visit {
                    inspected_on: due - 3.days(),
                    result,
                    findings: FINDINGS[rng.random_range(0..FINDINGS.len())],
                    case: None,
                };
                plans::record(db, actor, plan, &visit, at(due)).await?;
            }
        }
        due += 3.months();
    }
    for (i, (reason, notice)) in [
        ("配电房进水，存在触电危险", "已书面通知用户，整改前暂停供电"),
        ("自备发电机反送电隐患", "现场送达暂停供电通知书"),
        ("私拉电线跨越道路，安全距离不足", "电话及书面通知用户"),
    ]
    .iter()
    .enumerate()
    {
        let noticed = today - (40 - i as i32 * 15).days();
        let r = suspensions::Request {
            account_no: account(rng),
            reason: (*reason).into(),
            notice: (*notice).into(),
            noticed_on: Some(noticed),
            suspend_on: Some(noticed + 3.days()),
        };
        let id = suspensions::request(db, actor, &r, at(noticed)).await?;
        if i < 2 {
            suspensions::approve(db, actor, id, at(noticed + 1.day())).await?;
        }
        if i == 0 {
            suspensions::restore(db, actor, id, noticed + 10.days(), "整改完毕，恢复送电").await?;
        }
    }
    Ok(())
}
