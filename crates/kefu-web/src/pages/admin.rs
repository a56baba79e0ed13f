//! Administration: staff accounts, branches and the audit log.

use super::form_message;
use crate::error::AppError;
use crate::extract::PathParams;
use crate::extract::{FormBody, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_accounts::branches::{self, NewBranch};
use kefu_accounts::users::{self, NewUser, User, UserEdit};
use kefu_core::ids::{BranchId, UserId};
use kefu_core::{Lang, Role};
use kefu_store::{AuditFilter, list_audit};
use serde::Deserialize;
use serde_json::Value;

// ---- users ---------------------------------------------------------------

pub async fn users_list(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let all_branches = branches::all(app.db()).await?;
    let name_of = |id: &BranchId| all_branches.iter().find(|b| b.id == *id).map(|b| b.name.clone()).unwrap_or_default();
    let rows: Vec<Value> = users::list(app.db(), &ctx.actor.scope)
        .await?
        .iter()
        .map(|u| {
            view! {
                id => u.id, username => u.username, display_name => u.display_name, active => u.active,
                locale => u.locale,
                roles => u.roles.iter().map(|r| r.code()).collect::<Vec<_>>(),
                branches => u.branches.iter().map(name_of).collect::<Vec<_>>(),
            }
        })
        .collect();
    page(&app, &ctx, "admin/users.html", "nav_users", view! { users => rows })
}

/// The user form as posted; checkboxes arrive as repeated fields.
#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    branches: Vec<i64>,
    #[serde(default)]
    active: Option<String>,
}

impl UserForm {
    fn from_user(u: &User) -> UserForm {
        UserForm {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            locale: u.locale.clone(),
            roles: u.roles.iter().map(|r| r.code().to_string()).collect(),
            branches: u.branches.iter().map(|b| b.0).collect(),
            active: u.active.then(|| "1".into()),
            ..UserForm::default()
        }
    }

    fn roles(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| Role::from_code(r)).collect()
    }

    fn branches(&self) -> Vec<BranchId> {
        self.branches.iter().copied().map(BranchId).collect()
    }
}

async fn user_form_page(
    app: &AppState,
    ctx: &Ctx,
    id: Option<UserId>,
    f: &UserForm,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    // Only the roles the signed-in user may grant are offered.
    let roles: Vec<Value> = Role::ALL
        .iter()
        .filter(|r| ctx.actor.outranks_or_equals(**r))
        .map(|r| view! { code => r.code(), checked => f.roles.iter().any(|c| c == r.code()) })
        .collect();
    let branches: Vec<Value> = branches::in_scope(app.db(), &ctx.actor.scope)
        .await?
        .iter()
        .map(|b| view! { id => b.id, name => b.name, checked => f.branches.contains(&b.id.0) })
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let f = view! {
        username => f.username, display_name => f.display_name, locale => f.locale, active => f.active.is_some(),
    };
    let html = page(
        app,
        ctx,
        "admin/user_form.html",
        "nav_users",
        view! { id => id, f => f, roles => roles, branches => branches, error => error, notice => notice },
    )?;
    Ok((status, html).into_response())
}

pub async fn user_new(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    user_form_page(&app, &ctx, None, &UserForm { active: Some("1".into()), ..UserForm::default() }, None, None).await
}

pub async fn user_create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<UserForm>,
) -> Result<Response, AppError> {
    let new = NewUser {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        password: f.password.clone(),
        roles: f.roles(),
        branches: f.branches(),
        locale: Lang::parse(&f.locale),
    };
    match users::create(app.db(), &ctx.actor, new).await {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users/{}", u.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            user_form_page(&app, &ctx, None, &f, Some(msg), None).await
        }
    }
}

pub async fn user_edit(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let user = users::get_in_scope(app.db(), &ctx.actor.scope, UserId(id)).await?;
    user_form_page(&app, &ctx, Some(user.id), &UserForm::from_user(&user), None, None).await
}

pub async fn user_update(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<UserForm>,
) -> Result<Response, AppError> {
    let id = UserId(id);
    let edit = UserEdit {
        display_name: f.display_name.clone(),
        roles: f.roles(),
        branches: f.branches(),
        active: f.active.is_some(),
        locale: Lang::parse(&f.locale),
    };
    match users::update(app.db(), &ctx.actor, id, edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}")).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            let mut shown = f;
            shown.username = users::get(app.db(), id).await?.username;
            user_form_page(&app, &ctx, Some(id), &shown, Some(msg), None).await
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn user_password(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<PasswordForm>,
) -> Result<Response, AppError> {
    let user = users::get_in_scope(app.db(), &ctx.actor.scope, UserId(id)).await?;
    let (error, notice) = match users::set_password(app.db(), &ctx.actor, user.id, &f.password).await {
        Ok(()) => (None, Some(t(ctx.actor.lang, "users_password_set"))),
        Err(e) => (Some(form_message(e.into(), ctx.actor.lang)?), None),
    };
    user_form_page(&app, &ctx, Some(user.id), &UserForm::from_user(&user), error, notice).await
}

// ---- branches ------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct BranchForm {
    #[serde(default)]
    parent_id: Option<i64>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
}

async fn branches_page(app: &AppState, ctx: &Ctx, f: &BranchForm, error: Option<String>) -> Result<Response, AppError> {
    let all = branches::in_scope(app.db(), &ctx.actor.scope).await?;
    let everything = branches::all(app.db()).await?;
    let rows: Vec<Value> = all
        .iter()
        .map(|b| {
            let parent = b.parent_id.and_then(|p| everything.iter().find(|x| x.id == p)).map(|p| p.name.clone());
            view! { id => b.id, code => b.code, name => b.name, kind => b.kind, parent => parent, address => b.address, phone => b.phone }
        })
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let f = view! {
        parent_id => f.parent_id, code => f.code, name => f.name,
        kind => if f.kind.is_empty() { "store" } else { f.kind.as_str() }, address => f.address, phone => f.phone,
    };
    let html = page(
        app,
        ctx,
        "admin/branches.html",
        "nav_branches",
        view! { branches => rows, kinds => branches::KINDS, f => f, error => error },
    )?;
    Ok((status, html).into_response())
}

pub async fn branches_list(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    branches_page(&app, &ctx, &BranchForm::default(), None).await
}

pub async fn branch_create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<BranchForm>,
) -> Result<Response, AppError> {
    let new = NewBranch {
        parent_id: f.parent_id.map(BranchId),
        code: f.code.clone(),
        name: f.name.clone(),
        kind: f.kind.clone(),
        address: f.address.clone(),
        phone: f.phone.clone(),
    };
    match branches::create(app.db(), &ctx.actor, new).await {
        Ok(_) => Ok(Redirect::to("/admin/branches").into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            branches_page(&app, &ctx, &f, Some(msg)).await
        }
    }
}

// ---- audit log -----------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    username: Option<String>,
    before: Option<i64>,
}

const AUDIT_PAGE: i64 = 100;

pub async fn audit(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Html<String>, AppError> {
    let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let filter = AuditFilter {
        entity: blank(&q.entity),
        entity_id: blank(&q.entity_id),
        username: blank(&q.username),
        before_id: q.before,
        limit: AUDIT_PAGE,
    };
    let entries = list_audit(app.db(), &ctx.actor.scope, &filter).await?;
    let more = (entries.len() as i64 == AUDIT_PAGE).then(|| {
        let last = entries.last().map_or(0, |e| e.id);
        let mut url = format!("/admin/audit?before={last}");
        for (k, v) in [("entity", &filter.entity), ("entity_id", &filter.entity_id), ("username", &filter.username)] {
            if let Some(v) = v {
                url.push_str(&format!("&{k}={}", crate::error::urlencode(v)));
            }
        }
        url
    });
    let zone = &app.0.zone;
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            let at = kefu_core::time::parse_instant(&e.at).map(|t| zone.display(t)).unwrap_or_else(|| e.at.clone());
            let mut row = serde_json::to_value(e).unwrap_or_default();
            row["at"] = at.into();
            row
        })
        .collect();
    let q = view! { entity => filter.entity, entity_id => filter.entity_id, username => filter.username };
    page(&app, &ctx, "admin/audit.html", "nav_audit", view! { entries => entries, more => more, q => q })
}
