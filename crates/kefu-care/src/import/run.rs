//! Running an import: every row validated as the forms validate, then — by
//! the mode the user chose — nothing written (a dry run), everything or
//! nothing in one transaction, or the good rows in batches with the bad ones
//! reported. A batch is one transaction carrying one audit record, so an
//! interrupted import leaves whole rows or none.

use super::mapping::{Cells, Field, Mapping};
use super::table::{Row, Table};
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Change, Db, Failure, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::future::Future;

type Result<T> = std::result::Result<T, Failure>;

/// Rows per batch: per transaction in skip mode, per set of statements in
/// every mode.
pub const BATCH: usize = 5_000;

/// Fewer rows than this are validated on one thread: starting another
/// costs more than it saves.
const PARALLEL_PART: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Validate and compare with what is stored; write nothing.
    #[default]
    DryRun,
    /// One bad row and nothing is imported.
    AllOrNothing,
    /// Import the good rows, report the bad ones.
    SkipBadRows,
}

/// What a valid row came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It added at least one record.
    Imported,
    /// Everything it describes is stored already.
    Present,
}

/// A row refused, with the field, the column it came from and the rule, in
/// both languages (the report is shown later in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub row: usize,
    pub field: String,
    /// The file's column the field was read from, when it was mapped.
    pub column: Option<String>,
    pub value: String,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub mode: Mode,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows handled so far.
    pub done: usize,
    /// Rows that added records (would add, in a dry run).
    pub imported: usize,
    /// Rows whose records were all stored already.
    pub present: usize,
    pub rejected: Vec<Rejected>,
    /// New records by kind ("customer", "vehicle"…).
    pub created: BTreeMap<String, usize>,
    /// Whether the rows counted as imported were committed (false for a dry
    /// run and for an all-or-nothing file with a bad row).
    pub committed: bool,
}

/// What a pack imports: the fields it fills, how a row is validated, how a
/// batch of valid rows is matched with what is stored, and how what it adds
/// is written.
///
/// Matching and writing are apart so that an import can match the next
/// batch while the database writes the one before: matching looks things
/// up on a connection of its own, which does not see what the import has
/// written and not yet committed, so a target remembers what its earlier
/// batches add.
pub trait Target: Send + Sync {
    type Row: Send;
    /// What a batch adds, ready to write.
    type Additions: Send + 'static;
    /// What writing carries from batch to batch (the ids new records got).
    type Writer: Default + Send + 'static;

    fn fields(&self) -> &'static [Field];

    /// The fields without which no row can be valid: a file with no column
    /// for one is refused before any row is read.
    fn required(&self) -> &'static [&'static str];

    /// Validates one row exactly as the forms would; the refusal names the
    /// field.
    fn prepare(&self, cells: &Cells<'_>) -> std::result::Result<Self::Row, Invalid>;

    /// Matches the rows (with their numbers) with what is stored, looked up
    /// on `conn`, and with what earlier batches add; counts new records in
    /// `created`. Gives back each row's fate, or the rule a row breaks that
    /// only the stored data shows (a customer number taken in another
    /// branch), and what the batch adds.
    fn plan(
        &mut self,
        conn: &mut sqlx::AnyConnection,
        branch: BranchId,
        rows: Vec<(usize, Self::Row)>,
        created: &mut BTreeMap<String, usize>,
    ) -> impl Future<Output = Result<(Fates, Self::Additions)>> + Send;

    /// Writes what a batch adds, after every batch planned before it.
    fn write(
        writer: &mut Self::Writer,
        tx: &mut Tx,
        branch: BranchId,
        additions: Self::Additions,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Each row's fate, by row number.
pub type Fates = Vec<(usize, std::result::Result<Fate, Invalid>)>;

/// An import of one table into one branch.
pub struct Import<'a> {
    pub db: &'a Db,
    pub actor: &'a Actor,
    pub branch: BranchId,
    /// What the audit record names: the file, or the web job.
    pub source: &'a str,
    pub table: &'a Table,
    pub mapping: &'a Mapping,
    pub mode: Mode,
}

impl Import<'_> {
    /// Runs the import; `progress` hears the report after every batch.
    pub async fn run<T: Target>(&self, target: &mut T, progress: &mut (dyn FnMut(&Report) + Send)) -> Result<Report> {
        self.actor.scope.check(self.branch)?;
        if let Some(missing) = target.required().iter().find(|f| !self.mapping.is_mapped(f)) {
            return Err(Invalid::new(
                *missing,
                Rule::new("column_missing", "文件中没有对应的列（请选择映射）", "has no column in the file (map one)"),
            )
            .into());
        }
        let mut report = Report { mode: self.mode, rows: self.table.rows.len(), ..Report::default() };
        match self.mode {
            Mode::DryRun => {
                let mut conn = self.db.pool().acquire().await?;
                for batch in self.table.rows.chunks(BATCH) {
                    let valid = self.prepare(target, batch, &mut report);
                    let (fates, _) = target.plan(&mut conn, self.branch, valid, &mut report.created).await?;
                    self.count(fates, batch.len(), &mut report);
                    progress(&report);
                }
            }
            Mode::SkipBadRows => {
                let mut writer = T::Writer::default();
                for batch in self.table.rows.chunks(BATCH) {
                    let valid = self.prepare(target, batch, &mut report);
                    let before = report.clone();
                    let mut conn = self.db.pool().acquire().await?;
                    let (fates, additions) = target.plan(&mut conn, self.branch, valid, &mut report.created).await?;
                    drop(conn);
                    let mut tx = self.db.begin_bulk().await?;
                    T::write(&mut writer, &mut tx, self.branch, additions).await?;
                    self.count(fates, batch.len(), &mut report);
                    self.audit(&mut tx, &before, &report).await?;
                    tx.commit().await?;
                    report.committed = true;
                    progress(&report);
                }
            }
            Mode::AllOrNothing => {
                // The writing is a task of its own, fed batch by batch, so
                // the database writes one batch while this thread validates
                // and matches the next. Validation blocks its thread; a
                // write that shared it would leave the database idle
                // between its statements meanwhile. A refused row stops
                // the writing — dropping the transaction rolls back what it
                // wrote — but every row is still validated and matched, so
                // the report names every bad row, not just the first.
                let mut conn = self.db.pool().acquire().await?;
                let mut tx = self.db.begin_bulk().await?;
                let (batches, mut to_write) = tokio::sync::mpsc::channel::<T::Additions>(1);
                let branch = self.branch;
                let writing = tokio::spawn(async move {
                    let mut writer = T::Writer::default();
                    while let Some(additions) = to_write.recv().await {
                        T::write(&mut writer, &mut tx, branch, additions).await?;
                    }
                    Ok::<_, Failure>(tx)
                });
                for rows in self.table.rows.chunks(BATCH) {
                    let valid = self.prepare(target, rows, &mut report);
                    // Matched even after a refusal, so the rules only the
                    // stored data shows (a number taken, a meter installed
                    // elsewhere) are reported for every row too.
                    let (fates, additions) = target.plan(&mut conn, self.branch, valid, &mut report.created).await?;
                    self.count(fates, rows.len(), &mut report);
                    // A failed write ends the task; its result says why.
                    if report.rejected.is_empty() && batches.send(additions).await.is_err() {
                        break;
                    }
                    progress(&report);
                }
                drop(batches);
                let mut tx = writing.await.expect("writing an import does not panic")?;
                if !report.rejected.is_empty() {
                    // Dropping the transaction rolls back what it wrote.
                    report.imported = 0;
                    report.present = 0;
                    report.created.clear();
                    return Ok(report);
                }
                self.audit(&mut tx, &Report::default(), &report).await?;
                tx.commit().await?;
                report.committed = true;
            }
        }
        Ok(report)
    }

    /// Validates a batch; the refused rows go into the report. Validation is
    /// CPU work on rows independent of each other, so a large batch is split
    /// over the cores.
    fn prepare<T: Target>(&self, target: &T, rows: &[Row], report: &mut Report) -> Vec<(usize, T::Row)> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let part = rows.len().div_ceil(cores).max(PARALLEL_PART);
        let check = |row: &Row| match target.prepare(&self.mapping.cells(row)) {
            Ok(v) => Ok((row.number, v)),
            Err(invalid) => Err(Box::new(self.rejected(row, invalid))),
        };
        let checked: Vec<Vec<_>> = std::thread::scope(|s| {
            let parts: Vec<_> =
                rows.chunks(part).map(|chunk| s.spawn(move || chunk.iter().map(check).collect())).collect();
            parts.into_iter().map(|p| p.join().expect("validating a row does not panic")).collect()
        });
        let mut valid = Vec::with_capacity(rows.len());
        for outcome in checked.into_iter().flatten() {
            match outcome {
                Ok(v) => valid.push(v),
                Err(rejected) => report.rejected.push(*rejected),
            }
        }
        valid
    }

    fn rejected(&self, row: &Row, invalid: Invalid) -> Rejected {
        let column = self.mapping.column(&invalid.field);
        Rejected {
            row: row.number,
            column: column.and_then(|i| self.table.headers.get(i).cloned()),
            value: column.map(|i| row.cell(i).to_string()).unwrap_or_default(),
            field: invalid.field,
            rule: invalid.rule.code.to_string(),
            zh: invalid.rule.zh,
            en: invalid.rule.en,
        }
    }

    fn count(&self, fates: Fates, batch_rows: usize, report: &mut Report) {
        for (number, fate) in fates {
            match fate {
                Ok(Fate::Imported) => report.imported += 1,
                Ok(Fate::Present) => report.present += 1,
                Err(invalid) => {
                    let row = self.table.rows.iter().find(|r| r.number == number).expect("a row of this table");
                    report.rejected.push(self.rejected(row, invalid));
                }
            }
        }
        report.rejected.sort_by_key(|r| r.row);
        report.done += batch_rows;
    }

    /// One audit record for what the transaction adds: the change from
    /// `before` to `after`.
    async fn audit(&self, tx: &mut Tx, before: &Report, after: &Report) -> Result<()> {
        let created: BTreeMap<&String, usize> =
            after.created.iter().map(|(k, n)| (k, n - before.created.get(k).copied().unwrap_or(0))).collect();
        tx.audit(
            self.actor,
            Change {
                entity: "import",
                entity_id: self.source.to_string(),
                action: "import",
                branch: Some(self.branch),
                old: None,
                new: Some(json!({
                    "rows": after.done - before.done,
                    "imported": after.imported - before.imported,
                    "present": after.present - before.present,
                    "rejected": after.rejected.len() - before.rejected.len(),
                    "created": created,
                })),
            },
        )
        .await?;
        Ok(())
    }
}
