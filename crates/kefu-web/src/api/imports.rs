//! Imports over JSON: upload a file (multipart), check a mapping with a dry
//! run, start the import, and follow it.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::imports;
use crate::imports::Upload;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use kefu_care::import::jobs::{self, Job};
use kefu_care::import::{Mode, Report};
use kefu_core::ids::ImportJobId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A refused row.
#[derive(Serialize, ToSchema)]
pub struct RejectedDto {
    /// The row as the user sees it in the file (the header is row 1).
    row: usize,
    field: String,
    /// The file's column the field was read from.
    column: Option<String>,
    value: String,
    rule: String,
    /// The rule, in the caller's language.
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    /// dry_run, all_or_nothing or skip_bad_rows
    mode: String,
    rows: usize,
    done: usize,
    imported: usize,
    present: usize,
    /// New records by kind: customer, contact, vehicle.
    created: BTreeMap<String, usize>,
    committed: bool,
    rejected: Vec<RejectedDto>,
}

impl ReportDto {
    fn of(r: &Report, ctx: &Ctx) -> ReportDto {
        let messages = imports::rejected_rows(r, ctx.actor.lang);
        ReportDto {
            mode: serde_json::to_value(r.mode).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            rows: r.rows,
            done: r.done,
            imported: r.imported,
            present: r.present,
            created: r.created.clone(),
            committed: r.committed,
            rejected: r
                .rejected
                .iter()
                .zip(messages)
                .map(|(x, m)| RejectedDto {
                    row: x.row,
                    field: x.field.clone(),
                    column: x.column.clone(),
                    value: x.value.clone(),
                    rule: x.rule.clone(),
                    message: m["message"].as_str().unwrap_or_default().to_string(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobDto {
    id: i64,
    branch_id: i64,
    file_name: String,
    /// uploaded, checked, running, done, failed
    status: String,
    /// The file's column headers.
    headers: Vec<String>,
    /// Field → column header.
    mapping: BTreeMap<String, String>,
    /// The last run's report; while running, its progress.
    report: Option<ReportDto>,
    error: String,
}

fn job_dto(app: &AppState, ctx: &Ctx, job: &Job) -> JobDto {
    let report = app.0.imports.get(job.id).or(job.report.clone());
    JobDto {
        id: job.id.0,
        branch_id: job.branch_id.0,
        file_name: job.file_name.clone(),
        status: job.status.clone(),
        mapping: job.mapping.by_header(&job.headers),
        headers: job.headers.clone(),
        report: report.as_ref().map(|r| ReportDto::of(r, ctx)),
        error: job.error.clone(),
    }
}

/// multipart/form-data: `file`, `branch_id`, optionally `sheet`.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the multipart body; the handler reads it field by field
pub struct UploadForm {
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    branch_id: i64,
    sheet: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/imports", tag = "imports",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = JobDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn upload(
    State(app): State<AppState>,
    ctx: Ctx,
    form: Multipart,
) -> Result<(StatusCode, Json<JobDto>), AppError> {
    let (job, _) = Upload::read(form).await?.keep(&app, &ctx).await?;
    Ok((StatusCode::CREATED, Json(job_dto(&app, &ctx, &job))))
}

#[utoipa::path(get, path = "/api/v1/imports/{job}", tag = "imports", params(("job" = i64, Path)),
    responses((status = 200, body = JobDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<JobDto>, AppError> {
    let job = jobs::get(app.db(), &ctx.actor.scope, ImportJobId(id)).await?;
    Ok(Json(job_dto(&app, &ctx, &job)))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"mapping": {"姓名": "name", "手机": "mobile"}, "mode": "dry_run"}))]
pub struct RunBody {
    /// Field → column header, overriding the suggestion; "" unmaps a field.
    #[serde(default)]
    mapping: BTreeMap<String, String>,
    /// all_or_nothing (the default) or skip_bad_rows; ignored by the dry run.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    mode: Option<Mode>,
}

#[utoipa::path(post, path = "/api/v1/imports/{job}/check", tag = "imports", params(("job" = i64, Path)), request_body = RunBody,
    responses((status = 200, body = ReportDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn check(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(body): JsonBody<RunBody>,
) -> Result<Json<ReportDto>, AppError> {
    let job = jobs::get(app.db(), &ctx.actor.scope, ImportJobId(id)).await?;
    let table = jobs::table(app.db(), &job).await?;
    let mapping = imports::mapping_with(&app, &job, &table, &body.mapping)?;
    let report = imports::dry_run(&app, &ctx, &job, &table, &mapping).await?;
    Ok(Json(ReportDto::of(&report, &ctx)))
}

#[utoipa::path(post, path = "/api/v1/imports/{job}/run", tag = "imports", params(("job" = i64, Path)), request_body = RunBody,
    responses((status = 202, body = JobDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn run(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(body): JsonBody<RunBody>,
) -> Result<(StatusCode, Json<JobDto>), AppError> {
    let id = ImportJobId(id);
    let job = jobs::get(app.db(), &ctx.actor.scope, id).await?;
    let table = jobs::table(app.db(), &job).await?;
    let mapping = imports::mapping_with(&app, &job, &table, &body.mapping)?;
    imports::start(&app, &ctx, job, table, mapping, body.mode.unwrap_or(Mode::AllOrNothing)).await?;
    let job = jobs::get(app.db(), &ctx.actor.scope, id).await?;
    Ok((StatusCode::ACCEPTED, Json(job_dto(&app, &ctx, &job))))
}
