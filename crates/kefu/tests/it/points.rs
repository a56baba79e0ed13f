//! The points ledger on SQLite and PostgreSQL: earning by tier and
//! promotion, redemption refused when short, refunds taking back their share,
//! lapsed points expiring after 24 months, and two redemptions at once that
//! never overdraw. After every change the balance is the sum of the entries
//! and what the earned lots still hold.

use crate::support;

use kefu_care::points::{self, When};
use kefu_core::ids::CustomerId;
use kefu_core::{Actor, Scope};
use kefu_store::Db;
use serde_json::{Value, json};
use support::{Backend, TestApp, get_json};

fn everyone(app: &TestApp) -> Actor {
    Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]))
}

fn at(instant: &str) -> When {
    let now: jiff::Timestamp = instant.parse().unwrap();
    When { now, today: kefu_core::time::BusinessZone::shanghai().date_of(now) }
}

/// The ledger's three views of one customer's points agree; returns the balance.
async fn balanced(db: &Db, customer: CustomerId) -> i64 {
    let (sum, held): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN kind = 'earn' THEN remaining ELSE 0 END), 0) AS BIGINT) \
         FROM point_entries WHERE customer_id = $1",
    )
    .bind(customer.0)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(sum, held, "the entries add up to what the lots hold");
    assert!(sum >= 0, "never overdrawn");
    sum
}

async fn post(client: &reqwest::Client, csrf: &str, url: String, body: Value) -> (u16, Value) {
    let res = client.post(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

on_both!(points_are_earned_redeemed_refunded_and_lapse, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let agent = app.login("agent_a").await;
    let csrf = app.csrf(&agent).await;
    let c = app.fx.customer_a;
    let url = |action: &str| app.at(&format!("/api/v1/customers/{c}/points/{action}"));

    // A non-member earns a point a yuan; a double-points promotion doubles it.
    let (status, first) =
        post(&agent, &csrf, url("earn"), json!({ "amount": "1234.56", "reference": "WX2026112901" })).await;
    assert_eq!((status, first["points"].as_i64()), (201, Some(1234)), "{first}");
    assert_eq!(first["expires_on"], "2028-11-29");
    let (_, second) = post(&agent, &csrf, url("earn"), json!({ "amount": "100", "promotion_percent": 200 })).await;
    assert_eq!(second["points"], 200);
    assert_eq!(balanced(&app.db, c).await, 1434);

    let (status, problem) = post(&agent, &csrf, url("redeem"), json!({ "points": 1435, "reference": "脚垫" })).await;
    assert_eq!(
        (status, problem["field"].as_str(), problem["rule"].as_str()),
        (422, Some("points"), Some("insufficient_points"))
    );
    assert!(problem["detail"].as_str().unwrap().contains("可用 1434 分"), "{problem}");
    let (status, _) = post(&agent, &csrf, url("redeem"), json!({ "points": 500, "reference": "工时抵扣" })).await;
    assert_eq!(status, 201);

    // Half the first purchase refunded: half its points come back, rounded up.
    let purchase = first["id"].as_i64().unwrap();
    let (status, refund) =
        post(&agent, &csrf, url("refund"), json!({ "purchase": purchase, "amount": "617.28" })).await;
    assert_eq!((status, refund["points"].as_i64()), (201, Some(-617)), "{refund}");
    let (status, problem) =
        post(&agent, &csrf, url("refund"), json!({ "purchase": purchase, "amount": "617.29" })).await;
    assert_eq!((status, problem["rule"].as_str()), (422, Some("refund_exceeds_purchase")), "{problem}");
    assert_eq!(balanced(&app.db, c).await, 1434 - 500 - 617);

    // A member earns two points a yuan.
    sqlx::query("UPDATE customers SET is_member = 1 WHERE id = $1").bind(c.0).execute(app.db.pool()).await.unwrap();
    let (_, member) = post(&agent, &csrf, url("earn"), json!({ "amount": "50" })).await;
    assert_eq!((member["points"].as_i64(), member["tier"].as_str()), (Some(100), Some("member")));
    let account: Value = get_json(&agent, app.at(&format!("/api/v1/customers/{c}/points"))).await;
    assert_eq!(account["balance"], 417);
    let page = agent.get(app.at(&format!("/customers/{c}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"data-testid="points-balance">417<"#), "the 360° page shows the balance");

    // Every lot was earned on 2026-11-29: 24 months on, all lapse together.
    let lapsed = points::expire_due(&app.db, &everyone(&app), at("2028-11-28T01:00:00Z")).await.unwrap();
    assert_eq!(lapsed, 0, "not the day before");
    let lapsed = points::expire_due(&app.db, &everyone(&app), at("2028-11-29T01:00:00Z")).await.unwrap();
    assert_eq!(lapsed, 1);
    assert_eq!(balanced(&app.db, c).await, 0);
    let again = points::expire_due(&app.db, &everyone(&app), at("2028-11-29T02:00:00Z")).await.unwrap();
    assert_eq!(again, 0, "expired once");
    assert_eq!(app.audit_count("points", "expire").await, 1);
});

on_both!(two_redemptions_at_once_never_overdraw, |backend| async move {
    let app = TestApp::start(backend).await;
    let c = app.fx.customer_a;
    let actor = everyone(&app);
    let other = Db::connect(&app.db_url).await.unwrap();
    let when = at("2026-11-29T01:00:00Z");
    for round in 0..5 {
        let input = points::EarnInput { amount: "100".into(), reference: format!("R{round}"), promotion_percent: 100 };
        points::earn(&app.db, &actor, c, &input, when).await.unwrap();
        assert_eq!(balanced(&app.db, c).await, 100);
        // Two redemptions of 70 at once, on two separate connections.
        let (a, b) = tokio::join!(
            points::redeem(&app.db, &actor, c, 70, "精品", when),
            points::redeem(&other, &actor, c, 70, "精品", when)
        );
        let won = [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count();
        assert_eq!(won, 1, "round {round}: exactly one redemption goes through ({a:?}, {b:?})");
        let refused = a.err().or(b.err()).expect("one was refused");
        assert!(
            matches!(refused, kefu_store::Failure::Invalid(ref i) if i.rule.code == "insufficient_points"),
            "{refused:?}"
        );
        assert_eq!(balanced(&app.db, c).await, 30);
        // Spend the rest so every round starts from the new lot alone.
        points::redeem(&app.db, &actor, c, 30, "精品", when).await.unwrap();
    }
});

on_both!(amounts_are_bounded_and_the_ledger_never_overflows, |backend| async move {
    let app = TestApp::start(backend).await;
    let agent = app.login("agent_a").await;
    let csrf = app.csrf(&agent).await;
    let c = app.fx.customer_a;
    let url = |action: &str| app.at(&format!("/api/v1/customers/{c}/points/{action}"));

    // The purchase that once earned 922,337,203,685,477,580 points is refused,
    // naming the field and the rule, and so is ten million yuan.
    for amount in ["92233720368547758.07", "10000000", "10,000,000.00"] {
        let (status, problem) =
            post(&agent, &csrf, url("earn"), json!({ "amount": amount, "promotion_percent": 1000 })).await;
        assert_eq!(
            (status, problem["field"].as_str(), problem["rule"].as_str()),
            (422, Some("amount"), Some("money_range")),
            "{amount}: {problem}"
        );
    }
    assert_eq!(balanced(&app.db, c).await, 0, "nothing was written");
    // Just below the bound is a purchase, even at ten times the points; a
    // dozen of them leave the pages and the API answering.
    for _ in 0..12 {
        let (status, entry) =
            post(&agent, &csrf, url("earn"), json!({ "amount": "9999999.99", "promotion_percent": 1000 })).await;
        assert_eq!((status, entry["points"].as_i64()), (201, Some(99_999_999)), "{entry}");
    }
    let account: Value = get_json(&agent, app.at(&format!("/api/v1/customers/{c}/points"))).await;
    assert_eq!(account["balance"], 12 * 99_999_999_i64);
    assert_eq!(agent.get(app.at(&format!("/customers/{c}"))).send().await.unwrap().status(), 200);
    // A redemption beyond the balance is refused, never a negative balance.
    let (status, problem) = post(&agent, &csrf, url("redeem"), json!({ "points": i64::MAX })).await;
    assert_eq!((status, problem["rule"].as_str()), (422, Some("insufficient_points")), "{problem}");
    assert_eq!(balanced(&app.db, c).await, 12 * 99_999_999);

    // The class: every money field of the API takes the same bound.
    let manager = app.login("manager_a").await;
    let csrf = app.csrf(&manager).await;
    let part = json!({ "branch": app.fx.store_a, "part_no": "OF-1", "name": "机油滤清器",
                       "unit_price": "92233720368547758.07", "stock": 1 });
    let res = manager.put(app.at("/api/v1/parts")).header("x-csrf-token", &csrf).json(&part).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!((problem["field"].as_str(), problem["rule"].as_str()), (Some("unit_price"), Some("money_range")));
});
