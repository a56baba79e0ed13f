//! One message now to chosen customers, outside the playbooks: a survey's
//! links (each customer their own signed, single-use link) and a members'
//! event's invitations, by SMS or e-mail.
//!
//! Each message becomes an outreach task of its own (playbook `survey` or
//! `member_event`, step 0, the survey or event as its asset, anchored
//! today), so the dispatch sends it through the configured gateway — keeping
//! it for the end of the customer's quiet hours — and records it on the
//! customer's timeline; the task's key makes a second send of the same day a
//! no-op for those who have it already. Customers who do not accept the
//! channel, or have no number or address for it, are left out.

use crate::channels::template::Template;
use crate::dispatch::{self, Channels, Dispatched, SUBJECT};
use crate::playbook::Channel;
use crate::rules::{self, Reachable};
use jiff::civil::{Date, Time};
use kefu_care::customers::{self, Customer};
use kefu_care::members::Event;
use kefu_care::surveys::{self, Survey};
use kefu_core::ids::{BranchId, CustomerId, MemberEventId, SurveyId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

type Result<T> = std::result::Result<T, Failure>;

/// The playbook codes of the tasks these sends make; an Aliyun template
/// for them is configured under `survey.0` and `member_event.0`.
pub const SURVEY: &str = "survey";
pub const MEMBER_EVENT: &str = "member_event";

/// The most customers one send reaches.
pub const MAX_AUDIENCE: usize = 5000;

const SURVEY_TEXT: &str = "尊敬的{name}：感谢您选择{store}，请花一分钟填写「{survey}」：{link}";
const EVENT_TEXT: &str =
    "尊敬的{name}：{store}诚邀您参加会员活动「{event}」（{date}，限{capacity}人），报名请致电{phone}。";

/// Whom a message goes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    /// These customers, chosen from the list or a search.
    Customers(Vec<CustomerId>),
    /// Those who visited (a visit on their timeline) in the last `n` days
    /// (1 to 366).
    VisitedWithin(i64),
    /// The members of the event's store (event invitations only).
    Members,
}

/// What a send did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Sent {
    /// The customers chosen.
    pub chosen: i64,
    /// Messages queued now (and sent, unless in quiet hours: see `dispatched`).
    pub queued: i64,
    /// Customers who already had this message today.
    pub already: i64,
    /// Customers who do not accept the channel or cannot be reached on it.
    pub refused: i64,
    /// Event invitations: customers who are not members.
    pub not_members: i64,
    pub dispatched: Dispatched,
}

/// What a send is about.
enum About<'a> {
    Survey { survey: &'a Survey, key: Vec<u8>, links: &'a surveys::LinkSettings, base: &'a str },
    Event(&'a Event),
}

impl About<'_> {
    fn key(&self) -> (&'static str, i64) {
        match self {
            About::Survey { survey, .. } => (SURVEY, survey.id.0),
            About::Event(e) => (MEMBER_EVENT, e.id.0),
        }
    }
}

/// The channel a send goes out on: SMS or e-mail, with a gateway configured.
pub fn channel(channels: &Channels, code: &str) -> std::result::Result<Channel, Invalid> {
    let channel = Channel::from_code(code.trim()).filter(|c| matches!(c, Channel::Sms | Channel::Email));
    let Some(channel) = channel else {
        return Err(Invalid::new("channel", Rule::new("send_channel", "须为 短信 或 邮件", "must be SMS or e-mail")));
    };
    if !dispatch::configured(channels, channel.code()) {
        return Err(Invalid::new(
            "channel",
            Rule::new(
                "channel_not_configured",
                "该渠道尚未配置网关（kefu.toml 的 [sms] 或 [email]）",
                "no gateway is configured for this channel ([sms] or [email] in kefu.toml)",
            ),
        ));
    }
    Ok(channel)
}

/// The audience's customers in scope, at most [`MAX_AUDIENCE`].
async fn customers_of(
    db: &Db,
    scope: &Scope,
    audience: &Audience,
    store: BranchId,
    now: jiff::Timestamp,
) -> Result<Vec<Customer>> {
    let ids: Vec<CustomerId> = match audience {
        Audience::Customers(ids) => ids.clone(),
        Audience::VisitedWithin(days) => {
            let since = now - jiff::Span::new().hours(24 * (*days).clamp(1, 366));
            let sql = format!(
                "SELECT DISTINCT customer_id FROM timeline_events WHERE kind = 'visit' AND at >= $1 \
                 AND branch_id IN ({}) ORDER BY customer_id LIMIT {}",
                scope.sql_list(),
                MAX_AUDIENCE + 1
            );
            let found: Vec<i64> =
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(instant_text(since)).fetch_all(db.pool()).await?;
            found.into_iter().map(CustomerId).collect()
        }
        Audience::Members => {
            let sql = format!(
                "SELECT id FROM customers WHERE is_member = 1 AND branch_id = $1 AND merged_into IS NULL ORDER BY id LIMIT {}",
                MAX_AUDIENCE + 1
            );
            let found: Vec<i64> =
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(store.0).fetch_all(db.pool()).await?;
            found.into_iter().map(CustomerId).collect()
        }
    };
    if ids.is_empty() {
        return Err(Invalid::new(
            "customers",
            Rule::new("audience_empty", "没有符合条件的客户", "no customer matches"),
        )
        .into());
    }
    if ids.len() > MAX_AUDIENCE {
        return Err(Invalid::new(
            "customers",
            Rule::new(
                "audience_too_large",
                format!("一次最多发送给 {MAX_AUDIENCE} 位客户"),
                format!("one send reaches at most {MAX_AUDIENCE} customers"),
            ),
        )
        .into());
    }
    customers::many(db, scope, &ids).await
}

fn other(e: impl std::fmt::Display) -> Failure {
    kefu_store::StoreError::Other(e.to_string()).into()
}

/// Sends every chosen customer their own link to a survey by SMS or
/// e-mail; `base` is this server's address as customers reach it
/// (`https://kefu.example.com`).
pub async fn send_survey(
    db: &Db,
    actor: &Actor,
    channels: &Channels,
    (survey, channel_code): (SurveyId, &str),
    audience: &Audience,
    (base, links): (&str, &surveys::LinkSettings),
    when: (Date, jiff::Timestamp, Time),
) -> Result<Sent> {
    let survey = surveys::get(db, &actor.scope, survey).await?;
    let channel = channel(channels, channel_code)?;
    let people = customers_of(db, &actor.scope, audience, survey.branch_id, when.1).await?;
    let key = surveys::link_key(db).await?;
    let about = About::Survey { survey: &survey, key, links, base: base.trim_end_matches('/') };
    send(db, actor, channels, (&about, channel), &people, when).await
}

/// Invites members to an event by SMS or e-mail: the members of the event's
/// store, or those chosen (who are not members are left out).
pub async fn invite_to_event(
    db: &Db,
    actor: &Actor,
    channels: &Channels,
    (event, channel_code): (MemberEventId, &str),
    audience: &Audience,
    when: (Date, jiff::Timestamp, Time),
) -> Result<Sent> {
    let event = kefu_care::members::event(db, &actor.scope, event).await?;
    let channel = channel(channels, channel_code)?;
    let people = customers_of(db, &actor.scope, audience, event.branch_id, when.1).await?;
    send(db, actor, channels, (&About::Event(&event), channel), &people, when).await
}

/// Queues the message of each customer who accepts the channel, in one
/// audited transaction, then hands them to the dispatch.
async fn send(
    db: &Db,
    actor: &Actor,
    channels: &Channels,
    (about, channel): (&About<'_>, Channel),
    people: &[Customer],
    (today, now, local): (Date, jiff::Timestamp, Time),
) -> Result<Sent> {
    let stores = stores(db).await?;
    let mut sent = Sent { chosen: people.len() as i64, ..Default::default() };
    let mut tasks = Vec::new();
    let mut tx = db.begin().await?;
    for c in people {
        if matches!(about, About::Event(_)) && !c.is_member {
            sent.not_members += 1;
            continue;
        }
        let reach =
            Reachable { mobile: c.mobile.is_some(), email: !c.email.is_empty(), address: !c.address.is_empty() };
        if !rules::accepts(&c.preferences, reach, channel) {
            sent.refused += 1;
            continue;
        }
        let Some(task) = queue(&mut tx, c, about.key(), channel, (today, now)).await? else {
            sent.already += 1;
            continue;
        };
        let store = stores.get(&c.branch_id).cloned().unwrap_or_default();
        let mut vars = BTreeMap::from([("name".to_string(), c.name.clone()), ("store".to_string(), store.0)]);
        let text = match about {
            About::Survey { survey, key, links, base } => {
                let channel = channel.code();
                let owner = (c.branch_id, c.id);
                let i = surveys::invite_in(&mut tx, actor, survey, owner, channel, (key, links, now)).await?;
                vars.insert("survey".into(), survey.title.clone());
                vars.insert("link".into(), format!("{base}/s/{}", i.token));
                vars.insert(SUBJECT.into(), survey.title.clone());
                SURVEY_TEXT
            }
            About::Event(e) => {
                vars.insert("event".into(), e.title.clone());
                vars.insert("date".into(), e.starts_on.clone());
                vars.insert("capacity".into(), e.capacity.to_string());
                vars.insert("phone".into(), store.1);
                vars.insert(SUBJECT.into(), e.title.clone());
                EVENT_TEXT
            }
        };
        let known: Vec<&str> = vars.keys().map(String::as_str).collect();
        let message = Template::parse("message", text, &known)?.render(&vars).map_err(other)?;
        sqlx::query("UPDATE outreach_tasks SET message = $1, vars = $2 WHERE id = $3")
            .bind(message)
            .bind(serde_json::to_string(&vars).unwrap_or_default())
            .bind(task)
            .execute(tx.conn())
            .await?;
        tasks.push(task);
    }
    sent.queued = tasks.len() as i64;
    let (entity, id) = about.key();
    tx.audit(
        actor,
        Change {
            entity,
            entity_id: id.to_string(),
            action: "send",
            branch: None,
            old: None,
            new: Some(json!({ "channel": channel.code(), "chosen": sent.chosen, "queued": sent.queued,
                "already": sent.already, "refused": sent.refused, "not_members": sent.not_members })),
        },
    )
    .await?;
    tx.commit().await?;
    sent.dispatched = dispatch::send_tasks(db, actor, channels, channel.code(), &tasks, local).await?;
    Ok(sent)
}

/// Each store's name and telephone.
async fn stores(db: &Db) -> Result<HashMap<BranchId, (String, String)>> {
    let rows = sqlx::query("SELECT id, name, phone FROM branches").fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((BranchId(r.i64("id")?), (r.text("name")?, r.text("phone")?)))).collect()
}

/// Queues a customer's message unless they have it today; its id when new.
async fn queue(
    tx: &mut Tx,
    c: &Customer,
    (playbook, subject): (&str, i64),
    channel: Channel,
    (today, now): (Date, jiff::Timestamp),
) -> Result<Option<i64>> {
    let message = Queued { playbook, asset: (playbook, subject), channel: channel.code(), text: "", vars: "{}" };
    queue_in(tx, (c.branch_id, c.id), &message, (today, now)).await
}

/// A message queued outside the playbooks: the record it is about, the
/// channel's code (`sms`, `email`, `wechat`, `call`), its text (a call's
/// script) and its variables as JSON.
pub struct Queued<'a> {
    pub playbook: &'a str,
    /// (asset kind, asset id): one message per customer and record a day.
    pub asset: (&'a str, i64),
    pub channel: &'a str,
    pub text: &'a str,
    pub vars: &'a str,
}

/// Puts a message to the customer among the outreach tasks, due today, in
/// the caller's transaction, unless they have it already; its id when new.
/// The dispatch sends it ([`dispatch::send_tasks`]), or a call waits in the
/// queue.
pub async fn queue_in(
    tx: &mut Tx,
    (branch, customer): (BranchId, CustomerId),
    m: &Queued<'_>,
    (today, now): (Date, jiff::Timestamp),
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outreach_tasks (branch_id, customer_id, asset_kind, asset_id, playbook, step, anchor_date, due_date, \
         channel, planned_channel, priority, status, message, vars, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $7, $7, 0, 'pending', $8, $9, $10, $10) \
         ON CONFLICT (playbook, step, customer_id, asset_kind, asset_id, anchor_date) DO NOTHING RETURNING id",
    )
    .bind(branch.0)
    .bind(customer.0)
    .bind(m.asset.0.to_string())
    .bind(m.asset.1)
    .bind(m.playbook.to_string())
    .bind(today.to_string())
    .bind(m.channel.to_string())
    .bind(m.text.to_string())
    .bind(m.vars.to_string())
    .bind(instant_text(now))
    .fetch_optional(tx.conn())
    .await?)
}
