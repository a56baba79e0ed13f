//! The owner's own repair link: staff make it on the house's page; the
//! owner opens it without signing in and reports a repair in their house.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::lang::request_lang;
use crate::pages::form_message;
use crate::render::{page, public_page};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use kefu_estate::repairs::store::NewRepair;
use kefu_estate::repairs::{CATEGORIES, link};
use kefu_store::Failure;

/// Makes a house's link and shows it to hand over (by SMS, WeChat, print).
pub async fn issue(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let (token, expires) = link::issue(app.db(), &ctx.actor, id, app.now()).await?;
    let linked = link::open(app.db(), &token, app.now()).await?;
    let view = view! { token => token, linked => linked, expires => app.0.zone.display(expires) };
    page(&app, &ctx, "estate/repair_link.html", "nav_estate_repairs", view)
}

/// The owner's page: the form, the thanks, or that the link expired.
fn owner_page(
    app: &AppState,
    headers: &HeaderMap,
    (token, linked): (&str, &link::Linked),
    (status, error, reported): (StatusCode, Option<String>, Option<i64>),
) -> Result<Response, AppError> {
    let status = if linked.expired { StatusCode::GONE } else { status };
    let html = public_page(
        app,
        request_lang(headers),
        "estate/repair_owner.html",
        view! { token => token, linked => linked, categories => CATEGORIES, error => error, reported => reported },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(
    State(app): State<AppState>,
    headers: HeaderMap,
    PathParams(token): PathParams<String>,
) -> Result<Response, AppError> {
    let linked = link::open(app.db(), &token, app.now()).await?;
    owner_page(&app, &headers, (&token, &linked), (StatusCode::OK, None, None))
}

pub async fn report(
    State(app): State<AppState>,
    headers: HeaderMap,
    PathParams(token): PathParams<String>,
    FormBody(new): FormBody<NewRepair>,
) -> Result<Response, AppError> {
    let linked = link::open(app.db(), &token, app.now()).await?;
    match link::report(app.db(), &token, &new, app.now()).await {
        Ok(id) => owner_page(&app, &headers, (&token, &linked), (StatusCode::OK, None, Some(id))),
        Err(Failure::Conflict(rule)) => {
            let message = rule.message(request_lang(&headers)).to_string();
            owner_page(&app, &headers, (&token, &linked), (StatusCode::GONE, Some(message), None))
        }
        Err(e) => {
            let message = form_message(e.into(), request_lang(&headers))?;
            owner_page(&app, &headers, (&token, &linked), (StatusCode::UNPROCESSABLE_ENTITY, Some(message), None))
        }
    }
}
