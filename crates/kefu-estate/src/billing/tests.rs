//! The billing run over a small estate, worked out by hand.

use std::collections::{HashMap, HashSet};

use jiff::civil::{Date, date};
use kefu_core::Money;
use proptest::prelude::*;

use super::*;
use crate::fees::{AreaOf, Basis, Cycle, DueDay, FeeItem, Month, Reading, ShareBy, UnitPrice};
use crate::houses::{Area, HouseKind, HouseNo};

fn no(text: &str) -> HouseNo {
    HouseNo::parse("house", text).unwrap()
}

fn house(text: &str, kind: HouseKind, area: &str, from: Option<Date>) -> House {
    House {
        no: no(text),
        kind,
        building_area: Area::parse("area", area).unwrap(),
        interior_area: None,
        billed_from: from,
    }
}

fn item(code: &str, basis: Basis, cycle: Cycle, kinds: &[HouseKind]) -> FeeItem {
    FeeItem::new(code, basis, cycle, DueDay::new("due_day", 15).unwrap(), kinds).unwrap()
}

fn price(text: &str) -> UnitPrice {
    UnitPrice::parse("price", text).unwrap()
}

fn mgmt() -> FeeItem {
    item(
        "mgmt",
        Basis::Area { of: AreaOf::Building, price: price("2.35") },
        Cycle::Monthly,
        &[HouseKind::Residence, HouseKind::Shop],
    )
}

fn water() -> FeeItem {
    item(
        "water",
        Basis::Metered { price: price("4.10"), share_by: ShareBy::Area },
        Cycle::Monthly,
        &[HouseKind::Residence],
    )
}

/// Three flats, one handed over on 17 January, one unsold, and a parking space.
fn estate() -> Vec<House> {
    vec![
        house("3-2-1502", HouseKind::Residence, "98.56", Some(date(2020, 5, 1))),
        house("3-2-1501", HouseKind::Residence, "120.00", Some(date(2026, 1, 17))),
        house("3-2-1503", HouseKind::Residence, "98.56", None),
        house("P-B1-023", HouseKind::ParkingSpace, "12.50", Some(date(2022, 1, 1))),
    ]
}

struct Inputs {
    houses: Vec<House>,
    items: Vec<FeeItem>,
    readings: HashMap<String, HashMap<HouseNo, Reading>>,
    masters: HashMap<String, Reading>,
    one_offs: Vec<(HouseNo, String)>,
    billed: HashSet<BillingKey>,
}

impl Inputs {
    fn new(items: Vec<FeeItem>) -> Inputs {
        Inputs {
            houses: estate(),
            items,
            readings: HashMap::new(),
            masters: HashMap::new(),
            one_offs: Vec::new(),
            billed: HashSet::new(),
        }
    }

    fn read(&mut self, item: &str, house: &str, previous: i64, current: i64) {
        self.readings.entry(item.into()).or_default().insert(no(house), Reading::new(previous, current));
    }

    fn run(&self, period: Month) -> Result<Run, kefu_core::Invalid> {
        billing_run(&RunInput {
            estate: "JHY",
            period,
            houses: &self.houses,
            items: &self.items,
            readings: &self.readings,
            masters: &self.masters,
            one_offs: &self.one_offs,
            billed: &self.billed,
        })
    }
}

fn amounts(run: &Run) -> Vec<(String, String, LineKind, i64)> {
    run.bills
        .iter()
        .flat_map(|b| b.lines.iter().map(move |l| (b.house.to_string(), l.item.clone(), l.kind, l.amount.fen())))
        .collect()
}

#[test]
fn whole_and_partial_months_and_only_the_kinds_an_item_applies_to() {
    let run = Inputs::new(vec![mgmt()]).run(Month::new(2026, 1)).unwrap();
    // 98.56 × 2.35 = 231.616 → 231.62; 120 × 2.35 × 15/31 = 136.4516… → 136.45.
    // The unsold flat and the parking space get nothing.
    assert_eq!(
        amounts(&run),
        [
            ("3-2-1501".into(), "mgmt".into(), LineKind::Area, 13_645),
            ("3-2-1502".into(), "mgmt".into(), LineKind::Area, 23_162),
        ]
    );
    assert_eq!(run.bills[0].due, date(2026, 1, 15));
    assert_eq!(run.bills[0].lines[0].quantity.to_string(), "58.06");
    // February: both in full.
    let run = Inputs::new(vec![mgmt()]).run(Month::new(2026, 2)).unwrap();
    assert_eq!(run.bills.iter().map(Bill::total).collect::<Vec<_>>(), [Money::from_yuan(282), Money::from_fen(23_162)]);
}

#[test]
fn a_quarterly_item_bills_its_quarter_in_advance_in_the_quarter_s_first_month() {
    let parking = item(
        "parking",
        Basis::Fixed { per_month: Money::from_yuan(150) },
        Cycle::Quarterly,
        &[HouseKind::ParkingSpace],
    );
    let inputs = Inputs::new(vec![parking]);
    let run = inputs.run(Month::new(2026, 4)).unwrap();
    assert_eq!(amounts(&run), [("P-B1-023".into(), "parking".into(), LineKind::Fixed, 45_000)]);
    assert_eq!(run.bills[0].lines[0].quantity.to_string(), "3");
    assert_eq!(inputs.run(Month::new(2026, 5)).unwrap(), Run::default());
}

#[test]
fn a_shared_meter_s_public_share_is_split_so_the_shares_add_up() {
    let mut inputs = Inputs::new(vec![water()]);
    inputs.read("water", "3-2-1502", 1234, 1251);
    inputs.read("water", "3-2-1501", 0, 9);
    // The master read 40 m³ beyond the flats' 26: 40 × 4.10 = 164.00, split
    // over 98.56 and 120.00 m² (the unsold flat is served by nobody).
    inputs.masters.insert("water".into(), Reading::new(5000, 5066));
    let run = inputs.run(Month::new(2026, 1)).unwrap();
    assert_eq!(
        amounts(&run),
        [
            ("3-2-1501".into(), "water".into(), LineKind::Metered, 3690),
            ("3-2-1501".into(), "water".into(), LineKind::PublicShare, 9004),
            ("3-2-1502".into(), "water".into(), LineKind::Metered, 6970),
            ("3-2-1502".into(), "water".into(), LineKind::PublicShare, 7396),
        ]
    );
    let shares = |run: &Run| -> i64 {
        amounts(run).iter().filter(|(_, _, kind, _)| *kind == LineKind::PublicShare).map(|(_, _, _, fen)| fen).sum()
    };
    assert_eq!(shares(&run), 16_400);
    // The unsold flat's meter read 10 m³: billed to nobody here, but not
    // the public's either — the share is 30 m³, 123.00.
    inputs.read("water", "3-2-1503", 0, 10);
    let run = inputs.run(Month::new(2026, 1)).unwrap();
    assert_eq!(shares(&run), 12_300);
    assert!(run.bills.iter().all(|b| b.house != no("3-2-1503")));
}

#[test]
fn readings_missing_or_wrong() {
    let mut inputs = Inputs::new(vec![water()]);
    inputs.read("water", "3-2-1502", 1234, 1251);
    // Without a master meter, a house without a reading is passed by and reported.
    let run = inputs.run(Month::new(2026, 1)).unwrap();
    assert_eq!(run.bills.len(), 1);
    assert_eq!(run.skipped, [Skipped { house: no("3-2-1501"), item: "water".into(), reason: SkipReason::NoReading }]);
    // With one, the public share needs every reading: the run is refused.
    inputs.masters.insert("water".into(), Reading::new(5000, 5066));
    let e = inputs.run(Month::new(2026, 1)).unwrap_err();
    assert_eq!((e.field.as_str(), e.rule.code), ("readings[water]", "public_share_needs_all_readings"));
    // A reading below the last refuses the whole run, naming the house.
    inputs.read("water", "3-2-1501", 9, 3);
    let e = inputs.run(Month::new(2026, 1)).unwrap_err();
    assert_eq!((e.field.as_str(), e.rule.code), ("readings[water][3-2-1501].current", "reading_below_last"));
    // A master below its houses.
    inputs.read("water", "3-2-1501", 0, 9);
    inputs.masters.insert("water".into(), Reading::new(5000, 5010));
    let e = inputs.run(Month::new(2026, 1)).unwrap_err();
    assert_eq!((e.field.as_str(), e.rule.code), ("masters[water].master", "master_below_houses"));
}

#[test]
fn an_interior_area_item_passes_by_a_house_without_one() {
    let interior = item(
        "lift",
        Basis::Area { of: AreaOf::Interior, price: price("0.30") },
        Cycle::Monthly,
        &[HouseKind::Residence],
    );
    let mut inputs = Inputs::new(vec![interior]);
    inputs.houses[0].interior_area = Some(Area::parse("area", "80.00").unwrap());
    let run = inputs.run(Month::new(2026, 2)).unwrap();
    assert_eq!(amounts(&run), [("3-2-1502".into(), "lift".into(), LineKind::Area, 2400)]);
    assert_eq!(run.skipped[0].reason, SkipReason::NoInteriorArea);
}

#[test]
fn one_off_charges_and_separate_due_days() {
    let deposit = FeeItem::new(
        "deposit",
        Basis::OneOff { amount: Money::from_yuan(2000) },
        Cycle::Monthly,
        DueDay::new("due_day", 5).unwrap(),
        &[HouseKind::Residence],
    )
    .unwrap();
    let mut inputs = Inputs::new(vec![mgmt(), deposit]);
    inputs.one_offs.push((no("3栋2单元1502"), "deposit".into()));
    let run = inputs.run(Month::new(2026, 2)).unwrap();
    let flat: Vec<&Bill> = run.bills.iter().filter(|b| b.house == no("3-2-1502")).collect();
    assert_eq!(flat.len(), 2);
    assert_eq!((flat[0].due, flat[0].total()), (date(2026, 2, 5), Money::from_yuan(2000)));
    assert_eq!((flat[1].due, flat[1].total()), (date(2026, 2, 15), Money::from_fen(23_162)));

    inputs.one_offs = vec![(no("3-2-1502"), "mgmt".into())];
    assert_eq!(inputs.run(Month::new(2026, 2)).unwrap_err().rule.code, "not_one_off");
    inputs.one_offs = vec![(no("9-1-101"), "deposit".into())];
    let e = inputs.run(Month::new(2026, 2)).unwrap_err();
    assert_eq!((e.field.as_str(), e.rule.code), ("one_offs[0].house", "unknown_house"));
    inputs.one_offs = vec![(no("P-B1-023"), "deposit".into())];
    assert_eq!(inputs.run(Month::new(2026, 2)).unwrap_err().rule.code, "item_not_for_house_kind");
    inputs.one_offs = vec![(no("3-2-1502"), "nope".into())];
    assert_eq!(inputs.run(Month::new(2026, 2)).unwrap_err().rule.code, "unknown_item");
}

#[test]
fn a_repeated_run_bills_nothing_twice_and_a_reversal_frees_the_key() {
    let mut inputs = Inputs::new(vec![mgmt(), water()]);
    inputs.read("water", "3-2-1502", 1234, 1251);
    inputs.read("water", "3-2-1501", 0, 9);
    inputs.masters.insert("water".into(), Reading::new(5000, 5066));
    let first = inputs.run(Month::new(2026, 1)).unwrap();
    inputs.billed.extend(first.bills.iter().flat_map(Bill::keys));
    assert_eq!(inputs.run(Month::new(2026, 1)).unwrap().bills, []);

    // Flat 1502's water was read wrong: reverse its bill, free its keys,
    // and the run bills it again on the corrected reading — the public share
    // split over the same houses.
    let wrong = first.bills.iter().find(|b| b.house == no("3-2-1502")).unwrap();
    let reversal = wrong.reversal();
    assert_eq!(reversal.total() + wrong.total(), Money::ZERO);
    for key in wrong.keys() {
        inputs.billed.remove(&key);
    }
    inputs.read("water", "3-2-1502", 1234, 1249);
    let again = inputs.run(Month::new(2026, 1)).unwrap();
    assert_eq!(again.bills.len(), 1);
    assert_eq!(again.bills[0].house, no("3-2-1502"));
    let kinds: Vec<(LineKind, i64)> = again.bills[0].lines.iter().map(|l| (l.kind, l.amount.fen())).collect();
    // 15 m³ × 4.10 = 61.50; the public share is now 42 m³ = 172.20, the
    // flat's part 172.20 × 9856 / 21856 = 77.6535… → 77.65.
    assert_eq!(kinds, [(LineKind::Area, 23_162), (LineKind::Metered, 6150), (LineKind::PublicShare, 7765)]);
}

proptest! {
    #[test]
    fn shares_add_up_and_a_rerun_adds_nothing(
        uses in proptest::collection::vec((1i64..30_000, 0i64..500), 1..40),
        extra in 0i64..5_000,
    ) {
        let houses: Vec<House> = uses
            .iter()
            .enumerate()
            .map(|(i, (area, _))| House {
                no: HouseNo::Room { building: "1".into(), unit: Some(1), room: format!("{}", 101 + i) },
                kind: HouseKind::Residence,
                building_area: Area::from_hundredths(*area).unwrap(),
                interior_area: None,
                billed_from: Some(date(2020, 1, 1)),
            })
            .collect();
        let mut inputs = Inputs { houses, ..Inputs::new(vec![water()]) };
        for (h, (_, used)) in inputs.houses.clone().iter().zip(&uses) {
            inputs.readings.entry("water".into()).or_default().insert(h.no.clone(), Reading::new(0, *used));
        }
        let total: i64 = uses.iter().map(|(_, u)| u).sum();
        inputs.masters.insert("water".into(), Reading::new(0, total + extra));
        let run = inputs.run(Month::new(2026, 3)).unwrap();
        let shared: Money = run.bills.iter().flat_map(|b| &b.lines).filter(|l| l.kind == LineKind::PublicShare).map(|l| l.amount).sum();
        prop_assert_eq!(shared, crate::fees::metered_amount(extra, price("4.10")));
        inputs.billed.extend(run.bills.iter().flat_map(Bill::keys));
        prop_assert_eq!(inputs.run(Month::new(2026, 3)).unwrap().bills, vec![]);
    }
}
