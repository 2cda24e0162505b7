//! `POST /api/run`, `GET /api/run/:jobId`, `POST /api/run/:jobId/cancel`.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_json::value::RawValue;

use crate::client_ip::ClientIp;
use crate::control;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::names::{self, check_file_name};
use crate::profiles::DEFAULT_PROFILE;
use crate::queue::now_ms;
use crate::store::{self, CancelOutcome, JobFile, NewJob};
use crate::AppState;

/// Languages the kid-facing messages come in.
const LANGS: [&str; 2] = ["en", "zh-CN"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    code: String,
    profile: Option<String>,
    stdin: Option<String>,
    lang: Option<String>,
    session_id: Option<String>,
    files: Option<Vec<RunFile>>,
}

#[derive(Deserialize)]
pub struct RunFile {
    name: String,
    content: String,
    encoding: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<RunRequest>,
) -> Result<Response, ApiError> {
    let limits = &state.config.limits;
    if req.code.len() > limits.max_code_bytes {
        return Err(ApiError::too_large(
            "code_too_large",
            format!("the program can be at most {} bytes", limits.max_code_bytes),
        ));
    }
    let profile = req.profile.unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    if !names::is_profile_name(&profile) || !state.knows_profile(&profile) {
        return Err(ApiError::not_found(
            "unknown_profile",
            format!("there is no profile named {profile:?}"),
        ));
    }
    let lang = req.lang.unwrap_or_else(|| "en".to_owned());
    if !LANGS.contains(&lang.as_str()) {
        return Err(ApiError::invalid(
            "invalid_lang",
            "lang must be \"en\" or \"zh-CN\"",
        ));
    }
    let stdin = req.stdin.unwrap_or_default();
    if stdin.len() > limits.max_stdin_bytes {
        return Err(ApiError::too_large(
            "stdin_too_large",
            format!("stdin can be at most {} bytes", limits.max_stdin_bytes),
        ));
    }
    if let Some(session) = &req.session_id {
        if !names::is_session_id(session) {
            return Err(invalid_session_id());
        }
    }
    let files = decode_files(req.files.unwrap_or_default(), limits.max_files)?;

    let job = NewJob {
        id: names::new_id(),
        profile,
        lang,
        code: req.code,
        stdin,
        files,
        session_id: req.session_id,
        client_ip: ip.to_string(),
        now_ms: now_ms(),
    };
    let job_id = job.id.clone();
    let session = job.session_id.clone();
    let max_active = limits.max_active_jobs_per_ip;
    let bytes =
        job.code.len() + job.stdin.len() + job.files.iter().map(|f| f.content.len()).sum::<usize>();
    let frame =
        store::call_sized(&state.store, bytes, move |s| s.create_job(&job, max_active)).await?;
    state.hub.publish(&job_id, &[frame]);
    state.queue.job_available();
    state
        .metrics
        .jobs_submitted
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Some(session) = session {
        let s = state.clone();
        // Best effort: only keeps the session from expiring.
        let _ = tokio::task::spawn_blocking(move || s.sessions.touch(&session)).await;
    }

    let location = format!("/api/run/{job_id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json!({ "jobId": job_id, "status": "queued" })),
    )
        .into_response())
}

pub fn invalid_session_id() -> ApiError {
    ApiError::invalid(
        "invalid_session_id",
        "a sessionId is 8 to 64 characters of A-Z, a-z, 0-9, _ and -",
    )
}

/// Checks names, encodings and count; returns the decoded files.
fn decode_files(files: Vec<RunFile>, max_files: usize) -> Result<Vec<JobFile>, ApiError> {
    if files.len() > max_files {
        return Err(ApiError::invalid(
            "too_many_files",
            format!("at most {max_files} files per run"),
        ));
    }
    let mut seen = HashSet::new();
    files
        .into_iter()
        .map(|f| {
            check_file_name(&f.name).map_err(|e| {
                ApiError::invalid("invalid_file_name", format!("{:?}: {e}", f.name))
            })?;
            if !seen.insert(f.name.clone()) {
                return Err(ApiError::invalid(
                    "duplicate_file_name",
                    format!("{:?} is given twice", f.name),
                ));
            }
            let content = match f.encoding.as_deref().unwrap_or("utf8") {
                "utf8" => f.content.into_bytes(),
                "base64" => BASE64.decode(f.content.as_bytes()).map_err(|_| {
                    ApiError::invalid(
                        "invalid_base64",
                        format!("{:?} is not valid base64", f.name),
                    )
                })?,
                _ => {
                    return Err(ApiError::invalid(
                        "invalid_encoding",
                        "encoding must be \"utf8\" or \"base64\"",
                    ))
                }
            };
            Ok(JobFile {
                name: f.name,
                content,
            })
        })
        .collect()
}

/// A job id from the path; anything that isn't one of ours is simply not found.
pub fn job_id(raw: String) -> Result<String, ApiError> {
    if names::is_id(&raw) {
        Ok(raw)
    } else {
        Err(ApiError::job_not_found())
    }
}

pub async fn status(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = job_id(raw)?;
    let lookup = id.clone();
    let summary = store::call(&state.store, move |s| s.job_summary(&lookup))
        .await?
        .ok_or_else(ApiError::job_not_found)?;
    let result = summary
        .result_json
        .map(RawValue::from_string)
        .transpose()
        .map_err(ApiError::internal)?;
    Ok(Json(JobView {
        job_id: id,
        status: summary.status,
        result,
    })
    .into_response())
}

/// `GET /api/run/:jobId`; the stored result record is passed through as is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JobView {
    job_id: String,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Box<RawValue>>,
}

pub async fn cancel(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = job_id(raw)?;
    let body = match control::cancel_job(&state, &id).await? {
        CancelOutcome::Finalized(_) => json!({ "jobId": id, "status": "cancelled" }),
        CancelOutcome::Requested => {
            json!({ "jobId": id, "status": "running", "cancelRequested": true })
        }
        CancelOutcome::AlreadyFinal(status) => json!({ "jobId": id, "status": status }),
    };
    Ok(Json(body).into_response())
}
