//! The packs compiled into kefu and the web half of the pack interface.
//! This file is the one place packs are registered ([`AVAILABLE`]); each
//! pack's pages, API handlers, templates and interface text live in its
//! own folder beside it (`packs/auto/`), and the shell reaches them only
//! through [`WebPack`].

pub mod auto;
pub mod estate;
pub mod power;

use crate::error::AppError;
use crate::guard::Ctx;
use crate::render::NavItem;
use crate::routes::Entry;
use crate::state::AppState;
use jiff::civil::Date;
use kefu_care::customers::Customer;
use kefu_care::due::Due;
use kefu_core::{Lang, Scope};
use kefu_pack::{BoxFuture, Pack, Packs};
use kefu_store::{Db, Failure};
use serde_json::Value;
use std::any::Any;

/// Every pack this build knows; settings choose among them.
pub const AVAILABLE: &[&dyn WebPack] = &[&auto::Auto, &power::Power, &estate::Estate];

/// What a pack reads of one customer for the 360° page and the overview API.
pub struct CustomerPart {
    /// The overview API's field for it ("vehicles").
    pub key: &'static str,
    /// What the overview API answers under `key`.
    pub json: Value,
    /// What falls due soon, for the page's list of dates.
    pub due: Vec<Due>,
    /// What the pack's panel renders from, as the pack read it.
    pub data: Box<dyn Any + Send + Sync>,
}

/// A block a pack adds to a shell page: its template (from the pack's
/// folder) rendered with `panel` set to this.
#[derive(serde::Serialize)]
pub struct Panel {
    pub template: &'static str,
    /// A second template for the head of the page, above its columns:
    /// what is coming soon (the 360° page's bookings), from the same data.
    pub top: Option<&'static str>,
    pub data: Value,
}

/// A record of a pack's that a shell page links to: the interface text key
/// naming what it is, its label and its page.
#[derive(serde::Serialize)]
pub struct Related {
    pub title: &'static str,
    pub label: String,
    pub href: String,
}

/// The web half of a pack.
pub trait WebPack: Send + Sync {
    /// The core half.
    fn pack(&self) -> &'static dyn Pack;
    /// Its pages and API routes, with the access each needs; merged into
    /// the one route table.
    fn routes(&self) -> Vec<Entry>;
    /// Its entries in the main navigation.
    fn nav(&self) -> &'static [NavItem];
    /// Its reports, linked from the outreach page.
    fn reports(&self) -> &'static [NavItem];
    /// Its templates, by the name pages render them with.
    fn templates(&self) -> &'static [(&'static str, &'static str)];
    /// The timeline entries it writes, `(kind, template)`: how the shell's
    /// timelines show them.
    fn events(&self) -> &'static [(&'static str, &'static str)];
    /// Its interface text in `lang`, as TOML.
    fn catalog(&self, lang: Lang) -> &'static str;
    /// The OpenAPI document of its API routes.
    fn openapi(&self) -> utoipa::openapi::OpenApi;
    /// What it holds of `customer`.
    fn customer_part<'a>(
        &'a self,
        db: &'a Db,
        scope: &'a Scope,
        customer: &'a Customer,
        today: Date,
    ) -> BoxFuture<'a, Result<CustomerPart, Failure>>;
    /// Its panel on the 360° page, from what [`WebPack::customer_part`] read.
    fn customer_panel<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        customer: &'a Customer,
        part: &'a CustomerPart,
    ) -> BoxFuture<'a, Result<Panel, AppError>>;
    /// Its panel on an outreach call's page (what the call may book).
    fn call_panel<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        customer: kefu_core::ids::CustomerId,
    ) -> BoxFuture<'a, Result<Option<Panel>, AppError>>;
    /// The record of its a complaint received at `at` (an instant as
    /// stored) is most likely about, if any.
    fn complaint_about<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
        customer: kefu_core::ids::CustomerId,
        at: &'a str,
    ) -> BoxFuture<'a, Result<Option<Related>, AppError>>;
    /// The list each of its today numbers opens: (interface text key, page,
    /// the permission the page needs).
    fn today_lists(&self) -> &'static [(&'static str, &'static str, kefu_core::Permission)];
    /// Its numbers on the today page: (interface text key, count).
    fn today_tiles<'a>(
        &'a self,
        app: &'a AppState,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<Vec<(&'static str, i64)>, AppError>>;
}

/// The packs a server runs with: their web halves and core halves.
#[derive(Clone)]
pub struct Enabled {
    web: Vec<&'static dyn WebPack>,
    core: Packs,
}

impl std::fmt::Debug for Enabled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl Default for Enabled {
    /// Every pack this build knows.
    fn default() -> Enabled {
        Enabled::of(AVAILABLE.to_vec())
    }
}

impl Enabled {
    fn of(web: Vec<&'static dyn WebPack>) -> Enabled {
        let core = Packs::new(web.iter().map(|w| w.pack()).collect());
        Enabled { web, core }
    }

    /// The packs `codes` name, in the order of [`AVAILABLE`]; an unknown
    /// code is refused with the codes there are.
    pub fn select<S: AsRef<str>>(codes: &[S]) -> Result<Enabled, String> {
        let known: Vec<&str> = AVAILABLE.iter().map(|w| w.pack().code()).collect();
        if let Some(unknown) = codes.iter().map(AsRef::as_ref).find(|c| !known.contains(c)) {
            return Err(format!("packs: {unknown:?} is not one of {}", known.join(", ")));
        }
        let chosen = AVAILABLE.iter().copied().filter(|w| codes.iter().any(|c| c.as_ref() == w.pack().code()));
        Ok(Enabled::of(chosen.collect()))
    }

    /// No pack: the common core alone.
    pub fn none() -> Enabled {
        Enabled::of(Vec::new())
    }

    /// The core halves: search, merge, outreach, imports, demo data.
    pub fn core(&self) -> &Packs {
        &self.core
    }

    pub fn web(&self) -> impl Iterator<Item = &'static dyn WebPack> + '_ {
        self.web.iter().copied()
    }
}

/// Sends the SMS and e-mails due by `today` through the configured
/// gateways: everyone's, or one customer's right after an event told them
/// something (a booking, a delay).
pub async fn send_outreach(
    app: &AppState,
    actor: &kefu_core::Actor,
    whose: kefu_outreach::dispatch::Whose,
    today: Date,
) -> Result<kefu_outreach::dispatch::Dispatched, Failure> {
    let playbooks = app.packs().core().playbooks(app.db()).await?;
    kefu_outreach::dispatch::send_messages(app.db(), actor, &app.0.channels, &playbooks, whose, today, app.local_time())
        .await
}

/// Sends at once what an event just told a customer. The event is already
/// committed: a gateway that fails leaves the message to the hourly send,
/// and only the log hears of a database failure here.
pub async fn send_notice(app: &AppState, actor: &kefu_core::Actor, customer: kefu_core::ids::CustomerId) {
    let whose = kefu_outreach::dispatch::Whose::Customer(customer);
    if let Err(e) = send_outreach(app, actor, whose, app.today()).await {
        tracing::error!(error = %e, customer = customer.0, "sending a notice failed");
    }
}
