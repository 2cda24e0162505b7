//! Output events to the server in numbered batches. Each event gets the next sequence
//! number once, so a batch retried after a network error carries the same numbers and
//! the server drops what it already has: nothing is duplicated or lost. The channel is
//! bounded, so a slow server slows the reading of the sandbox's output (the program
//! then blocks on its pipe) instead of growing memory.

use super::api::Api;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const CHANNEL: usize = 256;
const BATCH_EVENTS: usize = 256;
const BATCH_BYTES: usize = 512 << 10;
/// A server unreachable this long gets the rest with the result instead.
const GIVE_UP: Duration = Duration::from_secs(120);

pub struct EventBatcher {
    tx: Option<mpsc::Sender<Value>>,
    task: Option<JoinHandle<Vec<Value>>>,
}

impl EventBatcher {
    /// A batcher that sends nothing (for a job that failed before it started).
    pub fn closed() -> Self {
        EventBatcher {
            tx: None,
            task: None,
        }
    }

    pub fn start(api: Api, job: String, lease: String, cancel: mpsc::Sender<()>) -> Self {
        let (tx, rx) = mpsc::channel(CHANNEL);
        let task = tokio::spawn(run(api, job, lease, rx, cancel));
        EventBatcher {
            tx: Some(tx),
            task: Some(task),
        }
    }

    pub async fn push(&self, event: Value) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event).await;
        }
    }

    /// Flush everything; returns numbered events the server has not acknowledged, to
    /// be sent with the result.
    pub async fn finish(mut self) -> Vec<Value> {
        drop(self.tx.take());
        match self.task.take() {
            Some(t) => t.await.unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

/// Largest text one merged stdout/stderr event may carry.
const MERGED_TEXT: usize = 64 << 10;

/// Append `ev` to `last` when both are text of the same stream and not yet sent: a
/// traceback written in many small pieces travels as one event, not dozens.
fn merge_text(last: Option<&mut Value>, ev: &Value) -> bool {
    let (Some(last), Some(kind), Some(add)) = (last, ev["type"].as_str(), ev["data"].as_str())
    else {
        return false;
    };
    if !matches!(kind, "stdout" | "stderr") || last["type"].as_str() != Some(kind) {
        return false;
    }
    let Some(have) = last["data"].as_str() else {
        return false;
    };
    if have.len() + add.len() > MERGED_TEXT {
        return false;
    }
    last["data"] = Value::String(format!("{have}{add}"));
    true
}

async fn run(
    api: Api,
    job: String,
    lease: String,
    mut rx: mpsc::Receiver<Value>,
    cancel: mpsc::Sender<()>,
) -> Vec<Value> {
    let mut seq = 0u64;
    let mut pending: Vec<Value> = Vec::new();
    let mut delivering = true;
    while let Some(first) = rx.recv().await {
        let mut batch_bytes = 0usize;
        let mut next = Some(first);
        while let Some(mut ev) = next.take() {
            let text_len = ev["data"].as_str().map_or(0, str::len);
            batch_bytes += text_len.max(64);
            if !merge_text(pending.last_mut(), &ev) {
                seq += 1;
                ev["seq"] = Value::from(seq);
                if text_len == 0 {
                    batch_bytes += ev.to_string().len();
                }
                pending.push(ev);
            }
            if pending.len() < BATCH_EVENTS && batch_bytes < BATCH_BYTES {
                next = rx.try_recv().ok();
            }
        }
        if !delivering {
            continue; // kept for the result push
        }
        let mut pause = Duration::from_millis(100);
        let started = std::time::Instant::now();
        loop {
            match api.push_events(&job, &lease, &pending).await {
                Ok(ack) => {
                    pending.clear();
                    if ack.cancel {
                        let _ = cancel.send(()).await;
                    }
                    break;
                }
                Err(e) if e.retry && started.elapsed() < GIVE_UP => {
                    tracing::warn!(job = %job, "pushing events failed, retrying: {e}");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    tracing::error!(job = %job, "server refused events: {e}");
                    delivering = false;
                    let _ = cancel.send(()).await;
                    break;
                }
            }
        }
    }
    pending
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn neighbouring_text_of_one_stream_merges_and_nothing_else_does() {
        let mut last = json!({"type": "stderr", "data": "Trace", "seq": 3});
        assert!(merge_text(
            Some(&mut last),
            &json!({"type": "stderr", "data": "back"})
        ));
        assert_eq!(
            last,
            json!({"type": "stderr", "data": "Traceback", "seq": 3})
        );
        assert!(!merge_text(
            Some(&mut last),
            &json!({"type": "stdout", "data": "x"})
        ));
        assert!(!merge_text(
            Some(&mut last),
            &json!({"type": "visualization", "kind": "turtle"})
        ));
        let big = "x".repeat(MERGED_TEXT);
        assert!(!merge_text(
            Some(&mut last),
            &json!({"type": "stderr", "data": big})
        ));
        assert!(!merge_text(None, &json!({"type": "stderr", "data": "a"})));
    }
}
