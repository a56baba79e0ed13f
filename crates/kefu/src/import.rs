//! `kefu import FILE --branch CODE`: customers, their drivers and vehicles
//! from a dealer's old system, from CSV (UTF-8 or GBK) or a workbook.

use crate::config::Settings;
use crate::progress;
use anyhow::{Context, bail};
use kefu_accounts::branches;
use kefu_care::import::{Import, Mapping, Mode, Report, Table, table};
use kefu_core::time::{Clock, SystemClock};
use kefu_core::{Actor, Invalid, Scope};
use kefu_pack::ImportTarget;
use kefu_store::{Db, Failure};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The CSV file or workbook (XLSX; XLS and ODS are refused: save them as XLSX).
    pub file: PathBuf,
    /// The code of the branch the customers belong to.
    #[arg(long)]
    pub branch: String,
    /// Read FIELD from the column headed COLUMN (e.g. --map mobile=联系电话); repeat for several.
    /// An empty COLUMN leaves the field unmapped.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// The worksheet of a workbook (the first one otherwise).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Validate every row and compare with the archive, but change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows and report the bad ones (otherwise one bad row imports nothing).
    #[arg(long)]
    pub skip_bad_rows: bool,
}

/// "field: rule" in both languages, for the terminal.
fn explain(i: &Invalid) -> anyhow::Error {
    anyhow::anyhow!("{}: {} / {}", i.field, i.rule.zh, i.rule.en)
}

/// Runs the import; the exit status is an error when the file cannot be
/// read or, without --skip-bad-rows, when any row was refused.
pub async fn run(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let Some(target) = settings.packs()?.core().import() else {
        bail!("no enabled pack imports (packs: {:?})", settings.packs);
    };
    let (table, mapping) = read(&args, target)?;
    eprintln!("列映射 / column mapping:");
    for (field, column) in mapping.by_header(&table.headers) {
        eprintln!("  {field:<18} ← {column}");
    }
    let db = Db::open(&settings.database).await?;
    let today = settings.zone()?.date_of(SystemClock.now());
    let bar = progress::bar(table.rows.len() as u64, "导入 import");
    let started = std::time::Instant::now();
    let result =
        import(&db, target, &args, (&table, &mapping), today, &mut |r: &Report| bar.set_position(r.done as u64)).await;
    bar.finish_and_clear();
    let report = result?;
    print_report(&report, started.elapsed());
    if !report.rejected.is_empty() && !args.skip_bad_rows {
        bail!(
            "{} 行被拒绝，未导入任何数据 / {} rows rejected, nothing was imported",
            report.rejected.len(),
            report.rejected.len()
        );
    }
    Ok(())
}

/// Reads the file and maps its columns: the suggested mapping from the
/// header names, then the `--map` overrides.
pub fn read(args: &ImportArgs, target: &dyn ImportTarget) -> anyhow::Result<(Table, Mapping)> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let table = table::read(&bytes, args.sheet.as_deref())
        .map_err(|e| explain(&e).context(format!("cannot read {}", args.file.display())))?;
    let fields = target.fields();
    let mut mapping = Mapping::suggest(fields, &table.headers);
    for pair in &args.map {
        let (field, column) =
            pair.split_once('=').with_context(|| format!("--map {pair:?}: write it as FIELD=COLUMN"))?;
        mapping.set(fields, &table.headers, field.trim(), column).map_err(|e| explain(&e))?;
    }
    Ok((table, mapping))
}

/// Imports the rows of a file [`read`] into the branch `args.branch` names,
/// in the mode the flags choose, as the system; `progress` hears the report
/// after every batch. `kefu import` and the benchmark both run this.
pub async fn import(
    db: &Db,
    target: &dyn ImportTarget,
    args: &ImportArgs,
    (table, mapping): (&Table, &Mapping),
    today: jiff::civil::Date,
    progress: &mut (dyn FnMut(&Report) + Send),
) -> anyhow::Result<Report> {
    let all = branches::all(db).await?;
    let branch = all
        .iter()
        .find(|b| b.code == args.branch)
        .with_context(|| format!("--branch: no branch has the code {:?}", args.branch))?;
    let actor = Actor::system(Scope::new(all.iter().map(|b| b.id).collect()));
    let mode = match (args.dry_run, args.skip_bad_rows) {
        (true, _) => Mode::DryRun,
        (false, true) => Mode::SkipBadRows,
        (false, false) => Mode::AllOrNothing,
    };
    let source = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let import = Import { db, actor: &actor, branch: branch.id, source: &source, table, mapping, mode };
    match target.run(&import, today, progress).await {
        Ok(report) => Ok(report),
        Err(Failure::Invalid(i)) => Err(explain(&i)),
        Err(e) => Err(e.into()),
    }
}

fn print_report(r: &Report, took: std::time::Duration) {
    let verb = if r.committed { "已导入 imported" } else { "可导入 would import" };
    println!(
        "{} 行 rows: {verb} {}, 已存在 already present {}, 被拒绝 rejected {} ({:.1} s, {:.0} rows/s)",
        r.rows,
        r.imported,
        r.present,
        r.rejected.len(),
        took.as_secs_f64(),
        r.rows as f64 / took.as_secs_f64().max(1e-9)
    );
    let created: Vec<String> = r.created.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if !created.is_empty() {
        println!("新记录 / new records: {}", created.join(", "));
    }
    for x in &r.rejected {
        let column = x.column.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
        println!("  第 {} 行 row {}: {}{column} = {:?}: {} / {}", x.row, x.row, x.field, x.value, x.zh, x.en);
    }
}
