//! The settlement of a repair order in whole fen: line amounts, the labour
//! and parts totals, the discount spread over the customer's lines so that
//! the discounted lines add up to the discounted total exactly, the shares
//! the manufacturer (warranty) and the insurer pay, and the cash due after
//! the member's points. No floating point anywhere: every figure is an
//! integer and the totals are sums of the lines.

use kefu_core::allocation::largest_remainder;
use kefu_core::{Invalid, Money, Rule};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Labour,
    Part,
}

/// Who pays for a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    Customer,
    /// Charged to the manufacturer under warranty (索赔).
    Warranty,
    /// Paid by the insurer (保险理赔).
    Insurance,
}

impl LineKind {
    pub fn code(self) -> &'static str {
        match self {
            LineKind::Labour => "labour",
            LineKind::Part => "part",
        }
    }

    pub fn parse(code: &str) -> Option<LineKind> {
        [LineKind::Labour, LineKind::Part].into_iter().find(|k| k.code() == code)
    }
}

impl Payer {
    pub fn code(self) -> &'static str {
        match self {
            Payer::Customer => "customer",
            Payer::Warranty => "warranty",
            Payer::Insurance => "insurance",
        }
    }

    pub fn parse(code: &str) -> Option<Payer> {
        [Payer::Customer, Payer::Warranty, Payer::Insurance].into_iter().find(|p| p.code() == code)
    }
}

/// Quantities (labour hours, parts) in hundredths: 1.5 hours is 150.
pub const CENTI: i64 = 100;
const MAX_QUANTITY_CENTI: i64 = 9_999 * CENTI;

/// Parses a quantity as people write it ("2", "1.5", "0.25"): positive, at
/// most two decimals, below 10,000.
pub fn parse_quantity(field: &str, text: &str) -> Result<i64, Invalid> {
    let rule = || {
        Invalid::new(
            field,
            Rule::new(
                "quantity_format",
                "数量须为大于 0、最多两位小数、小于 10000 的数",
                "must be a number above 0 and below 10,000 with at most 2 decimals",
            ),
        )
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::required(field));
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 4 || !digits(whole) || frac.is_empty() || frac.len() > 2 || !digits(frac) {
        return Err(rule());
    }
    let frac_centi = format!("{frac:0<2}").parse::<i64>().map_err(|_| rule())?;
    let centi = whole.parse::<i64>().map_err(|_| rule())? * CENTI + frac_centi;
    if centi == 0 || centi > MAX_QUANTITY_CENTI {
        return Err(rule());
    }
    Ok(centi)
}

/// A quantity for people: 150 → "1.5", 200 → "2".
pub fn quantity_text(centi: i64) -> String {
    let (whole, frac) = (centi / CENTI, centi % CENTI);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// The amount of a line: quantity × unit price, rounded half up to the fen
/// (1.5 hours at ¥133.33 is ¥200.00 — 19,999.5 fen rounds to 20,000).
pub fn line_amount(qty_centi: i64, unit: Money) -> Money {
    let exact = i128::from(qty_centi) * i128::from(unit.fen());
    let rounded = (exact + i128::from(CENTI / 2)).div_euclid(i128::from(CENTI));
    // Quantities below 10,000 times unit prices below Money::LIMIT stay far
    // below i64::MAX fen.
    Money::from_fen(i64::try_from(rounded).unwrap_or(i64::MAX))
}

/// One billed line: its amount and who pays it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Billed {
    pub kind: LineKind,
    pub amount: Money,
    pub payer: Payer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub labour: Money,
    pub parts: Money,
    /// labour + parts, before the discount.
    pub gross: Money,
    pub discount: Money,
    /// What the customer owes after the discount (their lines only).
    pub customer: Money,
    /// Charged to the manufacturer.
    pub warranty: Money,
    /// Charged to the insurer (a receivable).
    pub insurance: Money,
    /// The value of the member points redeemed.
    pub points: Money,
    /// customer − points: what the customer pays at the cashier.
    pub cash_due: Money,
    /// The discount's share of each line, in the order given; 0 for lines
    /// others pay.
    pub line_discounts: Vec<Money>,
}

fn refused(field: &str, code: &'static str, zh: &str, en: &str) -> Invalid {
    Invalid::new(field, Rule::new(code, zh, en))
}

/// An order's lines may come to less than [`Money::LIMIT`] in all.
pub fn total_out_of_range() -> Invalid {
    refused(
        "lines",
        "order_total_range",
        "工单合计须小于 1000 万元",
        "an order's lines must come to less than 10 million yuan",
    )
}

/// Whether lines of these amounts come to less than [`Money::LIMIT`].
pub fn total_in_range(amounts: impl IntoIterator<Item = Money>) -> bool {
    Money::checked_sum(amounts).is_some_and(|total| total < Money::LIMIT)
}

/// Settles `lines` with a discount off the customer's lines and points
/// redeemed against what remains.
pub fn settle(lines: &[Billed], discount: Money, points: Money) -> Result<Totals, Invalid> {
    if discount < Money::ZERO {
        return Err(refused("discount", "not_negative", "不能为负数", "must not be negative"));
    }
    if points < Money::ZERO {
        return Err(refused("points", "not_negative", "不能为负数", "must not be negative"));
    }
    let sum = |keep: &dyn Fn(&Billed) -> bool| -> Result<Money, Invalid> {
        Money::checked_sum(lines.iter().filter(|l| keep(l)).map(|l| l.amount)).ok_or_else(total_out_of_range)
    };
    // Every sum below is at most the gross, so it cannot overflow when the
    // gross did not.
    let gross = sum(&|_| true)?;
    let labour = sum(&|l| l.kind == LineKind::Labour)?;
    let parts = sum(&|l| l.kind == LineKind::Part)?;
    let customer_gross = sum(&|l| l.payer == Payer::Customer)?;
    if discount > customer_gross {
        return Err(refused(
            "discount",
            "discount_too_large",
            "优惠不能超过客户自付金额",
            "the discount cannot exceed what the customer pays",
        ));
    }
    let customer = customer_gross - discount;
    if points > customer {
        return Err(refused(
            "points",
            "points_too_large",
            "积分抵扣不能超过优惠后的客户自付金额",
            "points cannot exceed what the customer pays after the discount",
        ));
    }
    let weights: Vec<i64> = lines.iter().map(|l| if l.payer == Payer::Customer { l.amount.fen() } else { 0 }).collect();
    Ok(Totals {
        labour,
        parts,
        gross,
        discount,
        customer,
        warranty: sum(&|l| l.payer == Payer::Warranty)?,
        insurance: sum(&|l| l.payer == Payer::Insurance)?,
        points,
        cash_due: customer - points,
        line_discounts: largest_remainder(discount.fen(), &weights).into_iter().map(Money::from_fen).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(n: i64) -> Money {
        Money::from_fen(n)
    }

    fn line(kind: LineKind, amount: i64, payer: Payer) -> Billed {
        Billed { kind, amount: fen(amount), payer }
    }

    #[test]
    fn quantities_parse_to_hundredths() {
        assert_eq!(parse_quantity("qty", "2"), Ok(200));
        assert_eq!(parse_quantity("qty", "1.5"), Ok(150));
        assert_eq!(parse_quantity("qty", " 0.25 "), Ok(25));
        for bad in ["0", "-1", "1.234", "abc", "1e3", "10000", ".5", "1."] {
            let err = parse_quantity("qty", bad).expect_err(bad);
            assert_eq!(err.field, "qty");
            assert_eq!(err.rule.code, "quantity_format", "{bad}");
        }
        assert_eq!(parse_quantity("qty", "").unwrap_err().rule.code, "required");
        assert_eq!(quantity_text(150), "1.5");
        assert_eq!(quantity_text(125), "1.25");
        assert_eq!(quantity_text(200), "2");
    }

    #[test]
    fn line_amounts_round_half_up_to_the_fen() {
        assert_eq!(line_amount(150, fen(13_333)), fen(20_000));
        assert_eq!(line_amount(100, fen(4_500)), fen(4_500));
        assert_eq!(line_amount(33, fen(1)), fen(0));
        assert_eq!(line_amount(50, fen(1)), fen(1));
    }

    #[test]
    fn totals_add_up_exactly_across_payers() {
        let lines = [
            line(LineKind::Labour, 18_000, Payer::Customer),
            line(LineKind::Part, 4_533, Payer::Customer),
            line(LineKind::Part, 12_001, Payer::Customer),
            line(LineKind::Labour, 30_000, Payer::Warranty),
            line(LineKind::Part, 86_000, Payer::Insurance),
        ];
        let t = settle(&lines, fen(3_001), fen(1_000)).unwrap();
        assert_eq!(t.labour, fen(48_000));
        assert_eq!(t.parts, fen(102_534));
        assert_eq!(t.gross, t.labour + t.parts);
        assert_eq!(t.customer, fen(34_534 - 3_001));
        assert_eq!(t.warranty, fen(30_000));
        assert_eq!(t.insurance, fen(86_000));
        assert_eq!(t.gross - t.discount, t.customer + t.warranty + t.insurance);
        assert_eq!(t.cash_due, t.customer - t.points);
        assert_eq!(t.line_discounts.iter().sum::<Money>(), t.discount);
        assert_eq!(t.line_discounts[3..], [fen(0), fen(0)], "others' lines take no discount");
        // Each customer line after its discount, summed, is the customer's total.
        let discounted: Money = lines[..3].iter().zip(&t.line_discounts).map(|(l, d)| l.amount - *d).sum();
        assert_eq!(discounted, t.customer);
    }

    #[test]
    fn totals_beyond_i64_are_refused_not_wrapped() {
        let huge = [line(LineKind::Part, i64::MAX, Payer::Customer), line(LineKind::Labour, 1, Payer::Warranty)];
        let refused = settle(&huge, Money::ZERO, Money::ZERO).unwrap_err();
        assert_eq!((refused.field.as_str(), refused.rule.code), ("lines", "order_total_range"));
        assert!(total_in_range([fen(999_999_998), fen(1)]));
        assert!(!total_in_range([fen(999_999_999), fen(1)]), "ten million yuan is beyond the bound");
        assert!(!total_in_range([fen(i64::MAX), fen(1)]));
    }

    #[test]
    fn discounts_and_points_are_bounded_by_what_the_customer_pays() {
        let lines = [line(LineKind::Labour, 10_000, Payer::Customer), line(LineKind::Part, 50_000, Payer::Warranty)];
        assert_eq!(settle(&lines, fen(10_001), fen(0)).unwrap_err().rule.code, "discount_too_large");
        assert_eq!(settle(&lines, fen(2_000), fen(8_001)).unwrap_err().rule.code, "points_too_large");
        assert_eq!(settle(&lines, fen(-1), fen(0)).unwrap_err().field, "discount");
        assert_eq!(settle(&lines, fen(0), fen(-1)).unwrap_err().field, "points");
        let all = settle(&lines, fen(2_000), fen(8_000)).unwrap();
        assert_eq!(all.cash_due, fen(0));
    }
}
