//! The power pack's archive beyond the first slice, on SQLite and on
//! PostgreSQL: `kefu gen` writes a consistent county; an account is found
//! by fragments of its supply address; a supply contract is recorded,
//! listed and renewed, and its renewal reminder is queued by the outreach
//! run at its lead time; an expired permit is refused; and the new routes
//! are guarded.

use crate::support::*;
use kefu_core::{Actor, Role, Scope};
use kefu_pack::Pack;
use kefu_power::accounts::{AccountNo, MeterNo, StationPrefix};
use kefu_power::archive::{self, NewAccount, NewMeter};
use kefu_store::{Change, RowExt};
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

const NUMBER: &str = "3101000077";
const ADDRESS: &str = "广西壮族自治区桂林市青山县长安镇福禄村4组7号";

fn power() -> Enabled {
    Enabled::select(&["power"]).unwrap()
}

/// Store A as a supply station with prefix 3101, and customer A's
/// `usage_class` account there with one meter.
async fn account_of_customer_a(app: &TestApp, usage_class: &'static str) -> i64 {
    let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let prefix = StationPrefix::parse("prefix", "3101").unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_a, &prefix).await.unwrap();
    let account = NewAccount {
        account_no: AccountNo::issue(&prefix, 77).unwrap(),
        customer_id: app.fx.customer_a,
        branch_id: app.fx.store_a,
        usage_class,
        voltage: "380v",
        capacity_kva: 50,
        supply_address: ADDRESS.into(),
        tariff_code: "gx-com-1",
        permit: None,
        status: "active",
        meters: vec![NewMeter {
            meter_no: MeterNo::parse("meter_no", "DTZY-4500000077").unwrap(),
            kind: "three_phase",
            register_digits: 6,
            ct: (1, 1),
            pt: (1, 1),
            installed_on: "2024-05-01".parse().unwrap(),
        }],
    };
    archive::insert_in(&mut tx, vec![account], Vec::new()).await.unwrap();
    let change = Change {
        entity: "power_account",
        entity_id: NUMBER.into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    sqlx::query_scalar("SELECT id FROM power_accounts WHERE account_no = $1")
        .bind(NUMBER)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn found(client: &reqwest::Client, app: &TestApp, q: &str) -> Vec<i64> {
    let hits = get_json(client, app.at(&format!("/api/v1/search?q={}", urlencode(q)))).await;
    hits.as_array().unwrap().iter().map(|h| h["customer"]["id"].as_i64().unwrap()).collect()
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

on_both!(gen_writes_a_consistent_county, |backend| async move {
    let app = TestApp::start_with_packs(backend, power()).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let n = 1_234;
    let scale = kefu_pack::Scale { customers: n, seed: 11, today, branches: 0 };
    let demo = kefu_power::pack::POWER.demo().unwrap();
    let made = demo.generate(&app.db, scale, &()).await.unwrap();
    assert!(made.summary.contains("1234 个用电户"), "{}", made.summary);
    let everything = Scope::new(kefu_accounts::branches::all(&app.db).await.unwrap().iter().map(|b| b.id).collect());
    let stations = archive::stations(&app.db, &everything).await.unwrap();
    assert_eq!(stations.len(), 10);
    assert_eq!(stations.iter().map(|s| s.accounts).sum::<i64>(), n as i64, "every account at a station");
    // Each account belongs to a customer of its own station and begins
    // with the station's prefix; each holder holds one account.
    let bad: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM power_accounts a JOIN power_stations s ON s.branch_id = a.branch_id \
         LEFT JOIN customers c ON c.id = a.customer_id \
         WHERE c.id IS NULL OR c.branch_id <> a.branch_id OR substr(a.account_no, 1, length(s.prefix)) <> s.prefix",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(bad, 0, "accounts agree with their holders and stations");
    let holders: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT customer_id) FROM power_accounts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(holders, n as i64);
    // An account applying has no meter yet; every other has one.
    let (applying, metered): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM power_accounts WHERE status = 'applying'), \
         (SELECT COUNT(DISTINCT account_id) FROM power_meters WHERE account_id IS NOT NULL)",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(applying + metered, n as i64);
    // Every non-residential account still supplied has its contract.
    let (supplied, contracted): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM power_accounts WHERE usage_class <> 'residential' \
         AND status IN ('active', 'suspended')), (SELECT COUNT(DISTINCT account_id) FROM power_contracts)",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(supplied > 0);
    assert_eq!(contracted, supplied);
    // The search finds a generated account by its number, its meter and
    // its village; the ids carry on after the load.
    let row = sqlx::query(
        "SELECT a.customer_id, a.account_no, a.supply_address, m.meter_no FROM power_accounts a \
         JOIN power_meters m ON m.account_id = a.id ORDER BY a.id DESC LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let holder = row.i64("customer_id").unwrap();
    let village = archive::address_keys(&row.text("supply_address").unwrap()).pop().unwrap()[1..].to_string();
    for q in [row.text("account_no").unwrap(), row.text("meter_no").unwrap(), village] {
        let hits = power().core().search(&app.db, &everything, &q, 50).await.unwrap();
        assert!(hits.iter().any(|h| h.customer.id.0 == holder), "{q} finds the generated holder");
    }
    let next = app.customer_in(app.fx.store_a, "韦小宝", "13977001234").await;
    assert!(next.0 > holder, "a customer made after gen takes the next id");
    assert!(demo.generate(&app.db, scale, &()).await.is_err(), "a second county is refused");
});

on_both!(an_account_is_found_by_fragments_of_its_address, |backend| async move {
    let app = TestApp::start_with_packs(backend, power()).await;
    account_of_customer_a(&app, "general_commercial").await;
    let agent = app.login("agent_a").await;
    let id = app.fx.customer_a.0;
    for q in ["福禄村", "福禄村4组", "福禄村 4组7号", "长安镇福禄村", "长安镇"] {
        assert!(found(&agent, &app, q).await.contains(&id), "{q} finds the account's holder");
    }
    for q in ["禄村", "青山县", "4组7号", "福寿村"] {
        assert!(!found(&agent, &app, q).await.contains(&id), "{q} is no fragment of the address from a part on");
    }
    let hits = get_json(&agent, app.at(&format!("/api/v1/search?q={}", urlencode("福禄村4组")))).await;
    assert_eq!(hits[0]["matched"], "supply_address", "{hits}");
    let agent_b = app.login("agent_b").await;
    assert!(found(&agent_b, &app, "福禄村4组").await.is_empty(), "store B cannot find store A's account");
});

fn contract(no: &str, signed: &str, until: &str) -> Value {
    json!({ "contract_no": no, "signed_on": signed, "valid_until": until, "capacity_kva": 50,
            "supply_mode": "single_source", "metering_point": "低压进户计量箱",
            "liability_boundary": "低压进户线与接户线连接处" })
}

async fn tasks(app: &TestApp, playbook: &str, account: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT due_date, channel FROM outreach_tasks WHERE playbook = $1 AND asset_id = $2 ORDER BY due_date",
    )
    .bind(playbook.to_string())
    .bind(account)
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

on_both!(a_contract_is_recorded_listed_and_its_renewal_reminded, |backend| async move {
    let app = TestApp::start_with_packs(backend, power()).await;
    let account = account_of_customer_a(&app, "general_commercial").await;
    sqlx::query("UPDATE customers SET address = $1 WHERE id = $2")
        .bind(ADDRESS)
        .bind(app.fx.customer_a.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (agent, csrf) = app.signed_in("agent_a").await;
    let url = app.at(&format!("/api/v1/power/accounts/{NUMBER}/contracts"));
    // Today is 2026-11-29: the contract ends in 60 days, the renewal
    // playbook's first touch.
    let until = "2027-01-28";
    // Bad input names the field and rule and stores nothing.
    for (body, field, rule) in [
        (contract("HT-1", "2024-01-29", "2026-11-28"), "valid_until", "contract_expired"),
        (contract("HT-1", "2026-12-01", "2029-12-01"), "signed_on", "date_in_future"),
        (
            json!({"contract_no": "HT-1", "signed_on": "2024-01-29", "valid_until": until, "capacity_kva": "5.5",
                "supply_mode": "single_source", "metering_point": "x", "liability_boundary": "y"}),
            "capacity_kva",
            "capacity_range",
        ),
        (
            json!({"contract_no": "HT-1", "signed_on": "2024-01-29", "valid_until": until, "capacity_kva": 50,
                "supply_mode": "solar", "metering_point": "x", "liability_boundary": "y"}),
            "supply_mode",
            "supply_mode_unknown",
        ),
        (
            json!({"contract_no": "HT-1", "signed_on": "2024-01-29", "valid_until": until, "capacity_kva": 50,
                "supply_mode": "single_source", "liability_boundary": "y"}),
            "metering_point",
            "required",
        ),
    ] {
        let (status, p) = post_json(&agent, &csrf, url.clone(), body).await;
        assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some(field), Some(rule)), "{p}");
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM power_contracts").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(stored, 0, "nothing half-written");
    let (status, c) = post_json(&agent, &csrf, url.clone(), contract("QSHT-2024-077", "2024-01-29", until)).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!((c["valid_until"].as_str(), c["days_left"].as_i64()), (Some(until), Some(60)));
    assert_eq!(app.audit_count("power_contract", "create").await, 1);

    // The account page shows it; the list of contracts expiring soon has it,
    // and exports it.
    let page = agent.get(app.at(&format!("/power/accounts/{NUMBER}"))).send().await.unwrap().text().await.unwrap();
    let part = page.split(r#"data-testid="power-contract""#).nth(1).expect("the contract on the account page");
    assert!(part.contains("QSHT-2024-077") && part.contains("低压进户线与接户线连接处") && part.contains("单电源"));
    let list = agent.get(app.at("/power/contracts?days=60")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(NUMBER) && list.contains("QSHT-2024-077"), "the expiring list has the contract");
    let shorter = agent.get(app.at("/power/contracts?days=30")).send().await.unwrap().text().await.unwrap();
    assert!(!shorter.contains(NUMBER), "nor beyond the window");
    let xlsx = agent.get(app.at("/power/contracts.xlsx?days=60")).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook");
    let api = get_json(&agent, app.at("/api/v1/power/contracts/expiring?days=60")).await;
    assert_eq!(api[0]["account_no"], NUMBER, "{api}");

    // The outreach run queues the renewal letter on the day 60 days
    // before the end, not the day before that.
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let run = |day: &str| {
        let day: jiff::civil::Date = day.parse().unwrap();
        let everyone = everyone.clone();
        let db = app.db.clone();
        async move {
            power()
                .core()
                .run_outreach(&db, &everyone, (day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
                .await
                .unwrap()
        }
    };
    run("2026-11-28").await;
    assert!(tasks(&app, "power_contract_renewal", account).await.is_empty(), "too early for the first touch");
    run("2026-11-29").await;
    run("2026-11-29").await;
    assert_eq!(
        tasks(&app, "power_contract_renewal", account).await,
        [("2026-11-29".to_string(), "letter".to_string())],
        "one letter, however often the day is run"
    );
    // Renewed before the call is due, the call is never queued.
    let (status, renewed) =
        post_json(&agent, &csrf, url.clone(), contract("QSHT-2027-077", "2026-11-29", "2030-01-28")).await;
    assert_eq!(status, 200, "{renewed}");
    run("2026-12-29").await;
    assert_eq!(tasks(&app, "power_contract_renewal", account).await.len(), 1, "a renewed contract is not chased");
    let all = get_json(&agent, url.clone()).await;
    assert_eq!(
        all.as_array().unwrap().iter().map(|c| c["contract_no"].as_str().unwrap()).collect::<Vec<_>>(),
        ["QSHT-2027-077", "QSHT-2024-077"],
        "the contract in force first"
    );
    let list = agent.get(app.at("/power/contracts?days=60")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(NUMBER), "a renewed contract leaves the list");
});

on_both!(a_residential_account_has_no_contract, |backend| async move {
    let app = TestApp::start_with_packs(backend, power()).await;
    account_of_customer_a(&app, "residential").await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let url = app.at(&format!("/api/v1/power/accounts/{NUMBER}/contracts"));
    let (status, p) = post_json(&agent, &csrf, url, contract("HT-9", "2026-01-29", "2029-01-28")).await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("account_no"), Some("contract_non_residential"))
    );
});

on_both!(an_expired_permit_is_refused, |backend| async move {
    let app = TestApp::start_with_packs(backend, power()).await;
    account_of_customer_a(&app, "agricultural").await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let url = app.at(&format!("/api/v1/power/accounts/{NUMBER}/permit"));
    let put = |body: Value| {
        let (agent, url, csrf) = (agent.clone(), url.clone(), csrf.clone());
        async move {
            let res = agent.put(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, p) = put(json!({"permit_no": "QSYD202100077", "permit_issued": "2021-11-28",
                                 "permit_valid_until": "2026-11-28"}))
    .await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("permit_valid_until"), Some("permit_expired"))
    );
    // The same through the account page's form, in the user's language.
    let res = agent
        .post(app.at(&format!("/power/accounts/{NUMBER}/permit")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("permit_no", "QSYD202100077"),
            ("permit_issued", "2021-11-28"),
            ("permit_valid_until", "2026-11-28"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("已于 2026-11-28 过期"), "the page names the rule in Chinese");
    let permit: Option<String> = sqlx::query_scalar("SELECT permit_no FROM power_accounts WHERE account_no = $1")
        .bind(NUMBER)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(permit, None, "nothing written");
    // A permit in force is recorded, shown, and listed while it ends soon.
    let (status, p) =
        put(json!({"permit_no": "QSYD202100077", "permit_issued": "2021-12-20", "permit_valid_until": "2026-12-20"}))
            .await;
    assert_eq!((status, p["permit_valid_until"].as_str()), (200, Some("2026-12-20")), "{p}");
    let page = agent.get(app.at(&format!("/power/accounts/{NUMBER}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"data-testid="power-permit""#) && page.contains("QSYD202100077"));
    let list = agent.get(app.at("/power/permits?days=30")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(NUMBER), "the permit ending in 21 days is listed");
    let list = agent.get(app.at("/power/permits?days=7")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(NUMBER));
    let xlsx = agent.get(app.at("/power/permits.xlsx")).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert_eq!(app.audit_count("power_account", "permit").await, 1);
});

on_both!(the_contract_routes_are_guarded, |backend| async move {
    let app = TestApp::start_with_packs(backend, power()).await;
    account_of_customer_a(&app, "general_commercial").await;
    let all = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    kefu_accounts::users::create(
        &app.db,
        &all,
        kefu_accounts::users::NewUser {
            username: "reader_a".into(),
            display_name: "甲所抄表员".into(),
            password: PASSWORD.into(),
            roles: vec![Role::MeterReader],
            branches: vec![app.fx.store_a],
            locale: kefu_core::Lang::Zh,
        },
    )
    .await
    .unwrap();
    let body = contract("HT-7", "2026-01-29", "2029-01-28");
    let url = app.at(&format!("/api/v1/power/accounts/{NUMBER}/contracts"));
    // A meter reader reads the lists but records no contract or permit.
    let (reader, csrf) = app.signed_in("reader_a").await;
    assert_eq!(reader.get(app.at("/power/contracts")).send().await.unwrap().status(), 200);
    assert_eq!(reader.get(app.at("/power/permits")).send().await.unwrap().status(), 200);
    let (status, _) = post_json(&reader, &csrf, url.clone(), body.clone()).await;
    assert_eq!(status, 403);
    let res = reader
        .put(app.at(&format!("/api/v1/power/accounts/{NUMBER}/permit")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"permit_no": "X1", "permit_issued": "2026-01-01", "permit_valid_until": "2027-01-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Another store's agent does not find the account at all.
    let (agent_b, csrf_b) = app.signed_in("agent_b").await;
    let (status, _) = post_json(&agent_b, &csrf_b, url.clone(), body.clone()).await;
    assert_eq!(status, 404);
    assert_eq!(agent_b.get(url.clone()).send().await.unwrap().status(), 404);
    // Signed out: nothing.
    let (status, _) = post_json(&app.client(), "", url.clone(), body.clone()).await;
    assert!(status == 401 || status == 403, "{status}");
    // Garbled windows fall back to the default.
    let (agent, _) = app.signed_in("agent_a").await;
    for q in ["days=", "days=abc", "days=-5", "days=100000"] {
        assert_eq!(agent.get(app.at(&format!("/power/contracts?{q}"))).send().await.unwrap().status(), 200, "{q}");
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM power_contracts").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(stored, 0);
});

on_both!(the_account_list_filters_and_exports, |backend| async move {
    let app = TestApp::start_with_packs(backend, power()).await;
    account_of_customer_a(&app, "general_commercial").await;
    let agent = app.login("agent_a").await;
    let station = app.fx.store_a.0;
    let listed = |query: String| {
        let (agent, url) = (agent.clone(), app.at(&format!("/power/accounts?station={station}&{query}")));
        async move { agent.get(url).send().await.unwrap().text().await.unwrap().contains(NUMBER) }
    };
    assert!(listed("class=general_commercial&status=active".into()).await);
    assert!(!listed("class=residential".into()).await, "another class hides it");
    assert!(!listed("status=closed".into()).await, "another status hides it");
    assert!(listed("class=nonsense&status=".into()).await, "an unknown class filters nothing");
    let export = |query: &str| {
        let (agent, url) = (agent.clone(), app.at(&format!("/power/accounts.xlsx?station={station}&{query}")));
        async move {
            let res = agent.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            first_sheet_rows(&res.bytes().await.unwrap())
        }
    };
    let rows = export("class=general_commercial").await;
    assert_eq!(rows.len(), 2, "the header and the account: {rows:?}");
    assert_eq!((rows[1][0].as_str(), rows[1][1].as_str(), rows[1][4].as_str()), (NUMBER, "张伟", "一般工商业"));
    assert_eq!(export("status=suspended").await.len(), 1, "only the header");
});

/// A marketing system's export: two good rows, then one bad row for each
/// rule the import applies.
const EXPORT: &str = "\
户号,户名,手机,用电地址,用电类别,电压等级,合同容量,用户状态,表号,装表日期,用电许可证号,发证日期,许可证有效期
3101000101,覃海燕,13977110001,广西壮族自治区桂林市青山县长安镇六合村2组3号,居民生活,220V,6,正常,DDZY-4600000101,2025-03-01,,,
3101000102,长安镇好又多超市,13977110002,广西壮族自治区桂林市青山县长安镇长安村新街8号,一般工商业,380V,30,,DTZY-4600000102,2025-04-01,QSYD202500102,2025-04-01,2030-03-31
3102000103,莫小红,13977110003,青山县长安镇三江村1组1号,居民生活,220V,6,正常,DDZY-4600000103,2025-03-01,,,
3101000101,覃海燕,13977110001,青山县长安镇六合村2组3号,居民生活,220V,6,正常,DDZY-4600000104,2025-03-01,,,
3101000105,黄大明,13977110005,青山县长安镇福禄村5组2号,居民生活,220V,6,正常,DTZY-4500000077,2025-03-01,,,
3101000106,韦二妹,1397711,青山县长安镇福禄村6组2号,居民生活,220V,6,正常,DDZY-4600000106,2025-03-01,,,
3101000107,长安镇碾米厂,13977110007,青山县长安镇福禄村7组2号,农业生产,380V,20,正常,DTZY-4600000107,2025-03-01,QSYD202100107,2021-03-01,2026-02-28
3101000108,长安镇路灯所,13977110008,青山县长安镇福禄村8组2号,路灯,220V,6,正常,DDZY-4600000108,2025-03-01,,,
";

/// What each bad row breaks: (row as the spreadsheet numbers it, the
/// header being row 1; field; rule).
const REFUSED: [(usize, &str, &str); 6] = [
    (4, "account_no", "account_no_prefix"),
    (5, "account_no", "account_no_duplicate"),
    (6, "meter_no", "meter_installed_elsewhere"),
    (7, "mobile", "mobile_length"),
    (8, "permit_valid_until", "permit_expired"),
    (9, "usage_class", "usage_class_unknown"),
];

async fn run_import(app: &TestApp, mode: kefu_care::import::Mode) -> kefu_care::import::Report {
    let table = kefu_care::import::table::read(EXPORT.as_bytes(), None).unwrap();
    let target = power().core().import().expect("the power pack imports");
    let mapping = kefu_care::import::Mapping::suggest(target.fields(), &table.headers);
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let import = kefu_care::import::Import {
        db: &app.db,
        actor: &actor,
        branch: app.fx.store_a,
        source: "marketing.csv",
        table: &table,
        mapping: &mapping,
        mode,
    };
    let mut heard = 0;
    let report = target.run(&import, "2026-11-29".parse().unwrap(), &mut |_| heard += 1).await.unwrap();
    assert!(heard > 0, "progress is reported");
    report
}

async fn accounts_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM power_accounts").fetch_one(app.db.pool()).await.unwrap()
}

on_both!(an_import_reports_every_rejected_row_in_each_mode, |backend| async move {
    use kefu_care::import::Mode;
    let app = TestApp::start_with_packs(backend, power()).await;
    account_of_customer_a(&app, "general_commercial").await;
    let refused = |r: &kefu_care::import::Report| -> Vec<(usize, String, String)> {
        r.rejected.iter().map(|x| (x.row, x.field.clone(), x.rule.clone())).collect()
    };
    let expected: Vec<(usize, String, String)> =
        REFUSED.iter().map(|(n, f, r)| (*n, f.to_string(), r.to_string())).collect();
    let before = accounts_stored(&app).await;
    // A dry run counts the rows it would import; all or nothing imports none.
    for (mode, would) in [(Mode::DryRun, 2), (Mode::AllOrNothing, 0)] {
        let r = run_import(&app, mode).await;
        assert_eq!(refused(&r), expected, "{mode:?}: every bad row, by field and rule");
        assert_eq!((r.imported, r.committed), (would, false), "{mode:?}");
        assert_eq!(accounts_stored(&app).await, before, "{mode:?} writes nothing");
    }
    let r = run_import(&app, Mode::SkipBadRows).await;
    assert_eq!(refused(&r), expected);
    assert_eq!((r.imported, r.committed), (2, true));
    assert_eq!(r.created.get("power_account"), Some(&2));
    assert_eq!(accounts_stored(&app).await, before + 2);
    // The imported accounts are whole: holder, meter, permit, search keys.
    let agent = app.login("agent_a").await;
    let a = get_json(&agent, app.at("/api/v1/power/accounts/3101000102")).await;
    assert_eq!(
        (a["usage_class"].as_str(), a["permit_valid_until"].as_str()),
        (Some("general_commercial"), Some("2030-03-31"))
    );
    assert_eq!(a["meters"][0]["meter_no"], "DTZY-4600000102");
    let holder = a["customer_id"].as_i64().unwrap();
    assert!(found(&agent, &app, "长安村新街").await.contains(&holder), "found by its address");
    assert!(found(&agent, &app, "DDZY-4600000101").await.len() == 1, "found by its meter");
    // Again: nothing new, the two rows are present, the bad ones refused again.
    let again = run_import(&app, Mode::SkipBadRows).await;
    assert_eq!((again.imported, again.present), (0, 2));
    assert_eq!(refused(&again), expected);
    assert_eq!(accounts_stored(&app).await, before + 2);
});
