//! The billing run (issue 20 §3; migration 0041): a month's bills for a
//! book, a station or every station in scope from the confirmed readings,
//! one an account with its lines by tier or register as
//! [`crate::billing::energy_charge`] prices them on the account's tariff,
//! the reading period and the kWh billed earlier in the year ([`plan`]),
//! written in one transaction a station ([`run`]). A run is idempotent: an
//! account billed for the month is passed over, unless its reading was
//! corrected since, when the bill is reversed (a bill of the negated lines
//! pointing to it) and a new one issued — never edited. Each bill issued
//! is told to the account's holder by SMS ([`notice`]).

mod month_page;
pub mod notice;
pub mod pf_tables;
mod plan;
mod run;
mod store;
pub mod terms;

pub use month_page::bills_page;
pub use run::run;
pub use store::month_ok;
pub use store::{BILL_COLUMNS, Bill, BillLine, LINE_COLUMNS, RunOutcome, Target, bill, bills_of_month};
pub use terms::{BasicBy, Terms};

/// Days from the billing run to the bill's due date (kefu's default; the
/// 供电营业规则 leave it to the supply contract).
pub const DUE_DAYS: i64 = 15;
