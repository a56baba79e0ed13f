//! `kefu <pack> …`: the commands a pack adds (`kefu power quote`), found by
//! the pack's code among the enabled packs and run on the database as the
//! system, over every branch.

use crate::config::Settings;
use kefu_accounts::branches;
use kefu_core::time::{Clock, SystemClock};
use kefu_core::{Actor, Scope};
use kefu_store::Db;

pub async fn run(settings: &Settings, mut args: Vec<String>) -> anyhow::Result<()> {
    let code = args.remove(0);
    let packs = settings.packs()?;
    let Some(pack) = packs.core().iter().find(|p| p.code() == code) else {
        anyhow::bail!(
            "没有这个命令 / unrecognized subcommand '{code}' (enabled packs: {}); see kefu --help",
            packs.core().codes().join(", ")
        );
    };
    let db = Db::open(&settings.database).await?;
    let actor = Actor::system(Scope::new(branches::all(&db).await?.into_iter().map(|b| b.id).collect()));
    let now = SystemClock.now();
    let today = settings.zone()?.date_of(now);
    let Some(run) = pack.command(&db, &actor, (today, now), args) else {
        anyhow::bail!("包 {code} 没有命令 / the {code} pack has no commands");
    };
    print!("{}", run.await?);
    Ok(())
}
