//! The load loop: `concurrency` tasks take the next request from a shared
//! counter until `count` requests are done or `limit` has passed, and each
//! request's latency is kept. Both bounds hold, so a run always ends.

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

/// Runs `request(i)` for i = 0, 1, 2 … under `bounds`; a request returns
/// whether it succeeded. Failed requests are counted, not timed.
pub async fn run<F, Fut>(bounds: Bounds, request: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let request = Arc::new(request);
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
                if request(i).await {
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
    async fn a_run_stops_at_its_count() {
        let stats =
            run(Bounds { concurrency: 3, count: 10, limit: Duration::from_secs(10) }, |i| async move { i % 5 != 0 })
                .await;
        assert_eq!((stats.done, stats.failed), (8, 2));
    }
}
