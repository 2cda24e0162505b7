//! The validated policy model: plain data, no behaviour.
//!
//! A `Policy` is what a TOML file under `policies/` becomes after parsing and strict
//! validation (see `parse.rs`/`validate.rs`). Everything the sandbox applies for a job
//! comes from here; nothing here can be supplied by a job.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One job profile, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Profile name; equals the file stem (`python-basic` for `python-basic.toml`).
    pub name: String,
    /// One line for humans (`policy explain`, the editor's profile list).
    pub description: String,
    /// Language of kid-level messages when the job does not choose one.
    pub default_lang: Lang,
    pub interpreter: InterpreterPolicy,
    pub limits: Limits,
    pub filesystem: FilesystemPolicy,
    /// Extra environment variables for the program (on top of the fixed clean set).
    pub env: BTreeMap<String, String>,
    pub seccomp: SeccompPolicy,
    pub runtime: RuntimePolicy,
    pub layers: Layers,
}

/// Sandpit's kid runtime (turtle drawings, plots, friendly errors): a Python package
/// the runner binds read-only at `/sandpit/runtime` and puts on `PYTHONPATH`. It runs
/// with the program's own rights; it is a convenience, not a protection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimePolicy {
    pub enabled: bool,
    /// Modules a warm sandbox's interpreter imports before its job arrives (dotted
    /// names, e.g. `matplotlib.pyplot`), so jobs don't each pay for importing them.
    #[serde(default)]
    pub preload: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterpreterPolicy {
    /// The Python executable for this profile (absolute path, or a bare name looked up
    /// on the runner's PATH).
    pub python: PathBuf,
    /// Whether `RUNNER_PYTHON_BIN` may replace `python` (the kids' default profile
    /// allows it; a profile tied to a prepared venv does not).
    pub allow_runner_override: bool,
}

/// Resource limits. All values validated to be inside sane ranges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Wall-clock limit for the whole job.
    pub wall_ms: u64,
    /// CPU time limit (RLIMIT_CPU soft limit, rounded up to whole seconds).
    pub cpu_ms: u64,
    /// cgroup memory limit (no swap).
    pub memory_bytes: u64,
    /// cgroup pids limit (processes + threads).
    pub pids: u64,
    /// stdout + stderr + visualization bytes together; the job is stopped past this.
    pub output_bytes: u64,
    /// Size of the writable work dir tmpfs.
    pub work_dir_bytes: u64,
    /// Size of the writable /tmp tmpfs.
    pub tmp_bytes: u64,
    /// RLIMIT_NOFILE.
    pub open_files: u64,
    /// RLIMIT_FSIZE: largest file the program may write.
    pub file_size_bytes: u64,
    /// CPU bandwidth as percent of one core (cgroup cpu quota); 100 = one full core.
    pub cpu_percent: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilesystemPolicy {
    /// Host paths bound read-only (and readable/executable under Landlock) at the same
    /// path inside the sandbox. The interpreter's own installation is added to these
    /// by the runner after resolving it.
    pub read_only: Vec<PathBuf>,
    /// Where the writable work dir is mounted inside (e.g. `/work`); also `HOME` and cwd.
    pub work_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeccompPolicy {
    /// What a syscall that is not allowed gets.
    pub default_action: DeniedAction,
    /// Allowed syscalls, grouped for reviewers (`memory`, `files`, ...). Names are
    /// x86-64 syscall names, checked against the table in `syscalls.rs`.
    pub allow: BTreeMap<String, Vec<String>>,
    /// Calls that are denied with a specific action instead of `default_action`
    /// (e.g. `mount = "errno:EPERM"` so Python reports "Operation not permitted").
    pub deny: BTreeMap<String, DeniedAction>,
}

/// What a denied syscall gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeniedAction {
    /// The call fails with this errno (a positive errno number, e.g. libc::ENOSYS).
    Errno(i32),
    /// The whole job is killed with SIGSYS (status `killed`).
    Kill,
}

/// Whether a protection layer must be applied. Only `Required` is safe; `Off` exists
/// so that a weaker mode is written visibly in the policy file, never implied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Requirement {
    Required,
    Off,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layers {
    pub landlock: Requirement,
    pub cgroups: Requirement,
}
