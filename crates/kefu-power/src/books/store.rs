//! The books' and readings' SQL. Every read takes the actor's scope (a book
//! and a reading are seen from their station's branch).

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::{BranchId, UserId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope, required_text};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use crate::paging::{Page, Paged};
use crate::readings::{
    self, Hold, Multiplier, Ratio, Reading, ReadingCheck, ReadingRules, Register, Verdict, average_kwh,
};
use crate::tariffs::{Basis, store as tariffs};

type Result<T> = std::result::Result<T, Failure>;

/// How many of an account's last months its average is taken over.
pub(super) const AVERAGE_MONTHS: usize = 6;

/// A reading book with its reader and how many accounts it holds.
#[derive(Debug, Clone, Serialize)]
pub struct Book {
    pub id: i64,
    pub branch_id: BranchId,
    pub station: String,
    pub code: String,
    pub name: String,
    pub reader_id: Option<i64>,
    pub reader_name: Option<String>,
    pub reading_day: i64,
    pub accounts: i64,
}

/// A book to create: its accounts by number, in route order.
#[derive(Debug, Clone)]
pub struct NewBook {
    pub branch_id: BranchId,
    pub code: String,
    pub name: String,
    /// The reader's user name: a user with the meter_reader role.
    pub reader: Option<String>,
    pub reading_day: i64,
    pub accounts: Vec<String>,
}

const BOOK_SELECT: &str = "SELECT b.id, b.branch_id, br.name AS station, b.code, b.name, b.reader_id, \
     u.display_name AS reader_name, b.reading_day, \
     (SELECT COUNT(*) FROM power_book_accounts x WHERE x.book_id = b.id) AS accounts \
     FROM power_books b JOIN branches br ON br.id = b.branch_id LEFT JOIN users u ON u.id = b.reader_id";

fn book_from(r: &sqlx::any::AnyRow) -> Result<Book> {
    Ok(Book {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        station: r.text("station")?,
        code: r.text("code")?,
        name: r.text("name")?,
        reader_id: r.opt_i64("reader_id")?,
        reader_name: r.opt_text("reader_name")?,
        reading_day: r.i64("reading_day")?,
        accounts: r.i64("accounts")?,
    })
}

/// The books in scope, by station and code.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<Book>> {
    let sql = format!("{BOOK_SELECT} WHERE b.branch_id IN ({}) ORDER BY br.name, b.code", scope.sql_list());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(book_from).collect()
}

/// A page of the books in scope (of one reader's, for a meter reader), by
/// station and code.
pub async fn list_page(db: &Db, scope: &Scope, reader: Option<i64>, page: Page) -> Result<Paged<Book>> {
    let filter = format!("b.branch_id IN ({}) AND ($1 IS NULL OR b.reader_id = $1)", scope.sql_list());
    let sql = format!("{BOOK_SELECT} WHERE {filter} ORDER BY br.name, b.code{}", page.sql());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reader).fetch_all(db.pool()).await?;
    let count = format!("SELECT COUNT(*) FROM power_books b WHERE {filter}");
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count)).bind(reader).fetch_one(db.pool()).await?;
    Ok(Paged { total, rows: rows.iter().map(book_from).collect::<Result<_>>()? })
}

/// A book in scope.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Book> {
    let sql = format!("{BOOK_SELECT} WHERE b.id = $1 AND b.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(book_from).transpose()?.ok_or(Failure::NotFound)
}

/// An account a new book may take: of the station, in no book, not closed.
#[derive(Debug, Clone, Serialize)]
pub struct Unbooked {
    pub account_no: String,
    pub supply_address: String,
}

/// The accounts of `station` in no book, in number order: those numbered
/// `from..=to` (either end open when blank) whose supply address contains
/// `address` (any when blank); at most 2,000, a book's most.
pub async fn unbooked(
    db: &Db,
    scope: &Scope,
    station: BranchId,
    (from, to): (&str, &str),
    address: &str,
) -> Result<Vec<Unbooked>> {
    scope.check(station)?;
    let sql = format!(
        "SELECT a.account_no, a.supply_address FROM power_accounts a WHERE a.branch_id = $1 AND a.branch_id IN ({}) \
         AND a.status <> 'closed' AND ($2 = '' OR a.account_no >= $2) AND ($3 = '' OR a.account_no <= $3) \
         AND ($4 = '' OR a.supply_address LIKE '%' || $4 || '%') \
         AND NOT EXISTS (SELECT 1 FROM power_book_accounts x WHERE x.account_id = a.id) ORDER BY a.account_no LIMIT 2000",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(station.0)
        .bind(from.trim().to_string())
        .bind(to.trim().to_string())
        .bind(address.trim().to_string())
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok(Unbooked { account_no: r.text("account_no")?, supply_address: r.text("supply_address")? }))
        .collect()
}

/// The meter readers of the branches in scope: (user name, display name).
pub async fn readers(db: &Db, scope: &Scope) -> Result<Vec<(String, String)>> {
    let sql = format!(
        "SELECT DISTINCT u.username, u.display_name FROM users u JOIN user_roles r ON r.user_id = u.id \
         JOIN user_branches ub ON ub.user_id = u.id WHERE r.role = 'meter_reader' AND u.active = 1 \
         AND ub.branch_id IN ({}) ORDER BY u.username",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.text("username")?, r.text("display_name")?))).collect()
}

fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Failure {
    Failure::Invalid(Invalid::new(field, Rule::new(code, zh, en)))
}

/// Creates a book with its accounts in route order, audited. An account
/// must be of the book's station and in no other book.
pub async fn create(db: &Db, actor: &Actor, b: NewBook, now: Timestamp) -> Result<i64> {
    actor.scope.check(b.branch_id)?;
    let code = required_text("code", &b.code, 20)?;
    let name = required_text("name", &b.name, 60)?;
    if !(1..=28).contains(&b.reading_day) {
        return Err(invalid(
            "reading_day",
            "reading_day_range",
            "抄表日须在 1 到 28 之间",
            "the reading day is 1 to 28",
        ));
    }
    let reader = match b.reader.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(name) => Some(
            sqlx::query_scalar::<_, i64>(
                "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id WHERE u.username = $1 \
                 AND r.role = 'meter_reader' AND u.active = 1",
            )
            .bind(name.to_string())
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| {
                invalid("reader", "not_a_meter_reader", "没有这个抄表员", "there is no meter reader of this name")
            })?,
        ),
        None => None,
    };
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_books (branch_id, code, name, reader_id, reading_day, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(b.branch_id.0)
    .bind(code.clone())
    .bind(name)
    .bind(reader)
    .bind(b.reading_day)
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "code"))?;
    for (i, number) in b.accounts.iter().enumerate() {
        let field = format!("accounts[{i}]");
        let account: Option<i64> =
            sqlx::query_scalar("SELECT id FROM power_accounts WHERE account_no = $1 AND branch_id = $2")
                .bind(number.trim().to_string())
                .bind(b.branch_id.0)
                .fetch_optional(tx.conn())
                .await?;
        let Some(account) = account else {
            return Err(invalid(
                &field,
                "account_not_in_station",
                "本站没有这个户号",
                "no account of this number at the station",
            ));
        };
        sqlx::query("INSERT INTO power_book_accounts (book_id, account_id, route_order) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(account)
            .bind(i as i64 + 1)
            .execute(tx.conn())
            .await
            .map_err(|e| match Failure::unique_as_taken(e, "accounts") {
                Failure::Invalid(_) => {
                    invalid(&field, "account_in_a_book", "该户已在另一抄表本中", "the account is in another book")
                }
                other => other,
            })?;
    }
    let change = Change {
        entity: "power_book",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(b.branch_id),
        old: None,
        new: Some(json!({"code": code, "accounts": b.accounts, "reader": b.reader, "reading_day": b.reading_day})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// What kind of reading it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Real,
    /// 估抄: bills the account's average; the next real reading trues it up.
    Estimated,
    /// A new meter's installation reading: where its use starts.
    Base,
    /// An old meter's removal reading: its last use, billed with the month.
    Removal,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Real => "real",
            Kind::Estimated => "estimated",
            Kind::Base => "base",
            Kind::Removal => "removal",
        }
    }

    pub fn from_code(field: &str, code: &str) -> std::result::Result<Kind, Invalid> {
        match code.trim() {
            "" | "real" => Ok(Kind::Real),
            "estimated" => Ok(Kind::Estimated),
            "base" => Ok(Kind::Base),
            "removal" => Ok(Kind::Removal),
            _ => Err(Invalid::new(
                field,
                Rule::new(
                    "one_of",
                    "须为以下之一：real、estimated、base、removal",
                    "must be one of: real, estimated, base, removal",
                ),
            )),
        }
    }
}

/// A reading as it comes in: by account number (or meter number), the
/// register as typed, the day and who read it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub account_no: String,
    /// The meter read, when the account has more than one (a replacement).
    pub meter_no: Option<String>,
    pub reading: String,
    pub read_on: Date,
    pub kind: Kind,
    pub reader: String,
    pub source: &'static str,
    pub extra: Extra,
}

/// What a reading carries beyond its main register, as typed: a
/// time-of-use meter's peak, flat and valley registers (issue 20 §2), and a
/// large user's reactive register (kvarh), maximum demand (kW on the meter's
/// display) and, where the meter shows it, the month's power factor (§3).
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub peak: Option<String>,
    pub flat: Option<String>,
    pub valley: Option<String>,
    pub reactive: Option<String>,
    pub demand: Option<String>,
    pub power_factor: Option<String>,
}

/// A stored reading.
#[derive(Debug, Clone, Serialize)]
pub struct StoredReading {
    pub id: i64,
    pub account_id: i64,
    pub account_no: String,
    pub branch_id: BranchId,
    pub meter_no: String,
    pub month: String,
    pub read_on: String,
    pub reading: String,
    pub kind: String,
    pub status: String,
    pub hold_reason: Option<String>,
    pub kwh: i64,
    pub rollover: bool,
    pub reader: String,
    /// A time-of-use reading's kWh by register.
    pub peak_kwh: Option<i64>,
    pub flat_kwh: Option<i64>,
    pub valley_kwh: Option<i64>,
    pub kvarh: Option<i64>,
    /// Whole kW, × the multiplier.
    pub demand_kw: Option<i64>,
    /// Hundredths, as read off the meter.
    pub power_factor: Option<i64>,
}

const READING_SELECT: &str = "SELECT r.id, r.account_id, a.account_no, a.branch_id, m.meter_no, r.month, r.read_on, \
     r.reading, r.kind, r.status, r.hold_reason, r.kwh, r.rollover, r.reader, r.peak_kwh, r.flat_kwh, r.valley_kwh, \
     r.kvarh, r.demand_kw, r.power_factor FROM power_readings r JOIN power_accounts a ON a.id = r.account_id JOIN power_meters m ON m.id = r.meter_id";

fn reading_from(r: &sqlx::any::AnyRow) -> Result<StoredReading> {
    Ok(StoredReading {
        id: r.i64("id")?,
        account_id: r.i64("account_id")?,
        account_no: r.text("account_no")?,
        branch_id: BranchId(r.i64("branch_id")?),
        meter_no: r.text("meter_no")?,
        month: r.text("month")?,
        read_on: r.text("read_on")?,
        reading: Reading::from_hundredths(r.i64("reading")?).to_string(),
        kind: r.text("kind")?,
        status: r.text("status")?,
        hold_reason: r.opt_text("hold_reason")?,
        kwh: r.i64("kwh")?,
        rollover: r.i64("rollover")? != 0,
        reader: r.text("reader")?,
        peak_kwh: r.opt_i64("peak_kwh")?,
        flat_kwh: r.opt_i64("flat_kwh")?,
        valley_kwh: r.opt_i64("valley_kwh")?,
        kvarh: r.opt_i64("kvarh")?,
        demand_kw: r.opt_i64("demand_kw")?,
        power_factor: r.opt_i64("power_factor")?,
    })
}

/// The month a day's reading bills: `YYYY-MM`.
pub fn month_of(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The meter an entry reads and what the checks need of it.
pub(super) struct MeterAt {
    pub(super) id: i64,
    pub(super) register: Register,
    multiplier: Multiplier,
}

/// One of an account's meters as stored.
pub(super) struct MeterRow {
    pub(super) id: i64,
    pub(super) meter_no: String,
    pub(super) removed: bool,
    pub(super) digits: i64,
    pub(super) ct: (i64, i64),
    pub(super) pt: (i64, i64),
}

/// The meter an entry reads among the account's `meters`, newest first: the
/// one it names, else the one in service (or the newest).
pub(super) fn meter_of(meters: &[MeterRow], meter_no: Option<&str>) -> Result<MeterAt> {
    let row = match meter_no.map(str::trim).filter(|m| !m.is_empty()) {
        Some(no) => meters.iter().find(|m| m.meter_no == no),
        None => meters.iter().find(|m| !m.removed).or(meters.first()),
    };
    let Some(m) = row else {
        return Err(invalid("meter_no", "meter_not_at_account", "该户没有这块电能表", "no such meter at the account"));
    };
    let ratio = |(p, s): (i64, i64)| -> Result<Ratio> {
        Ok(Ratio::new("meter", u32::try_from(p).unwrap_or(0), u32::try_from(s).unwrap_or(0))?)
    };
    Ok(MeterAt {
        id: m.id,
        register: Register::new("register_digits", u32::try_from(m.digits).unwrap_or(0))?,
        multiplier: Multiplier::new("multiplier", 1, ratio(m.ct)?, ratio(m.pt)?)?,
    })
}

/// What the checks decided, to store.
pub(super) struct Decided {
    pub(super) kind: Kind,
    pub(super) status: &'static str,
    pub(super) hold: Option<&'static str>,
    pub(super) kwh: i64,
    pub(super) rollover: bool,
}

/// The last reading a meter's use is counted from: its last real reading
/// before the month, or its installation reading (a meter put in this
/// month has it in the same month); an estimate never is. Registers in
/// hundredths.
#[derive(Clone, Debug)]
pub(super) struct Last {
    pub(super) month: String,
    pub(super) reading: i64,
    pub(super) peak: Option<i64>,
    pub(super) flat: Option<i64>,
    pub(super) valley: Option<i64>,
    pub(super) reactive: Option<i64>,
}

impl Last {
    fn register(&self, field: &str) -> Option<Reading> {
        match field {
            "peak" => self.peak,
            "flat" => self.flat,
            "valley" => self.valley,
            "reactive" => self.reactive,
            _ => None,
        }
        .map(Reading::from_hundredths)
    }
}

/// What the checks need of a meter's and its account's readings before a
/// new one of a month.
#[derive(Debug, Default)]
pub(super) struct Past {
    pub(super) last: Option<Last>,
    /// The account's kWh of each of its last months with readings, latest first.
    pub(super) history: Vec<i64>,
    /// kWh billed on the meter's estimates since `last`.
    pub(super) estimated_kwh: i64,
}

/// Enters a reading, checked (issue 20 §1), audited. `reader_of_book`:
/// for a meter reader, their own user, whose books alone they may read.
pub async fn enter(
    db: &Db,
    actor: &Actor,
    e: &Entry,
    reader_of_book: Option<UserId>,
    rules: &ReadingRules,
    now: Timestamp,
) -> Result<StoredReading> {
    let mut tx = db.begin().await?;
    let entered =
        super::ledger::enter_all((db, &mut tx), actor, std::slice::from_ref(e), None, reader_of_book, rules, now)
            .await?;
    let w = entered.into_iter().next().ok_or(Failure::NotFound)??;
    let change = Change {
        entity: "power_reading",
        entity_id: w.id.to_string(),
        action: if w.replaces.is_some() { "correct" } else { "create" },
        branch: Some(w.branch),
        old: w.replaces.map(|b| json!({"replaces": b})),
        new: Some(json!({"account_no": w.account_no, "month": w.month, "reading": w.reading,
            "kind": w.kind, "status": w.status, "kwh": w.kwh})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    let sql = format!("{READING_SELECT} WHERE r.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(w.id).fetch_one(db.pool()).await?;
    reading_from(&row)
}

/// What an account's readings must carry beyond the main register.
#[derive(Clone, Copy, Default)]
pub(super) struct Needs {
    /// Its tariff bills peak, flat and valley apart.
    pub(super) time_of_use: bool,
    /// Its basic charge is on the month's maximum demand.
    pub(super) demand: bool,
    /// It is judged on its power factor.
    pub(super) power_factor: bool,
}

/// The extra registers decided: each (register in hundredths, the kWh or
/// kvarh it bills — none when there is no earlier value of that register to
/// count from, and the billing run refuses the account by the register's
/// name), the demand in whole kW and the power factor read.
#[derive(Default)]
pub(super) struct ExtraDecided {
    pub(super) registers: Option<[(i64, Option<i64>); 3]>,
    pub(super) reactive: Option<(i64, Option<i64>)>,
    pub(super) demand_kw: Option<i64>,
    pub(super) power_factor: Option<i64>,
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// A power factor as read off a meter: 0 to 1, at most two decimals.
fn power_factor_of(text: &str) -> std::result::Result<i64, Invalid> {
    let out_of_range = || {
        Invalid::new(
            "power_factor",
            Rule::new(
                "power_factor_range",
                "功率因数须是 0 到 1 之间、最多两位小数的数，如 0.92",
                "a power factor is a number from 0 to 1 with at most 2 decimals, such as 0.92",
            ),
        )
    };
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || whole.len() > 1 {
        return Err(out_of_range());
    }
    let hundredths = whole.parse::<i64>().map_err(|_| out_of_range())? * 100
        + format!("{frac:0<2}").parse::<i64>().map_err(|_| out_of_range())?;
    if hundredths > 100 { Err(out_of_range()) } else { Ok(hundredths) }
}

/// The time-of-use registers, the reactive register, the demand and the
/// power factor of a reading, each checked as the main register is and
/// required where the account's tariff or contract bills on it: a real,
/// removal or base reading of a time-of-use account carries all three
/// registers; a real reading of a large user its demand (when the basic
/// charge is on demand) and its reactive register or power factor (when it
/// is judged on its power factor). An estimate carries none.
pub(super) fn decide_extra(
    meter: &MeterAt,
    e: &Extra,
    kind: Kind,
    needs: Needs,
    last: Option<&Last>,
    rules: &ReadingRules,
) -> Result<ExtraDecided> {
    let mut out = ExtraDecided::default();
    if kind == Kind::Estimated {
        return Ok(out);
    }
    let last_of = |col: &str| -> Result<Option<Reading>> { Ok(last.and_then(|l| l.register(col))) };
    // A register's use since the last reading; a base reading is where its
    // use starts.
    let used = |field: &str, value: Reading, before: Option<Reading>| -> std::result::Result<Option<i64>, Invalid> {
        match before {
            _ if kind == Kind::Base => Ok(Some(0)),
            Some(b) => {
                Ok(Some(meter.multiplier.kwh(readings::advance(field, meter.register, b, value, rules)?.hundredths())))
            }
            None => Ok(None),
        }
    };
    let register = |field: &str, text: &str| -> std::result::Result<Reading, Invalid> {
        meter.register.check(field, Reading::parse(field, text)?)
    };
    let tou = [("peak", &e.peak), ("flat", &e.flat), ("valley", &e.valley)];
    if needs.time_of_use || tou.iter().any(|(_, t)| given(t).is_some()) {
        let mut registers = [(0, None); 3];
        for ((field, text), slot) in tou.into_iter().zip(registers.iter_mut()) {
            let Some(text) = given(text) else {
                return Err(invalid(
                    field,
                    "time_of_use_register_required",
                    "分时电价户须同时抄录峰、平、谷三个示数",
                    "a time-of-use account's reading needs the peak, flat and valley registers",
                ));
            };
            let value = register(field, text)?;
            *slot = (value.hundredths(), used(field, value, last_of(field)?)?);
        }
        out.registers = Some(registers);
    }
    if let Some(text) = given(&e.power_factor) {
        out.power_factor = Some(power_factor_of(text)?);
    }
    match given(&e.reactive) {
        Some(text) => {
            let value = register("reactive", text)?;
            out.reactive = Some((value.hundredths(), used("reactive", value, last_of("reactive")?)?));
        }
        None if needs.power_factor && out.power_factor.is_none() && kind != Kind::Base => {
            return Err(invalid(
                "reactive",
                "reactive_required",
                "执行功率因数调整的用户须抄录无功示数（或功率因数）",
                "an account judged on its power factor needs the reactive register (or the power factor)",
            ));
        }
        None => {}
    }
    match given(&e.demand) {
        Some(text) => out.demand_kw = Some(meter.multiplier.kwh(Reading::parse("demand", text)?.hundredths())),
        None if needs.demand && kind == Kind::Real => {
            return Err(invalid(
                "demand",
                "demand_required",
                "按最大需量计收基本电费的用户须抄录最大需量",
                "an account billed on its maximum demand needs the month's maximum demand",
            ));
        }
        None => {}
    }
    Ok(out)
}

/// The checks of [`crate::readings`] on a reading, with the meter's and
/// the account's history as [`Past`] holds it.
pub(super) fn decide(
    meter: &MeterAt,
    current: Reading,
    kind: Kind,
    past: &Past,
    rules: &ReadingRules,
) -> Result<Decided> {
    let average = average_kwh(&past.history[..past.history.len().min(AVERAGE_MONTHS)]);
    let ok = |kind, kwh, rollover| Decided { kind, status: "ok", hold: None, kwh, rollover };
    let Some(last) = &past.last else {
        // A meter's first reading is where its use starts.
        return Ok(ok(Kind::Base, 0, false));
    };
    let last_real = Reading::from_hundredths(last.reading);
    match kind {
        Kind::Base => Ok(ok(Kind::Base, 0, false)),
        Kind::Estimated => Ok(ok(Kind::Estimated, readings::estimate("reading", average)?, false)),
        Kind::Removal => {
            let span = readings::MeterSpan {
                register: meter.register,
                multiplier: meter.multiplier,
                start: last_real,
                end: current,
            };
            Ok(ok(Kind::Removal, readings::metered_kwh(&[span], rules)?, false))
        }
        Kind::Real => {
            let check = ReadingCheck {
                register: meter.register,
                multiplier: meter.multiplier,
                last_real,
                current,
                average_kwh: average,
                estimated_kwh: past.estimated_kwh,
            };
            match readings::check("reading", &check, rules)? {
                Verdict::Bill { kwh, rollover } => Ok(ok(Kind::Real, kwh, rollover)),
                Verdict::Held { kwh, rollover, reason } => Ok(Decided {
                    kind: Kind::Real,
                    status: "held",
                    hold: Some(match reason {
                        Hold::ZeroUse => "zero_use",
                        Hold::HighUse { .. } => "high_use",
                    }),
                    kwh,
                    rollover,
                }),
                Verdict::Overestimated { excess_kwh } => Err(invalid(
                    "reading",
                    "overestimated",
                    format!("此前估抄多计 {excess_kwh} 千瓦时，须先更正估抄的电费"),
                    format!(
                        "the estimates since the last real reading billed {excess_kwh} kWh too many; correct them first"
                    ),
                )),
            }
        }
    }
}

/// Confirms a held reading after the re-reading: it bills as read.
pub async fn confirm(db: &Db, actor: &Actor, id: i64, reader_of_book: Option<UserId>) -> Result<()> {
    let reading = reading_in_scope(db, &actor.scope, id).await?;
    if let Some(me) = reader_of_book {
        let reader: Option<i64> = sqlx::query_scalar(
            "SELECT b.reader_id FROM power_book_accounts x JOIN power_books b ON b.id = x.book_id WHERE x.account_id = $1",
        )
        .bind(reading.account_id)
        .fetch_optional(db.pool())
        .await?
        .flatten();
        if reader != Some(me.0) {
            return Err(Failure::NotFound);
        }
    }
    if reading.status != "held" {
        return Err(invalid("status", "not_held", "该示数未被挂起", "the reading is not held"));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE power_readings SET status = 'confirmed' WHERE id = $1 AND status = 'held'")
        .bind(id)
        .execute(tx.conn())
        .await?;
    let change = Change {
        entity: "power_reading",
        entity_id: id.to_string(),
        action: "confirm",
        branch: Some(reading.branch_id),
        old: Some(json!({"status": "held", "hold_reason": reading.hold_reason})),
        new: Some(json!({"status": "confirmed"})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

async fn reading_in_scope(db: &Db, scope: &Scope, id: i64) -> Result<StoredReading> {
    let sql = format!("{READING_SELECT} WHERE r.id = $1 AND a.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(reading_from).transpose()?.ok_or(Failure::NotFound)
}

/// A page of the held readings in scope, oldest first, and how many are held.
pub async fn held(db: &Db, scope: &Scope, page: Page) -> Result<Paged<StoredReading>> {
    let filter = format!("r.status = 'held' AND r.replaced_by IS NULL AND a.branch_id IN ({})", scope.sql_list());
    let sql = format!("{READING_SELECT} WHERE {filter} ORDER BY r.month, a.account_no{}", page.sql());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let count =
        format!("SELECT COUNT(*) FROM power_readings r JOIN power_accounts a ON a.id = r.account_id WHERE {filter}");
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count)).fetch_one(db.pool()).await?;
    Ok(Paged { total, rows: rows.iter().map(reading_from).collect::<Result<_>>()? })
}

/// One stop of a book's route: the account, its meter's last reading and
/// average, and what was read this month.
#[derive(Debug, Clone, Serialize)]
pub struct Stop {
    pub route_order: i64,
    pub account_no: String,
    pub supply_address: String,
    pub last_reading: Option<String>,
    pub last_read_on: Option<String>,
    pub average_kwh: Option<i64>,
    pub this_month: Option<StoredReading>,
    /// The registers its reading must carry beyond the main one (peak,
    /// flat, valley; reactive; demand), so the page asks for them.
    pub needs: Vec<&'static str>,
}

/// A book's route for `month`.
pub async fn route(db: &Db, scope: &Scope, book: i64, month: &str) -> Result<Vec<Stop>> {
    get(db, scope, book).await?;
    let rows = sqlx::query(
        "SELECT x.route_order, a.id, a.account_no, a.supply_address, a.tariff_code, t.basic_by, t.pf_standard \
         FROM power_book_accounts x JOIN power_accounts a ON a.id = x.account_id \
         LEFT JOIN power_billing_terms t ON t.account_id = a.id WHERE x.book_id = $1 ORDER BY x.route_order",
    )
    .bind(book)
    .fetch_all(db.pool())
    .await?;
    let sql = format!(
        "{READING_SELECT} JOIN power_book_accounts x ON x.account_id = r.account_id WHERE x.book_id = $1 \
         AND r.replaced_by IS NULL AND r.month <= $2 ORDER BY r.month DESC, r.id DESC"
    );
    let readings: Vec<StoredReading> = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(book)
        .bind(month.to_string())
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(reading_from)
        .collect::<Result<_>>()?;
    let time_of_use: Vec<String> = tariffs::all(db)
        .await?
        .iter()
        .filter(|t| t.basis() == Basis::TimeOfUse)
        .map(|t| t.code().to_string())
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.i64("id")?;
        let mut needs = Vec::new();
        if time_of_use.contains(&r.text("tariff_code")?) {
            needs.extend(["peak", "flat", "valley"]);
        }
        if r.opt_i64("pf_standard")?.is_some() {
            needs.push("reactive");
        }
        if r.opt_text("basic_by")?.as_deref() == Some("demand") {
            needs.push("demand");
        }
        let mine: Vec<&StoredReading> = readings.iter().filter(|x| x.account_id == id).collect();
        let this_month = mine.iter().find(|x| x.month == month && x.kind != "removal").map(|x| (*x).clone());
        let last = mine.iter().find(|x| x.month.as_str() < month && x.kind != "estimated");
        let history: Vec<i64> = mine
            .iter()
            .filter(|x| x.month.as_str() < month && x.status != "held" && x.kind != "base")
            .take(AVERAGE_MONTHS)
            .map(|x| x.kwh)
            .collect();
        out.push(Stop {
            route_order: r.i64("route_order")?,
            account_no: r.text("account_no")?,
            supply_address: r.text("supply_address")?,
            last_reading: last.map(|l| l.reading.clone()),
            last_read_on: last.map(|l| l.read_on.clone()),
            average_kwh: average_kwh(&history),
            this_month,
            needs,
        });
    }
    Ok(out)
}

/// A book's reading audit for a month (the seed's 营业班 duty): due (应抄),
/// read (实抄), errors found (差错: readings corrected after entry) and
/// meter faults (readings held for a register that did not move).
#[derive(Debug, Clone, Serialize)]
pub struct MonthAudit {
    pub book_id: i64,
    pub code: String,
    pub station: String,
    pub branch_id: BranchId,
    pub due: i64,
    pub read: i64,
    pub errors: i64,
    pub faults: i64,
}

/// The month's audit of every book in scope.
pub async fn month_audit(db: &Db, scope: &Scope, month: &str) -> Result<Vec<MonthAudit>> {
    let sql = format!(
        "SELECT b.id, b.code, br.name AS station, b.branch_id, \
         (SELECT COUNT(*) FROM power_book_accounts x WHERE x.book_id = b.id) AS due, \
         (SELECT COUNT(DISTINCT r.account_id) FROM power_readings r JOIN power_book_accounts x ON x.account_id = r.account_id \
           WHERE x.book_id = b.id AND r.month = $1 AND r.kind = 'real' AND r.replaced_by IS NULL) AS read, \
         (SELECT COUNT(*) FROM power_readings r JOIN power_book_accounts x ON x.account_id = r.account_id \
           WHERE x.book_id = b.id AND r.month = $1 AND r.replaced_by IS NOT NULL) AS errors, \
         (SELECT COUNT(*) FROM power_readings r JOIN power_book_accounts x ON x.account_id = r.account_id \
           WHERE x.book_id = b.id AND r.month = $1 AND r.hold_reason = 'zero_use' AND r.replaced_by IS NULL) AS faults \
         FROM power_books b JOIN branches br ON br.id = b.branch_id WHERE b.branch_id IN ({}) ORDER BY br.name, b.code",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(month.to_string()).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(MonthAudit {
                book_id: r.i64("id")?,
                code: r.text("code")?,
                station: r.text("station")?,
                branch_id: BranchId(r.i64("branch_id")?),
                due: r.i64("due")?,
                read: r.i64("read")?,
                errors: r.i64("errors")?,
                faults: r.i64("faults")?,
            })
        })
        .collect()
}
