//! The route table: every route with the access it requires. The router is
//! built from this table, so no route can exist without passing the guard,
//! and tests walk the same table to check every route's refusals.

use crate::guard::{Access, guard};
use crate::state::AppState;
use crate::{api, ops, pages};
use axum::Router;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, delete, get, post, put};
use kefu_core::Permission::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

type Entry = (RouteSpec, MethodRouter<AppState>);

fn entry(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Entry {
    (RouteSpec { method, path, access }, handler)
}

fn table() -> Vec<Entry> {
    use Access::{Public, Signed};
    use Method as M;
    vec![
        // operations and sign-in
        entry(M::GET, "/healthz", Public, get(ops::healthz)),
        entry(M::GET, "/metrics", Public, get(ops::metrics)),
        entry(M::GET, "/static/app.css", Public, get(ops::stylesheet)),
        entry(M::GET, "/login", Public, get(pages::auth::form)),
        entry(M::POST, "/login", Public, post(pages::auth::submit)),
        // a survey link: the signed, single-use token is the only key
        entry(M::GET, "/s/{token}", Public, get(pages::surveys::public_form)),
        entry(M::POST, "/s/{token}", Public, post(pages::surveys::public_answer)),
        entry(M::POST, "/logout", Signed(TodayView), post(pages::auth::logout)),
        entry(M::POST, "/me/locale", Signed(TodayView), post(pages::auth::set_locale)),
        entry(M::GET, "/me/password", Signed(TodayView), get(pages::auth::password_form)),
        entry(M::POST, "/me/password", Signed(TodayView), post(pages::auth::change_password)),
        // pages
        entry(M::GET, "/", Signed(TodayView), get(pages::today::page_handler)),
        entry(M::GET, "/customers", Signed(CustomersRead), get(pages::customers::list)),
        entry(M::GET, "/customers/new", Signed(CustomersWrite), get(pages::customers::new_form)),
        entry(M::GET, "/customers/export.csv", Signed(CustomersRead), get(pages::exports::csv)),
        entry(M::GET, "/customers/export.xlsx", Signed(CustomersRead), get(pages::exports::xlsx)),
        entry(M::GET, "/customers/import", Signed(CustomersWrite), get(pages::imports::upload_form)),
        entry(M::POST, "/customers/import", Signed(CustomersWrite), post(pages::imports::upload).layer(upload_limit())),
        entry(M::GET, "/customers/import/{job}", Signed(CustomersWrite), get(pages::imports::job)),
        entry(M::POST, "/customers/import/{job}/check", Signed(CustomersWrite), post(pages::imports::check)),
        entry(M::POST, "/customers/import/{job}/run", Signed(CustomersWrite), post(pages::imports::run)),
        entry(M::POST, "/customers/new", Signed(CustomersWrite), post(pages::customers::create)),
        entry(M::GET, "/customers/{id}", Signed(CustomersRead), get(pages::customers::view)),
        entry(M::GET, "/customers/{id}/edit", Signed(CustomersWrite), get(pages::customers::edit_form)),
        entry(M::POST, "/customers/{id}/edit", Signed(CustomersWrite), post(pages::customers::update)),
        entry(M::POST, "/customers/{id}/preferences", Signed(CustomersWrite), post(pages::customers::set_preferences)),
        entry(M::POST, "/customers/{id}/contacts", Signed(CustomersWrite), post(pages::customers::add_contact)),
        entry(
            M::POST,
            "/customers/{id}/contacts/{contact}/delete",
            Signed(CustomersWrite),
            post(pages::customers::remove_contact),
        ),
        entry(M::POST, "/customers/{id}/vehicles", Signed(CustomersWrite), post(pages::customers::add_vehicle)),
        entry(M::POST, "/customers/{id}/merge", Signed(CustomersWrite), post(pages::customers::merge_duplicate)),
        entry(M::POST, "/customers/{id}/points/earn", Signed(CustomersWrite), post(pages::points::earn)),
        entry(M::POST, "/customers/{id}/points/redeem", Signed(CustomersWrite), post(pages::points::redeem)),
        entry(M::POST, "/customers/{id}/points/refund", Signed(CustomersWrite), post(pages::points::refund)),
        entry(M::POST, "/customers/{id}/tier", Signed(CustomersWrite), post(pages::members::set_tier)),
        entry(M::POST, "/customers/{id}/birthday-gift", Signed(CustomersWrite), post(pages::members::birthday_gift)),
        entry(M::POST, "/customers/{id}/events", Signed(CustomersWrite), post(pages::members::sign_up)),
        entry(M::GET, "/members", Signed(CustomersRead), get(pages::members::list)),
        entry(M::GET, "/members/events", Signed(CustomersRead), get(pages::members::events)),
        entry(M::POST, "/members/events", Signed(CustomersWrite), post(pages::members::create_event)),
        entry(M::GET, "/members/events/{id}", Signed(CustomersRead), get(pages::members::event)),
        entry(M::POST, "/members/events/{id}/attendance", Signed(CustomersWrite), post(pages::members::attendance)),
        entry(M::POST, "/members/events/{id}/invitations", Signed(CustomersWrite), post(pages::members::invite)),
        entry(M::POST, "/customers/{id}/surveys", Signed(SurveysWork), post(pages::surveys::invite)),
        entry(M::GET, "/surveys", Signed(SurveysWork), get(pages::surveys::list)),
        entry(M::POST, "/surveys", Signed(SurveysWork), post(pages::surveys::create)),
        entry(M::GET, "/surveys/{id}", Signed(SurveysWork), get(pages::surveys::view)),
        entry(M::POST, "/surveys/{id}/send", Signed(SurveysWork), post(pages::surveys::send)),
        entry(M::GET, "/surveys/{id}/phone/{customer}", Signed(SurveysWork), get(pages::surveys::phone_form)),
        entry(M::POST, "/surveys/{id}/phone/{customer}", Signed(SurveysWork), post(pages::surveys::phone_answer)),
        entry(M::POST, "/customers/{id}/complaints", Signed(ComplaintsWork), post(pages::complaints::intake)),
        entry(M::GET, "/complaints", Signed(ComplaintsWork), get(pages::complaints::list)),
        entry(M::GET, "/complaints/summary", Signed(FollowUpsManage), get(pages::complaint_summary::page_handler)),
        entry(M::GET, "/complaints/summary.xlsx", Signed(FollowUpsManage), get(pages::complaint_summary::export)),
        entry(M::POST, "/complaints/{id}/case", Signed(FollowUpsManage), post(pages::complaints::open_case)),
        entry(M::POST, "/complaints/{id}/case/actions", Signed(FollowUpsManage), post(pages::complaints::add_action)),
        entry(
            M::POST,
            "/complaints/{id}/case/actions/{action}/done",
            Signed(FollowUpsManage),
            post(pages::complaints::complete_action),
        ),
        entry(M::GET, "/complaints/{id}", Signed(ComplaintsWork), get(pages::complaints::view)),
        entry(M::POST, "/complaints/{id}/steps", Signed(ComplaintsWork), post(pages::complaints::add_step)),
        entry(M::POST, "/complaints/{id}/resolve", Signed(ComplaintsWork), post(pages::complaints::resolve)),
        entry(M::POST, "/complaints/{id}/recontact", Signed(ComplaintsWork), post(pages::complaints::recontact)),
        entry(M::POST, "/complaints/{id}/close", Signed(ComplaintsWork), post(pages::complaints::close)),
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
        entry(M::GET, "/repair-orders/{id}/estimate.pdf", Signed(ServiceWork), get(pages::repair_orders::estimate_pdf)),
        entry(
            M::GET,
            "/repair-orders/{id}/settlement.pdf",
            Signed(ServiceWork),
            get(pages::repair_orders::settlement_pdf),
        ),
        entry(M::GET, "/outreach", Signed(CustomersRead), get(pages::outreach::overview)),
        entry(M::POST, "/outreach/run", Signed(OutreachManage), post(pages::outreach::run_now)),
        entry(M::POST, "/outreach/send", Signed(OutreachManage), post(pages::outreach::send_now)),
        entry(M::GET, "/outreach/letters.pdf", Signed(CallsWork), get(pages::outreach::letters_pdf)),
        entry(M::GET, "/outreach/calls", Signed(CallsWork), get(pages::outreach::queue)),
        entry(M::GET, "/outreach/calls/{id}", Signed(CallsWork), get(pages::outreach::call)),
        entry(M::POST, "/outreach/calls/{id}/claim", Signed(CallsWork), post(pages::outreach::claim)),
        entry(M::POST, "/outreach/calls/{id}/outcome", Signed(CallsWork), post(pages::outreach::outcome)),
        entry(M::GET, "/outreach/followups", Signed(FollowUpsManage), get(pages::outreach::followups)),
        entry(
            M::POST,
            "/outreach/followups/{id}/close",
            Signed(FollowUpsManage),
            post(pages::outreach::close_followup),
        ),
        entry(M::GET, "/outreach/effectiveness", Signed(FollowUpsManage), get(pages::effectiveness::page_handler)),
        entry(M::GET, "/outreach/effectiveness.xlsx", Signed(FollowUpsManage), get(pages::effectiveness::export)),
        entry(M::GET, "/outreach/weekly", Signed(FollowUpsManage), get(pages::weekly::page_handler)),
        entry(M::GET, "/outreach/weekly.xlsx", Signed(FollowUpsManage), get(pages::weekly::export)),
        entry(M::GET, "/admin/playbooks", Signed(OutreachManage), get(pages::outreach::playbooks)),
        entry(M::POST, "/admin/playbooks/{code}", Signed(OutreachManage), post(pages::outreach::save_playbook)),
        entry(M::GET, "/admin/users", Signed(UsersManage), get(pages::admin::users_list)),
        entry(M::GET, "/admin/users/new", Signed(UsersManage), get(pages::admin::user_new)),
        entry(M::POST, "/admin/users/new", Signed(UsersManage), post(pages::admin::user_create)),
        entry(M::GET, "/admin/users/{id}", Signed(UsersManage), get(pages::admin::user_edit)),
        entry(M::POST, "/admin/users/{id}", Signed(UsersManage), post(pages::admin::user_update)),
        entry(M::POST, "/admin/users/{id}/password", Signed(UsersManage), post(pages::admin::user_password)),
        entry(M::GET, "/admin/branches", Signed(BranchesManage), get(pages::admin::branches_list)),
        entry(M::POST, "/admin/branches", Signed(BranchesManage), post(pages::admin::branch_create)),
        entry(M::GET, "/admin/audit", Signed(AuditRead), get(pages::admin::audit)),
        // JSON API
        entry(M::GET, "/api/v1/openapi.json", Public, get(api::openapi_json)),
        entry(M::GET, "/api/v1/me", Signed(TodayView), get(api::me::me)),
        entry(M::GET, "/api/v1/branches", Signed(TodayView), get(api::me::branches)),
        entry(M::GET, "/api/v1/customers", Signed(CustomersRead), get(api::customers::list)),
        entry(M::POST, "/api/v1/customers", Signed(CustomersWrite), post(api::customers::create)),
        entry(M::GET, "/api/v1/customers/{id}", Signed(CustomersRead), get(api::customers::get)),
        entry(M::PUT, "/api/v1/customers/{id}", Signed(CustomersWrite), put(api::customers::update)),
        entry(M::GET, "/api/v1/search", Signed(CustomersRead), get(api::customers::search)),
        entry(
            M::PUT,
            "/api/v1/customers/{id}/preferences",
            Signed(CustomersWrite),
            put(api::customers::set_preferences),
        ),
        entry(M::GET, "/api/v1/customers/{id}/overview", Signed(CustomersRead), get(api::customers::overview)),
        entry(M::POST, "/api/v1/customers/{id}/contacts", Signed(CustomersWrite), post(api::customers::add_contact)),
        entry(
            M::DELETE,
            "/api/v1/customers/{id}/contacts/{contact}",
            Signed(CustomersWrite),
            delete(api::customers::remove_contact),
        ),
        entry(M::POST, "/api/v1/customers/{id}/vehicles", Signed(CustomersWrite), post(api::customers::add_vehicle)),
        entry(M::POST, "/api/v1/customers/{id}/merge", Signed(CustomersWrite), post(api::customers::merge_into)),
        entry(M::GET, "/api/v1/vehicles/{id}", Signed(CustomersRead), get(api::customers::get_vehicle)),
        entry(M::GET, "/api/v1/customers/{id}/points", Signed(CustomersRead), get(api::points::account)),
        entry(M::POST, "/api/v1/customers/{id}/points/earn", Signed(CustomersWrite), post(api::points::earn)),
        entry(M::POST, "/api/v1/customers/{id}/points/redeem", Signed(CustomersWrite), post(api::points::redeem)),
        entry(M::POST, "/api/v1/customers/{id}/points/refund", Signed(CustomersWrite), post(api::points::refund)),
        entry(M::GET, "/api/v1/surveys/{id}/results", Signed(SurveysWork), get(api::surveys::results)),
        entry(M::POST, "/api/v1/customers/{id}/survey-invitations", Signed(SurveysWork), post(api::surveys::invite)),
        entry(M::POST, "/api/v1/surveys/{id}/sends", Signed(SurveysWork), post(api::surveys::send)),
        entry(M::GET, "/api/v1/members/tiers", Signed(CustomersRead), get(api::members::tiers)),
        entry(M::PUT, "/api/v1/customers/{id}/tier", Signed(CustomersWrite), put(api::members::set_tier)),
        entry(M::GET, "/api/v1/customers/{id}/birthday-gifts", Signed(CustomersRead), get(api::members::gifts)),
        entry(M::POST, "/api/v1/customers/{id}/birthday-gifts", Signed(CustomersWrite), post(api::members::give_gift)),
        entry(M::GET, "/api/v1/members/events", Signed(CustomersRead), get(api::members::events)),
        entry(M::POST, "/api/v1/members/events", Signed(CustomersWrite), post(api::members::create_event)),
        entry(M::GET, "/api/v1/members/events/{id}", Signed(CustomersRead), get(api::members::event)),
        entry(M::POST, "/api/v1/members/events/{id}/invitations", Signed(CustomersWrite), post(api::members::invite)),
        entry(M::POST, "/api/v1/members/events/{id}/signups", Signed(CustomersWrite), post(api::members::sign_up)),
        entry(M::PUT, "/api/v1/members/events/{id}/attendance", Signed(CustomersWrite), put(api::members::attendance)),
        entry(M::GET, "/api/v1/complaints", Signed(ComplaintsWork), get(api::complaints::list)),
        entry(M::GET, "/api/v1/complaints/summary", Signed(FollowUpsManage), get(api::complaints::summary)),
        entry(M::POST, "/api/v1/customers/{id}/complaints", Signed(ComplaintsWork), post(api::complaints::intake)),
        entry(M::GET, "/api/v1/complaints/{id}", Signed(ComplaintsWork), get(api::complaints::get)),
        entry(M::POST, "/api/v1/complaints/{id}/steps", Signed(ComplaintsWork), post(api::complaints::add_step)),
        entry(M::POST, "/api/v1/complaints/{id}/resolve", Signed(ComplaintsWork), post(api::complaints::resolve)),
        entry(M::POST, "/api/v1/complaints/{id}/recontact", Signed(ComplaintsWork), post(api::complaints::recontact)),
        entry(M::POST, "/api/v1/complaints/{id}/close", Signed(ComplaintsWork), post(api::complaints::close)),
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
        entry(M::GET, "/api/v1/outreach/effectiveness", Signed(FollowUpsManage), get(api::reports::effectiveness)),
        entry(M::GET, "/api/v1/outreach/weekly", Signed(FollowUpsManage), get(api::reports::weekly)),
        entry(M::POST, "/api/v1/imports", Signed(CustomersWrite), post(api::imports::upload).layer(upload_limit())),
        entry(M::GET, "/api/v1/imports/{job}", Signed(CustomersWrite), get(api::imports::get)),
        entry(M::POST, "/api/v1/imports/{job}/check", Signed(CustomersWrite), post(api::imports::check)),
        entry(M::POST, "/api/v1/imports/{job}/run", Signed(CustomersWrite), post(api::imports::run)),
    ]
}

/// Uploads may be larger than the 2 MB axum allows a body by default.
fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::guard::UPLOAD_LIMIT)
}

/// Every route and what it requires.
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// The application: every route behind its guard, errors rendered in one
/// place, every request counted.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in table() {
        let guarded = handler.layer(from_fn_with_state((state.clone(), spec.access), guard));
        router = router.route(spec.path, guarded);
    }
    router
        .fallback(crate::error::not_found)
        .layer(from_fn_with_state(state.clone(), crate::metrics::track))
        .layer(axum::middleware::from_fn(crate::error::render))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
