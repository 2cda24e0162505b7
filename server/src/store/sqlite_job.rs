//! One job row inside a transaction: the lease checks, log appends and
//! final steps the SQLite backend's operations are built from.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Value};

use super::{Finished, JobFile, LeaseState, RunnerEvent, StoreError, StoreResult, StoredFrame};
use crate::record::{self, PartialOutput};

/// Output kept in a record the server writes for a lost runner.
const MAX_RECOVERED_OUTPUT_BYTES: usize = 1024 * 1024;

/// The columns the lease-holding operations look at.
pub(super) struct JobRow {
    pub(super) status: String,
    pub(super) profile: String,
    pub(super) lease_id: Option<String>,
    pub(super) runner_id: Option<String>,
    pub(super) runner_acked: u64,
    pub(super) last_seq: u64,
    pub(super) log_bytes: u64,
    pub(super) cancel_requested: bool,
    pub(super) claimed_ms: Option<i64>,
    pub(super) session_id: Option<String>,
}

impl JobRow {
    pub(super) fn load(tx: &Transaction<'_>, job_id: &str) -> StoreResult<JobRow> {
        tx.prepare_cached(
            "SELECT status, profile, lease_id, runner_id, runner_acked, last_seq, log_bytes,
                    cancel_requested, claimed_ms, session_id
             FROM jobs WHERE id = ?1",
        )?
        .query_row([job_id], |r| {
            Ok(JobRow {
                status: r.get(0)?,
                profile: r.get(1)?,
                lease_id: r.get(2)?,
                runner_id: r.get(3)?,
                runner_acked: r.get(4)?,
                last_seq: r.get(5)?,
                log_bytes: r.get(6)?,
                cancel_requested: r.get(7)?,
                claimed_ms: r.get(8)?,
                session_id: r.get(9)?,
            })
        })
        .optional()?
        .ok_or(StoreError::NotFound)
    }

    pub(super) fn holds(&self, lease_id: &str) -> bool {
        self.status == "running" && self.lease_id.as_deref() == Some(lease_id)
    }

    pub(super) fn lease_state(&self, expires_ms: i64) -> LeaseState {
        LeaseState {
            runner_id: self.runner_id.clone().unwrap_or_default(),
            session_id: self.session_id.clone(),
            expires_ms,
            cancel_requested: self.cancel_requested,
        }
    }

    /// Appends one frame to the log, keeping `last_seq`/`log_bytes` current.
    pub(super) fn append(
        &mut self,
        tx: &Transaction<'_>,
        job_id: &str,
        kind: &str,
        json: String,
    ) -> StoreResult<StoredFrame> {
        insert_frame(tx, job_id, self.last_seq + 1, kind, &json)?;
        self.last_seq += 1;
        self.log_bytes += json.len() as u64;
        Ok(StoredFrame {
            seq: self.last_seq,
            exit: kind == "exit",
            json,
        })
    }

    /// Stores the runner events not stored yet; a batch that skips ahead is refused.
    pub(super) fn append_runner_events(
        &mut self,
        tx: &Transaction<'_>,
        job_id: &str,
        events: Vec<RunnerEvent>,
        max_log_bytes: u64,
    ) -> StoreResult<Vec<StoredFrame>> {
        let stored_acked = self.runner_acked;
        let mut frames = Vec::new();
        for mut event in events {
            if event.seq <= self.runner_acked {
                continue; // already stored by an earlier attempt of this push
            }
            if event.seq != self.runner_acked + 1 {
                return Err(StoreError::SeqGap {
                    acked: stored_acked,
                });
            }
            self.runner_acked = event.seq;
            event.body.insert("seq".into(), json!(self.last_seq + 1));
            let json = Value::Object(event.body).to_string();
            if self.log_bytes + json.len() as u64 > max_log_bytes {
                return Err(StoreError::LogFull);
            }
            frames.push(self.append(tx, job_id, &event.kind, json)?);
        }
        Ok(frames)
    }

    /// Makes the job final with a record written by the server.
    pub(super) fn finalize_by_server(
        &mut self,
        tx: &Transaction<'_>,
        job_id: &str,
        status: &str,
        message: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<Finished> {
        // The lease dies with the job: a runner that comes back late gets
        // `LeaseLost`, not the "already stored" answer of a repeated push.
        self.lease_id = None;
        let output = recovered_output(tx, job_id)?;
        let run_ms = self.claimed_ms.map(|t| (now_ms - t).max(0) as u64);
        let result =
            record::server_record(status, message, &self.profile, &output, run_ms.unwrap_or(0));
        self.finalize(tx, job_id, status, &result, now_ms, Vec::new(), run_ms)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn finalize(
        &mut self,
        tx: &Transaction<'_>,
        job_id: &str,
        status: &str,
        result_json: &str,
        now_ms: i64,
        mut frames: Vec<StoredFrame>,
        run_ms: Option<u64>,
    ) -> StoreResult<Finished> {
        // The exit frame carries the result record, which is stored once, in the
        // job's row: the log holds a stub that `read_log` fills in, so a large
        // result (the whole output) is neither written nor held twice. Watchers get
        // a small one with the announcement; a large one they read from the store.
        let seq = self.last_seq + 1;
        let mut exit = self.append(tx, job_id, "exit", exit_stub(seq))?;
        exit.json = if result_json.len() <= ANNOUNCED_RESULT_BYTES {
            exit_frame(seq, result_json)
        } else {
            String::new()
        };
        frames.push(exit);
        tx.prepare_cached(
            "UPDATE jobs SET status = ?2, result_json = ?3, finished_ms = ?4, last_seq = ?5,
                    log_bytes = ?6, runner_acked = ?7, lease_expires_ms = NULL, lease_id = ?8
             WHERE id = ?1",
        )?
        .execute(params![
            job_id,
            status,
            result_json,
            now_ms,
            self.last_seq,
            self.log_bytes,
            self.runner_acked,
            self.lease_id
        ])?;
        tx.prepare_cached("DELETE FROM stdin_chunks WHERE job_id = ?1")?
            .execute([job_id])?;
        Ok(Finished {
            frames,
            run_ms,
            session_id: self.session_id.clone(),
            duplicate: false,
        })
    }
}

pub(super) fn insert_frame(
    tx: &Transaction<'_>,
    job_id: &str,
    seq: u64,
    kind: &str,
    json: &str,
) -> StoreResult<()> {
    tx.prepare_cached("INSERT INTO events (job_id, seq, kind, frame) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![job_id, seq, kind, json])?;
    Ok(())
}

/// Largest result announced to watchers with its exit frame (bigger ones are read
/// from the store; the hub passes on only small frames anyway).
const ANNOUNCED_RESULT_BYTES: usize = 16 * 1024;

/// The exit frame as the log stores it: without its result.
pub(super) fn exit_stub(seq: u64) -> String {
    format!(r#"{{"type":"exit","seq":{seq}}}"#)
}

/// The exit frame as clients see it.
pub(super) fn exit_frame(seq: u64, result_json: &str) -> String {
    format!(r#"{{"type":"exit","seq":{seq},"result":{result_json}}}"#)
}

pub(super) fn status_frame(status: &str, seq: u64) -> String {
    json!({ "type": "status", "status": status, "seq": seq }).to_string()
}

/// What the program printed before its runner vanished, so the kid still sees it.
fn recovered_output(tx: &Transaction<'_>, job_id: &str) -> StoreResult<PartialOutput> {
    let mut out = PartialOutput::default();
    let mut stmt = tx.prepare_cached(
        "SELECT kind, frame FROM events WHERE job_id = ?1 AND kind IN ('stdout', 'stderr') ORDER BY seq",
    )?;
    let mut rows = stmt.query([job_id])?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(0)?;
        let frame: String = row.get(1)?;
        let data = serde_json::from_str::<Value>(&frame)
            .ok()
            .and_then(|v| v.get("data").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        let target = if kind == "stdout" {
            &mut out.stdout
        } else {
            &mut out.stderr
        };
        if target.len() + data.len() > MAX_RECOVERED_OUTPUT_BYTES {
            out.truncated = true;
        } else {
            target.push_str(&data);
        }
    }
    Ok(out)
}

pub(super) fn files_to_json(files: &[JobFile]) -> String {
    let list: Vec<Value> = files
        .iter()
        .map(|f| json!({ "name": f.name, "content_base64": BASE64.encode(&f.content) }))
        .collect();
    Value::Array(list).to_string()
}

pub(super) fn files_from_json(text: &str) -> StoreResult<Vec<JobFile>> {
    let broken = |what: &str| StoreError::Backend(format!("stored files_json is damaged: {what}"));
    let list: Vec<Value> = serde_json::from_str(text).map_err(|e| broken(&e.to_string()))?;
    list.iter()
        .map(|f| {
            let name = f["name"].as_str().ok_or_else(|| broken("name"))?;
            let content = f["content_base64"]
                .as_str()
                .ok_or_else(|| broken("content"))?;
            Ok(JobFile {
                name: name.to_owned(),
                content: BASE64.decode(content).map_err(|e| broken(&e.to_string()))?,
            })
        })
        .collect()
}
