//! Collection (电费回收, issue 20 §4): the counter (find an account, its
//! open bills with their late charges, take a payment, the receipt and its
//! PDF, a reversal, a manager's waiver), the day's payments with the bank
//! and agents' files, the cashier's day close with the stations' and the
//! centre's totals and the finance export, arrears by station, book and age
//! with the dunning steps and the written notice (PDF), the collection rate,
//! the settings; and the API under `/api/v1/power/`.

mod api;
mod pages;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        api::open_bills,
        api::take,
        api::payment,
        api::reverse,
        api::import,
        api::waive,
        api::day,
        api::close,
        api::arrears,
        api::record_step,
        api::rate
    ),
    components(schemas(api::PaymentBody, api::ReasonBody, api::DayCloseBody, api::DunningStepBody))
)]
pub struct CollectionApi;

pub const NAV: &[NavItem] = &[
    NavItem { key: "nav_power_counter", href: Some("/power/counter"), needs: PaymentsTake },
    NavItem { key: "nav_power_day_close", href: Some("/power/day-close"), needs: PaymentsTake },
    NavItem { key: "nav_power_arrears", href: Some("/power/arrears"), needs: PowerWork },
    NavItem { key: "nav_power_collection_rate", href: Some("/power/collection-rate"), needs: PowerManage },
];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/counter.html", include_str!("templates/counter.html")),
    ("power/receipt.html", include_str!("templates/receipt.html")),
    ("power/day_close.html", include_str!("templates/day_close.html")),
    ("power/arrears.html", include_str!("templates/arrears.html")),
    ("power/collection_rate.html", include_str!("templates/collection_rate.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/counter", Signed(PaymentsTake), get(pages::counter)),
        entry(M::POST, "/power/counter", Signed(PaymentsTake), post(pages::take)),
        entry(M::GET, "/power/receipts/{receipt_no}", Signed(PaymentsTake), get(pages::receipt)),
        entry(M::GET, "/power/receipts/{receipt_no}/receipt.pdf", Signed(PaymentsTake), get(pages::receipt_pdf)),
        entry(M::POST, "/power/receipts/{receipt_no}/reverse", Signed(PaymentsTake), post(pages::reverse)),
        entry(M::POST, "/power/bills/{bill_no}/waive", Signed(PowerManage), post(pages::waive)),
        entry(M::GET, "/power/day-close", Signed(PaymentsTake), get(pages::day_close)),
        entry(M::POST, "/power/day-close", Signed(PaymentsTake), post(pages::close)),
        entry(M::POST, "/power/payments/import", Signed(PaymentsTake), post(pages::import)),
        entry(M::GET, "/power/collection/finance.xlsx", Signed(PowerManage), get(pages::finance_xlsx)),
        entry(M::GET, "/power/arrears", Signed(PowerWork), get(pages::arrears)),
        entry(M::POST, "/power/arrears/steps", Signed(PowerWork), post(pages::record_step)),
        entry(M::GET, "/power/arrears/{account_no}/notice.pdf", Signed(PowerWork), get(pages::arrears_notice)),
        entry(M::GET, "/power/collection-rate", Signed(PowerManage), get(pages::rate)),
        entry(M::POST, "/power/collection/rules", Signed(PowerManage), post(pages::save_rules)),
        entry(M::GET, "/api/v1/power/accounts/{number}/open-bills", Signed(PaymentsTake), get(api::open_bills)),
        entry(M::POST, "/api/v1/power/payments", Signed(PaymentsTake), post(api::take)),
        entry(M::POST, "/api/v1/power/payments/import", Signed(PaymentsTake), post(api::import)),
        entry(M::GET, "/api/v1/power/payments/{receipt_no}", Signed(PaymentsTake), get(api::payment)),
        entry(M::POST, "/api/v1/power/payments/{receipt_no}/reverse", Signed(PaymentsTake), post(api::reverse)),
        entry(M::POST, "/api/v1/power/bills/{bill_no}/waive", Signed(PowerManage), post(api::waive)),
        entry(M::GET, "/api/v1/power/day-close", Signed(PaymentsTake), get(api::day)),
        entry(M::POST, "/api/v1/power/day-close", Signed(PaymentsTake), post(api::close)),
        entry(M::GET, "/api/v1/power/arrears", Signed(PowerWork), get(api::arrears)),
        entry(M::POST, "/api/v1/power/arrears/steps", Signed(PowerWork), post(api::record_step)),
        entry(M::GET, "/api/v1/power/collection-rate", Signed(PowerManage), get(api::rate)),
    ]
}
