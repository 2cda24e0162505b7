//! Running one claimed job: hand it to a parked sandbox, relay stdin and cancel from
//! the server, stream output events in numbered batches, renew the lease, and push the
//! final result — all retried on network errors without duplicating anything.

use super::api::{Api, Claimed};
use super::events::EventBatcher;
use super::helper_async::{frame, AsyncHelper};
use super::pool::Pool;
use crate::record::{LiveEvent, RecordBuilder};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sandpit_sandbox::frames::Kind;
use sandpit_sandbox::policy::Lang;
use sandpit_sandbox::spec::{CollectQuota, JobInput, Outcome, Status};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Files kept for a session after a run (the server re-checks the same quota).
pub const SESSION_QUOTA: CollectQuota = CollectQuota {
    max_files: 32,
    max_file_bytes: 1 << 20,
    max_total_bytes: 4 << 20,
};
/// Results larger than this are sent without their output (see `outputInStream` in
/// docs/runner-protocol.md).
const INLINE_RECORD_BYTES: usize = 2 << 20;
/// Largest text in one stdout/stderr event; longer output is split.
const EVENT_TEXT: usize = 32 << 10;

pub struct JobCtx {
    pub api: Api,
    pub pool: Arc<Pool>,
}

fn internal_error_record(profile: &str) -> Value {
    json!({
        "status": "internal_error", "exit_code": null, "signal": null, "stdout": "", "stderr": "",
        "truncated": false, "wall_ms": 0, "cpu_ms": 0, "memory_peak_bytes": 0,
        "visualizations": [], "profile": profile,
    })
}

/// Split text into events of bounded size, on character boundaries.
fn text_events(kind: &str, text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = rest.len().min(EVENT_TEXT);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(json!({ "type": kind, "data": &rest[..cut] }));
        rest = &rest[cut..];
    }
    out
}

fn live_to_events(ev: LiveEvent) -> Vec<Value> {
    match ev {
        LiveEvent::Stdout(s) => text_events("stdout", &s),
        LiveEvent::Stderr(s) => text_events("stderr", &s),
        LiveEvent::Event(v) => vec![v],
    }
}

/// Retry a call while it is retryable, with growing pauses, for at most `budget`.
async fn retry<T, F, Fut>(what: &str, budget: Duration, mut call: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = super::api::CallResult<T>>,
{
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(200);
    loop {
        match call().await {
            Ok(v) => return Some(v),
            Err(e) if e.retry && start.elapsed() < budget => {
                tracing::warn!("{what} failed, retrying: {e}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                tracing::error!("{what} failed: {e}");
                return None;
            }
        }
    }
}

pub async fn run(ctx: Arc<JobCtx>, claim: Claimed) {
    let job_id = claim.job_id.clone();
    let lease = claim.lease_id.clone();
    let profile_name = claim.profile.clone();
    let result = match execute(&ctx, claim).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(job = %job_id, "job failed inside the runner: {e:#}");
            (
                internal_error_record(&profile_name),
                Vec::new(),
                EventBatcher::closed(),
                None,
            )
        }
    };
    let (mut record, files, batcher, helper) = result;
    // The builder kept at most INLINE_RECORD_BYTES of output, so this record is small
    // enough to measure; escaping can still push it over.
    let streamed = record.get("outputInStream") == Some(&Value::Bool(true));
    if streamed || record.to_string().len() > INLINE_RECORD_BYTES {
        // Everything in these fields was streamed already; the server rebuilds them
        // from its log rather than receive the whole output a second time.
        record["stdout"] = Value::from("");
        record["stderr"] = Value::from("");
        record["visualizations"] = Value::Array(Vec::new());
        record["outputInStream"] = Value::Bool(true);
    }
    // Everything streamed must be acknowledged before the final result, so a watcher
    // never sees `exit` before the last output.
    let leftover = batcher.finish().await;
    let api = &ctx.api;
    let pushed = retry("pushing the result", Duration::from_secs(120), || {
        api.push_result(&job_id, &lease, &leftover, &record, &files)
    })
    .await;
    tracing::info!(job = %job_id, status = %record["status"], delivered = pushed.is_some(), "job finished");
    // The helper removes the job's cgroup after its outcome; nobody waits for that
    // before the result is out.
    if let Some(helper) = helper {
        helper.wait().await;
    }
    ctx.pool.refill(&profile_name);
}

/// The record, output files, the event stream to close, and the helper (done with
/// the job, maybe still cleaning up) to wait for.
type Finished = (Value, Vec<Value>, EventBatcher, Option<AsyncHelper>);

async fn execute(ctx: &Arc<JobCtx>, claim: Claimed) -> anyhow::Result<Finished> {
    let profile = ctx
        .pool
        .profiles
        .get(&claim.profile)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("profile {} is not served by this runner", claim.profile))?;
    let lang = match claim.lang.as_deref() {
        Some(l @ ("en" | "zh-CN")) => l.to_string(),
        _ => match profile.policy.default_lang {
            Lang::En => "en".into(),
            Lang::ZhCn => "zh-CN".into(),
        },
    };
    let mut files = Vec::with_capacity(claim.files.len());
    for f in &claim.files {
        let data = BASE64.decode(f.content_base64.as_bytes())?;
        files.push((f.name.clone(), data));
    }
    let input = JobInput {
        job_id: claim.job_id.clone(),
        code: claim.code.clone(),
        env: vec![("SANDPIT_LANG".into(), lang)],
        collect: claim.session_id.as_ref().map(|_| SESSION_QUOTA),
    };
    let mut helper: AsyncHelper = ctx.pool.take(&claim.profile).await?;
    helper
        .send(crate::helper_client::job_frames(&input, &files)?)
        .await?;
    if let Some(stdin) = claim.stdin.as_deref().filter(|s| !s.is_empty()) {
        // Input given with the run is the whole input: the program sees EOF after it.
        // Without it the job is interactive: input arrives over the stream, and the
        // program waits for it (up to its time limit).
        helper
            .send(frame(Kind::StdinData, stdin.as_bytes()))
            .await?;
        helper.send(frame(Kind::StdinEof, &[])).await?;
    }

    let (cancel_tx, cancel_rx) = mpsc::channel::<()>(4);
    // Set when the job is over: the control and lease tasks then stop at their next
    // step, without dropping a request in flight (that would close its connection).
    let (over_tx, over) = watch::channel(false);
    let batcher = EventBatcher::start(
        ctx.api.clone(),
        claim.job_id.clone(),
        claim.lease_id.clone(),
        cancel_tx.clone(),
    );
    let control = tokio::spawn(relay_control(
        ctx.api.clone(),
        claim.job_id.clone(),
        claim.lease_id.clone(),
        helper.to_helper.clone(),
        cancel_tx.clone(),
        over.clone(),
    ));
    let heartbeat = tokio::spawn(keep_lease(
        ctx.api.clone(),
        claim.job_id.clone(),
        claim.lease_id.clone(),
        Duration::from_secs_f64(claim.heartbeat_seconds.clamp(0.2, 60.0)),
        cancel_tx,
        over,
    ));
    let canceller = tokio::spawn(forward_cancel(cancel_rx, helper.to_helper.clone()));

    let mut builder = RecordBuilder::keeping_at_most(&claim.profile, INLINE_RECORD_BYTES);
    let mut outcome: Option<Outcome> = None;
    while let Some((kind, payload)) = helper.next_frame().await? {
        if kind == Kind::Outcome {
            outcome = Some(serde_json::from_slice(&payload)?);
            break;
        }
        if let Some(ev) = builder.on_frame(kind, &payload) {
            for e in live_to_events(ev) {
                batcher.push(e).await;
            }
        }
    }
    // The server answers a pending control poll once the result is in; the task ends
    // then. Neither task is waited for.
    let _ = over_tx.send(true);
    drop((control, heartbeat));
    canceller.abort();
    let outcome =
        outcome.ok_or_else(|| anyhow::anyhow!("the sandbox helper ended without a result"))?;
    if let Some(step) = &outcome.failed_step {
        tracing::error!(job = %claim.job_id, step = %step, "sandbox set-up failed");
    }
    let output_files: Vec<Value> = if outcome.status == Status::InternalError {
        Vec::new()
    } else {
        builder
            .output_files
            .iter()
            .map(|(n, d)| json!({ "name": n, "content_base64": BASE64.encode(d) }))
            .collect()
    };
    let (record, tail) = std::mem::replace(&mut builder, RecordBuilder::new("")).finish(&outcome);
    for ev in tail {
        for e in live_to_events(ev) {
            batcher.push(e).await;
        }
    }
    let mut value = serde_json::to_value(&record)?;
    if record.output_only_streamed {
        value["outputInStream"] = Value::Bool(true);
    }
    Ok((value, output_files, batcher, Some(helper)))
}

/// Long-poll the server for stdin and cancel, and pass them to the sandbox, until
/// the job is `over`.
async fn relay_control(
    api: Api,
    job: String,
    lease: String,
    to_helper: mpsc::Sender<Vec<u8>>,
    cancel: mpsc::Sender<()>,
    mut over: watch::Receiver<bool>,
) {
    let mut after = 0u64;
    let mut pause = Duration::from_millis(200);
    loop {
        if is_over(&over) {
            return;
        }
        // Once the job is over the server answers this poll (when the result is
        // in); a server that does not (an older one) gets the request dropped after
        // a grace period instead of holding a connection for the whole wait.
        let answer = tokio::select! {
            answer = api.control(&job, &lease, after, Duration::from_secs(20)) => answer,
            _ = async {
                while !is_over(&over) && over.changed().await.is_ok() {}
                tokio::time::sleep(OVER_GRACE).await;
            } => return,
        };
        if is_over(&over) {
            // The server ended the poll because the job is final: nothing to relay.
            return;
        }
        match answer {
            Ok(c) => {
                pause = Duration::from_millis(200);
                for chunk in c.stdin {
                    if chunk.seq > after {
                        after = chunk.seq;
                        if to_helper
                            .send(frame(Kind::StdinData, chunk.data.as_bytes()))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                if c.cancel {
                    let _ = cancel.send(()).await;
                    return;
                }
            }
            Err(e) if e.retry => {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = over.changed() => return,
                }
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                // The lease is gone (the server ended the job): stop the program.
                tracing::warn!(job = %job, "control channel refused: {e}");
                let _ = cancel.send(()).await;
                return;
            }
        }
    }
}

/// How long a control poll may stay open after its job is over.
const OVER_GRACE: Duration = Duration::from_secs(2);

/// The job is over (or its runner task ended without saying so).
fn is_over(over: &watch::Receiver<bool>) -> bool {
    *over.borrow() || over.has_changed().is_err()
}

/// Renew the lease while the job runs (until it is `over`); a cancel request in the
/// answer stops the job.
async fn keep_lease(
    api: Api,
    job: String,
    lease: String,
    every: Duration,
    cancel: mpsc::Sender<()>,
    mut over: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = over.changed() => return,
        }
        match api.heartbeat(&job, &lease).await {
            Ok(ack) if ack.cancel => {
                let _ = cancel.send(()).await;
            }
            Ok(_) => {}
            Err(e) if e.retry => {
                tracing::warn!(job = %job, "lease renewal failed, will retry: {e}")
            }
            Err(e) => {
                tracing::warn!(job = %job, "lease refused: {e}");
                let _ = cancel.send(()).await;
                return;
            }
        }
    }
}

async fn forward_cancel(mut rx: mpsc::Receiver<()>, to_helper: mpsc::Sender<Vec<u8>>) {
    if rx.recv().await.is_some() {
        let _ = to_helper.send(frame(Kind::Cancel, &[])).await;
    }
}
