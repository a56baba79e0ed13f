//! Messages an event sends when it happens rather than on a day the daily
//! run finds: a booking confirmed, a car that will be late. The event's
//! playbook (anchor `appointment_booked` or `repair_delayed`) gives the
//! channel, its fallbacks and the text, which administrators edit like any
//! other; the customer's preferences choose the channel as for any touch
//! (`rules::choose_channel`). The notice becomes an outreach task in the
//! event's own transaction, and the dispatcher sends it like every other
//! message — through the same gateways, after the customer's quiet hours,
//! recorded on the task and the customer's timeline.

use crate::playbook::{Playbook, StopWhen};
use crate::rules;
use crate::run::{NewTask, insert_tasks, insert_tasks_counted};
use crate::source::Subject;
use jiff::civil::Date;
use kefu_core::time::instant_text;
use kefu_store::{Failure, Tx};

/// Puts the event playbook's message to the subject among the outreach
/// tasks, due today. The subject's asset names the event's record (the
/// appointment, the repair order) and its anchor day the day it is about,
/// so an event told twice is one task. Returns the task when there is one
/// to send: none when the playbook is switched off, or the customer accepts
/// none of its channels (then a skipped task records why).
pub async fn notify_in(
    tx: &mut Tx,
    playbook: Option<&Playbook>,
    subject: &Subject,
    today: Date,
) -> Result<Option<i64>, Failure> {
    let Some(p) = playbook.filter(|p| p.enabled && crate::playbook::is_event(p)) else {
        return Ok(None);
    };
    let now = instant_text(tx.now());
    let tasks: Vec<NewTask> = (0..p.steps.len()).map(|i| task_of(p, i, subject, today)).collect();
    let stored = insert_tasks(tx, &tasks, today, &now).await?;
    // The last step that goes out and is new names the notice's task.
    let sent = tasks
        .iter()
        .zip(stored)
        .filter(|(t, (_, new))| *new && t.status == "pending")
        .map(|(_, (id, _))| id)
        .next_back();
    Ok(sent)
}

/// [`notify_in`] for many subjects of one event at once (a billing run's
/// bills), stored in as few statements as the database takes; returns how
/// many new tasks go out.
pub async fn notify_all_in(
    tx: &mut Tx,
    playbook: Option<&Playbook>,
    subjects: &[Subject],
    today: Date,
) -> Result<usize, Failure> {
    let Some(p) = playbook.filter(|p| p.enabled && crate::playbook::is_event(p)) else {
        return Ok(0);
    };
    let now = instant_text(tx.now());
    let tasks: Vec<NewTask> =
        subjects.iter().flat_map(|s| (0..p.steps.len()).map(move |i| task_of(p, i, s, today))).collect();
    insert_counting_sent(tx, tasks, today, &now).await
}

/// The task of step `i` of `p` to the subject, due today, on the channel
/// the customer accepts (skipped, saying why, when none).
fn task_of<'a>(p: &'a Playbook, i: usize, subject: &'a Subject, today: Date) -> NewTask<'a> {
    let step = &p.steps[i];
    let chosen = rules::choose_channel(step, &subject.prefs, subject.reach);
    let (message, vars) = crate::run::message_of(&step.template, subject, today);
    let (status, reason) = match chosen {
        Some(_) => ("pending", String::new()),
        None => ("skipped", format!("{:?}", StopWhen::OptedOut).to_lowercase()),
    };
    NewTask {
        subject,
        playbook: p,
        step: i,
        channel: chosen.unwrap_or(step.channel),
        planned: step.channel,
        status,
        merged_into: None,
        reason,
        message,
        vars,
    }
}

/// Sends step `step` of a dated playbook to the subjects now, in the
/// caller's transaction, when its day came before its record allowed it (a
/// planned outage approved after its notices' lead day: the daily run of
/// that day found nothing to tell). The tasks take the key the daily run
/// gives them, so a run of a later day that finds them adds nothing.
/// Returns how many are new and go out.
pub async fn send_step_now_in(
    tx: &mut Tx,
    p: &Playbook,
    step: usize,
    subjects: &[Subject],
    today: Date,
) -> Result<usize, Failure> {
    if !p.enabled || step >= p.steps.len() || subjects.is_empty() {
        return Ok(0);
    }
    let now = instant_text(tx.now());
    let tasks: Vec<NewTask> = subjects.iter().map(|s| task_of(p, step, s, today)).collect();
    insert_counting_sent(tx, tasks, today, &now).await
}

/// Stores the tasks; returns how many are new and go out (the skipped ones
/// are stored apart, so the count of the others is the answer).
async fn insert_counting_sent(tx: &mut Tx, tasks: Vec<NewTask<'_>>, today: Date, now: &str) -> Result<usize, Failure> {
    let (going, skipped): (Vec<NewTask>, Vec<NewTask>) = tasks.into_iter().partition(|t| t.status == "pending");
    let sent = insert_tasks_counted(tx, &going, today, now).await?;
    insert_tasks_counted(tx, &skipped, today, now).await?;
    Ok(sent)
}
