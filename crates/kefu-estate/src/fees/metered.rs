//! Metered fees: a house's use from its meter's readings, and the public
//! share (公摊) of a master meter — what it read beyond the houses' meters
//! — priced once and split over the houses so the shares add up to it.

use kefu_core::allocation::largest_remainder;
use kefu_core::{Invalid, Money, Rule};

use crate::fees::amount::Exact;
use crate::fees::price::UnitPrice;

/// More than any estate's meters turn in a lifetime: a typo.
const MAX_READING: i64 = 1_000_000_000_000;

/// A meter's readings for a period, in whole units (m³, kWh).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The last reading billed.
    pub previous: i64,
    pub current: i64,
    /// Where the meter was replaced within the period.
    pub replacement: Option<Replacement>,
}

/// A meter replaced between two readings: the old meter's last reading when
/// it came out, and the new one's first when it went in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub old_final: i64,
    pub new_initial: i64,
}

impl Reading {
    pub fn new(previous: i64, current: i64) -> Reading {
        Reading { previous, current, replacement: None }
    }

    /// The units used: current − previous, or across a replacement the old
    /// meter's part plus the new one's. A reading below the one before it
    /// on the same meter is refused: a meter does not run backwards, and
    /// kefu does not guess a rollover or a replacement nobody recorded.
    pub fn usage(&self) -> Result<i64, Invalid> {
        for (field, value) in [("previous", self.previous), ("current", self.current)].into_iter().chain(
            self.replacement
                .iter()
                .flat_map(|r| [("replacement.old_final", r.old_final), ("replacement.new_initial", r.new_initial)]),
        ) {
            if !(0..MAX_READING).contains(&value) {
                return Err(Invalid::new(
                    field,
                    Rule::new(
                        "reading_range",
                        "读数应为 0 到 1 万亿之间的整数",
                        "a reading is a whole number from 0 to a trillion",
                    ),
                ));
            }
        }
        let below = |field: &str, last: i64| {
            Invalid::new(
                field,
                Rule::new(
                    "reading_below_last",
                    format!("读数低于上次读数 {last}；如已换表，请登记换表读数"),
                    format!(
                        "the reading is below the last one, {last}; if the meter was replaced, record the replacement"
                    ),
                ),
            )
        };
        match self.replacement {
            None if self.current < self.previous => Err(below("current", self.previous)),
            None => Ok(self.current - self.previous),
            Some(r) if r.old_final < self.previous => Err(below("replacement.old_final", self.previous)),
            Some(r) if self.current < r.new_initial => Err(below("current", r.new_initial)),
            Some(r) => Ok(r.old_final - self.previous + self.current - r.new_initial),
        }
    }
}

/// A line's amount for `units` at `price`, rounded once.
pub fn metered_amount(units: i64, price: UnitPrice) -> Money {
    // Ten-thousandths of a yuan are hundredths of a fen.
    Exact::fen_fraction(i128::from(units) * i128::from(price.units()), 100).round()
}

/// The public share of a master meter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicShare {
    /// What the master read beyond the houses' meters.
    pub units: i64,
    /// Those units at the price, rounded once.
    pub amount: Money,
    /// Each house's part, in the order of the weights given; they add up to
    /// `amount` exactly.
    pub shares: Vec<Money>,
}

/// Splits a master meter's use beyond `house_units` (their sum) over houses
/// weighted by `weights` (building area in hundredths of a m², or 1 each):
/// priced once, then split by the largest remainder — a fen left over goes
/// to the larger remainder, and between equal remainders to the house
/// earlier in the order given (callers list houses in house-number order).
/// A master reading less than its houses' sum is refused: a reading is wrong.
pub fn public_share(master: i64, house_units: i64, weights: &[i64], price: UnitPrice) -> Result<PublicShare, Invalid> {
    if master < house_units {
        return Err(Invalid::new(
            "master",
            Rule::new(
                "master_below_houses",
                format!("总表用量 {master} 小于各户用量之和 {house_units}，请核对读数"),
                format!("the master meter's use, {master}, is less than the houses' {house_units}; check the readings"),
            ),
        ));
    }
    let units = master - house_units;
    let amount = metered_amount(units, price);
    let shares = largest_remainder(amount.fen(), weights).into_iter().map(Money::from_fen).collect();
    Ok(PublicShare { units, amount, shares })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn price(units: i64) -> UnitPrice {
        UnitPrice::from_units(units)
    }

    #[test]
    fn the_issue_s_metered_line() {
        // 1234 → 1251 at 3.95: 17 units, 67.15 yuan.
        let units = Reading::new(1234, 1251).usage().unwrap();
        assert_eq!(units, 17);
        assert_eq!(metered_amount(units, price(39_500)), Money::from_fen(6715));
        // 7 m³ at 4.1250 = 28.875 → 28.88, half up.
        assert_eq!(metered_amount(7, price(41_250)), Money::from_fen(2888));
    }

    #[test]
    fn a_reading_below_the_last_is_refused_without_a_replacement() {
        let e = Reading::new(1251, 1234).usage().unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("current", "reading_below_last"));
        assert!(e.rule.zh.contains("1251"), "{}", e.rule.zh);
        // The meter was replaced at 1260; the new one started at 0 and reads 12.
        let replaced =
            Reading { previous: 1251, current: 12, replacement: Some(Replacement { old_final: 1260, new_initial: 0 }) };
        assert_eq!(replaced.usage(), Ok(9 + 12));
        let wrong = Reading { replacement: Some(Replacement { old_final: 1200, new_initial: 0 }), ..replaced };
        assert_eq!(wrong.usage().unwrap_err().field, "replacement.old_final");
        let wrong = Reading { replacement: Some(Replacement { old_final: 1260, new_initial: 20 }), ..replaced };
        assert_eq!(wrong.usage().unwrap_err().field, "current");
        assert_eq!(Reading::new(-1, 5).usage().unwrap_err().rule.code, "reading_range");
    }

    #[test]
    fn a_public_share_is_split_so_the_shares_add_up() {
        // The master read 1000 m³, the houses 940: 60 m³ at 4.10 = 246.00,
        // over three houses of 98.56, 98.56 and 120.00 m².
        let s = public_share(1000, 940, &[9856, 9856, 12_000], price(41_000)).unwrap();
        assert_eq!((s.units, s.amount), (60, Money::from_fen(24_600)));
        assert_eq!(s.shares.iter().copied().sum::<Money>(), s.amount);
        // 24600 × 9856 / 31712 = 7645.61…; 24600 × 12000 / 31712 = 9308.78…:
        // the floors leave 2 fen, to the two largest remainders, the 120 m²
        // house first, then the earlier of the equal pair.
        assert_eq!(s.shares, [Money::from_fen(7646), Money::from_fen(7645), Money::from_fen(9309)]);
        let e = public_share(900, 940, &[1], price(41_000)).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("master", "master_below_houses"));
    }

    proptest! {
        #[test]
        fn shares_always_add_up_to_the_public_amount(
            master_extra in 0i64..100_000,
            weights in proptest::collection::vec(1i64..50_000, 1..50),
            p in 1i64..100_000,
        ) {
            let s = public_share(5000 + master_extra, 5000, &weights, price(p)).unwrap();
            prop_assert_eq!(s.shares.iter().copied().sum::<Money>(), s.amount);
            prop_assert_eq!(s.amount, metered_amount(master_extra, price(p)));
        }

        #[test]
        fn use_across_a_replacement_is_the_two_meters_parts(prev in 0i64..1_000_000, a in 0i64..10_000, init in 0i64..1000, b in 0i64..10_000) {
            let r = Reading { previous: prev, current: init + b, replacement: Some(Replacement { old_final: prev + a, new_initial: init }) };
            prop_assert_eq!(r.usage(), Ok(a + b));
        }
    }
}
