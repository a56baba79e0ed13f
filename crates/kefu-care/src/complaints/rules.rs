//! The complaint rules as plain functions over plain data: the deadlines set
//! at intake, how far a missed deadline escalates, and which step the state
//! machine allows next — each refusal naming the field and the rule.

use jiff::{SignedDuration, Timestamp};
use kefu_core::{Invalid, Rule};
use serde::{Deserialize, Serialize};

/// A complaint is re-contacted within this many days of its resolution to
/// confirm the customer is really satisfied (处理完一星期内与客户联系).
pub const RECONTACT_DAYS: i64 = 7;

/// How many hours each deadline allows, counted from intake. Configurable
/// under `[complaints]` in kefu.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deadlines {
    /// Contact the customer at once: within this many hours.
    pub first_contact_hours: i64,
    /// Resolved within this many hours, or the supervisor is told.
    pub resolution_hours: i64,
    /// Still unresolved this many hours after the resolution deadline: the
    /// manager is told.
    pub manager_after_hours: i64,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines { first_contact_hours: 2, resolution_hours: 72, manager_after_hours: 24 }
    }
}

impl Deadlines {
    /// Every figure a whole number of hours from 1 to 720 (30 days).
    pub fn validate(&self) -> Result<(), Invalid> {
        for (field, hours) in [
            ("first_contact_hours", self.first_contact_hours),
            ("resolution_hours", self.resolution_hours),
            ("manager_after_hours", self.manager_after_hours),
        ] {
            if !(1..=720).contains(&hours) {
                return Err(Invalid::new(
                    field,
                    Rule::new("hours_range", "须为 1 到 720 小时", "must be from 1 to 720 hours"),
                ));
            }
        }
        Ok(())
    }

    /// The deadlines of a complaint received at `received`.
    pub fn due(&self, received: Timestamp) -> Due {
        let resolve = received + hours(self.resolution_hours);
        Due {
            contact: received + hours(self.first_contact_hours),
            resolve,
            manager: resolve + hours(self.manager_after_hours),
        }
    }
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

/// A complaint's deadlines, fixed at intake so a later change of settings
/// does not move them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub contact: Timestamp,
    pub resolve: Timestamp,
    pub manager: Timestamp,
}

/// When the re-contact of a complaint resolved at `resolved` is due.
pub fn recontact_due(resolved: Timestamp) -> Timestamp {
    resolved + hours(24 * RECONTACT_DAYS)
}

/// Who has been told about a complaint whose deadline was missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    None = 0,
    Supervisor = 1,
    Manager = 2,
}

impl Escalation {
    pub fn level(self) -> i64 {
        self as i64
    }

    pub fn from_level(level: i64) -> Escalation {
        match level {
            i64::MIN..=0 => Escalation::None,
            1 => Escalation::Supervisor,
            _ => Escalation::Manager,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Escalation::None => "none",
            Escalation::Supervisor => "supervisor",
            Escalation::Manager => "manager",
        }
    }
}

/// How far a complaint should have escalated at `now`: to the supervisor
/// once the first contact or the resolution is late, to the manager once the
/// resolution is later still. Only unresolved complaints escalate.
pub fn escalation(now: Timestamp, due: &Due, contacted: bool, resolved: bool) -> Escalation {
    if resolved {
        Escalation::None
    } else if now >= due.manager {
        Escalation::Manager
    } else if now >= due.resolve || (!contacted && now >= due.contact) {
        Escalation::Supervisor
    } else {
        Escalation::None
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Received; nobody has contacted the customer yet.
    Open,
    /// The customer was contacted; the matter is being handled.
    InProgress,
    /// A solution was agreed; the re-contact is due within seven days.
    Resolved,
    /// The re-contact found the customer satisfied; it may close.
    Confirmed,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Open, Status::InProgress, Status::Resolved, Status::Confirmed, Status::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Confirmed => "confirmed",
            Status::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn is_resolved(self) -> bool {
        matches!(self, Status::Resolved | Status::Confirmed | Status::Closed)
    }
}

/// The steps recorded while handling a complaint, before its resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Someone spoke with the customer (the first one stops the first-contact
    /// clock).
    Contact,
    Investigation,
    Apology,
    HomeVisit,
    Note,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Contact, Step::Investigation, Step::Apology, Step::HomeVisit, Step::Note];

    pub fn code(self) -> &'static str {
        match self {
            Step::Contact => "contact",
            Step::Investigation => "investigation",
            Step::Apology => "apology",
            Step::HomeVisit => "home_visit",
            Step::Note => "note",
        }
    }

    pub fn from_code(code: &str) -> Result<Step, Invalid> {
        Step::ALL.into_iter().find(|s| s.code() == code).ok_or_else(|| {
            Invalid::new(
                "step",
                Rule::new(
                    "complaint_step",
                    "须为 联系客户、调查、致歉、登门拜访 或 备注",
                    "must be contact, investigation, apology, home visit or note",
                ),
            )
        })
    }
}

fn closed() -> Invalid {
    Invalid::new("status", Rule::new("complaint_closed", "投诉已结案，不能再修改", "the complaint is closed"))
}

/// A complaint that needs its corrective and preventive measures closes
/// only with both recorded; the refusal names the one missing.
pub fn check_measures(c: &super::Complaint) -> Result<(), Invalid> {
    let missing = [("corrective", &c.corrective), ("preventive", &c.preventive)]
        .into_iter()
        .find(|(_, text)| text.trim().is_empty());
    match missing {
        Some((field, _)) if c.measures_required => Err(Invalid::new(
            field,
            Rule::new(
                "measures_before_closing",
                "结案前须记录纠正措施和预防措施",
                "record the corrective and preventive measures before closing",
            ),
        )),
        _ => Ok(()),
    }
}

/// A handling step may be recorded on any complaint not yet closed.
pub fn check_step(status: Status) -> Result<(), Invalid> {
    if status == Status::Closed { Err(closed()) } else { Ok(()) }
}

/// A complaint is resolved with the solution agreed with the customer, and
/// only after the customer was contacted.
pub fn check_resolve(status: Status, solution: &str) -> Result<(), Invalid> {
    match status {
        Status::Open => Err(Invalid::new(
            "first_contact",
            Rule::new(
                "contact_before_resolving",
                "须先联系客户、了解情况，才能办结",
                "contact the customer and hear them out before resolving",
            ),
        )),
        Status::InProgress if solution.trim().is_empty() => Err(Invalid::required("solution")),
        Status::InProgress => Ok(()),
        Status::Closed => Err(closed()),
        Status::Resolved | Status::Confirmed => Err(Invalid::new(
            "status",
            Rule::new("already_resolved", "投诉已办结", "the complaint is already resolved"),
        )),
    }
}

/// The re-contact comes after the resolution, once.
pub fn check_recontact(status: Status) -> Result<(), Invalid> {
    match status {
        Status::Resolved => Ok(()),
        Status::Open | Status::InProgress => Err(Invalid::new(
            "resolution",
            Rule::new("resolve_before_recontact", "须先办结，才能回访", "resolve the complaint before the re-contact"),
        )),
        Status::Confirmed => Err(Invalid::new(
            "recontact",
            Rule::new(
                "already_confirmed",
                "回访已确认客户满意",
                "the re-contact already confirmed the customer is satisfied",
            ),
        )),
        Status::Closed => Err(closed()),
    }
}

/// A complaint closes only after the re-contact confirmed the customer is
/// satisfied.
pub fn check_close(status: Status) -> Result<(), Invalid> {
    match status {
        Status::Confirmed => Ok(()),
        Status::Closed => Err(closed()),
        Status::Open | Status::InProgress | Status::Resolved => Err(Invalid::new(
            "recontact",
            Rule::new(
                "recontact_before_closing",
                format!("须在办结后 {RECONTACT_DAYS} 天内回访并确认客户满意，才能结案"),
                format!(
                    "a complaint closes only after a re-contact within {RECONTACT_DAYS} days of its resolution confirms the customer is satisfied"
                ),
            ),
        )),
    }
}

/// The actions the state machine would accept now: a page offers only
/// these, so nobody is shown 结案 on a complaint still waiting for its
/// first contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Offered {
    pub step: bool,
    pub resolve: bool,
    pub recontact: bool,
    pub close: bool,
}

pub fn offered(status: Status) -> Offered {
    Offered {
        step: check_step(status).is_ok(),
        // The state decides here; the solution is the form's to give.
        resolve: check_resolve(status, "agreed").is_ok(),
        recontact: check_recontact(status).is_ok(),
        close: check_close(status).is_ok(),
    }
}

/// Whole minutes from `now` to a deadline; negative once it has passed.
pub fn minutes_left(now: Timestamp, due: Timestamp) -> i64 {
    due.duration_since(now).as_mins()
}

/// A customer's standing from their complaints, flagged on the 360° page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// A complaint is being handled.
    AtRisk,
    /// A complaint was escalated, or the re-contact found them unsatisfied.
    Unhappy,
}

/// What one complaint tells about its customer.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub status: Status,
    pub escalated: bool,
    /// The last re-contact's answer, if any.
    pub satisfied: Option<bool>,
}

/// The customer's flag: none once every complaint is closed.
pub fn risk(complaints: &[Standing]) -> Option<Risk> {
    let open: Vec<&Standing> = complaints.iter().filter(|c| c.status != Status::Closed).collect();
    if open.iter().any(|c| c.escalated || c.satisfied == Some(false)) {
        Some(Risk::Unhappy)
    } else if open.is_empty() {
        None
    } else {
        Some(Risk::AtRisk)
    }
}

/// A value that must be one of a fixed list of codes.
pub(crate) fn one_of(field: &str, value: &str, allowed: &[&str], zh: &str, en: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::required(field));
    }
    if allowed.contains(&value) {
        Ok(value.to_string())
    } else {
        Err(Invalid::new(field, Rule::new("one_of", format!("须为 {zh}"), format!("must be {en}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn deadlines_count_from_intake() {
        let due = Deadlines::default().due(at("2026-11-29T01:00:00Z"));
        assert_eq!(due.contact, at("2026-11-29T03:00:00Z"));
        assert_eq!(due.resolve, at("2026-12-02T01:00:00Z"));
        assert_eq!(due.manager, at("2026-12-03T01:00:00Z"));
        let quick = Deadlines { first_contact_hours: 1, resolution_hours: 24, manager_after_hours: 8 };
        assert_eq!(quick.due(at("2026-11-29T23:30:00Z")).contact, at("2026-11-30T00:30:00Z"));
        assert_eq!(recontact_due(at("2026-11-29T01:00:00Z")), at("2026-12-06T01:00:00Z"));
    }

    #[test]
    fn deadline_hours_must_be_sensible() {
        assert!(Deadlines::default().validate().is_ok());
        let zero = Deadlines { first_contact_hours: 0, ..Deadlines::default() };
        assert_eq!(zero.validate().unwrap_err().field, "first_contact_hours");
        let long = Deadlines { manager_after_hours: 721, ..Deadlines::default() };
        assert_eq!(long.validate().unwrap_err().rule.code, "hours_range");
    }

    #[test]
    fn escalation_follows_the_deadlines() {
        let due = Deadlines::default().due(at("2026-11-29T01:00:00Z"));
        let esc = |now: &str, contacted, resolved| escalation(at(now), &due, contacted, resolved);
        assert_eq!(esc("2026-11-29T02:59:59Z", false, false), Escalation::None);
        assert_eq!(esc("2026-11-29T03:00:00Z", false, false), Escalation::Supervisor);
        assert_eq!(esc("2026-11-29T03:00:00Z", true, false), Escalation::None, "contacted in time");
        assert_eq!(esc("2026-12-02T00:59:59Z", true, false), Escalation::None);
        assert_eq!(esc("2026-12-02T01:00:00Z", true, false), Escalation::Supervisor);
        assert_eq!(esc("2026-12-03T00:59:59Z", true, false), Escalation::Supervisor);
        assert_eq!(esc("2026-12-03T01:00:00Z", true, false), Escalation::Manager);
        assert_eq!(esc("2026-12-03T01:00:00Z", false, false), Escalation::Manager);
        assert_eq!(esc("2026-12-09T01:00:00Z", true, true), Escalation::None, "resolved complaints stay put");
    }

    #[test]
    fn a_complaint_closes_only_after_a_satisfied_recontact() {
        for status in [Status::Open, Status::InProgress, Status::Resolved] {
            let refused = check_close(status).unwrap_err();
            assert_eq!((refused.field.as_str(), refused.rule.code), ("recontact", "recontact_before_closing"));
            assert!(refused.rule.zh.contains("7 天") && refused.rule.en.contains("7 days"));
        }
        assert!(check_close(Status::Confirmed).is_ok());
        assert_eq!(check_close(Status::Closed).unwrap_err().rule.code, "complaint_closed");
    }

    #[test]
    fn resolving_needs_a_contact_and_a_solution() {
        assert_eq!(check_resolve(Status::Open, "换件").unwrap_err().field, "first_contact");
        assert_eq!(check_resolve(Status::InProgress, "  ").unwrap_err().field, "solution");
        assert!(check_resolve(Status::InProgress, "免费更换刹车片").is_ok());
        assert_eq!(check_resolve(Status::Resolved, "x").unwrap_err().rule.code, "already_resolved");
        assert_eq!(check_recontact(Status::InProgress).unwrap_err().field, "resolution");
        assert!(check_recontact(Status::Resolved).is_ok());
        assert_eq!(check_recontact(Status::Confirmed).unwrap_err().rule.code, "already_confirmed");
        assert!(check_step(Status::Resolved).is_ok());
        assert_eq!(check_step(Status::Closed).unwrap_err().rule.code, "complaint_closed");
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        for s in Step::ALL {
            assert_eq!(Step::from_code(s.code()), Ok(s));
        }
        assert_eq!(Step::from_code("resolution").unwrap_err().field, "step");
        for e in [Escalation::None, Escalation::Supervisor, Escalation::Manager] {
            assert_eq!(Escalation::from_level(e.level()), e);
        }
    }

    #[test]
    fn customers_are_flagged_while_a_complaint_is_open() {
        let s = |status, escalated, satisfied| Standing { status, escalated, satisfied };
        assert_eq!(risk(&[]), None);
        assert_eq!(risk(&[s(Status::Closed, true, Some(false))]), None, "closed complaints no longer flag");
        assert_eq!(risk(&[s(Status::InProgress, false, None)]), Some(Risk::AtRisk));
        assert_eq!(risk(&[s(Status::InProgress, true, None)]), Some(Risk::Unhappy));
        assert_eq!(
            risk(&[s(Status::Closed, false, Some(true)), s(Status::InProgress, false, Some(false))]),
            Some(Risk::Unhappy),
            "the re-contact found them unsatisfied"
        );
    }

    #[test]
    fn choices_name_the_field() {
        assert_eq!(one_of("severity", "serious", &["normal", "serious"], "", "").unwrap(), "serious");
        assert_eq!(one_of("severity", "", &["normal"], "", "").unwrap_err().rule.code, "required");
        assert_eq!(one_of("severity", "huge", &["normal"], "一般", "normal").unwrap_err().rule.code, "one_of");
    }

    #[test]
    fn only_what_the_state_machine_accepts_is_offered() {
        let offer = |step, resolve, recontact, close| Offered { step, resolve, recontact, close };
        assert_eq!(offered(Status::Open), offer(true, false, false, false), "no 结案 before the first contact");
        assert_eq!(offered(Status::InProgress), offer(true, true, false, false));
        assert_eq!(offered(Status::Resolved), offer(true, false, true, false));
        assert_eq!(offered(Status::Confirmed), offer(true, false, false, true));
        assert_eq!(offered(Status::Closed), offer(false, false, false, false));
    }

    #[test]
    fn minutes_left_run_negative_past_the_deadline() {
        let due: Timestamp = "2026-11-29T03:00:00Z".parse().unwrap();
        assert_eq!(minutes_left("2026-11-29T01:30:00Z".parse().unwrap(), due), 90);
        assert_eq!(minutes_left("2026-11-29T03:00:59Z".parse().unwrap(), due), 0);
        assert_eq!(minutes_left("2026-11-29T05:00:00Z".parse().unwrap(), due), -120);
    }
}
