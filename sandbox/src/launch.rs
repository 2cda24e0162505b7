//! The parent side of starting a job: everything up to a released, cgroup-attached
//! sandboxed child. Runs in the single-threaded helper process.

use crate::cgroup::{CgroupHost, CgroupLimits, JobCgroup, LentCgroup};
use crate::child::{
    child_main, child_main_forked, ChildFds, ChildPlan, KidStart, TreeMount, KID_ID,
};
use crate::error::{AtStep, Step, StepError};
use crate::frames::{encode_named, write_frame, Kind};
use crate::hostids::{HostSetup, IdMapping, NEWGIDMAP, NEWUIDMAP};
use crate::landlock_rules::{LandlockPlan, PathAccess};
use crate::policy::Requirement;
use crate::spec::{JobInput, PreparedProfile, EVENT_FD, PROGRAM_NAME, RUNTIME_MOUNT, ZONEINFO};
use crate::uidslot::UidSlot;
use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::resource::Resource;
use nix::unistd::{pipe2, Pid};
use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

const CHILD_STACK: usize = 1 << 20;

/// The fixed, clean environment every program gets (the policy and runtime add to it).
fn base_env(exec_path: &Path, work_dir: &Path) -> Vec<(String, String)> {
    let bin = exec_path
        .parent()
        .unwrap_or(Path::new("/usr/bin"))
        .display()
        .to_string();
    let path = if bin == "/usr/bin" {
        "/usr/bin:/bin".to_string()
    } else {
        format!("{bin}:/usr/bin:/bin")
    };
    vec![
        ("PATH".into(), path),
        ("HOME".into(), work_dir.display().to_string()),
        ("USER".into(), crate::child::KID_USER.into()),
        ("LOGNAME".into(), crate::child::KID_USER.into()),
        ("TMPDIR".into(), "/tmp".into()),
        ("LANG".into(), "C.UTF-8".into()),
        ("PYTHONIOENCODING".into(), "utf-8".into()),
        ("PYTHONUNBUFFERED".into(), "1".into()),
        ("PYTHONDONTWRITEBYTECODE".into(), "1".into()),
    ]
}

fn cstring(s: impl AsRef<[u8]>) -> Result<CString, StepError> {
    CString::new(s.as_ref())
        .map_err(|_| StepError::check(Step::ValidateSpec, "CString", "NUL byte in a string"))
}

/// A started job: the parent's ends of every pipe, the init's pid and pidfd.
pub struct Launched {
    pub pid: Pid,
    pub pidfd: OwnedFd,
    pub stdin_w: OwnedFd,
    pub stdout_r: OwnedFd,
    pub stderr_r: OwnedFd,
    pub events_r: OwnedFd,
    pub report_r: OwnedFd,
    pub collect_r: OwnedFd,
    /// Kept open for the job's life: the child's "is my parent alive" check.
    pub sync_w: OwnedFd,
    pub cgroup: Option<JobCgroup>,
    pub started: Instant,
    pub _slot: Option<UidSlot>,
}

struct Pipe {
    r: OwnedFd,
    w: OwnedFd,
}

fn pipe() -> Result<Pipe, StepError> {
    let (r, w) = pipe2(OFlag::O_CLOEXEC).at(Step::Pipes, "pipe2")?;
    Ok(Pipe { r, w })
}

/// A sandbox built and parked before its job is known: namespaces made, root
/// assembled, cgroup attached; the child waits for the job on `job_w`.
pub struct Parked {
    launched: Launched,
    job_w: OwnedFd,
}

impl Parked {
    /// Hand the job to the parked child (program, files, job environment) and start
    /// the clock. `files` are (name, content), already validated.
    pub fn start(
        mut self,
        input: &JobInput,
        files: &[(String, Vec<u8>)],
    ) -> Result<Launched, StepError> {
        let json = serde_json::to_vec(input)
            .map_err(|e| StepError::check(Step::ReadSpec, "serialize job", e.to_string()))?;
        let mut msg = Vec::with_capacity(json.len() + input.code.len() + 64);
        let mut push = |k, p: &[u8]| write_frame(&mut msg, k, p);
        push(Kind::Job, &json).at(Step::WriteFiles, "frame")?;
        for (name, data) in files {
            push(Kind::File, &encode_named(name, data)).at(Step::WriteFiles, "frame")?;
        }
        push(Kind::Start, &[]).at(Step::WriteFiles, "frame")?;
        self.launched.started = Instant::now();
        let mut w = std::fs::File::from(self.job_w);
        // The child reads this while we write (a pipe holds only 64 KiB).
        w.write_all(&msg).at(Step::WriteFiles, "write(job)")?;
        Ok(self.launched)
    }
}

/// Build a sandbox for `profile` and park it until its job arrives.
pub fn park(profile: &PreparedProfile, tag: &str) -> Result<Parked, StepError> {
    let prepared = prepare(profile, tag, false, None)?;
    let mut stack = vec![0u8; CHILD_STACK];
    let cb = Box::new(|| child_main(&prepared.plan, &prepared.child_fds));
    // SAFETY: this process is single-threaded, so the child (a copy of it) may allocate
    // and use any library state; the stack buffer outlives the call and is only used by
    // the child; SIGCHLD makes it a normal waitable child.
    let pid = unsafe { nix::sched::clone(cb, &mut stack, SANDBOX_NAMESPACES, Some(libc::SIGCHLD)) }
        .at(Step::Clone, "clone")?;
    release(prepared, pid)
}

/// A sandbox parked by a helper forked from a warm interpreter, or, in the program's
/// own process, what it needs to go on in that interpreter.
pub enum Forked {
    Parked(Parked),
    Kid(KidStart),
}

/// `park` for a helper forked from a warm interpreter (`zygote`): the sandbox's init
/// is made with `clone_like_fork`, so the program's process (forked by init, fully
/// confined) can return through these frames into the interpreter below them.
pub fn park_forked(
    profile: &PreparedProfile,
    tag: &str,
    lent_cgroup: Option<&LentCgroup>,
) -> Result<Forked, StepError> {
    let prepared = prepare(profile, tag, true, lent_cgroup)?;
    // No new network namespace: a forked helper has joined the empty one the runner
    // lent it (`zygote::become_helper`, `netns`), and its sandbox inherits that.
    let namespaces = SANDBOX_NAMESPACES.difference(CloneFlags::CLONE_NEWNET);
    match crate::sys::clone_like_fork(namespaces.bits()).at(Step::Clone, "clone")? {
        None => {
            let kid = child_main_forked(&prepared.plan, &prepared.child_fds);
            // The helper's side (cgroup, uid slot, pipe ends) is the helper's to
            // release; the program's process never runs its destructors.
            std::mem::forget(prepared);
            Ok(Forked::Kid(kid))
        }
        Some(pid) => release(prepared, Pid::from_raw(pid)).map(Forked::Parked),
    }
}

/// The user, mount, pid, net, ipc and uts namespaces every sandbox gets.
const SANDBOX_NAMESPACES: CloneFlags = CloneFlags::CLONE_NEWUSER
    .union(CloneFlags::CLONE_NEWNS)
    .union(CloneFlags::CLONE_NEWPID)
    .union(CloneFlags::CLONE_NEWNET)
    .union(CloneFlags::CLONE_NEWIPC)
    .union(CloneFlags::CLONE_NEWUTS);

/// Everything made before the child exists: the helper keeps `parent`, `cgroup`
/// and `slot`; the child gets `plan` and `child_fds`.
struct Prepared {
    plan: ChildPlan,
    child_fds: ChildFds,
    parent: ParentEnds,
    cgroup: Option<JobCgroup>,
    slot: UidSlot,
    host: HostSetup,
}

/// The helper's ends of the job's pipes.
struct ParentEnds {
    sync_w: OwnedFd,
    report_r: OwnedFd,
    collect_r: OwnedFd,
    job_w: OwnedFd,
    stdin_w: OwnedFd,
    stdout_r: OwnedFd,
    stderr_r: OwnedFd,
    events_r: OwnedFd,
}

/// The program's command line and its clean environment, as the sandbox starts it
/// (the job adds its own variables when it arrives): also how a warm interpreter that
/// forks jobs (`zygote`) is started.
pub struct ProgramCommand {
    pub exec_path: PathBuf,
    pub program: PathBuf,
    pub env: Vec<(String, String)>,
}

pub fn program_command(profile: &PreparedProfile) -> ProgramCommand {
    let policy = &profile.policy;
    let work_dir = &policy.filesystem.work_dir;
    let exec_path = &profile.interpreter.exec_path;
    let mut env = base_env(exec_path, work_dir);
    env.extend(policy.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    if profile.runtime_dir.is_some() {
        env.push(("PYTHONPATH".into(), RUNTIME_MOUNT.into()));
        env.push(("SANDPIT_EVENT_FD".into(), EVENT_FD.to_string()));
        if !policy.runtime.preload.is_empty() {
            env.push(("SANDPIT_PRELOAD".into(), policy.runtime.preload.join(",")));
        }
    }
    env.extend(profile.runtime_env.iter().cloned());
    ProgramCommand {
        exec_path: exec_path.clone(),
        program: work_dir.join(PROGRAM_NAME),
        env,
    }
}

fn prepare(
    profile: &PreparedProfile,
    tag: &str,
    kid_returns: bool,
    lent_cgroup: Option<&LentCgroup>,
) -> Result<Prepared, StepError> {
    let host = &profile.host;
    let policy = &profile.policy;
    let limits = &policy.limits;
    let is_root = host.ids == IdMapping::Root;

    // 1. A host uid pair of our own for this job. The state dir (slot locks, the
    //    interpreter cache) is the runner's alone: no job process ever reaches it.
    let state = host.state_dir.as_path();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state)
        .at(Step::UidSlot, "mkdir(state dir)")?;
    let slot = UidSlot::acquire(&state.join("slots"), host.slots())
        .at(Step::UidSlot, "acquire uid slot")?;

    // 2. The job's cgroup, limits written before anything runs in it: one the runner
    //    lent (checked empty, limits written again, counters reset), or a new one.
    let cgroup = match policy.layers.cgroups {
        Requirement::Required => {
            let lim = CgroupLimits {
                memory_bytes: limits.memory_bytes,
                pids: limits.pids,
                cpu_percent: limits.cpu_percent,
            };
            Some(match lent_cgroup {
                Some(lent) => JobCgroup::adopt(lent, lim)
                    .map_err(|e| StepError::check(Step::CgroupCreate, "adopt", e.to_string()))?,
                None => {
                    let host = CgroupHost::discover().map_err(|e| {
                        StepError::check(Step::CgroupCreate, "discover", e.to_string())
                    })?;
                    let tag = format!("{}-{tag}", std::process::id());
                    host.create_job(&tag, lim).map_err(|e| {
                        StepError::check(Step::CgroupCreate, "create", e.to_string())
                    })?
                }
            })
        }
        Requirement::Off => None,
    };

    // 3. Read-only trees. As root they are cloned here by the privileged parent (the
    //    child's mapped uid may not be able to walk to them, e.g. a pyenv under /root);
    //    as an unprivileged runner the child clones them inside its own namespaces.
    let mut sources: Vec<(PathBuf, PathBuf)> = Vec::new();
    for p in policy
        .filesystem
        .read_only
        .iter()
        .chain(&profile.interpreter.binds)
    {
        if p.exists() {
            sources.push((p.clone(), p.clone()));
        } else {
            tracing::warn!(path = %p.display(), "read-only path from the policy does not exist; skipped");
        }
    }
    if let Some(rt) = &profile.runtime_dir {
        sources.push((rt.clone(), PathBuf::from(RUNTIME_MOUNT)));
    }
    let mut trees = Vec::new();
    for (src, target) in &sources {
        let fd = if is_root {
            Some(crate::child::clone_read_only(src)?)
        } else {
            None
        };
        trees.push(TreeMount {
            source: src.clone(),
            target: target.clone(),
            fd,
            is_dir: src.is_dir(),
        });
    }
    let mut symlinks = profile.interpreter.symlinks.clone();
    for top in ["/bin", "/lib", "/lib64", "/sbin"] {
        if let Ok(text) = std::fs::read_link(top) {
            symlinks.push((PathBuf::from(top), text));
        }
    }

    // 4. Landlock rules, as paths inside the sandbox.
    let work_dir = policy.filesystem.work_dir.clone();
    let mut rules: Vec<(PathBuf, PathAccess)> = trees
        .iter()
        .map(|t| (t.target.clone(), PathAccess::ReadExecute))
        .collect();
    rules.push((work_dir.clone(), PathAccess::ReadWriteNoExec));
    rules.push((PathBuf::from("/tmp"), PathAccess::ReadWriteNoExec));
    rules.push((PathBuf::from("/proc"), PathAccess::ReadOnly));
    rules.push((PathBuf::from("/etc"), PathAccess::ReadOnly));
    rules.push((PathBuf::from("/dev/shm"), PathAccess::ReadWriteNoExec));
    for node in ["null", "zero", "full", "urandom"] {
        rules.push((
            PathBuf::from("/dev").join(node),
            PathAccess::DeviceReadWrite,
        ));
    }
    let landlock = LandlockPlan {
        enabled: policy.layers.landlock == Requirement::Required,
        rules,
    };

    // 4b. The host's local time for the program, when the zone's file is in a tree
    //     the sandbox binds (it is then the same file inside).
    let local_time = profile.local_time_zone.as_ref().and_then(|zone| {
        let file = Path::new(ZONEINFO).join(zone);
        let visible = trees
            .iter()
            .any(|t| t.is_dir && file.starts_with(&t.target) && file.starts_with(&t.source));
        (visible && file.is_file()).then_some(file)
    });

    // 5. The program's command line and clean environment (the job adds its own
    //    `SANDPIT_*` variables when it arrives).
    let command = program_command(profile);
    let env = command.env;
    let exec_c = cstring(command.exec_path.as_os_str().as_bytes())?;
    let argv = vec![
        exec_c.clone(),
        cstring(command.program.as_os_str().as_bytes())?,
    ];

    let cpu_s = limits.cpu_ms.div_ceil(1000).max(1);
    let rlimits = vec![
        (Resource::RLIMIT_CPU, cpu_s, cpu_s + 1),
        (
            Resource::RLIMIT_FSIZE,
            limits.file_size_bytes,
            limits.file_size_bytes,
        ),
        (
            Resource::RLIMIT_NOFILE,
            limits.open_files,
            limits.open_files,
        ),
        (Resource::RLIMIT_CORE, 0, 0),
        (Resource::RLIMIT_NPROC, limits.pids, limits.pids),
        (Resource::RLIMIT_MEMLOCK, 64 << 10, 64 << 10),
        (Resource::RLIMIT_MSGQUEUE, 0, 0),
    ];

    // The new root's mount point: /tmp exists everywhere and every uid can reach it;
    // the child mounts over it only in its own private mount namespace.
    let newroot = PathBuf::from("/tmp");

    let plan = ChildPlan {
        newroot,
        trees,
        symlinks,
        masks: profile.interpreter.masks.clone(),
        work_dir,
        local_time,
        work_dir_bytes: limits.work_dir_bytes,
        tmp_bytes: limits.tmp_bytes,
        rlimits,
        landlock,
        seccomp: profile.seccomp.programs(),
        exec_path: exec_c,
        argv,
        base_env: env,
        warm_interpreter: profile.runtime_dir.is_some(),
        kid_returns,
    };

    // 6. Pipes, all close-on-exec.
    let (sync, report, collect, job) = (pipe()?, pipe()?, pipe()?, pipe()?);
    let (stdin, stdout, stderr, events) = (pipe()?, pipe()?, pipe()?, pipe()?);
    let child_fds = ChildFds {
        sync_r: sync.r,
        job_r: job.r,
        report_w: report.w,
        collect_w: collect.w,
        stdin_r: stdin.r,
        stdout_w: stdout.w,
        stderr_w: stderr.w,
        events_w: events.w,
        log_w: std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .at(Step::Pipes, "dup(stderr)")?,
    };

    Ok(Prepared {
        plan,
        child_fds,
        parent: ParentEnds {
            sync_w: sync.w,
            report_r: report.r,
            collect_r: collect.r,
            job_w: job.w,
            stdin_w: stdin.w,
            stdout_r: stdout.r,
            stderr_r: stderr.r,
            events_r: events.r,
        },
        cgroup,
        slot,
        host: host.clone(),
    })
}

/// 7–10, once the child exists (cloned into new user, mount, pid, net, ipc and uts
/// namespaces; it blocks on the sync pipe until it is released here).
fn release(prepared: Prepared, pid: Pid) -> Result<Parked, StepError> {
    let Prepared {
        plan,
        child_fds,
        parent: p,
        cgroup,
        slot,
        host,
    } = prepared;
    drop(child_fds);
    drop(plan);
    let pidfd = crate::sys::pidfd_open(pid.as_raw()).at(Step::Clone, "pidfd_open")?;
    // On a failure from here on, the child is killed and reaped; if it had reported
    // its own failing step first, that is the error worth naming.
    let kill_on_err = |e: StepError| {
        let _ = crate::sys::pidfd_send_signal(pidfd.as_fd(), libc::SIGKILL);
        let _ = nix::sys::wait::waitpid(pid, None);
        child_reported_failure(&p.report_r).unwrap_or(e)
    };

    // 8. Into the job's cgroup while the child still runs with our own credentials
    //    (cgroup v1 lets an unprivileged writer move only its own processes).
    if let Some(cg) = &cgroup {
        cg.attach(pid.as_raw())
            .map_err(|e| StepError::check(Step::CgroupAttach, "cgroup.procs", e.to_string()))
            .map_err(kill_on_err)?;
    }

    // 9. uid/gid maps: inner root and the kid's uid → this job's own host ids.
    let (ubase, gbase) = host.base_ids(slot.index);
    write_id_maps(&host, pid.as_raw(), ubase, gbase).map_err(kill_on_err)?;

    // 10. Release the child (it first becomes inner root, then builds its root).
    nix::unistd::write(&p.sync_w, b"1")
        .at(Step::WaitRelease, "write(sync)")
        .map_err(kill_on_err)?;
    nix::unistd::write(&p.sync_w, b"2")
        .at(Step::WaitRelease, "write(sync)")
        .map_err(kill_on_err)?;

    Ok(Parked {
        launched: Launched {
            pid,
            pidfd,
            stdin_w: p.stdin_w,
            stdout_r: p.stdout_r,
            stderr_r: p.stderr_r,
            events_r: p.events_r,
            report_r: p.report_r,
            collect_r: p.collect_r,
            sync_w: p.sync_w,
            cgroup,
            started: Instant::now(),
            _slot: Some(slot),
        },
        job_w: p.job_w,
    })
}
/// Map inner 0 → `ubase`/`gbase` and the kid's 1000 → the next ids: written directly
/// as root, through the setuid newuidmap/newgidmap (which check /etc/subuid and
/// /etc/subgid) as an unprivileged runner.
fn write_id_maps(host: &HostSetup, pid: i32, ubase: u32, gbase: u32) -> Result<(), StepError> {
    match host.ids {
        IdMapping::Root => {
            let umap = format!("0 {ubase} 1\n{KID_ID} {} 1\n", ubase + 1);
            let gmap = format!("0 {gbase} 1\n{KID_ID} {} 1\n", gbase + 1);
            std::fs::write(format!("/proc/{pid}/uid_map"), umap)
                .at(Step::UidMap, "write(uid_map)")?;
            std::fs::write(format!("/proc/{pid}/gid_map"), gmap).at(Step::UidMap, "write(gid_map)")
        }
        IdMapping::Subordinate { .. } => {
            for (tool, base) in [(NEWUIDMAP, ubase), (NEWGIDMAP, gbase)] {
                let status = std::process::Command::new(tool)
                    .args([pid.to_string(), "0".into(), base.to_string(), "1".into()])
                    .args([KID_ID.to_string(), (base + 1).to_string(), "1".into()])
                    .env_clear()
                    .stdin(std::process::Stdio::null())
                    .status()
                    .at(Step::UidMap, "spawn(newuidmap)")?;
                if !status.success() {
                    return Err(StepError::check(
                        Step::UidMap,
                        tool,
                        format!("{tool} failed: {status}"),
                    ));
                }
            }
            Ok(())
        }
    }
}

/// A setup failure the child reported before dying, if any (read after it was reaped,
/// so the pipe holds everything it wrote).
fn child_reported_failure(report_r: &OwnedFd) -> Option<StepError> {
    use crate::report::{Report, RECORD};
    let mut rec = [0u8; RECORD];
    let n = nix::unistd::read(report_r, &mut rec).ok()?;
    match (n, Report::decode(&rec)) {
        (RECORD, Some(Report::SetupFailed { step, errno })) => Some(StepError::errno(
            step,
            "(in the sandboxed child)",
            nix::errno::Errno::from_raw(errno),
        )),
        _ => None,
    }
}
