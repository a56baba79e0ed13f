//! What makes the demo a working centre rather than an archive: each store's
//! parts catalogue (stocked, so bookings are not short of every part),
//! members with tiers and points, members' events with sign-ups, four weeks
//! of the daily outreach beside the workshop visits of those weeks — so the
//! effectiveness and weekly reports have figures — and complaints in every
//! state. All of it goes through the capabilities, as the pages would write
//! it. (The calls stay unanswered: an answer is an agent's, and the demo
//! makes no accounts — the first start's administrator is the only one.)

use jiff::civil::Date;
use jiff::{SignedDuration, ToSpan};
use kefu_care::complaints::{self, ComplaintInput, Step, rules::Deadlines};
use kefu_care::members::{self, EventInput};
use kefu_care::points::{self, EarnInput, When};
use kefu_core::ids::{BranchId, ComplaintId, CustomerId};
use kefu_core::time::BusinessZone;
use kefu_core::{Actor, Money};
use kefu_store::Db;

/// Weeks of daily outreach the demo has behind it.
const HISTORY_WEEKS: i64 = 4;

/// (part number, name, yuan, stock): the service parts a maintenance or a
/// brake job books.
const PARTS: &[(&str, &str, i64, i64)] = &[
    ("OF-8011", "机油滤清器", 68, 60),
    ("AF-2203", "空气滤清器", 95, 40),
    ("CF-3307", "空调滤清器", 120, 40),
    ("MO-0W20", "全合成机油 0W-20（升）", 88, 400),
    ("MO-5W30", "全合成机油 5W-30（升）", 76, 400),
    ("BP-F100", "前刹车片", 380, 24),
    ("BP-R100", "后刹车片", 320, 24),
    ("SP-1004", "火花塞", 65, 80),
    ("WB-6002", "雨刮片（对）", 150, 30),
    ("BA-6QW", "蓄电池 60Ah", 680, 8),
];

/// Tells the story in `stores` (with every customer the demo loaded),
/// whose days run up to `today`.
pub async fn tell(db: &Db, actor: &Actor, stores: &[BranchId], today: Date) -> anyhow::Result<()> {
    let zone = BusinessZone::shanghai();
    let at = |day: Date, hour: i64| zone.start_of(day) + SignedDuration::from_hours(hour);
    for &store in stores {
        for (part_no, name, yuan, stock) in PARTS {
            let part = crate::parts::Part {
                part_no: (*part_no).into(),
                name: (*name).into(),
                unit: Money::from_fen(yuan * 100),
                stock: *stock,
            };
            crate::parts::save(db, actor, store, &part).await?;
        }
    }
    let customers = kefu_care::customers::list(db, &actor.scope, 400, 0).await?;
    let members = members_and_points(db, actor, &customers, today, &at).await?;
    events(db, actor, stores, &members, today, &at).await?;
    outreach_history(db, actor, today).await?;
    complaints_in_every_state(db, actor, &customers, today, &at).await?;
    Ok(())
}

/// A tenth of the customers are members: platinum, gold and silver, each
/// with points from three repairs. The members, with their stores.
async fn members_and_points(
    db: &Db,
    actor: &Actor,
    customers: &[kefu_care::customers::Customer],
    today: Date,
    at: &impl Fn(Date, i64) -> jiff::Timestamp,
) -> anyhow::Result<Vec<(BranchId, CustomerId)>> {
    let mut made = Vec::new();
    for (i, c) in customers.iter().enumerate().filter(|(i, _)| i % 10 == 3) {
        made.push((c.branch_id, c.id));
        let tier = ["silver", "gold", "silver", "platinum", "gold"][i / 10 % 5];
        members::set_tier(db, actor, c.id, tier, at(today - 60.days(), 10)).await?;
        for (n, days_ago) in [50_i64, 30, 9].into_iter().enumerate() {
            let day = today - days_ago.days();
            let input = EarnInput {
                amount: format!("{}.00", 120 + (i * 37 + n * 211) % 900),
                reference: format!("RO-DEMO-{}-{n}", c.id),
                promotion_percent: 100,
            };
            points::earn(db, actor, c.id, &input, When { now: at(day, 11), today: day }).await?;
        }
    }
    Ok(made)
}

/// A self-drive trip and a store event in each store, a month ahead, with
/// the first members signed up.
async fn events(
    db: &Db,
    actor: &Actor,
    stores: &[BranchId],
    members: &[(BranchId, CustomerId)],
    today: Date,
    at: &impl Fn(Date, i64) -> jiff::Timestamp,
) -> anyhow::Result<()> {
    let plans =
        [("金秋自驾游：密云水库一日游", "self_drive", 24, "30"), ("车主课堂：冬季用车保养", "store_event", 17, "40")];
    for &store in stores {
        for (title, kind, ahead, capacity) in plans {
            let input = EventInput {
                title: title.into(),
                kind: kind.into(),
                starts_on: (today + ahead.days()).to_string(),
                capacity: capacity.into(),
            };
            let event = members::create_event(db, actor, store, &input).await?;
            for (_, c) in members.iter().filter(|(b, _)| *b == store).take(6) {
                members::sign_up(db, actor, event.id, *c, at(today - 3.days(), 15)).await?;
            }
        }
    }
    Ok(())
}

/// The daily outreach of the last four weeks, as the morning runs made it
/// with this pack's playbooks and the core's.
async fn outreach_history(db: &Db, actor: &Actor, today: Date) -> anyhow::Result<()> {
    let packs = kefu_pack::Packs::new(vec![&crate::pack::AUTO]);
    let mut day = today - (HISTORY_WEEKS * 7).days();
    while day < today {
        packs.run_outreach(db, actor, (day, &BusinessZone::shanghai()), &|_, _| {}).await?;
        day = day.tomorrow()?;
    }
    Ok(())
}

/// Six complaints, one in each state — received, in hand, resolved,
/// confirmed, closed — and a second closed; the hourly run escalates the
/// one nobody contacted.
async fn complaints_in_every_state(
    db: &Db,
    actor: &Actor,
    customers: &[kefu_care::customers::Customer],
    today: Date,
    at: &impl Fn(Date, i64) -> jiff::Timestamp,
) -> anyhow::Result<()> {
    let cases = [
        ("waiting_time", "保养等了三个多小时", 0),
        ("repair_quality", "修完一周刹车又响", 1),
        ("service_attitude", "前台接待态度冷淡", 2),
        ("price", "结算金额比估价高", 3),
        ("parts", "预约的配件到店没货", 4),
        ("waiting_time", "交车比承诺晚了两小时", 4),
    ];
    for (n, (category, subject, progress)) in cases.into_iter().enumerate() {
        let c: CustomerId = customers[n * 7 + 5].id;
        let received = today - (12 - 2 * n as i64).days();
        let input = ComplaintInput {
            source: "call".into(),
            category: category.into(),
            severity: if n % 3 == 0 { "serious" } else { "normal" }.into(),
            department: "after_sales".into(),
            subject: subject.into(),
            detail: String::new(),
        };
        let id: ComplaintId =
            complaints::intake(db, actor, c, &input, &Deadlines::default(), at(received, 9)).await?.id;
        if progress >= 1 {
            complaints::add_step(db, actor, id, Step::Contact, "已致电客户，了解经过并致歉", at(received, 10)).await?;
        }
        if progress >= 2 {
            complaints::resolve(db, actor, id, "免费复检并赠送一次保养工时", at(received + 1.day(), 16)).await?;
        }
        if progress >= 3 {
            complaints::recontact(db, actor, id, true, "客户表示满意", at(received + 5.days(), 14)).await?;
        }
        if progress >= 4 {
            complaints::close(db, actor, id, "", at(received + 6.days(), 9)).await?;
        }
    }
    Ok(())
}
