//! `GET /healthz` and `GET /metrics`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::error::ApiError;
use crate::metrics::Snapshot;
use crate::store;
use crate::AppState;

/// 200 when the store answers, so the server can accept jobs.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match store::call(&state.store, |s| s.ping()).await {
        Ok(()) => Json(json!({ "status": "ok" })).into_response(),
        Err(e) => {
            tracing::error!("health check: storage unavailable: {e}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "storage is unavailable",
            )
            .into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let jobs_by_status = store::call(&state.store, |s| s.count_by_status()).await?;
    let text = state.metrics.render(&Snapshot {
        jobs_by_status,
        runners_connected: state.runners.connected(),
        websocket_clients: state.stream_slots.open(),
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
