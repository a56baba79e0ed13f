//! The power-supply pack's web half: electricity accounts and their meters
//! (a station's list, an account's page, the 360° panel), the tariffs kefu
//! ships, and the JSON API (an account, a bill quote) — their handlers,
//! templates (`templates/`) and interface text (`i18n/`).

pub mod api;
mod billing;
pub mod pages;
mod tariffs;

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

/// What the 360° page shows: the customer's accounts and their meters.
type Held = (Vec<Account>, Vec<Meter>);

#[derive(OpenApi)]
#[openapi(paths(api::account), components(schemas(api::AccountDto, api::MeterDto)))]
struct PowerApi;

const NAV: &[NavItem] = &[
    NavItem { key: "nav_power_accounts", href: Some("/power/accounts"), needs: CustomersRead },
    NavItem { key: "nav_power_tariffs", href: Some("/power/tariffs"), needs: CustomersRead },
];

const TEMPLATES: &[(&str, &str)] = &[
    ("power/accounts.html", include_str!("templates/accounts.html")),
    ("power/account.html", include_str!("templates/account.html")),
    ("power/customer_panel.html", include_str!("templates/customer_panel.html")),
];

impl WebPack for Power {
    fn pack(&self) -> &'static dyn Pack {
        &kefu_power::pack::POWER
    }

    fn routes(&self) -> Vec<Entry> {
        vec![
            entry(M::GET, "/power/accounts", Signed(CustomersRead), get(pages::accounts)),
            entry(M::GET, "/power/accounts/{number}", Signed(CustomersRead), get(pages::account)),
            entry(M::GET, "/api/v1/power/accounts/{number}", Signed(CustomersRead), get(api::account)),
        ]
        .into_iter()
        .chain(tariffs::routes())
        .chain(billing::routes())
        .collect()
    }

    fn nav(&self) -> &'static [NavItem] {
        static ALL: std::sync::OnceLock<Vec<NavItem>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            NAV.iter().chain(billing::NAV).map(|n| NavItem { key: n.key, href: n.href, needs: n.needs }).collect()
        })
    }

    fn reports(&self) -> &'static [NavItem] {
        &[]
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        // Each part of the pack keeps its templates beside its code.
        static ALL: std::sync::OnceLock<Vec<(&str, &str)>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| TEMPLATES.iter().chain(tariffs::TEMPLATES).chain(billing::TEMPLATES).copied().collect())
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
        let mut doc = PowerApi::openapi();
        doc.merge(tariffs::TariffsApi::openapi());
        doc.merge(billing::BillingApi::openapi());
        doc
    }

    fn customer_part<'a>(
        &'a self,
        db: &'a Db,
        scope: &'a Scope,
        customer: &'a Customer,
        _today: Date,
    ) -> BoxFuture<'a, Result<CustomerPart, Failure>> {
        Box::pin(async move {
            let accounts = archive::of_customer(db, scope, customer.id).await?;
            let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
            let meters = archive::meters_of(db, &ids).await?;
            let json: Vec<api::AccountDto> = accounts.iter().map(|a| api::AccountDto::of(a, &meters)).collect();
            Ok(CustomerPart {
                key: "power_accounts",
                json: serde_json::to_value(json).unwrap_or_default(),
                due: Vec::new(),
                data: Box::new((accounts, meters) as Held),
            })
        })
    }

    fn customer_panel<'a>(
        &'a self,
        _app: &'a AppState,
        _ctx: &'a Ctx,
        _customer: &'a Customer,
        part: &'a CustomerPart,
    ) -> BoxFuture<'a, Result<Panel, AppError>> {
        Box::pin(async move {
            let (accounts, meters) = part.data.downcast_ref::<Held>().cloned().unwrap_or_default();
            let rows: Vec<serde_json::Value> = accounts
                .iter()
                .map(|a| {
                    let at: Vec<&Meter> = meters.iter().filter(|m| m.account_id == Some(a.id)).collect();
                    view! { a => a, meters => at }
                })
                .collect();
            Ok(Panel { template: "power/customer_panel.html", top: None, data: view! { accounts => rows } })
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
        &[("today_power_accounts", "/power/accounts", CustomersRead)]
    }

    fn today_tiles<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<Vec<(&'static str, i64)>, AppError>> {
        Box::pin(async move { Ok(vec![("today_power_accounts", archive::count(app.db(), &ctx.actor.scope).await?)]) })
    }
}
