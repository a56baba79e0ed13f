//! Billing: bills with their lines, keys and reversal (`bill.rs`), and the
//! billing run per estate and period (`run.rs`).

mod bill;
mod run;

pub use bill::{Bill, BillingKey, Line, LineKind};
pub use run::{House, Run, RunInput, SkipReason, Skipped, billing_run};

#[cfg(test)]
mod tests;
