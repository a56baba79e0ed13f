//! The daily outreach run at scale, beside its floor. The run is measured
//! as `kefu outreach run` performs it (`Packs::run_outreach`, one process,
//! the playbooks in force). The floor does the reads and writes any
//! implementation must: the same subject queries of every playbook's
//! anchors for the day, and one task row per touch found, written with
//! multi-row INSERTs in one transaction (rolled back, so the run that
//! follows finds the day untouched).

use kefu_core::Actor;
use kefu_core::time::{BusinessZone, Clock, SystemClock};
use kefu_outreach::rules;
use kefu_store::Db;
use kefu_store::bulk::{self, Cell};
use std::time::{Duration, Instant};

pub struct Figures {
    pub tasks: i64,
    pub run: Duration,
    pub floor: Duration,
}

/// Target: the run finishes within ten seconds at a million customers,
/// and within three times its floor.
pub const TARGET: Duration = Duration::from_secs(10);
pub const MAX_RATIO: f64 = 3.0;

/// The packs `kefu serve` runs by default, which the benchmark measures.
fn packs() -> kefu_pack::Packs {
    kefu_web::packs::Enabled::default().core().clone()
}

pub async fn measure(db: &Db, actor: &Actor, day: jiff::civil::Date) -> anyhow::Result<Figures> {
    // The generated data's zone.
    let zone = BusinessZone::shanghai();
    let started = Instant::now();
    floor(db, day, &zone).await?;
    let floor = started.elapsed();
    let started = Instant::now();
    let summary = packs().run_outreach(db, actor, (day, &zone), &|_, _| {}).await?;
    let run = started.elapsed();
    // Touches an earlier day's run already made (a cadence whose anchor
    // moved, say) are found and left alone, as the floor leaves them.
    Ok(Figures { tasks: summary.created_total + summary.merged + summary.opted_out + summary.existing, run, floor })
}

async fn floor(db: &Db, day: jiff::civil::Date, zone: &BusinessZone) -> anyhow::Result<()> {
    let playbooks = packs().playbooks(db).await?;
    let sources = packs().anchor_sources(zone);
    let now = kefu_core::time::instant_text(SystemClock.now());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for p in playbooks.iter().filter(|p| p.enabled) {
        let Some(source) = sources.iter().find(|s| s.anchors().contains(&p.anchor.as_str())) else { continue };
        for (offset, anchor) in rules::anchors_for(p, day) {
            for s in source.subjects(db, &p.anchor, anchor).await? {
                for (i, step) in p.steps.iter().enumerate().filter(|(_, st)| st.offset_days == offset) {
                    let (kind, id) = s.asset.unwrap_or(("", 0));
                    rows.push(vec![
                        s.branch.0.into(),
                        s.customer.0.into(),
                        kind.into(),
                        id.into(),
                        p.code.as_str().into(),
                        (i as i64).into(),
                        s.anchor_date.to_string().into(),
                        day.to_string().into(),
                        step.channel.code().into(),
                        step.channel.code().into(),
                        p.priority.into(),
                        "pending".into(),
                        "".into(),
                        Cell::Int(None),
                        step.template.as_str().into(),
                        "{}".into(),
                        now.as_str().into(),
                        now.as_str().into(),
                    ]);
                }
            }
        }
    }
    let mut tx = db.begin().await?;
    // As the run: a touch some earlier run already created is left alone.
    bulk::insert(tx.conn(), "outreach_tasks", &kefu_outreach::run::TASK_COLUMNS, rows, "ON CONFLICT DO NOTHING")
        .await?;
    drop(tx); // rolled back
    Ok(())
}
