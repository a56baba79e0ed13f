//! Meters and metering assets (issue 19 §3, 计量): the meter archive with
//! each meter's history, batch acceptance, installation and removal, the
//! month's rotation and field-test plan with its work orders, the
//! instruments in date — pages, API, templates. Plugged into the power pack
//! by one line each in `power/mod.rs`.

pub mod api;
pub mod pages;

use crate::guard::Access::Signed;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post, put};
use kefu_core::Permission::*;

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/meters", Signed(CustomersRead), get(pages::list)),
        entry(M::GET, "/power/meters.xlsx", Signed(CustomersRead), get(pages::export)),
        entry(M::GET, "/power/meters/{meter_no}", Signed(CustomersRead), get(pages::show)),
        entry(M::POST, "/power/meters/{meter_no}/install", Signed(PowerWork), post(pages::install)),
        entry(M::POST, "/power/meters/{meter_no}/remove", Signed(PowerWork), post(pages::remove)),
        entry(M::POST, "/power/meters/{meter_no}/scrap", Signed(PowerWork), post(pages::scrap)),
        entry(M::POST, "/power/meters/{meter_no}/return", Signed(PowerWork), post(pages::return_to_stock)),
        entry(M::GET, "/power/meter-batches/new", Signed(PowerWork), get(pages::batch_form)),
        entry(M::POST, "/power/meter-batches", Signed(PowerWork), post(pages::accept)),
        entry(M::GET, "/power/meter-plans", Signed(ReadingsWork), get(pages::plan)),
        entry(M::POST, "/power/meter-plans", Signed(ReadingsWork), post(pages::generate)),
        entry(M::GET, "/power/meter-plans.xlsx", Signed(ReadingsWork), get(pages::plan_export)),
        entry(M::POST, "/power/meter-work-orders/{id}", Signed(ReadingsWork), post(pages::complete)),
        entry(M::GET, "/power/instruments", Signed(ReadingsWork), get(pages::instruments)),
        entry(M::POST, "/power/instruments", Signed(ReadingsWork), post(pages::add_instrument)),
        entry(M::GET, "/api/v1/power/meters", Signed(CustomersRead), get(api::list)),
        entry(M::GET, "/api/v1/power/meters/{meter_no}", Signed(CustomersRead), get(api::get)),
        entry(M::POST, "/api/v1/power/meters/{meter_no}/install", Signed(PowerWork), post(api::install)),
        entry(M::POST, "/api/v1/power/meters/{meter_no}/remove", Signed(PowerWork), post(api::remove)),
        entry(M::POST, "/api/v1/power/meters/{meter_no}/scrap", Signed(PowerWork), post(api::scrap)),
        entry(M::POST, "/api/v1/power/meters/{meter_no}/return", Signed(PowerWork), post(api::return_to_stock)),
        entry(M::POST, "/api/v1/power/meter-batches", Signed(PowerWork), post(api::accept)),
        entry(M::GET, "/api/v1/power/meter-plans", Signed(ReadingsWork), get(api::plan)),
        entry(M::POST, "/api/v1/power/meter-plans", Signed(ReadingsWork), post(api::generate)),
        entry(M::POST, "/api/v1/power/meter-work-orders/{id}/complete", Signed(ReadingsWork), post(api::complete)),
        entry(M::GET, "/api/v1/power/instruments", Signed(ReadingsWork), get(api::instruments)),
        entry(M::GET, "/api/v1/power/meter-rules", Signed(ReadingsWork), get(api::rules)),
        entry(M::PUT, "/api/v1/power/meter-rules", Signed(PowerManage), put(api::save_rules)),
    ]
}

/// Navigation entries, one constant each so the pack's list can hold them.
pub const NAV_METERS: NavItem = NavItem { key: "nav_power_meters", href: Some("/power/meters"), needs: CustomersRead };
pub const NAV_PLANS: NavItem =
    NavItem { key: "nav_power_meter_plans", href: Some("/power/meter-plans"), needs: ReadingsWork };

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/meters/list.html", include_str!("templates/list.html")),
    ("power/meters/show.html", include_str!("templates/show.html")),
    ("power/meters/batch.html", include_str!("templates/batch.html")),
    ("power/meters/plan.html", include_str!("templates/plan.html")),
    ("power/meters/instruments.html", include_str!("templates/instruments.html")),
];

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api::list,
        api::get,
        api::accept,
        api::install,
        api::remove,
        api::scrap,
        api::return_to_stock,
        api::plan,
        api::generate,
        api::complete,
        api::instruments,
        api::rules,
        api::save_rules
    ),
    components(schemas(
        api::MeterAssetDto,
        api::MoveDto,
        api::BatchBody,
        api::BatchMeterBody,
        api::AcceptedDto,
        api::InstallBody,
        api::RemoveBody,
        api::SetAsideBody,
        api::PlanDto,
        api::PlanQuery,
        api::WorkOrderDto,
        api::CompleteBody,
        api::InstrumentsDto,
        api::InstrumentDto,
        api::MeterRulesDto
    ))
)]
pub struct MetersApi;
