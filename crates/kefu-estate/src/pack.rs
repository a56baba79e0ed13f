//! The property-management pack as the core sees it (`kefu_pack::Pack`):
//! its branch kinds, tables, search probes, the tables a merge moves and
//! the demo company.

use crate::{archive, demo};
use jiff::civil::Date;
use kefu_care::search::Probe;
use kefu_outreach::playbook::Playbook;
use kefu_outreach::source::{AnchorSource, Arrivals};
use kefu_pack::{BoxFuture, Demo, Generated, ImportTarget, Pack, Progress, Scale, Text};
use kefu_store::Db;
use std::time::Instant;

pub struct Estate;

pub static ESTATE: Estate = Estate;

impl Pack for Estate {
    fn code(&self) -> &'static str {
        "estate"
    }

    fn name(&self) -> Text {
        Text { zh: "物业", en: "Property management" }
    }

    fn branch_kinds(&self) -> &'static [&'static str] {
        archive::branch_kind::ALL
    }

    fn migrations(&self) -> &'static [i64] {
        // 50: estates, buildings, houses, their people, papers and vehicles.
        // 51: visitors at the front desk.
        // 52: fee items, readings, bills, payments and prepaid balances.
        // 53: the archive completeness, month by month.
        // 54: the front desk's register of calls and visits.
        // 55: repairs, their steps, materials and pending charges.
        // 56: complaints' corrective and preventive measures.
        // 57: opinion visits: plans, building assignments, visits.
        // 58: notices, the buildings or houses they address, deliveries.
        // 59: fee items' price changes and retirement, one-off charges.
        // 60: late-fee terms and each bill's late fee or its waiver.
        // 62: customers' WeChat openid, which notices reach them by.
        &[50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 62]
    }

    fn probes(&self, query: &str) -> Vec<Probe> {
        archive::probes(query)
    }

    fn customer_references(&self) -> &'static [(&'static str, &'static str)] {
        archive::CUSTOMER_REFERENCES
    }

    fn default_playbooks(&self) -> Vec<Playbook> {
        [
            crate::receivables::outreach::default_playbooks(),
            crate::repairs::revisit::default_playbooks(),
            crate::visit_tasks::default_playbooks(),
        ]
        .concat()
    }

    fn anchor_sources(&self) -> Vec<&'static dyn AnchorSource> {
        vec![
            &crate::receivables::outreach::BILLS_DUE,
            &crate::repairs::revisit::COMPLETED,
            &crate::visit_tasks::PLAN_STARTS,
        ]
    }

    /// The repair's 回访 asks whether the owner is satisfied.
    fn visit_anchors(&self) -> &'static [&'static str] {
        &[crate::repairs::revisit::ANCHOR]
    }

    fn arrivals(&self) -> Vec<&'static dyn Arrivals> {
        Vec::new()
    }

    /// Owners' complaints go to the company's departments, and close only
    /// with their corrective and preventive measures (the seed's 第五篇).
    fn complaint_choices(&self) -> (&'static [&'static str], &'static [&'static str], bool) {
        (crate::desk::COMPLAINT_CATEGORIES, crate::desk::DEPARTMENTS, true)
    }

    fn import(&self) -> Option<&'static dyn ImportTarget> {
        None
    }

    fn demo(&self) -> Option<&'static dyn Demo> {
        Some(&COMPANY)
    }

    /// Visitor records past their estate's retention go, each deletion
    /// audited (PIPL's minimum necessary; SECURITY.md); each estate's
    /// archive completeness is recorded once a month.
    fn hourly<'a>(
        &'a self,
        db: &'a Db,
        actor: &'a kefu_core::Actor,
        now: jiff::Timestamp,
    ) -> BoxFuture<'a, Result<Option<String>, kefu_store::Failure>> {
        Box::pin(async move {
            let deleted = crate::desk::purge(db, actor, now).await?;
            let escalated = crate::repairs::store::escalate(db, actor, now).await?;
            // The month as the business zone has it would be a setting away;
            // a snapshot taken in the first hours of the month by UTC is the
            // same archive.
            let month = crate::fees::Month::of(now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date());
            let snapshots = crate::completeness::snapshot(db, actor, month, now).await?;
            let done = [
                (deleted > 0).then(|| format!("{deleted} visitor records past retention deleted")),
                (snapshots > 0).then(|| format!("{snapshots} completeness snapshots taken")),
                (escalated > 0).then(|| format!("{escalated} late repairs escalated")),
            ];
            let done: Vec<String> = done.into_iter().flatten().collect();
            Ok((!done.is_empty()).then(|| done.join("; ")))
        })
    }
}

/// The demo: a property company with two estates in Hangzhou.
struct Company;

static COMPANY: Company = Company;

/// The instant the demo's records are stamped with: noon of its day, so
/// the same seed and day give the same data.
fn stamp(today: Date) -> anyhow::Result<jiff::Timestamp> {
    Ok(today.at(12, 0, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::UTC)?.timestamp())
}

impl Demo for Company {
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
        Box::pin(async move {
            let summary = demo::load(db, seed, today, stamp(today)?, demo::HOUSES, progress).await?;
            let (bills, payments) = demo::fee_history(db, seed, today).await?;
            let repairs = crate::repairs::demo::load(db, &demo::company_scope(db).await?, seed, stamp(today)?).await?;
            let (complaints, visits) =
                crate::ops_demo::load(db, &demo::company_scope(db).await?, seed, stamp(today)?).await?;
            let notices = crate::notices::demo::load(db, &demo::company_scope(db).await?, seed, stamp(today)?).await?;
            Ok(format!(
                "{summary}, {bills} 张账单 bills, {payments} 笔缴费 payments, {repairs} 张报修单 repairs, \
                 {complaints} 件投诉 complaints, {visits} 次走访 opinion visits, {notices} 份通知 notices"
            ))
        })
    }

    /// The pack imports nothing yet, so its file has only the header.
    fn import_file(&self, _seed: u64, _today: Date, _rows: usize) -> String {
        "小区,房号,建筑面积,套内面积,业主,手机\n".to_string()
    }

    /// The demo's shape with `scale.customers` houses (`kefu gen --houses
    /// N`), written by the packs' bulk loader (`crate::generate`), then one
    /// month's billing run.
    fn generate<'a>(
        &'a self,
        db: &'a Db,
        scale: Scale,
        progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<Generated>> {
        Box::pin(async move {
            let started = Instant::now();
            let (loaded, keys, indexing) = crate::generate::run(db, scale, stamp(scale.today)?, progress).await?;
            let archive = started.elapsed();
            let mut summary = loaded.to_string();
            // One month's billing run over every house: the figure
            // BENCHMARKS.md holds to 15 s for 500,000 houses.
            let estates = demo::add_fee_items(db).await?;
            let actor = kefu_core::Actor::system(kefu_core::Scope::new(estates.iter().map(|e| e.branch_id).collect()));
            let billing = Instant::now();
            let mut bills = 0;
            for estate in &estates {
                let month = crate::fees::Month::of(scale.today);
                bills += crate::charges::run_billing(db, &actor, estate, month, stamp(scale.today)?).await?.bills;
            }
            summary.push_str(&format!(
                "; archive in {:.1} s; billing run {} 张账单 bills in {:.1} s",
                archive.as_secs_f64(),
                bills,
                billing.elapsed().as_secs_f64()
            ));
            Ok(Generated { summary, elapsed: started.elapsed(), keys, indexing })
        })
    }
}
