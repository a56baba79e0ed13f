//! Inspection (用电监察), violation and theft cases (违约用电, 窃电) and
//! suspensions of supply (issue 19 §4): the theft assessment, cases with
//! their amounts, evidence, escalation and closing, inspection plans with
//! their records, the parameters of the amounts — pages, API, templates.
//! Plugged into the power pack by one line each in `power/mod.rs`.

pub mod api;
pub mod pages;
pub mod requests;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post, put};
use kefu_core::Permission::*;

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/cases", Signed(InspectionWork), get(pages::list)),
        entry(M::POST, "/power/cases", Signed(InspectionWork), post(pages::create)),
        entry(M::GET, "/power/cases.xlsx", Signed(InspectionWork), get(pages::export)),
        entry(M::GET, "/power/cases/new", Signed(InspectionWork), get(pages::new_form)),
        entry(M::GET, "/power/cases/{id}", Signed(InspectionWork), get(pages::show)),
        entry(M::POST, "/power/cases/{id}/amounts", Signed(InspectionWork), post(pages::amounts)),
        entry(M::POST, "/power/cases/{id}/close", Signed(InspectionWork), post(pages::close)),
        entry(M::POST, "/power/cases/{id}/photos", Signed(InspectionWork), post(pages::add_photo)),
        entry(M::GET, "/power/case-rules", Signed(InspectionWork), get(pages::rules)),
        entry(M::POST, "/power/case-rules", Signed(PowerManage), post(pages::save_rules)),
        entry(M::GET, "/power/inspections", Signed(InspectionWork), get(pages::inspections)),
        entry(M::POST, "/power/inspections", Signed(InspectionWork), post(pages::add_plan)),
        entry(M::GET, "/power/inspections.xlsx", Signed(InspectionWork), get(pages::inspections_export)),
        entry(M::POST, "/power/inspections/{id}/records", Signed(InspectionWork), post(pages::add_record)),
        entry(M::GET, "/power/suspensions", Signed(InspectionWork), get(pages::suspensions)),
        entry(M::POST, "/power/suspensions", Signed(InspectionWork), post(pages::add_suspension)),
        entry(M::GET, "/power/suspensions.xlsx", Signed(InspectionWork), get(pages::suspensions_export)),
        entry(M::POST, "/power/suspensions/{id}/approve", Signed(PowerManage), post(pages::approve_suspension)),
        entry(M::POST, "/power/suspensions/{id}/restore", Signed(InspectionWork), post(pages::restore_suspension)),
        entry(M::POST, "/api/v1/power/theft-assessments", Signed(InspectionWork), post(api::assess)),
        entry(M::GET, "/api/v1/power/cases", Signed(InspectionWork), get(api::list)),
        entry(M::POST, "/api/v1/power/cases", Signed(InspectionWork), post(api::open)),
        entry(M::GET, "/api/v1/power/cases/{id}", Signed(InspectionWork), get(api::get)),
        entry(M::PUT, "/api/v1/power/cases/{id}/amounts", Signed(InspectionWork), put(api::amounts)),
        entry(M::POST, "/api/v1/power/cases/{id}/close", Signed(InspectionWork), post(api::close)),
        entry(M::GET, "/api/v1/power/cases/{id}/photos/{photo}", Signed(InspectionWork), get(api::photo)),
        entry(M::GET, "/api/v1/power/case-rules", Signed(InspectionWork), get(api::rules)),
        entry(M::PUT, "/api/v1/power/case-rules", Signed(PowerManage), put(api::save_rules)),
    ]
}

/// Navigation entries, one constant each so the pack's list can hold them.
pub const NAV_CASES: NavItem = NavItem { key: "nav_power_cases", href: Some("/power/cases"), needs: InspectionWork };
pub const NAV_INSPECTIONS: NavItem =
    NavItem { key: "nav_power_inspections", href: Some("/power/inspections"), needs: InspectionWork };
pub const NAV_SUSPENSIONS: NavItem =
    NavItem { key: "nav_power_suspensions", href: Some("/power/suspensions"), needs: InspectionWork };

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/cases/list.html", include_str!("templates/list.html")),
    ("power/cases/new.html", include_str!("templates/new.html")),
    ("power/cases/show.html", include_str!("templates/show.html")),
    ("power/cases/rules.html", include_str!("templates/rules.html")),
    ("power/cases/inspections.html", include_str!("templates/inspections.html")),
    ("power/cases/suspensions.html", include_str!("templates/suspensions.html")),
    ("power/cases/customer_panel.html", include_str!("templates/customer_panel.html")),
];

/// The leaders' today number: open cases reported to them, opening the
/// list of them (managers only: they alone close such a case).
pub const TODAY_LIST: (&str, &str, kefu_core::Permission) =
    ("today_power_cases_escalated", "/power/cases?escalated=true&status=open", PowerManage);

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api::assess,
        api::open,
        api::get,
        api::list,
        api::amounts,
        api::close,
        api::photo,
        api::rules,
        api::save_rules
    ),
    components(schemas(
        requests::TheftBody,
        requests::TheftDto,
        requests::CaseBody,
        requests::AmountsBody,
        requests::AmountsDto,
        api::CaseDto,
        api::CaseCloseBody,
        api::CaseRulesDto
    ))
)]
pub struct CasesApi;

/// The 360° panel's rows of a customer's cases.
pub fn panel_rows(list: &[kefu_power::cases::Case]) -> Vec<serde_json::Value> {
    list.iter()
        .map(|c| {
            view! {
                id => c.id, found_on => c.found_on.to_string(), account_no => c.account_no, kind => c.kind,
                status => c.status, escalated => c.escalated(),
                amounts => view! { total => kefu_power::tariffs::quote::yuan(c.amounts.total) },
            }
        })
        .collect()
}

/// The today tile of escalated open cases, for those who close them.
pub async fn today_tile(
    app: &crate::state::AppState,
    ctx: &crate::guard::Ctx,
) -> Result<Option<(&'static str, i64)>, crate::error::AppError> {
    if !ctx.actor.can(PowerManage) {
        return Ok(None);
    }
    Ok(Some((TODAY_LIST.0, kefu_power::cases::escalated_open(app.db(), &ctx.actor.scope).await?)))
}
