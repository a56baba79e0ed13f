//! Supply contracts and power-use permits (issue 19 §1): the contract and
//! permit on an account's page with the forms that record or renew them,
//! the lists of contracts and of permits expiring soon (each with its XLSX
//! export), the inspectors' checks of a contract's performance (`checks/`),
//! and the JSON API under `/api/v1/power/`.

pub mod api;
pub mod checks;
pub mod pages;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/contracts", Signed(CustomersRead), get(pages::contracts)),
        entry(M::GET, "/power/contracts.xlsx", Signed(CustomersRead), get(pages::contracts_xlsx)),
        entry(M::GET, "/power/permits", Signed(CustomersRead), get(pages::permits)),
        entry(M::GET, "/power/permits.xlsx", Signed(CustomersRead), get(pages::permits_xlsx)),
        entry(M::POST, "/power/accounts/{number}/contracts", Signed(PowerWork), post(pages::record)),
        entry(M::POST, "/power/accounts/{number}/permit", Signed(PowerWork), post(pages::record_permit)),
        entry(M::GET, "/api/v1/power/accounts/{number}/contracts", Signed(CustomersRead), get(api::contracts)),
        entry(M::POST, "/api/v1/power/accounts/{number}/contracts", Signed(PowerWork), post(api::record)),
        entry(M::PUT, "/api/v1/power/accounts/{number}/permit", Signed(PowerWork), axum::routing::put(api::permit)),
        entry(M::GET, "/api/v1/power/contracts/expiring", Signed(CustomersRead), get(api::expiring)),
    ]
    .into_iter()
    .chain(checks::routes())
    .collect()
}

pub const NAV_CONTRACTS: NavItem =
    NavItem { key: "nav_power_contracts", href: Some("/power/contracts"), needs: CustomersRead };
pub const NAV_PERMITS: NavItem =
    NavItem { key: "nav_power_permits", href: Some("/power/permits"), needs: CustomersRead };

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/contracts/list.html", include_str!("templates/list.html")),
    ("power/contracts/permits.html", include_str!("templates/permits.html")),
    ("power/contracts/account_part.html", include_str!("templates/account_part.html")),
];

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api::contracts, api::record, api::permit, api::expiring),
    components(schemas(api::ContractDto, api::ContractBody, api::PermitDto))
)]
pub struct ContractsApi;
