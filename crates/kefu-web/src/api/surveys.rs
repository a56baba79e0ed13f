//! Surveys over JSON: a survey's results per store and period, and inviting
//! a customer (the link to send them).

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams};
use crate::guard::Ctx;
use crate::pages::surveys::{ResultsQuery, selection};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use kefu_care::surveys::{self, results};
use kefu_core::ids::CustomerId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One question's results.
#[derive(Serialize, ToSchema)]
pub struct QuestionResultDto {
    id: i64,
    /// single, multiple, scale5, scale10 or text
    kind: String,
    prompt: String,
    answers: usize,
    /// The mean score of a scale, to one decimal.
    average: Option<f64>,
    /// Net Promoter Score of a 0–10 question, in whole percent.
    nps: Option<i64>,
    /// Each option and how often it was chosen.
    counts: Vec<(String, usize)>,
    /// Free-text answers.
    comments: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ResultsDto {
    invited: i64,
    answered: i64,
    /// answered / invited
    response_rate: Option<f64>,
    questions: Vec<QuestionResultDto>,
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys",
    params(("id" = i64, Path), ("branch" = Option<i64>, Query, description = "one store; all in scope when absent"),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD, inclusive; 30 days before `to` by default"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD, inclusive; today by default")),
    responses((status = 200, body = ResultsDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn results(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<ResultsDto>, AppError> {
    let survey = surveys::get(app.db(), &ctx.actor.scope, id).await?;
    let (sel, _, _) = selection(&app, &q);
    let r = results::results(app.db(), &ctx.actor.scope, &survey, &sel).await?;
    Ok(Json(ResultsDto {
        invited: r.invited,
        answered: r.answered,
        response_rate: r.response_rate,
        questions: r
            .questions
            .into_iter()
            .map(|q| QuestionResultDto {
                id: q.id,
                kind: q.kind.code().to_string(),
                prompt: q.prompt,
                answers: q.answers,
                average: q.average,
                nps: q.nps,
                counts: q.counts,
                comments: q.comments.into_iter().map(|c| c.text).collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct InviteBody {
    #[serde(default)]
    survey: i64,
    /// sms or email
    #[serde(default)]
    channel: String,
}

/// The invitation and the path of its link (`/s/{token}` on this server).
#[derive(Serialize, ToSchema)]
pub struct InvitationDto {
    id: i64,
    customer_id: i64,
    token: String,
    path: String,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/survey-invitations", tag = "surveys", request_body = InviteBody,
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 201, body = InvitationDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn invite(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<InviteBody>,
) -> Result<(StatusCode, Json<InvitationDto>), AppError> {
    let i = surveys::invite(app.db(), &ctx.actor, b.survey, CustomerId(id), &b.channel, app.now()).await?;
    let path = format!("/s/{}", i.token);
    Ok((StatusCode::CREATED, Json(InvitationDto { id: i.id, customer_id: i.customer_id.0, token: i.token, path })))
}
