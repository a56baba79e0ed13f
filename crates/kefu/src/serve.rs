//! `kefu serve`: migrate, make sure someone can sign in, optionally load the
//! demo, then serve until Ctrl-C or SIGTERM.

use crate::bootstrap;
use crate::config::Settings;
use anyhow::Context;
use kefu_core::time::{Clock, SystemClock};
use kefu_store::Db;
use kefu_web::{AppState, WebConfig};
use std::sync::Arc;

pub async fn run(settings: Settings, bind: Option<String>, demo: bool) -> anyhow::Result<()> {
    let bind = bind.unwrap_or_else(|| settings.bind.clone());
    let zone = settings.zone()?;
    let db = Db::open(&settings.database)
        .await
        .with_context(|| format!("opening the database {}", redact(&settings.database)))?;
    let interrupted = kefu_care::import::jobs::fail_interrupted(&db).await?;
    if interrupted > 0 {
        tracing::warn!(jobs = interrupted, "imports cut off by the last stop are marked failed and may be run again");
    }
    // Listen first: the first admin's password is shown only once, so it
    // must not be created by a start that then fails on a taken port.
    let listener = tokio::net::TcpListener::bind(&bind).await.with_context(|| format!("listening on {bind}"))?;
    let today = zone.date_of(SystemClock.now());
    let packs = settings.packs()?;
    if demo {
        for summary in crate::demo::load_missing(&db, &packs, crate::demo::DEFAULT_SEED, today).await? {
            eprintln!("演示数据已载入 / demo data loaded: {summary}");
        }
    }
    let first_admin = bootstrap::first_admin(&db).await?;
    let url = format!("http://{}/", listener.local_addr()?);
    println!("kefu 已启动 / is running: {url}");
    if let Some(login) = first_admin {
        println!("首个管理员 / first admin — 用户名 username: {}  密码 password: {}", login.username, login.password);
        println!("（仅显示这一次，请登录后修改 / shown only this once; change it after signing in）");
    }
    let channels = settings.channels()?;
    let state = AppState::new(
        db,
        Arc::new(SystemClock),
        zone,
        WebConfig {
            cookie_security: settings.cookie_security,
            complaints: settings.complaints,
            metrics_token: settings.metrics_token,
            surveys: settings.surveys,
            packs,
        },
        channels,
    );
    tokio::spawn(crate::outreach::schedule(state.clone()));
    let db = state.db().clone();
    tokio::spawn(async move { db.checkpoint_continuously().await });
    kefu_web::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}
