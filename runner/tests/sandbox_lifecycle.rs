//! A job's life from start to end: stdin, exit codes and tracebacks, output that is
//! not UTF-8, nothing surviving the job, and concurrent jobs apart from each other.

mod common;

use common::{
    eventually, host_processes_with, marker, sandbox_available, Job, JobRun, TestPolicy,
    JOB_UID_MIN,
};
use std::collections::BTreeSet;

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
