//! The contracts' and permits' pages: the lists expiring soon and their
//! workbooks, and the account page's forms.

use super::super::paging;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_power::archive::Account;
use kefu_power::contracts::{self, ContractInput, DEFAULT_WINDOW_DAYS, PermitInput};
use kefu_power::paging::Page;
use kefu_store::Db;
use serde::Deserialize;
use serde_json::Value;

/// The window of a list: the days ahead it looks (1 to 366; 60 when left
/// out or garbled), overdue ones included from `overdue` days back.
#[derive(Deserialize, Default)]
pub struct Window {
    #[serde(default)]
    days: String,
    /// The page's first row, counted from 0.
    #[serde(default)]
    offset: String,
}

const OVERDUE_DAYS: i64 = 30;

impl Window {
    pub(super) fn days(&self) -> i64 {
        self.days.trim().parse().ok().filter(|d| (1..=366).contains(d)).unwrap_or(DEFAULT_WINDOW_DAYS)
    }

    pub(super) fn range(&self, today: Date) -> (Date, Date) {
        (today - OVERDUE_DAYS.days(), today + self.days().days())
    }
}

pub async fn contracts(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(w): QueryParams<Window>,
) -> Result<Html<String>, AppError> {
    let today = app.today();
    let at = paging::page(&w.offset);
    let list = contracts::expiring(app.db(), &ctx.actor.scope, w.range(today), at).await?;
    let pager = paging::pager("/power/contracts", &[("days", w.days().to_string())], at, list.rows.len(), list.total);
    let rows: Vec<Value> = list
        .rows
        .iter()
        .map(|e| view! { e => e, days_left => contracts::days_left(e.contract.valid_until, today) })
        .collect();
    let context = view! { rows => rows, days => w.days(), pager => pager };
    page(&app, &ctx, "power/contracts/list.html", "nav_power_contracts", context)
}

pub async fn contracts_xlsx(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(w): QueryParams<Window>,
) -> Result<Response, AppError> {
    let (today, lang) = (app.today(), ctx.actor.lang);
    let list = contracts::expiring(app.db(), &ctx.actor.scope, w.range(today), Page::ALL).await?.rows;
    let rows = list
        .iter()
        .map(|e| {
            let c = &e.contract;
            vec![
                Cell::Text(c.valid_until.to_string()),
                Cell::Int(contracts::days_left(c.valid_until, today)),
                Cell::Text(e.account_no.clone()),
                Cell::Text(e.customer_name.clone()),
                Cell::Text(e.station.clone()),
                Cell::Text(t(lang, &format!("usage_class_{}", e.usage_class))),
                Cell::Text(c.contract_no.clone()),
                Cell::Text(c.signed_on.to_string()),
                Cell::Int(c.capacity_kva),
                Cell::Text(t(lang, &format!("power_contract_mode_{}", c.supply_mode))),
                Cell::Text(c.metering_point.clone()),
                Cell::Text(c.liability_boundary.clone()),
            ]
        })
        .collect();
    let header = [
        "field_valid_until",
        "power_contract_days_left",
        "field_account_no",
        "power_holder",
        "power_station",
        "field_usage_class",
        "field_contract_no",
        "field_signed_on",
        "field_capacity_kva",
        "field_supply_mode",
        "field_metering_point",
        "field_liability_boundary",
    ];
    let sheet =
        Sheet { name: t(lang, "nav_power_contracts"), header: header.iter().map(|k| t(lang, k)).collect(), rows };
    Ok(xlsx::download(&format!("contracts-{today}.xlsx"), xlsx::workbook(&[sheet])?))
}

pub async fn permits(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(w): QueryParams<Window>,
) -> Result<Html<String>, AppError> {
    let today = app.today();
    let at = paging::page(&w.offset);
    let list = contracts::permits_expiring(app.db(), &ctx.actor.scope, w.range(today), at).await?;
    let pager = paging::pager("/power/permits", &[("days", w.days().to_string())], at, list.rows.len(), list.total);
    let rows: Vec<Value> = list
        .rows
        .iter()
        .map(|p| view! { p => p, days_left => contracts::days_left(p.permit_valid_until, today) })
        .collect();
    let context = view! { rows => rows, days => w.days(), pager => pager };
    page(&app, &ctx, "power/contracts/permits.html", "nav_power_permits", context)
}

pub async fn permits_xlsx(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(w): QueryParams<Window>,
) -> Result<Response, AppError> {
    let (today, lang) = (app.today(), ctx.actor.lang);
    let list = contracts::permits_expiring(app.db(), &ctx.actor.scope, w.range(today), Page::ALL).await?.rows;
    let rows = list
        .iter()
        .map(|p| {
            vec![
                Cell::Text(p.permit_valid_until.to_string()),
                Cell::Int(contracts::days_left(p.permit_valid_until, today)),
                Cell::Text(p.account_no.clone()),
                Cell::Text(p.customer_name.clone()),
                Cell::Text(p.station.clone()),
                Cell::Text(t(lang, &format!("usage_class_{}", p.usage_class))),
                Cell::Text(p.permit_no.clone()),
            ]
        })
        .collect();
    let header = [
        "field_permit_valid_until",
        "power_contract_days_left",
        "field_account_no",
        "power_holder",
        "power_station",
        "field_usage_class",
        "field_permit_no",
    ];
    let sheet = Sheet { name: t(lang, "nav_power_permits"), header: header.iter().map(|k| t(lang, k)).collect(), rows };
    Ok(xlsx::download(&format!("permits-{today}.xlsx"), xlsx::workbook(&[sheet])?))
}

/// What the account page shows of its contracts and permit.
pub async fn account_part(db: &Db, a: &Account, today: Date) -> Result<Value, AppError> {
    let list = contracts::contracts_of(db, a).await?;
    let permit_days = a.permit_valid_until.map(|d| contracts::days_left(d, today));
    Ok(view! {
        current => list.first(),
        earlier => list.iter().skip(1).collect::<Vec<_>>(),
        days_left => list.first().map(|c| contracts::days_left(c.valid_until, today)),
        permit_days_left => permit_days,
        needs_contract => a.usage_class != "residential",
        modes => contracts::SUPPLY_MODES,
        today => today.to_string(),
    })
}

pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
    FormBody(b): FormBody<ContractInput>,
) -> Result<Response, AppError> {
    contracts::record(app.db(), &ctx.actor, &number, &b, (app.today(), app.now())).await?;
    Ok(Redirect::to(&format!("/power/accounts/{number}#contract")).into_response())
}

pub async fn record_permit(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
    FormBody(b): FormBody<PermitInput>,
) -> Result<Response, AppError> {
    contracts::record_permit(app.db(), &ctx.actor, &number, &b, app.today()).await?;
    Ok(Redirect::to(&format!("/power/accounts/{number}#permit")).into_response())
}
