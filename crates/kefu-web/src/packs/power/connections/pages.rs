//! The applications' pages: the list (current step, deadline, overdue,
//! filters, XLSX), the new-application form, an application with its steps
//! and the next step's form (with documents), the monthly report per
//! station, and the working-day calendar.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::requests::{MonthQuery, month};
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::{Invalid, Lang, Permission};
use kefu_power::archive;
use kefu_power::connections::store::{self, Application, Document, Filter, NewApplication, StepInput};
use kefu_power::connections::{DayKind, Step};
use kefu_power::paging::Page;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    station: Option<i64>,
    step: String,
    overdue: String,
    all: String,
    offset: String,
}

impl ListQuery {
    pub(super) fn filter(&self) -> Filter {
        Filter {
            station: self.station.map(BranchId),
            next_step: Step::parse("step", &self.step).ok(),
            overdue: !self.overdue.is_empty(),
            all: !self.all.is_empty(),
        }
    }
}

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let at = super::super::paging::page(&q.offset);
    let (scope, f) = (&ctx.actor.scope, q.filter());
    let list = store::list(app.db(), scope, &f, app.today(), at).await?;
    let overdue_count = store::overdue_count(app.db(), scope, &f, app.today()).await?;
    let stations = archive::stations(app.db(), scope).await?;
    let steps: Vec<&str> = Step::ALL[1..].iter().map(|s| s.code()).collect();
    let fields = [
        ("station", q.station.map(|s| s.to_string()).unwrap_or_default()),
        ("step", q.step.clone()),
        ("overdue", q.overdue.clone()),
        ("all", q.all.clone()),
    ];
    let pager = super::super::paging::pager("/power/applications", &fields, at, list.rows.len(), list.total);
    // The workbook takes the list's filters, not its page.
    let query = fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    page(
        &app,
        &ctx,
        "power/conn_list.html",
        "nav_power_applications",
        view! {
            rows => list.rows, stations => stations, steps => steps, station => q.station, step => q.step,
            overdue => !q.overdue.is_empty(), all => !q.all.is_empty(), query => query,
            overdue_count => overdue_count, pager => pager,
        },
    )
}

/// The list as a workbook, as filtered.
pub async fn export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, AppError> {
    let lang = ctx.actor.lang;
    let list = store::list(app.db(), &ctx.actor.scope, &q.filter(), app.today(), Page::ALL).await?.rows;
    let step_label = |code: &str| t(lang, &format!("power_conn_step_{code}"));
    let rows = list
        .iter()
        .map(|a| {
            vec![
                Cell::Text(a.number.clone()),
                Cell::Text(a.station.clone()),
                Cell::Text(a.customer_name.clone()),
                Cell::Text(a.account_no.clone()),
                Cell::Text(t(lang, &format!("power_conn_kind_{}", a.kind))),
                Cell::Int(a.capacity_kva),
                Cell::Text(a.received_on.to_string()),
                Cell::Text(step_label(&a.last_step)),
                Cell::Text(a.next_step.as_deref().map(step_label).unwrap_or_default()),
                Cell::Text(a.next_due.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Text(if a.overdue { t(lang, "power_conn_overdue") } else { String::new() }),
            ]
        })
        .collect();
    let header = [
        "power_conn_number",
        "power_station",
        "power_conn_applicant",
        "field_account_no",
        "field_kind",
        "field_capacity_kva",
        "field_received_on",
        "power_conn_last_step",
        "power_conn_next_step",
        "power_conn_due",
        "power_conn_overdue",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let bytes = xlsx::workbook(&[Sheet { name: t(lang, "nav_power_applications"), header, rows }])?;
    Ok(xlsx::download(&format!("applications-{}.xlsx", app.today()), bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    customer: Option<i64>,
    account: String,
}

pub async fn new_form(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<NewQuery>,
) -> Result<Html<String>, AppError> {
    let customer = match q.customer {
        Some(id) => kefu_care::customers::get(app.db(), &ctx.actor.scope, kefu_core::ids::CustomerId(id))
            .await
            .ok()
            .map(|c| c.shown_to(&ctx.actor)),
        None => None,
    };
    let stations = archive::stations(app.db(), &ctx.actor.scope).await?;
    page(
        &app,
        &ctx,
        "power/conn_new.html",
        "nav_power_applications",
        view! {
            customer => customer, stations => stations, kinds => store::KINDS, account => q.account,
            usage_classes => kefu_power::tariffs::UsageClass::ALL.iter().map(|u| u.code()).collect::<Vec<_>>(),
            voltages => archive::VOLTAGES, today => app.today().to_string(),
        },
    )
}

/// A form with files: its text fields and the documents chosen (a file
/// input left empty sends a part with no name and no bytes, skipped).
async fn read_form(mut form: Multipart) -> Result<(HashMap<String, String>, Vec<Document>), AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| AppError::body(e.status(), e.body_text());
    let mut fields = HashMap::new();
    let mut documents = Vec::new();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "documents" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let content_type = field.content_type().unwrap_or("application/octet-stream").to_string();
            let data = field.bytes().await.map_err(bad)?.to_vec();
            if !file_name.is_empty() || !data.is_empty() {
                documents.push(Document { name: file_name, content_type, data });
            }
        } else {
            fields.insert(name, field.text().await.map_err(bad)?);
        }
    }
    Ok((fields, documents))
}

fn date_field(fields: &HashMap<String, String>, name: &str) -> Result<Option<Date>, AppError> {
    match fields.get(name).map(|s| s.trim()).unwrap_or_default() {
        "" => Ok(None),
        text => crate::fields::date(name, text).map(Some).map_err(AppError::Invalid),
    }
}

fn number_field(fields: &HashMap<String, String>, name: &str) -> Result<Option<i64>, AppError> {
    let text = fields.get(name).map(|s| s.trim()).unwrap_or_default();
    if text.is_empty() {
        return Ok(None);
    }
    crate::fields::whole_number(name, text).map(Some).map_err(AppError::Invalid)
}

pub async fn create(State(app): State<AppState>, ctx: Ctx, form: Multipart) -> Result<Response, AppError> {
    let (f, documents) = read_form(form).await?;
    let text = |k: &str| f.get(k).cloned().unwrap_or_default();
    let customer = number_field(&f, "customer")?.ok_or_else(|| AppError::Invalid(Invalid::required("customer")))?;
    let new = NewApplication {
        kind: text("kind"),
        customer,
        station: number_field(&f, "station")?,
        account_no: text("account_no"),
        usage_class: text("usage_class"),
        voltage: text("voltage"),
        dual_source: !text("dual_source").is_empty(),
        capacity_kva: number_field(&f, "capacity_kva")?,
        supply_address: text("supply_address"),
        received_on: date_field(&f, "received_on")?,
        notes: text("notes"),
        documents,
    };
    let a = store::create(app.db(), &ctx.actor, &new, app.now(), app.today()).await?;
    Ok(Redirect::to(&format!("/power/applications/{}", a.id)).into_response())
}

/// Each step of the plan, done or to come, with its limit and deadline.
fn plan_view(a: &Application, done: &[store::StepDone]) -> Vec<Value> {
    store::plan_of(&a.supply)
        .steps()
        .iter()
        .map(|s| {
            let code = s.step.code();
            let d = done.iter().find(|d| d.step == code);
            view! {
                step => code, limit => s.working_days, done => d,
                next => a.next_step.as_deref() == Some(code), due => (a.next_step.as_deref() == Some(code)).then_some(a.next_due).flatten(),
                late => d.is_some_and(|d| d.due_on.is_some_and(|due| d.done_on > due)),
            }
        })
        .collect()
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let (a, done) = store::get(app.db(), &ctx.actor.scope, id, app.today()).await?;
    let plan = plan_view(&a, &done);
    page(
        &app,
        &ctx,
        "power/conn_show.html",
        "nav_power_applications",
        view! { a => a, steps => done, plan => plan, today => app.today().to_string() },
    )
}

pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    form: Multipart,
) -> Result<Response, AppError> {
    let (f, documents) = read_form(form).await?;
    let text = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = StepInput {
        step: text("step"),
        on: date_field(&f, "on")?,
        notes: text("notes"),
        meter_no: text("meter_no"),
        opening_reading: text("opening_reading"),
        documents,
    };
    store::take_step(app.db(), &ctx.actor, id, &input, app.now(), app.today()).await?;
    Ok(Redirect::to(&format!("/power/applications/{id}")).into_response())
}

pub async fn document(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((id, doc)): PathParams<(i64, i64)>,
) -> Result<Response, AppError> {
    let (name, content_type, bytes) = store::document(app.db(), &ctx.actor.scope, id, doc).await?;
    // Shown by the browser as what it is, never as a page of ours.
    let disposition = format!("attachment; filename=\"document-{doc}\"; filename*=UTF-8''{}", percent(&name));
    Ok(([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// A file name for the Content-Disposition header (RFC 5987).
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

/// The steps the report has columns for (all but acceptance).
fn report_steps() -> Vec<&'static str> {
    Step::ALL[1..].iter().map(|s| s.code()).collect()
}

pub async fn report(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let first = month(&q, app.today())?;
    let stations = store::monthly(app.db(), &ctx.actor.scope, first).await?;
    page(
        &app,
        &ctx,
        "power/conn_report.html",
        "power_conn_report",
        view! { stations => stations, month => first.strftime("%Y-%m").to_string(), steps => report_steps() },
    )
}

pub async fn report_export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let lang: Lang = ctx.actor.lang;
    let first = month(&q, app.today())?;
    let stations = store::monthly(app.db(), &ctx.actor.scope, first).await?;
    let mut header = vec![t(lang, "power_station"), t(lang, "power_conn_received"), t(lang, "power_conn_connected")];
    for s in report_steps() {
        let name = t(lang, &format!("power_conn_step_{s}"));
        header.push(format!("{name} {}", t(lang, "power_conn_done")));
        header.push(format!("{name} {}", t(lang, "power_conn_average_days")));
        header.push(format!("{name} {}", t(lang, "power_conn_share_within")));
    }
    let rows = stations
        .iter()
        .map(|s| {
            let mut row = vec![Cell::Text(s.station.clone()), Cell::Int(s.received), Cell::Int(s.connected)];
            for f in &s.steps {
                row.push(Cell::Int(f.done));
                row.push(Cell::Text(f.average_days.map(|d| format!("{d:.1}")).unwrap_or_default()));
                row.push(Cell::Percent(f.share_within));
            }
            row
        })
        .collect();
    let bytes = xlsx::workbook(&[Sheet { name: first.strftime("%Y-%m").to_string(), header, rows }])?;
    Ok(xlsx::download(&format!("applications-report-{}.xlsx", first.strftime("%Y-%m")), bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    year: Option<i16>,
}

pub async fn calendar(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<YearQuery>,
) -> Result<Html<String>, AppError> {
    let year = q.year.filter(|y| (2000..=2100).contains(y)).unwrap_or(app.today().year());
    let c = store::calendar(app.db()).await?;
    let days: Vec<Value> = c
        .days()
        .into_iter()
        .filter(|(d, _)| d.year() == year)
        .map(|(d, k)| view! { day => d.to_string(), kind => k.code(), weekday => d.weekday().to_monday_one_offset() })
        .collect();
    let can_edit = ctx.actor.can(Permission::PowerManage);
    page(
        &app,
        &ctx,
        "power/conn_calendar.html",
        "nav_power_applications",
        view! { year => year, days => days, can_edit => can_edit, kinds => DayKind::ALL.map(DayKind::code) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DayForm {
    day: String,
    kind: String,
    source: String,
}

pub async fn set_day(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<DayForm>,
) -> Result<Response, AppError> {
    let day = crate::fields::date("day", &f.day).map_err(AppError::Invalid)?;
    let kind = DayKind::parse("kind", &f.kind).map_err(AppError::Invalid)?;
    store::set_day(app.db(), &ctx.actor, day, kind, &f.source, app.now()).await?;
    Ok(Redirect::to(&format!("/power/calendar?year={}", day.year())).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportForm {
    file: String,
}

pub async fn import_calendar(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<ImportForm>,
) -> Result<Response, AppError> {
    store::import_calendar(app.db(), &ctx.actor, &f.file, app.now()).await?;
    Ok(Redirect::to("/power/calendar").into_response())
}
