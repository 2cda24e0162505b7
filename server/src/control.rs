//! Relaying a client's stdin and cancel to the runner holding the job.
//!
//! Clients write into the store and poke the hub; the runner's control long
//! poll waits on that poke, so input reaches the program as fast as the
//! runner can take it, with no timer in between.

use std::time::Duration;

use crate::queue::{self, now_ms};
use crate::store::{self, CancelOutcome, Control, StoreResult};
use crate::AppState;

/// Cancels a job: a queued one ends at once, a running one is flagged for
/// its runner (which then reports `cancelled`).
pub async fn cancel_job(state: &AppState, job_id: &str) -> StoreResult<CancelOutcome> {
    let id = job_id.to_owned();
    let outcome = store::quick(&state.store, move |s| s.request_cancel(&id, now_ms())).await?;
    match &outcome {
        CancelOutcome::Finalized(finished) => queue::announce_finished(state, job_id, finished),
        CancelOutcome::Requested => state.hub.poke_control(job_id),
        CancelOutcome::AlreadyFinal(_) => {}
    }
    Ok(outcome)
}

/// Queues input for the program's `input()`.
pub async fn send_stdin(state: &AppState, job_id: &str, data: String) -> StoreResult<()> {
    let id = job_id.to_owned();
    let max = state.config.limits.max_stdin_bytes;
    let bytes = data.len();
    store::call_sized(&state.store, bytes, move |s| s.push_stdin(&id, &data, max)).await?;
    state.hub.poke_control(job_id);
    Ok(())
}

/// The runner's control long poll: returns as soon as there is stdin after
/// `after` or a cancel, or after `wait` with nothing. Renews the lease.
pub async fn wait_for_control(
    state: &AppState,
    job_id: &str,
    lease_id: &str,
    after: u64,
    wait: Duration,
) -> StoreResult<Control> {
    // Subscribe before reading, so a poke after the read wakes us.
    let watch = state.hub.watch(job_id);
    let mut pokes = watch.control();
    pokes.borrow_and_update();
    let control = read(state, job_id, lease_id, after).await?;
    if !control.stdin.is_empty() || control.lease.cancel_requested {
        return Ok(control);
    }
    tokio::select! {
        _ = pokes.changed() => {}
        _ = tokio::time::sleep(wait) => {}
    }
    read(state, job_id, lease_id, after).await
}

async fn read(state: &AppState, job_id: &str, lease_id: &str, after: u64) -> StoreResult<Control> {
    let (id, lease) = (job_id.to_owned(), lease_id.to_owned());
    let expires = now_ms() + state.config.timing.lease.as_millis() as i64;
    store::quick(&state.store, move |s| {
        s.control(&id, &lease, after, expires)
    })
    .await
}
