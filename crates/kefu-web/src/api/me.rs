use crate::error::AppError;
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_accounts::branches;
use serde::Serialize;
use utoipa::ToSchema;

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct MeDto {
    id: i64,
    username: String,
    display_name: String,
    roles: Vec<String>,
    /// Every branch the user can see (given and beneath).
    branches: Vec<i64>,
    locale: String,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = MeDto), (status = 401, body = super::Problem)))]
pub async fn me(ctx: Ctx) -> Json<MeDto> {
    let a = ctx.actor;
    Json(MeDto {
        id: a.user_id.0,
        username: a.username,
        display_name: a.display_name,
        roles: a.roles.iter().map(|r| r.code().to_string()).collect(),
        branches: a.scope.branches().iter().map(|b| b.0).collect(),
        locale: a.lang.code().into(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct BranchDto {
    id: i64,
    parent_id: Option<i64>,
    code: String,
    name: String,
    /// group, store, station or estate
    kind: String,
}

#[utoipa::path(get, path = "/api/v1/branches", tag = "accounts",
    responses((status = 200, body = Vec<BranchDto>), (status = 401, body = super::Problem)))]
pub async fn branches(axum::extract::State(app): State<AppState>, ctx: Ctx) -> Result<Json<Vec<BranchDto>>, AppError> {
    let list = branches::in_scope(app.db(), &ctx.actor.scope).await?;
    Ok(Json(
        list.into_iter()
            .map(|b| BranchDto {
                id: b.id.0,
                parent_id: b.parent_id.map(|p| p.0),
                code: b.code,
                name: b.name,
                kind: b.kind,
            })
            .collect(),
    ))
}
