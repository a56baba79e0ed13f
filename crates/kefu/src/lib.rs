//! The `kefu` binary's commands, as a library so the integration tests drive
//! exactly what the command line runs.

pub mod backup;
pub mod bootstrap;
pub mod config;
pub mod demo;
pub mod import;
pub mod outreach;
pub mod pack_command;
pub mod progress;
pub mod serve;
pub mod users;

/// The allocator of every program built on this library (`kefu`,
/// `kefu-bench`, the tests). Bulk loads allocate on one thread what another
/// frees (a generated batch is built by the planner thread and dropped
/// after the database wrote it); the system allocator spent half of `kefu
/// gen`'s time reconciling its per-thread arenas for that, measured with
/// perf, and mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
