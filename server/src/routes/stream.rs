//! `GET /api/run/:jobId/stream`: the job's event log over a WebSocket.
//!
//! Each watcher subscribes to the hub first, then replays the stored log,
//! then follows live frames, skipping seqs already sent and filling any gap
//! (ring overrun, big frame, out-of-order publish) from the store. Memory
//! per watcher is bounded by one page of the log plus the socket buffers.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::run::job_id;
use crate::client_ip::ClientIp;
use crate::control;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::store::{self, StoreError};
use crate::stream_slots::Refusal;
use crate::AppState;

/// Frames read from the store per page while catching up.
const PAGE_FRAMES: usize = 256;
const PAGE_BYTES: usize = 256 * 1024;
const FIRST_PAGE_FRAMES: usize = 64;
/// Keep-alive pings so idle proxies don't close a watcher of a queued job.
const PING_EVERY: Duration = Duration::from_secs(25);
/// The server only sends; small socket buffers keep idle watchers cheap.
const READ_BUFFER_BYTES: usize = 4 * 1024;
const WRITE_BUFFER_BYTES: usize = 16 * 1024;
/// A refused watcher's wait: streams end when jobs do, within seconds to minutes.
const STREAMS_RETRY_AFTER_SECS: u64 = 5;

pub async fn upgrade(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiPath(raw): ApiPath<String>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let id = job_id(raw)?;
    // Before anything costs storage work or a socket: refused upgrades stay cheap.
    let slot = state.stream_slots.try_acquire(ip).map_err(refusal)?;
    let lookup = id.clone();
    if !store::quick(&state.store, move |s| s.job_exists(&lookup)).await? {
        return Err(ApiError::job_not_found());
    }
    let ws = ws.map_err(|e| ApiError::bad_request("websocket_required", e.body_text()))?;
    let max_message = state.config.limits.max_ws_message_bytes;
    Ok(ws
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_message_size(max_message)
        .max_frame_size(max_message)
        // The slot moves into the socket's task and is dropped with it, however
        // it ends; if the upgrade never completes, the callback and slot are dropped.
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            if let Err(e) = watch(&state, &id, socket).await {
                tracing::debug!(job = %id, "stream ended early: {e}");
            }
        }))
}

fn refusal(cap: Refusal) -> ApiError {
    let message = match cap {
        Refusal::PerIp => {
            "too many live streams are open from your network; close one and try again"
        }
        Refusal::Total => "the server has too many live streams open; try again in a moment",
    };
    ApiError::too_many("too_many_streams", message, STREAMS_RETRY_AFTER_SECS)
}

#[derive(Debug, thiserror::Error)]
enum StreamEnd {
    #[error("client went away: {0}")]
    Socket(#[from] axum::Error),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// Where a watcher is in the log.
struct Cursor {
    last_sent: u64,
    done: bool,
}

async fn watch(state: &AppState, job_id: &str, mut socket: WebSocket) -> Result<(), StreamEnd> {
    let watch = state.hub.watch(job_id);
    let mut live = watch.frames();
    let mut cursor = Cursor {
        last_sent: 0,
        done: false,
    };
    catch_up(state, job_id, &mut cursor, &mut socket).await?;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    while !cursor.done {
        tokio::select! {
            received = live.recv() => match received {
                Ok(frame) if frame.seq <= cursor.last_sent => {}
                Ok(frame) if frame.seq == cursor.last_sent + 1 && frame.text.is_some() => {
                    let text = frame.text.unwrap_or_default();
                    socket.send(Message::Text(text)).await?;
                    cursor.last_sent = frame.seq;
                    cursor.done = frame.exit;
                }
                // A gap, a big frame or an overrun ring: the store has it all.
                Ok(_) | Err(RecvError::Lagged(_)) => catch_up(state, job_id, &mut cursor, &mut socket).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => handle_client_frame(state, job_id, &text, &mut socket).await?,
                Some(Ok(Message::Binary(_))) => {
                    send_error(&mut socket, "bad_frame", "send JSON text frames").await?;
                }
                Some(Ok(_)) => {} // ping/pong are answered by the library
                Some(Err(e)) => {
                    // Typically a message over the size limit: say so, then hang up.
                    let _ = socket.send(Message::Close(Some(CloseFrame {
                        code: axum::extract::ws::close_code::SIZE,
                        reason: Utf8Bytes::from_static("message too big"),
                    }))).await;
                    return Err(StreamEnd::Socket(e));
                }
                None => return Ok(()),
            },
            _ = ping.tick() => socket.send(Message::Ping(Default::default())).await?,
        }
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: axum::extract::ws::close_code::NORMAL,
            reason: Utf8Bytes::from_static("job finished"),
        })))
        .await;
    Ok(())
}

/// Sends stored frames after `cursor.last_sent`, page by page, until the log is exhausted.
async fn catch_up(
    state: &AppState,
    job_id: &str,
    cursor: &mut Cursor,
    socket: &mut WebSocket,
) -> Result<(), StreamEnd> {
    // The first page is small enough to read on this thread (a watcher that joins a
    // job as it starts, the usual case, has a frame or two to catch up on).
    let mut first = true;
    while !cursor.done {
        let (id, after) = (job_id.to_owned(), cursor.last_sent);
        let page = if std::mem::take(&mut first) {
            store::quick(&state.store, move |s| {
                s.read_log(&id, after, FIRST_PAGE_FRAMES, store::INLINE_BYTES)
            })
            .await?
        } else {
            store::call(&state.store, move |s| {
                s.read_log(&id, after, PAGE_FRAMES, PAGE_BYTES)
            })
            .await?
        };
        if page.is_empty() {
            break;
        }
        for frame in page {
            socket.send(Message::Text(frame.json.into())).await?;
            cursor.last_sent = frame.seq;
            cursor.done = frame.exit;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ClientFrame {
    Stdin { data: String },
    Cancel,
}

async fn handle_client_frame(
    state: &AppState,
    job_id: &str,
    text: &str,
    socket: &mut WebSocket,
) -> Result<(), StreamEnd> {
    let outcome = match serde_json::from_str::<ClientFrame>(text) {
        Ok(ClientFrame::Stdin { data }) => control::send_stdin(state, job_id, data)
            .await
            .map_err(ApiError::from),
        Ok(ClientFrame::Cancel) => control::cancel_job(state, job_id)
            .await
            .map(drop)
            .map_err(ApiError::from),
        Err(_) => Err(ApiError::bad_request(
            "bad_frame",
            "expected {\"type\":\"stdin\",\"data\":\"...\"} or {\"type\":\"cancel\"}",
        )),
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(e) => send_error(socket, e.code(), e.message()).await,
    }
}

/// Per-connection error frames (not part of the job's log, no `seq`).
async fn send_error(socket: &mut WebSocket, code: &str, message: &str) -> Result<(), StreamEnd> {
    let frame = json!({ "type": "error", "error": { "code": code, "message": message } });
    socket.send(Message::Text(frame.to_string().into())).await?;
    Ok(())
}
