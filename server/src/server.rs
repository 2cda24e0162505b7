//! Start-up and serving: open storage, recover leases, start the background
//! tasks and the listener.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::store::{self, SqliteStore, Store};
use crate::{profiles, queue, AppState, Config};

/// A server listening in this process.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Waits until the listener stops (it doesn't, unless it fails).
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let listener = self.tasks.remove(0);
        listener.await.context("the HTTP listener task failed")?;
        Ok(())
    }

    /// Stops the listener and background tasks. Connections already
    /// upgraded to WebSocket are dropped as their tasks notice.
    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

/// Opens storage under `config`, prepares state and starts serving.
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    std::fs::create_dir_all(&config.memory_store_dir).with_context(|| {
        format!(
            "creating MEMORY_STORE_DIR {}",
            config.memory_store_dir.display()
        )
    })?;
    let db_path = config.database_path();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&db_path)
            .with_context(|| format!("opening the database {}", db_path.display()))?,
    );

    let profiles_from_dir = match profiles::from_dir(&config.policies_dir) {
        Ok(names) => names,
        Err(e) => {
            tracing::warn!(
                "no profiles read from {} ({e}); only profiles announced by runners will be accepted",
                config.policies_dir.display()
            );
            Default::default()
        }
    };
    tracing::info!(?profiles_from_dir, "profiles from the policies directory");
    if config.runner_token.is_none() {
        tracing::warn!(
            "RUNNER_ACCESS_TOKEN is not set: any runner that can reach this server may claim jobs"
        );
    }

    // Runners that kept their jobs while the server was down get one full
    // lease period to call back before those jobs count as lost.
    let grace_until = queue::now_ms() + config.timing.lease.as_millis() as i64;
    let resumed = store::call(&store, move |s| s.extend_running_leases(grace_until)).await?;
    if resumed > 0 {
        tracing::info!("{resumed} running job(s) wait one lease period for their runners");
    }

    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config, store, profiles_from_dir);
    if let Some(warning) = state.stream_slots.descriptor_warning() {
        tracing::warn!("{warning}");
    }

    let router = crate::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    // Stream frames are small writes in quick succession; without NODELAY,
    // Nagle + delayed ACK can hold one back for tens of milliseconds.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("could not set TCP_NODELAY: {e}");
        }
    });
    let serve = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("HTTP listener stopped: {e}");
        }
    });
    let sweeper = tokio::spawn(queue::run_lease_sweeper(state.clone()));
    let janitor = tokio::spawn(run_janitor(state.clone()));
    Ok(RunningServer {
        addr,
        state,
        tasks: vec![serve, sweeper, janitor],
    })
}

/// Deletes idle sessions and old finished jobs, every few minutes.
async fn run_janitor(state: AppState) {
    loop {
        tokio::time::sleep(state.config.timing.janitor_every).await;
        if let Err(e) = sweep_once(&state).await {
            tracing::error!("janitor: {e:#}");
        }
    }
}

/// One janitor pass (also called by tests).
pub async fn sweep_once(state: &AppState) -> anyhow::Result<(usize, usize)> {
    let idle = state.config.timing.session_idle;
    let s = state.clone();
    let sessions =
        tokio::task::spawn_blocking(move || s.sessions.sweep_expired(idle, SystemTime::now()))
            .await??;
    let cutoff = queue::now_ms() - state.config.timing.job_retention.as_millis() as i64;
    let jobs = store::call(&state.store, move |s| s.purge_finished_before(cutoff)).await?;
    if sessions + jobs > 0 {
        tracing::info!("janitor removed {sessions} idle session(s) and {jobs} old job(s)");
    }
    Ok((sessions, jobs))
}
