//! The notice pages: the list, the draft form, a notice with its sending
//! and deliveries, the printable notice, and a resident's WeChat openid.

use super::super::receivables::pdf as lines_pdf;
use super::super::repairs::pages::estate_field;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::Permission;
use kefu_core::ids::CustomerId;
use kefu_estate::archive;
use kefu_estate::notices::store::{self, Notice};
use kefu_estate::notices::{ADDRESSED, CHANNELS, KINDS, NoticeInput, STATES};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    estate: String,
}

/// An instant as stored, in the business zone.
fn shown(app: &AppState, t: &Option<String>) -> Option<String> {
    t.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| app.0.zone.display(t))
}

fn row(app: &AppState, n: &Notice) -> Value {
    view! { n => n, days => n.days(), sent_at => shown(app, &n.sent_at) }
}

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    // A code the user has no estate of narrows to nothing rather than failing.
    let estate = estates.iter().find(|e| e.code == q.estate);
    let filter = match (q.estate.is_empty(), estate) {
        (true, _) => None,
        (false, Some(e)) => Some(e.branch_id),
        (false, None) => Some(kefu_core::ids::BranchId(0)),
    };
    let rows: Vec<Value> =
        store::list(app.db(), &ctx.actor.scope, filter).await?.iter().map(|n| row(&app, n)).collect();
    page(
        &app,
        &ctx,
        "estate/notices_list.html",
        "nav_estate_notices",
        view! { estates => estates, estate => estate.map(|e| e.code.clone()), rows => rows },
    )
}

pub async fn new_form(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    page(
        &app,
        &ctx,
        "estate/notices_new.html",
        "nav_estate_notices",
        view! {
            estates => estates, estate => q.estate, kinds => KINDS, addressed => ADDRESSED, channels => CHANNELS,
            today => app.today().to_string(), can_manage => ctx.actor.can(Permission::EstateManage),
        },
    )
}

/// The draft form: the notice's fields, a checkbox per channel.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeForm {
    estate: String,
    title: String,
    body: String,
    kind: String,
    effective_from: String,
    effective_until: String,
    addressed_to: String,
    buildings: String,
    houses: String,
    sms: String,
    email: String,
    wechat: String,
    call: String,
}

impl NoticeForm {
    fn input(self) -> NoticeInput {
        let ticked = [("sms", &self.sms), ("email", &self.email), ("wechat", &self.wechat), ("call", &self.call)];
        let channels = ticked.iter().filter(|(_, v)| !v.is_empty()).map(|(c, _)| c.to_string()).collect();
        NoticeInput {
            title: self.title,
            body: self.body,
            kind: self.kind,
            effective_from: self.effective_from,
            effective_until: self.effective_until,
            addressed_to: self.addressed_to,
            buildings: self.buildings,
            houses: self.houses,
            channels,
        }
    }
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<NoticeForm>,
) -> Result<Response, AppError> {
    let estate = estate_field(&app, &ctx, &f.estate).await?;
    let id = store::create(app.db(), &ctx.actor, &estate, &f.input(), app.now()).await?;
    Ok(Redirect::to(&format!("/estate/notices/{id}")).into_response())
}

/// A draft's form, filled in with what it holds.
pub async fn edit_form(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let notice = store::get(app.db(), &ctx.actor.scope, id).await?;
    if notice.status != "draft" {
        return Ok(Redirect::to(&format!("/estate/notices/{id}")).into_response());
    }
    let targets = store::targets(app.db(), &notice).await?;
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    let (buildings, houses) = match notice.addressed_to.as_str() {
        "buildings" => (targets.join(", "), String::new()),
        "houses" => (String::new(), targets.join("\n")),
        _ => (String::new(), String::new()),
    };
    Ok(page(
        &app,
        &ctx,
        "estate/notices_new.html",
        "nav_estate_notices",
        view! {
            estates => estates, estate => notice.estate.clone(), kinds => KINDS, addressed => ADDRESSED,
            channels => CHANNELS, today => app.today().to_string(),
            can_manage => ctx.actor.can(Permission::EstateManage),
            draft => notice, buildings => buildings, houses => houses,
        },
    )?
    .into_response())
}

/// Saves a draft's form; the estate stays the draft's.
pub async fn update(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<NoticeForm>,
) -> Result<Response, AppError> {
    store::update(app.db(), &ctx.actor, id, &f.input()).await?;
    Ok(Redirect::to(&format!("/estate/notices/{id}")).into_response())
}

/// The deliveries a notice's page lists at most.
const ROWS_SHOWN: usize = 400;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeliveryQuery {
    state: String,
    channel: String,
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<DeliveryQuery>,
) -> Result<Html<String>, AppError> {
    let notice = store::get(app.db(), &ctx.actor.scope, id).await?;
    let targets = store::targets(app.db(), &notice).await?;
    let (all, counts) = store::deliveries(app.db(), &notice).await?;
    // Filters other than a known state or channel show everything.
    let state = STATES.iter().find(|s| **s == q.state).copied();
    let channel = CHANNELS.iter().find(|c| **c == q.channel).copied();
    let mut rows: Vec<&store::Delivery> = all
        .iter()
        .filter(|d| state.is_none_or(|s| d.state.state == s) && channel.is_none_or(|c| d.channel == c))
        .collect();
    let matching = rows.len();
    // A whole estate's notice has thousands; the filters find the rest.
    rows.truncate(ROWS_SHOWN);
    let counts: Vec<(&str, i64)> = STATES.iter().map(|s| (*s, counts.get(s).copied().unwrap_or(0))).collect();
    let houses = if notice.status == "draft" { store::houses(app.db(), &notice).await?.len() } else { 0 };
    page(
        &app,
        &ctx,
        "estate/notices_show.html",
        "nav_estate_notices",
        view! {
            x => row(&app, &notice), targets => targets, rows => rows, matching => matching, total => all.len(),
            counts => counts,
            state => state, channel => channel, states => STATES, channels => CHANNELS, houses => houses,
            can_send => notice.addressed_to != "estate" || ctx.actor.can(Permission::EstateManage),
        },
    )
}

pub async fn send(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let when = (app.today(), app.now(), app.local_time());
    store::send(app.db(), &ctx.actor, &app.0.channels, id, when).await?;
    Ok(Redirect::to(&format!("/estate/notices/{id}")).into_response())
}

/// The notice as a sheet to post in the lobby: the estate, the title, what
/// and when, the text, and who issues it on which day.
pub async fn pdf(State(app): State<AppState>, ctx: Ctx, PathParams(id): PathParams<i64>) -> Result<Response, AppError> {
    let n = store::get(app.db(), &ctx.actor.scope, id).await?;
    let lang = ctx.actor.lang;
    let issued = n.sent_at.as_ref().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(|at| app.0.zone.date_of(at));
    let mut lines = vec![
        (20.0, n.title.clone()),
        (11.0, format!("{} · {}", t(lang, &format!("estate_notice_kind_{}", n.kind)), n.days())),
        (11.0, String::new()),
    ];
    lines.extend(n.body.lines().map(|l| (13.0, l.to_string())));
    lines.push((11.0, String::new()));
    lines.push((12.0, n.estate_name.clone()));
    lines.push((12.0, issued.unwrap_or_else(|| app.today()).to_string()));
    lines_pdf(&app, n.title.clone(), &format!("notice-{}.pdf", n.id), lines).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WechatForm {
    customer: i64,
    wechat_openid: String,
}

/// Sets a person's WeChat openid from their house's page: the person must
/// live in the house.
pub async fn set_wechat(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<WechatForm>,
) -> Result<Response, AppError> {
    let house = archive::house(app.db(), &ctx.actor.scope, id).await?;
    let residents = archive::residents_of(app.db(), &house).await?;
    if !residents.iter().any(|r| r.customer_id.0 == f.customer) {
        return Err(AppError::NotFound);
    }
    kefu_care::customers::set_wechat_openid(app.db(), &ctx.actor, CustomerId(f.customer), &f.wechat_openid).await?;
    Ok(Redirect::to(&format!("/estate/houses/{id}")).into_response())
}
