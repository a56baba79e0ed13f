//! Applications as stored (业扩报装, issue 19 §2): created with their
//! acceptance (新装 opens the account, status applying), moved step by step
//! through the plan of their kind of supply — each step checked by
//! [`StepPlan::check_next`], its deadline by [`StepPlan::deadline`] on the
//! calendar the administrator keeps — and finished by the connection, which
//! installs the meter with its opening reading and does what the kind asks
//! of the account. Every write is audited in its transaction, every read
//! takes the scope; the applicant is told of each step (`super::notice`).

use super::{DayKind, Done, Step, StepPlan, Supply, WorkCalendar, notice};
use crate::accounts::{AccountNo, MeterNo, StationPrefix};
use crate::archive;
use crate::paging::{Page, Paged, total_of};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use kefu_care::search;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::validation::optional_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The kinds of application: 新装, 增容, 减容, 暂停, 过户, 销户.
pub const KINDS: &[&str] = &["new", "increase", "decrease", "pause", "transfer", "close"];

/// How long a permit issued at connection holds. The issue and power.md give
/// no term; five years is kefu's default, shown on the permit.
const PERMIT_YEARS: i16 = 5;

/// The most a document may weigh, and what it may be: scans and photos.
pub const DOCUMENT_MAX_BYTES: usize = 5 * 1024 * 1024;
pub const DOCUMENT_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/png"];

/// The tariff an account of a usage class starts on (the shipped tariffs).
fn tariff_of(usage_class: &str) -> &'static str {
    match usage_class {
        "residential" => "gx-res-1",
        "agricultural" => "gx-agr-1",
        "large_industry" => "gx-tou-1",
        _ => "gx-com-1",
    }
}

fn rule(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Failure {
    Failure::Invalid(Invalid::new(field, Rule::new(code, zh, en)))
}

/// A document uploaded with a step.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl Document {
    fn check(&self, field: &str) -> Result<()> {
        optional_text(field, &self.name, 120)?;
        if !DOCUMENT_TYPES.contains(&self.content_type.as_str()) {
            return Err(rule(
                field,
                "document_type",
                "资料须为 PDF、JPEG 或 PNG 文件",
                "a document must be a PDF, JPEG or PNG file",
            ));
        }
        if self.data.is_empty() || self.data.len() > DOCUMENT_MAX_BYTES {
            return Err(rule(
                field,
                "document_size",
                "资料不能为空，且不超过 5 MB",
                "a document must not be empty nor larger than 5 MB",
            ));
        }
        Ok(())
    }
}

/// A new application, as the counter takes it.
#[derive(Debug, Clone, Default)]
pub struct NewApplication {
    pub kind: String,
    /// The applicant: a customer of the core.
    pub customer: i64,
    /// 新装: the station that will supply it; a change: its account's.
    pub station: Option<i64>,
    /// A change: the account changed.
    pub account_no: String,
    pub usage_class: String,
    pub voltage: String,
    /// High voltage from two sources (双电源).
    pub dual_source: bool,
    /// The capacity applied for (新装, 增容, 减容), kVA.
    pub capacity_kva: Option<i64>,
    pub supply_address: String,
    pub received_on: Option<Date>,
    pub notes: String,
    pub documents: Vec<Document>,
}

/// One step taken.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub step: String,
    pub on: Option<Date>,
    pub notes: String,
    /// 装表接电: the meter's number and its opening reading in kWh (two
    /// decimals at most).
    pub meter_no: String,
    pub opening_reading: String,
    pub documents: Vec<Document>,
}

/// An application as its list and page show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Application {
    pub id: i64,
    pub number: String,
    pub branch_id: BranchId,
    pub station: String,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub account_id: i64,
    pub account_no: String,
    pub kind: String,
    pub supply: String,
    pub usage_class: String,
    pub voltage: String,
    pub capacity_kva: i64,
    pub last_step: String,
    pub last_done_on: Date,
    pub next_step: Option<String>,
    pub next_due: Option<Date>,
    pub received_on: Date,
    pub connected_on: Option<Date>,
    pub overdue: bool,
}

/// A step done, with its documents.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepDone {
    pub step: String,
    pub done_on: Date,
    pub due_on: Option<Date>,
    pub done_at: String,
    pub done_by: String,
    pub notes: String,
    pub meter_no: Option<String>,
    /// kWh as entered, two decimals.
    pub opening_reading: Option<String>,
    pub documents: Vec<DocumentInfo>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentInfo {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// What the list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub station: Option<BranchId>,
    pub next_step: Option<Step>,
    pub overdue: bool,
    /// Connected ones too.
    pub all: bool,
}

/// The number staff quote: YK and the id.
fn number(id: i64) -> String {
    format!("YK{id:07}")
}

const COLUMNS: &str = "a.id, a.branch_id, b.name AS station, a.customer_id, c.name AS customer_name, a.account_id, \
     p.account_no, a.kind, a.supply, a.usage_class, a.voltage, a.capacity_kva, a.last_step, a.last_done_on, \
     a.next_step, a.next_due, a.received_on, a.connected_on";
const FROM: &str = "power_applications a JOIN branches b ON b.id = a.branch_id \
     JOIN customers c ON c.id = a.customer_id JOIN power_accounts p ON p.id = a.account_id";

fn date_of(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<Date>> {
    Ok(r.opt_text(col)?.and_then(|d| d.parse().ok()))
}

fn required_date(r: &sqlx::any::AnyRow, col: &str) -> Result<Date> {
    date_of(r, col)?.ok_or_else(|| Failure::Store(kefu_store::StoreError::Other(format!("{col} is not a date"))))
}

fn from_row(r: &sqlx::any::AnyRow, today: Date) -> Result<Application> {
    let id = r.i64("id")?;
    let next_due = date_of(r, "next_due")?;
    Ok(Application {
        id,
        number: number(id),
        branch_id: BranchId(r.i64("branch_id")?),
        station: r.text("station")?,
        customer_id: CustomerId(r.i64("customer_id")?),
        customer_name: r.text("customer_name")?,
        account_id: r.i64("account_id")?,
        account_no: r.text("account_no")?,
        kind: r.text("kind")?,
        supply: r.text("supply")?,
        usage_class: r.text("usage_class")?,
        voltage: r.text("voltage")?,
        capacity_kva: r.i64("capacity_kva")?,
        last_step: r.text("last_step")?,
        last_done_on: required_date(r, "last_done_on")?,
        next_step: r.opt_text("next_step")?,
        next_due,
        received_on: required_date(r, "received_on")?,
        connected_on: date_of(r, "connected_on")?,
        overdue: next_due.is_some_and(|d| d < today),
    })
}

/// The working-day calendar in force: the shipped years with the
/// administrator's edits over them.
pub async fn calendar(db: &Db) -> Result<WorkCalendar> {
    let mut c = WorkCalendar::shipped();
    for r in sqlx::query("SELECT day, kind FROM power_calendar_days").fetch_all(db.pool()).await? {
        if let (Some(day), Ok(kind)) = (date_of(&r, "day")?, DayKind::parse("kind", &r.text("kind")?)) {
            c.set(day, kind);
        }
    }
    Ok(c)
}

/// The administrator sets one day of the calendar (and audits it).
pub async fn set_day(db: &Db, actor: &Actor, day: Date, kind: DayKind, source: &str, now: Timestamp) -> Result<()> {
    let source = optional_text("source", source, 200)?;
    let mut tx = db.begin().await?;
    set_day_in(&mut tx, actor, day, kind, &source, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn set_day_in(tx: &mut Tx, actor: &Actor, day: Date, kind: DayKind, source: &str, now: Timestamp) -> Result<()> {
    sqlx::query("DELETE FROM power_calendar_days WHERE day = $1").bind(day.to_string()).execute(tx.conn()).await?;
    sqlx::query(
        "INSERT INTO power_calendar_days (day, kind, source, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(day.to_string())
    .bind(kind.code())
    .bind(source.to_string())
    .bind(instant_text(now))
    .bind(actor.display_name.clone())
    .execute(tx.conn())
    .await?;
    let new = json!({ "day": day, "kind": kind.code(), "source": source });
    tx.audit(
        actor,
        Change {
            entity: "power_calendar_day",
            entity_id: day.to_string(),
            action: "set",
            branch: None,
            old: None,
            new: Some(new),
        },
    )
    .await?;
    Ok(())
}

/// Imports a year's calendar file (the format of `calendar/2026.toml`): all
/// or nothing, every error named by its path. Returns the days set.
pub async fn import_calendar(db: &Db, actor: &Actor, text: &str, now: Timestamp) -> Result<usize> {
    let year = WorkCalendar::import(text).map_err(|mut errors| Failure::Invalid(errors.remove(0)))?;
    let days = year.days();
    let mut tx = db.begin().await?;
    for (day, kind) in &days {
        set_day_in(&mut tx, actor, *day, *kind, "import", now).await?;
    }
    tx.commit().await?;
    Ok(days.len())
}

/// The plan of an application's kind of supply.
pub fn plan_of(supply: &str) -> StepPlan {
    StepPlan::default_for(Supply::parse("supply", supply).unwrap_or(Supply::LowVoltage))
}

fn supply_of(usage_class: &str, voltage: &str, dual_source: bool) -> Supply {
    match (usage_class, voltage) {
        ("residential", _) => Supply::Residential,
        (_, "10kv") if dual_source => Supply::HighVoltageDualSource,
        (_, "10kv") => Supply::HighVoltageSingleSource,
        _ => Supply::LowVoltage,
    }
}

/// The next account number of a station: its prefix and the serial after
/// the highest kefu issued there.
async fn next_account_no(tx: &mut Tx, station: BranchId) -> Result<AccountNo> {
    let prefix: Option<String> = sqlx::query_scalar("SELECT prefix FROM power_stations WHERE branch_id = $1")
        .bind(station.0)
        .fetch_optional(tx.conn())
        .await?;
    let prefix = StationPrefix::parse(
        "station",
        &prefix.ok_or_else(|| {
            rule("station", "not_a_station", "所选网点不是供电所", "the branch chosen is not a supply station")
        })?,
    )?;
    let highest: Option<String> = sqlx::query_scalar(
        "SELECT MAX(account_no) FROM power_accounts WHERE account_no >= $1 AND account_no < $2 \
         AND LENGTH(account_no) = $3",
    )
    .bind(prefix.as_str().to_string())
    .bind(format!("{}\u{7f}", prefix.as_str()))
    .bind(crate::accounts::ACCOUNT_NO_WIDTH as i64)
    .fetch_optional(tx.conn())
    .await?
    .flatten();
    let serial = highest.and_then(|n| n[prefix.as_str().len()..].parse::<u64>().ok()).unwrap_or(0) + 1;
    Ok(AccountNo::issue(&prefix, serial)?)
}

/// The account a change is about, in the actor's scope.
async fn account_in(tx: &mut Tx, scope: &Scope, account_no: &str) -> Result<archive::Account> {
    let no = AccountNo::parse("account_no", account_no)?;
    let id: Option<(i64, i64)> = sqlx::query_as("SELECT id, branch_id FROM power_accounts WHERE account_no = $1")
        .bind(no.as_str().to_string())
        .fetch_optional(tx.conn())
        .await?;
    let (_, branch) = id.ok_or_else(|| {
        rule("account_no", "account_unknown", "没有这个户号的用电户", "there is no account with this number")
    })?;
    scope.check(BranchId(branch))?;
    let found = sqlx::query("SELECT * FROM power_accounts WHERE account_no = $1")
        .bind(no.as_str().to_string())
        .fetch_one(tx.conn())
        .await?;
    archive::account_of_row(&found)
}

/// The applicant's number and what SMS says of them (a customer in scope).
async fn customer_branch(tx: &mut Tx, id: i64) -> Result<BranchId> {
    let branch: Option<i64> =
        sqlx::query_scalar("SELECT branch_id FROM customers WHERE id = $1 AND merged_into IS NULL")
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
    branch
        .map(BranchId)
        .ok_or_else(|| rule("customer", "customer_unknown", "没有这位客户", "there is no such customer"))
}

fn check_capacity(kind: &str, capacity: Option<i64>, current: i64) -> Result<Option<i64>> {
    let needs = matches!(kind, "new" | "increase" | "decrease");
    let Some(kva) = capacity.filter(|_| needs) else {
        return if needs { Err(Invalid::required("capacity_kva").into()) } else { Ok(None) };
    };
    if !(1..=100_000).contains(&kva) {
        return Err(rule(
            "capacity_kva",
            "capacity_range",
            "容量须在 1 到 100000 kVA 之间",
            "must be 1 to 100,000 kVA",
        ));
    }
    match kind {
        "increase" if kva <= current => Err(rule(
            "capacity_kva",
            "capacity_increase",
            format!("增容后的容量须大于现有的 {current} kVA"),
            format!("an increase must exceed the present {current} kVA"),
        )),
        "decrease" if kva >= current => Err(rule(
            "capacity_kva",
            "capacity_decrease",
            format!("减容后的容量须小于现有的 {current} kVA"),
            format!("a decrease must be below the present {current} kVA"),
        )),
        _ => Ok(Some(kva)),
    }
}

fn check_day(field: &str, on: Date, not_before: Option<Date>, today: Date) -> Result<()> {
    if on > today {
        return Err(rule(field, "date_future", "日期不能晚于今天", "the date cannot be after today"));
    }
    if let Some(before) = not_before.filter(|b| on < *b) {
        return Err(rule(
            field,
            "date_before_previous",
            format!("日期不能早于上一环节的 {before}"),
            format!("the date cannot be before the step before, {before}"),
        ));
    }
    Ok(())
}

/// Takes an application with its acceptance (受理) and documents; 新装
/// opens its account in status applying. The applicant is told.
pub async fn create(db: &Db, actor: &Actor, a: &NewApplication, now: Timestamp, today: Date) -> Result<Application> {
    create_telling(db, actor, a, (now, today), true).await
}

/// [`create`], telling the applicant or not (the demo's history is told
/// nothing: its steps are long past).
pub(crate) async fn create_telling(
    db: &Db,
    actor: &Actor,
    a: &NewApplication,
    (now, today): (Timestamp, Date),
    tell: bool,
) -> Result<Application> {
    if !KINDS.contains(&a.kind.as_str()) {
        return Err(rule("kind", "one_of", "未知的申请类别", "not a kind of application"));
    }
    let received = a.received_on.unwrap_or(today);
    check_day("received_on", received, None, today)?;
    let notes = optional_text("notes", &a.notes, 1000)?;
    for d in &a.documents {
        d.check("documents")?;
    }
    let mut tx = db.begin().await?;
    let customer_branch = customer_branch(&mut tx, a.customer).await?;
    actor.scope.check(customer_branch)?;
    let account = if a.kind == "new" {
        let station = BranchId(a.station.ok_or_else(|| Invalid::required("station"))?);
        actor.scope.check(station)?;
        let usage = crate::tariffs::UsageClass::from_code(&a.usage_class)
            .ok_or_else(|| rule("usage_class", "one_of", "未知的用电类别", "not a usage class"))?
            .code();
        let voltage = archive::VOLTAGES
            .iter()
            .find(|v| **v == a.voltage)
            .ok_or_else(|| rule("voltage", "one_of", "未知的电压等级", "not a supply voltage"))?;
        let address = kefu_core::validation::required_text("supply_address", &a.supply_address, 200)?;
        let capacity = check_capacity("new", a.capacity_kva, 0)?.unwrap_or_default();
        let account_no = next_account_no(&mut tx, station).await?;
        let new = archive::NewAccount {
            account_no,
            customer_id: CustomerId(a.customer),
            branch_id: station,
            usage_class: usage,
            voltage,
            capacity_kva: capacity,
            supply_address: address,
            tariff_code: tariff_of(usage),
            permit: None,
            status: "applying",
            meters: Vec::new(),
        };
        let no = new.account_no.as_str().to_string();
        archive::insert_in(&mut tx, vec![new], Vec::new()).await?;
        let row =
            sqlx::query("SELECT * FROM power_accounts WHERE account_no = $1").bind(no).fetch_one(tx.conn()).await?;
        archive::account_of_row(&row)?
    } else {
        let account = account_in(&mut tx, &actor.scope, &a.account_no).await?;
        if a.kind != "transfer" && account.customer_id.0 != a.customer {
            return Err(rule(
                "customer",
                "not_the_holder",
                "申请人须为该户的户主（过户除外）",
                "the applicant must hold the account (except for a transfer)",
            ));
        }
        if account.status == "closed" || account.status == "applying" {
            return Err(rule(
                "account_no",
                "account_not_in_supply",
                "该户尚未接电或已销户，不能办理变更",
                "the account is not connected or is closed; it cannot be changed",
            ));
        }
        check_capacity(&a.kind, a.capacity_kva, account.capacity_kva)?;
        account
    };
    let capacity = a.capacity_kva.filter(|_| matches!(a.kind.as_str(), "new" | "increase" | "decrease"));
    let supply = supply_of(&account.usage_class, &account.voltage, a.dual_source);
    let plan = StepPlan::default_for(supply);
    let calendar = calendar(db).await?;
    let next = plan.next(&[Step::Accepted]);
    let due = next.and_then(|s| plan.deadline(s, received, &calendar));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_applications (branch_id, customer_id, account_id, kind, supply, usage_class, voltage, \
         capacity_kva, last_step, last_done_on, next_step, next_due, received_on, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(account.branch_id.0)
    .bind(a.customer)
    .bind(account.id)
    .bind(a.kind.clone())
    .bind(supply.code())
    .bind(account.usage_class.clone())
    .bind(account.voltage.clone())
    .bind(capacity.unwrap_or(account.capacity_kva))
    .bind(Step::Accepted.code())
    .bind(received.to_string())
    .bind(next.map(|s| s.code()))
    .bind(due.map(|d| d.to_string()))
    .bind(received.to_string())
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    let row = insert_step(&mut tx, actor, id, Step::Accepted, received, None, &notes, None, now).await?;
    insert_documents(&mut tx, actor, id, Step::Accepted, &a.documents, now).await?;
    let app = load(&mut tx, id, today).await?;
    tx.audit(
        actor,
        Change {
            entity: "power_application",
            entity_id: id.to_string(),
            action: "create",
            branch: Some(app.branch_id),
            old: None,
            new: Some(json!(app)),
        },
    )
    .await?;
    if tell {
        notice::step_done_in(&mut tx, db, &app, (Step::Accepted, row), today).await?;
    }
    tx.commit().await?;
    Ok(app)
}

#[allow(clippy::too_many_arguments)]
async fn insert_step(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    step: Step,
    on: Date,
    due: Option<Date>,
    notes: &str,
    meter: Option<(i64, i64)>,
    now: Timestamp,
) -> Result<i64> {
    let row: i64 = sqlx::query_scalar(
        "INSERT INTO power_application_steps (application_id, step, done_on, due_on, done_at, done_by, notes, \
         meter_id, opening_reading) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(id)
    .bind(step.code())
    .bind(on.to_string())
    .bind(due.map(|d| d.to_string()))
    .bind(instant_text(now))
    .bind(actor.display_name.clone())
    .bind(notes.to_string())
    .bind(meter.map(|m| m.0))
    .bind(meter.map(|m| m.1))
    .fetch_one(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "step"))?;
    Ok(row)
}

async fn insert_documents(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    step: Step,
    documents: &[Document],
    now: Timestamp,
) -> Result<()> {
    for d in documents {
        sqlx::query(
            "INSERT INTO power_application_documents (application_id, step, name, content_type, size_bytes, data, \
             uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(step.code())
        .bind(d.name.trim().to_string())
        .bind(d.content_type.clone())
        .bind(d.data.len() as i64)
        .bind(d.data.clone())
        .bind(instant_text(now))
        .bind(actor.display_name.clone())
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

async fn load(tx: &mut Tx, id: i64, today: Date) -> Result<Application> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE a.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(tx.conn()).await?;
    from_row(&r, today)
}

/// An opening reading in kWh with at most two decimals, as hundredths.
fn reading_of(text: &str, digits: i64) -> Result<i64> {
    let bad = || {
        rule(
            "opening_reading",
            "reading_format",
            "起始读数应为不小于 0 的数，最多两位小数",
            "the opening reading is a number of at least 0 with at most two decimals",
        )
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(Invalid::required("opening_reading").into());
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    if whole >= 10_i64.pow(digits.clamp(1, 12) as u32) {
        return Err(rule(
            "opening_reading",
            "reading_register",
            format!("起始读数超出电能表的 {digits} 位整数"),
            format!("the opening reading exceeds the meter's {digits} register digits"),
        ));
    }
    Ok(whole * 100 + format!("{frac:0<2}").parse::<i64>().map_err(|_| bad())?)
}

/// The meter installed at connection: one of the archive's meters in stock,
/// or, where the archive does not hold the number yet, a new one entered
/// with it. A meter at another account, at a site or removed is refused.
async fn install_meter(
    tx: &mut Tx,
    account: &archive::Account,
    meter_no: &str,
    reading: &str,
    on: Date,
) -> Result<(i64, i64)> {
    let no = MeterNo::parse("meter_no", meter_no)?;
    // Its id, register digits, and where it is: an account, a site, removed.
    type Place = (i64, i64, Option<i64>, Option<i64>, Option<String>);
    let found: Option<Place> = sqlx::query_as(
        "SELECT id, register_digits, account_id, site_branch_id, removed_on FROM power_meters WHERE meter_no = $1",
    )
    .bind(no.as_str().to_string())
    .fetch_optional(tx.conn())
    .await?;
    let (id, digits) = match found {
        Some((id, digits, None, None, None)) => {
            sqlx::query("UPDATE power_meters SET account_id = $1, installed_on = $2 WHERE id = $3")
                .bind(account.id)
                .bind(on.to_string())
                .bind(id)
                .execute(tx.conn())
                .await?;
            (id, digits)
        }
        Some(_) => {
            return Err(rule(
                "meter_no",
                "meter_in_use",
                "该电能表已装在别处或已拆回，不能再装",
                "the meter is installed elsewhere or was removed; it cannot be installed",
            ));
        }
        None => {
            let (kind, digits, ct) = match account.voltage.as_str() {
                "220v" => ("single_phase", 6, (1, 1)),
                "380v" => ("three_phase", 6, (1, 1)),
                _ => ("three_phase_ct", 8, (1, 1)),
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO power_meters (meter_no, kind, register_digits, ct_primary, ct_secondary, pt_primary, \
                 pt_secondary, account_id, installed_on) VALUES ($1, $2, $3, $4, $5, 1, 1, $6, $7) RETURNING id",
            )
            .bind(no.as_str().to_string())
            .bind(kind)
            .bind(digits)
            .bind(ct.0)
            .bind(ct.1)
            .bind(account.id)
            .bind(on.to_string())
            .fetch_one(tx.conn())
            .await?;
            (id, digits)
        }
    };
    let reading = reading_of(reading, digits)?;
    // The search finds the account by its new meter.
    archive::refresh_keys_in(tx, account.id).await?;
    Ok((id, reading))
}

/// Takes the next step of an application: refused out of order by field
/// and rule; the connection installs the meter and does what the kind asks
/// of the account. The applicant is told.
pub async fn take_step(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &StepInput,
    now: Timestamp,
    today: Date,
) -> Result<Application> {
    take_step_telling(db, actor, id, input, (now, today), true).await
}

/// [`take_step`], telling the applicant or not.
pub(crate) async fn take_step_telling(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &StepInput,
    (now, today): (Timestamp, Date),
    tell: bool,
) -> Result<Application> {
    let step = Step::parse("step", &input.step)?;
    let notes = optional_text("notes", &input.notes, 1000)?;
    for d in &input.documents {
        d.check("documents")?;
    }
    let calendar = calendar(db).await?;
    let mut tx = db.begin().await?;
    let branch: Option<i64> = sqlx::query_scalar("SELECT branch_id FROM power_applications WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    actor.scope.check(BranchId(branch.ok_or(Failure::NotFound)?))?;
    let before = load(&mut tx, id, today).await?;
    let done = steps_done(&mut tx, &[id]).await?;
    let done: Vec<Step> = done.iter().map(|d| d.1.step).collect();
    let plan = plan_of(&before.supply);
    plan.check_next("step", &done, step)?;
    let on = input.on.unwrap_or(today);
    check_day("on", on, Some(before.last_done_on), today)?;
    let due = plan.deadline(step, before.last_done_on, &calendar);
    let meter = if step == Step::Connection { connect(&mut tx, actor, &before, input, on).await? } else { None };
    let row = insert_step(&mut tx, actor, id, step, on, due, &notes, meter, now).await?;
    insert_documents(&mut tx, actor, id, step, &input.documents, now).await?;
    let mut after_done = done.clone();
    after_done.push(step);
    let next = plan.next(&after_done);
    let next_due = next.and_then(|s| plan.deadline(s, on, &calendar));
    sqlx::query(
        "UPDATE power_applications SET last_step = $1, last_done_on = $2, next_step = $3, next_due = $4, \
         connected_on = $5 WHERE id = $6",
    )
    .bind(step.code())
    .bind(on.to_string())
    .bind(next.map(|s| s.code()))
    .bind(next_due.map(|d| d.to_string()))
    .bind((step == Step::Connection).then(|| on.to_string()))
    .bind(id)
    .execute(tx.conn())
    .await?;
    let after = load(&mut tx, id, today).await?;
    tx.audit(
        actor,
        Change {
            entity: "power_application",
            entity_id: id.to_string(),
            action: step.code(),
            branch: Some(after.branch_id),
            old: Some(json!(before)),
            new: Some(json!({ "application": after, "notes": notes, "meter": meter })),
        },
    )
    .await?;
    if tell {
        notice::step_done_in(&mut tx, db, &after, (step, row), today).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// 装表接电: what each kind does to the account on its connection day.
async fn connect(
    tx: &mut Tx,
    actor: &Actor,
    app: &Application,
    input: &StepInput,
    on: Date,
) -> Result<Option<(i64, i64)>> {
    let row =
        sqlx::query("SELECT * FROM power_accounts WHERE id = $1").bind(app.account_id).fetch_one(tx.conn()).await?;
    let account = archive::account_of_row(&row)?;
    let meter = if app.kind == "new" || !input.meter_no.trim().is_empty() {
        Some(install_meter(tx, &account, &input.meter_no, &input.opening_reading, on).await?)
    } else {
        None
    };
    match app.kind.as_str() {
        "new" => {
            let until = on.checked_add(PERMIT_YEARS.years()).unwrap_or(on);
            sqlx::query(
                "UPDATE power_accounts SET status = 'active', permit_no = $1, permit_issued = $2, \
                 permit_valid_until = $3 WHERE id = $4",
            )
            .bind(format!("XK{}-{}", account.account_no, on.year()))
            .bind(on.to_string())
            .bind(until.to_string())
            .bind(account.id)
            .execute(tx.conn())
            .await?;
        }
        "increase" | "decrease" => {
            sqlx::query(
                "INSERT INTO power_capacity_changes (account_id, application_id, effective_from, capacity_before, \
                 capacity_kva) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(account.id)
            .bind(app.id)
            .bind(on.to_string())
            .bind(account.capacity_kva)
            .bind(app.capacity_kva)
            .execute(tx.conn())
            .await?;
            sqlx::query("UPDATE power_accounts SET capacity_kva = $1 WHERE id = $2")
                .bind(app.capacity_kva)
                .bind(account.id)
                .execute(tx.conn())
                .await?;
        }
        "pause" | "close" => {
            let status = if app.kind == "pause" { "suspended" } else { "closed" };
            sqlx::query("UPDATE power_accounts SET status = $1 WHERE id = $2")
                .bind(status)
                .bind(account.id)
                .execute(tx.conn())
                .await?;
        }
        "transfer" if account.customer_id != app.customer_id => {
            sqlx::query("UPDATE power_accounts SET customer_id = $1 WHERE id = $2")
                .bind(app.customer_id.0)
                .bind(account.id)
                .execute(tx.conn())
                .await?;
            let source = format!("{}:{}", archive::ASSET, account.id);
            let keys = archive::account_keys_in(tx, &account).await?;
            search::replace_keys(tx, account.customer_id, &source, &[]).await?;
            search::insert_keys(tx, app.customer_id, &source, &keys).await?;
        }
        _ => {}
    }
    let after = sqlx::query("SELECT * FROM power_accounts WHERE id = $1").bind(account.id).fetch_one(tx.conn()).await?;
    tx.audit(
        actor,
        Change {
            entity: "power_account",
            entity_id: account.account_no.clone(),
            action: "connect",
            branch: Some(account.branch_id),
            old: Some(json!(account)),
            new: Some(json!(archive::account_of_row(&after)?)),
        },
    )
    .await?;
    Ok(meter)
}

/// The steps done on these applications, in order, with their meters.
async fn steps_done(tx: &mut Tx, ids: &[i64]) -> Result<Vec<(i64, Done)>> {
    steps_of(tx.conn(), ids).await
}

async fn steps_of(conn: &mut sqlx::AnyConnection, ids: &[i64]) -> Result<Vec<(i64, Done)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT application_id, step, done_on FROM power_application_steps WHERE application_id IN ({list}) \
         ORDER BY application_id, done_on, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.i64("application_id")?,
                Done { step: Step::parse("step", &r.text("step")?)?, on: required_date(r, "done_on")? },
            ))
        })
        .collect()
}

/// An application in scope with its steps.
pub async fn get(db: &Db, scope: &Scope, id: i64, today: Date) -> Result<(Application, Vec<StepDone>)> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE a.id = $1 AND a.branch_id IN ({})", scope.sql_list());
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    let app = from_row(&r.ok_or(Failure::NotFound)?, today)?;
    let rows = sqlx::query(
        "SELECT s.step, s.done_on, s.due_on, s.done_at, s.done_by, s.notes, s.opening_reading, m.meter_no \
         FROM power_application_steps s LEFT JOIN power_meters m ON m.id = s.meter_id \
         WHERE s.application_id = $1 ORDER BY s.done_on, s.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let docs = sqlx::query(
        "SELECT id, step, name, content_type, size_bytes FROM power_application_documents \
         WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut steps = Vec::with_capacity(rows.len());
    for r in &rows {
        let step = r.text("step")?;
        let mut documents = Vec::new();
        for d in docs.iter().filter(|d| d.text("step").ok().as_deref() == Some(step.as_str())) {
            documents.push(DocumentInfo {
                id: d.i64("id")?,
                name: d.text("name")?,
                content_type: d.text("content_type")?,
                size_bytes: d.i64("size_bytes")?,
            });
        }
        steps.push(StepDone {
            step,
            done_on: required_date(r, "done_on")?,
            due_on: date_of(r, "due_on")?,
            done_at: r.text("done_at")?,
            done_by: r.text("done_by")?,
            notes: r.text("notes")?,
            meter_no: r.opt_text("meter_no")?,
            opening_reading: r.opt_i64("opening_reading")?.map(|h| format!("{}.{:02}", h / 100, h % 100)),
            documents,
        });
    }
    Ok((app, steps))
}

/// A document of an application in scope: its name, type and bytes.
pub async fn document(db: &Db, scope: &Scope, application: i64, doc: i64) -> Result<(String, String, Vec<u8>)> {
    let sql = format!(
        "SELECT d.name, d.content_type, d.data FROM power_application_documents d \
         JOIN power_applications a ON a.id = d.application_id \
         WHERE d.id = $1 AND d.application_id = $2 AND a.branch_id IN ({})",
        scope.sql_list()
    );
    let r: Option<(String, String, Vec<u8>)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(doc).bind(application).fetch_optional(db.pool()).await?;
    r.ok_or(Failure::NotFound)
}

/// The condition of the applications in scope the filter leaves.
fn filtered(scope: &Scope, f: &Filter, today: Date) -> String {
    let mut sql = format!("a.branch_id IN ({})", scope.sql_list());
    if let Some(s) = f.station {
        sql.push_str(&format!(" AND a.branch_id = {}", s.0));
    }
    if let Some(step) = f.next_step {
        sql.push_str(&format!(" AND a.next_step = '{}'", step.code()));
    }
    if f.overdue {
        // A date is text in both databases; today's is inlined as one.
        sql.push_str(&format!(" AND a.next_due < '{today}'"));
    }
    if !f.all {
        sql.push_str(" AND a.next_step IS NOT NULL");
    }
    sql
}

/// A page of the applications in scope: open ones by deadline (connected
/// ones too when asked), narrowed by station, next step and overdue; and
/// how many there are.
pub async fn list(db: &Db, scope: &Scope, f: &Filter, today: Date, page: Page) -> Result<Paged<Application>> {
    let sql = format!(
        "SELECT {COLUMNS}, COUNT(*) OVER () AS total FROM {FROM} WHERE {} \
         ORDER BY a.next_due IS NULL, a.next_due, a.id{}",
        filtered(scope, f, today),
        page.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    Ok(Paged { total: total_of(&rows)?, rows: rows.iter().map(|r| from_row(r, today)).collect::<Result<_>>()? })
}

/// How many of the applications the filter leaves are past their deadline:
/// the list's summary counts them all, not only the page shown.
pub async fn overdue_count(db: &Db, scope: &Scope, f: &Filter, today: Date) -> Result<i64> {
    let overdue = Filter { overdue: true, ..f.clone() };
    let sql = format!("SELECT COUNT(*) FROM power_applications a WHERE {}", filtered(scope, &overdue, today));
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?)
}

/// A customer's open applications in scope (the 360° page).
pub async fn open_of_customer(db: &Db, scope: &Scope, customer: CustomerId, today: Date) -> Result<Vec<Application>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE a.customer_id = $1 AND a.next_step IS NOT NULL \
         AND a.branch_id IN ({}) ORDER BY a.next_due",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool()).await?;
    rows.iter().map(|r| from_row(r, today)).collect()
}

/// One station's month: received, connected, and for each step its average
/// working days and the share done within its limit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StationMonth {
    pub branch_id: BranchId,
    pub station: String,
    pub received: i64,
    pub connected: i64,
    pub steps: Vec<StepFigures>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepFigures {
    pub step: String,
    pub done: i64,
    /// Working days, one decimal.
    pub average_days: Option<f64>,
    pub within_limit: i64,
    pub share_within: Option<f64>,
}

/// The monthly report per station for the month beginning `first`.
pub async fn monthly(db: &Db, scope: &Scope, first: Date) -> Result<Vec<StationMonth>> {
    let next = first.checked_add(1.month()).unwrap_or(first);
    let (from, until) = (first.to_string(), next.to_string());
    let calendar = calendar(db).await?;
    let stations = archive::stations(db, scope).await?;
    let mut out = Vec::with_capacity(stations.len());
    let mut conn = db.pool().acquire().await?;
    for s in stations {
        let count = |col: &str| {
            format!("SELECT COUNT(*) FROM power_applications WHERE branch_id = $1 AND {col} >= $2 AND {col} < $3")
        };
        let received: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count("received_on")))
            .bind(s.branch_id.0)
            .bind(from.clone())
            .bind(until.clone())
            .fetch_one(&mut *conn)
            .await?;
        let connected: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count("connected_on")))
            .bind(s.branch_id.0)
            .bind(from.clone())
            .bind(until.clone())
            .fetch_one(&mut *conn)
            .await?;
        let ids: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT a.id, a.supply FROM power_applications a JOIN power_application_steps t \
             ON t.application_id = a.id WHERE a.branch_id = $1 AND t.done_on >= $2 AND t.done_on < $3",
        )
        .bind(s.branch_id.0)
        .bind(from.clone())
        .bind(until.clone())
        .fetch_all(&mut *conn)
        .await?;
        let all: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
        let done = steps_of(&mut conn, &all).await?;
        let mut times = Vec::new();
        for (id, supply) in &ids {
            let mine: Vec<Done> = done.iter().filter(|(a, _)| a == id).map(|(_, d)| *d).collect();
            let in_month: Vec<Step> = mine.iter().filter(|d| d.on >= first && d.on < next).map(|d| d.step).collect();
            times.extend(
                plan_of(supply).step_times(&mine, &calendar).into_iter().filter(|t| in_month.contains(&t.step)),
            );
        }
        let steps = Step::ALL[1..]
            .iter()
            .map(|step| {
                let of: Vec<_> = times.iter().filter(|t| t.step == *step).collect();
                let n = of.len() as i64;
                let within = of.iter().filter(|t| t.within_limit).count() as i64;
                let total: u32 = of.iter().map(|t| t.working_days).sum();
                StepFigures {
                    step: step.code().to_string(),
                    done: n,
                    average_days: (n > 0).then(|| (f64::from(total) / n as f64 * 10.0).round() / 10.0),
                    within_limit: within,
                    share_within: (n > 0).then(|| within as f64 / n as f64),
                }
            })
            .collect();
        out.push(StationMonth { branch_id: s.branch_id, station: s.name, received, connected, steps });
    }
    Ok(out)
}

/// The contracted capacity changes of an account, oldest first.
pub async fn capacity_changes(db: &Db, scope: &Scope, account_id: i64) -> Result<Vec<(Date, i64, i64)>> {
    let sql = format!(
        "SELECT c.effective_from, c.capacity_before, c.capacity_kva FROM power_capacity_changes c \
         JOIN power_accounts p ON p.id = c.account_id WHERE c.account_id = $1 AND p.branch_id IN ({}) \
         ORDER BY c.effective_from, c.id",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| Ok((required_date(r, "effective_from")?, r.i64("capacity_before")?, r.i64("capacity_kva")?)))
        .collect()
}
