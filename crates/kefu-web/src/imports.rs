//! What the import page and the import API share: the mapping as the user
//! chose it, the dry run, the background run with its progress, and the
//! report in the reader's language.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::i18n::field_label;
use crate::state::AppState;
use axum::extract::Multipart;
use kefu_care::import::jobs::{self, Job};
use kefu_care::import::{Import, Mapping, Mode, Report, Table};
use kefu_core::Lang;
use kefu_core::ids::BranchId;
use kefu_core::ids::ImportJobId;
use kefu_pack::ImportTarget;
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

/// What a row of the file means: the import of the first enabled pack
/// that imports; without one there is nothing to import into.
pub fn target(app: &AppState) -> Result<&'static dyn ImportTarget, AppError> {
    app.packs().core().import().ok_or(AppError::NotFound)
}

/// A file upload as the form and the API send it.
pub struct Upload {
    pub branch: Option<BranchId>,
    pub sheet: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    pub async fn read(mut form: Multipart) -> Result<Upload, AppError> {
        let bad = |e: axum::extract::multipart::MultipartError| AppError::BadRequest(e.body_text());
        let mut upload = Upload { branch: None, sheet: String::new(), file_name: String::new(), bytes: Vec::new() };
        while let Some(field) = form.next_field().await.map_err(bad)? {
            match field.name().unwrap_or_default() {
                "branch_id" => upload.branch = field.text().await.map_err(bad)?.trim().parse().ok().map(BranchId),
                "sheet" => upload.sheet = field.text().await.map_err(bad)?.trim().to_string(),
                "file" => {
                    upload.file_name = field.file_name().unwrap_or("upload").to_string();
                    upload.bytes = field.bytes().await.map_err(bad)?.to_vec();
                }
                _ => {}
            }
        }
        Ok(upload)
    }

    /// Keeps the file as a job of the chosen branch.
    pub async fn keep(self, app: &AppState, ctx: &Ctx) -> Result<(jobs::Job, Table), AppError> {
        let branch = self.branch.ok_or_else(|| AppError::Invalid(kefu_core::Invalid::required("branch_id")))?;
        if self.bytes.is_empty() {
            return Err(AppError::Invalid(kefu_core::Invalid::required("file")));
        }
        Ok(jobs::create(app.db(), &ctx.actor, branch, &self.file_name, self.bytes, &self.sheet, target(app)?.fields())
            .await?)
    }
}

/// The job's mapping changed by the user's choices (field → column header;
/// an empty header unmaps the field).
pub fn mapping_with(
    app: &AppState,
    job: &Job,
    table: &Table,
    chosen: &BTreeMap<String, String>,
) -> Result<Mapping, AppError> {
    let fields = target(app)?.fields();
    let mut mapping = job.mapping.clone();
    for (field, header) in chosen {
        mapping.set(fields, &table.headers, field, header).map_err(AppError::Invalid)?;
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
    let report = target(app)?.run(&import, app.today(), &mut |_| {}).await?;
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
    let target = target(app)?;
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
        let result = target.run(&import, today, &mut |r| running.set(job.id, r)).await;
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
