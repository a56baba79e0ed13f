//! The cases' pages: the list (and its workbook), a new case, a case with
//! its amounts, evidence and closing; inspection plans of a month with
//! their records; suspensions of supply; the parameters of the amounts.

use super::super::paging;
use super::api::{CaseQuery, CaseRulesDto, no_photo};
use super::requests::{AmountsBody, CaseBody, form_json};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::requests::{MonthQuery, month};
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use kefu_core::{Invalid, Permission, Rule};
use kefu_power::cases::{self, Case, KINDS, SOURCES, plans, suspensions};
use kefu_power::inspections::UserClass;
use kefu_power::paging::{Page, Paged};
use kefu_power::tariffs::quote::yuan;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

fn row(c: &Case) -> Value {
    view! {
        c => c, back_charge => yuan(c.amounts.back_charge), penalty => yuan(c.amounts.penalty),
        total => yuan(c.amounts.total), escalated => c.escalated(),
    }
}

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<CaseQuery>,
) -> Result<Html<String>, AppError> {
    let at = super::super::paging::page(&q.offset);
    let list = cases::list(app.db(), &ctx.actor.scope, &q.filter(), at).await?;
    let rows: Vec<Value> = list.rows.iter().map(row).collect();
    let query = [
        ("status", q.status.clone().unwrap_or_default()),
        ("kind", q.kind.clone().unwrap_or_default()),
        ("escalated", if q.escalated { "true".into() } else { String::new() }),
        ("station", q.station.map(|s| s.to_string()).unwrap_or_default()),
    ];
    let pager = super::super::paging::pager("/power/cases", &query, at, list.rows.len(), list.total);
    let export = format!(
        "/power/cases.xlsx?status={}&kind={}&escalated={}",
        q.status.as_deref().unwrap_or(""),
        q.kind.as_deref().unwrap_or(""),
        q.escalated
    );
    page(
        &app,
        &ctx,
        "power/cases/list.html",
        "nav_power_cases",
        view! {
            rows => rows, kinds => KINDS, status => q.status, kind => q.kind, escalated => q.escalated,
            export => export, pager => pager,
        },
    )
}

pub async fn export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<CaseQuery>,
) -> Result<Response, AppError> {
    let lang = ctx.actor.lang;
    let t = |k: &str| crate::i18n::t(lang, k);
    let list = cases::list(app.db(), &ctx.actor.scope, &q.filter(), kefu_power::paging::Page::ALL).await?.rows;
    let header = [
        "power_case_no",
        "field_account_no",
        "field_kind",
        "field_source",
        "field_found_on",
        "field_seal_numbers",
        "power_case_kwh",
        "field_back_charge",
        "power_case_penalty",
        "power_case_total",
        "power_case_escalated",
        "power_case_status",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows = list
        .iter()
        .map(|c| {
            vec![
                Cell::Int(c.id),
                Cell::Text(c.account_no.clone()),
                Cell::Text(t(&format!("power_case_kind_{}", c.kind))),
                Cell::Text(t(&format!("power_case_source_{}", c.source))),
                Cell::Text(c.found_on.to_string()),
                Cell::Text(c.seal_numbers.clone()),
                Cell::Int(c.amounts.kwh),
                Cell::Text(yuan(c.amounts.back_charge)),
                Cell::Text(yuan(c.amounts.penalty)),
                Cell::Text(yuan(c.amounts.total)),
                Cell::Text(if c.escalated() { t("yes") } else { t("no") }),
                Cell::Text(t(&format!("power_case_status_{}", c.status))),
            ]
        })
        .collect();
    let bytes = xlsx::workbook(&[Sheet { name: t("nav_power_cases"), header, rows }])?;
    Ok(xlsx::download(&format!("cases-{}.xlsx", app.today()), bytes))
}

fn form_view(app: &AppState, values: &BTreeMap<String, String>) -> Value {
    view! {
        kinds => KINDS, sources => SOURCES, today => app.today().to_string(), v => values,
        user_classes => [UserClass::Lighting, UserClass::Power].map(|c| match c {
            UserClass::Lighting => "lighting",
            UserClass::Power => "power",
        }),
    }
}

pub async fn new_form(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<BTreeMap<String, String>>,
) -> Result<Html<String>, AppError> {
    page(&app, &ctx, "power/cases/new.html", "nav_power_cases", form_view(&app, &q))
}

/// A case form's fields as the API's body; a field the body cannot hold is
/// refused by name.
fn body_of<T: serde::de::DeserializeOwned>(form: BTreeMap<String, String>) -> Result<T, AppError> {
    serde_json::from_value(form_json(form)).map_err(|e| AppError::BadRequest(e.to_string()))
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let body: CaseBody = body_of(form.clone())?;
    let made = async {
        let new = body.new_case(app.today()).map_err(AppError::Invalid)?;
        Ok::<_, AppError>(cases::create(app.db(), &ctx.actor, new, app.now()).await?)
    }
    .await;
    match made {
        Ok(c) => Ok(Redirect::to(&format!("/power/cases/{}", c.id)).into_response()),
        // A refused form comes back with what was typed and why.
        Err(AppError::Invalid(e)) => {
            let mut data = form_view(&app, &form);
            data["error"] = Value::String(AppError::Invalid(e).message(ctx.actor.lang));
            Ok(page(&app, &ctx, "power/cases/new.html", "nav_power_cases", data)?.into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let c = cases::get(app.db(), &ctx.actor.scope, id).await?;
    let can_close = c.status == "open" && (!c.escalated() || ctx.actor.can(Permission::PowerManage));
    let rules = cases::rules(app.db()).await?;
    let local =
        |at: &Option<String>| at.as_deref().and_then(kefu_core::time::parse_instant).map(|t| app.0.zone.display(t));
    page(
        &app,
        &ctx,
        "power/cases/show.html",
        "nav_power_cases",
        view! {
            r => row(&c), can_close => can_close, theft => cases::is_theft(&c.kind),
            escalated_at => local(&c.escalated_at), closed_at => local(&c.closed_at),
            escalate_above => yuan(rules.theft.escalate_above), multiple => rules.theft.penalty_multiple,
            capacity_kw => c.capacity_w.map(|w| format!("{}.{:03}", w / 1000, w % 1000).trim_end_matches('0').trim_end_matches('.').to_string()),
        },
    )
}

pub async fn amounts(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(form): FormBody<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let body: AmountsBody = body_of(form)?;
    let kind = cases::get(app.db(), &ctx.actor.scope, id).await?.kind;
    let basis = body.basis(&kind).map_err(AppError::Invalid)?;
    cases::change_amounts(app.db(), &ctx.actor, id, basis, app.now()).await?;
    Ok(Redirect::to(&format!("/power/cases/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    note: String,
}

pub async fn close(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<CloseForm>,
) -> Result<Response, AppError> {
    cases::close(app.db(), &ctx.actor, id, &f.note, app.now()).await?;
    Ok(Redirect::to(&format!("/power/cases/{id}")).into_response())
}

pub async fn add_photo(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| AppError::body(e.status(), e.body_text());
    let mut photo = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("photo") {
            let name = field.file_name().unwrap_or("photo").to_string();
            photo = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
        }
    }
    let (name, bytes) = photo.filter(|(_, b)| !b.is_empty()).ok_or_else(no_photo)?;
    cases::add_photo(app.db(), &ctx.actor, id, &name, bytes, app.now()).await?;
    Ok(Redirect::to(&format!("/power/cases/{id}")).into_response())
}

/// The parameters of the amounts: read by inspectors, saved by a manager.
pub async fn rules(State(app): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let r = CaseRulesDto::of(&cases::rules(app.db()).await?);
    let can_edit = ctx.actor.can(Permission::PowerManage);
    page(&app, &ctx, "power/cases/rules.html", "nav_power_cases", view! { r => r, can_edit => can_edit })
}

pub async fn save_rules(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let whole = |field: &str| -> Result<u32, AppError> {
        form.get(field).and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
            AppError::Invalid(Invalid::new(field, Rule::new("whole_number", "须为整数", "must be a whole number")))
        })
    };
    let dto = CaseRulesDto {
        penalty_multiple: whole("penalty_multiple")?,
        unknown_days: whole("unknown_days")?,
        lighting_hours: whole("lighting_hours")?,
        power_hours: whole("power_hours")?,
        escalate_above: form.get("escalate_above").cloned().unwrap_or_default(),
        capacity_charge: form.get("capacity_charge").cloned().unwrap_or_default(),
    };
    let r = dto.rules().map_err(AppError::Invalid)?;
    cases::save_rules(app.db(), &ctx.actor, &r).await?;
    Ok(Redirect::to("/power/case-rules").into_response())
}

/// The month whose inspection plans are listed, and the page of them.
#[derive(Deserialize, Default)]
pub struct PlansQuery {
    #[serde(flatten)]
    month: MonthQuery,
    /// The page's first plan, counted from 0.
    #[serde(default)]
    offset: String,
}

/// A page of the month's inspection plans with their records.
async fn month_plans(
    app: &AppState,
    ctx: &Ctx,
    q: &MonthQuery,
    at: Page,
) -> Result<(Date, Paged<plans::Plan>), AppError> {
    let first = month(q, app.today())?;
    let last = first.last_of_month();
    Ok((first, plans::list(app.db(), &ctx.actor.scope, first, last, at).await?))
}

pub async fn inspections(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<PlansQuery>,
) -> Result<Html<String>, AppError> {
    let at = paging::page(&q.offset);
    let (first, list) = month_plans(&app, &ctx, &q.month, at).await?;
    let m = first.strftime("%Y-%m").to_string();
    let pager = paging::pager("/power/inspections", &[("month", m.clone())], at, list.rows.len(), list.total);
    page(
        &app,
        &ctx,
        "power/cases/inspections.html",
        "nav_power_inspections",
        view! {
            plans => list.rows, pager => pager, month => m, subjects => plans::SUBJECTS, results => plans::RESULTS,
            today => app.today().to_string(),
        },
    )
}

pub async fn inspections_export(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Response, AppError> {
    let t = |k: &str| crate::i18n::t(ctx.actor.lang, k);
    let (first, list) = month_plans(&app, &ctx, &q, Page::ALL).await?;
    let header = [
        "field_account_no",
        "power_plan_subject",
        "field_due_on",
        "field_inspected_on",
        "field_result",
        "field_findings",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let mut rows = Vec::new();
    for p in &list.rows {
        let base = |r: Option<&plans::Record>| {
            vec![
                Cell::Text(p.account_no.clone()),
                Cell::Text(t(&format!("power_plan_subject_{}", p.subject))),
                Cell::Text(p.due_on.to_string()),
                Cell::Text(r.map(|r| r.inspected_on.to_string()).unwrap_or_default()),
                Cell::Text(r.map(|r| t(&format!("power_plan_result_{}", r.result))).unwrap_or_default()),
                Cell::Text(r.map(|r| r.findings.clone()).unwrap_or_default()),
            ]
        };
        if p.records.is_empty() {
            rows.push(base(None));
        }
        rows.extend(p.records.iter().map(|r| base(Some(r))));
    }
    let bytes = xlsx::workbook(&[Sheet { name: t("nav_power_inspections"), header, rows }])?;
    Ok(xlsx::download(&format!("inspections-{}.xlsx", first.strftime("%Y-%m")), bytes))
}

#[derive(Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    account_no: String,
    #[serde(default)]
    subject: String,
    due_on: Option<Date>,
}

pub async fn add_plan(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<PlanForm>,
) -> Result<Response, AppError> {
    let due = f.due_on.ok_or_else(|| AppError::Invalid(Invalid::required("due_on")))?;
    plans::create(app.db(), &ctx.actor, &f.account_no, &f.subject, due, app.now()).await?;
    Ok(Redirect::to(&format!("/power/inspections?month={}", due.strftime("%Y-%m"))).into_response())
}

#[derive(Deserialize)]
pub struct RecordForm {
    inspected_on: Option<Date>,
    #[serde(default)]
    result: String,
    #[serde(default)]
    findings: String,
    case_id: Option<i64>,
}

pub async fn add_record(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(plan): PathParams<i64>,
    FormBody(f): FormBody<RecordForm>,
) -> Result<Response, AppError> {
    let on = f.inspected_on.unwrap_or_else(|| app.today());
    let visit = plans::Visit { inspected_on: on, result: &f.result, findings: &f.findings, case: f.case_id };
    plans::record(app.db(), &ctx.actor, plan, &visit, app.now()).await?;
    Ok(Redirect::to(&format!("/power/inspections?month={}", on.strftime("%Y-%m"))).into_response())
}

/// Which page of the suspensions to show.
#[derive(Deserialize, Default)]
pub struct SuspensionQuery {
    /// The page's first suspension, counted from 0.
    #[serde(default)]
    offset: String,
}

pub async fn suspensions(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<SuspensionQuery>,
) -> Result<Html<String>, AppError> {
    let at = paging::page(&q.offset);
    let list = suspensions::list(app.db(), &ctx.actor.scope, at).await?;
    let rows: Vec<Value> = list.rows.iter().map(|s| view! { s => s, state => s.state() }).collect();
    let pager = paging::pager("/power/suspensions", &[], at, list.rows.len(), list.total);
    let can_approve = ctx.actor.can(Permission::PowerManage);
    page(
        &app,
        &ctx,
        "power/cases/suspensions.html",
        "nav_power_suspensions",
        view! { rows => rows, pager => pager, can_approve => can_approve, today => app.today().to_string() },
    )
}

pub async fn suspensions_export(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let t = |k: &str| crate::i18n::t(ctx.actor.lang, k);
    let list = suspensions::list(app.db(), &ctx.actor.scope, Page::ALL).await?.rows;
    let header = [
        "field_account_no",
        "field_reason",
        "field_notice",
        "field_noticed_on",
        "field_suspend_on",
        "power_suspension_state",
        "field_restored_on",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows = list
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.account_no.clone()),
                Cell::Text(s.reason.clone()),
                Cell::Text(s.notice.clone()),
                Cell::Text(s.noticed_on.clone()),
                Cell::Text(s.suspend_on.clone()),
                Cell::Text(t(&format!("power_suspension_{}", s.state()))),
                Cell::Text(s.restored_on.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let bytes = xlsx::workbook(&[Sheet { name: t("nav_power_suspensions"), header, rows }])?;
    Ok(xlsx::download(&format!("suspensions-{}.xlsx", app.today()), bytes))
}

#[derive(Deserialize)]
pub struct SuspensionForm {
    #[serde(default)]
    account_no: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    notice: String,
    noticed_on: Option<Date>,
    suspend_on: Option<Date>,
}

pub async fn add_suspension(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<SuspensionForm>,
) -> Result<Response, AppError> {
    let r = suspensions::Request {
        account_no: f.account_no,
        reason: f.reason,
        notice: f.notice,
        noticed_on: f.noticed_on,
        suspend_on: f.suspend_on,
    };
    suspensions::request(app.db(), &ctx.actor, &r, app.now()).await?;
    Ok(Redirect::to("/power/suspensions").into_response())
}

pub async fn approve_suspension(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    suspensions::approve(app.db(), &ctx.actor, id, app.now()).await?;
    Ok(Redirect::to("/power/suspensions").into_response())
}

#[derive(Deserialize)]
pub struct RestoreForm {
    restored_on: Option<Date>,
    #[serde(default)]
    note: String,
}

pub async fn restore_suspension(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<RestoreForm>,
) -> Result<Response, AppError> {
    let on = f.restored_on.unwrap_or_else(|| app.today());
    suspensions::restore(app.db(), &ctx.actor, id, on, &f.note).await?;
    Ok(Redirect::to("/power/suspensions").into_response())
}
