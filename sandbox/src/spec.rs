//! What one job is, as the helper receives it, and what it becomes.

use crate::interp::ResolvedInterpreter;
use crate::policy::Policy;
use crate::seccomp::CompiledSeccomp;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A profile prepared once when the runner starts: validated policy, compiled BPF,
/// resolved interpreter. Jobs only reference it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreparedProfile {
    pub policy: Policy,
    pub seccomp: CompiledSeccomp,
    pub interpreter: ResolvedInterpreter,
    /// Host directory of the kid runtime support package, bound read-only at
    /// `RUNTIME_MOUNT` and put on `PYTHONPATH`; `None` runs bare Python.
    pub runtime_dir: Option<PathBuf>,
    /// Extra environment for this profile computed by the runner (e.g. MPLCONFIGDIR).
    pub runtime_env: Vec<(String, String)>,
    /// The runner host's time zone name (`Asia/Shanghai`): the sandbox's /etc/localtime
    /// links to its file when the policy binds the zone data. `None`: UTC.
    #[serde(default)]
    pub local_time_zone: Option<String>,
    /// Host uids and state directory on this runner's host.
    pub host: crate::hostids::HostSetup,
}

/// Where the runtime support package appears inside the sandbox.
pub const RUNTIME_MOUNT: &str = "/sandpit/runtime";
/// Where time zone data lives, on the host and (bound read-only) inside the sandbox.
pub const ZONEINFO: &str = "/usr/share/zoneinfo";
/// The kid's program file name inside the work dir.
pub const PROGRAM_NAME: &str = "main.py";
/// The fd on which the runtime writes events (one JSON object per line).
pub const EVENT_FD: i32 = 3;

/// Quota for files collected from the work dir after the program ends.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct CollectQuota {
    pub max_files: usize,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
}

/// What a helper is started with, before any job is known: enough to build and park
/// a sandbox (namespaces, mounts, cgroup) so a job that arrives later only pays for
/// starting the interpreter. Sent in the `Profile` frame.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WarmSpec {
    pub profile: PreparedProfile,
    /// A cgroup the runner lends this (forked) helper's sandbox instead of it making
    /// one (`cgroup_pool`); `None`: the helper makes its own.
    #[serde(default)]
    pub cgroup: Option<crate::cgroup::LentCgroup>,
}

/// One job, sent to a (possibly already warm) helper in the `Job` frame; its files
/// follow in `File` frames, then `Start`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobInput {
    /// For logs only; `[A-Za-z0-9_-]{1,64}`.
    pub job_id: String,
    pub code: String,
    /// Job-specific environment (`SANDPIT_*` names only, e.g. `SANDPIT_LANG`).
    pub env: Vec<(String, String)>,
    /// Collect regular files left in the work dir (session memory), within this quota.
    pub collect: Option<CollectQuota>,
}

impl JobInput {
    /// Check what the helper must not trust blindly.
    pub fn validate(&self) -> Result<(), String> {
        let id_ok = !self.job_id.is_empty()
            && self.job_id.len() <= 64
            && self
                .job_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err("bad job id".into());
        }
        for (k, v) in &self.env {
            let name_ok =
                k.starts_with("SANDPIT_") && k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
            if !name_ok || v.contains('\0') {
                return Err(format!("job env {k:?} refused"));
            }
        }
        Ok(())
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Error,
    Timeout,
    MemoryLimit,
    OutputLimit,
    Killed,
    Cancelled,
    InternalError,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Timeout => "timeout",
            Status::MemoryLimit => "memory_limit",
            Status::OutputLimit => "output_limit",
            Status::Killed => "killed",
            Status::Cancelled => "cancelled",
            Status::InternalError => "internal_error",
        }
    }
}

/// The sandbox's verdict and measurements; the runner turns it into the result record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub truncated: bool,
    pub wall_ms: u64,
    pub cpu_ms: u64,
    pub memory_peak_bytes: u64,
    /// For the runner's log only (never shown to the kid): the step that failed.
    pub failed_step: Option<String>,
}

/// Names for files in the work dir: flat, printable, no dot-only names.
pub fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_flat_and_printable() {
        for ok in ["data.csv", "高分.txt", ".hidden", "a b"] {
            assert!(valid_file_name(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "/etc/passwd",
            "a/b",
            "a\0b",
            "a\nb",
            &"x".repeat(101),
        ] {
            assert!(!valid_file_name(bad), "{bad:?}");
        }
    }
}
