//! The one error type every handler returns: `{"error":{"code","message"}}`.
//!
//! Messages are written for the person calling the API; internal failures are
//! logged in full and answered with a generic message, so nothing about the
//! host leaks.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
    /// Extra top-level fields (e.g. `acked` on a sequence gap), for machines.
    extra: Option<(&'static str, serde_json::Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
            extra: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn too_large(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn job_not_found() -> Self {
        Self::not_found("job_not_found", "no job with this id")
    }

    /// 429 with a `Retry-After` header (whole seconds, at least 1).
    pub fn too_many(code: &'static str, message: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }

    /// Something broke on our side; `detail` goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server could not complete this request",
        )
    }

    pub fn with_extra(mut self, key: &'static str, value: serde_json::Value) -> Self {
        self.extra = Some((key, value));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": { "code": self.code, "message": self.message } });
        if let Some((key, value)) = self.extra {
            body[key] = value;
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::job_not_found(),
            StoreError::LeaseLost => ApiError::conflict(
                "lease_lost",
                "this job is no longer held under that lease; stop working on it",
            ),
            StoreError::SeqGap { acked } => ApiError::conflict(
                "seq_gap",
                format!("events must continue from seq {}", acked + 1),
            )
            .with_extra("acked", acked.into()),
            StoreError::LogFull => ApiError::too_large(
                "event_log_full",
                "this job has streamed more output than the server keeps; stop it with output_limit",
            ),
            StoreError::TooManyActive => ApiError::too_many(
                "too_many_active_jobs",
                "too many of your programs are queued or running; wait for one to finish",
                2,
            ),
            StoreError::StdinFull => {
                ApiError::too_large("stdin_too_large", "this program has been sent too much input")
            }
            StoreError::JobFinished => {
                ApiError::conflict("job_finished", "this program has already finished")
            }
            StoreError::Backend(detail) => ApiError::internal(detail),
        }
    }
}

/// The body of the 404 for unknown routes.
pub async fn route_not_found() -> ApiError {
    ApiError::not_found("not_found", "no such endpoint")
}

/// The body of the 405 for a known route with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method",
    )
}
