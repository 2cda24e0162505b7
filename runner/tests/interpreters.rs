//! Interpreters other than Debian's: a pyenv build under root's 0700 home and a venv,
//! chosen with RUNNER_PYTHON_BIN (python-basic has `allow_runner_override = true`).
//! Only the chosen installation is visible inside.

mod common;

use common::{in_ci, sandbox_available, JobRun, PY_HELPERS};
use std::path::{Path, PathBuf};

const PYENV_VERSIONS: &str = "/root/.pyenv/versions";

/// The newest pyenv CPython 3 build, as (version, path of its python3.X binary).
fn newest_pyenv_python() -> Option<(String, PathBuf)> {
    let mut found: Vec<((u32, u32, u32), String, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(PYENV_VERSIONS).ok()?.flatten() {
        let version = e.file_name().to_string_lossy().into_owned();
        let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
        let [3, minor, patch] = parts[..] else {
            continue;
        };
        let bin = e.path().join(format!("bin/python3.{minor}"));
        if bin.is_file() {
            found.push(((3, minor, patch), version, bin));
        }
    }
    found.sort();
    found.pop().map(|(_, v, b)| (v, b))
}

fn pyenv_or_skip() -> Option<(String, PathBuf)> {
    match newest_pyenv_python() {
        Some(p) => Some(p),
        None if in_ci() => panic!("CI=true but no pyenv CPython 3 under {PYENV_VERSIONS}"),
        None => {
            eprintln!("NOTICE: no pyenv under {PYENV_VERSIONS}; pyenv test did nothing");
            None
        }
    }
}

const SHOW_INTERPRETER: &str = r#"
import os, sys
print("version:", "%d.%d.%d" % sys.version_info[:3])
print("executable:", sys.executable)
print("prefix:", sys.prefix)
print("base_prefix:", sys.base_prefix)
"#;

#[test]
fn a_pyenv_build_under_a_0700_home_runs_and_reports_its_version() {
    if !sandbox_available() {
        return;
    }
    let Some((version, bin)) = pyenv_or_skip() else {
        return;
    };
    let job = JobRun::basic(SHOW_INTERPRETER)
        .env("RUNNER_PYTHON_BIN", &bin.display().to_string())
        .run();
    job.assert_status("ok");
    job.expect("version", &version);
    job.expect("executable", &bin.display().to_string());
    job.expect("prefix", &format!("{PYENV_VERSIONS}/{version}"));
}

#[test]
fn a_pyenv_build_sees_neither_its_site_packages_nor_other_builds() {
    if !sandbox_available() {
        return;
    }
    let Some((version, bin)) = pyenv_or_skip() else {
        return;
    };
    let other = std::fs::read_dir(PYENV_VERSIONS)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|v| *v != version);
    let minor = version.split('.').nth(1).unwrap();
    let site = format!("{PYENV_VERSIONS}/{version}/lib/python3.{minor}/site-packages");
    assert!(
        Path::new(&site).join("pip").is_dir(),
        "test premise: the host's pyenv {version} has pip in {site}"
    );
    let code = format!(
        r#"{PY_HELPERS}
import os
probe("site_packages", os.listdir, {site:?})
probe("import_pip", __import__, "pip")
probe("other_build", os.listdir, "{PYENV_VERSIONS}/{other}")
probe("pyenv_root", os.listdir, "/root/.pyenv")
probe("bashrc", open, "/root/.bashrc")
"#,
        other = other.unwrap_or_else(|| "none".into())
    );
    let job = JobRun::basic(&code)
        .env("RUNNER_PYTHON_BIN", &bin.display().to_string())
        .run();
    job.assert_status("ok");
    // The base installation's site-packages is hidden under an empty directory.
    job.expect("site_packages", "ok []");
    job.expect("import_pip", "ModuleNotFoundError");
    job.expect("other_build", "FileNotFoundError 2");
    job.expect("bashrc", "FileNotFoundError 2");
    // /root/.pyenv exists inside only as the path to the bind; it cannot be listed.
    job.expect("pyenv_root", "PermissionError 13");
}

#[test]
fn os_unshare_of_a_newer_python_is_refused_with_eperm() {
    if !sandbox_available() {
        return;
    }
    let Some((_, bin)) = pyenv_or_skip() else {
        return;
    };
    let code = format!(
        "{PY_HELPERS}\nimport os\nprint('has_unshare:', hasattr(os, 'unshare'))\n\
         if hasattr(os, 'unshare'):\n    probe('os_unshare', os.unshare, os.CLONE_NEWUSER | os.CLONE_NEWNS)\n"
    );
    let job = JobRun::basic(&code)
        .env("RUNNER_PYTHON_BIN", &bin.display().to_string())
        .run();
    job.assert_status("ok");
    if job.line("has_unshare") == "True" {
        job.expect("os_unshare", "PermissionError 1");
    }
}

/// Create a venv (without pip, for speed) under `parent`.
fn make_venv(parent: &Path) -> PathBuf {
    let venv = parent.join("venv");
    let out = std::process::Command::new("/usr/bin/python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .output()
        .expect("running /usr/bin/python3 -m venv");
    assert!(
        out.status.success(),
        "creating a venv failed (is python3-venv installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    venv
}

#[test]
fn a_venv_runs_with_its_own_prefix() {
    if !sandbox_available() {
        return;
    }
    // Not under /tmp or /work: those paths are the job's own tmpfs mounts inside (see
    // the next test).
    let parent = tempfile::tempdir_in("/var/tmp").expect("tempdir in /var/tmp");
    let venv = make_venv(parent.path());
    let python = venv.join("bin/python");
    let job = JobRun::basic(SHOW_INTERPRETER)
        .env("RUNNER_PYTHON_BIN", &python.display().to_string())
        .run();
    job.assert_status("ok");
    job.expect("executable", &python.display().to_string());
    job.expect("base_prefix", "/usr");
    job.expect("prefix", &venv.display().to_string());
}

#[test]
fn a_venv_sees_no_pyenv_site_packages() {
    if !sandbox_available() {
        return;
    }
    let parent = tempfile::tempdir_in("/var/tmp").expect("tempdir in /var/tmp");
    let venv = make_venv(parent.path());
    let mut code = format!("{PY_HELPERS}\nimport os\n");
    let mut labels = Vec::new();
    for e in std::fs::read_dir(PYENV_VERSIONS)
        .into_iter()
        .flatten()
        .flatten()
    {
        let version = e.file_name().to_string_lossy().into_owned();
        let Some(minor) = version.split('.').nth(1) else {
            continue;
        };
        let site = format!("{PYENV_VERSIONS}/{version}/lib/python3.{minor}/site-packages");
        let label = format!("site_{}", version.replace('.', "_"));
        code.push_str(&format!("probe({label:?}, os.listdir, {site:?})\n"));
        labels.push(label);
    }
    code.push_str("probe('import_pip', __import__, 'pip')\n");
    let job = JobRun::basic(&code)
        .env(
            "RUNNER_PYTHON_BIN",
            &venv.join("bin/python").display().to_string(),
        )
        .run();
    job.assert_status("ok");
    for label in labels {
        job.expect(&label, "FileNotFoundError 2");
    }
    job.expect("import_pip", "ModuleNotFoundError");
}

#[test]
fn an_interpreter_under_tmp_runs_or_is_refused_before_any_job() {
    if !sandbox_available() {
        return;
    }
    // /tmp inside the sandbox is the job's own tmpfs, which would hide a bind of an
    // interpreter living under the host's /tmp. Acceptable outcomes: the job runs with
    // that interpreter, or exec refuses the interpreter up front with a message naming
    // it. Not acceptable: every job failing as `internal_error`.
    let parent = tempfile::tempdir_in("/tmp").expect("tempdir in /tmp");
    let venv = make_venv(parent.path());
    let python = venv.join("bin/python");
    let (mut cmd, _dir) = JobRun::basic(SHOW_INTERPRETER)
        .env("RUNNER_PYTHON_BIN", &python.display().to_string())
        .command();
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.stdout.is_empty() {
        assert!(!out.status.success(), "no record but exit 0");
        assert!(
            stderr.contains(&python.display().to_string())
                || stderr.contains(&venv.display().to_string()),
            "the refusal should name the interpreter: {stderr}"
        );
    } else {
        let job = common::Job::from_output(out);
        job.assert_status("ok");
        job.expect("prefix", &venv.display().to_string());
    }
}
