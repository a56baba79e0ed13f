//! Rows handed to SQLite straight from Rust's memory, for bulk inserts: the
//! table-valued function `kefu_rows(batch)` reads the rows [`lend`] put
//! aside under the number `batch`, so that
//! `INSERT INTO t (a, b) SELECT c0, c1 FROM kefu_rows(?)` writes them
//! without any value being bound, parsed or copied on the way.
//!
//! Why: an import writes about a hundred values per row of the file. Bound
//! one by one through sqlx's `Any` driver, each is converted twice before
//! SQLite copies it; sent as one JSON document, each is parsed by
//! `jsonb_each` and picked out by a function call. Either way most of a
//! bulk load's time went to moving values, not to writing them.
//!
//! sqlx does not expose SQLite's connection handle through its `Any`
//! driver, so the function is installed on every SQLite connection the
//! process opens, by SQLite's own auto-extension hook ([`install`]).

use crate::bulk::Cell;
use rusqlite::ffi;
use rusqlite::vtab::{
    Context, Filters, IndexConstraintOp, IndexInfo, VTab, VTabConfig, VTabConnection, VTabCursor,
    eponymous_only_module, sqlite3_vtab, sqlite3_vtab_cursor,
};
use std::collections::HashMap;
use std::ffi::{c_char, c_int};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Once};

/// The widest row `kefu_rows` offers (columns `c0` … `c63`).
pub const MAX_COLUMNS: usize = 64;

type Batch = Arc<Vec<Vec<Cell>>>;

static LENT: LazyLock<Mutex<HashMap<i64, Batch>>> = LazyLock::new(Mutex::default);
static NEXT_BATCH: AtomicI64 = AtomicI64::new(1);

/// Rows put aside for `kefu_rows`, taken back when this is dropped (a
/// statement already reading them keeps its own reference).
pub struct Lent {
    batch: i64,
}

impl Lent {
    /// The number to pass to `kefu_rows(?)`.
    pub fn batch(&self) -> i64 {
        self.batch
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        lent().remove(&self.batch);
    }
}

/// Puts `rows` aside for `kefu_rows`; every row must have the same width,
/// at most [`MAX_COLUMNS`].
pub fn lend(rows: Vec<Vec<Cell>>) -> Lent {
    assert!(rows.iter().all(|r| r.len() <= MAX_COLUMNS), "kefu_rows offers at most {MAX_COLUMNS} columns");
    let batch = NEXT_BATCH.fetch_add(1, Ordering::Relaxed);
    lent().insert(batch, Arc::new(rows));
    Lent { batch }
}

fn lent() -> std::sync::MutexGuard<'static, HashMap<i64, Batch>> {
    // A panic while the lock was held cannot leave the map half-changed.
    LENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes every SQLite connection opened from now on offer `kefu_rows`.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: the entry point only registers a module on the
        // connection it is given; it opens and closes nothing.
        let result = unsafe { rusqlite::auto_extension::register_auto_extension(register_on) };
        if let Err(e) = result {
            tracing::error!(error = %e, "kefu_rows could not be installed; bulk loads on SQLite will fail");
        }
    });
}

unsafe extern "C" fn register_on(
    db: *mut ffi::sqlite3,
    error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite calls this with the connection it is opening; the
    // rusqlite handle borrows it and does not close it when dropped.
    unsafe {
        rusqlite::auto_extension::init_auto_extension(db, error, |conn| {
            conn.create_module("kefu_rows", eponymous_only_module::<RowsTable>(), None)?;
            crate::kept_rows::register(&conn)
        })
    }
}

/// The hidden column that takes the batch number.
const BATCH_COLUMN: c_int = MAX_COLUMNS as c_int;

#[repr(C)]
struct RowsTable {
    base: sqlite3_vtab,
}

// SAFETY: `RowsTable` is `repr(C)` with the SQLite base struct first, as
// rusqlite requires.
unsafe impl<'vtab> VTab<'vtab> for RowsTable {
    type Aux = ();
    type Cursor = RowsCursor<'vtab>;

    fn connect(db: &mut VTabConnection, _aux: Option<&()>, _args: &[&[u8]]) -> rusqlite::Result<(String, Self)> {
        db.config(VTabConfig::Innocuous)?;
        let columns: Vec<String> = (0..MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        Ok((
            format!("CREATE TABLE x({}, batch HIDDEN)", columns.join(", ")),
            RowsTable { base: sqlite3_vtab::default() },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<()> {
        let batch = info.constraints().position(|c| {
            c.column() == BATCH_COLUMN && c.is_usable() && c.operator() == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ
        });
        let Some(batch) = batch else {
            return Err(rusqlite::Error::ModuleError("kefu_rows(batch) needs the number of a lent batch".into()));
        };
        let mut usage = info.constraint_usage(batch);
        usage.set_argv_index(1);
        usage.set_omit(true);
        info.set_estimated_cost(1.0);
        Ok(())
    }

    fn open(&'vtab mut self) -> rusqlite::Result<RowsCursor<'vtab>> {
        Ok(RowsCursor { base: sqlite3_vtab_cursor::default(), rows: Arc::default(), at: 0, phantom: PhantomData })
    }
}

#[repr(C)]
struct RowsCursor<'vtab> {
    base: sqlite3_vtab_cursor,
    rows: Batch,
    at: usize,
    phantom: PhantomData<&'vtab RowsTable>,
}

// SAFETY: `repr(C)` with the SQLite base struct first.
unsafe impl VTabCursor for RowsCursor<'_> {
    fn filter(&mut self, _plan: c_int, _plan_text: Option<&str>, args: &Filters<'_>) -> rusqlite::Result<()> {
        let batch: i64 = args.get(0)?;
        let Some(rows) = lent().get(&batch).cloned() else {
            return Err(rusqlite::Error::ModuleError(format!("kefu_rows: no batch {batch} is lent")));
        };
        self.rows = rows;
        self.at = 0;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.at += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.at >= self.rows.len()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        let cell = usize::try_from(i).ok().and_then(|i| self.rows[self.at].get(i));
        match cell {
            Some(Cell::Int(Some(v))) => ctx.set_result(v),
            Some(Cell::Text(Some(v))) => ctx.set_result(&v.as_str()),
            _ => ctx.set_result(&rusqlite::types::Null),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.at as i64 + 1)
    }
}
