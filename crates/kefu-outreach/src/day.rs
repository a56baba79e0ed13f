//! A day's outreach at a glance: its tasks counted by playbook, channel and
//! status, and when the day's run last finished.

use jiff::civil::Date;
use kefu_core::Scope;
use kefu_store::{Db, Failure, RowExt};

/// How many of the day's tasks in scope have one playbook, channel and
/// status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCount {
    pub playbook: String,
    pub channel: String,
    pub status: String,
    pub n: i64,
}

/// The tasks due on `day` in scope, counted by playbook, channel and status.
pub async fn task_counts(db: &Db, scope: &Scope, day: Date) -> Result<Vec<TaskCount>, Failure> {
    let sql = format!(
        "SELECT playbook, channel, status, COUNT(*) AS n FROM outreach_tasks WHERE due_date = $1 AND branch_id IN ({}) \
         GROUP BY playbook, channel, status ORDER BY playbook, channel, status",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(day.to_string()).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(TaskCount {
                playbook: r.text("playbook")?,
                channel: r.text("channel")?,
                status: r.text("status")?,
                n: r.i64("n")?,
            })
        })
        .collect()
}

/// When the run for `day` last finished (an instant's text), if it ran.
pub async fn last_run(db: &Db, day: Date) -> Result<Option<String>, Failure> {
    Ok(sqlx::query_scalar("SELECT MAX(finished_at) FROM outreach_runs WHERE run_date = $1")
        .bind(day.to_string())
        .fetch_one(db.pool())
        .await?)
}
