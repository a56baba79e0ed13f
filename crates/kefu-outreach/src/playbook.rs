//! Playbooks, declared in data: what anchors a cadence (a purchase, a
//! service falling due, an insurance expiry, a birthday…), its ordered steps
//! (so many days from the anchor, a channel, a message), when to stop, and
//! who is eligible. Packs ship theirs as TOML; an administrator may edit them.

use crate::channels::template::Template;
use kefu_core::{Invalid, Rule};
use serde::{Deserialize, Serialize};

/// How a touch reaches the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Letter,
    Sms,
    Email,
    Call,
}

impl Channel {
    /// Every channel, in the order they are shown.
    pub const ALL: [Channel; 4] = [Channel::Letter, Channel::Sms, Channel::Email, Channel::Call];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Letter => "letter",
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Call => "call",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Why a cadence ends early for a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopWhen {
    /// The customer came to the workshop since the cadence began.
    Came,
    /// A call of this cadence booked an appointment.
    Booked,
    /// The customer accepts none of the step's channels.
    OptedOut,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Days from the anchor: negative before it (−28 for a letter four
    /// weeks before a service falls due), positive after.
    pub offset_days: i64,
    pub channel: Channel,
    /// The message, with {variables} the anchor source fills in.
    pub template: String,
    /// Channels to use instead, in order, when the customer does not accept
    /// this one ("no phone calls" moves a call to SMS or a letter).
    #[serde(default)]
    pub fallback: Vec<Channel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub code: String,
    /// The centre's own name for it ("流失客户招揽"), never shown to customers.
    pub name: String,
    /// What the customer reads as the letter's or e-mail's subject
    /// ("期待您再次光临"); the name when there is none.
    #[serde(default)]
    pub title: String,
    /// The anchor: purchase, first_service_due, service_due, service_visit,
    /// insurance_expiry, last_visit, birthday, complaint_resolved.
    pub anchor: String,
    /// Higher first in the call queue and when touches of one day merge.
    #[serde(default = "default_priority")]
    pub priority: i64,
    #[serde(default)]
    pub stop_when: Vec<StopWhen>,
    /// Only members (birthday gifts), for instance.
    #[serde(default)]
    pub members_only: bool,
    /// Only for visits of these kinds (the 7-day follow-up after repair or
    /// maintenance); empty for all.
    #[serde(default)]
    pub visit_kinds: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

fn default_priority() -> i64 {
    5
}

fn yes() -> bool {
    true
}

/// The playbooks of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookFile {
    #[serde(rename = "playbook")]
    pub playbooks: Vec<Playbook>,
}

/// The anchors the engine knows how to find subjects for.
pub const ANCHORS: [&str; 22] = [
    "purchase",
    "first_service_due",
    "service_due",
    "service_visit",
    "insurance_expiry",
    "last_visit",
    "birthday",
    "complaint_resolved",
    "appointment",
    "recommendation_due",
    "appointment_booked",
    "repair_delayed",
    // The power pack: an account's supply contract or power-use permit ends.
    "contract_expiry",
    "permit_expiry",
    // The power pack: a step of a connection application done; an approved
    // outage's first day, for large users and for the others.
    "power_application_step",
    "power_outage_large",
    "power_outage_resident",
    // The estate pack: a bill's due date, for collection while it is open.
    "estate_bill_due",
    // The power pack: a bill falls due and is still owing (the reminders of arrears).
    "power_bill_due",
    // The estate pack: the day a repair was completed (its 回访 the next day).
    "estate_repair_completed",
    // The power pack: a bill issued by the billing run (its due date).
    "power_bill_issued",
    // The estate pack: an opinion-visit plan's first day (its visits' tasks).
    "estate_opinion_visit_plan",
];

/// Anchors that are events rather than dates: the event itself sends the
/// step (at offset 0) when it happens (`crate::notices`), so the daily run
/// passes these playbooks by.
pub const EVENT_ANCHORS: [&str; 4] =
    ["appointment_booked", "repair_delayed", "power_application_step", "power_bill_issued"];

/// Whether the playbook's messages are sent by an event, not the daily run.
pub fn is_event(p: &Playbook) -> bool {
    EVENT_ANCHORS.contains(&p.anchor.as_str())
}

/// The variables a template may use; `time` and `reason` are the events'
/// (the booked hour, the new promise and why).
pub const VARIABLES: [&str; 16] = [
    "name",
    "store",
    "store_phone",
    "plate",
    "model",
    "anchor_date",
    "due_date",
    "today",
    "time",
    "reason",
    // The power pack's electricity account (户号), a bill's amount and month.
    "account_no",
    // The estate pack's bill in collection: the house, the bill, what is owed.
    "house",
    "bill_no",
    "outstanding",
    "amount",
    "month",
];

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> Invalid {
    Invalid::new(field, Rule::new(code, zh, en))
}

/// The playbooks the core ships (birthdays, the complaint re-contact),
/// beside those of the packs; an administrator's edits override them.
pub fn core_playbooks() -> Vec<Playbook> {
    parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

/// Parses and checks a playbook file; errors name the playbook and step.
pub fn parse(toml_text: &str) -> Result<Vec<Playbook>, Invalid> {
    let file: PlaybookFile = toml::from_str(toml_text).map_err(|e| {
        invalid(
            "playbooks",
            "toml",
            format!("TOML 格式错误：{}", e.message()),
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let mut seen = std::collections::HashSet::new();
    for p in &file.playbooks {
        let field = format!("playbook {}", p.code);
        if p.code.is_empty() || !p.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(invalid(
                &field,
                "playbook_code",
                "编码只能包含小写字母、数字和下划线".into(),
                "the code may contain only a-z, 0-9 and _".into(),
            ));
        }
        if !seen.insert(p.code.clone()) {
            return Err(invalid(&field, "playbook_duplicate", "编码重复".into(), "the code appears twice".into()));
        }
        if !ANCHORS.contains(&p.anchor.as_str()) {
            return Err(invalid(
                &field,
                "playbook_anchor",
                format!("锚点 {} 不存在，可用：{}", p.anchor, ANCHORS.join("、")),
                format!("unknown anchor {}; known: {}", p.anchor, ANCHORS.join(", ")),
            ));
        }
        if p.steps.is_empty() {
            return Err(invalid(&field, "playbook_steps", "至少需要一个步骤".into(), "needs at least one step".into()));
        }
        if is_event(p) && p.steps.iter().any(|s| s.offset_days != 0) {
            return Err(invalid(
                &field,
                "event_step_offset",
                "事件触发的方案只能有当天（0 天）的步骤".into(),
                "a playbook sent by an event has steps on the day (offset 0) only".into(),
            ));
        }
        let mut last = i64::MIN;
        for (i, s) in p.steps.iter().enumerate() {
            let step_field = format!("{field} step {}", i + 1);
            if s.offset_days < last {
                return Err(invalid(
                    &step_field,
                    "step_order",
                    "步骤须按天数先后排列".into(),
                    "steps must be in day order".into(),
                ));
            }
            if s.offset_days.abs() > 3660 {
                return Err(invalid(
                    &step_field,
                    "step_offset",
                    "天数须在 ±3660 以内".into(),
                    "offset must be within ±3660 days".into(),
                ));
            }
            last = s.offset_days;
            Template::parse(&step_field, &s.template, &VARIABLES)?;
            if s.fallback.contains(&s.channel) {
                return Err(invalid(
                    &step_field,
                    "step_fallback",
                    "替代渠道不能与本渠道相同".into(),
                    "a fallback repeats the step's own channel".into(),
                ));
            }
        }
    }
    Ok(file.playbooks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_ships_birthdays_and_the_complaint_recontact() {
        let books = core_playbooks();
        let steps = |code: &str| -> Vec<(i64, &'static str)> {
            let p = books.iter().find(|p| p.code == code).unwrap();
            p.steps.iter().map(|s| (s.offset_days, s.channel.code())).collect()
        };
        // Within a week of handling, the customer is asked again (D1).
        assert_eq!(steps("complaint_recontact"), vec![(7, "call")]);
        let recontact = books.iter().find(|p| p.code == "complaint_recontact").unwrap();
        assert_eq!(recontact.anchor, "complaint_resolved");
        // Birthday wishes by SMS and a call on the day (D3).
        assert_eq!(steps("birthday"), vec![(0, "sms"), (0, "call")]);
    }

    const SAMPLE: &str = r#"
[[playbook]]
code = "first_service"
name = "首保招揽"
anchor = "first_service_due"
stop_when = ["came", "booked"]
[[playbook.step]]
offset_days = -28
channel = "letter"
template = "尊敬的{name}：您的爱车{plate}将于{anchor_date}前后需要首次保养。"
[[playbook.step]]
offset_days = -7
channel = "call"
fallback = ["sms", "letter"]
template = "邀请{name}预约首保"
"#;

    #[test]
    fn a_playbook_file_parses() {
        let p = parse(SAMPLE).unwrap();
        assert_eq!(p[0].steps.len(), 2);
        assert_eq!(p[0].steps[1].fallback, vec![Channel::Sms, Channel::Letter]);
        assert_eq!(p[0].priority, 5);
    }

    #[test]
    fn mistakes_are_named() {
        let bad_var = SAMPLE.replace("{plate}", "{licence}");
        let e = parse(&bad_var).unwrap_err();
        assert_eq!(e.rule.code, "template_unknown_variable");
        assert!(e.field.contains("first_service step 1"), "{}", e.field);
        let bad_order = SAMPLE.replace("offset_days = -7", "offset_days = -30");
        assert_eq!(parse(&bad_order).unwrap_err().rule.code, "step_order");
        let bad_anchor = SAMPLE.replace("first_service_due", "moon_phase");
        assert_eq!(parse(&bad_anchor).unwrap_err().rule.code, "playbook_anchor");
        assert_eq!(parse("[[playbook]]\ncode=").unwrap_err().rule.code, "toml");
        let unclosed = SAMPLE.replace("预约首保", "预约首保{name");
        assert_eq!(parse(&unclosed).unwrap_err().rule.code, "template_unclosed");
        let event_later = SAMPLE.replace("first_service_due", "appointment_booked");
        assert_eq!(parse(&event_later).unwrap_err().rule.code, "event_step_offset");
    }
}
