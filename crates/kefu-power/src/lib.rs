//! The power-supply pack's rules (placeholder doc, rewritten below).

pub mod billing;
pub mod price;
pub mod readings;
pub mod tariffs;

pub use price::{Price, round_to_fen};
