//! Warm sandboxes: one parked helper kept ready per profile, so a claimed job skips
//! building namespaces, mounts and its cgroup (and the cgroup-attach stall) and only
//! pays for the interpreter's start. A used helper is replaced in the background.

use super::helper_async::AsyncHelper;
use anyhow::{anyhow, Result};
use sandpit_sandbox::spec::PreparedProfile;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Mutex;

pub struct Pool {
    pub profiles: BTreeMap<String, Arc<PreparedProfile>>,
    warm: Mutex<BTreeMap<String, AsyncHelper>>,
}

impl Pool {
    pub fn new(profiles: BTreeMap<String, Arc<PreparedProfile>>) -> Arc<Pool> {
        Arc::new(Pool {
            profiles,
            warm: Mutex::new(BTreeMap::new()),
        })
    }

    async fn build(profile: &PreparedProfile) -> Result<AsyncHelper> {
        let mut h = AsyncHelper::spawn_warm(profile).await?;
        h.wait_parked().await?;
        Ok(h)
    }

    /// Fill the pool for `name` in the background.
    pub fn refill(self: &Arc<Self>, name: &str) {
        let (pool, name) = (Arc::clone(self), name.to_string());
        tokio::spawn(async move {
            let Some(profile) = pool.profiles.get(&name) else {
                return;
            };
            if pool.warm.lock().await.contains_key(&name) {
                return;
            }
            match Self::build(profile).await {
                Ok(h) => {
                    // If another refill won the race, the extra helper is dropped
                    // (killed) here.
                    pool.warm.lock().await.entry(name).or_insert(h);
                }
                Err(e) => tracing::error!(profile = %name, "could not warm a sandbox: {e:#}"),
            }
        });
    }

    /// A parked sandbox for `name`: the warm one if ready, else built now.
    pub async fn take(self: &Arc<Self>, name: &str) -> Result<AsyncHelper> {
        let profile = self
            .profiles
            .get(name)
            .ok_or_else(|| anyhow!("unknown profile {name}"))?;
        let warm = self.warm.lock().await.remove(name);
        self.refill(name);
        match warm {
            Some(h) => Ok(h),
            None => Self::build(profile).await,
        }
    }

    /// Drop every warm sandbox (shutdown).
    pub async fn drain(&self) {
        let all: Vec<AsyncHelper> = std::mem::take(&mut *self.warm.lock().await)
            .into_values()
            .collect();
        for h in all {
            h.wait().await;
        }
    }
}
