//! Benchmark harness (run by `bench/sandbox_startup.sh`, not a test): time a job on a
//! pre-warmed sandbox — from handing the job to a parked helper until its `Outcome` —
//! next to spawning and waiting for the same bare interpreter, alternating in one run.
//!
//! Usage: warm_latency POLICIES_DIR PROFILE RUNS -- PYTHON_ARGS...
//! Prints one line per variant: mean, p50, p99 in ms, and the ratios.

use sandpit_sandbox::cgroup::CgroupHost;
use sandpit_sandbox::frames::{encode_named, read_frame, write_frame, Kind};
use sandpit_sandbox::helper::{helper_main, HELPER_ARG};
use sandpit_sandbox::spec::{JobInput, PreparedProfile, WarmSpec};
use sandpit_sandbox::{interp, policy, seccomp};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let pct = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (mean, pct(0.5), pct(0.99))
}

fn warm(profile: &PreparedProfile) -> std::process::Child {
    let mut child = Command::new("/proc/self/exe")
        .arg(HELPER_ARG)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn helper");
    let spec = serde_json::to_vec(&WarmSpec {
        cgroup: None,
        profile: profile.clone(),
    })
    .unwrap();
    let stdin = child.stdin.as_mut().unwrap();
    write_frame(stdin, Kind::Profile, &spec).unwrap();
    stdin.flush().unwrap();
    // Wait until the sandbox is parked.
    let out = child.stdout.as_mut().unwrap();
    match read_frame(out).unwrap() {
        Some((Kind::Parked, _)) => {}
        other => panic!("helper did not park: {:?}", other.map(|f| f.0)),
    }
    child
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(HELPER_ARG) {
        std::process::exit(helper_main());
    }
    let args: Vec<String> = std::env::args().collect();
    let (dir, name, runs) = (&args[1], &args[2], args[3].parse::<usize>().unwrap());
    let code = args[5..].join(" ");
    let pol = policy::load_named(Path::new(dir), name).expect("policy");
    let compiled = seccomp::compile(&pol).expect("seccomp");
    let interpreter = interp::resolve(&pol.interpreter.python).expect("interpreter");
    let host = CgroupHost::discover().expect("cgroups");
    host.prepare().expect("cgroup prepare");
    let profile = PreparedProfile {
        policy: pol,
        seccomp: compiled,
        interpreter,
        // With the kid runtime (as the worker runs jobs) the interpreter itself starts
        // while the sandbox is parked; without it, when the job arrives.
        runtime_dir: std::env::var_os("SANDPIT_RUNTIME_DIR").map(std::path::PathBuf::from),
        runtime_env: vec![],
        local_time_zone: None,
        host: sandpit_sandbox::hostids::HostSetup::detect().expect("host ids"),
    };
    let exec = profile.interpreter.exec_path.clone();
    let prog = std::env::temp_dir().join(format!("sandpit-bench-{}.py", std::process::id()));
    std::fs::write(&prog, &code).unwrap();

    let (mut bare, mut sandboxed) = (Vec::new(), Vec::new());
    let mut next = warm(&profile);
    for i in 0..runs + 5 {
        // Bare: spawn the same interpreter on the same program file, the way the
        // sandbox runs it (`python /work/main.py`, site enabled), and wait.
        let t = Instant::now();
        let st = Command::new(&exec)
            .arg(&prog)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        let b = t.elapsed().as_secs_f64() * 1e3;

        // Sandboxed: hand the job to the parked helper, wait for its outcome.
        let mut child = next;
        let input = JobInput {
            job_id: format!("bench{i}"),
            code: code.clone(),
            env: vec![],
            collect: None,
        };
        let mut msg = Vec::new();
        write_frame(&mut msg, Kind::Job, &serde_json::to_vec(&input).unwrap()).unwrap();
        let _ = encode_named; // no files in this benchmark
        write_frame(&mut msg, Kind::Start, &[]).unwrap();
        write_frame(&mut msg, Kind::StdinEof, &[]).unwrap();
        let t = Instant::now();
        let stdin = child.stdin.as_mut().unwrap();
        stdin.write_all(&msg).unwrap();
        stdin.flush().unwrap();
        let out = child.stdout.as_mut().unwrap();
        loop {
            match read_frame(out).unwrap() {
                Some((Kind::Outcome, p)) => {
                    let v: serde_json::Value = serde_json::from_slice(&p).unwrap();
                    assert_eq!(v["status"], "ok", "{v}");
                    break;
                }
                Some(_) => continue,
                None => panic!("helper ended without outcome"),
            }
        }
        let s = t.elapsed().as_secs_f64() * 1e3;
        // The finished helper's teardown and the next one's warm-up happen off the
        // measured path, as in the worker's pool.
        drop(child.stdin.take());
        child.wait().unwrap();
        next = warm(&profile);
        // Give the next sandbox the idle moment a worker's pool has between jobs
        // (enough for a warm interpreter to reach its wait).
        std::thread::sleep(Duration::from_millis(40));
        if i >= 5 {
            bare.push(b);
            sandboxed.push(s);
        }
    }
    drop(next);
    let _ = std::fs::remove_file(&prog);
    let (bm, b50, b99) = stats(bare);
    let (sm, s50, s99) = stats(sandboxed);
    println!("program: {code}");
    println!("bare python        mean {bm:6.2} ms  p50 {b50:6.2} ms  p99 {b99:6.2} ms");
    println!("sandboxed (warm)   mean {sm:6.2} ms  p50 {s50:6.2} ms  p99 {s99:6.2} ms");
    println!(
        "ratio              mean {:5.2}x    p50 {:5.2}x    p99 {:5.2}x",
        sm / bm,
        s50 / b50,
        s99 / b99
    );
}
