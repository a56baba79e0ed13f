//! The monthly indicators and the analysis meeting (issue 20 §5), with the
//! station and generation meters they read (§1): the report per station and
//! for the centre against the targets with its 12-month trend (server-drawn
//! SVG), its XLSX export and print view, the targets, the meeting's minutes
//! and actions, the meters' registration and monthly reading pages, and
//! `GET /api/v1/power/indicators`.

mod api;
mod pages;

use crate::error::AppError;
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use crate::state::AppState;
use axum::http::Method as M;
use axum::routing::{get, post, put};
use kefu_core::Permission::*;
use kefu_power::indicators::{meetings, parse_month, store};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        api::indicators,
        api::meters,
        api::register,
        api::reading,
        api::targets,
        api::set_targets,
        api::meetings,
        api::save_meeting,
        api::add_action,
        api::set_action_state,
        api::import
    ),
    components(schemas(
        api::StationTargets,
        api::TargetsBody,
        api::MeetingBody,
        api::ActionBody,
        api::ActionStateBody,
        meetings::Meeting,
        meetings::Action,
        store::Report,
        store::Figures,
        kefu_power::indicators::meters::HydroMonth,
        api::SupplyMeterBody,
        api::SupplyReadingBody
    ))
)]
pub struct IndicatorsApi;

pub const NAV: &[NavItem] = &[
    NavItem { key: "nav_power_indicators", href: Some("/power/indicators"), needs: PowerWork },
    NavItem { key: "nav_power_supply_meters", href: Some("/power/supply-meters"), needs: ReadingsWork },
];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("power/indicators.html", include_str!("templates/indicators.html")),
    ("power/ind_actions.html", include_str!("templates/actions.html")),
    ("power/supply_meters.html", include_str!("templates/supply_meters.html")),
    ("power/supply_read.html", include_str!("templates/supply_read.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::GET, "/power/indicators", Signed(PowerWork), get(pages::report)),
        entry(M::GET, "/power/indicators.xlsx", Signed(PowerWork), get(pages::export)),
        entry(M::POST, "/power/indicators/targets", Signed(PowerManage), post(pages::save_targets)),
        entry(M::POST, "/power/indicators/meeting", Signed(PowerManage), post(pages::save_meeting)),
        entry(M::POST, "/power/indicators/meeting/actions", Signed(PowerManage), post(pages::add_action)),
        entry(
            M::POST,
            "/power/indicators/meeting/actions/{id}/done",
            Signed(PowerManage),
            post(pages::complete_action),
        ),
        entry(
            M::POST,
            "/power/indicators/meeting/actions/{id}/reopen",
            Signed(PowerManage),
            post(pages::reopen_action),
        ),
        entry(M::GET, "/power/indicators/actions", Signed(PowerWork), get(pages::actions)),
        entry(M::GET, "/power/supply-meters", Signed(ReadingsWork), get(pages::meters)),
        entry(M::POST, "/power/supply-meters", Signed(PowerManage), post(pages::register)),
        entry(M::POST, "/power/supply-meters/import", Signed(ReadingsWork), post(pages::import)),
        entry(M::GET, "/power/supply-meters/{meter_no}/read", Signed(ReadingsWork), get(pages::read)),
        entry(M::POST, "/power/supply-meters/{meter_no}/read", Signed(ReadingsWork), post(pages::save_reading)),
        entry(M::GET, "/api/v1/power/indicators", Signed(PowerWork), get(api::indicators)),
        entry(M::GET, "/api/v1/power/indicators/targets", Signed(PowerWork), get(api::targets)),
        entry(M::PUT, "/api/v1/power/indicators/targets/{station_id}", Signed(PowerManage), put(api::set_targets)),
        entry(M::GET, "/api/v1/power/indicators/meetings", Signed(PowerWork), get(api::meetings)),
        entry(M::POST, "/api/v1/power/indicators/meetings", Signed(PowerManage), post(api::save_meeting)),
        entry(M::POST, "/api/v1/power/indicators/meetings/{id}/actions", Signed(PowerManage), post(api::add_action)),
        entry(M::PUT, "/api/v1/power/indicators/actions/{id}", Signed(PowerManage), put(api::set_action_state)),
        entry(M::GET, "/api/v1/power/supply-meters", Signed(ReadingsWork), get(api::meters)),
        entry(M::POST, "/api/v1/power/supply-meters", Signed(PowerManage), post(api::register)),
        entry(M::POST, "/api/v1/power/supply-meters/import", Signed(ReadingsWork), post(api::import)),
        entry(M::POST, "/api/v1/power/supply-meters/{meter_no}/readings", Signed(ReadingsWork), post(api::reading)),
    ]
}

/// The today page's list: the meetings' actions past their date.
pub const TODAY_LIST: (&str, &str, kefu_core::Permission) =
    ("today_power_ind_overdue", "/power/indicators/actions", PowerWork);

pub async fn today_tile(app: &AppState, ctx: &Ctx) -> Result<Option<(&'static str, i64)>, AppError> {
    if !ctx.actor.can(PowerWork) {
        return Ok(None);
    }
    Ok(Some((TODAY_LIST.0, meetings::overdue_count(app.db(), &ctx.actor.scope, app.today()).await?)))
}

/// The month asked for (`YYYY-MM`), else the month just closed — the one
/// the analysis meeting discusses.
fn month_or_last(app: &AppState, month: Option<&str>) -> Result<String, AppError> {
    match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(store::last_month(app.today())),
        Some(m) => parse_month(m).map(|_| m.to_string()).map_err(AppError::Invalid),
    }
}

/// The day a reading was taken, today when left out.
fn read_on(app: &AppState, text: Option<&str>) -> Result<jiff::civil::Date, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(app.today()),
        Some(t) => t.parse().map_err(|_| {
            AppError::Invalid(kefu_core::Invalid::new(
                "read_on",
                kefu_core::Rule::new("date_format", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
            ))
        }),
    }
}
