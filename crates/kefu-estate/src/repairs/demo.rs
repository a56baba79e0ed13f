//! The demo's repairs: two months of reports in each estate, most done in
//! time and confirmed, some late and escalated, the latest still open; the
//! in-house ones with their materials and the charges waiting for the next
//! bill. Written with the instants of their history (the steps' own
//! functions stamp the clock's now), in one transaction with its audit.

use super::{Escalation, Status};
use jiff::{SignedDuration, Timestamp};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Scope};
use kefu_pack::names::pick;
use kefu_store::{Change, Db, Tx};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Reports a day in each estate, on average.
const PER_DAY: u64 = 3;
const DAYS: i64 = 60;

const TECHNICIANS: &[&str] = &["李师傅", "王师傅", "赵师傅", "陈师傅", "周师傅"];
const PUBLIC: &[(&str, &str, &str)] = &[
    ("lift", "电梯轿厢", "电梯运行异响"),
    ("public_facility", "大堂", "大堂灯不亮"),
    ("public_facility", "地下车库", "车库照明损坏"),
    ("drain", "小区主路", "雨水井堵塞"),
    ("door_lock", "单元门", "单元门禁失灵"),
];
const IN_HOUSE: &[(&str, &str, &str, i64)] = &[
    ("water_leak", "厨房水管爆裂", "进水软管", 3550),
    ("fixtures", "卫生间水龙头滴水", "水龙头", 4550),
    ("drain", "厨房下水道堵塞", "疏通剂", 1200),
    ("power_failure", "户内跳闸", "漏电开关", 6800),
    ("door_lock", "入户门锁坏", "锁芯", 12000),
];

/// Loads the repairs of every estate in `scope` up to `now`; how many.
pub async fn load(db: &Db, scope: &Scope, seed: u64, now: Timestamp) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7265_7061_6972); // "repair"
    let actor = Actor::system(scope.clone());
    let estates = crate::archive::estates(db, scope).await?;
    let zone = kefu_core::time::BusinessZone::shanghai();
    let mut tx = db.begin().await?;
    let mut count = 0;
    for estate in &estates {
        let houses: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT h.id, r.customer_id FROM estate_houses h JOIN estate_residents r ON r.house_id = h.id \
             WHERE h.branch_id = $1 AND r.role = 'owner' ORDER BY h.id",
        )
        .bind(estate.branch_id.0)
        .fetch_all(tx.conn())
        .await?;
        if houses.is_empty() {
            continue;
        }
        for _ in 0..(DAYS as u64 * PER_DAY) {
            let age = SignedDuration::from_mins(rng.random_range(10..DAYS * 24 * 60));
            let reported = now - age;
            let in_house = rng.random_range(0..100) < 65;
            let (category, place_text, description, house, customer, material) = if in_house {
                let (c, d, m, p) = *pick(&mut rng, IN_HOUSE);
                let (h, cust) = *pick(&mut rng, &houses);
                (c, String::new(), d, Some(h), Some(cust), Some((m, p)))
            } else {
                let (c, l, d) = *pick(&mut rng, PUBLIC);
                (c, l.to_string(), d, None, None, None)
            };
            let deadlines = super::category_of("category", category)?.deadlines;
            let due = deadlines.due(reported);
            // Most technicians are on site in time; one in ten is late.
            let late = rng.random_range(0..10) == 0;
            let arrive_after = if late {
                deadlines.arrive_minutes + rng.random_range(5..60)
            } else {
                rng.random_range(5..=deadlines.arrive_minutes.max(6))
            };
            let arrived = reported + SignedDuration::from_mins(arrive_after);
            let completed =
                arrived + SignedDuration::from_mins(rng.random_range(20..=deadlines.complete_minutes.max(21)));
            let stage = |t: Timestamp| (t <= now).then_some(t);
            let (arrived, completed) = (stage(arrived), stage(completed).filter(|_| arrived <= now));
            let confirmed = completed.map(|c| c + SignedDuration::from_mins(30)).and_then(stage);
            let status = match (arrived, completed, confirmed) {
                (_, _, Some(_)) => Status::Confirmed,
                (_, Some(_), None) => Status::Completed,
                (Some(_), None, None) => Status::Arrived,
                _ => Status::Dispatched,
            };
            let escalation = super::escalation(now, &due, arrived.is_some(), completed.is_some());
            let escalation = if late && completed.is_some() { Escalation::Supervisor } else { escalation };
            let technician = *pick(&mut rng, TECHNICIANS);
            let quantity = rng.random_range(1..3_i64);
            let charge = match (material, completed) {
                (Some((_, price)), Some(_)) => price * quantity + 5000,
                _ => 0,
            };
            let reporter = if in_house { "业主" } else { "巡逻保安" };
            let source = *pick(&mut rng, &["desk", "call", "call"]);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO estate_repairs (branch_id, place, house_id, customer_id, location, category, source, \
                 reporter, phone, description, status, reported_at, arrive_due_at, complete_due_at, technician, \
                 dispatched_at, arrived_at, completed_at, completed_on, work_done, charge, confirmed_at, \
                 owner_satisfied, escalation, registered_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', \
                 $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 0, $11) RETURNING id",
            )
            .bind(estate.branch_id.0)
            .bind(if in_house { "in_house" } else { "public" })
            .bind(house)
            .bind(customer)
            .bind(place_text)
            .bind(category)
            .bind(source)
            .bind(reporter)
            .bind(description)
            .bind(status.code())
            .bind(instant_text(reported))
            .bind(instant_text(due.arrive_by))
            .bind(instant_text(due.complete_by))
            .bind(technician)
            .bind(instant_text(reported + SignedDuration::from_mins(3)))
            .bind(arrived.map(instant_text))
            .bind(completed.map(instant_text))
            .bind(completed.map(|c| zone.date_of(c).to_string()))
            .bind(if completed.is_some() { "已修复" } else { "" })
            .bind(charge)
            .bind(confirmed.map(instant_text))
            .bind(confirmed.map(|_| i64::from(rng.random_range(0..20) != 0)))
            .bind(escalation.level())
            .fetch_one(tx.conn())
            .await?;
            let mut steps = vec![("report", reported, description.to_string())];
            steps.push(("dispatch", reported + SignedDuration::from_mins(3), technician.to_string()));
            steps.extend(arrived.map(|t| ("arrive", t, String::new())));
            steps.extend(completed.map(|t| ("complete", t, "已修复".to_string())));
            steps.extend(confirmed.map(|t| ("confirm", t, String::new())));
            for (kind, at, text) in steps {
                step(&mut tx, id, kind, at, &text).await?;
            }
            if let (Some((name, price)), Some(done), Some(h)) = (material, completed, house) {
                sqlx::query(
                    "INSERT INTO estate_repair_materials (repair_id, name, quantity, unit_price, amount) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(name)
                .bind(quantity)
                .bind(price)
                .bind(price * quantity)
                .execute(tx.conn())
                .await?;
                sqlx::query(
                    "INSERT INTO estate_repair_charges (branch_id, house_id, repair_id, amount, description, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(estate.branch_id.0)
                .bind(h)
                .bind(id)
                .bind(charge)
                .bind(format!("报修 #{id} 维修费 Repair #{id} charge"))
                .bind(instant_text(done))
                .execute(tx.conn())
                .await?;
            }
            count += 1;
        }
    }
    let change = Change {
        entity: "demo",
        entity_id: "estate_repairs".into(),
        action: "load",
        branch: None,
        old: None,
        new: Some(serde_json::json!({ "repairs": count })),
    };
    tx.audit(&actor, change).await?;
    tx.commit().await?;
    Ok(count)
}

async fn step(tx: &mut Tx, repair: i64, kind: &str, at: Timestamp, text: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO estate_repair_steps (repair_id, kind, at, text, actor) VALUES ($1, $2, $3, $4, '演示')")
        .bind(repair)
        .bind(kind)
        .bind(instant_text(at))
        .bind(text.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}
