//! Planned outages (停电审批, issue 19 §5) on the web: the stations'
//! requests and the form to make one, an outage with its accounts and the
//! manager's approval or refusal, and the printable notice (PDF, with the
//! letters' embedded Chinese font); the same under `/api/v1/power/outages`.

pub mod api;
pub mod pages;
mod requests;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;

pub const NAV: &[NavItem] = &[NavItem { key: "nav_power_outages", href: Some("/power/outages"), needs: PowerWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/outages.html", include_str!("templates/list.html")),
    ("power/outage.html", include_str!("templates/show.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/outages", Signed(PowerWork), get(pages::list)),
        entry(M::GET, "/power/outages.xlsx", Signed(PowerWork), get(pages::export)),
        entry(M::POST, "/power/outages", Signed(PowerWork), post(pages::request)),
        entry(M::GET, "/power/outages/{id}", Signed(PowerWork), get(pages::show)),
        entry(M::POST, "/power/outages/{id}/decision", Signed(PowerManage), post(pages::decide)),
        entry(M::GET, "/power/outages/{id}/notice.pdf", Signed(PowerWork), get(pages::notice)),
        entry(M::GET, "/api/v1/power/outages", Signed(PowerWork), get(api::list)),
        entry(M::POST, "/api/v1/power/outages", Signed(PowerWork), post(api::request)),
        entry(M::GET, "/api/v1/power/outages/{id}", Signed(PowerWork), get(api::show)),
        entry(M::POST, "/api/v1/power/outages/{id}/decision", Signed(PowerManage), post(api::decide)),
    ]
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api::list, api::show, api::request, api::decide),
    components(schemas(
        api::OutageDto,
        api::OutageAccountDto,
        api::OutageDetailDto,
        api::OutageBody,
        api::OutageDecisionBody
    ))
)]
pub struct OutagesApi;
