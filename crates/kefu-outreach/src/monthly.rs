//! The monthly management report of a store (D3 总结): the solicited
//! customers who did not come and why — the reasons they gave on the calls
//! —, the handling of the month's complaints, and what customers said they
//! expect and think, gathered from calls, surveys and complaints. The
//! figures are plain functions of what the queries below and the
//! effectiveness report found.

use crate::calls::Outcome;
use crate::effectiveness::NotCame;
use crate::playbook::Channel;
use jiff::civil::Date;
use kefu_care::complaints::summary::{self, Summary};
use kefu_care::complaints::{Choices, Complaint};
use kefu_core::Scope;
use kefu_core::ids::CustomerId;
use kefu_core::time::{BusinessZone, instant_text};
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// Why a solicited customer did not come: the last call's outcome, or
/// `no_call` when no call reached an outcome (letters and messages only).
pub const REASONS: [&str; 7] =
    ["reached_declined", "problem_reported", "reached_booked", "no_answer", "wrong_number", "do_not_call", "no_call"];

/// Where an opinion was heard.
pub const SOURCES: [&str; 3] = ["call", "survey", "complaint"];

/// A customer who did not come, with the reason and what they said.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Absent {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub asset: String,
    pub playbook: String,
    pub anchor_date: Date,
    /// One of [`REASONS`].
    pub reason: String,
    /// The notes of that call.
    pub notes: String,
}

/// Something a customer said about the service or wished for.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Opinion {
    /// One of [`SOURCES`].
    pub source: String,
    pub day: Date,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub text: String,
}

/// A store's month.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoreMonth {
    pub absent: Vec<Absent>,
    /// Every reason in [`REASONS`] order, with its count.
    pub reasons: Vec<(String, usize)>,
    pub complaints: Summary,
    /// Oldest first.
    pub opinions: Vec<Opinion>,
    /// Every source in [`SOURCES`] order, with its count.
    pub sources: Vec<(String, usize)>,
}

/// The reason a customer who did not come gave: the outcome and notes of
/// the last call that has one.
pub fn reason(n: &NotCame) -> (String, String) {
    n.touches
        .iter()
        .rev()
        .filter(|t| t.channel == Channel::Call)
        .find_map(|t| Some((t.outcome.clone()?, t.notes.clone())))
        .unwrap_or_else(|| ("no_call".to_string(), String::new()))
}

fn counted(codes: &[&str], found: impl Iterator<Item = String>) -> Vec<(String, usize)> {
    let found: Vec<String> = found.collect();
    codes.iter().map(|c| (c.to_string(), found.iter().filter(|f| f == c).count())).collect()
}

/// The month of one store from what was found for it.
pub fn store_month(
    not_came: &[NotCame],
    (complaints, choices): (&[Complaint], &Choices),
    mut heard: Vec<Opinion>,
    zone: &BusinessZone,
) -> StoreMonth {
    let absent: Vec<Absent> = not_came
        .iter()
        .map(|n| {
            let (reason, notes) = reason(n);
            Absent {
                customer_id: n.customer_id,
                customer_name: n.customer_name.clone(),
                asset: n.asset.clone(),
                playbook: n.playbook.clone(),
                anchor_date: n.anchor_date,
                reason,
                notes,
            }
        })
        .collect();
    // A complaint is an opinion too: what the customer objects to.
    heard.extend(complaints.iter().map(|c| Opinion {
        source: "complaint".into(),
        day: kefu_core::time::parse_instant(&c.received_at).map(|t| zone.date_of(t)).unwrap_or_default(),
        customer_id: c.customer_id,
        customer_name: c.customer_name.clone(),
        text: if c.detail.is_empty() { c.subject.clone() } else { format!("{}：{}", c.subject, c.detail) },
    }));
    heard.sort_by(|a, b| (a.day, &a.source).cmp(&(b.day, &b.source)));
    StoreMonth {
        reasons: counted(&REASONS, absent.iter().map(|a| a.reason.clone())),
        sources: counted(&SOURCES, heard.iter().map(|o| o.source.clone())),
        absent,
        complaints: summary::summarize(complaints, choices),
        opinions: heard,
    }
}

/// What customers said on the calls and in the surveys of the month from
/// `first` (a business date) to the day before `next`: the notes of calls
/// that reached them and told something (satisfied, declined, a problem),
/// on the day the call was made, and surveys' free-text answers.
pub async fn heard(db: &Db, scope: &Scope, (first, next): (Date, Date), zone: &BusinessZone) -> Result<Vec<Opinion>> {
    let told = [Outcome::Satisfied, Outcome::ReachedDeclined, Outcome::ProblemReported]
        .map(|o| format!("'{}'", o.code()))
        .join(", ");
    let calls = format!(
        "SELECT t.customer_id, c.name, COALESCE(t.retry_on, t.due_date) AS day, t.notes AS text \
         FROM outreach_tasks t JOIN customers c ON c.id = t.customer_id \
         WHERE t.branch_id IN ({scope}) AND t.channel = 'call' AND t.status = 'done' AND t.outcome IN ({told}) \
         AND t.notes <> '' AND COALESCE(t.retry_on, t.due_date) >= $1 AND COALESCE(t.retry_on, t.due_date) < $2",
        scope = scope.sql_list()
    );
    let mut out = Vec::new();
    let rows = sqlx::query(sqlx::AssertSqlSafe(calls))
        .bind(first.to_string())
        .bind(next.to_string())
        .fetch_all(db.pool())
        .await?;
    for r in &rows {
        out.push(Opinion {
            source: "call".into(),
            day: crate::touch_state::date_column(r, "day")?,
            customer_id: CustomerId(r.i64("customer_id")?),
            customer_name: r.text("name")?,
            text: r.text("text")?,
        });
    }
    let surveys = format!(
        "SELECT i.customer_id, c.name, i.answered_at, a.text FROM survey_answers a \
         JOIN survey_questions q ON q.id = a.question_id JOIN survey_invitations i ON i.id = a.invitation_id \
         JOIN customers c ON c.id = i.customer_id \
         WHERE i.branch_id IN ({}) AND q.kind = 'text' AND a.text <> '' AND i.answered_at >= $1 AND i.answered_at < $2",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(surveys))
        .bind(instant_text(zone.start_of(first)))
        .bind(instant_text(zone.start_of(next)))
        .fetch_all(db.pool())
        .await?;
    for r in &rows {
        let at = r.text("answered_at")?;
        out.push(Opinion {
            source: "survey".into(),
            day: kefu_core::time::parse_instant(&at).map(|t| zone.date_of(t)).unwrap_or(first),
            customer_id: CustomerId(r.i64("customer_id")?),
            customer_name: r.text("name")?,
            text: r.text("text")?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effectiveness::TouchLine;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn touch(channel: Channel, outcome: Option<&str>, notes: &str) -> TouchLine {
        TouchLine {
            step: 1,
            channel,
            day: d("2027-01-25"),
            status: "done".into(),
            outcome: outcome.map(str::to_string),
            notes: notes.into(),
            attempts: 1,
            delivered: true,
        }
    }

    fn not_came(touches: Vec<TouchLine>) -> NotCame {
        NotCame {
            customer_id: CustomerId(1),
            customer_name: "刘洋".into(),
            mobile: None,
            asset: "京A10003".into(),
            playbook: "first_service".into(),
            anchor_date: d("2027-02-01"),
            first_touch: d("2027-01-04"),
            window_end: d("2027-03-10"),
            touches,
        }
    }

    #[test]
    fn the_reason_is_the_last_call_that_has_an_outcome() {
        let n = not_came(vec![
            touch(Channel::Letter, None, ""),
            touch(Channel::Call, Some("no_answer"), ""),
            touch(Channel::Call, Some("reached_declined"), "工作太忙"),
            touch(Channel::Sms, None, ""),
            touch(Channel::Call, None, ""),
        ]);
        assert_eq!(reason(&n), ("reached_declined".into(), "工作太忙".into()));
        let letters_only = not_came(vec![touch(Channel::Letter, None, ""), touch(Channel::Sms, None, "")]);
        assert_eq!(reason(&letters_only), ("no_call".into(), String::new()));
    }

    #[test]
    fn a_store_month_counts_reasons_and_sources_in_their_order() {
        let zone = BusinessZone::shanghai();
        let absent = [
            not_came(vec![touch(Channel::Call, Some("no_answer"), "")]),
            not_came(vec![touch(Channel::Letter, None, "")]),
            not_came(vec![touch(Channel::Call, Some("no_answer"), "")]),
        ];
        let heard = vec![Opinion {
            source: "survey".into(),
            day: d("2027-01-20"),
            customer_id: CustomerId(2),
            customer_name: "王强".into(),
            text: "希望延长营业时间".into(),
        }];
        let m = store_month(&absent, (&[], &Choices::core()), heard, &zone);
        let count = |list: &[(String, usize)], code: &str| list.iter().find(|(c, _)| c == code).unwrap().1;
        assert_eq!(m.reasons.len(), REASONS.len());
        assert_eq!((count(&m.reasons, "no_answer"), count(&m.reasons, "no_call")), (2, 1));
        assert_eq!(m.reasons.iter().map(|(_, n)| n).sum::<usize>(), 3);
        assert_eq!(m.sources, vec![("call".into(), 0), ("survey".into(), 1), ("complaint".into(), 0)]);
        assert_eq!(m.complaints.received, 0);
    }
}
