//! Argument checks the sandbox always adds to a few allowed syscalls.
//!
//! These are facts of the sandbox, not settings: no policy can change them. They live
//! here, as data, so that the seccomp compiler and `policy explain` read the same list
//! and a reviewer's explanation can never drift from what is enforced.

/// `ioctl` requests the program may make (argument 1). Everything else is refused.
/// Only terminal and file-descriptor queries: Python asks these when it checks whether
/// stdout is a terminal or reads without blocking.
pub const IOCTL_ALLOWED_REQUESTS: &[(&str, u64)] = &[
    ("TCGETS", libc::TCGETS),
    ("TIOCGWINSZ", libc::TIOCGWINSZ),
    ("FIONREAD", libc::FIONREAD),
    ("FIONBIO", libc::FIONBIO),
    ("FIOCLEX", libc::FIOCLEX),
    ("FIONCLEX", libc::FIONCLEX),
];

/// `clone` flags (argument 0) that are always refused: every namespace flag, so that a
/// program can never build itself a namespace where it is root.
pub const CLONE_FORBIDDEN_FLAGS: &[(&str, u64)] = &[
    ("CLONE_NEWNS", libc::CLONE_NEWNS as u64),
    ("CLONE_NEWCGROUP", libc::CLONE_NEWCGROUP as u64),
    ("CLONE_NEWUTS", libc::CLONE_NEWUTS as u64),
    ("CLONE_NEWIPC", libc::CLONE_NEWIPC as u64),
    ("CLONE_NEWUSER", libc::CLONE_NEWUSER as u64),
    ("CLONE_NEWPID", libc::CLONE_NEWPID as u64),
    ("CLONE_NEWNET", libc::CLONE_NEWNET as u64),
    ("CLONE_NEWTIME", libc::CLONE_NEWTIME as u64),
];

/// `clone` flags that are refused, as one mask.
pub fn clone_forbidden_mask() -> u64 {
    CLONE_FORBIDDEN_FLAGS
        .iter()
        .fold(0, |mask, (_, f)| mask | f)
}

/// Address families `socket` may create (argument 0). Netlink, packet and the other
/// families reach kernel subsystems a Python beginner never needs.
pub const SOCKET_ALLOWED_FAMILIES: &[(&str, u64)] = &[
    ("AF_UNIX", libc::AF_UNIX as u64),
    ("AF_INET", libc::AF_INET as u64),
    ("AF_INET6", libc::AF_INET6 as u64),
];

/// The one `prctl` call that passes even when a policy does not allow `prctl`:
/// `PR_SET_DUMPABLE` with 1, making the calling process dumpable again. exec does
/// exactly that for an interpreter started in the sandbox; a program forked from a
/// warm interpreter (`zygote`) makes the call itself, under seccomp
/// (`child::become_program`). Every other option still gets the policy's default
/// action.
pub const PRCTL_ALLOWED: (&str, u64, u64) = ("PR_SET_DUMPABLE", libc::PR_SET_DUMPABLE as u64, 1);

/// One sentence per filtered call, for `policy explain`.
pub fn describe() -> Vec<(&'static str, String)> {
    let names = |list: &[(&str, u64)]| list.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    vec![
        (
            "ioctl",
            format!(
                "only the terminal and descriptor queries {}; any other request is refused",
                names(IOCTL_ALLOWED_REQUESTS)
            ),
        ),
        (
            "clone",
            format!(
                "only without namespace flags ({}); a clone asking for one is refused",
                names(CLONE_FORBIDDEN_FLAGS)
            ),
        ),
        (
            "socket",
            format!(
                "only the families {}; the job still has no network (empty network \
                 namespace, loopback down, Landlock denies TCP)",
                names(SOCKET_ALLOWED_FAMILIES)
            ),
        ),
        (
            "prctl",
            format!(
                "when the policy does not allow it: only {} with 1 (a process making \
                 itself dumpable, as exec does); every other option is refused",
                PRCTL_ALLOWED.0
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_x86_64_ones() {
        let ioctl = |n: &str| {
            IOCTL_ALLOWED_REQUESTS
                .iter()
                .find(|(k, _)| *k == n)
                .unwrap()
                .1
        };
        assert_eq!(ioctl("TCGETS"), 0x5401);
        assert_eq!(ioctl("TIOCGWINSZ"), 0x5413);
        assert_eq!(ioctl("FIOCLEX"), 0x5451);
        assert_eq!(clone_forbidden_mask(), 0x7E02_0080);
        assert_eq!((PRCTL_ALLOWED.1, PRCTL_ALLOWED.2), (4, 1));
        assert_eq!(
            SOCKET_ALLOWED_FAMILIES
                .iter()
                .map(|f| f.1)
                .collect::<Vec<_>>(),
            [1, 2, 10]
        );
    }
}
