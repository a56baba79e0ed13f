//! The service advisors' KPIs over JSON, for a week or a month.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::packs::auto::requests::PeriodQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use kefu_auto::kpis::{self, AdvisorKpi};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    n: i64,
    of: i64,
    percent: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AdvisorKpiDto {
    advisor: String,
    orders: i64,
    revenue_fen: i64,
    average_fen: i64,
    /// Additional items agreed out of those proposed.
    items_agreed: ShareDto,
    /// Delivered by the promised time, of the orders with a promise.
    on_time: ShareDto,
    /// Through the quality check at the first attempt.
    first_pass: ShareDto,
    booked: i64,
    no_shows: i64,
}

fn share(s: kpis::Share) -> ShareDto {
    ShareDto { n: s.n, of: s.of, percent: s.percent }
}

impl AdvisorKpiDto {
    fn of(k: &AdvisorKpi) -> AdvisorKpiDto {
        AdvisorKpiDto {
            advisor: k.advisor.clone(),
            orders: k.orders,
            revenue_fen: k.revenue.fen(),
            average_fen: k.average.fen(),
            items_agreed: share(k.items_agreed),
            on_time: share(k.on_time),
            first_pass: share(k.first_pass),
            booked: k.booked,
            no_shows: k.no_shows,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct KpisDto {
    from: String,
    to: String,
    advisors: Vec<AdvisorKpiDto>,
}

#[utoipa::path(get, path = "/api/v1/service/kpis", tag = "service", params(PeriodQuery),
    responses((status = 200, body = KpisDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn kpis(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<KpisDto>, AppError> {
    let (_, from, to) = q.range(app.today())?;
    let (orders, bookings) = kpis::load(app.db(), &ctx.actor.scope, &app.0.zone, (from, to)).await?;
    Ok(Json(KpisDto {
        from: from.to_string(),
        to: to.to_string(),
        advisors: kpis::summarise(&orders, &bookings).iter().map(AdvisorKpiDto::of).collect(),
    }))
}
