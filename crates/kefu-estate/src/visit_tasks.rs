//! Opinion visits as tasks of the common call queue (issue 21 §4: "as
//! tasks in the call queue and the visit list"). A plan's visits become,
//! when the plan is made, one task each (playbook [`PLAYBOOK`], about the
//! visit: asset kind [`ASSET`]) in the agents' work list, due on days
//! spread over the plan's period and given to the staff member the
//! visit's building is assigned to (the task stands claimed by them); a
//! building moved to someone else moves its open tasks; recording the
//! visit — from the call's page or the visit list — ends its task. The
//! daily run makes the same tasks on the plan's first day for a visit that
//! has none yet (the same key: playbook, step, customer, visit, first day).

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_outreach::channels::template::Template;
use kefu_outreach::playbook::{self, Playbook, VARIABLES};
use kefu_outreach::source::{AnchorSource, Subject, Subjects, customer_columns, customer_subject};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, Failure, RowExt, Tx};

type Result<T> = std::result::Result<T, Failure>;

/// The playbook of the visits' tasks and the kind of record they are about.
pub const PLAYBOOK: &str = "estate_opinion_visit";
pub const ASSET: &str = "estate_opinion_visit";
/// The anchor: the plan's first day.
pub const ANCHOR: &str = "estate_opinion_visit_plan";

pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("visit_tasks.toml")).expect("the shipped playbooks are valid")
}

/// The day visit `k` of `n` falls due: the visits spread evenly over the
/// days from `from` to `last`, the first on `from`.
pub fn due_day(from: Date, last: Date, k: usize, n: usize) -> Date {
    let days = (last - from).get_days().max(0) as usize + 1;
    let offset = (k * days).checked_div(n).unwrap_or(0);
    from + (offset as i64).days()
}

/// The visits still to make matching `filter`, each with the resident to
/// see (an owner before a co-owner, a tenant, family; the first recorded
/// among equals), in building and house order.
fn visits_sql(filter: &str) -> String {
    format!(
        "SELECT v.id, v.branch_id, a.user_id, h.number, g.name AS building, p.starts_on, r.customer_id, {} \
         FROM estate_opinion_visits v JOIN estate_visit_plans p ON p.id = v.plan_id \
         JOIN estate_houses h ON h.id = v.house_id JOIN estate_buildings g ON g.id = v.building_id \
         JOIN estate_visit_assignments a ON a.plan_id = v.plan_id AND a.building_id = v.building_id \
         JOIN estate_residents r ON r.id = (SELECT r2.id FROM estate_residents r2 WHERE r2.house_id = v.house_id \
           AND r2.moved_out IS NULL ORDER BY CASE r2.role WHEN 'owner' THEN 0 WHEN 'co_owner' THEN 1 \
           WHEN 'tenant' THEN 2 ELSE 3 END, r2.id LIMIT 1) \
         JOIN customers c ON c.id = r.customer_id JOIN branches b ON b.id = v.branch_id \
         WHERE v.visited_at IS NULL AND c.merged_into IS NULL AND {filter} ORDER BY g.id, h.sort_key, v.id",
        customer_columns()
    )
}

/// A visit as the subject of its task, with its assignee.
fn subject_of(r: &sqlx::any::AnyRow) -> Result<(Subject, Option<i64>)> {
    let whose = (BranchId(r.i64("branch_id")?), CustomerId(r.i64("customer_id")?));
    let first = crate::quote::parse_date("starts_on", &r.text("starts_on")?)?;
    let mut subject = customer_subject(r, whose, Some((ASSET, r.i64("id")?)), first)?;
    subject.vars.insert("house", r.text("number")?);
    subject.vars.insert("reason", r.text("building")?);
    Ok((subject, r.opt_i64("user_id")?))
}

/// The call script of a visit's task.
fn script(subject: &Subject) -> Result<(String, String)> {
    let book = default_playbooks().into_iter().find(|p| p.code == PLAYBOOK).expect("the shipped playbook");
    let template = Template::parse("template", &book.steps[0].template, &VARIABLES)?;
    let mut vars: std::collections::BTreeMap<String, String> =
        VARIABLES.iter().map(|v| (v.to_string(), String::new())).collect();
    vars.extend(subject.vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
    vars.insert("anchor_date".into(), subject.anchor_date.to_string());
    let message = template.render(&vars).unwrap_or_default();
    Ok((message, serde_json::to_string(&subject.vars).unwrap_or_default()))
}

/// Makes the tasks of plan `plan`'s visits, due from `today` (or the
/// plan's first day, if later) to its last day, each claimed by its
/// building's staff member; returns how many.
pub(crate) async fn create_in(tx: &mut Tx, plan: i64, (first, last): (Date, Date), today: Date) -> Result<usize> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(visits_sql("v.plan_id = $1"))).bind(plan).fetch_all(tx.conn()).await?;
    let now = instant_text(tx.now());
    let from = today.max(first).min(last);
    let priority = default_playbooks().first().map_or(0, |p| p.priority);
    let mut cells = Vec::with_capacity(rows.len());
    for (k, r) in rows.iter().enumerate() {
        let (s, user) = subject_of(r)?;
        let (message, vars) = script(&s)?;
        let (kind, id) = s.asset.unwrap_or((ASSET, 0));
        cells.push(vec![
            Cell::from(s.branch.0),
            s.customer.0.into(),
            kind.into(),
            id.into(),
            PLAYBOOK.into(),
            0.into(),
            s.anchor_date.to_string().into(),
            due_day(from, last, k, rows.len()).to_string().into(),
            "call".into(),
            "call".into(),
            priority.into(),
            if user.is_some() { "claimed" } else { "pending" }.into(),
            message.into(),
            vars.into(),
            user.into(),
            user.map(|_| now.clone()).into(),
            now.clone().into(),
            now.clone().into(),
        ]);
    }
    let columns = [
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
        "message",
        "vars",
        "claimed_by",
        "claimed_at",
        "created_at",
        "updated_at",
    ];
    let made = cells.len();
    bulk::insert(
        tx.conn(),
        "outreach_tasks",
        &columns,
        cells,
        "ON CONFLICT (playbook, step, customer_id, asset_kind, asset_id, anchor_date) DO NOTHING",
    )
    .await?;
    Ok(made)
}

/// Gives the open tasks of a plan's building to `user`.
pub(crate) async fn reassign_in(tx: &mut Tx, plan: i64, building: i64, user: i64) -> Result<u64> {
    let now = instant_text(tx.now());
    Ok(sqlx::query(
        "UPDATE outreach_tasks SET status = 'claimed', claimed_by = $1, claimed_at = $2, updated_at = $2 \
         WHERE playbook = $3 AND asset_kind = $4 AND status IN ('pending', 'claimed') AND asset_id IN \
         (SELECT id FROM estate_opinion_visits WHERE plan_id = $5 AND building_id = $6)",
    )
    .bind(user)
    .bind(now)
    .bind(PLAYBOOK)
    .bind(ASSET)
    .bind(plan)
    .bind(building)
    .execute(tx.conn())
    .await?
    .rows_affected())
}

/// Ends the open task of visit `visit`, recorded with this satisfaction: a
/// satisfied owner (4 or 5), or one whose opinions are the problem to act
/// on (1 to 3).
pub(crate) async fn close_in(tx: &mut Tx, visit: i64, satisfaction: i64, notes: &str) -> Result<u64> {
    let now = instant_text(tx.now());
    let outcome = if satisfaction >= 4 { "satisfied" } else { "problem_reported" };
    Ok(sqlx::query(
        "UPDATE outreach_tasks SET status = 'done', outcome = $1, notes = $2, attempts = attempts + 1, \
         updated_at = $3 WHERE playbook = $4 AND asset_kind = $5 AND asset_id = $6 AND status IN ('pending', 'claimed')",
    )
    .bind(outcome)
    .bind(notes.to_string())
    .bind(now)
    .bind(PLAYBOOK)
    .bind(ASSET)
    .bind(visit)
    .execute(tx.conn())
    .await?
    .rows_affected())
}

/// The visits a customer's open tasks are about (the call page's form).
pub async fn open_visits_of(db: &Db, customer: CustomerId) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT asset_id FROM outreach_tasks WHERE customer_id = $1 AND playbook = $2 AND asset_kind = $3 \
         AND status IN ('pending', 'claimed') ORDER BY due_date, id",
    )
    .bind(customer.0)
    .bind(PLAYBOOK)
    .bind(ASSET)
    .fetch_all(db.pool())
    .await?)
}

pub struct PlanStarts;

pub static PLAN_STARTS: PlanStarts = PlanStarts;

/// The visits of the plans starting on the day, still to make.
impl AnchorSource for PlanStarts {
    fn anchors(&self) -> &'static [&'static str] {
        &[ANCHOR]
    }

    fn subjects<'a>(&'a self, db: &'a Db, _anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let rows = sqlx::query(sqlx::AssertSqlSafe(visits_sql("p.starts_on = $1")))
                .bind(date.to_string())
                .fetch_all(db.pool())
                .await?;
            rows.iter().map(|r| subject_of(r).map(|(s, _)| s)).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_spread_over_the_period() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let (from, last) = (d("2026-01-01"), d("2026-12-31"));
        let days: Vec<Date> = (0..4).map(|k| due_day(from, last, k, 4)).collect();
        assert_eq!(days, [d("2026-01-01"), d("2026-04-02"), d("2026-07-02"), d("2026-10-01")]);
        // More visits than days: several a day, the last on the last day.
        assert_eq!(due_day(from, d("2026-01-02"), 4, 5), d("2026-01-02"));
        assert_eq!(due_day(from, from, 0, 1), from);
        assert!(default_playbooks().iter().any(|p| p.code == PLAYBOOK && p.anchor == ANCHOR));
    }
}
