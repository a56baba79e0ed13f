//! The 4S pack's numbers on the today page.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::state::AppState;
use jiff::ToSpan;
use kefu_auto::{vehicles, visits};

/// The vehicles, cars to thank for, workshop visits, follow-up calls due
/// and lapsed vehicles of the user's branches.
pub(crate) async fn tiles(app: &AppState, ctx: &Ctx) -> Result<Vec<(&'static str, i64)>, AppError> {
    let (db, scope, today) = (app.db(), &ctx.actor.scope, app.today());
    let week_start = today - (today.weekday().to_monday_zero_offset() as i64).days();
    let tomorrow = today + 1.day();
    Ok(vec![
        ("today_vehicles", vehicles::count(db, scope).await?),
        ("today_new_cars_week", vehicles::count_purchased_between(db, scope, today - 7.days(), tomorrow).await?),
        ("today_visits_today", visits::count_between(db, scope, today, tomorrow).await?),
        ("today_visits_week", visits::count_between(db, scope, week_start, tomorrow).await?),
        ("today_followups_due", visits::count_between(db, scope, today - 7.days(), today - 6.days()).await?),
        ("today_lapsed", visits::count_lapsed_vehicles(db, scope, today - 3.months()).await?),
    ])
}
