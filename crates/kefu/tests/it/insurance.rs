//! Insurance policies and their renewal on SQLite and PostgreSQL: a policy
//! moves the vehicle's expiry and so feeds the renewal playbook, the
//! renewal list counts won, lost and open, and bad input names its field.

use crate::support;

use jiff::civil::Date;
use kefu_core::{Actor, Scope};
use serde_json::{Value, json};
use support::{Backend, TestApp, get_json, post_json};

fn policy(kind: &str, start: &str, expiry: &str, premium: &str) -> Value {
    json!({ "insurer": "中国人保", "kind": kind, "policy_no": "PDAA202601", "start": start, "expiry": expiry,
            "premium": premium })
}

on_both!(policies_feed_the_renewal_list_and_the_playbook, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let (status, v) = post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)),
        json!({ "vin": "LSVAM4187C2184847", "plate": "京A12345", "brand": "一汽-大众", "model": "速腾",
                "purchase_date": "2024-01-10" }),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let vehicle = v["id"].as_i64().unwrap();
    let url = app.at(&format!("/api/v1/vehicles/{vehicle}/policies"));
    // Bad input names the field.
    for (body, field) in [
        (policy("life", "2026-01-15", "2027-01-14", "4860"), "kind"),
        (policy("commercial", "2026-01-15", "2026-01-01", "4860"), "expiry"),
        (policy("commercial", "2026/01/15", "2027-01-14", "4860"), "start"),
        (policy("commercial", "2026-01-15", "2027-01-14", "48.601"), "premium"),
    ] {
        let (status, p) = post_json(&client, &csrf, url.clone(), body).await;
        assert_eq!((status, p["field"].as_str()), (422, Some(field)), "{p}");
    }
    let (status, commercial) =
        post_json(&client, &csrf, url.clone(), policy("commercial", "2026-01-15", "2027-01-14", "4,860.00")).await;
    assert_eq!(status, 201, "{commercial}");
    assert_eq!(commercial["premium_fen"], 486_000);
    let (_, compulsory) =
        post_json(&client, &csrf, url.clone(), policy("compulsory", "2025-12-20", "2026-12-19", "950")).await;
    // The vehicle's expiry is its latest policy's: the renewal playbook's anchor.
    let expiry: Option<String> = sqlx::query_scalar("SELECT insurance_expiry FROM vehicles WHERE id = $1")
        .bind(vehicle)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(expiry.as_deref(), Some("2027-01-14"));
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    // 45 days before the expiry, the renewal letter (to the customer's address).
    sqlx::query("UPDATE customers SET address = '北京市朝阳区建国路 1 号' WHERE id = $1")
        .bind(app.fx.customer_a.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    let day: Date = "2026-11-30".parse().unwrap();
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &everyone, (day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    let letters: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outreach_tasks WHERE playbook = 'insurance_renewal' AND asset_id = $1 AND due_date = '2026-11-30'",
    )
    .bind(vehicle)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(letters, 1, "the renewal cadence starts 45 days before the expiry");

    // The compulsory policy is renewed here; the commercial one is lost.
    let mut renewal = policy("compulsory", "2026-12-20", "2027-12-19", "950");
    renewal["renews"] = json!(compulsory["id"].to_string());
    let (status, renewed) = post_json(&client, &csrf, url.clone(), renewal.clone()).await;
    assert_eq!(status, 201, "{renewed}");
    let (status, p) = post_json(&client, &csrf, url.clone(), renewal).await;
    assert_eq!((status, p["rule"].as_str()), (409, Some("renewal_closed")), "a renewal is won once");
    let lost_url = app.at(&format!("/api/v1/insurance/policies/{}/lost", commercial["id"]));
    let (status, p) = post_json(&client, &csrf, lost_url.clone(), json!({ "lost_reason": "" })).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("lost_reason")));
    let (status, lost) =
        post_json(&client, &csrf, lost_url.clone(), json!({ "lost_reason": "客户在4S店外的保险代理处续保" })).await;
    assert_eq!((status, lost["renewal"].as_str()), (200, Some("lost")));
    let list: Value = get_json(&client, app.at("/api/v1/insurance/renewals?days=60")).await;
    assert_eq!(
        (list["won"].as_i64(), list["lost"].as_i64(), list["open"].as_i64()),
        (Some(1), Some(1), Some(0)),
        "{list}"
    );
    assert_eq!(list["policies"].as_array().unwrap().len(), 2, "the new policy expires beyond the window: {list}");
    let expiry: Option<String> = sqlx::query_scalar("SELECT insurance_expiry FROM vehicles WHERE id = $1")
        .bind(vehicle)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(expiry.as_deref(), Some("2027-12-19"));
    // The page shows the list; store B sees none of it.
    let html = client.get(app.at("/insurance/renewals")).send().await.unwrap().text().await.unwrap();
    for part in ["京A12345", "本店续保", "流失", "客户在4S店外的保险代理处续保", "交强险"] {
        assert!(html.contains(part), "the renewal list shows {part}");
    }
    let page = client.get(app.at(&format!("/vehicles/{vehicle}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("中国人保") && page.contains("¥4,860.00"), "the vehicle page lists its policies");
    let b = app.login("agent_b").await;
    let theirs: Value = get_json(&b, app.at("/api/v1/insurance/renewals")).await;
    assert_eq!(theirs["policies"], json!([]));
    let b_csrf = app.csrf(&b).await;
    let (status, _) = post_json(&b, &b_csrf, lost_url, json!({ "lost_reason": "越权" })).await;
    assert_eq!(status, 404);
    assert_eq!(app.audit_count("insurance_policy", "recorded").await, 3);
    assert_eq!(app.audit_count("insurance_policy", "lost").await, 1);
});
