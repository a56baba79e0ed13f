//! Which packs run is configuration: a pack that is off has no routes, no
//! navigation, no outreach anchors and no panels; the 4S pack on has them.

use crate::support::*;
use kefu_web::packs::Enabled;

/// What a signed-in manager sees of the 4S pack on a server.
#[derive(Debug)]
struct Seen {
    calendar: u16,
    parts_api: u16,
    documented: bool,
    nav: bool,
    tile: bool,
    panel: bool,
    overview_vehicles: bool,
    playbook: bool,
}

async fn seen(app: &TestApp) -> Seen {
    let client = app.login("manager_a").await;
    let status = |path: String| {
        let client = client.clone();
        async move { client.get(app.at(&path)).send().await.unwrap().status().as_u16() }
    };
    let text = |path: String| {
        let client = client.clone();
        async move { client.get(app.at(&path)).send().await.unwrap().text().await.unwrap() }
    };
    let today = text("/".into()).await;
    let customer = text(format!("/customers/{}", app.fx.customer_a.0)).await;
    let overview = get_json(&client, app.at(&format!("/api/v1/customers/{}/overview", app.fx.customer_a.0))).await;
    let openapi = text("/api/v1/openapi.json".into()).await;
    // Playbooks are the administrator's.
    let admin = app.login("admin").await;
    let playbooks = admin.get(app.at("/admin/playbooks")).send().await.unwrap().text().await.unwrap();
    Seen {
        calendar: status("/appointments".into()).await,
        parts_api: status(format!("/api/v1/parts?branch={}", app.fx.store_a.0)).await,
        documented: openapi.contains("/api/v1/repair-orders/{id}/steps"),
        // The main navigation's 预约 (appointments) entry.
        nav: today
            .split(r#"<nav class="side""#)
            .nth(1)
            .and_then(|n| n.split("</nav>").next())
            .unwrap()
            .contains(">预约</a>"),
        tile: today.contains(r#"data-testid="count-today_vehicles""#),
        panel: customer.contains(&format!(r#"action="/customers/{}/vehicles""#, app.fx.customer_a.0)),
        overview_vehicles: overview.get("vehicles").is_some(),
        playbook: playbooks.contains("purchase_thanks"),
    }
}

on_both!(the_packs_setting_decides_routes_navigation_anchors_and_panels, |backend| async move {
    let off = TestApp::start_with_packs(backend, Enabled::none()).await;
    let s = seen(&off).await;
    assert_eq!((s.calendar, s.parts_api), (404, 404), "a pack that is off has no routes");
    assert!(!s.documented, "nor API documentation");
    assert!(!s.nav && !s.tile, "nor navigation or numbers on the today page");
    assert!(!s.panel && !s.overview_vehicles, "nor a panel on the 360° page or the overview");
    assert!(!s.playbook, "nor playbooks");
    // The common core still works: the customer's page and the shell's routes.
    let client = off.login("manager_a").await;
    let page = client.get(off.at(&format!("/customers/{}", off.fx.customer_a.0))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(client.get(off.at("/complaints")).send().await.unwrap().status(), 200);

    let on = TestApp::start_with_packs(backend, Enabled::select(&["auto"]).unwrap()).await;
    let s = seen(&on).await;
    assert_eq!((s.calendar, s.parts_api), (200, 200));
    assert!(s.documented && s.nav && s.tile && s.panel && s.overview_vehicles && s.playbook, "{s:?}");
});

#[test]
fn outreach_anchors_follow_the_setting() {
    let anchors = |packs: &Enabled| -> Vec<&str> {
        let zone = kefu_core::time::BusinessZone::shanghai();
        packs.core().anchor_sources(&zone).iter().flat_map(|s| s.anchors().iter().copied()).collect()
    };
    let codes =
        |packs: &Enabled| -> Vec<String> { packs.core().default_playbooks().into_iter().map(|p| p.code).collect() };
    let none = Enabled::none();
    assert_eq!(anchors(&none), ["birthday", "complaint_resolved"], "the core's own anchors only");
    assert_eq!(codes(&none), ["birthday", "complaint_recontact"]);
    assert!(none.core().arrivals().is_empty() && none.core().import().is_none());
    let auto = Enabled::select(&["auto"]).unwrap();
    assert!(anchors(&auto).contains(&"service_due") && anchors(&auto).contains(&"birthday"));
    assert!(codes(&auto).contains(&"first_service".to_string()) && codes(&auto).contains(&"birthday".to_string()));
    assert_eq!(auto.core().arrivals().len(), 1);
    assert!(auto.core().import().is_some());
}

#[test]
fn the_settings_name_the_packs() {
    use kefu::config::Settings;
    let packs = |flag: Option<&str>| Settings::load(None, None, flag.map(String::from)).map(|s| s.packs);
    assert_eq!(packs(None).unwrap(), ["auto"], "the 4S pack by default");
    assert_eq!(packs(Some("")).unwrap(), Vec::<String>::new(), "an empty list runs none");
    assert_eq!(packs(Some(" auto ")).unwrap(), ["auto"]);
    assert_eq!(packs(Some("auto,power")).unwrap(), ["auto", "power"]);
    let refused = packs(Some("auto,gas")).unwrap_err().to_string();
    assert!(refused.contains("gas") && refused.contains("auto") && refused.contains("power"), "{refused}");
}
