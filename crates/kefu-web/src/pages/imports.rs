//! 客户档案 › 导入: upload a file from an old system, check the suggested
//! column mapping, make a dry run, then import in the background while the
//! page shows the progress.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::imports::{self, Upload, rejected_rows};
use crate::render::page;
use crate::state::AppState;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_care::import::Mode;
use kefu_care::import::jobs::{self, status};
use kefu_core::ids::ImportJobId;
use serde_json::Value;
use std::collections::BTreeMap;

async fn upload_page(app: &AppState, ctx: &Ctx, error: Option<String>) -> Result<Response, AppError> {
    let branches = super::branch_choices(app, ctx).await?;
    let recent: Vec<Value> = jobs::recent(app.db(), &ctx.actor.scope, 20)
        .await?
        .into_iter()
        .map(|j| {
            let at = kefu_core::time::parse_instant(&j.created_at).map(|t| app.0.zone.display(t));
            view! { id => j.id, file_name => j.file_name, status => j.status, created_at => at }
        })
        .collect();
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let html = page(
        app,
        ctx,
        "customers/import.html",
        "nav_customers",
        view! { branches => branches, recent => recent, error => error },
    )?;
    Ok((status, html).into_response())
}

pub async fn upload_form(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    upload_page(&app, &ctx, None).await
}

pub async fn upload(State(app): State<AppState>, ctx: Ctx, form: Multipart) -> Result<Response, AppError> {
    match Upload::read(form).await?.keep(&app, &ctx).await {
        Ok((job, _)) => Ok(Redirect::to(&format!("/customers/import/{}", job.id)).into_response()),
        Err(AppError::Invalid(i)) => {
            let msg = AppError::Invalid(i).message(ctx.actor.lang);
            upload_page(&app, &ctx, Some(msg)).await
        }
        Err(e) => Err(e),
    }
}

async fn job_page(app: &AppState, ctx: &Ctx, id: ImportJobId, error: Option<String>) -> Result<Html<String>, AppError> {
    let job = jobs::get(app.db(), &ctx.actor.scope, id).await?;
    let lang = ctx.actor.lang;
    let chosen = job.mapping.by_header(&job.headers);
    let fields: Vec<Value> = imports::target(app)?
        .fields()
        .iter()
        .map(|f| view! { key => f.key, label => crate::i18n::field_label(lang, f.key), column => chosen.get(f.key) })
        .collect();
    let report = app.0.imports.get(job.id).or(job.report.clone());
    let can_run = jobs::can_run(&job, app.now());
    let running = job.status == status::RUNNING && !can_run;
    page(
        app,
        ctx,
        "customers/import_job.html",
        "nav_customers",
        view! {
            job => job, headers => job.headers, fields => fields, running => running, can_run => can_run,
            report => report, rejected => report.as_ref().map(|r| rejected_rows(r, lang)),
            error => error.or((!job.error.is_empty()).then(|| job.error.clone())),
        },
    )
}

pub async fn job(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    job_page(&app, &ctx, ImportJobId(id), None).await
}

/// The mapping form: `map_<field>` holds the chosen column.
fn chosen(form: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    form.iter().filter_map(|(k, v)| k.strip_prefix("map_").map(|f| (f.to_string(), v.clone()))).collect()
}

async fn with_message(app: &AppState, ctx: &Ctx, id: ImportJobId, err: AppError) -> Result<Response, AppError> {
    let msg = super::form_message(err, ctx.actor.lang)?;
    let html = job_page(app, ctx, id, Some(msg)).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

pub async fn check(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(form): FormBody<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let id = ImportJobId(id);
    let job = jobs::get(app.db(), &ctx.actor.scope, id).await?;
    let result = async {
        let table = jobs::table(app.db(), &job).await?;
        let mapping = imports::mapping_with(&app, &job, &table, &chosen(&form))?;
        imports::dry_run(&app, &ctx, &job, &table, &mapping).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/customers/import/{id}")).into_response()),
        Err(e) => with_message(&app, &ctx, id, e).await,
    }
}

pub async fn run(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(form): FormBody<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let id = ImportJobId(id);
    let job = jobs::get(app.db(), &ctx.actor.scope, id).await?;
    let mode = if form.get("mode").map(String::as_str) == Some("skip_bad_rows") {
        Mode::SkipBadRows
    } else {
        Mode::AllOrNothing
    };
    let result = async {
        let table = jobs::table(app.db(), &job).await?;
        let mapping = imports::mapping_with(&app, &job, &table, &chosen(&form))?;
        imports::start(&app, &ctx, job.clone(), table, mapping, mode).await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/customers/import/{id}")).into_response()),
        Err(e) => with_message(&app, &ctx, id, e).await,
    }
}
