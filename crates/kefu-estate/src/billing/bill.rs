//! A bill: a house's lines for a period, their idempotency keys, and the
//! reversal that corrects an issued bill (issue 21 §6: corrections by
//! reversal and a new bill, never an edit).

use jiff::civil::Date;
use kefu_core::Money;

use crate::codes::codes;
use crate::fees::{Month, Quantity, UnitPrice};
use crate::houses::HouseNo;

codes! {
    /// What a line charges.
    pub enum LineKind {
        /// Area × price × months.
        Area => "area",
        /// A meter's use × price.
        Metered => "metered",
        /// A share of a master meter's use beyond the houses'.
        PublicShare => "public_share",
        /// So much a month × months.
        Fixed => "fixed",
        /// Charged once.
        OneOff => "one_off",
    }
}

/// The idempotency key of a billing run (issue 21 §6): an item is billed
/// to a house once per estate and period, whatever the run is repeated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BillingKey {
    pub estate: String,
    pub period: Month,
    pub house: HouseNo,
    pub item: String,
}

/// One line: an item's quantity at its price and the amount, rounded once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub item: String,
    pub kind: LineKind,
    pub quantity: Quantity,
    /// The unit price, where the line has one (not for a fixed or one-off
    /// amount, nor for a public share, which is split in fen).
    pub price: Option<UnitPrice>,
    pub amount: Money,
}

/// A house's bill for a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bill {
    pub estate: String,
    pub period: Month,
    pub house: HouseNo,
    pub due: Date,
    pub lines: Vec<Line>,
}

impl Bill {
    pub fn total(&self) -> Money {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// The keys the bill's lines take, one per item.
    pub fn keys(&self) -> Vec<BillingKey> {
        let mut items: Vec<&str> = Vec::new();
        for line in &self.lines {
            if !items.contains(&line.item.as_str()) {
                items.push(&line.item);
            }
        }
        items
            .into_iter()
            .map(|item| BillingKey {
                estate: self.estate.clone(),
                period: self.period,
                house: self.house.clone(),
                item: item.to_owned(),
            })
            .collect()
    }

    /// The reversal of an issued bill: every line negated, so the two sum
    /// to nothing; stored beside the original, which stays as issued. Its
    /// keys are then free for the corrected bill.
    pub fn reversal(&self) -> Bill {
        Bill {
            lines: self
                .lines
                .iter()
                .map(|l| Line { quantity: l.quantity.negated(), amount: -l.amount, ..l.clone() })
                .collect(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn a_reversal_negates_every_line_and_cancels_the_bill() {
        let line = |item: &str, kind, amount| Line {
            item: item.into(),
            kind,
            quantity: Quantity::whole(17),
            price: None,
            amount: Money::from_fen(amount),
        };
        let bill = Bill {
            estate: "JHY".into(),
            period: Month::new(2026, 1),
            house: HouseNo::parse("house", "3-2-1502").unwrap(),
            due: date(2026, 1, 15),
            lines: vec![
                line("water", LineKind::Metered, 6715),
                line("water", LineKind::PublicShare, 123),
                line("mgmt", LineKind::Area, 23_162),
            ],
        };
        let r = bill.reversal();
        assert_eq!(r.total(), -bill.total());
        assert_eq!(r.total() + bill.total(), Money::ZERO);
        assert!(
            r.lines.iter().zip(&bill.lines).all(|(a, b)| a.amount == -b.amount && a.quantity == b.quantity.negated())
        );
        assert_eq!((r.house.clone(), r.period, r.due), (bill.house.clone(), bill.period, bill.due));
        let items: Vec<String> = bill.keys().into_iter().map(|k| k.item).collect();
        assert_eq!(items, ["water", "mgmt"]);
        assert_eq!(r.reversal(), bill);
    }
}
