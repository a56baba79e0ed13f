//! The route table: every route with the access it requires. The router is
//! built from this table, so no route can exist without passing the guard,
//! and tests walk the same table to check every route's refusals.

use crate::error::AppError;
use crate::guard::{Access, BODY_LIMIT, UPLOAD_LIMIT, guard};
use crate::packs::Enabled;
use crate::state::AppState;
use crate::{api, ops, pages};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use kefu_core::Permission::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// A route: what it requires and what answers it.
pub type Entry = (RouteSpec, MethodRouter<AppState>);

pub(crate) fn entry(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Entry {
    (RouteSpec { method, path, access }, handler)
}

/// The shell's routes and those of the packs enabled.
fn table(packs: &Enabled) -> Vec<Entry> {
    let mut table = shell();
    for pack in packs.web() {
        table.extend(pack.routes());
    }
    table
}

fn shell() -> Vec<Entry> {
    use Access::{Public, Signed};
    use Method as M;
    vec![
        // operations and sign-in
        entry(M::GET, "/healthz", Public, get(ops::healthz)),
        entry(M::GET, "/metrics", Public, get(ops::metrics)),
        entry(M::GET, "/static/app.css", Public, get(ops::stylesheet)),
        entry(M::GET, "/static/app.js", Public, get(ops::script)),
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
        entry(M::POST, "/customers/import", Signed(CustomersWrite), post(pages::imports::upload)),
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
        entry(M::GET, "/reports/monthly", Signed(FollowUpsManage), get(pages::monthly::page_handler)),
        entry(M::GET, "/reports/monthly.xlsx", Signed(FollowUpsManage), get(pages::monthly::export)),
        entry(M::GET, "/reports/monthly.pdf", Signed(FollowUpsManage), get(pages::monthly::pdf)),
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
        entry(M::POST, "/complaints/{id}/measures", Signed(ComplaintsWork), post(pages::complaints::measures)),
        entry(M::GET, "/outreach", Signed(CustomersRead), get(pages::outreach::overview)),
        entry(M::POST, "/outreach/run", Signed(OutreachManage), post(pages::outreach::run_now)),
        entry(M::POST, "/outreach/send", Signed(OutreachManage), post(pages::outreach::send_now)),
        entry(M::GET, "/outreach/letters.pdf", Signed(CallsWork), get(pages::outreach::letters_pdf)),
        entry(M::POST, "/outreach/letters/printed", Signed(CallsWork), post(pages::outreach::letters_printed)),
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
        entry(
            M::PUT,
            "/api/v1/customers/{id}/wechat-openid",
            Signed(CustomersWrite),
            put(api::customers::set_wechat_openid),
        ),
        entry(M::GET, "/api/v1/customers/{id}/overview", Signed(CustomersRead), get(api::customers::overview)),
        entry(M::POST, "/api/v1/customers/{id}/contacts", Signed(CustomersWrite), post(api::customers::add_contact)),
        entry(
            M::DELETE,
            "/api/v1/customers/{id}/contacts/{contact}",
            Signed(CustomersWrite),
            delete(api::customers::remove_contact),
        ),
        entry(M::POST, "/api/v1/customers/{id}/merge", Signed(CustomersWrite), post(api::customers::merge_into)),
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
        entry(M::POST, "/api/v1/complaints/{id}/measures", Signed(ComplaintsWork), post(api::complaints::measures)),
        entry(M::GET, "/api/v1/outreach/effectiveness", Signed(FollowUpsManage), get(api::reports::effectiveness)),
        entry(M::GET, "/api/v1/reports/monthly", Signed(FollowUpsManage), get(api::reports::monthly)),
        entry(M::POST, "/api/v1/imports", Signed(CustomersWrite), post(api::imports::upload)),
        entry(M::GET, "/api/v1/imports/{job}", Signed(CustomersWrite), get(api::imports::get)),
        entry(M::POST, "/api/v1/imports/{job}/check", Signed(CustomersWrite), post(api::imports::check)),
        entry(M::POST, "/api/v1/imports/{job}/run", Signed(CustomersWrite), post(api::imports::run)),
    ]
}

/// The routes that take a file, whose bodies may be larger than a form's
/// (the power pack's: an application's documents).
const UPLOADS: [&str; 4] =
    ["/customers/import", "/api/v1/imports", "/power/applications", "/power/applications/{id}/steps"];

/// The largest body a route reads: an upload's, else a form's or JSON's.
fn body_limit(spec: &RouteSpec) -> usize {
    if spec.method == Method::POST && UPLOADS.contains(&spec.path) { UPLOAD_LIMIT } else { BODY_LIMIT }
}

/// Refuses a body that says it is over the route's limit before reading
/// any of it (a client need not send 100 MB to learn that 32 are allowed);
/// a body that does not say is cut off at the limit as it is read.
async fn within(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        let detail = format!("the body is larger than {limit} bytes");
        return AppError::Rejected(StatusCode::PAYLOAD_TOO_LARGE, detail).into_response();
    }
    next.run(req).await
}

/// Every route there can be (every pack on) and what it requires.
pub fn specs() -> Vec<RouteSpec> {
    specs_for(&Enabled::default())
}

/// The routes with `packs` on and what each requires.
pub fn specs_for(packs: &Enabled) -> Vec<RouteSpec> {
    table(packs).into_iter().map(|(spec, _)| spec).collect()
}

/// The application: every route behind its guard, errors rendered in one
/// place, every request counted, every answer with the hardening headers.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in table(state.packs()) {
        let limit = body_limit(&spec);
        let guarded = handler
            .layer(DefaultBodyLimit::max(limit))
            .layer(from_fn_with_state((state.clone(), spec.access), guard))
            .layer(from_fn_with_state(limit, within));
        router = router.route(spec.path, guarded);
    }
    router
        .fallback(crate::error::not_found)
        .layer(from_fn_with_state(state.clone(), crate::metrics::track))
        .layer(axum::middleware::from_fn(crate::error::render))
        .layer(axum::middleware::from_fn(crate::headers::harden))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
