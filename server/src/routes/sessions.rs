//! `/api/sessions/:id/files[/:name]`: list, upload, download, delete a
//! session's files.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::run::invalid_session_id;
use crate::error::ApiError;
use crate::extract::{ApiBytes, ApiPath};
use crate::names::{self, check_file_name};
use crate::sessions::SessionError;
use crate::AppState;

fn session_id(raw: String) -> Result<String, ApiError> {
    if names::is_session_id(&raw) {
        Ok(raw)
    } else {
        Err(invalid_session_id())
    }
}

fn file_name(raw: String) -> Result<String, ApiError> {
    check_file_name(&raw).map_err(|e| ApiError::invalid("invalid_file_name", e.to_string()))?;
    Ok(raw)
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&AppState) -> std::io::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let s = state.clone();
    tokio::task::spawn_blocking(move || f(&s))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

pub async fn list(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
) -> Result<Response, ApiError> {
    let session = session_id(raw)?;
    let files = blocking(&state, move |s| s.sessions.list(&session)).await?;
    Ok(Json(json!({ "files": files })).into_response())
}

pub async fn download(
    State(state): State<AppState>,
    ApiPath((raw_session, raw_name)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let session = session_id(raw_session)?;
    let name = file_name(raw_name)?;
    let lookup = name.clone();
    let content = blocking(&state, move |s| {
        let content = s.sessions.read(&session, &lookup)?;
        s.sessions.touch(&session)?;
        Ok(content)
    })
    .await?
    .ok_or_else(|| {
        ApiError::not_found("file_not_found", "this session has no file with that name")
    })?;
    // Served as an opaque download so an uploaded HTML file can never run
    // as a page of this site.
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(&name));
    let mut response = (StatusCode::OK, content).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub async fn upload(
    State(state): State<AppState>,
    ApiPath((raw_session, raw_name)): ApiPath<(String, String)>,
    ApiBytes(body): ApiBytes,
) -> Result<Response, ApiError> {
    let session = session_id(raw_session)?;
    let name = file_name(raw_name)?;
    let size = body.len();
    let s = state.clone();
    let stored_name = name.clone();
    let outcome =
        tokio::task::spawn_blocking(move || s.sessions.put(&session, &stored_name, &body))
            .await
            .map_err(ApiError::internal)?;
    match outcome {
        Ok(()) => Ok(Json(json!({ "name": name, "size": size })).into_response()),
        Err(e @ SessionError::FileTooLarge(_)) => {
            Err(ApiError::too_large("file_too_large", e.to_string()))
        }
        Err(e @ SessionError::Full(_)) => Err(ApiError::too_large("session_full", e.to_string())),
        Err(e @ SessionError::TooManyFiles(_)) => {
            Err(ApiError::invalid("too_many_files", e.to_string()))
        }
        Err(SessionError::Io(e)) => Err(ApiError::internal(e)),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    ApiPath((raw_session, raw_name)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let session = session_id(raw_session)?;
    let name = file_name(raw_name)?;
    if blocking(&state, move |s| s.sessions.delete(&session, &name)).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(
            "file_not_found",
            "this session has no file with that name",
        ))
    }
}

/// RFC 5987 encoding for the download's file name.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
