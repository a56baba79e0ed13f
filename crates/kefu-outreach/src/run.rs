//! The daily run: every playbook, for every subject whose anchor puts one
//! of its steps on the day, becomes a task — once. Tasks carry a unique key
//! (playbook, step, customer, asset, anchor day), so running the day again,
//! or on two servers against one PostgreSQL, creates nothing new.

use crate::channels::template::Template;
use crate::playbook::{Channel, Playbook, StopWhen};
use crate::rules::{self, Facts, Touch};
use crate::source::{AnchorSource, Subject};
use jiff::civil::Date;
use kefu_core::Actor;
use kefu_core::time::instant_text;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

type Result<T> = std::result::Result<T, Failure>;

/// What a run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub date: String,
    /// New tasks by playbook and channel.
    pub created: BTreeMap<String, BTreeMap<String, i64>>,
    pub created_total: i64,
    /// Touches folded into another touch to the same customer that day.
    pub merged: i64,
    /// Touches the customer accepts no channel for.
    pub opted_out: i64,
    /// Subjects whose cadence had ended (they came, or booked).
    pub stopped: i64,
    /// Touches that already existed from an earlier run.
    pub existing: i64,
    /// Playbooks whose anchor no installed capability provides yet.
    pub unsupported: Vec<String>,
}

/// One touch the run decided on, before it is stored.
struct Planned {
    playbook: usize,
    step: usize,
    subject: usize,
    channel: Option<Channel>,
}

/// Runs every enabled playbook for `today`. `progress` is told how many of
/// the playbooks are done.
pub async fn run(
    db: &Db,
    actor: &Actor,
    playbooks: &[Playbook],
    sources: &[&dyn AnchorSource],
    today: Date,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Summary> {
    let mut summary = Summary { date: today.to_string(), ..Summary::default() };
    let mut subjects: Vec<Subject> = Vec::new();
    let mut planned: Vec<Planned> = Vec::new();
    let enabled: Vec<&Playbook> = playbooks.iter().filter(|p| p.enabled && !crate::playbook::is_event(p)).collect();
    for (pi, p) in enabled.iter().enumerate() {
        progress(pi, enabled.len());
        let Some(source) = sources.iter().find(|s| s.anchors().contains(&p.anchor.as_str())) else {
            summary.unsupported.push(p.code.clone());
            continue;
        };
        for (offset, anchor) in rules::anchors_for(p, today) {
            let found = source.subjects(db, &p.anchor, anchor).await?;
            let booked = booked_subjects(db, &p.code, anchor).await?;
            for s in found {
                if p.members_only && !s.is_member {
                    continue;
                }
                if !p.visit_kinds.is_empty() && !s.visit_kind.as_ref().is_some_and(|k| p.visit_kinds.contains(k)) {
                    continue;
                }
                let facts = Facts {
                    last_visit: s.last_visit,
                    booked: booked.contains(&(s.customer.0, s.asset.map_or(0, |a| a.1))),
                    last_booking: s.last_booking,
                };
                if rules::stopped(p, anchor, &facts).is_some() {
                    summary.stopped += 1;
                    continue;
                }
                let si = subjects.len();
                for (step_index, step) in p.steps.iter().enumerate().filter(|(_, st)| st.offset_days == offset) {
                    let channel = rules::choose_channel(step, &s.prefs, s.reach);
                    planned.push(Planned { playbook: pi, step: step_index, subject: si, channel });
                }
                subjects.push(s);
            }
        }
    }
    progress(enabled.len(), enabled.len());

    // The daily cap: touches to one customer on one channel merge into the
    // one with the highest priority.
    let touches: Vec<Touch> = planned
        .iter()
        .enumerate()
        .filter_map(|(i, pl)| {
            pl.channel.map(|c| Touch {
                customer: subjects[pl.subject].customer.0,
                channel: c,
                priority: enabled[pl.playbook].priority,
                index: i,
            })
        })
        .collect();
    let merge_into = rules::merge_same_day(&touches);

    let mut tx = db.begin().await?;
    let now = instant_text(tx.now());
    // The playbooks of the touches each one carries, in the order planned.
    let mut carried: Vec<Vec<&str>> = vec![Vec::new(); touches.len()];
    for (o, keeper) in merge_into.iter().enumerate().filter(|(o, keeper)| o != *keeper) {
        carried[*keeper].push(enabled[planned[touches[o].index].playbook].name.as_str());
    }
    let task = |t: usize, status: &'static str, merged_into: Option<i64>, reason: String| {
        let pl = &planned[touches[t].index];
        let (p, s) = (enabled[pl.playbook], &subjects[pl.subject]);
        let step = &p.steps[pl.step];
        let (message, vars) = message_of(&step.template, s, today);
        NewTask {
            subject: s,
            playbook: p,
            step: pl.step,
            channel: touches[t].channel,
            planned: step.channel,
            status,
            merged_into,
            reason,
            message,
            vars,
        }
    };
    // Touches that go out first, so merged ones can point at them.
    let keepers: Vec<usize> = (0..touches.len()).filter(|t| merge_into[*t] == *t).collect();
    let going: Vec<NewTask> = keepers
        .iter()
        .map(|&t| {
            let also = &carried[t];
            task(t, "pending", None, if also.is_empty() { String::new() } else { format!("also: {}", also.join("; ")) })
        })
        .collect();
    let mut stored_id: HashMap<usize, i64> = HashMap::new();
    for ((&t, new_task), (id, new)) in keepers.iter().zip(&going).zip(insert_tasks(&mut tx, &going, today, &now).await?)
    {
        stored_id.insert(t, id);
        if new {
            *summary
                .created
                .entry(new_task.playbook.code.clone())
                .or_default()
                .entry(new_task.channel.code().to_string())
                .or_default() += 1;
            summary.created_total += 1;
        } else {
            summary.existing += 1;
        }
    }
    let merged: Vec<NewTask> = (0..touches.len())
        .filter(|t| merge_into[*t] != *t)
        .map(|t| task(t, "merged", stored_id.get(&merge_into[t]).copied(), String::new()))
        .collect();
    let added = insert_tasks_counted(&mut tx, &merged, today, &now).await?;
    summary.merged += added as i64;
    summary.existing += (merged.len() - added) as i64;
    // Touches nobody can receive are recorded too, so the effectiveness
    // report can say why a customer was not reached.
    let skipped: Vec<NewTask> = planned
        .iter()
        .filter(|pl| pl.channel.is_none())
        .map(|pl| {
            let (p, s) = (enabled[pl.playbook], &subjects[pl.subject]);
            let step = &p.steps[pl.step];
            NewTask {
                subject: s,
                playbook: p,
                step: pl.step,
                channel: step.channel,
                planned: step.channel,
                status: "skipped",
                merged_into: None,
                reason: format!("{:?}", StopWhen::OptedOut).to_lowercase(),
                message: String::new(),
                vars: "{}".into(),
            }
        })
        .collect();
    summary.opted_out += insert_tasks_counted(&mut tx, &skipped, today, &now).await? as i64;
    let added = summary.created_total + summary.merged + summary.opted_out;
    tx.analyze_grown("outreach_tasks", u64::try_from(added).unwrap_or(0)).await?;
    sqlx::query(
        "INSERT INTO outreach_runs (run_date, started_at, finished_at, created, summary) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(today.to_string())
    .bind(now.clone())
    .bind(instant_text(tx.now()))
    .bind(summary.created_total)
    .bind(serde_json::to_string(&summary).unwrap_or_default())
    .execute(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "outreach_run",
            entity_id: today.to_string(),
            action: "run",
            branch: None,
            old: None,
            new: Some(serde_json::to_value(&summary).unwrap_or_default()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// A step's message for a subject on a day, and the values it was filled
/// with (as JSON, for the task).
pub(crate) fn message_of(template: &str, s: &Subject, today: Date) -> (String, String) {
    let mut vars = s.vars.clone();
    vars.insert("anchor_date", s.anchor_date.to_string());
    vars.insert("due_date", s.anchor_date.to_string());
    vars.insert("today", today.to_string());
    (render(template, &vars), serde_json::to_string(&vars).unwrap_or_default())
}

/// A step's message for a subject. Templates were checked when the playbook
/// was loaded; a variable a subject has no value for (a customer-level
/// touch has no plate) is left empty.
fn render(template: &str, vars: &crate::source::Vars) -> String {
    match Template::parse("template", template, &crate::playbook::VARIABLES) {
        Ok(t) => t
            .fill(|name| Ok::<_, std::convert::Infallible>(vars.get(name).map_or("", String::as_str)))
            .unwrap_or_else(|never| match never {}),
        Err(_) => template.to_string(),
    }
}

/// Subjects of a playbook and anchor day for whom a call booked an
/// appointment: their cadence stops.
async fn booked_subjects(db: &Db, playbook: &str, anchor: Date) -> Result<HashSet<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT customer_id, asset_id FROM outreach_tasks WHERE playbook = $1 AND anchor_date = $2 AND outcome = 'reached_booked'",
    )
    .bind(playbook.to_string())
    .bind(anchor.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok((r.i64("customer_id")?, r.i64("asset_id")?))).collect()
}

/// A task to store: a step of a playbook for a subject, on a channel.
pub(crate) struct NewTask<'a> {
    pub subject: &'a Subject,
    pub playbook: &'a Playbook,
    pub step: usize,
    pub channel: Channel,
    /// The channel the step names, when the customer's preferences moved it.
    pub planned: Channel,
    pub status: &'static str,
    pub merged_into: Option<i64>,
    pub reason: String,
    pub message: String,
    pub vars: String,
}

/// The columns a new task is written with, in the order `insert_tasks` gives them.
pub const TASK_COLUMNS: [&str; 18] = [
    "branch_id",
    "customer_id",
    "asset_kind",
    "asset_id",
    "playbook",
    "step",
    "anchor_date",
    "due_date",
    "channel",
    "planned_channel",
    "priority",
    "status",
    "reason",
    "merged_into",
    "message",
    "vars",
    "created_at",
    "updated_at",
];

/// What makes a task once: running a day again finds it by this.
const TASK_KEY: &str = "playbook, step, customer_id, asset_kind, asset_id, anchor_date";

type TaskKey = (String, i64, i64, String, i64, String);

fn key_of(t: &NewTask<'_>) -> TaskKey {
    let (asset_kind, asset_id) = t.subject.asset.unwrap_or(("", 0));
    (
        t.playbook.code.clone(),
        t.step as i64,
        t.subject.customer.0,
        asset_kind.to_string(),
        asset_id,
        t.subject.anchor_date.to_string(),
    )
}

/// Stores each task unless its key exists, in as few statements as the
/// database takes (a day's run stores tens of thousands: one statement
/// each was most of its time); returns, in order, each task's id and
/// whether it is new.
pub(crate) async fn insert_tasks(
    tx: &mut kefu_store::Tx,
    tasks: &[NewTask<'_>],
    today: Date,
    now: &str,
) -> Result<Vec<(i64, bool)>> {
    let rows = task_rows(tasks, today, now);
    let tail = format!("ON CONFLICT ({TASK_KEY}) DO NOTHING RETURNING id, {TASK_KEY}");
    let mut made: HashMap<TaskKey, i64> = HashMap::new();
    for r in bulk::insert(tx.conn(), "outreach_tasks", &TASK_COLUMNS, rows, &tail).await? {
        let key = (
            r.text("playbook")?,
            r.i64("step")?,
            r.i64("customer_id")?,
            r.text("asset_kind")?,
            r.i64("asset_id")?,
            r.text("anchor_date")?,
        );
        made.insert(key, r.i64("id")?);
    }
    let mut stored = Vec::with_capacity(tasks.len());
    for t in tasks {
        let key = key_of(t);
        // The first task of a key made it; any other found it there.
        match made.remove(&key) {
            Some(id) => stored.push((id, true)),
            None => stored.push((existing_task(tx, &key).await?, false)),
        }
    }
    Ok(stored)
}

/// [`insert_tasks`] for a caller that needs to know only how many of the
/// tasks are new, not their ids: nothing is read back (a billing run's
/// hundred thousand bill notices took longer to read back than to write).
pub(crate) async fn insert_tasks_counted(
    tx: &mut kefu_store::Tx,
    tasks: &[NewTask<'_>],
    today: Date,
    now: &str,
) -> Result<usize> {
    let rows = task_rows(tasks, today, now);
    let tail = format!("ON CONFLICT ({TASK_KEY}) DO NOTHING");
    let added = bulk::insert_counted(tx.conn(), "outreach_tasks", &TASK_COLUMNS, rows, &tail).await?;
    Ok(usize::try_from(added).unwrap_or(usize::MAX))
}

/// The tasks' rows, in the order of [`TASK_COLUMNS`].
fn task_rows(tasks: &[NewTask<'_>], today: Date, now: &str) -> Vec<Vec<Cell>> {
    tasks
        .iter()
        .map(|t| {
            let (asset_kind, asset_id) = t.subject.asset.unwrap_or(("", 0));
            vec![
                Cell::from(t.subject.branch.0),
                Cell::from(t.subject.customer.0),
                Cell::from(asset_kind),
                Cell::from(asset_id),
                Cell::from(t.playbook.code.as_str()),
                Cell::from(t.step as i64),
                Cell::from(t.subject.anchor_date.to_string()),
                Cell::from(today.to_string()),
                Cell::from(t.channel.code()),
                Cell::from(t.planned.code()),
                Cell::from(t.playbook.priority),
                Cell::from(t.status),
                Cell::from(t.reason.as_str()),
                Cell::from(t.merged_into),
                Cell::from(t.message.as_str()),
                Cell::from(t.vars.as_str()),
                Cell::from(now),
                Cell::from(now),
            ]
        })
        .collect()
}

/// The id of the task stored under `key`.
async fn existing_task(
    tx: &mut kefu_store::Tx,
    (playbook, step, customer, asset_kind, asset_id, anchor): &TaskKey,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM outreach_tasks WHERE playbook = $1 AND step = $2 AND customer_id = $3 AND asset_kind = $4 \
         AND asset_id = $5 AND anchor_date = $6",
    )
    .bind(playbook.clone())
    .bind(*step)
    .bind(*customer)
    .bind(asset_kind.clone())
    .bind(*asset_id)
    .bind(anchor.clone())
    .fetch_one(tx.conn())
    .await?)
}
