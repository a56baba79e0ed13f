//! The points rules as plain functions: how many points money spent earns,
//! when they expire, and which earned lots a redemption, an expiry or a
//! refund takes from — oldest expiry first, so the points that would lapse
//! soonest are used first.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule};

/// Points are good for this many months after the day they were earned.
pub const VALID_MONTHS: i64 = 24;

/// The day a lot earned on `earned` lapses (it is usable the day before).
pub fn expires_on(earned: Date) -> Date {
    earned + VALID_MONTHS.months()
}

/// A promotion's multiplier in percent: 100 is none, 200 double points.
pub fn check_promotion(percent: i64) -> Result<i64, Invalid> {
    if (100..=1000).contains(&percent) {
        Ok(percent)
    } else {
        Err(Invalid::new(
            "promotion_percent",
            Rule::new("promotion_range", "须为 100% 到 1000%", "must be from 100% to 1000%"),
        ))
    }
}

/// The most points one purchase may earn: far above what ten million yuan
/// (the most any amount may be) earns at any sensible tier, and low enough
/// that a ledger's sums never come near the limit of `i64`.
pub const MAX_EARNED: i64 = 1_000_000_000;

/// The points `spent` earns at `points_per_yuan` (the customer's tier) under
/// a promotion of `promotion_percent`; fractions of a point are dropped.
/// Refused, naming the amount, beyond [`MAX_EARNED`].
pub fn earned(spent: Money, points_per_yuan: i64, promotion_percent: i64) -> Result<i64, Invalid> {
    let points = i128::from(spent.fen()) * i128::from(points_per_yuan) * i128::from(promotion_percent) / 10_000;
    match i64::try_from(points.max(0)) {
        Ok(points) if points <= MAX_EARNED => Ok(points),
        _ => Err(Invalid::new(
            "amount",
            Rule::new(
                "points_range",
                format!("一笔消费最多获得 {MAX_EARNED} 积分"),
                format!("one purchase earns at most {MAX_EARNED} points"),
            ),
        )),
    }
}

/// The points a refund of `refunded` out of a purchase of `spent` that
/// earned `points` takes back: the same share, rounded up so a refund never
/// leaves points its money no longer pays for.
pub fn refunded(points: i64, spent: Money, refunded: Money) -> i64 {
    if spent.fen() <= 0 {
        return 0;
    }
    let share = i128::from(points) * i128::from(refunded.fen());
    let back = (share + i128::from(spent.fen()) - 1) / i128::from(spent.fen());
    i64::try_from(back.clamp(0, i128::from(points))).unwrap_or(points)
}

/// Points earned together: what is left of them and when they lapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lot {
    pub id: i64,
    pub expires_on: Date,
    pub remaining: i64,
}

/// Lots that can still be used on `today`, oldest expiry first.
fn usable(lots: &[Lot], today: Date) -> Vec<Lot> {
    let mut usable: Vec<Lot> = lots.iter().copied().filter(|l| l.remaining > 0 && l.expires_on > today).collect();
    usable.sort_by_key(|l| (l.expires_on, l.id));
    usable
}

/// The points usable on `today`.
pub fn available(lots: &[Lot], today: Date) -> i64 {
    // Each lot holds at most MAX_EARNED, so this never saturates; a damaged
    // ledger still cannot make it panic or wrap to a negative balance.
    usable(lots, today).iter().fold(0, |sum, l| sum.saturating_add(l.remaining))
}

/// The lots whose points lapse by `today`, with what is left of each.
pub fn lapsed(lots: &[Lot], today: Date) -> Vec<(i64, i64)> {
    lots.iter().filter(|l| l.remaining > 0 && l.expires_on <= today).map(|l| (l.id, l.remaining)).collect()
}

/// The lots a redemption of `points` takes from, and how much from each;
/// refused, naming the balance, when fewer are usable.
pub fn redeem(lots: &[Lot], points: i64, today: Date) -> Result<Vec<(i64, i64)>, Invalid> {
    if points <= 0 {
        return Err(Invalid::new(
            "points",
            Rule::new("positive_points", "须为正整数", "must be a whole number above zero"),
        ));
    }
    let balance = available(lots, today);
    if balance < points {
        return Err(Invalid::new(
            "points",
            Rule::new(
                "insufficient_points",
                format!("积分不足：可用 {balance} 分"),
                format!("not enough points: {balance} available"),
            ),
        ));
    }
    Ok(take(usable(lots, today), points))
}

/// The lots a refund takes `points` back from: the refunded purchase's own
/// lot first, then the others oldest expiry first. Points already redeemed
/// are not clawed back: what is taken is at most what is usable.
pub fn take_back(lots: &[Lot], lot: i64, points: i64, today: Date) -> Vec<(i64, i64)> {
    let mut order = usable(lots, today);
    order.sort_by_key(|l| l.id != lot);
    take(order, points.max(0))
}

fn take(order: Vec<Lot>, mut points: i64) -> Vec<(i64, i64)> {
    let mut taken = Vec::new();
    for l in order {
        if points == 0 {
            break;
        }
        let n = l.remaining.min(points);
        taken.push((l.id, n));
        points -= n;
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn money_spent_earns_by_tier_and_promotion() {
        let earned = |fen, per_yuan, percent| earned(Money::from_fen(fen), per_yuan, percent).unwrap();
        assert_eq!(earned(123_456, 1, 100), 1234, "¥1,234.56 at 1 point a yuan");
        assert_eq!(earned(123_456, 2, 100), 2469);
        assert_eq!(earned(123_456, 2, 150), 3703, "one and a half times");
        assert_eq!(earned(99, 1, 100), 0, "less than a yuan earns nothing");
        assert_eq!(earned(999_999_999, 4, 1000), 399_999_999, "the most a purchase can be, at ten times");
        assert_eq!(check_promotion(99).unwrap_err().field, "promotion_percent");
        assert!(check_promotion(200).is_ok());
    }

    #[test]
    fn no_purchase_earns_beyond_the_bound() {
        let refused = earned(Money::from_fen(i64::MAX), 4, 1000).unwrap_err();
        assert_eq!((refused.field.as_str(), refused.rule.code), ("amount", "points_range"));
        assert!(earned(Money::from_fen(999_999_999), 1_000, 1000).is_err(), "nor at an absurd tier");
    }

    #[test]
    fn refunds_take_back_their_share_rounded_up() {
        let spent = Money::from_fen(100_000);
        assert_eq!(refunded(1000, spent, spent), 1000);
        assert_eq!(refunded(1000, spent, Money::from_fen(33_333)), 334);
        assert_eq!(refunded(1000, spent, Money::ZERO), 0);
    }

    #[test]
    fn points_lapse_after_24_months() {
        assert_eq!(expires_on(d("2026-11-29")), d("2028-11-29"));
        assert_eq!(expires_on(d("2024-02-29")), d("2026-02-28"));
        let lots = [Lot { id: 1, expires_on: d("2028-11-29"), remaining: 50 }];
        assert_eq!(available(&lots, d("2028-11-28")), 50);
        assert_eq!(available(&lots, d("2028-11-29")), 0);
        assert_eq!(lapsed(&lots, d("2028-11-29")), [(1, 50)]);
    }

    #[test]
    fn redemption_uses_the_points_that_lapse_first() {
        let lots = [
            Lot { id: 1, expires_on: d("2028-05-01"), remaining: 30 },
            Lot { id: 2, expires_on: d("2027-05-01"), remaining: 20 },
        ];
        assert_eq!(redeem(&lots, 25, d("2026-11-29")).unwrap(), [(2, 20), (1, 5)]);
        let refused = redeem(&lots, 51, d("2026-11-29")).unwrap_err();
        assert_eq!((refused.field.as_str(), refused.rule.code), ("points", "insufficient_points"));
        assert!(refused.rule.zh.contains("可用 50 分"));
        assert_eq!(redeem(&lots, 0, d("2026-11-29")).unwrap_err().rule.code, "positive_points");
        assert_eq!(take_back(&lots, 1, 40, d("2026-11-29")), [(1, 30), (2, 10)]);
        assert_eq!(take_back(&lots, 1, 80, d("2026-11-29")), [(1, 30), (2, 20)], "no more than is there");
    }

    /// One change to a customer's points, as the property test draws them.
    #[derive(Debug, Clone)]
    enum Op {
        Earn {
            fen: i64,
            per_yuan: i64,
            promotion: i64,
        },
        Redeem(i64),
        /// Refund a share (in percent) of the n-th purchase, if there is one.
        Refund {
            purchase: usize,
            percent: i64,
        },
        /// Let time pass and expire what lapsed.
        Wait(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..500_000i64, 1..4i64, prop_oneof![Just(100i64), Just(150), Just(200)])
                .prop_map(|(fen, per_yuan, promotion)| Op::Earn { fen, per_yuan, promotion }),
            (1..3_000i64).prop_map(Op::Redeem),
            (0..8usize, 1..=100i64).prop_map(|(purchase, percent)| Op::Refund { purchase, percent }),
            (1..400i64).prop_map(Op::Wait),
        ]
    }

    /// The ledger as the capability keeps it: signed entries, and lots.
    #[derive(Default)]
    struct Ledger {
        entries: Vec<i64>,
        lots: Vec<Lot>,
        /// (lot, spent, points earned, refunded so far)
        purchases: Vec<(i64, Money, i64, Money)>,
    }

    impl Ledger {
        fn apply(&mut self, taken: &[(i64, i64)]) -> i64 {
            for (id, n) in taken {
                let lot = self.lots.iter_mut().find(|l| l.id == *id).unwrap();
                assert!(*n > 0 && *n <= lot.remaining, "takes only what a lot holds");
                lot.remaining -= n;
            }
            taken.iter().map(|(_, n)| n).sum()
        }

        fn expire(&mut self, today: Date) {
            let lapsed = lapsed(&self.lots, today);
            let n = self.apply(&lapsed);
            if n > 0 {
                self.entries.push(-n);
            }
        }
    }

    proptest! {
        #[test]
        fn the_ledger_balances_after_any_sequence(ops in proptest::collection::vec(op(), 1..60)) {
            let mut today = d("2026-01-01");
            let mut ledger = Ledger::default();
            for op in ops {
                // Every change first expires what lapsed, as the capability does.
                ledger.expire(today);
                match op {
                    Op::Earn { fen, per_yuan, promotion } => {
                        let spent = Money::from_fen(fen);
                        let points = earned(spent, per_yuan, promotion).unwrap();
                        let id = ledger.lots.len() as i64 + 1;
                        ledger.lots.push(Lot { id, expires_on: expires_on(today), remaining: points });
                        ledger.entries.push(points);
                        ledger.purchases.push((id, spent, points, Money::ZERO));
                    }
                    Op::Redeem(points) => {
                        let before = available(&ledger.lots, today);
                        match redeem(&ledger.lots, points, today) {
                            Ok(taken) => {
                                prop_assert!(points <= before);
                                prop_assert_eq!(ledger.apply(&taken), points);
                                ledger.entries.push(-points);
                            }
                            Err(_) => prop_assert!(points > before, "refused only when short"),
                        }
                    }
                    Op::Refund { purchase, percent } => {
                        let Some(&(lot, spent, points, done)) = ledger.purchases.get(purchase) else { continue };
                        let amount = Money::from_fen((spent.fen() - done.fen()) * percent / 100);
                        let back = refunded(points, spent, done + amount) - refunded(points, spent, done);
                        let n = ledger.apply(&take_back(&ledger.lots, lot, back, today));
                        prop_assert!(n <= back);
                        ledger.entries.push(-n);
                        ledger.purchases[purchase].3 = done + amount;
                    }
                    Op::Wait(days) => today += days.days(),
                }
                let balance: i64 = ledger.entries.iter().sum();
                let held: i64 = ledger.lots.iter().map(|l| l.remaining).sum();
                prop_assert_eq!(balance, held, "the entries add up to what the lots hold");
                prop_assert!(ledger.lots.iter().all(|l| l.remaining >= 0));
                prop_assert!(balance >= available(&ledger.lots, today), "never more usable than the balance");
            }
        }
    }
}
