//! The claims page: what the manufacturer and the insurers owe for settled
//! repairs, and each claim moved on (submitted, paid, rejected).

use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::packs::auto::requests::{ClaimBody, ClaimQuery};
use crate::render::page;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_auto::claims;
use serde_json::Value;

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ClaimQuery>,
) -> Result<Html<String>, AppError> {
    let list = claims::list(app.db(), &ctx.actor.scope, q.payer()).await?;
    let r = claims::receivables(&list);
    let rows: Vec<Value> =
        list.iter().map(|k| view! { k => k, amount => k.amount.to_string(), paid => k.paid.to_string() }).collect();
    page(
        &app,
        &ctx,
        "claims/list.html",
        "nav_claims",
        view! {
            claims => rows, payer => q.payer(), payers => claims::PAYERS,
            outstanding => r.outstanding.to_string(), received => r.received.to_string(),
        },
    )
}

pub async fn advance(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(b): FormBody<ClaimBody>,
) -> Result<Response, AppError> {
    let m = b.into_move().map_err(AppError::Invalid)?;
    let k = claims::advance(app.db(), &ctx.actor, id, m).await?;
    Ok(Redirect::to(&format!("/service/claims?payer={}", k.payer)).into_response())
}
