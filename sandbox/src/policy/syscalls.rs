//! x86-64 syscall names, and the calls that no policy may ever allow.
//!
//! The name table is generated (see `syscall_table.rs`); the never-allowed list is
//! hand-written, one line of reason per call, because `policy explain` shows those
//! reasons to a reviewer.

use super::syscall_table::SYSCALLS;

/// The syscall number of `name` on x86-64, if the table knows it.
pub fn number(name: &str) -> Option<i64> {
    SYSCALLS.iter().find(|(n, _)| *n == name).map(|(_, nr)| *nr)
}

/// The x86-64 name of syscall number `nr`, if the table knows it.
pub fn name(nr: i64) -> Option<&'static str> {
    SYSCALLS
        .binary_search_by_key(&nr, |(_, n)| *n)
        .ok()
        .map(|i| SYSCALLS[i].0)
}

/// Every syscall name the table knows, in number order.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    SYSCALLS.iter().map(|(n, _)| *n)
}

/// Why `name` is never allowed, or `None` when a policy may allow it.
pub fn never_allowed_reason(name: &str) -> Option<&'static str> {
    NEVER_ALLOWED_WITH_REASONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}

/// Calls every policy must allow: after the filter is installed the sandbox's init
/// still receives the job and writes its files (`read`, `openat`, `write`, `close`,
/// memory for them), forks (`clone`), starts the interpreter (`execve`), reaps
/// (`wait4`), stops what is left (`kill`) and exits (`exit_group`).
pub const REQUIRED_BY_SANDBOX: &[&str] = &[
    "read",
    "openat",
    "write",
    "close",
    "brk",
    "mmap",
    "munmap",
    "clone",
    "execve",
    "wait4",
    "kill",
    "exit_group",
];

const IO_URING: &str = "io_uring runs file and network operations that seccomp never \
    sees, and is a frequent source of kernel exploits";
const FILE_HANDLES: &str = "file handles open files by inode, around every path check \
    (the 'shocker' escape)";
const CLONE3: &str = "its flags live in memory that seccomp cannot read, so namespace \
    flags could not be checked; glibc falls back to clone, which is checked";

/// Calls that no policy may put in `[seccomp.allow]`, with the reason `explain` prints.
/// A policy may still list them in `[seccomp.deny]` to choose the answer they get.
pub const NEVER_ALLOWED_WITH_REASONS: &[(&str, &str)] = &[
    // Kernel interfaces with a long record of exploits, or that bypass seccomp.
    ("io_uring_setup", IO_URING),
    ("io_uring_enter", IO_URING),
    ("io_uring_register", IO_URING),
    ("bpf", "loads programs into the kernel"),
    (
        "perf_event_open",
        "performance counters leak kernel addresses; long exploit record",
    ),
    (
        "userfaultfd",
        "stalls the kernel mid-copy, the classic tool for winning kernel races",
    ),
    (
        "modify_ldt",
        "installs 16-bit code segments; rarely used and a past source of kernel bugs",
    ),
    (
        "keyctl",
        "the kernel keyring is shared with the host and not needed by Python",
    ),
    (
        "add_key",
        "the kernel keyring is shared with the host and not needed by Python",
    ),
    (
        "request_key",
        "the kernel keyring is shared with the host and not needed by Python",
    ),
    // Reaching into other processes.
    ("ptrace", "inspects and changes other processes"),
    ("process_vm_readv", "reads another process's memory"),
    ("process_vm_writev", "writes another process's memory"),
    ("process_madvise", "acts on another process's memory"),
    (
        "pidfd_getfd",
        "copies a file descriptor out of another process",
    ),
    (
        "kcmp",
        "compares kernel objects of other processes, leaking kernel layout",
    ),
    // Changing the filesystem layout the sandbox built.
    ("mount", "would change the sandbox's filesystem layout"),
    ("umount2", "would uncover what the sandbox's mounts hide"),
    (
        "mount_setattr",
        "would change mount flags such as read-only or noexec",
    ),
    ("open_tree", "would copy or move mounts"),
    ("open_tree_attr", "would copy or move mounts"),
    ("move_mount", "would copy or move mounts"),
    ("fsopen", "would create new filesystems"),
    ("fsmount", "would create new filesystems"),
    ("fsconfig", "would create new filesystems"),
    ("fspick", "would reconfigure mounted filesystems"),
    ("pivot_root", "would change the root directory"),
    ("chroot", "would change the root directory"),
    ("name_to_handle_at", FILE_HANDLES),
    ("open_by_handle_at", FILE_HANDLES),
    // Namespaces and identity: the sandbox fixes these before the program starts.
    (
        "unshare",
        "new namespaces would give the program root-like powers inside them",
    ),
    ("setns", "would join other namespaces"),
    ("clone3", CLONE3),
    ("setuid", "the program's identity is fixed by the sandbox"),
    ("setgid", "the program's identity is fixed by the sandbox"),
    ("setreuid", "the program's identity is fixed by the sandbox"),
    ("setregid", "the program's identity is fixed by the sandbox"),
    (
        "setresuid",
        "the program's identity is fixed by the sandbox",
    ),
    (
        "setresgid",
        "the program's identity is fixed by the sandbox",
    ),
    ("setfsuid", "the program's identity is fixed by the sandbox"),
    ("setfsgid", "the program's identity is fixed by the sandbox"),
    (
        "setgroups",
        "the program's identity is fixed by the sandbox",
    ),
    ("capset", "capabilities are all dropped by the sandbox"),
    (
        "personality",
        "switches off address-space randomisation or makes memory executable",
    ),
    (
        "seccomp",
        "the sandbox's filter is final; more filters only add attack surface",
    ),
    (
        "landlock_create_ruleset",
        "the sandbox's Landlock rules are final",
    ),
    (
        "landlock_add_rule",
        "the sandbox's Landlock rules are final",
    ),
    (
        "landlock_restrict_self",
        "the sandbox's Landlock rules are final",
    ),
    ("lsm_set_self_attr", "changes security-module attributes"),
    // The whole machine: kernel, clock, devices, accounting.
    ("kexec_load", "replaces the running kernel"),
    ("kexec_file_load", "replaces the running kernel"),
    ("init_module", "loads kernel modules"),
    ("finit_module", "loads kernel modules"),
    ("delete_module", "unloads kernel modules"),
    ("reboot", "restarts the machine"),
    ("swapon", "changes the machine's swap"),
    ("swapoff", "changes the machine's swap"),
    ("acct", "changes process accounting for the machine"),
    ("quotactl", "changes disk quotas"),
    ("quotactl_fd", "changes disk quotas"),
    (
        "lookup_dcookie",
        "reveals host file paths (profiling interface)",
    ),
    ("iopl", "gives direct access to hardware I/O ports"),
    ("ioperm", "gives direct access to hardware I/O ports"),
    ("syslog", "reads the host's kernel log"),
    ("settimeofday", "sets the machine's clock"),
    ("clock_settime", "sets the machine's clock"),
    ("clock_adjtime", "adjusts the machine's clock"),
    ("adjtimex", "adjusts the machine's clock"),
    ("sethostname", "the host name is fixed by the sandbox"),
    ("setdomainname", "the domain name is fixed by the sandbox"),
    ("fanotify_init", "watches file activity across the host"),
    ("fanotify_mark", "watches file activity across the host"),
    ("uselib", "obsolete way of loading code"),
    ("vhangup", "hangs up the controlling terminal"),
];

/// The names of [`NEVER_ALLOWED_WITH_REASONS`], for code that only needs the list.
pub const NEVER_ALLOWED: &[&str] = &NEVER_ALLOWED_NAMES;

const NEVER_ALLOWED_NAMES: [&str; NEVER_ALLOWED_WITH_REASONS.len()] = {
    let mut names = [""; NEVER_ALLOWED_WITH_REASONS.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = NEVER_ALLOWED_WITH_REASONS[i].0;
        i += 1;
    }
    names
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_libc_numbers() {
        assert_eq!(number("read"), Some(libc::SYS_read));
        assert_eq!(number("openat"), Some(libc::SYS_openat));
        assert_eq!(number("clone3"), Some(libc::SYS_clone3));
        assert_eq!(number("io_uring_setup"), Some(libc::SYS_io_uring_setup));
        assert_eq!(
            number("landlock_restrict_self"),
            Some(libc::SYS_landlock_restrict_self)
        );
        assert_eq!(number("no_such_call"), None);
    }

    #[test]
    fn table_is_sorted_unique_and_round_trips() {
        assert!(SYSCALLS.windows(2).all(|w| w[0].1 < w[1].1));
        for (n, nr) in SYSCALLS {
            assert_eq!(number(n), Some(*nr), "{n}");
            assert_eq!(name(*nr), Some(*n), "{nr}");
        }
        assert_eq!(name(100_000), None);
    }

    #[test]
    fn every_never_allowed_name_is_a_real_syscall_listed_once() {
        for (i, n) in NEVER_ALLOWED.iter().enumerate() {
            assert!(number(n).is_some(), "{n} is not in the syscall table");
            assert!(!NEVER_ALLOWED[..i].contains(n), "{n} listed twice");
            assert!(never_allowed_reason(n).is_some_and(|r| !r.is_empty()));
        }
        assert_eq!(never_allowed_reason("read"), None);
    }
}
