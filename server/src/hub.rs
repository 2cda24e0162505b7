//! In-memory fan-out per job: log frames to WebSocket watchers and wake-ups
//! to the runner's control long poll.
//!
//! The store is the source of truth; the hub only carries "something new"
//! quickly. A watcher subscribes *before* reading the log and drops any
//! frame whose seq it has already sent, so nothing falls between the replay
//! and the live feed. The broadcast ring is small and holds only small
//! frames inline; a watcher that falls behind (ring overrun) or meets a big
//! frame reads the missing seqs from the store, so a slow client costs the
//! server no memory beyond its own socket buffer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, watch};

use crate::store::StoredFrame;

/// Frames larger than this are announced by seq only.
const INLINE_FRAME_BYTES: usize = 16 * 1024;
/// Frames kept in each job's ring for watchers that are a little behind.
const RING_FRAMES: usize = 64;

/// A new frame as seen live.
#[derive(Debug, Clone)]
pub struct LiveFrame {
    pub seq: u64,
    pub exit: bool,
    /// `None` for big frames: read them from the store.
    pub text: Option<Utf8Bytes>,
}

struct JobChannels {
    frames: broadcast::Sender<LiveFrame>,
    /// Bumped when stdin or a cancel arrives for the runner.
    control: watch::Sender<u64>,
}

/// All jobs someone is currently watching (a WebSocket client or a runner's
/// control poll). Jobs nobody watches have no entry and cost nothing.
#[derive(Default)]
pub struct Hub {
    jobs: Mutex<HashMap<String, Arc<JobChannels>>>,
}

/// Keeps a job's channels alive while held; the last one dropped removes them.
pub struct JobWatch {
    hub: Arc<Hub>,
    job_id: String,
    channels: Arc<JobChannels>,
}

impl Hub {
    pub fn new() -> Arc<Self> {
        Arc::new(Hub::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<JobChannels>>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts watching `job_id`; subscribe through the returned guard.
    pub fn watch(self: &Arc<Self>, job_id: &str) -> JobWatch {
        let channels = self
            .lock()
            .entry(job_id.to_owned())
            .or_insert_with(|| {
                Arc::new(JobChannels {
                    frames: broadcast::channel(RING_FRAMES).0,
                    control: watch::channel(0).0,
                })
            })
            .clone();
        JobWatch {
            hub: Arc::clone(self),
            job_id: job_id.to_owned(),
            channels,
        }
    }

    /// Announces frames the store has just committed.
    pub fn publish(&self, job_id: &str, frames: &[StoredFrame]) {
        // Sent under the lock (sending never blocks), so a watcher's drop
        // always sees an exact reference count.
        let jobs = self.lock();
        let Some(channels) = jobs.get(job_id) else {
            return; // nobody is watching
        };
        for frame in frames {
            // An empty frame is one to read from the store (a large exit frame).
            let text = (!frame.json.is_empty() && frame.json.len() <= INLINE_FRAME_BYTES)
                .then(|| Utf8Bytes::from(frame.json.clone()));
            // An error only means no receiver is subscribed right now.
            let _ = channels.frames.send(LiveFrame {
                seq: frame.seq,
                exit: frame.exit,
                text,
            });
        }
    }

    /// Wakes the runner's control poll for `job_id` (stdin or cancel arrived).
    pub fn poke_control(&self, job_id: &str) {
        if let Some(channels) = self.lock().get(job_id) {
            channels.control.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Jobs with at least one watcher (for tests and metrics).
    pub fn watched_jobs(&self) -> usize {
        self.lock().len()
    }
}

impl JobWatch {
    pub fn frames(&self) -> broadcast::Receiver<LiveFrame> {
        self.channels.frames.subscribe()
    }

    pub fn control(&self) -> watch::Receiver<u64> {
        self.channels.control.subscribe()
    }
}

impl Drop for JobWatch {
    fn drop(&mut self) {
        let mut jobs = self.hub.lock();
        // Two references left means the map's and ours: we were the last watcher.
        if Arc::strong_count(&self.channels) == 2 {
            jobs.remove(&self.job_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u64, len: usize) -> StoredFrame {
        StoredFrame {
            seq,
            exit: false,
            json: "x".repeat(len),
        }
    }

    #[tokio::test]
    async fn watchers_get_published_frames_and_entries_vanish_with_the_last_watcher() {
        let hub = Hub::new();
        hub.publish("job", &[frame(1, 3)]); // nobody watching: no entry is created
        assert_eq!(hub.watched_jobs(), 0);

        let a = hub.watch("job");
        let b = hub.watch("job");
        let mut rx = a.frames();
        hub.publish("job", &[frame(2, 3), frame(3, INLINE_FRAME_BYTES + 1)]);
        let small = rx.recv().await.unwrap();
        assert_eq!((small.seq, small.text.as_deref()), (2, Some("xxx")));
        let big = rx.recv().await.unwrap();
        assert_eq!((big.seq, big.text.is_none()), (3, true));

        drop(a);
        assert_eq!(hub.watched_jobs(), 1);
        drop(b);
        assert_eq!(hub.watched_jobs(), 0);
    }

    #[tokio::test]
    async fn control_pokes_wake_the_runner_poll() {
        let hub = Hub::new();
        let w = hub.watch("job");
        let mut rx = w.control();
        rx.borrow_and_update();
        hub.poke_control("job");
        rx.changed().await.unwrap();
    }
}
