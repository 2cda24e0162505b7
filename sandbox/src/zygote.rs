//! Warm interpreters that fork jobs ("zygotes"; docs/design-warm-fork.md).
//!
//! A zygote is the profile's interpreter started once, on the host, as
//! `python3 /work/main.py` with the program's clean environment, in a private mount
//! namespace that hides what the sandbox would not show it (host site-packages and
//! their `.pth` files, user site directories under `/work`, locales); the policy's
//! preloads are imported there once. Its start-up hook
//! (`_sandpit_zygote` in the kid runtime) loads this crate as a C library and loops:
//! [`receive_request`], `os.fork()`, [`reply`] with the helper's pid; the forked
//! helper calls [`become_helper`], which runs the ordinary helper protocol
//! (`helper::helper_main_forked`) on the pipes the runner passed. The helper builds
//! the sandbox exactly as an exec'd helper does; only the program's process, forked
//! by the sandbox's init and fully confined, returns from `become_helper` into the
//! interpreter, which then waits for its job in the kid runtime and runs
//! `/work/main.py` as a script.
//!
//! No job data ever reaches the zygote: it only forks. The runner's side is
//! [`Zygote`]: it starts one and asks it for helpers, lending each an empty network
//! namespace (`netns`) that its sandbox joins instead of making one, and on cgroup v1
//! a cgroup (`cgroup_pool`) that it adopts instead of making one.

use crate::cgroup::CgroupLimits;
use crate::cgroup_pool::{CgroupLease, CgroupPool};
use crate::child::KidStart;
use crate::hostids::IdMapping;
use crate::netns::{NetnsLease, NetnsPool};
use crate::policy::Requirement;
use crate::spec::{PreparedProfile, RUNTIME_MOUNT};
use nix::sys::socket::{
    recvmsg, sendmsg, setsockopt, socketpair, sockopt, AddressFamily, ControlMessage,
    ControlMessageOwned, MsgFlags, SockFlag, SockType,
};
use std::ffi::CString;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The fd on which a zygote receives requests.
pub const ZYGOTE_FD: RawFd = 3;
/// The start-up hook's directory inside the kid runtime (on the zygote's PYTHONPATH
/// instead of the runtime itself).
pub const BOOTSTRAP_DIR: &str = "_sandpit_zygote";
/// The helper's four fds: its stdin (frames from the runner), stdout (frames to the
/// runner), stderr (the runner's log), and the network namespace its sandbox joins.
pub const HELPER_FDS: usize = 4;
/// How long the runner waits for a zygote to answer before giving up on it.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------
// The zygote's side.

/// The next request on the runner's socket: the helper's four fds. `Err` when the
/// runner went away (end of file) or the socket broke: the zygote then exits.
pub fn receive_request(socket: RawFd) -> io::Result<[OwnedFd; HELPER_FDS]> {
    loop {
        let mut byte = [0u8; 1];
        let mut iov = [IoSliceMut::new(&mut byte)];
        let mut space = nix::cmsg_space!([RawFd; HELPER_FDS]);
        let msg = match recvmsg::<()>(
            socket,
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => other.map_err(io::Error::from)?,
        };
        let mut fds = Vec::new();
        for c in msg.cmsgs().map_err(io::Error::from)? {
            if let ControlMessageOwned::ScmRights(raw) = c {
                // SAFETY: the kernel just installed these fds in this process for us.
                fds.extend(
                    raw.into_iter()
                        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        if msg.bytes == 0 && fds.is_empty() {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        if !msg.flags.contains(MsgFlags::MSG_CTRUNC) {
            if let Ok(fds) = <[OwnedFd; HELPER_FDS]>::try_from(fds) {
                return Ok(fds);
            }
        }
        // Anything else is not from our runner's code: dropped (its fds closed).
    }
}

/// Tell the runner the pid of the helper just forked for its request.
pub fn reply(socket: RawFd, pid: libc::pid_t) -> io::Result<()> {
    let pid = pid.to_le_bytes();
    sendmsg::<()>(socket, &[IoSlice::new(&pid)], &[], MsgFlags::empty(), None)
        .map(|_| ())
        .map_err(io::Error::from)
}

/// In a helper the zygote just forked (with `os.fork`, so the interpreter did its own
/// fork bookkeeping): the helper joins the lent network namespace, the request's
/// pipes become fds 0–2, every other fd closes (the zygote's socket among them), then
/// the helper protocol runs. Returns only in the job's program process.
pub fn become_helper(fds: [RawFd; HELPER_FDS]) -> KidStart {
    let fail = |what: &str| -> ! {
        let msg = format!("sandpit zygote: helper set-up failed: {what}\n");
        // SAFETY: writing a live buffer to fd 2; best effort.
        let _ = unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        // SAFETY: _exit ends this process at once.
        unsafe { libc::_exit(1) }
    };
    // The received fds are above 2 (the zygote's own 0–2 are open), so no dup2 below
    // replaces a source before it is copied.
    if fds.iter().any(|&fd| fd <= 2) {
        fail("fds");
    }
    let [stdin, stdout, stderr, netns] = fds;
    // SAFETY: the zygote received this fd for us and closes its copy only after the
    // fork; it stays open until close_range below.
    let netns = unsafe { BorrowedFd::borrow_raw(netns) };
    // Fail closed: a helper that can't join its namespace builds no sandbox (its
    // sandbox would otherwise share the zygote's, the host's, network).
    if crate::netns::join(netns).is_err() {
        fail("setns(network namespace)");
    }
    for (target, fd) in [stdin, stdout, stderr].iter().enumerate() {
        // SAFETY: dup2 onto this process's own stdio; both fds are valid.
        if unsafe { libc::dup2(*fd, target as RawFd) } < 0 {
            fail("dup2");
        }
    }
    if crate::sys::close_range(3, libc::c_uint::MAX).is_err() {
        fail("close_range");
    }
    crate::helper::helper_main_forked()
}

// ---------------------------------------------------------------------------------
// The runner's side.

/// Why a profile's jobs can't be forked from a zygote (they then start their own
/// interpreter, as before), or `None` when they can.
pub fn unsupported(profile: &PreparedProfile) -> Option<&'static str> {
    if profile.runtime_dir.is_none() {
        Some("the kid runtime is off (the zygote's start-up hook is part of it)")
    } else if profile.host.ids != IdMapping::Root {
        Some("the runner is not root (the zygote's private mount namespace needs it)")
    } else {
        None
    }
}

/// A running zygote for one profile.
pub struct Zygote {
    child: Child,
    socket: OwnedFd,
    netns: Arc<NetnsPool>,
    cgroups: Option<Arc<CgroupPool>>,
}

/// A helper forked by a zygote: not our child, so it is watched and killed through a
/// pidfd.
pub struct ForkedHelper {
    pub pid: i32,
    pub pidfd: OwnedFd,
    /// Frames to the helper.
    pub stdin: OwnedFd,
    /// Frames from the helper.
    pub stdout: OwnedFd,
    /// The network namespace its sandbox joined: give it back once the helper has
    /// exited normally, drop it otherwise.
    pub netns: NetnsLease,
    /// The cgroup lent to its sandbox (tell the helper in its profile frame), with
    /// the same rule.
    pub cgroup: Option<CgroupLease>,
}

impl Zygote {
    /// Start a zygote for `profile` with the C library at `lib`. Its stderr is
    /// copied to ours (a thread) so its complaints reach the runner's log.
    pub fn spawn(profile: &PreparedProfile, lib: &Path) -> io::Result<Zygote> {
        if let Some(why) = unsupported(profile) {
            return Err(io::Error::other(why));
        }
        let runtime = profile
            .runtime_dir
            .as_ref()
            .ok_or_else(|| io::Error::other("no runtime"))?;
        let bootstrap = runtime.join(BOOTSTRAP_DIR);
        if !bootstrap.join("sitecustomize.py").is_file() {
            return Err(io::Error::other(format!(
                "{} has no zygote start-up hook",
                runtime.display()
            )));
        }
        // The zygote runs this code with the runner's privileges (root): only files
        // nobody else could have changed.
        for path in [
            bootstrap.join("sitecustomize.py"),
            bootstrap.clone(),
            lib.to_path_buf(),
        ] {
            only_ours(&path)?;
        }
        let command = crate::launch::program_command(profile);
        let mut env: Vec<(String, String)> = command
            .env
            .into_iter()
            .filter(|(k, _)| k != "PYTHONPATH")
            .collect();
        env.push(("PYTHONPATH".into(), bootstrap.display().to_string()));
        env.push(("SANDPIT_ZYGOTE_FD".into(), ZYGOTE_FD.to_string()));
        env.push(("SANDPIT_ZYGOTE_LIB".into(), lib.display().to_string()));
        env.push(("SANDPIT_ZYGOTE_RUNTIME".into(), RUNTIME_MOUNT.into()));
        let hide = hidden_dirs(profile)?;

        let (ours, theirs) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(io::Error::from)?;
        let timeout = nix::sys::time::TimeVal::new(ANSWER_TIMEOUT.as_secs() as i64, 0);
        setsockopt(&ours, sockopt::ReceiveTimeout, &timeout).map_err(io::Error::from)?;
        setsockopt(&ours, sockopt::SendTimeout, &timeout).map_err(io::Error::from)?;
        let theirs_fd = theirs.as_raw_fd();
        let mut cmd = Command::new(&command.exec_path);
        cmd.arg(&command.program)
            .env_clear()
            .envs(env)
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: the closure runs in the forked child before exec, where only
        // async-signal-safe calls are allowed: it makes no allocation (every string was
        // made above) and calls only dup2, fcntl, unshare and mount.
        unsafe {
            cmd.pre_exec(move || {
                if theirs_fd == ZYGOTE_FD {
                    if libc::fcntl(ZYGOTE_FD, libc::F_SETFD, 0) < 0 {
                        return Err(io::Error::last_os_error());
                    }
                } else if libc::dup2(theirs_fd, ZYGOTE_FD) < 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::unshare(libc::CLONE_NEWNS) < 0 {
                    return Err(io::Error::last_os_error());
                }
                let none = std::ptr::null::<libc::c_char>();
                let root = c"/".as_ptr();
                if libc::mount(
                    none,
                    root,
                    none,
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) < 0
                {
                    return Err(io::Error::last_os_error());
                }
                let flags = libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
                for dir in &hide {
                    if libc::mount(
                        c"tmpfs".as_ptr(),
                        dir.as_ptr(),
                        c"tmpfs".as_ptr(),
                        flags,
                        c"size=4k,mode=0555".as_ptr().cast(),
                    ) < 0
                    {
                        return Err(io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn()?;
        drop(theirs);
        // Its stdin and stdout are pipes as a job's are (Python looks at them once, at
        // start-up), with nothing behind them.
        drop(child.stdin.take());
        drop(child.stdout.take());
        if let Some(mut err) = child.stderr.take() {
            std::thread::spawn(move || {
                let _ = io::copy(&mut err, &mut io::stderr());
            });
        }
        let limits = &profile.policy.limits;
        let cgroups = match profile.policy.layers.cgroups {
            Requirement::Required => CgroupPool::new(CgroupLimits {
                memory_bytes: limits.memory_bytes,
                pids: limits.pids,
                cpu_percent: limits.cpu_percent,
            }),
            Requirement::Off => None,
        };
        Ok(Zygote {
            child,
            socket: ours,
            netns: NetnsPool::new(),
            cgroups,
        })
    }

    /// Fork a helper. Blocking (at most `ANSWER_TIMEOUT`); an error means this zygote
    /// is no use any more.
    pub fn fork_helper(&self) -> io::Result<ForkedHelper> {
        let netns = self.netns.lease()?;
        let cgroup = self.cgroups.as_ref().map(|p| p.lease()).transpose()?;
        let (in_r, in_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let (out_r, out_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let err = io::stderr().as_fd().try_clone_to_owned()?;
        let fds = [
            in_r.as_raw_fd(),
            out_w.as_raw_fd(),
            err.as_raw_fd(),
            netns.fd().as_raw_fd(),
        ];
        let cmsg = [ControlMessage::ScmRights(&fds)];
        sendmsg::<()>(
            self.socket.as_raw_fd(),
            &[IoSlice::new(b"F")],
            &cmsg,
            MsgFlags::empty(),
            None,
        )
        .map_err(io::Error::from)?;
        drop((in_r, out_w, err));
        let mut answer = [0u8; 4];
        let n = loop {
            let mut iov = [IoSliceMut::new(&mut answer)];
            match recvmsg::<()>(self.socket.as_raw_fd(), &mut iov, None, MsgFlags::empty()) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(io::Error::from(e)),
                Ok(m) => break m.bytes,
            }
        };
        if n != answer.len() {
            return Err(io::Error::other("the zygote went away"));
        }
        let pid = i32::from_le_bytes(answer);
        // The helper can't have exited yet: it waits for its profile frame on the
        // stdin we hold, so this pid is still the helper's.
        let pidfd = crate::sys::pidfd_open(pid)?;
        Ok(ForkedHelper {
            pid,
            pidfd,
            stdin: in_w,
            stdout: out_r,
            netns,
            cgroup,
        })
    }

    /// The zygote's pid (for logs).
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Zygote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Directories to cover with an empty read-only tmpfs in the zygote's mount namespace,
/// so that its start-up sees what a sandboxed interpreter would: the installation's
/// masked directories, every host site-packages directory the sandbox does not bind
/// (with its `.pth` files, which would otherwise run in the zygote), and the user site
/// directories under the program's home (`/work/.local`), where they exist on the
/// host.
/// `path` (and every directory above it) belongs to root or to us and is writable by
/// no one else: what a process with our privileges may load and run.
fn only_ours(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let me = nix::unistd::geteuid().as_raw();
    let full = path.canonicalize()?;
    for p in full.ancestors() {
        let m = std::fs::metadata(p)?;
        let sticky_dir = m.is_dir() && m.mode() & 0o1000 != 0;
        if (m.uid() != 0 && m.uid() != me) || (m.mode() & 0o022 != 0 && !sticky_dir) {
            return Err(io::Error::other(format!(
                "{} is not trusted to run as the runner: {} belongs to uid {} with mode {:o}",
                path.display(),
                p.display(),
                m.uid(),
                m.mode() & 0o7777
            )));
        }
    }
    Ok(())
}

/// Host directories an interpreter reads while it starts that a sandbox does not bind
/// (unless its policy does).
const HOST_ONLY_AT_START: &[&str] = &["/usr/lib/locale"];

fn hidden_dirs(profile: &PreparedProfile) -> io::Result<Vec<CString>> {
    let interp = &profile.interpreter;
    let shown: Vec<&PathBuf> = profile
        .policy
        .filesystem
        .read_only
        .iter()
        .chain(&interp.binds)
        .collect();
    let mut hide: Vec<PathBuf> = interp.masks.clone();
    for site in &interp.site_dirs {
        let bound = shown.iter().any(|s| site.starts_with(s));
        let masked = interp.masks.iter().any(|m| site.starts_with(m));
        if !bound || masked {
            hide.push(site.clone());
        }
    }
    hide.push(profile.policy.filesystem.work_dir.join(".local"));
    // The locales: a sandbox has none, so its interpreter falls back to the C locale
    // (and UTF-8 mode); the zygote must start the same way.
    for dir in HOST_ONLY_AT_START {
        let dir = PathBuf::from(dir);
        if !shown.iter().any(|s| dir.starts_with(s)) {
            hide.push(dir);
        }
    }
    hide.sort();
    hide.dedup();
    hide.retain(|d| d.is_dir());
    hide.iter()
        .map(|d| {
            CString::new(d.as_os_str().as_bytes())
                .map_err(|_| io::Error::other("NUL byte in a path"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn code_others_could_change_is_never_run_as_the_runner() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hook = dir.path().join("hook").join("sitecustomize.py");
        std::fs::create_dir(hook.parent().unwrap()).unwrap();
        std::fs::write(&hook, "pass\n").unwrap();
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        mode(dir.path(), 0o755);
        mode(hook.parent().unwrap(), 0o755);
        mode(&hook, 0o644);
        only_ours(&hook).expect("a file only we can change");
        mode(&hook, 0o666);
        assert!(only_ours(&hook).is_err(), "a world-writable file");
        mode(&hook, 0o644);
        mode(hook.parent().unwrap(), 0o775);
        assert!(
            only_ours(&hook).is_err(),
            "a group-writable directory above it"
        );
    }
}
