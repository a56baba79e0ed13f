//! The property-management pack's domain core (issue 21; the seed's 第五篇).

pub mod billing;
mod codes;
pub mod fees;
pub mod houses;
pub mod quote;
