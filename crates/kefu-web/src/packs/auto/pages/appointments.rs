//! Appointment pages: the month calendar with each day's workshop load, a
//! day's hour slots and bookings (arrived, no-show, cancel, the .ics
//! invitation), the booking form on the customer page and the call page,
//! and the store's capacity for managers.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::fields::whole_number;
use crate::guard::Ctx;
use crate::packs::auto::requests::{BookForm, OutcomeForm, month_start};
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use kefu_accounts::branches;
use kefu_auto::appointments::{self, Capacity};
use kefu_auto::{vehicles, visits};
use kefu_core::Permission;
use kefu_core::ids::{AppointmentId, BranchId, CustomerId};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    #[serde(default)]
    branch: Option<i64>,
    /// YYYY-MM
    #[serde(default)]
    month: String,
}

/// The store the calendar shows: the one asked for if in scope, else the
/// user's own (the first store they are a member of, not one beneath a
/// group they belong to), else the first store in scope.
pub(crate) async fn store_of(
    app: &AppState,
    ctx: &Ctx,
    asked: Option<i64>,
) -> Result<(BranchId, Vec<Value>), AppError> {
    let mut stores = branches::in_scope(app.db(), &ctx.actor.scope).await?;
    stores.sort_by_key(|b| (b.kind != "store", b.id));
    let chosen = match asked.map(BranchId) {
        Some(b) => {
            ctx.actor.scope.check(b).map_err(|_| AppError::NotFound)?;
            b
        }
        None => match crate::pages::own_store(app, ctx, &stores).await? {
            Some(own) => own,
            None => stores.first().map(|b| b.id).ok_or(AppError::NotFound)?,
        },
    };
    let list = stores.iter().map(|b| view! { id => b.id, name => b.name, chosen => b.id == chosen }).collect();
    Ok((chosen, list))
}

pub async fn calendar(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<CalendarQuery>,
) -> Result<Html<String>, AppError> {
    let (branch, stores) = store_of(&app, &ctx, q.branch).await?;
    let first = month_start(&q.month, app.today())?;
    let load = appointments::month_load(app.db(), branch, first).await?;
    // Weeks start on Monday; blank cells before the first.
    let lead = i64::from(first.weekday().to_monday_zero_offset());
    let days: Vec<Value> = load
        .iter()
        .map(|(d, l)| {
            view! {
                date => d.to_string(), day => d.day(), percent => l.percent, level => l.level,
                booked_hours => format!("{:.1}", l.booked_minutes as f64 / 60.0), today => *d == app.today(),
            }
        })
        .collect();
    let cap = appointments::capacity_of(app.db(), branch).await?;
    let parts: Vec<Value> = kefu_auto::parts::catalogue(app.db(), branch)
        .await?
        .iter()
        .map(|p| view! { p => p, unit => p.unit.to_string() })
        .collect();
    let month = |d: Date| d.strftime("%Y-%m").to_string();
    page(
        &app,
        &ctx,
        "appointments/calendar.html",
        "nav_appointments",
        view! {
            branch => branch, stores => stores, month => month(first), lead => (0..lead).collect::<Vec<_>>(),
            days => days, prev => month(first.yesterday().unwrap_or(first)), next => month(first.last_of_month().tomorrow().unwrap_or(first)),
            capacity => view! {
                bays => cap.bays, technician_hours => cap.technician_minutes / 60, open_hour => cap.open_hour,
                close_hour => cap.close_hour,
            },
            can_manage => ctx.actor.can(Permission::WorkshopManage), parts => parts,
        },
    )
}

pub async fn day(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(date): PathParams<String>,
    QueryParams(q): QueryParams<CalendarQuery>,
) -> Result<Html<String>, AppError> {
    let day: Date = date.parse().map_err(|_| AppError::NotFound)?;
    let (branch, stores) = store_of(&app, &ctx, q.branch).await?;
    let cap = appointments::capacity_of(app.db(), branch).await?;
    let booked = appointments::day_slots(app.db(), branch, day).await?;
    let list = appointments::of_day(app.db(), branch, day).await?;
    let mut needs = appointments::needs(app.db(), &list.iter().map(|a| a.id).collect::<Vec<_>>()).await?;
    let mut rows: Vec<(i64, Value)> = Vec::with_capacity(list.len());
    for a in &list {
        let need = needs.remove(&a.id).unwrap_or_default();
        let short = appointments::shortages(app.db(), a, &need).await?;
        let need: Vec<String> = need.iter().map(|(p, q)| format!("{p} ×{q}")).collect();
        rows.push((a.hour, view! { a => a, needs => need, shortages => short }));
    }
    let hours: Vec<Value> = cap
        .hours()
        .map(|h| {
            let taken = booked.iter().find(|(hour, _)| *hour == h).map_or(0, |(_, n)| *n);
            let here: Vec<&Value> = rows.iter().filter(|(hour, _)| *hour == h).map(|(_, v)| v).collect();
            view! { hour => h, booked => taken, bays => cap.bays, full => taken >= cap.bays, appointments => here }
        })
        .collect();
    let load = appointments::month_load(app.db(), branch, day).await?;
    let today_load = load.iter().find(|(d, _)| *d == day).map(|(_, l)| *l);
    page(
        &app,
        &ctx,
        "appointments/day.html",
        "nav_appointments",
        view! {
            branch => branch, stores => stores, day => day.to_string(), month => day.strftime("%Y-%m").to_string(),
            hours => hours, load => today_load,
        },
    )
}

/// How many days ahead the booking form shows the free capacity of.
const FREE_DAYS_SHOWN: i64 = 14;
/// The catalog's names of the weekdays, Monday first.
const WEEKDAYS: [&str; 7] = ["ap_mon", "ap_tue", "ap_wed", "ap_thu", "ap_fri", "ap_sat", "ap_sun"];

/// The booking form's values for a customer's vehicles, when the user may
/// book and the customer has a vehicle.
pub(crate) async fn booking_form(
    app: &AppState,
    ctx: &Ctx,
    customer: CustomerId,
    owned: &[&vehicles::Vehicle],
    source: &str,
) -> Result<Option<Value>, AppError> {
    if !ctx.actor.can(Permission::ServiceWork) {
        return Ok(None);
    }
    let Some(first) = owned.first() else { return Ok(None) };
    let cap = appointments::capacity_of(app.db(), first.branch_id).await?;
    let cars: Vec<Value> =
        owned.iter().map(|v| view! { id => v.id, label => v.plate.clone().unwrap_or_else(|| v.vin.clone()) }).collect();
    // What is left of the next two weeks, so the agent offers a time that fits.
    let free: Vec<Value> = appointments::free_ahead(app.db(), first.branch_id, app.today(), FREE_DAYS_SHOWN)
        .await?
        .iter()
        .map(|d| {
            view! {
                day => d.day.to_string(), label => d.day.strftime("%m-%d").to_string(),
                weekday => WEEKDAYS[usize::from(d.day.weekday().to_monday_zero_offset().unsigned_abs())],
                free_hours => format!("{:.1}", d.minutes as f64 / 60.0), open => d.minutes > 0, hours => d.hours,
            }
        })
        .collect();
    Ok(Some(view! {
        customer => customer, vehicles => cars, hours => cap.hours().collect::<Vec<_>>(), jobs => visits::KINDS,
        sources => appointments::SOURCES, source => source, today => app.today().to_string(), free => free,
    }))
}

/// Books from the customer page or a call; on to the day's page.
pub async fn book(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(customer): PathParams<i64>,
    FormBody(f): FormBody<BookForm>,
) -> Result<Response, AppError> {
    // The customer first: another store's customer is refused whatever the form says.
    let customer = kefu_care::customers::get(app.db(), &ctx.actor.scope, CustomerId(customer)).await?;
    let booking = f.booking().map_err(AppError::Invalid)?;
    let v = vehicles::get(app.db(), &ctx.actor.scope, booking.vehicle).await?;
    if v.customer_id != customer.id {
        return Err(AppError::NotFound);
    }
    let a = appointments::book(app.db(), &ctx.actor, &booking, app.now(), app.today()).await?;
    crate::packs::send_notice(&app, &ctx.actor, a.customer_id).await;
    Ok(Redirect::to(&format!("/appointments/days/{}?branch={}&booked={}", a.day, a.branch_id, a.id)).into_response())
}

/// Arrived (on to the repair order), no-show or cancelled.
pub async fn conclude(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<OutcomeForm>,
) -> Result<Response, AppError> {
    let a =
        appointments::conclude(app.db(), &ctx.actor, AppointmentId(id), f.outcome()?, app.now(), app.today()).await?;
    let to = match a.repair_order_id {
        Some(order) if a.status == "arrived" => format!("/repair-orders/{order}"),
        _ => format!("/appointments/days/{}?branch={}", a.day, a.branch_id),
    };
    Ok(Redirect::to(&to).into_response())
}

/// The appointment as an iCalendar file for the customer's phone.
pub async fn invitation(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let text = appointments::invitation(app.db(), &ctx.actor.scope, id, &app.0.zone, app.now()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"appointment-{id}.ics\"")),
        ],
        text,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct CapacityForm {
    #[serde(default)]
    branch: String,
    #[serde(default)]
    bays: String,
    #[serde(default)]
    technician_hours: String,
    #[serde(default)]
    open_hour: String,
    #[serde(default)]
    close_hour: String,
}

pub async fn set_capacity(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<CapacityForm>,
) -> Result<Response, AppError> {
    let number = |field: &str, text: &str| whole_number(field, text).map_err(AppError::Invalid);
    let branch = BranchId(number("branch", &f.branch)?);
    let cap = Capacity {
        bays: number("bays", &f.bays)?,
        technician_minutes: number("technician_hours", &f.technician_hours)?.saturating_mul(60),
        open_hour: number("open_hour", &f.open_hour)?,
        close_hour: number("close_hour", &f.close_hour)?,
    };
    appointments::set_capacity(app.db(), &ctx.actor, branch, &cap).await?;
    Ok(Redirect::to(&format!("/appointments?branch={branch}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PartForm {
    branch: String,
    part_no: String,
    name: String,
    unit_price: String,
    stock: String,
}

/// Adds a part to the store's catalogue, or changes its price and stock.
pub async fn save_part(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<PartForm>,
) -> Result<Response, AppError> {
    let branch = BranchId(whole_number("branch", &f.branch).map_err(AppError::Invalid)?);
    let part = kefu_auto::parts::Part {
        part_no: f.part_no,
        name: f.name,
        unit: kefu_core::Money::parse_yuan("unit_price", &f.unit_price).map_err(AppError::Invalid)?,
        stock: whole_number("stock", &f.stock).map_err(AppError::Invalid)?,
    };
    kefu_auto::parts::save(app.db(), &ctx.actor, branch, &part).await?;
    Ok(Redirect::to(&format!("/appointments?branch={branch}#parts")).into_response())
}
