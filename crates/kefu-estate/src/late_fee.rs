//! The late fee (违约金) on an overdue property bill — only where the
//! owner's service contract sets one.
//!
//! The law, as /work/shared/domain/estate.md gives it:
//! - 民法典 第九百四十四条: an owner may not refuse to pay for "not using"
//!   the service; the company may demand payment, then sue or arbitrate — and
//!   must not cut water, power, heat or gas to force payment. kefu has no
//!   such action anywhere; collection is reminders, calls, a written demand
//!   and visits (`collection.rs`).
//! - There is no national late-fee rate for property fees: the "万分之五 a
//!   day" often quoted is a contract term, not law, and courts may reduce an
//!   excessive one. So the fee is off unless the contract sets a daily rate
//!   ([`LateFeeTerms::default`] has none), and a manager may waive it with a
//!   reason.
//!
//! How kefu counts, where a contract is silent: from the day after the due
//! date to the as-of day, both included, on what is still owed each day; a
//! payment lowers the balance from its own day on. The sum is exact and
//! rounded once, half up, to the fen.

use jiff::civil::Date;
use kefu_core::decimal::parse_field;
use kefu_core::{Invalid, Money, Rule, required_text};

use crate::fees::Exact;

/// A daily rate in ten-thousandths (万分之) of the amount owed: 万分之五 a
/// day is `DailyRate(5)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DailyRate(u32);

impl DailyRate {
    /// Parses the 万分之 a contract states, `5` for 万分之五: a whole number
    /// from 1 to 100 (1 % a day, beyond which no court would uphold it).
    pub fn parse(field: &str, input: &str) -> Result<DailyRate, Invalid> {
        let rule = || {
            Rule::new(
                "late_fee_rate",
                "违约金日费率按万分之几填写，为 1 到 100 的整数，如 5 表示每日万分之五",
                "a daily late-fee rate is in ten-thousandths, a whole number from 1 to 100 (5 is 0.05 % a day)",
            )
        };
        match parse_field(field, input, 0, |_| rule())? {
            n @ 1..=100 => Ok(DailyRate(u32::try_from(n).expect("1 to 100"))),
            _ => Err(Invalid::new(field, rule())),
        }
    }

    pub const fn ten_thousandths(self) -> u32 {
        self.0
    }
}

/// The service contract's late-fee term; [`Default`] is none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LateFeeTerms {
    pub daily_rate: Option<DailyRate>,
}

/// A late fee to a day, or its waiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateFee {
    /// Days on which some of the bill was overdue and unpaid.
    pub days: i64,
    pub amount: Money,
    /// The reason a manager gave for waiving it; the amount is then zero.
    pub waived: Option<String>,
}

impl LateFee {
    /// Waives the fee. The reason is required (and the route that calls
    /// this is a manager's).
    pub fn waive(self, reason: &str) -> Result<LateFee, Invalid> {
        let reason = required_text("reason", reason, 200)?;
        Ok(LateFee { amount: Money::ZERO, waived: Some(reason), ..self })
    }
}

/// The late fee on a bill of `amount` due on `due`, with `payments` made
/// against it (any order), to the end of `until`; `None` where the contract
/// sets no rate.
pub fn late_fee(
    terms: LateFeeTerms,
    amount: Money,
    due: Date,
    payments: &[(Date, Money)],
    until: Date,
) -> Option<LateFee> {
    let rate = terms.daily_rate?;
    let mut payments: Vec<(Date, Money)> = payments.to_vec();
    payments.sort_by_key(|(d, _)| *d);
    let mut balance = amount;
    let mut from = due.tomorrow().ok()?; // the first day that costs
    let (mut fen_days, mut days) = (0i128, 0i64);
    for (day, paid) in payments.iter().copied().chain(std::iter::once((until.tomorrow().unwrap_or(until), Money::ZERO)))
    {
        let to = day.min(until.tomorrow().unwrap_or(until));
        if to > from && balance > Money::ZERO {
            let span = i64::from((to - from).get_days());
            fen_days += i128::from(balance.fen()) * i128::from(span);
            days += span;
        }
        from = from.max(to);
        balance = balance - paid;
    }
    let amount = Exact::fen_fraction(fen_days * i128::from(rate.0), 10_000).round();
    Some(LateFee { days, amount, waived: None })
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn terms(rate: u32) -> LateFeeTerms {
        LateFeeTerms { daily_rate: Some(DailyRate(rate)) }
    }

    #[test]
    fn off_unless_the_contract_sets_a_rate() {
        assert_eq!(
            late_fee(LateFeeTerms::default(), Money::from_yuan(1000), date(2026, 1, 15), &[], date(2026, 6, 30)),
            None
        );
    }

    #[test]
    fn counted_from_the_day_after_the_due_date() {
        let due = date(2026, 1, 15);
        // 1,000.00 at 万分之五 for 30 days (16 January to 14 February) = 15.00.
        let fee = late_fee(terms(5), Money::from_yuan(1000), due, &[], date(2026, 2, 14)).unwrap();
        assert_eq!((fee.days, fee.amount), (30, Money::from_yuan(15)));
        // On the due date itself nothing.
        assert_eq!(late_fee(terms(5), Money::from_yuan(1000), due, &[], due).unwrap().amount, Money::ZERO);
        // 231.62 for 1 day at 万分之五 = 0.11581 → 0.12.
        let fee = late_fee(terms(5), Money::from_fen(23_162), due, &[], date(2026, 1, 16)).unwrap();
        assert_eq!(fee.amount, Money::from_fen(12));
    }

    #[test]
    fn a_payment_lowers_the_balance_from_its_own_day() {
        let due = date(2026, 1, 15);
        // 1,000.00 owed 10 days (16–25 January), then 400.00 for 20 days
        // after 600.00 paid on 26 January: (10 × 1000 + 20 × 400) × 0.0005 = 9.00.
        let payments = [(date(2026, 1, 26), Money::from_yuan(600))];
        let fee = late_fee(terms(5), Money::from_yuan(1000), due, &payments, date(2026, 2, 14)).unwrap();
        assert_eq!((fee.days, fee.amount), (30, Money::from_yuan(9)));
        // Paid in full on 26 January: 10 days only, whatever the as-of day.
        let payments = [(date(2026, 1, 26), Money::from_yuan(1000))];
        let fee = late_fee(terms(5), Money::from_yuan(1000), due, &payments, date(2026, 6, 30)).unwrap();
        assert_eq!((fee.days, fee.amount), (10, Money::from_yuan(5)));
        // Paid early: nothing.
        let payments = [(date(2026, 1, 10), Money::from_yuan(1000))];
        assert_eq!(late_fee(terms(5), Money::from_yuan(1000), due, &payments, date(2026, 6, 30)).unwrap().days, 0);
    }

    #[test]
    fn a_waiver_needs_a_reason() {
        let fee = late_fee(terms(5), Money::from_yuan(1000), date(2026, 1, 15), &[], date(2026, 2, 14)).unwrap();
        let e = fee.clone().waive("  ").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("reason", "required"));
        let waived = fee.waive("业主住院，经理批准免收").unwrap();
        assert_eq!((waived.amount, waived.days), (Money::ZERO, 30));
        assert_eq!(waived.waived.as_deref(), Some("业主住院，经理批准免收"));
    }

    #[test]
    fn rates_are_whole_ten_thousandths() {
        assert_eq!(DailyRate::parse("late_fee_rate", "5").unwrap().ten_thousandths(), 5);
        for bad in ["0", "101", "0.5", "-5", "abc"] {
            assert_eq!(DailyRate::parse("late_fee_rate", bad).unwrap_err().rule.code, "late_fee_rate", "{bad}");
        }
    }

    proptest! {
        #[test]
        fn the_fee_is_the_day_by_day_sum_rounded_once(
            fen in 1i64..10_000_000,
            rate in 1u32..=100,
            paid in proptest::collection::vec((0i64..200, 0i64..5_000_000), 0..4),
            until in 0i64..250,
        ) {
            let due = date(2026, 1, 15);
            let payments: Vec<(Date, Money)> = paid.iter().map(|(d, f)| (due.checked_add(d.days()).unwrap(), Money::from_fen(*f))).collect();
            let until = due.checked_add(until.days()).unwrap();
            let fee = late_fee(terms(rate), Money::from_fen(fen), due, &payments, until).unwrap();
            // Day by day: the balance after the payments made on or before that day.
            let (mut exact, mut days) = (0i128, 0i64);
            let mut day = due.tomorrow().unwrap();
            while day <= until {
                let balance = fen - payments.iter().filter(|(d, _)| *d <= day).map(|(_, m)| m.fen()).sum::<i64>();
                if balance > 0 {
                    exact += i128::from(balance) * i128::from(rate);
                    days += 1;
                }
                day = day.tomorrow().unwrap();
            }
            prop_assert_eq!(fee.days, days);
            prop_assert_eq!(fee.amount, Exact::fen_fraction(exact, 10_000).round());
        }
    }
}
