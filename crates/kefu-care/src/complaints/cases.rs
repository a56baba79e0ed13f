//! Case analysis: a closed complaint becomes a case with its root cause and
//! an improvement plan — actions with an owner and a due date, tracked until
//! done — so the same complaint does not come back.

use super::{Status, get};
use jiff::civil::Date;
use kefu_core::ids::{BranchId, ComplaintId};
use kefu_core::time::instant_text;
use kefu_core::validation::required_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Action {
    pub id: i64,
    pub action: String,
    pub owner: String,
    pub due_on: String,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
}

impl Action {
    /// Not done, and its due date has passed.
    pub fn overdue(&self, today: Date) -> bool {
        self.done_at.is_none() && self.due_on < today.to_string()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Case {
    pub id: i64,
    pub complaint_id: ComplaintId,
    pub branch_id: BranchId,
    pub root_cause: String,
    pub created_at: String,
    pub created_by: String,
    pub actions: Vec<Action>,
}

/// The case made of a complaint, if any.
pub async fn of_complaint(db: &Db, scope: &Scope, complaint: ComplaintId) -> Result<Option<Case>> {
    let c = get(db, scope, complaint).await?;
    let Some(row) =
        sqlx::query("SELECT id, root_cause, created_at, created_by FROM complaint_cases WHERE complaint_id = $1")
            .bind(c.id.0)
            .fetch_optional(db.pool())
            .await?
    else {
        return Ok(None);
    };
    let id = row.i64("id")?;
    let actions = sqlx::query(
        "SELECT id, action, owner, due_on, done_at, done_by FROM case_actions WHERE case_id = $1 ORDER BY due_on, id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Action {
            id: r.i64("id")?,
            action: r.text("action")?,
            owner: r.text("owner")?,
            due_on: r.text("due_on")?,
            done_at: r.opt_text("done_at")?,
            done_by: r.opt_text("done_by")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(Case {
        id,
        complaint_id: c.id,
        branch_id: c.branch_id,
        root_cause: row.text("root_cause")?,
        created_at: row.text("created_at")?,
        created_by: row.text("created_by")?,
        actions,
    }))
}

/// Makes a case of a closed complaint, once.
pub async fn open(
    db: &Db,
    actor: &Actor,
    complaint: ComplaintId,
    root_cause: &str,
    now: jiff::Timestamp,
) -> Result<Case> {
    let c = get(db, &actor.scope, complaint).await?;
    if c.status != Status::Closed {
        return Err(Invalid::new(
            "status",
            Rule::new("case_after_closing", "投诉结案后才能做案例分析", "a complaint becomes a case once it is closed"),
        )
        .into());
    }
    if of_complaint(db, &actor.scope, complaint).await?.is_some() {
        return Err(Invalid::new(
            "status",
            Rule::new("case_exists", "该投诉已做过案例分析", "this complaint is already a case"),
        )
        .into());
    }
    let root_cause = required_text("root_cause", root_cause, 2000)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaint_cases (complaint_id, branch_id, root_cause, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(c.id.0)
    .bind(c.branch_id.0)
    .bind(root_cause.clone())
    .bind(instant_text(now))
    .bind(actor.display_name.clone())
    .fetch_one(tx.conn())
    .await
    // Two at once: the unique key keeps one.
    .map_err(|e| Failure::unique_as_taken(e, "complaint"))?;
    tx.audit(
        actor,
        Change {
            entity: "complaint_case",
            entity_id: id.to_string(),
            action: "create",
            branch: Some(c.branch_id),
            old: None,
            new: Some(json!({ "complaint": c.id, "root_cause": root_cause })),
        },
    )
    .await?;
    tx.commit().await?;
    of_complaint(db, &actor.scope, complaint).await?.ok_or(Failure::NotFound)
}

/// Adds an improvement action to a complaint's case.
pub async fn add_action(
    db: &Db,
    actor: &Actor,
    complaint: ComplaintId,
    (action, owner, due_on): (&str, &str, &str),
    now: jiff::Timestamp,
) -> Result<Case> {
    let case = of_complaint(db, &actor.scope, complaint).await?.ok_or(Failure::NotFound)?;
    let action = required_text("action", action, 500)?;
    let owner = required_text("owner", owner, 64)?;
    let due_on: Date = due_on.trim().parse().map_err(|_| {
        Invalid::new("due_on", Rule::new("date_format", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"))
    })?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO case_actions (case_id, action, owner, due_on, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(case.id)
    .bind(action.clone())
    .bind(owner.clone())
    .bind(due_on.to_string())
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "case_action",
            entity_id: id.to_string(),
            action: "create",
            branch: Some(case.branch_id),
            old: None,
            new: Some(json!({ "case": case.id, "action": action, "owner": owner, "due_on": due_on })),
        },
    )
    .await?;
    tx.commit().await?;
    of_complaint(db, &actor.scope, complaint).await?.ok_or(Failure::NotFound)
}

/// Marks an action of a complaint's case done (once).
pub async fn complete_action(
    db: &Db,
    actor: &Actor,
    complaint: ComplaintId,
    action: i64,
    now: jiff::Timestamp,
) -> Result<Case> {
    let case = of_complaint(db, &actor.scope, complaint).await?.ok_or(Failure::NotFound)?;
    if !case.actions.iter().any(|a| a.id == action) {
        return Err(Failure::NotFound);
    }
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE case_actions SET done_at = $1, done_by = $2 WHERE id = $3 AND case_id = $4 AND done_at IS NULL",
    )
    .bind(instant_text(now))
    .bind(actor.display_name.clone())
    .bind(action)
    .bind(case.id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if done == 0 {
        return Err(Failure::Conflict(Rule::new("action_done", "该措施已完成", "this action is already done")));
    }
    tx.audit(
        actor,
        Change {
            entity: "case_action",
            entity_id: action.to_string(),
            action: "done",
            branch: Some(case.branch_id),
            old: None,
            new: Some(json!({ "done_by": actor.display_name })),
        },
    )
    .await?;
    tx.commit().await?;
    of_complaint(db, &actor.scope, complaint).await?.ok_or(Failure::NotFound)
}
