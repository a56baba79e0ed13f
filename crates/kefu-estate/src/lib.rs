//! The property-management pack's domain core (issue 21; the seed's 第五篇).

mod codes;
pub mod fees;
pub mod houses;
