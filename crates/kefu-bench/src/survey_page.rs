//! The public survey page under the load of a mass send: links issued to
//! many distinct customers, each opened by `GET /s/{token}` (no sign-in),
//! and the floor: the same token check and reads (`surveys::open`) without
//! HTTP or the template.

use kefu_care::surveys::rules::QuestionInput;
use kefu_care::surveys::{self, SurveyInput};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::{Clock, SystemClock};
use kefu_core::{Actor, Scope};
use kefu_store::Db;

/// The page serves at least this many requests a second (issue 6).
pub const TARGET_PER_SECOND: f64 = 2000.0;

/// Issues a link to a five-question survey to `count` distinct customers
/// (the first by id), as one send would; returns the links' paths.
pub async fn issue(db: &Db, count: usize) -> anyhow::Result<Vec<String>> {
    let limit = i64::try_from(count)?;
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, branch_id FROM customers WHERE merged_into IS NULL ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(db.pool())
            .await?;
    let (_, branch) = *rows.first().ok_or_else(|| anyhow::anyhow!("no customers: run kefu gen first"))?;
    let branches: Vec<BranchId> = rows.iter().map(|r| BranchId(r.1)).collect();
    let actor = Actor::system(Scope::new(branches));
    let question = |kind: &str, prompt: &str, options: &str| QuestionInput {
        kind: kind.into(),
        prompt: prompt.into(),
        options: options.into(),
    };
    let input = SurveyInput {
        title: "保养服务回访问卷（压测）".into(),
        intro: "感谢您光临本店，请花一分钟告诉我们您的感受。".into(),
        questions: vec![
            question("scale10", "您向亲友推荐本店的可能性有多大？", ""),
            question("scale5", "您对本次保养服务的满意度", ""),
            question("single", "车辆是否按约定时间交付？", "是\n否"),
            question("multiple", "您认为哪些方面需要改进？", "价格\n等候时间\n休息区\n服务态度"),
            question("text", "其他意见", ""),
        ],
    };
    let survey = surveys::create(db, &actor, BranchId(branch), &input).await?;
    let key = surveys::link_key(db).await?;
    let now = SystemClock.now();
    let mut tx = db.begin().await?;
    let mut paths = Vec::with_capacity(rows.len());
    for (customer, branch) in rows {
        let owner = (BranchId(branch), CustomerId(customer));
        let links = surveys::LinkSettings::default();
        let i = surveys::invite_in(&mut tx, &actor, &survey, owner, "sms", (&key, &links, now)).await?;
        paths.push(format!("/s/{}", i.token));
    }
    tx.commit().await?;
    Ok(paths)
}
