//! `kefu-bench`: measures the customer archive and the call queue over HTTP on loopback —
//! every search kind (the 4S pack's, or with `--power` the power pack's), the 360° page and the overview API (or, asked, a
//! points ledger, the public survey page or the repair orders) — and,
//! beside each figure, its floor: the same reads the handler makes, through
//! the same library functions and the same kind of pool, with the same
//! concurrency, but without HTTP, the guard, JSON or templates. The batch
//! jobs (the daily outreach run, an import) are timed beside theirs too.
//! Prints one markdown table row per measurement. `scripts/bench` drives it.

mod daily_run;
mod estate_billing;
mod import;
mod import_floor;
mod load;
mod points;
mod power_billing;
mod power_readings;
mod repair_orders;
mod sample;
mod survey_page;

use clap::Parser;
use kefu_accounts::{branches, users};
use kefu_care::customers;
use kefu_core::ids::CustomerId;
use kefu_core::time::{Clock, SystemClock};
use kefu_core::{Actor, Scope};
use kefu_store::Db;
use kefu_web::archive;
use load::{Bounds, Stats};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Load the kefu customer archive over HTTP and against its database floor")]
struct Args {
    /// The database the server runs on (for sampling and the floor).
    #[arg(long)]
    database: String,
    /// The server, on loopback: http://127.0.0.1:PORT
    #[arg(long, required_unless_present_any = ["seed_repair_orders", "import", "estate_billing", "power_billing", "power_reading_import"])]
    url: Option<String>,
    /// An API token of `--username` (from `kefu user token`).
    #[arg(long, env = "KEFU_BENCH_TOKEN", required_unless_present_any = ["seed_repair_orders", "import", "estate_billing", "power_billing", "power_reading_import"])]
    token: Option<String>,
    #[arg(long, default_value = "bench")]
    username: String,
    /// The backend's name in the table.
    #[arg(long, required_unless_present = "seed_repair_orders")]
    backend: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Requests per measurement (each a different query).
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Longest a measurement may run, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Append the table rows to this file too.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Instead of the HTTP figures, measure the daily outreach run for this
    /// day (one no run has seen) beside its floor.
    #[arg(long)]
    daily_run: Option<jiff::civil::Date>,
    /// Instead of the HTTP figures, run the estate pack's billing for this
    /// period (YYYY-MM, one no run has billed) over every estate beside its
    /// floor (a database from `kefu gen --packs estate --houses N`).
    #[arg(long)]
    estate_billing: Option<String>,
    /// Instead of the archive figures, give one customer a points ledger of
    /// this many entries and measure reading it.
    #[arg(long)]
    points_entries: Option<usize>,
    /// Give the generated vehicles this many more repair orders in bulk
    /// (settled history, one in a hundred still open), then stop.
    #[arg(long)]
    seed_repair_orders: Option<usize>,
    /// Instead of the archive figures, measure the repair order page, saving
    /// an order and the month calendar.
    #[arg(long)]
    repair_orders: bool,
    /// Instead of the archive figures, issue survey links to this many
    /// distinct customers and measure the public page `GET /s/{token}`
    /// (run it with `--concurrency 32`: a mass send's customers open their
    /// links at once).
    #[arg(long)]
    survey_links: Option<usize>,
    /// Instead of the HTTP figures, import this file as `kefu import` does
    /// (all or nothing, into `--branch`) and copy the rows it wrote into an
    /// empty copy of the schema as its floor. Use a database that holds
    /// only its stores (`kefu gen --customers 1 --stores 2`).
    #[arg(long, requires = "branch")]
    import: Option<std::path::PathBuf>,
    /// The code of the branch `--import` imports into.
    #[arg(long)]
    branch: Option<String>,
    /// Instead of the 4S archive's figures, the power pack's searches (an
    /// electricity account by its number, its tail, its meter and its
    /// address) on a county from `kefu gen --packs power`.
    #[arg(long)]
    power: bool,
    /// Instead of the HTTP figures, the power pack's billing run of this
    /// month (YYYY-MM-01) over every account of a county from `kefu gen
    /// --packs power`, beside its floor.
    #[arg(long)]
    power_billing: Option<jiff::civil::Date>,
    /// Instead of the HTTP figures, the power pack's reading import of a
    /// handheld's file of this month (YYYY-MM-01) for every account in a
    /// book of a county from `kefu gen --packs power`, beside its floor.
    #[arg(long)]
    power_reading_import: Option<jiff::civil::Date>,
    /// Of the archive figures, measure only those whose name contains this
    /// text ("360", "search: VIN").
    #[arg(long)]
    only: Option<String>,
}

/// What a figure must reach.
#[derive(Clone, Copy)]
enum Target {
    /// The 99th percentile at most this.
    P99(Duration),
    /// At least this many requests a second.
    PerSecond(f64),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::P99(d) => write!(f, "p99 ≤ {} ms", d.as_millis()),
            Target::PerSecond(n) => write!(f, "≥ {n:.0} req/s"),
        }
    }
}

impl Target {
    fn met(self, app: &Stats) -> bool {
        app.failed == 0
            && match self {
                Target::P99(d) => app.p99 <= d,
                Target::PerSecond(n) => app.per_second >= n,
            }
    }
}

const SEARCH_TARGET: Duration = Duration::from_millis(10);
const PAGE_TARGET: Duration = Duration::from_millis(20);
/// The limits the handlers use: the API's default page of hits, and the
/// timeline lengths of the API overview and of the page.
const SEARCH_LIMIT: usize = 20;
const API_TIMELINE: i64 = 50;
const PAGE_TIMELINE: i64 = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    kefu::tune_allocator();
    let a = Args::parse();
    let db = Db::connect(&a.database).await?;
    let done = bench(db.clone(), a).await;
    // Closed, SQLite folds its write-ahead log into the database: the next
    // job of `scripts/bench` reads the file, not this one's log.
    db.close().await;
    done
}

/// The one job the arguments name.
async fn bench(db: Db, a: Args) -> anyhow::Result<()> {
    if let Some(n) = a.seed_repair_orders {
        let everyone = Actor::system(Scope::new(branches::all(&db).await?.into_iter().map(|b| b.id).collect()));
        let open = repair_orders::seed(&db, &everyone, n, a.seed).await?;
        println!("{n} repair orders written, {open} of them open");
        return Ok(());
    }
    if let Some(file) = a.import.clone() {
        return import_row(&db, &a, file).await;
    }
    if let Some(period) = a.estate_billing.clone() {
        return estate_billing_row(&db, &a, &period).await;
    }
    if let Some(month) = a.power_billing {
        return power_billing_row(&db, &a, month).await;
    }
    if let Some(month) = a.power_reading_import {
        return power_reading_import_row(&db, &a, month).await;
    }
    let (url, token) = (a.url.clone().unwrap_or_default(), a.token.clone().unwrap_or_default());
    anyhow::ensure!(
        url.starts_with("http://127.") || url.starts_with("http://localhost") || url.starts_with("http://[::1]"),
        "--url must be on loopback"
    );
    if let Some(day) = a.daily_run {
        return daily_run_row(&db, &a, day).await;
    }
    let user =
        users::credentials(&db, &a.username).await?.ok_or_else(|| anyhow::anyhow!("no user {:?}", a.username))?.user;
    let actor =
        users::actor_of(&db, user.id).await?.ok_or_else(|| anyhow::anyhow!("{:?} is deactivated", a.username))?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(a.concurrency).build()?;
    let bounds = Bounds { concurrency: a.concurrency, count: a.requests, limit: Duration::from_secs(a.seconds) };
    let packs = if a.power {
        kefu_web::packs::Enabled::select(&["power"]).map_err(anyhow::Error::msg)?
    } else {
        Default::default()
    };
    let ctx = Arc::new(Ctx { db, packs, scope: actor.scope.clone(), client, url, token });
    let mut report = |kind: &str, target: Target, app: Stats, floor: Stats| -> anyhow::Result<()> {
        let backend = a.backend.as_deref().unwrap_or_default();
        eprintln!("{kind} on {backend}: {} requests over HTTP, {} on the floor", app.done, floor.done);
        emit(&a, &row(kind, backend, target, &app, &floor))
    };

    if let Some(entries) = a.points_entries {
        let customer = points::prepare(&ctx.db, &kefu_core::Actor::system(ctx.scope.clone()), entries).await?;
        let c = ctx.clone();
        let app = load::run(bounds, move |_| {
            let c = c.clone();
            async move { c.get(&format!("/api/v1/customers/{customer}/points"), &[]).await }
        })
        .await;
        let c = ctx.clone();
        let floor = load::run(bounds, move |_| {
            let c = c.clone();
            async move { kefu_care::points::account(&c.db, &c.scope, customer, points::SHOWN).await.is_ok() }
        })
        .await;
        let kind = format!("points: balance and newest entries of {entries}");
        return report(&kind, Target::P99(points::TARGET), app, floor);
    }

    if let Some(links) = a.survey_links {
        let paths = Arc::new(survey_page::issue(&ctx.db, links).await?);
        let tokens: Arc<Vec<String>> =
            Arc::new(paths.iter().map(|p| p.trim_start_matches("/s/").to_string()).collect());
        for p in paths.iter().take(20) {
            ctx.get_public(p).await;
        }
        let (c, q) = (ctx.clone(), paths.clone());
        let app = load::run(bounds, move |i| {
            let (c, q) = (c.clone(), q.clone());
            async move { c.get_public(&q[i % q.len()]).await }
        })
        .await;
        let (c, q) = (ctx.clone(), tokens.clone());
        let floor = load::run(bounds, move |i| {
            let (c, q) = (c.clone(), q.clone());
            let links = kefu_care::surveys::LinkSettings::default();
            async move { kefu_care::surveys::open(&c.db, &q[i % q.len()], (&links, SystemClock.now())).await.is_ok() }
        })
        .await;
        let kind = format!("public survey page GET /s/{{token}} ({} links, {} in flight)", paths.len(), a.concurrency);
        return report(&kind, Target::PerSecond(survey_page::TARGET_PER_SECOND), app, floor);
    }

    if a.repair_orders {
        return service_figures(&ctx, &Arc::new(actor), bounds, &mut report).await;
    }

    let sample = if a.power {
        sample::take_power(&ctx.db, &ctx.scope, a.requests, a.seed).await?
    } else {
        sample::take(&ctx.db, &ctx.scope, a.requests, a.seed).await?
    };
    let wanted = |kind: &str| a.only.as_deref().is_none_or(|only| kind.contains(only));
    for kind in sample.searches {
        let name = format!("search: {}", kind.name);
        if !wanted(&name) {
            continue;
        }
        let queries = Arc::new(kind.queries);
        warm_up(&ctx, &queries).await;
        let (c, q) = (ctx.clone(), queries.clone());
        let app = load::run(bounds, move |i| {
            let (c, q) = (c.clone(), q.clone());
            async move { c.get("/api/v1/search", &[("q", q[i % q.len()].as_str())]).await }
        })
        .await;
        let (c, q) = (ctx.clone(), queries.clone());
        let floor = load::run(bounds, move |i| {
            let (c, q) = (c.clone(), q.clone());
            async move {
                archive::search_customers(&c.db, c.packs.core(), &c.scope, &q[i % q.len()], SEARCH_LIMIT).await.is_ok()
            }
        })
        .await;
        report(&name, Target::P99(SEARCH_TARGET), app, floor)?;
    }

    if a.power {
        return Ok(());
    }
    let ids = Arc::new(sample.customer_ids);
    for (kind, api) in
        [("360° page GET /customers/{id}", false), ("overview API /api/v1/customers/{id}/overview", true)]
    {
        if !wanted(kind) {
            continue;
        }
        let (c, q) = (ctx.clone(), ids.clone());
        let app = load::run(bounds, move |i| {
            let (c, q) = (c.clone(), q.clone());
            let id = q[i % q.len()];
            async move {
                let path = if api { format!("/api/v1/customers/{id}/overview") } else { format!("/customers/{id}") };
                c.get(&path, &[]).await
            }
        })
        .await;
        let (c, q) = (ctx.clone(), ids.clone());
        let floor = load::run(bounds, move |i| {
            let (c, q) = (c.clone(), q.clone());
            let id = CustomerId(q[i % q.len()]);
            async move { if api { c.overview_reads(id).await } else { c.page_reads(id).await }.is_ok() }
        })
        .await;
        report(kind, Target::P99(PAGE_TARGET), app, floor)?;
    }

    // The agent's call queue: today's calls in the user's branches, the
    // first page by priority, as the page lists them.
    if !wanted("call queue") {
        return Ok(());
    }
    let c = ctx.clone();
    let app = load::run(bounds, move |_| {
        let c = c.clone();
        async move { c.get("/outreach/calls", &[]).await }
    })
    .await;
    let c = ctx.clone();
    let floor = load::run(bounds, move |_| {
        let c = c.clone();
        async move {
            let today = kefu_core::time::BusinessZone::shanghai().date_of(SystemClock.now());
            kefu_outreach::calls::queue(&c.db, &c.scope, today, kefu_outreach::calls::QUEUE_PAGE + 1, 0).await.is_ok()
        }
    })
    .await;
    report("call queue page GET /outreach/calls", Target::P99(PAGE_TARGET), app, floor)?;
    Ok(())
}

/// The repair order page, saving an edit of an order, and the month
/// calendar, each over HTTP and on its floor.
async fn service_figures(
    ctx: &Arc<Ctx>,
    actor: &Arc<Actor>,
    bounds: Bounds,
    report: &mut impl FnMut(&str, Target, Stats, Stats) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let zone = Arc::new(kefu_core::time::BusinessZone::shanghai());
    let today = zone.date_of(SystemClock.now());
    let (ids, branch) = repair_orders::sample(&ctx.db, &ctx.scope, bounds.count).await?;
    let ids = Arc::new(ids);
    let (c, q) = (ctx.clone(), ids.clone());
    let app = load::run(bounds, move |i| {
        let (c, id) = (c.clone(), q[i % q.len()]);
        async move { c.get(&format!("/repair-orders/{id}"), &[]).await }
    })
    .await;
    let (c, q) = (ctx.clone(), ids.clone());
    let floor = load::run(bounds, move |i| {
        let (c, id) = (c.clone(), q[i % q.len()]);
        async move { repair_orders::page_reads(&c.db, &c.scope, id, today).await.is_ok() }
    })
    .await;
    let in_flight = format!("{} in flight", bounds.concurrency);
    let kind = format!("repair order page GET /repair-orders/{{id}} ({in_flight})");
    report(&kind, Target::P99(repair_orders::ORDER_TARGET), app, floor)?;

    let body = Arc::new(repair_orders::edit_body());
    let (c, q) = (ctx.clone(), ids.clone());
    let app = load::run(bounds, move |i| {
        let (c, id, body) = (c.clone(), q[i % q.len()], body.clone());
        async move { c.post_json(&format!("/api/v1/repair-orders/{id}/steps"), &body).await }
    })
    .await;
    let (c, q, who, z) = (ctx.clone(), ids.clone(), actor.clone(), zone.clone());
    let floor = load::run(bounds, move |i| {
        let (c, id, who, z) = (c.clone(), q[i % q.len()], who.clone(), z.clone());
        async move { repair_orders::save(&c.db, &who, id, &z).await.is_ok() }
    })
    .await;
    let kind = format!("repair order save POST /api/v1/repair-orders/{{id}}/steps ({in_flight})");
    report(&kind, Target::P99(repair_orders::ORDER_TARGET), app, floor)?;

    let (first, month) = (today.first_of_month(), today.strftime("%Y-%m").to_string());
    let (c, m) = (ctx.clone(), Arc::new(month));
    let app = load::run(bounds, move |_| {
        let (c, m) = (c.clone(), m.clone());
        async move { c.get("/appointments", &[("branch", branch.0.to_string().as_str()), ("month", m.as_str())]).await }
    })
    .await;
    let c = ctx.clone();
    let floor = load::run(bounds, move |_| {
        let c = c.clone();
        async move { repair_orders::calendar_reads(&c.db, &c.scope, branch, first).await.is_ok() }
    })
    .await;
    let kind = format!("month calendar GET /appointments ({in_flight})");
    report(&kind, Target::P99(repair_orders::CALENDAR_TARGET), app, floor)
}

/// One row of the batch table: the run's wall time beside its floor's.
async fn daily_run_row(db: &Db, a: &Args, day: jiff::civil::Date) -> anyhow::Result<()> {
    let scope = Scope::new(branches::all(db).await?.into_iter().map(|b| b.id).collect());
    let f = daily_run::measure(db, &Actor::system(scope), day).await?;
    let ratio = f.run.as_secs_f64() / f.floor.as_secs_f64().max(1e-6);
    let met = f.run <= daily_run::TARGET && ratio <= daily_run::MAX_RATIO;
    let line = format!(
        "| daily outreach run {day} ({} tasks) | {} | {:.2} s | {:.2} s | {ratio:.1} | {} (≤ {} s, ≤ {}× floor) |",
        f.tasks,
        a.backend.as_deref().unwrap_or_default(),
        f.run.as_secs_f64(),
        f.floor.as_secs_f64(),
        yes_no(met),
        daily_run::TARGET.as_secs(),
        daily_run::MAX_RATIO,
    );
    emit(a, &line)
}

/// One row of the batch table: the estate billing run beside its floor.
async fn estate_billing_row(db: &Db, a: &Args, period: &str) -> anyhow::Result<()> {
    let period = kefu_estate::fees::Month::parse("period", period).map_err(|e| anyhow::anyhow!("{}", e.rule.en))?;
    let f = estate_billing::measure(db, period).await?;
    let backend = a.backend.as_deref().unwrap_or_default();
    let (ratio, verdict) = batch_verdict(backend, (f.run, f.floor), estate_billing::TARGET, estate_billing::MAX_RATIO);
    let line = format!(
        "| estate billing run {period} ({} houses, {} bills) | {backend} | {:.2} s | {:.2} s | {ratio:.1} | {verdict} |",
        f.houses,
        f.bills,
        f.run.as_secs_f64(),
        f.floor.as_secs_f64(),
    );
    emit(a, &line)
}

/// One row of the batch table: the power pack's billing run beside its floor.
async fn power_billing_row(db: &Db, a: &Args, month: jiff::civil::Date) -> anyhow::Result<()> {
    let scope = Scope::new(branches::all(db).await?.into_iter().map(|b| b.id).collect());
    let f = power_billing::measure(db, &Actor::system(scope), month).await?;
    let backend = a.backend.as_deref().unwrap_or_default();
    let (ratio, verdict) = batch_verdict(backend, (f.run, f.floor), power_billing::TARGET, power_billing::MAX_RATIO);
    let line = format!(
        "| power billing run {} ({} bills, {} lines, {} SMS queued) | {backend} | {:.2} s | {:.2} s | {ratio:.1} | {verdict} |",
        &month.to_string()[..7],
        f.bills,
        f.lines,
        f.notices,
        f.run.as_secs_f64(),
        f.floor.as_secs_f64(),
    );
    emit(a, &line)
}

/// One row of the batch table: the power pack's reading import beside its
/// floor, in readings a second.
async fn power_reading_import_row(db: &Db, a: &Args, month: jiff::civil::Date) -> anyhow::Result<()> {
    let scope = Scope::new(branches::all(db).await?.into_iter().map(|b| b.id).collect());
    let f = power_readings::measure(db, &Actor::system(scope), month).await?;
    let backend = a.backend.as_deref().unwrap_or_default();
    let whose = if backend == "sqlite" { "" } else { ", set for SQLite" };
    let per_second = f.per_second(f.import);
    let line = format!(
        "| power reading import {} ({} file rows: {} entered, {} of them held, {} refused) | {backend} | {:.2} s ({per_second:.0} readings/s) | {:.2} s ({:.0} readings/s) | {:.1} | {} (≥ {:.0} readings/s{whose}) |",
        &month.to_string()[..7],
        f.rows,
        f.entered,
        f.held,
        f.refused,
        f.import.as_secs_f64(),
        f.floor.as_secs_f64(),
        f.per_second(f.floor),
        f.import.as_secs_f64() / f.floor.as_secs_f64().max(1e-6),
        yes_no(per_second >= power_readings::TARGET_PER_SECOND),
        power_readings::TARGET_PER_SECOND,
    );
    emit(a, &line)
}

/// One row of the batch table: the import's wall time and rows a second
/// beside its floor's.
async fn import_row(db: &Db, a: &Args, file: std::path::PathBuf) -> anyhow::Result<()> {
    let branch = a.branch.clone().unwrap_or_default();
    let f = import::measure(db, &a.database, file, branch).await?;
    eprintln!("import floor: {} rows copied into {}", f.written.rows, f.written.tables.join(", "));
    let backend = a.backend.as_deref().unwrap_or_default();
    let per_second = f.rows_per_second(f.import);
    // The issue sets the target for SQLite; PostgreSQL's row says so.
    let whose = if backend == "sqlite" { "" } else { ", set for SQLite" };
    let line = format!(
        "| import of {} file rows ({} rows written) | {backend} | {:.2} s ({per_second:.0} rows/s) | {:.2} s ({:.0} rows/s) | {:.1} | {} (≥ {:.0} rows/s{whose}) |",
        f.rows,
        f.written.rows,
        f.import.as_secs_f64(),
        f.floor.as_secs_f64(),
        f.rows_per_second(f.floor),
        f.import.as_secs_f64() / f.floor.as_secs_f64().max(1e-6),
        yes_no(per_second >= import::TARGET_ROWS_PER_SECOND),
        import::TARGET_ROWS_PER_SECOND,
    );
    emit(a, &line)
}

/// Prints a table row and appends it to `--out`.
fn emit(a: &Args, line: &str) -> anyhow::Result<()> {
    println!("{line}");
    if let Some(p) = &a.out {
        writeln!(std::fs::OpenOptions::new().create(true).append(true).open(p)?, "{line}")?;
    }
    Ok(())
}

/// A billing run's ratio to its floor and its verdict. The issues set the
/// time for SQLite, so another backend's row is judged by the ratio alone
/// and says whose the time is.
fn batch_verdict(backend: &str, (run, floor): (Duration, Duration), target: Duration, max_ratio: f64) -> (f64, String) {
    let ratio = run.as_secs_f64() / floor.as_secs_f64().max(1e-6);
    let verdict = if backend == "sqlite" {
        format!("{} (≤ {} s, ≤ {max_ratio}× floor)", yes_no(run <= target && ratio <= max_ratio), target.as_secs())
    } else {
        format!("{} (≤ {max_ratio}× floor; the {} s is set for SQLite)", yes_no(ratio <= max_ratio), target.as_secs())
    };
    (ratio, verdict)
}

fn yes_no(met: bool) -> &'static str {
    if met { "yes" } else { "no" }
}

struct Ctx {
    db: Db,
    /// The packs the server runs by default, whose reads the floor makes.
    packs: kefu_web::packs::Enabled,
    scope: Scope,
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Ctx {
    /// One GET, reading the whole body; true on 200.
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> bool {
        read(self.client.get(format!("{}{path}", self.url)).query(query).bearer_auth(&self.token).send().await).await
    }

    /// One POST of a JSON body, reading the whole answer; true on 2xx.
    async fn post_json(&self, path: &str, body: &serde_json::Value) -> bool {
        read(self.client.post(format!("{}{path}", self.url)).json(body).bearer_auth(&self.token).send().await).await
    }

    /// One GET as a customer's phone makes it, without credentials.
    async fn get_public(&self, path: &str) -> bool {
        read(self.client.get(format!("{}{path}", self.url)).send().await).await
    }

    async fn overview_reads(&self, id: CustomerId) -> Result<(), kefu_store::Failure> {
        archive::overview(&self.db, &self.packs, &self.scope, (id, today()), API_TIMELINE).await.map(drop)
    }

    /// What the page reads besides the overview: the suspects' records and
    /// the branch names.
    async fn page_reads(&self, id: CustomerId) -> Result<(), kefu_store::Failure> {
        let o = archive::overview(&self.db, &self.packs, &self.scope, (id, today()), PAGE_TIMELINE).await?;
        customers::many(&self.db, &self.scope, &o.suspects.iter().map(|s| s.customer_id).collect::<Vec<_>>()).await?;
        branches::all(&self.db).await?;
        Ok(())
    }
}

/// Today where the benchmark runs: the 360° page's dates to mind are
/// reckoned from it, and cost no query.
fn today() -> jiff::civil::Date {
    let zone = kefu_core::time::BusinessZone::named(kefu_core::time::DEFAULT_ZONE).expect("the default zone is known");
    zone.date_of(SystemClock.now())
}

/// Reads the whole answer; true when it was a success.
async fn read(res: reqwest::Result<reqwest::Response>) -> bool {
    match res {
        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
        _ => false,
    }
}

/// A few requests first, so connections are open and caches warm.
async fn warm_up(ctx: &Ctx, queries: &[String]) {
    for q in queries.iter().take(20) {
        ctx.get("/api/v1/search", &[("q", q)]).await;
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn row(kind: &str, backend: &str, target: Target, app: &Stats, floor: &Stats) -> String {
    let ratio = |a: Duration, f: Duration| a.as_secs_f64() / f.as_secs_f64().max(1e-6);
    let failed =
        if app.failed + floor.failed > 0 { format!(" ({} failed)", app.failed + floor.failed) } else { String::new() };
    format!(
        "| {kind}{failed} | {backend} | {} | {} | {:.0} | {} | {} | {:.1} / {:.1} | {} ({target}) |",
        ms(app.p50),
        ms(app.p99),
        app.per_second,
        ms(floor.p50),
        ms(floor.p99),
        ratio(app.p50, floor.p50),
        ratio(app.p99, floor.p99),
        yes_no(target.met(app)),
    )
}
