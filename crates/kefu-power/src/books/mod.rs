//! Reading books and readings, stored (issue 20 §1; migration 0040): a
//! station's accounts grouped in books with a reader, a route order and a
//! reading day; each reading checked by [`crate::readings`] as it comes in
//! (a plausible rollover or an error to verify; zero and high use held; an
//! estimate marked and trued up by the next real reading; a meter replaced
//! within the month billing both meters' use) and kept with the kWh it
//! bills.

pub mod demo;
mod demo_two_part;
pub(crate) mod generated;
mod import;
mod ledger;
mod store;

pub use import::{Imported, import};
pub use ledger::READING_COLUMNS;

pub use store::{
    Book, Entry, Extra, Kind, MonthAudit, NewBook, Stop, StoredReading, Unbooked, confirm, create, enter, get, held,
    list, list_page, month_audit, month_of, readers, route, unbooked,
};

/// How a reading came in.
pub mod source {
    pub const PAGE: &str = "page";
    pub const IMPORT: &str = "import";
    pub const API: &str = "api";
}
