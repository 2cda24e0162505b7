//! Loading real files: the shipped policies, and broken copies of them written to
//! temporary directories. Each broken copy checks the message AND the line it names.

use std::path::{Path, PathBuf};

use super::*;

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

fn shipped_text(name: &str) -> String {
    std::fs::read_to_string(shipped_dir().join(format!("{name}.toml"))).unwrap()
}

/// python-basic with `from` replaced by `to` (which must occur), written as `file_name`.
fn edited(from: &str, to: &str, file_name: &str) -> (tempfile::TempDir, PathBuf, String) {
    let original = shipped_text("python-basic");
    assert!(
        original.contains(from),
        "test edit target {from:?} not in python-basic.toml"
    );
    let text = original.replacen(from, to, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::write(&path, &text).unwrap();
    (dir, path, text)
}

/// Load python-basic with one edit; it must fail. Returns the diagnostics and the text.
fn errors_after(from: &str, to: &str) -> (Vec<Diagnostic>, String, PathBuf) {
    let (_dir, path, text) = edited(from, to, "python-basic.toml");
    let err = load_file(&path).expect_err("edited policy must be rejected");
    (err.0, text, path)
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

fn only_one(diags: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(
        diags.len(),
        1,
        "expected exactly one problem, got {diags:#?}"
    );
    &diags[0]
}

#[test]
fn every_shipped_policy_loads() {
    let (policies, diagnostics) = load_dir(&shipped_dir());
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let names: Vec<_> = policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["python-basic", "python-data"]);

    let basic = load_named(&shipped_dir(), "python-basic").unwrap();
    assert_eq!(basic.limits.wall_ms, 10_000);
    assert_eq!(basic.limits.cpu_ms, 5_000);
    assert_eq!(basic.limits.memory_bytes, 256 << 20);
    assert_eq!(basic.limits.pids, 64);
    assert_eq!(basic.limits.output_bytes, 1 << 20);
    assert_eq!(basic.limits.work_dir_bytes, 16 << 20);
    assert_eq!(basic.limits.cpu_percent, 100);
    assert_eq!(basic.interpreter.python, Path::new("/usr/bin/python3"));
    assert!(basic.interpreter.allow_runner_override);
    assert_eq!(
        basic.seccomp.default_action,
        DeniedAction::Errno(libc::ENOSYS)
    );
    assert_eq!(
        basic.seccomp.deny["mount"],
        DeniedAction::Errno(libc::EPERM)
    );
    assert!(basic.seccomp.allow["files"].iter().any(|c| c == "openat"));
    assert_eq!(basic.layers.landlock, Requirement::Required);

    let data = load_named(&shipped_dir(), "python-data").unwrap();
    assert_eq!(data.limits.memory_bytes, 768 << 20);
    assert_eq!(data.limits.output_bytes, 8 << 20);
    assert!(!data.interpreter.allow_runner_override);
    assert_eq!(data.env["MPLCONFIGDIR"], "/tmp/matplotlib");
}

#[test]
fn every_allowed_call_of_the_facts_sheet_is_in_the_default_profile() {
    // The 33 calls measured for `print('hi')` and `import json, math, random`, plus `open`
    // (pyenv 3.13) and the recommended margin (shared/facts/sandbox-feasibility.md §3).
    let needed = "access arch_prctl brk close execve exit_group fcntl futex getcwd getdents64 \
        getegid geteuid getgid getrandom gettid getuid ioctl lseek mmap mprotect munmap \
        newfstatat openat pread64 prlimit64 read readlink rseq rt_sigaction set_robust_list \
        set_tid_address sysinfo write open fstat rt_sigprocmask getpid mremap madvise \
        clock_gettime sigaltstack exit getgroups chmod clone wait4 socket";
    let basic = load_named(&shipped_dir(), "python-basic").unwrap();
    for call in needed.split_whitespace() {
        assert!(
            basic.seccomp.allow.values().flatten().any(|c| c == call),
            "{call} not allowed"
        );
    }
}

#[test]
fn typoed_key_names_file_line_and_suggestion() {
    let (diags, text, path) = errors_after("wall_seconds = 10", "wall_second = 10");
    // The typo is one problem; the now-missing real key is the other.
    let typo = diags
        .iter()
        .find(|d| d.message.contains("unknown key"))
        .expect("unknown-key error");
    assert_eq!(typo.file, path);
    assert_eq!(typo.line, line_of(&text, "wall_second = 10"));
    assert!(
        typo.message.contains("`wall_second` in [limits]"),
        "{}",
        typo.message
    );
    assert!(
        typo.message.contains("did you mean `wall_seconds`?"),
        "{}",
        typo.message
    );
    assert!(typo
        .to_string()
        .starts_with(&format!("{}:{}: ", path.display(), typo.line)));
    let missing = diags
        .iter()
        .find(|d| d.message.contains("missing key `wall_seconds`"))
        .unwrap();
    assert_eq!(missing.line, line_of(&text, "[limits]"));
}

#[test]
fn unknown_syscall_names_line_and_closest_name() {
    let (diags, text, _) = errors_after("\"getdents64\",", "\"getdents46\",");
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "getdents46"));
    assert_eq!(
        d.message,
        "unknown syscall `getdents46` (did you mean `getdents64`?)"
    );
}

#[test]
fn never_allowed_syscall_is_rejected_even_when_listed() {
    let (diags, text, _) = errors_after("\"uname\",", "\"uname\", \"ptrace\",");
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "\"ptrace\""));
    assert!(
        d.message
            .starts_with("syscall `ptrace` can never be allowed:"),
        "{}",
        d.message
    );
    let (diags, _, _) = errors_after("\"uname\",", "\"io_uring_setup\", \"uname\",");
    assert!(only_one(&diags).message.contains("io_uring"));
}

#[test]
fn duplicate_key_names_the_second_occurrence() {
    let (diags, text, _) = errors_after("pids = 64\n", "pids = 64\npids = 65\n");
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "pids = 65"));
    assert_eq!(d.message, "duplicate key `pids`");
}

#[test]
fn out_of_range_limit_names_its_line_and_range() {
    let (diags, text, _) = errors_after("memory_mib = 256", "memory_mib = 256000");
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "memory_mib = 256000"));
    assert_eq!(
        d.message,
        "`memory_mib` = 256000 is out of range: must be between 16 and 8192"
    );
    let (diags, _, _) = errors_after("wall_seconds = 10", "wall_seconds = 0.01");
    assert!(only_one(&diags).message.contains("between 0.1 and 300"));
    let (diags, _, _) = errors_after("pids = 64", "pids = 64.5");
    assert_eq!(only_one(&diags).message, "`pids` must be a whole number");
}

#[test]
fn fractional_seconds_become_milliseconds() {
    let (_dir, path, _) = edited(
        "wall_seconds = 10",
        "wall_seconds = 2.5",
        "python-basic.toml",
    );
    assert_eq!(load_file(&path).unwrap().limits.wall_ms, 2_500);
}

#[test]
fn profile_name_must_match_file_stem() {
    let (_dir, path, text) = edited("", "", "python-other.toml");
    let d = only_one(&load_file(&path).unwrap_err().0).clone();
    assert_eq!(d.line, line_of(&text, "name = \"python-basic\""));
    assert!(
        d.message
            .contains("must equal the file name `python-other.toml`"),
        "{}",
        d.message
    );
}

#[test]
fn all_problems_are_collected_in_line_order() {
    let original = shipped_text("python-basic");
    let text = original
        .replacen("cpu_percent = 100", "cpu_percent = 1000", 1)
        .replacen("default_lang = \"en\"", "default_lang = \"fr\"", 1)
        .replacen("\"/usr/lib64\",", "\"/etc/ssl\", \"usr/lib64\",", 1)
        .replacen("\"mremap\",", "\"mremap\", \"mmap\",", 1)
        .replacen("landlock = \"required\"", "landlock = \"maybe\"", 1)
        .replacen(
            "[environment]\n",
            "[environment]\nLD_PRELOAD = \"/work/x.so\"\n",
            1,
        )
        .replacen(
            "mount = \"errno:EPERM\"",
            "mount = \"errno:EFOO\"\nsocket = \"errno:EPERM\"",
            1,
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("python-basic.toml");
    std::fs::write(&path, &text).unwrap();
    let diags = load_file(&path).unwrap_err().0;
    let expected = [
        ("default_lang = \"fr\"", "default_lang `fr`"),
        ("cpu_percent = 1000", "`cpu_percent` = 1000 is out of range"),
        ("\"/etc/ssl\"", "is inside /etc"),
        ("\"/etc/ssl\"", "`usr/lib64` must be an absolute path"),
        ("LD_PRELOAD", "environment name `LD_PRELOAD` is reserved"),
        (
            "\"mremap\", \"mmap\"",
            "syscall `mmap` is already allowed in group `memory`",
        ),
        ("mount = \"errno:EFOO\"", "unknown errno name `EFOO`"),
        (
            "socket = \"errno:EPERM\"",
            "syscall `socket` is both denied here and allowed in group `sockets`",
        ),
        (
            "landlock = \"maybe\"",
            "`landlock` must be \"required\" or \"off\"",
        ),
    ];
    assert_eq!(diags.len(), expected.len(), "{diags:#?}");
    for ((needle, message), d) in expected.iter().zip(&diags) {
        assert_eq!(d.line, line_of(&text, needle), "{d}");
        assert!(
            d.message.contains(message),
            "{d} should contain {message:?}"
        );
        assert_eq!(d.file, path);
    }
}

#[test]
fn wrong_types_are_reported_with_the_expected_type() {
    let (diags, text, _) = errors_after(
        "allow_runner_override = true",
        "allow_runner_override = \"yes\"",
    );
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "allow_runner_override = \"yes\""));
    assert_eq!(
        d.message,
        "`allow_runner_override` in [interpreter] must be true or false, not string"
    );
    let (diags, _, _) = errors_after("memory = [", "memory = [1, ");
    assert!(only_one(&diags)
        .message
        .contains("must contain only strings, not integer"));
}

#[test]
fn unsafe_paths_are_rejected() {
    let cases = [
        ("\"/usr/lib64\",", "\"/\",", "would expose the whole host"),
        (
            "\"/usr/lib64\",",
            "\"/usr/lib64/../../etc\",",
            "must not contain `.` or `..`",
        ),
        ("\"/usr/lib64\",", "\"/root/.pyenv\",", "is inside /root"),
        (
            "\"/usr/lib64\",",
            "\"/usr/lib64/\",",
            "without `//` or a trailing `/`",
        ),
        (
            "\"/usr/lib64\",",
            "\"/usr/lib/x86_64-linux-gnu/perl5\",",
            "already covered",
        ),
        (
            "work_dir = \"/work\"",
            "work_dir = \"/tmp\"",
            "a directory the sandbox mounts itself",
        ),
        (
            "work_dir = \"/work\"",
            "work_dir = \"/work/kid\"",
            "one directory directly under `/`",
        ),
        (
            "work_dir = \"/work\"",
            "work_dir = \"/usr\"",
            "a directory the sandbox mounts itself",
        ),
        (
            "python = \"/usr/bin/python3\"",
            "python = \"../python3\"",
            "must be an absolute path",
        ),
    ];
    for (from, to, message) in cases {
        let (diags, text, _) = errors_after(from, to);
        let d = only_one(&diags);
        assert!(d.message.contains(message), "{to}: {d}");
        assert_eq!(d.line, line_of(&text, to.trim_end_matches(',')), "{to}");
    }
}

#[test]
fn clone3_must_stay_enosys_while_clone_is_allowed() {
    let (diags, text, _) = errors_after("clone3 = \"errno:ENOSYS\"", "clone3 = \"errno:EPERM\"");
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "clone3 = \"errno:EPERM\""));
    assert!(d.message.contains("glibc falls back"));
}

#[test]
fn profile_names_are_never_paths() {
    for bad in [
        "../python-basic",
        "python-basic.toml",
        "/etc/passwd",
        "",
        "Python",
        "-x",
        "a/b",
    ] {
        let err = load_named(&shipped_dir(), bad).unwrap_err();
        assert!(
            err.0[0].message.starts_with("invalid profile name"),
            "{bad}: {err}"
        );
    }
    let missing = load_named(&shipped_dir(), "no-such-profile").unwrap_err();
    assert!(missing.0[0]
        .message
        .contains("no profile named `no-such-profile`"));
}

#[test]
fn load_dir_keeps_good_files_and_reports_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("python-basic.toml"),
        shipped_text("python-basic"),
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.toml"), "[profile\n").unwrap();
    std::fs::write(dir.path().join("README.md"), "not a policy").unwrap();
    let (policies, diags) = load_dir(dir.path());
    assert_eq!(policies.len(), 1);
    let d = only_one(&diags);
    assert_eq!(d.file, dir.path().join("broken.toml"));
    assert_eq!(d.line, 1);
    assert!(d.message.starts_with("invalid TOML"), "{d}");
}

#[test]
fn explain_covers_every_section_and_shouts_when_weaker() {
    let basic = load_named(&shipped_dir(), "python-basic").unwrap();
    // Compare word sequences: explain wraps long lines.
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = flat(&explain(&basic));
    for expected in [
        "Profile `python-basic`",
        "/usr/bin/python3, or the runner's RUNNER_PYTHON_BIN",
        "- /usr/lib/x86_64-linux-gnu",
        "/work: the work dir",
        "16 MiB in memory, noexec",
        "wall clock: 10 s",
        "memory: 256 MiB, no swap",
        "output: 1 MiB",
        "processes and threads together: 64",
        "- files: read, write, open,",
        "- ioctl: only the terminal and descriptor queries TCGETS, TIOCGWINSZ",
        "- clone: only without namespace flags",
        "- socket: only the families AF_UNIX, AF_INET, AF_INET6",
        "umount2, unshare: the call fails with EPERM (\"Operation not permitted\")",
        "Any other call: the call fails with ENOSYS",
        "- bpf: loads programs into the kernel",
        "- io_uring_setup, io_uring_enter, io_uring_register: io_uring runs",
        "Landlock filesystem and network rules: required",
    ] {
        assert!(
            text.contains(expected),
            "explain lacks {expected:?}:\n{text}"
        );
    }
    assert!(!text.contains("WEAKER"));

    let mut weaker = basic.clone();
    weaker.layers.cgroups = Requirement::Off;
    let text = flat(&explain(&weaker));
    assert!(text.contains("!!! WEAKER: cgroups are OFF"), "{text}");
    assert!(text.contains("cgroup limits (memory, CPU share, processes): OFF (WEAKER)"));
}

#[test]
fn missing_sections_and_calls_the_sandbox_needs_are_reported() {
    let (diags, text, _) = errors_after("[layers]\n", "[layer]\n");
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert_eq!(
        (diags[0].line, diags[0].message.as_str()),
        (1, "missing section [layers]")
    );
    assert_eq!(diags[1].line, line_of(&text, "[layer]"));
    assert!(diags[1]
        .message
        .starts_with("unknown key `layer` in the top level (did you mean `layers`?)"));

    let (diags, text, _) = errors_after("\"vfork\", \"execve\", \"wait4\",", "\"vfork\",");
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "[seccomp.allow]"));
    assert!(
        d.message
            .starts_with("[seccomp.allow] must include `execve`, `wait4`:"),
        "{d}"
    );
}

#[test]
fn preload_lists_module_names_and_needs_the_runtime() {
    let (diags, text, _) = errors_after("preload = []", "preload = [\"numpy\", \"os; rm\"]");
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "preload = "));
    assert!(
        d.message.contains("preload `os; rm` is not a module name"),
        "{}",
        d.message
    );

    let (diags, text, _) = errors_after(
        "enabled = true\n# Modules to import in each warm sandbox before its job arrives (see python-data):\n# none here, the standard library starts fast enough.\npreload = []",
        "enabled = false\npreload = [\"json\"]",
    );
    let d = only_one(&diags);
    assert_eq!(d.line, line_of(&text, "preload = "));
    assert!(
        d.message.contains("`preload` needs the runtime"),
        "{}",
        d.message
    );
    let many: Vec<String> = (0..17).map(|i| format!("\"m{i}\"")).collect();
    let (diags, _, _) = errors_after("preload = []", &format!("preload = [{}]", many.join(", ")));
    assert!(
        only_one(&diags).message.contains("at most 16 modules"),
        "{diags:#?}"
    );

    let (_dir, path, _) = edited(
        "preload = []",
        "preload = [\"json\", \"xml.etree.ElementTree\", \"_private\"]",
        "python-basic.toml",
    );
    let policy = load_file(&path).expect("valid preload");
    assert_eq!(
        policy.runtime.preload,
        ["json", "xml.etree.ElementTree", "_private"]
    );
}
