//! A large user's billing terms and the power factor adjustment table
//! (issue 20 §3): an account's two-part terms — the basic charge by the
//! contracted kVA or the month's maximum demand, the power factor standard —
//! beside what its tariff charges (basic prices, surcharges), edited by a
//! manager; and the company's 力调 table, the 办法's until a manager keeps
//! its own, which the billing run reads, also through the API.

mod api;
mod pages;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{delete, get, post, put};
use kefu_core::Permission::*;

pub const NAV: &[NavItem] =
    &[NavItem { key: "nav_power_pf_table", href: Some("/power/power-factor-table"), needs: PowerWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/terms.html", include_str!("templates/terms.html")),
    ("power/pf_table.html", include_str!("templates/pf_table.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/accounts/{number}/billing-terms", Signed(PowerWork), get(pages::terms)),
        entry(M::POST, "/power/accounts/{number}/billing-terms", Signed(PowerManage), post(pages::save_terms)),
        entry(M::GET, "/power/power-factor-table", Signed(PowerWork), get(pages::table)),
        entry(M::POST, "/power/power-factor-table", Signed(PowerManage), post(pages::save_table)),
        entry(M::POST, "/power/power-factor-table/reset", Signed(PowerManage), post(pages::reset_table)),
        entry(M::GET, "/api/v1/power/power-factor-table", Signed(PowerWork), get(api::table)),
        entry(M::PUT, "/api/v1/power/power-factor-table", Signed(PowerManage), put(api::save)),
        entry(M::DELETE, "/api/v1/power/power-factor-table", Signed(PowerManage), delete(api::reset)),
    ]
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(api::table, api::save, api::reset), components(schemas(api::PowerFactorTableDto)))]
pub struct TermsApi;
