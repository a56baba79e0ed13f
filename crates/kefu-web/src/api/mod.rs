//! The JSON API under /api/v1, documented by its own OpenAPI document.
//! Callers sign in with the session cookie (and send the CSRF token in the
//! `X-CSRF-Token` header when they write) or with an API token as
//! `Authorization: Bearer kefu_…`.

pub mod complaints;
pub mod customers;
pub mod imports;
pub mod me;
pub mod members;
pub mod points;
pub mod reports;
pub mod surveys;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "kefu API", description = "Customer service centre: archives, outreach, service, complaints, surveys, members and points."),
    paths(
        me::me,
        me::branches,
        customers::list,
        customers::search,
        customers::create,
        customers::get,
        customers::update,
        customers::set_preferences,
        customers::set_wechat_openid,
        customers::overview,
        customers::add_contact,
        customers::remove_contact,
        customers::merge_into,
        complaints::list,
        complaints::intake,
        complaints::get,
        complaints::add_step,
        complaints::resolve,
        complaints::recontact,
        complaints::close,
        complaints::measures,
        complaints::summary,
        points::account,
        points::earn,
        points::redeem,
        points::refund,
        surveys::results,
        surveys::invite,
        surveys::send,
        members::tiers,
        members::set_tier,
        members::events,
        members::create_event,
        members::event,
        members::invite,
        members::sign_up,
        members::attendance,
        members::gifts,
        members::give_gift,
        reports::effectiveness,
        reports::monthly,
        imports::upload,
        imports::get,
        imports::check,
        imports::run,
    ),
    components(schemas(
        me::MeDto,
        me::BranchDto,
        customers::CustomerDto,
        customers::CustomerPage,
        customers::CustomerBody,
        customers::WechatOpenidBody,
        complaints::ComplaintDto,
        complaints::OverdueDto,
        complaints::MeasuresBody,
        complaints::StepDto,
        complaints::IntakeBody,
        complaints::ComplaintStepBody,
        complaints::ResolveBody,
        complaints::RecontactBody,
        complaints::CloseBody,
        complaints::SummaryDto,
        points::AccountDto,
        points::EntryDto,
        points::EarnBody,
        points::RedeemBody,
        points::RefundBody,
        surveys::ResultsDto,
        surveys::QuestionResultDto,
        surveys::InviteBody,
        surveys::InvitationDto,
        surveys::SendBody,
        surveys::SentDto,
        members::TierDto,
        members::TierBody,
        members::MemberDto,
        members::MemberEventDto,
        members::EventBody,
        members::EventDetailDto,
        members::SignupDto,
        members::SignupBody,
        members::AttendanceBody,
        members::GiftDto,
        members::GiftBody,
        reports::EffectivenessDto,
        reports::MonthlyDto,
        imports::JobDto,
        imports::ReportDto,
        Problem
    )),
    modifiers(&Security),
    security(("session" = []), ("token" = [])),
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::guard::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// An error, as RFC 9457 problem details.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Problem {
    pub r#type: String,
    pub title: String,
    pub status: u16,
    /// The message, in the user's language.
    pub detail: String,
    /// The field that broke a rule, for 422 answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule's code, for 422 answers and 409 refusals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The shell's document with the enabled packs' paths and schemas.
pub fn document(packs: &crate::packs::Enabled) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for pack in packs.web() {
        doc.merge(pack.openapi());
    }
    doc
}

pub async fn openapi_json(axum::extract::State(app): axum::extract::State<crate::AppState>) -> impl IntoResponse {
    let json = document(app.packs()).to_pretty_json().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], json)
}
