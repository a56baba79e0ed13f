//! The late-payment charge (电费违约金).
//!
//! The rule, as /work/shared/domain/power.md gives it from article 98 of the
//! 1996 text of 《供电营业规则》: residential users pay 1 ‰ of the arrears a
//! day; other users 2 ‰ a day on the current year's arrears and 3 ‰ on
//! earlier years'; counted from the day after the due date. The same article,
//! as the training material quotes it (secondary sources, not checked against
//! the 2024 revision), counts "to the day of payment" (至交纳日止), sums the
//! charge day by day (按日累加计收) and charges at least 1 yuan (总额不足 1 元者
//! 按 1 元收取); power.md leaves that minimum out, so it is a setting here,
//! on by default as the article has it. Every figure is a setting.
//!
//! How kefu reads the rule, where the text leaves a choice:
//! - The days run from the day after the due date (plus any grace days the
//!   company grants; none by default) to the day of payment, both counted.
//! - Arrears are "this year's" in the calendar year of their due date and
//!   "earlier years'" from the next 1 January on, so a business's unpaid bill
//!   accrues 2 ‰ a day until the year turns and 3 ‰ a day after.
//! - A partial payment lowers the arrears from the day after it; the payment
//!   day itself still counts on the arrears before it.
//! - The charge is summed exactly and rounded half up to the fen once, at the
//!   end ([`round_to_fen`](crate::price::round_to_fen)'s rule).

use jiff::ToSpan;
use jiff::civil::{Date, date};
use kefu_core::Money;

use crate::price::{div_round_half_up, fen_i64};

/// Residential users (居民用户) and all others (其他用户): article 98's split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payer {
    Residential,
    Other,
}

/// A daily rate in ten-thousandths (万分之) of the arrears, so that a company
/// can set half a per mille: 1 ‰ is `DailyRate::per_mille(1)`, i.e. 10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DailyRate(pub u32);

impl DailyRate {
    pub const fn per_mille(n: u32) -> DailyRate {
        DailyRate(n * 10)
    }
}

/// The settings of the late charge; [`Default`] is article 98's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateChargeRules {
    pub residential: DailyRate,
    pub current_year: DailyRate,
    pub earlier_years: DailyRate,
    /// Days after the due date on which paying costs nothing; charges then
    /// run from the day after the grace.
    pub grace_days: i32,
    /// A charge above zero but below this is raised to it.
    pub minimum: Money,
}

impl Default for LateChargeRules {
    fn default() -> LateChargeRules {
        LateChargeRules {
            residential: DailyRate::per_mille(1),
            current_year: DailyRate::per_mille(2),
            earlier_years: DailyRate::per_mille(3),
            grace_days: 0,
            minimum: Money::from_yuan(1),
        }
    }
}

/// An unpaid bill: who owes it, how much was due, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrears {
    pub payer: Payer,
    pub amount: Money,
    pub due: Date,
}

/// The charge up to a day: the days it ran and the amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateCharge {
    /// Days on which some of the bill was overdue and unpaid.
    pub days: i64,
    pub amount: Money,
}

/// The late charge on `arrears` to the end of `until` (the payment day, or
/// today for a bill still open), `payments` being what was paid against this
/// bill and when (any order).
pub fn late_charge(arrears: Arrears, payments: &[(Date, Money)], until: Date, rules: &LateChargeRules) -> LateCharge {
    let Some(first) =
        arrears.due.checked_add(i64::from(rules.grace_days.max(0)).days()).ok().and_then(|d| d.tomorrow().ok())
    else {
        return LateCharge { days: 0, amount: Money::ZERO };
    };
    // Days on which the balance or the rate may change: the day after each
    // payment, and each 1 January.
    let mut cuts: Vec<Date> = payments.iter().filter_map(|(d, _)| d.tomorrow().ok()).collect();
    cuts.extend((first.year() + 1..=until.year()).map(|y| date(y, 1, 1)));
    cuts.retain(|d| *d > first && *d <= until);
    cuts.push(until.tomorrow().unwrap_or(until));
    cuts.sort_unstable();
    cuts.dedup();

    let mut exact: i128 = 0; // fen × ten-thousandths of a rate
    let mut days = 0;
    let mut from = first;
    for to in cuts {
        if to <= from {
            continue;
        }
        let paid: i64 = payments.iter().filter(|(d, _)| *d < from).map(|(_, m)| m.fen()).sum();
        let balance = (arrears.amount.fen() - paid).max(0);
        if balance > 0 {
            let span = i64::from((to - from).get_days());
            exact += i128::from(balance) * i128::from(rate_on(arrears, from, rules).0) * i128::from(span);
            days += span;
        }
        from = to;
    }
    let amount = Money::from_fen(fen_i64(div_round_half_up(exact, 10_000)));
    let amount = if amount > Money::ZERO && amount < rules.minimum { rules.minimum } else { amount };
    LateCharge { days, amount }
}

fn rate_on(arrears: Arrears, day: Date, rules: &LateChargeRules) -> DailyRate {
    match arrears.payer {
        Payer::Residential => rules.residential,
        Payer::Other if day.year() == arrears.due.year() => rules.current_year,
        Payer::Other => rules.earlier_years,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn fen(y: i64) -> Money {
        Money::from_fen(y)
    }

    fn charge(payer: Payer, amount: i64, due: Date, payments: &[(Date, Money)], until: Date) -> LateCharge {
        late_charge(Arrears { payer, amount: fen(amount), due }, payments, until, &LateChargeRules::default())
    }

    #[test]
    fn nothing_is_charged_on_or_before_the_due_date() {
        let due = date(2026, 11, 25);
        assert_eq!(charge(Payer::Residential, 100_000, due, &[], due), LateCharge { days: 0, amount: Money::ZERO });
        assert_eq!(charge(Payer::Other, 100_000, due, &[], date(2026, 11, 1)).days, 0);
    }

    #[test]
    fn a_household_pays_one_per_mille_a_day_from_the_day_after_the_due_date() {
        // 1,000.00 yuan due on 25 November, paid on 5 December: 10 days × 1 yuan.
        let c = charge(Payer::Residential, 100_000, date(2026, 11, 25), &[], date(2026, 12, 5));
        assert_eq!(c, LateCharge { days: 10, amount: Money::from_yuan(10) });
        // The year's turn changes nothing for a household.
        let c = charge(Payer::Residential, 100_000, date(2026, 12, 25), &[], date(2027, 1, 4));
        assert_eq!(c, LateCharge { days: 10, amount: Money::from_yuan(10) });
    }

    #[test]
    fn a_business_pays_two_per_mille_this_year_and_three_after_new_year() {
        let c = charge(Payer::Other, 100_000, date(2026, 11, 25), &[], date(2026, 12, 5));
        assert_eq!(c, LateCharge { days: 10, amount: Money::from_yuan(20) });
        // Due 25 December: 26–31 December at 2 ‰ (6 days), 1–4 January at 3 ‰ (4 days).
        let c = charge(Payer::Other, 100_000, date(2026, 12, 25), &[], date(2027, 1, 4));
        assert_eq!(c, LateCharge { days: 10, amount: Money::from_yuan(6 * 2 + 4 * 3) });
    }

    #[test]
    fn a_part_payment_lowers_the_arrears_from_the_next_day() {
        // 1,000 yuan due 1 March; 600 paid on 6 March, the rest on 11 March.
        let due = date(2026, 3, 1);
        let payments = [(date(2026, 3, 6), Money::from_yuan(600)), (date(2026, 3, 11), Money::from_yuan(400))];
        let c = charge(Payer::Residential, 100_000, due, &payments, date(2026, 3, 11));
        // 2–6 March on 1,000 (5 yuan), 7–11 March on 400 (2 yuan).
        assert_eq!(c, LateCharge { days: 10, amount: Money::from_yuan(7) });
        // Asked later, nothing more accrues once it is paid.
        assert_eq!(charge(Payer::Residential, 100_000, due, &payments, date(2026, 6, 1)), c);
    }

    #[test]
    fn the_charge_is_rounded_once_and_at_least_one_yuan() {
        // 123.45 yuan × 1 ‰ × 3 days = 0.37035 yuan: raised to the 1-yuan minimum.
        assert_eq!(
            charge(Payer::Residential, 12_345, date(2026, 5, 1), &[], date(2026, 5, 4)).amount,
            Money::from_yuan(1)
        );
        // 1,234.55 × 1 ‰ × 1 day = 1.23455 → 1.23; × 3 days = 3.70365 → 3.70 (not 3 × 1.23).
        assert_eq!(charge(Payer::Residential, 123_455, date(2026, 5, 1), &[], date(2026, 5, 2)).amount, fen(123));
        assert_eq!(charge(Payer::Residential, 123_455, date(2026, 5, 1), &[], date(2026, 5, 4)).amount, fen(370));
        let no_minimum = LateChargeRules { minimum: Money::ZERO, ..LateChargeRules::default() };
        let small = Arrears { payer: Payer::Residential, amount: fen(12_345), due: date(2026, 5, 1) };
        assert_eq!(late_charge(small, &[], date(2026, 5, 4), &no_minimum).amount, fen(37));
    }

    #[test]
    fn grace_days_are_free_and_then_charges_run() {
        let rules = LateChargeRules { grace_days: 5, ..LateChargeRules::default() };
        let a = Arrears { payer: Payer::Residential, amount: Money::from_yuan(1000), due: date(2026, 5, 1) };
        assert_eq!(late_charge(a, &[], date(2026, 5, 6), &rules).days, 0);
        assert_eq!(late_charge(a, &[], date(2026, 5, 8), &rules), LateCharge { days: 2, amount: Money::from_yuan(2) });
    }

    /// The rule day by day, as the article states it, to check the sums by spans.
    fn day_by_day(a: Arrears, payments: &[(Date, Money)], until: Date, rules: &LateChargeRules) -> (i64, i128) {
        let mut day = a.due.tomorrow().unwrap();
        let (mut days, mut exact) = (0, 0i128);
        while day <= until {
            let paid: i64 = payments.iter().filter(|(d, _)| *d < day).map(|(_, m)| m.fen()).sum();
            let balance = (a.amount.fen() - paid).max(0);
            if balance > 0 {
                days += 1;
                exact += i128::from(balance) * i128::from(rate_on(a, day, rules).0);
            }
            day = day.tomorrow().unwrap();
        }
        (days, exact)
    }

    proptest! {
        #[test]
        fn spans_sum_to_the_day_by_day_charge(
            other in any::<bool>(),
            amount in 1i64..10_000_000,
            due_offset in 0i32..730,
            length in 0i32..900,
            pays in proptest::collection::vec((0i32..900, 1i64..5_000_000), 0..4),
        ) {
            let due = date(2025, 1, 1) + due_offset.days();
            let until = due + length.days();
            let payments: Vec<(Date, Money)> = pays.iter().map(|(o, m)| (due + o.days(), fen(*m))).collect();
            let a = Arrears { payer: if other { Payer::Other } else { Payer::Residential }, amount: fen(amount), due };
            let rules = LateChargeRules { minimum: Money::ZERO, ..LateChargeRules::default() };
            let got = late_charge(a, &payments, until, &rules);
            let (days, exact) = day_by_day(a, &payments, until, &rules);
            prop_assert_eq!(got.days, days);
            prop_assert_eq!(got.amount.fen(), i64::try_from(div_round_half_up(exact, 10_000)).unwrap());
        }

        #[test]
        fn paying_sooner_never_costs_more(amount in 1i64..10_000_000, d1 in 0i32..400, d2 in 0i32..400) {
            let due = date(2026, 6, 30);
            let a = Arrears { payer: Payer::Other, amount: fen(amount), due };
            let rules = LateChargeRules::default();
            let at = |d: i32| late_charge(a, &[(due + d.days(), fen(amount))], due + d.days(), &rules).amount;
            let (early, late) = (d1.min(d2), d1.max(d2));
            prop_assert!(at(early) <= at(late));
        }
    }
}
