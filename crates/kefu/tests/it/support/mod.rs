//! The test harness: a real kefu server on a fresh database — a SQLite file
//! or a new database on the PostgreSQL server the test script started —
//! spoken to over HTTP on loopback.
#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod listing;
pub mod power;
pub mod process;
#[path = "../../../../kefu-outreach/tests/support/smtp.rs"]
pub mod smtp;

use kefu_accounts::branches::{self, NewBranch};
use kefu_accounts::users::{self, NewUser};
use kefu_care::customers::{self, CustomerInput};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::{BusinessZone, TestClock};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_store::Db;
use kefu_web::{AppState, WebConfig};
use std::sync::Arc;

pub const PASSWORD: &str = "Kefu-test-2026";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::support::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::support::Backend::Postgres).await;
            }
        }
    };
}

/// A fresh, empty database of the given kind. The returned guard keeps the
/// SQLite file's folder alive.
pub async fn fresh_db(backend: Backend) -> (Db, String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("kefu.db").display());
            (Db::open(&url).await.expect("open sqlite"), url, Some(dir))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("KEFU_TEST_PG_URL").unwrap_or_else(|_| {
                panic!(
                    "KEFU_TEST_PG_URL is not set. Run the tests with scripts/test, which starts a throwaway \
                     PostgreSQL server, or set KEFU_TEST_PG_URL to a server on which the tests may create databases."
                )
            });
            let name = format!("kefu_test_{}", hex::encode(rand::random::<[u8; 6]>()));
            let admin = Db::connect(&admin_url).await.expect("connect to the test PostgreSQL server");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(admin.pool())
                .await
                .expect("create test database");
            admin.close().await;
            let base = admin_url.rsplit_once('/').expect("URL has a database part").0;
            let url = format!("{base}/{name}");
            (Db::open(&url).await.expect("open postgres"), url, None)
        }
    }
}

/// The fixture: a group with stores A and B, staff in each, and one
/// customer per store.
pub struct Fixture {
    pub group: BranchId,
    pub store_a: BranchId,
    pub store_b: BranchId,
    pub customer_a: CustomerId,
    pub customer_b: CustomerId,
}

pub struct TestApp {
    pub backend: Backend,
    pub db: Db,
    pub url: String,
    pub db_url: String,
    pub clock: TestClock,
    pub fx: Fixture,
    _dir: Option<tempfile::TempDir>,
    _server: tokio::task::JoinHandle<()>,
}

/// 2026-11-29 09:00 in Shanghai.
pub fn start_instant() -> jiff::Timestamp {
    "2026-11-29T01:00:00Z".parse().unwrap()
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, kefu_outreach::dispatch::Channels::default()).await
    }

    /// The app with outreach channels (letters, an SMS gateway…).
    pub async fn start_with(backend: Backend, channels: kefu_outreach::dispatch::Channels) -> TestApp {
        TestApp::launch(backend, channels, WebConfig::default()).await
    }

    /// The app running `packs` only (every pack, as `serve` by default,
    /// otherwise).
    pub async fn start_with_packs(backend: Backend, packs: kefu_web::packs::Enabled) -> TestApp {
        let config = WebConfig { packs, ..WebConfig::default() };
        TestApp::launch(backend, kefu_outreach::dispatch::Channels::default(), config).await
    }

    async fn launch(backend: Backend, channels: kefu_outreach::dispatch::Channels, config: WebConfig) -> TestApp {
        let (db, db_url, dir) = fresh_db(backend).await;
        let clock = TestClock::at(start_instant());
        // The test's own handle reads the same clock as the server's.
        let db = db.with_clock(Arc::new(clock.clone()));
        let fx = fixture(&db).await;
        let state = AppState::new(db.clone(), Arc::new(clock.clone()), BusinessZone::shanghai(), config, channels);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            kefu_web::serve(listener, state, std::future::pending()).await.unwrap();
        });
        TestApp { backend, db, url, db_url, clock, fx, _dir: dir, _server: server }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A browser-like client that keeps cookies and does not follow
    /// redirects, so tests see where they lead.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// Signs in and returns the client holding the session.
    pub async fn login(&self, username: &str) -> reqwest::Client {
        let client = self.client();
        let res = self.try_login(&client, username, PASSWORD).await;
        assert_eq!(res.status(), 303, "sign-in of {username} should redirect");
        client
    }

    pub async fn try_login(&self, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
        let page = client.get(self.at("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&page).expect("login form has a CSRF token");
        client
            .post(self.at("/login"))
            .form(&[("username", username), ("password", password), ("_csrf", &csrf), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    /// Signs in and returns the client with its session's CSRF token.
    pub async fn signed_in(&self, username: &str) -> (reqwest::Client, String) {
        let client = self.login(username).await;
        let csrf = self.csrf(&client).await;
        (client, csrf)
    }

    /// Another customer, in `branch`.
    pub async fn customer_in(&self, branch: BranchId, name: &str, mobile: &str) -> CustomerId {
        let actor = Actor::system(Scope::new(vec![branch]));
        let input = CustomerInput { name: name.into(), mobile: mobile.into(), ..Default::default() };
        let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
        customers::create(&self.db, &actor, branch, &input, None, today).await.unwrap().id
    }

    /// An API token of a new user `username` holding every role over the
    /// whole group, so that every operation is reached rather than refused.
    pub async fn token_with_every_role(&self, username: &str) -> String {
        let everyone = Actor::system(Scope::new(vec![self.fx.group, self.fx.store_a, self.fx.store_b]));
        let user = NewUser {
            username: username.into(),
            display_name: "接口测试".into(),
            password: PASSWORD.into(),
            roles: Role::ALL.to_vec(),
            branches: vec![self.fx.group],
            locale: Lang::Zh,
        };
        let user = users::create(&self.db, &everyone, user).await.unwrap();
        kefu_accounts::tokens::issue(&self.db, &everyone, user.id, username).await.unwrap()
    }

    /// The CSRF token of the signed-in session, read off a page.
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        let page = client.get(self.at("/")).send().await.unwrap().text().await.unwrap();
        csrf_in(&page).expect("signed-in pages carry the CSRF token")
    }

    /// Entries of `kind` (sms, letter…) on a customer's timeline.
    pub async fn timeline_count(&self, kind: &str, customer: CustomerId) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM timeline_events WHERE kind = $1 AND customer_id = $2")
            .bind(kind.to_string())
            .bind(customer.0)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    /// The one task an event's playbook made: its status and the record
    /// (asset) it is about.
    pub async fn notice(&self, playbook: &str) -> (String, i64) {
        sqlx::query_as("SELECT status, asset_id FROM outreach_tasks WHERE playbook = $1")
            .bind(playbook.to_string())
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    pub async fn audit_count(&self, entity: &str, action: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = $1 AND action = $2")
            .bind(entity.to_string())
            .bind(action.to_string())
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }
}

/// GETs `url` and reads the body as JSON (the test fails when it is not).
pub async fn get_json(client: &reqwest::Client, url: String) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// POSTs JSON with the session's CSRF token; the status and the body (Null
/// when it is not JSON).
pub async fn post_json(
    client: &reqwest::Client,
    csrf: &str,
    url: String,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = client.post(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// The rows of a workbook's first sheet, the header first, each cell as text.
pub fn first_sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let sheet = book.worksheet_range_at(0).expect("a first sheet").expect("a readable first sheet");
    sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

async fn fixture(db: &Db) -> Fixture {
    let nobody = Actor::system(Scope::new(vec![]));
    let group = branches::create(
        db,
        &nobody,
        NewBranch { code: "TG".into(), name: "测试集团".into(), kind: "group".into(), ..Default::default() },
    )
    .await
    .unwrap()
    .id;
    let root = Actor::system(Scope::new(vec![group]));
    let store = |code: &str, name: &str| NewBranch {
        parent_id: Some(group),
        code: code.into(),
        name: name.into(),
        kind: "store".into(),
        ..Default::default()
    };
    let store_a = branches::create(db, &root, store("TA", "甲店")).await.unwrap().id;
    let store_b = branches::create(db, &root, store("TB", "乙店")).await.unwrap().id;
    let all = Actor::system(Scope::new(vec![group, store_a, store_b]));
    for (username, name, role, branch, locale) in [
        ("admin", "管理员", Role::Admin, group, Lang::Zh),
        ("manager_a", "甲店经理", Role::Manager, store_a, Lang::Zh),
        ("agent_a", "甲店客服", Role::Agent, store_a, Lang::Zh),
        ("agent_b", "乙店客服", Role::Agent, store_b, Lang::Zh),
        ("agent_en", "Alice Agent", Role::Agent, store_a, Lang::En),
    ] {
        users::create(
            db,
            &all,
            NewUser {
                username: username.into(),
                display_name: name.into(),
                password: PASSWORD.into(),
                roles: vec![role],
                branches: vec![branch],
                locale,
            },
        )
        .await
        .unwrap();
    }
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let customer =
        |name: &str, mobile: &str| CustomerInput { name: name.into(), mobile: mobile.into(), ..Default::default() };
    let customer_a =
        customers::create(db, &all, store_a, &customer("张伟", "13800138000"), None, today).await.unwrap().id;
    let customer_b =
        customers::create(db, &all, store_b, &customer("李娜", "13912345678"), None, today).await.unwrap().id;
    Fixture { group, store_a, store_b, customer_a, customer_b }
}

/// What a local SMS webhook receiver was sent: every body, in order.
pub type Received = Arc<std::sync::Mutex<Vec<serde_json::Value>>>;

/// A local SMS webhook receiver: keeps every body it is sent.
pub async fn sms_receiver() -> (String, Received) {
    use axum::routing::post;
    let got: Received = Default::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/sms",
        post(move |body: axum::Json<serde_json::Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body.0);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// The outreach channels with only an SMS gateway: the webhook at `url`.
pub fn sms_only(url: String) -> kefu_outreach::dispatch::Channels {
    use kefu_outreach::channels::sms::{SmsChannel, WebhookConfig, WebhookSms};
    let gateway = WebhookSms::new(WebhookConfig { url, secret: "s3cret".into() }).unwrap();
    kefu_outreach::dispatch::Channels { sms: Some(SmsChannel::new(gateway)), ..Default::default() }
}

/// The text of the `n`-th SMS the receiver got (counting from 1), which
/// must be the last and go to 张伟's mobile.
pub fn nth_sms(received: &Received, n: usize) -> String {
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), n, "{got:?}");
    assert_eq!(got[n - 1]["mobile"], "13800138000");
    got[n - 1]["text"].as_str().unwrap().to_string()
}

/// Channels that print: letters (and the documents that share their font)
/// written to `folder`.
pub fn printing(folder: &std::path::Path) -> kefu_outreach::dispatch::Channels {
    use kefu_outreach::channels::letter::{LetterChannel, LetterConfig};
    let clock = TestClock::at(start_instant());
    let letters = LetterChannel::new(&LetterConfig::new(folder), Arc::new(clock), BusinessZone::shanghai())
        .unwrap_or_else(|e| panic!("{e}"));
    kefu_outreach::dispatch::Channels { letters: Some(letters), ..Default::default() }
}

/// Reads a PDF back with poppler's pdftotext, as the print room's tools
/// would; spaces are dropped, since the layout puts them between columns.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext: {e}; install poppler-utils (scripts/test does)"));
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}
