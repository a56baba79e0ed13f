//! The load loop: `concurrency` tasks take the next request from a shared
//! counter until `count` requests are done or `limit` has passed, and each
//! request's latency is kept. Both bounds hold, so a run always ends.
//!
//! A tenth as many requests again run first, untimed, with the same
//! concurrency (for the server and for its floor alike): what the first
//! requests read into the caches — the database's pages, the pool's
//! connections and prepared statements — is then not charged to whichever
//! of the two happened to run first. They take the indices after `count`,
//! so they are other samples than the measured ones.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub concurrency: usize,
    pub count: usize,
    pub limit: Duration,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Stats {
    pub p50: Duration,
    pub p99: Duration,
    pub per_second: f64,
    pub done: usize,
    pub failed: usize,
}

/// Runs `request(i)` for i = 0, 1, 2 … under `bounds`, after the untimed
/// warm-up; a request returns whether it succeeded. Failed requests are
/// counted, not timed.
pub async fn run<F, Fut>(bounds: Bounds, request: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let warm_up = Bounds { count: bounds.count / 10, ..bounds };
    drive(warm_up, bounds.count, request.clone()).await;
    let started = Instant::now();
    let (mut times, failed) = drive(bounds, 0, request).await;
    let wall = started.elapsed();
    times.sort();
    Stats {
        p50: percentile(&times, 0.50),
        p99: percentile(&times, 0.99),
        per_second: times.len() as f64 / wall.as_secs_f64(),
        done: times.len(),
        failed,
    }
}

/// Runs `request(first + i)` for i below `bounds.count`; the latencies of
/// those that succeeded and how many failed.
async fn drive<F, Fut>(bounds: Bounds, first: usize, request: Arc<F>) -> (Vec<Duration>, usize)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..bounds.concurrency {
        let (request, next) = (request.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut failed = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bounds.count || started.elapsed() >= bounds.limit {
                    break;
                }
                let t = Instant::now();
                if request(first + i).await {
                    times.push(t.elapsed());
                } else {
                    failed += 1;
                }
            }
            (times, failed)
        }));
    }
    let mut times = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (mine, f) = t.await.expect("a load task panicked");
        times.extend(mine);
        failed += f;
    }
    (times, failed)
}

/// The nearest-rank percentile of sorted `times`.
fn percentile(times: &[Duration], p: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * times.len() as f64).ceil() as usize).clamp(1, times.len());
    times[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&times, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&times, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.99), Duration::ZERO);
    }

    #[tokio::test]
    async fn a_run_stops_at_its_count_after_an_untimed_warm_up() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let stats = run(Bounds { concurrency: 3, count: 20, limit: Duration::from_secs(10) }, move |i| {
            log.lock().unwrap().push(i);
            async move { i % 5 != 0 }
        })
        .await;
        assert_eq!((stats.done, stats.failed), (16, 4), "the warm-up's requests are not counted");
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        assert_eq!(seen, (0..22).collect::<Vec<_>>(), "two warm-up requests after the twenty measured");
    }
}
