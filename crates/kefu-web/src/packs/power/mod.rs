//! The power-supply pack's web half: electricity accounts and their meters
//! (a station's list, an account's page, the 360° panel), the tariffs kefu
//! ships, and the JSON API (an account, a bill quote) — their handlers,
//! templates (`templates/`) and interface text (`i18n/`).

pub mod api;
mod billing;
pub mod cases;
mod collection;
pub mod connections;
mod contracts;
mod indicators;
pub mod meters;
pub mod outages;
pub mod pages;
mod paging;
mod tariffs;
mod terms;
pub mod training;

use super::{CustomerPart, Panel, Related, WebPack};
use crate::error::AppError;
use crate::guard::Access::Signed;
use crate::guard::Ctx;
use crate::render::NavItem;
use crate::routes::{Entry, entry};
use crate::state::AppState;
use axum::http::Method as M;
use axum::routing::get;
use jiff::civil::Date;
use kefu_care::customers::Customer;
use kefu_core::Permission::*;
use kefu_core::ids::CustomerId;
use kefu_core::{Lang, Scope};
use kefu_pack::{BoxFuture, Pack};
use kefu_power::archive::{self, Account, Meter};
use kefu_store::{Db, Failure};
use utoipa::OpenApi;

pub struct Power;

/// What the 360° page shows: the customer's accounts and their meters, their
/// open applications and their inspection cases.
type Held = (Vec<Account>, Vec<Meter>, Vec<kefu_power::connections::store::Application>, Vec<kefu_power::cases::Case>);

#[derive(OpenApi)]
#[openapi(paths(api::account), components(schemas(api::ElectricityAccountDto, api::MeterDto)))]
struct PowerApi;

/// The pack's document with each part's merged in.
fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = PowerApi::openapi();
    doc.merge(cases::CasesApi::openapi());
    doc.merge(meters::MetersApi::openapi());
    doc.merge(contracts::ContractsApi::openapi());
    doc.merge(contracts::checks::ContractChecksApi::openapi());
    doc.merge(connections::ConnectionsApi::openapi());
    doc.merge(tariffs::TariffsApi::openapi());
    doc.merge(billing::BillingApi::openapi());
    doc.merge(indicators::IndicatorsApi::openapi());
    doc.merge(outages::OutagesApi::openapi());
    doc.merge(training::TrainingApi::openapi());
    doc.merge(collection::CollectionApi::openapi());
    doc.merge(terms::TermsApi::openapi());
    doc
}

const NAV: &[NavItem] = &[
    NavItem { key: "nav_power_accounts", href: Some("/power/accounts"), needs: CustomersRead },
    NavItem { key: "nav_power_tariffs", href: Some("/power/tariffs"), needs: CustomersRead },
    contracts::NAV_CONTRACTS,
    contracts::NAV_PERMITS,
    meters::NAV_METERS,
    meters::NAV_PLANS,
    cases::NAV_CASES,
    cases::NAV_INSPECTIONS,
    cases::NAV_SUSPENSIONS,
];

/// Each part's menu entries and templates, chained.
static ALL_NAV: std::sync::LazyLock<Vec<NavItem>> = std::sync::LazyLock::new(|| {
    [NAV, connections::NAV, outages::NAV, training::NAV, billing::NAV, terms::NAV, collection::NAV, indicators::NAV]
        .concat()
});
static ALL_TEMPLATES: std::sync::LazyLock<Vec<(&str, &str)>> = std::sync::LazyLock::new(|| {
    [
        TEMPLATES,
        contracts::TEMPLATES,
        contracts::checks::TEMPLATES,
        meters::TEMPLATES,
        cases::TEMPLATES,
        connections::TEMPLATES,
        outages::TEMPLATES,
        training::TEMPLATES,
        tariffs::TEMPLATES,
        billing::TEMPLATES,
        terms::TEMPLATES,
        indicators::TEMPLATES,
        collection::TEMPLATES,
    ]
    .concat()
});

const TEMPLATES: &[(&str, &str)] = &[
    ("power/accounts.html", include_str!("templates/accounts.html")),
    ("power/account.html", include_str!("templates/account.html")),
    ("power/customer_panel.html", include_str!("templates/customer_panel.html")),
    ("power/pager.html", include_str!("templates/pager.html")),
];

impl WebPack for Power {
    fn pack(&self) -> &'static dyn Pack {
        &kefu_power::pack::POWER
    }

    fn routes(&self) -> Vec<Entry> {
        vec![
            entry(M::GET, "/power/accounts", Signed(CustomersRead), get(pages::accounts)),
            entry(M::GET, "/power/accounts.xlsx", Signed(CustomersRead), get(pages::accounts_xlsx)),
            entry(M::GET, "/power/accounts/{number}", Signed(CustomersRead), get(pages::account)),
            entry(M::GET, "/api/v1/power/accounts/{number}", Signed(CustomersRead), get(api::account)),
        ]
        .into_iter()
        .chain(contracts::routes())
        .chain(meters::routes())
        .chain(cases::routes())
        .chain(connections::routes())
        .chain(outages::routes())
        .chain(training::routes())
        .chain(tariffs::routes())
        .chain(billing::routes())
        .chain(terms::routes())
        .chain(indicators::routes())
        .chain(collection::routes())
        .collect()
    }

    fn nav(&self) -> &'static [NavItem] {
        &ALL_NAV
    }

    fn reports(&self) -> &'static [NavItem] {
        connections::REPORTS
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &ALL_TEMPLATES
    }

    fn events(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    fn catalog(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => include_str!("i18n/zh-CN.toml"),
            Lang::En => include_str!("i18n/en.toml"),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        openapi_doc()
    }

    fn customer_part<'a>(
        &'a self,
        db: &'a Db,
        scope: &'a Scope,
        customer: &'a Customer,
        today: Date,
    ) -> BoxFuture<'a, Result<CustomerPart, Failure>> {
        Box::pin(async move {
            let accounts = archive::of_customer(db, scope, customer.id).await?;
            let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
            let meters = archive::meters_of(db, &ids).await?;
            let cases = kefu_power::cases::of_customer(db, scope, customer.id).await?;
            let json: Vec<api::ElectricityAccountDto> =
                accounts.iter().map(|a| api::ElectricityAccountDto::of(a, &meters)).collect();
            Ok(CustomerPart {
                key: "power_accounts",
                json: serde_json::to_value(json).unwrap_or_default(),
                due: Vec::new(),
                data: Box::new((
                    accounts,
                    meters,
                    kefu_power::connections::store::open_of_customer(db, scope, customer.id, today).await?,
                    cases,
                ) as Held),
            })
        })
    }

    fn customer_panel<'a>(
        &'a self,
        _app: &'a AppState,
        _ctx: &'a Ctx,
        customer: &'a Customer,
        part: &'a CustomerPart,
    ) -> BoxFuture<'a, Result<Panel, AppError>> {
        Box::pin(async move {
            let (accounts, meters, applications, cases) = part.data.downcast_ref::<Held>().cloned().unwrap_or_default();
            let rows: Vec<serde_json::Value> = accounts
                .iter()
                .map(|a| {
                    let at: Vec<&Meter> = meters.iter().filter(|m| m.account_id == Some(a.id)).collect();
                    view! { a => a, meters => at }
                })
                .collect();
            let cases = cases::panel_rows(&cases);
            let data =
                view! { accounts => rows, applications => applications, customer => customer.id, cases => cases };
            Ok(Panel { template: "power/customer_panel.html", top: None, data })
        })
    }

    fn call_panel<'a>(
        &'a self,
        _app: &'a AppState,
        _ctx: &'a Ctx,
        _customer: CustomerId,
    ) -> BoxFuture<'a, Result<Option<Panel>, AppError>> {
        Box::pin(async { Ok(None) })
    }

    /// No power record is linked to a complaint yet.
    fn complaint_about<'a>(
        &'a self,
        _app: &'a AppState,
        _ctx: &'a Ctx,
        _customer: CustomerId,
        _at: &'a str,
    ) -> BoxFuture<'a, Result<Option<Related>, AppError>> {
        Box::pin(async { Ok(None) })
    }

    fn today_lists(&self) -> &'static [(&'static str, &'static str, kefu_core::Permission)] {
        &[("today_power_accounts", "/power/accounts", CustomersRead), cases::TODAY_LIST, indicators::TODAY_LIST]
    }

    fn today_tiles<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<Vec<(&'static str, i64)>, AppError>> {
        Box::pin(async move {
            let mut tiles = vec![("today_power_accounts", archive::count(app.db(), &ctx.actor.scope).await?)];
            tiles.extend(cases::today_tile(app, ctx).await?);
            tiles.extend(indicators::today_tile(app, ctx).await?);
            Ok(tiles)
        })
    }
}
