//! Per-job cgroups, written directly through the cgroup filesystem.
//!
//! Why not cgroups-rs: on this project's reference host (cgroup v1 hybrid, our own memory
//! cgroup nested under a workplace path) cgroups-rs resolves paths from the hierarchy
//! root instead of our own cgroup, includes every mounted v1 hierarchy (cpuset needs
//! extra set-up), has no v1 kill, and pulls in zbus and a second nix. The files we need
//! are few: mkdir, write limits, write `cgroup.procs`, read counters, rmdir.
//!
//! Layout: job cgroups live under the runner's *own* cgroup, in `sandpit/job-<pid>-<n>`
//! (v1, one directory per controller) or `job-<pid>-<n>` beside a `sandpit-supervisor`
//! leaf that the runner moved itself into (v2 "no internal processes" rule). `<pid>`
//! is the helper process, so a sweep can tell stale cgroups (helper gone) from live ones.
//!
//! On v1, a runner whose jobs fork from a warm interpreter instead lends each sandbox
//! one of a few cgroups it made once (`job-<runner pid>-slot<n>`, see `cgroup_pool`):
//! making and removing four cgroups per job is most of the kernel's cgroup work. A
//! helper *adopts* a lent cgroup: it checks that no task is left in it, writes the
//! limits again, resets the peak and usage counters and remembers the event counters,
//! so every job still reports its own figures. It never removes it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// v1 controllers a job needs: memory, pids, cpu (quota) and cpuacct (usage).
const V1_CONTROLLERS: [&str; 4] = ["memory", "pids", "cpu", "cpuacct"];
const V2_CONTROLLERS: [&str; 3] = ["memory", "pids", "cpu"];
const V1_JOBS_DIR: &str = "sandpit";
pub const V2_SUPERVISOR_LEAF: &str = "sandpit-supervisor";
const CPU_PERIOD_US: u64 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("no usable cgroup hierarchy: {0}. On cgroup v2 the runner needs a delegated subtree (systemd `Delegate=yes`); on v1 the memory, pids, cpu and cpuacct controllers must be mounted")]
    Unavailable(String),
    #[error("cgroup {what} at {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> CgroupError + 'a {
    move |source| CgroupError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Limits written into a job's cgroup.
#[derive(Debug, Clone, Copy)]
pub struct CgroupLimits {
    pub memory_bytes: u64,
    pub pids: u64,
    pub cpu_percent: u64,
}

/// Counters read from a job's cgroup after it ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupStats {
    pub memory_peak_bytes: u64,
    pub oom_kills: u64,
    pub cpu_ns: u64,
    pub pids_limit_hits: u64,
}

/// A cgroup the runner lends one helper (v1: one directory per controller, in
/// `V1_CONTROLLERS` order), sent in the helper's profile frame.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LentCgroup {
    pub dirs: Vec<PathBuf>,
}

/// Where job cgroups are created on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupHost {
    /// cgroup v1: the jobs directory for each controller, in `V1_CONTROLLERS` order.
    V1 { jobs_dirs: Vec<PathBuf> },
    /// cgroup v2: the directory that holds job cgroups (our delegated cgroup).
    V2 { jobs_parent: PathBuf },
}

struct Mount {
    root: String,
    point: PathBuf,
    fstype: String,
    super_opts: Vec<String>,
}

fn parse_mountinfo(text: &str) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 5 || r.len() < 3 {
            continue;
        }
        out.push(Mount {
            root: unescape(l[3]),
            point: PathBuf::from(unescape(l[4])),
            fstype: r[0].to_string(),
            super_opts: r[2].split(',').map(str::to_string).collect(),
        });
    }
    out
}

/// mountinfo escapes space, tab, newline and backslash as octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            let oct = std::str::from_utf8(&b[i + 1..i + 4]).ok();
            if let Some(v) = oct.and_then(|o| u8::from_str_radix(o, 8).ok()) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Join a cgroup path (as in /proc/self/cgroup) onto a mount of that hierarchy.
fn cgroup_dir(mount: &Mount, cg_path: &str) -> PathBuf {
    let rel = cg_path.strip_prefix(mount.root.as_str()).unwrap_or(cg_path);
    let rel = rel.trim_start_matches('/');
    if rel.is_empty() {
        mount.point.clone()
    } else {
        mount.point.join(rel)
    }
}

impl CgroupHost {
    /// Find where this process may create job cgroups (does not change anything).
    pub fn discover() -> Result<CgroupHost, CgroupError> {
        let cg = fs::read_to_string("/proc/self/cgroup")
            .map_err(io_err("read", Path::new("/proc/self/cgroup")))?;
        let mi = fs::read_to_string("/proc/self/mountinfo")
            .map_err(io_err("read", Path::new("/proc/self/mountinfo")))?;
        Self::discover_from(&cg, &mi, |p| fs::read_to_string(p).ok())
    }

    /// Pure part of `discover`, testable with fake files.
    pub fn discover_from(
        proc_cgroup: &str,
        mountinfo: &str,
        read: impl Fn(&Path) -> Option<String>,
    ) -> Result<CgroupHost, CgroupError> {
        let mounts = parse_mountinfo(mountinfo);
        // v1 first: if every controller we need is mounted as v1, it cannot be in v2.
        let mut v1 = Vec::new();
        for ctrl in V1_CONTROLLERS {
            let mount = mounts
                .iter()
                .find(|m| m.fstype == "cgroup" && m.super_opts.iter().any(|o| o == ctrl));
            let path = proc_cgroup.lines().find_map(|l| {
                let mut parts = l.splitn(3, ':');
                let (_, ctrls, path) = (parts.next()?, parts.next()?, parts.next()?);
                ctrls
                    .split(',')
                    .any(|c| c == ctrl)
                    .then(|| path.to_string())
            });
            if let (Some(m), Some(p)) = (mount, path) {
                v1.push(cgroup_dir(m, &p).join(V1_JOBS_DIR));
            }
        }
        if v1.len() == V1_CONTROLLERS.len() {
            return Ok(CgroupHost::V1 { jobs_dirs: v1 });
        }
        let unified = mounts.iter().find(|m| m.fstype == "cgroup2");
        let own = proc_cgroup.lines().find_map(|l| l.strip_prefix("0::"));
        if let (Some(m), Some(own)) = (unified, own) {
            let mut dir = cgroup_dir(m, own);
            // A runner already moved into its supervisor leaf creates jobs beside it.
            if dir.file_name().is_some_and(|n| n == V2_SUPERVISOR_LEAF) {
                dir.pop();
            }
            let available = read(&dir.join("cgroup.controllers")).unwrap_or_default();
            let missing: Vec<&str> = V2_CONTROLLERS
                .iter()
                .copied()
                .filter(|c| !available.split_whitespace().any(|a| a == *c))
                .collect();
            if missing.is_empty() {
                return Ok(CgroupHost::V2 { jobs_parent: dir });
            }
            return Err(CgroupError::Unavailable(format!(
                "cgroup v2 at {} lacks the {} controller(s)",
                dir.display(),
                missing.join(", ")
            )));
        }
        Err(CgroupError::Unavailable(format!(
            "cgroup v1 has only {} of memory, pids, cpu, cpuacct and there is no cgroup v2 mount",
            v1.len()
        )))
    }

    pub fn version(&self) -> u8 {
        match self {
            CgroupHost::V1 { .. } => 1,
            CgroupHost::V2 { .. } => 2,
        }
    }

    /// Make the host ready for job cgroups: on v1 the `sandpit` directories; on v2 move
    /// this process into a leaf and enable the controllers for children. Called once by
    /// the runner (or the exec CLI) before it starts helpers.
    pub fn prepare(&self) -> Result<(), CgroupError> {
        match self {
            CgroupHost::V1 { jobs_dirs } => {
                for d in jobs_dirs {
                    mkdir_if_missing(d)?;
                }
                Ok(())
            }
            CgroupHost::V2 { jobs_parent } => {
                let control = jobs_parent.join("cgroup.subtree_control");
                let enabled = fs::read_to_string(&control).map_err(io_err("read", &control))?;
                if V2_CONTROLLERS
                    .iter()
                    .all(|c| enabled.split_whitespace().any(|e| e == *c))
                {
                    return Ok(());
                }
                let leaf = jobs_parent.join(V2_SUPERVISOR_LEAF);
                mkdir_if_missing(&leaf)?;
                let procs = leaf.join("cgroup.procs");
                fs::write(&procs, "0").map_err(io_err("move the runner into", &procs))?;
                let want: String = V2_CONTROLLERS.iter().map(|c| format!("+{c} ")).collect();
                fs::write(&control, want.trim_end()).map_err(io_err(
                    "enable controllers (is any other process still in this cgroup?)",
                    &control,
                ))
            }
        }
    }

    /// Create a job cgroup with its limits written. `tag` must be unique on this host
    /// while the job runs; it starts with the helper's pid (see `sweep_stale`).
    pub fn create_job(&self, tag: &str, limits: CgroupLimits) -> Result<JobCgroup, CgroupError> {
        let name = format!("job-{tag}");
        let job = match self {
            CgroupHost::V1 { jobs_dirs } => JobCgroup {
                dirs: jobs_dirs.iter().map(|d| d.join(&name)).collect(),
                v2: false,
                lent: false,
                baseline: CgroupStats::default(),
            },
            CgroupHost::V2 { jobs_parent } => JobCgroup {
                dirs: vec![jobs_parent.join(&name)],
                v2: true,
                lent: false,
                baseline: CgroupStats::default(),
            },
        };
        for (i, d) in job.dirs.iter().enumerate() {
            // cpu and cpuacct are often mounted together (`cpu,cpuacct`): one
            // directory serves both.
            if job.dirs[..i].contains(d) {
                continue;
            }
            if let Err(e) = fs::create_dir(d) {
                let _ = job.remove();
                return Err(io_err("create", d)(e));
            }
        }
        if let Err(e) = job.write_limits(limits) {
            let _ = job.remove();
            return Err(e);
        }
        Ok(job)
    }

    /// Remove job cgroups left by helpers that died (their pid is gone). Their tasks, if
    /// any survived, are killed first. Returns how many were removed.
    pub fn sweep_stale(&self) -> usize {
        let parents: Vec<PathBuf> = match self {
            CgroupHost::V1 { jobs_dirs } => jobs_dirs.clone(),
            CgroupHost::V2 { jobs_parent } => vec![jobs_parent.clone()],
        };
        let mut removed = 0;
        for parent in parents {
            let Ok(entries) = fs::read_dir(&parent) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Some(pid) = name
                    .strip_prefix("job-")
                    .and_then(|r| r.split('-').next())
                    .and_then(|p| p.parse::<i32>().ok())
                else {
                    continue;
                };
                if Path::new(&format!("/proc/{pid}")).exists() {
                    continue;
                }
                let job = JobCgroup {
                    dirs: vec![e.path()],
                    v2: matches!(self, CgroupHost::V2 { .. }),
                    lent: false,
                    baseline: CgroupStats::default(),
                };
                job.kill_all();
                if job.remove().is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }
}

fn mkdir_if_missing(d: &Path) -> Result<(), CgroupError> {
    match fs::create_dir(d) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_err("create", d)(e)),
    }
}

/// One job's cgroup (one directory per v1 controller, or one v2 directory).
#[derive(Debug)]
pub struct JobCgroup {
    dirs: Vec<PathBuf>,
    v2: bool,
    /// Lent by the runner: left in place when done, its counters read relative to
    /// `baseline` (their values when this job adopted it).
    lent: bool,
    baseline: CgroupStats,
}

fn write(dir: &Path, file: &str, value: &str) -> Result<(), CgroupError> {
    let p = dir.join(file);
    fs::write(&p, value).map_err(io_err("write", &p))
}

fn read_kv(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

impl JobCgroup {
    /// What a helper needs to adopt this cgroup (v1 only: a v2 peak can't be reset).
    pub fn lend(&self) -> Option<LentCgroup> {
        (!self.v2).then(|| LentCgroup {
            dirs: self.dirs.clone(),
        })
    }

    /// Take over a cgroup the runner lent: refused unless it is a v1 cgroup with no
    /// task left in it; the limits are written again and the counters reset (peak,
    /// usage) or remembered (OOM kills, pid-limit hits), so the job reports its own.
    pub fn adopt(lent: &LentCgroup, limits: CgroupLimits) -> Result<JobCgroup, CgroupError> {
        if lent.dirs.len() != V1_CONTROLLERS.len() {
            return Err(CgroupError::Unavailable(
                "a lent cgroup has one directory per v1 controller".into(),
            ));
        }
        let mut job = JobCgroup {
            dirs: lent.dirs.clone(),
            v2: false,
            lent: true,
            baseline: CgroupStats::default(),
        };
        for d in &job.dirs {
            let procs = d.join("cgroup.procs");
            let tasks = fs::read_to_string(&procs).map_err(io_err("read", &procs))?;
            if !tasks.trim().is_empty() {
                return Err(CgroupError::Io {
                    what: "adopt (tasks are left in it)",
                    path: d.clone(),
                    source: io::Error::from(io::ErrorKind::ResourceBusy),
                });
            }
        }
        job.write_limits(limits)?;
        write(job.dir_for("memory"), "memory.max_usage_in_bytes", "0")?;
        write(job.dir_for("cpuacct"), "cpuacct.usage", "0")?;
        job.baseline = job.stats();
        job.baseline.memory_peak_bytes = 0;
        Ok(job)
    }

    fn dir_for(&self, ctrl: &str) -> &Path {
        if self.v2 {
            return &self.dirs[0];
        }
        let i = V1_CONTROLLERS.iter().position(|c| *c == ctrl).unwrap_or(0);
        &self.dirs[i.min(self.dirs.len() - 1)]
    }

    fn write_limits(&self, l: CgroupLimits) -> Result<(), CgroupError> {
        let quota = l.cpu_percent * CPU_PERIOD_US / 100;
        if self.v2 {
            let d = &self.dirs[0];
            write(d, "memory.max", &l.memory_bytes.to_string())?;
            if d.join("memory.swap.max").exists() {
                write(d, "memory.swap.max", "0")?;
            }
            write(d, "pids.max", &l.pids.to_string())?;
            write(d, "cpu.max", &format!("{quota} {CPU_PERIOD_US}"))?;
        } else {
            let mem = self.dir_for("memory");
            write(mem, "memory.limit_in_bytes", &l.memory_bytes.to_string())?;
            // With swap accounting, also cap memory+swap so nothing spills to swap.
            if mem.join("memory.memsw.limit_in_bytes").exists() {
                write(
                    mem,
                    "memory.memsw.limit_in_bytes",
                    &l.memory_bytes.to_string(),
                )?;
            }
            write(self.dir_for("pids"), "pids.max", &l.pids.to_string())?;
            let cpu = self.dir_for("cpu");
            write(cpu, "cpu.cfs_period_us", &CPU_PERIOD_US.to_string())?;
            write(cpu, "cpu.cfs_quota_us", &quota.to_string())?;
        }
        Ok(())
    }

    /// Move `pid` (the job's init, still parked) into every controller's cgroup.
    pub fn attach(&self, pid: i32) -> Result<(), CgroupError> {
        for d in &self.dirs {
            write(d, "cgroup.procs", &pid.to_string())?;
        }
        Ok(())
    }

    /// Read the counters (this job's share of them, for a lent cgroup). Missing files
    /// read as 0 (e.g. `memory.peak` before Linux 5.19).
    pub fn stats(&self) -> CgroupStats {
        let now = self.counters();
        let since = |n: u64, b: u64| n.saturating_sub(b);
        CgroupStats {
            memory_peak_bytes: now.memory_peak_bytes,
            oom_kills: since(now.oom_kills, self.baseline.oom_kills),
            cpu_ns: since(now.cpu_ns, self.baseline.cpu_ns),
            pids_limit_hits: since(now.pids_limit_hits, self.baseline.pids_limit_hits),
        }
    }

    fn counters(&self) -> CgroupStats {
        let rd = |ctrl: &str, f: &str| {
            fs::read_to_string(self.dir_for(ctrl).join(f)).unwrap_or_default()
        };
        if self.v2 {
            CgroupStats {
                memory_peak_bytes: rd("memory", "memory.peak").trim().parse().unwrap_or(0),
                oom_kills: read_kv(&rd("memory", "memory.events"), "oom_kill").unwrap_or(0),
                cpu_ns: read_kv(&rd("cpu", "cpu.stat"), "usage_usec").unwrap_or(0) * 1000,
                pids_limit_hits: read_kv(&rd("pids", "pids.events"), "max").unwrap_or(0),
            }
        } else {
            CgroupStats {
                memory_peak_bytes: rd("memory", "memory.max_usage_in_bytes")
                    .trim()
                    .parse()
                    .unwrap_or(0),
                oom_kills: read_kv(&rd("memory", "memory.oom_control"), "oom_kill").unwrap_or(0),
                cpu_ns: rd("cpuacct", "cpuacct.usage").trim().parse().unwrap_or(0),
                pids_limit_hits: read_kv(&rd("pids", "pids.events"), "max").unwrap_or(0),
            }
        }
    }

    /// Kill every task still in the cgroup (used only for leftovers; a live job is
    /// ended by killing its namespace's init).
    pub fn kill_all(&self) {
        if self.v2 && fs::write(self.dirs[0].join("cgroup.kill"), "1").is_ok() {
            return;
        }
        for d in &self.dirs {
            if let Ok(procs) = fs::read_to_string(d.join("cgroup.procs")) {
                for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
        }
    }

    /// Remove the cgroup. The kernel frees dying tasks asynchronously, so EBUSY is
    /// retried briefly.
    pub fn remove(&self) -> Result<(), CgroupError> {
        let mut first_err = None;
        for d in &self.dirs {
            let mut tries = 0;
            loop {
                match fs::remove_dir(d) {
                    Ok(()) => break,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) && tries < 50 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    Err(e) => {
                        first_err.get_or_insert(io_err("remove", d)(e));
                        break;
                    }
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

impl Drop for JobCgroup {
    /// A job cgroup never outlives its helper's handle: on every path (success, a
    /// failed set-up step, a panic) it is emptied and removed. A lent one stays: the
    /// runner lends it again only after this helper exited normally (every task of
    /// the job gone), and the next adopter checks it is empty.
    fn drop(&mut self) {
        if self.lent {
            return;
        }
        if self.remove().is_err() {
            self.kill_all();
            let _ = self.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO_V1: &str = "\
30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
34 30 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
35 30 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn v1_job_dirs_sit_under_our_own_cgroup_per_controller() {
        let cg = "8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";
        let host = CgroupHost::discover_from(cg, MOUNTINFO_V1, |_| None).unwrap();
        assert_eq!(
            host,
            CgroupHost::V1 {
                jobs_dirs: vec![
                    PathBuf::from("/sys/fs/cgroup/memory/process_api/abc/sandpit"),
                    PathBuf::from("/sys/fs/cgroup/pids/sandpit"),
                    PathBuf::from("/sys/fs/cgroup/cpu/sandpit"),
                    PathBuf::from("/sys/fs/cgroup/cpuacct/sandpit"),
                ]
            }
        );
    }

    #[test]
    fn v1_with_cpu_and_cpuacct_mounted_together_uses_one_directory_for_both() {
        let mi = MOUNTINFO_V1
            .replace(
                "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
            )
            .replace(
                "32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n",
                "",
            );
        let cg = "8:pids:/\n4:memory:/\n2:cpu,cpuacct:/\n0::/\n";
        let host = CgroupHost::discover_from(cg, &mi, |_| None).unwrap();
        let CgroupHost::V1 { jobs_dirs } = &host else {
            panic!("v1 expected: {host:?}");
        };
        assert_eq!(jobs_dirs[2], jobs_dirs[3], "{jobs_dirs:?}");

        // Creating a job there makes that directory once and writes both
        // controllers' files into it (a fake cgroupfs on a temp dir).
        let dir = tempfile::tempdir().unwrap();
        let [mem, pids, both] = ["memory", "pids", "cpu,cpuacct"].map(|c| dir.path().join(c));
        for d in [&mem, &pids, &both] {
            fs::create_dir(d).unwrap();
        }
        let host = CgroupHost::V1 {
            jobs_dirs: vec![mem, pids, both.clone(), both.clone()],
        };
        let limits = CgroupLimits {
            memory_bytes: 1 << 20,
            pids: 7,
            cpu_percent: 50,
        };
        let job = host
            .create_job("1-1", limits)
            .expect("one directory for cpu and cpuacct");
        let d = both.join("job-1-1");
        assert_eq!(
            fs::read_to_string(d.join("cpu.cfs_quota_us")).unwrap(),
            "50000"
        );
        job.attach(4242).unwrap();
        assert_eq!(fs::read_to_string(d.join("cgroup.procs")).unwrap(), "4242");
    }

    #[test]
    fn v1_mount_root_is_stripped_from_the_cgroup_path() {
        let mi = MOUNTINFO_V1.replace(
            "0:29 / /sys/fs/cgroup/memory",
            "0:29 /docker/x /sys/fs/cgroup/memory",
        );
        let cg = "8:pids:/\n4:memory:/docker/x/inner\n2:cpuacct:/\n1:cpu:/\n";
        let CgroupHost::V1 { jobs_dirs } = CgroupHost::discover_from(cg, &mi, |_| None).unwrap()
        else {
            panic!("expected v1")
        };
        assert_eq!(
            jobs_dirs[0],
            PathBuf::from("/sys/fs/cgroup/memory/inner/sandpit")
        );
    }

    const MOUNTINFO_V2: &str =
        "29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

    #[test]
    fn v2_uses_our_delegated_cgroup_when_controllers_are_available() {
        let cg = "0::/system.slice/sandpit-runner.service\n";
        let host = CgroupHost::discover_from(cg, MOUNTINFO_V2, |p| {
            assert_eq!(
                p,
                Path::new("/sys/fs/cgroup/system.slice/sandpit-runner.service/cgroup.controllers")
            );
            Some("cpuset cpu io memory pids\n".into())
        })
        .unwrap();
        assert_eq!(
            host,
            CgroupHost::V2 {
                jobs_parent: PathBuf::from("/sys/fs/cgroup/system.slice/sandpit-runner.service")
            }
        );
    }

    #[test]
    fn v2_after_moving_into_the_supervisor_leaf_jobs_go_beside_it() {
        let cg = "0::/system.slice/r.service/sandpit-supervisor\n";
        let host = CgroupHost::discover_from(cg, MOUNTINFO_V2, |_| Some("cpu memory pids".into()))
            .unwrap();
        assert_eq!(
            host,
            CgroupHost::V2 {
                jobs_parent: PathBuf::from("/sys/fs/cgroup/system.slice/r.service")
            }
        );
    }

    #[test]
    fn v2_without_delegated_controllers_is_refused_with_a_hint() {
        let err =
            CgroupHost::discover_from("0::/user.slice\n", MOUNTINFO_V2, |_| Some("cpu".into()))
                .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("memory, pids"), "{msg}");
        assert!(msg.contains("Delegate=yes"), "{msg}");
    }

    #[test]
    fn v2_limits_and_stats_use_v2_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let host = CgroupHost::V2 {
            jobs_parent: dir.path().to_path_buf(),
        };
        let job = host
            .create_job(
                "1-1",
                CgroupLimits {
                    memory_bytes: 1 << 20,
                    pids: 7,
                    cpu_percent: 50,
                },
            )
            .unwrap();
        let d = dir.path().join("job-1-1");
        assert_eq!(fs::read_to_string(d.join("memory.max")).unwrap(), "1048576");
        assert_eq!(fs::read_to_string(d.join("pids.max")).unwrap(), "7");
        assert_eq!(
            fs::read_to_string(d.join("cpu.max")).unwrap(),
            "50000 100000"
        );
        fs::write(d.join("memory.peak"), "4096\n").unwrap();
        fs::write(
            d.join("memory.events"),
            "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
        )
        .unwrap();
        fs::write(d.join("cpu.stat"), "usage_usec 1500\nuser_usec 1000\n").unwrap();
        let s = job.stats();
        assert_eq!(
            s,
            CgroupStats {
                memory_peak_bytes: 4096,
                oom_kills: 1,
                cpu_ns: 1_500_000,
                pids_limit_hits: 0
            }
        );
    }

    #[test]
    fn mountinfo_octal_escapes_are_decoded() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/plain"), "/plain");
    }
}
