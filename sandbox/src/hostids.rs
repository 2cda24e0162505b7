//! Which host uids and gids jobs run as, and where the helper keeps its state.
//!
//! - As root: each job gets its own pair from a range that owns no files
//!   (`uidslot::HOST_UID_BASE`), maps written directly; state in /run/sandpit.
//! - As an unprivileged user (a systemd service with `User=`): each job gets its own
//!   pair from the user's subordinate range in /etc/subuid and /etc/subgid, mapped with
//!   the setuid helpers newuidmap/newgidmap (package `uidmap`); state in the service's
//!   runtime directory.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdMapping {
    /// The runner is root and writes the maps itself.
    Root,
    /// Subordinate ranges of an unprivileged user (first id and length of each).
    Subordinate {
        uid_start: u32,
        gid_start: u32,
        count: u32,
    },
}

/// Host-side facts a helper needs (it starts with an empty environment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSetup {
    pub ids: IdMapping,
    /// Root-owned (or runner-user-owned) directory for slot locks and the mount point
    /// of new roots.
    pub state_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum HostIdError {
    #[error("running as uid {uid} ({user}) without a subordinate range: add `{user}:<start>:65536` to /etc/subuid and /etc/subgid and install the `uidmap` package (newuidmap/newgidmap), or run the runner as root")]
    NoRange { uid: u32, user: String },
    #[error("no runtime directory for the sandbox's state: set RUNTIME_DIRECTORY (systemd RuntimeDirectory=sandpit) or XDG_RUNTIME_DIR")]
    NoStateDir,
    #[error("`{0}` not found: install the `uidmap` package")]
    NoMapper(&'static str),
}

/// The first range of at least 2 ids for `user` (name or numeric uid) in a
/// /etc/subuid-style text.
pub fn subordinate_range(text: &str, user: &str, uid: u32) -> Option<(u32, u32)> {
    text.lines().find_map(|l| {
        let mut f = l.trim().split(':');
        let (who, start, count) = (
            f.next()?,
            f.next()?.parse().ok()?,
            f.next()?.parse::<u32>().ok()?,
        );
        ((who == user || who == uid.to_string()) && count >= 2).then_some((start, count))
    })
}

pub const NEWUIDMAP: &str = "/usr/bin/newuidmap";
pub const NEWGIDMAP: &str = "/usr/bin/newgidmap";

impl HostSetup {
    /// Work out the mode for this process (called by the runner, not the helper).
    pub fn detect() -> Result<HostSetup, HostIdError> {
        let uid = nix::unistd::geteuid();
        if uid.is_root() {
            return Ok(HostSetup {
                ids: IdMapping::Root,
                state_dir: PathBuf::from("/run/sandpit"),
            });
        }
        let user = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| uid.to_string());
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let su = subordinate_range(&read("/etc/subuid"), &user, uid.as_raw());
        let sg = subordinate_range(&read("/etc/subgid"), &user, uid.as_raw());
        let (Some((uid_start, uc)), Some((gid_start, gc))) = (su, sg) else {
            return Err(HostIdError::NoRange {
                uid: uid.as_raw(),
                user,
            });
        };
        for tool in [NEWUIDMAP, NEWGIDMAP] {
            if !Path::new(tool).exists() {
                return Err(HostIdError::NoMapper(tool));
            }
        }
        let state_dir = std::env::var_os("RUNTIME_DIRECTORY")
            .map(|d| PathBuf::from(d).join("sandbox"))
            .or_else(|| {
                std::env::var_os("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("sandpit"))
            })
            .ok_or(HostIdError::NoStateDir)?;
        Ok(HostSetup {
            ids: IdMapping::Subordinate {
                uid_start,
                gid_start,
                count: uc.min(gc),
            },
            state_dir,
        })
    }

    /// How many jobs can hold distinct uid pairs at once.
    pub fn slots(&self) -> u32 {
        match self.ids {
            IdMapping::Root => crate::uidslot::SLOTS,
            IdMapping::Subordinate { count, .. } => (count / 2).min(crate::uidslot::SLOTS),
        }
    }

    /// The host uid and gid that inner root maps to for `slot` (the kid's are +1).
    pub fn base_ids(&self, slot: u32) -> (u32, u32) {
        match self.ids {
            IdMapping::Root => {
                let b = crate::uidslot::HOST_UID_BASE + slot * 2;
                (b, b)
            }
            IdMapping::Subordinate {
                uid_start,
                gid_start,
                ..
            } => (uid_start + slot * 2, gid_start + slot * 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subordinate_ranges_match_by_name_or_uid_and_need_two_ids() {
        let t = "alice:100000:65536\n998:200000:1\nsandpit:300000:65536\n";
        assert_eq!(subordinate_range(t, "sandpit", 999), Some((300000, 65536)));
        assert_eq!(subordinate_range(t, "bob", 1001), None);
        assert_eq!(
            subordinate_range(t, "x", 998),
            None,
            "a range of one id is not enough"
        );
        assert_eq!(subordinate_range("1001:5:10\n", "bob", 1001), Some((5, 10)));
    }

    #[test]
    fn each_slot_gets_its_own_pair() {
        let h = HostSetup {
            ids: IdMapping::Subordinate {
                uid_start: 100000,
                gid_start: 200000,
                count: 65536,
            },
            state_dir: PathBuf::from("/x"),
        };
        assert_eq!(h.base_ids(0), (100000, 200000));
        assert_eq!(h.base_ids(3), (100006, 200006));
        assert_eq!(h.slots(), 4096);
    }
}
