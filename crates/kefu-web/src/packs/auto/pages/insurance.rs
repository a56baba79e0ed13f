//! Insurance pages: the renewal list with won, lost and open, recording a
//! policy from the vehicle page, and a renewal lost.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::packs::auto::requests::{LostBody, PolicyBody, RenewalQuery};
use crate::render::page;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_auto::insurance;
use kefu_core::ids::VehicleId;
use serde_json::Value;

pub async fn renewals(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RenewalQuery>,
) -> Result<Html<String>, AppError> {
    let today = app.today();
    let (from, to) = q.window(today);
    let list = insurance::renewals(app.db(), &ctx.actor.scope, from, to).await?;
    let rows: Vec<Value> = list
        .iter()
        .map(|p| view! { p => p, premium => p.premium.to_string(), days_left => insurance::days_left(p, today) })
        .collect();
    page(
        &app,
        &ctx,
        "insurance/renewals.html",
        "nav_insurance",
        view! { policies => rows, tally => insurance::tally(&list), from => from.to_string(), to => to.to_string() },
    )
}

/// Records a policy from the vehicle page; back to it.
pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(vehicle): PathParams<i64>,
    FormBody(b): FormBody<PolicyBody>,
) -> Result<Response, AppError> {
    let input = b.input().map_err(AppError::Invalid)?;
    insurance::record(app.db(), &ctx.actor, VehicleId(vehicle), &input).await?;
    Ok(Redirect::to(&format!("/vehicles/{vehicle}")).into_response())
}

pub async fn lose(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(b): FormBody<LostBody>,
) -> Result<Response, AppError> {
    insurance::lose(app.db(), &ctx.actor, id, &b.lost_reason).await?;
    Ok(Redirect::to("/insurance/renewals").into_response())
}
