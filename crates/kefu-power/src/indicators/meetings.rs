//! The monthly analysis meeting (线损、电费回收、综合平均电价完成情况分析会;
//! issue 20 §5, migration 46): one a branch and month with its attendees
//! and notes, and its actions — each with an owner and a due date, followed
//! until done as a complaint case's improvement plan is
//! (`kefu_care::complaints::cases`); the open ones past their date show on
//! the today page.

use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use super::parse_month;
use crate::paging::{Page, Paged, total_of};

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[schema(as = PowerIndicatorAction)]
pub struct Action {
    pub id: i64,
    pub action: String,
    pub owner: String,
    pub due_on: String,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PowerIndicatorMeeting)]
pub struct Meeting {
    pub id: i64,
    #[schema(value_type = i64)]
    pub branch_id: BranchId,
    pub month: String,
    pub held_on: String,
    pub attendees: String,
    pub notes: String,
    pub created_by: String,
    pub actions: Vec<Action>,
}

/// The minutes as typed.
#[derive(Debug, Clone, Default)]
pub struct Minutes {
    pub held_on: String,
    pub attendees: String,
    pub notes: String,
}

fn date(field: &str, text: &str) -> std::result::Result<Date, Invalid> {
    text.trim().parse().map_err(|_| {
        Invalid::new(field, Rule::new("date_format", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"))
    })
}

/// The branch a user's new meeting is kept at: the top of their scope (the
/// company or the centre; branches above are created first). A meeting is
/// found by any user whose scope holds its branch.
pub fn branch_of(scope: &Scope) -> Option<BranchId> {
    scope.branches().first().copied()
}

/// The meeting of `month` held by a branch in scope (the highest), if any.
pub async fn of_month(db: &Db, scope: &Scope, month: &str, today: Date) -> Result<Option<Meeting>> {
    parse_month(month)?;
    let sql = format!(
        "SELECT id, branch_id, month, held_on, attendees, notes, created_by FROM power_indicator_meetings \
         WHERE month = $1 AND branch_id IN ({}) ORDER BY branch_id LIMIT 1",
        scope.sql_list()
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(month.to_string()).fetch_optional(db.pool()).await?
    else {
        return Ok(None);
    };
    let id = row.i64("id")?;
    let actions = sqlx::query(
        "SELECT id, action, owner, due_on, done_at, done_by FROM power_indicator_actions WHERE meeting_id = $1 \
         ORDER BY due_on, id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let (due_on, done_at) = (r.text("due_on")?, r.opt_text("done_at")?);
        Ok(Action {
            id: r.i64("id")?,
            action: r.text("action")?,
            owner: r.text("owner")?,
            overdue: done_at.is_none() && due_on < today.to_string(),
            due_on,
            done_at,
            done_by: r.opt_text("done_by")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(Meeting {
        id,
        branch_id: BranchId(row.i64("branch_id")?),
        month: row.text("month")?,
        held_on: row.text("held_on")?,
        attendees: row.text("attendees")?,
        notes: row.text("notes")?,
        created_by: row.text("created_by")?,
        actions,
    }))
}

/// Records (or corrects) the minutes of `month`'s meeting, audited.
pub async fn save(db: &Db, actor: &Actor, month: &str, m: &Minutes, today: Date) -> Result<Meeting> {
    parse_month(month)?;
    let branch = branch_of(&actor.scope).ok_or(Failure::NotFound)?;
    let held_on = date("held_on", &m.held_on)?;
    let attendees = required_text("attendees", &m.attendees, 500)?;
    let notes = optional_text("notes", &m.notes, 5000)?;
    let old = of_month(db, &actor.scope, month, today).await?;
    let mut tx = db.begin().await?;
    let at = instant_text(tx.now());
    let id = match &old {
        Some(o) => {
            sqlx::query("UPDATE power_indicator_meetings SET held_on = $1, attendees = $2, notes = $3 WHERE id = $4")
                .bind(held_on.to_string())
                .bind(attendees.clone())
                .bind(notes.clone())
                .bind(o.id)
                .execute(tx.conn())
                .await?;
            o.id
        }
        None => sqlx::query_scalar(
            "INSERT INTO power_indicator_meetings (branch_id, month, held_on, attendees, notes, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(branch.0)
        .bind(month.to_string())
        .bind(held_on.to_string())
        .bind(attendees.clone())
        .bind(notes.clone())
        .bind(at)
        .bind(actor.display_name.clone())
        .fetch_one(tx.conn())
        .await
        // Two at once: the unique key keeps one.
        .map_err(|e| Failure::unique_as_taken(e, "month"))?,
    };
    let change = Change {
        entity: "power_indicator_meeting",
        entity_id: id.to_string(),
        action: if old.is_some() { "update" } else { "create" },
        branch: Some(branch),
        old: old.as_ref().map(|o| json!({"held_on": o.held_on, "attendees": o.attendees, "notes": o.notes})),
        new: Some(json!({"month": month, "held_on": held_on.to_string(), "attendees": attendees, "notes": notes})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    of_month(db, &actor.scope, month, today).await?.ok_or(Failure::NotFound)
}

/// Adds an action to `month`'s meeting, audited.
pub async fn add_action(
    db: &Db,
    actor: &Actor,
    month: &str,
    (action, owner, due_on): (&str, &str, &str),
    today: Date,
) -> Result<Meeting> {
    let meeting = of_month(db, &actor.scope, month, today).await?.ok_or(Failure::NotFound)?;
    let action = required_text("action", action, 500)?;
    let owner = required_text("owner", owner, 64)?;
    let due_on = date("due_on", due_on)?;
    let mut tx = db.begin().await?;
    let at = instant_text(tx.now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_indicator_actions (meeting_id, action, owner, due_on, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(meeting.id)
    .bind(action.clone())
    .bind(owner.clone())
    .bind(due_on.to_string())
    .bind(at)
    .fetch_one(tx.conn())
    .await?;
    let change = Change {
        entity: "power_indicator_action",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(meeting.branch_id),
        old: None,
        new: Some(json!({"meeting": meeting.id, "action": action, "owner": owner, "due_on": due_on.to_string()})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    of_month(db, &actor.scope, month, today).await?.ok_or(Failure::NotFound)
}

/// Marks an action of `month`'s meeting done (once), audited.
pub async fn complete_action(db: &Db, actor: &Actor, month: &str, action: i64, today: Date) -> Result<Meeting> {
    let meeting = of_month(db, &actor.scope, month, today).await?.ok_or(Failure::NotFound)?;
    if !meeting.actions.iter().any(|a| a.id == action) {
        return Err(Failure::NotFound);
    }
    let mut tx = db.begin().await?;
    let at = instant_text(tx.now());
    let done = sqlx::query(
        "UPDATE power_indicator_actions SET done_at = $1, done_by = $2 WHERE id = $3 AND meeting_id = $4 \
         AND done_at IS NULL",
    )
    .bind(at)
    .bind(actor.display_name.clone())
    .bind(action)
    .bind(meeting.id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if done == 0 {
        return Err(
            Invalid::new("action", Rule::new("action_done", "该措施已完成", "this action is done already")).into()
        );
    }
    let change = Change {
        entity: "power_indicator_action",
        entity_id: action.to_string(),
        action: "complete",
        branch: Some(meeting.branch_id),
        old: None,
        new: Some(json!({"meeting": meeting.id})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    of_month(db, &actor.scope, month, today).await?.ok_or(Failure::NotFound)
}

/// The open actions past their due date of the meetings in scope, for the
/// today page.
pub async fn overdue_count(db: &Db, scope: &Scope, today: Date) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM power_indicator_actions a JOIN power_indicator_meetings m ON m.id = a.meeting_id \
         WHERE a.done_at IS NULL AND a.due_on < $1 AND m.branch_id IN ({})",
        scope.sql_list()
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(today.to_string()).fetch_one(db.pool()).await?)
}

/// An open action with the month of its meeting.
#[derive(Debug, Clone, Serialize)]
pub struct OpenAction {
    pub month: String,
    pub action: Action,
}

/// A page of the open actions of the meetings in scope, the earliest due
/// first, and how many there are.
pub async fn open_actions(db: &Db, scope: &Scope, today: Date, page: Page) -> Result<Paged<OpenAction>> {
    let sql = format!(
        "SELECT m.month, a.id, a.action, a.owner, a.due_on, COUNT(*) OVER () AS total FROM power_indicator_actions a \
         JOIN power_indicator_meetings m ON m.id = a.meeting_id WHERE a.done_at IS NULL AND m.branch_id IN ({}) \
         ORDER BY a.due_on, a.id{}",
        scope.sql_list(),
        page.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let total = total_of(&rows)?;
    let rows = rows
        .iter()
        .map(|r| {
            let due_on = r.text("due_on")?;
            Ok(OpenAction {
                month: r.text("month")?,
                action: Action {
                    id: r.i64("id")?,
                    action: r.text("action")?,
                    owner: r.text("owner")?,
                    overdue: due_on < today.to_string(),
                    due_on,
                    done_at: None,
                    done_by: None,
                },
            })
        })
        .collect::<Result<_>>()?;
    Ok(Paged { rows, total })
}

/// The meetings held by branches in scope, the latest month first (at most
/// `limit`), each with its actions.
pub async fn list(db: &Db, scope: &Scope, today: Date, limit: i64) -> Result<Vec<Meeting>> {
    let sql = format!(
        "SELECT DISTINCT month FROM power_indicator_meetings WHERE branch_id IN ({}) ORDER BY month DESC LIMIT $1",
        scope.sql_list()
    );
    let months: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(months.len());
    for month in months {
        out.extend(of_month(db, scope, &month, today).await?);
    }
    Ok(out)
}

/// The month of a meeting in scope, by its id: the meeting a user finds for
/// that month must be this one.
pub async fn month_of_meeting(db: &Db, scope: &Scope, id: i64, today: Date) -> Result<String> {
    let sql =
        format!("SELECT month FROM power_indicator_meetings WHERE id = $1 AND branch_id IN ({})", scope.sql_list());
    let month: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    match of_month(db, scope, &month, today).await? {
        Some(m) if m.id == id => Ok(month),
        _ => Err(Failure::NotFound),
    }
}

/// The month of the meeting an action in scope belongs to.
pub async fn month_of_action(db: &Db, scope: &Scope, action: i64, today: Date) -> Result<String> {
    let sql = format!(
        "SELECT m.id FROM power_indicator_actions a JOIN power_indicator_meetings m ON m.id = a.meeting_id \
         WHERE a.id = $1 AND m.branch_id IN ({})",
        scope.sql_list()
    );
    let meeting: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(action)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    month_of_meeting(db, scope, meeting, today).await
}

/// Opens a done action of `month`'s meeting again (the follow-up found it
/// not done after all), audited.
pub async fn reopen_action(db: &Db, actor: &Actor, month: &str, action: i64, today: Date) -> Result<Meeting> {
    let meeting = of_month(db, &actor.scope, month, today).await?.ok_or(Failure::NotFound)?;
    let Some(old) = meeting.actions.iter().find(|a| a.id == action) else {
        return Err(Failure::NotFound);
    };
    let mut tx = db.begin().await?;
    let reopened = sqlx::query(
        "UPDATE power_indicator_actions SET done_at = NULL, done_by = NULL WHERE id = $1 AND meeting_id = $2 \
         AND done_at IS NOT NULL",
    )
    .bind(action)
    .bind(meeting.id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if reopened == 0 {
        return Err(
            Invalid::new("state", Rule::new("action_open", "该措施尚未完成", "this action is open already")).into()
        );
    }
    let change = Change {
        entity: "power_indicator_action",
        entity_id: action.to_string(),
        action: "reopen",
        branch: Some(meeting.branch_id),
        old: Some(json!({"done_at": old.done_at, "done_by": old.done_by})),
        new: Some(json!({"meeting": meeting.id})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    of_month(db, &actor.scope, month, today).await?.ok_or(Failure::NotFound)
}
