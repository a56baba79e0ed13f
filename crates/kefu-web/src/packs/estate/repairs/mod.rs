//! Repairs (报修, issue 21 §3) on the web: the list across the user's
//! estates with its filters and each estate's deadlines, the report form,
//! a repair's page with its steps, materials, charge and 回访 calls and the
//! next step's form, the JSON API under `/api/v1/estate/repairs`, and the
//! owner's own link (`/estate/report/{token}`, public, signed).

pub mod api;
pub mod owner;
pub mod pages;

use crate::guard::Access::{Public, Signed};
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use axum::http::Method as M;
use axum::routing::{get, post};
use kefu_core::Permission::*;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(api::list, api::create, api::get, api::step),
    components(schemas(
        api::RepairDto,
        api::RepairStepDto,
        api::MaterialDto,
        api::RevisitDto,
        api::NewRepairBody,
        api::RepairStepBody
    ))
)]
pub struct RepairsApi;

pub const NAV: &[NavItem] = &[NavItem { key: "nav_estate_repairs", href: Some("/estate/repairs"), needs: EstateWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("estate/repairs_list.html", include_str!("templates/list.html")),
    ("estate/repairs_new.html", include_str!("templates/new.html")),
    ("estate/repairs_show.html", include_str!("templates/show.html")),
    ("estate/repair_link.html", include_str!("templates/link.html")),
    ("estate/repair_owner.html", include_str!("templates/owner.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/estate/repairs", Signed(EstateWork), get(pages::list)),
        entry(M::POST, "/estate/repairs", Signed(EstateWork), post(pages::create)),
        entry(M::GET, "/estate/repairs/new", Signed(EstateWork), get(pages::new_form)),
        entry(M::POST, "/estate/repairs/deadlines", Signed(EstateManage), post(pages::deadlines)),
        entry(M::GET, "/estate/repairs/{id}", Signed(EstateWork), get(pages::show)),
        entry(M::POST, "/estate/repairs/{id}/steps", Signed(EstateWork), post(pages::step)),
        entry(M::POST, "/estate/houses/{id}/repair-link", Signed(EstateWork), post(owner::issue)),
        entry(M::GET, "/estate/report/{token}", Public, get(owner::form)),
        entry(M::POST, "/estate/report/{token}", Public, post(owner::report)),
        entry(M::GET, "/api/v1/estate/repairs", Signed(EstateWork), get(api::list)),
        entry(M::POST, "/api/v1/estate/repairs", Signed(EstateWork), post(api::create)),
        entry(M::GET, "/api/v1/estate/repairs/{id}", Signed(EstateWork), get(api::get)),
        entry(M::POST, "/api/v1/estate/repairs/{id}/steps", Signed(EstateWork), post(api::step)),
    ]
}
