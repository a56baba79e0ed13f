//! Arrears ageing as of a date (issue 21 §6; `GET /api/v1/estate/arrears`):
//! each open bill falls in a bucket by its days past due, and each bucket
//! has its total and the houses in it.
//!
//! Days past due = the as-of date − the due date. A bill due on the as-of
//! date is 0 days past due and in the first bucket — its reminder goes out
//! that day; a bill due later is not in arrears. The buckets' bounds, both
//! included: 0–30, 31–90, 91–180, and 181 days or more ("over 180").

use std::collections::BTreeMap;

use jiff::civil::Date;
use kefu_core::Money;
use kefu_core::allocation::OpenBill;

use crate::codes::codes;

codes! {
    /// An ageing bucket.
    pub enum Bucket {
        /// 0 to 30 days past due.
        UpTo30 => "0_30",
        /// 31 to 90.
        UpTo90 => "31_90",
        /// 91 to 180.
        UpTo180 => "91_180",
        /// 181 and more.
        Over180 => "over_180",
    }
}

impl Bucket {
    /// The bucket of a bill `days` past due; `None` before its due date.
    pub fn of(days: i64) -> Option<Bucket> {
        match days {
            ..0 => None,
            0..=30 => Some(Bucket::UpTo30),
            31..=90 => Some(Bucket::UpTo90),
            91..=180 => Some(Bucket::UpTo180),
            _ => Some(Bucket::Over180),
        }
    }
}

/// Days from the due date to `as_of`: 0 on the due date, negative before.
pub fn days_past_due(due: Date, as_of: Date) -> i64 {
    i64::from((as_of - due).get_days())
}

/// One bucket: its total and each house's arrears in it, in house order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aged<H> {
    pub bucket: Bucket,
    pub total: Money,
    pub houses: Vec<(H, Money)>,
}

/// Ages the open bills of houses `H` (a house number, or a building and
/// house for the lists per building) as of a date: every bucket, in order,
/// empty ones too, so that the report's columns stay put.
pub fn ageing<H: Clone + Ord, K>(bills: &[(H, OpenBill<K>)], as_of: Date) -> Vec<Aged<H>> {
    let mut by_bucket: BTreeMap<Bucket, BTreeMap<H, Money>> = BTreeMap::new();
    for (house, bill) in bills {
        if bill.outstanding <= Money::ZERO {
            continue;
        }
        if let Some(bucket) = Bucket::of(days_past_due(bill.due, as_of)) {
            let owed = by_bucket.entry(bucket).or_default().entry(house.clone()).or_insert(Money::ZERO);
            *owed = *owed + bill.outstanding;
        }
    }
    Bucket::ALL
        .iter()
        .map(|bucket| {
            let houses: Vec<(H, Money)> = by_bucket.remove(bucket).unwrap_or_default().into_iter().collect();
            Aged { bucket: *bucket, total: houses.iter().map(|(_, m)| *m).sum(), houses }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_bounds_are_included_as_stated() {
        assert_eq!(Bucket::of(-1), None);
        assert_eq!(Bucket::of(0), Some(Bucket::UpTo30));
        assert_eq!(Bucket::of(30), Some(Bucket::UpTo30));
        assert_eq!(Bucket::of(31), Some(Bucket::UpTo90));
        assert_eq!(Bucket::of(90), Some(Bucket::UpTo90));
        assert_eq!(Bucket::of(91), Some(Bucket::UpTo180));
        assert_eq!(Bucket::of(180), Some(Bucket::UpTo180));
        assert_eq!(Bucket::of(181), Some(Bucket::Over180));
        assert_eq!(days_past_due(date(2026, 10, 31), date(2026, 11, 30)), 30);
    }

    fn open(due: Date, fen: i64) -> OpenBill<u32> {
        OpenBill { key: 0, due, outstanding: Money::from_fen(fen) }
    }

    #[test]
    fn buckets_with_their_totals_and_houses_as_of_a_date() {
        let as_of = date(2026, 11, 30);
        let bills = [
            ("3-2-1502", open(date(2026, 11, 15), 23_162)), // 15 days
            ("3-2-1502", open(date(2026, 10, 31), 23_162)), // 30 days: still the first bucket
            ("3-2-1501", open(date(2026, 8, 31), 28_200)),  // 91 days
            ("3-2-1501", open(date(2026, 5, 15), 28_200)),  // 199 days
            ("3-2-1503", open(date(2026, 12, 15), 9_999)),  // not due yet
            ("3-2-1503", open(date(2026, 1, 15), 0)),       // paid
        ];
        let aged = ageing(&bills, as_of);
        type Row<'a> = (&'a str, i64, Vec<(&'a str, i64)>);
        let shown: Vec<Row<'_>> = aged
            .iter()
            .map(|a| (a.bucket.code(), a.total.fen(), a.houses.iter().map(|(h, m)| (*h, m.fen())).collect()))
            .collect();
        assert_eq!(
            shown,
            [
                ("0_30", 46_324, vec![("3-2-1502", 46_324)]),
                ("31_90", 0, vec![]),
                ("91_180", 28_200, vec![("3-2-1501", 28_200)]),
                ("over_180", 28_200, vec![("3-2-1501", 28_200)]),
            ]
        );
    }

    proptest! {
        #[test]
        fn every_overdue_fen_is_in_exactly_one_bucket(
            bills in proptest::collection::vec((0u8..5, -30i64..400, 0i64..100_000), 0..30),
        ) {
            let as_of = date(2026, 11, 30);
            let bills: Vec<(u8, OpenBill<u32>)> = bills
                .iter()
                .map(|(h, ago, fen)| (*h, open(as_of.checked_sub(ago.days()).unwrap(), *fen)))
                .collect();
            let aged = ageing(&bills, as_of);
            let overdue: Money = bills.iter().filter(|(_, b)| b.due <= as_of).map(|(_, b)| b.outstanding).sum();
            prop_assert_eq!(aged.iter().map(|a| a.total).sum::<Money>(), overdue);
            for a in &aged {
                prop_assert_eq!(a.houses.iter().map(|(_, m)| *m).sum::<Money>(), a.total);
            }
        }
    }
}
