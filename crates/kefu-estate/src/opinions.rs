//! Opinion visits (定期上门征求业户意见, issue 21 §4) as stored (0057): a
//! plan per estate and period — a calendar year unless given otherwise —
//! with one visit to every occupied or let household, each building's
//! visits assigned to one member of the estate's staff (in turn, then as a
//! manager moves them); a visit records opinions, suggestions and a
//! satisfaction from 1 to 5; the plan's completion and coverage, and the
//! month's summary of what owners said.

use crate::archive::Estate;
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::rate::Rate;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope, optional_text};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The households a plan visits: lived in (occupied or let), in a building
/// (a parking space is nobody's home).
const VISITED: &str = "h.state IN ('occupied', 'let') AND h.kind <> 'parking_space' AND h.building_id IS NOT NULL";

/// A satisfaction score: 1 (very dissatisfied) to 5 (very satisfied).
pub fn satisfaction(field: &str, score: i64) -> std::result::Result<i64, Invalid> {
    if (1..=5).contains(&score) {
        Ok(score)
    } else {
        Err(Invalid::new(field, Rule::new("satisfaction_1_5", "须为 1 至 5 分", "must be from 1 to 5")))
    }
}

/// The period of a plan: from its first to its last day, the last not
/// before the first and at most two years on.
pub fn period(first: Date, last: Date) -> std::result::Result<(Date, Date), Invalid> {
    if last < first || last > first.saturating_add(jiff::Span::new().years(2)) {
        return Err(Invalid::new(
            "ends_on",
            Rule::new(
                "visit_period",
                "结束日须在开始日之后，且不超过两年",
                "must be after the start, within two years",
            ),
        ));
    }
    Ok((first, last))
}

/// Each building to one of `staff`, in turn; none when there is no staff.
pub fn in_turn(buildings: &[i64], staff: &[i64]) -> Vec<(i64, i64)> {
    if staff.is_empty() {
        return Vec::new();
    }
    buildings.iter().enumerate().map(|(i, b)| (*b, staff[i % staff.len()])).collect()
}

/// A plan with how far it got.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: i64,
    pub estate: String,
    pub branch_id: i64,
    pub starts_on: String,
    pub ends_on: String,
    /// Visits planned and done.
    pub planned: i64,
    pub done: i64,
    /// done ÷ planned, in basis points.
    pub completion_bp: Option<i64>,
    /// The households lived in now, and those of them visited in the plan.
    pub households: i64,
    pub covered: i64,
    pub coverage_bp: Option<i64>,
}

/// The staff who visit: the active users given the estate itself, agents
/// and supervisors, with their names.
pub async fn staff(db: &Db, branch: kefu_core::ids::BranchId) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN user_branches b ON b.user_id = u.id \
         JOIN user_roles r ON r.user_id = u.id WHERE b.branch_id = $1 AND u.active = 1 \
         AND r.role IN ('agent', 'supervisor') ORDER BY u.id",
    )
    .bind(branch.0)
    .fetch_all(db.pool())
    .await?)
}

/// Makes the plan for `estate` over the period: one visit to each household
/// lived in, each building given in turn to the estate's staff (or to the
/// manager making the plan when it has none; left to assign when the plan
/// is the system's), each visit a task of the call queue given to its
/// building's staff, due on a day of the period from `today` on
/// ([`crate::visit_tasks`]). A second plan from the same first day is
/// refused by field.
pub async fn create_plan(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    (first, last): (Date, Date),
    today: Date,
) -> Result<i64> {
    let (first, last) = period(first, last)?;
    let mut people: Vec<i64> = staff(db, estate.branch_id).await?.into_iter().map(|(id, _)| id).collect();
    if people.is_empty() && actor.user_id.0 != 0 {
        people.push(actor.user_id.0);
    }
    let mut tx = db.begin().await?;
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM estate_visit_plans WHERE branch_id = $1 AND starts_on = $2")
            .bind(estate.branch_id.0)
            .bind(first.to_string())
            .fetch_optional(tx.conn())
            .await?;
    if taken.is_some() {
        return Err(Invalid::new(
            "starts_on",
            Rule::new("visit_plan_exists", "该小区此期间已有走访计划", "this estate already has a plan from this day"),
        )
        .into());
    }
    let now = instant_text(tx.now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO estate_visit_plans (branch_id, starts_on, ends_on, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(estate.branch_id.0)
    .bind(first.to_string())
    .bind(last.to_string())
    .bind(now)
    .bind(actor.user_id.0)
    .fetch_one(tx.conn())
    .await?;
    let buildings: Vec<i64> = sqlx::query_scalar("SELECT id FROM estate_buildings WHERE branch_id = $1 ORDER BY id")
        .bind(estate.branch_id.0)
        .fetch_all(tx.conn())
        .await?;
    let given: Vec<(i64, Option<i64>)> = if people.is_empty() {
        buildings.iter().map(|b| (*b, None)).collect()
    } else {
        in_turn(&buildings, &people).into_iter().map(|(b, u)| (b, Some(u))).collect()
    };
    for (building, user) in given {
        sqlx::query("INSERT INTO estate_visit_assignments (plan_id, building_id, user_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(building)
            .bind(user)
            .execute(tx.conn())
            .await?;
    }
    let sql = format!(
        "INSERT INTO estate_opinion_visits (plan_id, branch_id, house_id, building_id) \
         SELECT $1, h.branch_id, h.id, h.building_id FROM estate_houses h WHERE h.branch_id = $2 AND {VISITED}"
    );
    let visits = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(estate.branch_id.0)
        .execute(tx.conn())
        .await?
        .rows_affected();
    let tasks = crate::visit_tasks::create_in(&mut tx, id, (first, last), today).await?;
    let change = Change {
        entity: "estate_visit_plan",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(estate.branch_id),
        old: None,
        new: Some(json!({ "starts_on": first, "ends_on": last, "visits": visits, "tasks": tasks })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

const PLAN: &str = "SELECT p.id, p.branch_id, b.code, p.starts_on, p.ends_on, \
     (SELECT COUNT(*) FROM estate_opinion_visits v WHERE v.plan_id = p.id) AS planned, \
     (SELECT COUNT(*) FROM estate_opinion_visits v WHERE v.plan_id = p.id AND v.visited_at IS NOT NULL) AS done \
     FROM estate_visit_plans p JOIN branches b ON b.id = p.branch_id";

async fn plan_of(db: &Db, r: &sqlx::any::AnyRow) -> Result<Plan> {
    let (id, branch) = (r.i64("id")?, r.i64("branch_id")?);
    let (planned, done) = (r.i64("planned")?, r.i64("done")?);
    let sql = format!(
        "SELECT COUNT(*) AS households, COUNT(v.id) AS covered FROM estate_houses h \
         LEFT JOIN estate_opinion_visits v ON v.house_id = h.id AND v.plan_id = $1 AND v.visited_at IS NOT NULL \
         WHERE h.branch_id = $2 AND {VISITED}"
    );
    let c = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(branch).fetch_one(db.pool()).await?;
    let (households, covered) = (c.i64("households")?, c.i64("covered")?);
    Ok(Plan {
        id,
        estate: r.text("code")?,
        branch_id: branch,
        starts_on: r.text("starts_on")?,
        ends_on: r.text("ends_on")?,
        planned,
        done,
        completion_bp: Rate::new(done, planned).map(Rate::basis_points),
        households,
        covered,
        coverage_bp: Rate::new(covered, households).map(Rate::basis_points),
    })
}

/// A plan in scope; one outside it is not there.
pub async fn plan(db: &Db, scope: &Scope, id: i64) -> Result<Plan> {
    let sql = format!("{PLAN} WHERE p.id = $1 AND p.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    plan_of(db, &row.ok_or(Failure::NotFound)?).await
}

/// An estate's plans, latest first.
pub async fn plans(db: &Db, estate: &Estate) -> Result<Vec<Plan>> {
    let sql = format!("{PLAN} WHERE p.branch_id = $1 ORDER BY p.starts_on DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(estate.branch_id.0).fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(plan_of(db, r).await?);
    }
    Ok(out)
}

/// A building of a plan with the staff it is given to.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub building_id: i64,
    pub building: String,
    pub user_id: Option<i64>,
    pub staff: String,
    pub planned: i64,
    pub done: i64,
}

pub async fn assignments(db: &Db, plan: &Plan) -> Result<Vec<Assignment>> {
    let rows = sqlx::query(
        "SELECT a.building_id, g.name AS building, a.user_id, COALESCE(u.display_name, '') AS display_name, \
         (SELECT COUNT(*) FROM estate_opinion_visits v WHERE v.plan_id = a.plan_id AND v.building_id = a.building_id) \
           AS planned, \
         (SELECT COUNT(*) FROM estate_opinion_visits v WHERE v.plan_id = a.plan_id AND v.building_id = a.building_id \
           AND v.visited_at IS NOT NULL) AS done \
         FROM estate_visit_assignments a JOIN estate_buildings g ON g.id = a.building_id \
         LEFT JOIN users u ON u.id = a.user_id WHERE a.plan_id = $1 ORDER BY g.id",
    )
    .bind(plan.id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Assignment {
                building_id: r.i64("building_id")?,
                building: r.text("building")?,
                user_id: r.opt_i64("user_id")?,
                staff: r.text("display_name")?,
                planned: r.i64("planned")?,
                done: r.i64("done")?,
            })
        })
        .collect()
}

/// Gives a building's visits of a plan, and their open tasks in the call
/// queue, to another member of the estate's staff (a manager's decision),
/// audited.
pub async fn assign(db: &Db, actor: &Actor, plan: &Plan, building: i64, user: i64) -> Result<()> {
    let allowed = staff(db, kefu_core::ids::BranchId(plan.branch_id)).await?;
    if !allowed.iter().any(|(id, _)| *id == user) {
        return Err(Invalid::new(
            "user",
            Rule::new("visit_staff", "请选择本小区的员工", "choose a member of this estate's staff"),
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let done = sqlx::query("UPDATE estate_visit_assignments SET user_id = $1 WHERE plan_id = $2 AND building_id = $3")
        .bind(user)
        .bind(plan.id)
        .bind(building)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if done == 0 {
        return Err(Invalid::new(
            "building",
            Rule::new("visit_building", "该计划没有这栋楼", "this plan has no such building"),
        )
        .into());
    }
    let tasks = crate::visit_tasks::reassign_in(&mut tx, plan.id, building, user).await?;
    let change = Change {
        entity: "estate_visit_plan",
        entity_id: plan.id.to_string(),
        action: "assign",
        branch: Some(kefu_core::ids::BranchId(plan.branch_id)),
        old: None,
        new: Some(json!({ "building": building, "user": user, "tasks": tasks })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// A visit on the list.
#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub id: i64,
    pub plan_id: i64,
    pub house_id: i64,
    pub house: String,
    pub building: String,
    pub staff: String,
    pub user_id: Option<i64>,
    pub visited_on: Option<String>,
    pub visited_by: Option<String>,
    pub opinions: String,
    pub suggestions: String,
    pub satisfaction: Option<i64>,
}

const VISIT: &str = "SELECT v.id, v.plan_id, v.house_id, h.number, g.name AS building, \
     COALESCE(u.display_name, '') AS display_name, a.user_id, \
     v.visited_on, v.visited_by, v.opinions, v.suggestions, v.satisfaction FROM estate_opinion_visits v \
     JOIN estate_houses h ON h.id = v.house_id JOIN estate_buildings g ON g.id = v.building_id \
     JOIN estate_visit_assignments a ON a.plan_id = v.plan_id AND a.building_id = v.building_id \
     LEFT JOIN users u ON u.id = a.user_id";

fn visit_of(r: &sqlx::any::AnyRow) -> Result<Visit> {
    Ok(Visit {
        id: r.i64("id")?,
        plan_id: r.i64("plan_id")?,
        house_id: r.i64("house_id")?,
        house: r.text("number")?,
        building: r.text("building")?,
        staff: r.text("display_name")?,
        user_id: r.opt_i64("user_id")?,
        visited_on: r.opt_text("visited_on")?,
        visited_by: r.opt_text("visited_by")?,
        opinions: r.text("opinions")?,
        suggestions: r.text("suggestions")?,
        satisfaction: r.opt_i64("satisfaction")?,
    })
}

/// A plan's visits, the ones still to make first; only `user`'s when given
/// (a page of them).
pub async fn visits(
    db: &Db,
    plan: &Plan,
    (user, pending): (Option<i64>, bool),
    window: crate::window::Window,
) -> Result<Vec<Visit>> {
    let mut sql = format!("{VISIT} WHERE v.plan_id = {}", plan.id);
    if let Some(u) = user {
        sql.push_str(&format!(" AND a.user_id = {u}"));
    }
    if pending {
        sql.push_str(" AND v.visited_at IS NULL");
    }
    sql.push_str(" ORDER BY (v.visited_at IS NOT NULL), g.id, h.sort_key, v.id");
    sql.push_str(&window.sql());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(visit_of).collect()
}

/// A visit in scope.
pub async fn visit(db: &Db, scope: &Scope, id: i64) -> Result<Visit> {
    let sql = format!("{VISIT} WHERE v.id = $1 AND v.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    visit_of(&row.ok_or(Failure::NotFound)?)
}

/// What the owner said, as the visit form gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Said {
    pub opinions: String,
    pub suggestions: String,
    /// 1 to 5.
    pub satisfaction: String,
}

/// Records a visit made at `now` on the business day `today` (once; a
/// second record of the same visit is refused) and ends its task in the
/// call queue, audited.
pub async fn record(db: &Db, actor: &Actor, id: i64, said: &Said, (now, today): (Timestamp, Date)) -> Result<Visit> {
    let v = visit(db, &actor.scope, id).await?;
    let score = said.satisfaction.trim().parse::<i64>().map_err(|_| {
        Invalid::new("satisfaction", Rule::new("satisfaction_1_5", "须为 1 至 5 分", "must be from 1 to 5"))
    })?;
    let score = satisfaction("satisfaction", score)?;
    let opinions = optional_text("opinions", &said.opinions, 2000)?;
    let suggestions = optional_text("suggestions", &said.suggestions, 2000)?;
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE estate_opinion_visits SET visited_at = $1, visited_on = $2, visited_by = $3, opinions = $4, \
         suggestions = $5, satisfaction = $6 WHERE id = $7 AND visited_at IS NULL",
    )
    .bind(instant_text(now))
    .bind(today.to_string())
    .bind(actor.display_name.clone())
    .bind(opinions)
    .bind(suggestions)
    .bind(score)
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if done == 0 {
        return Err(Failure::Conflict(Rule::new("visit_recorded", "该走访已记录", "this visit is already recorded")));
    }
    crate::visit_tasks::close_in(&mut tx, id, score, said.opinions.trim()).await?;
    let change = Change {
        entity: "estate_opinion_visit",
        entity_id: id.to_string(),
        action: "record",
        branch: None,
        old: None,
        new: Some(json!({ "house": v.house, "satisfaction": score })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    visit(db, &actor.scope, id).await
}

/// A month's opinion visits of an estate: how many, the satisfaction
/// scores counted 1 to 5 and their mean, and what owners said.
#[derive(Debug, Clone, Serialize)]
pub struct MonthSummary {
    pub visits: i64,
    /// Visits scored 1, 2, 3, 4 and 5.
    pub scores: [i64; 5],
    /// The mean score in hundredths (423 = 4.23).
    pub mean_hundredths: Option<i64>,
    pub said: Vec<Visit>,
}

pub async fn month_summary(db: &Db, estate: &Estate, first: Date, last: Date) -> Result<MonthSummary> {
    let sql = format!(
        "{VISIT} WHERE v.branch_id = $1 AND v.visited_on >= $2 AND v.visited_on <= $3 \
         ORDER BY v.visited_on, v.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(estate.branch_id.0)
        .bind(first.to_string())
        .bind(last.to_string())
        .fetch_all(db.pool())
        .await?;
    let said: Vec<Visit> = rows.iter().map(visit_of).collect::<Result<_>>()?;
    let mut scores = [0; 5];
    for s in said.iter().filter_map(|v| v.satisfaction) {
        scores[(s - 1).clamp(0, 4) as usize] += 1;
    }
    let (total, sum) = scores.iter().enumerate().fold((0, 0), |(n, s), (i, c)| (n + c, s + c * (i as i64 + 1)));
    // Rounded half up to the hundredth.
    let mean_hundredths = (total > 0).then(|| (sum * 200 + total) / (2 * total));
    Ok(MonthSummary { visits: said.len() as i64, scores, mean_hundredths, said })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_periods_and_turns() {
        assert_eq!(satisfaction("s", 5), Ok(5));
        assert_eq!(satisfaction("s", 0).unwrap_err().field, "s");
        assert!(satisfaction("s", 6).is_err());
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert!(period(d("2026-01-01"), d("2026-12-31")).is_ok());
        assert_eq!(period(d("2026-01-01"), d("2025-12-31")).unwrap_err().field, "ends_on");
        assert!(period(d("2026-01-01"), d("2028-01-02")).is_err());
        assert_eq!(in_turn(&[10, 11, 12], &[1, 2]), [(10, 1), (11, 2), (12, 1)]);
        assert!(in_turn(&[10], &[]).is_empty());
    }
}
