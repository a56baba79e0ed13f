//! Support for bulk loads (`kefu gen`): writing many rows per statement,
//! building secondary indexes once after the load instead of row by row,
//! and, on SQLite, not waiting for the disk at every commit while loading.

use crate::db::{Backend, Db};
use crate::{Result, StoreError};
use sqlx::{AssertSqlSafe, Executor};

/// Bind parameters per statement: SQLite's limit is 32,766, PostgreSQL's
/// 65,535; one size for both keeps the statements the same.
const MAX_PARAMS: usize = 32_000;

/// A value for a bulk insert. NULLs carry their type because PostgreSQL
/// will not put a NULL typed as text into a BIGINT column.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<bool> for Val {
    /// Flags are 0/1 in both databases.
    fn from(v: bool) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        v.map_or(Val::NullInt, Val::Int)
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        v.map_or(Val::NullText, Val::Text)
    }
}

/// Rows for one table, written with as many rows per INSERT as the bind
/// parameter limit allows.
#[derive(Debug)]
pub struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Val>,
}

impl Rows {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows { table, columns, values: Vec::new() }
    }

    /// Adds a row; `row` holds one value per column, in order.
    pub fn push<const N: usize>(&mut self, row: [Val; N]) {
        assert_eq!(N, self.columns.len(), "a row for {} has one value per column", self.table);
        self.values.extend(row);
    }

    pub fn len(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Writes the rows on `conn` (inside the caller's transaction, on a
    /// `backend` database) and empties the buffer.
    pub async fn write(&mut self, conn: &mut sqlx::AnyConnection, backend: Backend) -> Result<()> {
        let width = self.columns.len();
        let per_statement = MAX_PARAMS / width;
        let mut values = std::mem::take(&mut self.values).into_iter().peekable();
        while values.peek().is_some() {
            let chunk: Vec<Val> = values.by_ref().take(per_statement * width).collect();
            let mut q = sqlx::query(AssertSqlSafe(self.insert_sql(chunk.len() / width, backend)));
            // Owned values move into the arguments rather than being copied.
            for v in chunk {
                q = match v {
                    Val::Int(i) => q.bind(i),
                    Val::Text(t) => q.bind(t),
                    Val::NullInt => q.bind(None::<i64>),
                    Val::NullText => q.bind(None::<String>),
                };
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    fn insert_sql(&self, rows: usize, backend: Backend) -> String {
        let width = self.columns.len();
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                match backend {
                    // SQLite finds a numbered parameter's name by walking
                    // the list of names, which is quadratic over thousands
                    // of parameters; plain `?` are bound by position.
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        sql.push('$');
                        sql.push_str(&(r * width + c + 1).to_string());
                    }
                }
            }
            sql.push(')');
        }
        sql
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
    /// large page cache and skips the foreign-key lookups (a loader writes
    /// rows that agree by construction): a crash in the middle of a load
    /// loses the load, which is then simply run again. PostgreSQL is left
    /// as configured.
    pub async fn set_bulk_load(&self, on: bool) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            let pragmas = if on {
                "PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576; PRAGMA foreign_keys = OFF;"
            } else {
                // Back to what every connection starts with (see db.rs).
                "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000; PRAGMA foreign_keys = ON;"
            };
            self.write_pool().acquire().await?.execute(pragmas).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_carries_many_rows() {
        let mut rows = Rows::new("t", &["a", "b"]);
        rows.push([Val::from(1), Val::from("x")]);
        rows.push([Val::NullInt, Val::from(None::<String>)]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows.insert_sql(2, Backend::Postgres), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        assert_eq!(rows.insert_sql(2, Backend::Sqlite), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
    }
}
