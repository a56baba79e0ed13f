//! Did the outreach work? For every due event — one subject's cadence of one
//! playbook for one anchor date — whether the customer came within its
//! window, and which touches get the credit: the last one before the visit,
//! and all of them. The rules are plain functions here; `load` reads the
//! tasks and the visits and hands them to these.
//!
//! The rules, as the service documents measure invitations:
//! - Only playbooks whose cadence stops when the customer comes are measured
//!   (first service, routine service, lapsed customers): their aim is a
//!   visit. Thanks, birthdays and follow-ups have no visit to wait for, and
//!   insurance renewal waits for a renewal, which no capability records yet.
//! - The window opens on the event's first touch and closes
//!   [`GRACE_DAYS`] after the later of the anchor and the last step: a
//!   service due on 1 March counts visits until 31 March; the first-service
//!   chase call a week after the due date gives thirty days more from there;
//!   a lapsed customer's last call (day 104 after the last visit) the same.
//! - An event belongs to the period in which its first touch fell: the
//!   month the customer was first invited.
//! - A touch counts once it reached the customer (`TouchState::delivered`);
//!   it is credited when it went out on or before the day of the visit.

pub mod load;

pub use load::{NotCame, Report, TouchLine, report};

use crate::playbook::{Channel, Playbook, StopWhen};
use crate::touch_state::TouchState;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

/// Days after the anchor (or the last step, when later) that a visit still
/// counts for the invitation.
pub const GRACE_DAYS: i64 = 30;

/// Whether the playbook's success is the customer coming in.
pub fn measured(p: &Playbook) -> bool {
    p.stop_when.contains(&StopWhen::Came)
}

/// The last day a visit counts for the cadence of `anchor`.
pub fn window_end(p: &Playbook, anchor: Date) -> Date {
    let last_step = p.steps.iter().map(|s| s.offset_days).max().unwrap_or(0).max(0);
    anchor.checked_add((last_step + GRACE_DAYS).days()).unwrap_or(anchor)
}

/// One touch of a due event, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    pub task_id: i64,
    /// The playbook step, from 0.
    pub step: usize,
    pub state: TouchState,
    pub notes: String,
    pub attempts: i64,
}

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The customer came on this day, within the window.
    Came { on: Date },
    /// The window closed without a visit.
    NotCame,
    /// No visit yet, and the window is still open.
    Open,
}

/// The verdict for an event whose window runs from `first_touch` to
/// `window_end`, given the subject's arrival days.
pub fn verdict(first_touch: Date, window_end: Date, arrivals: &[Date], today: Date) -> Verdict {
    match arrivals.iter().copied().filter(|d| (first_touch..=window_end).contains(d)).min() {
        Some(on) => Verdict::Came { on },
        None if today > window_end => Verdict::NotCame,
        None => Verdict::Open,
    }
}

/// The touches a visit on `visit` is credited to: every delivered touch that
/// went out on or before that day, and the last of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credit {
    /// Indexes into the event's touches.
    pub all: Vec<usize>,
    pub last: Option<usize>,
}

pub fn credit(touches: &[Touch], visit: Date) -> Credit {
    let all: Vec<usize> =
        (0..touches.len()).filter(|i| touches[*i].state.delivered() && touches[*i].state.day() <= visit).collect();
    // The latest day wins; on one day, the later step.
    let last = all.iter().copied().max_by_key(|i| (touches[*i].state.day(), touches[*i].step));
    Credit { all, last }
}

/// Came out of due, and the share (None when nothing was due).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    pub due: i64,
    pub came: i64,
    pub not_came: i64,
    pub open: i64,
}

impl Tally {
    fn add(&mut self, v: Verdict) {
        self.due += 1;
        match v {
            Verdict::Came { .. } => self.came += 1,
            Verdict::NotCame => self.not_came += 1,
            Verdict::Open => self.open += 1,
        }
    }

    pub fn rate(&self) -> Option<f64> {
        (self.due > 0).then(|| self.came as f64 / self.due as f64)
    }
}

/// How touches of one step, or of one channel, did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Attribution {
    /// Events this touch reached.
    pub touched: i64,
    /// Of those, events whose customer came after it (every touch before a
    /// visit shares the credit).
    pub came_after: i64,
    /// Events whose visit followed this touch last.
    pub last_touch: i64,
}

impl Attribution {
    pub fn rate(&self) -> Option<f64> {
        (self.touched > 0).then(|| self.came_after as f64 / self.touched as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaybookRate {
    pub code: String,
    pub name: String,
    pub tally: Tally,
    /// Customers who came though no touch had reached them.
    pub came_untouched: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRate {
    pub playbook: String,
    /// From 1, as people count.
    pub step: usize,
    pub offset_days: i64,
    /// The channel the playbook asks for; touches may have gone by a fallback.
    pub channel: Channel,
    pub attribution: Attribution,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelRate {
    pub channel: Channel,
    pub attribution: Attribution,
}

/// A judged event as the tally needs it.
pub struct Judged<'a> {
    pub playbook: &'a str,
    pub touches: &'a [Touch],
    pub verdict: Verdict,
}

/// The rates per playbook (in the playbooks' order), per step of each, and
/// per channel the touches actually went by.
pub fn tally(playbooks: &[&Playbook], events: &[Judged]) -> (Vec<PlaybookRate>, Vec<StepRate>, Vec<ChannelRate>) {
    let mut by_playbook: Vec<PlaybookRate> = playbooks
        .iter()
        .map(|p| PlaybookRate {
            code: p.code.clone(),
            name: p.name.clone(),
            tally: Tally::default(),
            came_untouched: 0,
        })
        .collect();
    let mut steps: Vec<Vec<Attribution>> =
        playbooks.iter().map(|p| vec![Attribution::default(); p.steps.len()]).collect();
    let mut channels = [Attribution::default(); CHANNELS.len()];
    for e in events {
        let Some(pi) = playbooks.iter().position(|p| p.code == e.playbook) else { continue };
        let credit = match e.verdict {
            Verdict::Came { on } => Some(credit(e.touches, on)),
            _ => None,
        };
        let row = &mut by_playbook[pi];
        row.tally.add(e.verdict);
        if credit.as_ref().is_some_and(|c| c.all.is_empty()) {
            row.came_untouched += 1;
        }
        attribute(e.touches, credit.as_ref(), |t| Some(t.step), &mut steps[pi]);
        attribute(e.touches, credit.as_ref(), |t| CHANNELS.iter().position(|c| *c == t.state.channel), &mut channels);
    }
    let by_step = playbooks
        .iter()
        .zip(steps)
        .flat_map(|(p, attributions)| {
            p.steps.iter().zip(attributions).enumerate().map(|(i, (s, a))| StepRate {
                playbook: p.code.clone(),
                step: i + 1,
                offset_days: s.offset_days,
                channel: s.channel,
                attribution: a,
            })
        })
        .collect();
    let by_channel = CHANNELS
        .iter()
        .zip(channels)
        .filter(|(_, a)| a.touched > 0)
        .map(|(c, a)| ChannelRate { channel: *c, attribution: a })
        .collect();
    (by_playbook, by_step, by_channel)
}

/// The order channels are shown in.
const CHANNELS: [Channel; 4] = Channel::ALL;

/// Adds one event to the attributions its delivered touches fall under
/// (`group` names the slot: a step, a channel). A slot counts the event once
/// however many of its touches reached the customer.
fn attribute(
    touches: &[Touch],
    credit: Option<&Credit>,
    group: impl Fn(&Touch) -> Option<usize>,
    into: &mut [Attribution],
) {
    let mut touched = std::collections::BTreeSet::new();
    let mut came_after = std::collections::BTreeSet::new();
    for (i, touch) in touches.iter().enumerate().filter(|(_, t)| t.state.delivered()) {
        let Some(slot) = group(touch).filter(|s| *s < into.len()) else { continue };
        touched.insert(slot);
        if let Some(c) = credit {
            if c.all.contains(&i) {
                came_after.insert(slot);
            }
            if c.last == Some(i) {
                into[slot].last_touch += 1;
            }
        }
    }
    touched.into_iter().for_each(|s| into[s].touched += 1);
    came_after.into_iter().for_each(|s| into[s].came_after += 1);
}

#[cfg(test)]
mod tests;
