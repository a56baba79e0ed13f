//! The customer archive pages: the list, the customer's page with vehicles
//! and workshop history, and the form to record or edit a customer.

use super::form_message;
use crate::error::AppError;
use crate::extract::FormBody;
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_accounts::branches;
use kefu_auto::{vehicles, visits};
use kefu_care::customers::{self, Customer, CustomerInput};
use kefu_core::Permission;
use kefu_core::ids::{BranchId, CustomerId};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    offset: i64,
}

async fn branch_names(app: &AppState) -> Result<HashMap<BranchId, String>, AppError> {
    Ok(branches::all(app.db()).await?.into_iter().map(|b| (b.id, b.name)).collect())
}

fn customer_value(c: &Customer, ctx: &Ctx, branch: &str) -> Value {
    view! {
        id => c.id, customer_no => c.customer_no, kind => c.kind, name => c.name,
        mobile => c.mobile_for(&ctx.actor), gender => c.gender, birthday => c.birthday.map(|d| d.to_string()),
        address => c.address, source => c.source, is_member => c.is_member, notes => c.notes, branch => branch,
    }
}

pub async fn list(State(app): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let offset = q.offset.max(0);
    let total = customers::count(app.db(), scope).await?;
    let rows = customers::list(app.db(), scope, PAGE, offset).await?;
    let names = branch_names(&app).await?;
    let rows: Vec<Value> =
        rows.iter().map(|c| customer_value(c, &ctx, names.get(&c.branch_id).map_or("", String::as_str))).collect();
    page(
        &app,
        &ctx,
        "customers/list.html",
        "nav_customers",
        view! {
            customers => rows, total => total, can_write => ctx.actor.can(Permission::CustomersWrite),
            prev_offset => (offset > 0).then(|| (offset - PAGE).max(0)),
            next_offset => (offset + PAGE < total).then_some(offset + PAGE),
        },
    )
}

pub async fn view(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let c = customers::get(app.db(), scope, CustomerId(id)).await?;
    let vehicles = vehicles::of_customer(app.db(), scope, c.id).await?;
    let visits: Vec<Value> = visits::of_customer(app.db(), scope, c.id)
        .await?
        .iter()
        .map(|v| {
            view! {
                visit_date => v.visit_date.to_string(), kind => v.kind, mileage_km => v.mileage_km,
                amount => v.amount.to_string(), advisor => v.advisor, summary => v.summary,
            }
        })
        .collect();
    let names = branch_names(&app).await?;
    let branch = names.get(&c.branch_id).cloned().unwrap_or_default();
    page(
        &app,
        &ctx,
        "customers/view.html",
        "nav_customers",
        view! {
            c => customer_value(&c, &ctx, &branch), branch => branch,
            vehicles => vehicles, visits => visits,
            can_write => ctx.actor.can(Permission::CustomersWrite),
        },
    )
}

/// The customer form as posted.
#[derive(Deserialize, Default)]
pub struct CustomerForm {
    #[serde(default)]
    branch_id: Option<i64>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    birthday: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    is_member: Option<String>,
    #[serde(default)]
    notes: String,
}

impl CustomerForm {
    fn input(&self) -> CustomerInput {
        CustomerInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            mobile: self.mobile.clone(),
            gender: self.gender.clone(),
            birthday: self.birthday.clone(),
            address: self.address.clone(),
            source: self.source.clone(),
            is_member: self.is_member.is_some(),
            notes: self.notes.clone(),
        }
    }
}

fn input_value(i: &CustomerInput, branch_id: Option<i64>) -> Value {
    view! {
        branch_id => branch_id, kind => i.kind, name => i.name, mobile => i.mobile, gender => i.gender,
        birthday => i.birthday, address => i.address, source => i.source, is_member => i.is_member, notes => i.notes,
    }
}

async fn form_page(
    app: &AppState,
    ctx: &Ctx,
    id: Option<CustomerId>,
    input: &CustomerInput,
    branch_id: Option<i64>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let branches: Vec<Value> = branches::in_scope(app.db(), &ctx.actor.scope)
        .await?
        .into_iter()
        .map(|b| view! { id => b.id, name => b.name })
        .collect();
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let html = page(
        app,
        ctx,
        "customers/form.html",
        "nav_customers",
        view! { id => id, f => input_value(input, branch_id), branches => branches, error => error },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_form(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    form_page(&app, &ctx, None, &CustomerInput::default(), None, None).await
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<CustomerForm>,
) -> Result<Response, AppError> {
    let input = f.input();
    let Some(branch) = f.branch_id.map(BranchId) else {
        return Err(AppError::Invalid(kefu_core::Invalid::required("branch_id")));
    };
    match customers::create(app.db(), &ctx.actor, branch, &input, None, app.today()).await {
        Ok(c) => Ok(Redirect::to(&format!("/customers/{}", c.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            form_page(&app, &ctx, None, &input, f.branch_id, Some(msg)).await
        }
    }
}

pub async fn edit_form(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let c = customers::get(app.db(), &ctx.actor.scope, CustomerId(id)).await?;
    form_page(&app, &ctx, Some(c.id), &c.to_input(), None, None).await
}

pub async fn update(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    FormBody(f): FormBody<CustomerForm>,
) -> Result<Response, AppError> {
    let id = CustomerId(id);
    let input = f.input();
    match customers::update(app.db(), &ctx.actor, id, &input, app.today()).await {
        Ok(c) => Ok(Redirect::to(&format!("/customers/{}", c.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            form_page(&app, &ctx, Some(id), &input, None, Some(msg)).await
        }
    }
}
