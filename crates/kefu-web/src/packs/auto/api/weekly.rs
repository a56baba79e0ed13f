//! The weekly follow-up summary over JSON, for the reader's branches.

use crate::api::reports::ProblemDto;
use crate::error::AppError;
use crate::guard::Ctx;
use crate::packs::auto::weekly::{WeekQuery, load};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use kefu_auto::weekly::Counts;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    /// Follow-ups falling due.
    due: i64,
    /// Sent, or the call has its final outcome.
    done: i64,
    /// Calls that reached the customer (reached_*, problem_reported, satisfied, not_satisfied).
    reached: i64,
    /// reached / due; null when nothing was due.
    reach_rate: Option<f64>,
    /// Problems the follow-ups found.
    problems: i64,
    /// Of those, still open.
    problems_open: i64,
}

impl From<&Counts> for CountsDto {
    fn from(c: &Counts) -> Self {
        CountsDto {
            due: c.due,
            done: c.done,
            reached: c.reached,
            reach_rate: c.reach_rate(),
            problems: c.problems,
            problems_open: c.problems_open,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DayDto {
    day: String,
    counts: CountsDto,
}

#[derive(Serialize, ToSchema)]
pub struct AdvisorDto {
    /// The service advisor of the visits followed up; empty when not recorded.
    advisor: String,
    counts: CountsDto,
}

#[derive(Serialize, ToSchema)]
pub struct WeeklyDto {
    monday: String,
    sunday: String,
    totals: CountsDto,
    /// Monday to Sunday.
    days: Vec<DayDto>,
    advisors: Vec<AdvisorDto>,
    problems: Vec<ProblemDto>,
}

#[utoipa::path(get, path = "/api/v1/outreach/weekly", tag = "outreach", params(WeekQuery),
    description = "The week's service follow-ups (Monday to Sunday, the week of `week`, this week by default): \
    due, done and reached per day and per service advisor, and the problems they found with their state. \
    Complaints are not included: they arrive with the complaints capability.",
    responses((status = 200, body = WeeklyDto), (status = 401, body = super::Problem),
        (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn weekly(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WeekQuery>,
) -> Result<Json<WeeklyDto>, AppError> {
    let s = load(&app, &ctx, &q).await?;
    Ok(Json(WeeklyDto {
        monday: s.week.monday.to_string(),
        sunday: s.sunday.to_string(),
        totals: (&s.totals).into(),
        days: s.days.iter().map(|d| DayDto { day: d.day.to_string(), counts: (&d.counts).into() }).collect(),
        advisors: s
            .advisors
            .iter()
            .map(|a| AdvisorDto { advisor: a.advisor.clone(), counts: (&a.counts).into() })
            .collect(),
        problems: s
            .problems
            .iter()
            .map(|p| ProblemDto {
                id: p.id,
                customer_id: p.customer_id.0,
                customer_name: p.customer_name.clone(),
                day: p.day.to_string(),
                advisor: p.advisor.clone(),
                description: p.description.clone(),
                status: p.status.clone(),
                resolution: p.resolution.clone(),
            })
            .collect(),
    }))
}
