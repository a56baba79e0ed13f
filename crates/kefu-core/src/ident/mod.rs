//! Identifiers validated by their real rules: mainland mobile numbers, VINs
//! (ISO 3779 / GB 16735 check digit), plates (GA 36) and resident ID numbers
//! (GB 11643).

pub mod mobile;
pub mod plate;
pub mod resident_id;
pub mod vin;

pub use mobile::Mobile;
pub use plate::Plate;
pub use resident_id::ResidentId;
pub use vin::Vin;
