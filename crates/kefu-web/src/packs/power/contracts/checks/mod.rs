//! The inspectors' checks of a supply contract's performance on the web: a
//! contract's page with its terms, the checks of each visit and what was
//! found, the form that records a visit's checks, and a broken term opening
//! a case; the same under `/api/v1/power/`.

pub mod api;
pub mod pages;
mod requests;

use crate::guard::Access::Signed;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/contracts/{id}", Signed(CustomersRead), get(pages::show)),
        entry(M::POST, "/power/contracts/{id}/checks", Signed(InspectionWork), post(pages::record)),
        entry(M::POST, "/power/contract-checks/{id}/case", Signed(InspectionWork), post(pages::open_case)),
        entry(M::GET, "/api/v1/power/contracts/{id}/checks", Signed(CustomersRead), get(api::checks)),
        entry(M::POST, "/api/v1/power/contracts/{id}/checks", Signed(InspectionWork), post(api::record)),
        entry(M::POST, "/api/v1/power/contract-checks/{id}/case", Signed(InspectionWork), post(api::open_case)),
    ]
}

pub const TEMPLATES: &[(&str, &str)] = &[("power/contracts/contract.html", include_str!("../templates/contract.html"))];

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api::checks, api::record, api::open_case),
    components(schemas(
        api::ContractCheckDto,
        api::ContractChecksBody,
        api::ContractTermBody,
        api::ContractCheckCaseBody,
        api::ContractCheckCaseDto
    ))
)]
pub struct ContractChecksApi;
