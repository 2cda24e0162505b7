//! Warm sandboxes: parked helpers kept ready per profile (as many as jobs may run at
//! once), so a claimed job skips building namespaces, mounts and its cgroup (and the
//! cgroup-attach stall) and only pays for the interpreter's start. A used helper is
//! replaced in the background.

use super::helper_async::AsyncHelper;
use super::zygotes::ZygoteSlot;
use anyhow::{anyhow, Result};
use sandpit_sandbox::spec::PreparedProfile;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Mutex;

#[derive(Default)]
struct Warm {
    ready: Vec<AsyncHelper>,
    /// Helpers being built right now (counted so refills don't overshoot).
    building: usize,
}

pub struct Pool {
    pub profiles: BTreeMap<String, Arc<PreparedProfile>>,
    /// Profiles whose helpers fork from a warm interpreter.
    zygotes: BTreeMap<String, Arc<ZygoteSlot>>,
    per_profile: usize,
    warm: Mutex<BTreeMap<String, Warm>>,
}

impl Pool {
    pub fn new(profiles: BTreeMap<String, Arc<PreparedProfile>>, per_profile: usize) -> Arc<Pool> {
        let zygotes = profiles
            .iter()
            .filter_map(|(name, p)| {
                let lib = crate::profiles::zygote_lib(p)?;
                Some((name.clone(), Arc::new(ZygoteSlot::new(Arc::clone(p), lib))))
            })
            .collect();
        Arc::new(Pool {
            profiles,
            zygotes,
            per_profile: per_profile.max(1),
            warm: Mutex::new(BTreeMap::new()),
        })
    }

    async fn build(&self, name: &str, profile: &PreparedProfile) -> Result<AsyncHelper> {
        let zygote = self.zygotes.get(name).cloned();
        let mut h = AsyncHelper::spawn_warm(profile, zygote).await?;
        h.wait_parked().await?;
        Ok(h)
    }

    /// Top the pool up for `name` in the background.
    pub fn refill(self: &Arc<Self>, name: &str) {
        let (pool, name) = (Arc::clone(self), name.to_string());
        tokio::spawn(async move {
            let Some(profile) = pool.profiles.get(&name).cloned() else {
                return;
            };
            let missing = {
                let mut warm = pool.warm.lock().await;
                let w = warm.entry(name.clone()).or_default();
                let missing = pool.per_profile.saturating_sub(w.ready.len() + w.building);
                w.building += missing;
                missing
            };
            for _ in 0..missing {
                let built = pool.build(&name, &profile).await;
                let mut warm = pool.warm.lock().await;
                let w = warm.entry(name.clone()).or_default();
                w.building -= 1;
                match built {
                    Ok(h) => w.ready.push(h),
                    Err(e) => tracing::error!(profile = %name, "could not warm a sandbox: {e:#}"),
                }
            }
        });
    }

    /// A parked sandbox for `name`: a warm one if ready, else built now. The caller
    /// refills the pool when its job is over, so building the next sandbox does not
    /// compete with the running program for the CPU.
    pub async fn take(self: &Arc<Self>, name: &str) -> Result<AsyncHelper> {
        let profile = self
            .profiles
            .get(name)
            .ok_or_else(|| anyhow!("unknown profile {name}"))?;
        let warm = self
            .warm
            .lock()
            .await
            .get_mut(name)
            .and_then(|w| w.ready.pop());
        match warm {
            Some(h) => Ok(h),
            None => self.build(name, profile).await,
        }
    }

    /// Let every warm sandbox go (shutdown).
    pub async fn drain(&self) {
        let all: Vec<AsyncHelper> = std::mem::take(&mut *self.warm.lock().await)
            .into_values()
            .flat_map(|w| w.ready)
            .collect();
        for h in all {
            h.wait().await;
        }
    }
}
