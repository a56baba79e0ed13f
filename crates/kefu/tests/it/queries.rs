//! Query strings on SQLite and PostgreSQL: every GET route of the route
//! table treats an empty filter as "all" and answers a query it cannot read
//! with the normal error — a page in the user's language, or problem+json
//! naming the parameter — never with the parser's own text, never a 500.

use crate::support;

use kefu_web::guard::Access;
use serde_json::Value;
use support::TestApp;

/// Every parameter some page or API reads.
const PARAMETERS: [&str; 24] = [
    "station",
    "estate",
    "as_of",
    "branch",
    "month",
    "from",
    "to",
    "week",
    "q",
    "offset",
    "all",
    "day",
    "period",
    "days",
    "payer",
    "limit",
    "before",
    "entity",
    "entity_id",
    "username",
    "next",
    "lang",
    "reason",
    "status",
];

fn query(value: &str) -> String {
    PARAMETERS.iter().map(|p| format!("{p}={value}")).collect::<Vec<_>>().join("&")
}

/// What the parser would say if its text reached the user.
fn parser_text(body: &str) -> bool {
    ["Failed to deserialize", "cannot parse", "invalid digit", "invalid type", "field_"]
        .iter()
        .any(|raw| body.contains(raw))
}

/// A survey in store A, so that its results page has a filter to try.
async fn survey(app: &TestApp, client: &reqwest::Client, csrf: &str) -> i64 {
    let store = app.fx.store_a.to_string();
    let form =
        [("_csrf", csrf), ("branch_id", &store), ("title", "回访问卷"), ("kind_1", "scale5"), ("prompt_1", "满意度")];
    let res = client.post(app.at("/surveys")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().trim_start_matches("/surveys/").parse().unwrap()
}

on_both!(every_get_route_reads_empty_and_garbage_queries, |backend| async move {
    let app = TestApp::start(backend).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let admin = app.login("admin").await;
    let survey = survey(&app, &manager, &csrf).await;
    let mut refused = 0;
    for spec in kefu_web::specs() {
        if spec.method != axum::http::Method::GET || spec.path.contains("{token}") || spec.path.contains("{job}") {
            continue;
        }
        let client = match spec.access {
            Access::Signed(p) if !kefu_core::Role::Manager.permissions().contains(&p) => &admin,
            _ => &manager,
        };
        let path = spec
            .path
            .replace("/surveys/{id}", &format!("/surveys/{survey}"))
            .replace("{id}", &app.fx.customer_a.to_string())
            .replace("{customer}", &app.fx.customer_a.to_string())
            .replace("{date}", "2026-11-30");
        let api = path.starts_with("/api/");
        for value in ["", "%E5%85%A8%E9%83%A8x%00"] {
            let url = app.at(&format!("{path}?{}", query(value)));
            let res = client.get(&url).send().await.unwrap();
            let status = res.status().as_u16();
            let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            let body = res.text().await.unwrap();
            let what = format!("GET {path} with parameters {value:?}: {status} {kind}");
            assert!(status < 500, "{what}: {body}");
            if status >= 400 {
                assert!(!parser_text(&body), "{what} shows the parser's text: {body}");
                if api {
                    assert_eq!(kind, "application/problem+json", "{what}");
                } else {
                    assert!(kind.starts_with("text/html") && body.contains("role=\"alert\""), "{what}: the error page");
                }
            }
            if status == 422 {
                refused += 1;
                if api {
                    let p: Value = serde_json::from_str(&body).unwrap();
                    assert!(
                        p["field"].as_str().is_some_and(|f| PARAMETERS.contains(&f)),
                        "{what} names the field: {p}"
                    );
                }
            }
            if value.is_empty() && status == 422 {
                // Only a parameter the route cannot do without may be refused empty.
                assert!(body.contains("必填") || body.contains("required"), "{what}: an empty filter is 'all': {body}");
            }
        }
    }
    assert!(refused >= 10, "garbage is refused by the routes that read it ({refused})");
    // The survey results filter left at 全部门店 is every store.
    let res = manager.get(app.at(&format!("/surveys/{survey}?branch=&from=&to="))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // A store that is not a number is named, in the user's language.
    let res = manager.get(app.at(&format!("/surveys/{survey}?branch=abc"))).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("所属机构") && body.contains("无法识别"), "{body}");
    let res = manager.get(app.at(&format!("/api/v1/surveys/{survey}/results?branch=abc"))).send().await.unwrap();
    let p: Value = res.json().await.unwrap();
    assert_eq!((p["field"].as_str(), p["rule"].as_str()), (Some("branch"), Some("unreadable")), "{p}");
});
