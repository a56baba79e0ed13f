//! Inspection cases as stored (issue 19 §4, 用电监察): a violation or theft
//! found on inspection or reported, at an account, with its evidence (seal
//! numbers, photos) and its amounts computed by [`crate::inspections`] with
//! the parameters a manager keeps ([`CaseRules`]). A case whose back charge
//! and penalty exceed the escalation amount is escalated the moment its
//! amounts say so — it shows on the leaders' today page — and only a
//! manager (`PowerManage`) closes it (严禁私下结案). Once escalated it stays
//! so, whatever its amounts become later: lowering them is no way round the
//! rule. Every change of the amounts is audited with the old and new
//! figures.
//!
//! Beside the cases: inspection plans per station and their records
//! ([`plans`]), and suspensions of supply where safety is at risk
//! ([`suspensions`]).

pub mod plans;
mod store;
pub mod suspensions;

pub(crate) use store::create_in;
pub use store::{
    Case, CaseFilter, Photo, add_photo, change_amounts, close, create, escalated_open, get, list, of_customer, photo,
    rules, save_rules,
};

use crate::inspections::{Theft, TheftRules, assess_theft, unauthorised_capacity_charge};
use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule};

/// Kinds of case, as stored: 私自增容, 超容用电, 改变用电类别, 窃电 by
/// bypassing the meter (绕越计量) or by tampering with it (破坏、篡改计量),
/// and any other violation.
pub const KINDS: &[&str] =
    &["unauthorised_increase", "over_capacity", "class_change", "theft_bypass", "theft_tamper", "other"];

/// How a case came to light.
pub const SOURCES: &[&str] = &["inspection", "report"];

/// The audit log's name for a case.
pub const ENTITY: &str = "power_case";

/// Whether a kind is theft (窃电), whose amounts come from the stolen kWh.
pub fn is_theft(kind: &str) -> bool {
    kind.starts_with("theft_")
}

/// The parameters of a case's amounts: the theft rules and the charge per
/// kVA of an unauthorised capacity increase (50 yuan by default, the 1996
/// text's article 100 as quoted; a setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseRules {
    pub theft: TheftRules,
    pub capacity_charge_per_kva: Money,
}

impl Default for CaseRules {
    fn default() -> CaseRules {
        CaseRules { theft: TheftRules::default(), capacity_charge_per_kva: Money::from_yuan(50) }
    }
}

impl CaseRules {
    /// Refuses parameters no rule has, by field.
    pub fn check(&self) -> Result<(), Invalid> {
        let bad = |field: &str, zh: &str, en: &str| {
            Err(Invalid::new(field, Rule::new("case_rule_range", zh.to_string(), en.to_string())))
        };
        let t = &self.theft;
        if !(1..=5).contains(&t.penalty_multiple) {
            return bad("penalty_multiple", "违约使用电费倍数应为 1 到 5", "the penalty multiple is from 1 to 5");
        }
        if !(1..=3650).contains(&t.unknown_days) {
            return bad("unknown_days", "天数应为 1 到 3650", "the days are from 1 to 3,650");
        }
        if !(1..=24).contains(&t.lighting_hours_a_day) {
            return bad("lighting_hours", "每日小时数应为 1 到 24", "hours a day are from 1 to 24");
        }
        if !(1..=24).contains(&t.power_hours_a_day) {
            return bad("power_hours", "每日小时数应为 1 到 24", "hours a day are from 1 to 24");
        }
        if t.escalate_above.fen() < 0 {
            return bad("escalate_above", "上报金额不能为负", "the escalation amount cannot be negative");
        }
        if self.capacity_charge_per_kva.fen() < 0 {
            return bad("capacity_charge", "每千伏安收费不能为负", "the charge per kVA cannot be negative");
        }
        Ok(())
    }
}

/// What a case's amounts are computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// A theft: the stolen kWh at the account's price, and the penalty.
    Theft(Theft),
    /// Capacity added without leave, in kVA: charged per kVA.
    Capacity { added_kva: u32 },
    /// Any other violation: the back charge the inspector worked out (at
    /// most two decimals), and the penalty as a multiple of it.
    BackCharge(Money),
}

/// A case's amounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct Amounts {
    pub kwh: i64,
    pub back_charge: Money,
    pub penalty: Money,
    pub total: Money,
}

/// The amounts of a case of `kind` from its basis: theft by the theft rules,
/// an unauthorised increase per kVA, the rest from the back charge given.
/// A basis that does not fit the kind is refused naming the field.
pub fn amounts(kind: &str, basis: &Basis, rules: &CaseRules) -> Result<Amounts, Invalid> {
    match (is_theft(kind), basis) {
        (true, Basis::Theft(theft)) => {
            let a = assess_theft(theft, &rules.theft)?;
            Ok(Amounts { kwh: a.kwh, back_charge: a.back_charge, penalty: a.penalty, total: a.total })
        }
        (true, _) => Err(Invalid::new(
            "capacity_kw",
            Rule::new(
                "theft_needs_capacity",
                "窃电案件须填写设备容量或电能表额定电流及电价",
                "a theft case needs the equipment's capacity or the meter's rated current, and the price",
            ),
        )),
        (false, Basis::Capacity { added_kva }) if kind == "unauthorised_increase" => {
            let penalty = unauthorised_capacity_charge(*added_kva, rules.capacity_charge_per_kva);
            Ok(Amounts { kwh: 0, back_charge: Money::ZERO, penalty, total: penalty })
        }
        (false, Basis::BackCharge(back_charge)) => {
            if back_charge.fen() < 0 {
                return Err(Invalid::new(
                    "back_charge",
                    Rule::new("money_negative", "金额不能为负", "an amount cannot be negative"),
                ));
            }
            let penalty = Money::from_fen(back_charge.fen() * i64::from(rules.theft.penalty_multiple));
            Ok(Amounts { kwh: 0, back_charge: *back_charge, penalty, total: *back_charge + penalty })
        }
        (false, _) if kind == "unauthorised_increase" => Err(Invalid::new(
            "added_kva",
            Rule::new("added_kva_required", "私自增容须填写增加的容量（千伏安）", "give the kVA added without leave"),
        )),
        (false, _) => Err(Invalid::new(
            "back_charge",
            Rule::new("back_charge_required", "请填写应补交的电费", "give the back charge"),
        )),
    }
}

/// A case to open.
#[derive(Clone, Debug)]
pub struct NewCase {
    pub account_no: String,
    pub kind: String,
    pub source: String,
    pub found_on: Date,
    pub description: String,
    pub seal_numbers: String,
    pub basis: Basis,
}

impl NewCase {
    /// Kind and source from their lists, texts within bounds.
    pub fn check(&mut self) -> Result<(), Invalid> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(Invalid::new("kind", Rule::new("case_kind", "请选择案件类别", "choose the kind of case")));
        }
        if !SOURCES.contains(&self.source.as_str()) {
            return Err(Invalid::new(
                "source",
                Rule::new("case_source", "来源须为检查发现或举报", "the source is an inspection or a report"),
            ));
        }
        self.account_no = kefu_core::required_text("account_no", &self.account_no, 32)?;
        self.description = kefu_core::optional_text("description", &self.description, 2000)?;
        self.seal_numbers = kefu_core::optional_text("seal_numbers", &self.seal_numbers, 500)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Price;
    use crate::inspections::{Capacity, UserClass};

    #[test]
    fn amounts_by_kind() {
        let rules = CaseRules::default();
        let theft = Theft {
            user_class: UserClass::Lighting,
            capacity: Capacity::Equipment { watts: 1100 },
            hours: Some(300),
            price: Price::from_units(5283),
        };
        let a = amounts("theft_bypass", &Basis::Theft(theft), &rules).unwrap();
        assert_eq!((a.kwh, a.total), (330, Money::from_fen(69_736)));
        let a = amounts("unauthorised_increase", &Basis::Capacity { added_kva: 30 }, &rules).unwrap();
        assert_eq!(a.total, Money::from_yuan(1500));
        let a = amounts("class_change", &Basis::BackCharge(Money::from_yuan(100)), &rules).unwrap();
        assert_eq!((a.penalty, a.total), (Money::from_yuan(300), Money::from_yuan(400)));
        assert_eq!(amounts("theft_tamper", &Basis::BackCharge(Money::ZERO), &rules).unwrap_err().field, "capacity_kw");
        assert_eq!(
            amounts("over_capacity", &Basis::Capacity { added_kva: 3 }, &rules).unwrap_err().field,
            "back_charge"
        );
    }

    #[test]
    fn rules_out_of_range_are_refused_by_field() {
        let mut r = CaseRules::default();
        assert!(r.check().is_ok());
        r.theft.penalty_multiple = 0;
        assert_eq!(r.check().unwrap_err().field, "penalty_multiple");
    }
}
