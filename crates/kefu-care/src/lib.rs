//! The customer service centre's common core, shared by every pack: the
//! customer archive with its contacts, preferences, tags and timeline, the
//! one-box search, duplicates and merging (later tasks, complaints, surveys,
//! members and points, reports).

pub mod contacts;
pub mod customers;
pub mod merge;
pub mod pinyin_name;
pub mod preferences;
pub mod search;
pub mod timeline;
