//! The power pack's pages: a station's accounts with a number search, and
//! one account with its meters.

use crate::error::AppError;
use crate::extract::{PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::response::{Html, Response};
use kefu_care::customers;
use kefu_core::ids::BranchId;
use kefu_power::archive;
use kefu_power::tariffs::UsageClass;
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
    /// A usage class code; anything else lists every class.
    #[serde(default)]
    class: String,
    /// A status code; anything else lists every status.
    #[serde(default)]
    status: String,
}

impl ListQuery {
    /// The station asked for, or the first in scope.
    fn station(&self, stations: &[archive::Station]) -> Option<BranchId> {
        self.station.map(BranchId).or_else(|| stations.first().map(|s| s.branch_id))
    }

    fn filter(&self) -> archive::Filter {
        let known = |v: &str, list: &[&str]| list.contains(&v).then(|| v.to_string());
        let classes: Vec<&str> = UsageClass::ALL.iter().map(|c| c.code()).collect();
        archive::Filter {
            number: self.q.chars().filter(char::is_ascii_digit).collect(),
            usage_class: known(&self.class, &classes),
            status: known(&self.status, archive::STATUSES),
        }
    }
}

/// The most rows an export holds: a large station's every account.
const EXPORT_ROWS: i64 = 200_000;

pub async fn accounts(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let stations = archive::stations(app.db(), scope).await?;
    let station = query.station(&stations);
    let filter = query.filter();
    let accounts = match station {
        Some(s) => archive::list_where(app.db(), scope, s, &filter, &query.after, PAGE).await?,
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
        view! {
            stations => stations, station => station.map(|s| s.0), q => filter.number, rows => rows, next => next,
            class => filter.usage_class, status => filter.status,
            classes => UsageClass::ALL.iter().map(|c| c.code()).collect::<Vec<_>>(), statuses => archive::STATUSES,
        },
    )
}

/// The list as filtered, every page of it, as a workbook.
pub async fn accounts_xlsx(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Response, AppError> {
    let (scope, lang) = (&ctx.actor.scope, ctx.actor.lang);
    let stations = archive::stations(app.db(), scope).await?;
    let station = query.station(&stations);
    let accounts = match station {
        Some(s) => archive::list_where(app.db(), scope, s, &query.filter(), "", EXPORT_ROWS).await?,
        None => Vec::new(),
    };
    let ids: Vec<_> = accounts.iter().map(|a| a.customer_id).collect();
    let holders = customers::many(app.db(), scope, &ids).await?;
    let name = stations.iter().find(|s| Some(s.branch_id) == station).map(|s| s.name.clone()).unwrap_or_default();
    let rows = accounts
        .iter()
        .map(|a| {
            // Masked as the customer pages mask it for who lacks the right.
            let holder = holders.iter().find(|c| c.id == a.customer_id).map(|c| c.shown_to(&ctx.actor));
            vec![
                Cell::Text(a.account_no.clone()),
                Cell::Text(holder.as_ref().map(|c| c.name.clone()).unwrap_or_default()),
                Cell::Text(holder.as_ref().and_then(|c| c.mobile.clone()).unwrap_or_default()),
                Cell::Text(name.clone()),
                Cell::Text(t(lang, &format!("usage_class_{}", a.usage_class))),
                Cell::Text(t(lang, &format!("voltage_{}", a.voltage))),
                Cell::Int(a.capacity_kva),
                Cell::Text(a.supply_address.clone()),
                Cell::Text(a.tariff_code.clone()),
                Cell::Text(a.permit_no.clone().unwrap_or_default()),
                Cell::Text(a.permit_valid_until.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Text(t(lang, &format!("account_status_{}", a.status))),
            ]
        })
        .collect();
    let header = [
        "field_account_no",
        "power_holder",
        "field_mobile",
        "power_station",
        "field_usage_class",
        "field_voltage",
        "field_capacity_kva",
        "field_supply_address",
        "field_tariff",
        "field_permit_no",
        "field_permit_valid_until",
        "field_account_status",
    ];
    let sheet =
        Sheet { name: t(lang, "nav_power_accounts"), header: header.iter().map(|k| t(lang, k)).collect(), rows };
    Ok(xlsx::download(&format!("accounts-{}.xlsx", app.today()), xlsx::workbook(&[sheet])?))
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
