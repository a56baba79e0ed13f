//! Tariffs as data (issue 20 §2): the stored tariffs' page with the
//! managers' edit, import and export, and the quote of a month's charge.

mod api;
mod pages;

use crate::guard::Access::Signed;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(api::quote),
    components(schemas(
        api::TariffQuoteBody,
        kefu_power::tariffs::quote::Quote,
        kefu_power::tariffs::quote::QuoteLine
    ))
)]
pub struct TariffsApi;

pub const TEMPLATES: &[(&str, &str)] = &[("power/tariffs.html", include_str!("templates/tariffs.html"))];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/tariffs", Signed(CustomersRead), get(pages::tariffs)),
        entry(M::GET, "/power/tariffs/export", Signed(CustomersRead), get(pages::export)),
        entry(M::POST, "/power/tariffs/import", Signed(PowerManage), post(pages::import)),
        entry(M::POST, "/power/tariffs/{code}", Signed(PowerManage), post(pages::save)),
        entry(M::POST, "/api/v1/power/tariffs/{code}/quote", Signed(CustomersRead), post(api::quote)),
    ]
}
