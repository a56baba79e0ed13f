//! The customer service centre's common core, shared by every pack: the
//! customer archive (and later contacts, preferences, the timeline, tasks,
//! complaints, surveys, members and points, reports).

pub mod customers;
pub mod pinyin_name;
