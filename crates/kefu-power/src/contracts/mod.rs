//! Supply contracts (供用电合同) of non-residential accounts and the
//! power-use permits (用电许可证) of accounts (issue 19 §1): the rules of a
//! contract or permit as typed, as plain functions; their storage
//! (`store.rs`); and the anchors of their renewal reminders for the
//! outreach engine (`outreach.rs`) with the pack's playbooks
//! (`playbooks.toml`).

pub mod checks;
pub(crate) mod demo;
mod outreach;
mod store;

pub use outreach::{ContractAnchors, default_playbooks};
pub use store::{Contract, Expiring, ExpiringPermit, contracts_of, expiring, permits_expiring, record, record_permit};

use crate::archive::Account;
use jiff::civil::Date;
use kefu_care::import::cells::{date_rule, parse_date};
use kefu_core::validation::required_text;
use kefu_core::{Invalid, Rule};
use serde::Deserialize;

/// Supply modes, as stored: one source; two sources (双电源); one source
/// with the customer's own standby generation (自备电源).
pub const SUPPLY_MODES: &[&str] = &["single_source", "dual_source", "single_source_standby"];

/// The longest a contract may run (供电营业规则 leaves it to the parties;
/// the model contracts run at most 5 years for high voltage): 10 years
/// catches a mistyped year without refusing any real contract.
const LONGEST_YEARS: i16 = 10;

/// How far ahead the lists look by default (the renewal playbook's first
/// touch is 60 days before expiry).
pub const DEFAULT_WINDOW_DAYS: i64 = 60;

/// A contract as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContractInput {
    #[serde(default)]
    pub contract_no: String,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub capacity_kva: String,
    #[serde(default)]
    pub supply_mode: String,
    #[serde(default)]
    pub metering_point: String,
    #[serde(default)]
    pub liability_boundary: String,
}

/// A contract that passed the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContract {
    pub contract_no: String,
    pub signed_on: Date,
    pub valid_until: Date,
    pub capacity_kva: i64,
    pub supply_mode: &'static str,
    pub metering_point: String,
    pub liability_boundary: String,
}

fn date(field: &str, text: &str) -> Result<Date, Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid::required(field));
    }
    parse_date(text).ok_or_else(|| date_rule(field))
}

fn rule(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid::new(field, Rule::new(code, zh, en))
}

/// Refuses a permit or contract whose end lies before today: recording it
/// would put an account under a document no longer in force.
fn in_force(field: &str, until: Date, today: Date, what: (&str, &str)) -> Result<(), Invalid> {
    if until < today {
        return Err(rule(
            field,
            if what.1 == "permit" { "permit_expired" } else { "contract_expired" },
            format!("{}已于 {until} 过期", what.0),
            format!("the {} expired on {until}", what.1),
        ));
    }
    Ok(())
}

/// Signed on or before today, ending after it was signed and within
/// [`LONGEST_YEARS`].
fn period(fields: (&str, &str), from: Date, until: Date, today: Date) -> Result<(), Invalid> {
    if from > today {
        return Err(rule(fields.0, "date_in_future", "日期不能晚于今天", "the date cannot be after today"));
    }
    if until <= from {
        return Err(rule(
            fields.1,
            "ends_before_start",
            format!("到期日须晚于 {from}"),
            format!("must be after {from}"),
        ));
    }
    if until > from.saturating_add(jiff::Span::new().years(LONGEST_YEARS)) {
        return Err(rule(
            fields.1,
            "too_long_a_term",
            format!("有效期不能超过 {LONGEST_YEARS} 年"),
            format!("a term is at most {LONGEST_YEARS} years"),
        ));
    }
    Ok(())
}

impl ContractInput {
    /// The rules of a contract for `account` recorded on `today`: only a
    /// non-residential account that is not closed has one; it is in force
    /// today; its capacity is a whole number of kVA.
    pub fn check(&self, account: &Account, today: Date) -> Result<NewContract, Invalid> {
        if account.usage_class == "residential" {
            return Err(rule(
                "account_no",
                "contract_non_residential",
                "居民生活用电户不签订供用电合同（仅非居民用户）",
                "only non-residential accounts have a supply contract",
            ));
        }
        if account.status == "closed" {
            return Err(rule("account_no", "account_closed", "该户已销户", "the account is closed"));
        }
        let contract_no = required_text("contract_no", &self.contract_no, 40)?;
        let signed_on = date("signed_on", &self.signed_on)?;
        let valid_until = date("valid_until", &self.valid_until)?;
        period(("signed_on", "valid_until"), signed_on, valid_until, today)?;
        in_force("valid_until", valid_until, today, ("合同", "contract"))?;
        let capacity_kva = match self.capacity_kva.trim().parse::<i64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => n,
            _ if self.capacity_kva.trim().is_empty() => return Err(Invalid::required("capacity_kva")),
            _ => {
                return Err(rule(
                    "capacity_kva",
                    "capacity_range",
                    "容量应为 1 到 1000000 之间的整数（kVA）",
                    "a capacity is a whole number of kVA from 1 to 1,000,000",
                ));
            }
        };
        let supply_mode = SUPPLY_MODES.iter().copied().find(|m| *m == self.supply_mode.trim()).ok_or_else(|| {
            rule(
                "supply_mode",
                "supply_mode_unknown",
                "供电方式应为单电源、双电源或单电源加自备电源",
                "the supply mode is one source, two sources, or one source with standby generation",
            )
        })?;
        Ok(NewContract {
            contract_no,
            signed_on,
            valid_until,
            capacity_kva,
            supply_mode,
            metering_point: required_text("metering_point", &self.metering_point, 200)?,
            liability_boundary: required_text("liability_boundary", &self.liability_boundary, 200)?,
        })
    }
}

/// A power-use permit as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PermitInput {
    #[serde(default)]
    pub permit_no: String,
    #[serde(default)]
    pub permit_issued: String,
    #[serde(default)]
    pub permit_valid_until: String,
}

/// A permit that passed the rules: number, issued, valid until.
pub type Permit = (String, Date, Date);

impl PermitInput {
    /// A permit issued on or before today and still in force: one that
    /// expired is refused (issue 19, "a permit that expired").
    pub fn check(&self, today: Date) -> Result<Permit, Invalid> {
        let no = required_text("permit_no", &self.permit_no, 40)?;
        let issued = date("permit_issued", &self.permit_issued)?;
        let until = date("permit_valid_until", &self.permit_valid_until)?;
        in_force("permit_valid_until", until, today, ("用电许可证", "permit"))?;
        period(("permit_issued", "permit_valid_until"), issued, until, today)?;
        Ok((no, issued, until))
    }
}

/// Days from `today` to `until` (negative once past).
pub fn days_left(until: Date, today: Date) -> i64 {
    (until - today).get_days().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::ids::{BranchId, CustomerId};

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn account(class: &str, status: &str) -> Account {
        Account {
            id: 1,
            account_no: "3101000001".into(),
            customer_id: CustomerId(1),
            branch_id: BranchId(1),
            usage_class: class.into(),
            voltage: "10kv".into(),
            capacity_kva: 630,
            supply_address: "青山镇".into(),
            tariff_code: "gx-tou-1".into(),
            permit_no: None,
            permit_issued: None,
            permit_valid_until: None,
            status: status.into(),
        }
    }

    fn contract() -> ContractInput {
        ContractInput {
            contract_no: "QSHT-2026-001".into(),
            signed_on: "2026-01-10".into(),
            valid_until: "2029-01-09".into(),
            capacity_kva: "630".into(),
            supply_mode: "dual_source".into(),
            metering_point: "10kV 进线高压计量柜".into(),
            liability_boundary: "10kV 青糖线 T 接杆跌落式熔断器下桩头".into(),
        }
    }

    #[test]
    fn a_contract_of_a_non_residential_account_in_force() {
        let today = day("2026-12-01");
        let c = contract().check(&account("large_industry", "active"), today).unwrap();
        assert_eq!((c.capacity_kva, c.supply_mode, c.valid_until), (630, "dual_source", day("2029-01-09")));
        let code = |input: ContractInput, a: Account| input.check(&a, today).unwrap_err();
        let e = code(contract(), account("residential", "active"));
        assert_eq!((e.field.as_str(), e.rule.code), ("account_no", "contract_non_residential"));
        assert_eq!(code(contract(), account("general_commercial", "closed")).rule.code, "account_closed");
        let e =
            code(ContractInput { valid_until: "2026-11-30".into(), ..contract() }, account("agricultural", "active"));
        assert_eq!((e.field.as_str(), e.rule.code), ("valid_until", "contract_expired"));
        let e =
            code(ContractInput { valid_until: "2026-01-10".into(), ..contract() }, account("agricultural", "active"));
        assert_eq!((e.field.as_str(), e.rule.code), ("valid_until", "ends_before_start"));
        let e = code(ContractInput { signed_on: "2026-12-02".into(), ..contract() }, account("agricultural", "active"));
        assert_eq!((e.field.as_str(), e.rule.code), ("signed_on", "date_in_future"));
        let e =
            code(ContractInput { valid_until: "2046-01-09".into(), ..contract() }, account("agricultural", "active"));
        assert_eq!(e.rule.code, "too_long_a_term");
        for (bad, field, rule) in [("0", "capacity_kva", "capacity_range"), ("6.5", "capacity_kva", "capacity_range")] {
            let e = code(ContractInput { capacity_kva: bad.into(), ..contract() }, account("agricultural", "active"));
            assert_eq!((e.field.as_str(), e.rule.code), (field, rule));
        }
        let e = code(ContractInput { supply_mode: "wind".into(), ..contract() }, account("agricultural", "active"));
        assert_eq!(e.rule.code, "supply_mode_unknown");
        let e = code(ContractInput { metering_point: " ".into(), ..contract() }, account("agricultural", "active"));
        assert_eq!((e.field.as_str(), e.rule.code), ("metering_point", "required"));
    }

    #[test]
    fn a_permit_that_expired_is_refused() {
        let today = day("2026-12-01");
        let permit = |issued: &str, until: &str| PermitInput {
            permit_no: "QSYD202600001".into(),
            permit_issued: issued.into(),
            permit_valid_until: until.into(),
        };
        assert_eq!(
            permit("2024-03-01", "2026-12-01").check(today).unwrap(),
            ("QSYD202600001".into(), day("2024-03-01"), day("2026-12-01"))
        );
        let e = permit("2021-03-01", "2026-11-30").check(today).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("permit_valid_until", "permit_expired"));
        assert!(e.rule.en.contains("expired on 2026-11-30"), "{}", e.rule.en);
        let e = permit("2026-12-05", "2028-12-05").check(today).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("permit_issued", "date_in_future"));
        let e = permit("", "2028-12-05").check(today).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("permit_issued", "required"));
        assert_eq!(days_left(day("2026-12-31"), today), 30);
    }
}
