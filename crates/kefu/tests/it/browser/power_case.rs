//! A theft case over 1,000 yuan in headless Chromium (issue 19 §4, "Done
//! when"): the inspector opens it on the form, sees it reported to the
//! leaders and cannot close it; a manager can, and does.

use super::*;
use crate::power_inspections::{NUMBER, station};
use kefu_web::packs::Enabled;

async fn sign_in(app: &TestApp, client: &Client, username: &str) {
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(client, username, PASSWORD).await;
    wait_for(client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
}

async fn fill(client: &Client, name: &str, value: &str) {
    let field = wait_for(client, Locator::Css(&format!(r#"[name="{name}"]"#)), name).await;
    field.clear().await.ok();
    field.send_keys(value).await.expect("type into the field");
}

async fn a_theft_case_over_1000_yuan_only_a_manager_closes(backend: Backend) {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    let (_driver, client) = open_browser().await;

    // The inspector opens the case: 2 kW for an unknown time, lighting.
    sign_in(&app, &client, "inspector_a").await;
    client.goto(&app.at("/power/cases/new")).await.unwrap();
    fill(&client, "account_no", NUMBER).await;
    wait_for(&client, Locator::Css(r#"select[name="kind"]"#), "the kind")
        .await
        .select_by_value("theft_bypass")
        .await
        .unwrap();
    fill(&client, "seal_numbers", "GX-2026-001234").await;
    fill(&client, "capacity_kw", "2").await;
    fill(&client, "price", "0.5283").await;
    let form = wait_for(&client, Locator::Css(r#"[data-testid="power-case-form"]"#), "the case form").await;
    form.find(Locator::Css(r#"button[type="submit"]"#)).await.unwrap().click().await.unwrap();
    wait_until_replaced(&form, "the case form").await;
    // 2 kW × 180 days × 6 h = 2160 kWh; 2160 × 0.5283 = 1141.128 → 1141.13; × 4 in all.
    let total = text_of(&client, Locator::Css(r#"[data-testid="case-total"]"#), "the total").await;
    assert_eq!(total, "4564.52");
    text_of(&client, Locator::Css(r#"[data-testid="case-escalated"]"#), "the escalation badge").await;
    let refused =
        text_of(&client, Locator::Css(r#"[data-testid="case-close-refused"]"#), "why it cannot be closed").await;
    assert!(refused.contains("只有经理"), "{refused}");
    assert!(
        client.find(Locator::Css(r#"[data-testid="case-close"]"#)).await.is_err(),
        "no close button for the inspector"
    );
    let case_path = path_of(&client).await;
    wait_for(&client, Locator::Css(r#"form[action="/logout"] button"#), "sign out").await.click().await.unwrap();
    wait_for(&client, Locator::Css(r#"form[action="/login"]"#), "the sign-in form").await;

    // The manager sees it on the today page and closes it.
    sign_in(&app, &client, "manager_a").await;
    let today = text_of(&client, Locator::Css("main"), "the today page").await;
    assert!(today.contains("已上报领导的案件"), "{today}");
    client.goto(&app.at(&case_path)).await.unwrap();
    fill(&client, "note", "已补交电费及违约使用电费").await;
    let close = wait_for(&client, Locator::Css(r#"[data-testid="case-close"]"#), "the close button").await;
    close.click().await.unwrap();
    wait_until_replaced(&close, "the open case").await;
    assert_eq!(text_of(&client, Locator::Css(r#"[data-testid="case-status"]"#), "the status").await, "已结案");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_theft_case_over_1000_yuan_only_a_manager_closes_sqlite() {
    a_theft_case_over_1000_yuan_only_a_manager_closes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_theft_case_over_1000_yuan_only_a_manager_closes_postgres() {
    a_theft_case_over_1000_yuan_only_a_manager_closes(Backend::Postgres).await;
}
