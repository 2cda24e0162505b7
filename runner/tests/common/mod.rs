//! Shared helpers for the integration tests: run `sandpit-runner exec --json` on a
//! program text, read its one result record, write throw-away test policies, and look
//! at the host's process table from outside the sandbox.
//!
//! Every sandbox case is its own `exec` process (one job, one helper, one sandbox), so
//! a crash or leak in one case can never change another case's result.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The runner binary cargo built for these tests.
pub fn runner_bin() -> &'static str {
    env!("CARGO_BIN_EXE_sandpit-runner")
}

/// The policies shipped in the repository.
pub fn shipped_policies() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies"))
}

/// The kid runtime package in this checkout. The runner finds it through
/// `SANDPIT_RUNTIME_DIR` (tests run with the crate directory as their working dir, so
/// the runner's `./runtime/python` default does not apply).
pub fn runtime_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime/python"))
}

/// `sandpit-runner` with the checkout's kid runtime.
pub fn runner_command() -> Command {
    let mut cmd = Command::new(runner_bin());
    cmd.env("SANDPIT_RUNTIME_DIR", runtime_dir());
    cmd
}

/// Whether sandbox tests can run here. The sandbox needs root. In CI (`CI=true`) a
/// missing precondition is a failure, never a skip; on a developer's machine as a
/// normal user the test prints why it did nothing and returns.
pub fn sandbox_available() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if in_ci() {
        panic!(
            "CI=true but the tests are not running as root: the sandbox needs root, and \
             sandbox tests must never be skipped in CI"
        );
    }
    eprintln!(
        "NOTICE: not root, so this sandbox test did nothing (run as root to test the sandbox)"
    );
    false
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A fresh random marker, to recognise this test's processes and files on the host.
pub fn marker(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("reading /dev/urandom");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

/// Python helpers that test programs start with. `probe` prints `label: ok <value>`
/// or `label: <ExceptionName> <errno>`; `raw` makes a raw syscall through ctypes and
/// prints `label: <return value> <ERRNO NAME>`.
pub const PY_HELPERS: &str = r#"
import ctypes as _ctypes, errno as _errno
_libc = _ctypes.CDLL(None, use_errno=True)

def probe(label, fn, *args):
    try:
        r = fn(*args)
    except OSError as e:
        print(f"{label}: {type(e).__name__} {e.errno}", flush=True)
    except Exception as e:
        print(f"{label}: {type(e).__name__}", flush=True)
    else:
        print(f"{label}: ok {r!r}", flush=True)

def raw(label, nr, *args):
    _ctypes.set_errno(0)
    r = _libc.syscall(_ctypes.c_long(nr), *[_ctypes.c_long(a) for a in args])
    e = _ctypes.get_errno()
    print(f"{label}: {r} {_errno.errorcode.get(e, e)}", flush=True)
"#;

/// One job to run through `sandpit-runner exec --json`.
pub struct JobRun {
    profile: String,
    policies: PathBuf,
    code: String,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    lang: Option<String>,
}

impl JobRun {
    /// A job with the shipped `python-basic` profile.
    pub fn basic(code: &str) -> JobRun {
        JobRun::new("python-basic", &shipped_policies(), code)
    }

    pub fn new(profile: &str, policies: &Path, code: &str) -> JobRun {
        JobRun {
            profile: profile.to_string(),
            policies: policies.to_path_buf(),
            code: code.to_string(),
            stdin: None,
            env: Vec::new(),
            lang: None,
        }
    }

    /// Run with `--lang` (the job's language, as a server job would carry it).
    pub fn lang(mut self, lang: &str) -> JobRun {
        self.lang = Some(lang.to_string());
        self
    }

    /// Feed these bytes to `input()` through `--stdin FILE`.
    pub fn stdin(mut self, data: &[u8]) -> JobRun {
        self.stdin = Some(data.to_vec());
        self
    }

    /// Set a variable in the runner's own environment.
    pub fn env(mut self, key: &str, value: &str) -> JobRun {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The command, ready to spawn; the returned directory holds the program (and
    /// stdin) files and must outlive the run.
    pub fn command(&self) -> (Command, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let program = dir.path().join("program.py");
        std::fs::write(&program, &self.code).expect("writing the program");
        let mut cmd = runner_command();
        cmd.arg("exec")
            .arg("--json")
            .arg("--profile")
            .arg(&self.profile)
            .arg("--policies")
            .arg(&self.policies);
        if let Some(lang) = &self.lang {
            cmd.arg("--lang").arg(lang);
        }
        if let Some(data) = &self.stdin {
            let f = dir.path().join("stdin.txt");
            std::fs::write(&f, data).expect("writing stdin");
            cmd.arg("--stdin").arg(f);
        }
        cmd.arg(&program)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        (cmd, dir)
    }

    /// Run to the end and parse the result record.
    pub fn run(&self) -> Job {
        let (mut cmd, _dir) = self.command();
        let out = cmd.output().expect("starting sandpit-runner");
        Job::from_output(out)
    }
}

/// A finished job: the result record and what the runner itself printed.
#[derive(Debug)]
pub struct Job {
    pub record: Value,
    /// The runner's whole stdout (the record's JSON text).
    pub raw_stdout: String,
    /// The runner's logs.
    pub runner_stderr: String,
}

impl Job {
    pub fn from_output(out: Output) -> Job {
        let raw_stdout = String::from_utf8(out.stdout).expect("runner stdout is UTF-8");
        let runner_stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let lines: Vec<&str> = raw_stdout.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "exec --json must print exactly one line (the record); got {raw_stdout:?}\n\
             runner stderr:\n{runner_stderr}"
        );
        let record: Value = serde_json::from_str(lines[0]).unwrap_or_else(|e| {
            panic!("the record is not JSON ({e}): {raw_stdout:?}\nrunner stderr:\n{runner_stderr}")
        });
        Job {
            record,
            raw_stdout,
            runner_stderr,
        }
    }

    pub fn status(&self) -> &str {
        self.record["status"].as_str().expect("status is a string")
    }

    pub fn stdout(&self) -> &str {
        self.record["stdout"].as_str().expect("stdout is a string")
    }

    pub fn stderr(&self) -> &str {
        self.record["stderr"].as_str().expect("stderr is a string")
    }

    pub fn u64(&self, key: &str) -> u64 {
        self.record[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} is not a number: {}", self.record))
    }

    /// Assert the status, showing everything when it is not the expected one.
    pub fn assert_status(&self, want: &str) {
        assert_eq!(
            self.status(),
            want,
            "record: {}\nrunner stderr:\n{}",
            self.record,
            self.runner_stderr
        );
    }

    /// The text after `label: ` on the program's stdout line for `label`.
    pub fn line(&self, label: &str) -> String {
        let prefix = format!("{label}: ");
        let found: Vec<&str> = self
            .stdout()
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .collect();
        match found.as_slice() {
            [one] => one.to_string(),
            _ => panic!(
                "expected one `{label}:` line in the program's stdout, found {}\nrecord: {}\n\
                 runner stderr:\n{}",
                found.len(),
                self.record,
                self.runner_stderr
            ),
        }
    }

    /// Assert `label: want` was printed.
    pub fn expect(&self, label: &str, want: &str) {
        assert_eq!(
            self.line(label),
            want,
            "for `{label}`; record: {}",
            self.record
        );
    }
}

/// A directory of test policies derived from the shipped `python-basic.toml`, with a
/// new profile name and some `[limits]` changed (so limit tests take seconds, not ten).
pub struct TestPolicy {
    pub dir: tempfile::TempDir,
    pub name: String,
}

impl TestPolicy {
    /// `limits`: (key, value) pairs of `[limits]` to replace, e.g. ("wall_seconds", "2").
    pub fn derived(name: &str, limits: &[(&str, &str)]) -> TestPolicy {
        let shipped = std::fs::read_to_string(shipped_policies().join("python-basic.toml"))
            .expect("reading the shipped python-basic.toml");
        let mut text = replace_key(&shipped, "name", &format!("{name:?}"));
        for (key, value) in limits {
            text = replace_key(&text, key, value);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(format!("{name}.toml")), text).expect("writing policy");
        TestPolicy {
            dir,
            name: name.to_string(),
        }
    }

    /// Short limits: 2 s wall, 1 s CPU, 64 MiB memory, 16 processes, 1 MiB output.
    pub fn short() -> TestPolicy {
        TestPolicy::derived(
            "test-short",
            &[
                ("wall_seconds", "2"),
                ("cpu_seconds", "1"),
                ("memory_mib", "64"),
                ("pids", "16"),
                ("output_kib", "1024"),
            ],
        )
    }

    pub fn job(&self, code: &str) -> JobRun {
        JobRun::new(&self.name, self.dir.path(), code)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Replace the value of the single top-level-in-its-table `key = value` line.
fn replace_key(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key} = ");
    let hits = text.lines().filter(|l| l.starts_with(&prefix)).count();
    assert_eq!(
        hits, 1,
        "python-basic.toml should have exactly one `{key} = ` line"
    );
    text.lines()
        .map(|l| {
            if l.starts_with(&prefix) {
                format!("{prefix}{value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Value of `key = value` in a policy text (for tests that echo the shipped limits).
pub fn policy_value(text: &str, key: &str) -> String {
    let prefix = format!("{key} = ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{key}` in the policy"))
        .trim()
        .to_string()
}

/// First host uid of the job range (see `sandbox/src/uidslot.rs`).
pub const JOB_UID_MIN: u32 = 3_000_000_000;

/// A process as the host sees it.
#[derive(Debug, Clone)]
pub struct HostProcess {
    pub pid: u32,
    pub uid: u32,
    pub cmdline: Vec<String>,
}

/// Every host process whose command line contains `marker`.
pub fn host_processes_with(marker: &str) -> Vec<HostProcess> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        // A process may exit between listing and reading: skip it.
        let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmdline: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !cmdline.iter().any(|a| a.contains(marker)) {
            continue;
        }
        let Some(uid) = real_uid(pid) else { continue };
        found.push(HostProcess { pid, uid, cmdline });
    }
    found
}

fn real_uid(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Poll until `cond` holds or `tries` × 50 ms passed; returns whether it held.
pub fn eventually(tries: u32, mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..tries {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    cond()
}

/// Keys a program's environment may hold (contract + issue 2).
pub fn allowed_env_key(key: &str) -> bool {
    const FIXED: &[&str] = &[
        "PATH",
        "HOME",
        "LANG",
        "PYTHONIOENCODING",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "TMPDIR",
        "USER",
        "LOGNAME",
    ];
    FIXED.contains(&key) || key.starts_with("SANDPIT_")
}

/// Where the kid runtime appears inside (`sandbox/src/spec.rs`); the only value
/// PYTHONPATH may have in a job.
pub const RUNTIME_MOUNT: &str = "/sandpit/runtime";

/// Names of the entries of a host directory.
pub fn dir_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}
