//! Fees: prices (`price.rs`), the one rounding rule and how quantities and
//! yuan are shown (`amount.rs`), billing months and the exact months a span
//! of days is (`period.rs`), fee items with their basis, cycle, due day and
//! house kinds (`items.rs`), and metered use with a master meter's public
//! share (`metered.rs`). Here: a line's quantity and amount by its basis.

mod amount;
mod items;
mod metered;
mod period;
mod price;

pub use amount::{Exact, Quantity, yuan_text};
pub use items::{AreaOf, Basis, Cycle, DueDay, FeeItem, ShareBy};
pub use metered::{PublicShare, Reading, Replacement, metered_amount, public_share};
pub use period::{MONTH_PARTS, Month, Months, Span};
pub use price::{UNITS_PER_YUAN, UnitPrice};

use kefu_core::Money;

use crate::houses::Area;

/// An area fee: `area` × `price` per m² per month × `months` (a span's
/// exact [`Span::months`]); the quantity is the m²·months the price
/// multiplies.
pub fn area_line(area: Area, price: UnitPrice, months: Months) -> (Quantity, Money) {
    let (a, m) = (i128::from(area.hundredths()), i128::from(months.parts()));
    // hundredths of m² × ten-thousandths of a yuan × parts of a month, over
    // 100 × 100 (one fen is a hundred ten-thousandths) × MONTH_PARTS.
    let amount = Exact::fen_fraction(a * i128::from(price.units()) * m, 10_000 * i128::from(MONTH_PARTS)).round();
    (Quantity::of_fraction(a * m, 100 * i128::from(MONTH_PARTS)), amount)
}

/// A fixed fee: `per_month` × `months`; the quantity is the months.
pub fn fixed_line(per_month: Money, months: Months) -> (Quantity, Money) {
    let m = i128::from(months.parts());
    let amount = Exact::fen_fraction(i128::from(per_month.fen()) * m, i128::from(MONTH_PARTS)).round();
    (Quantity::of_fraction(m, i128::from(MONTH_PARTS)), amount)
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Date, date};
    use proptest::prelude::*;

    use super::*;

    fn span(first: Date, last: Date) -> Months {
        Span::new("to", first, last).unwrap().months()
    }

    fn area(text: &str) -> Area {
        Area::parse("area", text).unwrap()
    }

    #[test]
    fn the_issue_s_area_line_over_whole_months() {
        // 98.56 m² × 2.35 × 3 months = 694.848 → 694.85.
        let (q, amount) =
            area_line(area("98.56"), UnitPrice::from_units(23_500), span(date(2026, 1, 1), date(2026, 3, 31)));
        assert_eq!((q.to_string(), amount), ("295.68".to_owned(), Money::from_fen(69_485)));
    }

    #[test]
    fn a_partial_month_is_billed_by_its_days_exactly() {
        // Handed over on 17 January: 15/31 of January and all of February and March.
        // 98.56 × 2.35 × (2 + 15/31) = 231.616 × 77/31 = 575.3042… → 575.30.
        let (q, amount) =
            area_line(area("98.56"), UnitPrice::from_units(23_500), span(date(2026, 1, 17), date(2026, 3, 31)));
        assert_eq!(amount, Money::from_fen(57_530));
        assert_eq!(q.to_string(), "244.81");
        // Half of February 2026 (14 of 28 days) at 100.00 m² × 2.00: exactly 100.00.
        let (_, amount) =
            area_line(area("100"), UnitPrice::from_units(20_000), span(date(2026, 2, 15), date(2026, 2, 28)));
        assert_eq!(amount, Money::from_yuan(100));
        // Rounded once for the line, not once a month: 1.00 m² × 0.005 × 3
        // months is 0.015 yuan → 0.02, where three monthly roundings of 0.005
        // would make 0.03.
        let (_, amount) = area_line(area("1"), UnitPrice::from_units(50), span(date(2026, 1, 1), date(2026, 3, 31)));
        assert_eq!(amount, Money::from_fen(2));
    }

    #[test]
    fn a_fixed_fee_counts_months_too() {
        // 150.00 a month from 20 April to 31 May: 11/30 + 1 months = 205.00.
        let (q, amount) = fixed_line(Money::from_yuan(150), span(date(2026, 4, 20), date(2026, 5, 31)));
        assert_eq!((q.to_string(), amount), ("1.37".to_owned(), Money::from_yuan(205)));
    }

    proptest! {
        #[test]
        fn a_span_cut_in_two_bills_the_same_but_for_one_rounding(
            h in 1i64..1_000_000,
            p in 0i64..1_000_000,
            start in 0i64..1000,
            a in 0i64..200,
            b in 1i64..200,
        ) {
            use jiff::ToSpan;
            let first = date(2025, 1, 1).checked_add(start.days()).unwrap();
            let mid = first.checked_add(a.days()).unwrap();
            let last = mid.checked_add(b.days()).unwrap();
            let fee = |f: Date, l: Date| area_line(Area::from_hundredths(h).unwrap(), UnitPrice::from_units(p), span(f, l)).1.fen();
            let parts = fee(first, mid) + fee(mid.tomorrow().unwrap(), last);
            prop_assert!((fee(first, last) - parts).abs() <= 1);
        }

        #[test]
        fn whole_months_bill_exactly_area_times_price_times_months(h in 1i64..1_000_000, p in 0i64..1_000_000, n in 1i32..=24) {
            let s = Span::months_from(Month::new(2026, 1), n);
            let (_, amount) = area_line(Area::from_hundredths(h).unwrap(), UnitPrice::from_units(p), s.months());
            let exact = i128::from(h) * i128::from(p) * i128::from(n); // in 10^-6 yuan = 10^-4 fen
            prop_assert!((i128::from(amount.fen()) * 10_000 - exact).abs() * 2 <= 10_000);
        }
    }
}
