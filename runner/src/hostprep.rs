//! Host preparation done once before jobs: cgroup hierarchy ready, leftovers of
//! crashed jobs swept.

use anyhow::{Context, Result};
use sandpit_sandbox::cgroup::CgroupHost;
use sandpit_sandbox::policy::Requirement;
use sandpit_sandbox::spec::PreparedProfile;

pub fn prepare_cgroups(profile: &PreparedProfile) -> Result<()> {
    if profile.policy.layers.cgroups == Requirement::Off {
        tracing::warn!(profile = %profile.policy.name, "cgroups are OFF in this policy: no memory, CPU or process limits");
        return Ok(());
    }
    let host = CgroupHost::discover().context("cgroups")?;
    host.prepare().context("preparing cgroups")?;
    let swept = host.sweep_stale();
    if swept > 0 {
        tracing::info!(swept, "removed cgroups left by earlier jobs");
    }
    Ok(())
}
