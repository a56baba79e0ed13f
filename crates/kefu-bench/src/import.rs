//! The import at the size the customer-archive issue names (a file of
//! 200,000 rows into a store that holds nothing yet), beside its floor.
//! The import runs as `kefu import` runs it (`kefu::import::read` and
//! `kefu::import::import`, all or nothing): reading and parsing the file,
//! validating every row, matching it with what is stored and writing it.
//! The floor writes exactly the rows the import wrote, without parsing or
//! validation: see `import_floor`.

use crate::import_floor::{self, Written};
use kefu::import::ImportArgs;
use kefu_core::time::{Clock, SystemClock};
use kefu_store::Db;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The target, set for SQLite: at least this many rows a second.
pub const TARGET_ROWS_PER_SECOND: f64 = 20_000.0;

pub struct Figures {
    pub rows: usize,
    pub import: Duration,
    pub floor: Duration,
    pub written: Written,
}

impl Figures {
    pub fn rows_per_second(&self, took: Duration) -> f64 {
        self.rows as f64 / took.as_secs_f64().max(1e-9)
    }
}

/// Imports `file` into the branch with the code `branch` of the database
/// at `url`, then copies what it wrote into an empty copy of the schema.
pub async fn measure(db: &Db, url: &str, file: PathBuf, branch: String) -> anyhow::Result<Figures> {
    let before = import_floor::Marks::take(db).await?;
    let args = ImportArgs { file, branch, map: Vec::new(), sheet: None, dry_run: false, skip_bad_rows: false };
    let today = kefu_core::time::BusinessZone::shanghai().date_of(SystemClock.now());
    let started = Instant::now();
    let packs = kefu_web::packs::Enabled::default();
    let target = packs.core().import().ok_or_else(|| anyhow::anyhow!("no pack imports"))?;
    let (table, mapping) = kefu::import::read(&args, target)?;
    let report = kefu::import::import(db, target, &args, (&table, &mapping), today, &mut |_| {}).await?;
    let import = started.elapsed();
    anyhow::ensure!(
        report.committed && report.rejected.is_empty(),
        "the import refused {} rows (first: {:?}); import into a database that holds only its stores",
        report.rejected.len(),
        report.rejected.first()
    );
    let (floor, written) = import_floor::measure(db, url, &before).await?;
    Ok(Figures { rows: report.rows, import, floor, written })
}
