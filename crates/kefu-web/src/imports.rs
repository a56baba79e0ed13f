//! What the import page and the import API share: the mapping as the user
//! chose it, the dry run, the background run with its progress, and the
//! report in the reader's language.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::i18n::field_label;
use crate::state::AppState;
use kefu_auto::import::{CustomerRows, FIELDS};
use kefu_care::import::jobs::{self, Job};
use kefu_care::import::{Import, Mapping, Mode, Report, Table};
use kefu_core::Lang;
use kefu_core::ids::ImportJobId;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The latest report of each import running in this process, for the page
/// that polls it. An all-or-nothing import holds SQLite's one writer until
/// it commits, so its progress cannot be written to the database meanwhile.
#[derive(Default, Clone)]
pub struct Running(Arc<Mutex<HashMap<ImportJobId, Report>>>);

impl Running {
    fn set(&self, id: ImportJobId, report: &Report) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(id, report.clone());
    }

    fn take(&self, id: ImportJobId) -> Option<Report> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&id)
    }

    /// The progress of a running import.
    pub fn get(&self, id: ImportJobId) -> Option<Report> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }
}

/// The job's mapping changed by the user's choices (field → column header;
/// an empty header unmaps the field).
pub fn mapping_with(job: &Job, table: &Table, chosen: &BTreeMap<String, String>) -> Result<Mapping, AppError> {
    let mut mapping = job.mapping.clone();
    for (field, header) in chosen {
        mapping.set(FIELDS, &table.headers, field, header).map_err(AppError::Invalid)?;
    }
    Ok(mapping)
}

/// Saves the mapping and makes a dry run with it.
pub async fn dry_run(
    app: &AppState,
    ctx: &Ctx,
    job: &Job,
    table: &Table,
    mapping: &Mapping,
) -> Result<Report, AppError> {
    jobs::save_mapping(app.db(), job.id, mapping).await?;
    let import = Import {
        db: app.db(),
        actor: &ctx.actor,
        branch: job.branch_id,
        source: &format!("job:{}", job.id),
        table,
        mapping,
        mode: Mode::DryRun,
    };
    let report = import.run(&mut CustomerRows::new(app.today()), &mut |_| {}).await?;
    jobs::checked(app.db(), job.id, &report).await?;
    Ok(report)
}

/// Starts the import with the mapping in the background; refused when the
/// job is running or done already.
pub async fn start(
    app: &AppState,
    ctx: &Ctx,
    job: Job,
    table: Table,
    mapping: Mapping,
    mode: Mode,
) -> Result<(), AppError> {
    if mode == Mode::DryRun {
        return Err(AppError::BadRequest("mode: all_or_nothing or skip_bad_rows".into()));
    }
    if !jobs::start(app.db(), job.id, mode, &mapping).await? {
        return Err(AppError::Invalid(kefu_core::Invalid::new(
            "file",
            kefu_core::Rule::new(
                "job_started",
                "该文件已在导入或已导入",
                "this file is being imported or was imported",
            ),
        )));
    }
    let (app, actor, today) = (app.clone(), ctx.actor.clone(), app.today());
    tokio::spawn(async move {
        let running = app.0.imports.clone();
        running.set(job.id, &Report { mode, rows: table.rows.len(), ..Report::default() });
        let source = format!("job:{}", job.id);
        let import = Import {
            db: app.db(),
            actor: &actor,
            branch: job.branch_id,
            source: &source,
            table: &table,
            mapping: &mapping,
            mode,
        };
        let result = import.run(&mut CustomerRows::new(today), &mut |r| running.set(job.id, r)).await;
        let last = running.take(job.id);
        let finished = match result {
            Ok(report) => jobs::finish(app.db(), job.id, Some(&report), "").await,
            Err(e) => {
                let message = AppError::from(e).message(actor.lang);
                jobs::finish(app.db(), job.id, last.as_ref(), &message).await
            }
        };
        if let Err(e) = finished {
            tracing::error!(job = %job.id, error = %e, "recording the end of an import failed");
        }
    });
    Ok(())
}

/// A report's refused rows as the reader reads them.
pub fn rejected_rows(report: &Report, lang: Lang) -> Vec<Value> {
    report
        .rejected
        .iter()
        .map(|r| {
            let message = match lang {
                Lang::Zh => &r.zh,
                Lang::En => &r.en,
            };
            view! {
                row => r.row, field => r.field, label => field_label(lang, &r.field), column => r.column,
                value => r.value, rule => r.rule, message => message,
            }
        })
        .collect()
}
