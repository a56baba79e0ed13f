//! A query's whole result held in memory, read the fastest way each
//! database offers: on SQLite the rows are kept by the query itself
//! ([`crate::kept_rows`]) instead of crossing the driver one by one; on
//! PostgreSQL they arrive as usual and are copied out of the driver's
//! rows. Either way the caller reads them by column name, as [`RowExt`]
//! reads a driver's row.

use crate::bulk::Cell;
use crate::kept_rows::{self, Kept, Value};
use crate::{Result, RowExt, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Column, Executor, Row, SqlSafeStr, Statement};

/// Rows of one shape: the column names, and the values row after row.
#[derive(Debug, Default)]
pub struct Fetched {
    columns: Vec<String>,
    rows: Kept,
}

impl Fetched {
    pub fn len(&self) -> usize {
        self.rows.values.len().checked_div(self.columns.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.rows.values.is_empty()
    }

    /// The rows, in the order the database gave them.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = FetchedRow<'_>> {
        let width = self.columns.len().max(1);
        self.rows.values.chunks(width).map(move |values| FetchedRow {
            columns: &self.columns,
            values,
            text: &self.rows.text,
        })
    }

    /// Adds the rows of `more`, a result of the same columns.
    fn append(&mut self, more: Fetched) {
        if self.columns.is_empty() {
            *self = more;
        } else {
            let shift = self.rows.text.len();
            self.rows.text.push_str(&more.rows.text);
            self.rows.values.extend(more.rows.values.into_iter().map(|v| match v {
                Value::Text(r) => Value::Text(r.start + shift..r.end + shift),
                other => other,
            }));
        }
    }
}

/// One row of a [`Fetched`].
#[derive(Clone, Copy)]
pub struct FetchedRow<'a> {
    columns: &'a [String],
    values: &'a [Value],
    text: &'a str,
}

impl FetchedRow<'_> {
    fn value(&self, col: &str) -> Result<&Value> {
        // A result has a few dozen columns at most: a scan is as quick as a hash.
        let at = self.columns.iter().position(|c| c == col).ok_or_else(|| sqlx::Error::ColumnNotFound(col.into()))?;
        Ok(&self.values[at])
    }
}

fn mismatch(col: &str, expected: &str) -> StoreError {
    sqlx::Error::ColumnDecode { index: col.to_string(), source: format!("expected {expected}").into() }.into()
}

impl RowExt for FetchedRow<'_> {
    fn i64(&self, col: &str) -> Result<i64> {
        self.opt_i64(col)?.ok_or_else(|| mismatch(col, "an integer, found NULL"))
    }
    fn opt_i64(&self, col: &str) -> Result<Option<i64>> {
        match self.value(col)? {
            Value::Null => Ok(None),
            Value::Int(n) => Ok(Some(*n)),
            Value::Text(_) => Err(mismatch(col, "an integer, found text")),
        }
    }
    fn text(&self, col: &str) -> Result<String> {
        self.opt_text(col)?.ok_or_else(|| mismatch(col, "text, found NULL"))
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        match self.value(col)? {
            Value::Null => Ok(None),
            Value::Text(r) => Ok(Some(self.text[r.clone()].to_string())),
            Value::Int(_) => Err(mismatch(col, "text, found an integer")),
        }
    }
    fn flag(&self, col: &str) -> Result<bool> {
        Ok(self.i64(col)? != 0)
    }
}

/// Every row of `sql`, its `$1`, `$2`… bound to `binds`. Each column must
/// hold integers or text (flags as 0/1), and have a name of its own.
pub async fn fetch(conn: &mut AnyConnection, sql: &str, binds: &[Cell]) -> Result<Fetched> {
    if conn.backend_name() != "SQLite" {
        return copied(&bound(sql.to_string(), binds).fetch_all(&mut *conn).await?);
    }
    let columns: Vec<String> = conn
        .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
        .await?
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let picks: Vec<String> = columns.iter().map(|c| format!("q.\"{}\"", c.replace('"', "\"\""))).collect();
    let batch = kept_rows::reserve();
    // The batch is a number this process made, written into the statement.
    let wrapped = format!("SELECT COUNT(kefu_keep({batch}, {})) FROM ({sql}) AS q", picks.join(", "));
    let counted = bound(wrapped, binds).fetch_one(&mut *conn).await;
    let rows = kept_rows::take(batch);
    let counted: i64 = counted?.try_get(0)?;
    let fetched = Fetched { columns, rows };
    if fetched.len() as i64 != counted || !fetched.rows.values.len().is_multiple_of(fetched.columns.len().max(1)) {
        return Err(StoreError::Other(format!(
            "kefu_keep kept {} values of {counted} rows",
            fetched.rows.values.len()
        )));
    }
    Ok(fetched)
}

/// [`fetch`] of `{head} IN (…) {tail}` for all `values`, as few statements
/// as the bind limit allows (see [`crate::bulk::select_in`]).
pub async fn fetch_in(conn: &mut AnyConnection, head: &str, values: &[Cell], tail: &str) -> Result<Fetched> {
    let mut all = Fetched::default();
    for chunk in values.chunks(crate::bulk::MAX_BINDS) {
        let list = (1..=chunk.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
        all.append(fetch(conn, &format!("{head} IN ({list}) {tail}"), chunk).await?);
    }
    Ok(all)
}

/// `sql` with its `$1`, `$2`… bound to `binds`.
fn bound(sql: String, binds: &[Cell]) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for cell in binds.iter().cloned() {
        query = match cell {
            Cell::Int(v) => query.bind(v),
            Cell::Text(v) => query.bind(v),
        };
    }
    query
}

/// A driver's rows as [`Fetched`].
fn copied(rows: &[AnyRow]) -> Result<Fetched> {
    let Some(first) = rows.first() else { return Ok(Fetched::default()) };
    let columns: Vec<String> = first.columns().iter().map(|c| c.name().to_string()).collect();
    let mut kept = Kept { values: Vec::with_capacity(rows.len() * columns.len()), text: String::new() };
    for r in rows {
        for (i, col) in columns.iter().enumerate() {
            if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                kept.values.push(v.map_or(Value::Null, Value::Int));
            } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                match v {
                    Some(t) => kept.push_text(&t),
                    None => kept.values.push(Value::Null),
                }
            } else if let Ok(v) = r.try_get::<Option<bool>, _>(i) {
                kept.values.push(v.map_or(Value::Null, |b| Value::Int(i64::from(b))));
            } else {
                return Err(mismatch(col, "an integer or text"));
            }
        }
    }
    Ok(Fetched { columns, rows: kept })
}
