//! Where a payment goes (issue 20 §4): it clears the oldest bills first,
//! a part payment leaves the rest of a bill open, and what is left over
//! becomes a prepaid balance (预存电费) where the account may hold one —
//! otherwise a payment larger than the bills is refused.
//!
//! A prepaid balance pays new bills the same way: allocate
//! `min(balance, outstanding)` to them.

use kefu_core::allocation::oldest_first;
pub use kefu_core::allocation::{Allocation, OpenBill};
use kefu_core::{Invalid, Money, Rule};

/// What the open bills still owe in all.
pub fn outstanding<K>(bills: &[OpenBill<K>]) -> Money {
    bills.iter().map(|b| b.outstanding).sum()
}

/// Allocates a payment of `amount` to `bills`, the earliest due first (bills
/// due the same day in the order given).
pub fn allocate<K: Clone>(
    amount: Money,
    bills: &[OpenBill<K>],
    prepaid_allowed: bool,
) -> Result<Allocation<K>, Invalid> {
    if amount <= Money::ZERO {
        return Err(Invalid::new(
            "amount",
            Rule::new("payment_not_positive", "缴费金额须大于零", "a payment must be above zero"),
        ));
    }
    let owed = outstanding(bills);
    if amount > owed && !prepaid_allowed {
        return Err(Invalid::new(
            "amount",
            Rule::new(
                "payment_exceeds_bills",
                format!("缴费金额超过欠费 {owed}，且该户不能预存电费"),
                format!("the payment is more than the {owed} owed and the account holds no prepaid balance"),
            ),
        ));
    }
    Ok(oldest_first(amount, bills))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn bill(key: u32, month: i8, fen: i64) -> OpenBill<u32> {
        OpenBill { key, due: date(2026, month, 25), outstanding: Money::from_fen(fen) }
    }

    #[test]
    fn the_oldest_bill_is_cleared_first() {
        let bills = [bill(3, 10, 8_000), bill(1, 8, 12_000), bill(2, 9, 10_000)];
        let a = allocate(Money::from_fen(15_000), &bills, false).unwrap();
        // August in full, September in part, October untouched.
        assert_eq!(a.applied, [(1, Money::from_fen(12_000)), (2, Money::from_fen(3_000))]);
        assert_eq!(a.to_prepaid, Money::ZERO);
    }

    #[test]
    fn what_is_left_becomes_prepaid_where_the_account_may_hold_it() {
        let bills = [bill(1, 8, 12_000)];
        let a = allocate(Money::from_fen(20_000), &bills, true).unwrap();
        assert_eq!((a.applied, a.to_prepaid), (vec![(1, Money::from_fen(12_000))], Money::from_fen(8_000)));
        // No bills at all: all of it is prepaid.
        assert_eq!(allocate::<u32>(Money::from_yuan(100), &[], true).unwrap().to_prepaid, Money::from_yuan(100));
    }

    #[test]
    fn an_overpayment_without_a_prepaid_balance_is_refused() {
        let e = allocate(Money::from_fen(12_001), &[bill(1, 8, 12_000)], false).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("amount", "payment_exceeds_bills"));
        assert!(e.rule.en.contains("¥120.00"), "{}", e.rule.en);
        let e = allocate(Money::ZERO, &[bill(1, 8, 12_000)], true).unwrap_err();
        assert_eq!(e.rule.code, "payment_not_positive");
    }
}
