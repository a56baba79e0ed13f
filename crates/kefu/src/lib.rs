//! The `kefu` binary's commands, as a library so the integration tests drive
//! exactly what the command line runs.

pub mod backup;
pub mod bootstrap;
pub mod config;
pub mod demo;
pub mod generate;
pub mod import;
pub mod outreach;
mod progress;
pub mod serve;
pub mod users;
