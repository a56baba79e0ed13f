//! What became of a stored touch, as the reports read it: whether it went
//! out, whether a call reached the customer, and on which day. One place, so
//! the effectiveness report and the weekly follow-up summary count alike.

use crate::calls::Outcome;
use crate::playbook::Channel;
use jiff::civil::Date;
use kefu_store::{Failure, RowExt, StoreError};
use sqlx::any::AnyRow;

/// The columns [`from_row`] reads, of a task `t` and of the task `k` it may
/// have merged into (joined with [`JOIN_KEEPER`]).
pub const COLUMNS: &str = "t.channel, t.status, t.outcome, t.due_date, t.retry_on, k.channel AS k_channel, \
     k.status AS k_status, k.outcome AS k_outcome, k.retry_on AS k_retry_on";

pub const JOIN_KEEPER: &str = "LEFT JOIN outreach_tasks k ON k.id = t.merged_into";

/// A business date column.
pub fn date_column(r: &AnyRow, col: &str) -> Result<Date, Failure> {
    let text = r.text(col)?;
    text.parse().map_err(|e| StoreError::Other(format!("{col} {text:?}: {e}")).into())
}

fn opt_date_column(r: &AnyRow, col: &str) -> Result<Option<Date>, Failure> {
    match r.opt_text(col)? {
        Some(_) => date_column(r, col).map(Some),
        None => Ok(None),
    }
}

fn channel_column(r: &AnyRow, col: &str) -> Result<Channel, Failure> {
    let code = r.text(col)?;
    Channel::from_code(&code).ok_or_else(|| StoreError::Other(format!("{col}: unknown channel {code:?}")).into())
}

/// The resolved state of the task in a row selected with [`COLUMNS`].
pub fn from_row(r: &AnyRow) -> Result<TouchState, Failure> {
    let own = TouchState {
        channel: channel_column(r, "channel")?,
        status: r.text("status")?,
        outcome: r.opt_text("outcome")?,
        due_date: date_column(r, "due_date")?,
        retry_on: opt_date_column(r, "retry_on")?,
    };
    let keeper = match r.opt_text("k_status")? {
        Some(status) => Some(TouchState {
            channel: channel_column(r, "k_channel")?,
            status,
            outcome: r.opt_text("k_outcome")?,
            due_date: own.due_date,
            retry_on: opt_date_column(r, "k_retry_on")?,
        }),
        None => None,
    };
    Ok(own.resolve(keeper))
}

/// A task's channel, status and outcome as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchState {
    pub channel: Channel,
    pub status: String,
    pub outcome: Option<String>,
    pub due_date: Date,
    /// Set when an unanswered call was put back for another day.
    pub retry_on: Option<Date>,
}

impl TouchState {
    /// The state that counts: a merged touch went out inside the touch it
    /// merged into (the run's daily cap), so it shares that touch's fate.
    pub fn resolve(self, keeper: Option<TouchState>) -> TouchState {
        match keeper {
            Some(k) if self.status == "merged" => TouchState { due_date: self.due_date, ..k },
            _ => self,
        }
    }

    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.as_deref().and_then(Outcome::from_code)
    }

    /// The touch is finished: printed, sent, or a call with its last outcome.
    pub fn finished(&self) -> bool {
        matches!(self.status.as_str(), "printed" | "sent" | "done")
    }

    /// A call that ended with someone speaking to the customer.
    pub fn reached(&self) -> bool {
        self.channel == Channel::Call && self.status == "done" && self.outcome().is_some_and(Outcome::reached)
    }

    /// The message reached the customer: a letter printed, an SMS or e-mail
    /// sent, a call answered. A call nobody answered is no touch.
    pub fn delivered(&self) -> bool {
        if self.channel == Channel::Call { self.reached() } else { self.finished() }
    }

    /// The day the touch went out. An unanswered call is tried again on its
    /// retry day, so the call that finally got through was made on that day
    /// at the earliest.
    pub fn day(&self) -> Date {
        self.retry_on.map_or(self.due_date, |r| r.max(self.due_date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn state(channel: Channel, status: &str, outcome: Option<&str>) -> TouchState {
        TouchState {
            channel,
            status: status.into(),
            outcome: outcome.map(str::to_string),
            due_date: d("2026-11-02"),
            retry_on: None,
        }
    }

    #[test]
    fn what_counts_as_delivered_finished_and_reached() {
        use Channel::*;
        // channel, status, outcome → (finished, delivered, reached)
        type Row<'a> = (Channel, &'a str, Option<&'a str>, (bool, bool, bool));
        let table: &[Row] = &[
            (Letter, "pending", None, (false, false, false)),
            (Letter, "printed", None, (true, true, false)),
            (Sms, "sent", None, (true, true, false)),
            (Sms, "failed", None, (false, false, false)),
            (Email, "sent", None, (true, true, false)),
            (Sms, "skipped", None, (false, false, false)),
            (Call, "pending", None, (false, false, false)),
            (Call, "claimed", None, (false, false, false)),
            (Call, "pending", Some("no_answer"), (false, false, false)),
            (Call, "done", Some("no_answer"), (true, false, false)),
            (Call, "done", Some("wrong_number"), (true, false, false)),
            (Call, "done", Some("do_not_call"), (true, false, false)),
            (Call, "done", Some("reached_declined"), (true, true, true)),
            (Call, "done", Some("reached_booked"), (true, true, true)),
            (Call, "done", Some("problem_reported"), (true, true, true)),
        ];
        for (channel, status, outcome, want) in table {
            let s = state(*channel, status, *outcome);
            assert_eq!((s.finished(), s.delivered(), s.reached()), *want, "{channel:?} {status} {outcome:?}");
        }
    }

    #[test]
    fn a_merged_touch_shares_its_keepers_fate() {
        let merged = state(Channel::Call, "merged", None);
        let keeper = state(Channel::Call, "done", Some("reached_declined"));
        let resolved = merged.clone().resolve(Some(keeper.clone()));
        assert!(resolved.reached());
        // Only a merged touch takes another's state.
        assert_eq!(keeper.clone().resolve(Some(merged.clone())), keeper);
        assert!(!merged.resolve(None).delivered(), "a merged touch whose keeper is gone went nowhere");
    }

    #[test]
    fn a_retried_call_went_out_on_its_retry_day() {
        let mut s = state(Channel::Call, "done", Some("reached_booked"));
        assert_eq!(s.day(), d("2026-11-02"));
        s.retry_on = Some(d("2026-11-04"));
        assert_eq!(s.day(), d("2026-11-04"));
    }
}
