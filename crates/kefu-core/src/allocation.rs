//! Splitting money without losing a fen: a total shared in proportion by the
//! largest remainder ([`largest_remainder`]: a repair order's discount over
//! its lines, a master meter's public share over the houses), and a payment
//! applied to the bills with the oldest due date first ([`oldest_first`]:
//! electricity and property fees alike). Each pack adds its own refusals
//! (a payment above the bills where no prepaid balance may be held, …).

use jiff::civil::Date;

use crate::money::Money;

/// Splits `total` fen over `weights` in proportion, by the largest
/// remainder: each share is the floor of its exact share, and the fen left
/// over go one each to the largest remainders (the earlier weight on a tie,
/// so callers that list their items in a stated order get a stated result),
/// so the shares always add up to `total`. All weights zero: nothing shared.
/// `total` and the weights are not negative.
pub fn largest_remainder(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<(i128, i128)> = weights
        .iter()
        .map(|w| {
            let n = i128::from(total) * i128::from(*w);
            (n / sum, n % sum)
        })
        .collect();
    let mut shares: Vec<i64> = exact.iter().map(|(q, _)| i64::try_from(*q).unwrap_or(0)).collect();
    let given: i64 = shares.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| exact[*b].1.cmp(&exact[*a].1).then(a.cmp(b)));
    for i in order.into_iter().take(usize::try_from(total - given).unwrap_or(0)) {
        shares[i] += 1;
    }
    shares
}

/// A bill with money still owed on it; `key` is whatever identifies it to
/// the caller (a bill id or number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenBill<K> {
    pub key: K,
    pub due: Date,
    pub outstanding: Money,
}

/// A payment's parts: an amount for each bill it reaches, oldest first, and
/// what is left over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation<K> {
    pub applied: Vec<(K, Money)>,
    pub to_prepaid: Money,
}

/// Applies `amount` to `bills`, the earliest due first (bills due the same
/// day in the order given): each bill reached is paid in full but the last,
/// which may be paid in part; the rest is left over. Bills owing nothing are
/// passed by.
pub fn oldest_first<K: Clone>(amount: Money, bills: &[OpenBill<K>]) -> Allocation<K> {
    let mut order: Vec<&OpenBill<K>> = bills.iter().filter(|b| b.outstanding > Money::ZERO).collect();
    order.sort_by_key(|b| b.due);
    let mut left = amount;
    let mut applied = Vec::new();
    for bill in order {
        if left <= Money::ZERO {
            break;
        }
        let part = left.min(bill.outstanding);
        applied.push((bill.key.clone(), part));
        left = left - part;
    }
    Allocation { applied, to_prepaid: left }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn shares_always_add_up_and_follow_the_weights() {
        assert_eq!(largest_remainder(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(largest_remainder(1, &[5, 5]), vec![1, 0]);
        assert_eq!(largest_remainder(0, &[3, 4]), vec![0, 0]);
        assert_eq!(largest_remainder(10, &[0, 0]), vec![0, 0]);
        assert_eq!(largest_remainder(1000, &[9_000, 0, 1_000]), vec![900, 0, 100]);
        assert_eq!(largest_remainder(5, &[]), Vec::<i64>::new());
    }

    #[test]
    fn a_tie_goes_to_the_earlier_weight() {
        // 2 fen over three equal weights: the first two get one each.
        assert_eq!(largest_remainder(2, &[7, 7, 7]), vec![1, 1, 0]);
        // The larger remainder wins over the earlier place.
        assert_eq!(largest_remainder(1, &[1, 2]), vec![0, 1]);
    }

    fn bill(key: u32, month: i8, fen: i64) -> OpenBill<u32> {
        OpenBill { key, due: date(2026, month, 25), outstanding: Money::from_fen(fen) }
    }

    #[test]
    fn the_oldest_bill_is_cleared_first() {
        let bills = [bill(3, 10, 8_000), bill(1, 8, 12_000), bill(2, 9, 10_000), bill(4, 7, 0)];
        let a = oldest_first(Money::from_fen(15_000), &bills);
        // August in full, September in part, October untouched, July owes nothing.
        assert_eq!(a.applied, [(1, Money::from_fen(12_000)), (2, Money::from_fen(3_000))]);
        assert_eq!(a.to_prepaid, Money::ZERO);
        let a = oldest_first(Money::from_fen(31_000), &bills);
        assert_eq!(a.to_prepaid, Money::from_fen(1_000));
    }

    #[test]
    fn bills_due_the_same_day_are_paid_in_the_order_given() {
        let bills = [bill(9, 8, 100), bill(2, 8, 100)];
        assert_eq!(
            oldest_first(Money::from_fen(150), &bills).applied,
            [(9, Money::from_fen(100)), (2, Money::from_fen(50))]
        );
    }

    proptest! {
        #[test]
        fn shares_never_stray_a_fen_from_the_exact_proportion(
            total in 0i64..10_000_000,
            weights in proptest::collection::vec(0i64..1_000_000, 0..30),
        ) {
            let shares = largest_remainder(total, &weights);
            let sum: i64 = weights.iter().sum();
            prop_assert_eq!(shares.len(), weights.len());
            prop_assert_eq!(shares.iter().sum::<i64>(), if sum == 0 { 0 } else { total });
            for (s, w) in shares.iter().zip(&weights) {
                let exact = i128::from(total) * i128::from(*w);
                prop_assert!((i128::from(*s) * i128::from(sum) - exact).abs() < i128::from(sum.max(1)));
            }
        }

        #[test]
        fn a_payment_is_split_without_losing_a_fen(
            amount in 0i64..1_000_000,
            owed in proptest::collection::vec((1i8..=12, 0i64..200_000), 0..8),
        ) {
            let bills: Vec<OpenBill<usize>> = owed.iter().enumerate().map(|(i, (m, f))| OpenBill { key: i, due: date(2026, *m, 1), outstanding: Money::from_fen(*f) }).collect();
            let a = oldest_first(Money::from_fen(amount), &bills);
            let applied: Money = a.applied.iter().map(|(_, m)| *m).sum();
            prop_assert_eq!(applied + a.to_prepaid, Money::from_fen(amount));
            for (k, m) in &a.applied {
                prop_assert!(*m <= bills[*k].outstanding && *m > Money::ZERO);
            }
            // Only the last bill reached may be left part paid.
            for (k, m) in a.applied.iter().rev().skip(1) {
                prop_assert_eq!(*m, bills[*k].outstanding);
            }
            // A bill due earlier than one paid is paid in full.
            for (k, _) in &a.applied {
                for b in &bills {
                    if b.due < bills[*k].due && b.outstanding > Money::ZERO {
                        prop_assert!(a.applied.iter().any(|(j, m)| *j == b.key && *m == b.outstanding));
                    }
                }
            }
            if a.to_prepaid > Money::ZERO {
                prop_assert_eq!(applied, bills.iter().map(|b| b.outstanding).sum::<Money>());
            }
        }
    }
}
