//! What the cases' API and pages read from a request, parsed once for
//! both: a theft's figures, a case, its new amounts; and the amounts as
//! they are answered.

use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule};
use kefu_power::Price;
use kefu_power::cases::{Amounts, Basis, NewCase, is_theft};
use kefu_power::inspections::{Capacity, Theft, TheftAssessment, UserClass, parse_kw};
use kefu_power::tariffs::quote::yuan;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A theft to assess. The capacity comes from the equipment (`capacity_kw`)
/// or, when that is unknown, from the meter's rated current at the supply
/// voltage; the equipment wins when both are given.
#[derive(Deserialize, ToSchema, Default, Clone)]
#[schema(example = json!({"user_class": "lighting", "capacity_kw": "1.1", "rated_current_a": null, "voltage_v": 220, "phases": 1, "hours": 300, "price": "0.5283"}))]
pub struct TheftBody {
    /// lighting (照明用户) | power (动力用户): the hours a day of an unknown duration.
    #[serde(default)]
    pub user_class: String,
    /// The equipment's capacity in kW, up to three decimals ("1.1").
    #[schema(value_type = Option<String>)]
    pub capacity_kw: Option<Value>,
    /// The meter's rated current in amperes.
    #[schema(value_type = Option<u32>)]
    pub rated_current_a: Option<Value>,
    /// The supply voltage: 220 single-phase, 380 three-phase when left out.
    #[schema(value_type = Option<u32>)]
    pub voltage_v: Option<Value>,
    /// 1 or 3; 1 when left out.
    #[schema(value_type = Option<u32>)]
    pub phases: Option<Value>,
    /// Hours of theft when known; otherwise 180 days at 6 (lighting) or 12
    /// (power) hours a day.
    #[schema(value_type = Option<u32>)]
    pub hours: Option<Value>,
    /// The account's price in yuan per kWh, up to four decimals.
    #[schema(value_type = String)]
    #[serde(default)]
    pub price: Value,
}

/// A JSON number or string as the text it writes: "1.1" and 1.1 alike;
/// null and an empty string (a form's field left blank) are absent.
fn text_of(field: &str, v: &Option<Value>) -> Result<Option<String>, Invalid> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(Invalid::new(field, Rule::new("not_a_number", "须为数字", "must be a number"))),
    }
}

/// A whole number from 0 to `max`, as JSON or a form sends it.
fn whole(field: &str, v: &Option<Value>, max: u32) -> Result<Option<u32>, Invalid> {
    let Some(text) = text_of(field, v)? else { return Ok(None) };
    text.parse::<u32>().ok().filter(|n| *n <= max).map(Some).ok_or_else(|| {
        Invalid::new(
            field,
            Rule::new(
                "whole_number",
                format!("须为 0 到 {max} 的整数"),
                format!("must be a whole number from 0 to {max}"),
            ),
        )
    })
}

impl TheftBody {
    /// The theft the body describes, refused by field and rule.
    pub fn theft(&self) -> Result<Theft, Invalid> {
        let user_class = match self.user_class.trim() {
            "lighting" => UserClass::Lighting,
            "power" => UserClass::Power,
            _ => {
                return Err(Invalid::new(
                    "user_class",
                    Rule::new(
                        "user_class",
                        "用户类别须为 lighting（照明）或 power（动力）",
                        "the user class is lighting or power",
                    ),
                ));
            }
        };
        let three_phase = match whole("phases", &self.phases, 3)?.unwrap_or(1) {
            1 => false,
            3 => true,
            _ => {
                return Err(Invalid::new("phases", Rule::new("phases", "相数须为 1 或 3", "phases is 1 or 3")));
            }
        };
        let rated_current = whole("rated_current_a", &self.rated_current_a, 100_000)?;
        let voltage = whole("voltage_v", &self.voltage_v, 10_000_000)?;
        let hours = whole("hours", &self.hours, 10_000_000)?;
        let capacity = match (text_of("capacity_kw", &self.capacity_kw)?, rated_current) {
            (Some(kw), _) => Capacity::Equipment { watts: parse_kw("capacity_kw", &kw)? },
            (None, Some(amps)) => Capacity::RatedCurrent {
                amps,
                volts: voltage.unwrap_or(if three_phase { 380 } else { 220 }),
                three_phase,
            },
            (None, None) => {
                return Err(Invalid::new(
                    "capacity_kw",
                    Rule::new(
                        "capacity_or_current",
                        "请填写用电设备容量 capacity_kw，或电能表额定电流 rated_current_a",
                        "give the equipment's capacity_kw or the meter's rated_current_a",
                    ),
                ));
            }
        };
        let price = text_of("price", &Some(self.price.clone()))?.ok_or_else(|| Invalid::required("price"))?;
        Ok(Theft { user_class, capacity, hours, price: Price::parse("price", &price)? })
    }
}

/// The amounts, yuan with two decimals.
#[derive(Serialize, ToSchema)]
pub struct TheftDto {
    /// Stolen kWh, rounded half up to a whole kWh.
    pub kwh: i64,
    /// The hours counted (given, or 180 days at 6 or 12 hours a day).
    pub hours: u32,
    /// 补交电费 = kWh × price, rounded half up to the fen.
    pub back_charge: String,
    /// 违约使用电费 = 3 × the rounded back charge.
    pub penalty: String,
    pub total: String,
    /// Whether the total is above 1,000.00 yuan: reported to the leaders,
    /// closed only by a manager.
    pub escalate: bool,
}

impl TheftDto {
    pub fn of(a: &TheftAssessment) -> TheftDto {
        TheftDto {
            kwh: a.kwh,
            hours: a.hours,
            back_charge: yuan(a.back_charge),
            penalty: yuan(a.penalty),
            total: yuan(a.total),
            escalate: a.escalate,
        }
    }
}

/// A case to open: the account, what was found, the evidence, and what
/// its amounts come from — a theft's figures, the kVA added without leave,
/// or the back charge the inspector worked out.
#[derive(Deserialize, ToSchema, Default, Clone)]
#[schema(example = json!({"account_no": "0301000042", "kind": "theft_bypass", "source": "inspection", "found_on": "2026-11-20", "seal_numbers": "GX-2026-001234", "user_class": "lighting", "capacity_kw": "2", "hours": null, "price": "0.5283"}))]
pub struct CaseBody {
    pub account_no: String,
    /// unauthorised_increase | over_capacity | class_change | theft_bypass | theft_tamper | other
    pub kind: String,
    /// inspection | report
    pub source: String,
    /// YYYY-MM-DD; today when left out.
    #[schema(value_type = Option<String>)]
    pub found_on: Option<Value>,
    #[serde(default)]
    pub description: String,
    /// The seal numbers found broken or fitted, as written on them.
    #[serde(default)]
    pub seal_numbers: String,
    #[serde(flatten)]
    pub amounts: AmountsBody,
}

/// What a case's amounts come from (the fields that fit its kind).
#[derive(Deserialize, ToSchema, Default, Clone)]
#[schema(example = json!({"user_class": "lighting", "capacity_kw": "1.1", "voltage_v": 220, "phases": 1, "hours": 300, "price": "0.5283"}))]
pub struct AmountsBody {
    /// Theft: as for `POST /api/v1/power/theft-assessments`.
    #[serde(default)]
    pub user_class: String,
    #[schema(value_type = Option<String>)]
    pub capacity_kw: Option<Value>,
    #[schema(value_type = Option<u32>)]
    pub rated_current_a: Option<Value>,
    #[schema(value_type = Option<u32>)]
    pub voltage_v: Option<Value>,
    #[schema(value_type = Option<u32>)]
    pub phases: Option<Value>,
    #[schema(value_type = Option<u32>)]
    pub hours: Option<Value>,
    #[schema(value_type = Option<String>)]
    pub price: Option<Value>,
    /// Unauthorised capacity increase: the kVA added.
    #[schema(value_type = Option<u32>)]
    pub added_kva: Option<Value>,
    /// Other violations: the back charge in yuan, at most two decimals.
    #[schema(value_type = Option<String>)]
    pub back_charge: Option<Value>,
}

impl AmountsBody {
    /// The basis of a case of `kind`.
    pub fn basis(&self, kind: &str) -> Result<Basis, Invalid> {
        if is_theft(kind) {
            let theft = TheftBody {
                user_class: self.user_class.clone(),
                capacity_kw: self.capacity_kw.clone(),
                rated_current_a: self.rated_current_a.clone(),
                voltage_v: self.voltage_v.clone(),
                phases: self.phases.clone(),
                hours: self.hours.clone(),
                price: self.price.clone().unwrap_or(Value::Null),
            };
            return Ok(Basis::Theft(theft.theft()?));
        }
        if kind == "unauthorised_increase" {
            let kva = whole("added_kva", &self.added_kva, 1_000_000)?.ok_or_else(|| Invalid::required("added_kva"))?;
            return Ok(Basis::Capacity { added_kva: kva });
        }
        let text = text_of("back_charge", &self.back_charge)?.ok_or_else(|| Invalid::required("back_charge"))?;
        Ok(Basis::BackCharge(Money::parse_yuan("back_charge", &text)?))
    }
}

impl CaseBody {
    /// The case to open; found today unless the body says when.
    pub fn new_case(&self, today: Date) -> Result<NewCase, Invalid> {
        let found_on = match text_of("found_on", &self.found_on)? {
            None => today,
            Some(d) => d.parse().map_err(|_| {
                Invalid::new("found_on", Rule::new("date_format", "日期格式应为 YYYY-MM-DD", "a date is YYYY-MM-DD"))
            })?,
        };
        if found_on > today {
            return Err(Invalid::new(
                "found_on",
                Rule::new("date_in_future", "发现日期不能晚于今天", "the day found cannot be after today"),
            ));
        }
        Ok(NewCase {
            account_no: self.account_no.clone(),
            kind: self.kind.clone(),
            source: self.source.clone(),
            found_on,
            description: self.description.clone(),
            seal_numbers: self.seal_numbers.clone(),
            basis: self.amounts.basis(&self.kind)?,
        })
    }
}

/// A form's fields as the JSON body they stand for: every value text,
/// blanks left out, so the API's parsing serves the pages too.
pub fn form_json(form: BTreeMap<String, String>) -> Value {
    Value::Object(
        form.into_iter()
            .filter(|(k, v)| k != "_csrf" && !v.trim().is_empty())
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// A case's amounts, yuan with two decimals.
#[derive(Serialize, ToSchema)]
pub struct AmountsDto {
    pub kwh: i64,
    pub back_charge: String,
    pub penalty: String,
    pub total: String,
}

impl AmountsDto {
    pub fn of(a: &Amounts) -> AmountsDto {
        AmountsDto { kwh: a.kwh, back_charge: yuan(a.back_charge), penalty: yuan(a.penalty), total: yuan(a.total) }
    }
}
