//! Notices as stored (migration 0058): drafted to an estate with the
//! buildings or houses they address, then sent — one delivery per house and
//! channel, each message an outreach task about the delivery (asset kind
//! [`ASSET`]) under the notice playbook (`kefu_outreach::calls::NOTICE_PLAYBOOK`),
//! so the dispatch sends SMS, e-mail and WeChat messages through the
//! configured gateways and records them, and calls wait in the call queue.
//! A delivery's state is read from its tasks ([`super::state_of`]).

use super::{Addressed, CHANNELS, DeliveryState, Message, NoticeInput, STATES, ValidNotice, reason, state_of};
use crate::archive::{Estate, House};
use crate::desk::house_in;
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Permission, Rule, Scope};
use kefu_outreach::calls::NOTICE_PLAYBOOK;
use kefu_outreach::dispatch::{self, Channels, Dispatched, SUBJECT};
use kefu_outreach::playbook::Channel;
use kefu_outreach::rules::{self, Reachable};
use kefu_outreach::sends::{Queued, queue_in};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

type Result<T> = std::result::Result<T, Failure>;

/// The asset kind of a notice's outreach tasks: the delivery's id is the
/// asset's.
pub const ASSET: &str = "estate_notice_delivery";

/// A notice as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Notice {
    pub id: i64,
    pub branch_id: BranchId,
    pub estate: String,
    pub estate_name: String,
    pub title: String,
    pub body: String,
    pub kind: String,
    pub effective_from: String,
    pub effective_until: Option<String>,
    /// estate | buildings | houses
    pub addressed_to: String,
    pub channels: Vec<String>,
    /// draft | sent
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub sent_by: Option<String>,
    pub sent_at: Option<String>,
}

const COLUMNS: &str = "n.id, n.branch_id, b.code AS estate, b.name AS estate_name, n.title, n.body, n.kind, \
     n.effective_from, n.effective_until, n.addressed_to, n.channels, n.status, n.created_by, n.created_at, \
     n.sent_by, n.sent_at";

fn notice_from(r: &sqlx::any::AnyRow) -> Result<Notice> {
    Ok(Notice {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        estate: r.text("estate")?,
        estate_name: r.text("estate_name")?,
        title: r.text("title")?,
        body: r.text("body")?,
        kind: r.text("kind")?,
        effective_from: r.text("effective_from")?,
        effective_until: r.opt_text("effective_until")?,
        addressed_to: r.text("addressed_to")?,
        channels: r.text("channels")?.split(',').filter(|c| !c.is_empty()).map(String::from).collect(),
        status: r.text("status")?,
        created_by: r.text("created_by")?,
        created_at: r.text("created_at")?,
        sent_by: r.opt_text("sent_by")?,
        sent_at: r.opt_text("sent_at")?,
    })
}

impl Notice {
    /// The days it is about, as the notice and its messages write them.
    pub fn days(&self) -> String {
        match &self.effective_until {
            Some(u) if *u != self.effective_from => format!("{} 至 {u}", self.effective_from),
            _ => self.effective_from.clone(),
        }
    }
}

/// Drafts a notice to `estate` (EstateWork): the buildings named must be
/// the estate's and the houses found in it, else the field is refused and
/// nothing is written. Returns its id.
pub async fn create(db: &Db, actor: &Actor, estate: &Estate, input: &NoticeInput, now: Timestamp) -> Result<i64> {
    actor.scope.check(estate.branch_id)?;
    let v = input.validate()?;
    let mut tx = db.begin().await?;
    let at = instant_text(now);
    let insert = sqlx::query(
        "INSERT INTO estate_notices (branch_id, title, body, kind, effective_from, effective_until, addressed_to, \
         channels, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10) RETURNING id",
    )
    .bind(estate.branch_id.0);
    let id = with_fields(insert, &v).bind(actor.display_name.clone()).bind(at).fetch_one(tx.conn()).await?.i64("id")?;
    address_in(&mut tx, estate, id, &v.addressed).await?;
    let change = Change {
        entity: "estate_notice",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(estate.branch_id),
        old: None,
        new: Some(
            json!({ "title": v.title, "kind": v.kind, "addressed_to": v.addressed.code(), "names": v.addressed.names(), "channels": v.channels }),
        ),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// Binds a notice's own fields, in the order its INSERT and UPDATE name
/// them after their first parameter.
fn with_fields<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: &ValidNotice,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(v.title.clone())
        .bind(v.body.clone())
        .bind(v.kind)
        .bind(v.effective_from.to_string())
        .bind(v.effective_until.map(|d| d.to_string()))
        .bind(v.addressed.code())
        .bind(v.channels.join(","))
}

/// Writes whom a notice addresses: its buildings or houses, each named as
/// the desk types it and refused by field when the estate has none such.
async fn address_in(tx: &mut kefu_store::Tx, estate: &Estate, id: i64, addressed: &Addressed) -> Result<()> {
    match addressed {
        Addressed::Estate => {}
        Addressed::Buildings(codes) => {
            for code in codes {
                let building: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM estate_buildings WHERE branch_id = $1 AND code = $2")
                        .bind(estate.branch_id.0)
                        .bind(code.clone())
                        .fetch_optional(tx.conn())
                        .await?;
                let Some(building) = building else {
                    return Err(Invalid::new(
                        "buildings",
                        Rule::new(
                            "unknown_building",
                            format!("本小区没有楼栋 {code}"),
                            format!("this estate has no building {code}"),
                        ),
                    )
                    .into());
                };
                target(tx, id, Some(building), None).await?;
            }
        }
        Addressed::Houses(numbers) => {
            for no in numbers {
                let house = house_in(tx, estate, no).await.map_err(|e| match e {
                    Failure::Invalid(i) => Failure::Invalid(Invalid::new(
                        "houses",
                        Rule::new(i.rule.code, format!("{no}：{}", i.rule.zh), format!("{no}: {}", i.rule.en)),
                    )),
                    other => other,
                })?;
                target(tx, id, None, Some(house)).await?;
            }
        }
    }
    Ok(())
}

/// Rewrites a draft — its text, dates, channels and whom it addresses —
/// checked as a new one is; a notice sent stands as it went out.
pub async fn update(db: &Db, actor: &Actor, id: i64, input: &NoticeInput) -> Result<()> {
    let old = get(db, &actor.scope, id).await?;
    let v = input.validate()?;
    let estate = crate::archive::estate(db, &actor.scope, &old.estate).await?;
    let mut tx = db.begin().await?;
    let rewrite = sqlx::query(
        "UPDATE estate_notices SET title = $2, body = $3, kind = $4, effective_from = $5, effective_until = $6, \
         addressed_to = $7, channels = $8 WHERE id = $1 AND status = 'draft'",
    )
    .bind(id);
    let changed = with_fields(rewrite, &v).execute(tx.conn()).await?.rows_affected();
    if changed == 0 {
        return Err(Failure::Conflict(Rule::new("notice_sent", "该通知已发送", "this notice was sent already")));
    }
    sqlx::query("DELETE FROM estate_notice_targets WHERE notice_id = $1").bind(id).execute(tx.conn()).await?;
    address_in(&mut tx, &estate, id, &v.addressed).await?;
    let change = Change {
        entity: "estate_notice",
        entity_id: id.to_string(),
        action: "update",
        branch: Some(estate.branch_id),
        old: Some(
            json!({ "title": old.title, "kind": old.kind, "addressed_to": old.addressed_to, "channels": old.channels }),
        ),
        new: Some(
            json!({ "title": v.title, "kind": v.kind, "addressed_to": v.addressed.code(), "names": v.addressed.names(), "channels": v.channels }),
        ),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a building or a house to those a notice addresses, once.
async fn target(tx: &mut kefu_store::Tx, notice: i64, building: Option<i64>, house: Option<i64>) -> Result<()> {
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM estate_notice_targets WHERE notice_id = $1 \
         AND COALESCE(building_id, 0) = $2 AND COALESCE(house_id, 0) = $3",
    )
    .bind(notice)
    .bind(building.unwrap_or(0))
    .bind(house.unwrap_or(0))
    .fetch_one(tx.conn())
    .await?;
    if already == 0 {
        sqlx::query("INSERT INTO estate_notice_targets (notice_id, building_id, house_id) VALUES ($1, $2, $3)")
            .bind(notice)
            .bind(building)
            .bind(house)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// A notice by id, if its estate lies in the scope.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Notice> {
    let sql = format!(
        "SELECT {COLUMNS} FROM estate_notices n JOIN branches b ON b.id = n.branch_id \
         WHERE n.id = $1 AND n.branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(notice_from).transpose()?.ok_or(Failure::NotFound)
}

/// The notices in scope (of one estate), newest first.
pub async fn list(db: &Db, scope: &Scope, estate: Option<BranchId>) -> Result<Vec<Notice>> {
    let one = estate.map(|e| format!(" AND n.branch_id = {}", e.0)).unwrap_or_default();
    let sql = format!(
        "SELECT {COLUMNS} FROM estate_notices n JOIN branches b ON b.id = n.branch_id \
         WHERE n.branch_id IN ({}){one} ORDER BY n.id DESC LIMIT 500",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(notice_from).collect()
}

/// The buildings' codes or the houses' numbers a notice addresses.
pub async fn targets(db: &Db, notice: &Notice) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT x.code, h.number FROM estate_notice_targets t LEFT JOIN estate_buildings x ON x.id = t.building_id \
         LEFT JOIN estate_houses h ON h.id = t.house_id WHERE t.notice_id = $1 ORDER BY x.code, h.sort_key",
    )
    .bind(notice.id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.opt_text("code")?.or(r.opt_text("number")?).unwrap_or_default())).collect()
}

/// The condition on houses `h` a notice addresses: every home of the
/// estate (not its parking spaces: their holders are told at home), the
/// houses of its buildings, or its houses. Binds the notice's id as $1.
fn addressed_houses(notice: &Notice) -> String {
    match notice.addressed_to.as_str() {
        "estate" => format!("h.branch_id = {} AND h.kind <> 'parking_space'", notice.branch_id.0),
        "buildings" => "h.building_id IN (SELECT building_id FROM estate_notice_targets WHERE notice_id = $1)".into(),
        _ => "h.id IN (SELECT house_id FROM estate_notice_targets WHERE notice_id = $1)".into(),
    }
}

/// The houses a notice addresses: (id, number), in natural order.
pub async fn houses(db: &Db, notice: &Notice) -> Result<Vec<(i64, String)>> {
    let sql = format!(
        "SELECT h.id, h.number FROM estate_houses h WHERE h.branch_id = {} AND ({}) AND $1 = $1 ORDER BY h.sort_key",
        notice.branch_id.0,
        addressed_houses(notice)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(notice.id).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.i64("id")?, r.text("number")?))).collect()
}

/// A house's person as a notice reaches them.
struct Person {
    house: i64,
    customer: CustomerId,
    name: String,
    prefs: kefu_care::preferences::Preferences,
    reach: Reachable,
    openid: bool,
}

impl Person {
    /// Whether they can be reached on the channel and accept it. Following
    /// the company's Official Account is their consent to its messages.
    fn accepts(&self, channel: &str) -> bool {
        match channel {
            "wechat" => self.openid,
            c => Channel::from_code(c).is_some_and(|ch| rules::accepts(&self.prefs, self.reach, ch)),
        }
    }

    /// Whether they have an address on the channel at all.
    fn has(&self, channel: &str) -> bool {
        match channel {
            "sms" | "call" => self.reach.mobile,
            "email" => self.reach.email,
            _ => self.openid,
        }
    }
}

/// The people of the addressed houses who live there now (owners first),
/// with their ways of being reached and their preferences.
async fn people(db: &Db, notice: &Notice) -> Result<Vec<Person>> {
    let prefs = kefu_care::customers::PREFERENCE_COLUMNS
        .split(", ")
        .map(|col| format!("c.{col}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT r.house_id, c.id, c.name, c.mobile, c.email, c.address, c.wechat_openid, {prefs} \
         FROM estate_residents r JOIN customers c ON c.id = r.customer_id JOIN estate_houses h ON h.id = r.house_id \
         WHERE h.branch_id = {} AND ({}) AND $1 = $1 AND r.moved_out IS NULL AND c.merged_into IS NULL \
         ORDER BY r.house_id, CASE r.role WHEN 'owner' THEN 0 WHEN 'co_owner' THEN 1 WHEN 'tenant' THEN 2 ELSE 3 END, r.id",
        notice.branch_id.0,
        addressed_houses(notice)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(notice.id).fetch_all(db.pool()).await?;
    let mut out: Vec<Person> = Vec::with_capacity(rows.len());
    for r in &rows {
        let (house, customer) = (r.i64("house_id")?, CustomerId(r.i64("id")?));
        // One person holding two roles in a house is told once.
        if out.iter().any(|p| p.house == house && p.customer == customer) {
            continue;
        }
        out.push(Person {
            house,
            customer,
            name: r.text("name")?,
            prefs: kefu_care::customers::preferences_of(r)?,
            reach: Reachable {
                mobile: r.opt_text("mobile")?.is_some(),
                email: !r.text("email")?.is_empty(),
                address: !r.text("address")?.is_empty(),
            },
            openid: r.opt_text("wechat_openid")?.is_some_and(|o| !o.is_empty()),
        });
    }
    Ok(out)
}

/// What sending did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Sent {
    pub houses: i64,
    pub deliveries: i64,
    /// Messages and calls queued.
    pub messages: i64,
    /// Deliveries with nobody to send to (no contact, or all opted out).
    pub unreachable: i64,
    pub dispatched: Dispatched,
}

/// The variables of a notice's messages to `name` (the WeChat template's
/// fields among them).
fn vars_of(notice: &Notice, name: &str, (store, phone): (&str, &str)) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("name".to_string(), name.to_string()),
        ("store".to_string(), store.to_string()),
        ("store_phone".to_string(), phone.to_string()),
        ("title".to_string(), notice.title.clone()),
        (SUBJECT.to_string(), notice.title.clone()),
        ("keyword1".to_string(), notice.body.clone()),
        ("keyword2".to_string(), notice.days()),
        ("remark".to_string(), format!("{store} {phone}").trim().to_string()),
    ])
}

/// A message's text on a channel; a call's is the agent's script.
fn text_of(notice: &Notice, channel: &str, v: &BTreeMap<String, String>) -> String {
    let (name, store, phone) = (&v["name"], &v["store"], &v["store_phone"]);
    let (title, body, days) = (&notice.title, &notice.body, notice.days());
    match channel {
        "sms" => format!("【{store}】{name}您好：{title}。{body}（{days}）咨询电话{phone}。"),
        "call" => format!("请致电{name}，解释通知「{title}」（{days}）：{body} 解释清楚后记录“已解释”。"),
        _ => format!("{name}您好：\n\n{body}\n\n日期：{days}\n\n{store} {phone}"),
    }
}

/// Sends a drafted notice (EstateWork; to a whole estate, EstateManage):
/// in one audited transaction, a delivery per addressed house and chosen
/// channel, each with a message to every person of the house reached on
/// it who accepts it (a call: to the first of them, owners first), or the
/// reason there is none; then SMS, e-mail and WeChat go out through the
/// configured gateways (after the people's quiet hours), and calls wait in
/// the queue. A notice is sent once.
pub async fn send(
    db: &Db,
    actor: &Actor,
    channels: &Channels,
    id: i64,
    (today, now, local): (Date, Timestamp, Time),
) -> Result<Sent> {
    let notice = get(db, &actor.scope, id).await?;
    if notice.addressed_to == "estate" && !actor.can(Permission::EstateManage) {
        return Err(Invalid::new(
            "addressed_to",
            Rule::new(
                "notice_estate_manager",
                "发给全小区的通知须由经理发送",
                "a notice to the whole estate is sent by a manager",
            ),
        )
        .into());
    }
    let houses = houses(db, &notice).await?;
    if houses.is_empty() {
        return Err(Invalid::new(
            "addressed_to",
            Rule::new("notice_no_houses", "所选范围内没有房屋", "no house lies where the notice is addressed"),
        )
        .into());
    }
    let people = people(db, &notice).await?;
    let (store, phone): (String, String) = {
        let r = sqlx::query("SELECT name, phone FROM branches WHERE id = $1")
            .bind(notice.branch_id.0)
            .fetch_one(db.pool())
            .await?;
        (r.text("name")?, r.text("phone")?)
    };
    let mut sent = Sent { houses: houses.len() as i64, ..Default::default() };
    let mut by_channel: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut tx = db.begin().await?;
    let marked = sqlx::query(
        "UPDATE estate_notices SET status = 'sent', sent_by = $1, sent_at = $2, sent_on = $3 \
         WHERE id = $4 AND status = 'draft'",
    )
    .bind(actor.display_name.clone())
    .bind(instant_text(now))
    .bind(today.to_string())
    .bind(notice.id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if marked == 0 {
        return Err(Failure::Conflict(Rule::new("notice_sent", "该通知已发送", "this notice was sent already")));
    }
    for (house, _) in &houses {
        let here: Vec<&Person> = people.iter().filter(|p| p.house == *house).collect();
        for channel in notice.channels.iter().map(String::as_str).filter(|c| CHANNELS.contains(c)) {
            let mut takers: Vec<&&Person> = here.iter().filter(|p| p.accepts(channel)).collect();
            if channel == "call" {
                takers.truncate(1);
            }
            let why = match (takers.is_empty(), here.iter().any(|p| p.has(channel))) {
                (false, _) => "",
                (true, true) => reason::OPTED_OUT,
                (true, false) => reason::NO_CONTACT,
            };
            let delivery: i64 = sqlx::query_scalar(
                "INSERT INTO estate_notice_deliveries (notice_id, house_id, channel, reason) VALUES ($1, $2, $3, $4) \
                 RETURNING id",
            )
            .bind(notice.id)
            .bind(*house)
            .bind(channel)
            .bind(why)
            .fetch_one(tx.conn())
            .await?;
            sent.deliveries += 1;
            if takers.is_empty() {
                sent.unreachable += 1;
            }
            for p in takers {
                let vars = vars_of(&notice, &p.name, (&store, &phone));
                let text = text_of(&notice, channel, &vars);
                let vars = serde_json::to_string(&vars).unwrap_or_default();
                let message =
                    Queued { playbook: NOTICE_PLAYBOOK, asset: (ASSET, delivery), channel, text: &text, vars: &vars };
                if let Some(task) = queue_in(&mut tx, (notice.branch_id, p.customer), &message, (today, now)).await? {
                    sent.messages += 1;
                    by_channel.entry(channel).or_default().push(task);
                }
            }
        }
    }
    let change = Change {
        entity: "estate_notice",
        entity_id: notice.id.to_string(),
        action: "send",
        branch: Some(notice.branch_id),
        old: Some(json!({ "status": notice.status })),
        new: Some(json!({ "status": "sent", "houses": sent.houses, "deliveries": sent.deliveries,
                          "messages": sent.messages, "unreachable": sent.unreachable })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    for (channel, tasks) in by_channel.iter().filter(|(c, _)| **c != "call") {
        let d = dispatch::send_tasks(db, actor, channels, channel, tasks, local).await?;
        sent.dispatched.sent += d.sent;
        sent.dispatched.failed += d.failed;
        sent.dispatched.retry += d.retry;
        sent.dispatched.quiet += d.quiet;
        sent.dispatched.not_configured.extend(d.not_configured);
    }
    Ok(sent)
}

/// A house's delivery on one channel and where it stands.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub house_id: i64,
    pub house: String,
    pub channel: String,
    pub state: DeliveryState,
    /// Whom its messages went to.
    pub people: Vec<String>,
    /// The call in the queue (a call's delivery).
    pub call_id: Option<i64>,
}

/// The deliveries of a notice, house by house in natural order, and how
/// many are in each state.
pub async fn deliveries(db: &Db, notice: &Notice) -> Result<(Vec<Delivery>, BTreeMap<&'static str, i64>)> {
    deliveries_to(db, notice, None).await
}

/// The deliveries of a notice to every house, or to one.
async fn deliveries_to(
    db: &Db,
    notice: &Notice,
    house: Option<i64>,
) -> Result<(Vec<Delivery>, BTreeMap<&'static str, i64>)> {
    let one = house.map(|h| format!(" AND d.house_id = {h}")).unwrap_or_default();
    let sql = format!(
        "SELECT d.id, d.house_id, h.number, d.channel, d.reason, t.id AS task, t.status, t.outcome, t.notes, \
         c.name FROM estate_notice_deliveries d JOIN estate_houses h ON h.id = d.house_id \
         LEFT JOIN outreach_tasks t ON t.asset_kind = $2 AND t.asset_id = d.id \
         LEFT JOIN customers c ON c.id = t.customer_id WHERE d.notice_id = $1{one} ORDER BY h.sort_key, d.id, t.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(notice.id).bind(ASSET).fetch_all(db.pool()).await?;
    let mut list: Vec<(Delivery, String, Vec<Message>)> = Vec::new();
    for r in &rows {
        let id = r.i64("id")?;
        if list.last().is_none_or(|(d, _, _)| d.id != id) {
            let d = Delivery {
                id,
                house_id: r.i64("house_id")?,
                house: r.text("number")?,
                channel: r.text("channel")?,
                state: DeliveryState { state: "failed", reason: String::new() },
                people: Vec::new(),
                call_id: None,
            };
            list.push((d, r.text("reason")?, Vec::new()));
        }
        let (d, _, messages) = list.last_mut().expect("pushed above");
        if let Some(task) = r.opt_i64("task")? {
            d.people.push(r.opt_text("name")?.unwrap_or_default());
            if d.channel == "call" {
                d.call_id = Some(task);
            }
            messages.push(Message {
                status: r.text("status")?,
                outcome: r.opt_text("outcome")?,
                notes: r.text("notes")?,
            });
        }
    }
    let mut counts: BTreeMap<&'static str, i64> = STATES.iter().map(|s| (*s, 0)).collect();
    let out = list
        .into_iter()
        .map(|(mut d, reason, messages)| {
            d.state = state_of(&d.channel, &reason, &messages);
            *counts.entry(d.state.state).or_default() += 1;
            d
        })
        .collect();
    Ok((out, counts))
}

/// The notices sent to a house, newest first, with the house's delivery
/// on each channel.
pub async fn of_house(db: &Db, scope: &Scope, house: &House, limit: i64) -> Result<Vec<(Notice, Vec<Delivery>)>> {
    let sql = format!(
        "SELECT DISTINCT n.id FROM estate_notices n JOIN estate_notice_deliveries d ON d.notice_id = n.id \
         WHERE d.house_id = $1 AND n.branch_id IN ({}) ORDER BY n.id DESC LIMIT $2",
        scope.sql_list()
    );
    let ids: Vec<i64> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(house.id).bind(limit).fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let notice = get(db, scope, id).await?;
        let (here, _) = deliveries_to(db, &notice, Some(house.id)).await?;
        out.push((notice, here));
    }
    Ok(out)
}

/// An estate's notices in a month for the monthly report: those sent on
/// its days, their houses' deliveries, and the houses whose call
/// explained the notice.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct MonthCounts {
    pub sent: i64,
    pub deliveries: i64,
    pub explained: i64,
}

pub async fn month_counts(db: &Db, estate: BranchId, (first, last): (Date, Date)) -> Result<MonthCounts> {
    let sent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM estate_notices WHERE branch_id = $1 AND status = 'sent' AND sent_on >= $2 AND sent_on <= $3",
    )
    .bind(estate.0)
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_one(db.pool())
    .await?;
    let deliveries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM estate_notice_deliveries d JOIN estate_notices n ON n.id = d.notice_id \
         WHERE n.branch_id = $1 AND n.sent_on >= $2 AND n.sent_on <= $3",
    )
    .bind(estate.0)
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_one(db.pool())
    .await?;
    let explained: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT d.id) FROM estate_notice_deliveries d JOIN estate_notices n ON n.id = d.notice_id \
         JOIN outreach_tasks t ON t.asset_kind = $4 AND t.asset_id = d.id \
         WHERE n.branch_id = $1 AND n.sent_on >= $2 AND n.sent_on <= $3 AND t.outcome = 'explained'",
    )
    .bind(estate.0)
    .bind(first.to_string())
    .bind(last.to_string())
    .bind(ASSET)
    .fetch_one(db.pool())
    .await?;
    Ok(MonthCounts { sent, deliveries, explained })
}
