//! The property-management pack's owner archive, on SQLite and on
//! PostgreSQL: a house and its people are found by the forms of house
//! number staff type, by plate, and show on the owner's 360° page, in the
//! estate's and the building's lists and on the house's page, the property
//! certificate masked for roles without personal-data access; another
//! estate's agent finds and opens none of it; the fee quote answers as the
//! rules compute; the demo company loads.

use crate::support::*;
use kefu_core::ident::Plate;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::Clock;
use kefu_core::{Actor, Scope};
use kefu_estate::archive::{self, NewBuilding, NewHouse, NewResident};
use kefu_estate::houses::{Area, HouseKind, HouseNo, HouseState};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

const CERTIFICATE: &str = "浙(2021)杭州市不动产权第0012345号";
const PLATE: &str = "浙A12B45";

fn estate_pack() -> Enabled {
    Enabled::select(&["estate"]).unwrap()
}

/// Makes `branch` an estate with building 3 and house 3-2-1502 owned by
/// `owner`, who parks `PLATE` on space P-B1-023; the house's id.
pub async fn house_of(app: &TestApp, branch: BranchId, owner: CustomerId) -> i64 {
    let actor = Actor::system(Scope::new(vec![branch]));
    let mut tx = app.db.begin().await.unwrap();
    archive::add_estate_in(&mut tx, branch, 90).await.unwrap();
    let building = NewBuilding { code: "3".into(), name: "3幢".into(), floors: 18, units: 2 };
    archive::add_buildings_in(&mut tx, branch, vec![building]).await.unwrap();
    let day: jiff::civil::Date = "2024-05-01".parse().unwrap();
    let space = NewHouse {
        number: HouseNo::parse("house", "P-B1-023").unwrap(),
        kind: HouseKind::ParkingSpace,
        state: HouseState::Occupied,
        building_area: Area::parse("area", "12.50").unwrap(),
        interior_area: Area::parse("area", "12.50").unwrap(),
        billed_from: Some(day),
        residents: Vec::new(),
        documents: Vec::new(),
    };
    let house = NewHouse {
        number: HouseNo::parse("house", "3栋2单元1502").unwrap(),
        kind: HouseKind::Residence,
        state: HouseState::Occupied,
        building_area: Area::parse("area", "98.56").unwrap(),
        interior_area: Area::parse("area", "80.12").unwrap(),
        billed_from: Some(day),
        residents: vec![NewResident {
            customer_id: owner,
            role: "owner",
            moved_in: Some(day),
            keys_handed_on: Some(day),
            certificate_no: Some(CERTIFICATE.into()),
            emergency: Some(("李秀英".into(), "13900001111".into())),
            vehicles: vec![(Plate::parse("plate", PLATE).unwrap(), Some("P-B1-023".into()))],
        }],
        documents: vec![("service_contract", day)],
    };
    archive::insert_in(&mut tx, branch, vec![space, house], app.clock.now()).await.unwrap();
    let change = Change {
        entity: "estate_house",
        entity_id: "3-2-1502".into(),
        action: "create",
        branch: Some(branch),
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM estate_houses WHERE branch_id = $1 AND number = '3-2-1502'")
        .bind(branch.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    id
}

async fn found(client: &reqwest::Client, app: &TestApp, q: &str) -> Vec<i64> {
    let hits: Value =
        client.get(app.at("/api/v1/search")).query(&[("q", q)]).send().await.unwrap().json().await.unwrap();
    hits.as_array().unwrap().iter().map(|h| h["customer"]["id"].as_i64().unwrap()).collect()
}

async fn text(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

on_both!(a_house_and_its_owner_are_found_shown_and_kept_to_their_estate, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    let house = house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let agent = app.login("agent_a").await;
    let id = app.fx.customer_a.0;
    for q in ["3-2-1502", "3栋2单元1502", "3栋1502", "3号楼2单元1502室", "3-1502", PLATE, "浙a·12b45"] {
        assert_eq!(found(&agent, &app, q).await.first(), Some(&id), "{q:?} finds the owner first");
    }
    assert!(!found(&agent, &app, "3-1-1502").await.contains(&id), "another unit is another house");
    let agent_b = app.login("agent_b").await;
    assert!(!found(&agent_b, &app, "3-2-1502").await.contains(&id), "another estate cannot find the owner");

    // The 360° page and the overview show the house and the role.
    let (_, page) = text(&agent, app.at(&format!("/customers/{id}"))).await;
    let panel = page.split(r#"data-testid="estate-houses-held""#).nth(1).expect("the houses panel");
    assert!(panel.contains("3-2-1502") && panel.contains("业主"), "{panel}");
    let overview = get_json(&agent, app.at(&format!("/api/v1/customers/{id}/overview"))).await;
    assert_eq!(overview["estate_houses"][0]["number"], "3-2-1502");
    assert_eq!(overview["estate_houses"][0]["building_area"], "98.56");

    // The estate → building → house pages.
    let (status, estates) = text(&agent, app.at("/estate/estates")).await;
    assert_eq!(status, 200);
    assert!(estates.contains("/estate/estates/TA"), "{estates}");
    let (_, estate) = text(&agent, app.at("/estate/estates/TA")).await;
    assert!(estate.contains("3幢") && estate.contains("P-B1-023"), "{estate}");
    let building: i64 = sqlx::query_scalar("SELECT building_id FROM estate_houses WHERE id = $1")
        .bind(house)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (_, list) = text(&agent, app.at(&format!("/estate/buildings/{building}"))).await;
    assert!(list.contains("3-2-1502") && list.contains(&format!("/estate/houses/{house}")), "{list}");
    let (_, page) = text(&agent, app.at(&format!("/estate/houses/{house}"))).await;
    let people = page.split(r#"data-testid="estate-people""#).nth(1).expect("the people");
    assert!(people.contains(CERTIFICATE) && people.contains(PLATE) && people.contains("P-B1-023"), "{people}");

    // A role without personal-data access sees the certificate masked.
    let admin = app.login("admin").await;
    let (_, masked) = text(&admin, app.at(&format!("/estate/houses/{house}"))).await;
    assert!(!masked.contains(CERTIFICATE), "the certificate number is masked for the administrator");
    assert!(masked.contains(&kefu_care::customers::mask_id_number(CERTIFICATE)), "{masked}");

    // Another estate's agent gets 404 for each page.
    for path in
        ["/estate/estates/TA".to_string(), format!("/estate/buildings/{building}"), format!("/estate/houses/{house}")]
    {
        assert_eq!(text(&agent_b, app.at(&path)).await.0, 404, "{path}");
    }
    let (_, theirs) = text(&agent_b, app.at("/estate/estates")).await;
    assert!(!theirs.contains("/estate/estates/TA"), "the list holds only the agent's estates");
});

/// A number in yuan with two decimals from fen.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Rounds `value / unit` half up (value ≥ 0).
fn half_up(value: i64, unit: i64) -> i64 {
    (value * 2 + unit) / (unit * 2)
}

on_both!(the_fee_quote_answers_the_rules_and_names_bad_fields, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let quote = |body: Value| post_json(&agent, &csrf, app.at("/api/v1/estate/fee-quote"), body);
    // Three whole months of 98.56 m² at 2.35 yuan: hundredths of m² ×
    // ten-thousandths of a yuan × months, to the fen.
    let (status, answer) =
        quote(json!({"basis": "area", "area_m2": "98.56", "price": "2.35", "from": "2026-01-01", "to": "2026-03-31"}))
            .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["quantity"], "295.68");
    assert_eq!(answer["amount"], yuan(half_up(9856 * 23_500 * 3, 10_000)));
    // February from the 15th: 14 of its 28 days.
    let (_, answer) =
        quote(json!({"basis": "area", "area_m2": "100", "price": "2", "from": "2026-02-15", "to": "2026-02-28"})).await;
    assert_eq!(answer["amount"], yuan(half_up(10_000 * 20_000 * 14, 10_000 * 28)));
    let (_, answer) = quote(json!({"basis": "metered", "previous": 1234, "current": 1251, "price": "3.95"})).await;
    assert_eq!((answer["quantity"].as_str(), answer["amount"].as_str()), (Some("17"), Some(yuan(17 * 395).as_str())));
    for (body, field) in [
        (
            json!({"basis": "area", "area_m2": "0", "price": "2.35", "from": "2026-01-01", "to": "2026-03-31"}),
            "area_m2",
        ),
        (
            json!({"basis": "area", "area_m2": "98.567", "price": "2.35", "from": "2026-01-01", "to": "2026-03-31"}),
            "area_m2",
        ),
        (json!({"basis": "metered", "previous": 1251, "current": 1234, "price": "3.95"}), "current"),
    ] {
        let (status, problem) = quote(body).await;
        assert_eq!((status, problem["field"].as_str()), (422, Some(field)), "{problem}");
    }
    let openapi: Value = get_json(&agent, app.at("/api/v1/openapi.json")).await;
    assert!(openapi["paths"]["/api/v1/estate/fee-quote"]["post"].is_object(), "the quote is documented");
});

on_both!(the_demo_company_loads_its_estates_houses_and_people, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let summary = kefu_estate::demo::load(&app.db, 7, today, app.clock.now(), 400, &()).await.unwrap();
    assert_eq!((summary.estates, summary.houses), (2, 400));
    assert!(kefu_estate::demo::present(&app.db).await.unwrap());
    let everything = Scope::new(kefu_accounts::branches::all(&app.db).await.unwrap().iter().map(|b| b.id).collect());
    let estates = archive::estates(&app.db, &everything).await.unwrap();
    assert_eq!(estates.iter().map(|e| e.houses).sum::<i64>(), 400);
    // A room's owner is found by the house's number.
    let buildings = archive::buildings(&app.db, &estates[0]).await.unwrap();
    let rows = archive::houses(&app.db, &estates[0], Some(&buildings[0]), kefu_estate::window::Window::new(1000, 0))
        .await
        .unwrap();
    let owned = rows.iter().find(|r| !r.owners.is_empty()).expect("an owned room");
    let hits = estate_pack().core().search(&app.db, &everything, &owned.house.number, 50).await.unwrap();
    assert!(hits.iter().any(|h| h.customer.id == owned.owners[0].0), "the owner is found by {}", owned.house.number);
    assert!(
        kefu_estate::demo::load(&app.db, 7, today, app.clock.now(), 10, &()).await.is_err(),
        "a second load is refused"
    );
});

on_both!(a_visitor_is_registered_to_a_house_and_purged_after_retention_audited, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    house_of(&app, app.fx.store_b, app.fx.customer_b).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let register = |house: &str| {
        let form = [
            ("_csrf", csrf.as_str()),
            ("name", "王芳"),
            ("mobile", "13812345678"),
            ("house", house),
            ("plate", ""),
            ("host_confirmed", "1"),
        ];
        agent.post(app.at("/estate/estates/TA/visitors")).form(&form).send()
    };
    let res = register("3栋2单元1502").await.unwrap();
    assert_eq!(res.status(), 303, "registered, back to the desk");
    let (_, desk) = text(&agent, app.at("/estate/estates/TA/visitors")).await;
    let list = desk.split(r#"data-testid="estate-visitors""#).nth(1).expect("the day's visitors");
    assert!(list.contains("王芳") && list.contains("3-2-1502"), "{list}");
    // Without a house, or to a house the estate lacks: refused naming the field, nothing stored.
    for house in ["", "9-9-909"] {
        let res = register(house).await.unwrap();
        assert_eq!(res.status(), 422, "{house:?}");
        let body = res.text().await.unwrap();
        assert!(body.contains("房屋："), "the house field is named: {body}");
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM estate_visitors").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(stored, 1);
    // The day's register of calls and visits: routed, listed, a house the estate lacks refused.
    let entry = |house: &'static str| {
        let form = [
            ("_csrf", csrf.as_str()),
            ("kind", "call"),
            ("who", "李先生"),
            ("house", house),
            ("request", "楼道灯不亮"),
            ("department", "engineering"),
            ("result", "已派工程部维修"),
        ];
        agent.post(app.at("/estate/estates/TA/desk")).form(&form).send()
    };
    assert_eq!(entry("3-1502").await.unwrap().status(), 303);
    assert_eq!(entry("9-909").await.unwrap().status(), 422);
    let (_, desk) = text(&agent, app.at("/estate/estates/TA/visitors")).await;
    let register = desk.split(r#"data-testid="estate-desk-entries""#).nth(1).expect("the day's register");
    assert!(register.contains("楼道灯不亮") && register.contains("工程部"), "{register}");
    assert_eq!(app.audit_count("estate_desk_entry", "create").await, 1);
    // Another estate's agent cannot open the desk or register there.
    let (agent_b, csrf_b) = app.signed_in("agent_b").await;
    assert_eq!(text(&agent_b, app.at("/estate/estates/TA/visitors")).await.0, 404);
    let form = [("_csrf", csrf_b.as_str()), ("name", "李四"), ("mobile", "13812345678"), ("house", "3-2-1502")];
    let res = agent_b.post(app.at("/estate/estates/TA/visitors")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = agent_b.post(app.at("/estate/estates/TA/desk")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 404);

    // The hourly purge: nothing before the retention ends, the record and
    // an audit entry at its end.
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let packs = estate_pack();
    let arrived = app.clock.now();
    let day = jiff::SignedDuration::from_hours(24);
    packs.core().hourly(&app.db, &actor, arrived + day * 89).await.unwrap();
    assert_eq!(app.audit_count("estate_visitor", "purge").await, 0, "kept within 90 days");
    // A manager shortens the retention of estate A to 30 days.
    let (manager, csrf_m) = app.signed_in("manager_a").await;
    let res = manager
        .post(app.at("/estate/estates/TA/retention"))
        .form(&[("_csrf", csrf_m.as_str()), ("days", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = agent
        .post(app.at("/estate/estates/TA/retention"))
        .form(&[("_csrf", csrf.as_str()), ("days", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "an agent does not set the retention");
    let done = packs.core().hourly(&app.db, &actor, arrived + day * 31).await.unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM estate_visitors").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(stored, 0, "the record is gone after the retention");
    assert_eq!(app.audit_count("estate_visitor", "purge").await, 1, "and its deletion audited");
});

on_both!(the_completeness_report_lists_each_gap_and_keeps_a_monthly_trend, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    // 3-2-1502: customer A (a mobile, no ID number) with a service contract, no handover form.
    let house = house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let agent = app.login("agent_a").await;
    let (status, page) = text(&agent, app.at("/estate/estates/TA/completeness")).await;
    assert_eq!(status, 200, "{page}");
    let gaps = page.split(r#"data-testid="estate-gaps""#).nth(1).expect("the houses with gaps");
    let row = gaps.split("<tr>").find(|r| r.contains(&format!("/estate/houses/{house}"))).expect("3-2-1502's row");
    assert!(row.contains("缺身份证号") && row.contains("缺交房单"), "{row}");
    assert!(!row.contains("缺业主手机") && !row.contains("缺服务合同"), "{row}");
    // The parking space has no owner at all: every gap.
    let space = gaps.split("<tr>").find(|r| r.contains("P-B1-023")).expect("the space's row");
    assert_eq!(space.matches("缺").count(), 4, "{space}");
    // The hourly job records the month once; the trend shows it.
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let packs = estate_pack();
    packs.core().hourly(&app.db, &actor, app.clock.now()).await.unwrap();
    packs.core().hourly(&app.db, &actor, app.clock.now()).await.unwrap();
    assert_eq!(app.audit_count("estate_completeness", "snapshot").await, 1, "one snapshot a month");
    let row: (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT houses, no_mobile, no_id, no_contract, no_handover FROM estate_completeness WHERE branch_id = $1",
    )
    .bind(app.fx.store_a.0)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(row, (2, 1, 2, 1, 2), "two houses: the space lacks all four, 3-2-1502 its ID and handover form");
    assert_eq!(text(&app.login("agent_b").await, app.at("/estate/estates/TA/completeness")).await.0, 404);
});
