//! The 4S dealership pack's web half: vehicles and the workshop (appointments,
//! repair orders, parts), insurance and claims, the lounge, the advisors'
//! KPIs and the weekly follow-up summary — their pages, API handlers,
//! templates (`templates/`) and interface text (`i18n/`).

pub mod api;
pub mod pages;
mod requests;
mod weekly;

use super::{CustomerPart, Panel, Related, WebPack};
use crate::error::AppError;
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use crate::state::AppState;
use axum::http::Method as M;
use axum::routing::{get, post, put};
use jiff::civil::Date;
use kefu_auto::vehicles::Vehicle;
use kefu_care::customers::Customer;
use kefu_core::Permission::*;
use kefu_core::ids::CustomerId;
use kefu_core::{Lang, Scope};
use kefu_pack::{BoxFuture, Pack};
use kefu_store::{Db, Failure};
use utoipa::OpenApi;

pub struct Auto;

/// What the 360° page shows of each vehicle, as read.
type Owned = Vec<(Vehicle, Option<Date>)>;

#[derive(OpenApi)]
#[openapi(
    paths(
        api::vehicles::add_vehicle,
        api::vehicles::get_vehicle,
        api::weekly::weekly,
        api::repair_orders::open,
        api::repair_orders::get,
        api::repair_orders::step,
        api::appointments::book,
        api::appointments::get,
        api::appointments::conclude,
        api::appointments::load,
        api::parts::list,
        api::parts::save,
        api::parts::needs,
        api::lounge::guests,
        api::lounge::arrive,
        api::lounge::leave,
        api::lounge::drinkware,
        api::lounge::register,
        api::insurance::record,
        api::insurance::renewals,
        api::insurance::lose,
        api::claims::list,
        api::claims::advance,
        api::kpis::kpis,
    ),
    components(schemas(
        api::weekly::WeeklyDto,
        api::repair_orders::OpenBody,
        requests::RepairOrderStepBody,
        api::repair_orders::RepairOrderDto,
        api::repair_orders::LineDto,
        api::repair_orders::TotalsDto,
        api::appointments::AppointmentDto,
        api::appointments::BookBody,
        api::appointments::DayLoadDto,
        api::appointments::ShortageDto,
        api::parts::PartDto,
        api::parts::PartBody,
        api::parts::NeedDto,
        api::parts::NeedsDto,
        api::lounge::GuestDto,
        api::lounge::GuestBody,
        api::lounge::CountDto,
        api::lounge::MissingDto,
        api::lounge::DrinkwareDto,
        api::lounge::DrinkwareBody,
        requests::PolicyBody,
        api::insurance::PolicyDto,
        api::insurance::RenewalsDto,
        requests::LostBody,
        requests::ClaimBody,
        api::claims::ClaimDto,
        api::claims::ClaimsDto,
        api::kpis::KpisDto,
        api::kpis::AdvisorKpiDto,
        api::kpis::ShareDto,
        requests::OutcomeForm,
    ))
)]
struct AutoApi;

const NAV: &[NavItem] = &[
    NavItem { key: "nav_appointments", href: Some("/appointments"), needs: ServiceWork },
    NavItem { key: "nav_service", href: Some("/repair-orders"), needs: ServiceWork },
    NavItem { key: "nav_insurance", href: Some("/insurance/renewals"), needs: ServiceWork },
    NavItem { key: "nav_claims", href: Some("/service/claims"), needs: ServiceWork },
    NavItem { key: "nav_lounge", href: Some("/lounge"), needs: ServiceWork },
    NavItem { key: "nav_kpis", href: Some("/service/kpis"), needs: WorkshopManage },
];

const REPORTS: &[NavItem] = &[NavItem { key: "week_title", href: Some("/outreach/weekly"), needs: FollowUpsManage }];

const TEMPLATES: &[(&str, &str)] = &[
    ("vehicles/view.html", include_str!("templates/vehicles/view.html")),
    ("vehicles/customer_panel.html", include_str!("templates/vehicles/customer_panel.html")),
    ("appointments/calendar.html", include_str!("templates/appointments/calendar.html")),
    ("appointments/day.html", include_str!("templates/appointments/day.html")),
    ("appointments/book_form.html", include_str!("templates/appointments/book_form.html")),
    ("appointments/call_panel.html", include_str!("templates/appointments/call_panel.html")),
    ("appointments/upcoming.html", include_str!("templates/appointments/upcoming.html")),
    ("lounge/index.html", include_str!("templates/lounge/index.html")),
    ("claims/list.html", include_str!("templates/claims/list.html")),
    ("service/kpis.html", include_str!("templates/service/kpis.html")),
    ("insurance/renewals.html", include_str!("templates/insurance/renewals.html")),
    ("repair_orders/list.html", include_str!("templates/repair_orders/list.html")),
    ("repair_orders/view.html", include_str!("templates/repair_orders/view.html")),
    ("outreach/weekly.html", include_str!("templates/outreach/weekly.html")),
    ("customers/auto_event.html", include_str!("templates/customers/event.html")),
];

/// The kinds of timeline entry the pack writes.
const EVENTS: &[(&str, &str)] = &[
    ("visit", "customers/auto_event.html"),
    ("repair_order", "customers/auto_event.html"),
    ("appointment", "customers/auto_event.html"),
    ("insurance", "customers/auto_event.html"),
];

impl WebPack for Auto {
    fn pack(&self) -> &'static dyn Pack {
        &kefu_auto::pack::AUTO
    }

    fn routes(&self) -> Vec<Entry> {
        vec![
            entry(M::POST, "/customers/{id}/vehicles", Signed(CustomersWrite), post(pages::vehicles::add)),
            entry(M::GET, "/vehicles/{id}", Signed(CustomersRead), get(pages::vehicles::view)),
            entry(M::POST, "/vehicles/{id}/repair-orders", Signed(ServiceWork), post(pages::repair_orders::open)),
            entry(M::POST, "/customers/{id}/appointments", Signed(ServiceWork), post(pages::appointments::book)),
            entry(M::GET, "/appointments", Signed(ServiceWork), get(pages::appointments::calendar)),
            entry(M::POST, "/appointments/capacity", Signed(WorkshopManage), post(pages::appointments::set_capacity)),
            entry(M::POST, "/appointments/parts", Signed(WorkshopManage), post(pages::appointments::save_part)),
            entry(M::GET, "/appointments/days/{date}", Signed(ServiceWork), get(pages::appointments::day)),
            entry(M::POST, "/appointments/{id}/outcome", Signed(ServiceWork), post(pages::appointments::conclude)),
            entry(M::GET, "/appointments/{id}/invite.ics", Signed(ServiceWork), get(pages::appointments::invitation)),
            entry(M::POST, "/vehicles/{id}/policies", Signed(ServiceWork), post(pages::insurance::record)),
            entry(M::GET, "/insurance/renewals", Signed(ServiceWork), get(pages::insurance::renewals)),
            entry(M::POST, "/insurance/policies/{id}/lost", Signed(ServiceWork), post(pages::insurance::lose)),
            entry(M::GET, "/service/claims", Signed(ServiceWork), get(pages::claims::list)),
            entry(M::POST, "/service/claims/{id}", Signed(ServiceWork), post(pages::claims::advance)),
            entry(M::GET, "/lounge", Signed(ServiceWork), get(pages::lounge::page_handler)),
            entry(M::POST, "/lounge/guests", Signed(ServiceWork), post(pages::lounge::arrive)),
            entry(M::POST, "/lounge/guests/{id}/leave", Signed(ServiceWork), post(pages::lounge::leave)),
            entry(M::POST, "/lounge/drinkware", Signed(ServiceWork), post(pages::lounge::register)),
            entry(M::GET, "/service/kpis", Signed(WorkshopManage), get(pages::kpis::page_handler)),
            entry(M::GET, "/repair-orders", Signed(ServiceWork), get(pages::repair_orders::board)),
            entry(M::POST, "/repair-orders", Signed(ServiceWork), post(pages::repair_orders::open_by_plate)),
            entry(M::GET, "/repair-orders/{id}", Signed(ServiceWork), get(pages::repair_orders::view)),
            entry(M::POST, "/repair-orders/{id}/steps", Signed(ServiceWork), post(pages::repair_orders::step)),
            entry(M::GET, "/repair-orders/{id}/order.pdf", Signed(ServiceWork), get(pages::repair_orders::order_pdf)),
            entry(
                M::GET,
                "/repair-orders/{id}/estimate.pdf",
                Signed(ServiceWork),
                get(pages::repair_orders::estimate_pdf),
            ),
            entry(
                M::GET,
                "/repair-orders/{id}/settlement.pdf",
                Signed(ServiceWork),
                get(pages::repair_orders::settlement_pdf),
            ),
            entry(M::GET, "/outreach/weekly", Signed(FollowUpsManage), get(pages::weekly::page_handler)),
            entry(M::GET, "/outreach/weekly.xlsx", Signed(FollowUpsManage), get(pages::weekly::export)),
            entry(M::POST, "/api/v1/customers/{id}/vehicles", Signed(CustomersWrite), post(api::vehicles::add_vehicle)),
            entry(M::GET, "/api/v1/vehicles/{id}", Signed(CustomersRead), get(api::vehicles::get_vehicle)),
            entry(M::POST, "/api/v1/vehicles/{id}/repair-orders", Signed(ServiceWork), post(api::repair_orders::open)),
            entry(M::GET, "/api/v1/repair-orders/{id}", Signed(ServiceWork), get(api::repair_orders::get)),
            entry(M::POST, "/api/v1/vehicles/{id}/appointments", Signed(ServiceWork), post(api::appointments::book)),
            entry(M::GET, "/api/v1/appointments/{id}", Signed(ServiceWork), get(api::appointments::get)),
            entry(M::POST, "/api/v1/appointments/{id}/outcome", Signed(ServiceWork), post(api::appointments::conclude)),
            entry(M::GET, "/api/v1/workshop/load", Signed(ServiceWork), get(api::appointments::load)),
            entry(M::GET, "/api/v1/appointments/{id}/parts", Signed(ServiceWork), get(api::parts::needs)),
            entry(M::GET, "/api/v1/parts", Signed(ServiceWork), get(api::parts::list)),
            entry(M::PUT, "/api/v1/parts", Signed(WorkshopManage), put(api::parts::save)),
            entry(M::GET, "/api/v1/lounge/guests", Signed(ServiceWork), get(api::lounge::guests)),
            entry(M::POST, "/api/v1/lounge/guests", Signed(ServiceWork), post(api::lounge::arrive)),
            entry(M::POST, "/api/v1/lounge/guests/{id}/leave", Signed(ServiceWork), post(api::lounge::leave)),
            entry(M::GET, "/api/v1/lounge/drinkware", Signed(ServiceWork), get(api::lounge::drinkware)),
            entry(M::PUT, "/api/v1/lounge/drinkware", Signed(ServiceWork), put(api::lounge::register)),
            entry(M::POST, "/api/v1/vehicles/{id}/policies", Signed(ServiceWork), post(api::insurance::record)),
            entry(M::GET, "/api/v1/insurance/renewals", Signed(ServiceWork), get(api::insurance::renewals)),
            entry(M::GET, "/api/v1/service/claims", Signed(ServiceWork), get(api::claims::list)),
            entry(M::GET, "/api/v1/service/kpis", Signed(WorkshopManage), get(api::kpis::kpis)),
            entry(M::POST, "/api/v1/service/claims/{id}", Signed(ServiceWork), post(api::claims::advance)),
            entry(M::POST, "/api/v1/insurance/policies/{id}/lost", Signed(ServiceWork), post(api::insurance::lose)),
            entry(M::POST, "/api/v1/repair-orders/{id}/steps", Signed(ServiceWork), post(api::repair_orders::step)),
            entry(M::GET, "/api/v1/outreach/weekly", Signed(FollowUpsManage), get(api::weekly::weekly)),
        ]
    }

    fn nav(&self) -> &'static [NavItem] {
        NAV
    }

    fn reports(&self) -> &'static [NavItem] {
        REPORTS
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        TEMPLATES
    }

    fn events(&self) -> &'static [(&'static str, &'static str)] {
        EVENTS
    }

    fn catalog(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => include_str!("i18n/zh-CN.toml"),
            Lang::En => include_str!("i18n/en.toml"),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        AutoApi::openapi()
    }

    fn customer_part<'a>(
        &'a self,
        db: &'a Db,
        scope: &'a Scope,
        customer: &'a Customer,
        today: Date,
    ) -> BoxFuture<'a, Result<CustomerPart, Failure>> {
        Box::pin(async move {
            let owned: Owned = kefu_auto::overview::owned(db, scope, customer.id).await?;
            let json: Vec<api::vehicles::VehicleDto> =
                owned.iter().map(|(v, next)| api::vehicles::VehicleDto::of(v, *next)).collect();
            Ok(CustomerPart {
                key: "vehicles",
                json: serde_json::to_value(json).unwrap_or_default(),
                due: kefu_auto::overview::due(today, &owned),
                data: Box::new(owned),
            })
        })
    }

    fn customer_panel<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        customer: &'a Customer,
        part: &'a CustomerPart,
    ) -> BoxFuture<'a, Result<Panel, AppError>> {
        Box::pin(async move {
            let owned = part.data.downcast_ref::<Owned>().map(Vec::as_slice).unwrap_or_default();
            let vehicles: Vec<serde_json::Value> =
                owned.iter().map(|(v, next)| view! { v => v, next_service => next.map(|d| d.to_string()) }).collect();
            let cars: Vec<&Vehicle> = owned.iter().map(|(v, _)| v).collect();
            let book = pages::appointments::booking_form(app, ctx, customer.id, &cars, "counter").await?;
            let ids: Vec<_> = cars.iter().map(|v| v.id).collect();
            let upcoming: Vec<serde_json::Value> = kefu_auto::appointments::upcoming(app.db(), &ids, app.today())
                .await?
                .iter()
                .map(|a| view! { day => a.day, hour => a.hour, plate => a.plate, job => a.job, branch => a.branch_id, note => a.note })
                .collect();
            Ok(Panel {
                template: "vehicles/customer_panel.html",
                top: Some("appointments/upcoming.html"),
                data: view! { vehicles => vehicles, book => book, upcoming => upcoming },
            })
        })
    }

    fn call_panel<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        customer: CustomerId,
    ) -> BoxFuture<'a, Result<Option<Panel>, AppError>> {
        Box::pin(async move {
            // The agent books the appointment the call wins without leaving it.
            let owned = kefu_auto::vehicles::of_customer(app.db(), &ctx.actor.scope, customer).await?;
            let book = pages::appointments::booking_form(app, ctx, customer, &owned.iter().collect::<Vec<_>>(), "call")
                .await?;
            Ok(book.map(|book| Panel {
                template: "appointments/call_panel.html",
                top: None,
                data: view! { book => book },
            }))
        })
    }

    fn complaint_about<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        customer: CustomerId,
        at: &'a str,
    ) -> BoxFuture<'a, Result<Option<Related>, AppError>> {
        Box::pin(async move {
            // The customer's latest repair order opened by then.
            let orders = kefu_auto::repair_orders::of_customer(app.db(), &ctx.actor.scope, customer).await?;
            Ok(orders.into_iter().find(|o| o.opened_at.as_str() <= at).map(|o| Related {
                title: "complaint_about",
                label: o.order_no,
                href: format!("/repair-orders/{}", o.id),
            }))
        })
    }

    fn today_lists(&self) -> &'static [(&'static str, &'static str, kefu_core::Permission)] {
        &[
            ("today_followups_due", "/outreach/calls", CallsWork),
            ("today_lapsed", "/outreach/calls", CallsWork),
            ("today_new_cars_week", "/outreach/calls", CallsWork),
        ]
    }

    fn today_tiles<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<Vec<(&'static str, i64)>, AppError>> {
        Box::pin(async move { pages::today::tiles(app, ctx).await })
    }
}
