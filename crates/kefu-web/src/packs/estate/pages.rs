//! The estate pack's pages: the estates, an estate's buildings (and its
//! parking spaces and shops), a building's houses, and one house with its
//! people and their cars.

use crate::error::AppError;
use crate::extract::PathParams;
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use kefu_care::customers;
use kefu_core::Permission;
use kefu_estate::{archive, charges, completeness, receivables};
use serde_json::Value;

pub async fn estates(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let estates = archive::estates(app.db(), &ctx.actor.scope).await?;
    page(&app, &ctx, "estate/estates.html", "nav_estate_estates", view! { estates => estates })
}

pub async fn estate(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let buildings = archive::buildings(app.db(), &estate).await?;
    let others = archive::houses(app.db(), &estate, None).await?;
    page(
        &app,
        &ctx,
        "estate/estate.html",
        "nav_estate_estates",
        view! { estate => estate, buildings => buildings, others => others },
    )
}

pub async fn building(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let (estate, building) = archive::building(app.db(), &ctx.actor.scope, id).await?;
    let houses = archive::houses(app.db(), &estate, Some(&building)).await?;
    page(
        &app,
        &ctx,
        "estate/houses.html",
        "nav_estate_estates",
        view! { estate => estate, building => building, houses => houses },
    )
}

pub async fn house(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
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
    let bills = charges::bills_of(app.db(), &house).await?;
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
            can_charge => ctx.actor.can(Permission::EstateWork),
            notices => super::notices::house_part(&app, &ctx, &house).await?,
        },
    )
}

/// The houses whose list is shown on the completeness page; the counts
/// cover them all.
const GAPS_SHOWN: usize = 500;

/// The archive's completeness: this month's counts, the monthly trend and
/// the houses whose files have gaps.
pub async fn completeness(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let month = kefu_estate::fees::Month::of(app.today());
    let (now, gaps) = completeness::check(app.db(), &estate, month).await?;
    let trend = completeness::trend(app.db(), &estate).await?;
    let shown: Vec<&completeness::Gap> = gaps.iter().take(GAPS_SHOWN).collect();
    page(
        &app,
        &ctx,
        "estate/completeness.html",
        "nav_estate_estates",
        view! { estate => estate, now => now, trend => trend, gaps => shown, more => gaps.len().saturating_sub(GAPS_SHOWN) },
    )
}
