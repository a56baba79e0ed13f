//! Notices to owners (以电话或张贴通知等形式通知业主并予以解释, issue 21 §5):
//! a water or power cut, fees, an event, addressed to a whole estate, some
//! of its buildings or some houses; drafted, then sent. On sending, each
//! house gets one delivery per channel chosen — SMS, e-mail and WeChat
//! through the outreach channels to the house's people who can be reached
//! and accept it, a call in the call queue whose outcome records that the
//! notice was explained or the owner not reached — and the notice prints
//! for the lobby. The rules here are plain: what a notice's input must be,
//! and a delivery's state read from its messages.

pub mod demo;
pub mod store;

use crate::quote::parse_date;
use jiff::civil::Date;
use kefu_core::{Invalid, Rule, optional_text, required_text};
use serde::{Deserialize, Serialize};

/// What a notice is about.
pub const KINDS: &[&str] = &["water_cut", "power_cut", "fees", "event", "other"];

/// Whom it is addressed to.
pub const ADDRESSED: &[&str] = &["estate", "buildings", "houses"];

/// The channels a notice goes out on, in the order they are shown.
pub const CHANNELS: &[&str] = &["sms", "email", "wechat", "call"];

/// A delivery's states, in the order they are counted.
pub const STATES: &[&str] = &["queued", "sent", "failed", "explained", "not_reached"];

/// Why a house's delivery on a channel has no message.
pub mod reason {
    /// Nobody of the house has a mobile, e-mail address or openid on file.
    pub const NO_CONTACT: &str = "no_contact";
    /// Some have one, and every one of them declines the channel.
    pub const OPTED_OUT: &str = "opted_out";
}

/// A notice as typed: the form's fields, or the API's body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NoticeInput {
    pub title: String,
    pub body: String,
    /// One of [`KINDS`].
    pub kind: String,
    pub effective_from: String,
    /// Blank for a single day or an open end.
    pub effective_until: String,
    /// One of [`ADDRESSED`].
    pub addressed_to: String,
    /// The buildings' codes (`3`, `A2`), separated by commas or spaces.
    pub buildings: String,
    /// The house numbers as the desk types them, one a line or separated
    /// by commas.
    pub houses: String,
    /// Some of [`CHANNELS`].
    pub channels: Vec<String>,
}

/// Whom a notice is addressed to, the names still to be found.
#[derive(Debug, Clone, PartialEq)]
pub enum Addressed {
    Estate,
    Buildings(Vec<String>),
    Houses(Vec<crate::houses::HouseNo>),
}

impl Addressed {
    /// The buildings' codes or the houses' numbers, for the audit record.
    pub fn names(&self) -> Vec<String> {
        match self {
            Addressed::Estate => Vec::new(),
            Addressed::Buildings(codes) => codes.clone(),
            Addressed::Houses(numbers) => numbers.iter().map(ToString::to_string).collect(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Addressed::Estate => "estate",
            Addressed::Buildings(_) => "buildings",
            Addressed::Houses(_) => "houses",
        }
    }
}

/// A notice's input checked: every field by its rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidNotice {
    pub title: String,
    pub body: String,
    pub kind: &'static str,
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    pub addressed: Addressed,
    pub channels: Vec<&'static str>,
}

fn names(text: &str, line_breaks_only: bool) -> Vec<String> {
    let split: &[char] =
        if line_breaks_only { &['\n', ',', '，', ';', '；'] } else { &['\n', ',', '，', ' ', '、'] };
    text.split(split).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

impl NoticeInput {
    pub fn validate(&self) -> Result<ValidNotice, Invalid> {
        let title = required_text("title", &self.title, 60)?;
        let body = required_text("body", &self.body, 1000)?;
        let kind = KINDS.iter().copied().find(|k| *k == self.kind.trim()).ok_or_else(|| {
            Invalid::new(
                "kind",
                Rule::new(
                    "notice_kind",
                    "请选择停水、停电、收费、活动或其他",
                    "choose water cut, power cut, fees, event or other",
                ),
            )
        })?;
        let effective_from = parse_date("effective_from", &self.effective_from)?;
        let effective_until = match self.effective_until.trim() {
            "" => None,
            t => Some(parse_date("effective_until", t)?),
        };
        if effective_until.is_some_and(|u| u < effective_from) {
            return Err(Invalid::new(
                "effective_until",
                Rule::new("notice_until", "结束日期不能早于开始日期", "the last day cannot come before the first"),
            ));
        }
        let addressed = match self.addressed_to.trim() {
            "estate" => Addressed::Estate,
            "buildings" => {
                let list = names(&self.buildings, false);
                if list.is_empty() {
                    return Err(Invalid::required("buildings"));
                }
                for code in &list {
                    optional_text("buildings", code, 20)?;
                }
                Addressed::Buildings(list)
            }
            "houses" => {
                let list = names(&self.houses, true);
                if list.is_empty() {
                    return Err(Invalid::required("houses"));
                }
                Addressed::Houses(
                    list.iter().map(|n| crate::houses::HouseNo::parse("houses", n)).collect::<Result<_, _>>()?,
                )
            }
            _ => {
                return Err(Invalid::new(
                    "addressed_to",
                    Rule::new(
                        "notice_addressed",
                        "请选择全小区、部分楼栋或部分房屋",
                        "choose the whole estate, some buildings or some houses",
                    ),
                ));
            }
        };
        let mut channels = Vec::new();
        for c in &self.channels {
            let Some(known) = CHANNELS.iter().copied().find(|k| *k == c.trim()) else {
                return Err(Invalid::new(
                    "channels",
                    Rule::new(
                        "notice_channel",
                        "渠道须为短信、邮件、微信或电话",
                        "a channel is SMS, e-mail, WeChat or call",
                    ),
                ));
            };
            if !channels.contains(&known) {
                channels.push(known);
            }
        }
        if channels.is_empty() {
            return Err(Invalid::new(
                "channels",
                Rule::new("notice_channels", "请至少选择一个发送渠道", "choose at least one channel"),
            ));
        }
        channels.sort_by_key(|c| CHANNELS.iter().position(|k| k == c));
        Ok(ValidNotice { title, body, kind, effective_from, effective_until, addressed, channels })
    }
}

/// One message of a delivery, as the outreach engine left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// pending, claimed, sent, done, failed, skipped …
    pub status: String,
    /// A call's outcome (explained, no_answer …).
    pub outcome: Option<String>,
    /// Why a message failed (the gateway's reason), or a call's notes.
    pub notes: String,
}

/// A delivery's state and, when it failed or did not reach, why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryState {
    /// One of [`STATES`].
    pub state: &'static str,
    pub reason: String,
}

/// The state of a house's delivery on `channel` from its messages (to each
/// of the house's people reached on it) and the stored reason when there
/// are none. A call: explained once one call explained it, queued while
/// one waits in the queue (or for a retry), else not reached. A message:
/// sent once one went out, queued while one waits (quiet hours, a gateway
/// to retry or not configured), else failed with the gateway's reason.
pub fn state_of(channel: &str, stored_reason: &str, messages: &[Message]) -> DeliveryState {
    let waiting = |m: &Message| matches!(m.status.as_str(), "pending" | "claimed");
    let done = |state| DeliveryState { state, reason: String::new() };
    if messages.is_empty() {
        return DeliveryState { state: "failed", reason: stored_reason.to_string() };
    }
    if channel == "call" {
        if messages.iter().any(|m| m.outcome.as_deref() == Some("explained")) {
            return done("explained");
        }
        if messages.iter().any(waiting) {
            return done("queued");
        }
        let why = messages.iter().find_map(|m| m.outcome.clone()).unwrap_or_default();
        return DeliveryState { state: "not_reached", reason: why };
    }
    if messages.iter().any(|m| m.status == "sent") {
        return done("sent");
    }
    if messages.iter().any(waiting) {
        return done("queued");
    }
    let why = messages
        .iter()
        .map(|m| m.notes.clone())
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| messages.iter().map(|m| m.status.clone()).next().unwrap_or_default());
    DeliveryState { state: "failed", reason: why }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NoticeInput {
        NoticeInput {
            title: "停水通知".into(),
            body: "因管道检修，12月3日9:00至17:00停水。".into(),
            kind: "water_cut".into(),
            effective_from: "2026-12-03".into(),
            addressed_to: "buildings".into(),
            buildings: "3, 5 3".into(),
            channels: vec!["call".into(), "sms".into(), "sms".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_notice_is_checked_field_by_field() {
        let v = input().validate().unwrap();
        assert_eq!(v.addressed, Addressed::Buildings(vec!["3".into(), "5".into(), "3".into()]));
        assert_eq!(v.channels, vec!["sms", "call"], "once each, in the channels' order");
        let refused = |f: fn(&mut NoticeInput)| {
            let mut i = input();
            f(&mut i);
            i.validate().unwrap_err()
        };
        assert_eq!(refused(|i| i.title = " ".into()).field, "title");
        assert_eq!(refused(|i| i.kind = "party".into()).rule.code, "notice_kind");
        assert_eq!(refused(|i| i.effective_from = "2026-13-01".into()).field, "effective_from");
        assert_eq!(refused(|i| i.effective_until = "2026-12-02".into()).rule.code, "notice_until");
        assert_eq!(refused(|i| i.buildings = " ".into()).field, "buildings");
        assert_eq!(refused(|i| i.channels = vec!["fax".into()]).rule.code, "notice_channel");
        assert_eq!(refused(|i| i.channels.clear()).rule.code, "notice_channels");
        assert_eq!(refused(|i| i.addressed_to = "city".into()).rule.code, "notice_addressed");
        let e = refused(|i| {
            i.addressed_to = "houses".into();
            i.houses = "3-2-1502\n十五楼".into();
        });
        assert_eq!(e.field, "houses");
    }

    fn m(status: &str, outcome: Option<&str>, notes: &str) -> Message {
        Message { status: status.into(), outcome: outcome.map(String::from), notes: notes.into() }
    }

    #[test]
    fn a_delivery_state_comes_from_its_messages() {
        let s = |channel, ms: &[Message]| state_of(channel, reason::OPTED_OUT, ms);
        assert_eq!(s("sms", &[]), DeliveryState { state: "failed", reason: "opted_out".into() });
        assert_eq!(s("sms", &[m("failed", None, "bad number"), m("sent", None, "")]).state, "sent");
        assert_eq!(s("sms", &[m("pending", None, "SMTP: timeout")]).state, "queued");
        assert_eq!(
            s("wechat", &[m("failed", None, "WeChat errcode 43004: require subscribe")]),
            DeliveryState { state: "failed", reason: "WeChat errcode 43004: require subscribe".into() }
        );
        assert_eq!(s("call", &[m("pending", Some("no_answer"), "")]).state, "queued", "tried again tomorrow");
        assert_eq!(s("call", &[m("done", Some("explained"), "")]).state, "explained");
        assert_eq!(
            s("call", &[m("done", Some("wrong_number"), "")]),
            DeliveryState { state: "not_reached", reason: "wrong_number".into() }
        );
    }
}
