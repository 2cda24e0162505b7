//! Resource limits end a job with the right status: processes (fork bomb), memory,
//! CPU and wall clock. The tests use a policy derived from python-basic with short
//! limits (2 s wall, 1 s CPU, 64 MiB, 16 processes) so each takes about two seconds.

mod common;

use common::{
    eventually, host_processes_with, marker, sandbox_available, Job, TestPolicy, JOB_UID_MIN,
};

const MIB: u64 = 1 << 20;

#[test]
fn a_fork_bomb_is_stopped_by_the_process_limit_and_leaves_nothing_behind() {
    if !sandbox_available() {
        return;
    }
    let policy = TestPolicy::short();
    let mark = marker("sandpit-forkbomb");
    // Re-exec with the marker in argv so every forked copy carries it on the host.
    let code = format!(
        r#"
import os, sys, time
MARK = {mark:?}
if MARK not in sys.argv:
    os.execv(sys.executable, [sys.executable, sys.argv[0], MARK])
reported = False
while True:
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    except BlockingIOError as e:
        if not reported:
            print(f"blocked: {{type(e).__name__}} {{e.errno}}", flush=True)
            reported = True
        time.sleep(0.01)
"#
    );
    let (mut cmd, _dir) = policy.job(&code).command();
    let child = cmd.spawn().expect("spawning exec");
    // While it runs, the host sees the bomb's processes (this proves the scan below
    // would find survivors), each under a job uid.
    let mut seen = Vec::new();
    let saw_bomb = eventually(30, || {
        seen = host_processes_with(&mark);
        seen.len() > 1
    });
    let job = Job::from_output(child.wait_with_output().expect("waiting for exec"));
    assert!(
        saw_bomb,
        "never saw the bomb's processes on the host: {seen:?}"
    );
    assert!(
        seen.iter().all(|p| p.uid >= JOB_UID_MIN),
        "a bomb process ran under a non-job uid: {seen:?}"
    );
    assert!(
        matches!(job.status(), "timeout" | "error"),
        "the fork bomb must end by the wall limit or an error: {}",
        job.record
    );
    job.expect("blocked", "BlockingIOError 11");
    let survivors = host_processes_with(&mark);
    assert!(
        survivors.is_empty(),
        "processes of the job survived it: {survivors:?}"
    );
}

#[test]
fn a_memory_bomb_ends_with_memory_limit_at_the_limit() {
    if !sandbox_available() {
        return;
    }
    let policy = TestPolicy::short();
    let code = r#"
chunks = []
while True:
    chunks.append(bytearray(8 << 20))
    print(len(chunks) * 8, "MiB", flush=True)
"#;
    let job = policy.job(code).run();
    job.assert_status("memory_limit");
    let peak = job.u64("memory_peak_bytes");
    let limit = 64 * MIB;
    assert!(
        peak <= limit && peak >= limit * 9 / 10,
        "memory_peak_bytes {peak} should be about the 64 MiB limit: {}",
        job.record
    );
    assert_eq!(job.record["truncated"], false);
}

#[test]
fn a_cpu_spin_ends_with_timeout() {
    if !sandbox_available() {
        return;
    }
    let policy = TestPolicy::short();
    let job = policy.job("while True:\n    pass\n").run();
    job.assert_status("timeout");
    // The 1 s CPU limit (not the 2 s wall limit) stopped it, after about 1 s of CPU.
    let cpu = job.u64("cpu_ms");
    assert!(
        (800..=2000).contains(&cpu),
        "cpu_ms {cpu} should be near the 1 s CPU limit: {}",
        job.record
    );
}

#[test]
fn sleeping_past_the_wall_limit_ends_with_timeout() {
    if !sandbox_available() {
        return;
    }
    let policy = TestPolicy::short();
    let job = policy.job("import time\ntime.sleep(60)\n").run();
    job.assert_status("timeout");
    let wall = job.u64("wall_ms");
    assert!(
        (2000..3000).contains(&wall),
        "wall_ms {wall} should be near the 2 s wall limit: {}",
        job.record
    );
    assert!(
        job.u64("cpu_ms") < 1000,
        "a sleeping job uses little CPU: {}",
        job.record
    );
}
