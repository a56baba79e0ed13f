//! The 4S auto dealership pack: vehicles and their workshop history, the
//! pack's outreach playbooks and the weekly follow-up summary (later
//! appointments, repair orders, insurance, the lounge).

pub mod import;
pub mod maintenance;
pub mod outreach;
pub mod vehicles;
pub mod visits;
pub mod weekly;
