//! What a page and its JSON API both read from a request — a period, a
//! month, a survey's results selection, the instant a points change happens,
//! where a link should point — read once here, so that `pages` and `api`
//! need nothing of each other.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::state::AppState;
use axum::http::HeaderMap;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_accounts::branches;
use kefu_care::complaints::summary::{self, Summary};
use kefu_care::points::When;
use kefu_care::surveys::results::Selection;
use kefu_core::ids::{BranchId, SurveyId};
use kefu_core::{Invalid, Permission, Rule, Scope};
use kefu_outreach::monthly::{self, StoreMonth};
use kefu_outreach::sends::{self, Audience, Sent};
use kefu_store::Failure;
use serde::Deserialize;

/// The longest period one report covers.
const MAX_DAYS: i32 = 366;

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// A month, YYYY-MM; this month when nothing is given.
    month: Option<String>,
    /// Or a period from this day (YYYY-MM-DD)…
    from: Option<String>,
    /// …to this day, inclusive.
    to: Option<String>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn bad(field: &str, code: &'static str, zh: &str, en: &str) -> AppError {
    AppError::Invalid(Invalid::new(field, Rule::new(code, zh, en)))
}

/// The period asked for: `from`–`to`, or a month, this month by default.
pub(crate) fn period(q: &PeriodQuery, today: Date) -> Result<(Date, Date), AppError> {
    let day = |field: &str, s: &str| {
        s.parse::<Date>().map_err(|_| bad(field, "date", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD"))
    };
    match (given(&q.from), given(&q.to)) {
        (Some(from), Some(to)) => {
            let (from, to) = (day("from", from)?, day("to", to)?);
            if to < from {
                return Err(bad("to", "period_order", "结束日期不能早于开始日期", "must not be before the start"));
            }
            if (to - from).get_days() >= MAX_DAYS {
                return Err(bad("to", "period_length", "时间段最长一年", "the period may span a year at most"));
            }
            Ok((from, to))
        }
        (None, None) => {
            let first = match given(&q.month) {
                Some(m) => format!("{m}-01")
                    .parse::<Date>()
                    .map_err(|_| bad("month", "month", "月份格式应为 YYYY-MM", "use YYYY-MM"))?,
                None => today.first_of_month(),
            };
            Ok((first, first.last_of_month()))
        }
        (None, Some(_)) => Err(AppError::Invalid(Invalid::required("from"))),
        (Some(_), None) => Err(AppError::Invalid(Invalid::required("to"))),
    }
}

/// The mobile as the reader may see it.
pub(crate) fn shown_mobile(ctx: &Ctx, mobile: &Option<String>) -> Option<String> {
    mobile.as_deref().map(|m| {
        if ctx.actor.can(Permission::PersonalDataView) { m.to_string() } else { kefu_care::customers::mask_mobile(m) }
    })
}

#[derive(Deserialize)]
pub struct ResultsQuery {
    /// One store; all in scope when absent.
    pub(crate) branch: Option<i64>,
    /// Business dates, inclusive; the last 30 days by default.
    pub(crate) from: Option<Date>,
    pub(crate) to: Option<Date>,
}

/// The selection a results query asks for, as instants in the business zone.
pub(crate) fn selection(app: &AppState, q: &ResultsQuery) -> (Selection, Date, Date) {
    let to = q.to.unwrap_or_else(|| app.today());
    let from = q.from.unwrap_or(to - 30.days());
    let zone = &app.0.zone;
    (Selection { branch: q.branch.map(BranchId), from: zone.start_of(from), to: zone.start_of(to + 1.day()) }, from, to)
}

/// Sends the audience their own links to survey `id` through the channel's
/// gateway; the links point at this server as the request reached it.
pub(crate) async fn send_links(
    app: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    (id, channel): (i64, &str),
    audience: &Audience,
) -> Result<Sent, Failure> {
    let when = (app.today(), app.now(), app.local_time());
    let channels = &app.0.channels;
    let links = (origin(headers), &app.0.config.surveys);
    sends::send_survey(app.db(), &ctx.actor, channels, (SurveyId(id), channel), audience, (&links.0, links.1), when)
        .await
}

/// Where the customer's browser reaches this server, from the request.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The instant and business day a points change happens at.
pub(crate) fn when(app: &AppState) -> When {
    When { now: app.now(), today: app.today() }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct MonthQuery {
    /// YYYY-MM; this month when not given.
    month: Option<String>,
}

/// The first day of the month asked for, this month by default.
pub(crate) fn month(q: &MonthQuery, today: Date) -> Result<Date, AppError> {
    match q.month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(m) => format!("{m}-01").parse::<Date>().map_err(|_| {
            AppError::Invalid(Invalid::new("month", Rule::new("month", "月份格式应为 YYYY-MM", "use YYYY-MM")))
        }),
        None => Ok(today.first_of_month()),
    }
}

/// The summary of the complaints received in the month starting `first`.
pub(crate) async fn month_summary(app: &AppState, ctx: &Ctx, first: Date) -> Result<Summary, AppError> {
    let zone = &app.0.zone;
    let bounds = (zone.start_of(first), zone.start_of(first + 1.month()));
    let complaints = summary::received(app.db(), &ctx.actor.scope, bounds).await?;
    Ok(summary::summarize(&complaints, &app.packs().core().complaint_choices()))
}

/// One store's month, named.
pub(crate) struct Store {
    pub id: i64,
    pub name: String,
    pub month: StoreMonth,
}

/// The month from `first` of every store in the reader's branches.
pub(crate) async fn month_store_reports(app: &AppState, ctx: &Ctx, first: Date) -> Result<Vec<Store>, AppError> {
    let db = app.db();
    let zone = &app.0.zone;
    let next = first + 1.month();
    // A store, a supply station, an estate: the branches the packs serve from.
    let kinds: Vec<&str> = app.packs().core().iter().flat_map(|p| p.branch_kinds().iter().copied()).collect();
    let stores = branches::all(db)
        .await?
        .into_iter()
        .filter(|b| kinds.contains(&b.kind.as_str()) && ctx.actor.scope.branches().contains(&b.id));
    let mut out = Vec::new();
    for b in stores {
        let scope = Scope::new(vec![b.id]);
        let solicited = app.packs().core().effectiveness(db, &scope, (first, next - 1.day()), app.today()).await?;
        let complaints = summary::received(db, &scope, (zone.start_of(first), zone.start_of(next))).await?;
        let heard = monthly::heard(db, &scope, (first, next), zone).await?;
        let choices = app.packs().core().complaint_choices();
        let month = monthly::store_month(&solicited.not_came, (&complaints, &choices), heard, zone);
        out.push(Store { id: b.id.0, name: b.name, month });
    }
    Ok(out)
}
