//! The import's floor: the rows the import wrote, copied by `INSERT …
//! SELECT` in one transaction into an empty copy of the schema made by the
//! same migrations — the same keys, unique constraints and indexes, so the
//! same index work, with no file to parse and nothing to validate or match.
//! On SQLite the copy is a second file attached to the imported one; on
//! PostgreSQL a schema of its own in the same database.
//!
//! Foreign keys are not checked while copying, on either backend: the copy
//! holds none of the stores the rows point to, and the rows agree by
//! construction. SQLite's import skips those checks as well
//! (`Db::begin_bulk`); PostgreSQL's makes them, so there the ratio includes
//! them.
//!
//! Which rows the import wrote is read from the tables as they stood before
//! it: in a table with an `id`, those above its highest id then; in one
//! without (search keys, tags), those of the customers above the highest
//! customer id then. A table that grew and has neither stops the
//! measurement, so rows of a new kind cannot be left out silently.

use kefu_store::{Backend, Db};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The copy's name: the attached file on SQLite, the schema on PostgreSQL.
const COPY: &str = "import_floor";

/// Every table's size before the import.
pub struct Marks {
    tables: Vec<Mark>,
    last_customer: i64,
}

struct Mark {
    table: String,
    rows: i64,
    /// The highest id (0 when empty); `None` for a table without an id.
    last_id: Option<i64>,
    has_customer_id: bool,
}

/// What the floor copied.
pub struct Written {
    pub rows: u64,
    pub tables: Vec<String>,
}

/// One table's part of the copy.
struct Part {
    table: String,
    filter: String,
    rows: i64,
}

impl Marks {
    pub async fn take(db: &Db) -> anyhow::Result<Marks> {
        let mut tables = Vec::new();
        for (table, has_id, has_customer_id) in catalogue(db).await? {
            let (rows, last_id) = if has_id {
                let sql = format!("SELECT COUNT(*), MAX(id) FROM {table}");
                let (rows, last): (i64, Option<i64>) = sqlx::query_as(AssertSqlSafe(sql)).fetch_one(db.pool()).await?;
                (rows, Some(last.unwrap_or(0)))
            } else {
                (count(db, &table).await?, None)
            };
            tables.push(Mark { table, rows, last_id, has_customer_id });
        }
        let last_customer = tables
            .iter()
            .find(|m| m.table == "customers")
            .and_then(|m| m.last_id)
            .ok_or_else(|| anyhow::anyhow!("no customers table: migrate the database first"))?;
        Ok(Marks { tables, last_customer })
    }

    /// The tables that grew since, each with the filter that picks its new rows.
    async fn parts(&self, db: &Db) -> anyhow::Result<Vec<Part>> {
        let mut parts = Vec::new();
        for m in &self.tables {
            let grown = count(db, &m.table).await? - m.rows;
            if grown == 0 {
                continue;
            }
            let filter = match (m.last_id, m.has_customer_id) {
                (Some(id), _) => format!("id > {id}"),
                (None, true) => format!("customer_id > {}", self.last_customer),
                (None, false) => {
                    anyhow::bail!("the import wrote {grown} rows to {}, which has no id and no customer_id", m.table)
                }
            };
            parts.push(Part { table: m.table.clone(), filter, rows: grown });
        }
        Ok(parts)
    }
}

/// Copies the rows written since `before` into an empty copy of the schema
/// and returns how long the copy's transaction took.
pub async fn measure(db: &Db, url: &str, before: &Marks) -> anyhow::Result<(Duration, Written)> {
    let parts = before.parts(db).await?;
    let (mut conn, file) = empty_copy(db, url).await?;
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    if db.backend() == Backend::Postgres {
        // Skips the foreign-key triggers for this transaction (superuser only).
        tx.execute("SET LOCAL session_replication_role = replica").await?;
    }
    let mut written = Written { rows: 0, tables: Vec::new() };
    for p in &parts {
        let sql = format!("INSERT INTO {COPY}.{t} SELECT * FROM {t} WHERE {f}", t = p.table, f = p.filter);
        let copied = tx.execute(AssertSqlSafe(sql)).await?.rows_affected();
        if copied != p.rows as u64 {
            // An update of a row stored before, or rows of a customer stored before.
            eprintln!("import floor: {} grew by {} rows, {copied} copied", p.table, p.rows);
        }
        written.rows += copied;
        written.tables.push(p.table.clone());
    }
    tx.commit().await?;
    let took = started.elapsed();
    remove_copy(conn, file).await?;
    Ok((took, written))
}

/// Every table with whether it has an `id` and a `customer_id` column.
async fn catalogue(db: &Db) -> anyhow::Result<Vec<(String, bool, bool)>> {
    let (table, column, source) = match db.backend() {
        Backend::Sqlite => (
            "m.name",
            "p.name",
            "sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        ),
        Backend::Postgres => (
            "table_name::text",
            "column_name::text",
            "information_schema.columns WHERE table_schema = current_schema()",
        ),
    };
    let sql = format!(
        "SELECT {table}, SUM(CASE WHEN {column} = 'id' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN {column} = 'customer_id' THEN 1 ELSE 0 END) FROM {source} GROUP BY 1 ORDER BY 1"
    );
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    Ok(rows.into_iter().map(|(t, id, customer)| (t, id > 0, customer > 0)).collect())
}

async fn count(db: &Db, table: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(db.pool()).await?)
}

/// Migrates an empty copy of the schema and returns a connection to the
/// imported database that sees it as `import_floor`, set up as the import's
/// bulk transaction is (no foreign-key checks, a 1 GB page cache on
/// SQLite), with the copy's file on SQLite.
async fn empty_copy(db: &Db, url: &str) -> anyhow::Result<(AnyConnection, Option<PathBuf>)> {
    let mut conn = AnyConnection::connect(url).await?;
    match db.backend() {
        Backend::Sqlite => {
            let file = std::env::temp_dir().join(format!("kefu-{COPY}-{}.db", std::process::id()));
            remove_files(&file);
            Db::open(&format!("sqlite://{}", file.display())).await?.close().await;
            conn.execute(AssertSqlSafe(format!(
                "PRAGMA foreign_keys = OFF; ATTACH DATABASE '{}' AS {COPY}; \
                 PRAGMA {COPY}.synchronous = NORMAL; PRAGMA {COPY}.cache_size = -1048576",
                file.display()
            )))
            .await?;
            Ok((conn, Some(file)))
        }
        Backend::Postgres => {
            conn.execute(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {COPY} CASCADE; CREATE SCHEMA {COPY}"))).await?;
            let sep = if url.contains('?') { '&' } else { '?' };
            Db::open(&format!("{url}{sep}options[search_path]={COPY}")).await?.close().await;
            Ok((conn, None))
        }
    }
}

async fn remove_copy(mut conn: AnyConnection, file: Option<PathBuf>) -> anyhow::Result<()> {
    match file {
        Some(file) => {
            conn.close().await?;
            remove_files(&file);
        }
        None => {
            conn.execute(AssertSqlSafe(format!("DROP SCHEMA {COPY} CASCADE"))).await?;
        }
    }
    Ok(())
}

/// Removes a SQLite file with its write-ahead log and shared-memory index,
/// those of them that exist.
fn remove_files(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}
