//! The demo's owners' complaints and opinion visits: in each estate, a few
//! dozen complaints under the estate's categories taken through the common
//! engine (most closed with their corrective and preventive measures, the
//! latest still in hand), and this year's visit plan about half done, the
//! visits spread over the months so far.

use crate::archive;
use crate::desk::{COMPLAINT_CATEGORIES, DEPARTMENTS};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use kefu_care::complaints::{self, ComplaintInput, Deadlines, Step};
use kefu_core::ids::CustomerId;
use kefu_core::time::{BusinessZone, instant_text};
use kefu_core::{Actor, Scope};
use kefu_pack::names::pick;
use kefu_store::{Change, Db};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const COMPLAINTS: &[(&str, &str, &str, &str, &str)] = &[
    ("estate_repairs", "engineering", "报修两天无人上门", "工程部派工延误，当日上门修复", "报修超时自动升级主管"),
    ("estate_security", "security", "夜间外来车辆随意进出", "加强门岗登记，补装道闸", "夜班增加巡逻一次"),
    ("estate_cleaning", "cleaning", "楼道垃圾清运不及时", "调整清运时间为每日两次", "保洁主管每日巡查签字"),
    ("estate_greening", "greening", "绿化带杂草丛生", "安排集中除草", "按季度制定绿化养护计划"),
    ("estate_parking", "security", "车位被占用", "联系占位车主挪车", "地面画线并张贴提示"),
    (
        "estate_neighbours",
        "customer_service",
        "楼上装修噪音扰民",
        "约谈装修户，限定施工时间",
        "装修登记时书面告知施工时段",
    ),
    ("estate_fees", "finance", "物业费账单金额有误", "核对面积后更正账单", "收费系统面积与档案每月核对"),
];

const OPINIONS: &[(&str, &str, i64)] = &[
    ("电梯保养及时，服务不错", "", 5),
    ("保安态度很好", "希望增加夜间巡逻", 4),
    ("垃圾分类点有异味", "增加清洗次数", 3),
    ("停车位紧张", "规划地面临时车位", 3),
    ("物业费偏高", "公布收支明细", 2),
    ("整体满意", "增加儿童游乐设施", 4),
];

/// Loads the complaints and the visit plans of the estates in `scope` up
/// to `now`; how many complaints and visits made.
pub async fn load(db: &Db, scope: &Scope, seed: u64, now: Timestamp) -> anyhow::Result<(usize, usize)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x006f_7069_6e69_6f6e); // "opinion"
    let actor = Actor::system(scope.clone());
    let zone = BusinessZone::shanghai();
    let today = zone.date_of(now);
    let choices = complaints::Choices::core().with(COMPLAINT_CATEGORIES, DEPARTMENTS, true);
    let (mut taken, mut visited) = (0, 0);
    for estate in archive::estates(db, scope).await? {
        let owners: Vec<i64> = sqlx::query_scalar(
            "SELECT r.customer_id FROM estate_residents r JOIN estate_houses h ON h.id = r.house_id \
             WHERE h.branch_id = $1 AND r.role = 'owner' ORDER BY r.id LIMIT 400",
        )
        .bind(estate.branch_id.0)
        .fetch_all(db.pool())
        .await?;
        if owners.is_empty() {
            continue;
        }
        for n in 0..24 {
            let (category, department, subject, corrective, preventive) = *pick(&mut rng, COMPLAINTS);
            let received = now - SignedDuration::from_hours(rng.random_range(2..24 * 90));
            let input = ComplaintInput {
                source: pick(&mut rng, &["call", "front_desk", "visit"]).to_string(),
                category: category.into(),
                severity: if n % 5 == 0 { "serious" } else { "normal" }.into(),
                department: department.into(),
                subject: subject.into(),
                detail: String::new(),
            };
            let customer = CustomerId(*pick(&mut rng, &owners));
            let c = complaints::intake_with(db, &actor, customer, &input, (&choices, &Deadlines::default()), received)
                .await?;
            taken += 1;
            // The last week's are still in hand.
            if now - received < SignedDuration::from_hours(24 * 7) {
                continue;
            }
            let at = |hours: i64| received + SignedDuration::from_hours(hours);
            complaints::add_step(db, &actor, c.id, Step::Contact, "已联系业主", at(1)).await?;
            complaints::resolve(db, &actor, c.id, corrective, at(24)).await?;
            complaints::recontact(db, &actor, c.id, true, "业主满意", at(48)).await?;
            complaints::measures(db, &actor, c.id, (corrective, preventive), at(50)).await?;
            complaints::close(db, &actor, c.id, "", at(52)).await?;
        }
        // This year's plan, about half done by today.
        let first = Date::new(today.year(), 1, 1)?;
        let plan =
            crate::opinions::create_plan(db, &actor, &estate, (first, Date::new(today.year(), 12, 31)?), today).await?;
        let visits: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM estate_opinion_visits WHERE plan_id = $1 ORDER BY id")
                .bind(plan)
                .fetch_all(db.pool())
                .await?;
        let days = (today - first).get_days().max(1);
        let mut tx = db.begin().await?;
        let mut made = 0;
        for id in &visits {
            if rng.random_range(0..100) >= 50 {
                continue;
            }
            let on = first + jiff::Span::new().days(rng.random_range(0..days));
            let at = zone.start_of(on) + SignedDuration::from_hours(rng.random_range(9..18));
            let (opinions, suggestions, score) = *pick(&mut rng, OPINIONS);
            sqlx::query(
                "UPDATE estate_opinion_visits SET visited_at = $1, visited_on = $2, visited_by = '客服专员', \
                 opinions = $3, suggestions = $4, satisfaction = $5 WHERE id = $6",
            )
            .bind(instant_text(at))
            .bind(on.to_string())
            .bind(opinions)
            .bind(suggestions)
            .bind(score)
            .bind(*id)
            .execute(tx.conn())
            .await?;
            crate::visit_tasks::close_in(&mut tx, *id, score, opinions).await?;
            made += 1;
        }
        let change = Change {
            entity: "demo",
            entity_id: estate.code.clone(),
            action: "opinion_visits",
            branch: Some(estate.branch_id),
            old: None,
            new: Some(serde_json::json!({ "plan": plan, "visits": made })),
        };
        tx.audit(&actor, change).await?;
        tx.commit().await?;
        visited += made;
    }
    Ok((taken, visited))
}
