//! Member pages: a member's tier, birthday gift and event sign-up from the
//! 360° page, and the members' events with their sign-ups and attendance.

use super::customers::back_or_message;
use super::form_message;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_care::members::{self, EventInput};
use kefu_core::Permission;
use kefu_core::ids::{BranchId, CustomerId, MemberEventId};
use kefu_outreach::sends::{self, Audience};
use serde::Deserialize;
use serde_json::Value;

/// The tiers with their names and benefits in the reader's language (the
/// catalog's, for the shipped tiers).
pub(crate) fn tier_values(lang: kefu_core::Lang, tiers: &[members::Tier]) -> Vec<Value> {
    let text =
        |key: String, stored: &str| crate::i18n::catalog(lang).get(&key).cloned().unwrap_or_else(|| stored.to_string());
    tiers
        .iter()
        .map(|t| {
            view! {
                code => t.code, name => text(format!("tier_{}", t.code), &t.name),
                benefits => text(format!("tier_{}_benefits", t.code), &t.benefits),
            }
        })
        .collect()
}

/// What the 360° page shows of a customer as a member.
pub(crate) async fn member_value(app: &AppState, ctx: &Ctx, customer: CustomerId) -> Result<Value, AppError> {
    let db = app.db();
    let tier = members::tier_of(db, customer).await?;
    let events: Vec<Value> = members::events(db, &ctx.actor.scope, app.today())
        .await?
        .iter()
        .map(|e| view! { id => e.id, title => e.title, starts_on => e.starts_on })
        .collect();
    Ok(view! {
        tier => tier, tiers => tier_values(ctx.actor.lang, &members::tiers(db).await?), gifts => members::gifts_of(db, customer).await?,
        events => events, year => app.today().year(),
    })
}

#[derive(Deserialize)]
pub struct TierForm {
    #[serde(default)]
    tier: String,
}

pub async fn set_tier(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<TierForm>,
) -> Result<Response, AppError> {
    let result = members::set_tier(app.db(), &ctx.actor, CustomerId(id), &f.tier, app.now()).await;
    back_or_message(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct GiftForm {
    #[serde(default)]
    gift: String,
}

pub async fn birthday_gift(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<GiftForm>,
) -> Result<Response, AppError> {
    let when = (app.today(), app.now());
    let result = members::record_birthday_gift(app.db(), &ctx.actor, CustomerId(id), &f.gift, when).await;
    back_or_message(app, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    event: i64,
}

pub async fn sign_up(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<SignUpForm>,
) -> Result<Response, AppError> {
    let result = members::sign_up(app.db(), &ctx.actor, MemberEventId(f.event), CustomerId(id), app.now()).await;
    back_or_message(app, ctx, id, result).await
}

async fn events_page(app: &AppState, ctx: &Ctx, error: Option<String>) -> Result<Response, AppError> {
    let events = members::events(app.db(), &ctx.actor.scope, app.today()).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "members/events.html",
        "nav_members",
        view! {
            events => events, kinds => members::EVENT_KINDS, branches => super::branch_choices(app, ctx).await?,
            can_write => ctx.actor.can(Permission::CustomersWrite), error => error,
        },
    )?;
    Ok((status, html).into_response())
}

/// How many members the list shows.
const MEMBERS_SHOWN: i64 = 500;

/// The members: tier, points and last visit, under 会员积分.
pub async fn list(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let members = members::list(app.db(), &ctx.actor.scope, MEMBERS_SHOWN).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.customer_id.0).collect();
    let last = app.packs().core().last_arrivals(app.db(), &ids, app.today()).await?;
    let tiers: std::collections::HashMap<String, Value> = tier_values(ctx.actor.lang, &members::tiers(app.db()).await?)
        .into_iter()
        .map(|t| (t["code"].as_str().unwrap_or_default().to_string(), t["name"].clone()))
        .collect();
    let rows: Vec<Value> = members
        .iter()
        .map(|m| {
            view! {
                id => m.customer_id, name => m.name, tier => tiers.get(&m.tier), points => m.points,
                last_visit => last.get(&m.customer_id.0).map(|d| d.to_string()),
            }
        })
        .collect();
    page(&app, &ctx, "members/list.html", "nav_members", view! { members => rows, shown => MEMBERS_SHOWN })
}

pub async fn events(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    events_page(&app, &ctx, None).await
}

#[derive(Deserialize)]
pub struct EventForm {
    #[serde(default)]
    branch_id: i64,
    #[serde(flatten)]
    input: EventInput,
}

pub async fn create_event(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<EventForm>,
) -> Result<Response, AppError> {
    match members::create_event(app.db(), &ctx.actor, BranchId(f.branch_id), &f.input).await {
        Ok(e) => Ok(Redirect::to(&format!("/members/events/{}", e.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            events_page(&app, &ctx, Some(msg)).await
        }
    }
}

pub async fn event(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    event_page(&app, &ctx, id, (StatusCode::OK, Value::Object(Default::default()))).await
}

/// An event's page, with what sending its invitations did (`sent`) or why
/// it was refused (`error`).
async fn event_page(
    app: &AppState,
    ctx: &Ctx,
    id: i64,
    (status, send): (StatusCode, Value),
) -> Result<Response, AppError> {
    let e = members::event(app.db(), &ctx.actor.scope, MemberEventId(id)).await?;
    let signups = members::signups(app.db(), &ctx.actor.scope, MemberEventId(id)).await?;
    let can_write = ctx.actor.can(Permission::CustomersWrite);
    let html = page(
        app,
        ctx,
        "members/event.html",
        "nav_members",
        view! { e => e, signups => signups, can_write => can_write, send => send },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    channel: String,
}

/// Invites every member of the event's store by SMS or e-mail.
pub async fn invite(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<InviteForm>,
) -> Result<Response, AppError> {
    let when = (app.today(), app.now(), app.local_time());
    let channels = &app.0.channels;
    let result = sends::invite_to_event(
        app.db(),
        &ctx.actor,
        channels,
        (MemberEventId(id), &f.channel),
        &Audience::Members,
        when,
    )
    .await;
    let shown = match result {
        Ok(sent) => (StatusCode::OK, view! { sent => sent }),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, view! { error => form_message(e.into(), ctx.actor.lang)? }),
    };
    event_page(&app, &ctx, id, shown).await
}

#[derive(Deserialize)]
pub struct AttendanceForm {
    #[serde(default)]
    customer: i64,
    /// "yes" when the member came.
    #[serde(default)]
    attended: String,
}

pub async fn attendance(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<AttendanceForm>,
) -> Result<Response, AppError> {
    members::set_attended(app.db(), &ctx.actor, MemberEventId(id), CustomerId(f.customer), f.attended == "yes").await?;
    Ok(Redirect::to(&format!("/members/events/{id}")).into_response())
}
