//! The 4S auto dealership pack: vehicles and their workshop history,
//! appointments and the workshop's capacity, repair orders through the seven
//! service steps, the pack's outreach playbooks and the weekly follow-up
//! summary, insurance policies and their renewal, warranty and insurance
//! claims, the advisors' KPIs and the customer lounge.

pub mod appointments;
pub mod claims;
pub mod demo;
pub mod generate;
pub mod import;
pub mod insurance;
pub mod kpis;
pub mod lounge;
pub mod maintenance;
pub mod outreach;
pub mod overview;
pub mod pack;
pub mod parts;
pub mod repair_orders;
pub mod vehicles;
pub mod visits;
pub mod weekly;
