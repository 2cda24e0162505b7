//! `policy explain`: what a policy lets a program do, in plain language for a reviewer.
//!
//! Everything printed comes from the validated policy or from data the sandbox itself
//! enforces (argument filters, the never-allowed list), so the text cannot promise
//! more than is applied.

use super::actions;
use super::argument_filters;
use super::model::{Lang, Policy, Requirement};
use super::syscalls::NEVER_ALLOWED_WITH_REASONS;

/// Output lines are wrapped to this width so the text reads well in a terminal.
const WIDTH: usize = 90;

/// Renders `p` as plain text, one section per question a reviewer asks.
pub fn explain(p: &Policy) -> String {
    let mut t = Text::default();
    let lang = match p.default_lang {
        Lang::En => "English",
        Lang::ZhCn => "Chinese (zh-CN)",
    };
    t.plain(&format!("Profile `{}`: {}", p.name, p.description));
    t.plain(&format!("Messages for kids default to {lang}."));
    weaker_layers(&mut t, p);

    t.title("What the program can read and execute (read-only)");
    let python = p.interpreter.python.display();
    t.item(&if p.interpreter.allow_runner_override {
        format!(
            "the interpreter's installation: {python}, or the runner's RUNNER_PYTHON_BIN \
             if set; resolved at runner start"
        )
    } else {
        format!(
            "the interpreter's installation: {python} (the runner may not replace it); \
             resolved at runner start"
        )
    });
    for path in &p.filesystem.read_only {
        t.item(&path.display().to_string());
    }
    if p.runtime.enabled {
        t.item(
            "Sandpit's kid runtime at /sandpit/runtime (turtle, plots, friendly errors); it runs \
             with the program's own rights and writes drawing events to fd 3. Python starts \
             in the confined sandbox before the job arrives and waits for it there",
        );
        if !p.runtime.preload.is_empty() {
            t.item(&format!(
                "imported while waiting, before the program exists: {}",
                p.runtime.preload.join(", ")
            ));
        }
    }
    t.para(
        "Nothing else of the host exists inside: no /home, /root or /var, and /etc holds \
         only a generated passwd and group (root, the program's user `kid`, nobody). /dev \
         holds only null, zero, urandom and full, and shm (POSIX shared memory for \
         multiprocessing, sized like /tmp); /proc shows only the job's own processes.",
    );

    t.title("What the program can write (nothing written can be executed)");
    let l = &p.limits;
    let tmpfs = "in memory, noexec, nosuid, nodev; emptied after the job";
    t.item(&format!(
        "{}: the work dir (also HOME and the starting directory), {} {tmpfs}",
        p.filesystem.work_dir.display(),
        bytes(l.work_dir_bytes)
    ));
    t.item(&format!("/tmp: {} {tmpfs}", bytes(l.tmp_bytes)));
    t.item(&format!(
        "no single file larger than {}",
        bytes(l.file_size_bytes)
    ));
    t.para("Everything else is read-only or absent.");

    t.title("Network");
    t.para(
        "None. The job has its own network namespace with only a loopback interface, \
         which is down; Landlock also denies every TCP bind and connect.",
    );

    t.title("Limits");
    t.item(&format!(
        "wall clock: {} (then status `timeout`)",
        millis(l.wall_ms)
    ));
    t.item(&format!(
        "CPU time: {} (then status `timeout`)",
        millis(l.cpu_ms)
    ));
    t.item(&format!("CPU share: {}% of one core", l.cpu_percent));
    t.item(&format!(
        "memory: {}, no swap (then status `memory_limit`)",
        bytes(l.memory_bytes)
    ));
    t.item(&format!("processes and threads together: {}", l.pids));
    t.item(&format!(
        "output: {} of stdout, stderr and drawings together (then status `output_limit`)",
        bytes(l.output_bytes)
    ));
    t.item(&format!("open files: {}", l.open_files));

    t.title("Environment");
    t.para(
        "The sandbox sets PATH, HOME, USER, LOGNAME, TMPDIR, LANG, PYTHONIOENCODING and \
         PYTHONUNBUFFERED itself; nothing of the runner's environment is passed on.",
    );
    if p.env.is_empty() {
        t.para("This policy adds nothing.");
    }
    for (name, value) in &p.env {
        t.item(&format!("{name}={value}"));
    }

    syscalls(&mut t, p);

    t.title("Protection layers");
    t.para(
        "Always on: user, mount, PID, network, IPC, UTS and cgroup namespaces; all \
         capabilities dropped; no_new_privs; seccomp; resource limits.",
    );
    t.item(&format!(
        "Landlock filesystem and network rules: {}",
        requirement(p.layers.landlock)
    ));
    t.item(&format!(
        "cgroup limits (memory, CPU share, processes): {}",
        requirement(p.layers.cgroups)
    ));
    t.0
}

/// Layers switched off come first and loud, so no reviewer can miss them.
fn weaker_layers(t: &mut Text, p: &Policy) {
    if p.layers.landlock == Requirement::Off {
        t.title(
            "!!! WEAKER: Landlock is OFF for this profile. Only the mount layout and seccomp \
             keep the program away from files, and nothing stops TCP connects inside the \
             network namespace.",
        );
    }
    if p.layers.cgroups == Requirement::Off {
        t.title(
            "!!! WEAKER: cgroups are OFF for this profile. Memory, CPU share and process \
             limits are NOT enforced; only rlimits and the wall clock apply.",
        );
    }
}

fn syscalls(t: &mut Text, p: &Policy) {
    t.title("System calls (seccomp; x86-64 only, calls from any other ABI kill the job)");
    t.para("Allowed, by group:");
    for (group, names) in &p.seccomp.allow {
        t.item(&format!("{group}: {}", names.join(", ")));
    }
    let allowed = |name: &str| p.seccomp.allow.values().flatten().any(|n| n == name);
    let filters: Vec<_> = argument_filters::describe()
        .into_iter()
        .filter(|(call, _)| allowed(call))
        .collect();
    if !filters.is_empty() {
        t.para("Always checked by argument (built into the sandbox):");
        for (call, what) in filters {
            t.item(&format!("{call}: {what}"));
        }
    }
    if !p.seccomp.deny.is_empty() {
        t.para("Denied with a specific answer:");
        let answers = p
            .seccomp
            .deny
            .iter()
            .map(|(c, a)| (c.as_str(), actions::describe(*a)));
        for (answer, calls) in grouped(answers) {
            t.item(&format!("{}: {answer}", calls.join(", ")));
        }
    }
    let default = p.seccomp.default_action;
    t.para(&format!(
        "Any other call: {} [{}].",
        actions::describe(default),
        actions::spelling(default)
    ));
    t.para("Never allowed by any policy (built into the sandbox):");
    for (reason, calls) in grouped(NEVER_ALLOWED_WITH_REASONS.iter().copied()) {
        t.item(&format!("{}: {reason}", calls.join(", ")));
    }
}

/// `(call, text)` pairs gathered by text, in order of first appearance, so calls that
/// share a reason or an answer are listed together.
fn grouped<'a, T: PartialEq>(pairs: impl Iterator<Item = (&'a str, T)>) -> Vec<(T, Vec<&'a str>)> {
    let mut groups: Vec<(T, Vec<&str>)> = Vec::new();
    for (call, text) in pairs {
        match groups.iter_mut().find(|(t, _)| *t == text) {
            Some((_, calls)) => calls.push(call),
            None => groups.push((text, vec![call])),
        }
    }
    groups
}

fn requirement(r: Requirement) -> &'static str {
    match r {
        Requirement::Required => "required (the job does not run without it)",
        Requirement::Off => "OFF (WEAKER)",
    }
}

/// The explanation being written: titles, indented paragraphs and bulleted items,
/// each wrapped at [`WIDTH`].
#[derive(Default)]
struct Text(String);

impl Text {
    fn title(&mut self, text: &str) {
        self.0.push('\n');
        self.wrapped(text, "", "");
    }

    fn plain(&mut self, text: &str) {
        self.wrapped(text, "", "  ");
    }

    fn para(&mut self, text: &str) {
        self.wrapped(text, "  ", "  ");
    }

    fn item(&mut self, text: &str) {
        self.wrapped(text, "  - ", "    ");
    }

    fn wrapped(&mut self, text: &str, first: &str, rest: &str) {
        let mut line = first.to_string();
        let mut empty = true;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
                self.0.push_str(&line);
                self.0.push('\n');
                line = rest.to_string();
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        self.0.push_str(&line);
        self.0.push('\n');
    }
}

/// `10 s`, `0.5 s`.
fn millis(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{} s", ms as f64 / 1000.0)
    }
}

/// `16 MiB`, `512 KiB`, `100 bytes`, exact (limits are whole KiB or MiB).
fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_naturally() {
        assert_eq!(millis(10_000), "10 s");
        assert_eq!(millis(500), "0.5 s");
        assert_eq!(bytes(16 * 1024 * 1024), "16 MiB");
        assert_eq!(bytes(1536 * 1024), "1536 KiB");
        assert_eq!(bytes(100), "100 bytes");
    }

    #[test]
    fn long_items_wrap_under_their_bullet() {
        let mut t = Text::default();
        t.item(&"word ".repeat(40));
        let lines: Vec<_> = t.0.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert!(lines[0].starts_with("  - word"));
        assert!(lines[1].starts_with("    word"));
    }
}
