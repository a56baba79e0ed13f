//! The advisors' KPI page, a week or a month at a time.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::packs::auto::requests::PeriodQuery;
use crate::render::page;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Html;
use kefu_auto::kpis;
use serde_json::Value;

pub async fn page_handler(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Result<Html<String>, AppError> {
    let (period, from, to) = q.range(app.today())?;
    let (orders, bookings) = kpis::load(app.db(), &ctx.actor.scope, &app.0.zone, (from, to)).await?;
    let rows: Vec<Value> = kpis::summarise(&orders, &bookings)
        .iter()
        .map(|k| view! { k => k, revenue => k.revenue.to_string(), average => k.average.to_string() })
        .collect();
    let (previous, next) = (from.yesterday().unwrap_or(from), to.tomorrow().unwrap_or(to));
    page(
        &app,
        &ctx,
        "service/kpis.html",
        "nav_kpis",
        view! {
            period => period, from => from.to_string(), to => to.to_string(), advisors => rows,
            previous => previous.to_string(), next => next.to_string(),
        },
    )
}
