//! The reading books, readings and billing API under `/api/v1/power/`.

use crate::error::AppError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::ids::BranchId;
use kefu_core::{Invalid, Permission, Rule};
use kefu_power::bills::{self, Target};
use kefu_power::books::{self, Entry, Kind};
use kefu_power::readings::ReadingRules;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::Problem;

/// A meter reader (without PowerWork) reads their own books only.
pub(super) fn reader_only(ctx: &Ctx) -> Option<kefu_core::ids::UserId> {
    (!ctx.actor.can(Permission::PowerWork)).then_some(ctx.actor.user_id)
}

/// A month as `YYYY-MM`, this month when left out.
#[derive(Deserialize, Default, IntoParams)]
pub struct MonthQuery {
    /// YYYY-MM
    pub month: Option<String>,
}

pub(super) fn month_or_this(app: &AppState, month: Option<&str>) -> Result<String, AppError> {
    let month = month.map(str::trim).filter(|m| !m.is_empty());
    match month {
        None => Ok(books::month_of(app.today())),
        Some(m) if m.len() == 7 && format!("{m}-01").parse::<jiff::civil::Date>().is_ok() => Ok(m.to_string()),
        Some(_) => Err(AppError::Invalid(Invalid::new(
            "month",
            Rule::new("month_format", "月份格式为 YYYY-MM，如 2026-11", "a month is YYYY-MM, such as 2026-11"),
        ))),
    }
}

/// A reading book to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"station_id": 2, "code": "QS-01", "name": "青山镇龙岩村一本", "reading_day": 5, "accounts": ["0301000042"]}))]
pub struct ReadingBookBody {
    station_id: i64,
    /// 抄表本号, unique.
    code: String,
    name: String,
    /// The reader's user name (a meter reader).
    reader: Option<String>,
    /// Day of the month the book is read, 1–28.
    reading_day: i64,
    /// Account numbers in route order.
    accounts: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

#[utoipa::path(post, path = "/api/v1/power/books", tag = "power", request_body = ReadingBookBody,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_book(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<ReadingBookBody>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let new = books::NewBook {
        branch_id: BranchId(b.station_id),
        code: b.code,
        name: b.name,
        reader: b.reader,
        reading_day: b.reading_day,
        accounts: b.accounts,
    };
    let id = books::create(app.db(), &ctx.actor, new, app.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/api/v1/power/books", tag = "power",
    responses((status = 200, description = "the reading books in scope"), (status = 403, body = Problem)))]
pub async fn list_books(State(app): State<AppState>, ctx: Ctx) -> Result<Json<Value>, AppError> {
    Ok(Json(serde_json::to_value(books::list(app.db(), &ctx.actor.scope).await?).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/power/books/{id}/route", tag = "power", params(("id" = i64, Path), MonthQuery),
    responses((status = 200, description = "the route with last readings and averages"), (status = 404, body = Problem)))]
pub async fn route(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Json<Value>, AppError> {
    let month = month_or_this(&app, q.month.as_deref())?;
    Ok(Json(serde_json::to_value(books::route(app.db(), &ctx.actor.scope, id, &month).await?).unwrap_or_default()))
}

/// A reading: the account (or, with two meters after a replacement, the
/// meter), the register as read, the day and the kind.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"account_no": "0301000042", "reading": "12345.60", "read_on": "2026-11-28"}))]
pub struct ReadingBody {
    account_no: String,
    meter_no: Option<String>,
    /// The register: digits with at most two decimals ("12345.6").
    #[schema(value_type = String)]
    reading: Value,
    /// YYYY-MM-DD; today when left out.
    #[schema(value_type = Option<String>)]
    read_on: Option<jiff::civil::Date>,
    /// real (default) | estimated | base | removal
    #[serde(default)]
    kind: String,
    /// A time-of-use meter's peak register (required, with flat and valley,
    /// on a time-of-use account).
    #[schema(value_type = Option<String>)]
    peak: Option<Value>,
    #[schema(value_type = Option<String>)]
    flat: Option<Value>,
    #[schema(value_type = Option<String>)]
    valley: Option<Value>,
    /// A large user's reactive register (kvarh).
    #[schema(value_type = Option<String>)]
    reactive: Option<Value>,
    /// The month's maximum demand on the meter's display (kW).
    #[schema(value_type = Option<String>)]
    demand: Option<Value>,
    /// The month's power factor when the meter shows it: 0 to 1.
    #[schema(value_type = Option<String>)]
    power_factor: Option<Value>,
}

/// The text of a reading sent as a JSON string or number.
pub(super) fn reading_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[utoipa::path(post, path = "/api/v1/power/readings", tag = "power", request_body = ReadingBody,
    responses((status = 201, description = "the stored reading: status ok, held (with hold_reason) or an error"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn enter_reading(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<ReadingBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let entry = Entry {
        account_no: b.account_no,
        meter_no: b.meter_no,
        reading: reading_text(&b.reading),
        read_on: b.read_on.unwrap_or_else(|| app.today()),
        kind: Kind::from_code("kind", &b.kind).map_err(AppError::Invalid)?,
        reader: ctx.actor.username.clone(),
        source: books::source::API,
        extra: books::Extra {
            peak: b.peak.as_ref().map(reading_text),
            flat: b.flat.as_ref().map(reading_text),
            valley: b.valley.as_ref().map(reading_text),
            reactive: b.reactive.as_ref().map(reading_text),
            demand: b.demand.as_ref().map(reading_text),
            power_factor: b.power_factor.as_ref().map(reading_text),
        },
    };
    let saved =
        books::enter(app.db(), &ctx.actor, &entry, reader_only(&ctx), &ReadingRules::default(), app.now()).await?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(saved).unwrap_or_default())))
}

#[utoipa::path(post, path = "/api/v1/power/readings/{id}/confirm", tag = "power", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode, AppError> {
    books::confirm(app.db(), &ctx.actor, id, reader_only(&ctx)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/power/readings/held", tag = "power",
    responses((status = 200, description = "readings held for re-reading")))]
pub async fn held(State(app): State<AppState>, ctx: Ctx) -> Result<Json<Value>, AppError> {
    // The oldest 500, as before pages came.
    let first = kefu_power::paging::Page { offset: 0, limit: 500 };
    Ok(Json(serde_json::to_value(books::held(app.db(), &ctx.actor.scope, first).await?.rows).unwrap_or_default()))
}

/// A rate as a percentage with two decimals, none without a base.
pub(super) fn percent(part: i64, whole: i64) -> Option<String> {
    (whole > 0).then(|| {
        let hundredths = (part * 10_000 + whole / 2) / whole;
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    })
}

/// The month's reading audit: per book and per station, due (应抄), read
/// (实抄), 实抄率 = read / due, errors (差错), 差错率 = errors / read, faults.
pub(super) async fn audit_view(app: &AppState, ctx: &Ctx, month: &str) -> Result<Value, AppError> {
    let rows = books::month_audit(app.db(), &ctx.actor.scope, month).await?;
    let row = |station: &str, code: Option<&str>, due: i64, read: i64, errors: i64, faults: i64| {
        serde_json::json!({
            "station": station, "book": code, "due": due, "read": read, "reading_rate": percent(read, due),
            "errors": errors, "error_rate": percent(errors, read), "faults": faults,
        })
    };
    let books: Vec<Value> =
        rows.iter().map(|r| row(&r.station, Some(&r.code), r.due, r.read, r.errors, r.faults)).collect();
    let mut stations: Vec<(String, [i64; 4])> = Vec::new();
    for r in &rows {
        match stations.iter_mut().find(|(s, _)| *s == r.station) {
            Some((_, t)) => {
                t[0] += r.due;
                t[1] += r.read;
                t[2] += r.errors;
                t[3] += r.faults;
            }
            None => stations.push((r.station.clone(), [r.due, r.read, r.errors, r.faults])),
        }
    }
    let stations: Vec<Value> = stations.iter().map(|(s, t)| row(s, None, t[0], t[1], t[2], t[3])).collect();
    Ok(serde_json::json!({ "month": month, "books": books, "stations": stations }))
}

#[utoipa::path(get, path = "/api/v1/power/readings/audit", tag = "power", params(MonthQuery),
    responses((status = 200, description = "实抄率 and 差错率 per book and station")))]
pub async fn audit(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Json<Value>, AppError> {
    let month = month_or_this(&app, q.month.as_deref())?;
    Ok(Json(audit_view(&app, &ctx, &month).await?))
}

/// A billing run: a book, a whole station or every station in scope, and
/// the month.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"book_id": 1, "month": "2026-11"}))]
pub struct BillingRunBody {
    book_id: Option<i64>,
    station_id: Option<i64>,
    /// Every station in the user's scope, one after another.
    #[serde(default)]
    all_stations: bool,
    /// YYYY-MM
    month: String,
}

pub(super) fn outcome_json(o: &bills::RunOutcome, ctx: &Ctx) -> Value {
    let lang = ctx.actor.lang;
    let refused: Vec<Value> = o
        .refused
        .iter()
        .map(|(no, e)| serde_json::json!({"account_no": no, "field": e.field, "message": e.rule.message(lang)}))
        .collect();
    serde_json::json!({
        "accounts": o.accounts, "created": o.created, "corrected": o.corrected, "existing": o.existing,
        "unread": o.unread, "held": o.held, "refused": refused, "notices": o.notices,
    })
}

pub(super) fn target(book: Option<i64>, station: Option<i64>, all_stations: bool) -> Result<Target, AppError> {
    match (book, station, all_stations) {
        (Some(b), None, false) => Ok(Target::Book(b)),
        (None, Some(s), false) => Ok(Target::Station(BranchId(s))),
        (None, None, true) => Ok(Target::AllStations),
        _ => Err(AppError::Invalid(Invalid::new(
            "book_id",
            Rule::new(
                "book_or_station",
                "请选择一个抄表本、一个供电所或全部供电所",
                "choose a reading book, a station or all stations",
            ),
        ))),
    }
}

#[utoipa::path(post, path = "/api/v1/power/billing/runs", tag = "power", request_body = BillingRunBody,
    responses((status = 200, description = "what the run created, corrected and passed over"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn run(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<BillingRunBody>,
) -> Result<Json<Value>, AppError> {
    let month = month_or_this(&app, Some(&b.month))?;
    let target = target(b.book_id, b.station_id, b.all_stations)?;
    let o = bills::run(app.db(), &ctx.actor, target, &month, app.today(), app.now()).await?;
    Ok(Json(outcome_json(&o, &ctx)))
}

#[utoipa::path(get, path = "/api/v1/power/bills/{bill_no}", tag = "power", params(("bill_no" = String, Path)),
    responses((status = 200, description = "a bill with its lines"), (status = 404, body = Problem)))]
pub async fn bill(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(no): PathParams<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(serde_json::to_value(bills::bill(app.db(), &ctx.actor.scope, &no).await?).unwrap_or_default()))
}

/// The multipart body's `file`.
pub(super) async fn file_of(mut form: axum::extract::Multipart) -> Result<Vec<u8>, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| AppError::body(e.status(), e.body_text());
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            return Ok(field.bytes().await.map_err(bad)?.to_vec());
        }
    }
    Err(AppError::Invalid(Invalid::required("file")))
}

/// An import's report: how many readings were entered and held, and each
/// refused row with its number, field and rule in the user's language.
pub(super) fn imported_json(i: &books::Imported, ctx: &Ctx) -> Value {
    let lang = ctx.actor.lang;
    let rejected: Vec<Value> = i
        .rejected
        .iter()
        .map(|(row, e)| serde_json::json!({"row": row, "field": e.field, "rule": e.rule.code, "message": e.rule.message(lang)}))
        .collect();
    serde_json::json!({"entered": i.entered, "held": i.held, "rejected": rejected})
}

#[utoipa::path(post, path = "/api/v1/power/readings/import", tag = "power",
    request_body(content_type = "multipart/form-data", description = "`file`: CSV or XLSX with 户号 or 表号, 示数, 抄表时间 and 抄表员"),
    responses((status = 200, description = "readings entered and held, and every refused row"), (status = 422, body = Problem)))]
pub async fn import(
    State(app): State<AppState>,
    ctx: Ctx,
    form: axum::extract::Multipart,
) -> Result<Json<Value>, AppError> {
    let bytes = file_of(form).await?;
    let done =
        books::import(app.db(), &ctx.actor, &bytes, reader_only(&ctx), &ReadingRules::default(), app.now()).await?;
    Ok(Json(imported_json(&done, &ctx)))
}

/// A large user's two-part terms as its supply contract states them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"basic_by": "capacity", "power_factor_standard": "0.90"}))]
pub struct BillingTermsBody {
    /// capacity (the contracted kVA) | demand (the month's maximum kW) | blank: no basic charge
    #[serde(default)]
    basic_by: String,
    /// 0.90 | 0.85 | 0.80 | blank: no power factor adjustment
    #[serde(default)]
    power_factor_standard: String,
}

#[utoipa::path(put, path = "/api/v1/power/accounts/{number}/billing-terms", tag = "power",
    params(("number" = String, Path, description = "户号")), request_body = BillingTermsBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn billing_terms(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(number): PathParams<String>,
    JsonBody(b): JsonBody<BillingTermsBody>,
) -> Result<StatusCode, AppError> {
    let terms = bills::Terms::parse(&b.basic_by, &b.power_factor_standard).map_err(AppError::Invalid)?;
    bills::terms::set(app.db(), &ctx.actor, &number, terms, app.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
