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
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

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

    let now = instant_text(jiff::Timestamp::now());
    let mut tx = db.begin().await?;
    // Touches that go out first, so merged ones can point at them.
    let mut stored_id: BTreeMap<usize, i64> = BTreeMap::new();
    let order: Vec<usize> = (0..touches.len())
        .filter(|t| merge_into[*t] == *t)
        .chain((0..touches.len()).filter(|t| merge_into[*t] != *t))
        .collect();
    for t in order {
        let touch = &touches[t];
        let pl = &planned[touch.index];
        let (p, s) = (enabled[pl.playbook], &subjects[pl.subject]);
        let step = &p.steps[pl.step];
        let keeper = merge_into[t];
        let (status, merged_into, reason) = if keeper == t {
            let also: Vec<&str> = (0..touches.len())
                .filter(|o| *o != t && merge_into[*o] == t)
                .map(|o| enabled[planned[touches[o].index].playbook].name.as_str())
                .collect();
            ("pending", None, if also.is_empty() { String::new() } else { format!("also: {}", also.join("; ")) })
        } else {
            ("merged", stored_id.get(&keeper).copied(), String::new())
        };
        let (message, vars_json) = message_of(&step.template, s, today);
        let (id, new) = insert_task(
            &mut tx,
            s,
            p,
            pl.step,
            today,
            touch.channel,
            step.channel,
            status,
            merged_into,
            &reason,
            (message.as_str(), vars_json.as_str()),
            &now,
        )
        .await?;
        stored_id.insert(t, id);
        if new {
            if status == "merged" {
                summary.merged += 1;
            } else {
                *summary
                    .created
                    .entry(p.code.clone())
                    .or_default()
                    .entry(touch.channel.code().to_string())
                    .or_default() += 1;
                summary.created_total += 1;
            }
        } else {
            summary.existing += 1;
        }
    }
    // Touches nobody can receive are recorded too, so the effectiveness
    // report can say why a customer was not reached.
    for pl in planned.iter().filter(|pl| pl.channel.is_none()) {
        let (p, s) = (enabled[pl.playbook], &subjects[pl.subject]);
        let step = &p.steps[pl.step];
        let (_, new) = insert_task(
            &mut tx,
            s,
            p,
            pl.step,
            today,
            step.channel,
            step.channel,
            "skipped",
            None,
            &format!("{:?}", StopWhen::OptedOut).to_lowercase(),
            ("", "{}"),
            &now,
        )
        .await?;
        if new {
            summary.opted_out += 1;
        }
    }
    sqlx::query(
        "INSERT INTO outreach_runs (run_date, started_at, finished_at, created, summary) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(today.to_string())
    .bind(now.clone())
    .bind(instant_text(jiff::Timestamp::now()))
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
    let mut values: std::collections::BTreeMap<String, String> =
        crate::playbook::VARIABLES.iter().map(|v| (v.to_string(), String::new())).collect();
    values.extend(vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Template::parse("template", template, &crate::playbook::VARIABLES)
        .ok()
        .and_then(|t| t.render(&values).ok())
        .unwrap_or_else(|| template.to_string())
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

/// Inserts a task unless its key exists; returns its id and whether it is new.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_task(
    tx: &mut kefu_store::Tx,
    s: &Subject,
    p: &Playbook,
    step: usize,
    today: Date,
    channel: Channel,
    planned: Channel,
    status: &str,
    merged_into: Option<i64>,
    reason: &str,
    (message, vars): (&str, &str),
    now: &str,
) -> Result<(i64, bool)> {
    let (asset_kind, asset_id) = s.asset.map_or(("", 0), |(k, id)| (k, id));
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO outreach_tasks (branch_id, customer_id, asset_kind, asset_id, playbook, step, anchor_date, due_date, \
         channel, planned_channel, priority, status, reason, merged_into, message, vars, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) \
         ON CONFLICT (playbook, step, customer_id, asset_kind, asset_id, anchor_date) DO NOTHING RETURNING id",
    )
    .bind(s.branch.0)
    .bind(s.customer.0)
    .bind(asset_kind.to_string())
    .bind(asset_id)
    .bind(p.code.clone())
    .bind(step as i64)
    .bind(s.anchor_date.to_string())
    .bind(today.to_string())
    .bind(channel.code())
    .bind(planned.code())
    .bind(p.priority)
    .bind(status.to_string())
    .bind(reason.to_string())
    .bind(merged_into)
    .bind(message.to_string())
    .bind(vars.to_string())
    .bind(now.to_string())
    .fetch_optional(tx.conn())
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM outreach_tasks WHERE playbook = $1 AND step = $2 AND customer_id = $3 AND asset_kind = $4 \
         AND asset_id = $5 AND anchor_date = $6",
    )
    .bind(p.code.clone())
    .bind(step as i64)
    .bind(s.customer.0)
    .bind(asset_kind.to_string())
    .bind(asset_id)
    .bind(s.anchor_date.to_string())
    .fetch_one(tx.conn())
    .await?;
    Ok((id, false))
}
