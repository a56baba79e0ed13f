//! The 4S pack's pages.

pub mod appointments;
pub mod claims;
pub mod insurance;
pub mod kpis;
pub mod lounge;
pub mod repair_orders;
pub(crate) mod today;
pub mod vehicles;
pub(crate) mod weekly;

pub(crate) use crate::pages::{form_message, letter_channel, percent};
