//! A job's life from start to end: stdin, exit codes and tracebacks, output that is
//! not UTF-8, nothing surviving the job, and concurrent jobs apart from each other.

mod common;

use common::{
    eventually, host_processes_with, marker, sandbox_available, Job, JobRun, TestPolicy,
    JOB_UID_MIN,
};
use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn input_reads_the_stdin_file() {
    if !sandbox_available() {
        return;
    }
    let job = JobRun::basic("name = input()\nprint('hello', name)\n")
        .stdin("Ada\n".as_bytes())
        .run();
    job.assert_status("ok");
    assert_eq!(
        job.stdout(),
        "hello Ada\n",
        "no echo of stdin, nothing added"
    );
}

#[test]
fn input_with_no_data_raises_eof_error() {
    if !sandbox_available() {
        return;
    }
    // Short wall limit: if EOF never arrives, the job times out in 2 s, not 10.
    let policy = TestPolicy::short();
    let job = policy.job("input()\n").stdin(b"").run();
    job.assert_status("error");
    assert_eq!(job.record["exit_code"], 1);
    assert!(job.stderr().contains("EOFError"), "{}", job.record);
}

#[test]
fn input_after_the_last_line_raises_eof_error() {
    if !sandbox_available() {
        return;
    }
    let policy = TestPolicy::short();
    let code = "print('first', input(), flush=True)\nprint('second', input())\n";
    let job = policy.job(code).stdin(b"one\n").run();
    job.assert_status("error");
    assert_eq!(job.stdout(), "first one\n");
    assert!(job.stderr().contains("EOFError"), "{}", job.record);
}

#[test]
fn sys_exit_code_becomes_error_with_that_exit_code() {
    if !sandbox_available() {
        return;
    }
    let job = JobRun::basic("import sys\nprint('bye')\nsys.exit(3)\n").run();
    job.assert_status("error");
    assert_eq!(job.record["exit_code"], 3);
    assert_eq!(job.record["signal"], serde_json::Value::Null);
    assert_eq!(job.stdout(), "bye\n");
}

#[test]
fn an_uncaught_exception_is_an_error_with_a_traceback_naming_main_py_and_the_line() {
    if !sandbox_available() {
        return;
    }
    let code = "x = 1\n\ndef f():\n    raise ValueError('boom')\n\nf()\n";
    let job = JobRun::basic(code).run();
    job.assert_status("error");
    assert_eq!(job.record["exit_code"], 1);
    let err = job.stderr();
    assert!(
        err.starts_with("Traceback (most recent call last):"),
        "{err}"
    );
    assert!(err.contains("main.py\", line 6, in <module>"), "{err}");
    assert!(err.contains("main.py\", line 4, in f"), "{err}");
    assert!(err.trim_end().ends_with("ValueError: boom"), "{err}");
}

#[test]
fn invalid_utf8_output_is_replaced_and_the_record_stays_valid_json() {
    if !sandbox_available() {
        return;
    }
    let code = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe\\n')\nsys.stderr.buffer.write(b'\\xc3 err\\n')\n";
    let job = JobRun::basic(code).run();
    job.assert_status("ok");
    let out = job.stdout();
    assert!(out.starts_with("ok "), "{out:?}");
    assert!(out.contains('\u{FFFD}'), "{out:?}");
    assert!(job.stderr().contains('\u{FFFD}'), "{:?}", job.stderr());
    assert!(job.stderr().contains(" err"), "{:?}", job.stderr());
}

#[test]
fn a_daemonised_grandchild_is_gone_right_after_the_job() {
    if !sandbox_available() {
        return;
    }
    let mark = marker("sandpit-daemon");
    // The program starts the daemon, then lives a little longer so the test can see
    // the daemon running (proving the scan after the job would find it).
    let code = format!(
        r#"
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2, 3):
            os.close(fd)
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(30)", {mark:?}])
    os._exit(0)
os.wait()
print("daemon started", flush=True)
time.sleep(1.5)
"#
    );
    let (mut cmd, _dir) = JobRun::basic(&code).command();
    let child = cmd.spawn().expect("spawning exec");
    let mut seen = Vec::new();
    let saw_daemon = eventually(30, || {
        seen = host_processes_with(&mark);
        !seen.is_empty()
    });
    let job = Job::from_output(child.wait_with_output().expect("waiting for exec"));
    job.assert_status("ok");
    assert_eq!(job.stdout(), "daemon started\n");
    assert!(saw_daemon, "never saw the daemon on the host");
    assert!(
        seen.iter().all(|p| p.uid >= JOB_UID_MIN),
        "the daemon ran under a non-job uid: {seen:?}"
    );
    let left = host_processes_with(&mark);
    assert!(left.is_empty(), "the daemon outlived its job: {left:?}");
}

#[test]
fn concurrent_jobs_run_under_different_host_uids() {
    if !sandbox_available() {
        return;
    }
    let marks = [marker("sandpit-conc-a"), marker("sandpit-conc-b")];
    let runs: Vec<_> = marks
        .iter()
        .map(|m| {
            // Become a sleeper whose argv carries the marker, so the host can find it.
            let code = format!(
                "import os, sys\nos.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(3)', {m:?}])\n"
            );
            let (mut cmd, dir) = JobRun::basic(&code).command();
            (cmd.spawn().expect("spawning exec"), dir)
        })
        .collect();
    let mut uids: Vec<Option<u32>> = vec![None, None];
    let all_seen = eventually(50, || {
        for (i, m) in marks.iter().enumerate() {
            if let Some(p) = host_processes_with(m).first() {
                uids[i] = Some(p.uid);
            }
        }
        uids.iter().all(Option::is_some)
    });
    let jobs: Vec<Job> = runs
        .into_iter()
        .map(|(child, _dir)| Job::from_output(child.wait_with_output().unwrap()))
        .collect();
    for job in &jobs {
        job.assert_status("ok");
    }
    assert!(
        all_seen,
        "did not see both jobs' processes on the host: {uids:?}"
    );
    let uids: BTreeSet<u32> = uids.into_iter().flatten().collect();
    assert_eq!(uids.len(), 2, "both jobs ran under one host uid: {uids:?}");
    for uid in &uids {
        assert!(
            (JOB_UID_MIN..JOB_UID_MIN + 10_000).contains(uid),
            "host uid {uid} is outside the job range"
        );
    }
}

#[test]
fn killing_the_runner_mid_job_ends_the_whole_sandbox() {
    if !sandbox_available() {
        return;
    }
    let mark = marker("sandpit-orphan");
    let code = format!(
        "import os, sys\nos.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(30)', {mark:?}])\n"
    );
    let (mut cmd, _dir) = JobRun::basic(&code).command();
    let mut child = cmd.spawn().expect("spawning exec");
    let running = eventually(40, || !host_processes_with(&mark).is_empty());
    // SIGKILL: the runner gets no chance to clean up; the helper and the job's init
    // must die with their parents (PR_SET_PDEATHSIG).
    child.kill().expect("killing exec");
    let _ = child.wait();
    assert!(running, "never saw the job's program on the host");
    let mut left = Vec::new();
    let gone = eventually(40, || {
        left = host_processes_with(&mark);
        left.is_empty()
    });
    assert!(gone, "the job outlived its killed runner: {left:?}");
}

/// Every descendant of `root` on the host, as (pid, real uid).
fn descendants(root: u32) -> Vec<(u32, u32)> {
    let mut parent_of = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let field = |name: &str| -> Option<u32> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        };
        if let (Some(ppid), Some(uid)) = (field("PPid:"), field("Uid:")) {
            parent_of.push((pid, ppid, uid));
        }
    }
    let mut found: Vec<(u32, u32)> = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (pid, ppid, uid) in &parent_of {
            if *ppid == p && !found.iter().any(|(f, _)| f == pid) {
                found.push((*pid, *uid));
                frontier.push(*pid);
            }
        }
    }
    found
}

fn alive(pid: u32) -> bool {
    // A zombie is dead for our purpose: it holds no resources but its pid.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit(") ").next().map(|rest| !rest.starts_with('Z')))
        .unwrap_or(false)
}

#[test]
fn killing_a_worker_leaves_no_parked_sandbox_behind() {
    if !sandbox_available() {
        return;
    }
    // A worker whose server never answers: it still builds its warm sandboxes, which
    // wait ("parked") for a job.
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let policies = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::shipped_policies().join("python-basic.toml"),
        policies.path().join("python-basic.toml"),
    )
    .unwrap();
    let mut worker = common::runner_command()
        .arg("work")
        .arg("--policies")
        .arg(policies.path())
        .env(
            "RUNNER_SERVER_URL",
            format!("http://127.0.0.1:{closed_port}"),
        )
        .env("RUNNER_MAX_CONCURRENCY", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting the worker");
    let worker_pid = worker.id();
    let mut sandboxes = Vec::new();
    let parked = eventually(100, || {
        sandboxes = descendants(worker_pid)
            .into_iter()
            .filter(|(_, uid)| *uid >= JOB_UID_MIN)
            .map(|(pid, _)| pid)
            .collect();
        !sandboxes.is_empty()
    });
    // SIGKILL: no graceful drain. Helpers and their sandboxes must die with it.
    worker.kill().expect("killing the worker");
    let _ = worker.wait();
    let gone = eventually(40, || !sandboxes.iter().any(|p| alive(*p)));
    let left: Vec<u32> = sandboxes.iter().copied().filter(|p| alive(*p)).collect();
    // Don't leave them running for the rest of the suite.
    for pid in &left {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    assert!(parked, "the worker never built a warm sandbox");
    assert!(
        gone,
        "parked sandboxes {left:?} survived their killed worker (pid {worker_pid})"
    );
}

#[test]
fn a_strict_umask_of_whoever_starts_the_runner_does_not_break_jobs() {
    if !sandbox_available() {
        return;
    }
    // systemd units often run with UMask=0077; the sandbox creates its root's
    // directories itself and must not lock the kid out of them.
    let run = JobRun::basic("import os\nprint('ok', oct(os.stat('/work').st_mode & 0o777))\n");
    let (cmd, _dir) = run.command();
    let mut sh = Command::new("/bin/sh");
    sh.arg("-c")
        .arg("umask 077; exec \"$0\" \"$@\"")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .stdin(std::process::Stdio::null());
    let job = Job::from_output(sh.output().expect("starting sandpit-runner"));
    job.assert_status("ok");
    assert_eq!(job.stdout(), "ok 0o700\n");
}

/// What a program can see of how it was started, one `label: value` line each.
const START_PROBE: &str = r#"
import os, sys
print("argv:", sys.argv)
print("path0:", sys.path[0])
print("file:", __file__, __name__, __spec__)
print("fds:", sorted(int(fd) for fd in os.listdir("/proc/self/fd")))
print("start_var:", "SANDPIT_START_FD" in os.environ)
print("lang:", os.environ.get("SANDPIT_LANG"))
print("work:", sorted(os.listdir("/work")))
"#;

#[test]
fn a_warm_interpreter_runs_the_program_exactly_as_python_main_py_would() {
    if !sandbox_available() {
        return;
    }
    // With the kid runtime, Python starts while the sandbox is parked and waits in
    // its start-up for the job; nothing of that wait may show in the program.
    let job = JobRun::basic(START_PROBE).lang("zh-CN").run();
    job.assert_status("ok");
    job.expect("argv", "['/work/main.py']");
    job.expect("path0", "/work");
    job.expect("file", "/work/main.py __main__ None");
    // stdin, stdout, stderr, the drawing events' fd, and the fd listdir itself opened.
    job.expect("fds", "[0, 1, 2, 3, 4]");
    job.expect("start_var", "False");
    job.expect("lang", "zh-CN");
    job.expect("work", "['main.py']");
}

#[test]
fn without_the_runtime_the_interpreter_starts_with_the_job() {
    if !sandbox_available() {
        return;
    }
    let policy = TestPolicy::derived("test-no-runtime", &[("enabled", "false")]);
    let job = policy.job(START_PROBE).lang("zh-CN").run();
    job.assert_status("ok");
    job.expect("argv", "['/work/main.py']");
    job.expect("path0", "/work");
    job.expect("fds", "[0, 1, 2, 3, 4]");
    job.expect("start_var", "False");
    job.expect("lang", "zh-CN");
    job.expect("work", "['main.py']");
}

#[test]
fn preloaded_modules_are_ready_and_a_failed_preload_leaves_no_trace() {
    if !sandbox_available() {
        return;
    }
    // A python-basic copy whose warm interpreter preloads `json` and a module that
    // does not exist.
    let policy = TestPolicy::derived(
        "test-preload",
        &[("preload", r#"["json", "no_such_module_for_sandpit"]"#)],
    );
    let code = r#"
import os, sys
print("json:", "json" in sys.modules)
print("missing:", "no_such_module_for_sandpit" in sys.modules)
print("var:", "SANDPIT_PRELOAD" in os.environ)
try:
    import no_such_module_for_sandpit
except ModuleNotFoundError as e:
    print("import:", e)
import json
print("works:", json.dumps([1]))
"#;
    let job = policy.job(code).run();
    job.assert_status("ok");
    job.expect("json", "True");
    job.expect("missing", "False");
    job.expect("var", "False");
    job.expect("import", "No module named 'no_such_module_for_sandpit'");
    job.expect("works", "[1]");
}
