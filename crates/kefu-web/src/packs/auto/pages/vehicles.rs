//! A vehicle's own page: its details, its repair orders (and opening a new
//! one), its insurance policies (and recording one), mileage readings,
//! workshop visits and its timeline.

use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::guard::Ctx;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{Html, Response};
use jiff::civil::Date;
use kefu_auto::vehicles::VehicleInput;
use kefu_auto::{insurance, maintenance, repair_orders, vehicles, visits};
use kefu_care::{customers, timeline};
use kefu_core::Permission;
use kefu_core::ids::{CustomerId, VehicleId};
use serde::Deserialize;
use serde_json::Value;

/// The items the customer declined on earlier orders and that fall due
/// from 90 days ago on: the advisor raises them again at the next visit.
pub(crate) async fn recommended(app: &AppState, ctx: &Ctx, vehicle: VehicleId) -> Result<Vec<Value>, AppError> {
    let since = app.today() - jiff::ToSpan::days(90);
    Ok(repair_orders::recommendations(app.db(), &ctx.actor.scope, vehicle, since)
        .await?
        .iter()
        .map(|r| {
            let l = &r.line;
            view! {
                order_id => r.order_id, order_no => r.order_no, description => l.description, kind => l.kind.code(),
                part_no => l.part_no, quantity => repair_orders::settlement::quantity_text(l.qty_centi),
                unit => l.unit.to_string(), amount => l.amount.to_string(), payer => l.payer.code(),
                recommend_by => l.recommend_by.map(|d| d.to_string()),
                overdue => l.recommend_by.is_some_and(|d| d < app.today()),
            }
        })
        .collect())
}

pub async fn view(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let db = app.db();
    let scope = &ctx.actor.scope;
    let v = vehicles::get(db, scope, VehicleId(id)).await?;
    let owner = customers::get(db, scope, v.customer_id).await?;
    let readings = vehicles::readings(db, v.id).await?;
    let pairs: Vec<_> = readings.iter().map(|r| (r.date, r.mileage_km)).collect();
    let next = maintenance::next_due(v.purchase_date, visits::last_service(db, v.id).await?, &pairs);
    let daily = maintenance::daily_km(&pairs).map(|k| format!("{k:.0}"));
    let visits: Vec<Value> = visits::of_vehicle(db, scope, v.id)
        .await?
        .iter()
        .map(|s| {
            view! {
                visit_date => s.visit_date.to_string(), kind => s.kind, mileage_km => s.mileage_km,
                amount => s.amount.to_string(), advisor => s.advisor, summary => s.summary,
            }
        })
        .collect();
    let orders = repair_orders::of_vehicle(db, scope, v.id).await?;
    let recommended = recommended(&app, &ctx, v.id).await?;
    let policies: Vec<Value> = insurance::of_vehicle(db, scope, v.id)
        .await?
        .iter()
        .map(|p| view! { p => p, premium => p.premium.to_string() })
        .collect();
    let events: Vec<Value> = timeline::of_asset(db, scope, vehicles::ASSET, v.id.0, 100)
        .await?
        .iter()
        .map(|e| {
            let at =
                kefu_core::time::parse_instant(&e.at).map(|t| app.0.zone.display(t)).unwrap_or_else(|| e.at.clone());
            view! { at => at, kind => e.kind, summary => e.summary, detail => e.detail, actor => e.actor }
        })
        .collect();
    page(
        &app,
        &ctx,
        "vehicles/view.html",
        "nav_customers",
        view! {
            v => v, owner => view! { id => owner.id, name => owner.name, customer_no => owner.customer_no },
            readings => readings, next_service => next.map(|d| d.to_string()), daily_km => daily,
            visits => visits, events => events, orders => orders, visit_kinds => visits::KINDS,
            can_service => ctx.actor.can(Permission::ServiceWork), policies => policies, recommended => recommended,
            policy_kinds => insurance::KINDS,
        },
    )
}

/// The vehicle form; dates may be left empty.
#[derive(Deserialize, Default)]
pub struct VehicleForm {
    #[serde(default)]
    vin: String,
    #[serde(default)]
    plate: String,
    #[serde(default)]
    brand: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    variant: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    purchase_date: String,
    #[serde(default)]
    mileage_km: String,
    #[serde(default)]
    insurance_expiry: String,
}

fn optional_date(field: &str, text: &str) -> Result<Option<Date>, kefu_core::Invalid> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| {
            kefu_core::Invalid::new(
                field,
                kefu_core::Rule::new("date_format", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
            )
        }),
    }
}

impl VehicleForm {
    fn input(&self) -> Result<VehicleInput, kefu_core::Invalid> {
        let mileage_km = match self.mileage_km.trim() {
            "" => 0,
            m => m.parse().map_err(|_| {
                kefu_core::Invalid::new(
                    "mileage_km",
                    kefu_core::Rule::new("integer", "须为整数", "must be a whole number"),
                )
            })?,
        };
        Ok(VehicleInput {
            vin: self.vin.clone(),
            plate: self.plate.clone(),
            brand: self.brand.clone(),
            model: self.model.clone(),
            variant: self.variant.clone(),
            colour: self.colour.clone(),
            purchase_date: optional_date("purchase_date", &self.purchase_date)?,
            mileage_km,
            insurance_expiry: optional_date("insurance_expiry", &self.insurance_expiry)?,
            ..VehicleInput::default()
        })
    }
}

/// The vehicle form on the 360° page.
pub async fn add(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<VehicleForm>,
) -> Result<Response, AppError> {
    let result = match f.input() {
        Ok(input) => vehicles::create(app.db(), &ctx.actor, CustomerId(id), &input, app.today()).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    crate::pages::customers::back_or_message(app, ctx, id, result).await
}
