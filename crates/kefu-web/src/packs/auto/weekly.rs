//! What the weekly summary's page and API share: the week asked for, and
//! the summary with the playbooks in force.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::state::AppState;
use jiff::civil::Date;
use kefu_auto::weekly::{Summary, Week};
use kefu_core::{Invalid, Rule};
use serde::Deserialize;

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct WeekQuery {
    /// Any day of the week (YYYY-MM-DD); this week when not given.
    week: Option<String>,
}

/// The week asked for, this week by default.
fn week(q: &WeekQuery, today: Date) -> Result<Week, AppError> {
    match q.week.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.parse::<Date>().map(Week::of).map_err(|_| {
            AppError::Invalid(Invalid::new("week", Rule::new("date", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD")))
        }),
        None => Ok(Week::of(today)),
    }
}

/// The summary of the week asked for, with the playbooks in force.
pub(crate) async fn load(app: &AppState, ctx: &Ctx, q: &WeekQuery) -> Result<Summary, AppError> {
    let week = week(q, app.today())?;
    let playbooks = app.packs().core().playbooks(app.db()).await?;
    Ok(kefu_auto::weekly::summary(app.db(), &ctx.actor.scope, &playbooks, week).await?)
}
