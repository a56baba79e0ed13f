//! Crash safety: the real server takes a stream of writes over HTTP, is
//! killed with SIGKILL at a random moment, and started again — every write it
//! acknowledged must be there, whole, and the database must be consistent.
//! Repeated several times per backend.

use crate::support;

use kefu_accounts::tokens;
use kefu_core::{Actor, Scope};
use kefu_store::Db;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::Backend;
use support::process::{START, Work};

const ROUNDS: usize = 4;
const WRITERS: usize = 4;

on_both!(acknowledged_writes_survive_a_kill, |backend: Backend| async move {
    let work = Work::empty(backend).await;
    let db = Db::open(work.database()).await.unwrap();
    kefu::bootstrap::first_admin(&db).await.unwrap();
    let branches = kefu_accounts::branches::all(&db).await.unwrap();
    let hq = branches[0].id;
    let admin = kefu_accounts::users::credentials(&db, "admin").await.unwrap().unwrap().user;
    let token = tokens::issue(&db, &Actor::system(Scope::new(vec![hq])), admin.id, "crash test").await.unwrap();
    db.close().await;

    let acknowledged: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261129);
    for round in 0..ROUNDS {
        let server = work.serve(&["--bind", "127.0.0.1:0"], START).await;
        let url = server.at("/api/v1/customers");
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (url, token, acknowledged) = (url.clone(), token.clone(), acknowledged.clone());
            writers.push(tokio::spawn(async move {
                let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
                for i in 0.. {
                    let name = format!("崩溃{round}-{w}-{i}");
                    let sent = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "branch_id": hq, "name": name, "mobile": "13800138000", "tags": "crash" }))
                        .send()
                        .await;
                    match sent {
                        Ok(res) if res.status() == 201 => {
                            let body: serde_json::Value = res.json().await.unwrap_or_default();
                            if let Some(id) = body["id"].as_i64() {
                                acknowledged.lock().unwrap().push((id, name));
                            }
                        }
                        // The server is gone: this writer's round is over.
                        _ => break,
                    }
                }
            }));
        }
        // The kill falls at a random moment once the server is taking writes:
        // on a loaded machine its first answers may take longer than the
        // whole window would.
        let before = acknowledged.lock().unwrap().len();
        let started = tokio::time::Instant::now();
        while acknowledged.lock().unwrap().len() == before && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..700))).await;
        server.kill().await;
        for w in writers {
            tokio::time::timeout(Duration::from_secs(30), w)
                .await
                .expect("writers stop once the server is gone")
                .unwrap();
        }
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= ROUNDS * 5,
        "the server took writes before each kill ({} in all)",
        acknowledged.len()
    );
    let db = Db::open(work.database()).await.unwrap();
    for (id, name) in &acknowledged {
        let stored: Option<String> = sqlx::query_scalar("SELECT name FROM customers WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await
            .unwrap();
        assert_eq!(stored.as_deref(), Some(name.as_str()), "acknowledged customer {id} is there");
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_keys WHERE customer_id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        let tags: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customer_tags WHERE customer_id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(keys > 0 && tags == 1, "customer {id} was written whole (keys {keys}, tags {tags})");
    }
    // Nothing half-written: every customer row has its audit record and its
    // number, acknowledged or not.
    let unaudited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS \
         (SELECT 1 FROM audit_log a WHERE a.entity = 'customer' AND a.entity_id = CAST(c.id AS TEXT))",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(unaudited, 0);
    let provisional: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE customer_no LIKE 'new-%'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(provisional, 0, "no customer kept its placeholder number");
    if backend == Backend::Sqlite {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(db.pool()).await.unwrap();
        assert_eq!(check, "ok");
    }
});

on_both!(an_import_cut_off_by_a_kill_is_failed_at_the_next_start_and_runs_again, |backend: Backend| async move {
    const ROWS: usize = 5_000;
    let work = Work::empty(backend).await;
    let db = Db::open(work.database()).await.unwrap();
    kefu::bootstrap::first_admin(&db).await.unwrap();
    let hq = kefu_accounts::branches::all(&db).await.unwrap()[0].id;
    let admin = kefu_accounts::users::credentials(&db, "admin").await.unwrap().unwrap().user;
    let token = tokens::issue(&db, &Actor::system(Scope::new(vec![hq])), admin.id, "crash test").await.unwrap();
    db.close().await;
    let client = reqwest::Client::new();
    let csv = kefu_auto::demo::import_file::csv(17, jiff::civil::date(2026, 11, 29), ROWS);
    let rows = csv.lines().count() - 1;

    let server = work.serve(&["--bind", "127.0.0.1:0"], START).await;
    let file = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("旧系统.csv");
    let form = reqwest::multipart::Form::new().text("branch_id", hq.to_string()).part("file", file);
    let res = client.post(server.at("/api/v1/imports")).bearer_auth(&token).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = client
        .post(server.at(&format!("/api/v1/imports/{id}/run")))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    server.kill().await;

    let db = Db::open(work.database()).await.unwrap();
    let status = |db: Db| async move {
        let status: String = sqlx::query_scalar("SELECT status FROM import_jobs WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        db.close().await;
        status
    };
    assert_eq!(status(db).await, "running", "the kill cut the import off");

    let server = work.serve(&["--bind", "127.0.0.1:0"], START).await;
    let job_url = server.at(&format!("/api/v1/imports/{id}"));
    let job: serde_json::Value = client.get(&job_url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(job["status"], "failed", "{job}");
    assert!(job["error"].as_str().unwrap().contains("服务器停止"), "the reason is given: {job}");
    let run = server.at(&format!("/api/v1/imports/{id}/run"));
    let res = client.post(&run).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 202, "the import may be run again");
    let mut job = serde_json::Value::Null;
    for _ in 0..600 {
        job = client.get(&job_url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        if job["status"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(job["status"], "done", "{job}");
    let db = Db::open(work.database()).await.unwrap();
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(db.pool()).await.unwrap();
    assert_eq!(customers as usize, rows, "every row once, none from the cut-off run");
    db.close().await;
});
