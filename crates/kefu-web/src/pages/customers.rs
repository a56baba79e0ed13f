//! The customer archive pages: the list with the one search box, the 360°
//! page (who they are, what they own, what is due, the last contacts and the
//! whole timeline), and the forms that change a customer, their contacts,
//! preferences and vehicles, and merge duplicates.

use super::form_message;
use crate::archive;
use crate::error::AppError;
use crate::extract::PathParams;
use crate::extract::{FormBody, QueryParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_accounts::branches;
use kefu_care::complaints;
use kefu_care::contacts::{self, ContactInput};
use kefu_care::customers::{self, Customer, CustomerInput};
use kefu_care::due::Due;
use kefu_care::merge;
use kefu_care::preferences::PreferencesInput;
use kefu_care::timeline;
use kefu_core::Permission;
use kefu_core::ids::{BranchId, ContactId, CustomerId};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    offset: i64,
    #[serde(default)]
    q: String,
}

async fn branch_names(app: &AppState) -> Result<HashMap<BranchId, String>, AppError> {
    Ok(branches::all(app.db()).await?.into_iter().map(|b| (b.id, b.name)).collect())
}

fn row_value(c: &Customer, ctx: &Ctx, branch: &str, matched: Option<&str>) -> Value {
    let c = c.shown_to(&ctx.actor);
    view! {
        id => c.id, customer_no => c.customer_no, kind => c.kind, name => c.name, mobile => c.mobile,
        branch => branch, is_member => c.is_member, matched => matched,
    }
}

/// The list, or — with `q` — the search results, best first.
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let scope = &ctx.actor.scope;
    let names = branch_names(&app).await?;
    let name_of = |c: &Customer| names.get(&c.branch_id).cloned().unwrap_or_default();
    let query = q.q.trim();
    let (rows, total, offset) = if query.is_empty() {
        let offset = q.offset.max(0);
        let total = customers::count(app.db(), scope).await?;
        let rows: Vec<Value> = customers::list(app.db(), scope, PAGE, offset)
            .await?
            .iter()
            .map(|c| row_value(c, &ctx, &name_of(c), None))
            .collect();
        (rows, total, offset)
    } else {
        let found = archive::search_customers(app.db(), app.packs().core(), scope, query, PAGE as usize).await?;
        let rows: Vec<Value> =
            found.iter().map(|(c, matched)| row_value(c, &ctx, &name_of(c), Some(matched))).collect();
        let n = rows.len() as i64;
        (rows, n, 0)
    };
    page(
        &app,
        &ctx,
        "customers/list.html",
        "nav_customers",
        view! {
            customers => rows, total => total, q => query, searching => !query.is_empty(),
            can_write => ctx.actor.can(Permission::CustomersWrite),
            prev_offset => (query.is_empty() && offset > 0).then(|| (offset - PAGE).max(0)),
            next_offset => (query.is_empty() && offset + PAGE < total).then_some(offset + PAGE),
        },
    )
}

/// A timeline entry as the pages show it: the local time it happened, or
/// only its day when that is all that is known (a visit from the history).
pub(crate) fn event_value(e: &timeline::Event, app: &AppState) -> Value {
    let at = match e.detail.get("day").and_then(|d| d.as_str()) {
        Some(day) => day.to_string(),
        None => kefu_core::time::parse_instant(&e.at).map(|t| app.0.zone.display(t)).unwrap_or_else(|| e.at.clone()),
    };
    view! { at => at, kind => e.kind, summary => e.summary, detail => e.detail, actor => e.actor, asset_id => e.asset_id }
}

/// One order (a repair order, for the 4S pack) is one entry of the
/// timeline: its latest step heads it and all its steps are listed inside,
/// oldest first. An order's steps are the entries of one kind whose detail
/// names the same `order`. `events` come newest first.
fn one_entry_an_order(events: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(events.len());
    let mut entry_of: HashMap<(String, i64), usize> = HashMap::new();
    for e in events {
        let order = e["detail"]["order"].as_i64().map(|o| (e["kind"].as_str().unwrap_or_default().to_string(), o));
        match order {
            Some(o) if entry_of.contains_key(&o) => {
                if let Some(steps) = out[entry_of[&o]]["steps"].as_array_mut() {
                    steps.insert(0, e);
                }
            }
            Some(o) => {
                entry_of.insert(o, out.len());
                let mut head = e.clone();
                head["steps"] = Value::Array(vec![e]);
                out.push(head);
            }
            None => out.push(e),
        }
    }
    out
}

/// The 360° page.
pub async fn view(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let db = app.db();
    let scope = &ctx.actor.scope;
    let today = app.today();
    let archive::Overview { customer: c, contacts, parts, recent, events, suspects } =
        archive::overview(db, app.packs(), scope, (CustomerId(id), today), 200).await?;
    let contacts: Vec<_> = contacts.iter().map(|k| k.shown_to(&ctx.actor)).collect();
    let mut due: Vec<Due> = kefu_care::due::birthday(today, c.birthday).into_iter().collect();
    let mut panels = Vec::new();
    for (pack, part) in app.packs().web().zip(&parts) {
        due.extend(part.due.iter().cloned());
        panels.push(pack.customer_panel(&app, &ctx, &c, part).await?);
    }
    let due = kefu_care::due::in_order(due);
    let recent: Vec<Value> = recent.iter().map(|e| event_value(e, &app)).collect();
    let events = one_entry_an_order(events.iter().map(|e| event_value(e, &app)).collect());
    let suspect_rows: Vec<Value> =
        customers::many(db, scope, &suspects.iter().map(|s| s.customer_id).collect::<Vec<_>>())
            .await?
            .iter()
            .zip(&suspects)
            .map(|(s, why)| view! { id => s.id, name => s.name, customer_no => s.customer_no, reason => why.reason })
            .collect();
    let merged_into = match c.merged_into {
        Some(target) => Some(
            customers::get(db, scope, target)
                .await
                .map(|t| view! { id => t.id, customer_no => t.customer_no, name => t.name })?,
        ),
        None => None,
    };
    let names = branch_names(&app).await?;
    let shown = c.shown_to(&ctx.actor);
    let p = &c.preferences;
    // Complaints name what the customer said: only those who handle them see them.
    let handles_complaints = ctx.actor.can(Permission::ComplaintsWork);
    let complaints = if handles_complaints { complaints::of_customer(db, scope, c.id).await? } else { Vec::new() };
    let risk = complaints::rules::risk(&complaints.iter().map(|k| k.standing()).collect::<Vec<_>>());
    let complaints =
        complaints.iter().map(|k| super::complaints::complaint_value(&app, k)).collect::<Result<Vec<_>, _>>()?;
    let points = kefu_care::points::account_of(db, &c, 10).await?;
    let surveys: Vec<Value> = if ctx.actor.can(Permission::SurveysWork) {
        kefu_care::surveys::list(db, scope).await?.iter().map(|s| view! { id => s.id, title => s.title }).collect()
    } else {
        Vec::new()
    };
    page(
        &app,
        &ctx,
        "customers/view.html",
        "nav_customers",
        view! {
            c => shown, branch => names.get(&c.branch_id).cloned().unwrap_or_default(),
            prefs => view! {
                allow_letter => p.allow_letter, allow_sms => p.allow_sms, allow_email => p.allow_email,
                allow_phone => p.allow_phone, do_not_call => p.do_not_call, preferred_time => p.preferred_time,
                quiet_start => kefu_care::preferences::Preferences::quiet_text(p.quiet_start),
                quiet_end => kefu_care::preferences::Preferences::quiet_text(p.quiet_end),
            },
            contacts => contacts, panels => panels, due => due, recent => recent, events => events,
            suspects => suspect_rows, merged_into => merged_into,
            relations => contacts::RELATIONS, times_of_day => kefu_care::preferences::TIMES_OF_DAY,
            can_write => ctx.actor.can(Permission::CustomersWrite) && c.merged_into.is_none(),
            complaints => complaints, risk => risk, choices => super::complaints::intake_choices(&app),
            can_complain => handles_complaints && c.merged_into.is_none(), points => points,
            surveys => surveys, survey_channels => kefu_care::surveys::LINK_CHANNELS,
            member => super::members::member_value(&app, &ctx, c.id).await?,
        },
    )
}

fn input_value(i: &CustomerInput, branch_id: Option<i64>) -> Value {
    view! {
        branch_id => branch_id, kind => i.kind, name => i.name, mobile => i.mobile, landline => i.landline,
        email => i.email, gender => i.gender, birthday => i.birthday, id_number => i.id_number, address => i.address,
        source => i.source, is_member => i.is_member, notes => i.notes, tags => i.tags,
    }
}

/// The customer form as posted: checkboxes arrive only when ticked.
#[derive(Deserialize, Default)]
pub struct CustomerForm {
    #[serde(default)]
    branch_id: Option<i64>,
    #[serde(flatten)]
    input: CustomerInput,
    #[serde(default)]
    member: Option<String>,
}

impl CustomerForm {
    fn input(&self) -> CustomerInput {
        CustomerInput { is_member: self.member.is_some(), ..self.input.clone() }
    }
}

async fn form_page(
    app: &AppState,
    ctx: &Ctx,
    id: Option<CustomerId>,
    input: &CustomerInput,
    branch_id: Option<i64>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let branches = super::branch_choices(app, ctx).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = page(
        app,
        ctx,
        "customers/form.html",
        "nav_customers",
        view! { id => id, f => input_value(input, branch_id), branches => branches, error => error },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_form(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    form_page(&app, &ctx, None, &CustomerInput::default(), None, None).await
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<CustomerForm>,
) -> Result<Response, AppError> {
    let input = f.input();
    let Some(branch) = f.branch_id.map(BranchId) else {
        return Err(AppError::Invalid(kefu_core::Invalid::required("branch_id")));
    };
    match customers::create(app.db(), &ctx.actor, branch, &input, None, app.today()).await {
        Ok(c) => Ok(Redirect::to(&format!("/customers/{}", c.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            form_page(&app, &ctx, None, &input, f.branch_id, Some(msg)).await
        }
    }
}

pub async fn edit_form(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let c = customers::get(app.db(), &ctx.actor.scope, CustomerId(id)).await?;
    form_page(&app, &ctx, Some(c.id), &c.to_input(), None, None).await
}

pub async fn update(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<CustomerForm>,
) -> Result<Response, AppError> {
    let id = CustomerId(id);
    let input = f.input();
    match customers::update(app.db(), &ctx.actor, id, &input, app.today()).await {
        Ok(c) => Ok(Redirect::to(&format!("/customers/{}", c.id)).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            form_page(&app, &ctx, Some(id), &input, None, Some(msg)).await
        }
    }
}

/// After a change made from the 360° page: back to it, or the page again
/// with the message when a field broke a rule.
pub(crate) async fn back_or_message(
    app: AppState,
    ctx: Ctx,
    id: i64,
    result: Result<(), kefu_store::Failure>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/customers/{id}")).into_response()),
        Err(e) => {
            let msg = form_message(e.into(), ctx.actor.lang)?;
            let html = view(State(app.clone()), ctx.clone(), PathParams(id)).await?;
            // Show the message above the page content.
            let body = html.0.replacen(
                "<main>",
                &format!("<main><p class=\"error\" role=\"alert\">{}</p>", minijinja::HtmlEscape(&msg)),
                1,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
    }
}

/// The preferences form: unticked boxes are simply absent.
#[derive(Deserialize, Default)]
pub struct PreferencesForm {
    allow_letter: Option<String>,
    allow_sms: Option<String>,
    allow_email: Option<String>,
    allow_phone: Option<String>,
    do_not_call: Option<String>,
    #[serde(default)]
    preferred_time: String,
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
}

pub async fn set_preferences(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<PreferencesForm>,
) -> Result<Response, AppError> {
    let input = PreferencesInput {
        allow_letter: f.allow_letter.is_some(),
        allow_sms: f.allow_sms.is_some(),
        allow_email: f.allow_email.is_some(),
        allow_phone: f.allow_phone.is_some(),
        do_not_call: f.do_not_call.is_some(),
        preferred_time: f.preferred_time,
        quiet_start: f.quiet_start,
        quiet_end: f.quiet_end,
    };
    let result = customers::set_preferences(app.db(), &ctx.actor, CustomerId(id), &input).await.map(|_| ());
    back_or_message(app, ctx, id, result).await
}

#[derive(Deserialize, Default)]
pub struct ContactForm {
    #[serde(flatten)]
    input: ContactInput,
    primary: Option<String>,
}

pub async fn add_contact(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<ContactForm>,
) -> Result<Response, AppError> {
    let input = ContactInput { is_primary: f.primary.is_some(), ..f.input };
    let result = contacts::add(app.db(), &ctx.actor, CustomerId(id), &input).await.map(|_| ());
    back_or_message(app, ctx, id, result).await
}

pub async fn remove_contact(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((id, contact)): PathParams<(i64, i64)>,
) -> Result<Response, AppError> {
    contacts::remove(app.db(), &ctx.actor, CustomerId(id), ContactId(contact)).await?;
    Ok(Redirect::to(&format!("/customers/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct MergeForm {
    /// The duplicate that is merged into this customer.
    other: i64,
}

pub async fn merge_duplicate(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<MergeForm>,
) -> Result<Response, AppError> {
    let refs = app.packs().core().customer_references();
    let result = merge::merge(app.db(), &ctx.actor, CustomerId(id), CustomerId(f.other), &refs).await.map(|_| ());
    back_or_message(app, ctx, id, result).await
}
