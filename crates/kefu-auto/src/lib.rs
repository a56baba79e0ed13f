//! The 4S auto dealership pack: vehicles and their workshop history, repair
//! orders through the seven service steps, the pack's outreach playbooks and
//! the weekly follow-up summary (later appointments, insurance, the lounge).

pub mod import;
pub mod maintenance;
pub mod outreach;
pub mod repair_orders;
pub mod vehicles;
pub mod visits;
pub mod weekly;
