//! The customer archive, on SQLite and on PostgreSQL: every search kind finds
//! the right customer among many, the 360° overview, contacts, preferences,
//! merging without losing a row, and masking.

use crate::support;

use kefu_core::{Actor, Scope};
use serde_json::{Value, json};
use support::{Backend, TestApp, get_json};

/// A known customer among the demo's generated ones: a person with an owner
/// mobile, a driver, a new-energy car from Guangdong.
async fn known_customer(app: &TestApp) -> i64 {
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    kefu_auto::demo::load_sized(&app.db, 7, today, 300).await.unwrap();
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let created: Value = client
        .post(app.at("/api/v1/customers"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "branch_id": app.fx.store_a, "name": "欧阳娜娜", "mobile": "136 5551 5678", "tags": "VIP" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let res = client
        .post(app.at(&format!("/api/v1/customers/{id}/vehicles")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "vin": "LSVAM4187C2184847", "plate": "粤B·D12345", "brand": "上汽大众", "model": "ID.3",
                        "purchase_date": "2026-06-01", "mileage_km": 3200 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = client
        .post(app.at(&format!("/api/v1/customers/{id}/contacts")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "黎明", "relation": "driver", "mobile": "13700001111" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    id
}

on_both!(every_search_kind_finds_the_customer, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let id = known_customer(&app).await;
    // The demo's stores are outside the fixture's branches; put the known
    // customer among many in the agent's own scope too.
    let client = app.login("admin").await;
    let customer_no = format!("KH{id:07}");
    for q in [
        "欧阳娜娜",
        "娜娜",
        "欧阳",
        "ouyangnana",
        "OuYangNaNa",
        "oynn",
        "13655515678",
        "136-5551-5678",
        "5678",
        "粤BD12345",
        "粤B·D12345",
        "bd12345",
        "184847",
        "C2184847",
        "LSVAM4187C2184847",
        customer_no.as_str(),
        &customer_no.to_lowercase(),
        "黎明",
        "13700001111",
        "1111",
    ] {
        let hits: Value =
            client.get(app.at("/api/v1/search")).query(&[("q", q)]).send().await.unwrap().json().await.unwrap();
        let ids: Vec<i64> = hits.as_array().unwrap().iter().map(|h| h["customer"]["id"].as_i64().unwrap()).collect();
        assert!(ids.contains(&id), "{q:?} should find customer {id}, found {hits}");
        if q.chars().count() > 4 {
            assert_eq!(ids[0], id, "{q:?} ranks the exact match first: {hits}");
        }
    }
    // The admin sees mobiles masked in results.
    let hits: Value = get_json(&client, app.at("/api/v1/search?q=13655515678")).await;
    assert_eq!(hits[0]["customer"]["mobile"], "136****5678");
    // Nothing for a stranger; nothing from another branch.
    let none: Value = get_json(&client, app.at("/api/v1/search?q=不存在的人")).await;
    assert_eq!(none, json!([]));
    let agent_b = app.login("agent_b").await;
    let hidden: Value = get_json(&agent_b, app.at("/api/v1/search?q=欧阳娜娜")).await;
    assert_eq!(hidden, json!([]), "store B cannot find store A's customer");
});

on_both!(search_follows_edits_and_removed_contacts, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let id = known_customer(&app).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let found = |q: &'static str| {
        let (client, url) = (client.clone(), app.at(&format!("/api/v1/search?q={q}")));
        async move {
            let hits: Value = get_json(&client, url).await;
            hits.as_array().unwrap().iter().map(|h| h["customer"]["id"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    let res = client
        .put(app.at(&format!("/api/v1/customers/{id}")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "欧阳菲菲", "mobile": "13912345678", "tags": "VIP" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    for q in ["欧阳菲菲", "oyff", "13912345678", "5678"] {
        assert!(found(q).await.contains(&id), "{q:?} finds the edited customer");
    }
    for q in ["欧阳娜娜", "oynn", "13655515678"] {
        assert!(!found(q).await.contains(&id), "{q:?} was the customer's before the edit");
    }
    let driver: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE customer_id = $1 AND name = '黎明'")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let res = client
        .delete(app.at(&format!("/api/v1/customers/{id}/contacts/{driver}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert!(!found("13700001111").await.contains(&id), "a removed contact's mobile no longer leads to the customer");
    assert!(found("C2184847").await.contains(&id), "the vehicle's keys stay");
});

on_both!(vins_keyed_before_migration_16_are_found_by_their_tails_after_it, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let id = known_customer(&app).await;
    let vehicle: i64 = sqlx::query_scalar("SELECT id FROM vehicles WHERE customer_id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let source = format!("vehicle:{vehicle}");
    let list = || async {
        let list: String =
            sqlx::query_scalar("SELECT key_list FROM search_key_sets WHERE customer_id = $1 AND source = $2")
                .bind(id)
                .bind(&source)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        let mut keys: Vec<String> = list.lines().map(str::to_string).collect();
        keys.sort();
        keys
    };
    let now = list().await;
    assert!(now.contains(&"v7484812C7814MAVSL".to_string()), "one key, the VIN backwards: {now:?}");
    // The vehicle's keys as an archive written before the migration held
    // them: a key for each tail.
    let mut old: Vec<String> = now.iter().filter(|k| !k.starts_with('v')).cloned().collect();
    old.extend(["v6184847", "v8C2184847", "vfLSVAM4187C2184847"].map(String::from));
    let mut tx = app.db.pool().begin().await.unwrap();
    let delete = "DELETE FROM search_keys WHERE key = $1 AND customer_id = $2 AND source = $3";
    let insert = "INSERT INTO search_keys (key, customer_id, source) VALUES ($1, $2, $3)";
    for (statement, keys) in [(delete, &now), (insert, &old)] {
        for key in keys {
            sqlx::query(statement).bind(key).bind(id).bind(&source).execute(&mut *tx).await.unwrap();
        }
    }
    sqlx::query("UPDATE search_key_sets SET key_list = $1 WHERE customer_id = $2 AND source = $3")
        .bind(old.join("\n"))
        .bind(id)
        .bind(&source)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("DELETE FROM schema_migrations WHERE version = 16").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(app.db.migrate().await.unwrap(), vec![16]);
    assert_eq!(list().await, now, "the set lists the plate keys and the VIN backwards");
    let scope = Scope::new(vec![app.fx.store_a]);
    for q in ["184847", "c2184847", "LSVAM4187C2184847"] {
        let found = kefu_web::packs::Enabled::default().core().search(&app.db, &scope, q, 10).await.unwrap();
        assert_eq!(found.iter().map(|h| h.customer.id.0).collect::<Vec<_>>(), vec![id], "{q}");
    }
    let vin_keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_keys WHERE key >= 'v' AND key < 'w'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let vehicles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM vehicles").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(vin_keys, vehicles, "one VIN key a vehicle, the demo's included");
});

on_both!(the_360_overview_shows_who_what_and_history, |backend| async move {
    let app = TestApp::start(backend).await;
    let id = known_customer(&app).await;
    let client = app.login("agent_a").await;
    let o: Value = get_json(&client, app.at(&format!("/api/v1/customers/{id}/overview"))).await;
    assert_eq!(o["customer"]["name"], "欧阳娜娜");
    assert_eq!(o["customer"]["tags"], json!(["VIP"]));
    assert_eq!(o["contacts"][0]["relation"], "driver");
    assert_eq!(o["vehicles"][0]["plate"], "粤BD12345");
    // No service yet: the first one is due three months after the purchase.
    assert_eq!(o["vehicles"][0]["next_service"], "2026-09-01");
    let kinds: Vec<&str> = o["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["change", "change"], "adding the vehicle and the contact are on the timeline");
    let html = client.get(app.at(&format!("/customers/{id}"))).send().await.unwrap().text().await.unwrap();
    for part in ["欧阳娜娜", "粤BD12345", "黎明", "驾驶人", "联系偏好", "保养到期"] {
        assert!(html.contains(part), "the 360° page shows {part}");
    }
});

on_both!(preferences_are_validated_saved_and_audited, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let url = app.at(&format!("/customers/{}/preferences", app.fx.customer_a));
    let res = client
        .post(&url)
        .form(&[
            ("allow_sms", "1"),
            ("do_not_call", "1"),
            ("quiet_start", "25:00"),
            ("quiet_end", "08:00"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("免打扰开始：时间格式须为 HH:MM"));
    let res = client
        .post(&url)
        .form(&[
            ("allow_sms", "1"),
            ("do_not_call", "1"),
            ("preferred_time", "evening"),
            ("quiet_start", "21:00"),
            ("quiet_end", "08:00"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let c: Value = get_json(&client, app.at(&format!("/api/v1/customers/{}", app.fx.customer_a))).await;
    assert_eq!(c["preferences"]["do_not_call"], true);
    assert_eq!(c["preferences"]["allow_phone"], false);
    assert_eq!(c["preferences"]["allow_letter"], false);
    assert_eq!(c["preferences"]["quiet_start"], "21:00");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'customer' AND action = 'update'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
});

on_both!(merging_keeps_every_history_row, |backend| async move {
    let app = TestApp::start(backend).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    kefu_auto::demo::load_sized(&app.db, 3, today, 40).await.unwrap();
    let branches = kefu_accounts::branches::all(&app.db).await.unwrap();
    let all = Actor::system(Scope::new(branches.iter().map(|b| b.id).collect()));
    // Two demo customers of the same store, each with vehicles and visits.
    let pair: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.branch_id FROM customers c WHERE EXISTS (SELECT 1 FROM service_visits s WHERE s.customer_id = c.id) \
         ORDER BY c.branch_id, c.id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let (keep, drop) = pair.windows(2).find(|w| w[0].1 == w[1].1).map(|w| (w[0].0, w[1].0)).unwrap();
    let ids_of = |table: &'static str, customer: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM {table} WHERE customer_id = $1 ORDER BY id"
            )))
            .bind(customer)
            .fetch_all(db.pool())
            .await
            .unwrap()
        }
    };
    let tables = ["vehicles", "service_visits", "contacts", "timeline_events"];
    let mut before = Vec::new();
    for t in tables {
        let mut ids = ids_of(t, keep).await;
        ids.extend(ids_of(t, drop).await);
        assert!(!ids.is_empty() || t == "contacts", "{t}: the pair has history to merge");
        before.push(ids);
    }
    let drop_vin: String = sqlx::query_scalar("SELECT vin FROM vehicles WHERE customer_id = $1 ORDER BY id LIMIT 1")
        .bind(drop)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let refs = kefu_auto::vehicles::CUSTOMER_REFERENCES;
    kefu_care::merge::merge(&app.db, &all, kefu_core::ids::CustomerId(keep), kefu_core::ids::CustomerId(drop), refs)
        .await
        .unwrap();
    // The merged-away customer's vehicle is found, by its VIN, as the kept
    // customer's: its search keys moved with it.
    let found = kefu_web::packs::Enabled::default()
        .core()
        .search(&app.db, &all.scope, &drop_vin[drop_vin.len() - 8..], 10)
        .await
        .unwrap();
    assert_eq!(found.iter().map(|h| h.customer.id.0).collect::<Vec<_>>(), vec![keep], "{drop_vin}");
    for (t, ids) in tables.iter().zip(&before) {
        let now = ids_of(t, keep).await;
        for id in ids {
            assert!(now.contains(id), "{t} row {id} belongs to the kept customer after the merge");
        }
        assert!(ids_of(t, drop).await.is_empty(), "{t}: nothing left on the merged-away customer");
    }
    let merged_into: Option<i64> = sqlx::query_scalar("SELECT merged_into FROM customers WHERE id = $1")
        .bind(drop)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(merged_into, Some(keep));
    let audit: String = sqlx::query_scalar("SELECT new_value FROM audit_log WHERE action = 'merge'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(audit.contains("service_visits"), "the audit names what moved: {audit}");
    // Merging again is refused with a message.
    let again = kefu_care::merge::merge(
        &app.db,
        &all,
        kefu_core::ids::CustomerId(keep),
        kefu_core::ids::CustomerId(drop),
        refs,
    )
    .await;
    assert!(matches!(again, Err(kefu_store::Failure::Invalid(_))));
});

on_both!(duplicates_are_flagged_and_merged_from_the_page, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    // The same person, entered again with a spaced-out mobile.
    let twin: Value = client
        .post(app.at("/api/v1/customers"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "branch_id": app.fx.store_a, "name": "张伟", "mobile": "138-0013-8000", "address": "北京市朝阳区" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let o: Value = get_json(&client, app.at(&format!("/api/v1/customers/{}/overview", app.fx.customer_a))).await;
    assert_eq!(o["duplicates"], json!([{ "customer_id": twin["id"], "reason": "same_mobile" }]));
    let res = client
        .post(app.at(&format!("/customers/{}/merge", app.fx.customer_a)))
        .form(&[("other", twin["id"].to_string().as_str()), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let kept: Value = get_json(&client, app.at(&format!("/api/v1/customers/{}", app.fx.customer_a))).await;
    assert_eq!(kept["address"], "北京市朝阳区", "gaps are filled from the merged record");
    let found: Value = get_json(&client, app.at("/api/v1/search?q=13800138000")).await;
    assert_eq!(found.as_array().unwrap().len(), 1, "the merged-away twin is no longer found: {found}");
});

on_both!(contacts_and_vehicles_refuse_bad_identifiers, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let base = format!("/api/v1/customers/{}", app.fx.customer_a);
    for (body, field, rule) in [
        (json!({ "vin": "LSVAM4187C2184848", "brand": "大众", "model": "速腾" }), "vin", "vin_check_digit"),
        (
            json!({ "vin": "LSVAM4187C2184847", "plate": "京I12345", "brand": "大众", "model": "速腾" }),
            "plate",
            "plate_letter_io",
        ),
    ] {
        let p: Value = client
            .post(app.at(&format!("{base}/vehicles")))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!((p["field"].as_str(), p["rule"].as_str()), (Some(field), Some(rule)), "{p}");
    }
    let p: Value = client
        .post(app.at(&format!("{base}/contacts")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "王司机", "relation": "driver", "landline": "88886666" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["field"], "landline");
    assert!(p["detail"].as_str().unwrap().contains("区号"), "{p}");
    let p: Value = client
        .put(app.at(&base))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "张伟", "id_number": "110105194912310021" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["rule"], "id_check_char", "{p}");
    // A valid ID number is stored, shown to the agent and masked for the admin.
    let res = client
        .put(app.at(&base))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "张伟", "mobile": "13800138000", "id_number": "11010519491231002X" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!((c["id_number"].as_str(), c["birthday"].as_str()), (Some("11010519491231002X"), Some("1949-12-31")));
    let admin: Value = get_json(&app.login("admin").await, app.at(&base)).await;
    assert_eq!(admin["id_number"], "110105********002X");
    let vehicles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM vehicles").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(vehicles, 0, "refused vehicles were not stored");
});

on_both!(the_360_view_shows_the_last_five_contacts_behind_a_long_run_of_other_events, |backend| async move {
    use kefu_care::timeline::{self, NewEvent, kind};
    let app = TestApp::start(backend).await;
    let scope = Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]);
    let customer = app.fx.customer_a;
    let start = support::start_instant();
    let mut tx = app.db.begin_housekeeping().await.unwrap();
    // Seven calls and SMS, then sixty changes, each a minute after the last.
    let kinds = [kind::CALL, kind::SMS].iter().cycle().take(7).chain([kind::CHANGE].iter().cycle().take(60));
    for (i, what) in kinds.enumerate() {
        let event = NewEvent {
            branch: app.fx.store_a,
            customer,
            asset: None,
            at: start + jiff::SignedDuration::from_mins(i as i64 + 1),
            kind: what,
            summary: format!("event {i}"),
            detail: json!({}),
            actor: "test",
        };
        timeline::record(&mut tx, event).await.unwrap();
    }
    tx.commit().await.unwrap();
    let newest_contacts = ["event 6", "event 5", "event 4", "event 3", "event 2"];
    // Fifty newest events are all changes; two hundred reach the calls.
    for shown in [50, 200] {
        let o = kefu_web::archive::overview(
            &app.db,
            &kefu_web::packs::Enabled::default(),
            &scope,
            (customer, "2026-11-29".parse().unwrap()),
            shown,
        )
        .await
        .unwrap();
        let recent: Vec<&str> = o.recent.iter().map(|e| e.summary.as_str()).collect();
        assert_eq!(recent, newest_contacts, "with {shown} events shown");
        assert_eq!(o.events.first().map(|e| e.summary.as_str()), Some("event 66"));
    }
});

on_both!(namesakes_are_suspects_only_with_the_same_birthday_or_last_four_digits, |backend| async move {
    use kefu_care::customers::{self, CustomerInput};
    use kefu_care::merge::{self, Reason};
    let app = TestApp::start(backend).await;
    let store = app.fx.store_a;
    let actor = Actor::system(Scope::new(vec![store]));
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let add = |name: &'static str, mobile: &'static str, birthday: &'static str| {
        let (db, actor) = (app.db.clone(), actor.clone());
        async move {
            let input = CustomerInput {
                name: name.into(),
                mobile: mobile.into(),
                birthday: birthday.into(),
                ..Default::default()
            };
            customers::create(&db, &actor, store, &input, None, today).await.unwrap()
        }
    };
    let base = add("王芳", "13511112222", "1990-05-01").await;
    let born_same_day = add("王芳", "13633334444", "1990-05-01").await.id;
    let same_tail = add("王芳", "13799992222", "").await.id;
    // Namesakes born on another day, or with neither birthday nor mobile,
    // and someone else born the same day are not suspects.
    add("王芳", "13800005555", "1991-01-01").await;
    add("王芳", "", "").await;
    add("李娜", "13900002222", "1990-05-01").await;
    let found = merge::suspects(&app.db, &actor.scope, &base).await.unwrap();
    let mut found: Vec<(i64, Reason)> = found.iter().map(|s| (s.customer_id.0, s.reason)).collect();
    found.sort_by_key(|(id, _)| *id);
    assert_eq!(
        found,
        vec![(born_same_day.0, Reason::SameNameAndBirthday), (same_tail.0, Reason::SameNameAndMobileTail)]
    );
});
