//! The writing half of `kefu gen`, the same for every pack: a thread plans
//! a batch and turns it into rows while the database writes the one
//! before; each batch is one transaction of multi-row INSERTs with its
//! audit record; secondary indexes are built once at the end.
//!
//! The search keys are the exception: their table is stored as its primary
//! key's B-tree, and keys inserted in random order make every insert a
//! random page once the tree outgrows the cache (past a few hundred
//! thousand customers the load slowed to a crawl). They are kept in memory,
//! sorted, and written last in key order, which only ever appends. Each
//! batch sorts its own keys on the planner's thread; merging those runs
//! into one order happens on a thread of its own while the database builds
//! the other tables' indexes.

use crate::Progress;
use kefu_core::Actor;
use kefu_core::ids::BranchId;
use kefu_store::{Change, Db, Rows};
use std::time::{Duration, Instant};

/// A search key as loaded: the key, the customer, the source.
pub type SearchKey = (String, i64, String);

const SEARCH_KEYS: &[&str] = &["key", "customer_id", "source"];
/// Search keys per transaction in the last phase.
const KEY_BATCH: usize = 1_000_000;

/// One batch of a pack's load: the rows of each table (in an order that
/// satisfies the foreign keys) but the search keys, the search keys
/// (sorted; written last), and what the batch holds (`counts`, its audit
/// record; `size` of them move the progress: customers, accounts).
pub struct Batch<T> {
    pub tables: Vec<Rows>,
    pub keys: Vec<SearchKey>,
    pub size: usize,
    pub counts: T,
}

/// Who loads, under which code and branch the audit records it.
pub struct Loader<'a> {
    pub db: &'a Db,
    pub actor: &'a Actor,
    /// The generated organisation's code (the audit's entity id).
    pub code: &'static str,
    pub branch: BranchId,
    /// The generator's seed, recorded with each batch.
    pub seed: u64,
}

/// How long the two phases after the rows took.
pub struct Timings {
    pub keys: Duration,
    pub indexing: Duration,
}

impl Loader<'_> {
    /// Loads `count` units in batches of `batch_size`, planned by `plan(from,
    /// to)` on a thread of its own, into `tables` (every table a batch
    /// writes, `search_keys` among them); `tally` sees each batch once
    /// written.
    pub async fn load<T: serde::Serialize + Send + 'static>(
        &self,
        tables: &[&str],
        (count, batch_size): (usize, usize),
        mut plan: impl FnMut(usize, usize) -> anyhow::Result<Batch<T>> + Send + 'static,
        (progress, stage): (&dyn Progress, &str),
        mut tally: impl FnMut(&T),
    ) -> anyhow::Result<Timings> {
        let (send, mut receive) = tokio::sync::mpsc::channel::<anyhow::Result<Batch<T>>>(2);
        let planner = std::thread::spawn(move || {
            for from in (0..count).step_by(batch_size.max(1)) {
                let batch = plan(from, (from + batch_size).min(count));
                let failed = batch.is_err();
                if send.blocking_send(batch).is_err() || failed {
                    return;
                }
            }
        });
        let indexes = self.db.drop_indexes(tables).await?;
        self.db.set_bulk_load(true).await?;
        progress.start(count as u64, stage);
        let mut keys: Vec<SearchKey> = Vec::new();
        let written = async {
            while let Some(batch) = receive.recv().await {
                let mut batch = batch?;
                let mut tx = self.db.begin().await?;
                for rows in &mut batch.tables {
                    rows.write(tx.conn()).await?;
                }
                let mut loaded = serde_json::to_value(&batch.counts)?;
                if let Some(fields) = loaded.as_object_mut() {
                    fields.insert("seed".into(), self.seed.into());
                }
                tx.audit(self.actor, self.change("load", loaded)).await?;
                tx.commit().await?;
                let own = std::mem::take(&mut batch.keys);
                if keys.is_empty() {
                    // Room for every batch's keys at the first batch's rate:
                    // growing a vector of tens of millions of keys step by
                    // step copies it again at each step.
                    keys.reserve(own.len() * count.div_ceil(batch.size.max(1)) * 11 / 10);
                }
                keys.extend(own);
                progress.advance(batch.size as u64);
                tally(&batch.counts);
            }
            anyhow::Ok(())
        }
        .await;
        // Whatever happened, the schema gets its indexes back.
        drop(receive);
        let sorting = std::thread::spawn(move || {
            // Sorted runs, one a batch: the stable sort merges them.
            keys.sort();
            keys.dedup();
            keys
        });
        progress.stage("索引 indexes");
        let indexing = Instant::now();
        let restored = self.db.create_indexes(&indexes).await;
        let indexing = indexing.elapsed();
        progress.stage("检索键 search keys");
        let keys_started = Instant::now();
        let keys = sorting.join().map_err(|_| anyhow::anyhow!("sorting the search keys panicked"))?;
        let keys_written = match (&written, &restored) {
            (Ok(()), Ok(())) => self.write_keys(keys).await,
            _ => Ok(()),
        };
        let keys_took = keys_started.elapsed();
        let relaxed = self.db.set_bulk_load(false).await;
        progress.finish();
        planner.join().map_err(|_| anyhow::anyhow!("the planning thread panicked"))?;
        written?;
        restored?;
        keys_written?;
        relaxed?;
        Ok(Timings { keys: keys_took, indexing })
    }

    /// Writes the search keys, sorted, a million to a transaction.
    async fn write_keys(&self, keys: Vec<SearchKey>) -> anyhow::Result<()> {
        let mut keys = keys.into_iter().peekable();
        while keys.peek().is_some() {
            let mut rows = Rows::new("search_keys", SEARCH_KEYS);
            for (key, customer, source) in keys.by_ref().take(KEY_BATCH) {
                rows.push([key.into(), customer.into(), source.into()]);
            }
            let count = rows.len();
            let mut tx = self.db.begin().await?;
            rows.write(tx.conn()).await?;
            tx.audit(self.actor, self.change("search_keys", serde_json::json!({ "keys": count }))).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    fn change(&self, action: &'static str, new: serde_json::Value) -> Change<'static> {
        Change {
            entity: "gen",
            entity_id: self.code.into(),
            action,
            branch: Some(self.branch),
            old: None,
            new: Some(new),
        }
    }
}
