//! A new connection (业扩报装) walked through the pages in the browser, from
//! 受理 with its application document to 装表接电: the account becomes
//! active with its meter, and the page shows every step done.

use super::*;

async fn from_acceptance_to_connection(backend: Backend) {
    let app = TestApp::start_with_packs(backend, kefu_web::packs::Enabled::select(&["power"]).unwrap()).await;
    crate::support::power::station(&app, (app.fx.store_a, "3101")).await;
    let scan = tempfile::tempdir().unwrap();
    let document = scan.path().join("application.pdf");
    std::fs::write(&document, b"%PDF-1.4\n% an application form\n").unwrap();
    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "agent_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;

    // 受理: the new-application form, opened for customer A, with the scan.
    client.goto(&app.at(&format!("/power/applications/new?customer={}", app.fx.customer_a.0))).await.unwrap();
    type_into(&client, r#"input[name="supply_address"]"#, "青山镇龙岩村3组12号").await;
    type_into(&client, r#"input[name="capacity_kva"]"#, "8").await;
    type_into(&client, r#"input[name="documents"]"#, &document.display().to_string()).await;
    submit(&client, "power-application-form").await;
    assert!(path_of(&client).await.starts_with("/power/applications/"), "{}", path_of(&client).await);
    let next = text_of(&client, Locator::Css(r#"[data-testid="next-step"]"#), "the next step").await;
    assert!(next.contains("供电方案答复"), "{next}");
    let steps = text_of(&client, Locator::Css(r#"[data-testid="power-application-steps"]"#), "the steps").await;
    assert!(steps.contains("application.pdf"), "the document is listed: {steps}");

    // The supply plan and the completion acceptance, each from the next-step form.
    for expected in ["竣工验收", "装表接电"] {
        submit(&client, "power-step-form").await;
        let next = text_of(&client, Locator::Css(r#"[data-testid="next-step"]"#), "the next step").await;
        assert!(next.contains(expected), "{next}");
    }
    // 装表接电: the meter and its opening reading.
    type_into(&client, r#"input[name="meter_no"]"#, "DDZY-4599000077").await;
    type_into(&client, r#"input[name="opening_reading"]"#, "0.50").await;
    submit(&client, "power-step-form").await;
    let next = text_of(&client, Locator::Css(r#"[data-testid="next-step"]"#), "the next step").await;
    assert!(next.contains("已装表接电"), "{next}");
    let steps = text_of(&client, Locator::Css(r#"[data-testid="power-application-steps"]"#), "the steps").await;
    assert!(steps.contains("DDZY-4599000077") && steps.contains("0.50"), "{steps}");

    let (status, number): (String, String) =
        sqlx::query_as("SELECT status, account_no FROM power_accounts WHERE customer_id = $1")
            .bind(app.fx.customer_a.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(status, "active", "the account {number} is in supply");
    client.goto(&app.at(&format!("/power/accounts/{number}"))).await.unwrap();
    let meters = text_of(&client, Locator::Css(r#"[data-testid="power-meters"]"#), "the account's meters").await;
    assert!(meters.contains("DDZY-4599000077"), "{meters}");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_acceptance_to_connection_sqlite() {
    from_acceptance_to_connection(Backend::Sqlite).await;
}
