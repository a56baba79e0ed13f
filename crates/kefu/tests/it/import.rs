//! Importing files from old systems and exporting the archive, on SQLite and
//! on PostgreSQL: dry runs change nothing and name every bad row, the two
//! modes, re-runs that add nothing, interrupted imports that leave whole rows
//! or none, XLSX and GBK files, exports with masked phones, and the web flow
//! with its CSRF token.

use crate::support;

use kefu_auto::import::{CustomerRows, FIELDS};
use kefu_care::import::{Import, Mapping, Mode, Report, Table, table};
use kefu_core::ident::vin::check_digit;
use kefu_core::{Actor, Scope};
use serde_json::Value;
use support::{Backend, TestApp, get_json};

fn today() -> jiff::civil::Date {
    "2026-11-29".parse().unwrap()
}

/// A valid VIN for a serial number.
pub fn vin(serial: u32) -> String {
    let mut v = format!("LFVZ4BT00S6{serial:06}").into_bytes();
    v[8] = check_digit(&v).unwrap();
    String::from_utf8(v).unwrap()
}

const HEADER: &str = "客户姓名,手机号码,出生日期,驾驶人,驾驶人电话,车架号,车牌号,品牌,车型,购车日期";

/// Six rows: a good one with a driver, a bad mobile (row 3), a bad VIN (row
/// 5, after a blank line), a missing name (row 6), then a good one (row 7)
/// and a customer without a vehicle (row 8).
fn mixed_csv() -> String {
    let mut bad_vin = vin(3);
    bad_vin.replace_range(8..9, if &bad_vin[8..9] == "1" { "2" } else { "1" });
    [
        HEADER.to_string(),
        format!("王芳,13800001111,1988/3/5,李司机,13900002222,{},京A12345,一汽-大众,速腾,2024/3/5", vin(1)),
        format!("赵强,1380000,1990-01-01,,,{},京A12346,一汽-大众,迈腾,20240306", vin(2)),
        String::new(),
        format!("钱明,13800003333,,,,{bad_vin},京A12347,一汽-大众,宝来,2024-03-07"),
        format!(",13800004444,,,,{},,一汽-大众,探岳,", vin(4)),
        format!("孙丽,13800005555,,,,{},京A12349,一汽-大众,探歌,2024年3月9日", vin(5)),
        "郑伟,13800006666,,,,,,,,".to_string(),
    ]
    .join("\n")
        + "\n"
}

async fn import(app: &TestApp, table: &Table, mode: Mode) -> Result<Report, kefu_store::Failure> {
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let mapping = Mapping::suggest(FIELDS, &table.headers);
    let import = Import {
        db: &app.db,
        actor: &actor,
        branch: app.fx.store_a,
        source: "test.csv",
        table,
        mapping: &mapping,
        mode,
    };
    import.run(&mut CustomerRows::new(today()), &mut |_| {}).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

const TABLES: [&str; 7] =
    ["customers", "contacts", "vehicles", "search_keys", "search_key_sets", "mileage_readings", "audit_log"];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut all = Vec::new();
    for t in TABLES {
        all.push(count(app, t).await);
    }
    all
}

on_both!(a_dry_run_changes_nothing_and_names_every_bad_row, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let table = table::read(mixed_csv().as_bytes(), None).unwrap();
    let before = counts(&app).await;
    let report = import(&app, &table, Mode::DryRun).await.unwrap();
    assert_eq!(counts(&app).await, before, "a dry run writes nothing");
    assert!(!report.committed);
    assert_eq!((report.rows, report.imported, report.present), (6, 3, 0));
    let rejected: Vec<(usize, &str, &str)> =
        report.rejected.iter().map(|r| (r.row, r.field.as_str(), r.rule.as_str())).collect();
    assert_eq!(rejected, [(3, "mobile", "mobile_length"), (5, "vin", "vin_check_digit"), (6, "name", "required")]);
    let mobile = &report.rejected[0];
    assert_eq!((mobile.column.as_deref(), mobile.value.as_str()), (Some("手机号码"), "1380000"));
    assert!(mobile.zh.contains("11"), "the rule in Chinese: {}", mobile.zh);
    assert!(report.rejected[1].en.contains("check digit"), "the rule in English: {}", report.rejected[1].en);
    assert_eq!(report.created["vehicle"], 2);
    assert_eq!(report.created["customer"], 3);
    assert_eq!(report.created["contact"], 1);
});

on_both!(references_are_checked_again_for_the_writes_after_an_import, |backend| async move {
    // An import skips SQLite's per-row reference lookups on its own
    // connection; the writes that come after it must get them back.
    let app = TestApp::start(backend).await;
    let good = "客户姓名,手机号码\n王芳,13800138000\n";
    let report = import(&app, &table::read(good.as_bytes(), None).unwrap(), Mode::SkipBadRows).await.unwrap();
    assert!(report.committed);
    for _ in 0..2 {
        let mut tx = app.db.begin().await.unwrap();
        let orphan = sqlx::query("INSERT INTO customer_tags (customer_id, tag) VALUES (987654321, 'x')")
            .execute(tx.conn())
            .await;
        assert!(orphan.is_err(), "a tag of no customer is refused");
    }
});

on_both!(all_or_nothing_with_a_bad_row_imports_nothing, |backend| async move {
    let app = TestApp::start(backend).await;
    let table = table::read(mixed_csv().as_bytes(), None).unwrap();
    let before = counts(&app).await;
    let report = import(&app, &table, Mode::AllOrNothing).await.unwrap();
    assert!(!report.committed);
    assert_eq!(report.rejected.len(), 3, "every bad row is named, not just the first");
    assert_eq!(counts(&app).await, before, "nothing was imported");
});

on_both!(a_bad_row_in_a_later_batch_leaves_the_earlier_batches_unwritten, |backend| async move {
    let app = TestApp::start(backend).await;
    // Batches are written while later ones are still being validated; the
    // bad row comes after more than a whole batch of good ones.
    let csv = kefu_auto::demo::import_file::csv(7, today(), kefu_care::import::run::BATCH + 20);
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let mobile = lines[0].split(',').position(|h| h == "手机号码").expect("a mobile column");
    let mut cells: Vec<String> = lines[lines.len() - 1].split(',').map(str::to_string).collect();
    cells[mobile] = "1380000".into();
    let last = lines.len() - 1;
    lines[last] = cells.join(",");
    let table = table::read((lines.join("\n") + "\n").as_bytes(), None).unwrap();
    let before = counts(&app).await;
    let report = import(&app, &table, Mode::AllOrNothing).await.unwrap();
    assert!(!report.committed);
    assert_eq!(report.rejected.iter().map(|r| (r.row, r.field.as_str())).collect::<Vec<_>>(), [(last + 1, "mobile")]);
    assert_eq!((report.imported, report.done), (0, report.rows));
    assert_eq!(counts(&app).await, before, "nothing was imported");
});

on_both!(every_row_of_an_all_or_nothing_import_is_found_by_search, |backend| async move {
    let app = TestApp::start(backend).await;
    // More than a batch: on SQLite the search keys of every batch wait
    // for the commit, which writes them in key order.
    let rows = kefu_care::import::run::BATCH + 20;
    let table = table::read(kefu_auto::demo::import_file::csv(11, today(), rows).as_bytes(), None).unwrap();
    let report = import(&app, &table, Mode::AllOrNothing).await.unwrap();
    assert!(report.committed && report.rejected.is_empty(), "{:?}", report.rejected.first());
    let lists: Vec<String> =
        sqlx::query_scalar("SELECT key_list FROM search_key_sets").fetch_all(app.db.pool()).await.unwrap();
    let listed: usize = lists.iter().map(|l| l.lines().count()).sum();
    assert_eq!(count(&app, "search_keys").await as usize, listed, "the keys are exactly those their sets list");
    let imported: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.id, c.mobile, v.vin FROM customers c JOIN vehicles v ON v.customer_id = c.id \
         WHERE c.branch_id = $1 ORDER BY c.id",
    )
    .bind(app.fx.store_a.0)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let scope = Scope::new(vec![app.fx.store_a]);
    for (id, mobile, vin) in [&imported[0], &imported[kefu_care::import::run::BATCH], &imported[imported.len() - 1]] {
        for q in [mobile.as_str(), &vin[vin.len() - 6..], vin.as_str()] {
            let found = kefu_web::packs::Enabled::default().core().search(&app.db, &scope, q, 10).await.unwrap();
            assert!(found.iter().any(|h| h.customer.id.0 == *id), "{q} finds imported customer {id}");
        }
    }
});

on_both!(skipping_bad_rows_imports_the_good_ones_and_a_rerun_adds_nothing, |backend| async move {
    let app = TestApp::start(backend).await;
    let table = table::read(mixed_csv().as_bytes(), None).unwrap();
    let before = counts(&app).await;
    let report = import(&app, &table, Mode::SkipBadRows).await.unwrap();
    assert!(report.committed);
    assert_eq!((report.imported, report.present, report.rejected.len()), (3, 0, 3));
    assert_eq!(count(&app, "customers").await, before[0] + 3);
    assert_eq!(count(&app, "vehicles").await, before[2] + 2);
    assert_eq!(app.audit_count("import", "import").await, 1, "one audit record for the one batch");
    // The imported customer is found like one typed in, by plate and driver.
    let wang: (i64, Option<String>, Option<String>) =
        sqlx::query_as("SELECT id, mobile, birthday FROM customers WHERE name = '王芳'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((wang.1.as_deref(), wang.2.as_deref()), (Some("13800001111"), Some("1988-03-05")));
    let client = app.login("agent_a").await;
    for q in ["京A12345", "李司机", "wangfang"] {
        let hits: Value =
            client.get(app.at("/api/v1/search")).query(&[("q", q)]).send().await.unwrap().json().await.unwrap();
        assert_eq!(hits[0]["customer"]["id"], wang.0, "{q} finds the imported customer");
    }
    let driver: Option<i64> = sqlx::query_scalar("SELECT driver_contact_id FROM vehicles WHERE customer_id = $1")
        .bind(wang.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(driver.is_some(), "the row's driver drives the row's car");

    let after = counts(&app).await;
    let again = import(&app, &table, Mode::SkipBadRows).await.unwrap();
    assert_eq!((again.imported, again.present, again.rejected.len()), (0, 3, 3));
    assert_eq!(counts(&app).await[..5], after[..5], "the re-run added no record");
});

on_both!(an_interrupted_import_leaves_whole_rows_and_a_rerun_completes_it, |backend| async move {
    let app = TestApp::start(backend).await;
    let rows = kefu_care::import::run::BATCH + 700;
    let csv = kefu_auto::demo::import_file::csv(5, today(), rows);
    let table = table::read(csv.as_bytes(), None).unwrap();
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let mapping = Mapping::suggest(FIELDS, &table.headers);
    let in_branch = |t: &'static str| {
        let db = app.db.clone();
        let branch = app.fx.store_a.0;
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t} WHERE branch_id = $1")))
                .bind(branch)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    let fixture_customers = in_branch("customers").await;
    for mode in [Mode::AllOrNothing, Mode::SkipBadRows] {
        let import = Import {
            db: &app.db,
            actor: &actor,
            branch: app.fx.store_a,
            source: "big.csv",
            table: &table,
            mapping: &mapping,
            mode,
        };
        // Dropped as soon as the first batch is through, in the middle of the next.
        let (tx, mut batches) = tokio::sync::mpsc::unbounded_channel();
        let mut target = CustomerRows::new(today());
        let mut progress = |r: &Report| {
            let _ = tx.send(r.done);
        };
        tokio::select! {
            result = import.run(&mut target, &mut progress) => panic!("{mode:?} was not interrupted: {result:?}"),
            _ = batches.recv() => {}
        }
        let customers = in_branch("customers").await - fixture_customers;
        let vehicles = in_branch("vehicles").await;
        assert_eq!(customers, vehicles, "{mode:?}: every row's customer came with its vehicle");
        let expected = if mode == Mode::AllOrNothing { 0 } else { kefu_care::import::run::BATCH as i64 };
        assert_eq!(customers, expected, "{mode:?}: whole batches or nothing");
    }
    let done = import(&app, &table, Mode::SkipBadRows).await.unwrap();
    assert_eq!((done.imported, done.present, done.rejected.len()), (700, kefu_care::import::run::BATCH, 0));
    assert_eq!(in_branch("customers").await - fixture_customers, rows as i64, "no row twice");
    assert_eq!(in_branch("vehicles").await, rows as i64);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM customers c WHERE c.branch_id = $1 AND c.id > $2 \
         AND NOT EXISTS (SELECT 1 FROM vehicles v WHERE v.customer_id = c.id)",
    )
    .bind(app.fx.store_a.0)
    .bind(app.fx.customer_b.0)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(orphans, 0, "no imported customer without the vehicle of their row");
});

on_both!(a_row_the_database_refuses_rolls_back_its_batch_only, |backend| async move {
    let app = TestApp::start(backend).await;
    let batch = kefu_care::import::run::BATCH;
    let table = table::read(kefu_auto::demo::import_file::csv(9, today(), batch + 300).as_bytes(), None).unwrap();
    // A VIN in the second batch that the database itself refuses.
    let vin_column = table.headers.iter().position(|h| h == "车架号").unwrap();
    let doomed = table.rows[batch + 100].cell(vin_column).to_string();
    let refuse = match backend {
        Backend::Sqlite => format!(
            "CREATE TRIGGER refuse_vin BEFORE INSERT ON vehicles WHEN NEW.vin = '{doomed}' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        ),
        Backend::Postgres => format!(
            "CREATE FUNCTION refuse_vin() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.vin = '{doomed}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER refuse_vin BEFORE INSERT ON vehicles FOR EACH ROW EXECUTE FUNCTION refuse_vin()"
        ),
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(refuse)).execute(app.db.pool()).await.unwrap();
    let before = count(&app, "customers").await;
    assert!(import(&app, &table, Mode::AllOrNothing).await.is_err());
    assert_eq!(count(&app, "customers").await, before, "all or nothing: nothing");
    assert!(import(&app, &table, Mode::SkipBadRows).await.is_err());
    assert_eq!(count(&app, "customers").await - before, batch as i64, "the first batch, whole");
    assert_eq!(count(&app, "vehicles").await, batch as i64, "each with its vehicle, and no more");
    let drop = match backend {
        Backend::Sqlite => "DROP TRIGGER refuse_vin",
        Backend::Postgres => "DROP TRIGGER refuse_vin ON vehicles",
    };
    sqlx::raw_sql(drop).execute(app.db.pool()).await.unwrap();
    let done = import(&app, &table, Mode::SkipBadRows).await.unwrap();
    assert_eq!((done.imported, done.present), (300, batch));
    assert_eq!(count(&app, "vehicles").await, (batch + 300) as i64);
});

on_both!(xlsx_workbooks_and_gbk_csv_files_are_read, |backend| async move {
    let app = TestApp::start(backend).await;
    // A workbook as Excel writes it: mobiles as numbers, dates as dates.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("客户").unwrap();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
    for (c, h) in ["客户编号", "姓名", "手机", "生日", "车架号", "品牌", "车型"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "DMS-001").unwrap();
    sheet.write_string(1, 1, "周杰").unwrap();
    sheet.write_number(1, 2, 13700001234.0).unwrap();
    let birthday = rust_xlsxwriter::ExcelDateTime::from_ymd(1985, 7, 9).unwrap();
    sheet.write_datetime_with_format(1, 3, &birthday, &date_format).unwrap();
    sheet.write_string(1, 4, vin(77)).unwrap();
    sheet.write_string(1, 5, "广汽丰田").unwrap();
    sheet.write_string(1, 6, "凯美瑞").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert_eq!(table::read(&bytes, Some("工作表")).unwrap_err().rule.code, "sheet_missing");
    let table = table::read(&bytes, Some("客户")).unwrap();
    let report = import(&app, &table, Mode::AllOrNothing).await.unwrap();
    assert_eq!((report.imported, report.rejected.len()), (1, 0), "{report:?}");
    let row: (String, String, String) =
        sqlx::query_as("SELECT customer_no, mobile, birthday FROM customers WHERE name = '周杰'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(row, ("DMS-001".into(), "13700001234".into(), "1985-07-09".into()));

    // Chinese Excel's "CSV" is GBK.
    let text = format!("客户名称,联系电话,车架号,品牌,车型\r\n吴敏,13600006666,{},一汽-大众,速腾\r\n", vin(78));
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let table = table::read(&gbk, None).unwrap();
    assert_eq!(table.headers[0], "客户名称");
    let report = import(&app, &table, Mode::AllOrNothing).await.unwrap();
    assert_eq!(report.imported, 1, "{report:?}");
    let name: String = sqlx::query_scalar("SELECT name FROM customers WHERE mobile = '13600006666'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(name, "吴敏");
});

on_both!(exports_hold_the_rows_with_phones_masked_for_the_admin, |backend| async move {
    let app = TestApp::start(backend).await;
    let admin = app.login("admin").await;
    let res = admin.get(app.at("/customers/export.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = res.bytes().await.unwrap().to_vec();
    let rows = crate::support::first_sheet_rows(&bytes);
    assert_eq!(rows.len(), 3, "header and the two fixture customers: {rows:?}");
    assert_eq!(rows[0][..2], ["客户编号".to_string(), "姓名/名称".to_string()]);
    let mobiles: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert!(mobiles.contains(&"138****8000") && mobiles.contains(&"139****5678"), "{mobiles:?}");
    // A search narrows the export; the agent sees the numbers.
    let agent = app.login("agent_a").await;
    let csv = agent.get(app.at("/customers/export.csv?q=张伟")).send().await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains("13800138000"));
    let page = agent.get(app.at("/customers?q=张伟")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("/customers/export.xlsx?q="), "the list links its export");
    assert_eq!(app.audit_count("customer", "export").await, 2, "each export is on record");
});

on_both!(csv_exports_show_formulas_as_text, |backend| async move {
    let app = TestApp::start(backend).await;
    let agent = app.login("agent_a").await;
    let csrf = app.csrf(&agent).await;
    let formulas = [
        ("=HYPERLINK(\"http://evil.example\",\"查看\")", "北京市朝阳区", "-12"),
        ("+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"),
    ];
    for (name, address, source) in formulas {
        let body =
            serde_json::json!({ "branch_id": app.fx.store_a, "name": name, "address": address, "source": source });
        let res =
            agent.post(app.at("/api/v1/customers")).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    let csv = agent.get(app.at("/customers/export.csv")).send().await.unwrap().bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.strip_prefix(b"\xEF\xBB\xBF").unwrap());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cells = |name: &str| {
        let row = rows.iter().find(|r| r[1].ends_with(name)).unwrap_or_else(|| panic!("{name} exported: {rows:?}"));
        (row[1].to_string(), row[9].to_string(), row[10].to_string())
    };
    assert_eq!(
        cells("查看\")"),
        ("'=HYPERLINK(\"http://evil.example\",\"查看\")".into(), "北京市朝阳区".into(), "-12".into()),
        "a formula is shown as text; a negative number stays a number"
    );
    assert_eq!(cells("A0"), ("'+cmd|' /C calc'!A0".into(), "'@SUM(1+1)".into(), "'-2+3".into()));
});

on_both!(the_web_flow_uploads_maps_checks_and_imports, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let form = |token: Option<&str>| {
        let file = reqwest::multipart::Part::bytes(mixed_csv().into_bytes()).file_name("旧系统.csv");
        let mut f = reqwest::multipart::Form::new().text("branch_id", app.fx.store_a.to_string()).part("file", file);
        if let Some(t) = token {
            f = f.text("_csrf", t.to_string());
        }
        f
    };
    // Without the token, or with a wrong one, the upload is refused.
    for token in [None, Some("0000")] {
        let res = client.post(app.at("/customers/import")).multipart(form(token)).send().await.unwrap();
        assert_eq!(res.status(), 403);
    }
    let res = client.post(app.at("/customers/import")).multipart(form(Some(&csrf))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let job_url = res.headers()["location"].to_str().unwrap().to_string();
    let page = client.get(app.at(&job_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<option value="手机号码" selected>"#), "the suggested mapping is selected");
    let mapping = [("map_name", "客户姓名"), ("map_mobile", "手机号码"), ("map_contact_mobile", "驾驶人电话")];
    let post = |path: String, mode: &'static str| {
        let mut fields: Vec<(&str, &str)> = mapping.to_vec();
        fields.push(("mode", mode));
        fields.push(("_csrf", &csrf));
        let fields: Vec<(String, String)> = fields.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        client.post(app.at(&path)).form(&fields).send()
    };
    let before = counts(&app).await;
    let res = post(format!("{job_url}/check"), "all_or_nothing").await.unwrap();
    assert_eq!(res.status(), 303);
    let page = client.get(app.at(&job_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("试导入结果") && page.contains("车架号第9位校验位不正确"), "the dry run's report");
    assert_eq!(counts(&app).await[..5], before[..5], "the dry run wrote nothing");
    let id = job_url.rsplit('/').next().unwrap().to_string();
    let finished = || async {
        let mut job = Value::Null;
        for _ in 0..200 {
            job = get_json(&client, app.at(&format!("/api/v1/imports/{id}"))).await;
            if job["status"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        job
    };
    // Another store's staff cannot see or run it.
    let other = app.login("agent_b").await;
    assert_eq!(other.get(app.at(&job_url)).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.at(&format!("/api/v1/imports/{id}"))).send().await.unwrap().status(), 404);
    // A job left marked running by a server that stopped is taken up again
    // only once it is clearly stale.
    let mark_running = |at: &'static str| {
        let db = app.db.clone();
        let id = id.clone();
        async move {
            sqlx::query("UPDATE import_jobs SET status = 'running', updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id.parse::<i64>().unwrap())
                .execute(db.pool())
                .await
                .unwrap();
        }
    };
    mark_running("9999-01-01T00:00:00.000000Z").await;
    assert_eq!(post(format!("{job_url}/run"), "all_or_nothing").await.unwrap().status(), 422, "running already");
    mark_running("2000-01-01T00:00:00.000000Z").await;
    // All or nothing: the bad rows stop it, and the file stays for another try.
    assert_eq!(post(format!("{job_url}/run"), "all_or_nothing").await.unwrap().status(), 303);
    let job = finished().await;
    assert_eq!((job["status"].as_str(), job["report"]["committed"].as_bool()), (Some("checked"), Some(false)), "{job}");
    assert_eq!(counts(&app).await[..5], before[..5], "nothing was imported");
    assert_eq!(post(format!("{job_url}/run"), "skip_bad_rows").await.unwrap().status(), 303);
    let job = finished().await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["report"]["imported"], 3);
    assert_eq!(job["report"]["rejected"][0]["row"], 3);
    assert_eq!(job["report"]["rejected"][0]["field"], "mobile");
    assert_eq!(count(&app, "customers").await, before[0] + 3);
    // The file is gone once imported; starting it again is refused.
    let res = post(format!("{job_url}/run"), "skip_bad_rows").await.unwrap();
    assert_eq!(res.status(), 422);
    let page = client.get(app.at(&job_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已完成") && page.contains("行号"), "the finished report stays");
});

on_both!(the_command_line_reports_and_fails_on_refused_rows, |backend| async move {
    use kefu::import::{ImportArgs, run};
    let app = TestApp::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("旧系统.csv");
    std::fs::write(&file, mixed_csv()).unwrap();
    let settings = kefu::config::Settings {
        database: app.db_url.clone(),
        bind: String::new(),
        zone: "Asia/Shanghai".into(),
        cookie_security: kefu_web::CookieSecurity::Auto,
        metrics_token: None,
        letters: kefu_outreach::channels::letter::LetterConfig::new(dir.path()),
        sms: None,
        email: None,
        wechat: None,
        complaints: Default::default(),
        packs: vec!["auto".into()],
        surveys: Default::default(),
    };
    let args = |file: &std::path::Path, map: &[&str], skip: bool| ImportArgs {
        file: file.to_path_buf(),
        branch: "TA".into(),
        map: map.iter().map(|m| m.to_string()).collect(),
        sheet: None,
        dry_run: false,
        skip_bad_rows: skip,
    };
    let before = count(&app, "customers").await;
    let refused = run(&settings, args(&file, &[], false)).await.unwrap_err().to_string();
    assert!(refused.contains("3 rows rejected"), "{refused}");
    assert_eq!(count(&app, "customers").await, before);
    let unknown = run(&settings, args(&file, &["mobile=电话"], true)).await.unwrap_err().to_string();
    assert!(unknown.contains("电话"), "the unknown column is named: {unknown}");
    let missing = run(&settings, args(&dir.path().join("none.csv"), &[], true)).await.unwrap_err();
    assert!(format!("{missing:#}").contains("none.csv"), "{missing:#}");
    run(&settings, args(&file, &[], true)).await.unwrap();
    assert_eq!(count(&app, "customers").await, before + 3);
});

on_both!(the_api_checks_a_file_in_the_callers_language, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_en").await;
    let csrf = app.csrf(&client).await;
    let file = reqwest::multipart::Part::bytes(mixed_csv().into_bytes()).file_name("old.csv");
    let form = reqwest::multipart::Form::new().text("branch_id", app.fx.store_a.to_string()).part("file", file);
    let res =
        client.post(app.at("/api/v1/imports")).header("x-csrf-token", &csrf).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["mapping"]["vin"], "车架号", "{job}");
    let id = job["id"].as_i64().unwrap();
    // Unmapping the name leaves no row that can be valid: refused up front.
    let res = client
        .post(app.at(&format!("/api/v1/imports/{id}/check")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "mapping": { "name": "" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!((problem["field"].as_str(), problem["rule"].as_str()), (Some("name"), Some("column_missing")));
    let report: Value = client
        .post(app.at(&format!("/api/v1/imports/{id}/check")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "mapping": { "name": "客户姓名" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["imported"], 3, "{report}");
    let first = &report["rejected"][0];
    assert_eq!((first["row"].as_i64(), first["column"].as_str()), (Some(3), Some("手机号码")));
    assert!(first["message"].as_str().unwrap().starts_with("a mobile number has 11 digits"), "{first}");
});
