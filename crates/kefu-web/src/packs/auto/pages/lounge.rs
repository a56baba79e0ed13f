//! The lounge page: today's guests (arrived, left, what they were served)
//! and the day's drinkware register beside yesterday's, with what went
//! missing.

use super::appointments::store_of;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::fields::whole_number;
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_auto::lounge::{self, Count, DRINKWARE, NewGuest};
use kefu_core::ids::BranchId;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
pub struct LoungeQuery {
    #[serde(default)]
    branch: Option<i64>,
}

pub async fn page_handler(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LoungeQuery>,
) -> Result<Html<String>, AppError> {
    let (branch, stores) = store_of(&app, &ctx, q.branch).await?;
    let today = app.today();
    let day = (app.0.zone.start_of(today), app.0.zone.start_of(today.tomorrow().unwrap_or(today)));
    let shown = |t: &str| kefu_core::time::parse_instant(t).map(|t| app.0.zone.display(t));
    let guests: Vec<Value> = lounge::guests(app.db(), &ctx.actor.scope, branch, day)
        .await?
        .iter()
        .map(|g| view! { g => g, arrived => shown(&g.arrived_at), left => g.left_at.as_deref().and_then(shown) })
        .collect();
    let counts = lounge::counts(app.db(), &ctx.actor.scope, branch, today).await?;
    let before = lounge::counts(app.db(), &ctx.actor.scope, branch, today.yesterday().unwrap_or(today)).await?;
    let items: Vec<Value> = DRINKWARE
        .iter()
        .map(|item| {
            let now = counts.iter().find(|c| c.item == *item);
            let then = before.iter().find(|c| c.item == *item);
            view! { item => item, count => now.map(|c| c.count), broken => now.map(|c| c.broken), yesterday => then.map(|c| c.count) }
        })
        .collect();
    page(
        &app,
        &ctx,
        "lounge/index.html",
        "nav_lounge",
        view! {
            branch => branch, stores => stores, guests => guests, items => items,
            missing => lounge::missing(&before, &counts), registered => !counts.is_empty(),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GuestForm {
    branch: String,
    guest: String,
    plate: String,
    served: String,
}

fn branch_field(text: &str) -> Result<BranchId, AppError> {
    whole_number("branch", text).map(BranchId).map_err(AppError::Invalid)
}

pub async fn arrive(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<GuestForm>,
) -> Result<Response, AppError> {
    let branch = branch_field(&f.branch)?;
    let guest = NewGuest { guest: f.guest, plate: f.plate, served: f.served };
    lounge::arrive(app.db(), &ctx.actor, branch, &guest, app.now()).await?;
    Ok(Redirect::to(&format!("/lounge?branch={branch}")).into_response())
}

pub async fn leave(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    lounge::leave(app.db(), &ctx.actor, id, app.now()).await?;
    Ok(Redirect::to("/lounge").into_response())
}

/// The drinkware form: `branch`, then `count_cup`, `broken_cup` … per item.
pub async fn register(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let branch = branch_field(f.get("branch").map_or("", String::as_str))?;
    let number = |key: String| -> Result<i64, AppError> {
        let text = f.get(&key).map_or("", String::as_str);
        if text.trim().is_empty() { Ok(0) } else { whole_number(&key, text).map_err(AppError::Invalid) }
    };
    let counts = DRINKWARE
        .iter()
        .map(|item| {
            Ok(Count {
                item: item.to_string(),
                count: number(format!("count_{item}"))?,
                broken: number(format!("broken_{item}"))?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    lounge::register(app.db(), &ctx.actor, branch, app.today(), &counts).await?;
    Ok(Redirect::to(&format!("/lounge?branch={branch}")).into_response())
}
