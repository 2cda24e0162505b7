//! cgroups made once by the runner and lent to one forked sandbox at a time (v1).
//!
//! Making a job's cgroup (four directories, limits written) and removing it again
//! (plus the kernel's deferred freeing of each memory cgroup) is most of the cgroup
//! work per job; on v1 a removed memory cgroup also tends to linger in the kernel. A
//! runner whose jobs fork from a warm interpreter keeps a few per profile instead:
//! `job-<runner pid>-slot<n>` (the sweep at start removes those of a runner that is
//! gone). The helper adopts the lent cgroup (`JobCgroup::adopt`: empty, limits written
//! again, counters reset or remembered). A cgroup goes back to the pool only after its
//! helper reported the outcome and exited (the sandbox's init reaped: no task is left);
//! one whose helper was killed or lost is removed, on a thread of its own (removing
//! waits for the kernel to free the dying tasks).
//!
//! On v2, or when the policy turns cgroups off, there is no pool: helpers make their
//! own, as exec'd helpers always do.

use crate::cgroup::{CgroupHost, CgroupLimits, JobCgroup, LentCgroup};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Most cgroups kept for reuse; more sandboxes alive at once still get one each.
const MAX_KEPT: usize = 64;
/// Numbers the slots of every pool of this process (a replaced zygote's pool may
/// still hold its slots while the new one makes its own).
static SLOTS_MADE: AtomicUsize = AtomicUsize::new(0);

pub struct CgroupPool {
    host: CgroupHost,
    limits: CgroupLimits,
    free: Mutex<Vec<JobCgroup>>,
}

/// One cgroup, lent to one sandbox. Dropping it removes the cgroup; `give_back`
/// keeps it for the next sandbox.
pub struct CgroupLease {
    cgroup: Option<JobCgroup>,
    lent: LentCgroup,
    pool: Arc<CgroupPool>,
}

impl CgroupPool {
    /// A pool for cgroups with these limits, or `None` where a lent cgroup can't
    /// report per-job figures (v2) or there is no usable hierarchy (the helper then
    /// reports that itself).
    pub fn new(limits: CgroupLimits) -> Option<Arc<CgroupPool>> {
        match CgroupHost::discover() {
            Ok(host @ CgroupHost::V1 { .. }) => Some(Arc::new(CgroupPool {
                host,
                limits,
                free: Mutex::new(Vec::new()),
            })),
            _ => None,
        }
    }

    /// A cgroup no live sandbox uses: a returned one, else a new one.
    pub fn lease(self: &Arc<Self>) -> io::Result<CgroupLease> {
        let reused = self.free.lock().ok().and_then(|mut free| free.pop());
        let cgroup = match reused {
            Some(c) => c,
            None => {
                let n = SLOTS_MADE.fetch_add(1, Ordering::Relaxed);
                let tag = format!("{}-slot{n}", std::process::id());
                self.host
                    .create_job(&tag, self.limits)
                    .map_err(io::Error::other)?
            }
        };
        let lent = cgroup
            .lend()
            .ok_or_else(|| io::Error::other("only v1 cgroups are lent"))?;
        Ok(CgroupLease {
            cgroup: Some(cgroup),
            lent,
            pool: Arc::clone(self),
        })
    }

    /// cgroups waiting for a sandbox (for tests).
    pub fn idle(&self) -> usize {
        self.free.lock().map(|f| f.len()).unwrap_or(0)
    }
}

impl CgroupLease {
    /// What the helper is told to adopt.
    pub fn lent(&self) -> &LentCgroup {
        &self.lent
    }

    /// Keep the cgroup for the next sandbox. Only once nothing of the job that used
    /// it can run any more: its helper exited after reaping the sandbox's init.
    pub fn give_back(mut self) {
        if let (Some(c), Ok(mut free)) = (self.cgroup.take(), self.pool.free.lock()) {
            if free.len() < MAX_KEPT {
                free.push(c);
            } else {
                self.cgroup = Some(c);
            }
        }
    }
}

impl Drop for CgroupLease {
    fn drop(&mut self) {
        if let Some(c) = self.cgroup.take() {
            // JobCgroup's drop kills what is left and removes it, waiting (briefly)
            // for dying tasks: not on the caller's (maybe async) thread.
            let _ = std::thread::Builder::new()
                .name("sandpit-cgroup-rm".into())
                .spawn(move || drop(c));
        }
    }
}
