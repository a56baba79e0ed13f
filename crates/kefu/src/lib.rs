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

/// Tunes mimalloc for batch jobs, whose memory would otherwise come back
/// from the kernel zeroed on first touch, again and again. Call first thing
/// in `main`.
pub fn tune_allocator() {
    // mimalloc's option numbers in mimalloc.h (v2), which the sys crate
    // names no constants for.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets option values; mimalloc reads them when it next
    // reserves or purges memory.
    unsafe {
        // Arenas committed as they are used: committed at once, each came
        // back as fresh huge pages zeroed on first touch, a fifth of a
        // million-reading import's time (perf); 21 s instead of 24 s.
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        // Freed memory is kept for reuse, not given back to the kernel
        // after 10 ms: a billing run frees a station's rows and allocates
        // the next station's moments later, and each time it paged fresh
        // memory in again (a million-account run: 37.1–39.3 s in five runs
        // giving it back after 10 ms, 1 s or 10 s; 34.0–35.2 s in five
        // keeping it). The process keeps its largest job's memory (1.7 GB
        // after that run).
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
    }
}
