//! Surveys over JSON: a survey's results per store and period, inviting
//! a customer (the link to send them), and sending chosen customers their
//! links by SMS or e-mail.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::requests::{ResultsQuery, selection, send_links};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kefu_care::surveys::{self, results};
use kefu_core::ids::{CustomerId, SurveyId};
use kefu_outreach::sends::{Audience, Sent};
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
    QueryParams(q): QueryParams<ResultsQuery>,
) -> Result<Json<ResultsDto>, AppError> {
    let survey = surveys::get(app.db(), &ctx.actor.scope, SurveyId(id)).await?;
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
#[schema(example = json!({"survey": 1, "channel": "sms"}))]
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
    let links = (&app.0.config.surveys, app.now());
    let i = surveys::invite(app.db(), &ctx.actor, SurveyId(b.survey), CustomerId(id), &b.channel, links).await?;
    let path = format!("/s/{}", i.token);
    Ok((StatusCode::CREATED, Json(InvitationDto { id: i.id, customer_id: i.customer_id.0, token: i.token, path })))
}

/// Whom a survey link or an event invitation goes to: the customers listed,
/// or those who visited in the last days.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"channel": "sms", "visited_within_days": 30}))]
pub struct SendBody {
    /// sms or email
    #[serde(default)]
    pub(crate) channel: String,
    /// Customer ids, as chosen from the customer list or a search.
    #[serde(default)]
    customers: Vec<i64>,
    /// Instead: the customers who visited in the last N days (1–366).
    visited_within_days: Option<i64>,
}

impl SendBody {
    /// The audience asked for; `otherwise` when no customer is named.
    pub(crate) fn audience(&self, otherwise: Audience) -> Audience {
        match (self.visited_within_days, self.customers.is_empty()) {
            (Some(days), _) => Audience::VisitedWithin(days),
            (None, false) => Audience::Customers(self.customers.iter().copied().map(CustomerId).collect()),
            (None, true) => otherwise,
        }
    }
}

/// What a send did. Those in their quiet hours go out with the next send.
#[derive(Serialize, ToSchema)]
pub struct SentDto {
    chosen: i64,
    /// Messages made now, one per customer who accepts the channel.
    queued: i64,
    /// Customers who had this message already today.
    already: i64,
    /// Customers who do not accept the channel or have no number or address for it.
    refused: i64,
    /// Event invitations: customers who are not members.
    not_members: i64,
    sent: i64,
    failed: i64,
    /// Will be tried again (the gateway was unreachable).
    retry: i64,
    /// Waiting for the end of the customer's quiet hours.
    quiet: i64,
}

impl From<Sent> for SentDto {
    fn from(s: Sent) -> Self {
        let d = s.dispatched;
        SentDto {
            chosen: s.chosen,
            queued: s.queued,
            already: s.already,
            refused: s.refused,
            not_members: s.not_members,
            sent: d.sent,
            failed: d.failed,
            retry: d.retry,
            quiet: d.quiet,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/sends", tag = "surveys", request_body = SendBody,
    params(("id" = i64, Path, description = "survey id")),
    responses((status = 200, body = SentDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem),
        (status = 422, body = super::Problem, description = "e.g. no gateway for the channel, no customer chosen")))]
pub async fn send(
    State(app): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<SendBody>,
) -> Result<Json<SentDto>, AppError> {
    let audience = b.audience(Audience::Customers(Vec::new()));
    let sent = send_links(&app, &ctx, &headers, (id, &b.channel), &audience).await?;
    Ok(Json(sent.into()))
}
