//! The page an agent opens at 8:30: today's numbers for their branches.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use kefu_accounts::branches;
use kefu_care::customers;

/// The complaints wanting attention, for those who handle them.
async fn complaint_tiles(app: &AppState, ctx: &Ctx) -> Result<Vec<(&'static str, i64)>, AppError> {
    if !ctx.actor.can(kefu_core::Permission::ComplaintsWork) {
        return Ok(Vec::new());
    }
    let c = kefu_care::complaints::today_counts(app.db(), &ctx.actor.scope, app.now()).await?;
    Ok(vec![
        ("today_complaints_unclosed", c.unclosed),
        ("today_complaints_overdue", c.overdue),
        ("today_complaints_escalated", c.escalated),
    ])
}

pub async fn page_handler(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let db = app.db();
    let scope = &ctx.actor.scope;
    let today = app.today();
    let mut tiles = vec![("today_customers", customers::count(db, scope).await?)];
    for pack in app.packs().web() {
        tiles.extend(pack.today_tiles(&app, &ctx).await?);
    }
    tiles.push(("today_birthdays", customers::count_birthdays_on(db, scope, today).await?));
    let outreach = kefu_outreach::calls::today_counts(db, scope, today).await?;
    // Today's work first, then the archive's numbers.
    let tiles: Vec<(&str, i64)> = [
        ("today_calls_waiting", outreach.calls_waiting),
        ("today_letters_to_print", outreach.letters_to_print),
        ("today_messages_to_send", outreach.messages_to_send),
        ("today_followups_open", outreach.followups_open),
    ]
    .into_iter()
    .chain(complaint_tiles(&app, &ctx).await?)
    .chain(tiles)
    .collect();
    let names: Vec<String> = branches::in_scope(db, scope).await?.into_iter().map(|b| b.name).collect();
    let tiles: Vec<_> = tiles.iter().map(|(key, value)| view! { key => key, value => value }).collect();
    page(&app, &ctx, "today.html", "nav_today", view! { today => today.to_string(), tiles => tiles, branches => names })
}
