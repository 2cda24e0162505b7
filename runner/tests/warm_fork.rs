//! Jobs forked from a warm interpreter (a zygote, `sandpit_sandbox::zygote`): the
//! program sees what an interpreter started in its sandbox sees; the zygote never
//! holds a job's data; a zygote that dies is replaced and jobs go on.
//!
//! Needs root (the sandbox, and the zygote's private mount namespace): returns with a
//! notice otherwise, and fails in CI.

mod common;
mod e2e;

use common::{sandbox_available, JobRun};
use e2e::{marker, Stack, StackOpts};
use serde_json::json;
use std::time::Duration;

/// Everything of the interpreter's own state a program can look at, one labelled line
/// each (sorted where order is not the point).
const INTROSPECT: &str = r#"
import gc, os, resource, signal, sys
print("modules:", sorted(sys.modules))
print("path:", sys.path)
print("flags:", sys.flags)
print("meta_path:", [getattr(m, "__name__", type(m).__name__) for m in sys.meta_path])
print("path_hooks:", len(sys.path_hooks))
print("importer_cache:", sorted(sys.path_importer_cache))
print("environ:", sorted(os.environ.items()))
block = open("/proc/self/environ", "rb").read().split(b"\0")
print("proc_environ:", sorted(e.split(b"=")[0] for e in block if e))
print("proc_environ_values:", sorted(e for e in block if e and not e.startswith(b"SANDPIT_START_FD=")))
print("signals:", [(s.name, str(signal.getsignal(s))) for s in signal.Signals
                    if s not in (signal.SIGKILL, signal.SIGSTOP)])
print("rlimits:", [(n, resource.getrlimit(getattr(resource, n)))
                   for n in sorted(dir(resource)) if n.startswith("RLIMIT_")])
wanted = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
          "NoNewPrivs", "Seccomp", "Seccomp_filters", "Threads", "SigBlk", "SigCgt")
print("status:", [l for l in open("/proc/self/status").read().splitlines()
                  if l.split(":")[0] in wanted])
print("fds:", sorted(os.listdir("/proc/self/fd")), os.stat("/proc/self/fd").st_uid)
print("cwd:", os.getcwd(), oct(os.umask(0o022)))
for name in ("stdin", "stdout", "stderr"):
    f = getattr(sys, name)
    print(f"{name}:", f.encoding, f.errors, f.line_buffering, f.write_through,
          f.seekable(), f.isatty(), type(f.buffer).__name__)
print("gc:", gc.isenabled(), gc.get_threshold())
print("gc_frozen:", gc.get_freeze_count())
print("interpreter:", sys.executable, sys.prefix, sys.base_prefix, sys.orig_argv, sys.argv)
print("main:", __file__, __name__, __spec__, type(__loader__).__name__)
print("excepthook:", sys.excepthook.__module__, sys.excepthook.__name__)
print("ids:", os.getpid(), os.getppid(), os.getuid(), os.getgid(), os.getgroups())
print("maps:", sorted({l.split()[-1] for l in open("/proc/self/maps")
                       if l.split()[-1].startswith("/")}))
"#;

fn lines(job: &common::Job) -> Vec<(String, String)> {
    job.stdout()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(": ").unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn a_forked_program_sees_what_a_program_in_a_started_interpreter_sees() {
    if !sandbox_available() {
        return;
    }
    same_view("python-basic");
}

#[test]
fn with_preloaded_modules_too() {
    if !sandbox_available() {
        return;
    }
    // python-data preloads numpy and matplotlib.pyplot: in the zygote, once.
    same_view("python-data");
}

fn same_view(profile: &str) {
    let policies = common::shipped_policies();
    let forked = JobRun::new(profile, &policies, INTROSPECT).run();
    let started = JobRun::new(profile, &policies, INTROSPECT)
        .env("SANDPIT_WARM_FORK", "off")
        .run();
    forked.assert_status("ok");
    started.assert_status("ok");
    let (f, s) = (lines(&forked), lines(&started));
    assert_eq!(
        f.len(),
        s.len(),
        "forked:\n{}\nstarted:\n{}",
        forked.stdout(),
        started.stdout()
    );
    for ((label, fv), (_, sv)) in f.iter().zip(&s) {
        if label == "maps" || label == "gc_frozen" {
            continue; // below
        }
        assert_eq!(
            fv, sv,
            "`{label}` differs between a forked and a started interpreter"
        );
    }
    // /proc/self/environ names no host path of the zygote's (it was started with
    // its own PYTHONPATH and library path; the program's process rewrites it).
    let forked_block = forked.stdout();
    for leak in ["ZYGOTE", "_sandpit_zygote", "libsandpit"] {
        assert!(
            !forked_block.contains(leak),
            "{leak} visible to the program"
        );
    }
    // The zygote's objects stay frozen (the collector leaves them alone, so their
    // pages stay shared); a started interpreter has frozen nothing. (This also shows
    // the job really was forked.)
    let frozen = |l: &[(String, String)]| -> u64 {
        let v = &l
            .iter()
            .find(|(k, _)| k == "gc_frozen")
            .expect("gc_frozen")
            .1;
        v.parse().expect("a count")
    };
    assert_eq!(frozen(&s), 0);
    assert!(frozen(&f) > 1000, "forked: {} frozen objects", frozen(&f));
    // The other difference: the libraries the zygote loaded to fork (ctypes) stay
    // mapped, unless a preload had loaded them anyway (never the zygote's own
    // library, which it unloads).
    let maps = |v: &str| -> Vec<String> {
        v.trim_matches(|c| c == '[' || c == ']')
            .split(", ")
            .map(|p| p.trim_matches('\'').to_string())
            .collect()
    };
    let (fm, sm) = (maps(&f.last().unwrap().1), maps(&s.last().unwrap().1));
    let extra: Vec<&String> = fm.iter().filter(|m| !sm.contains(m)).collect();
    let missing: Vec<&String> = sm.iter().filter(|m| !fm.contains(m)).collect();
    assert!(missing.is_empty(), "forked lacks {missing:?}");
    assert!(
        extra
            .iter()
            .all(|m| m.contains("_ctypes") || m.contains("libffi")),
        "the forked job's extra mappings: {extra:?} (expected only ctypes')"
    );
}

#[test]
fn a_failing_program_reports_the_same_from_a_forked_interpreter() {
    if !sandbox_available() {
        return;
    }
    let code = "import sys\nprint('before')\nx = {'a': 1}\nprint(x['b'])\n";
    let forked = JobRun::basic(code).run();
    let started = JobRun::basic(code).env("SANDPIT_WARM_FORK", "off").run();
    forked.assert_status("error");
    assert_eq!(forked.record["exit_code"], started.record["exit_code"]);
    assert_eq!(forked.stdout(), started.stdout());
    assert_eq!(forked.stderr(), started.stderr());
    assert!(
        forked.stderr().contains("KeyError: 'b'"),
        "{}",
        forked.stderr()
    );
}

/// The pid of the runner's zygote (its child running `/work/main.py` on the host).
fn zygote_of(runner: u32) -> Option<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{runner}/task")).ok()?;
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children
            .split_whitespace()
            .filter_map(|p| p.parse::<u32>().ok())
        {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if cmdline.split(|b| *b == 0).any(|a| a == b"/work/main.py") {
                return Some(pid);
            }
        }
    }
    None
}

/// Whether `needle` occurs anywhere in the readable memory of `pid` (as root).
fn memory_contains(pid: u32, needle: &[u8]) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("maps");
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).expect("mem");
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (range, perms) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if !perms.starts_with('r') || line.ends_with("[vvar]") || line.ends_with("[vsyscall]") {
            continue;
        }
        let Some((a, b)) = range.split_once('-') else {
            continue;
        };
        let (a, b) = (
            u64::from_str_radix(a, 16).unwrap_or(0),
            u64::from_str_radix(b, 16).unwrap_or(0),
        );
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.seek(SeekFrom::Start(a)).is_err() || mem.read_exact(&mut buf).is_err() {
            continue;
        }
        if buf.windows(needle.len()).any(|w| w == needle) {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zygote_never_holds_a_job_and_is_replaced_when_it_dies() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(StackOpts::default().env("SANDPIT_LONG_POLL_SECS", "3"));
    let secret = marker("kid-secret");
    let program = format!("secret = {secret:?}\nprint('ran', len(secret))\n");
    let (_, stream) = stack
        .run(&json!({"code": program, "profile": "python-basic"}))
        .await;
    assert_eq!(stream.result()["status"], "ok", "{}", stack.logs());
    let runner = stack.runner.as_ref().expect("runner").pid();
    let zygote = zygote_of(runner).unwrap_or_else(|| {
        panic!(
            "python-basic jobs did not fork from a zygote; logs:\n{}",
            stack.logs()
        )
    });
    // The program's text passed through the runner and the job's own processes,
    // never through the zygote. (The scan does find what is there: its own argv.)
    assert!(
        memory_contains(zygote, b"/work/main.py"),
        "the memory scan finds nothing"
    );
    assert!(
        !memory_contains(zygote, secret.as_bytes()),
        "the zygote's memory holds a job's program"
    );

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(zygote as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("killing the zygote");
    // Warm sandboxes forked before the kill still run their jobs; the ones after
    // come from a new zygote.
    for i in 0..4 {
        let (_, stream) = stack
            .run(&json!({"code": format!("print('after', {i})"), "profile": "python-basic"}))
            .await;
        assert_eq!(stream.result()["status"], "ok", "job {i}; {}", stack.logs());
        assert_eq!(stream.text("stdout"), format!("after {i}\n"));
    }
    let mut replaced = None;
    for _ in 0..50 {
        replaced = zygote_of(runner).filter(|&z| z != zygote);
        if replaced.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(replaced.is_some(), "no new zygote; logs:\n{}", stack.logs());
}

/// The cgroups named for `runner`'s lent slots (`job-<runner pid>-slot<n>`), by n.
fn slot_numbers(runner: u32) -> Vec<usize> {
    let host = sandpit_sandbox::cgroup::CgroupHost::discover().expect("cgroups");
    let sandpit_sandbox::cgroup::CgroupHost::V1 { jobs_dirs } = host else {
        return Vec::new();
    };
    let prefix = format!("job-{runner}-slot");
    let mut found: Vec<usize> = std::fs::read_dir(&jobs_dirs[0])
        .expect("the memory controller's jobs dir")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix(&prefix)?.parse().ok())
        .collect();
    found.sort_unstable();
    found
}

/// On cgroup v1 a worker lends each forked sandbox one of a few cgroups it keeps
/// (sandbox/src/cgroup_pool.rs) instead of making one per job. Every job still reports
/// its own figures: after a job that used much memory and CPU and one stopped by the
/// memory limit, the next jobs, in those same cgroups, report their own status and
/// small figures; and a dozen jobs were served by a handful of cgroups.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lent_cgroups_report_each_jobs_own_figures() {
    if !sandbox_available() {
        return;
    }
    let v1 = matches!(
        sandpit_sandbox::cgroup::CgroupHost::discover(),
        Ok(sandpit_sandbox::cgroup::CgroupHost::V1 { .. })
    );
    let mut stack = Stack::server(StackOpts::default());
    // One job at a time: one cgroup runs a job while the other holds the next parked
    // sandbox, so consecutive jobs alternate between the same two.
    stack.start_runner(&[("RUNNER_MAX_CONCURRENCY", "1")]);
    let run = |code: &str| json!({"code": code, "profile": "python-basic"});
    let heavy = "import time\nx = b'x' * (160 << 20)\nt = time.process_time()\nwhile time.process_time() - t < 0.4:\n    pass\nprint('heavy')\n";
    let (_, stream) = stack.run(&run(heavy)).await;
    let r = stream.result();
    assert_eq!(r["status"], "ok", "{r}\n{}", stack.logs());
    assert!(r["memory_peak_bytes"].as_u64().unwrap() > 150 << 20, "{r}");
    assert!(r["cpu_ms"].as_u64().unwrap() >= 350, "{r}");
    let (_, stream) = stack.run(&run("x = b'x' * (400 << 20)\n")).await;
    assert_eq!(
        stream.result()["status"],
        "memory_limit",
        "{}",
        stack.logs()
    );
    for i in 0..8 {
        let (_, stream) = stack.run(&run(&format!("print('small', {i})"))).await;
        let r = stream.result();
        assert_eq!(r["status"], "ok", "job {i}: {r}\n{}", stack.logs());
        assert!(
            r["memory_peak_bytes"].as_u64().unwrap() < 100 << 20,
            "job {i} reports an earlier job's memory peak: {r}"
        );
        assert!(
            r["cpu_ms"].as_u64().unwrap() < 300,
            "job {i} reports an earlier job's CPU time: {r}"
        );
    }
    // A program killed by a signal is `killed`, not `memory_limit` because an earlier
    // job in its cgroup ran out of memory (two: one in each cgroup).
    for i in 0..2 {
        let (_, stream) = stack
            .run(&run(
                "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
            ))
            .await;
        assert_eq!(
            stream.result()["status"],
            "killed",
            "job {i}: {}",
            stack.logs()
        );
    }
    if v1 {
        let runner = stack.runner.as_ref().expect("runner").pid();
        let slots = slot_numbers(runner);
        // python-basic's two, python-data's parked one, and one made while a
        // refill was under way; without reuse, twelve jobs would have needed twelve.
        assert!(
            !slots.is_empty() && slots.iter().all(|&n| n < 6),
            "lent cgroups {slots:?} for 12 jobs\n{}",
            stack.logs()
        );
    }
}
