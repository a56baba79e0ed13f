//! `kefu outreach run`, and the morning run inside `serve`.

use crate::config::Settings;
use crate::progress;
use jiff::civil::Date;
use kefu_accounts::branches;
use kefu_core::time::{Clock, SystemClock};
use kefu_core::{Actor, Scope};
use kefu_outreach::run::Summary;
use kefu_store::Db;

/// The run acts for nobody in particular, over every branch.
async fn system_actor(db: &Db) -> anyhow::Result<Actor> {
    Ok(Actor::system(Scope::new(branches::all(db).await?.into_iter().map(|b| b.id).collect())))
}

pub async fn run(settings: &Settings, date: Option<Date>) -> anyhow::Result<()> {
    let db = Db::open(&settings.database).await?;
    let zone = settings.zone()?;
    let date = date.unwrap_or_else(|| zone.date_of(SystemClock.now()));
    let bar = progress::bar(1, &format!("外呼与关怀 outreach {date}"));
    let actor = system_actor(&db).await?;
    let summary = settings
        .packs()?
        .core()
        .run_outreach(&db, &actor, (date, &zone), &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    print!("{}", report(&summary));
    Ok(())
}

/// The run summary as printed: tasks created by playbook and channel.
pub fn report(s: &Summary) -> String {
    let mut out = format!("{} 新建任务 / tasks created: {}\n", s.date, s.created_total);
    for (playbook, channels) in &s.created {
        let by_channel: Vec<String> = channels.iter().map(|(c, n)| format!("{c} {n}")).collect();
        out.push_str(&format!("  {playbook}: {}\n", by_channel.join(", ")));
    }
    out.push_str(&format!(
        "合并 merged: {}, 客户不接受任何渠道 opted out: {}, 已停止 stopped: {}, 已存在 already there: {}\n",
        s.merged, s.opted_out, s.stopped, s.existing
    ));
    if !s.unsupported.is_empty() {
        out.push_str(&format!(
            "尚无数据来源的方案 / playbooks without a data source yet: {}\n",
            s.unsupported.join(", ")
        ));
    }
    out
}

/// Runs the outreach every morning at 06:00 in the business zone, and at
/// start when today's run has not happened yet, then sends the SMS and
/// e-mails due, escalates the complaints whose deadlines passed and expires
/// lapsed points. Several servers may do this against one PostgreSQL: the
/// tasks' unique keys make the runs agree, a message is sent by the server
/// that finds it pending, a complaint is escalated by the server that raises
/// its level first, and points expire under the customer's lock.
pub async fn schedule(app: kefu_web::AppState) {
    let (db, zone) = (app.db().clone(), app.0.zone.clone());
    loop {
        let now = app.now();
        let today = zone.date_of(now);
        let done: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM outreach_runs WHERE run_date = $1")
            .bind(today.to_string())
            .fetch_one(db.pool())
            .await
            .unwrap_or(None);
        match system_actor(&db).await {
            Ok(actor) => {
                if done.is_none() {
                    match app.packs().core().run_outreach(&db, &actor, (today, &zone), &|_, _| {}).await {
                        Ok(s) => tracing::info!(date = %today, created = s.created_total, "daily outreach run"),
                        Err(e) => tracing::error!(error = %e, "daily outreach run failed"),
                    }
                }
                match kefu_web::packs::send_outreach(&app, &actor, kefu_outreach::dispatch::Whose::Everyone, today)
                    .await
                {
                    Ok(d) => {
                        tracing::info!(sent = d.sent, failed = d.failed, quiet = d.quiet, "outreach messages sent")
                    }
                    Err(e) => tracing::error!(error = %e, "sending outreach messages failed"),
                }
                match kefu_care::complaints::escalation::run(&db, &actor, now).await {
                    Ok(e) => tracing::info!(supervisor = e.supervisor, manager = e.manager, "complaints escalated"),
                    Err(e) => tracing::error!(error = %e, "escalating complaints failed"),
                }
                match app.packs().core().hourly(&db, &actor, now).await {
                    Ok(done) => done.iter().for_each(|d| tracing::info!(done = %d, "hourly pack work")),
                    Err(e) => tracing::error!(error = %e, "hourly pack work failed"),
                }
                match kefu_care::points::expire_due(&db, &actor, kefu_care::points::When { now, today }).await {
                    Ok(n) => tracing::info!(customers = n, "lapsed points expired"),
                    Err(e) => tracing::error!(error = %e, "expiring points failed"),
                }
            }
            Err(e) => tracing::error!(error = %e, "daily outreach run: branches unavailable"),
        }
        // Again at the next full hour (messages held for quiet hours go
        // out then), and the next day's run after 06:00.
        let next_hour = jiff::SignedDuration::from_secs(3600 - now.as_second().rem_euclid(3600));
        tokio::time::sleep(next_hour.unsigned_abs()).await;
    }
}
