//! The one generator behind `kefu demo` and `kefu gen`: from a seed and a
//! day, the same customers in the same order — who they are, who drives
//! their cars, their preferences, their vehicles and each vehicle's workshop
//! history up to that day. It only plans; the demo writes a plan through the
//! capabilities, `kefu gen` writes many at once.

use super::stores::Store;
use super::vehicles;
use crate::vehicles::VehicleInput;
use crate::visits::Visit;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_care::contacts::ContactInput;
use kefu_care::customers::CustomerInput;
use kefu_care::preferences::PreferencesInput;
use kefu_core::Money;
use kefu_core::ids::{BranchId, CustomerId, ServiceVisitId, VehicleId};
use kefu_pack::names;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

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

/// One customer and everything that comes with them. Ids in the visits are
/// left at 0 for the writer to fill in.
pub struct Plan {
    /// Index into the stores the generator was given.
    pub store: usize,
    pub customer: CustomerInput,
    /// Someone else who drives the cars or takes the calls.
    pub driver: Option<ContactInput>,
    pub preferences: Option<PreferencesInput>,
    pub vehicles: Vec<(VehicleInput, Vec<Visit>)>,
}

pub struct Generator<'s> {
    rng: ChaCha8Rng,
    today: Date,
    stores: &'s [Store],
    serial: u32,
    plates: HashSet<String>,
    vins: HashSet<String>,
    made: usize,
}

impl<'s> Generator<'s> {
    pub fn new(seed: u64, today: Date, stores: &'s [Store]) -> Generator<'s> {
        assert!(!stores.is_empty(), "a generator needs at least one store");
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            today,
            stores,
            serial: 0,
            plates: HashSet::new(),
            vins: HashSet::new(),
            made: 0,
        }
    }

    /// The next customer.
    pub fn next_plan(&mut self) -> Plan {
        let store = self.rng.random_range(0..self.stores.len());
        let customer = self.customer(store);
        let company = customer.kind == "company";
        let driver = (company || self.rng.random_bool(0.25)).then(|| self.contact(company));
        // "不喜欢接电话": the documents' example of a preference.
        let preferences = self.rng.random_bool(0.05).then(|| self.shy_preferences());
        let count = match self.rng.random_range(0..100) {
            0..82 => 1,
            82..97 => 2,
            _ => 3,
        };
        let vehicles = (0..count).map(|_| self.vehicle(store)).collect();
        self.made += 1;
        Plan { store, customer, driver, preferences, vehicles }
    }

    fn customer(&mut self, store: usize) -> CustomerInput {
        let s = &self.stores[store];
        let rng = &mut self.rng;
        let company = self.made % 12 == 5;
        let (name, gender) = if company { (names::company(rng, s.city_short()), "") } else { names::person(rng) };
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
            address: names::address(rng, s.city, s.district, s.streets),
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

    /// A spouse, a family member, a company's driver.
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

    /// A vehicle bought in the last ten years and its workshop history up
    /// to today.
    fn vehicle(&mut self, store: usize) -> (VehicleInput, Vec<Visit>) {
        let s = &self.stores[store];
        let today = self.today;
        let rng = &mut self.rng;
        let purchase = today - rng.random_range(1..3650i64).days();
        let model = *names::pick(rng, s.line.models);
        let new_energy = s.line.new_energy.contains(&model);
        let vin = loop {
            self.serial += 1;
            let vin = vehicles::vin(rng, &s.line, vehicles::model_year(purchase), 100_000 + self.serial);
            if self.vins.insert(vin.clone()) {
                break vin;
            }
        };
        // New cars wait a few days for their plates.
        let plate = if purchase < today - 7.days() {
            let region = if rng.random_bool(0.9) { &s.home } else { &s.neighbour };
            loop {
                let p = vehicles::plate(rng, region, new_energy);
                if self.plates.insert(p.clone()) {
                    break p;
                }
            }
        } else {
            String::new()
        };
        let daily_km = rng.random_range(15..90i64);
        let advisors = s.advisors;
        let mut history = Vec::new();
        let mut day = purchase + vehicles::due_after(daily_km, true).days();
        let mut first = true;
        let km_on = |d: Date| daily_km * d.since(purchase).map(|s| i64::from(s.get_days())).unwrap_or(0).max(0);
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
            let (kind, fen, summary) = if first {
                ("first_maintenance", 0, "首次保养：更换机油、机滤，全车检查")
            } else {
                ("maintenance", rng.random_range(48..168i64) * 1000, "常规保养：更换机油、机滤，检查制动与轮胎")
            };
            let advisor = *names::pick(rng, advisors);
            history.push(visit(date, kind, km_on(date), fen, advisor, summary.to_string()));
            let repair_day = date + rng.random_range(20..150i64).days();
            if rng.random_bool(0.18) && repair_day <= today {
                let what = names::pick(rng, REPAIRS).to_string();
                let advisor = *names::pick(rng, advisors);
                let fen = rng.random_range(20..1200i64) * 1000;
                history.push(visit(repair_day, "repair", km_on(repair_day), fen, advisor, what));
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
            brand: s.line.brand.into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::stores::STORES;

    #[test]
    fn the_same_seed_plans_the_same_customers() {
        let today: Date = "2026-11-29".parse().unwrap();
        let names = |seed| {
            let mut g = Generator::new(seed, today, &STORES);
            (0..50).map(|_| g.next_plan()).map(|p| (p.customer.name, p.vehicles[0].0.vin.clone())).collect::<Vec<_>>()
        };
        assert_eq!(names(1), names(1));
        assert_ne!(names(1), names(2));
    }

    #[test]
    fn plans_pass_the_archive_rules() {
        let today: Date = "2026-11-29".parse().unwrap();
        let mut g = Generator::new(5, today, &STORES);
        for i in 0..500 {
            let p = g.next_plan();
            let c = p.customer.record(CustomerId(i), BranchId(1), "KH1", today).expect("a valid customer");
            assert!(!c.name.is_empty());
            if let Some(d) = &p.driver {
                d.record(kefu_core::ids::ContactId(i), c.id).expect("a valid contact");
            }
            for (v, history) in &p.vehicles {
                v.record(VehicleId(i), BranchId(1), c.id, today).expect("a valid vehicle");
                assert!(history.windows(2).all(|w| w[0].visit_date <= w[1].visit_date));
            }
        }
    }
}
