//! The page that makes a reading book (issue 20 §1): the station, the
//! reader and the reading day, and its accounts — found by number range
//! and address among the station's accounts in no book, then listed one a
//! line in route order, which the manager reorders by editing the list.

use crate::error::AppError;
use crate::extract::{FormBody, QueryParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::ids::BranchId;
use kefu_power::books;
use serde::Deserialize;

/// The finder's fields (a GET form) and, after a refused save, what was typed.
#[derive(Deserialize, Default, Clone)]
pub struct BookForm {
    station_id: Option<i64>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    reader: String,
    reading_day: Option<i64>,
    /// Account numbers one a line, in route order.
    #[serde(default)]
    accounts: String,
}

async fn form_page(app: &AppState, ctx: &Ctx, f: BookForm, error: Option<String>) -> Result<Response, AppError> {
    let stations = kefu_power::archive::stations(app.db(), &ctx.actor.scope).await?;
    let readers = books::readers(app.db(), &ctx.actor.scope).await?;
    let station = f.station_id.map(BranchId).filter(|s| ctx.actor.scope.contains(*s));
    let found = match station {
        Some(s) if error.is_none() && [&f.from, &f.to, &f.address].iter().any(|t| !t.trim().is_empty()) => {
            books::unbooked(app.db(), &ctx.actor.scope, s, (&f.from, &f.to), &f.address).await?
        }
        _ => Vec::new(),
    };
    // The accounts found join the list typed so far, after it.
    let mut accounts: Vec<String> =
        f.accounts.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    for a in &found {
        if !accounts.contains(&a.account_no) {
            accounts.push(a.account_no.clone());
        }
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "power/book_new.html",
        "nav_power_books",
        view! {
            stations => stations, readers => readers, station => station.map(|s| s.0), from => f.from, to => f.to,
            address => f.address, code => f.code, name => f.name, reader => f.reader,
            reading_day => f.reading_day.unwrap_or(25), accounts => accounts.join("\n"), found => found.len(),
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_book(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(f): QueryParams<BookForm>,
) -> Result<Response, AppError> {
    form_page(&app, &ctx, f, None).await
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<BookForm>,
) -> Result<Response, AppError> {
    let new = books::NewBook {
        branch_id: BranchId(f.station_id.unwrap_or(0)),
        code: f.code.clone(),
        name: f.name.clone(),
        reader: Some(f.reader.clone()),
        reading_day: f.reading_day.unwrap_or(0),
        accounts: f.accounts.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
    };
    match books::create(app.db(), &ctx.actor, new, app.now()).await {
        Ok(_) => Ok(Redirect::to("/power/books").into_response()),
        Err(kefu_store::Failure::Invalid(e)) => {
            let message = super::pages::message(&ctx, &e);
            form_page(&app, &ctx, f, Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}
