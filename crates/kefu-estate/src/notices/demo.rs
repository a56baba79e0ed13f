//! The demo's notices, drafted and sent through the notices' own functions
//! on their days: a week ago a water cut to the first estate's first
//! building by SMS and a call — its SMS gone out, its calls made, most of
//! them explained and the rest not reached — three days ago the second
//! estate's fees notice to every home by SMS and WeChat, and a power cut
//! still a draft.

use super::NoticeInput;
use super::store::{self, ASSET};
use jiff::{SignedDuration, Timestamp, ToSpan};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Role, Scope};
use kefu_outreach::dispatch::Channels;
use kefu_store::{Change, Db};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn input(kind: &str, title: &str, body: &str, from: jiff::civil::Date, to: &str, channels: &[&str]) -> NoticeInput {
    NoticeInput {
        title: title.into(),
        body: body.into(),
        kind: kind.into(),
        effective_from: from.to_string(),
        addressed_to: to.into(),
        channels: channels.iter().map(|c| c.to_string()).collect(),
        ..Default::default()
    }
}

/// Loads the notices of the estates in `scope` as of `now`; how many.
pub async fn load(db: &Db, scope: &Scope, seed: u64, now: Timestamp) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6e6f_7469_6365); // "notice"
    // The estate manager sends: a notice to a whole estate is theirs.
    let actor =
        Actor { roles: vec![Role::Manager], display_name: "物业经理".into(), ..Actor::system(scope.clone()) };
    let estates = crate::archive::estates(db, scope).await?;
    let zone = kefu_core::time::BusinessZone::shanghai();
    let today = zone.date_of(now);
    let local = |t: Timestamp| t.to_zoned_datetime(zone.time_zone()).time();
    let mut count = 0;
    let none = Channels::default();

    if let Some(first) = estates.first()
        && let Some(building) = crate::archive::buildings(db, first).await?.first()
    {
        let sent_at = now - SignedDuration::from_hours(24 * 7);
        let day = zone.date_of(sent_at);
        let mut water = input(
            "water_cut",
            &format!("{}停水通知", building.name),
            "因二次供水水箱清洗消毒，届时将暂停供水，请各位业主提前储水，关好水龙头。给您带来不便，敬请谅解。",
            day + 2.days(),
            "buildings",
            &["sms", "call"],
        );
        water.buildings = building.code.clone();
        let id = store::create(db, &actor, first, &water, sent_at).await?;
        store::send(db, &actor, &none, id, (day, sent_at, local(sent_at))).await?;
        // The SMS went out that day; the calls were made: most owners had it
        // explained, some could not be reached.
        let mut tx = db.begin().await?;
        let tasks: Vec<(i64, String)> = sqlx::query_as(
            "SELECT t.id, t.channel FROM outreach_tasks t JOIN estate_notice_deliveries d ON d.id = t.asset_id \
             WHERE t.asset_kind = $1 AND d.notice_id = $2 ORDER BY t.id",
        )
        .bind(ASSET)
        .bind(id)
        .fetch_all(tx.conn())
        .await?;
        let (mut explained, mut not_reached) = (0, 0);
        let done = instant_text(sent_at + SignedDuration::from_hours(3));
        for (task, channel) in &tasks {
            let (status, outcome, attempts, notes) = match channel.as_str() {
                "sms" => ("sent", None, 1, ""),
                _ if rng.random_range(0..10) < 7 => {
                    explained += 1;
                    ("done", Some("explained"), 1, "已向业主解释停水时间和储水事项")
                }
                _ if rng.random_range(0..2) == 0 => {
                    not_reached += 1;
                    ("done", Some("no_answer"), 3, "三次无人接听")
                }
                _ => {
                    not_reached += 1;
                    ("done", Some("wrong_number"), 1, "号码已停机")
                }
            };
            sqlx::query(
                "UPDATE outreach_tasks SET status = $1, outcome = $2, attempts = $3, notes = $4, \
                 provider_ref = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(status)
            .bind(outcome)
            .bind(attempts)
            .bind(notes)
            .bind((status == "sent").then(|| format!("demo-{task}")))
            .bind(done.clone())
            .bind(*task)
            .execute(tx.conn())
            .await?;
        }
        let change = Change {
            entity: "demo",
            entity_id: "estate_notices".into(),
            action: "load",
            branch: Some(first.branch_id),
            old: None,
            new: Some(serde_json::json!({ "notice": id, "explained": explained, "not_reached": not_reached })),
        };
        tx.audit(&actor, change).await?;
        tx.commit().await?;
        count += 1;

        let outage = input(
            "power_cut",
            "配电房检修停电通知",
            "因配电房设备年度检修，届时小区公共区域及电梯将暂停供电，请业主提前做好准备，勿乘坐电梯。",
            today + 5.days(),
            "estate",
            &["sms", "wechat", "call"],
        );
        store::create(db, &actor, first, &outage, now).await?;
        count += 1;
    }
    if let Some(second) = estates.get(1) {
        let sent_at = now - SignedDuration::from_hours(24 * 3);
        let day = zone.date_of(sent_at);
        let fees = input(
            "fees",
            "物业服务费收费公示",
            "根据物业服务合同，本年度物业服务费标准不变，住宅按建筑面积每月每平方米计收；收费明细已在大堂公示，欢迎业主监督。",
            day,
            "estate",
            &["sms", "wechat"],
        );
        // Some owners follow the company's Official Account.
        let mut tx = db.begin().await?;
        let owners: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT r.customer_id FROM estate_residents r JOIN estate_houses h ON h.id = r.house_id \
             WHERE h.branch_id = $1 AND r.role = 'owner' ORDER BY r.customer_id",
        )
        .bind(second.branch_id.0)
        .fetch_all(tx.conn())
        .await?;
        let followers: Vec<i64> = owners.into_iter().filter(|_| rng.random_range(0..10) < 4).collect();
        for c in &followers {
            sqlx::query("UPDATE customers SET wechat_openid = $1 WHERE id = $2")
                .bind(format!("oDemo{c:023}"))
                .bind(*c)
                .execute(tx.conn())
                .await?;
        }
        let change = Change {
            entity: "demo",
            entity_id: "wechat_openids".into(),
            action: "load",
            branch: Some(second.branch_id),
            old: None,
            new: Some(serde_json::json!({ "followers": followers.len() })),
        };
        tx.audit(&actor, change).await?;
        tx.commit().await?;
        let id = store::create(db, &actor, second, &fees, sent_at).await?;
        store::send(db, &actor, &none, id, (day, sent_at, local(sent_at))).await?;
        // They went out that day.
        let mut tx = db.begin().await?;
        sqlx::query(
            "UPDATE outreach_tasks SET status = 'sent', attempts = 1, provider_ref = 'demo', updated_at = $1 \
             WHERE asset_kind = $2 AND status = 'pending' AND asset_id IN \
             (SELECT id FROM estate_notice_deliveries WHERE notice_id = $3)",
        )
        .bind(instant_text(sent_at + SignedDuration::from_mins(5)))
        .bind(ASSET)
        .bind(id)
        .execute(tx.conn())
        .await?;
        let change = Change {
            entity: "demo",
            entity_id: "estate_notices".into(),
            action: "load",
            branch: Some(second.branch_id),
            old: None,
            new: Some(serde_json::json!({ "notice": id })),
        };
        tx.audit(&actor, change).await?;
        tx.commit().await?;
        count += 1;
    }
    Ok(count)
}
