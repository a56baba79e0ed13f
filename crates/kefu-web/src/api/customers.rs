use crate::error::AppError;
use crate::extract::JsonBody;
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kefu_care::customers::{self, Customer, CustomerInput};
use kefu_core::ids::{BranchId, CustomerId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A customer as the API shows it; the mobile is masked for roles that do
/// not see personal data.
#[derive(Serialize, ToSchema)]
pub struct CustomerDto {
    id: i64,
    branch_id: i64,
    customer_no: String,
    /// person or company
    kind: String,
    name: String,
    mobile: Option<String>,
    /// m, f or empty
    gender: String,
    /// YYYY-MM-DD
    birthday: Option<String>,
    address: String,
    source: String,
    is_member: bool,
    notes: String,
}

impl CustomerDto {
    fn of(c: Customer, ctx: &Ctx) -> CustomerDto {
        CustomerDto {
            mobile: c.mobile_for(&ctx.actor),
            id: c.id.0,
            branch_id: c.branch_id.0,
            customer_no: c.customer_no,
            kind: c.kind,
            name: c.name,
            gender: c.gender,
            birthday: c.birthday.map(|d| d.to_string()),
            address: c.address,
            source: c.source,
            is_member: c.is_member,
            notes: c.notes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustomerPage {
    total: i64,
    items: Vec<CustomerDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct Paging {
    /// At most 500.
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(Paging),
    responses((status = 200, body = CustomerPage), (status = 401, body = super::Problem), (status = 403, body = super::Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Paging>,
) -> Result<Json<CustomerPage>, AppError> {
    let scope = &ctx.actor.scope;
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let offset = p.offset.unwrap_or(0).max(0);
    let total = customers::count(app.db(), scope).await?;
    let items = customers::list(app.db(), scope, limit, offset).await?;
    Ok(Json(CustomerPage { total, items: items.into_iter().map(|c| CustomerDto::of(c, &ctx)).collect() }))
}

/// The fields of a customer a caller sends.
#[derive(Deserialize, ToSchema)]
pub struct CustomerBody {
    /// Required when creating; ignored when updating.
    branch_id: Option<i64>,
    #[serde(default)]
    kind: String,
    name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    gender: String,
    /// YYYY-MM-DD
    #[serde(default)]
    birthday: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    is_member: bool,
    #[serde(default)]
    notes: String,
}

impl CustomerBody {
    fn input(&self) -> CustomerInput {
        CustomerInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            mobile: self.mobile.clone(),
            gender: self.gender.clone(),
            birthday: self.birthday.clone(),
            address: self.address.clone(),
            source: self.source.clone(),
            is_member: self.is_member,
            notes: self.notes.clone(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerBody,
    responses((status = 201, body = CustomerDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(body): JsonBody<CustomerBody>,
) -> Result<(StatusCode, Json<CustomerDto>), AppError> {
    let branch =
        body.branch_id.map(BranchId).ok_or_else(|| AppError::Invalid(kefu_core::Invalid::required("branch_id")))?;
    let c = customers::create(app.db(), &ctx.actor, branch, &body.input(), None, app.today()).await?;
    Ok((StatusCode::CREATED, Json(CustomerDto::of(c, &ctx))))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = CustomerDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn get(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<CustomerDto>, AppError> {
    let c = customers::get(app.db(), &ctx.actor.scope, CustomerId(id)).await?;
    Ok(Json(CustomerDto::of(c, &ctx)))
}

#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path)), request_body = CustomerBody,
    responses((status = 200, body = CustomerDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn update(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<CustomerBody>,
) -> Result<Json<CustomerDto>, AppError> {
    let c = customers::update(app.db(), &ctx.actor, CustomerId(id), &body.input(), app.today()).await?;
    Ok(Json(CustomerDto::of(c, &ctx)))
}
