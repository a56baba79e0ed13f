//! Receivables on the web (issue 21 §6): fee items edited, meter readings
//! entered, one-off charges, the receipt PDF, the 明码标价 notice, late
//! fees charged or waived, and the collection rate (page and JSON).

mod api;
mod pages;

pub(super) use crate::pages::monthly::lines_pdf as pdf;
pub(super) use pages::{MonthQuery, month_of, rate_chart, rates};

use crate::guard::Access::Signed;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(api::collection_rate), components(schemas(api::CollectionRateDto)))]
pub struct ReceivablesApi;

pub const TEMPLATES: &[(&str, &str)] = &[
    ("estate/fee_items.html", include_str!("templates/fee_items.html")),
    ("estate/readings.html", include_str!("templates/readings.html")),
    ("estate/price_notice.html", include_str!("templates/price_notice.html")),
    ("estate/collection_rate.html", include_str!("templates/collection_rate.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/estate/estates/{code}/fee-items", Signed(EstateWork), get(pages::items)),
        entry(M::POST, "/estate/estates/{code}/fee-items", Signed(EstateManage), post(pages::create_item)),
        entry(
            M::POST,
            "/estate/estates/{code}/fee-items/{item}/price",
            Signed(EstateManage),
            post(pages::change_price),
        ),
        entry(M::POST, "/estate/estates/{code}/fee-items/{item}/retire", Signed(EstateManage), post(pages::retire)),
        entry(M::POST, "/estate/estates/{code}/late-fee-terms", Signed(EstateManage), post(pages::late_fee_terms)),
        entry(M::GET, "/estate/estates/{code}/readings", Signed(EstateWork), get(pages::readings)),
        entry(M::POST, "/estate/estates/{code}/readings", Signed(EstateWork), post(pages::enter_readings)),
        entry(M::GET, "/estate/estates/{code}/price-notice", Signed(CustomersRead), get(pages::price_notice)),
        entry(M::GET, "/estate/estates/{code}/price-notice.pdf", Signed(CustomersRead), get(pages::price_notice_pdf)),
        entry(M::GET, "/estate/estates/{code}/collection-rate", Signed(EstateWork), get(pages::collection_rate)),
        entry(M::POST, "/estate/houses/{id}/charges", Signed(EstateWork), post(pages::charge)),
        entry(M::GET, "/estate/payments/{id}/receipt.pdf", Signed(EstateWork), get(pages::receipt)),
        entry(M::POST, "/estate/bills/{id}/late-fee", Signed(PaymentsTake), post(pages::charge_late_fee)),
        entry(M::POST, "/estate/bills/{id}/late-fee/waive", Signed(EstateManage), post(pages::waive_late_fee)),
        entry(M::GET, "/api/v1/estate/collection-rate", Signed(EstateWork), get(api::collection_rate)),
    ]
}
