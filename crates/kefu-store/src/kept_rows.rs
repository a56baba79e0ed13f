//! Rows read from SQLite straight into Rust's memory, for bulk reads: the
//! reverse of [`crate::lent_rows`]. `SELECT COUNT(kefu_keep(batch, a, b))
//! FROM (…)` runs the query inside SQLite, and the function `kefu_keep`
//! puts each row's values aside under the number `batch`, where [`take`]
//! finds them once the statement is done; one row crosses the driver.
//!
//! Why: read through sqlx's `Any` driver, each row of a result is copied
//! into SQLite's row type, converted into `Any`'s, and sent alone from the
//! connection's thread to the caller's, waking it. A billing run reading a
//! station's 100,000 accounts spent 1.6 s there where SQLite itself took
//! 0.7 s; a county's reading import spent 15 s reading a million meters.
//!
//! The function is installed beside `kefu_rows` on every SQLite connection
//! the process opens ([`crate::lent_rows::install`]).

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{LazyLock, Mutex};

/// One value of a kept row; a text is a range of [`Kept::text`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(std::ops::Range<usize>),
}

/// Rows kept, flat: a row's values one after another, and their texts one
/// after another in one string (a million small strings each of their own
/// took as long to allocate and free as SQLite took to read them).
#[derive(Debug, Default)]
pub struct Kept {
    pub values: Vec<Value>,
    pub text: String,
}

impl Kept {
    pub fn push_text(&mut self, t: &str) {
        let start = self.text.len();
        self.text.push_str(t);
        self.values.push(Value::Text(start..self.text.len()));
    }
}

/// The rows each running statement has kept so far.
static KEPT: LazyLock<Mutex<HashMap<i64, Kept>>> = LazyLock::new(Mutex::default);
static NEXT_BATCH: AtomicI64 = AtomicI64::new(1);

fn kept() -> std::sync::MutexGuard<'static, HashMap<i64, Kept>> {
    // A panic while the lock was held cannot leave the map half-changed.
    KEPT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A number no other statement keeps rows under; its rows wait in memory
/// until [`take`]n.
pub fn reserve() -> i64 {
    let batch = NEXT_BATCH.fetch_add(1, Ordering::Relaxed);
    kept().insert(batch, Kept::default());
    batch
}

/// The rows kept under `batch`; the batch is gone after.
pub fn take(batch: i64) -> Kept {
    kept().remove(&batch).unwrap_or_default()
}

/// Registers `kefu_keep` on a connection being opened.
pub(crate) fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    // Not deterministic: SQLite must call it for every row, never once for
    // equal arguments.
    conn.create_scalar_function("kefu_keep", -1, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY, keep)
}

fn keep(ctx: &Context<'_>) -> rusqlite::Result<i64> {
    let batch: i64 = ctx.get(0)?;
    let mut all = kept();
    let Some(rows) = all.get_mut(&batch) else {
        return Err(rusqlite::Error::UserFunctionError(format!("kefu_keep: no batch {batch}").into()));
    };
    for i in 1..ctx.len() {
        match ctx.get_raw(i) {
            ValueRef::Null => rows.values.push(Value::Null),
            ValueRef::Integer(n) => rows.values.push(Value::Int(n)),
            ValueRef::Text(t) => rows.push_text(
                std::str::from_utf8(t)
                    .map_err(|e| rusqlite::Error::UserFunctionError(format!("kefu_keep: column {i}: {e}").into()))?,
            ),
            ValueRef::Real(_) | ValueRef::Blob(_) => {
                return Err(rusqlite::Error::UserFunctionError(
                    format!("kefu_keep: column {i} is neither an integer nor text").into(),
                ));
            }
        }
    }
    Ok(1)
}
