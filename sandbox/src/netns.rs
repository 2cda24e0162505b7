//! Empty network namespaces made once and lent to one sandbox at a time.
//!
//! Every sandbox needs a network namespace of its own: without one it would share the
//! host's interfaces. Making a fresh one per job costs the kernel about 0.2 ms to set
//! up (a loopback device, per-namespace tables) and more to tear down later, in a
//! kernel worker that also walks the host's whole TCP time-wait table. Forked helpers
//! (`zygote`) therefore join one of these instead: made by the runner, owned by the
//! host's user namespace (so nothing in a job holds a capability over it: its
//! loopback stays down, no address, route or setting can change), and lent to one
//! sandbox at a time. A namespace goes back to the pool only after the helper that
//! used it has exited normally (its sandbox's init reaped, so every process of the
//! job is gone); a helper killed or lost takes its namespace with it.
//!
//! What a later job can see of an earlier one in the same namespace: the namespace's
//! counters (`/proc/net/snmp` and friends: how many network calls failed). Sockets
//! die with their processes, and Landlock's scoping keeps a job from reaching an
//! abstract unix socket of any other sandbox anyway. (SECURITY.md, "Network".)

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex};

/// Most namespaces kept for reuse; more than this many sandboxes alive at once still
/// get one each, and the extras are closed when they come back.
const MAX_KEPT: usize = 64;

#[derive(Default)]
pub struct NetnsPool {
    free: Mutex<Vec<OwnedFd>>,
}

/// One namespace, lent to one sandbox. Dropping it closes the namespace (the kernel
/// frees it once the last process in it is gone); `give_back` returns it for reuse.
pub struct NetnsLease {
    fd: OwnedFd,
    pool: Arc<NetnsPool>,
}

impl NetnsPool {
    pub fn new() -> Arc<NetnsPool> {
        Arc::new(NetnsPool::default())
    }

    /// A namespace no live sandbox uses: a returned one, else a new one.
    pub fn lease(self: &Arc<Self>) -> io::Result<NetnsLease> {
        let reused = self.free.lock().ok().and_then(|mut free| free.pop());
        let fd = match reused {
            Some(fd) => fd,
            None => new_netns()?,
        };
        Ok(NetnsLease {
            fd,
            pool: Arc::clone(self),
        })
    }

    /// Namespaces waiting for a sandbox (for tests).
    pub fn idle(&self) -> usize {
        self.free.lock().map(|f| f.len()).unwrap_or(0)
    }
}

impl NetnsLease {
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Return the namespace for the next sandbox. Only once nothing of the job that
    /// used it can run any more: its helper exited after reaping the sandbox's init.
    pub fn give_back(self) {
        if let Ok(mut free) = self.pool.free.lock() {
            if free.len() < MAX_KEPT {
                free.push(self.fd);
            }
        }
    }
}

/// A new, empty network namespace: made by a short-lived thread of ours (a namespace
/// change affects only the calling thread), held by an fd to it.
fn new_netns() -> io::Result<OwnedFd> {
    std::thread::Builder::new()
        .name("sandpit-netns".into())
        .spawn(|| -> io::Result<OwnedFd> {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            // The thread ends right after; the fd keeps the namespace.
            Ok(File::open("/proc/thread-self/ns/net")?.into())
        })?
        .join()
        .map_err(|_| io::Error::other("the thread making a network namespace panicked"))?
}

/// Move the calling thread (a single-threaded helper) into the namespace behind `fd`,
/// checking that it is one.
pub fn join(fd: BorrowedFd<'_>) -> io::Result<()> {
    nix::sched::setns(fd, nix::sched::CloneFlags::CLONE_NEWNET).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn inode(fd: BorrowedFd<'_>) -> u64 {
        File::from(fd.try_clone_to_owned().unwrap())
            .metadata()
            .unwrap()
            .ino()
    }

    fn host_netns() -> u64 {
        std::fs::metadata("/proc/self/ns/net").unwrap().ino()
    }

    fn is_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn leases_are_fresh_namespaces_reused_only_after_give_back() {
        if !is_root() {
            // unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN. CI runs as root: never skipped.
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI=true but not root: this test must not be skipped in CI"
            );
            return;
        }
        let pool = NetnsPool::new();
        let a = pool.lease().expect("lease a");
        let b = pool.lease().expect("lease b");
        let (ia, ib) = (inode(a.fd()), inode(b.fd()));
        assert_ne!(ia, ib, "two live leases never share a namespace");
        assert_ne!(ia, host_netns(), "never the host's namespace");
        drop(b); // dropped, not given back: closed
        assert_eq!(pool.idle(), 0);
        a.give_back();
        assert_eq!(pool.idle(), 1);
        let c = pool.lease().expect("lease c");
        assert_eq!(inode(c.fd()), ia, "a given-back namespace is reused");
        assert_eq!(pool.idle(), 0);
    }
}
