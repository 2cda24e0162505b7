//! The Landlock rule list for a job (plain data) and applying it in the child.
//! Pinned to ABI v6: the first with signal and abstract-socket scoping. The job does
//! not run unless the kernel reports the ruleset fully enforced.

use crate::error::{Step, StepError};
use landlock::{
    Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, ABI,
};
use std::path::PathBuf;

pub const LANDLOCK_ABI: ABI = ABI::V6;

/// What a path (inside the sandbox) may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathAccess {
    /// Read files, list directories, execute (the read-only trees).
    ReadExecute,
    /// Read and write, create and remove, but never execute (work dir, /tmp).
    ReadWriteNoExec,
    /// Read and write existing files only (/dev/null and friends).
    DeviceReadWrite,
    /// Read only, no execute (/proc).
    ReadOnly,
}

#[derive(Debug, Clone, Default)]
pub struct LandlockPlan {
    pub enabled: bool,
    pub rules: Vec<(PathBuf, PathAccess)>,
}

fn rights(a: PathAccess) -> BitFlags<AccessFs> {
    let abi = LANDLOCK_ABI;
    match a {
        PathAccess::ReadExecute => AccessFs::from_read(abi),
        PathAccess::ReadWriteNoExec => {
            AccessFs::from_all(abi)
                & !(AccessFs::Execute | AccessFs::MakeChar | AccessFs::MakeBlock)
        }
        PathAccess::DeviceReadWrite => {
            AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::Truncate
        }
        PathAccess::ReadOnly => AccessFs::ReadFile | AccessFs::ReadDir,
    }
}

fn err(call: &'static str, e: impl std::fmt::Display) -> StepError {
    StepError::check(Step::Landlock, call, e.to_string())
}

impl LandlockPlan {
    /// Restrict the calling thread (and everything it starts). Fails unless every
    /// handled right is enforced by this kernel.
    pub fn restrict_self(&self) -> Result<(), StepError> {
        if !self.enabled {
            return Ok(());
        }
        let abi = LANDLOCK_ABI;
        let mut ruleset = Ruleset::default()
            .set_compatibility(CompatLevel::HardRequirement)
            .handle_access(AccessFs::from_all(abi))
            .map_err(|e| err("handle_access(fs)", e))?
            .handle_access(AccessNet::from_all(abi))
            .map_err(|e| err("handle_access(net)", e))?
            .scope(Scope::from_all(abi))
            .map_err(|e| err("scope", e))?
            .create()
            .map_err(|e| err("create", e))?;
        for (path, access) in &self.rules {
            let fd = PathFd::new(path)
                .map_err(|e| err("open(rule path)", format!("{}: {e}", path.display())))?;
            // A file (the interpreter binary, a /dev node) can only carry file rights.
            let is_dir = std::fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false);
            let r = if is_dir {
                rights(*access)
            } else {
                rights(*access) & AccessFs::from_file(abi)
            };
            ruleset = ruleset
                .add_rule(PathBeneath::new(fd, r))
                .map_err(|e| err("add_rule", e))?;
        }
        let status = ruleset
            .restrict_self()
            .map_err(|e| err("restrict_self", e))?;
        if status.ruleset != RulesetStatus::FullyEnforced {
            return Err(err("restrict_self", format!("only {:?}", status.ruleset)));
        }
        if !status.no_new_privs {
            return Err(err("restrict_self", "no_new_privs not set"));
        }
        Ok(())
    }
}

/// What this kernel offers, for `doctor`: the highest ABI it reports.
pub fn kernel_abi() -> Option<i32> {
    // SAFETY: landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) only
    // returns the ABI version; no memory is passed.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32,
        )
    };
    (v > 0).then_some(v as i32)
}
