//! The seam between the common core and the industry packs (the 4S
//! dealership today; power supply and property management next).
//!
//! A pack implements [`Pack`]: what the core asks of it to search, merge,
//! reach out, measure, import and demonstrate. Its web half (pages, API
//! routes, navigation, the panels it adds to the 360° and today pages,
//! templates and interface text) lives in kefu-web beside the shell it
//! renders in. [`Packs`] is the set a server runs with, from the settings:
//! a pack that is off answers nothing (its tables may exist).

pub mod bulk_load;
pub mod names;

use jiff::civil::Date;
use kefu_care::import::{Field, Import, Report};
use kefu_care::search::{self, Hit, Probe};
use kefu_core::time::BusinessZone;
use kefu_core::{Actor, Scope};
use kefu_outreach::playbook::Playbook;
use kefu_outreach::source::{AnchorSource, Arrivals};
use kefu_store::{Db, Failure};
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A text in both interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub zh: &'static str,
    pub en: &'static str,
}

/// What an industry adds to the common core.
pub trait Pack: Send + Sync {
    /// The code settings name it by (`packs = ["auto"]`).
    fn code(&self) -> &'static str;
    fn name(&self) -> Text;
    /// The kinds of branch its centres are made of (a store; a supply
    /// station; an estate), beside the core's groups.
    fn branch_kinds(&self) -> &'static [&'static str];
    /// The versions of kefu-store's one migration sequence that create its
    /// tables. They are applied whether the pack is on or off: switching a
    /// pack on never waits for a migration, and switching it off loses
    /// nothing.
    fn migrations(&self) -> &'static [i64];
    /// What the one search box looks for in its records (a plate, a VIN),
    /// for a query already cleaned of control characters.
    fn probes(&self, query: &str) -> Vec<Probe>;
    /// Its tables' columns that point at a customer, `(table, column)`,
    /// which a merge moves to the customer kept.
    fn customer_references(&self) -> &'static [(&'static str, &'static str)];
    /// The playbooks it ships; an administrator's edits override them.
    fn default_playbooks(&self) -> Vec<Playbook>;
    /// Where its playbooks' anchors find their subjects.
    fn anchor_sources(&self) -> Vec<&'static dyn AnchorSource>;
    /// The anchors of its playbooks whose calls follow up a visit the
    /// customer made (the 7-day call after a service): such a call asks
    /// whether the customer is satisfied rather than inviting them in.
    fn visit_anchors(&self) -> &'static [&'static str];
    /// Where it tells when its customers came in, for the effectiveness
    /// report.
    fn arrivals(&self) -> Vec<&'static dyn Arrivals>;
    /// What a row of an old system's export means for it, if it imports.
    fn import(&self) -> Option<&'static dyn ImportTarget>;
    /// Its demonstration data and `kefu gen`, if it has them.
    fn demo(&self) -> Option<&'static dyn Demo>;
    /// Its own subcommands, `kefu <code> …`: runs `args` (the words after
    /// the pack's code) on the database as `actor`, on the business date
    /// `today` at the instant `now`, and answers the text to print. `None`
    /// when the pack has no commands.
    fn command<'a>(
        &'a self,
        _db: &'a Db,
        _actor: &'a Actor,
        _when: (Date, jiff::Timestamp),
        _args: Vec<String>,
    ) -> Option<BoxFuture<'a, anyhow::Result<String>>> {
        None
    }

    /// The complaint categories and departments it adds to the common
    /// engine's, and whether complaints under its categories need their
    /// corrective and preventive measures before they close (the estate
    /// pack: engineering, security, cleaning …; measures required).
    fn complaint_choices(&self) -> (&'static [&'static str], &'static [&'static str], bool) {
        (&[], &[], false)
    }

    /// Its part of the hourly job (the estate pack's purge of visitor
    /// records past their retention): one line of what it did, if anything.
    fn hourly<'a>(
        &'a self,
        _db: &'a Db,
        _actor: &'a Actor,
        _now: jiff::Timestamp,
    ) -> BoxFuture<'a, Result<Option<String>, Failure>> {
        Box::pin(async { Ok(None) })
    }
}

/// An import target behind a pointer: the fields a file's columns map to,
/// and the run over a mapped table.
pub trait ImportTarget: Send + Sync {
    fn fields(&self) -> &'static [Field];
    fn run<'a>(
        &'a self,
        import: &'a Import<'a>,
        today: Date,
        progress: &'a mut (dyn FnMut(&Report) + Send),
    ) -> BoxFuture<'a, Result<Report, Failure>>;
}

/// Where a long job tells how far it got (a terminal's progress bar).
pub trait Progress: Send + Sync {
    /// A stage of `total` steps begins.
    fn start(&self, total: u64, what: &str);
    fn advance(&self, steps: u64);
    /// A stage without steps begins.
    fn stage(&self, what: &str);
    fn finish(&self);
}

/// Nobody is watching.
impl Progress for () {
    fn start(&self, _: u64, _: &str) {}
    fn advance(&self, _: u64) {}
    fn stage(&self, _: &str) {}
    fn finish(&self) {}
}

/// What `kefu gen` is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub customers: usize,
    pub seed: u64,
    /// The day the histories run up to.
    pub today: Date,
    /// How many branches of the generated organisation.
    pub branches: usize,
}

/// What `kefu gen` did and how long its parts took.
#[derive(Debug)]
pub struct Generated {
    /// One line: what was made.
    pub summary: String,
    pub elapsed: std::time::Duration,
    /// Writing the search keys.
    pub keys: std::time::Duration,
    /// Building the indexes after the rows were in.
    pub indexing: std::time::Duration,
}

/// A pack's demonstration data, generated from a seed so the same seed and
/// day give the same data.
pub trait Demo: Send + Sync {
    /// Whether it is loaded already.
    fn present<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, anyhow::Result<bool>>;
    /// Loads the demo through the capabilities; answers what it made, in
    /// one line.
    fn load<'a>(
        &'a self,
        db: &'a Db,
        seed: u64,
        today: Date,
        progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<String>>;
    /// `rows` rows of a file as the pack's old systems export them, for
    /// trying and measuring `kefu import` (`kefu demo --csv`).
    fn import_file(&self, seed: u64, today: Date, rows: usize) -> String;
    /// The demo's generator at any scale, written in bulk (`kefu gen`).
    fn generate<'a>(
        &'a self,
        db: &'a Db,
        scale: Scale,
        progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<Generated>>;
}

/// The packs a server runs with.
#[derive(Clone, Default)]
pub struct Packs(Vec<&'static dyn Pack>);

impl std::fmt::Debug for Packs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.codes()).finish()
    }
}

/// A pack's anchor source (a static) in the one list beside the core's
/// owned ones (the complaint re-contact carries the zone).
struct Static(&'static dyn AnchorSource);

impl AnchorSource for Static {
    fn anchors(&self) -> &'static [&'static str] {
        self.0.anchors()
    }

    fn subjects<'a>(&'a self, db: &'a Db, anchor: &'a str, date: Date) -> kefu_outreach::source::Subjects<'a> {
        self.0.subjects(db, anchor, date)
    }
}

impl Packs {
    pub fn new(packs: Vec<&'static dyn Pack>) -> Packs {
        Packs(packs)
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Pack> + '_ {
        self.0.iter().copied()
    }

    pub fn codes(&self) -> Vec<&'static str> {
        self.0.iter().map(|p| p.code()).collect()
    }

    /// What the one search box looks for: the core's probes and every pack's.
    pub fn probes(&self, query: &str) -> Vec<Probe> {
        // Nobody types control characters into a search box; pasted ones
        // (a tab, a NUL) are dropped rather than searched for.
        let query: String = query.chars().filter(|c| !c.is_control()).collect();
        let mut probes = search::core_probes(&query);
        for pack in self.iter() {
            probes.extend(pack.probes(&query));
        }
        probes
    }

    pub async fn search(&self, db: &Db, scope: &Scope, query: &str, limit: usize) -> Result<Vec<Hit>, Failure> {
        search::run(db, scope, &self.probes(query), limit).await
    }

    /// The packs' tables that point at customers.
    pub fn customer_references(&self) -> Vec<(&'static str, &'static str)> {
        self.iter().flat_map(|p| p.customer_references().iter().copied()).collect()
    }

    /// The playbooks shipped: the packs', then the core's.
    pub fn default_playbooks(&self) -> Vec<Playbook> {
        let mut playbooks: Vec<Playbook> = self.iter().flat_map(|p| p.default_playbooks()).collect();
        playbooks.extend(kefu_outreach::playbook::core_playbooks());
        playbooks
    }

    /// The playbooks in force: the defaults, replaced by an
    /// administrator's saved edits.
    pub async fn playbooks(&self, db: &Db) -> Result<Vec<Playbook>, Failure> {
        kefu_outreach::store::effective(db, &self.default_playbooks()).await
    }

    /// The categories and departments a complaint may be taken in under:
    /// the core's, then each pack's.
    pub fn complaint_choices(&self) -> kefu_care::complaints::Choices {
        self.iter().fold(kefu_care::complaints::Choices::core(), |choices, p| {
            let (categories, departments, measures) = p.complaint_choices();
            choices.with(categories, departments, measures)
        })
    }

    /// Whether the shipped playbook `code` follows up a visit (its anchor is
    /// one of a pack's [`Pack::visit_anchors`]).
    pub fn follows_up_a_visit(&self, code: &str) -> bool {
        self.iter().any(|p| {
            p.default_playbooks().iter().any(|b| b.code == code && p.visit_anchors().contains(&b.anchor.as_str()))
        })
    }

    /// Every anchor source: the core's (birthdays; complaints by the day
    /// they were resolved, reckoned in the business `zone`) and the packs'.
    pub fn anchor_sources(&self, zone: &BusinessZone) -> Vec<Box<dyn AnchorSource>> {
        let mut sources: Vec<Box<dyn AnchorSource>> = vec![
            Box::new(kefu_outreach::birthdays::Birthdays),
            Box::new(kefu_outreach::recontacts::ComplaintRecontacts { zone: zone.clone() }),
        ];
        sources
            .extend(self.iter().flat_map(|p| p.anchor_sources()).map(|s| Box::new(Static(s)) as Box<dyn AnchorSource>));
        sources
    }

    /// Where the packs tell when their customers came in.
    pub fn arrivals(&self) -> Vec<&'static dyn Arrivals> {
        self.iter().flat_map(|p| p.arrivals()).collect()
    }

    /// Each of these customers' last arrival (a workshop visit, for the 4S
    /// pack) within the three years to `today`.
    pub async fn last_arrivals(
        &self,
        db: &Db,
        customers: &[i64],
        today: Date,
    ) -> Result<std::collections::HashMap<i64, Date>, Failure> {
        let mut last = std::collections::HashMap::new();
        let since = today.saturating_sub(jiff::Span::new().years(3));
        for source in self.arrivals() {
            for a in source.arrivals(db, &[], customers, since, today).await? {
                let day = last.entry(a.customer).or_insert(a.date);
                *day = (*day).max(a.date);
            }
        }
        Ok(last)
    }

    /// The import target of the first pack that imports.
    pub fn import(&self) -> Option<&'static dyn ImportTarget> {
        self.iter().find_map(|p| p.import())
    }

    /// Runs the day's outreach with the playbooks in force.
    /// Each pack's part of the hourly job, in order: what each did.
    pub async fn hourly(&self, db: &Db, actor: &Actor, now: jiff::Timestamp) -> Result<Vec<String>, Failure> {
        let mut done = Vec::new();
        for pack in &self.0 {
            done.extend(pack.hourly(db, actor, now).await?);
        }
        Ok(done)
    }

    pub async fn run_outreach(
        &self,
        db: &Db,
        actor: &Actor,
        (today, zone): (Date, &BusinessZone),
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<kefu_outreach::run::Summary, Failure> {
        let playbooks = self.playbooks(db).await?;
        let sources = self.anchor_sources(zone);
        let sources: Vec<&dyn AnchorSource> = sources.iter().map(|s| s.as_ref()).collect();
        kefu_outreach::run::run(db, actor, &playbooks, &sources, today, progress).await
    }

    /// The effectiveness report for events first touched from `from` to
    /// `to`, with the playbooks in force.
    pub async fn effectiveness(
        &self,
        db: &Db,
        scope: &Scope,
        period: (Date, Date),
        today: Date,
    ) -> Result<kefu_outreach::effectiveness::Report, Failure> {
        let playbooks = self.playbooks(db).await?;
        kefu_outreach::effectiveness::report(db, scope, &playbooks, &self.arrivals(), period, today).await
    }
}
