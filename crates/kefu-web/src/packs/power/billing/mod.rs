//! Reading books and readings, the reading audit and the billing run
//! (issue 20 §1, §3): the pages (the books, the phone-sized entry page in
//! route order, the held readings, the audit, the run with its bills, a
//! bill) and the API under `/api/v1/power/`.

mod api;
mod book_new;
mod pages;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post, put};
use kefu_core::Permission::*;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        api::create_book,
        api::list_books,
        api::route,
        api::enter_reading,
        api::import,
        api::confirm,
        api::held,
        api::audit,
        api::run,
        api::bill,
        api::billing_terms
    ),
    components(schemas(
        api::ReadingBookBody,
        api::Created,
        api::ReadingBody,
        api::BillingRunBody,
        api::BillingTermsBody
    ))
)]
pub struct BillingApi;

pub const NAV: &[NavItem] = &[
    NavItem { key: "nav_power_books", href: Some("/power/books"), needs: ReadingsWork },
    NavItem { key: "nav_power_billing", href: Some("/power/billing"), needs: PowerManage },
];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/books.html", include_str!("templates/books.html")),
    ("power/read.html", include_str!("templates/read.html")),
    ("power/held.html", include_str!("templates/held.html")),
    ("power/billing.html", include_str!("templates/billing.html")),
    ("power/bill.html", include_str!("templates/bill.html")),
    ("power/book_new.html", include_str!("templates/book_new.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/books", Signed(ReadingsWork), get(pages::books)),
        entry(M::GET, "/power/books/new", Signed(PowerManage), get(book_new::new_book)),
        entry(M::POST, "/power/books/new", Signed(PowerManage), post(book_new::create)),
        entry(M::GET, "/power/books/audit.xlsx", Signed(ReadingsWork), get(pages::export_audit)),
        entry(M::GET, "/power/books/{id}/read", Signed(ReadingsWork), get(pages::read)),
        entry(M::POST, "/power/books/{id}/read", Signed(ReadingsWork), post(pages::save_reading)),
        entry(M::GET, "/power/readings/held", Signed(ReadingsWork), get(pages::held)),
        entry(M::GET, "/power/readings/held.xlsx", Signed(ReadingsWork), get(pages::export_held)),
        entry(M::POST, "/power/readings/import", Signed(ReadingsWork), post(pages::import)),
        entry(M::POST, "/power/readings/{id}/confirm", Signed(ReadingsWork), post(pages::confirm)),
        entry(M::GET, "/power/billing", Signed(PowerManage), get(pages::billing)),
        entry(M::POST, "/power/billing", Signed(PowerManage), post(pages::run)),
        entry(M::GET, "/power/billing/export", Signed(PowerManage), get(pages::export_bills)),
        entry(M::GET, "/power/bills/{bill_no}", Signed(CustomersRead), get(pages::bill)),
        entry(M::GET, "/power/bills/{bill_no}/notice.pdf", Signed(CustomersRead), get(pages::notice)),
        entry(M::POST, "/api/v1/power/books", Signed(PowerManage), post(api::create_book)),
        entry(M::GET, "/api/v1/power/books", Signed(ReadingsWork), get(api::list_books)),
        entry(M::GET, "/api/v1/power/books/{id}/route", Signed(ReadingsWork), get(api::route)),
        entry(M::POST, "/api/v1/power/readings", Signed(ReadingsWork), post(api::enter_reading)),
        entry(M::POST, "/api/v1/power/readings/import", Signed(ReadingsWork), post(api::import)),
        entry(M::GET, "/api/v1/power/readings/held", Signed(ReadingsWork), get(api::held)),
        entry(M::GET, "/api/v1/power/readings/audit", Signed(ReadingsWork), get(api::audit)),
        entry(M::POST, "/api/v1/power/readings/{id}/confirm", Signed(ReadingsWork), post(api::confirm)),
        entry(M::POST, "/api/v1/power/billing/runs", Signed(PowerManage), post(api::run)),
        entry(M::GET, "/api/v1/power/bills/{bill_no}", Signed(CustomersRead), get(api::bill)),
        entry(M::PUT, "/api/v1/power/accounts/{number}/billing-terms", Signed(PowerManage), put(api::billing_terms)),
    ]
}
