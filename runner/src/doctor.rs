//! `sandpit-runner doctor`: what this host provides, layer by layer, and whether every
//! shipped profile actually runs a program end to end. Non-zero exit when a layer a
//! policy requires is missing, so an operator learns it before a kid's job does.

use crate::{exec, hostprep, profiles};
use anyhow::Result;
use sandpit_sandbox::cgroup::CgroupHost;
use sandpit_sandbox::hostids::IdMapping;
use sandpit_sandbox::landlock_rules::{kernel_abi, LANDLOCK_ABI};
use sandpit_sandbox::policy::{self, Requirement};
use sandpit_sandbox::spec::{JobInput, Status};
use std::path::PathBuf;

struct Report {
    failed: bool,
}

impl Report {
    fn line(&mut self, ok: bool, layer: &str, detail: impl std::fmt::Display) {
        println!("{:<5} {layer:<22} {detail}", if ok { "ok" } else { "FAIL" });
        self.failed |= !ok;
    }
}

fn read_trim(p: &str) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

pub fn run(dir: Option<PathBuf>) -> Result<i32> {
    let dir = dir.unwrap_or_else(profiles::default_policies_dir);
    let mut r = Report { failed: false };
    println!("Sandpit doctor — host layers");

    match sandpit_sandbox::hostids::HostSetup::detect() {
        Ok(h) => r.line(
            true,
            "job identities",
            match h.ids {
                IdMapping::Root => "root: each job gets its own pair of unused host uids".to_string(),
                IdMapping::Subordinate { uid_start, count, .. } => format!(
                    "unprivileged: jobs use the subordinate range {uid_start}+{count} via newuidmap; state in {}",
                    h.state_dir.display()
                ),
            },
        ),
        Err(e) => r.line(false, "job identities", e),
    }
    let max_userns = read_trim("/proc/sys/user/max_user_namespaces")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    r.line(
        max_userns > 0,
        "user namespaces",
        format!("max_user_namespaces = {max_userns}"),
    );
    for ns in ["mnt", "pid", "net", "ipc", "uts", "cgroup"] {
        let present = std::path::Path::new(&format!("/proc/self/ns/{ns}")).exists();
        r.line(
            present,
            &format!("{ns} namespace"),
            if present { "available" } else { "missing" },
        );
    }
    let seccomp = read_trim("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Seccomp:")))
        .unwrap_or(false);
    r.line(
        seccomp,
        "seccomp",
        if seccomp {
            "filter mode available"
        } else {
            "kernel without seccomp"
        },
    );
    let nnp = nix::sys::prctl::get_no_new_privs().is_ok();
    r.line(
        nnp,
        "no_new_privs",
        if nnp { "available" } else { "prctl refused" },
    );
    let caps_ok = caps::read(None, caps::CapSet::Bounding).is_ok();
    r.line(
        caps_ok,
        "capabilities",
        if caps_ok {
            "can be read and dropped"
        } else {
            "capability API unavailable"
        },
    );
    let abi = kernel_abi();
    let want = LANDLOCK_ABI as i32;
    r.line(
        abi.unwrap_or(0) >= want,
        "Landlock",
        match abi {
            Some(v) => format!("kernel ABI {v} (sandbox needs {want})"),
            None => "not enabled in this kernel (add `landlock` to the lsm= boot parameter)".into(),
        },
    );
    let cg = CgroupHost::discover();
    match &cg {
        Ok(h) => r.line(
            true,
            "cgroups",
            format!(
                "v{}: memory, pids, cpu usable; job cgroups under {}",
                h.version(),
                match h {
                    CgroupHost::V1 { jobs_dirs } => jobs_dirs
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    CgroupHost::V2 { jobs_parent } => jobs_parent.display().to_string(),
                }
            ),
        ),
        Err(e) => r.line(false, "cgroups", e),
    }
    r.line(
        true,
        "rlimits",
        "CPU, file size, open files, core, processes",
    );
    r.line(
        true,
        "pivot_root",
        "part of every job's set-up; proven by each profile's test run below",
    );

    println!();
    println!("Profiles in {}", dir.display());
    let (policies, diags) = policy::load_dir(&dir);
    for d in &diags {
        r.line(false, "policy file", d);
    }
    for p in policies {
        let name = p.name.clone();
        if p.layers.cgroups == Requirement::Off || p.layers.landlock == Requirement::Off {
            println!("WARN  {name:<22} runs with a layer OFF (see `policy explain {name}`)");
        }
        let prepared = match profiles::prepare(p) {
            Ok(pp) => pp,
            Err(e) => {
                r.line(false, &name, format!("{e:#}"));
                continue;
            }
        };
        if let Err(e) = hostprep::prepare_cgroups(&prepared) {
            r.line(false, &name, format!("{e:#}"));
            continue;
        }
        let interp = format!(
            "{} (Python {})",
            prepared.interpreter.exec_path.display(),
            prepared.interpreter.version
        );
        let input = JobInput {
            job_id: exec::local_job_id(),
            code: "print(input())\n".into(),
            env: vec![],
            collect: None,
        };
        match exec::run_to_record(&prepared, &input, b"sandpit-ok\n") {
            Ok((rec, _)) if rec.status == Status::Ok.as_str() && rec.stdout == "sandpit-ok\n" => r
                .line(
                    true,
                    &name,
                    format!("runs a program with every layer: {interp}"),
                ),
            Ok((rec, o)) => r.line(
                false,
                &name,
                format!(
                    "test program ended {} ({}) stdout={:?} stderr={:?}",
                    rec.status,
                    o.failed_step.unwrap_or_default(),
                    rec.stdout,
                    rec.stderr
                ),
            ),
            Err(e) => r.line(false, &name, format!("{e:#}")),
        }
        // How its jobs start (both ways are fully sandboxed; the fork is faster).
        match profiles::warm_fork(&prepared) {
            Ok(lib) => println!(
                "      {name:<22} jobs fork from a warm interpreter ({})",
                lib.display()
            ),
            Err(why) => println!("      {name:<22} each job starts its own interpreter: {why}"),
        }
    }
    Ok(if r.failed { 1 } else { 0 })
}
