//! The outreach reports over JSON: the effectiveness of invitations and the
//! monthly management report, for the reader's branches. Mobiles are masked
//! for roles that do not see personal data.

use crate::error::AppError;
use crate::extract::QueryParams;
use crate::guard::Ctx;
use crate::requests::{MonthQuery, PeriodQuery, month, period, shown_mobile};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_outreach::effectiveness::{Attribution, Tally};
use serde::Serialize;
use utoipa::ToSchema;

/// Due events and what became of them.
#[derive(Serialize, ToSchema)]
pub struct TallyDto {
    due: i64,
    came: i64,
    /// The window closed without a visit.
    not_came: i64,
    /// No visit yet, window still open.
    open: i64,
    /// came / due; null when nothing was due.
    rate: Option<f64>,
}

impl From<Tally> for TallyDto {
    fn from(t: Tally) -> Self {
        TallyDto { due: t.due, came: t.came, not_came: t.not_came, open: t.open, rate: t.rate() }
    }
}

/// How the touches of a step or a channel did.
#[derive(Serialize, ToSchema)]
pub struct AttributionDto {
    /// Events this touch reached.
    touched: i64,
    /// Of those, events whose customer came after it.
    came_after: i64,
    /// Events whose visit followed this touch last.
    last_touch: i64,
    /// came_after / touched; null when none was reached.
    rate: Option<f64>,
}

impl From<Attribution> for AttributionDto {
    fn from(a: Attribution) -> Self {
        AttributionDto { touched: a.touched, came_after: a.came_after, last_touch: a.last_touch, rate: a.rate() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlaybookRateDto {
    code: String,
    name: String,
    tally: TallyDto,
    /// Customers who came though no touch had reached them.
    came_untouched: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StepRateDto {
    playbook: String,
    /// From 1.
    step: usize,
    offset_days: i64,
    /// The channel the playbook asks for: letter, sms, email or call.
    channel: String,
    attribution: AttributionDto,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelRateDto {
    /// The channel the touches went by.
    channel: String,
    attribution: AttributionDto,
}

#[derive(Serialize, ToSchema)]
pub struct TouchDto {
    step: usize,
    channel: String,
    /// YYYY-MM-DD
    day: String,
    /// pending, claimed, sent, printed, done, failed, merged, skipped
    status: String,
    /// For calls: reached_booked, reached_declined, problem_reported, no_answer, wrong_number, do_not_call;
    /// for a complaint's re-contact: satisfied, not_satisfied.
    outcome: Option<String>,
    notes: String,
    attempts: i64,
    /// It reached the customer.
    delivered: bool,
}

/// A solicited customer who did not come.
#[derive(Serialize, ToSchema)]
pub struct NotCameDto {
    customer_id: i64,
    customer_name: String,
    mobile: Option<String>,
    /// The plate (or VIN); empty for a customer's event.
    asset: String,
    playbook: String,
    anchor_date: String,
    first_touch: String,
    window_end: String,
    touches: Vec<TouchDto>,
}

#[derive(Serialize, ToSchema)]
pub struct EffectivenessDto {
    /// Events whose first touch fell from `from` to `to`.
    from: String,
    to: String,
    /// Windows still open on this day are reported as open.
    today: String,
    /// Days after the anchor (or the last step, if later) a visit still counts.
    grace_days: i64,
    totals: TallyDto,
    playbooks: Vec<PlaybookRateDto>,
    steps: Vec<StepRateDto>,
    channels: Vec<ChannelRateDto>,
    not_came: Vec<NotCameDto>,
}

#[utoipa::path(get, path = "/api/v1/outreach/effectiveness", tag = "outreach", params(PeriodQuery),
    description = "For events first touched in the period (this month by default, or `month`, or `from`–`to`): \
    whether the customer came within the window, per playbook, step and channel, and who did not come with \
    their calls' outcomes and notes. Only playbooks that stop when the customer comes are measured.",
    responses((status = 200, body = EffectivenessDto), (status = 401, body = super::Problem),
        (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn effectiveness(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> Result<Json<EffectivenessDto>, AppError> {
    let today = app.today();
    let r = app.packs().core().effectiveness(app.db(), &ctx.actor.scope, period(&q, today)?, today).await?;
    Ok(Json(EffectivenessDto {
        from: r.from.to_string(),
        to: r.to.to_string(),
        today: r.today.to_string(),
        grace_days: kefu_outreach::effectiveness::GRACE_DAYS,
        totals: r.totals.into(),
        playbooks: r
            .playbooks
            .iter()
            .map(|p| PlaybookRateDto {
                code: p.code.clone(),
                name: p.name.clone(),
                tally: p.tally.into(),
                came_untouched: p.came_untouched,
            })
            .collect(),
        steps: r
            .steps
            .iter()
            .map(|s| StepRateDto {
                playbook: s.playbook.clone(),
                step: s.step,
                offset_days: s.offset_days,
                channel: s.channel.code().into(),
                attribution: s.attribution.into(),
            })
            .collect(),
        channels: r
            .channels
            .iter()
            .map(|c| ChannelRateDto { channel: c.channel.code().into(), attribution: c.attribution.into() })
            .collect(),
        not_came: r
            .not_came
            .iter()
            .map(|n| NotCameDto {
                customer_id: n.customer_id.0,
                customer_name: n.customer_name.clone(),
                mobile: shown_mobile(&ctx, &n.mobile),
                asset: n.asset.clone(),
                playbook: n.playbook.clone(),
                anchor_date: n.anchor_date.to_string(),
                first_touch: n.first_touch.to_string(),
                window_end: n.window_end.to_string(),
                touches: n
                    .touches
                    .iter()
                    .map(|t| TouchDto {
                        step: t.step,
                        channel: t.channel.code().into(),
                        day: t.day.to_string(),
                        status: t.status.clone(),
                        outcome: t.outcome.clone(),
                        notes: t.notes.clone(),
                        attempts: t.attempts,
                        delivered: t.delivered,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ProblemDto {
    pub(crate) id: i64,
    pub(crate) customer_id: i64,
    pub(crate) customer_name: String,
    /// The follow-up's due day.
    pub(crate) day: String,
    pub(crate) advisor: String,
    pub(crate) description: String,
    /// open or closed
    pub(crate) status: String,
    pub(crate) resolution: String,
}

#[derive(Serialize, ToSchema)]
pub struct MonthlyDto {
    /// YYYY-MM
    month: String,
    stores: Vec<StoreMonthDto>,
}

#[derive(Serialize, ToSchema)]
pub struct StoreMonthDto {
    branch_id: i64,
    name: String,
    /// `absent`: the customers invited who did not come, each with
    /// `reason` (reached_declined, problem_reported, reached_booked,
    /// no_answer, wrong_number, do_not_call or no_call) and the call's
    /// `notes`; `reasons`: each reason with its count; `complaints`: the
    /// complaint summary of the month; `opinions`: what customers said
    /// (`source` call, survey or complaint, `day`, `text`); `sources`: each
    /// source with its count.
    #[schema(value_type = Object)]
    report: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/reports/monthly", tag = "outreach", params(MonthQuery),
    description = "The monthly management report of each store in the reader's branches (the month of `month`, \
    this month by default): the customers invited who did not come and why, the complaint handling summary, \
    and the customers' expectations and opinions from calls, surveys and complaints.",
    responses((status = 200, body = MonthlyDto), (status = 401, body = super::Problem),
        (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn monthly(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Json<MonthlyDto>, AppError> {
    let first = month(&q, app.today())?;
    let stores = crate::requests::month_store_reports(&app, &ctx, first).await?;
    Ok(Json(MonthlyDto {
        month: first.strftime("%Y-%m").to_string(),
        stores: stores
            .into_iter()
            .map(|s| StoreMonthDto {
                branch_id: s.id,
                name: s.name,
                report: serde_json::to_value(&s.month).unwrap_or_default(),
            })
            .collect(),
    }))
}
