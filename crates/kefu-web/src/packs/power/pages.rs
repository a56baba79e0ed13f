//! The power pack's pages: a station's accounts with a number search, and
//! one account with its meters.

use crate::error::AppError;
use crate::extract::{PathParams, QueryParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use kefu_care::customers;
use kefu_core::ids::BranchId;
use kefu_power::archive;
use serde::Deserialize;
use serde_json::Value;

/// The accounts a page of the list shows.
const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    station: Option<i64>,
    /// The beginning of an account number.
    #[serde(default)]
    q: String,
    /// The last number of the page before.
    #[serde(default)]
    after: String,
}

pub async fn accounts(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let stations = archive::stations(app.db(), scope).await?;
    let station = query.station.map(BranchId).or_else(|| stations.first().map(|s| s.branch_id));
    let number: String = query.q.chars().filter(char::is_ascii_digit).collect();
    let accounts = match station {
        Some(s) => archive::list(app.db(), scope, s, &number, &query.after, PAGE).await?,
        None => Vec::new(),
    };
    let ids: Vec<_> = accounts.iter().map(|a| a.customer_id).collect();
    let holders = customers::many(app.db(), scope, &ids).await?;
    let rows: Vec<Value> = accounts
        .iter()
        .map(|a| {
            let holder = holders.iter().find(|c| c.id == a.customer_id).map(|c| c.name.clone());
            view! { a => a, holder => holder }
        })
        .collect();
    let next = (accounts.len() as i64 == PAGE).then(|| accounts.last().map(|a| a.account_no.clone())).flatten();
    page(
        &app,
        &ctx,
        "power/accounts.html",
        "nav_power_accounts",
        view! { stations => stations, station => station.map(|s| s.0), q => number, rows => rows, next => next },
    )
}

pub async fn account(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let a = archive::by_number(app.db(), scope, &number).await?;
    let holder = customers::get(app.db(), scope, a.customer_id).await?;
    let meters = archive::meters_of(app.db(), &[a.id]).await?;
    let station = archive::stations(app.db(), scope).await?.into_iter().find(|s| s.branch_id == a.branch_id);
    let meters: Vec<Value> = meters.iter().map(|m| view! { m => m, multiplier => m.multiplier() }).collect();
    page(
        &app,
        &ctx,
        "power/account.html",
        "nav_power_accounts",
        view! { a => a, holder => holder.shown_to(&ctx.actor), station => station, meters => meters },
    )
}
