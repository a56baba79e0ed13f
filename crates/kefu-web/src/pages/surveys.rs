//! Survey pages: the list with the questionnaire builder, a survey's results
//! per store and period, inviting a customer from their 360° page (the link
//! to send), the phone survey an agent fills in, and the public page a
//! customer reaches by the link — no sign-in, phone-sized, one use.

use super::form_message;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::lang::request_lang;
use crate::render::{page, public_page};
use crate::requests::{ResultsQuery, origin, selection, send_links};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_accounts::branches;
use kefu_care::surveys::results::{self};
use kefu_care::surveys::rules::{Kind, QuestionInput};
use kefu_care::surveys::{self, SurveyInput};
use kefu_core::ids::{BranchId, CustomerId, SurveyId};
use kefu_outreach::sends::Audience;
use kefu_store::Failure;
use serde::Deserialize;
use serde_json::Value;

/// How many question rows the builder form offers.
const BUILDER_ROWS: usize = 8;

/// The builder's form: title, intro, and numbered question rows.
fn survey_input(fields: &[(String, String)]) -> SurveyInput {
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    SurveyInput {
        title: get("title"),
        intro: get("intro"),
        questions: (1..=BUILDER_ROWS)
            .map(|n| QuestionInput {
                kind: get(&format!("kind_{n}")),
                prompt: get(&format!("prompt_{n}")),
                options: get(&format!("options_{n}")),
            })
            .collect(),
    }
}

async fn list_page(app: &AppState, ctx: &Ctx, error: Option<String>) -> Result<Response, AppError> {
    let list: Vec<Value> = surveys::list(app.db(), &ctx.actor.scope)
        .await?
        .iter()
        .map(|s| view! { id => s.id, title => s.title, questions => s.questions.len(), created_by => s.created_by })
        .collect();
    let branches = super::branch_choices(app, ctx).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let rows: Vec<usize> = (1..=BUILDER_ROWS).collect();
    let kinds = Kind::ALL.map(Kind::code);
    let html = page(
        app,
        ctx,
        "surveys/list.html",
        "nav_surveys",
        view! { surveys => list, branches => branches, rows => rows, kinds => kinds, error => error },
    )?;
    Ok((status, html).into_response())
}

pub async fn list(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    list_page(&app, &ctx, None).await
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(fields): FormBody<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let branch = fields.iter().find(|(k, _)| k == "branch_id").and_then(|(_, v)| v.parse().ok()).map(BranchId);
    let Some(branch) = branch else {
        return Err(AppError::Invalid(kefu_core::Invalid::required("branch_id")));
    };
    match surveys::create(app.db(), &ctx.actor, branch, &survey_input(&fields)).await {
        Ok(s) => Ok(Redirect::to(&format!("/surveys/{}", s.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            list_page(&app, &ctx, Some(msg)).await
        }
    }
}

pub async fn view(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<ResultsQuery>,
) -> Result<Html<String>, AppError> {
    view_page(&app, &ctx, id, &q, Value::Object(Default::default())).await
}

/// The results page, with what a send of links did (`sent`) or why it was
/// refused (`error`).
async fn view_page(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    q: &ResultsQuery,
    send: Value,
) -> Result<Html<String>, AppError> {
    let app = app.clone();
    let survey = surveys::get(app.db(), &ctx.actor.scope, SurveyId(id)).await?;
    let (sel, from, to) = selection(&app, q);
    let r = results::results(app.db(), &ctx.actor.scope, &survey, &sel).await?;
    let branches: Vec<Value> = branches::in_scope(app.db(), &ctx.actor.scope)
        .await?
        .into_iter()
        .map(|b| view! { id => b.id, name => b.name, selected => q.branch == Some(b.id.0) })
        .collect();
    page(
        &app,
        ctx,
        "surveys/view.html",
        "nav_surveys",
        view! {
            s => survey, r => r, rate => super::percent(r.response_rate), branches => branches,
            from => from.to_string(), to => to.to_string(), send => send,
        },
    )
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    channel: String,
    /// `visited`: those who visited in the last `days`; `chosen`: the
    /// customer ids listed in `customers`.
    #[serde(default)]
    audience: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    customers: String,
}

impl SendForm {
    fn audience(&self) -> Result<Audience, kefu_core::Invalid> {
        if self.audience == "visited" {
            let days = self.days.trim().parse().ok().filter(|d| (1..=366).contains(d)).ok_or_else(|| {
                kefu_core::Invalid::new(
                    "visited_within_days",
                    kefu_core::Rule::new("days_range", "须为 1 到 366 天", "must be from 1 to 366 days"),
                )
            })?;
            return Ok(Audience::VisitedWithin(days));
        }
        let ids = self
            .customers
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map(CustomerId))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                kefu_core::Invalid::new(
                    "customers",
                    kefu_core::Rule::new("customer_ids", "请填写客户编号（ID）", "list customer ids"),
                )
            })?;
        Ok(Audience::Customers(ids))
    }
}

/// Sends a survey's links from its page; the page shows what became of them.
pub async fn send(
    State(app): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<SendForm>,
) -> Result<Response, AppError> {
    let result = match f.audience() {
        Ok(audience) => send_links(&app, &ctx, &headers, (id, &f.channel), &audience).await,
        Err(e) => Err(e.into()),
    };
    let q = ResultsQuery { branch: None, from: None, to: None };
    let (status, send) = match result {
        Ok(sent) => (StatusCode::OK, view! { sent => sent }),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, view! { error => form_message(e.into(), ctx.actor.lang)? }),
    };
    Ok((status, view_page(&app, &ctx, id, &q, send).await?).into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    survey: i64,
    #[serde(default)]
    channel: String,
}

/// Invites the customer and shows the link to send them.
pub async fn invite(
    State(app): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<InviteForm>,
) -> Result<Response, AppError> {
    // With a gateway for the channel the link goes out at once; without
    // one, the page says so and hands the agent the link to pass on.
    let channels = &app.0.channels;
    let gateway = match f.channel.as_str() {
        "sms" => channels.sms.is_some(),
        "email" => channels.email.is_some(),
        _ => false,
    };
    if gateway {
        let audience = Audience::Customers(vec![CustomerId(id)]);
        return match send_links(&app, &ctx, &headers, (f.survey, &f.channel), &audience).await {
            Ok(sent) if sent.queued > 0 => {
                let mut res = Redirect::to(&format!("/customers/{id}")).into_response();
                res.extensions_mut().insert(crate::flash::Flash::new("flash_survey_sent", None));
                Ok(res)
            }
            Ok(_) => super::customers::back_or_message(app, ctx, id, Err(cannot_reach())).await,
            Err(e) => super::customers::back_or_message(app, ctx, id, Err(e)).await,
        };
    }
    let links = (&app.0.config.surveys, app.now());
    let result = surveys::invite(app.db(), &ctx.actor, SurveyId(f.survey), CustomerId(id), &f.channel, links).await;
    let invitation = match result {
        Ok(i) => i,
        Err(e) => return super::customers::back_or_message(app, ctx, id, Err(e)).await,
    };
    let link = format!("{}/s/{}", origin(&headers), invitation.token);
    let customer = kefu_care::customers::get(app.db(), &ctx.actor.scope, CustomerId(id)).await?;
    Ok(page(
        &app,
        &ctx,
        "surveys/link.html",
        "nav_surveys",
        view! { link => link, customer => view! { id => customer.id, name => customer.name }, channel => f.channel },
    )?
    .into_response())
}

/// A link the gateway could not take: the customer does not accept the
/// channel, has no number or address for it, or had the link today.
fn cannot_reach() -> Failure {
    kefu_core::Invalid::new(
        "channel",
        kefu_core::Rule::new(
            "channel_refused",
            "该客户不接受此渠道、没有相应的号码或地址，或今天已发过",
            "the customer does not accept this channel, has no number or address for it, or had the link today",
        ),
    )
    .into()
}

async fn phone_page(
    app: &AppState,
    ctx: &Ctx,
    (id, customer): (i64, i64),
    error: Option<String>,
) -> Result<Response, AppError> {
    let survey = surveys::get(app.db(), &ctx.actor.scope, SurveyId(id)).await?;
    let c = kefu_care::customers::get(app.db(), &ctx.actor.scope, CustomerId(customer)).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "surveys/phone.html",
        "nav_surveys",
        view! { s => survey, customer => view! { id => c.id, name => c.name }, error => error },
    )?;
    Ok((status, html).into_response())
}

pub async fn phone_form(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(ids): PathParams<(i64, i64)>,
) -> Result<Response, AppError> {
    phone_page(&app, &ctx, ids, None).await
}

pub async fn phone_answer(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((id, customer)): PathParams<(i64, i64)>,
    FormBody(values): FormBody<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let deadlines = app.0.config.complaints;
    let result = surveys::answer_by_phone(
        app.db(),
        &ctx.actor,
        SurveyId(id),
        CustomerId(customer),
        &values,
        &deadlines,
        app.now(),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{customer}")).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            phone_page(&app, &ctx, (id, customer), Some(msg)).await
        }
    }
}

/// The public page of a link: the questions, or thanks once answered.
async fn public(
    app: &AppState,
    headers: &HeaderMap,
    token: &str,
    (status, error, thanks): (StatusCode, Option<String>, bool),
) -> Result<Response, AppError> {
    let lang = request_lang(headers);
    let opened = surveys::open(app.db(), token, (&app.0.config.surveys, app.now())).await?;
    // An expired link says so, and only that, with 410 Gone.
    let (status, error) = if opened.expired { (StatusCode::GONE, None) } else { (status, error) };
    let html = public_page(
        app,
        lang,
        "surveys/public.html",
        view! {
            s => opened.survey, token => token, answered => opened.answered || thanks, expired => opened.expired,
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn public_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    PathParams(token): PathParams<String>,
) -> Result<Response, AppError> {
    public(&app, &headers, &token, (StatusCode::OK, None, false)).await
}

pub async fn public_answer(
    State(app): State<AppState>,
    headers: HeaderMap,
    PathParams(token): PathParams<String>,
    FormBody(values): FormBody<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let settings = (&app.0.config.complaints, &app.0.config.surveys);
    match surveys::answer_link(app.db(), &token, &values, settings, app.now()).await {
        Ok(_) => public(&app, &headers, &token, (StatusCode::OK, None, true)).await,
        Err(Failure::Conflict(rule)) => {
            let msg = rule.message(request_lang(&headers)).to_string();
            public(&app, &headers, &token, (StatusCode::GONE, Some(msg), true)).await
        }
        Err(e) => {
            let msg = form_message(e.into(), request_lang(&headers))?;
            public(&app, &headers, &token, (StatusCode::UNPROCESSABLE_ENTITY, Some(msg), false)).await
        }
    }
}
