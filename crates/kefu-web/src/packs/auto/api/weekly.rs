//! The weekly follow-up summary over JSON, for the reader's branches.

use crate::api::reports::ProblemDto;
use crate::error::AppError;
use crate::extract::QueryParams;
use crate::guard::Ctx;
use crate::packs::auto::weekly::{WeekQuery, load};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_auto::weekly::Counts;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    /// Follow-ups falling due.
    due: i64,
    /// Sent, or the call has its final outcome.
    done: i64,
    /// Calls that reached the customer (reached_*, satisfied, problem_reported or not_satisfied).
    reached: i64,
    /// reached / due; null when nothing was due.
    reach_rate: Option<f64>,
    /// Problems the follow-ups found.
    problems: i64,
    /// Of those, still open.
    problems_open: i64,
    /// Follow-up calls that ended satisfied (satisfied).
    satisfied: i64,
    /// Follow-up calls that found a problem remaining (problem_reported).
    not_satisfied: i64,
    /// Calls nobody answered (tried again) or to a wrong number.
    unreachable: i64,
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
            satisfied: c.satisfied,
            not_satisfied: c.not_satisfied,
            unreachable: c.unreachable,
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
    /// The complaints received in the week, each in its state now.
    complaints: Vec<WeekComplaintDto>,
}

#[derive(Serialize, ToSchema)]
pub struct WeekComplaintDto {
    id: i64,
    customer_id: i64,
    customer_name: String,
    subject: String,
    category: String,
    department: String,
    /// open, in_progress, resolved, confirmed, closed
    status: String,
    /// none, supervisor, manager
    escalation: String,
    received_at: String,
}

#[utoipa::path(get, path = "/api/v1/outreach/weekly", tag = "outreach", params(WeekQuery),
    description = "The week's service follow-ups (Monday to Sunday, the week of `week`, this week by default): \
    due, done and reached per day and per service advisor, how the calls ended (satisfied, not satisfied, \
    unreachable), the problems they found with their state, and the complaints received in the week with theirs.",
    responses((status = 200, body = WeeklyDto), (status = 401, body = super::Problem),
        (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn weekly(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<WeekQuery>,
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
        complaints: s
            .complaints
            .iter()
            .map(|c| WeekComplaintDto {
                id: c.id.0,
                customer_id: c.customer_id.0,
                customer_name: c.customer_name.clone(),
                subject: c.subject.clone(),
                category: c.category.clone(),
                department: c.department.clone(),
                status: c.status.code().to_string(),
                escalation: c.escalation.code().to_string(),
                received_at: c.received_at.clone(),
            })
            .collect(),
    }))
}
