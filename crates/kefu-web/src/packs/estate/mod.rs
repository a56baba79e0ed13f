//! The property-management pack's web half: the owner archive (estates,
//! their buildings, a building's houses, a house with its people and cars,
//! the 360° panel of a customer's houses) and the JSON API (the fee quote)
//! — their handlers, templates (`templates/`) and interface text (`i18n/`).

pub mod api;
pub mod desk;
pub mod fees;
pub mod notices;
pub mod pager;
pub mod pages;
pub mod passes;
pub mod receivables;
pub mod repairs;
pub mod reports;
pub mod visits;

use super::{CustomerPart, Panel, Related, WebPack};
use crate::error::AppError;
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use crate::state::AppState;
use axum::http::Method as M;
use axum::routing::{get, post};
use jiff::civil::Date;
use kefu_care::customers::Customer;
use kefu_core::Permission::*;
use kefu_core::ids::CustomerId;
use kefu_core::{Lang, Scope};
use kefu_estate::archive::{self, Held};
use kefu_pack::{BoxFuture, Pack};
use kefu_store::{Db, Failure};
use utoipa::OpenApi;

pub struct Estate;

#[derive(OpenApi)]
#[openapi(
    paths(api::fee_quote, fees::arrears_api),
    components(schemas(
        api::FeeQuoteBody,
        api::FeeQuoteDto,
        fees::ArrearsDto,
        fees::BucketDto,
        fees::HouseArrearsDto
    ))
)]
struct EstateApi;

const NAV: &[NavItem] = &[NavItem { key: "nav_estate_estates", href: Some("/estate/estates"), needs: CustomersRead }];

/// Each part's menu entries and templates, chained.
static ALL_NAV: std::sync::LazyLock<Vec<NavItem>> =
    std::sync::LazyLock::new(|| [NAV, repairs::NAV, visits::NAV, passes::NAV, notices::NAV].concat());
static ALL_TEMPLATES: std::sync::LazyLock<Vec<(&str, &str)>> = std::sync::LazyLock::new(|| {
    [
        TEMPLATES,
        receivables::TEMPLATES,
        reports::TEMPLATES,
        repairs::TEMPLATES,
        visits::TEMPLATES,
        passes::TEMPLATES,
        notices::TEMPLATES,
    ]
    .concat()
});

/// The pack's document with each part's merged in.
fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = EstateApi::openapi();
    doc.merge(receivables::ReceivablesApi::openapi());
    doc.merge(repairs::RepairsApi::openapi());
    doc.merge(visits::VisitsApi::openapi());
    doc.merge(notices::NoticesApi::openapi());
    doc
}

const TEMPLATES: &[(&str, &str)] = &[
    ("estate/estates.html", include_str!("templates/estates.html")),
    ("estate/estate.html", include_str!("templates/estate.html")),
    ("estate/houses.html", include_str!("templates/houses.html")),
    ("estate/house.html", include_str!("templates/house.html")),
    ("estate/_house_rows.html", include_str!("templates/_house_rows.html")),
    ("estate/visitors.html", include_str!("templates/visitors.html")),
    ("estate/fees.html", include_str!("templates/fees.html")),
    ("estate/billing_run.html", include_str!("templates/billing_run.html")),
    ("estate/completeness.html", include_str!("templates/completeness.html")),
    ("estate/customer_panel.html", include_str!("templates/customer_panel.html")),
    ("estate/_pager.html", include_str!("templates/_pager.html")),
];

impl WebPack for Estate {
    fn pack(&self) -> &'static dyn Pack {
        &kefu_estate::pack::ESTATE
    }

    fn routes(&self) -> Vec<Entry> {
        vec![
            entry(M::GET, "/estate/estates", Signed(CustomersRead), get(pages::estates)),
            entry(M::GET, "/estate/estates/{code}", Signed(CustomersRead), get(pages::estate)),
            entry(M::GET, "/estate/buildings/{id}", Signed(CustomersRead), get(pages::building)),
            entry(M::GET, "/estate/houses/{id}", Signed(CustomersRead), get(pages::house)),
            entry(M::GET, "/estate/estates/{code}/visitors", Signed(EstateWork), get(desk::visitors)),
            entry(M::POST, "/estate/estates/{code}/visitors", Signed(EstateWork), post(desk::register)),
            entry(M::POST, "/estate/estates/{code}/desk", Signed(EstateWork), post(desk::record)),
            entry(M::POST, "/estate/estates/{code}/visitors/{id}/out", Signed(EstateWork), post(desk::sign_out)),
            entry(M::POST, "/estate/estates/{code}/retention", Signed(EstateManage), post(desk::retention)),
            entry(M::GET, "/estate/estates/{code}/completeness", Signed(EstateWork), get(pages::completeness)),
            entry(M::GET, "/estate/estates/{code}/fees", Signed(EstateWork), get(fees::fees)),
            entry(M::POST, "/estate/estates/{code}/fees/run", Signed(EstateManage), post(fees::run)),
            entry(M::POST, "/estate/estates/{code}/payments", Signed(PaymentsTake), post(fees::pay)),
            entry(M::POST, "/estate/bills/{id}/reverse", Signed(EstateManage), post(fees::reverse)),
            entry(M::GET, "/api/v1/estate/arrears", Signed(CustomersRead), get(fees::arrears_api)),
            entry(M::POST, "/api/v1/estate/fee-quote", Signed(CustomersRead), post(api::fee_quote)),
        ]
        .into_iter()
        .chain(receivables::routes())
        .chain(reports::routes())
        .chain(repairs::routes())
        .chain(visits::routes())
        .chain(passes::routes())
        .chain(notices::routes())
        .collect()
    }

    fn nav(&self) -> &'static [NavItem] {
        &ALL_NAV
    }

    fn reports(&self) -> &'static [NavItem] {
        &[]
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &ALL_TEMPLATES
    }

    fn events(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    fn catalog(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => include_str!("i18n/zh-CN.toml"),
            Lang::En => include_str!("i18n/en.toml"),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        openapi_doc()
    }

    fn customer_part<'a>(
        &'a self,
        db: &'a Db,
        scope: &'a Scope,
        customer: &'a Customer,
        _today: Date,
    ) -> BoxFuture<'a, Result<CustomerPart, Failure>> {
        Box::pin(async move {
            let held = archive::houses_of_customer(db, scope, customer.id).await?;
            let json: Vec<serde_json::Value> = held
                .houses
                .iter()
                .map(|(h, role, estate)| {
                    serde_json::json!({
                        "estate": estate, "number": h.number, "role": role, "kind": h.kind, "state": h.state,
                        "building_area": h.building_area, "interior_area": h.interior_area,
                    })
                })
                .collect();
            Ok(CustomerPart { key: "estate_houses", json: json.into(), due: Vec::new(), data: Box::new(held) })
        })
    }

    fn customer_panel<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        _customer: &'a Customer,
        part: &'a CustomerPart,
    ) -> BoxFuture<'a, Result<Panel, AppError>> {
        Box::pin(async move {
            let held = part.data.downcast_ref::<Held>().cloned().unwrap_or_default();
            let rows: Vec<serde_json::Value> =
                held.houses.iter().map(|(h, role, estate)| view! { h => h, role => role, estate => estate }).collect();
            let houses: Vec<_> = held.houses.iter().map(|(h, _, _)| h).collect();
            let notices = notices::customer_part(app, ctx, &houses).await?;
            Ok(Panel {
                template: "estate/customer_panel.html",
                top: None,
                data: view! { houses => rows, notices => notices },
            })
        })
    }

    /// The opinion visit a resident's task in the call queue is about.
    fn call_panel<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        customer: CustomerId,
    ) -> BoxFuture<'a, Result<Option<Panel>, AppError>> {
        Box::pin(visits::pages::call_panel(app, ctx, customer))
    }

    /// No estate record is linked to a complaint yet.
    fn complaint_about<'a>(
        &'a self,
        _app: &'a AppState,
        _ctx: &'a Ctx,
        _customer: CustomerId,
        _at: &'a str,
    ) -> BoxFuture<'a, Result<Option<Related>, AppError>> {
        Box::pin(async { Ok(None) })
    }

    fn today_lists(&self) -> &'static [(&'static str, &'static str, kefu_core::Permission)] {
        &[("today_estate_houses", "/estate/estates", CustomersRead)]
    }

    fn today_tiles<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<Vec<(&'static str, i64)>, AppError>> {
        Box::pin(async move { Ok(vec![("today_estate_houses", archive::count(app.db(), &ctx.actor.scope).await?)]) })
    }
}
