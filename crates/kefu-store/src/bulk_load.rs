//! Support for bulk loads (`kefu gen`): writing many rows per statement,
//! building secondary indexes once after the load instead of row by row,
//! and, on SQLite, not waiting for the disk at every commit while loading.

use crate::bulk::{self, Cell};
use crate::db::{Backend, Db};
use crate::{Result, StoreError};
use sqlx::{AssertSqlSafe, Executor};

/// Rows for one table, buffered by a loader and written with as many rows
/// per INSERT as the bind parameter limit allows ([`bulk::insert`]).
#[derive(Debug)]
pub struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

impl Rows {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows { table, columns, rows: Vec::new() }
    }

    /// Adds a row; `row` holds one value per column, in order.
    pub fn push<const N: usize>(&mut self, row: [Cell; N]) {
        assert_eq!(N, self.columns.len(), "a row for {} has one value per column", self.table);
        self.rows.push(row.into());
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the rows on `conn` (inside the caller's transaction) and
    /// empties the buffer.
    pub async fn write(&mut self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        bulk::insert(conn, self.table, self.columns, std::mem::take(&mut self.rows), "").await?;
        Ok(())
    }
}

impl Db {
    /// Drops the secondary indexes of `tables` (those made by CREATE INDEX,
    /// not the keys and unique constraints) and returns the statements that
    /// make them again, for [`Db::create_indexes`] after a bulk load.
    pub async fn drop_indexes(&self, tables: &[&str]) -> Result<Vec<String>> {
        let list = tables.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
        let sql = match self.backend() {
            Backend::Sqlite => format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({list}) \
                 ORDER BY name"
            ),
            Backend::Postgres => format!(
                "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ({list}) \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
            ),
        };
        let found: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(self.write_pool()).await?;
        let mut conn = self.write_pool().acquire().await?;
        for (name, _) in &found {
            conn.execute(AssertSqlSafe(format!("DROP INDEX {name}"))).await?;
        }
        Ok(found.into_iter().map(|(_, create)| create).collect())
    }

    /// Runs the statements [`Db::drop_indexes`] returned.
    pub async fn create_indexes(&self, statements: &[String]) -> Result<()> {
        let mut conn = self.write_pool().acquire().await?;
        for create in statements {
            conn.execute(AssertSqlSafe(create.clone())).await?;
        }
        Ok(())
    }

    /// While `on`, SQLite commits without waiting for the disk, keeps a
    /// large page cache, skips the foreign-key lookups (a loader writes
    /// rows that agree by construction) and sorts a new index's entries on
    /// every core: a crash in the middle of a load loses the load, which is
    /// then simply run again. PostgreSQL is left as configured.
    pub async fn set_bulk_load(&self, on: bool) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            let pragmas = if on {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                format!(
                    "PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576; PRAGMA foreign_keys = OFF; \
                     PRAGMA threads = {cores};"
                )
            } else {
                // Back to what every connection starts with (see db.rs).
                format!(
                    "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{}; PRAGMA foreign_keys = ON; PRAGMA threads = 0;",
                    crate::db::WRITE_CACHE_KIB
                )
            };
            self.write_pool().acquire().await?.execute(AssertSqlSafe(pragmas)).await?;
        }
        Ok(())
    }

    /// After a bulk load: PostgreSQL plans from table statistics, which
    /// autovacuum brings up to date only some time later; until then a
    /// freshly loaded archive was searched by name in 100–300 ms instead of
    /// 5 ms (20,000 customers). The vacuum also marks the pages all-visible,
    /// without which an index-only read visits the table for every row, and
    /// does now what autovacuum would otherwise do over the same tables
    /// while the first users work (the 360° page at a million customers:
    /// p99 23.9 ms right after the load, 15–18 ms an hour later). SQLite's
    /// plans do not rest on statistics here (see kefu_care::search).
    /// `tables` names the tables written; none means the whole database.
    pub async fn vacuum_analyze(&self, tables: &[&str]) -> Result<()> {
        if self.backend() == Backend::Postgres {
            let sql = format!("VACUUM (ANALYZE) {}", tables.join(", "));
            self.write_pool().acquire().await?.execute(AssertSqlSafe(sql)).await?;
        }
        Ok(())
    }

    /// After rows were written with ids chosen by the loader: makes
    /// PostgreSQL's id sequences carry on after the highest id (SQLite's
    /// AUTOINCREMENT follows on its own).
    pub async fn continue_ids(&self, tables: &[&str]) -> Result<()> {
        if self.backend() == Backend::Postgres {
            for t in tables {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
                )))
                .execute(self.write_pool())
                .await?;
            }
        }
        Ok(())
    }

    /// The highest id in `table`, 0 when empty.
    pub async fn max_id(&self, table: &str) -> Result<i64> {
        let max: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!("SELECT MAX(id) FROM {table}")))
            .fetch_one(self.write_pool())
            .await
            .map_err(StoreError::Sql)?;
        Ok(max.unwrap_or(0))
    }
}
