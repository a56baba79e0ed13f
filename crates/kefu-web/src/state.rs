//! What every handler can reach: the database, the clock, the business zone,
//! the templates, the metrics and the settings.

use crate::metrics::Metrics;
use kefu_core::time::{BusinessZone, Clock};
use kefu_store::Db;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecurity {
    /// Secure cookies unless the request came over plain HTTP from another
    /// machine (a LAN install without TLS, where a Secure cookie would never
    /// come back and nobody could sign in).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub cookie_security: CookieSecurity,
    /// The hours a complaint's first contact and resolution may take.
    pub complaints: kefu_care::complaints::Deadlines,
    /// When set, /metrics answers only a request bearing this token
    /// (`Authorization: Bearer …`).
    pub metrics_token: Option<String>,
    /// The packs that run: their routes, navigation, panels and outreach.
    pub packs: crate::packs::Enabled,
    /// How long survey links stay open.
    pub surveys: kefu_care::surveys::LinkSettings,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cookie_security: CookieSecurity::Auto,
            complaints: Default::default(),
            metrics_token: None,
            packs: Default::default(),
            surveys: Default::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub zone: BusinessZone,
    pub config: WebConfig,
    pub templates: minijinja::Environment<'static>,
    pub metrics: Metrics,
    /// The outreach channels configured: letters, SMS, e-mail.
    pub channels: kefu_outreach::dispatch::Channels,
    /// The progress of the imports running in this process.
    pub imports: crate::imports::Running,
}

impl AppState {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        zone: BusinessZone,
        config: WebConfig,
        channels: kefu_outreach::dispatch::Channels,
    ) -> AppState {
        let templates = crate::render::environment(&config.packs);
        AppState(Arc::new(Inner {
            // The capabilities read now from the database's clock: the same one.
            db: db.with_clock(clock.clone()),
            clock,
            zone,
            config,
            templates,
            metrics: Metrics::new(),
            channels,
            imports: Default::default(),
        }))
    }

    /// The packs that run.
    pub fn packs(&self) -> &crate::packs::Enabled {
        &self.0.config.packs
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.0.clock.now()
    }

    pub fn today(&self) -> jiff::civil::Date {
        self.0.zone.date_of(self.now())
    }

    /// The time of day now in the business zone (for customers' quiet hours).
    pub fn local_time(&self) -> jiff::civil::Time {
        self.now().to_zoned_datetime(self.0.zone.time_zone()).time()
    }
}
