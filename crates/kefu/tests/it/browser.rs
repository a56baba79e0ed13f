//! Real-browser tests: headless Chromium driven over WebDriver (chromedriver)
//! against a real kefu server, to check that signing in, the today page, the
//! customer pages and signing out work the way a person uses them.
//!
//! Chromium and chromedriver come from `KEFU_TEST_CHROMIUM` and
//! `KEFU_TEST_CHROMEDRIVER` (set by scripts/test), else from `chromium` and
//! `chromedriver` on PATH. When either is missing the tests fail; they never
//! skip.

use crate::support;

mod power_books;
mod power_case;
mod power_counter;
mod power_indicators;
mod settlement_and_reports;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Backend, PASSWORD, TestApp};

mod estate;
mod estate_ops;
mod first_day;
mod power_connections;

/// How long to wait for a page, an element or chromedriver itself.
const WAIT: Duration = Duration::from_secs(10);

const HOW_TO_GET: &str = "run the tests with scripts/test (which installs them), \
                          or apt-get install chromium chromium-driver";

/// The executable named by the environment variable `var`, else `name` on PATH.
fn find_program(var: &str, name: &str) -> PathBuf {
    if let Some(set) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(set);
        assert!(path.is_file(), "{var} is set to {}, which does not exist; {HOW_TO_GET}", path.display());
        return path;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("{name} was not found: {var} is not set and there is no {name} on PATH; {HOW_TO_GET}")
        })
}

/// A port on loopback that nothing listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().unwrap().port()
}

/// A running chromedriver. Dropping it kills chromedriver and every browser
/// process it started (they share its process group), even when the test
/// failed half-way, and then removes the browser profile.
struct Driver {
    child: Child,
    url: String,
    log: PathBuf,
    /// Chromium's profile, fresh for every session.
    profile: tempfile::TempDir,
    _logs: tempfile::TempDir,
}

impl Driver {
    async fn start(program: &Path) -> Driver {
        let logs = tempfile::tempdir().expect("temp dir for chromedriver's log");
        let profile = tempfile::tempdir().expect("temp dir for Chromium's profile");
        let log = logs.path().join("chromedriver.log");
        let port = free_port();
        let mut child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {HOW_TO_GET}", program.display()));
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = child.try_wait().expect("poll chromedriver") {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("chromedriver exited at start ({status}); its log:\n{log}");
            }
            if let Ok(res) = http.get(format!("{url}/status")).send().await
                && let Ok(status) = res.json::<Value>().await
                && status["value"]["ready"] == true
            {
                break;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromedriver did not answer on {url} within {WAIT:?}; its log:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { child, url, log, profile, _logs: logs }
    }

    /// A new headless Chromium session with a fresh profile.
    async fn browser(&self, chromium: &Path) -> Client {
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", self.profile.path().display()),
                ],
            }
        });
        let Value::Object(caps) = caps else { unreachable!() };
        ClientBuilder::new(HttpConnector::new()).capabilities(caps).connect(&self.url).await.unwrap_or_else(|e| {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            panic!("cannot open a Chromium session ({}): {e}; chromedriver's log:\n{log}", chromium.display())
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (process_group(0)); Chromium's
        // processes are in it too.
        if let Ok(pgid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) with a negative pid only sends a signal to the
            // process group we created; it touches no memory.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver plus a browser session on it.
async fn open_browser() -> (Driver, Client) {
    let chromedriver = find_program("KEFU_TEST_CHROMEDRIVER", "chromedriver");
    let chromium = find_program("KEFU_TEST_CHROMIUM", "chromium");
    let driver = Driver::start(&chromedriver).await;
    let client = driver.browser(&chromium).await;
    (driver, client)
}

async fn wait_for(client: &Client, locator: Locator<'_>, what: &str) -> fantoccini::elements::Element {
    match client.wait().at_most(WAIT).for_element(locator).await {
        Ok(element) => element,
        Err(e) => {
            let url = client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let source = client.source().await.unwrap_or_default();
            panic!("waited {WAIT:?} for {what} ({locator:?}) on {url}: {e}\npage:\n{source}")
        }
    }
}

/// Waits until `element`'s page has been replaced by the next one, so what
/// follows reads the new page and not the old.
async fn wait_until_replaced(element: &fantoccini::elements::Element, what: &str) {
    let deadline = Instant::now() + WAIT;
    while element.text().await.is_ok() {
        assert!(Instant::now() < deadline, "{what} was still shown after {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(client: &Client, locator: Locator<'_>, what: &str) -> String {
    wait_for(client, locator, what).await.text().await.expect("element text").trim().to_string()
}

async fn path_of(client: &Client) -> String {
    client.current_url().await.expect("current URL").path().to_string()
}

async fn fill_login_form(client: &Client, username: &str, password: &str) {
    wait_for(client, Locator::Css(r#"input[name="username"]"#), "the user name field")
        .await
        .send_keys(username)
        .await
        .expect("type the user name");
    wait_for(client, Locator::Css(r#"input[name="password"]"#), "the password field")
        .await
        .send_keys(password)
        .await
        .expect("type the password");
    wait_for(client, Locator::Css(r#"form[action="/login"] button[type="submit"]"#), "the sign-in button")
        .await
        .click()
        .await
        .expect("click sign in");
}

async fn sign_in_browse_customers_and_sign_out(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_driver, client) = open_browser().await;

    // The home page sends a stranger to the sign-in page.
    client.goto(&app.at("/")).await.expect("open /");
    wait_for(&client, Locator::Css(r#"form[action="/login"]"#), "the sign-in form").await;
    assert_eq!(path_of(&client).await, "/login", "/ redirects to the sign-in page");

    fill_login_form(&client, "agent_a", PASSWORD).await;

    // The today page, greeting the agent by name.
    let user = text_of(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the signed-in user's name").await;
    assert_eq!(user, "甲店客服");
    assert_eq!(path_of(&client).await, "/", "signing in lands on the today page");
    let in_scope: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE branch_id = $1")
        .bind(app.fx.store_a.0)
        .fetch_one(app.db.pool())
        .await
        .expect("count store A's customers");
    let tile =
        text_of(&client, Locator::Css(r#"[data-testid="count-today_customers"] .n"#), "the customer count tile").await;
    assert_eq!(tile, in_scope.to_string(), "the tile counts the customers of agent_a's store");

    // A picture of the page for a person to look at; not part of the test.
    match client.screenshot().await {
        Ok(png) => {
            if let Err(e) = std::fs::write("/tmp/kefu-today.png", png) {
                eprintln!("could not save /tmp/kefu-today.png: {e}");
            }
        }
        Err(e) => eprintln!("could not take a screenshot of the today page: {e}"),
    }

    // The customer list, through the side navigation: store A's customer,
    // not store B's.
    wait_for(&client, Locator::LinkText("客户档案"), "the 客户档案 navigation link").await.click().await.unwrap();
    let zhang = wait_for(&client, Locator::LinkText("张伟"), "张伟 in the customer list").await;
    assert_eq!(path_of(&client).await, "/customers");
    let list = client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(!list.contains("李娜"), "store B's customer is not listed for store A's agent:\n{list}");

    // 张伟's own page.
    zhang.click().await.expect("open 张伟");
    let mobile = text_of(&client, Locator::Css(r#"[data-testid="mobile"]"#), "张伟's mobile").await;
    assert_eq!(mobile, "13800138000");
    assert_eq!(path_of(&client).await, format!("/customers/{}", app.fx.customer_a));
    let heading = text_of(&client, Locator::Css("main h1"), "the customer heading").await;
    assert!(heading.starts_with("张伟"), "the page is about 张伟: {heading}");

    // The language switch submits itself when changed: static/app.js, the
    // pages' one script, runs under the Content-Security-Policy.
    let switch = wait_for(&client, Locator::Css(r#"select[name="locale"]"#), "the language switch").await;
    switch.select_by_value("en").await.expect("choose English");
    wait_for(&client, Locator::LinkText("Customers"), "the navigation in English").await;
    let switch = wait_for(&client, Locator::Css(r#"select[name="locale"]"#), "the language switch").await;
    switch.select_by_value("zh-CN").await.expect("choose Chinese");
    wait_for(&client, Locator::LinkText("客户档案"), "the navigation in Chinese again").await;

    // Sign out: back on the sign-in page, and the session is gone.
    wait_for(&client, Locator::XPath("//form[@action='/logout']//button[normalize-space()='退出']"), "the 退出 button")
        .await
        .click()
        .await
        .expect("click 退出");
    wait_for(&client, Locator::Css(r#"input[name="password"]"#), "the sign-in page after signing out").await;
    assert_eq!(path_of(&client).await, "/login", "signing out shows the sign-in page");
    client.goto(&app.at("/customers")).await.expect("open /customers again");
    wait_for(&client, Locator::Css(r#"input[name="password"]"#), "the sign-in page").await;
    assert_eq!(path_of(&client).await, "/login", "after signing out, pages ask to sign in again");

    client.close().await.expect("close the browser session");
}

async fn wrong_password_shows_an_error(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_driver, client) = open_browser().await;

    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "agent_a", "not-the-password-1").await;

    let error = text_of(&client, Locator::Css(r#"p.error[role="alert"]"#), "the sign-in error").await;
    assert!(error.contains("用户名或密码不正确"), "the page says the name or password is wrong: {error}");
    assert_eq!(path_of(&client).await, "/login", "a refused sign-in stays on the sign-in page");
    assert!(
        client.find(Locator::Css(r#"[data-testid="current-user"]"#)).await.is_err(),
        "nobody is signed in after a wrong password"
    );

    client.close().await.expect("close the browser session");
}

async fn find_by_last_four_and_change_a_preference(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "agent_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;

    // The agent types the last four digits of the caller's mobile.
    client.goto(&app.at("/customers")).await.expect("open the customer list");
    let search = wait_for(&client, Locator::Css(r#"form.search input[name="q"]"#), "the search box").await;
    search.send_keys("8000").await.expect("type the last four digits");
    let list_page = wait_for(&client, Locator::Css("main"), "the list page").await;
    wait_for(&client, Locator::Css(r#"form.search button[type="submit"]"#), "the search button")
        .await
        .click()
        .await
        .unwrap();
    wait_until_replaced(&list_page, "the list before searching").await;
    let results = text_of(&client, Locator::Css(r#"[data-testid="customer-results"]"#), "the search results").await;
    assert!(results.contains("张伟") && results.contains("手机号"), "张伟 is found by his mobile: {results}");
    assert!(!results.contains("李娜"), "only the matching customer is listed: {results}");

    // Open the 360° page and mark the customer "do not call", evenings only.
    wait_for(&client, Locator::LinkText("张伟"), "张伟 in the results").await.click().await.unwrap();
    let old_page = wait_for(&client, Locator::Css(r#"[data-testid="preferences"]"#), "the preferences form").await;
    assert_eq!(path_of(&client).await, format!("/customers/{}", app.fx.customer_a));
    let do_not_call = wait_for(&client, Locator::Css(r#"input[name="do_not_call"]"#), "the do-not-call box").await;
    assert!(do_not_call.prop("checked").await.unwrap().as_deref() != Some("true"), "not ticked before");
    do_not_call.click().await.expect("tick do not call");
    let when = wait_for(&client, Locator::Css(r#"select[name="preferred_time"]"#), "the best-time list").await;
    when.select_by_value("evening").await.expect("choose evening");
    wait_for(&client, Locator::Css(r#"[data-testid="preferences"] button[type="submit"]"#), "the save button")
        .await
        .click()
        .await
        .expect("save the preferences");

    // Back on the page (the old one is gone), the change is shown and stored.
    wait_until_replaced(&old_page, "the page before saving").await;
    wait_for(&client, Locator::Css(r#"[data-testid="timeline"]"#), "the timeline after saving").await;
    let ticked = wait_for(&client, Locator::Css(r#"input[name="do_not_call"]"#), "the do-not-call box").await;
    assert_eq!(ticked.prop("checked").await.unwrap().as_deref(), Some("true"), "the box stays ticked");
    let timeline = text_of(&client, Locator::Css(r#"[data-testid="timeline"]"#), "the timeline").await;
    assert!(timeline.contains("联系偏好"), "the change is on the timeline: {timeline}");
    let (do_not_call, preferred): (i64, String) =
        sqlx::query_as("SELECT do_not_call, preferred_time FROM customers WHERE id = $1")
            .bind(app.fx.customer_a.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((do_not_call, preferred.as_str()), (1, "evening"));
    match client.screenshot().await {
        Ok(png) => {
            if let Err(e) = std::fs::write("/tmp/kefu-360.png", png) {
                eprintln!("could not save /tmp/kefu-360.png: {e}");
            }
        }
        Err(e) => eprintln!("could not take a screenshot of the 360° page: {e}"),
    }
    client.close().await.expect("close the browser session");
}

/// Every store, as the system acts.
fn everyone(app: &TestApp) -> kefu_core::Actor {
    kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]))
}

/// 张伟's 速腾 京A12345 in store A, bought on `purchase`.
async fn zhang_weis_car(app: &TestApp, purchase: &str, today: jiff::civil::Date) {
    let mut tx = app.db.begin().await.unwrap();
    let input = kefu_auto::vehicles::VehicleInput {
        vin: "LSVAM4187C2184847".into(),
        plate: "京A12345".into(),
        brand: "一汽-大众".into(),
        model: "速腾".into(),
        purchase_date: Some(purchase.parse().unwrap()),
        ..Default::default()
    };
    kefu_auto::vehicles::create_in(&mut tx, app.fx.store_a, app.fx.customer_a, &input, today).await.unwrap();
    let change = kefu_store::Change {
        entity: "vehicle",
        entity_id: "test".into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&everyone(app), change).await.unwrap();
    tx.commit().await.unwrap();
}

async fn claim_a_call_and_book_an_appointment(backend: Backend) {
    let app = TestApp::start(backend).await;
    // A car bought on 30 November 2027 whose first service falls due on
    // 29 February 2028; the run of 22 February puts the call in the queue.
    app.clock.set("2028-02-22T01:00:00Z".parse().unwrap());
    let all = everyone(&app);
    let today: jiff::civil::Date = "2028-02-22".parse().unwrap();
    zhang_weis_car(&app, "2027-11-30", today).await;
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &all, (today, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();

    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "agent_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
    wait_for(&client, Locator::LinkText("今日外呼"), "the call queue link").await.click().await.unwrap();
    let queue = text_of(&client, Locator::Css(r#"[data-testid="call-queue"]"#), "the call queue").await;
    assert!(queue.contains("首保招揽") && queue.contains("张伟"), "the first-service call is queued: {queue}");

    // Claim it, read the script, record "reached and booked".
    let queue_page = wait_for(&client, Locator::Css("main"), "the queue page").await;
    wait_for(&client, Locator::XPath("//button[normalize-space()='领取']"), "the claim button")
        .await
        .click()
        .await
        .unwrap();
    wait_until_replaced(&queue_page, "the queue before claiming").await;
    let script = text_of(&client, Locator::Css(r#"[data-testid="script"]"#), "the call script").await;
    assert!(script.contains("张伟") && script.contains("京A12345") && script.contains("2028-02-29"), "{script}");
    wait_for(&client, Locator::Css(r#"input[name="outcome"][value="reached_booked"]"#), "the booked outcome")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&client, Locator::Css(r#"textarea[name="notes"]"#), "the notes")
        .await
        .send_keys("约 2 月 27 日上午到店")
        .await
        .unwrap();
    let call_page = wait_for(&client, Locator::Css("main"), "the call page").await;
    wait_for(&client, Locator::Css(r#"[data-testid="outcome-form"] button[type="submit"]"#), "save")
        .await
        .click()
        .await
        .unwrap();
    wait_until_replaced(&call_page, "the call page after saving").await;
    assert_eq!(path_of(&client).await, "/outreach/calls", "back to the queue");
    let outcome: String =
        sqlx::query_scalar("SELECT outcome FROM outreach_tasks WHERE playbook = 'first_service' AND channel = 'call'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(outcome, "reached_booked");

    // A week after the due date the chase call is not made: the cadence ended.
    let chase_day: jiff::civil::Date = "2028-03-07".parse().unwrap();
    let summary = kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &all, (chase_day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(summary.stopped, 1, "{summary:?}");
    let remaining: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outreach_tasks WHERE playbook = 'first_service' AND due_date > '2028-02-22'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(remaining, 0, "no further touch of the first-service cadence");
    client.close().await.expect("close the browser session");
}

/// Clicks the submit button of the form marked `testid` and waits for the
/// page that answers it.
async fn submit(client: &Client, testid: &str) {
    let page = wait_for(client, Locator::Css("main"), "the page").await;
    wait_for(client, Locator::Css(&format!(r#"[data-testid="{testid}"] button[type="submit"]"#)), testid)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {testid}: {e}"));
    wait_until_replaced(&page, testid).await;
}

async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, Locator::Css(css), css)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn take_a_complaint_from_intake_to_closure(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "agent_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;

    // Intake from the customer's 360° page.
    client.goto(&app.at(&format!("/customers/{}", app.fx.customer_a))).await.unwrap();
    wait_for(&client, Locator::XPath("//summary[normalize-space()='登记投诉']"), "the intake form")
        .await
        .click()
        .await
        .unwrap();
    let form = wait_for(&client, Locator::Css(r#"[data-testid="complaint-intake"]"#), "the intake form").await;
    for (name, value) in
        [("source", "visit"), ("category", "waiting_time"), ("severity", "serious"), ("department", "after_sales")]
    {
        form.find(Locator::Css(&format!(r#"select[name="{name}"]"#)))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {name}: {e}"));
    }
    type_into(&client, r#"[data-testid="complaint-intake"] input[name="subject"]"#, "保养等了四个小时").await;
    type_into(&client, r#"[data-testid="complaint-intake"] textarea[name="detail"]"#, "预约上午九点，下午一点才交车")
        .await;
    submit(&client, "complaint-intake").await;
    assert!(path_of(&client).await.starts_with("/complaints/"), "the complaint's own page");
    let status = text_of(&client, Locator::Css(r#"[data-testid="complaint-status"]"#), "the status").await;
    assert_eq!(status, "待联系");

    // Closing is not offered before the re-contact: the page says when it will be.
    assert!(client.find(Locator::Css(r#"[data-testid="close-form"]"#)).await.is_err(), "no 结案 yet");
    assert!(client.find(Locator::Css(r#"[data-testid="resolve-form"]"#)).await.is_err(), "no 办结 before contact");
    let later = text_of(&client, Locator::Css(r#"[data-testid="close-later"]"#), "when it may close").await;
    assert!(later.contains("回访"), "{later}");
    let mobile = text_of(&client, Locator::Css(r#"[data-testid="complaint-mobile"]"#), "the phone").await;
    assert_eq!(mobile, "13800138000", "an agent sees the number to call");
    let countdown = text_of(&client, Locator::Css(r#"[data-testid="countdown-contact"]"#), "the countdown").await;
    assert_eq!(countdown, "还剩 2 小时", "the first contact is due two hours after intake");

    // Contact the customer, resolve, re-contact, close.
    type_into(&client, r#"[data-testid="step-form"] textarea[name="text"]"#, "已致电致歉，了解等候原因").await;
    submit(&client, "step-form").await;
    type_into(&client, r#"[data-testid="resolve-form"] textarea[name="solution"]"#, "赠送一次免费洗车，改进预约排班")
        .await;
    submit(&client, "resolve-form").await;
    wait_for(&client, Locator::Css(r#"input[name="satisfied"][value="yes"]"#), "satisfied")
        .await
        .click()
        .await
        .unwrap();
    submit(&client, "recontact-form").await;
    submit(&client, "close-form").await;
    let status = text_of(&client, Locator::Css(r#"[data-testid="complaint-status"]"#), "the status").await;
    assert_eq!(status, "已结案");
    let steps = text_of(&client, Locator::Css(r#"[data-testid="complaint-steps"]"#), "the steps").await;
    for step in ["受理", "联系客户", "办结", "回访满意", "结案"] {
        assert!(steps.contains(step), "{step} in {steps}");
    }

    // The customer's timeline holds every step; no flag remains.
    wait_for(&client, Locator::LinkText("张伟"), "the customer link").await.click().await.unwrap();
    let timeline = text_of(&client, Locator::Css(r#"[data-testid="timeline"]"#), "the timeline").await;
    assert!(timeline.contains("保养等了四个小时") && timeline.contains("结案"), "{timeline}");
    assert!(client.find(Locator::Css(r#"[data-testid="risk-flag"]"#)).await.is_err(), "no flag after closure");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_a_complaint_from_intake_to_closure_sqlite() {
    take_a_complaint_from_intake_to_closure(Backend::Sqlite).await;
}

async fn answer_a_survey_on_a_phone(backend: Backend) {
    let app = TestApp::start(backend).await;
    let store = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.store_a]));
    let question = |kind: &str, prompt: &str, options: &str| kefu_care::surveys::rules::QuestionInput {
        kind: kind.into(),
        prompt: prompt.into(),
        options: options.into(),
    };
    let input = kefu_care::surveys::SurveyInput {
        title: "保养服务回访问卷".into(),
        intro: "感谢您光临本店，请花一分钟告诉我们您的感受。".into(),
        questions: vec![
            question("scale10", "您向亲友推荐本店的可能性有多大？", ""),
            question("scale5", "您对本次保养服务的满意度", ""),
            question("multiple", "您认为哪些方面需要改进？", "价格\n等候时间\n休息区"),
            question("text", "其他意见", ""),
        ],
    };
    let survey = kefu_care::surveys::create(&app.db, &store, app.fx.store_a, &input).await.unwrap();
    let invitation = kefu_care::surveys::invite(
        &app.db,
        &store,
        survey.id,
        app.fx.customer_a,
        "sms",
        (&Default::default(), kefu_core::time::Clock::now(&app.clock)),
    )
    .await
    .unwrap();
    let q: Vec<i64> = survey.questions.iter().map(|q| q.id).collect();

    let (_driver, client) = open_browser().await;
    client.set_window_size(375, 740).await.expect("a phone-sized window");
    client.goto(&app.at(&format!("/s/{}", invitation.token))).await.expect("open the link");
    wait_for(&client, Locator::Css(r#"[data-testid="survey-form"]"#), "the survey").await;
    let fits: Value = client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![])
        .await
        .expect("measure the page");
    assert_eq!(fits, Value::Bool(true), "the page fits the phone's width without scrolling sideways");
    for (name, value) in [(q[0], "8"), (q[1], "5"), (q[2], "1")] {
        wait_for(&client, Locator::Css(&format!(r#"input[name="q{name}"][value="{value}"]"#)), "a choice")
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("choose {value} for question {name}: {e}"));
    }
    type_into(&client, &format!(r#"textarea[name="q{}"]"#, q[3]), "休息区的咖啡很好").await;
    submit(&client, "survey-form").await;
    let thanks = text_of(&client, Locator::Css(r#"[data-testid="survey-thanks"]"#), "the thanks").await;
    assert_eq!(thanks, "感谢您的宝贵意见！");
    let stored: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT a.number, a.text FROM survey_answers a JOIN survey_invitations i ON i.id = a.invitation_id \
         WHERE i.customer_id = $1 ORDER BY a.id",
    )
    .bind(app.fx.customer_a.0)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        stored,
        [
            (Some(8), String::new()),
            (Some(5), String::new()),
            (None, "[1]".to_string()),
            (None, "休息区的咖啡很好".to_string())
        ]
    );
    // The link is spent: opening it again only thanks.
    client.goto(&app.at(&format!("/s/{}", invitation.token))).await.unwrap();
    wait_for(&client, Locator::Css(r#"[data-testid="survey-thanks"]"#), "the thanks again").await;
    assert!(client.find(Locator::Css(r#"[data-testid="survey-form"]"#)).await.is_err(), "no form the second time");
    client.close().await.expect("close the browser session");
}

/// Clicks the submit button of the form that posts `field` = `value` (a
/// repair order's step, an appointment's outcome) and waits for the page
/// that answers it.
async fn submit_where(client: &Client, field: &str, value: &str) {
    let page = wait_for(client, Locator::Css("main"), "the page").await;
    let xpath = format!("//form[input[@name='{field}' and @value='{value}']]//button[@type='submit']");
    wait_for(client, Locator::XPath(&xpath), value)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {value}: {e}"));
    wait_until_replaced(&page, value).await;
}

/// The advisor's day: a car booked from the customer's page lands in the
/// calendar, arrives, and its repair order goes from reception through the
/// estimate to the customer's signature.
async fn book_receive_estimate_and_approve_a_repair(backend: Backend) {
    let app = TestApp::start(backend).await;
    zhang_weis_car(&app, "2025-10-01", "2026-11-29".parse().unwrap()).await;

    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "agent_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;

    // Booked at the desk from the customer's page for 14:00 today.
    client.goto(&app.at(&format!("/customers/{}", app.fx.customer_a))).await.unwrap();
    wait_for(&client, Locator::XPath("//summary[normalize-space()='预约进厂']"), "the booking form")
        .await
        .click()
        .await
        .unwrap();
    let day = wait_for(&client, Locator::Css(r#"[data-testid="book-form"] input[name="day"]"#), "the day").await;
    client
        .execute("arguments[0].value = '2026-11-29'", vec![serde_json::to_value(&day).unwrap()])
        .await
        .expect("set the day");
    wait_for(&client, Locator::Css(r#"[data-testid="book-form"] select[name="hour"] option[value="14"]"#), "14:00")
        .await
        .click()
        .await
        .unwrap();
    type_into(&client, r#"[data-testid="book-form"] input[name="note"]"#, "刹车异响").await;
    submit(&client, "book-form").await;
    assert_eq!(path_of(&client).await, "/appointments/days/2026-11-29", "the booking's day in the calendar");
    let slot = text_of(&client, Locator::Css(r#"tr[data-hour="14"]"#), "the 14:00 slot").await;
    assert!(slot.contains("京A12345") && slot.contains("张伟") && slot.contains("刹车异响"), "{slot}");
    let calendar_link = wait_for(&client, Locator::Css(r#"main a[href^="/appointments?"]"#), "back to the month").await;
    calendar_link.click().await.unwrap();
    wait_until_replaced(&calendar_link, "the day page").await;
    wait_for(&client, Locator::Css(r#"[data-date="2026-11-29"]"#), "today in the month").await;
    client.back().await.unwrap();

    // The car arrives: its repair order is opened, and shown.
    submit_where(&client, "result", "arrived").await;
    assert!(path_of(&client).await.starts_with("/repair-orders/"), "on to the order");
    assert_eq!(text_of(&client, Locator::Css(r#"[data-testid="ro-status"]"#), "the status").await, "接车估价");

    // Reception: the walk-around, in the customer's words.
    let mileage = wait_for(&client, Locator::Css(r#"input[name="mileage_km"]"#), "the mileage").await;
    mileage.clear().await.unwrap();
    mileage.send_keys("15230").await.unwrap();
    type_into(&client, r#"textarea[name="complaint"]"#, "踩刹车时前轮有异响").await;
    submit_where(&client, "step", "reception").await;
    // The page comes back with what was recorded, still open for the estimate.
    let value = |css: &'static str| {
        let client = client.clone();
        async move { wait_for(&client, Locator::Css(css), css).await.prop("value").await.unwrap().unwrap_or_default() }
    };
    assert_eq!(value(r#"input[name="mileage_km"]"#).await, "15230");
    assert_eq!(value(r#"textarea[name="complaint"]"#).await, "踩刹车时前轮有异响");

    // The estimate: one line, then the customer's signature.
    type_into(&client, r#"input[name="description"]"#, "更换前刹车片").await;
    type_into(&client, r#"input[name="unit_price"]"#, "380").await;
    submit_where(&client, "step", "add_line").await;
    assert_eq!(text_of(&client, Locator::Css(r#"[data-testid="cash-due"]"#), "the total").await, "¥380.00");
    submit_where(&client, "step", "approve").await;
    assert_eq!(text_of(&client, Locator::Css(r#"[data-testid="ro-status"]"#), "the status").await, "客户已确认");
    assert_eq!(text_of(&client, Locator::Css("ol.steps li.current"), "the current step").await, "客户已确认");
    let done = client.find_all(Locator::Css("ol.steps li.done")).await.unwrap();
    assert_eq!(done.len(), 1, "reception and estimate are behind");
    wait_for(&client, Locator::XPath("//form[input[@name='step' and @value='start_work']]"), "work may start").await;
    client.close().await.expect("close the browser session");
}

/// The outreach page offers the day's letters as a plain download and, apart
/// from it, a button that marks them printed.
async fn mark_the_days_letters_printed(backend: Backend) {
    let (app, _letters_dir, _sms) = crate::outreach::letters_due(backend).await;
    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "agent_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
    client.goto(&app.at("/outreach")).await.expect("open /outreach");
    let link = wait_for(&client, Locator::Css(r#"[data-testid="letters-pdf"]"#), "the letters' PDF").await;
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("/outreach/letters.pdf"));
    let letter = || async {
        let status: String = sqlx::query_scalar("SELECT status FROM outreach_tasks WHERE channel = 'letter'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        status
    };
    assert_eq!(letter().await, "pending", "showing the page marks nothing");
    let page = wait_for(&client, Locator::Css("main"), "the outreach page").await;
    wait_for(&client, Locator::Css(r#"[data-testid="letters-printed"] button"#), "the mark-printed button")
        .await
        .click()
        .await
        .unwrap();
    wait_until_replaced(&page, "the outreach page before marking").await;
    assert_eq!(path_of(&client).await, "/outreach");
    wait_for(&client, Locator::Css(r#"[data-testid="letters-pdf"]"#), "the PDF, still offered").await;
    assert_eq!(letter().await, "printed");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_the_days_letters_printed_sqlite() {
    mark_the_days_letters_printed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_a_survey_on_a_phone_sqlite() {
    answer_a_survey_on_a_phone(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_browse_customers_and_sign_out_sqlite() {
    sign_in_browse_customers_and_sign_out(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_an_error_sqlite() {
    wrong_password_shows_an_error(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_by_last_four_and_change_a_preference_sqlite() {
    find_by_last_four_and_change_a_preference(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_a_call_and_book_an_appointment_sqlite() {
    claim_a_call_and_book_an_appointment(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_receive_estimate_and_approve_a_repair_sqlite() {
    book_receive_estimate_and_approve_a_repair(Backend::Sqlite).await;
}
