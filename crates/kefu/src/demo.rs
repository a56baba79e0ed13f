//! `kefu demo` and `serve --demo`: each enabled pack's demonstration data,
//! generated from a seed so the same seed and day always give the same
//! data. A pack's demo writes through its capabilities; `kefu gen` writes
//! the same plans in bulk at any scale.

use crate::progress::Bar;
use jiff::civil::Date;
use kefu_store::Db;
use kefu_web::packs::Enabled;

pub const DEFAULT_SEED: u64 = 4_008_123_456;

/// Loads the demo of every enabled pack that has one (a demo loaded
/// already is refused); answers what each made, in one line each.
pub async fn load(db: &Db, packs: &Enabled, seed: u64, today: Date) -> anyhow::Result<Vec<String>> {
    load_where(db, packs, (seed, today), false).await
}

/// Loads the demos not loaded yet (`serve --demo` at every start).
pub async fn load_missing(db: &Db, packs: &Enabled, seed: u64, today: Date) -> anyhow::Result<Vec<String>> {
    load_where(db, packs, (seed, today), true).await
}

async fn load_where(
    db: &Db,
    packs: &Enabled,
    (seed, today): (u64, Date),
    only_missing: bool,
) -> anyhow::Result<Vec<String>> {
    let mut made = Vec::new();
    for demo in packs.core().iter().filter_map(|p| p.demo()) {
        if only_missing && demo.present(db).await? {
            continue;
        }
        made.push(demo.load(db, seed, today, &Bar::default()).await?);
    }
    Ok(made)
}
