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
    // `/` and the read-only binds are read-only mounts: EROFS. /etc does not exist.
    job.expect("root", "OSError 30");
    job.expect("usr", "OSError 30");
    job.expect("usr_lib", "OSError 30");
    job.expect("etc", "FileNotFoundError 2");
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
probe("passwd", read, "/etc/passwd")
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
        "shadow", "passwd", "root", "home", "var", "runner", "policies", "sys",
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
    if point in ("/", "/work", "/tmp", "/proc", "/dev"):
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
    for p in ["/work", "/tmp"] {
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
