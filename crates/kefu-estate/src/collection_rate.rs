//! The collection rate (收费率) per estate and month, the current period
//! and arrears recovered apart (issue 21 §6):
//!
//! - **current**: of the month's bills (the billing run for that month, net
//!   of reversals), the part paid by the month's last day — early payments
//!   and prepaid balances included;
//! - **arrears**: of what earlier months' bills still owed on the month's
//!   first day, the part paid during the month.
//!
//! Each is an exact fraction ([`Collection::current`],
//! [`Collection::arrears`]); estates' figures are summed before
//! the company's rate is taken, never averaged; a percentage is rounded
//! half up to two decimals only to be shown.

use jiff::civil::Date;
use kefu_core::Money;
pub use kefu_core::rate::Collection;

use crate::fees::Month;

/// A bill as the collection rate counts it: the month it was billed for
/// and its amount (a reversal is a bill of the negated amount).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Billed {
    pub period: Month,
    pub amount: Money,
}

/// Money applied to a bill of `period` on `paid_on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paid {
    pub period: Month,
    pub paid_on: Date,
    pub amount: Money,
}

/// The figures of `month` for an estate, from its bills and the payments
/// applied to them.
pub fn month_figures(month: Month, bills: &[Billed], paid: &[Paid]) -> Collection {
    let (first, last) = (month.first_day(), month.last_day());
    let mut c = Collection::default();
    for b in bills {
        if b.period == month {
            c.billed = c.billed + b.amount;
        } else if b.period < month {
            c.arrears_opening = c.arrears_opening + b.amount;
        }
    }
    for p in paid {
        if p.period == month && p.paid_on <= last {
            c.collected = c.collected + p.amount;
        } else if p.period < month && p.paid_on < first {
            c.arrears_opening = c.arrears_opening - p.amount;
        } else if p.period < month && p.paid_on <= last {
            c.arrears_collected = c.arrears_collected + p.amount;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn yuan(y: i64) -> Money {
        Money::from_yuan(y)
    }

    #[test]
    fn the_current_period_and_arrears_apart() {
        let (dec, jan) = (Month::new(2025, 12), Month::new(2026, 1));
        let bills = [
            Billed { period: dec, amount: yuan(1000) },
            Billed { period: jan, amount: yuan(3000) },
            Billed { period: Month::new(2026, 2), amount: yuan(500) },
        ];
        let paid = [
            Paid { period: dec, paid_on: date(2025, 12, 20), amount: yuan(400) }, // before January: not arrears
            Paid { period: dec, paid_on: date(2026, 1, 10), amount: yuan(150) },  // arrears recovered
            Paid { period: jan, paid_on: date(2025, 12, 30), amount: yuan(200) }, // paid ahead: counts
            Paid { period: jan, paid_on: date(2026, 1, 31), amount: yuan(2500) },
            Paid { period: jan, paid_on: date(2026, 2, 1), amount: yuan(300) }, // too late for January
        ];
        let c = month_figures(jan, &bills, &paid);
        assert_eq!(
            c,
            Collection {
                billed: yuan(3000),
                collected: yuan(2700),
                arrears_opening: yuan(600),
                arrears_collected: yuan(150)
            }
        );
        assert_eq!(c.current().unwrap().to_string(), "90.00%");
        assert_eq!(c.arrears().unwrap().to_string(), "25.00%");
        // 2/3 shows as 66.67 %, half up.
        let c = Collection { billed: yuan(3), collected: yuan(2), ..Collection::default() };
        assert_eq!(c.current().unwrap().to_string(), "66.67%");
        assert_eq!(Collection::default().arrears(), None);
    }

    proptest! {
        #[test]
        fn estates_sum_to_the_company_exactly(
            estates in proptest::collection::vec((1i64..1_000_000, 0i64..1_000_000, 1i64..1_000_000, 0i64..1_000_000), 1..10),
        ) {
            let figures: Vec<Collection> = estates
                .iter()
                .map(|(b, c, o, r)| Collection { billed: Money::from_fen(*b), collected: Money::from_fen((*c).min(*b)), arrears_opening: Money::from_fen(*o), arrears_collected: Money::from_fen((*r).min(*o)) })
                .collect();
            let company: Collection = figures.iter().copied().sum();
            let rate = company.current().unwrap();
            prop_assert_eq!(rate.numerator(), figures.iter().map(|f| f.collected.fen()).sum::<i64>());
            prop_assert_eq!(rate.denominator(), figures.iter().map(|f| f.billed.fen()).sum::<i64>());
        }
    }
}
