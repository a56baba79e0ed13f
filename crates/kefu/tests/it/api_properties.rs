//! The JSON API under a property-based tester: schemathesis (from PyPI)
//! reads the OpenAPI document and sends generated requests — valid ones,
//! edge cases and malformed ones — to every operation, for a bounded time.
//! No answer may be a 5xx, and every 4xx must be a problem document with a
//! message (tests/schemathesis/checks.py).

use crate::support;

use std::path::Path;
use support::{Backend, TestApp};

/// Seconds schemathesis may spend on each backend.
const BUDGET_SECONDS: &str = "40";

async fn schemathesis_finds_no_server_errors_and_no_silent_refusals(backend: Backend) {
    let st = std::env::var("KEFU_TEST_SCHEMATHESIS").unwrap_or_else(|_| {
        panic!(
            "KEFU_TEST_SCHEMATHESIS is not set. Run the tests with scripts/test, which installs schemathesis \
             (python3 -m pip install schemathesis) and points this at its `st` command."
        )
    });
    let app = TestApp::start(backend).await;
    let token = app.token_with_every_role("api_tester").await;
    // What schemathesis once found: a NUL pasted into the search box made
    // PostgreSQL refuse the query and the API answer 500.
    let res = reqwest::Client::new()
        .get(app.at("/api/v1/search"))
        .query(&[("q", "张\u{0}伟")])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a control character in the query is dropped, not searched for");
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis");
    // schemathesis keeps a cache of what it found in its working folder.
    let scratch = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(&st)
        .args(["run", &app.at("/api/v1/openapi.json"), "--url", &app.url])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error,problem_details_on_client_errors"])
        // One worker: schemathesis compiles schema code with Python's ast
        // module, which is not safe across threads on CPython 3.11.
        .args(["--max-time", BUDGET_SECONDS, "--request-timeout", "10", "--workers", "1"])
        .args(["--suppress-health-check", "all", "--no-color"])
        .current_dir(scratch.path())
        .env("PYTHONPATH", &hooks)
        .env("SCHEMATHESIS_HOOKS", "checks")
        .kill_on_drop(true)
        .output()
        .await
        .expect("start schemathesis");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures on {backend:?}:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("generated"), "schemathesis generated no test cases:\n{report}");
}

on_both!(the_api_answers_generated_requests_without_5xx_and_with_messages, |backend: Backend| async move {
    schemathesis_finds_no_server_errors_and_no_silent_refusals(backend).await;
});
