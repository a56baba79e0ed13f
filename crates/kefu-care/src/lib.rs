//! The customer service centre's common core, shared by every pack: the
//! customer archive with its contacts, preferences, tags and timeline, the
//! one-box search, duplicates and merging, importing files from old systems,
//! complaints from intake to the confirmed re-contact, the points ledger,
//! surveys with their signed links, members' tiers, events and birthday
//! gifts (later tasks, reports).

pub mod complaints;
pub mod contacts;
pub mod customers;
pub mod due;
pub mod import;
pub mod members;
pub mod merge;
pub mod pinyin_name;
pub mod points;
pub mod preferences;
pub mod search;
pub mod surveys;
pub mod timeline;
