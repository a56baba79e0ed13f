//! The amounts of an inspection case (用电监察, issue 19 §4), as the issue
//! and /work/shared/domain/power.md ("Violations and theft", 《供电营业规则》
//! 1996 text, articles 100–104) give them:
//!
//! - theft's back charge (补交电费) = stolen kWh × the account's price;
//! - its penalty (违约使用电费) = a multiple of the back charge, 3 by default
//!   (the 2024 text may say "not more than 3 ×": a setting);
//! - stolen kWh, when the meter cannot tell, = capacity (kW, kVA counted as
//!   kW) × hours; the capacity from the equipment, or from the meter's rated
//!   current × voltage (single-phase U × I; three-phase √3 × U × I; power
//!   factor 1); without a known duration, 180 days × 6 hours a day for
//!   lighting users and × 12 for power users;
//! - kWh rounded half up to a whole kWh; each amount rounded half up to the
//!   fen once, the penalty computed from the rounded back charge;
//! - a case whose back charge and penalty exceed 1,000 yuan is escalated to
//!   the centre's leaders and only a manager closes it (the seed: 行为严重数额
//!   较大超1000元以上的要及时向有关领导汇报，严禁私下结案);
//! - an unauthorised capacity increase (私自增容) costs a charge per kVA of
//!   the added capacity, a setting.

use kefu_core::{Invalid, Money, Rule};

use crate::price::{Price, div_round_half_up, round_to_fen};
use kefu_core::decimal::parse_field;

/// Lighting users (照明用户) and power users (动力用户), whose unknown
/// duration of theft is reckoned at different hours a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserClass {
    Lighting,
    Power,
}

/// Where the stolen energy's capacity comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    /// The connected equipment's capacity, in watts (kVA counted as kW).
    Equipment { watts: u64 },
    /// The meter's rated current at the supply voltage.
    RatedCurrent { amps: u32, volts: u32, three_phase: bool },
}

/// The settings of the assessment; [`Default`] is the rule's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TheftRules {
    pub penalty_multiple: u32,
    /// Days of theft assumed when the duration is unknown.
    pub unknown_days: u32,
    pub lighting_hours_a_day: u32,
    pub power_hours_a_day: u32,
    /// A case above this total is escalated; closing it takes a manager.
    pub escalate_above: Money,
}

impl Default for TheftRules {
    fn default() -> TheftRules {
        TheftRules {
            penalty_multiple: 3,
            unknown_days: 180,
            lighting_hours_a_day: 6,
            power_hours_a_day: 12,
            escalate_above: Money::from_yuan(1000),
        }
    }
}

/// A theft to assess.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theft {
    pub user_class: UserClass,
    pub capacity: Capacity,
    /// Hours of theft, when known.
    pub hours: Option<u32>,
    pub price: Price,
}

/// The amounts of a theft case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TheftAssessment {
    pub hours: u32,
    pub kwh: i64,
    pub back_charge: Money,
    pub penalty: Money,
    pub total: Money,
    pub escalate: bool,
}

/// The stolen kWh, the back charge, the penalty and whether the case is
/// escalated; figures no real case has are refused, named as the API names
/// them, before any arithmetic.
pub fn assess_theft(theft: &Theft, rules: &TheftRules) -> Result<TheftAssessment, Invalid> {
    check_theft(theft)?;
    let hours = theft.hours.unwrap_or_else(|| {
        rules.unknown_days
            * match theft.user_class {
                UserClass::Lighting => rules.lighting_hours_a_day,
                UserClass::Power => rules.power_hours_a_day,
            }
    });
    let kwh = stolen_kwh(theft.capacity, hours);
    let back_charge = round_to_fen(theft.price.times(kwh));
    let penalty = Money::from_fen(back_charge.fen() * i64::from(rules.penalty_multiple));
    let total = back_charge + penalty;
    Ok(TheftAssessment { hours, kwh, back_charge, penalty, total, escalate: escalates(total, rules) })
}

/// The bounds of a plausible case: up to 100,000 kW, 10,000 A, 1,000 kV and
/// ten years of hours.
fn check_theft(theft: &Theft) -> Result<(), Invalid> {
    let out_of_range = |field: &str, zh: &str, en: &str| {
        Err(Invalid::new(field, Rule::new("theft_out_of_range", zh.to_string(), en.to_string())))
    };
    match theft.capacity {
        Capacity::Equipment { watts } if watts > 100_000_000 => {
            return out_of_range("capacity_kw", "容量不能超过 100000 千瓦", "a capacity is at most 100,000 kW");
        }
        Capacity::RatedCurrent { amps, .. } if !(1..=10_000).contains(&amps) => {
            return out_of_range(
                "rated_current_a",
                "额定电流应为 1 到 10000 安",
                "a rated current is from 1 to 10,000 A",
            );
        }
        Capacity::RatedCurrent { volts, .. } if !(1..=1_000_000).contains(&volts) => {
            return out_of_range("voltage_v", "电压应为 1 到 1000000 伏", "a voltage is from 1 to 1,000,000 V");
        }
        _ => {}
    }
    if theft.hours.is_some_and(|h| h > 87_600) {
        return out_of_range(
            "hours",
            "窃电时间不能超过十年（87600 小时）",
            "a theft lasts at most ten years (87,600 hours)",
        );
    }
    Ok(())
}

/// Whether a case's amount (back charge + penalty) must go to the leaders:
/// strictly above the threshold, so exactly 1,000.00 yuan is not.
pub fn escalates(total: Money, rules: &TheftRules) -> bool {
    total > rules.escalate_above
}

/// Capacity × hours in whole kWh, rounded half up.
fn stolen_kwh(capacity: Capacity, hours: u32) -> i64 {
    let kwh = match capacity {
        Capacity::Equipment { watts } => div_round_half_up(i128::from(watts) * i128::from(hours), 1000),
        Capacity::RatedCurrent { amps, volts, three_phase: false } => {
            div_round_half_up(i128::from(amps) * i128::from(volts) * i128::from(hours), 1000)
        }
        Capacity::RatedCurrent { amps, volts, three_phase: true } => {
            // round(√3 · x / 1000) = ⌊(√(12x²) + 1000) / 2000⌋, and ⌊√n⌋ may
            // stand for √n there: exact, with no float.
            let x = u128::from(amps) * u128::from(volts) * u128::from(hours);
            i128::try_from(((12 * x * x).isqrt() + 1000) / 2000).expect("a theft's kWh fits in i128")
        }
    };
    i64::try_from(kwh).expect("a theft's kWh fits in i64")
}

/// Parses a capacity in kW as the inspector writes it (`1.1`, `15`,
/// `0.375`) into watts: at most three decimals.
pub fn parse_kw(field: &str, input: &str) -> Result<u64, Invalid> {
    let watts = parse_field(field, input, 3, |_| {
        Rule::new(
            "kw_format",
            "容量应为千瓦数，最多三位小数，如 1.1",
            "a capacity is in kW with at most 3 decimals, such as 1.1",
        )
    })?;
    // The reader takes no sign, so the watts are never negative.
    Ok(watts.unsigned_abs())
}

/// The charge for an unauthorised capacity increase of `added_kva` at
/// `per_kva` (a setting: the 1996 text's article 100 sets 50 yuan per kW or
/// kVA for users on a single-part tariff, as secondary sources quote it; not
/// checked against the 2024 text).
pub fn unauthorised_capacity_charge(added_kva: u32, per_kva: Money) -> Money {
    Money::from_fen(i64::from(added_kva) * per_kva.fen())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn price(p: &str) -> Price {
        Price::parse("price", p).unwrap()
    }

    #[test]
    fn the_issues_example() {
        // 1.1 kW × 300 h = 330 kWh at 0.5283: 174.339 → 174.34; × 3 = 523.02.
        let t = Theft {
            user_class: UserClass::Lighting,
            capacity: Capacity::Equipment { watts: parse_kw("capacity_kw", "1.1").unwrap() },
            hours: Some(300),
            price: price("0.5283"),
        };
        let a = assess_theft(&t, &TheftRules::default()).unwrap();
        assert_eq!(
            (a.kwh, a.back_charge, a.penalty, a.total, a.escalate),
            (330, Money::from_fen(17_434), Money::from_fen(52_302), Money::from_fen(69_736), false)
        );
        // The same from a 5 A single-phase meter at 220 V.
        let by_meter = Theft { capacity: Capacity::RatedCurrent { amps: 5, volts: 220, three_phase: false }, ..t };
        assert_eq!(assess_theft(&by_meter, &TheftRules::default()).unwrap(), a);
    }

    #[test]
    fn an_unknown_duration_is_180_days_of_6_or_12_hours() {
        let lighting = Theft {
            user_class: UserClass::Lighting,
            capacity: Capacity::Equipment { watts: 2000 },
            hours: None,
            price: price("0.5283"),
        };
        let a = assess_theft(&lighting, &TheftRules::default()).unwrap();
        assert_eq!((a.hours, a.kwh), (1080, 2160));
        // 2160 × 0.5283 = 1141.128 → 1141.13; × 3 = 3423.39; 4564.52 in all.
        assert_eq!((a.back_charge, a.total, a.escalate), (Money::from_fen(114_113), Money::from_fen(456_452), true));
        let power = Theft { user_class: UserClass::Power, ..lighting };
        assert_eq!(assess_theft(&power, &TheftRules::default()).unwrap().hours, 2160);
    }

    #[test]
    fn three_phase_capacity_is_root_three_u_i() {
        // √3 × 380 V × 10 A = 6581.77 W; × 100 h = 658.177 kWh → 658.
        let t = Theft {
            user_class: UserClass::Power,
            capacity: Capacity::RatedCurrent { amps: 10, volts: 380, three_phase: true },
            hours: Some(100),
            price: price("0.65"),
        };
        assert_eq!(assess_theft(&t, &TheftRules::default()).unwrap().kwh, 658);
        // × 2160 h (unknown duration) = 14,216.62 → 14,217.
        let t = Theft { hours: None, ..t };
        assert_eq!(assess_theft(&t, &TheftRules::default()).unwrap().kwh, 14_217);
    }

    #[test]
    fn figures_no_case_has_are_refused_by_the_apis_names() {
        let t = Theft {
            user_class: UserClass::Power,
            capacity: Capacity::RatedCurrent { amps: 0, volts: 380, three_phase: true },
            hours: None,
            price: price("0.65"),
        };
        let field = |t: &Theft| assess_theft(t, &TheftRules::default()).unwrap_err().field;
        assert_eq!(field(&t), "rated_current_a");
        assert_eq!(
            field(&Theft { capacity: Capacity::RatedCurrent { amps: 5, volts: 0, three_phase: false }, ..t }),
            "voltage_v"
        );
        assert_eq!(field(&Theft { capacity: Capacity::Equipment { watts: 100_000_001 }, ..t }), "capacity_kw");
        assert_eq!(field(&Theft { capacity: Capacity::Equipment { watts: 1000 }, hours: Some(87_601), ..t }), "hours");
        let e = assess_theft(
            &Theft { hours: Some(u32::MAX), capacity: Capacity::Equipment { watts: 1000 }, ..t },
            &TheftRules::default(),
        )
        .unwrap_err();
        assert_eq!(e.rule.code, "theft_out_of_range");
    }

    #[test]
    fn escalation_is_strictly_above_one_thousand_yuan() {
        let rules = TheftRules::default();
        assert!(!escalates(Money::from_yuan(1000), &rules));
        assert!(escalates(Money::from_fen(100_001), &rules));
    }

    #[test]
    fn the_penalty_multiple_is_a_setting() {
        let t = Theft {
            user_class: UserClass::Lighting,
            capacity: Capacity::Equipment { watts: 1000 },
            hours: Some(10),
            price: price("0.5"),
        };
        let once = TheftRules { penalty_multiple: 1, ..TheftRules::default() };
        let a = assess_theft(&t, &once).unwrap();
        assert_eq!(
            (a.back_charge, a.penalty, a.total),
            (Money::from_yuan(5), Money::from_yuan(5), Money::from_yuan(10))
        );
    }

    #[test]
    fn capacities_parse_in_kw() {
        assert_eq!(parse_kw("capacity_kw", "1.1").unwrap(), 1100);
        assert_eq!(parse_kw("capacity_kw", "15").unwrap(), 15_000);
        assert_eq!(parse_kw("capacity_kw", "0.375").unwrap(), 375);
        for bad in ["", "1.1234", "-1", "1,5", "abc", "1.", ".5"] {
            assert!(parse_kw("capacity_kw", bad).is_err(), "{bad}");
        }
        assert_eq!(parse_kw("capacity_kw", "1.1234").unwrap_err().rule.code, "kw_format");
    }

    #[test]
    fn an_unauthorised_increase_is_charged_per_kva() {
        assert_eq!(unauthorised_capacity_charge(30, Money::from_yuan(50)), Money::from_yuan(1500));
    }

    proptest! {
        #[test]
        fn three_phase_kwh_is_the_nearest_whole_kwh(amps in 1u32..400, hours in 0u32..5000) {
            let kwh = stolen_kwh(Capacity::RatedCurrent { amps, volts: 380, three_phase: true }, hours);
            // n is nearest to √3·x/1000 iff (2000n − 1000)² ≤ 12x² < (2000n + 1000)².
            let x = i128::from(amps) * 380 * i128::from(hours);
            let n = i128::from(kwh);
            prop_assert!((2000 * n - 1000).max(0).pow(2) <= 12 * x * x);
            prop_assert!(12 * x * x < (2000 * n + 1000).pow(2));
        }

        #[test]
        fn the_total_is_back_charge_and_its_multiple(watts in 0u64..100_000, hours in 0u32..5000, units in 0i64..20_000) {
            let t = Theft { user_class: UserClass::Power, capacity: Capacity::Equipment { watts }, hours: Some(hours), price: Price::from_units(units) };
            let a = assess_theft(&t, &TheftRules::default()).unwrap();
            prop_assert_eq!(a.penalty.fen(), 3 * a.back_charge.fen());
            prop_assert_eq!(a.total, a.back_charge + a.penalty);
            prop_assert_eq!(a.escalate, a.total > Money::from_yuan(1000));
        }
    }
}
