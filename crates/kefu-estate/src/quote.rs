//! The fee quote of `POST /api/v1/estate/fee-quote` (issue 21 §6): one line
//! computed by the billing rules without storing anything. Decimals travel
//! as strings so that nothing passes through a float; the handler
//! deserialises a [`QuoteRequest`] and answers [`quote`]'s result.

use jiff::civil::Date;
use kefu_core::{Invalid, Rule};
use serde::{Deserialize, Serialize};

use crate::fees::{Reading, Span, UnitPrice, area_line, metered_amount, yuan_text};
use crate::houses::Area;

/// `{"basis": "area", "area_m2": "98.56", "price": "2.35", "from":
/// "2026-01-01", "to": "2026-03-31"}` or `{"basis": "metered", "previous":
/// 1234, "current": 1251, "price": "3.95"}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuoteRequest {
    Area { area_m2: String, price: String, from: String, to: String },
    Metered { previous: i64, current: i64, price: String },
}

/// `{"quantity": "295.68", "amount": "694.85"}`: the m²·months or the units
/// the price multiplies, and the line's amount in yuan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuoteAnswer {
    pub quantity: String,
    pub amount: String,
}

/// Answers a quote, or refuses it naming the request's field.
pub fn quote(request: &QuoteRequest) -> Result<QuoteAnswer, Invalid> {
    let (quantity, amount) = match request {
        QuoteRequest::Area { area_m2, price, from, to } => {
            let area = Area::parse("area_m2", area_m2)?;
            let price = UnitPrice::parse("price", price)?;
            let span = Span::new("to", parse_date("from", from)?, parse_date("to", to)?)?;
            let (quantity, amount) = area_line(area, price, span.months());
            (quantity.to_string(), amount)
        }
        QuoteRequest::Metered { previous, current, price } => {
            let units = Reading::new(*previous, *current).usage()?;
            (units.to_string(), metered_amount(units, UnitPrice::parse("price", price)?))
        }
    };
    Ok(QuoteAnswer { quantity, amount: yuan_text(amount) })
}

/// A date as the API writes it (`2026-01-31`), refused naming `field`.
pub fn parse_date(field: &str, text: &str) -> Result<Date, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::required(field));
    }
    text.parse::<Date>().ok().filter(|_| text.len() == 10).ok_or_else(|| {
        Invalid::new(field, Rule::new("date_format", "日期格式应为 2026-01-31", "a date is written as 2026-01-31"))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(body: serde_json::Value) -> Result<serde_json::Value, Invalid> {
        let request: QuoteRequest = serde_json::from_value(body).unwrap();
        quote(&request).map(|a| serde_json::to_value(a).unwrap())
    }

    #[test]
    fn the_issue_s_two_quotes() {
        let area =
            json!({"basis": "area", "area_m2": "98.56", "price": "2.35", "from": "2026-01-01", "to": "2026-03-31"});
        assert_eq!(answer(area).unwrap(), json!({"quantity": "295.68", "amount": "694.85"}));
        let metered = json!({"basis": "metered", "previous": 1234, "current": 1251, "price": "3.95"});
        assert_eq!(answer(metered).unwrap(), json!({"quantity": "17", "amount": "67.15"}));
    }

    #[test]
    fn a_partial_month_is_quoted_by_its_days() {
        let body =
            json!({"basis": "area", "area_m2": "98.56", "price": "2.35", "from": "2026-01-17", "to": "2026-03-31"});
        assert_eq!(answer(body).unwrap(), json!({"quantity": "244.81", "amount": "575.30"}));
    }

    #[test]
    fn bad_input_is_refused_naming_the_field() {
        let refused = |body: serde_json::Value| {
            let e = answer(body).unwrap_err();
            (e.field, e.rule.code)
        };
        let area = |area_m2: &str, from: &str, to: &str| json!({"basis": "area", "area_m2": area_m2, "price": "2.35", "from": from, "to": to});
        assert_eq!(refused(area("0", "2026-01-01", "2026-03-31")), ("area_m2".into(), "area_zero"));
        assert_eq!(refused(area("98.567", "2026-01-01", "2026-03-31")), ("area_m2".into(), "area_decimals"));
        assert_eq!(refused(area("98.56", "2026-1-1", "2026-03-31")), ("from".into(), "date_format"));
        assert_eq!(refused(area("98.56", "2026-01-01", "")), ("to".into(), "required"));
        assert_eq!(refused(area("98.56", "2026-03-31", "2026-01-01")), ("to".into(), "period_order"));
        let metered = json!({"basis": "metered", "previous": 1251, "current": 1234, "price": "3.95"});
        assert_eq!(refused(metered), ("current".into(), "reading_below_last"));
        let metered = json!({"basis": "metered", "previous": 1, "current": 2, "price": "3.95001"});
        assert_eq!(refused(metered), ("price".into(), "price_decimals"));
        // An unknown basis or a stray field is the JSON extractor's 422.
        assert!(serde_json::from_value::<QuoteRequest>(json!({"basis": "volume"})).is_err());
        assert!(
            serde_json::from_value::<QuoteRequest>(
                json!({"basis": "metered", "previous": 1, "current": 2, "price": "1", "x": 1})
            )
            .is_err()
        );
    }
}
