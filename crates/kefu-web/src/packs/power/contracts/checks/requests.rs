//! What the contract checks' pages and API read from a request, parsed once
//! for both: a visit's terms and the case a broken term opens.

use crate::fields::{date, one_of, whole_number};
use jiff::civil::Date;
use kefu_core::{Invalid, Money};
use kefu_power::cases::Basis;
use kefu_power::contracts::checks::{CaseFromCheck, CheckVisit, TermCheck};

/// The kinds of case a broken term opens (no theft: that is a case of its own).
pub const CASE_KINDS: &[&str] = &["unauthorised_increase", "over_capacity", "class_change", "other"];

/// The kind a broken term suggests: capacity beyond the contract is an
/// unauthorised increase, the rest another violation.
pub fn suggested_kind(term: &str) -> &'static str {
    if term == "capacity" { "unauthorised_increase" } else { "other" }
}

/// A visit as typed: the plan (blank for one made for the visit), the day
/// (blank for today), and each term's outcome (`kept`, `broken`, or blank
/// when not checked) with what was found.
pub fn visit(
    plan: &str,
    inspected_on: &str,
    terms: &[(&str, &str, &str)],
    findings: &str,
    today: Date,
) -> Result<CheckVisit, Invalid> {
    let plan = match plan.trim() {
        "" => None,
        t => Some(whole_number("plan_id", t)?),
    };
    let inspected_on = match inspected_on.trim() {
        "" => today,
        t => date("inspected_on", t)?,
    };
    let mut checks = Vec::new();
    for (term, outcome, found) in terms {
        let broken = match outcome.trim() {
            "" => continue,
            "kept" => false,
            "broken" => true,
            _ => return Err(one_of(term)),
        };
        checks.push(TermCheck { term: term.to_string(), broken, found: found.to_string() });
    }
    Ok(CheckVisit { plan, inspected_on, terms: checks, findings: findings.to_string() })
}

/// The case a broken term opens: an unauthorised increase by the kVA added,
/// the others by the back charge the inspector worked out.
pub fn case(kind: &str, added_kva: &str, back_charge: &str, seal_numbers: &str) -> Result<CaseFromCheck, Invalid> {
    let kind = kind.trim();
    if !CASE_KINDS.contains(&kind) {
        return Err(one_of("kind"));
    }
    let basis = if kind == "unauthorised_increase" {
        let kva = whole_number("added_kva", added_kva)?;
        Basis::Capacity { added_kva: u32::try_from(kva).map_err(|_| one_of("added_kva"))? }
    } else {
        Basis::BackCharge(Money::parse_yuan("back_charge", back_charge)?)
    };
    Ok(CaseFromCheck { kind: kind.to_string(), basis, seal_numbers: seal_numbers.to_string() })
}
