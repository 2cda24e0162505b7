//! The job queue's moving parts: waking long-polling runners when a job
//! arrives, and ending leases that run out.
//!
//! Neither polls on a timer. A claim waits on a `watch` counter bumped by
//! every enqueue; the lease sweeper sleeps until the earliest lease deadline
//! in the store (or until a new lease might be earlier).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::store::{self, ClaimedJob, Finished, Lease, StoreError, StoreResult};
use crate::AppState;

/// Wake-ups shared by submitters, claimers and the sweeper.
pub struct Queue {
    /// Bumped after a job becomes claimable.
    enqueued: watch::Sender<u64>,
    /// Signalled when a lease was granted, so the sweeper re-reads its deadline.
    leases_changed: Notify,
}

impl Default for Queue {
    fn default() -> Self {
        Queue {
            enqueued: watch::channel(0).0,
            leases_changed: Notify::new(),
        }
    }
}

impl Queue {
    /// Tells waiting runners a job can be claimed.
    pub fn job_available(&self) {
        self.enqueued.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Milliseconds since the Unix epoch (the store's clock).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Long-poll claim: returns a job as soon as one with a matching profile is
/// queued, or `None` after `wait`.
pub async fn claim(
    state: &AppState,
    runner_id: &str,
    profiles: Vec<String>,
    wait: Duration,
) -> StoreResult<Option<(ClaimedJob, Lease)>> {
    let deadline = Instant::now() + wait;
    let profiles = Arc::new(profiles);
    let mut enqueued = state.queue.enqueued.subscribe();
    loop {
        // Mark the counter seen *before* looking, so a job stored after the
        // look always wakes us.
        enqueued.borrow_and_update();
        let lease = Lease {
            runner_id: runner_id.to_owned(),
            lease_id: crate::names::new_id(),
            expires_ms: now_ms() + state.config.timing.lease.as_millis() as i64,
        };
        let wanted = Arc::clone(&profiles);
        // One job read and updated (a small write; the job's code and files are
        // bounded by the request limits): on this thread when the store is free.
        let claimed = store::quick(&state.store, move |s| {
            Ok(s.claim_next(&wanted, &lease, now_ms())?
                .map(|job| (job, lease)))
        })
        .await?;
        if let Some((job, lease)) = claimed {
            state.queue.leases_changed.notify_one();
            state.hub.publish(&job.id, &job.frames);
            return Ok(Some((job, lease)));
        }
        tokio::select! {
            changed = enqueued.changed() => {
                if changed.is_err() {
                    return Ok(None);
                }
            }
            _ = tokio::time::sleep_until(deadline) => return Ok(None),
        }
    }
}

/// Forwards what a final step stored to watchers and metrics.
pub fn announce_finished(state: &AppState, job_id: &str, finished: &Finished) {
    state.hub.publish(job_id, &finished.frames);
    // A runner's control poll for this job ends now instead of at its timeout, so the
    // runner's connection is free for its next request (a runner that dropped the
    // request instead would pay for a new connection per job).
    state.hub.poke_control(job_id);
    if let Some(run_ms) = finished.run_ms {
        if !finished.duplicate {
            state.metrics.observe_run(run_ms);
        }
    }
}

/// Ends expired leases for as long as the server runs.
pub async fn run_lease_sweeper(state: AppState) {
    loop {
        let wake_at = match store::call(&state.store, |s| s.next_lease_deadline()).await {
            Ok(Some(deadline_ms)) => {
                let wait_ms = (deadline_ms - now_ms()).max(0) as u64;
                // A few ms past the deadline, so the lease is surely over.
                Instant::now() + Duration::from_millis(wait_ms + 5)
            }
            // No running job: sleep until a claim tells us otherwise.
            Ok(None) => Instant::now() + Duration::from_secs(3600),
            Err(e) => {
                tracing::error!("lease sweeper: reading deadlines failed: {e}");
                Instant::now() + Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = tokio::time::sleep_until(wake_at) => {}
            _ = state.queue.leases_changed.notified() => continue,
        }
        if let Err(e) = expire_due_leases(&state).await {
            tracing::error!("lease sweeper: expiring leases failed: {e}");
        }
    }
}

/// One sweep: every lease past its deadline is re-queued or made final.
pub async fn expire_due_leases(state: &AppState) -> Result<usize, StoreError> {
    let expired = store::call(&state.store, |s| s.expire_leases(now_ms())).await?;
    for job in &expired {
        if job.requeued {
            tracing::warn!(job = %job.job_id, "claim never confirmed by its runner; job queued again");
            state.queue.job_available();
        } else {
            tracing::warn!(job = %job.job_id, "runner stopped renewing its lease; job failed as runner lost");
        }
        announce_finished(state, &job.job_id, &job.finished);
    }
    Ok(expired.len())
}
