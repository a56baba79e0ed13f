//! The power pack's pages: a station's accounts with a number search, one
//! account with its meters, and the tariffs kefu ships.

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
use kefu_power::tariffs::{self, Rates};
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
    let contract = super::contracts::pages::account_part(app.db(), &a, app.today()).await?;
    page(
        &app,
        &ctx,
        "power/account.html",
        "nav_power_accounts",
        view! {
            a => a, holder => holder.shown_to(&ctx.actor), station => station, meters => meters,
            contract => contract, can_record => ctx.actor.can(kefu_core::Permission::PowerWork),
        },
    )
}

/// What the tariffs page shows of one version's prices.
fn rates_view(rates: &Rates) -> Value {
    match rates {
        Rates::Flat(price) => view! { flat => price.to_string() },
        Rates::Tiers(tiers) => {
            let mut from = 1;
            let tiers: Vec<Value> = tiers
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let row = view! { n => i + 1, from => from, up_to => t.up_to_kwh, price => t.price.to_string() };
                    from = t.up_to_kwh.map_or(from, |b| b + 1);
                    row
                })
                .collect();
            view! { tiers => tiers }
        }
        Rates::TimeOfUse { peak, flat, valley } => {
            view! { tou => view! { peak => peak.to_string(), flat => flat.to_string(), valley => valley.to_string() } }
        }
    }
}

pub async fn tariffs(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let list: Vec<Value> = tariffs::shipped()
        .iter()
        .map(|t| {
            let versions: Vec<Value> = t
                .versions()
                .iter()
                .map(|v| view! { effective_from => v.effective_from.to_string(), rates => rates_view(&v.rates) })
                .collect();
            view! {
                code => t.code(), name => t.name(), usage_class => t.usage_class().code(), basis => t.basis().code(),
                source => t.source(), note => t.note(), versions => versions,
            }
        })
        .collect();
    page(&app, &ctx, "power/tariffs.html", "nav_power_tariffs", view! { tariffs => list })
}
