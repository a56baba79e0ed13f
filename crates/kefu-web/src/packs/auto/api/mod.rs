//! The 4S pack's JSON API.

pub mod appointments;
pub mod claims;
pub mod insurance;
pub mod kpis;
pub mod lounge;
pub mod parts;
pub mod repair_orders;
pub mod vehicles;
pub mod weekly;

pub(crate) use crate::api::Problem;
