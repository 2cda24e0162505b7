//! Thin wrappers over the raw syscalls that neither `nix` nor `std` offer, each in one
//! place (new mount API, pidfd, close_range). Every wrapper returns `io::Result`.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

const OPEN_TREE_CLONE: libc::c_uint = 1;
const OPEN_TREE_CLOEXEC: libc::c_uint = libc::O_CLOEXEC as libc::c_uint;
const AT_RECURSIVE: libc::c_uint = 0x8000;
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;
const AT_EMPTY_PATH: libc::c_uint = 0x1000;
pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
pub const MOUNT_ATTR_NODEV: u64 = 0x4;
pub const MOUNT_ATTR_NOEXEC: u64 = 0x8;
const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;

/// `struct mount_attr` from <linux/mount.h>.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

fn cpath(path: &Path) -> io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn check(rc: libc::c_long) -> io::Result<libc::c_long> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// Clone the mount tree at `path` into a detached mount (`open_tree(OPEN_TREE_CLONE)`),
/// recursively. Done by the privileged parent, so the child can attach trees (like a
/// pyenv under a 0700 home) that its own unprivileged identity could not walk into.
pub fn open_tree_clone(path: &Path) -> io::Result<OwnedFd> {
    let c = cpath(path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call; the flags
    // are plain integers; the kernel returns a new fd or -1.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            c.as_ptr(),
            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE,
        )
    };
    let fd = check(rc)? as libc::c_int;
    // SAFETY: the kernel just returned this fd to us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Set mount attributes on a whole detached tree (`mount_setattr(AT_RECURSIVE)`).
pub fn mount_setattr_recursive(fd: BorrowedFd<'_>, set: u64) -> io::Result<()> {
    let attr = MountAttr {
        attr_set: set,
        attr_clr: 0,
        propagation: libc::MS_PRIVATE,
        userns_fd: 0,
    };
    let empty = c"";
    // SAFETY: `attr` is a correctly laid out `struct mount_attr` that lives across the
    // call and its size is passed; `empty` is a valid C string; `fd` is open.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            empty.as_ptr(),
            AT_EMPTY_PATH | AT_RECURSIVE,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    check(rc).map(|_| ())
}

/// Attach a detached mount (from `open_tree`) at `target`.
pub fn move_mount_to(fd: BorrowedFd<'_>, target: &Path) -> io::Result<()> {
    let t = cpath(target)?;
    let empty = c"";
    // SAFETY: both strings are valid and outlive the call; `fd` is an open mount fd.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            fd.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_FDCWD,
            t.as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    check(rc).map(|_| ())
}

/// A pidfd for `pid`, so the supervisor can poll for its exit without races.
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: plain integer arguments; returns a new fd or -1.
    let rc = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = check(rc)? as libc::c_int;
    // SAFETY: the kernel just returned this fd; we are its only owner.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Send a signal through a pidfd: never hits a recycled pid.
pub fn pidfd_send_signal(fd: BorrowedFd<'_>, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: `fd` is an open pidfd; a null siginfo is allowed; flags 0.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            fd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    check(rc).map(|_| ())
}

/// Close every fd in `first..=last`.
pub fn close_range(first: libc::c_uint, last: libc::c_uint) -> io::Result<()> {
    // SAFETY: plain integers; closes only this process's descriptors in the range,
    // which the caller has decided nobody uses.
    let rc = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
    check(rc).map(|_| ())
}

/// Mark every fd from `first` up as close-on-exec, whatever opened it.
pub fn close_range_cloexec(first: libc::c_uint) -> io::Result<()> {
    // SAFETY: plain integers; the call only flips fd flags.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        )
    };
    check(rc).map(|_| ())
}

/// clone(2) with these namespace flags but no new stack: like fork, the child goes on
/// from this call on a copy of the caller's stack, so it can return through the
/// caller's frames (a warm interpreter's, for the program's process). `None` in the
/// child, the child's pid in the parent.
pub fn clone_like_fork(flags: libc::c_int) -> io::Result<Option<libc::pid_t>> {
    // SAFETY: on x86-64 the arguments are (flags, stack, parent_tid, child_tid, tls);
    // a null stack means "the caller's, copied", as fork does, and no CLONE_VM,
    // CLONE_SETTLS or *_TID flag is passed, so the other pointers are unused. The
    // caller is single-threaded, so the child's copy of every lock is free.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_clone,
            libc::c_ulong::from((flags | libc::SIGCHLD) as u32),
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    match check(rc)? {
        0 => Ok(None),
        pid => Ok(Some(pid as libc::pid_t)),
    }
}
