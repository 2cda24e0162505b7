//! Durable job storage behind a small trait, so a PostgreSQL backend can be
//! added for several servers without touching the routes.
//!
//! The trait is synchronous on purpose: SQLite is an in-process library.
//! Callers run store calls on the blocking pool through [`call`], except the
//! steps of one job's life ([`quick`], and [`call_sized`] for writes that carry
//! a payload), which run at once on the calling thread when the backend is
//! free: an indexed read of one job (bounded by the request limits, like the
//! parsing of that request on the same thread) or a write of at most
//! `INLINE_BYTES`. With SQLite those take tens of microseconds and never wait
//! for the disk (commits don't checkpoint: a thread of the backend does), while
//! a trip through the blocking pool (two thread switches each way) cost more
//! than the call: about a third of the server's CPU per job. Scans and
//! housekeeping (leases, purges, counts, whole logs) stay on the pool. A network
//! database would implement the same methods with a blocking client pool and
//! report itself never `idle`.
//!
//! Each method is one atomic step of the job lifecycle, so the invariants
//! (one holder per lease, gap-free event sequence numbers, a result written
//! once) live in the backend's transactions, not in the callers.

mod sqlite;
mod sqlite_job;
mod sqlite_schema;

use std::sync::Arc;

pub use sqlite::SqliteStore;

pub type StoreResult<T> = Result<T, StoreError>;

/// Failures callers react to; `Backend` is everything else.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such job")]
    NotFound,
    /// The job is not running under the caller's lease (finished, expired,
    /// re-queued or claimed by someone else).
    #[error("the lease is no longer held")]
    LeaseLost,
    /// A pushed batch skipped sequence numbers; `acked` is the last one stored.
    #[error("events must continue after seq {acked}")]
    SeqGap { acked: u64 },
    #[error("the job's event log is full")]
    LogFull,
    #[error("too many active jobs for this client")]
    TooManyActive,
    #[error("the job's stdin is full")]
    StdinFull,
    #[error("the job has finished")]
    JobFinished,
    #[error("storage backend: {0}")]
    Backend(String),
}

/// A file handed to the program's work directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFile {
    pub name: String,
    pub content: Vec<u8>,
}

/// Everything stored when a run is submitted.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub profile: String,
    pub lang: String,
    pub code: String,
    pub stdin: String,
    pub files: Vec<JobFile>,
    pub session_id: Option<String>,
    pub client_ip: String,
    pub now_ms: i64,
}

/// What `GET /api/run/:id` shows.
#[derive(Debug, Clone)]
pub struct JobSummary {
    pub status: String,
    /// The result record as JSON text, once final.
    pub result_json: Option<String>,
}

/// A lease granted at claim time.
#[derive(Debug, Clone)]
pub struct Lease {
    pub runner_id: String,
    pub lease_id: String,
    pub expires_ms: i64,
}

/// A job handed to a runner.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: String,
    pub profile: String,
    pub lang: String,
    pub code: String,
    pub stdin: String,
    pub files: Vec<JobFile>,
    pub session_id: Option<String>,
    /// The `status: running` frame appended by the claim.
    pub frames: Vec<StoredFrame>,
}

/// One frame of a job's event log, exactly as sent to WebSocket clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFrame {
    pub seq: u64,
    /// The `exit` frame is always the last one.
    pub exit: bool,
    /// Empty only in the `exit` frame a step that ended the job returns when its
    /// result is large: read that frame from the store (`read_log`).
    pub json: String,
}

/// One event pushed by a runner, already checked by the route.
#[derive(Debug, Clone)]
pub struct RunnerEvent {
    /// The runner's own per-job counter (1, 2, 3 …).
    pub seq: u64,
    /// `stdout`, `stderr` or `visualization`.
    pub kind: String,
    /// The client frame without `seq` (the store adds the log's own).
    pub body: serde_json::Map<String, serde_json::Value>,
}

/// State of a lease after a runner touched it.
#[derive(Debug, Clone)]
pub struct LeaseState {
    pub runner_id: String,
    pub session_id: Option<String>,
    pub expires_ms: i64,
    pub cancel_requested: bool,
}

/// Result of pushing a batch of events.
#[derive(Debug, Clone)]
pub struct Appended {
    /// Highest runner seq stored for this job.
    pub acked: u64,
    /// Newly stored frames (empty when the whole batch was a retry).
    pub frames: Vec<StoredFrame>,
    pub lease: LeaseState,
}

/// The final result as pushed by the runner holding the lease.
#[derive(Debug, Clone)]
pub struct RunnerFinish {
    pub lease_id: String,
    /// Last events, stored before the exit frame (same rules as a push).
    pub events: Vec<RunnerEvent>,
    pub status: String,
    pub result_json: String,
    pub now_ms: i64,
}

/// What a finish or a server-side final stored.
#[derive(Debug, Clone)]
pub struct Finished {
    /// New frames, ending with `exit`; empty for an idempotent repeat.
    pub frames: Vec<StoredFrame>,
    /// Claim → final, when the job had been claimed.
    pub run_ms: Option<u64>,
    pub session_id: Option<String>,
    /// True when this exact result had already been stored.
    pub duplicate: bool,
}

/// What a cancel request did.
#[derive(Debug, Clone)]
pub enum CancelOutcome {
    /// The job was still queued and is now final `cancelled`.
    Finalized(Finished),
    /// The job is running; the runner is told through its control channel.
    Requested,
    /// The job had already ended with this status.
    AlreadyFinal(String),
}

/// Stdin and cancel for the runner holding a job.
#[derive(Debug, Clone)]
pub struct Control {
    /// `(seq, data)` chunks typed after the runner's `after`.
    pub stdin: Vec<(u64, String)>,
    pub lease: LeaseState,
}

/// A lease that ran out.
#[derive(Debug, Clone)]
pub struct Expired {
    pub job_id: String,
    /// Back in the queue (the runner never confirmed the claim), or final.
    pub requeued: bool,
    pub finished: Finished,
}

/// The storage interface.
pub trait Store: Send + Sync + 'static {
    /// Stores a queued job and its `status: queued` frame, unless the client
    /// already has `max_active_per_ip` jobs queued or running (0 = no limit).
    fn create_job(&self, job: &NewJob, max_active_per_ip: u32) -> StoreResult<StoredFrame>;
    fn job_summary(&self, job_id: &str) -> StoreResult<Option<JobSummary>>;
    /// Whether the job exists (without reading its result).
    fn job_exists(&self, job_id: &str) -> StoreResult<bool>;
    /// Atomically takes the oldest queued job with one of `profiles`.
    fn claim_next(
        &self,
        profiles: &[String],
        lease: &Lease,
        now_ms: i64,
    ) -> StoreResult<Option<ClaimedJob>>;
    /// Extends the lease (and marks the claim confirmed).
    fn renew_lease(&self, job_id: &str, lease_id: &str, expires_ms: i64)
        -> StoreResult<LeaseState>;
    /// Appends runner events idempotently (see `docs/runner-protocol.md`).
    fn append_events(
        &self,
        job_id: &str,
        lease_id: &str,
        events: Vec<RunnerEvent>,
        expires_ms: i64,
        max_log_bytes: u64,
    ) -> StoreResult<Appended>;
    /// Stores the runner's result once; a repeat with the same lease is a no-op.
    fn finish_by_runner(
        &self,
        job_id: &str,
        finish: RunnerFinish,
        max_log_bytes: u64,
    ) -> StoreResult<Finished>;
    /// Frames with `seq > after`, at most `max_frames`, stopping once
    /// `max_bytes` is passed (always at least one frame if any exist).
    fn read_log(
        &self,
        job_id: &str,
        after: u64,
        max_frames: usize,
        max_bytes: usize,
    ) -> StoreResult<Vec<StoredFrame>>;
    /// Queues input for the program; refused once the job is final.
    fn push_stdin(&self, job_id: &str, data: &str, max_total_bytes: usize) -> StoreResult<()>;
    /// Stdin after `after` plus the cancel flag; also renews the lease.
    fn control(
        &self,
        job_id: &str,
        lease_id: &str,
        after: u64,
        expires_ms: i64,
    ) -> StoreResult<Control>;
    fn request_cancel(&self, job_id: &str, now_ms: i64) -> StoreResult<CancelOutcome>;
    /// Ends every lease that expired by `now_ms`.
    fn expire_leases(&self, now_ms: i64) -> StoreResult<Vec<Expired>>;
    /// The earliest lease deadline of any running job.
    fn next_lease_deadline(&self) -> StoreResult<Option<i64>>;
    /// At start-up: give runners that kept their jobs through a server
    /// restart one lease period to come back.
    fn extend_running_leases(&self, until_ms: i64) -> StoreResult<usize>;
    fn count_by_status(&self) -> StoreResult<Vec<(String, u64)>>;
    /// Deletes final jobs (and their logs) that ended before `before_ms`.
    fn purge_finished_before(&self, before_ms: i64) -> StoreResult<usize>;
    /// Cheap liveness check for `/healthz`.
    fn ping(&self) -> StoreResult<()>;
    /// Whether a call would start at once, without waiting for another (then a
    /// small call may run on the calling thread).
    fn idle(&self) -> bool;
}

/// Largest payload (in bytes) a call may carry and still run on the calling thread.
pub const INLINE_BYTES: usize = 64 << 10;

/// A small call (`bytes` of payload to write or read, at most a few rows): on the
/// calling thread if the backend is free and the payload is at most `INLINE_BYTES`,
/// else on the blocking pool.
pub async fn call_sized<T, F>(store: &Arc<dyn Store>, bytes: usize, f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
{
    if bytes <= INLINE_BYTES && store.idle() {
        return f(store.as_ref());
    }
    call(store, f).await
}

/// `call_sized` for calls of a fixed small size (one row, a lease, a summary).
pub async fn quick<T, F>(store: &Arc<dyn Store>, f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
{
    call_sized(store, 0, f).await
}

/// Runs a store call on the blocking pool.
pub async fn call<T, F>(store: &Arc<dyn Store>, f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
{
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, code: &str) -> NewJob {
        NewJob {
            id: id.into(),
            profile: "python-basic".into(),
            lang: "en".into(),
            code: code.into(),
            stdin: String::new(),
            files: Vec::new(),
            session_id: None,
            client_ip: "127.0.0.1".into(),
            now_ms: 1,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn small_calls_run_on_the_calling_thread_and_large_ones_on_the_blocking_pool() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let here = std::thread::current().id();
        let small = call_sized(&store, 100, |_| Ok(std::thread::current().id()))
            .await
            .unwrap();
        assert_eq!(small, here, "a small call on an idle store runs here");
        let large = call_sized(
            &store,
            INLINE_BYTES + 1,
            |_| Ok(std::thread::current().id()),
        )
        .await
        .unwrap();
        assert_ne!(large, here, "a large call goes to the blocking pool");
        let fixed = quick(&store, |s| {
            s.create_job(&job("a", "print(1)"), 0)?;
            Ok(std::thread::current().id())
        })
        .await
        .unwrap();
        assert_eq!(fixed, here);
        assert!(quick(&store, |s| s.job_exists("a")).await.unwrap());
        assert!(!quick(&store, |s| s.job_exists("b")).await.unwrap());
    }

    #[test]
    fn commits_reach_the_database_file_through_the_checkpoint_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        let store = SqliteStore::open(&path).unwrap();
        store.create_job(&job("kept", "print(2)"), 0).unwrap();
        // Commits leave their pages in the WAL; within a few checkpoint periods the
        // thread has copied them into the database file itself: a copy of that file
        // alone (no WAL beside it) holds the job.
        let copy = dir.path().join("copy.sqlite");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            std::fs::copy(&path, &copy).unwrap();
            let found = SqliteStore::open(&copy)
                .and_then(|c| c.job_exists("kept"))
                .unwrap_or(false);
            if found {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the job never reached the database file"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        drop(store);
    }
}
