//! Two servers on one database, both running the morning scheduler: the
//! day's outreach tasks are created once between them — each server's run
//! claims only the tasks it really inserted, and together they account for
//! every task stored (the tasks' unique keys decide, not timing). Both start
//! on a database without users, so they also race to make the first
//! administrator: one makes it, the other carries on.

use crate::support;

use kefu_store::Db;
use std::time::{Duration, Instant};
use support::Backend;
use support::process::{START, Server, Work};

/// What a server's log says its start-up run created, once both ran.
fn created(server: &Server) -> Option<i64> {
    let log = server.log();
    log.contains("outreach messages sent").then(|| {
        log.lines()
            .filter(|l| l.contains("daily outreach run") && !l.contains("failed"))
            .filter_map(|l| l.split("created=").nth(1)?.split_whitespace().next()?.parse::<i64>().ok())
            .sum()
    })
}

/// The outreach tasks stored that went out or wait (not merged or skipped).
async fn tasks(work: &Work) -> i64 {
    let db = Db::open(work.database()).await.unwrap();
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks WHERE status NOT IN ('merged', 'skipped')")
        .fetch_one(db.pool())
        .await
        .unwrap();
    db.close().await;
    n
}

on_both!(two_servers_create_each_outreach_task_once, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    work.run(&["demo"]).await.ok();
    // The demo's own weeks of outreach are behind it; the servers run today.
    let before = tasks(&work).await;
    let bind = ["--bind", "127.0.0.1:0"];
    let (a, b) = tokio::join!(work.serve(&bind, START), work.serve(&bind, START));
    let deadline = Instant::now() + Duration::from_secs(120);
    let (from_a, from_b) = loop {
        if let (Some(x), Some(y)) = (created(&a), created(&b)) {
            break (x, y);
        }
        assert!(
            Instant::now() < deadline,
            "both servers should finish their first scheduler round:\n{}\n{}",
            a.log(),
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    a.stop().await;
    b.stop().await;

    let stored = tasks(&work).await - before;
    assert!(stored > 0, "the demo's day has outreach work");
    assert_eq!(from_a + from_b, stored, "the two runs created {from_a} and {from_b} tasks; {stored} are stored");
});
