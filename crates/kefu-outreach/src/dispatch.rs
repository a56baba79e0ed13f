//! Sending the day's messages: pending SMS, e-mails and WeChat messages go out through the
//! configured gateways (not during a customer's quiet hours), and pending
//! letters become one PDF to print. Each result is written back to its task
//! and to the customer's timeline.

use crate::channels::email::EmailChannel;
use crate::channels::letter::LetterChannel;
use crate::channels::sms::SmsChannel;
use crate::channels::wechat::WechatChannel;
use crate::channels::{Channel, Delivery, Letterhead, Message, Outcome, Recipient};
use crate::playbook;
use jiff::civil::{Date, Time};
use kefu_care::preferences::PreferencesInput;
use kefu_care::timeline::{self, NewEvent};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

type Result<T> = std::result::Result<T, Failure>;

/// The channels this installation has configured.
#[derive(Default)]
pub struct Channels {
    pub letters: Option<LetterChannel>,
    pub sms: Option<SmsChannel>,
    pub email: Option<EmailChannel>,
    /// WeChat Official Account template messages (`[wechat]` in kefu.toml).
    pub wechat: Option<WechatChannel>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Dispatched {
    pub sent: i64,
    pub failed: i64,
    /// Will be tried again (a gateway was unreachable).
    pub retry: i64,
    /// Waiting for the end of the customer's quiet hours.
    pub quiet: i64,
    /// Channels with pending messages but no gateway configured.
    pub not_configured: Vec<String>,
}

/// A pending task with what it takes to send it.
struct Pending {
    id: i64,
    branch: BranchId,
    customer: CustomerId,
    playbook: String,
    step: i64,
    name: String,
    mobile: Option<String>,
    email: String,
    address: String,
    openid: Option<String>,
    message: String,
    vars: BTreeMap<String, String>,
    quiet_start: String,
    quiet_end: String,
    letterhead: Letterhead,
}

/// Whose messages go out: everyone's due, or one customer's (those an
/// event just made, with whatever else of theirs is due).
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    Everyone,
    Customer(CustomerId),
}

/// Which pending tasks to send.
#[derive(Clone, Copy)]
enum Which<'a> {
    /// Those due by this day, of everyone or of one customer.
    Due(Date, Whose),
    /// These, just queued.
    Tasks(&'a [i64]),
    /// The day's letters: those due by this day not yet printed, and those
    /// printed since this instant (the start of the day).
    Day(Date, jiff::Timestamp),
}

async fn pending(db: &Db, scope: &Scope, channel: &str, which: Which<'_>) -> Result<Vec<Pending>> {
    let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let pending = "t.status = 'pending'".to_string();
    let (due, status, chosen) = match which {
        Which::Due(today, Whose::Everyone) => (today.to_string(), pending, String::new()),
        Which::Due(today, Whose::Customer(c)) => (today.to_string(), pending, format!(" AND t.customer_id = {}", c.0)),
        Which::Tasks(ids) => ("9999-12-31".to_string(), pending, format!(" AND t.id IN ({})", list(ids))),
        // An instant we wrote ourselves, never user text.
        Which::Day(today, since) => (
            today.to_string(),
            format!("(t.status = 'pending' OR (t.status = 'printed' AND t.updated_at >= '{}'))", instant_text(since)),
            String::new(),
        ),
    };
    let sql = format!(
        "SELECT t.id, t.branch_id, t.customer_id, t.playbook, t.step, t.message, t.vars, c.name, c.mobile, c.email, \
         c.address, c.wechat_openid, c.quiet_start, c.quiet_end, b.name AS store, b.address AS store_address, b.phone AS store_phone \
         FROM outreach_tasks t JOIN customers c ON c.id = t.customer_id JOIN branches b ON b.id = t.branch_id \
         WHERE t.channel = $1 AND {status} AND t.due_date <= $2{chosen} AND t.branch_id IN ({}) \
         ORDER BY t.id LIMIT 5000",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(channel.to_string()).bind(due).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(Pending {
                id: r.i64("id")?,
                branch: BranchId(r.i64("branch_id")?),
                customer: CustomerId(r.i64("customer_id")?),
                playbook: r.text("playbook")?,
                step: r.i64("step")?,
                name: r.text("name")?,
                mobile: r.opt_text("mobile")?,
                email: r.text("email")?,
                address: r.text("address")?,
                openid: r.opt_text("wechat_openid")?,
                message: r.text("message")?,
                vars: serde_json::from_str(&r.text("vars")?).unwrap_or_default(),
                quiet_start: r.text("quiet_start")?,
                quiet_end: r.text("quiet_end")?,
                letterhead: Letterhead {
                    name: r.text("store")?,
                    address: r.text("store_address")?,
                    phone: r.text("store_phone")?,
                },
            })
        })
        .collect()
}

/// The subject of a task's e-mail or letter: its playbook's title for the
/// customer (the centre's name for a playbook, "流失客户招揽", is not for
/// the customer's eyes), or for a message sent outside the playbooks
/// ([`crate::sends`]) the subject it carries.
fn subject(p: &Pending, playbooks: &[playbook::Playbook]) -> String {
    playbooks
        .iter()
        .find(|b| b.code == p.playbook)
        .map(|b| if b.title.is_empty() { b.name.clone() } else { b.title.clone() })
        .or_else(|| p.vars.get(SUBJECT).cloned())
        .unwrap_or_default()
}

/// The variable holding the subject of a message sent outside the playbooks.
pub const SUBJECT: &str = "subject";

fn message(p: &Pending, to: Recipient, subject: String) -> Message {
    Message {
        task_id: p.id,
        from: p.letterhead.clone(),
        to,
        subject,
        body: p.message.clone(),
        // The template key an SMS provider's approved template is mapped from.
        template: format!("{}.{}", p.playbook, p.step),
        vars: p.vars.clone(),
    }
}

fn is_quiet(p: &Pending, now: Time) -> bool {
    let prefs =
        PreferencesInput { quiet_start: p.quiet_start.clone(), quiet_end: p.quiet_end.clone(), ..Default::default() };
    prefs.validate().map(|q| q.is_quiet(now)).unwrap_or(false)
}

/// Sends the pending SMS, e-mails and WeChat messages due by `today` within
/// `scope`, of everyone or of one customer.
pub async fn send_messages(
    db: &Db,
    actor: &Actor,
    channels: &Channels,
    playbooks: &[playbook::Playbook],
    whose: Whose,
    today: Date,
    now: Time,
) -> Result<Dispatched> {
    let mut summary = Dispatched::default();
    for kind in ["sms", "email", "wechat"] {
        send(db, actor, channels, (kind, Which::Due(today, whose)), playbooks, now, &mut summary).await?;
    }
    Ok(summary)
}

/// Sends these pending tasks of one channel (`sms`, `email` or `wechat`) now, but
/// not during their customers' quiet hours: those wait for the next send.
pub async fn send_tasks(
    db: &Db,
    actor: &Actor,
    channels: &Channels,
    kind: &str,
    tasks: &[i64],
    now: Time,
) -> Result<Dispatched> {
    let mut summary = Dispatched::default();
    if !tasks.is_empty() {
        send(db, actor, channels, (kind, Which::Tasks(tasks)), &[], now, &mut summary).await?;
    }
    Ok(summary)
}

/// Whether this installation has a gateway for the channel (`sms`, `email`, `wechat`).
pub fn configured(channels: &Channels, kind: &str) -> bool {
    gateway(channels, kind).is_some()
}

fn gateway<'a>(channels: &'a Channels, kind: &str) -> Option<&'a dyn Channel> {
    match kind {
        "sms" => channels.sms.as_ref().map(|c| c as &dyn Channel),
        "email" => channels.email.as_ref().map(|c| c as &dyn Channel),
        "wechat" => channels.wechat.as_ref().map(|c| c as &dyn Channel),
        _ => None,
    }
}

async fn send(
    db: &Db,
    actor: &Actor,
    channels: &Channels,
    (kind, which): (&str, Which<'_>),
    playbooks: &[playbook::Playbook],
    now: Time,
    summary: &mut Dispatched,
) -> Result<()> {
    let tasks = pending(db, &actor.scope, kind, which).await?;
    if tasks.is_empty() {
        return Ok(());
    }
    let Some(channel) = gateway(channels, kind) else {
        summary.not_configured.push(kind.to_string());
        return Ok(());
    };
    let (waiting, ready): (Vec<&Pending>, Vec<&Pending>) = tasks.iter().partition(|p| is_quiet(p, now));
    summary.quiet += waiting.len() as i64;
    let messages: Vec<Message> = ready
        .iter()
        .map(|p| match kind {
            "sms" => message(p, Recipient::Mobile(p.mobile.clone().unwrap_or_default()), String::new()),
            "wechat" => {
                message(p, Recipient::Wechat { openid: p.openid.clone().unwrap_or_default() }, subject(p, playbooks))
            }
            _ => message(p, Recipient::Email { name: p.name.clone(), address: p.email.clone() }, subject(p, playbooks)),
        })
        .collect();
    let results = channel.deliver(&messages).await;
    record(db, actor, (kind, db.now()), &ready, &results, summary).await
}

/// The letters of these tasks, to their postal addresses.
fn letters_to(tasks: &[Pending], playbooks: &[playbook::Playbook]) -> Vec<Message> {
    tasks
        .iter()
        .map(|p| {
            message(p, Recipient::Postal { name: p.name.clone(), address: p.address.clone() }, subject(p, playbooks))
        })
        .collect()
}

/// The day's letters within `scope` as one PDF to download, one letter a
/// page: those due by `today` not yet printed, and those printed since
/// `day_start`, so a lost download can be printed again. Changes nothing.
/// None when there are none.
pub async fn letters_of_the_day(
    db: &Db,
    scope: &Scope,
    letters: &LetterChannel,
    playbooks: &[playbook::Playbook],
    (today, day_start): (Date, jiff::Timestamp),
) -> Result<Option<Vec<u8>>> {
    let tasks = pending(db, scope, "letter", Which::Day(today, day_start)).await?;
    let messages = letters_to(&tasks, playbooks);
    letters.preview(&messages).await.map_err(|e| Failure::Store(kefu_store::StoreError::Other(e.reason)))
}

/// Marks the pending letters due by `today` within `scope` printed, at
/// `now`: they are written into one PDF in the letter folder (the print
/// room's), one letter a page, and go on the customers' timelines. None
/// when there are none.
pub async fn print_letters(
    db: &Db,
    actor: &Actor,
    letters: &LetterChannel,
    playbooks: &[playbook::Playbook],
    (today, now): (Date, jiff::Timestamp),
) -> Result<Option<PathBuf>> {
    let tasks = pending(db, &actor.scope, "letter", Which::Due(today, Whose::Everyone)).await?;
    if tasks.is_empty() {
        return Ok(None);
    }
    let refs: Vec<&Pending> = tasks.iter().collect();
    let messages = letters_to(&tasks, playbooks);
    let results = letters.deliver(&messages).await;
    let mut summary = Dispatched::default();
    record(db, actor, ("letter", now), &refs, &results, &mut summary).await?;
    Ok(results.iter().find_map(|d| match &d.outcome {
        Outcome::Printed { file, .. } => Some(file.clone()),
        _ => None,
    }))
}

/// Writes each delivery back to its task and the customer's timeline, in one
/// audited transaction.
async fn record(
    db: &Db,
    actor: &Actor,
    (kind, at): (&str, jiff::Timestamp),
    tasks: &[&Pending],
    results: &[Delivery],
    summary: &mut Dispatched,
) -> Result<()> {
    let now = instant_text(at);
    let mut tx = db.begin().await?;
    for d in results {
        let Some(task) = tasks.iter().find(|t| t.id == d.task_id) else { continue };
        let (status, reference, note) = match &d.outcome {
            Outcome::Sent { reference } => ("sent", reference.clone(), String::new()),
            Outcome::Printed { file, page } => ("printed", format!("{}#{page}", file.display()), String::new()),
            Outcome::Failed(e) if e.retry => ("pending", String::new(), e.reason.clone()),
            Outcome::Failed(e) => ("failed", String::new(), e.reason.clone()),
        };
        match status {
            "pending" => summary.retry += 1,
            "failed" => summary.failed += 1,
            _ => summary.sent += 1,
        }
        sqlx::query(
            "UPDATE outreach_tasks SET status = $1, provider_ref = $2, notes = $3, attempts = attempts + 1, updated_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind((!reference.is_empty()).then_some(reference))
        .bind(note.clone())
        .bind(now.clone())
        .bind(task.id)
        .execute(tx.conn())
        .await?;
        if status == "sent" || status == "printed" {
            timeline::record(
                &mut tx,
                NewEvent {
                    branch: task.branch,
                    customer: task.customer,
                    asset: None,
                    at,
                    kind,
                    summary: task.message.clone(),
                    detail: json!({ "playbook": task.playbook, "task": task.id }),
                    actor: &actor.display_name,
                },
            )
            .await?;
        }
    }
    tx.audit(
        actor,
        Change {
            entity: "dispatch",
            entity_id: kind.to_string(),
            action: "send",
            branch: None,
            old: None,
            new: Some(
                json!({ "channel": kind, "sent": summary.sent, "failed": summary.failed, "retry": summary.retry }),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
