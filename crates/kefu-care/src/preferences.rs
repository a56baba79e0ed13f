//! Contact preferences: which channels a customer accepts, "do not call",
//! the time of day they prefer and the hours not to disturb them. The
//! outreach engine asks [`Preferences::allows`] and [`Preferences::is_quiet`]
//! before every touch.

use jiff::civil::Time;
use kefu_core::{Invalid, Rule};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Letter,
    Sms,
    Email,
    Phone,
}

pub const TIMES_OF_DAY: [&str; 4] = ["morning", "noon", "afternoon", "evening"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preferences {
    pub allow_letter: bool,
    pub allow_sms: bool,
    pub allow_email: bool,
    pub allow_phone: bool,
    /// Set by the customer's request ("不要再打电话"); stronger than not
    /// choosing the phone.
    pub do_not_call: bool,
    /// morning, noon, afternoon, evening, or empty for any time.
    pub preferred_time: String,
    pub quiet_start: Option<Time>,
    pub quiet_end: Option<Time>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            allow_letter: true,
            allow_sms: true,
            allow_email: true,
            allow_phone: true,
            do_not_call: false,
            preferred_time: String::new(),
            quiet_start: None,
            quiet_end: None,
        }
    }
}

/// Preferences as typed in a form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreferencesInput {
    #[serde(default)]
    pub allow_letter: bool,
    #[serde(default)]
    pub allow_sms: bool,
    #[serde(default)]
    pub allow_email: bool,
    #[serde(default)]
    pub allow_phone: bool,
    #[serde(default)]
    pub do_not_call: bool,
    #[serde(default)]
    pub preferred_time: String,
    #[serde(default)]
    pub quiet_start: String,
    #[serde(default)]
    pub quiet_end: String,
}

fn parse_time(field: &str, text: &str) -> Result<Option<Time>, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (h, m) = text.split_once(':').ok_or_else(|| time_rule(field))?;
    let (h, m): (i8, i8) = (h.parse().map_err(|_| time_rule(field))?, m.parse().map_err(|_| time_rule(field))?);
    Time::new(h, m, 0, 0).map(Some).map_err(|_| time_rule(field))
}

fn time_rule(field: &str) -> Invalid {
    Invalid::new(field, Rule::new("time_format", "时间格式须为 HH:MM，如 21:30", "must be a time HH:MM, e.g. 21:30"))
}

impl PreferencesInput {
    pub fn validate(&self) -> Result<Preferences, Invalid> {
        let preferred = self.preferred_time.trim();
        if !preferred.is_empty() && !TIMES_OF_DAY.contains(&preferred) {
            return Err(Invalid::new(
                "preferred_time",
                Rule::new(
                    "time_of_day",
                    "须为 上午、中午、下午 或 晚上",
                    "must be morning, noon, afternoon or evening",
                ),
            ));
        }
        let quiet_start = parse_time("quiet_start", &self.quiet_start)?;
        let quiet_end = parse_time("quiet_end", &self.quiet_end)?;
        if quiet_start.is_some() != quiet_end.is_some() {
            let missing = if quiet_start.is_none() { "quiet_start" } else { "quiet_end" };
            return Err(Invalid::new(
                missing,
                Rule::new(
                    "quiet_hours_pair",
                    "免打扰时段须同时填写开始和结束",
                    "quiet hours need both a start and an end",
                ),
            ));
        }
        Ok(Preferences {
            allow_letter: self.allow_letter,
            allow_sms: self.allow_sms,
            allow_email: self.allow_email,
            allow_phone: self.allow_phone,
            do_not_call: self.do_not_call,
            preferred_time: preferred.to_string(),
            quiet_start,
            quiet_end,
        })
    }
}

impl Preferences {
    /// Whether the customer accepts this channel at all.
    pub fn allows(&self, channel: Channel) -> bool {
        match channel {
            Channel::Letter => self.allow_letter,
            Channel::Sms => self.allow_sms,
            Channel::Email => self.allow_email,
            Channel::Phone => self.allow_phone && !self.do_not_call,
        }
    }

    /// Whether `at` (local time) falls in the quiet hours; a range that
    /// wraps midnight (21:00–08:00) is understood.
    pub fn is_quiet(&self, at: Time) -> bool {
        match (self.quiet_start, self.quiet_end) {
            (Some(start), Some(end)) if start <= end => at >= start && at < end,
            (Some(start), Some(end)) => at >= start || at < end,
            _ => false,
        }
    }

    pub fn quiet_text(t: Option<Time>) -> String {
        t.map(|t| format!("{:02}:{:02}", t.hour(), t.minute())).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Time {
        s.parse().unwrap()
    }

    #[test]
    fn do_not_call_overrides_the_phone_channel() {
        let mut p = Preferences::default();
        assert!(p.allows(Channel::Phone));
        p.do_not_call = true;
        assert!(!p.allows(Channel::Phone));
        assert!(p.allows(Channel::Sms));
    }

    #[test]
    fn quiet_hours_may_wrap_midnight() {
        let input = PreferencesInput { quiet_start: "21:00".into(), quiet_end: "08:00".into(), ..Default::default() };
        let p = input.validate().unwrap();
        assert!(p.is_quiet(t("22:30")) && p.is_quiet(t("07:59")));
        assert!(!p.is_quiet(t("08:00")) && !p.is_quiet(t("12:00")));
        let day = PreferencesInput { quiet_start: "12:00".into(), quiet_end: "14:00".into(), ..Default::default() };
        assert!(day.validate().unwrap().is_quiet(t("13:00")));
    }

    #[test]
    fn bad_preferences_name_the_field() {
        let bad = PreferencesInput { quiet_start: "25:00".into(), quiet_end: "08:00".into(), ..Default::default() };
        assert_eq!(bad.validate().unwrap_err().field, "quiet_start");
        let half = PreferencesInput { quiet_start: "21:00".into(), ..Default::default() };
        assert_eq!(half.validate().unwrap_err().rule.code, "quiet_hours_pair");
        let when = PreferencesInput { preferred_time: "midnight".into(), ..Default::default() };
        assert_eq!(when.validate().unwrap_err().field, "preferred_time");
    }
}
