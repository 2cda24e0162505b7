//! Worker mode (`sandpit-runner` / `sandpit-runner work`): claim jobs from the server
//! with a long poll, run each in a (pre-warmed) sandbox, stream events back.
//! On SIGTERM or SIGINT it stops claiming, lets running jobs finish, then exits.

mod api;
mod events;
mod helper_async;
mod job;
mod pool;
mod zygotes;

use crate::{hostprep, profiles};
use anyhow::{bail, Context, Result};
use sandpit_sandbox::policy;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long one claim waits on the server for a job.
const CLAIM_WAIT: Duration = Duration::from_secs(20);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

struct Config {
    server_url: String,
    token: Option<String>,
    poll_interval: Duration,
    max_concurrency: usize,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn config() -> Result<Config> {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let poll_ms: u64 = env_or("RUNNER_POLL_INTERVAL_MS", "1500")
        .parse()
        .context("RUNNER_POLL_INTERVAL_MS must be a number of milliseconds")?;
    let max_concurrency: usize = env_or("RUNNER_MAX_CONCURRENCY", &cpus.to_string())
        .parse()
        .context("RUNNER_MAX_CONCURRENCY must be a whole number")?;
    if max_concurrency == 0 || max_concurrency > 256 {
        bail!("RUNNER_MAX_CONCURRENCY must be between 1 and 256");
    }
    Ok(Config {
        server_url: env_or("RUNNER_SERVER_URL", "http://127.0.0.1:8000"),
        token: std::env::var("RUNNER_ACCESS_TOKEN").ok(),
        poll_interval: Duration::from_millis(poll_ms.clamp(10, 600_000)),
        max_concurrency,
    })
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "runner".into())
}

pub fn run(policies: Option<PathBuf>) -> Result<i32> {
    let cfg = config()?;
    let dir = policies.unwrap_or_else(profiles::default_policies_dir);
    // Every profile is validated and prepared before any job: one that can't be
    // served is logged and not announced, so the server never hands it to us.
    let (policies, diags) = policy::load_dir(&dir);
    for d in &diags {
        tracing::error!("{d}");
    }
    let mut prepared = BTreeMap::new();
    for p in policies {
        let name = p.name.clone();
        match profiles::prepare(p).and_then(|pp| hostprep::prepare_cgroups(&pp).map(|_| pp)) {
            Ok(pp) => {
                prepared.insert(name, Arc::new(pp));
            }
            Err(e) => tracing::error!(profile = %name, "profile not served: {e:#}"),
        }
    }
    if prepared.is_empty() {
        bail!(
            "no usable profile in {} (run `sandpit-runner doctor`)",
            dir.display()
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(work(cfg, prepared))?;
    Ok(0)
}

async fn work(
    cfg: Config,
    prepared: BTreeMap<String, Arc<sandpit_sandbox::spec::PreparedProfile>>,
) -> Result<()> {
    if cfg.token.as_deref().unwrap_or("").is_empty() {
        tracing::warn!("RUNNER_ACCESS_TOKEN is not set: this runner presents no token");
    }
    let names: Vec<String> = prepared.keys().cloned().collect();
    let pool = pool::Pool::new(prepared, cfg.max_concurrency);
    for n in &names {
        pool.refill(n);
    }
    let api = api::Api::new(&cfg.server_url, cfg.token.clone())?;
    let ctx = Arc::new(job::JobCtx {
        api: api.clone(),
        pool: Arc::clone(&pool),
    });
    let runner_id = format!("{}-{}", hostname(), std::process::id());
    let host = hostname();
    let slots = Arc::new(Semaphore::new(cfg.max_concurrency));
    tracing::info!(server = %cfg.server_url, profiles = ?names, concurrency = cfg.max_concurrency, "worker started");

    let mut stop = Box::pin(shutdown_signal());
    let mut backoff = cfg.poll_interval;
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => p?,
            _ = &mut stop => break,
        };
        // On shutdown the claim in flight is abandoned rather than waited for (a long
        // poll may hold for CLAIM_WAIT): a job the server handed out in that instant is
        // never confirmed, so the server re-queues it after the lease (runner protocol
        // §1) and nothing is lost.
        let result = tokio::select! {
            r = api.claim(&runner_id, &host, &names, CLAIM_WAIT) => r,
            _ = &mut stop => break,
        };
        match result {
            Ok(Some(c)) => {
                backoff = cfg.poll_interval;
                tracing::info!(job = %c.job_id, profile = %c.profile, "claimed");
                let ctx = Arc::clone(&ctx);
                tokio::spawn(async move {
                    job::run(ctx, c).await;
                    drop(permit);
                });
            }
            Ok(None) => backoff = cfg.poll_interval,
            Err(e) => {
                tracing::warn!(
                    "claiming failed ({e}); next try in {} ms",
                    backoff.as_millis()
                );
                drop(permit);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = &mut stop => break,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF.max(cfg.poll_interval));
            }
        }
    }
    tracing::info!("stopping: no new jobs; waiting for running jobs to finish");
    let _all = slots.acquire_many(cfg.max_concurrency as u32).await?;
    pool.drain().await;
    tracing::info!("all jobs finished; exiting");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
