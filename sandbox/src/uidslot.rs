//! Host uids for jobs. When the runner is root, each running job gets its own pair of
//! host uids (inner root and the kid's uid), taken from a range that owns no files, so
//! two concurrent jobs never share an identity on the host. A slot is held by an
//! exclusive `flock` on a lock file in a root-only directory for the job's lifetime;
//! the lock dies with the helper process, so crashed jobs never leak slots.

use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// First host uid of the job range (2^31 + 2^30 region: far above system, user and
/// subordinate-uid ranges, below the 32-bit `-1`).
pub const HOST_UID_BASE: u32 = 3_000_000_000;
pub const SLOTS: u32 = 4096;

pub struct UidSlot {
    pub index: u32,
    _lock: Flock<File>,
}

impl UidSlot {
    /// Take a free slot among `slots`. `dir` is created 0700 if missing.
    pub fn acquire(dir: &Path, slots: u32) -> io::Result<UidSlot> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let slots = slots.max(1);
        let start = std::process::id() % slots;
        for i in 0..slots {
            let index = (start + i) % slots;
            let path: PathBuf = dir.join(format!("{index}.lock"));
            let f = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&path)?;
            match Flock::lock(f, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => return Ok(UidSlot { index, _lock: lock }),
                Err((_, nix::errno::Errno::EWOULDBLOCK)) => continue,
                Err((_, e)) => return Err(e.into()),
            }
        }
        Err(io::Error::other("all job uid slots are in use"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_slots_differ_and_are_reused_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let a = UidSlot::acquire(dir.path(), SLOTS).unwrap();
        let b = UidSlot::acquire(dir.path(), SLOTS).unwrap();
        assert_ne!(a.index, b.index);
        let ai = a.index;
        drop(a);
        let c = UidSlot::acquire(dir.path(), SLOTS).unwrap();
        assert_eq!(c.index, ai, "a released slot is free again");
        let one = tempfile::tempdir().unwrap();
        let _only = UidSlot::acquire(one.path(), 1).unwrap();
        assert!(
            UidSlot::acquire(one.path(), 1).is_err(),
            "all slots taken is an error"
        );
    }
}
