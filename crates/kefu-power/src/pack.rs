//! The power-supply pack as the core sees it (`kefu_pack::Pack`): its
//! branch kinds, tables, search probes, the table a merge moves and the
//! demo county.

use crate::{archive, demo};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_care::search::Probe;
use kefu_core::Actor;
use kefu_outreach::playbook::Playbook;
use kefu_outreach::source::{AnchorSource, Arrivals};
use kefu_pack::{BoxFuture, Demo, Generated, ImportTarget, Pack, Progress, Scale, Text};
use kefu_store::Db;

pub struct Power;

pub static POWER: Power = Power;

impl Pack for Power {
    fn code(&self) -> &'static str {
        "power"
    }

    fn name(&self) -> Text {
        Text { zh: "供电", en: "Power supply" }
    }

    fn branch_kinds(&self) -> &'static [&'static str] {
        archive::branch_kind::ALL
    }

    fn migrations(&self) -> &'static [i64] {
        // 30: supply stations, electricity accounts and meters; 39: tariffs;
        // 40: reading books and readings; 41: bills.
        &[30, 39, 40, 41]
    }

    fn probes(&self, query: &str) -> Vec<Probe> {
        archive::probes(query)
    }

    fn customer_references(&self) -> &'static [(&'static str, &'static str)] {
        archive::CUSTOMER_REFERENCES
    }

    fn default_playbooks(&self) -> Vec<Playbook> {
        Vec::new()
    }

    fn anchor_sources(&self) -> Vec<&'static dyn AnchorSource> {
        Vec::new()
    }

    /// No power playbook follows up a visit yet.
    fn visit_anchors(&self) -> &'static [&'static str] {
        &[]
    }

    fn arrivals(&self) -> Vec<&'static dyn Arrivals> {
        Vec::new()
    }

    fn import(&self) -> Option<&'static dyn ImportTarget> {
        None
    }

    fn demo(&self) -> Option<&'static dyn Demo> {
        Some(&COUNTY)
    }

    fn command<'a>(
        &'a self,
        db: &'a Db,
        actor: &'a Actor,
        when: (Date, Timestamp),
        args: Vec<String>,
    ) -> Option<BoxFuture<'a, anyhow::Result<String>>> {
        Some(Box::pin(crate::cli::run(db, actor, when, args)))
    }
}

/// The demo: a Guangxi county's supply stations, hydro stations and
/// accounts.
struct County;

static COUNTY: County = County;

impl Demo for County {
    fn present<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, anyhow::Result<bool>> {
        Box::pin(demo::present(db))
    }

    fn load<'a>(
        &'a self,
        db: &'a Db,
        seed: u64,
        today: Date,
        progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<String>> {
        Box::pin(async move { Ok(demo::load(db, seed, today, demo::ACCOUNTS, progress).await?.to_string()) })
    }

    /// The pack imports nothing yet (issue 19 §1 asks for the old
    /// marketing system's export next), so its file has only the header.
    fn import_file(&self, _seed: u64, _today: Date, _rows: usize) -> String {
        "户号,户名,手机,用电地址,用电类别\n".to_string()
    }

    fn generate<'a>(
        &'a self,
        _db: &'a Db,
        _scale: Scale,
        _progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<Generated>> {
        Box::pin(async { anyhow::bail!("kefu gen: the power pack generates no data at scale yet (issue 19)") })
    }
}
