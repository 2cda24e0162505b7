//! Prometheus text exposition: jobs by status, queue depth, runners
//! connected, WebSocket watchers and a run-time histogram.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds (seconds) of the run-time histogram buckets.
const RUN_SECONDS_BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Counters kept since the process started.
#[derive(Default)]
pub struct Metrics {
    run_buckets: [AtomicU64; RUN_SECONDS_BUCKETS.len()],
    run_count: AtomicU64,
    run_sum_ms: AtomicU64,
    pub jobs_submitted: AtomicU64,
}

/// Numbers read from elsewhere at scrape time.
pub struct Snapshot {
    pub jobs_by_status: Vec<(String, u64)>,
    pub runners_connected: usize,
    /// Job streams holding a slot (see [`crate::stream_slots`]).
    pub websocket_clients: usize,
}

impl Metrics {
    /// Records one job's claim → final time.
    pub fn observe_run(&self, run_ms: u64) {
        let seconds = run_ms as f64 / 1000.0;
        for (bound, bucket) in RUN_SECONDS_BUCKETS.iter().zip(&self.run_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.run_count.fetch_add(1, Ordering::Relaxed);
        self.run_sum_ms.fetch_add(run_ms, Ordering::Relaxed);
    }

    pub fn render(&self, snap: &Snapshot) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };

        line("# HELP sandpit_jobs Jobs in storage by status.".into());
        line("# TYPE sandpit_jobs gauge".into());
        let mut statuses: Vec<(String, u64)> = ["queued", "running"]
            .iter()
            .chain(crate::record::FINAL_STATUSES.iter())
            .map(|s| (s.to_string(), 0))
            .collect();
        for (status, n) in &snap.jobs_by_status {
            match statuses.iter_mut().find(|(s, _)| s == status) {
                Some(slot) => slot.1 = *n,
                None => statuses.push((status.clone(), *n)),
            }
        }
        for (status, n) in &statuses {
            line(format!("sandpit_jobs{{status=\"{status}\"}} {n}"));
        }
        let queued = statuses
            .iter()
            .find(|(s, _)| s == "queued")
            .map_or(0, |(_, n)| *n);

        line("# HELP sandpit_queue_depth Jobs waiting for a runner.".into());
        line("# TYPE sandpit_queue_depth gauge".into());
        line(format!("sandpit_queue_depth {queued}"));

        line("# HELP sandpit_runners_connected Runners seen within the last lease period.".into());
        line("# TYPE sandpit_runners_connected gauge".into());
        line(format!(
            "sandpit_runners_connected {}",
            snap.runners_connected
        ));

        line("# HELP sandpit_websocket_clients Open job streams.".into());
        line("# TYPE sandpit_websocket_clients gauge".into());
        line(format!(
            "sandpit_websocket_clients {}",
            snap.websocket_clients
        ));

        line("# HELP sandpit_jobs_submitted_total Jobs accepted since the server started.".into());
        line("# TYPE sandpit_jobs_submitted_total counter".into());
        line(format!(
            "sandpit_jobs_submitted_total {}",
            self.jobs_submitted.load(Ordering::Relaxed)
        ));

        line("# HELP sandpit_job_run_seconds Time from claim to final result.".into());
        line("# TYPE sandpit_job_run_seconds histogram".into());
        for (bound, bucket) in RUN_SECONDS_BUCKETS.iter().zip(&self.run_buckets) {
            line(format!(
                "sandpit_job_run_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            ));
        }
        let count = self.run_count.load(Ordering::Relaxed);
        line(format!(
            "sandpit_job_run_seconds_bucket{{le=\"+Inf\"}} {count}"
        ));
        let mut sum = String::new();
        let _ = write!(
            sum,
            "{}",
            self.run_sum_ms.load(Ordering::Relaxed) as f64 / 1000.0
        );
        line(format!("sandpit_job_run_seconds_sum {sum}"));
        line(format!("sandpit_job_run_seconds_count {count}"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_statuses_complete() {
        let m = Metrics::default();
        m.observe_run(40);
        m.observe_run(700);
        let text = m.render(&Snapshot {
            jobs_by_status: vec![("queued".into(), 3), ("ok".into(), 5)],
            runners_connected: 2,
            websocket_clients: 7,
        });
        assert!(
            text.contains("sandpit_job_run_seconds_bucket{le=\"0.05\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("sandpit_job_run_seconds_bucket{le=\"1\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("sandpit_job_run_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(
            text.contains("sandpit_job_run_seconds_sum 0.74\n"),
            "{text}"
        );
        assert!(text.contains("sandpit_jobs{status=\"timeout\"} 0\n"));
        assert!(text.contains("sandpit_queue_depth 3\n"));
        assert!(text.contains("sandpit_runners_connected 2\n"));
        assert!(text.contains("sandpit_websocket_clients 7\n"));
    }
}
