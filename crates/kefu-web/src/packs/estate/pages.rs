//! The estate pack's pages: the estates, an estate's buildings (and its
//! parking spaces and shops), a building's houses, and one house with its
//! people and their cars.

use crate::error::AppError;
use crate::extract::{PathParams, QueryParams};
use crate::guard::Ctx;
use crate::packs::estate::pager;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use kefu_care::customers;
use kefu_core::Permission;
use kefu_estate::{archive, charges, completeness, receivables};
use serde::Deserialize;
use serde_json::Value;

pub async fn estates(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    page(&app, &ctx, "estate/estates.html", "nav_estate_estates", view! { estates => estates })
}

/// The page of a long list to show.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    offset: i64,
}

pub async fn estate(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let buildings = archive::buildings(app.db(), &estate).await?;
    // Parking spaces and shops: tens of thousands in a large estate.
    let mut others = archive::houses(app.db(), &estate, None, pager::window(q.offset)).await?;
    let pager = pager::pager(&mut others, q.offset, &format!("/estate/estates/{}?", estate.code), "offset");
    page(
        &app,
        &ctx,
        "estate/estate.html",
        "nav_estate_estates",
        view! {
            estate => estate, buildings => buildings, others => others, pager => pager,
            can_work => ctx.actor.can(Permission::EstateWork),
        },
    )
}

pub async fn building(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<Html<String>, AppError> {
    let (estate, building) = archive::building(app.db(), &ctx.actor.scope, id).await?;
    let mut houses = archive::houses(app.db(), &estate, Some(&building), pager::window(q.offset)).await?;
    let pager = pager::pager(&mut houses, q.offset, &format!("/estate/buildings/{id}?"), "offset");
    page(
        &app,
        &ctx,
        "estate/houses.html",
        "nav_estate_estates",
        view! { estate => estate, building => building, houses => houses, pager => pager },
    )
}

pub async fn house(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let house = archive::house(app.db(), scope, id).await?;
    let estate = archive::estates(app.db(), scope).await?.into_iter().find(|e| e.branch_id == house.branch_id);
    let residents = archive::residents_of(app.db(), &house).await?;
    let vehicles = archive::vehicles_of(app.db(), &house).await?;
    let ids: Vec<_> = residents.iter().map(|r| r.customer_id).collect();
    let people = customers::many(app.db(), scope, &ids).await?;
    let rows: Vec<Value> = residents
        .iter()
        .map(|r| {
            let person = people.iter().find(|c| c.id == r.customer_id).map(|c| c.shown_to(&ctx.actor));
            let cars: Vec<&archive::Vehicle> = vehicles.iter().filter(|v| v.customer_id == r.customer_id).collect();
            view! { r => r.shown_to(&ctx.actor), person => person, cars => cars }
        })
        .collect();
    let mut bills = charges::bills_of(app.db(), &house, pager::window(q.offset)).await?;
    let bills_pager = pager::pager(&mut bills, q.offset, &format!("/estate/houses/{id}?"), "offset");
    let (mut payments, prepaid) = charges::payments_of(app.db(), &house).await?;
    for p in &mut payments {
        if let Ok(at) = p.paid_at.parse::<jiff::Timestamp>() {
            p.paid_at = app.0.zone.display(at);
        }
    }
    let charges_list = receivables::one_off::of_house(app.db(), &house).await?;
    let late_fees = match &estate {
        Some(e) => receivables::late::of_house(app.db(), &app.0.zone, e, &house, app.today()).await?,
        None => Vec::new(),
    };
    let one_off_items: Vec<charges::ItemRow> = match &estate {
        Some(e) => receivables::items::in_force(app.db(), e, kefu_estate::fees::Month::of(app.today()))
            .await?
            .into_iter()
            .filter(|(r, _)| r.basis == "one_off")
            .map(|(r, _)| r)
            .collect(),
        None => Vec::new(),
    };
    page(
        &app,
        &ctx,
        "estate/house.html",
        "nav_estate_estates",
        view! {
            house => house, estate => estate, people => rows, bills => bills, payments => payments, prepaid => prepaid,
            channels => charges::CHANNELS, can_pay => ctx.actor.can(Permission::PaymentsTake),
            can_reverse => ctx.actor.can(Permission::EstateManage),
            one_offs => charges_list, late_fees => late_fees, one_off_items => one_off_items,
            can_work => ctx.actor.can(Permission::EstateWork), bills_pager => bills_pager,
            notices => super::notices::house_part(&app, &ctx, &house).await?,
        },
    )
}

/// The archive's completeness: this month's counts, the monthly trend and
/// the houses whose files have gaps, a page at a time.
pub async fn completeness(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let month = kefu_estate::fees::Month::of(app.today());
    let (now, gaps) = completeness::check(app.db(), &estate, month).await?;
    let trend = completeness::trend(app.db(), &estate).await?;
    let window = pager::window(q.offset);
    let mut shown: Vec<&completeness::Gap> =
        gaps.iter().skip(window.offset as usize).take(window.limit as usize).collect();
    let pager = pager::pager(&mut shown, q.offset, &format!("/estate/estates/{}/completeness?", estate.code), "offset");
    page(
        &app,
        &ctx,
        "estate/completeness.html",
        "nav_estate_estates",
        view! { estate => estate, now => now, trend => trend, gaps => shown, total => gaps.len(), pager => pager },
    )
}
