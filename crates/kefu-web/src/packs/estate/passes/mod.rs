//! The visitor's pass (issue 21 §2): the desk issues a QR code for a
//! registered visit (rendered as SVG on the server: no script, no image
//! request), and the gate checks a pass's token.

use crate::error::AppError;
use crate::extract::{PathParams, QueryParams};
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::render::{NavItem, page};
use crate::routes::{Entry, entry};
use crate::state::AppState;
use axum::extract::State;
use axum::http::Method as M;
use axum::response::Html;
use axum::routing::{get, post};
use kefu_core::Permission::*;
use kefu_estate::{archive, passes};
use serde::Deserialize;

pub const NAV: &[NavItem] = &[NavItem { key: "nav_estate_gate", href: Some("/estate/gate"), needs: EstateWork }];

pub const TEMPLATES: &[(&str, &str)] = &[
    ("estate/pass.html", include_str!("templates/pass.html")),
    ("estate/gate.html", include_str!("templates/gate.html")),
];

pub fn routes() -> Vec<Entry> {
    vec![
        entry(M::POST, "/estate/estates/{code}/visitors/{id}/pass", Signed(EstateWork), post(issue)),
        entry(M::GET, "/estate/gate", Signed(EstateWork), get(gate)),
    ]
}

/// The QR code of `text` as an SVG element, without the XML declaration
/// (it goes inside the page).
fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(220, 220).build();
    Ok(svg.find("<svg").map(|at| svg[at..].to_string()).unwrap_or(svg))
}

/// Issues a pass for a visit at the desk and shows it to print or show on
/// the visitor's phone.
pub async fn issue(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((code, id)): PathParams<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let pass = passes::issue(app.db(), &ctx.actor, &estate, id, app.now()).await?;
    let expires = pass.expires.parse::<jiff::Timestamp>().map(|t| app.0.zone.display(t)).unwrap_or_default();
    let qr = qr_svg(&pass.token)?;
    page(
        &app,
        &ctx,
        "estate/pass.html",
        "nav_estate_gate",
        view! { estate => estate, pass => pass, qr => qr, expires => expires },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GateQuery {
    token: String,
}

/// The gate: a pass's token (scanned or typed) checked.
pub async fn gate(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<GateQuery>,
) -> Result<Html<String>, AppError> {
    let checked = match q.token.trim() {
        "" => None,
        token => Some(passes::at_gate(app.db(), &ctx.actor.scope, token, app.now()).await?),
    };
    let expires = checked
        .as_ref()
        .and_then(|c| c.expires.as_deref())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| app.0.zone.display(t));
    page(
        &app,
        &ctx,
        "estate/gate.html",
        "nav_estate_gate",
        view! { checked => checked, expires => expires, token => q.token },
    )
}
