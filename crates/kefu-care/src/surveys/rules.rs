//! The survey rules as plain functions: what a question may be, what answer
//! each kind takes, which answers are low enough to open a complaint, the
//! results (averages, NPS), and the signed link an invitation is reached by.

use hmac::{Hmac, KeyInit, Mac};
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Invalid, Rule};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Single,
    Multiple,
    /// 1 to 5.
    Scale5,
    /// 0 to 10; the "would you recommend us" question behind NPS.
    Scale10,
    Text,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Single, Kind::Multiple, Kind::Scale5, Kind::Scale10, Kind::Text];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::Scale5 => "scale5",
            Kind::Scale10 => "scale10",
            Kind::Text => "text",
        }
    }

    pub fn from_code(field: &str, code: &str) -> Result<Kind, Invalid> {
        Kind::ALL.into_iter().find(|k| k.code() == code).ok_or_else(|| {
            Invalid::new(
                field,
                Rule::new(
                    "question_kind",
                    "须为 单选、多选、1–5 分、0–10 分 或 文字",
                    "must be single choice, multiple choice, 1–5, 0–10 or free text",
                ),
            )
        })
    }

    /// The scores of a scale.
    pub fn range(self) -> Option<(i64, i64)> {
        match self {
            Kind::Scale5 => Some((1, 5)),
            Kind::Scale10 => Some((0, 10)),
            _ => None,
        }
    }

    /// The highest score that counts as unhappy and opens a complaint: 1–2
    /// of five, 0–6 of ten (a detractor).
    pub fn low_at_most(self) -> Option<i64> {
        match self {
            Kind::Scale5 => Some(2),
            Kind::Scale10 => Some(6),
            _ => None,
        }
    }
}

/// A question as the builder form gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuestionInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub prompt: String,
    /// The choices, one a line (single and multiple choice only).
    #[serde(default)]
    pub options: String,
}

/// A question that passed the builder's rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub kind: Kind,
    pub prompt: String,
    pub options: Vec<String>,
}

impl QuestionInput {
    /// Checks question number `n` (from 1, for the field name).
    pub fn validate(&self, n: usize) -> Result<Question, Invalid> {
        let field = format!("question_{n}");
        let kind = Kind::from_code(&field, self.kind.trim())?;
        let prompt = required_text(&field, &self.prompt, 300)?;
        let options: Vec<String> =
            self.options.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_string).collect();
        let choice = matches!(kind, Kind::Single | Kind::Multiple);
        if choice && !(2..=10).contains(&options.len()) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "question_options",
                    "选择题须有 2 到 10 个选项，每行一个",
                    "a choice needs 2 to 10 options, one a line",
                ),
            ));
        }
        Ok(Question { kind, prompt, options: if choice { options } else { Vec::new() } })
    }
}

/// One answer as stored: a number (a score, or the chosen option of a single
/// choice) and text (the options of a multiple choice as JSON, or free text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub number: Option<i64>,
    pub text: String,
}

fn answer_rule(field: &str, zh: &str, en: &str) -> Invalid {
    Invalid::new(field, Rule::new("survey_answer", zh, en))
}

/// Reads what was given for question `n` of kind `q` (form values: a score,
/// an option index, several indexes, text). An empty answer is refused:
/// every question must be answered.
pub fn answer(n: usize, q: &Question, values: &[String]) -> Result<Answer, Invalid> {
    let field = format!("question_{n}");
    let values: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return Err(answer_rule(&field, "请回答此题", "please answer this question"));
    }
    let index = |v: &str| v.parse::<usize>().ok().filter(|i| *i < q.options.len());
    match q.kind {
        Kind::Scale5 | Kind::Scale10 => {
            let (low, high) = q.kind.range().unwrap_or((0, 10));
            match values[0].parse::<i64>() {
                Ok(score) if (low..=high).contains(&score) && values.len() == 1 => {
                    Ok(Answer { number: Some(score), text: String::new() })
                }
                _ => Err(answer_rule(
                    &field,
                    &format!("请选择 {low} 到 {high} 分"),
                    &format!("choose a score from {low} to {high}"),
                )),
            }
        }
        Kind::Single => match (values.len(), index(values[0])) {
            (1, Some(i)) => Ok(Answer { number: Some(i as i64), text: String::new() }),
            _ => Err(answer_rule(&field, "请选择一个选项", "choose one option")),
        },
        Kind::Multiple => {
            let mut chosen: Vec<usize> = values
                .iter()
                .map(|v| index(v))
                .collect::<Option<_>>()
                .ok_or_else(|| answer_rule(&field, "请从列出的选项中选择", "choose among the options listed"))?;
            chosen.sort_unstable();
            chosen.dedup();
            Ok(Answer { number: None, text: serde_json::to_string(&chosen).unwrap_or_default() })
        }
        Kind::Text => Ok(Answer { number: None, text: optional_text(&field, &values.join(" "), 2000)? }),
    }
}

/// Whether an answer is low enough to open a complaint.
pub fn is_low(kind: Kind, answer: &Answer) -> bool {
    matches!((kind.low_at_most(), answer.number), (Some(limit), Some(score)) if score <= limit)
}

/// Net Promoter Score from 0–10 answers: the share of promoters (9–10)
/// less the share of detractors (0–6), in whole percent; None without answers.
pub fn nps(scores: &[i64]) -> Option<i64> {
    if scores.is_empty() {
        return None;
    }
    let promoters = scores.iter().filter(|s| **s >= 9).count() as i64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as i64;
    let n = scores.len() as i64;
    // Rounded half away from zero.
    let hundredths = (promoters - detractors) * 10_000 / n;
    Some((hundredths + hundredths.signum() * 50) / 100)
}

/// The mean of some scores, to one decimal; None without any.
pub fn average(scores: &[i64]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let mean = scores.iter().sum::<i64>() as f64 / scores.len() as f64;
    Some((mean * 10.0).round() / 10.0)
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], invitation: i64, customer: i64) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("kefu-survey:{invitation}:{customer}").as_bytes());
    mac
}

/// How long a survey link stays open: `link_days` under `[surveys]` in
/// kefu.toml, counted from the invitation. A link is answered once, and
/// not at all after it expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkSettings {
    pub link_days: i64,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings { link_days: 30 }
    }
}

impl LinkSettings {
    /// From 1 to 365 days.
    pub fn validate(&self) -> Result<(), Invalid> {
        if (1..=365).contains(&self.link_days) {
            Ok(())
        } else {
            Err(Invalid::new("link_days", Rule::new("days_range", "须为 1 到 365 天", "must be from 1 to 365 days")))
        }
    }

    /// How long a link works.
    pub fn lifetime(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_hours(24 * self.link_days)
    }

    /// The instant a link sent at `invited` stops working.
    pub fn expires_at(&self, invited: jiff::Timestamp) -> jiff::Timestamp {
        invited + self.lifetime()
    }
}

/// The token of an invitation's link: its id and an HMAC-SHA256 over the
/// invitation and its customer, so a token names one customer's invitation
/// and cannot be made up or changed to reach another.
pub fn token(key: &[u8], invitation: i64, customer: i64) -> String {
    let tag = mac(key, invitation, customer).finalize().into_bytes();
    format!("{invitation}-{}", hex::encode(&tag[..16]))
}

/// The invitation a token claims to be for (to look up its customer).
pub fn claimed(token: &str) -> Option<i64> {
    token.split_once('-').and_then(|(id, _)| id.parse().ok())
}

/// Whether `token` was signed for this invitation and customer.
pub fn verify(key: &[u8], token: &str, invitation: i64, customer: i64) -> bool {
    let Some((id, tag)) = token.split_once('-') else { return false };
    let Ok(tag) = hex::decode(tag) else { return false };
    id == invitation.to_string()
        && tag.len() == 16
        && mac(key, invitation, customer).verify_truncated_left(&tag).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_expire_after_their_days() {
        let links = super::LinkSettings::default();
        assert_eq!(links.link_days, 30);
        let sent: jiff::Timestamp = "2026-11-29T01:00:00Z".parse().unwrap();
        assert_eq!(links.expires_at(sent), "2026-12-29T01:00:00Z".parse().unwrap());
        assert!(links.validate().is_ok());
        assert_eq!(super::LinkSettings { link_days: 0 }.validate().unwrap_err().field, "link_days");
    }

    use super::*;

    fn q(kind: Kind, options: &[&str]) -> Question {
        Question { kind, prompt: "？".into(), options: options.iter().map(|o| o.to_string()).collect() }
    }

    fn vals(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_builder_checks_each_question() {
        let input = |kind: &str, prompt: &str, options: &str| QuestionInput {
            kind: kind.into(),
            prompt: prompt.into(),
            options: options.into(),
        };
        let ok = input("single", "本次服务是否准时？", "是\n否\n").validate(1).unwrap();
        assert_eq!(ok.options, ["是", "否"]);
        assert_eq!(
            input("scale10", "您向朋友推荐本店的可能性", "x").validate(2).unwrap().options,
            Vec::<String>::new()
        );
        assert_eq!(input("single", "准时？", "是").validate(3).unwrap_err().rule.code, "question_options");
        assert_eq!(input("scale7", "？", "").validate(4).unwrap_err().field, "question_4");
        assert_eq!(input("text", " ", "").validate(5).unwrap_err().rule.code, "required");
    }

    #[test]
    fn answers_fit_their_question() {
        assert_eq!(answer(1, &q(Kind::Scale5, &[]), &vals(&["4"])).unwrap().number, Some(4));
        assert!(answer(1, &q(Kind::Scale5, &[]), &vals(&["0"])).is_err());
        assert!(answer(1, &q(Kind::Scale10, &[]), &vals(&["0"])).is_ok());
        assert!(answer(1, &q(Kind::Scale10, &[]), &vals(&["11"])).is_err());
        let choice = q(Kind::Single, &["是", "否"]);
        assert_eq!(answer(2, &choice, &vals(&["1"])).unwrap().number, Some(1));
        assert!(answer(2, &choice, &vals(&["2"])).is_err());
        assert!(answer(2, &choice, &vals(&["0", "1"])).is_err(), "one option only");
        let many = q(Kind::Multiple, &["价格", "态度", "环境"]);
        assert_eq!(answer(3, &many, &vals(&["2", "0", "2"])).unwrap().text, "[0,2]");
        assert_eq!(answer(4, &q(Kind::Text, &[]), &vals(&[""])).unwrap_err().field, "question_4");
    }

    #[test]
    fn low_scores_are_1_2_of_five_and_0_6_of_ten() {
        let score = |n| Answer { number: Some(n), text: String::new() };
        assert!(is_low(Kind::Scale5, &score(2)) && !is_low(Kind::Scale5, &score(3)));
        assert!(is_low(Kind::Scale10, &score(6)) && !is_low(Kind::Scale10, &score(7)));
        assert!(!is_low(Kind::Single, &score(0)), "a choice is not a score");
    }

    #[test]
    fn nps_is_promoters_less_detractors() {
        assert_eq!(nps(&[]), None);
        assert_eq!(nps(&[10, 9, 8, 7, 6]), Some(20));
        assert_eq!(nps(&[0, 0, 10]), Some(-33));
        assert_eq!(nps(&[9, 9, 9, 8, 8, 6]), Some(33), "3 of 6 promoters, 1 detractor");
        assert_eq!(average(&[4, 5, 5]), Some(4.7));
    }

    #[test]
    fn a_token_names_one_invitation_of_one_customer() {
        let key = b"0123456789abcdef0123456789abcdef";
        let t = token(key, 42, 7);
        assert_eq!(claimed(&t), Some(42));
        assert!(verify(key, &t, 42, 7));
        assert!(!verify(key, &t, 42, 8), "another customer's");
        assert!(!verify(key, &t, 43, 7), "another invitation's");
        assert!(!verify(b"another key", &t, 42, 7));
        let forged = t.replace("42-", "43-");
        assert!(!verify(key, &forged, 43, 7));
        assert!(!verify(key, "42-zz", 42, 7) && !verify(key, "nonsense", 42, 7));
    }
}
