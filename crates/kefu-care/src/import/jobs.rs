//! Import jobs: an uploaded file kept in the database between the web
//! page's steps — mapping, dry run, import — so any server can take the next
//! step, and the import runs in the background while the page shows its
//! progress. The file is cleared once the import has run; the report stays.

use super::mapping::{Field, Mapping};
use super::run::{Mode, Report};
use super::table::{self, Table};
use kefu_core::ids::{BranchId, ImportJobId, UserId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// A job's status.
pub mod status {
    pub const UPLOADED: &str = "uploaded";
    /// A dry run has been made.
    pub const CHECKED: &str = "checked";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: ImportJobId,
    pub branch_id: BranchId,
    pub user_id: Option<UserId>,
    pub file_name: String,
    pub sheet: String,
    /// The file's column headers.
    pub headers: Vec<String>,
    pub mapping: Mapping,
    pub mode: Mode,
    pub status: String,
    pub report: Option<Report>,
    pub error: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str =
    "id, branch_id, user_id, file_name, sheet, headers, mapping, mode, status, report, error, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Job> {
    let json_error =
        |what: &str, e: serde_json::Error| kefu_store::StoreError::Other(format!("import job {what}: {e}"));
    Ok(Job {
        id: ImportJobId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        user_id: r.opt_i64("user_id")?.map(UserId),
        file_name: r.text("file_name")?,
        sheet: r.text("sheet")?,
        headers: serde_json::from_str(&r.text("headers")?).map_err(|e| json_error("headers", e))?,
        mapping: serde_json::from_str(&r.text("mapping")?).map_err(|e| json_error("mapping", e))?,
        mode: serde_json::from_value(json!(r.text("mode")?)).map_err(|e| json_error("mode", e))?,
        status: r.text("status")?,
        report: match r.opt_text("report")? {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| json_error("report", e))?),
            None => None,
        },
        error: r.text("error")?,
        created_at: r.text("created_at")?,
        updated_at: r.text("updated_at")?,
    })
}

fn mode_text(mode: Mode) -> String {
    serde_json::to_value(mode).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Keeps an uploaded file for `branch` after checking it can be read, with
/// the mapping its headers suggest for `fields`.
pub async fn create(
    db: &Db,
    actor: &Actor,
    branch: BranchId,
    file_name: &str,
    bytes: Vec<u8>,
    sheet: &str,
    fields: &[Field],
) -> Result<(Job, Table)> {
    actor.scope.check(branch)?;
    let (bytes, table) = read_apart(bytes, sheet).await?;
    let mapping = Mapping::suggest(fields, &table.headers);
    let mut tx = db.begin().await?;
    let now = instant_text(tx.now());
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO import_jobs (branch_id, user_id, file_name, file_data, sheet, headers, mapping, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {COLUMNS}"
    )))
    .bind(branch.0)
    .bind((actor.user_id.0 != 0).then_some(actor.user_id.0))
    .bind(file_name.to_string())
    .bind(bytes)
    .bind(sheet.to_string())
    .bind(serde_json::to_string(&table.headers).unwrap_or_default())
    .bind(serde_json::to_string(&mapping).unwrap_or_default())
    .bind(status::UPLOADED)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    let job = from_row(&row)?;
    // The file holds personal data: who brought it in is on record.
    tx.audit(
        actor,
        Change {
            entity: "import_job",
            entity_id: job.id.to_string(),
            action: "upload",
            branch: Some(branch),
            old: None,
            new: Some(json!({ "file_name": file_name, "rows": table.rows.len(), "headers": table.headers })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((job, table))
}

/// A job of a branch in scope.
pub async fn get(db: &Db, scope: &Scope, id: ImportJobId) -> Result<Job> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM import_jobs WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let job = from_row(&row)?;
    scope.check(job.branch_id)?;
    Ok(job)
}

/// The newest jobs in scope.
pub async fn recent(db: &Db, scope: &Scope, limit: i64) -> Result<Vec<Job>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM import_jobs WHERE branch_id IN ({}) ORDER BY id DESC LIMIT $1",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// The job's file as a table; refused once the file has been imported and
/// cleared.
pub async fn table(db: &Db, job: &Job) -> Result<Table> {
    let data: Option<Vec<u8>> = sqlx::query_scalar("SELECT file_data FROM import_jobs WHERE id = $1")
        .bind(job.id.0)
        .fetch_one(db.pool())
        .await?;
    let data = data.ok_or_else(|| {
        Invalid::new(
            "file",
            Rule::new(
                "file_cleared",
                "该文件已导入，上传的内容已删除；如需再次导入请重新上传",
                "this file was imported and its upload removed; upload it again to import it again",
            ),
        )
    })?;
    Ok(read_apart(data, &job.sheet).await?.1)
}

/// Reads the file on a thread of its own: a large workbook takes seconds,
/// which would stall every request sharing the caller's thread.
async fn read_apart(bytes: Vec<u8>, sheet: &str) -> Result<(Vec<u8>, Table)> {
    let sheet = Some(sheet.to_string()).filter(|s| !s.is_empty());
    let read = tokio::task::spawn_blocking(move || {
        let table = table::read(&bytes, sheet.as_deref());
        (bytes, table)
    });
    let (bytes, table) = read.await.map_err(|e| kefu_store::StoreError::Other(format!("reading a file: {e}")))?;
    Ok((bytes, table?))
}

/// Job bookkeeping (status, mapping, report) is not a change to anyone's
/// records: the imported batches carry their own audit records.
/// `when` narrows which jobs change (the status they must be in).
async fn update(db: &Db, id: ImportJobId, set: &str, when: &str, binds: Vec<Option<String>>) -> Result<u64> {
    let mut tx = db.begin_housekeeping().await?;
    let n = binds.len();
    let sql = format!("UPDATE import_jobs SET {set}, updated_at = ${} WHERE id = ${}{when}", n + 1, n + 2);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let done = q.bind(instant_text(tx.now())).bind(id.0).execute(tx.conn()).await?.rows_affected();
    tx.commit().await?;
    Ok(done)
}

pub async fn save_mapping(db: &Db, id: ImportJobId, mapping: &Mapping) -> Result<()> {
    update(db, id, "mapping = $1", "", vec![serde_json::to_string(mapping).ok()]).await?;
    Ok(())
}

/// Records a dry run's report.
pub async fn checked(db: &Db, id: ImportJobId, report: &Report) -> Result<()> {
    let report = serde_json::to_string(report).ok();
    update(
        db,
        id,
        "status = $1, mode = $2, report = $3",
        "",
        vec![Some(status::CHECKED.into()), Some(mode_text(Mode::DryRun)), report],
    )
    .await?;
    Ok(())
}

/// A job still marked running this long after it started was cut off (its
/// server stopped); it may be run again — its committed batches are whole
/// and a re-run skips what they stored.
const STALE: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

fn stale_before(now: jiff::Timestamp) -> String {
    instant_text(now - STALE)
}

/// Whether the job's file can be mapped and run (again) at `now`.
pub fn can_run(job: &Job, now: jiff::Timestamp) -> bool {
    matches!(job.status.as_str(), status::UPLOADED | status::CHECKED | status::FAILED)
        || (job.status == status::RUNNING && job.updated_at < stale_before(now))
}

/// Marks the job running with the mapping it runs with; false when it is
/// running already or has run, so a double click starts one import.
pub async fn start(db: &Db, id: ImportJobId, mode: Mode, mapping: &Mapping) -> Result<bool> {
    let started = update(
        db,
        id,
        "status = $1, mode = $2, mapping = $3, error = ''",
        " AND (status IN ('uploaded', 'checked', 'failed') OR (status = 'running' AND updated_at < $4))",
        vec![
            Some(status::RUNNING.into()),
            Some(mode_text(mode)),
            serde_json::to_string(mapping).ok(),
            Some(stale_before(db.now())),
        ],
    )
    .await?;
    Ok(started == 1)
}

/// At a server's start, the imports left running are ones a stop cut off
/// (their transaction rolled back, or their committed batches are whole):
/// they are marked failed with the reason, in their uploader's language,
/// and may be run again. Returns how many there were.
pub async fn fail_interrupted(db: &Db) -> Result<u64> {
    let mut tx = db.begin_housekeeping().await?;
    let failed = sqlx::query(
        "UPDATE import_jobs SET status = $1, updated_at = $2, error = CASE WHEN EXISTS \
         (SELECT 1 FROM users u WHERE u.id = import_jobs.user_id AND u.locale = 'en') THEN $3 ELSE $4 END \
         WHERE status = $5",
    )
    .bind(status::FAILED)
    .bind(instant_text(db.now()))
    .bind("the server stopped during this import; what it had not committed was not kept, so run it again")
    .bind("导入过程中服务器停止，未提交的内容没有保存，请重新导入")
    .bind(status::RUNNING)
    .execute(tx.conn())
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(failed)
}

/// Records how the import ended. An import that committed is done, and its
/// file is removed (it holds personal data and is in the archive now); one
/// that wrote nothing (an all-or-nothing file with bad rows) counts as
/// checked, and a failed one keeps its file, so either can be run again.
pub async fn finish(db: &Db, id: ImportJobId, report: Option<&Report>, error: &str) -> Result<()> {
    let committed = report.is_some_and(|r| r.committed);
    let (status, clear) = match (error.is_empty(), committed) {
        (true, true) => (status::DONE, ", file_data = NULL"),
        (true, false) => (status::CHECKED, ""),
        (false, _) => (status::FAILED, ""),
    };
    update(
        db,
        id,
        &format!("status = $1, report = $2, error = $3{clear}"),
        "",
        vec![Some(status.into()), report.and_then(|r| serde_json::to_string(r).ok()), Some(error.to_string())],
    )
    .await?;
    Ok(())
}
