//! Opinion visits (定期上门征求业户意见, issue 21 §4) on the web: an
//! estate's plans and a new plan for a period, a plan's completion and
//! coverage with its buildings' staff and the visit list (one's own, the
//! ones still to make), a visit's form, the month's opinions summary, and
//! a plan's figures over JSON; on a call's page, the form of the opinion
//! visit the call's task is about.

pub mod pages;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(pages::plan_api, pages::record_api), components(schemas(pages::VisitPlanDto, pages::VisitBody)))]
pub struct VisitsApi;

pub const NAV: &[NavItem] =
    &[NavItem { key: "nav_estate_visits", href: Some("/estate/visit-plans"), needs: EstateWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("estate/visit_plans.html", include_str!("templates/plans.html")),
    ("estate/visit_plan.html", include_str!("templates/plan.html")),
    ("estate/opinion_visit.html", include_str!("templates/visit.html")),
    ("estate/visit_summary.html", include_str!("templates/summary.html")),
    ("estate/visit_call_panel.html", include_str!("templates/call_panel.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/estate/visit-plans", Signed(EstateWork), get(pages::plans)),
        entry(M::POST, "/estate/visit-plans", Signed(EstateManage), post(pages::create)),
        entry(M::GET, "/estate/visit-plans/summary", Signed(EstateWork), get(pages::summary)),
        entry(M::GET, "/estate/visit-plans/{id}", Signed(EstateWork), get(pages::plan)),
        entry(M::POST, "/estate/visit-plans/{id}/assign", Signed(EstateManage), post(pages::assign)),
        entry(M::GET, "/estate/opinion-visits/{id}", Signed(EstateWork), get(pages::visit)),
        entry(M::POST, "/estate/opinion-visits/{id}", Signed(EstateWork), post(pages::record)),
        entry(M::GET, "/api/v1/estate/visit-plans/{id}", Signed(EstateWork), get(pages::plan_api)),
        entry(M::POST, "/api/v1/estate/opinion-visits/{id}", Signed(EstateWork), post(pages::record_api)),
    ]
}
