//! A contract's page with its checks, and the forms that record a visit's
//! checks and open a case from a broken term.

use super::requests::{CASE_KINDS, case, suggested_kind, visit};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::Permission;
use kefu_power::contracts::{self, checks};
use serde::Deserialize;
use serde_json::Value;

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let (c, account_no, _) = checks::contract(app.db(), scope, id).await?;
    let list = checks::of_contract(app.db(), scope, id).await?;
    let rows: Vec<Value> = list.iter().map(|x| view! { x => x, kind => suggested_kind(&x.term) }).collect();
    let plans = checks::plans_of(app.db(), c.account_id).await?;
    let today = app.today();
    page(
        &app,
        &ctx,
        "power/contracts/contract.html",
        "nav_power_contracts",
        view! {
            c => c, account_no => account_no, rows => rows, plans => plans, terms => checks::TERMS,
            kinds => CASE_KINDS, can_inspect => ctx.actor.can(Permission::InspectionWork),
            today => today.to_string(), days_left => contracts::days_left(c.valid_until, today),
        },
    )
}

/// A visit's checks as the form sends them: each term's outcome and finding.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChecksForm {
    plan_id: String,
    inspected_on: String,
    findings: String,
    capacity: String,
    found_capacity: String,
    supply_mode: String,
    found_supply_mode: String,
    metering_point: String,
    found_metering_point: String,
    liability_boundary: String,
    found_liability_boundary: String,
}

pub async fn record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<ChecksForm>,
) -> Result<Response, AppError> {
    let terms = [
        ("capacity", f.capacity.as_str(), f.found_capacity.as_str()),
        ("supply_mode", &f.supply_mode, &f.found_supply_mode),
        ("metering_point", &f.metering_point, &f.found_metering_point),
        ("liability_boundary", &f.liability_boundary, &f.found_liability_boundary),
    ];
    let today = app.today();
    let v = visit(&f.plan_id, &f.inspected_on, &terms, &f.findings, today).map_err(AppError::Invalid)?;
    checks::record(app.db(), &ctx.actor, id, &v, (today, app.now())).await?;
    Ok(Redirect::to(&format!("/power/contracts/{id}#checks")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CaseForm {
    kind: String,
    added_kva: String,
    back_charge: String,
    seal_numbers: String,
}

pub async fn open_case(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<CaseForm>,
) -> Result<Response, AppError> {
    let c = case(&f.kind, &f.added_kva, &f.back_charge, &f.seal_numbers).map_err(AppError::Invalid)?;
    let case = checks::open_case(app.db(), &ctx.actor, id, c, app.now()).await?;
    Ok(Redirect::to(&format!("/power/cases/{case}")).into_response())
}
