//! The filesystem a job sees: it can write only its work dir and /tmp, can execute
//! nothing it wrote, cannot read the host's secrets, and nothing it plants there is
//! ever followed by the runner.

mod common;

use common::{marker, sandbox_available, JobRun, PY_HELPERS};
use std::path::Path;

fn program(body: &str) -> String {
    format!("{PY_HELPERS}\n{body}")
}

#[test]
fn writes_outside_the_work_dir_fail_and_reach_nothing_on_the_host() {
    if !sandbox_available() {
        return;
    }
    let name = marker("sandpit-write-probe");
    let code = program(&format!(
        r#"
def write(path):
    with open(path, "w") as f:
        f.write("escaped")
probe("root", write, "/{name}")
probe("usr", write, "/usr/{name}")
probe("usr_lib", write, "/usr/lib/x86_64-linux-gnu/{name}")
probe("etc", write, "/etc/{name}")
probe("mkdir_root", __import__("os").mkdir, "/{name}.d")
"#
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    // `/` (the generated /etc with it) and the read-only binds are read-only mounts: EROFS.
    job.expect("root", "OSError 30");
    job.expect("usr", "OSError 30");
    job.expect("usr_lib", "OSError 30");
    job.expect("etc", "OSError 30");
    job.expect("mkdir_root", "OSError 30");
    for host in [
        format!("/{name}"),
        format!("/usr/{name}"),
        format!("/usr/lib/x86_64-linux-gnu/{name}"),
        format!("/etc/{name}"),
        format!("/{name}.d"),
    ] {
        assert!(!Path::new(&host).exists(), "{host} was created on the host");
    }
}

#[test]
fn work_dir_and_tmp_are_writable() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
import os
def roundtrip(path):
    with open(path, "w") as f:
        f.write("data")
    with open(path) as f:
        return f.read()
probe("cwd", os.getcwd)
probe("work", roundtrip, "/work/notes.txt")
probe("relative", roundtrip, "notes2.txt")
probe("tmp", roundtrip, "/tmp/scratch.txt")
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("cwd", "ok '/work'");
    job.expect("work", "ok 'data'");
    job.expect("relative", "ok 'data'");
    job.expect("tmp", "ok 'data'");
}

#[test]
fn files_written_to_work_or_tmp_cannot_be_executed() {
    if !sandbox_available() {
        return;
    }
    // A copy of the interpreter binary and a #! script, both chmod 755, in each
    // writable place. If an exec worked, the process would be replaced and print
    // "EXECUTED" instead of the probe line.
    let code = program(
        r##"
import os, shutil, sys
def try_exec(path):
    os.execv(path, [path, "-c", "print('EXECUTED')"])
for d in ("/work", "/tmp"):
    shutil.copy(sys.executable, d + "/py")
    os.chmod(d + "/py", 0o755)
    with open(d + "/script", "w") as f:
        f.write("#!" + sys.executable + "\nprint('EXECUTED')\n")
    os.chmod(d + "/script", 0o755)
    probe("binary" + d.replace("/", "_"), try_exec, d + "/py")
    probe("script" + d.replace("/", "_"), try_exec, d + "/script")
"##,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    assert!(!job.stdout().contains("EXECUTED"), "{}", job.record);
    for label in ["binary_work", "script_work", "binary_tmp", "script_tmp"] {
        job.expect(label, "PermissionError 13");
    }
}

#[test]
fn host_secrets_and_the_runner_binary_do_not_exist_inside() {
    if !sandbox_available() {
        return;
    }
    let runner = common::runner_bin();
    let policies = common::shipped_policies();
    let code = program(&format!(
        r#"
import os
def read(path):
    with open(path, "rb") as f:
        return len(f.read())
probe("shadow", read, "/etc/shadow")
probe("hosts", read, "/etc/hosts")
probe("root", os.listdir, "/root")
probe("home", os.listdir, "/home")
probe("var", os.listdir, "/var")
probe("runner", read, {runner:?})
probe("policies", os.listdir, {policies:?})
probe("sys", os.listdir, "/sys")
"#,
        policies = policies.display().to_string()
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in [
        "shadow", "hosts", "root", "home", "var", "runner", "policies", "sys",
    ] {
        job.expect(label, "FileNotFoundError 2");
    }
}

#[test]
fn listing_the_root_directory_is_denied() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        "import os\nprobe('ls_root', os.listdir, '/')\nprobe('ls_usr', os.listdir, '/usr')\n",
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    // Landlock grants no read access to the new root's own directories.
    job.expect("ls_root", "PermissionError 13");
    job.expect("ls_usr", "PermissionError 13");
}

#[test]
fn mounts_root_read_only_and_writable_dirs_noexec() {
    if !sandbox_available() {
        return;
    }
    let code = r#"
for line in open("/proc/self/mounts"):
    dev, point, fstype, opts = line.split()[:4]
    if point in ("/", "/work", "/tmp", "/proc", "/dev", "/dev/shm"):
        print(f"{point}: {opts}")
"#;
    let job = JobRun::basic(code).run();
    job.assert_status("ok");
    let opts = |p: &str| -> Vec<String> { job.line(p).split(',').map(str::to_string).collect() };
    let has = |p: &str, o: &str| {
        assert!(
            opts(p).iter().any(|x| x == o),
            "{p} lacks {o}: {:?}",
            opts(p)
        )
    };
    has("/", "ro");
    has("/", "nosuid");
    has("/", "nodev");
    for p in ["/work", "/tmp", "/dev/shm"] {
        has(p, "rw");
        has(p, "noexec");
        has(p, "nosuid");
        has(p, "nodev");
    }
    has("/proc", "noexec");
    has("/proc", "nosuid");
    has("/proc", "nodev");
    has("/dev", "ro");
}

#[test]
fn etc_is_generated_and_names_the_kid_not_the_hosts_users() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
import getpass, os, pwd, grp
print("etc:", sorted(os.listdir("/etc")))
print("user:", getpass.getuser(), os.environ["USER"], os.environ["LOGNAME"])
me = pwd.getpwuid(os.getuid())
print("me:", me.pw_name, me.pw_uid, me.pw_dir, grp.getgrgid(os.getgid()).gr_name)
print("names:", sorted(p.pw_name for p in pwd.getpwall()))
print("home:", os.path.expanduser("~kid"))
probe("write_passwd", open, "/etc/passwd", "a")
probe("create_in_etc", open, "/etc/new", "w")
"#,
    );
    // A known zone (TZ), so /etc also holds its localtime link on any host.
    let job = JobRun::basic(&code).env("TZ", "Etc/UTC").run();
    job.assert_status("ok");
    job.expect("etc", "['group', 'localtime', 'passwd']");
    job.expect("user", "kid kid kid");
    job.expect("me", "kid 1000 /work kid");
    job.expect("names", "['kid', 'nobody', 'root']");
    job.expect("home", "/work");
    for label in ["write_passwd", "create_in_etc"] {
        let got = job.line(label);
        assert!(
            got == "PermissionError 13" || got == "OSError 30",
            "{label}: {got}"
        );
    }
}

#[test]
fn dev_shm_serves_multiprocessing_and_runs_nothing() {
    if !sandbox_available() {
        return;
    }
    // multiprocessing's locks, queues and pools are POSIX semaphores in /dev/shm.
    let code = program(
        r#"
import multiprocessing, os, sys

def square(n):
    return n * n

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print("pool:", pool.map(square, [1, 2, 3]))
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=q.put, args=("hello",))
    p.start()
    print("queue:", q.get(timeout=10))
    p.join()
    path = "/dev/shm/tool"
    with open(path, "wb") as f:
        f.write(open(sys.executable, "rb").read())
    os.chmod(path, 0o755)
    probe("exec_shm", os.execv, path, [path])
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("pool", "[1, 4, 9]");
    job.expect("queue", "hello");
    job.expect("exec_shm", "PermissionError 13");
}

#[test]
fn time_zones_are_available() {
    if !sandbox_available() {
        return;
    }
    let code = r#"
import datetime, zoneinfo
summer = datetime.datetime(2024, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
print("london:", summer.utcoffset())
print("shanghai:", datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")).utcoffset())
"#;
    let job = JobRun::basic(code).run();
    job.assert_status("ok");
    job.expect("london", "1:00:00");
    job.expect("shanghai", "8:00:00");
}

#[test]
fn programs_keep_the_runner_hosts_local_time() {
    if !sandbox_available() {
        return;
    }
    // The runner's zone (its TZ, else /etc/localtime) becomes the sandbox's own
    // /etc/localtime: a kid's "good morning" program sees the school's clock, and no
    // TZ variable appears in the program's environment.
    let code = r#"
import datetime, os, time
print("winter:", time.strftime("%z", time.localtime(1704110400)))
print("summer:", time.strftime("%z", time.localtime(1719835200)))
print("name:", datetime.datetime(2024, 1, 1, 12).astimezone().tzname())
try:
    print("link:", os.readlink("/etc/localtime"))
except OSError as e:
    print("link:", type(e).__name__)
print("tz_env:", "TZ" in os.environ)
"#;
    let shanghai = JobRun::basic(code).env("TZ", "Asia/Shanghai").run();
    shanghai.assert_status("ok");
    shanghai.expect("winter", "+0800");
    shanghai.expect("summer", "+0800");
    shanghai.expect("name", "CST");
    shanghai.expect("link", "/usr/share/zoneinfo/Asia/Shanghai");
    shanghai.expect("tz_env", "False");

    let london = JobRun::basic(code).env("TZ", ":Europe/London").run();
    london.assert_status("ok");
    london.expect("winter", "+0000");
    london.expect("summer", "+0100");
    london.expect("name", "GMT");

    // A TZ that is not a zone name is ignored: the host's /etc/localtime decides, as
    // with no TZ at all; never a path of the runner's choosing.
    let host = JobRun::basic(code).env("TZ", "").run();
    host.assert_status("ok");
    for bad in ["../../../etc/passwd", "/etc/passwd", "<+08>-8"] {
        let job = JobRun::basic(code).env("TZ", bad).run();
        job.assert_status("ok");
        for label in ["winter", "summer", "link"] {
            assert_eq!(job.line(label), host.line(label), "TZ={bad:?}: {label}");
        }
    }
}

#[test]
fn symlinks_planted_in_work_and_tmp_are_never_followed_by_cleanup() {
    if !sandbox_available() {
        return;
    }
    // Host files the job must never touch: a file, and a directory with a file in it.
    let host = tempfile::tempdir().expect("tempdir");
    let victim = host.path().join("victim.txt");
    let victim_dir = host.path().join("victim-dir");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::create_dir(&victim_dir).unwrap();
    std::fs::write(victim_dir.join("inner.txt"), "also precious").unwrap();
    let v = victim.display().to_string();
    let vd = victim_dir.display().to_string();
    let code = program(&format!(
        r#"
import os
targets = {{"file": {v:?}, "dir": {vd:?}}}
for place in ("/work", "/tmp"):
    for kind, target in targets.items():
        os.symlink(target, f"{{place}}/abs_{{kind}}")
        os.symlink("../../../../../../.." + target, f"{{place}}/rel_{{kind}}")
    os.mkdir(f"{{place}}/nested")
    os.symlink({v:?}, f"{{place}}/nested/deep")
    os.symlink({vd:?}, f"{{place}}/nested/deep_dir")
print("planted: yes")
probe("hardlink", os.link, {v:?}, "/work/hard")
probe("open_through_link", open, "/work/abs_file", "w")
probe("read_target", open, {v:?})
"#
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("planted", "yes");
    // The host paths do not exist inside, so neither a hard link nor the symlink
    // reaches them.
    job.expect("hardlink", "FileNotFoundError 2");
    job.expect("open_through_link", "FileNotFoundError 2");
    job.expect("read_target", "FileNotFoundError 2");
    // After the job (and its cleanup) the host files are exactly as they were.
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(
        std::fs::read_to_string(victim_dir.join("inner.txt")).unwrap(),
        "also precious"
    );
    assert_eq!(
        common::dir_names(host.path()),
        ["victim-dir", "victim.txt"].map(String::from).into(),
        "the host directory changed"
    );
    assert_eq!(
        common::dir_names(&victim_dir),
        ["inner.txt"].map(String::from).into()
    );
}

#[test]
fn nothing_a_job_writes_appears_on_the_host() {
    if !sandbox_available() {
        return;
    }
    // The helper mounts the job's root, work dir and /tmp over a host directory, but
    // only inside the job's own mount namespace: the host must see none of it.
    let name = marker("sandpit-left-behind");
    let code = format!(
        "for d in ('/work', '/tmp'):\n    open(d + '/{name}', 'w').write('x')\n    __import__('os').mkdir(d + '/{name}.d')\n"
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    let mut found = Vec::new();
    for root in ["/tmp", "/var/tmp", "/run", "/work"] {
        find_named(Path::new(root), &name, 4, &mut found);
    }
    assert!(
        found.is_empty(),
        "the job's files are on the host: {found:?}"
    );
}

/// Paths under `dir` (not following symlinks, at most `depth` levels) whose name
/// contains `needle`.
fn find_named(dir: &Path, needle: &str, depth: u32, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().contains(needle) {
            found.push(e.path());
        }
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && depth > 0 {
            find_named(&e.path(), needle, depth - 1, found);
        }
    }
}

#[test]
fn proc_holds_no_kernel_interfaces() {
    if !sandbox_available() {
        return;
    }
    // /proc is mounted with subset=pid: only process directories, none of the
    // kernel's knobs or secrets.
    let code = program(
        r#"
import os
def read(path):
    with open(path, "rb") as f:
        return len(f.read(16))
probe("sysctl", read, "/proc/sys/kernel/hostname")
probe("kcore", read, "/proc/kcore")
probe("kallsyms", read, "/proc/kallsyms")
probe("sysrq", read, "/proc/sysrq-trigger")
probe("init_root", os.listdir, "/proc/1/root")
probe("sys", os.listdir, "/sys/kernel")
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in ["sysctl", "kcore", "kallsyms", "sysrq", "init_root", "sys"] {
        job.expect(label, "FileNotFoundError 2");
    }
}
