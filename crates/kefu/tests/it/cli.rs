//! The `kefu` command line, run as the real binary in a temporary working
//! folder against a fresh database, on SQLite and on PostgreSQL: migrating,
//! the first start with the demo, accounts, backups and the settings file.
//!
//! Every wait is bounded, and every child process is killed when its handle
//! is dropped, so a failing test never leaves a server running.

use crate::support;

use kefu_accounts::{branches, password, users};
use kefu_care::customers::{self, CustomerInput};
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Role, Scope};
use kefu_store::{Change, Db, MIGRATIONS};
use serde_json::Value;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use support::Backend;
use tokio::time::{Instant, timeout};

use support::process::*;

async fn count(pool: &AnyPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// The text after `label` on the line that holds it.
fn after<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let line = text.lines().find(|l| l.contains(label))?;
    Some(line.split_once(label)?.1.trim())
}

// ---------------------------------------------------------------------------
// 1. kefu migrate

on_both!(migrate_applies_the_schema_once_and_then_reports_it_up_to_date, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    let first = work.run(&["migrate"]).await.ok();
    first.says(&format!("applied migrations: {all:?}"));
    let second = work.run(&["migrate"]).await.ok();
    second.says("schema up to date");
    assert!(!second.stdout.contains("applied migrations"), "{second:#?}");
    let db = Db::connect(work.database()).await.unwrap();
    assert_eq!(db.applied_migrations().await.unwrap(), all);
    assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM customers").await, 0);
    db.close().await;
});

on_both!(outreach_run_finds_a_data_source_for_every_playbook, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    work.run(&["migrate"]).await.ok();
    let run = work.run(&["outreach", "run", "--date", "2026-12-06"]).await.ok();
    run.says("tasks created");
    assert!(!run.stdout.contains("without a data source"), "{run:#?}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_is_the_default_database_kefu_db_in_the_working_folder() {
    let work = Work { dir: tempfile::tempdir().unwrap(), database: None };
    work.run(&["migrate"]).await.ok().says("applied migrations");
    assert!(work.path("kefu.db").is_file(), "kefu.db is created in the working folder");
    work.run(&["migrate"]).await.ok().says("schema up to date");
}

// ---------------------------------------------------------------------------
// 2. kefu serve --demo: the first command of the README

on_both!(serve_demo_shows_the_first_admin_once_and_loads_the_demo_once, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    let args = ["--demo", "--bind", "127.0.0.1:0"];

    // First start: the demo is loaded, then the address and the first admin.
    let started = Instant::now();
    let mut server = work.serve(&args, DEMO_START).await;
    eprintln!("{backend:?}: first start with the demo took {:?}", started.elapsed());
    assert!(server.log().contains("demo data loaded"), "the demo is loaded first:\n{}", server.log());
    let line = server.next_line(Duration::from_secs(10)).await.expect("the first admin follows the address");
    assert!(line.starts_with(ADMIN_LINE), "{line}");
    let username = after(&line, "用户名 username:").unwrap().split_whitespace().next().unwrap().to_string();
    let password = after(&line, "密码 password:").expect("the line holds the password").to_string();
    assert_eq!(username, "admin");
    assert!(password::check_policy(&username, &password).is_ok(), "the generated password meets the policy");
    let note = server.next_line(Duration::from_secs(10)).await.expect("a note that it is shown once");
    assert!(note.contains("shown only this once"), "{note}");

    let client = browser();
    let res = sign_in(&client, &server, &username, &password).await;
    assert_eq!(res.status(), 303, "the printed password signs in");
    assert_eq!(res.headers()["location"], "/");
    let list: Value = client.get(server.at("/api/v1/customers")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], kefu_auto::demo::CUSTOMERS, "the admin sees the whole demo");
    let res = sign_in(&browser(), &server, &username, "not-the-password-1").await;
    assert_eq!(res.status(), 401);
    drop(client);
    let status = server.stop().await;
    assert!(status.success(), "SIGTERM stops the server cleanly: {status}");

    // Second start on the same database: no password, no second demo.
    let mut server = work.serve(&args, START).await;
    let more = server.lines_for(Duration::from_secs(3)).await;
    assert!(more.is_empty(), "nothing is printed after the address on a second start: {more:?}");
    assert!(!server.log().contains("demo data loaded"), "the demo is not loaded again:\n{}", server.log());
    let client = browser();
    assert_eq!(sign_in(&client, &server, "admin", &password).await.status(), 303, "the first password still works");
    let list: Value = client.get(server.at("/api/v1/customers")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], kefu_auto::demo::CUSTOMERS);
    drop(client);
    let status = server.stop().await;
    assert!(status.success(), "{status}");

    let db = Db::connect(work.database()).await.unwrap();
    assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM customers").await, kefu_auto::demo::CUSTOMERS as i64);
    assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM branches WHERE code = 'HXQC'").await, 1);
    assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM users").await, 1, "one first admin");
    db.close().await;
});

on_both!(serve_on_a_taken_port_fails_without_using_up_the_first_admin, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = work.run(&["serve", "--bind", &addr]).await.fails();
    run.says("listening on").says(&addr);
    drop(taken);
    // The first admin's password is shown only once, so a start that could
    // not show it must not have created the account.
    let mut server = work.serve(&["--bind", "127.0.0.1:0"], START).await;
    let line = server.next_line(Duration::from_secs(10)).await.expect("the first admin is shown on the next start");
    assert!(line.starts_with(ADMIN_LINE), "{line}");
    let password = after(&line, "密码 password:").unwrap().to_string();
    assert_eq!(sign_in(&browser(), &server, "admin", &password).await.status(), 303);
    assert!(server.stop().await.success());
});

// ---------------------------------------------------------------------------
// 3. kefu user add | passwd | token

on_both!(user_commands_create_accounts_set_passwords_and_issue_tokens, |backend: Backend| async move {
    let (db, url, _db_dir) = support::fresh_db(backend).await;
    let first = kefu::bootstrap::first_admin(&db).await.unwrap().expect("an empty database gets a first admin");
    let hq = branches::all(&db).await.unwrap().into_iter().find(|b| b.code == "HQ").expect("branch HQ").id;
    let work = Work::on(&url);

    // A generated password, printed once, stored as an argon2id hash.
    let add = work.run(&["user", "add", "wang.li", "--name", "王力", "--role", "agent", "--branch", "HQ"]).await.ok();
    add.says("created user wang.li");
    let generated = after(&add.stdout, "密码 / password:").expect("a generated password is printed").to_string();
    assert!(password::check_policy("wang.li", &generated).is_ok(), "{generated}");
    let creds = users::credentials(&db, "wang.li").await.unwrap().expect("wang.li exists");
    assert!(creds.password_hash.starts_with("$argon2id$"), "{}", creds.password_hash);
    assert!(password::verify(&creds.password_hash, &generated), "the printed password is the stored one");
    assert_eq!(creds.user.display_name, "王力");
    assert_eq!(creds.user.roles, vec![Role::Agent]);
    assert_eq!(creds.user.branches, vec![hq]);
    assert_eq!(creds.user.locale, "zh-CN");

    // Refusals name what is wrong and create nothing.
    let add = |user: &'static str, extra: &'static [&'static str]| {
        let mut args = vec!["user", "add", user, "--name", "赵敏", "--role", "agent", "--branch", "HQ"];
        args.extend_from_slice(extra);
        args
    };
    let weak = work.run_with_input(&add("zhao.min", &["--password-stdin"]), Some("short\n")).await.fails();
    weak.says("password").says("at least 10 characters");
    let simple = work.run_with_input(&add("zhao.min", &["--password-stdin"]), Some("abcdefghijkl\n")).await.fails();
    simple.says("password").says("at least two of letters, digits and symbols");
    work.run_with_input(&add("zhao.min", &["--password-stdin"]), Some(""))
        .await
        .fails()
        .says("standard input was empty");
    work.run(&add("zhao.min", &["--role", "boss"])).await.fails().says("--role").says("boss");
    work.run(&add("zhao.min", &["--branch", "NOWHERE"])).await.fails().says("--branch").says("NOWHERE");
    work.run(&add("zhao.min", &["--locale", "fr"])).await.fails().says("--locale").says("fr");
    work.run(&add("wang.li", &[])).await.fails().says("username: 已被使用 / is already taken");
    work.run(&add("Zhao Min", &[])).await.fails().says("username: ");
    assert!(users::credentials(&db, "zhao.min").await.unwrap().is_none(), "no refused account was created");
    assert_eq!(count(db.pool(), "SELECT COUNT(*) FROM users").await, 2, "admin and wang.li");

    // A password from standard input, and English as the language.
    let mut args = add("zhao.min", &["--password-stdin", "--locale", "en"]);
    args.extend_from_slice(&["--role", "supervisor"]);
    let run = work.run_with_input(&args, Some("Fuwu-diyi-2026\n")).await.ok();
    assert!(!run.stdout.contains("Fuwu-diyi-2026"), "a password given on stdin is not echoed: {run:#?}");
    let zhao = users::credentials(&db, "zhao.min").await.unwrap().unwrap();
    assert!(password::verify(&zhao.password_hash, "Fuwu-diyi-2026"));
    assert_eq!(zhao.user.roles.len(), 2);
    assert_eq!(zhao.user.locale, "en");

    // passwd: a weak password is refused and changes nothing; a good one replaces the old.
    work.run_with_input(&["user", "passwd", "wang.li", "--password-stdin"], Some("short\n"))
        .await
        .fails()
        .says("at least 10 characters");
    let unchanged = users::credentials(&db, "wang.li").await.unwrap().unwrap();
    assert!(password::verify(&unchanged.password_hash, &generated));
    work.run_with_input(&["user", "passwd", "wang.li", "--password-stdin"], Some("Kefu-xin-mima-7\r\n"))
        .await
        .ok()
        .says("password changed for wang.li");
    let changed = users::credentials(&db, "wang.li").await.unwrap().unwrap();
    assert!(password::verify(&changed.password_hash, "Kefu-xin-mima-7"), "the line ending is not part of it");
    assert!(!password::verify(&changed.password_hash, &generated), "the old password no longer works");
    work.run_with_input(&["user", "passwd", "nobody", "--password-stdin"], Some("Kefu-xin-mima-7\n"))
        .await
        .fails()
        .says("no user is called \"nobody\"");
    let run = work.run(&["user", "passwd", "zhao.min"]).await.ok();
    let new = after(&run.stdout, "新密码 / new password:").expect("a generated password is printed").to_string();
    let zhao = users::credentials(&db, "zhao.min").await.unwrap().unwrap();
    assert!(password::verify(&zhao.password_hash, &new));

    // token: printed once, stored as a hash, and it works as a bearer token.
    let run = work.run(&["user", "token", "wang.li", "--name", "call centre"]).await.ok();
    let token = run.stdout.trim().to_string();
    assert!(token.starts_with("kefu_") && !token.contains(char::is_whitespace), "{run:#?}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND name = 'call centre'")
        .bind(changed.user.id.0)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1")
        .bind(token.clone())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "the token itself is not stored");
    work.run(&["user", "token", "nobody"]).await.fails().says("no user is called \"nobody\"");

    let server = work.serve(&["--bind", "127.0.0.1:0"], START).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let me = client.get(server.at("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "wang.li");
    let wrong = client.get(server.at("/api/v1/me")).bearer_auth(format!("{token}x")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    // The first admin's password (made by the library call above) and wang.li's new one sign in.
    assert_eq!(sign_in(&browser(), &server, "admin", &first.password).await.status(), 303);
    assert_eq!(sign_in(&browser(), &server, "wang.li", "Kefu-xin-mima-7").await.status(), 303);
    assert!(server.stop().await.success());
    db.close().await;
});

// ---------------------------------------------------------------------------
// 4. kefu backup

/// Customers in the database before the backup starts.
const SEEDED: usize = 3_000;

fn customer(name: String) -> CustomerInput {
    CustomerInput { name, ..CustomerInput::default() }
}

async fn ids_and_names(pool: &AnyPool) -> BTreeMap<i64, String> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM customers ORDER BY id").fetch_all(pool).await.unwrap();
    rows.into_iter().collect()
}

/// Opens a backup read-only, as it is: over a plain connection, because
/// `Db::connect` switches SQLite files to WAL, which a read-only connection
/// cannot do to a copy in rollback-journal mode.
async fn open_copy(file: &std::path::Path) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&format!("sqlite://{}?mode=ro", file.display().to_string().replace('%', "%25").replace('#', "%23")))
        .await
        .expect("the copy opens read-only")
}

/// Seeds a branch and [`SEEDED`] customers in one transaction.
async fn seed(db: &Db) -> (BranchId, Actor) {
    let nobody = Actor::system(Scope::new(vec![]));
    let branch = branches::create(
        db,
        &nobody,
        branches::NewBranch { code: "BK".into(), name: "备份店".into(), kind: "store".into(), ..Default::default() },
    )
    .await
    .unwrap()
    .id;
    let actor = Actor::system(Scope::new(vec![branch]));
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let mut tx = db.begin().await.unwrap();
    for i in 0..SEEDED {
        customers::create_in(&mut tx, branch, &customer(format!("老客户{i:05}")), None, today).await.unwrap();
    }
    let change =
        Change { entity: "test", entity_id: "seed".into(), action: "load", branch: Some(branch), old: None, new: None };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    (branch, actor)
}

on_both!(backup_copies_the_live_database_or_points_to_pg_dump, |backend: Backend| async move {
    let (db, url, _db_dir) = support::fresh_db(backend).await;
    let work = Work::on(&url);
    if backend == Backend::Postgres {
        let run = work.run(&["backup", "kefu.dump"]).await.fails();
        run.says("pg_dump");
        assert!(!work.path("kefu.dump").exists(), "nothing is written");
        return;
    }
    let (branch, actor) = seed(&db).await;

    // A writer that keeps adding customers, one transaction each, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = tokio::spawn({
        let (db, stop, written) = (db.clone(), stop.clone(), written.clone());
        async move {
            let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                customers::create(&db, &actor, branch, &customer(format!("新客户{n:05}")), None, today).await.unwrap();
                n += 1;
                written.store(n, Ordering::SeqCst);
            }
        }
    });
    let waited = Instant::now();
    while written.load(Ordering::SeqCst) < 10 {
        assert!(waited.elapsed() < Duration::from_secs(60), "the writer got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let before = ids_and_names(db.pool()).await;
    let written_before = written.load(Ordering::SeqCst);
    let run = work.run(&["backup", "copy.db"]).await;
    let written_during = written.load(Ordering::SeqCst) - written_before;
    stop.store(true, Ordering::SeqCst);
    timeout(Duration::from_secs(60), writer).await.expect("the writer stops").expect("the writer did not fail");
    let run = run.ok();
    assert!(written_during > 0, "customers were written while the backup ran");

    // The copy opens read-only, is sound, and holds the source as it was at one moment.
    let file = work.path("copy.db");
    let copy = open_copy(&file).await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&copy).await.unwrap();
    assert_eq!(check, "ok");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&copy).await.unwrap();
    assert_eq!(mode, "delete", "the copy is one self-contained file");
    for sidecar in ["copy.db-wal", "copy.db-shm", "copy.db-journal"] {
        assert!(!work.path(sidecar).exists(), "{sidecar} is not left beside the copy");
    }
    let source = ids_and_names(db.pool()).await;
    let copied = ids_and_names(&copy).await;
    run.says(&format!("({} customers)", copied.len()));
    for (id, name) in &copied {
        assert_eq!(source.get(id), Some(name), "customer {id} of the copy is in the source");
    }
    for (id, name) in &before {
        assert_eq!(copied.get(id), Some(name), "customer {id} existed before the backup began");
    }
    let last = *copied.keys().last().unwrap();
    let source_then: BTreeMap<_, _> = source.into_iter().filter(|(id, _)| *id <= last).collect();
    assert_eq!(copied, source_then, "the copy is the source up to one commit, with nothing missing in between");
    let audited = count(&copy, "SELECT COUNT(*) FROM audit_log WHERE entity = 'customer' AND action = 'create'").await;
    assert_eq!(audited as usize, copied.len() - SEEDED, "each copied customer comes with its audit record");
    eprintln!(
        "backup: {} customers before, {} in the copy, {written_during} written while it ran",
        before.len(),
        copied.len()
    );
    copy.close().await;

    // An existing file is never overwritten.
    let existing = work.path("existing.db");
    std::fs::write(&existing, b"an older backup").unwrap();
    let run = work.run(&["backup", existing.to_str().unwrap()]).await.fails();
    run.says("already exists");
    assert_eq!(std::fs::read(&existing).unwrap(), b"an older backup", "the existing file is untouched");
    // The file a copy would go to must be a new one even if it is the first copy.
    work.run(&["backup", "copy.db"]).await.fails().says("already exists");

    // A relative path, in a folder with a space and Chinese in its name, and
    // characters that mean something in a URL.
    std::fs::create_dir(work.path("备份 文件夹")).unwrap();
    work.run(&["backup", "备份 文件夹/kefu #2 100%.db"]).await.ok().says("backup written");
    let copy = open_copy(&work.path("备份 文件夹/kefu #2 100%.db")).await;
    assert!(count(&copy, "SELECT COUNT(*) FROM customers").await >= copied.len() as i64);
    copy.close().await;
    db.close().await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_of_a_missing_database_fails_and_creates_nothing() {
    let work = Work { dir: tempfile::tempdir().unwrap(), database: None };
    work.run(&["backup", "copy.db"]).await.fails().says("kefu.db");
    assert!(!work.path("kefu.db").exists(), "no empty database is created in its place");
    assert!(!work.path("copy.db").exists(), "no copy is written");
}

// ---------------------------------------------------------------------------
// 5. The settings file

/// The commands that must all refuse a bad settings file before they touch
/// the database.
const EVERY_COMMAND: &[&[&str]] = &[
    &["migrate"],
    &["serve", "--bind", "127.0.0.1:0"],
    &["demo"],
    &["user", "token", "admin"],
    &["user", "add", "wang.li", "--name", "王力", "--role", "agent", "--branch", "HQ"],
    &["backup", "copy.db"],
];

async fn untouched(backend: Backend, work: &Work) {
    match backend {
        Backend::Sqlite => assert!(!work.path("kefu.db").exists(), "the database was not created"),
        Backend::Postgres => {
            let db = Db::connect(work.database()).await.unwrap();
            let tables =
                count(db.pool(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'").await;
            assert_eq!(tables, 0, "the database was not migrated");
            db.close().await;
        }
    }
}

on_both!(a_bad_setting_stops_every_command_with_its_name, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    std::fs::write(work.path("kefu.toml"), "cookie_secure = \"sometimes\"\n").unwrap();
    for args in EVERY_COMMAND {
        work.run(args).await.fails().says("cookie_secure").says("sometimes");
    }
    std::fs::write(work.path("kefu.toml"), "zone = \"Mars/Olympus_Mons\"\n").unwrap();
    work.run(&["migrate"]).await.fails().says("zone").says("Mars/Olympus_Mons");
    untouched(backend, &work).await;
});

on_both!(an_unknown_key_in_the_settings_file_is_refused_naming_the_file, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    std::fs::write(work.path("kefu.toml"), "bind = \"127.0.0.1:0\"\ncookie_secur = \"always\"\n").unwrap();
    for args in EVERY_COMMAND {
        work.run(args).await.fails().says("kefu.toml").says("`cookie_secur`");
    }
    // A file named with --config is read instead, and named when it is wrong.
    std::fs::write(work.path("other.toml"), "[database]\nurl = \"sqlite://x.db\"\n").unwrap();
    work.run(&["--config", "other.toml", "migrate"]).await.fails().says("other.toml");
    work.run(&["--config", "missing.toml", "migrate"]).await.fails().says("missing.toml");
    untouched(backend, &work).await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_settings_file_names_the_database_and_the_flag_wins() {
    let mut work = Work { dir: tempfile::tempdir().unwrap(), database: None };
    std::fs::write(work.path("kefu.toml"), "database = \"sqlite://from-file.db\"\ncookie_secure = \"never\"\n")
        .unwrap();
    work.run(&["migrate"]).await.ok().says("applied migrations");
    assert!(work.path("from-file.db").is_file());
    assert!(!work.path("kefu.db").exists());
    work.database = Some("sqlite://from-flag.db".into());
    work.run(&["migrate"]).await.ok().says("applied migrations");
    assert!(work.path("from-flag.db").is_file(), "--database wins over kefu.toml");
}
