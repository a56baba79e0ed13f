//! Payments (issue 21 §6): at the desk, by bank transfer, WeChat Pay or
//! Alipay, a payment clears the house's bills with the oldest due date
//! first — bills due the same day by bill number — paying the last one it
//! reaches in part if it must; what is left over is the house's prepaid
//! balance (预存), which pays new bills the same way when they are issued.

use kefu_core::allocation::{Allocation, OpenBill, oldest_first};
use kefu_core::{Invalid, Money, Rule};

/// Applies a payment of `amount` to a house's open `bills` (keyed by bill
/// number): the oldest due first, ties by bill number, the rest prepaid.
pub fn apply_payment<K: Clone + Ord>(amount: Money, bills: &[OpenBill<K>]) -> Result<Allocation<K>, Invalid> {
    if amount <= Money::ZERO {
        return Err(Invalid::new(
            "amount",
            Rule::new("payment_not_positive", "缴费金额须大于零", "a payment must be above zero"),
        ));
    }
    Ok(apply_prepaid(amount, bills))
}

/// Applies a prepaid balance (nothing if it is zero) to a house's open
/// bills the same way: what it does not use stays prepaid.
pub fn apply_prepaid<K: Clone + Ord>(balance: Money, bills: &[OpenBill<K>]) -> Allocation<K> {
    let mut by_number = bills.to_vec();
    by_number.sort_by(|a, b| a.key.cmp(&b.key));
    // oldest_first keeps the order given among bills due the same day.
    oldest_first(balance.max(Money::ZERO), &by_number)
}

/// A payment is taken for a house of the estate it is recorded in: one for
/// a house of another estate is refused (the desk picked the wrong house).
pub fn check_same_estate(payment_estate: &str, house_estate: &str) -> Result<(), Invalid> {
    if payment_estate == house_estate {
        return Ok(());
    }
    Err(Invalid::new(
        "house",
        Rule::new(
            "house_of_another_estate",
            format!("该房屋属于小区 {house_estate}，不能在小区 {payment_estate} 收款"),
            format!("the house belongs to estate {house_estate}, not {payment_estate}, where the payment is taken"),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn bill(number: &str, month: i8, fen: i64) -> OpenBill<String> {
        OpenBill { key: number.into(), due: date(2026, month, 15), outstanding: Money::from_fen(fen) }
    }

    fn paid(a: &Allocation<String>) -> Vec<(&str, i64)> {
        a.applied.iter().map(|(k, m)| (k.as_str(), m.fen())).collect()
    }

    #[test]
    fn the_oldest_bill_first_and_ties_by_bill_number() {
        // Two January bills (management and water) and a February one, given in any order.
        let bills = [bill("B2026020001", 2, 23_162), bill("B2026010007", 1, 6_715), bill("B2026010003", 1, 23_162)];
        let a = apply_payment(Money::from_fen(25_000), &bills).unwrap();
        assert_eq!(paid(&a), [("B2026010003", 23_162), ("B2026010007", 1_838)]);
        assert_eq!(a.to_prepaid, Money::ZERO);
    }

    #[test]
    fn what_is_left_over_is_prepaid_and_pays_the_next_bills() {
        let a = apply_payment(Money::from_yuan(500), &[bill("B1", 1, 23_162)]).unwrap();
        assert_eq!((paid(&a), a.to_prepaid), (vec![("B1", 23_162)], Money::from_fen(26_838)));
        // February's bill is issued: the balance pays it, the rest stays.
        let b = apply_prepaid(a.to_prepaid, &[bill("B2", 2, 23_162)]);
        assert_eq!((paid(&b), b.to_prepaid), (vec![("B2", 23_162)], Money::from_fen(3_676)));
        assert_eq!(apply_prepaid(Money::ZERO, &[bill("B3", 3, 100)]).applied, []);
    }

    #[test]
    fn refusals_name_the_field() {
        let e = apply_payment(Money::ZERO, &[bill("B1", 1, 100)]).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("amount", "payment_not_positive"));
        assert_eq!(check_same_estate("JHY", "JHY"), Ok(()));
        let e = check_same_estate("JHY", "LJY").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("house", "house_of_another_estate"));
    }

    proptest! {
        #[test]
        fn the_order_given_does_not_matter(
            owed in proptest::collection::vec((1i8..=3, 1i64..50_000), 1..8),
            amount in 1i64..200_000,
            seed in any::<u64>(),
        ) {
            let bills: Vec<OpenBill<String>> = owed.iter().enumerate().map(|(i, (m, f))| bill(&format!("B{i:03}"), *m, *f)).collect();
            let mut shuffled = bills.clone();
            let n = shuffled.len();
            shuffled.rotate_left(usize::try_from(seed % n as u64).unwrap());
            let a = apply_payment(Money::from_fen(amount), &bills).unwrap();
            prop_assert_eq!(&a, &apply_payment(Money::from_fen(amount), &shuffled).unwrap());
            // A bill paid after another is due later, or the same day with a higher number.
            for pair in a.applied.windows(2) {
                let (x, y) = (&bills.iter().find(|b| b.key == pair[0].0).unwrap(), &bills.iter().find(|b| b.key == pair[1].0).unwrap());
                prop_assert!((x.due, &x.key) < (y.due, &y.key));
            }
        }
    }
}
