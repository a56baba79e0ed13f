//! New connections and changes (业扩报装, issue 19 §2) on the web: the
//! applications list with its deadlines and export, the new-application
//! form, an application's page with its steps and the next step's form,
//! the monthly report per station, the working-day calendar the
//! administrator keeps, and the JSON API under `/api/v1/power/applications`.

pub mod api;
pub mod pages;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(api::list, api::create, api::get, api::step),
    components(schemas(api::ApplicationDto, api::ApplicationStepDto, api::NewApplicationBody, api::StepBody))
)]
pub struct ConnectionsApi;

pub const NAV: &[NavItem] =
    &[NavItem { key: "nav_power_applications", href: Some("/power/applications"), needs: PowerWork }];

pub const REPORTS: &[NavItem] =
    &[NavItem { key: "power_conn_report", href: Some("/power/applications/report"), needs: PowerWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/conn_list.html", include_str!("templates/list.html")),
    ("power/conn_new.html", include_str!("templates/new.html")),
    ("power/conn_show.html", include_str!("templates/show.html")),
    ("power/conn_report.html", include_str!("templates/report.html")),
    ("power/conn_calendar.html", include_str!("templates/calendar.html")),
];

/// The routes that take files (documents with a step).
pub const UPLOADS: &[&str] = &["/power/applications", "/power/applications/{id}/steps"];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/applications", Signed(PowerWork), get(pages::list)),
        entry(M::POST, "/power/applications", Signed(PowerWork), post(pages::create)),
        entry(M::GET, "/power/applications.xlsx", Signed(PowerWork), get(pages::export)),
        entry(M::GET, "/power/applications/new", Signed(PowerWork), get(pages::new_form)),
        entry(M::GET, "/power/applications/report", Signed(PowerWork), get(pages::report)),
        entry(M::GET, "/power/applications/report.xlsx", Signed(PowerWork), get(pages::report_export)),
        entry(M::GET, "/power/applications/{id}", Signed(PowerWork), get(pages::show)),
        entry(M::POST, "/power/applications/{id}/steps", Signed(PowerWork), post(pages::step)),
        entry(M::GET, "/power/applications/{id}/documents/{doc}", Signed(PowerWork), get(pages::document)),
        entry(M::GET, "/power/calendar", Signed(PowerWork), get(pages::calendar)),
        entry(M::POST, "/power/calendar/days", Signed(PowerManage), post(pages::set_day)),
        entry(M::POST, "/power/calendar/import", Signed(PowerManage), post(pages::import_calendar)),
        entry(M::GET, "/api/v1/power/applications", Signed(PowerWork), get(api::list)),
        entry(M::POST, "/api/v1/power/applications", Signed(PowerWork), post(api::create)),
        entry(M::GET, "/api/v1/power/applications/{id}", Signed(PowerWork), get(api::get)),
        entry(M::POST, "/api/v1/power/applications/{id}/steps", Signed(PowerWork), post(api::step)),
    ]
}
