//! Who the program is inside the sandbox, and what it inherits: an unprivileged uid
//! with no capabilities, seccomp on, no_new_privs, its own hostname, only its own
//! stdio fds, and nothing of the runner's environment.

mod common;

use common::{allowed_env_key, marker, sandbox_available, JobRun};

#[test]
fn runs_as_an_unprivileged_user_without_capabilities() {
    if !sandbox_available() {
        return;
    }
    let code = r#"
import os, socket
print("uid:", os.getuid(), os.geteuid(), os.getresuid())
print("gid:", os.getgid(), os.getegid(), os.getresgid())
print("groups:", os.getgroups())
print("hostname:", socket.gethostname())
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
for key in ("CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh", "NoNewPrivs", "Seccomp"):
    print(f"{key}:", status[key].strip())
"#;
    let job = JobRun::basic(code).run();
    job.assert_status("ok");
    job.expect("uid", "1000 1000 (1000, 1000, 1000)");
    job.expect("gid", "1000 1000 (1000, 1000, 1000)");
    job.expect("groups", "[]");
    job.expect("hostname", "sandpit");
    for cap in ["CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"] {
        job.expect(cap, "0000000000000000");
    }
    job.expect("NoNewPrivs", "1");
    // 2 = filter mode.
    job.expect("Seccomp", "2");
}

#[test]
fn only_stdio_and_the_event_fd_are_open_at_start() {
    if !sandbox_available() {
        return;
    }
    // Checked with fstat before the program opens anything itself.
    let code = r#"
import os
open_fds = []
for fd in range(0, 1024):
    try:
        os.fstat(fd)
        open_fds.append(fd)
    except OSError:
        pass
print("fds:", open_fds)
"#;
    let job = JobRun::basic(code).run();
    job.assert_status("ok");
    job.expect("fds", "[0, 1, 2, 3]");
}

#[test]
fn the_runners_environment_is_invisible() {
    if !sandbox_available() {
        return;
    }
    let token = marker("token");
    let secret = marker("secret");
    let prefixed = marker("prefixed");
    let code = r#"
import json, os
print("environ:", json.dumps(sorted(os.environ)))
print("values:", json.dumps(dict(os.environ)))
def dump(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        print(f"{path}: {data!r}")
    except OSError as e:
        print(f"{path}: {type(e).__name__} {e.errno}")
dump("/proc/self/environ")
dump("/proc/1/environ")
for name in os.listdir("/proc"):
    if name.isdigit() and name != str(os.getpid()):
        dump(f"/proc/{name}/environ")
"#;
    let job = JobRun::basic(code)
        .env("RUNNER_ACCESS_TOKEN", &token)
        .env("SECRET_X", &secret)
        .env("SANDPIT_LEAK_TEST", &prefixed)
        .run();
    job.assert_status("ok");
    for s in [&token, &secret, &prefixed] {
        assert!(
            !job.raw_stdout.contains(s.as_str()),
            "a runner environment value reached the job: {}",
            job.record
        );
    }
    let keys: Vec<String> = serde_json::from_str(&job.line("environ")).unwrap();
    let values: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&job.line("values")).unwrap();
    // PYTHONPATH is allowed only as the kid runtime's read-only mount.
    let unexpected: Vec<&String> = keys
        .iter()
        .filter(|k| {
            !(allowed_env_key(k) || (*k == "PYTHONPATH" && values[*k] == common::RUNTIME_MOUNT))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "undocumented variables in the job's environment: {unexpected:?} (all: {keys:?})"
    );
    assert!(
        !keys.iter().any(|k| k == "SANDPIT_LEAK_TEST"),
        "a SANDPIT_* variable of the runner was passed through"
    );
    for must in [
        "PATH",
        "HOME",
        "LANG",
        "PYTHONIOENCODING",
        "PYTHONUNBUFFERED",
    ] {
        assert!(keys.iter().any(|k| k == must), "{must} missing: {keys:?}");
    }
    // /proc/self/environ is the same clean set; init's is not readable at all.
    let own = job.line("/proc/self/environ");
    assert!(own.contains("PATH="), "{own}");
    assert!(!own.contains("RUNNER_"), "{own}");
    job.expect("/proc/1/environ", "FileNotFoundError 2");
}
