#![forbid(unsafe_code)]
//! sandpit-server: accepts runs, stores jobs and their event logs, hands
//! jobs to runners over a long-poll protocol, fans events out to WebSocket
//! clients and relays stdin/cancel back. It never runs user code.
//!
//! The public API is described in `docs/api.md`, the runner side in
//! `docs/runner-protocol.md`.

pub mod client_ip;
pub mod config;
pub mod control;
pub mod error;
pub mod extract;
pub mod hub;
pub mod metrics;
pub mod names;
pub mod profiles;
pub mod queue;
pub mod ratelimit;
pub mod record;
pub mod routes;
pub mod runners;
pub mod server;
pub mod sessions;
pub mod store;
pub mod stream_slots;

use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::Arc;

pub use config::Config;
pub use routes::app;
pub use server::{start, RunningServer};

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub store: Arc<dyn store::Store>,
    pub hub: Arc<hub::Hub>,
    pub queue: queue::Queue,
    pub sessions: sessions::SessionStore,
    pub runners: runners::RunnerRegistry,
    pub rate_limiter: ratelimit::RateLimiter,
    pub stream_slots: stream_slots::StreamSlots,
    pub metrics: metrics::Metrics,
    /// Profiles found in the policies directory at start.
    pub profiles_from_dir: BTreeSet<String>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Wires up the shared parts around an opened store.
    pub fn new(
        config: Config,
        store: Arc<dyn store::Store>,
        profiles_from_dir: BTreeSet<String>,
    ) -> Self {
        let limits = &config.limits;
        let quota = sessions::SessionQuota {
            max_files: limits.session_max_files,
            max_file_bytes: limits.session_max_file_bytes,
            max_total_bytes: limits.session_max_total_bytes,
        };
        AppState(Arc::new(Shared {
            sessions: sessions::SessionStore::new(config.memory_store_dir.clone(), quota),
            runners: runners::RunnerRegistry::new(config.timing.lease),
            rate_limiter: ratelimit::RateLimiter::new(limits.rate_per_minute, limits.rate_burst),
            stream_slots: stream_slots::StreamSlots::new(
                limits.max_streams_per_ip,
                limits.max_streams,
            ),
            metrics: metrics::Metrics::default(),
            hub: hub::Hub::new(),
            queue: queue::Queue::default(),
            store,
            profiles_from_dir,
            config,
        }))
    }

    /// Whether a job may name `profile` (see [`profiles`] for the rule).
    pub fn knows_profile(&self, profile: &str) -> bool {
        self.profiles_from_dir.contains(profile) || self.runners.profiles().contains(profile)
    }
}
