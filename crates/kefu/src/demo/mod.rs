//! The demo data set: a dealer group with two Beijing stores and about 2,000
//! customers with their vehicles and workshop histories, generated from a
//! seed so the same seed and day always give the same data. Dates are laid
//! out backwards from `today`, so the demo looks like a working store on the
//! day it is loaded.

pub mod import_file;
mod names;
mod vehicles;

use crate::progress;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_accounts::branches::{self, NewBranch};
use kefu_auto::vehicles::VehicleInput;
use kefu_auto::visits::{self, Visit};
use kefu_care::contacts::{self, ContactInput};
use kefu_care::customers::{self, CustomerInput};
use kefu_care::preferences::PreferencesInput;
use kefu_core::ids::{BranchId, CustomerId, ServiceVisitId, VehicleId};
use kefu_core::{Actor, Money, Scope};
use kefu_store::{Change, Db};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::fmt;
use vehicles::Line;

pub const DEFAULT_SEED: u64 = 4_008_123_456;
pub const CUSTOMERS: usize = 2_000;
pub const GROUP_CODE: &str = "HXQC";
const BATCH: usize = 250;

struct Store {
    code: &'static str,
    name: &'static str,
    district: &'static str,
    line: Line,
    advisors: &'static [&'static str],
}

const STORES: [Store; 2] = [
    Store {
        code: "HXQC-BJ01",
        name: "华星一汽-大众朝阳店",
        district: "朝阳区",
        line: vehicles::FAW_VW,
        advisors: &["王建国", "李娜", "张磊", "赵敏"],
    },
    Store {
        code: "HXQC-BJ02",
        name: "华星广汽丰田海淀店",
        district: "海淀区",
        line: vehicles::GAC_TOYOTA,
        advisors: &["刘洋", "陈静", "杨帆", "孙丽"],
    },
];

const REPAIRS: &[&str] = &[
    "更换前刹车片",
    "空调不制冷检修",
    "更换蓄电池",
    "右后门钣金喷漆",
    "更换雨刮片",
    "四轮定位",
    "更换轮胎两条",
    "发动机故障灯亮检修",
    "更换火花塞",
    "异响检查（底盘）",
];
const SOURCES: &[&str] = &["展厅到店", "网络预约", "老客户介绍", "电话咨询", "车展"];

#[derive(Debug, Default)]
pub struct Summary {
    pub customers: usize,
    pub vehicles: usize,
    pub visits: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "演示数据已载入 / demo data loaded: 2 家门店 stores, {} 位客户 customers, {} 辆车 vehicles, {} 条进厂记录 workshop visits",
            self.customers, self.vehicles, self.visits
        )
    }
}

/// Whether the demo group is already in the database.
pub async fn present(db: &Db) -> anyhow::Result<bool> {
    Ok(branches::all(db).await?.iter().any(|b| b.code == GROUP_CODE))
}

pub async fn load(db: &Db, seed: u64, today: Date) -> anyhow::Result<Summary> {
    load_sized(db, seed, today, CUSTOMERS).await
}

/// The demo with `count` customers instead of the usual number.
pub async fn load_sized(db: &Db, seed: u64, today: Date, count: usize) -> anyhow::Result<Summary> {
    if present(db).await? {
        anyhow::bail!("the demo data is already loaded (branch {GROUP_CODE} exists)");
    }
    // Everything in one transaction: an interrupted load leaves no half
    // demo behind that a later start would mistake for a complete one.
    let mut tx = db.begin().await?;
    // After a plain first start the administrator sees the top-level
    // branch it made; the demo group goes beneath it so they see the demo.
    let parent = branches::all(db).await?.into_iter().find(|b| b.parent_id.is_none()).map(|b| b.id);
    let nobody = Actor::system(Scope::new(parent.into_iter().collect()));
    let group = branches::create_in(
        &mut tx,
        &nobody,
        NewBranch {
            parent_id: parent,
            code: GROUP_CODE.into(),
            name: "华星汽车集团".into(),
            kind: "group".into(),
            ..NewBranch::default()
        },
    )
    .await?;
    let mut store_ids = Vec::new();
    let actor = Actor::system(Scope::new(vec![group.id]));
    for (i, s) in STORES.iter().enumerate() {
        let b = branches::create_in(
            &mut tx,
            &actor,
            NewBranch {
                parent_id: Some(group.id),
                code: s.code.into(),
                name: s.name.into(),
                kind: "store".into(),
                address: format!("北京市{}汽车园路{}号", s.district, 18 + i * 20),
                phone: format!("010-6{}88{:04}", 4 + i, 1234 + i),
            },
        )
        .await?;
        store_ids.push(b.id);
    }
    let actor = Actor::system(Scope::new([group.id].into_iter().chain(store_ids.iter().copied()).collect()));

    let mut generator = Generator { rng: ChaCha8Rng::seed_from_u64(seed), today, serial: 0, plates: HashSet::new() };
    let bar = progress::bar(count as u64, "演示数据 demo");
    let mut summary = Summary::default();
    for batch_start in (0..count).step_by(BATCH) {
        let before = (summary.customers, summary.vehicles, summary.visits);
        for i in batch_start..(batch_start + BATCH).min(count) {
            let store_index = if generator.rng.random_bool(0.55) { 0 } else { 1 };
            let store = &STORES[store_index];
            let branch = store_ids[store_index];
            let person = generator.customer(store, i);
            let company = person.kind == "company";
            let customer = customers::create_in(&mut tx, branch, &person, None, today).await?;
            summary.customers += 1;
            let mut driver = None;
            if company || generator.rng.random_bool(0.25) {
                let input = generator.contact(company);
                driver = Some(contacts::add_in(&mut tx, customer.id, &input).await?.id);
            }
            if generator.rng.random_bool(0.05) {
                // "不喜欢接电话": the documents' example of a preference.
                customers::set_preferences_in(&mut tx, customer.id, &generator.shy_preferences()).await?;
            }
            let count = match generator.rng.random_range(0..100) {
                0..85 => 1,
                85..98 => 2,
                _ => 3,
            };
            for _ in 0..count {
                let (mut input, history) = generator.vehicle(store);
                input.driver_contact_id = driver;
                let vehicle = kefu_auto::vehicles::create_in(&mut tx, branch, customer.id, &input, today).await?;
                summary.vehicles += 1;
                for mut v in history {
                    v.branch_id = branch;
                    v.vehicle_id = vehicle.id;
                    v.customer_id = customer.id;
                    let advisor = v.advisor.clone();
                    visits::record_in(&mut tx, &v, &advisor).await?;
                    summary.visits += 1;
                }
            }
            bar.inc(1);
        }
        tx.audit(
            &actor,
            Change {
                entity: "demo",
                entity_id: GROUP_CODE.into(),
                action: "load",
                branch: Some(group.id),
                old: None,
                new: Some(serde_json::json!({
                    "seed": seed,
                    "customers": summary.customers - before.0,
                    "vehicles": summary.vehicles - before.1,
                    "visits": summary.visits - before.2,
                })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    bar.finish_and_clear();
    Ok(summary)
}

struct Generator {
    rng: ChaCha8Rng,
    today: Date,
    serial: u32,
    plates: HashSet<String>,
}

impl Generator {
    fn customer(&mut self, store: &Store, i: usize) -> CustomerInput {
        let rng = &mut self.rng;
        let company = i % 12 == 5;
        let (name, gender) = if company { (names::company(rng, "北京"), "") } else { names::person(rng) };
        let birthday = (!company && rng.random_bool(0.8)).then(|| {
            let first =
                Date::new(rng.random_range(1955..2003i16), rng.random_range(1..=12), 1).expect("the first exists");
            first + rng.random_range(0..i64::from(first.days_in_month())).days()
        });
        CustomerInput {
            kind: if company { "company" } else { "person" }.into(),
            name,
            mobile: names::mobile(rng),
            gender: gender.into(),
            birthday: birthday.map(|d| d.to_string()).unwrap_or_default(),
            address: names::address(rng, store.district),
            source: names::pick(rng, SOURCES).to_string(),
            is_member: rng.random_bool(0.3),
            tags: if company {
                "车队客户".into()
            } else if rng.random_bool(0.08) {
                "VIP".into()
            } else {
                String::new()
            },
            ..CustomerInput::default()
        }
    }

    /// Someone else who drives the car or takes the calls: a spouse, a
    /// family member, a company's driver.
    fn contact(&mut self, company: bool) -> ContactInput {
        let rng = &mut self.rng;
        let (name, _) = names::person(rng);
        let relation = if company { "driver" } else { *names::pick(rng, &["driver", "spouse", "family"]) };
        ContactInput { name, relation: relation.into(), mobile: names::mobile(rng), ..ContactInput::default() }
    }

    fn shy_preferences(&mut self) -> PreferencesInput {
        PreferencesInput {
            allow_letter: true,
            allow_sms: true,
            allow_email: true,
            allow_phone: false,
            do_not_call: self.rng.random_bool(0.5),
            preferred_time: "evening".into(),
            quiet_start: "21:30".into(),
            quiet_end: "08:30".into(),
        }
    }

    /// A vehicle and its workshop history up to today (ids filled in by the
    /// caller).
    fn vehicle(&mut self, store: &Store) -> (VehicleInput, Vec<Visit>) {
        let today = self.today;
        let rng = &mut self.rng;
        let purchase = today - rng.random_range(1..3650i64).days();
        let model = *names::pick(rng, store.line.models);
        let electric = model.starts_with("ID.");
        self.serial += 1;
        let vin = vehicles::vin(rng, &store.line, vehicles::model_year(purchase), 100_000 + self.serial);
        // New cars wait a few days for their plates.
        let plate = if purchase < today - 7.days() {
            loop {
                let p = vehicles::plate(rng, electric);
                if self.plates.insert(p.clone()) {
                    break p;
                }
            }
        } else {
            String::new()
        };
        let daily_km = rng.random_range(15..90i64);
        let advisors = store.advisors;
        let mut history = Vec::new();
        let mut day = purchase + vehicles::due_after(daily_km, true).days();
        let mut first = true;
        // Each due service: most customers come (a little late or early);
        // some lapse and never come back.
        while day <= today {
            if !rng.random_bool(if first { 0.92 } else { 0.88 }) {
                break;
            }
            let date = day + rng.random_range(-10..20i64).days();
            if date > today {
                break;
            }
            let km = daily_km * date.since(purchase).map(|s| s.get_days() as i64).unwrap_or(0).max(0);
            let (kind, fen, summary) = if first {
                ("first_maintenance", 0, "首次保养：更换机油、机滤，全车检查".to_string())
            } else {
                (
                    "maintenance",
                    rng.random_range(48..168i64) * 1000,
                    "常规保养：更换机油、机滤，检查制动与轮胎".to_string(),
                )
            };
            let advisor = *names::pick(rng, advisors);
            history.push(visit(date, kind, km, fen, advisor, summary));
            let repair_day = date + rng.random_range(20..150i64).days();
            if rng.random_bool(0.18) && repair_day <= today {
                let km = daily_km * repair_day.since(purchase).map(|s| s.get_days() as i64).unwrap_or(0);
                let what = names::pick(rng, REPAIRS).to_string();
                let advisor = *names::pick(rng, advisors);
                history.push(visit(repair_day, "repair", km, rng.random_range(20..1200i64) * 1000, advisor, what));
            }
            day = date + vehicles::due_after(daily_km, false).days();
            first = false;
        }
        history.sort_by_key(|v| v.visit_date);
        // Policies run a year from the purchase; the next expiry is the
        // coming anniversary.
        let years = today.since(purchase).map(|s| s.get_days() / 365).unwrap_or(0);
        let insurance_expiry = purchase.checked_add(jiff::Span::new().years(years + 1)).ok();
        let input = VehicleInput {
            vin,
            plate,
            brand: store.line.brand.into(),
            model: model.into(),
            variant: names::pick(rng, vehicles::VARIANTS).to_string(),
            colour: names::pick(rng, vehicles::COLOURS).to_string(),
            purchase_date: Some(purchase),
            insurance_expiry,
            ..VehicleInput::default()
        };
        (input, history)
    }
}

fn visit(date: Date, kind: &str, km: i64, fen: i64, advisor: &str, summary: String) -> Visit {
    Visit {
        id: ServiceVisitId(0),
        branch_id: BranchId(0),
        vehicle_id: VehicleId(0),
        customer_id: CustomerId(0),
        visit_date: date,
        kind: kind.into(),
        mileage_km: km,
        amount: Money::from_fen(fen),
        advisor: advisor.into(),
        summary,
    }
}
