//! The 4S pack's JSON API.

pub mod appointments;
pub mod claims;
pub mod insurance;
pub mod kpis;
pub mod lounge;
pub mod parts;
pub mod repair_orders;

pub(crate) use crate::api::Problem;
