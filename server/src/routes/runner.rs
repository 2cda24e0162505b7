//! `/api/runner/*`: the runners' side, as specified in `docs/runner-protocol.md`.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use subtle::ConstantTimeEq as _;

use super::run::job_id;
use crate::control;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::names;
use crate::queue::{self, now_ms};
use crate::record;
use crate::store::{self, ClaimedJob, JobFile, RunnerEvent, RunnerFinish, StoreError};
use crate::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/runner/jobs/claim", post(claim))
        .route("/api/runner/jobs/{job_id}/lease", post(heartbeat))
        .route("/api/runner/jobs/{job_id}/events", post(push_events))
        .route("/api/runner/jobs/{job_id}/control", get(control_poll))
        .route("/api/runner/jobs/{job_id}/result", post(push_result))
        .layer(DefaultBodyLimit::max(
            state.config.limits.max_runner_body_bytes,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_runner_token,
        ))
}

/// With a token configured, every runner request must carry
/// `Authorization: Bearer <token>`; compared in constant time.
async fn require_runner_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Some(expected) = &state.config.runner_token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid runner token is required",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Ok(response);
        }
    }
    Ok(next.run(request).await)
}

fn lease_seconds(state: &AppState) -> f64 {
    state.config.timing.lease.as_secs_f64()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimRequest {
    runner_id: String,
    hostname: String,
    profiles: Vec<String>,
    wait_seconds: Option<f64>,
}

async fn claim(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> Result<Response, ApiError> {
    let printable =
        |s: &str, max: usize| !s.is_empty() && s.len() <= max && !s.chars().any(char::is_control);
    if !printable(&req.runner_id, 128) || !printable(&req.hostname, 255) {
        return Err(ApiError::invalid(
            "invalid_runner",
            "runnerId and hostname must be 1–128/255 printable characters",
        ));
    }
    if req.profiles.is_empty()
        || req.profiles.len() > 64
        || !req.profiles.iter().all(|p| names::is_profile_name(p))
    {
        return Err(ApiError::invalid(
            "invalid_profiles",
            "profiles must list 1–64 profile names",
        ));
    }
    let long_poll = state.config.timing.long_poll;
    let wait = match req.wait_seconds {
        Some(s) if s.is_finite() && s >= 0.0 => Duration::from_secs_f64(s).min(long_poll),
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_wait",
                "waitSeconds must be a number ≥ 0",
            ))
        }
        None => long_poll,
    };
    state
        .runners
        .announce(&req.runner_id, &req.hostname, &req.profiles);
    let claimed = queue::claim(&state, &req.runner_id, req.profiles, wait).await?;
    state.runners.touch(&req.runner_id);
    let Some((job, lease)) = claimed else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    tracing::info!(job = %job.id, runner = %req.runner_id, host = %req.hostname, "job claimed");
    let files = work_dir_files(&state, &job).await;
    Ok(Json(json!({
        "jobId": job.id,
        "leaseId": lease.lease_id,
        "leaseExpiresAt": lease.expires_ms,
        "leaseSeconds": lease_seconds(&state),
        "heartbeatSeconds": (state.config.timing.lease.as_millis() / 3) as f64 / 1000.0,
        "profile": job.profile,
        "lang": job.lang,
        "code": job.code,
        "stdin": job.stdin,
        "files": files,
        "sessionId": job.session_id,
    }))
    .into_response())
}

/// The session's files overlaid with the run's own (the run's win).
async fn work_dir_files(state: &AppState, job: &ClaimedJob) -> Vec<Value> {
    let mut by_name: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    if let Some(session) = job.session_id.clone() {
        let s = state.clone();
        match tokio::task::spawn_blocking(move || {
            let _ = s.sessions.touch(&session);
            s.sessions.snapshot(&session)
        })
        .await
        {
            Ok(Ok(files)) => by_name.extend(files.into_iter().map(|f| (f.name, f.content))),
            // The job is already claimed: run it without the session files
            // rather than lose it.
            Ok(Err(e)) => tracing::error!(job = %job.id, "reading session files failed: {e}"),
            Err(e) => tracing::error!(job = %job.id, "reading session files failed: {e}"),
        }
    }
    by_name.extend(
        job.files
            .iter()
            .map(|f| (f.name.clone(), f.content.clone())),
    );
    by_name
        .into_iter()
        .map(|(name, content)| json!({ "name": name, "content_base64": BASE64.encode(content) }))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeaseRequest {
    lease_id: String,
}

async fn heartbeat(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
    ApiJson(req): ApiJson<LeaseRequest>,
) -> Result<Response, ApiError> {
    let id = job_id(raw)?;
    let expires = now_ms() + state.config.timing.lease.as_millis() as i64;
    let lease = store::quick(&state.store, move |s| {
        s.renew_lease(&id, &req.lease_id, expires)
    })
    .await?;
    state.runners.touch(&lease.runner_id);
    Ok(
        Json(json!({ "leaseExpiresAt": lease.expires_ms, "cancel": lease.cancel_requested }))
            .into_response(),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventsRequest {
    lease_id: String,
    events: Vec<Value>,
}

async fn push_events(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
    ApiJson(req): ApiJson<EventsRequest>,
) -> Result<Response, ApiError> {
    let id = job_id(raw)?;
    let (events, bytes) = parse_events(req.events, state.config.limits.max_event_bytes)?;
    let expires = now_ms() + state.config.timing.lease.as_millis() as i64;
    let max_log = state.config.limits.max_job_log_bytes;
    let job = id.clone();
    let appended = store::call_sized(&state.store, bytes, move |s| {
        s.append_events(&job, &req.lease_id, events, expires, max_log)
    })
    .await?;
    state.hub.publish(&id, &appended.frames);
    state.runners.touch(&appended.lease.runner_id);
    Ok(Json(json!({
        "acked": appended.acked,
        "cancel": appended.lease.cancel_requested,
        "leaseExpiresAt": appended.lease.expires_ms,
    }))
    .into_response())
}

/// Checks a batch: contiguous ascending seqs, known types, bounded sizes.
/// Only the fields clients are meant to see are kept.
/// Also returns the events' total size in bytes (as JSON).
fn parse_events(
    raw: Vec<Value>,
    max_event_bytes: usize,
) -> Result<(Vec<RunnerEvent>, usize), ApiError> {
    let mut events = Vec::with_capacity(raw.len());
    let mut total = 0usize;
    for value in raw {
        let Value::Object(mut object) = value else {
            return Err(ApiError::invalid(
                "invalid_event",
                "each event is a JSON object",
            ));
        };
        let seq = object
            .remove("seq")
            .and_then(|v| v.as_u64())
            .filter(|&s| s >= 1)
            .ok_or_else(|| ApiError::invalid("invalid_event", "each event needs a seq ≥ 1"))?;
        if let Some(previous) = events.last().map(|e: &RunnerEvent| e.seq) {
            if seq != previous + 1 {
                return Err(ApiError::invalid(
                    "invalid_sequence",
                    "seqs in a batch must be consecutive",
                ));
            }
        }
        let kind = object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let body = match kind.as_str() {
            "stdout" | "stderr" => {
                let data = object
                    .remove("data")
                    .filter(Value::is_string)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "invalid_event",
                            "stdout/stderr events need a string data",
                        )
                    })?;
                let mut body = Map::new();
                body.insert("type".into(), kind.clone().into());
                body.insert("data".into(), data);
                body
            }
            // A kid-level explanation of the program's error (docs/friendly-errors.md).
            "explanation" => object,
            "visualization" => {
                if !object.get("kind").is_some_and(Value::is_string) {
                    return Err(ApiError::invalid(
                        "invalid_event",
                        "visualization events need a string kind",
                    ));
                }
                object
            }
            _ => {
                return Err(ApiError::invalid(
                    "invalid_event",
                    "event type must be stdout, stderr, visualization or explanation",
                ))
            }
        };
        let size = serde_json::to_vec(&body).map_or(usize::MAX, |v| v.len());
        if size > max_event_bytes {
            return Err(ApiError::too_large(
                "event_too_large",
                format!("one event can be at most {max_event_bytes} bytes; split output into smaller chunks"),
            ));
        }
        total = total.saturating_add(size);
        events.push(RunnerEvent { seq, kind, body });
    }
    Ok((events, total))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ControlQuery {
    lease_id: String,
    #[serde(default)]
    after: u64,
    wait_seconds: Option<f64>,
}

async fn control_poll(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(q): ApiQuery<ControlQuery>,
) -> Result<Response, ApiError> {
    let id = job_id(raw)?;
    let long_poll = state.config.timing.long_poll;
    let wait = match q.wait_seconds {
        Some(s) if s.is_finite() && s >= 0.0 => Duration::from_secs_f64(s).min(long_poll),
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_wait",
                "waitSeconds must be a number ≥ 0",
            ))
        }
        None => long_poll,
    };
    let control = control::wait_for_control(&state, &id, &q.lease_id, q.after, wait).await?;
    state.runners.touch(&control.lease.runner_id);
    let stdin: Vec<Value> = control
        .stdin
        .into_iter()
        .map(|(seq, data)| json!({ "seq": seq, "data": data }))
        .collect();
    Ok(Json(json!({
        "stdin": stdin,
        "cancel": control.lease.cancel_requested,
        "leaseExpiresAt": control.lease.expires_ms,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultRequest {
    lease_id: String,
    #[serde(default)]
    events: Vec<Value>,
    result: Value,
    #[serde(default)]
    output_files: Vec<OutputFile>,
}

#[derive(Deserialize)]
struct OutputFile {
    name: String,
    content_base64: String,
}

async fn push_result(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
    ApiJson(req): ApiJson<ResultRequest>,
) -> Result<Response, ApiError> {
    let id = job_id(raw)?;
    let (mut events, events_bytes) = parse_events(req.events, state.config.limits.max_event_bytes)?;
    let Value::Object(mut result) = req.result else {
        return Err(ApiError::invalid(
            "invalid_result",
            "result must be a result record object",
        ));
    };
    let status = result
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !record::is_final_status(&status) {
        return Err(ApiError::invalid(
            "invalid_result",
            "result.status must be a final status",
        ));
    }
    let outputs = req
        .output_files
        .into_iter()
        .map(|f| {
            let content = BASE64.decode(f.content_base64.as_bytes()).map_err(|_| {
                ApiError::invalid(
                    "invalid_base64",
                    format!("{:?} is not valid base64", f.name),
                )
            })?;
            Ok(JobFile {
                name: f.name,
                content,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;

    let refused = store_session_outputs(&state, &id, &req.lease_id, outputs).await?;
    if !refused.is_empty() {
        let list: Vec<Value> = refused
            .iter()
            .map(|(n, r)| json!({ "name": n, "reason": r }))
            .collect();
        result.insert("sessionFilesRefused".into(), Value::Array(list));
    }
    // A large result leaves its output out: the runner streamed all of it already,
    // so the record is rebuilt from the job's log instead of being sent twice.
    if result.remove("outputInStream").and_then(|v| v.as_bool()) == Some(true) {
        let max_log = state.config.limits.max_job_log_bytes;
        if !events.is_empty() {
            let (job, lease) = (id.clone(), req.lease_id.clone());
            let expires = now_ms() + state.config.timing.lease.as_millis() as i64;
            let pending = std::mem::take(&mut events);
            match store::call(&state.store, move |s| {
                s.append_events(&job, &lease, pending, expires, max_log)
            })
            .await
            {
                Ok(appended) => state.hub.publish(&id, &appended.frames),
                // Already final (a retried push): finish_by_runner answers below.
                Err(StoreError::LeaseLost | StoreError::JobFinished) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for (key, value) in output_from_log(&state, &id).await? {
            result.insert(key.into(), value);
        }
    }
    let finish = RunnerFinish {
        lease_id: req.lease_id,
        events,
        status,
        result_json: Value::Object(result).to_string(),
        now_ms: now_ms(),
    };
    let max_log = state.config.limits.max_job_log_bytes;
    let job = id.clone();
    let bytes = finish.result_json.len().saturating_add(events_bytes);
    let finished = store::call_sized(&state.store, bytes, move |s| {
        s.finish_by_runner(&job, finish, max_log)
    })
    .await?;
    queue::announce_finished(&state, &id, &finished);
    let refused: Vec<Value> = refused
        .iter()
        .map(|(n, r)| json!({ "name": n, "reason": r }))
        .collect();
    Ok(Json(json!({ "accepted": true, "duplicate": finished.duplicate, "sessionFilesRefused": refused })).into_response())
}

/// The record's `stdout`, `stderr` and `visualizations`, rebuilt from the job's
/// stored stream (read in pages, so memory follows the log's size limit).
async fn output_from_log(
    state: &AppState,
    job_id: &str,
) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let (mut stdout, mut stderr, mut visualizations) = (String::new(), String::new(), Vec::new());
    let mut after = 0u64;
    loop {
        let job = job_id.to_owned();
        let page = store::call(&state.store, move |s| {
            s.read_log(&job, after, 4096, 8 << 20)
        })
        .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for frame in page {
            let Ok(Value::Object(mut f)) = serde_json::from_str::<Value>(&frame.json) else {
                continue;
            };
            match f.get("type").and_then(Value::as_str) {
                Some("stdout") => {
                    stdout.push_str(f.get("data").and_then(Value::as_str).unwrap_or(""))
                }
                Some("stderr") => {
                    stderr.push_str(f.get("data").and_then(Value::as_str).unwrap_or(""))
                }
                Some("visualization") => {
                    f.remove("seq");
                    visualizations.push(Value::Object(f));
                }
                _ => {}
            }
        }
    }
    Ok(vec![
        ("stdout", Value::String(stdout)),
        ("stderr", Value::String(stderr)),
        ("visualizations", Value::Array(visualizations)),
    ])
}

/// Saves the files the program left behind into its session — before the
/// job turns final, so the kid's next run already sees them. Only while the
/// lease is still held; a repeated push after the job ended skips this.
async fn store_session_outputs(
    state: &AppState,
    job_id: &str,
    lease_id: &str,
    outputs: Vec<JobFile>,
) -> Result<Vec<(String, String)>, ApiError> {
    if outputs.is_empty() {
        return Ok(Vec::new());
    }
    let (id, lease) = (job_id.to_owned(), lease_id.to_owned());
    let expires = now_ms() + state.config.timing.lease.as_millis() as i64;
    let session =
        match store::quick(&state.store, move |s| s.renew_lease(&id, &lease, expires)).await {
            Ok(lease) => lease.session_id,
            Err(StoreError::LeaseLost) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
    let Some(session) = session else {
        return Ok(Vec::new());
    };
    let s = state.clone();
    let refused = tokio::task::spawn_blocking(move || s.sessions.store_outputs(&session, &outputs))
        .await
        .map_err(ApiError::internal)?;
    for (name, reason) in &refused {
        tracing::info!(job = %job_id, "output file {name:?} not kept: {reason}");
    }
    Ok(refused)
}
