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

/// Tells mimalloc to commit its arenas' memory as it is used rather than
/// all at once. Committed at once, every large arena comes back from the
/// kernel as fresh huge pages zeroed on first touch: a million-reading
/// import spent a fifth of its time in the kernel zeroing them (perf), and
/// took 21 s instead of 24 s this way. Call first thing in `main`.
pub fn tune_allocator() {
    // `mi_option_arena_eager_commit` in mimalloc.h (v2), which the sys
    // crate names no constant for.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    // SAFETY: sets an option value; mimalloc reads it when it next
    // reserves an arena.
    unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) };
}
