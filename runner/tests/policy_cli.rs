//! `sandpit-runner policy check|explain` and `doctor`, as a reviewer or sysadmin runs
//! them.

mod common;

use common::{policy_value, runner_command, sandbox_available, shipped_policies};
use std::path::Path;
use std::process::Output;

fn runner(args: &[&str]) -> Output {
    runner_command()
        .args(args)
        .output()
        .expect("running sandpit-runner")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn shipped_python_basic() -> String {
    std::fs::read_to_string(shipped_policies().join("python-basic.toml")).unwrap()
}

/// 1-based number of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found"))
        + 1
}

#[test]
fn every_shipped_policy_passes_check() {
    let dir = shipped_policies();
    let out = runner(&["policy", "check", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "policy check failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // And each file on its own.
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let out = runner(&["policy", "check", p.to_str().unwrap()]);
            assert!(
                out.status.success(),
                "{}: {}",
                p.display(),
                text(&out.stdout)
            );
        }
    }
}

/// Write `text` as `python-basic.toml` in a fresh dir and run `policy check` on it.
fn check_text(text_: &str) -> (Output, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("python-basic.toml");
    std::fs::write(&file, text_).unwrap();
    (
        runner(&["policy", "check", file.to_str().unwrap()]),
        file,
        dir,
    )
}

fn diagnostics(out: &Output) -> String {
    // Diagnostics may go to stdout or stderr; read both.
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_typoed_key_fails_check_naming_file_and_line() {
    let good = shipped_python_basic();
    assert!(good.contains("\nwall_seconds = "));
    let bad = good.replacen("\nwall_seconds = ", "\nwall_secnds = ", 1);
    let line = line_of(&bad, "wall_secnds");
    let (out, file, _dir) = check_text(&bad);
    assert!(!out.status.success(), "a typoed key must fail the check");
    let diag = diagnostics(&out);
    let want = format!("{}:{line}: ", file.display());
    assert!(
        diag.lines()
            .any(|l| l.starts_with(&want) && l.contains("wall_secnds")),
        "expected a `{want}...wall_secnds...` line, got:\n{diag}"
    );
}

#[test]
fn an_unknown_syscall_fails_check_naming_file_and_line() {
    let good = shipped_python_basic();
    assert!(good.contains("\"sched_yield\""));
    let bad = good.replacen("\"sched_yield\"", "\"sched_yeld\"", 1);
    let line = line_of(&bad, "sched_yeld");
    let (out, file, _dir) = check_text(&bad);
    assert!(
        !out.status.success(),
        "an unknown syscall must fail the check"
    );
    let diag = diagnostics(&out);
    let want = format!("{}:{line}: ", file.display());
    assert!(
        diag.lines()
            .any(|l| l.starts_with(&want) && l.contains("sched_yeld")),
        "expected a `{want}...sched_yeld...` line, got:\n{diag}"
    );
}

#[test]
fn a_never_allowed_syscall_fails_check_naming_file_and_line() {
    let good = shipped_python_basic();
    let bad = good.replacen("\"sched_yield\"", "\"ptrace\", \"sched_yield\"", 1);
    let line = line_of(&bad, "\"ptrace\", \"sched_yield\"");
    let (out, file, _dir) = check_text(&bad);
    assert!(!out.status.success(), "allowing ptrace must fail the check");
    let diag = diagnostics(&out);
    let want = format!("{}:{line}: ", file.display());
    assert!(
        diag.lines()
            .any(|l| l.starts_with(&want) && l.contains("ptrace")),
        "expected a `{want}...ptrace...` line, got:\n{diag}"
    );
}

#[test]
fn explain_python_basic_states_its_limits() {
    let out = runner(&[
        "policy",
        "explain",
        "python-basic",
        "--policies",
        shipped_policies().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let explained = text(&out.stdout);
    let policy = shipped_python_basic();
    for (key, unit) in [
        ("wall_seconds", " s"),
        ("cpu_seconds", " s"),
        ("memory_mib", " MiB"),
    ] {
        let want = format!("{}{unit}", policy_value(&policy, key));
        assert!(
            explained.contains(&want),
            "explain does not state {key} ({want}):\n{explained}"
        );
    }
    let pids = policy_value(&policy, "pids");
    assert!(
        explained
            .lines()
            .any(|l| l.contains("processes") && l.contains(&pids)),
        "explain does not state the process limit {pids}:\n{explained}"
    );
    assert!(explained.contains("output"), "{explained}");
}

/// Run `doctor` against `policies`.
fn doctor(policies: &Path) -> Output {
    runner(&["doctor", "--policies", policies.to_str().unwrap()])
}

#[test]
fn doctor_prints_a_line_per_protection_layer() {
    if !sandbox_available() {
        return;
    }
    // Only python-basic, so that the layer report does not depend on other profiles.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        shipped_policies().join("python-basic.toml"),
        dir.path().join("python-basic.toml"),
    )
    .unwrap();
    let out = doctor(dir.path());
    let report = text(&out.stdout);
    assert!(
        out.status.success(),
        "doctor failed with only python-basic:\n{report}{}",
        text(&out.stderr)
    );
    // The contract's list of layers, each on its own line.
    for layer in [
        "user namespace",
        "mnt namespace",
        "pid namespace",
        "net namespace",
        "ipc namespace",
        "uts namespace",
        "pivot_root",
        "capabilities",
        "no_new_privs",
        "Landlock",
        "seccomp",
        "cgroup",
        "rlimits",
    ] {
        assert!(
            report.lines().any(|l| l.contains(layer)),
            "doctor has no line for {layer}:\n{report}"
        );
    }
    let cgroup_line = report.lines().find(|l| l.contains(" cgroups ")).unwrap();
    for ctrl in ["memory", "cpu", "pids"] {
        assert!(cgroup_line.contains(ctrl), "{cgroup_line}");
    }
}

#[test]
fn doctor_passes_on_this_host_with_the_shipped_policies() {
    if !sandbox_available() {
        return;
    }
    let out = doctor(&shipped_policies());
    assert!(
        out.status.success(),
        "doctor exited {:?}:\n{}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}
