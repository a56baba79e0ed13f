//! The 4S auto dealership pack: vehicles and their workshop history (later
//! appointments, repair orders, insurance, the lounge and the pack's default
//! outreach playbooks).

pub mod import;
pub mod maintenance;
pub mod vehicles;
pub mod visits;
