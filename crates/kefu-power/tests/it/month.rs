//! A township station's November: readings checked, bills priced by the
//! shipped tariffs, payments allocated, a late charge, and the month's
//! indicators — the figures worked out by hand in the comments.

use jiff::civil::{Date, date};
use kefu_core::Money;
use kefu_power::billing::{Arrears, LateChargeRules, OpenBill, Payer, Usage, allocate, energy_charge, late_charge};
use kefu_power::indicators::{Collection, Miss, MonthTotals, Percent, Targets};
use kefu_power::readings::{
    Hold, MeterSpan, Multiplier, Reading, ReadingCheck, ReadingRules, Register, Verdict, check, metered_kwh,
};
use kefu_power::tariffs::{Tariff, shipped};

const FIRST: Date = date(2026, 11, 1);
const LAST: Date = date(2026, 11, 30);
const DUE: Date = date(2026, 12, 25);

fn tariff(code: &str) -> Tariff {
    shipped().into_iter().find(|t| t.code() == code).unwrap()
}

fn five_digits() -> Register {
    Register::new("digits", 5).unwrap()
}

fn real(last: i64, current: i64) -> ReadingCheck {
    ReadingCheck {
        register: five_digits(),
        multiplier: Multiplier::DIRECT,
        last_real: Reading::from_kwh(last),
        current: Reading::from_kwh(current),
        average_kwh: Some(120),
        estimated_kwh: 0,
    }
}

#[test]
fn a_stations_month_from_readings_to_indicators() {
    let rules = ReadingRules::default();
    let residential = tariff("gx-res-1");
    let tou = tariff("gx-tou-1");

    // Household A: the register rolled over, 99950 → 00030: 80 kWh, all tier 1.
    let Verdict::Bill { kwh: a_kwh, rollover: true } = check("reading", &real(99_950, 30), &rules).unwrap() else {
        panic!("a plausible rollover is billed");
    };
    let a = energy_charge(&residential, Usage::Total(a_kwh), 0, FIRST, LAST).unwrap();
    assert_eq!((a.kwh, a.amount), (80, Money::from_fen(4226))); // 80 × 0.5283 = 42.264

    // Household B: meter replaced on the 12th; 131 kWh on the old, 173.5 → 174 on the new.
    let old = MeterSpan {
        register: Register::new("digits", 4).unwrap(),
        multiplier: Multiplier::DIRECT,
        start: Reading::from_kwh(4690),
        end: Reading::from_kwh(4821),
    };
    let new = MeterSpan {
        register: Register::new("digits", 6).unwrap(),
        multiplier: Multiplier::DIRECT,
        start: Reading::from_kwh(0),
        end: Reading::parse("reading", "173.5").unwrap(),
    };
    let b_kwh = metered_kwh(&[old, new], &rules).unwrap();
    let b = energy_charge(&residential, Usage::Total(b_kwh), 0, FIRST, LAST).unwrap();
    // 150 × 0.5283 = 79.245 → 79.25; 100 × 0.5783 = 57.83; 55 × 0.8283 = 45.5565 → 45.56.
    assert_eq!((b.kwh, b.lines.len(), b.amount), (305, 3, Money::from_fen(7925 + 5783 + 4556)));

    // Shop C on time of use: 1203 × 0.975 = 1172.925 → 1172.93; 2500 × 0.65; 800 × 0.325.
    let c = energy_charge(&tou, Usage::Registers { peak: 1203, flat: 2500, valley: 800 }, 0, FIRST, LAST).unwrap();
    assert_eq!((c.kwh, c.amount), (4503, Money::from_fen(117_293 + 162_500 + 26_000)));

    // Household D's register did not move: held for re-reading, not billed.
    assert_eq!(
        check("reading", &real(2400, 2400), &rules).unwrap(),
        Verdict::Held { kwh: 0, rollover: false, reason: Hold::ZeroUse }
    );

    // Payments: A in full, B 100 yuan of 182.64, C in full.
    let billed = a.amount + b.amount + c.amount;
    let b_bill = [OpenBill { key: "B", due: DUE, outstanding: b.amount }];
    let b_paid = allocate(Money::from_yuan(100), &b_bill, false).unwrap();
    assert_eq!(b_paid.applied, [("B", Money::from_yuan(100))]);
    let collected = a.amount + Money::from_yuan(100) + c.amount;

    // B's 82.64 still owed ten days after the due date: 0.8264 yuan, raised to the 1-yuan minimum.
    let b_late = late_charge(
        Arrears { payer: Payer::Residential, amount: b.amount, due: DUE },
        &[(date(2026, 12, 20), Money::from_yuan(100))],
        date(2027, 1, 4),
        &LateChargeRules::default(),
    );
    assert_eq!((b_late.days, b_late.amount), (10, Money::from_yuan(1)));

    // The month: 5,000 kWh from the grid and 500 from a small hydro; 4,888 sold.
    let station = MonthTotals {
        grid_in_kwh: 5000,
        hydro_fed_kwh: 500,
        sold_kwh: a.kwh + b.kwh + c.kwh,
        revenue: billed,
        collection: Collection { billed, collected, ..Collection::default() },
        readings_due: 4,
        readings_read: 4,
        reading_errors: 0,
        meter_faults: 0,
    };
    let i = station.indicators();
    assert_eq!((i.supplied_kwh, i.sold_kwh, i.loss_kwh), (5500, 4888, 612));
    assert_eq!(i.line_loss.unwrap().to_string(), "11.13%");
    // 3,282.83 yuan / 4,888 kWh = 0.67161… yuan per kWh.
    assert_eq!(i.average_price.unwrap().to_string(), "0.6716");
    // 3,200.19 / 3,282.83 = 97.4826… %
    assert_eq!(i.collection.unwrap().to_string(), "97.48%");
    assert_eq!(
        (i.reading_rate.unwrap().to_string(), i.error_rate.unwrap().to_string()),
        ("100.00%".into(), "0.00%".into())
    );

    let targets = Targets {
        line_loss_at_most: Some(Percent::parse("line_loss", "8").unwrap()),
        collection_at_least: Some(Percent::parse("collection", "97").unwrap()),
        average_price_at_least: None,
    };
    assert_eq!(targets.misses(&i), [Miss::LineLoss]);

    // A second station with nothing amiss; the centre is their sum.
    let other = MonthTotals { grid_in_kwh: 10_000, sold_kwh: 9_500, ..MonthTotals::default() };
    let centre: MonthTotals = [station, other].into_iter().sum();
    let ci = centre.indicators();
    assert_eq!((ci.supplied_kwh, ci.loss_kwh), (15_500, 1_112));
    assert_eq!(ci.line_loss.unwrap().to_string(), "7.17%"); // 1,112 / 15,500 = 7.174… %
}
