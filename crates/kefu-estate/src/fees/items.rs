//! Fee items (收费项目) as the company publishes them: what a line is
//! computed from, how often it is billed, the day it falls due and the kinds
//! of house it applies to — the 明码标价 notice's rows.

use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule, required_text};

use crate::codes::codes;
use crate::fees::period::{Month, Span};
use crate::fees::price::UnitPrice;
use crate::houses::HouseKind;

codes! {
    /// How often an item is billed.
    pub enum Cycle {
        Monthly => "monthly",
        Quarterly => "quarterly",
        Yearly => "yearly",
    }
}

impl Cycle {
    /// Months in one cycle.
    pub const fn months(self) -> i32 {
        match self {
            Cycle::Monthly => 1,
            Cycle::Quarterly => 3,
            Cycle::Yearly => 12,
        }
    }

    /// The span a run for `month` bills: the cycle from that month, in
    /// advance, when the month begins a cycle (quarters begin in January,
    /// April, July and October; years in January); `None` otherwise.
    pub fn span_billed_in(self, month: Month) -> Option<Span> {
        let months = self.months();
        (i32::from(month.number() - 1) % months == 0).then(|| Span::months_from(month, months))
    }
}

codes! {
    /// Which of a house's areas an area fee is charged on.
    pub enum AreaOf {
        /// 建筑面积.
        Building => "building",
        /// 套内面积.
        Interior => "interior",
    }
}

codes! {
    /// How a public share (公摊) is split over the houses.
    pub enum ShareBy {
        /// In proportion to building area.
        Area => "area",
        /// The same for each house.
        House => "house",
    }
}

/// What a line of the item is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Area × price per m² per month × months.
    Area { of: AreaOf, price: UnitPrice },
    /// The reading difference × price per unit, plus, where the item has a
    /// master meter, a share of what the master read beyond the houses.
    Metered { price: UnitPrice, share_by: ShareBy },
    /// So much per house per month × months.
    Fixed { per_month: Money },
    /// Once (a decoration deposit, a key card): billed when charged, not by
    /// the cycle.
    OneOff { amount: Money },
}

/// The day of the month a bill falls due: 1 to 28, so that every month has
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DueDay(i8);

impl DueDay {
    pub fn new(field: &str, day: i64) -> Result<DueDay, Invalid> {
        match i8::try_from(day) {
            Ok(d) if (1..=28).contains(&d) => Ok(DueDay(d)),
            _ => Err(Invalid::new(
                field,
                Rule::new(
                    "due_day_range",
                    "缴费截止日应为每月 1 到 28 日，使每个月都有这一天",
                    "the due day is from 1 to 28, so that every month has it",
                ),
            )),
        }
    }

    /// The due date in `month`.
    pub fn in_month(self, month: Month) -> Date {
        month.first_day().with().day(self.0).build().expect("a day from 1 to 28")
    }
}

/// A fee item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeItem {
    /// The item's code, unique in its estate: the idempotency key's item.
    pub code: String,
    pub basis: Basis,
    pub cycle: Cycle,
    pub due_day: DueDay,
    /// Never empty.
    pub applies_to: Vec<HouseKind>,
}

impl FeeItem {
    /// An item, refused without a code or without a kind of house it
    /// applies to.
    pub fn new(
        code: &str,
        basis: Basis,
        cycle: Cycle,
        due_day: DueDay,
        applies_to: &[HouseKind],
    ) -> Result<FeeItem, Invalid> {
        let code = required_text("code", code, 32)?;
        if applies_to.is_empty() {
            return Err(Invalid::new(
                "applies_to",
                Rule::new(
                    "no_house_kind",
                    "收费项目至少适用于一种房屋类型",
                    "a fee item applies to at least one kind of house",
                ),
            ));
        }
        let mut kinds = applies_to.to_vec();
        kinds.sort_unstable();
        kinds.dedup();
        Ok(FeeItem { code, basis, cycle, due_day, applies_to: kinds })
    }

    pub fn applies_to(&self, kind: HouseKind) -> bool {
        self.applies_to.contains(&kind)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn a_cycle_bills_in_advance_from_its_first_month() {
        let jan = Month::new(2026, 1);
        assert_eq!(Cycle::Monthly.span_billed_in(Month::new(2026, 5)).unwrap().last, date(2026, 5, 31));
        let q = Cycle::Quarterly.span_billed_in(Month::new(2026, 4)).unwrap();
        assert_eq!((q.first, q.last), (date(2026, 4, 1), date(2026, 6, 30)));
        assert_eq!(Cycle::Quarterly.span_billed_in(Month::new(2026, 5)), None);
        assert_eq!(Cycle::Yearly.span_billed_in(jan).unwrap().last, date(2026, 12, 31));
        assert_eq!(Cycle::Yearly.span_billed_in(Month::new(2026, 7)), None);
        for cycle in Cycle::ALL {
            assert_eq!(Cycle::from_code(cycle.code()), Some(*cycle));
        }
    }

    #[test]
    fn due_days_exist_in_every_month() {
        assert_eq!(DueDay::new("due_day", 28).unwrap().in_month(Month::new(2026, 2)), date(2026, 2, 28));
        for bad in [0, 29, 31, -1, 1000] {
            let e = DueDay::new("due_day", bad).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule.code), ("due_day", "due_day_range"));
        }
    }

    #[test]
    fn an_item_applies_to_at_least_one_kind() {
        let basis = Basis::Fixed { per_month: Money::from_yuan(50) };
        let due = DueDay::new("due_day", 15).unwrap();
        let e = FeeItem::new("parking", basis, Cycle::Monthly, due, &[]).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("applies_to", "no_house_kind"));
        assert_eq!(FeeItem::new(" ", basis, Cycle::Monthly, due, &[HouseKind::Shop]).unwrap_err().field, "code");
        let item =
            FeeItem::new("parking", basis, Cycle::Monthly, due, &[HouseKind::ParkingSpace, HouseKind::ParkingSpace])
                .unwrap();
        assert_eq!(item.applies_to, [HouseKind::ParkingSpace]);
        assert!(item.applies_to(HouseKind::ParkingSpace) && !item.applies_to(HouseKind::Residence));
    }
}
