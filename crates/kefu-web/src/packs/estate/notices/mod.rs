//! Notices to owners (issue 21 §5) on the web: the list, the draft form,
//! a notice's page with its sending and its deliveries (counted by state,
//! filterable), the printable notice for the lobby, the notices of a house
//! on its page, a resident's WeChat openid, the notices' section of the
//! monthly report, and the JSON API under `/api/v1/estate/notices`.

pub mod api;
pub mod pages;

use crate::error::AppError;
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use crate::state::AppState;
use axum::http::Method as M;
use axum::routing::{get, post, put};
use kefu_core::Lang;
use kefu_core::Permission::*;
use kefu_estate::archive::{Estate, House};
use kefu_estate::fees::Month;
use kefu_estate::notices::store;
use serde_json::Value;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(api::list, api::create, api::get, api::update, api::send, api::deliveries),
    components(schemas(
        api::NewNoticeBody,
        api::NoticeChangeBody,
        api::NoticeDto,
        api::NoticeSentDto,
        api::NoticeDeliveryDto,
        api::NoticeDeliveriesDto
    ))
)]
pub struct NoticesApi;

pub const NAV: &[NavItem] = &[NavItem { key: "nav_estate_notices", href: Some("/estate/notices"), needs: EstateWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("estate/notices_list.html", include_str!("templates/list.html")),
    ("estate/notices_new.html", include_str!("templates/new.html")),
    ("estate/notices_show.html", include_str!("templates/show.html")),
    ("estate/notices_house.html", include_str!("templates/house.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/estate/notices", Signed(EstateWork), get(pages::list)),
        entry(M::POST, "/estate/notices", Signed(EstateWork), post(pages::create)),
        entry(M::GET, "/estate/notices/new", Signed(EstateWork), get(pages::new_form)),
        entry(M::GET, "/estate/notices/{id}", Signed(EstateWork), get(pages::show)),
        entry(M::POST, "/estate/notices/{id}", Signed(EstateWork), post(pages::update)),
        entry(M::GET, "/estate/notices/{id}/edit", Signed(EstateWork), get(pages::edit_form)),
        entry(M::POST, "/estate/notices/{id}/send", Signed(EstateWork), post(pages::send)),
        entry(M::GET, "/estate/notices/{id}/notice.pdf", Signed(EstateWork), get(pages::pdf)),
        entry(M::POST, "/estate/houses/{id}/wechat", Signed(EstateWork), post(pages::set_wechat)),
        entry(M::GET, "/api/v1/estate/notices", Signed(EstateWork), get(api::list)),
        entry(M::POST, "/api/v1/estate/notices", Signed(EstateWork), post(api::create)),
        entry(M::GET, "/api/v1/estate/notices/{id}", Signed(EstateWork), get(api::get)),
        entry(M::PUT, "/api/v1/estate/notices/{id}", Signed(EstateWork), put(api::update)),
        entry(M::POST, "/api/v1/estate/notices/{id}/send", Signed(EstateWork), post(api::send)),
        entry(M::GET, "/api/v1/estate/notices/{id}/deliveries", Signed(EstateWork), get(api::deliveries)),
    ]
}

/// What the house page shows of notices: those sent to the house with its
/// deliveries, and its people's WeChat openids to edit.
pub async fn house_part(app: &AppState, ctx: &Ctx, house: &House) -> Result<Value, AppError> {
    let scope = &ctx.actor.scope;
    let notices: Vec<Value> = store::of_house(app.db(), scope, house, 100)
        .await?
        .into_iter()
        .map(|(n, d)| view! { n => n, days => n.days(), deliveries => d })
        .collect();
    let residents = kefu_estate::archive::residents_of(app.db(), house).await?;
    let mut openids = Vec::new();
    for r in residents.iter().filter(|r| r.moved_out.is_none()) {
        if openids.iter().any(|(id, _): &(i64, Option<String>)| *id == r.customer_id.0) {
            continue;
        }
        let openid = kefu_care::customers::wechat_openid_of(app.db(), scope, r.customer_id).await?;
        openids.push((r.customer_id.0, openid));
    }
    Ok(view! { list => notices, openids => openids, can_edit => ctx.actor.can(EstateWork) })
}

/// What the 360° page shows of notices: the latest few sent to each of the
/// customer's houses, with that house's deliveries; none for a reader who
/// may not open a notice.
pub async fn customer_part(app: &AppState, ctx: &Ctx, houses: &[&House]) -> Result<Vec<Value>, AppError> {
    const LATEST: i64 = 5;
    let mut rows = Vec::new();
    if !ctx.actor.can(EstateWork) {
        return Ok(rows);
    }
    for house in houses {
        for (n, d) in store::of_house(app.db(), &ctx.actor.scope, house, LATEST).await? {
            rows.push(view! { house => house.number, days => n.days(), n => n, deliveries => d });
        }
    }
    Ok(rows)
}

/// The monthly report's section: the notices sent in the month, their
/// houses' deliveries, and those a call explained.
pub async fn report_section(
    app: &AppState,
    lang: Lang,
    estate: &Estate,
    month: Month,
) -> Result<super::reports::Section, AppError> {
    let c = store::month_counts(app.db(), estate.branch_id, (month.first_day(), month.last_day())).await?;
    let rows = [
        ("estate_notice_report_sent", c.sent),
        ("estate_notice_report_deliveries", c.deliveries),
        ("estate_notice_report_explained", c.explained),
    ]
    .iter()
    .map(|(k, n)| vec![t(lang, k), n.to_string()])
    .collect();
    Ok(super::reports::Section {
        key: "notices",
        title: t(lang, "estate_notice_report"),
        header: vec![t(lang, "estate_report_figure"), t(lang, "estate_report_count")],
        rows,
        chart: None,
    })
}
