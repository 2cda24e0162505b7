//! The SQLite backend of [`Store`]: one connection behind a mutex, every
//! lifecycle step one transaction. Checkpoints (the only time a commit in WAL
//! mode with `synchronous=NORMAL` waits for the disk) run on a thread of their
//! own, so a commit on the connection never does.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;

use super::sqlite_job::{
    exit_frame, exit_stub, files_from_json, files_to_json, insert_frame, status_frame, JobRow,
};
use super::sqlite_schema;
use super::*;
use crate::record;

/// A claim the runner never confirmed (no heartbeat, push or control call
/// before the lease ran out) is most likely a claim response lost on the
/// wire, so the job goes back to the queue — at most this many times.
const MAX_CLAIM_ATTEMPTS: i64 = 3;

pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Copies the WAL into the database file now and then (file databases only).
    _checkpoints: Option<Checkpointer>,
}

/// How often the WAL is checkpointed (it grows by at most this much writing).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The checkpoint thread; dropping this stops it after a last checkpoint.
struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: PathBuf) -> StoreResult<Checkpointer> {
        let conn = Connection::open(&path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || loop {
                let last = matches!(
                    stopped.recv_timeout(CHECKPOINT_EVERY),
                    Err(mpsc::RecvTimeoutError::Disconnected)
                );
                // PASSIVE: copies what it can without waiting for readers or writers.
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!("checkpointing {} failed: {e}", path.display());
                }
                if last {
                    break;
                }
            })
            .map_err(|e| StoreError::Backend(format!("starting the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and its schema.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut store = Self::prepared(Connection::open(path)?)?;
        // Commits never checkpoint (and so never fsync): the thread does.
        store
            .conn()
            .execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        store._checkpoints = Some(Checkpointer::start(path.to_path_buf())?);
        Ok(store)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> StoreResult<Self> {
        Self::prepared(Connection::open_in_memory()?)
    }

    fn prepared(conn: Connection) -> StoreResult<Self> {
        sqlite_schema::prepare(&conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            _checkpoints: None,
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-transaction rolled that transaction back when it was
        // dropped, so the connection itself is still usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn in_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

impl Store for SqliteStore {
    fn create_job(&self, job: &NewJob, max_active_per_ip: u32) -> StoreResult<StoredFrame> {
        self.in_tx(|tx| {
            if max_active_per_ip > 0 {
                let active: u32 = tx
                    .prepare_cached(
                        "SELECT COUNT(*) FROM jobs WHERE client_ip = ?1 AND status IN ('queued', 'running')",
                    )?
                    .query_row([&job.client_ip], |r| r.get(0))?;
                if active >= max_active_per_ip {
                    return Err(StoreError::TooManyActive);
                }
            }
            let frame = status_frame("queued", 1);
            tx.prepare_cached(
                "INSERT INTO jobs (id, status, profile, lang, code, stdin, files_json, session_id,
                                   client_ip, created_ms, last_seq, log_bytes)
                 VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10)",
            )?
            .execute(params![
                job.id,
                job.profile,
                job.lang,
                job.code,
                job.stdin,
                files_to_json(&job.files),
                job.session_id,
                job.client_ip,
                job.now_ms,
                frame.len() as u64,
            ])?;
            insert_frame(tx, &job.id, 1, "status", &frame)?;
            Ok(StoredFrame {
                seq: 1,
                exit: false,
                json: frame,
            })
        })
    }

    fn job_summary(&self, job_id: &str) -> StoreResult<Option<JobSummary>> {
        let conn = self.conn();
        let summary = conn
            .prepare_cached("SELECT status, result_json FROM jobs WHERE id = ?1")?
            .query_row([job_id], |r| {
                Ok(JobSummary {
                    status: r.get(0)?,
                    result_json: r.get(1)?,
                })
            })
            .optional()?;
        Ok(summary)
    }

    fn job_exists(&self, job_id: &str) -> StoreResult<bool> {
        let conn = self.conn();
        let found = conn
            .prepare_cached("SELECT 1 FROM jobs WHERE id = ?1")?
            .query_row([job_id], |_| Ok(()))
            .optional()?;
        Ok(found.is_some())
    }

    fn claim_next(
        &self,
        profiles: &[String],
        lease: &Lease,
        now_ms: i64,
    ) -> StoreResult<Option<ClaimedJob>> {
        let profiles_json = Value::from(profiles.to_vec()).to_string();
        self.in_tx(|tx| {
            let found = tx
                .prepare_cached(
                    "SELECT id, profile, lang, code, stdin, files_json, session_id, last_seq, log_bytes
                     FROM jobs
                     WHERE status = 'queued' AND profile IN (SELECT value FROM json_each(?1))
                     ORDER BY created_ms, rowid LIMIT 1",
                )?
                .query_row([&profiles_json], |r| {
                    Ok((
                        ClaimedJob {
                            id: r.get(0)?,
                            profile: r.get(1)?,
                            lang: r.get(2)?,
                            code: r.get(3)?,
                            stdin: r.get(4)?,
                            files: Vec::new(),
                            session_id: r.get(6)?,
                            frames: Vec::new(),
                        },
                        r.get::<_, String>(5)?,
                        r.get::<_, u64>(7)?,
                        r.get::<_, u64>(8)?,
                    ))
                })
                .optional()?;
            let Some((mut job, files_json, last_seq, log_bytes)) = found else {
                return Ok(None);
            };
            job.files = files_from_json(&files_json)?;
            let frame = status_frame("running", last_seq + 1);
            insert_frame(tx, &job.id, last_seq + 1, "status", &frame)?;
            tx.prepare_cached(
                "UPDATE jobs SET status = 'running', runner_id = ?2, lease_id = ?3, lease_expires_ms = ?4,
                        lease_confirmed = 0, claim_attempts = claim_attempts + 1, claimed_ms = ?5,
                        runner_acked = 0, last_seq = ?6, log_bytes = ?7
                 WHERE id = ?1",
            )?
            .execute(params![
                job.id,
                lease.runner_id,
                lease.lease_id,
                lease.expires_ms,
                now_ms,
                last_seq + 1,
                log_bytes + frame.len() as u64,
            ])?;
            job.frames.push(StoredFrame {
                seq: last_seq + 1,
                exit: false,
                json: frame,
            });
            Ok(Some(job))
        })
    }

    fn renew_lease(
        &self,
        job_id: &str,
        lease_id: &str,
        expires_ms: i64,
    ) -> StoreResult<LeaseState> {
        self.in_tx(|tx| {
            let row = JobRow::load(tx, job_id)?;
            if !row.holds(lease_id) {
                return Err(StoreError::LeaseLost);
            }
            tx.prepare_cached(
                "UPDATE jobs SET lease_expires_ms = ?2, lease_confirmed = 1 WHERE id = ?1",
            )?
            .execute(params![job_id, expires_ms])?;
            Ok(row.lease_state(expires_ms))
        })
    }

    fn append_events(
        &self,
        job_id: &str,
        lease_id: &str,
        events: Vec<RunnerEvent>,
        expires_ms: i64,
        max_log_bytes: u64,
    ) -> StoreResult<Appended> {
        self.in_tx(|tx| {
            let mut row = JobRow::load(tx, job_id)?;
            if !row.holds(lease_id) {
                return Err(StoreError::LeaseLost);
            }
            let frames = row.append_runner_events(tx, job_id, events, max_log_bytes)?;
            tx.prepare_cached(
                "UPDATE jobs SET runner_acked = ?2, last_seq = ?3, log_bytes = ?4,
                        lease_expires_ms = ?5, lease_confirmed = 1
                 WHERE id = ?1",
            )?
            .execute(params![
                job_id,
                row.runner_acked,
                row.last_seq,
                row.log_bytes,
                expires_ms
            ])?;
            Ok(Appended {
                acked: row.runner_acked,
                frames,
                lease: row.lease_state(expires_ms),
            })
        })
    }

    fn finish_by_runner(
        &self,
        job_id: &str,
        finish: RunnerFinish,
        max_log_bytes: u64,
    ) -> StoreResult<Finished> {
        self.in_tx(|tx| {
            let mut row = JobRow::load(tx, job_id)?;
            let same_lease = row.lease_id.as_deref() == Some(finish.lease_id.as_str());
            if record::is_final_status(&row.status) && same_lease {
                return Ok(Finished {
                    frames: Vec::new(),
                    run_ms: None,
                    session_id: row.session_id,
                    duplicate: true,
                });
            }
            if !row.holds(&finish.lease_id) {
                return Err(StoreError::LeaseLost);
            }
            let frames = row.append_runner_events(tx, job_id, finish.events, max_log_bytes)?;
            let run_ms = row.claimed_ms.map(|t| (finish.now_ms - t).max(0) as u64);
            row.finalize(
                tx,
                job_id,
                &finish.status,
                &finish.result_json,
                finish.now_ms,
                frames,
                run_ms,
            )
        })
    }

    fn read_log(
        &self,
        job_id: &str,
        after: u64,
        max_frames: usize,
        max_bytes: usize,
    ) -> StoreResult<Vec<StoredFrame>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT seq, kind, frame FROM events WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")?;
        let mut rows = stmt.query(params![job_id, after, max_frames as i64])?;
        let mut frames = Vec::new();
        let mut bytes = 0;
        while let Some(row) = rows.next()? {
            let seq: u64 = row.get(0)?;
            let exit = row.get::<_, String>(1)? == "exit";
            let mut json: String = row.get(2)?;
            if exit && json == exit_stub(seq) {
                // The result lives in the job's row (see `finalize`).
                let result: Option<String> = conn
                    .prepare_cached("SELECT result_json FROM jobs WHERE id = ?1")?
                    .query_row([job_id], |r| r.get(0))?;
                json = exit_frame(seq, result.as_deref().unwrap_or("null"));
            }
            bytes += json.len();
            frames.push(StoredFrame { seq, exit, json });
            if bytes >= max_bytes {
                break;
            }
        }
        Ok(frames)
    }

    fn push_stdin(&self, job_id: &str, data: &str, max_total_bytes: usize) -> StoreResult<()> {
        self.in_tx(|tx| {
            let (status, seq, bytes): (String, u64, u64) = tx
                .prepare_cached("SELECT status, stdin_seq, stdin_bytes FROM jobs WHERE id = ?1")?
                .query_row([job_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?
                .ok_or(StoreError::NotFound)?;
            if record::is_final_status(&status) {
                return Err(StoreError::JobFinished);
            }
            if bytes + data.len() as u64 > max_total_bytes as u64 {
                return Err(StoreError::StdinFull);
            }
            tx.prepare_cached("INSERT INTO stdin_chunks (job_id, seq, data) VALUES (?1, ?2, ?3)")?
                .execute(params![job_id, seq + 1, data])?;
            tx.prepare_cached("UPDATE jobs SET stdin_seq = ?2, stdin_bytes = ?3 WHERE id = ?1")?
                .execute(params![job_id, seq + 1, bytes + data.len() as u64])?;
            Ok(())
        })
    }

    fn control(
        &self,
        job_id: &str,
        lease_id: &str,
        after: u64,
        expires_ms: i64,
    ) -> StoreResult<Control> {
        self.in_tx(|tx| {
            let row = JobRow::load(tx, job_id)?;
            if !row.holds(lease_id) {
                return Err(StoreError::LeaseLost);
            }
            tx.prepare_cached("UPDATE jobs SET lease_expires_ms = ?2, lease_confirmed = 1 WHERE id = ?1")?
                .execute(params![job_id, expires_ms])?;
            let stdin = tx
                .prepare_cached("SELECT seq, data FROM stdin_chunks WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT 256")?
                .query_map(params![job_id, after], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Control {
                stdin,
                lease: row.lease_state(expires_ms),
            })
        })
    }

    fn request_cancel(&self, job_id: &str, now_ms: i64) -> StoreResult<CancelOutcome> {
        self.in_tx(|tx| {
            let mut row = JobRow::load(tx, job_id)?;
            match row.status.as_str() {
                "queued" => Ok(CancelOutcome::Finalized(row.finalize_by_server(
                    tx,
                    job_id,
                    "cancelled",
                    None,
                    now_ms,
                )?)),
                "running" => {
                    tx.prepare_cached("UPDATE jobs SET cancel_requested = 1 WHERE id = ?1")?
                        .execute([job_id])?;
                    Ok(CancelOutcome::Requested)
                }
                _ => Ok(CancelOutcome::AlreadyFinal(row.status)),
            }
        })
    }

    fn expire_leases(&self, now_ms: i64) -> StoreResult<Vec<Expired>> {
        self.in_tx(|tx| {
            let due: Vec<(String, bool, i64)> = tx
                .prepare_cached(
                    "SELECT id, lease_confirmed, claim_attempts FROM jobs
                     WHERE status = 'running' AND lease_expires_ms <= ?1",
                )?
                .query_map([now_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let mut expired = Vec::with_capacity(due.len());
            for (job_id, confirmed, attempts) in due {
                let mut row = JobRow::load(tx, &job_id)?;
                if !confirmed && attempts < MAX_CLAIM_ATTEMPTS {
                    let frame = row.append(tx, &job_id, "status", status_frame("queued", row.last_seq + 1))?;
                    tx.prepare_cached(
                        "UPDATE jobs SET status = 'queued', runner_id = NULL, lease_id = NULL,
                                lease_expires_ms = NULL, claimed_ms = NULL, last_seq = ?2, log_bytes = ?3
                         WHERE id = ?1",
                    )?
                    .execute(params![job_id, row.last_seq, row.log_bytes])?;
                    let finished = Finished {
                        frames: vec![frame],
                        run_ms: None,
                        session_id: row.session_id,
                        duplicate: false,
                    };
                    expired.push(Expired { job_id, requeued: true, finished });
                } else {
                    let finished =
                        row.finalize_by_server(tx, &job_id, "internal_error", Some(record::RUNNER_LOST), now_ms)?;
                    expired.push(Expired { job_id, requeued: false, finished });
                }
            }
            Ok(expired)
        })
    }

    fn next_lease_deadline(&self) -> StoreResult<Option<i64>> {
        let conn = self.conn();
        let deadline = conn
            .prepare_cached("SELECT MIN(lease_expires_ms) FROM jobs WHERE status = 'running'")?
            .query_row([], |r| r.get(0))?;
        Ok(deadline)
    }

    fn extend_running_leases(&self, until_ms: i64) -> StoreResult<usize> {
        let conn = self.conn();
        let n = conn
            .prepare_cached(
                "UPDATE jobs SET lease_expires_ms = MAX(COALESCE(lease_expires_ms, 0), ?1) WHERE status = 'running'",
            )?
            .execute([until_ms])?;
        Ok(n)
    }

    fn count_by_status(&self) -> StoreResult<Vec<(String, u64)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT status, COUNT(*) FROM jobs GROUP BY status")?;
        let counts = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(counts)
    }

    fn purge_finished_before(&self, before_ms: i64) -> StoreResult<usize> {
        self.in_tx(|tx| {
            // Children first, so the cascade has nothing left to walk.
            for table in ["events", "stdin_chunks"] {
                tx.execute(
                    &format!(
                        "DELETE FROM {table} WHERE job_id IN
                         (SELECT id FROM jobs WHERE finished_ms IS NOT NULL AND finished_ms < ?1)"
                    ),
                    [before_ms],
                )?;
            }
            let n = tx.execute(
                "DELETE FROM jobs WHERE finished_ms IS NOT NULL AND finished_ms < ?1",
                [before_ms],
            )?;
            Ok(n)
        })
    }

    fn ping(&self) -> StoreResult<()> {
        self.conn().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn idle(&self) -> bool {
        self.conn.try_lock().is_ok()
    }
}
