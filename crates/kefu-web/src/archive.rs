//! Where the common core meets the packs for the customer archive: the
//! probes a search box runs and the tables a merge moves come from the core
//! and from every installed pack.

use kefu_care::search::{self, Hit, Probe};
use kefu_core::Scope;
use kefu_store::{Db, Failure};

pub fn probes(query: &str) -> Vec<Probe> {
    let mut p = search::core_probes(query);
    p.extend(kefu_auto::vehicles::probes(query));
    p
}

pub async fn search(db: &Db, scope: &Scope, query: &str, limit: usize) -> Result<Vec<Hit>, Failure> {
    search::run(db, scope, &probes(query), limit).await
}

/// The packs' tables that point at customers.
pub fn customer_references() -> Vec<(&'static str, &'static str)> {
    kefu_auto::vehicles::CUSTOMER_REFERENCES.to_vec()
}
