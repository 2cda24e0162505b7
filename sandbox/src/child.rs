//! The sandboxed side: what the cloned child does, top to bottom, until it becomes the
//! job's tiny init (PID 1 of the new pid namespace) and starts the interpreter.
//!
//! Runs in a fresh single-threaded helper process (see `helper.rs`), so it may allocate.
//! Every step either succeeds or reports `(step, errno)` on the report pipe and exits;
//! the parent turns that into `internal_error`.

use crate::error::{AtStep, Step, StepError};
use crate::landlock_rules::LandlockPlan;
use crate::report::{Report, ReportWriter};
use crate::spec::{valid_file_name, CollectQuota, JobInput, PROGRAM_NAME};
use caps::CapSet;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{
    chdir, fork, pivot_root, sethostname, setresgid, setresuid, ForkResult, Gid, Pid, Uid,
};
use std::convert::Infallible;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{symlink, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The uid and gid the program runs as inside the sandbox.
pub const KID_ID: u32 = 1000;
/// The program's user name (in the generated /etc/passwd, and `USER`/`LOGNAME`).
pub const KID_USER: &str = "kid";
pub const HOSTNAME: &str = "sandpit";

/// A read-only tree to attach inside the new root.
pub struct TreeMount {
    /// Host path.
    pub source: PathBuf,
    /// Path inside the sandbox.
    pub target: PathBuf,
    /// Detached read-only mount cloned by a root parent; `None`: the child clones
    /// `source` itself.
    pub fd: Option<OwnedFd>,
    pub is_dir: bool,
}

/// Clone a host tree into a detached mount made read-only, nosuid and nodev
/// throughout (`open_tree` + recursive `mount_setattr`).
pub fn clone_read_only(src: &Path) -> Result<OwnedFd, StepError> {
    let fd = crate::sys::open_tree_clone(src).at(Step::OpenTree, "open_tree")?;
    let attrs = crate::sys::MOUNT_ATTR_RDONLY
        | crate::sys::MOUNT_ATTR_NOSUID
        | crate::sys::MOUNT_ATTR_NODEV;
    crate::sys::mount_setattr_recursive(fd.as_fd(), attrs).at(Step::OpenTree, "mount_setattr")?;
    Ok(fd)
}

/// The fds the child needs; all are close-on-exec until dup'ed onto 0–3.
pub struct ChildFds {
    pub sync_r: OwnedFd,
    /// The job (program, files, environment) arrives here once the sandbox is built.
    pub job_r: OwnedFd,
    pub report_w: OwnedFd,
    pub collect_w: OwnedFd,
    pub stdin_r: OwnedFd,
    pub stdout_w: OwnedFd,
    pub stderr_w: OwnedFd,
    pub events_w: OwnedFd,
    /// The helper's own stderr (the runner's log), close-on-exec: where the child
    /// explains a failed step in words. Never the program's stderr.
    pub log_w: OwnedFd,
}

/// Everything the child does, prepared by the parent before `clone`.
pub struct ChildPlan {
    /// Host directory where the new root's tmpfs is mounted (in the child's own mount
    /// namespace, so concurrent jobs may share it).
    pub newroot: PathBuf,
    pub trees: Vec<TreeMount>,
    /// Symlinks to create inside: (path, link text).
    pub symlinks: Vec<(PathBuf, PathBuf)>,
    /// Directories to hide under an empty read-only tmpfs.
    pub masks: Vec<PathBuf>,
    pub work_dir: PathBuf,
    /// Where /etc/localtime links (a zone file inside a read-only tree); `None`: UTC.
    pub local_time: Option<PathBuf>,
    pub work_dir_bytes: u64,
    pub tmp_bytes: u64,
    pub rlimits: Vec<(Resource, u64, u64)>,
    pub landlock: LandlockPlan,
    pub seccomp: Vec<seccompiler::BpfProgram>,
    pub exec_path: CString,
    pub argv: Vec<CString>,
    /// The clean environment; the job's own `SANDPIT_*` variables are added to it.
    pub base_env: Vec<(String, String)>,
    /// Start the interpreter while parked (the kid runtime's `sitecustomize` then
    /// waits for the job before Python opens the program): a job only pays for running
    /// its code. Needs the runtime; without it the interpreter starts with the job.
    pub warm_interpreter: bool,
    /// The program's process is forked from init and returns into the interpreter
    /// this process was forked from (a warm interpreter serving many jobs, see
    /// `zygote`), instead of exec'ing a new one. Needs `warm_interpreter`.
    pub kid_returns: bool,
}

/// What the program's process takes back into its interpreter when it returns from
/// the sandbox's set-up: the fd on which its job's environment arrives, as
/// `SANDPIT_START_FD` names it for an interpreter that init started.
#[derive(Debug)]
pub struct KidStart {
    pub start_fd: RawFd,
}

/// The variable naming the fd on which a warm interpreter waits for its job's
/// environment (read by the runtime's `sitecustomize`, then removed).
pub const START_FD_ENV: &str = "SANDPIT_START_FD";

/// Entry point inside the clone. Never returns to the caller's logic: it becomes init.
pub fn child_main(plan: &ChildPlan, fds: &ChildFds) -> isize {
    match child_run(plan, fds) {
        Err(code) => code,
        // Only a `kid_returns` plan returns, and those go through `child_main_forked`.
        Ok(_) => 1,
    }
}

/// Entry point in a child made by `sys::clone_like_fork`: init never returns from
/// here (it exits when the job is over, or at once on a failed step); the program's
/// process returns, confined, with what it needs to run the program.
pub fn child_main_forked(plan: &ChildPlan, fds: &ChildFds) -> KidStart {
    match child_run(plan, fds) {
        Ok(kid) => kid,
        // SAFETY: _exit ends this process at once; the failure was reported.
        Err(code) => unsafe { libc::_exit(code as libc::c_int) },
    }
}

/// Init's life (`Err` is its exit code), or `Ok` in the program's forked process.
fn child_run(plan: &ChildPlan, fds: &ChildFds) -> Result<KidStart, isize> {
    let report = ReportWriter(fds.report_w.as_raw_fd());
    // 0. The clone copied every fd of the helper, including the parent's ends of our
    //    pipes (holding them would hide EOF from the program and from our own "is the
    //    parent alive" checks) and whatever started the runner. Keep only ours. And die
    //    with the helper even while parked (set again after the uid change clears it).
    let mut keep: Vec<RawFd> = fds.raw().to_vec();
    keep.extend(
        plan.trees
            .iter()
            .filter_map(|t| t.fd.as_ref().map(|f| f.as_raw_fd())),
    );
    if let Err(e) = close_all_but(&keep) {
        report.send(Report::SetupFailed {
            step: Step::StdioSetup,
            errno: e.raw_os_error().unwrap_or(0),
        });
        return Err(1);
    }
    if nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL).is_err()
        || parent_gone(&fds.sync_r)
    {
        return Err(1);
    }
    // Files and directories we create must not depend on the umask of whoever
    // started the runner (0077 would lock the kid out of its own root's directories).
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    match setup_and_run(plan, fds, &report) {
        Ok(kid) => Ok(kid),
        Err(e) => {
            let line = format!("sandpit helper: sandboxed child failed: {e}\n");
            // SAFETY: writing a live buffer to an fd we own; best effort.
            let _ = unsafe { libc::write(fds.log_w.as_raw_fd(), line.as_ptr().cast(), line.len()) };
            report.send(Report::SetupFailed {
                step: e.step,
                errno: e.source.raw_os_error().unwrap_or(0),
            });
            Err(1)
        }
    }
}

impl ChildFds {
    fn raw(&self) -> [RawFd; 9] {
        [
            self.log_w.as_raw_fd(),
            self.sync_r.as_raw_fd(),
            self.job_r.as_raw_fd(),
            self.report_w.as_raw_fd(),
            self.collect_w.as_raw_fd(),
            self.stdin_r.as_raw_fd(),
            self.stdout_w.as_raw_fd(),
            self.stderr_w.as_raw_fd(),
            self.events_w.as_raw_fd(),
        ]
    }
}

/// The generated /etc: root, the kid (home = the work dir) and nobody, and their
/// groups. No shell: there is none in the sandbox.
fn etc_files(work_dir: &Path) -> [(&'static str, String); 2] {
    let home = work_dir.display();
    [
        (
            "passwd",
            format!(
                "root:x:0:0:root:/:/usr/sbin/nologin\n\
                 {KID_USER}:x:{KID_ID}:{KID_ID}:Sandpit:{home}:/usr/sbin/nologin\n\
                 nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
            ),
        ),
        (
            "group",
            format!("root:x:0:\n{KID_USER}:x:{KID_ID}:\nnogroup:x:65534:\n"),
        ),
    ]
}

/// Close every fd not in `keep` (the gaps between them, with close_range).
fn close_all_but(keep: &[RawFd]) -> std::io::Result<()> {
    let mut keep: Vec<u32> = keep.iter().map(|&f| f as u32).collect();
    keep.sort_unstable();
    let mut from = 0u32;
    for k in keep.into_iter().chain(std::iter::once(u32::MAX)) {
        if k > from {
            crate::sys::close_range(from, k - 1)?;
        }
        from = k.saturating_add(1);
    }
    Ok(())
}

fn wait_byte(fd: &OwnedFd, step: Step) -> Result<(), StepError> {
    let mut b = [0u8; 1];
    match nix::unistd::read(fd, &mut b).at(step, "read(sync)")? {
        1 => Ok(()),
        _ => Err(StepError::check(step, "read(sync)", "the parent went away")),
    }
}

fn inside(root: &Path, p: &Path) -> PathBuf {
    root.join(p.strip_prefix("/").unwrap_or(p))
}

fn mkdir_p(p: &Path, step: Step) -> Result<(), StepError> {
    std::fs::create_dir_all(p).at(step, "mkdir")
}

fn tmpfs(target: &Path, flags: MsFlags, opts: &str, step: Step) -> Result<(), StepError> {
    mount(Some("tmpfs"), target, Some("tmpfs"), flags, Some(opts)).at(step, "mount(tmpfs)")
}

const NOEXEC_DATA: MsFlags = MsFlags::MS_NOSUID
    .union(MsFlags::MS_NODEV)
    .union(MsFlags::MS_NOEXEC);

fn setup_and_run(
    plan: &ChildPlan,
    fds: &ChildFds,
    report: &ReportWriter,
) -> Result<KidStart, StepError> {
    let root = plan.newroot.as_path();

    // 1. Wait until the parent has written our uid/gid maps.
    wait_byte(&fds.sync_r, Step::WaitRelease)?;
    // 2. Drop host root's supplementary groups, then become root of our user namespace.
    nix::unistd::setgroups(&[]).at(Step::SetGroups, "setgroups")?;
    setresgid(Gid::from_raw(0), Gid::from_raw(0), Gid::from_raw(0))
        .at(Step::BecomeInnerRoot, "setresgid")?;
    setresuid(Uid::from_raw(0), Uid::from_raw(0), Uid::from_raw(0))
        .at(Step::BecomeInnerRoot, "setresuid")?;
    // 3. Our own hostname (UTS namespace).
    sethostname(HOSTNAME).at(Step::Hostname, "sethostname")?;
    // 4. Nothing we mount may propagate back to the host.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .at(Step::MountPrivate, "mount(/, MS_PRIVATE)")?;
    // 5. Read-only trees: exactly what the policy and the interpreter need. A root
    //    parent cloned them already; otherwise clone them now, before the new root
    //    covers its mount point.
    let mut cloned: Vec<OwnedFd> = Vec::new();
    for t in plan.trees.iter().filter(|t| t.fd.is_none()) {
        cloned.push(clone_read_only(&t.source)?);
    }
    // 6. A small tmpfs as the new root, on a mount point every uid can reach (in our
    //    private mount namespace it hides nothing of the host's).
    tmpfs(
        root,
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        "size=1m,mode=0755",
        Step::RootTmpfs,
    )?;
    let mut cloned = cloned.into_iter();
    for t in &plan.trees {
        let target = inside(root, &t.target);
        if t.is_dir {
            mkdir_p(&target, Step::BindReadOnly)?;
        } else {
            mkdir_p(target.parent().unwrap_or(root), Step::BindReadOnly)?;
            std::fs::File::create(&target).at(Step::BindReadOnly, "create(bind target)")?;
        }
        let own;
        let fd = match &t.fd {
            Some(fd) => fd,
            None => {
                own = cloned
                    .next()
                    .ok_or_else(|| StepError::check(Step::BindReadOnly, "clone", "missing tree"))?;
                &own
            }
        };
        crate::sys::move_mount_to(fd.as_fd(), &target).at(Step::BindReadOnly, "move_mount")?;
    }
    for m in &plan.masks {
        let ro = MsFlags::MS_RDONLY | NOEXEC_DATA;
        tmpfs(
            &inside(root, m),
            ro,
            "size=4k,mode=0555",
            Step::BindReadOnly,
        )?;
    }
    // 7. Symlinks (merged-/usr links like /lib64, the interpreter's own links).
    for (link, text) in &plan.symlinks {
        let l = inside(root, link);
        mkdir_p(l.parent().unwrap_or(root), Step::Symlinks)?;
        if std::fs::symlink_metadata(&l).is_err() {
            symlink(text, &l).at(Step::Symlinks, "symlink")?;
        }
    }
    // 8. The writable work dir and /tmp: size-limited, noexec, nosuid, nodev.
    let work = inside(root, &plan.work_dir);
    mkdir_p(&work, Step::WorkDir)?;
    let work_opts = format!(
        "size={},mode=0700,uid={KID_ID},gid={KID_ID}",
        plan.work_dir_bytes
    );
    tmpfs(&work, NOEXEC_DATA, &work_opts, Step::WorkDir)?;
    let tmp = root.join("tmp");
    mkdir_p(&tmp, Step::Tmp)?;
    tmpfs(
        &tmp,
        NOEXEC_DATA,
        &format!("size={},mode=1777", plan.tmp_bytes),
        Step::Tmp,
    )?;
    // 8b. A generated /etc naming the sandbox's users (nothing of the host's /etc):
    //     getpass.getuser(), pwd and `~user` work as on any Linux machine.
    let etc = root.join("etc");
    mkdir_p(&etc, Step::Etc)?;
    for (name, text) in etc_files(&plan.work_dir) {
        std::fs::write(etc.join(name), text).at(Step::Etc, "write(/etc file)")?;
    }
    if let Some(zone_file) = &plan.local_time {
        symlink(zone_file, etc.join("localtime")).at(Step::Etc, "symlink(/etc/localtime)")?;
    }
    // 9. A minimal /dev: null, zero, full, urandom (bound from the host).
    let dev = root.join("dev");
    mkdir_p(&dev, Step::Dev)?;
    tmpfs(
        &dev,
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        "size=64k,mode=0755",
        Step::Dev,
    )?;
    for node in ["null", "zero", "full", "urandom"] {
        let target = dev.join(node);
        std::fs::File::create(&target).at(Step::Dev, "create(dev node)")?;
        let host = PathBuf::from("/dev").join(node);
        mount(
            Some(&host),
            &target,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .at(Step::Dev, "mount(bind dev)")?;
    }
    for (name, to) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        symlink(to, dev.join(name)).at(Step::Dev, "symlink(/dev)")?;
    }
    let shm = dev.join("shm");
    mkdir_p(&shm, Step::Dev)?;
    let dev_ro = MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC;
    mount(
        None::<&str>,
        &dev,
        None::<&str>,
        dev_ro,
        Some("size=64k,mode=0755"),
    )
    .at(Step::Dev, "remount(/dev, ro)")?;
    // /dev/shm: POSIX shared memory and semaphores (multiprocessing's locks and
    // queues); its own small tmpfs, limited like /tmp and charged to the job's memory.
    tmpfs(
        &shm,
        NOEXEC_DATA,
        &format!("size={},mode=1777", plan.tmp_bytes),
        Step::Dev,
    )?;
    // 10. A fresh /proc for our pid namespace, showing only our processes.
    let proc_dir = root.join("proc");
    mkdir_p(&proc_dir, Step::Proc)?;
    mount(
        Some("proc"),
        &proc_dir,
        Some("proc"),
        NOEXEC_DATA,
        Some("subset=pid,hidepid=invisible"),
    )
    .at(Step::Proc, "mount(proc)")?;
    // 11. Switch root; the old root is detached; the new root becomes read-only.
    chdir(root).at(Step::PivotRoot, "chdir(newroot)")?;
    pivot_root(".", ".").at(Step::PivotRoot, "pivot_root")?;
    umount2(".", MntFlags::MNT_DETACH).at(Step::PivotRoot, "umount2(old root)")?;
    chdir("/").at(Step::PivotRoot, "chdir(/)")?;
    let root_ro = MsFlags::MS_REMOUNT
        | MsFlags::MS_BIND
        | MsFlags::MS_RDONLY
        | MsFlags::MS_NOSUID
        | MsFlags::MS_NODEV;
    mount(None::<&str>, "/", None::<&str>, root_ro, None::<&str>)
        .at(Step::RemountRootReadOnly, "remount(/, ro)")?;
    chdir(&plan.work_dir).at(Step::WorkDir, "chdir(work dir)")?;
    // 12. Wait until the parent attached us to the job's cgroup, then hide the host's
    //     cgroup paths behind our own cgroup namespace.
    wait_byte(&fds.sync_r, Step::WaitRelease)?;
    unshare(CloneFlags::CLONE_NEWCGROUP).at(Step::UnshareCgroup, "unshare(CLONE_NEWCGROUP)")?;
    // 13. Resource limits (CPU seconds, file size, open files, no core dumps, ...).
    for (res, soft, hard) in &plan.rlimits {
        setrlimit(*res, *soft, *hard).at(Step::Rlimits, "setrlimit")?;
    }
    // 14. The program's stdio and event fd become 0, 1, 2, 3; everything else closes
    //     at exec. The job's pipe is read through a File made now, while `fcntl` is
    //     still allowed.
    install_stdio(fds)?;
    crate::sys::close_range_cloexec(4).at(Step::StdioSetup, "close_range")?;
    let job_pipe = std::fs::File::from(fds.job_r.try_clone().at(Step::StdioSetup, "dup(job)")?);
    // A warm interpreter's start pipe: the read end survives exec (the interpreter
    // reads the job's environment from it), the write end stays with init.
    let start_pipe = if plan.warm_interpreter {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .at(Step::StdioSetup, "pipe2(start)")?;
        nix::fcntl::fcntl(
            &r,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
        )
        .at(Step::StdioSetup, "fcntl(start, F_SETFD)")?;
        Some((r, w))
    } else {
        None
    };
    // 15. Capabilities: bounding (needs CAP_SETPCAP, so first), ambient, inheritable;
    //     then the kid's uid/gid (which empties permitted/effective); then make sure.
    caps::clear(None, CapSet::Bounding)
        .map_err(|e| StepError::check(Step::DropBoundingCaps, "caps::clear", e.to_string()))?;
    caps::clear(None, CapSet::Ambient)
        .map_err(|e| StepError::check(Step::DropAmbientCaps, "caps::clear", e.to_string()))?;
    caps::clear(None, CapSet::Inheritable)
        .map_err(|e| StepError::check(Step::DropInheritableCaps, "caps::clear", e.to_string()))?;
    let kid_g = Gid::from_raw(KID_ID);
    let kid_u = Uid::from_raw(KID_ID);
    setresgid(kid_g, kid_g, kid_g).at(Step::SwitchToKidUser, "setresgid(kid)")?;
    setresuid(kid_u, kid_u, kid_u).at(Step::SwitchToKidUser, "setresuid(kid)")?;
    for set in [CapSet::Effective, CapSet::Permitted] {
        caps::clear(None, set)
            .map_err(|e| StepError::check(Step::DropEffectiveCaps, "caps::clear", e.to_string()))?;
    }
    for set in [
        CapSet::Bounding,
        CapSet::Ambient,
        CapSet::Inheritable,
        CapSet::Effective,
        CapSet::Permitted,
    ] {
        let held = caps::read(None, set)
            .map_err(|e| StepError::check(Step::VerifyCaps, "caps::read", e.to_string()))?;
        if !held.is_empty() {
            return Err(StepError::check(
                Step::VerifyCaps,
                "caps::read",
                format!("{set:?} not empty"),
            ));
        }
    }
    // 16. Die with the parent. Set after the last uid/cap change (which would clear it),
    //     then check the parent did not already go (the sync pipe would be hung up).
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
        .at(Step::ParentDeathSignal, "prctl(PDEATHSIG)")?;
    if parent_gone(&fds.sync_r) {
        return Err(StepError::check(
            Step::ParentDeathSignal,
            "poll(sync)",
            "the parent went away",
        ));
    }
    // 17. Our init's /proc entries become root-owned and unreadable to the program.
    nix::sys::prctl::set_dumpable(false).at(Step::NotDumpable, "prctl(DUMPABLE)")?;
    // 18. Landlock: reads/exec only on the read-only trees, read/write (no exec) on the
    //     work dir and /tmp; no TCP; no signals or abstract sockets outside. Also sets
    //     no_new_privs.
    plan.landlock.restrict_self()?;
    // 19. seccomp, last of the layers: from here on only allowlisted calls work.
    for prog in &plan.seccomp {
        seccompiler::apply_filter(prog)
            .map_err(|e| StepError::check(Step::Seccomp, "seccomp", e.to_string()))?;
    }
    // 19b. A program that returns into its forked interpreter is forked now, with
    //      every layer of init's (one Landlock domain and one seccomp stack for the
    //      job, as after an exec); it then only makes itself dumpable again and closes
    //      init's fds (`become_program`).
    let mut forked_program = None;
    if plan.kid_returns {
        let Some((start_r, start_w)) = &start_pipe else {
            return Err(StepError::check(
                Step::ForkInterpreter,
                "plan",
                "a returning program needs the warm interpreter's start pipe",
            ));
        };
        let mut init_fds = vec![job_pipe.as_raw_fd(), start_w.as_raw_fd()];
        init_fds.extend(
            plan.trees
                .iter()
                .filter_map(|t| t.fd.as_ref().map(|f| f.as_raw_fd())),
        );
        init_fds.extend(fds.raw());
        let start_fd = start_r.as_raw_fd();
        // SAFETY: this process is single-threaded (a copy of the single-threaded
        // helper), so the child may allocate and use any library state.
        match unsafe { fork() }.at(Step::ForkInterpreter, "fork")? {
            ForkResult::Child => {
                // `become_program` closes these; their owners must not close them
                // again (or whatever reuses their numbers) on the way out.
                std::mem::forget(job_pipe);
                std::mem::forget(start_pipe);
                return become_program(fds, start_fd, &init_fds);
            }
            ForkResult::Parent { child } => forked_program = Some(child),
        }
    }
    // 20. Parked, every layer in place: the job's data is only ever handled by this
    //     confined process (the kid's user, Landlock, seccomp). When it arrives, the
    //     program and its files are created fresh in the empty work dir. A warm
    //     interpreter is already running by then, waiting in its start-up for the job's
    //     environment; otherwise it starts now.
    let (interpreter, job) = match (start_pipe, forked_program) {
        (Some((start_r, start_w)), Some(program)) => {
            let job = receive_job(job_pipe, &plan.work_dir)?;
            release_interpreter(start_w, &job.env)?;
            drop(start_r);
            (program, job)
        }
        (Some((start_r, start_w)), None) => {
            let mut env = plan.base_env.clone();
            env.push((START_FD_ENV.to_string(), start_r.as_raw_fd().to_string()));
            let interpreter = spawn_interpreter(plan, &env, report)?;
            // init keeps `start_r` open: the pipe always has a reader, so handing
            // over the environment never raises SIGPIPE, whatever the interpreter did.
            let job = receive_job(job_pipe, &plan.work_dir)?;
            release_interpreter(start_w, &job.env)?;
            drop(start_r);
            (interpreter, job)
        }
        (None, _) => {
            let job = receive_job(job_pipe, &plan.work_dir)?;
            let env: Vec<_> = plan.base_env.iter().chain(&job.env).cloned().collect();
            (spawn_interpreter(plan, &env, report)?, job)
        }
    };
    report.send(Report::Started);
    // 21. Stay as init: reap everything, pass on how the program ended.
    match be_init(plan, interpreter, &job, fds, report)? {}
}

/// The program's own process, forked from init at 19b, on its way back into the
/// interpreter: what exec would have done (a process whose uid changed was left
/// undumpable; exec of an ordinary file makes it dumpable again, so its /proc files
/// are its own: the one `prctl` seccomp lets through, `PRCTL_ALLOWED`), then every fd
/// of init's closes but its stdio, event fd and start pipe; the report pipe last, so
/// a failure is still reported.
fn become_program(
    fds: &ChildFds,
    start_fd: RawFd,
    init_fds: &[RawFd],
) -> Result<KidStart, StepError> {
    nix::sys::prctl::set_dumpable(true).at(Step::NotDumpable, "prctl(DUMPABLE)")?;
    let report_fd = fds.report_w.as_raw_fd();
    for &fd in init_fds {
        if fd > 3 && fd != start_fd && fd != report_fd {
            // SAFETY: closing an fd of init's that this process inherited; its
            // owner is forgotten (or never dropped) in this process.
            unsafe { libc::close(fd) };
        }
    }
    // SAFETY: as above, last.
    unsafe { libc::close(report_fd) };
    Ok(KidStart { start_fd })
}

/// The job as the child receives it.
struct ReceivedJob {
    env: Vec<(String, String)>,
    collect: Option<CollectQuota>,
}

/// Read the job from its pipe and create the program and its files in the (empty)
/// work dir.
fn receive_job(mut r: std::fs::File, work_dir: &Path) -> Result<ReceivedJob, StepError> {
    use crate::frames::{decode_named, read_frame, Kind};
    let bad = |what: &str| StepError::check(Step::WriteFiles, "read(job)", what.to_string());
    let mut input: Option<JobInput> = None;
    let mut files = Vec::new();
    loop {
        match read_frame(&mut r).at(Step::WriteFiles, "read(job)")? {
            Some((Kind::Job, p)) => {
                input = Some(serde_json::from_slice(&p).map_err(|_| bad("job"))?)
            }
            Some((Kind::File, p)) => {
                let (name, data) = decode_named(&p).ok_or_else(|| bad("file frame"))?;
                if !valid_file_name(&name) || name == PROGRAM_NAME {
                    return Err(bad("file name"));
                }
                files.push((name, data.to_vec()));
            }
            Some((Kind::Start, _)) => break,
            None if input.is_none() => {
                // The helper let this warm sandbox go without a job (shutdown, pool
                // trimmed): nothing failed, nothing to report.
                // SAFETY: _exit ends this process at once; it owns nothing that needs
                // flushing.
                unsafe { libc::_exit(0) }
            }
            _ => return Err(bad("no job")),
        }
    }
    let input = input.ok_or_else(|| bad("no job"))?;
    input.validate().map_err(|e| bad(&e))?;
    write_new_file(&work_dir.join(PROGRAM_NAME), input.code.as_bytes())?;
    for (name, data) in &files {
        write_new_file(&work_dir.join(name), data)?;
    }
    Ok(ReceivedJob {
        env: input.env,
        collect: input.collect,
    })
}

/// Created by init as the kid's user, so the kid owns it.
fn write_new_file(path: &Path, data: &[u8]) -> Result<(), StepError> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o644)
        .open(path)
        .at(Step::WriteFiles, "open(work file)")?;
    f.write_all(data).at(Step::WriteFiles, "write(work file)")
}

fn install_stdio(fds: &ChildFds) -> Result<(), StepError> {
    // First move every source above 3, so dup2 onto 0..3 can't clobber a source.
    let sources = [&fds.stdin_r, &fds.stdout_w, &fds.stderr_w, &fds.events_w];
    let mut high: [RawFd; 4] = [-1; 4];
    for (i, fd) in sources.iter().enumerate() {
        // SAFETY: F_DUPFD_CLOEXEC on an fd we own returns a new fd or -1.
        let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
        if r < 0 {
            return Err(StepError::new(
                Step::StdioSetup,
                "fcntl(F_DUPFD)",
                std::io::Error::last_os_error(),
            ));
        }
        high[i] = r;
    }
    for (target, src) in high.iter().enumerate() {
        // SAFETY: dup2 onto 0..3 replaces this process's stdio only; both fds are valid.
        // dup2 clears FD_CLOEXEC on the new descriptor.
        if unsafe { libc::dup2(*src, target as RawFd) } < 0 {
            return Err(StepError::new(
                Step::StdioSetup,
                "dup2",
                std::io::Error::last_os_error(),
            ));
        }
        // SAFETY: closing the temporary copy we made above.
        unsafe { libc::close(*src) };
    }
    Ok(())
}

/// The parent holds the sync pipe's write end for the whole job: a hang-up means it is
/// gone. (Unread sync bytes make the pipe readable too; only the hang-up counts.)
fn parent_gone(sync_r: &OwnedFd) -> bool {
    use nix::poll::{poll, PollFd, PollFlags};
    let mut pfd = [PollFd::new(sync_r.as_fd(), PollFlags::empty())];
    match poll(&mut pfd, 0u16) {
        Ok(0) => false,
        Ok(_) => pfd[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR)),
        Err(_) => true,
    }
}

/// Fork the interpreter with this environment (exec'd at once; a failed exec is
/// reported as such).
fn spawn_interpreter(
    plan: &ChildPlan,
    env: &[(String, String)],
    report: &ReportWriter,
) -> Result<Pid, StepError> {
    let envp = env
        .iter()
        .map(|(k, v)| CString::new(format!("{k}={v}")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| StepError::check(Step::ExecInterpreter, "env", "NUL byte"))?;
    // SAFETY: this process is single-threaded (the helper never starts threads), so the
    // child may do anything before exec.
    match unsafe { fork() }.at(Step::ForkInterpreter, "fork")? {
        ForkResult::Child => {
            let err = nix::unistd::execve(&plan.exec_path, &plan.argv, &envp).unwrap_err();
            report.send(Report::SetupFailed {
                step: Step::ExecInterpreter,
                errno: err as i32,
            });
            // SAFETY: _exit is always safe; it skips atexit handlers of the copied image.
            unsafe { libc::_exit(127) }
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

/// Hand a warm interpreter its job's environment and close the pipe: the end of the
/// message is its signal to go on. The message is a NUL, then `NAME=value` entries
/// each ended by a NUL: never empty, so it can't be mistaken for "no job" (a pipe
/// closed with nothing in it), even when the job adds no variables.
fn release_interpreter(start_w: OwnedFd, env: &[(String, String)]) -> Result<(), StepError> {
    use std::io::Write;
    let mut message = vec![0u8];
    for (k, v) in env {
        message.extend_from_slice(format!("{k}={v}").as_bytes());
        message.push(0);
    }
    // Far below a pipe's buffer, so the write completes even if nobody reads it.
    if message.len() > 4096 {
        return Err(StepError::check(
            Step::ExecInterpreter,
            "write(start)",
            "job environment too large",
        ));
    }
    std::fs::File::from(start_w)
        .write_all(&message)
        .at(Step::ExecInterpreter, "write(start)")
}

/// PID 1 of the job: reap every process, and when the interpreter ends kill whatever
/// it left behind (daemons, double forks), optionally collect the work dir's files,
/// report, exit.
fn be_init(
    plan: &ChildPlan,
    child: Pid,
    job: &ReceivedJob,
    fds: &ChildFds,
    report: &ReportWriter,
) -> Result<Infallible, StepError> {
    // Init keeps no copy of the program's stdio: once the program and its descendants
    // are gone, the parent sees EOF.
    for fd in 0..4 {
        // SAFETY: closing our own stdio copies; nothing in init uses them any more.
        unsafe { libc::close(fd) };
    }
    let mut program_end: Option<Report> = None;
    loop {
        match waitpid(Pid::from_raw(-1), None) {
            Ok(WaitStatus::Exited(pid, code)) if pid == child => {
                program_end = Some(Report::Exited(code));
                kill_everything_else();
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) if pid == child => {
                program_end = Some(Report::Signaled(sig as i32));
                kill_everything_else();
            }
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => break, // ECHILD: nothing left to reap
        }
    }
    if let Some(q) = job.collect {
        crate::collect::send_work_files(&plan.work_dir, q, fds.collect_w.as_raw_fd());
    }
    report.send(program_end.unwrap_or(Report::Exited(255)));
    // SAFETY: _exit ends init; the kernel then tears down the pid namespace.
    unsafe { libc::_exit(0) }
}

fn kill_everything_else() {
    // As PID 1 of the namespace, kill(-1) reaches every other process in it.
    let _ = nix::sys::signal::kill(Pid::from_raw(-1), nix::sys::signal::Signal::SIGKILL);
}
