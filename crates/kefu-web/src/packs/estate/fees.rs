//! Property fees on the web (issue 21 §6): an estate's fee page (the items
//! as published, the billing run for a period, the arrears by bucket), a
//! payment at the desk for a house, a bill's correction by reversal, and
//! `GET /api/v1/estate/arrears`.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::{Money, required_text};
use kefu_estate::arrears::Aged;
use kefu_estate::charges;
use kefu_estate::fees::{Month, yuan_text};
use kefu_estate::houses::HouseNo;
use kefu_estate::{archive, quote};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) use crate::api::Problem;

/// A bucket as the page and the API write it.
#[derive(Serialize, ToSchema)]
pub struct BucketDto {
    /// 0_30 | 31_90 | 91_180 | over_180 (days past due, bounds included)
    bucket: String,
    /// Yuan, two decimals.
    total: String,
    houses: Vec<HouseArrearsDto>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseArrearsDto {
    house: String,
    /// Yuan, two decimals.
    amount: String,
}

/// An estate's arrears as of a day.
#[derive(Serialize, ToSchema)]
pub struct ArrearsDto {
    estate: String,
    as_of: String,
    /// Yuan, two decimals.
    total: String,
    buckets: Vec<BucketDto>,
}

fn buckets(aged: &[Aged<HouseNo>]) -> Vec<BucketDto> {
    aged.iter()
        .map(|a| BucketDto {
            bucket: a.bucket.code().to_string(),
            total: yuan_text(a.total),
            houses: a
                .houses
                .iter()
                .map(|(h, m)| HouseArrearsDto { house: h.to_string(), amount: yuan_text(*m) })
                .collect(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct ArrearsQuery {
    estate: Option<String>,
    as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/estate/arrears", tag = "estate",
    params(("estate" = String, Query, description = "The estate's code"),
           ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; today when left out")),
    responses((status = 200, body = ArrearsDto), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn arrears_api(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ArrearsQuery>,
) -> Result<Json<ArrearsDto>, AppError> {
    let code = required_text("estate", q.estate.as_deref().unwrap_or_default(), 64).map_err(AppError::Invalid)?;
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let as_of = match q.as_of.as_deref().map(str::trim) {
        None | Some("") => app.today(),
        Some(text) => quote::parse_date("as_of", text).map_err(AppError::Invalid)?,
    };
    let aged = charges::arrears(app.db(), &estate, as_of).await?;
    let total: Money = aged.iter().map(|a| a.total).sum();
    Ok(Json(ArrearsDto {
        estate: estate.code,
        as_of: as_of.to_string(),
        total: yuan_text(total),
        buckets: buckets(&aged),
    }))
}

pub async fn fees(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let items: Vec<charges::ItemRow> = charges::items(app.db(), &estate).await?.into_iter().map(|(r, _)| r).collect();
    let today = app.today();
    let aged = charges::arrears(app.db(), &estate, today).await?;
    page(
        &app,
        &ctx,
        "estate/fees.html",
        "nav_estate_estates",
        view! {
            estate => estate, items => items, buckets => buckets(&aged), today => today.to_string(),
            period => Month::of(today).to_string(),
            can_run => ctx.actor.can(kefu_core::Permission::EstateManage),
        },
    )
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    period: String,
}

pub async fn run(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<RunForm>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let period = Month::parse("period", &f.period).map_err(AppError::Invalid)?;
    let summary = charges::run_billing(app.db(), &ctx.actor, &estate, period, app.now()).await?;
    page(
        &app,
        &ctx,
        "estate/billing_run.html",
        "nav_estate_estates",
        view! { estate => estate, period => period.to_string(), run => summary },
    )
}

#[derive(Deserialize)]
pub struct PaymentForm {
    house_id: i64,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    transaction_no: String,
}

/// A payment for a house, taken in the estate the desk belongs to.
pub async fn pay(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<PaymentForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let house = archive::house(app.db(), &ctx.actor.scope, f.house_id).await?;
    let amount = Money::parse_yuan("amount", &f.amount).map_err(AppError::Invalid)?;
    charges::take_payment(app.db(), &ctx.actor, &estate, &house, amount, &f.channel, &f.transaction_no, app.now())
        .await?;
    Ok(Redirect::to(&format!("/estate/houses/{}", house.id)).into_response())
}

/// Corrects a bill by reversal; back to its house, where the next run
/// bills it again.
pub async fn reverse(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let house = charges::reverse(app.db(), &ctx.actor, &ctx.actor.scope, id, app.now()).await?;
    Ok(Redirect::to(&format!("/estate/houses/{house}")).into_response())
}
