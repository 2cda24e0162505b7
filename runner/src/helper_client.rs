//! Starting per-job sandbox helpers: fresh copies of this binary with a clean
//! environment (nothing of the runner's, such as its token, can reach a job).
//!
//! A helper is started with a profile only and builds and parks its sandbox at once
//! ("warm"); the job is sent later with `send_job`. `exec` does both back to back; the
//! worker keeps warm helpers ready so a claimed job only pays for Python's start.
//!
//! Where the profile allows it, the helper is forked from a warm interpreter (a
//! zygote, `sandpit_sandbox::zygote`) instead, and the job's program then runs in a
//! fork of that interpreter: the same protocol on the same pipes.

use sandpit_sandbox::cgroup::LentCgroup;
use sandpit_sandbox::cgroup_pool::CgroupLease;
use sandpit_sandbox::frames::{encode_named, write_frame, Kind};
use sandpit_sandbox::helper::HELPER_ARG;
use sandpit_sandbox::netns::NetnsLease;
use sandpit_sandbox::spec::{JobInput, PreparedProfile, WarmSpec};
use sandpit_sandbox::zygote::{ForkedHelper, Zygote};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Child, Command, Stdio};

pub struct HelperProcess {
    pub child: HelperChild,
    /// Frames to the helper; closing it means "cancel".
    pub stdin: File,
    /// Frames from the helper.
    pub stdout: File,
}

/// The helper's process: our own child, or a zygote's (watched through a pidfd).
pub enum HelperChild {
    Exec(Child),
    Forked {
        pidfd: OwnedFd,
        /// The network namespace and cgroup lent to its sandbox (let go with it).
        _netns: NetnsLease,
        cgroup: Option<CgroupLease>,
        /// `exec`'s own zygote, which lives as long as its one helper needs it.
        _zygote: Option<Zygote>,
    },
}

impl HelperChild {
    /// Wait until the helper has exited.
    pub fn wait(&mut self) {
        match self {
            HelperChild::Exec(child) => {
                let _ = child.wait();
            }
            HelperChild::Forked { pidfd, cgroup, .. } => {
                wait_pidfd(pidfd);
                // Back to the zygote's pool, which removes it (at once, here, not on
                // a thread a short-lived `exec` might not wait for) when it goes.
                if let Some(lease) = cgroup.take() {
                    lease.give_back();
                }
            }
        }
    }
}

/// Block until the process behind `pidfd` has exited (it turns readable then).
pub fn wait_pidfd(pidfd: &OwnedFd) {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    loop {
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            _ => return,
        }
    }
}

/// The helper's command line: this same binary, a clean environment, frames on its
/// stdin and stdout, its log on our stderr. (The worker wraps it in tokio's Command.)
pub fn helper_command() -> Command {
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg(HELPER_ARG)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// The `Profile` frame that makes a helper build and park a sandbox (in a cgroup the
/// runner lends it, if any).
pub fn warm_frame(profile: &PreparedProfile, cgroup: Option<&LentCgroup>) -> io::Result<Vec<u8>> {
    let warm = serde_json::to_vec(&WarmSpec {
        profile: profile.clone(),
        cgroup: cgroup.cloned(),
    })
    .map_err(io::Error::other)?;
    let mut frame = Vec::with_capacity(warm.len() + 5);
    write_frame(&mut frame, Kind::Profile, &warm)?;
    Ok(frame)
}

/// Spawn a helper and have it build a sandbox for `profile`: forked from a zygote of
/// our own where the profile allows it (so `exec` runs a program exactly as the
/// worker does), else exec'd.
pub fn spawn_warm(profile: &PreparedProfile) -> io::Result<HelperProcess> {
    if let Some(lib) = crate::profiles::zygote_lib(profile) {
        match Zygote::spawn(profile, &lib).and_then(|z| Ok((z.fork_helper()?, z))) {
            Ok((forked, zygote)) => return from_zygote(profile, forked, Some(zygote)),
            Err(e) => tracing::warn!("could not fork from a warm interpreter, starting one: {e}"),
        }
    }
    let mut child = helper_command().spawn()?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("helper stdin"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("helper stdout"))?;
    let mut stdin = File::from(OwnedFd::from(stdin));
    stdin.write_all(&warm_frame(profile, None)?)?;
    stdin.flush()?;
    Ok(HelperProcess {
        child: HelperChild::Exec(child),
        stdin,
        stdout: File::from(OwnedFd::from(stdout)),
    })
}

/// A helper a zygote forked, sent its profile.
pub fn from_zygote(
    profile: &PreparedProfile,
    forked: ForkedHelper,
    zygote: Option<Zygote>,
) -> io::Result<HelperProcess> {
    let mut stdin = File::from(forked.stdin);
    let lent = forked.cgroup.as_ref().map(|c| c.lent());
    stdin.write_all(&warm_frame(profile, lent)?)?;
    stdin.flush()?;
    Ok(HelperProcess {
        child: HelperChild::Forked {
            pidfd: forked.pidfd,
            _netns: forked.netns,
            cgroup: forked.cgroup,
            _zygote: zygote,
        },
        stdin,
        stdout: File::from(forked.stdout),
    })
}

/// The job's frames: the job itself, its files, then `Start`.
pub fn job_frames(input: &JobInput, files: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(input).map_err(io::Error::other)?;
    let mut msg = Vec::with_capacity(json.len() + 64);
    write_frame(&mut msg, Kind::Job, &json)?;
    for (name, data) in files {
        write_frame(&mut msg, Kind::File, &encode_named(name, data))?;
    }
    write_frame(&mut msg, Kind::Start, &[])?;
    Ok(msg)
}

impl HelperProcess {
    /// Hand a job to this (warm) helper. Stdin frames and cancel may follow on `stdin`;
    /// output frames come on `stdout`, ending with `Outcome`.
    pub fn send_job(&mut self, input: &JobInput, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        self.stdin.write_all(&job_frames(input, files)?)?;
        self.stdin.flush()
    }
}
