//! Policy → compiled seccomp BPF programs (done once per profile, before any job).
//!
//! A policy is an allowlist plus a table of calls denied with a specific action. One
//! BPF program can only return one "match" action, so the result is a short stack of
//! programs, installed in order (the kernel runs the most recently installed first and
//! keeps the highest-precedence verdict, KILL > ERRNO > ALLOW):
//!
//! 1. one program per distinct specific denial (`deny` table, and the argument filters
//!    below): those calls → their action, everything else → allow;
//! 2. a tiny hand-written program that kills x32-ABI calls (seccompiler's own arch check
//!    kills i386 and other architectures, but x32 shares the x86-64 arch value);
//! 3. last, the allowlist: listed calls (and the specifically denied ones, so program 1
//!    decides their errno) → allow, everything else → the policy's default action.
//!    This one is laid out as a binary search (`bpf_tree`), not by seccompiler: it is
//!    the large one, and its length is what the kernel pays for at every install.
//!
//! Argument filters the sandbox always applies to calls a policy allows:
//! `ioctl` only for terminal queries, `clone` never with a `CLONE_NEW*` flag, `socket`
//! only for AF_UNIX/AF_INET/AF_INET6; and where the policy does not allow `prctl`,
//! exactly `prctl(PR_SET_DUMPABLE, 1)` (see `PRCTL_ALLOWED`).

use crate::bpf_tree::{self, ArgCheck, Verdict};
use crate::policy::argument_filters::{
    CLONE_FORBIDDEN_FLAGS, IOCTL_ALLOWED_REQUESTS, PRCTL_ALLOWED, SOCKET_ALLOWED_FAMILIES,
};
use crate::policy::syscalls::{self, REQUIRED_BY_SANDBOX};
use crate::policy::{DeniedAction, Policy};
use seccompiler::{
    sock_filter, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("syscall `{0}` is not an x86-64 syscall name")]
    UnknownSyscall(String),
    #[error(
        "the policy must allow `{0}`: the sandbox's init needs it to start and reap the program"
    )]
    MissingRequired(&'static str),
    #[error("building the seccomp filter: {0}")]
    Build(String),
}

/// Compiled programs, in installation order, in a form that crosses a pipe as JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompiledSeccomp {
    pub programs: Vec<Vec<u64>>,
}

impl CompiledSeccomp {
    /// Unpack into programs ready for `seccompiler::apply_filter`.
    pub fn programs(&self) -> Vec<BpfProgram> {
        self.programs
            .iter()
            .map(|p| p.iter().map(|&w| unpack(w)).collect())
            .collect()
    }
}

fn pack(f: &sock_filter) -> u64 {
    (u64::from(f.code) << 48) | (u64::from(f.jt) << 40) | (u64::from(f.jf) << 32) | u64::from(f.k)
}

fn unpack(w: u64) -> sock_filter {
    sock_filter {
        code: (w >> 48) as u16,
        jt: (w >> 40) as u8,
        jf: (w >> 32) as u8,
        k: w as u32,
    }
}

fn nr(name: &str) -> Result<i64, SeccompError> {
    syscalls::number(name).ok_or_else(|| SeccompError::UnknownSyscall(name.to_string()))
}

fn cond(arg: u8, op: SeccompCmpOp, val: u64) -> Result<SeccompCondition, SeccompError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, val)
        .map_err(|e| SeccompError::Build(e.to_string()))
}

fn rule(conds: Vec<SeccompCondition>) -> Result<SeccompRule, SeccompError> {
    SeccompRule::new(conds).map_err(|e| SeccompError::Build(e.to_string()))
}

fn action(a: DeniedAction) -> SeccompAction {
    match a {
        DeniedAction::Errno(e) => SeccompAction::Errno(e as u32),
        DeniedAction::Kill => SeccompAction::KillProcess,
    }
}

fn build(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    mismatch: SeccompAction,
    matched: SeccompAction,
) -> Result<BpfProgram, SeccompError> {
    let f = SeccompFilter::new(rules, mismatch, matched, TargetArch::x86_64)
        .map_err(|e| SeccompError::Build(e.to_string()))?;
    f.try_into()
        .map_err(|e: seccompiler::BackendError| SeccompError::Build(e.to_string()))
}

/// Every syscall number the allowlist lets through unconditionally: the listed calls
/// and the specifically denied ones (their own program decides their errno).
fn allowlist_numbers(policy: &Policy) -> Result<BTreeSet<u32>, SeccompError> {
    let sc = &policy.seccomp;
    sc.allow
        .values()
        .flatten()
        .map(String::as_str)
        .chain(sc.deny.keys().map(String::as_str))
        .map(|name| nr(name).map(|n| n as u32))
        .collect()
}

/// The allowlist program (see `bpf_tree`): the listed numbers → allow; `prctl`, where
/// the policy does not list it, only as `PRCTL_ALLOWED`; everything else → the
/// policy's default action.
fn allowlist_program(policy: &Policy) -> Result<BpfProgram, SeccompError> {
    let default = u32::from(action(policy.seccomp.default_action));
    let allow = u32::from(SeccompAction::Allow);
    let mut verdicts: BTreeMap<u32, Verdict> = allowlist_numbers(policy)?
        .into_iter()
        .map(|n| (n, Verdict::Return(allow)))
        .collect();
    let prctl = nr("prctl")? as u32;
    if let std::collections::btree_map::Entry::Vacant(e) = verdicts.entry(prctl) {
        let (_, option, value) = PRCTL_ALLOWED;
        e.insert(Verdict::ArgsEqual {
            checks: vec![
                ArgCheck::Dword {
                    arg: 0,
                    value: option as u32,
                },
                ArgCheck::Qword { arg: 1, value },
            ],
            otherwise: default,
        });
    }
    // Runs of numbers with one verdict: each listed number starts one (merged with
    // the run before when the verdict is the same), the number after it starts a
    // run of `default` unless it is listed too.
    let mut runs: Vec<(u32, Verdict)> = vec![(0, Verdict::Return(default))];
    let mut push = |start: u32, v: Verdict| match runs.last_mut() {
        Some(last) if last.1 == v => {}
        Some(last) if last.0 == start => *last = (start, v),
        _ => runs.push((start, v)),
    };
    for (n, v) in &verdicts {
        push(*n, v.clone());
        if !verdicts.contains_key(&(n + 1)) {
            push(n + 1, Verdict::Return(default));
        }
    }
    // A run replaced at its start may now equal the one before it: merge those.
    runs.dedup_by(|later, earlier| later.1 == earlier.1);
    Ok(bpf_tree::program(&runs))
}

/// Compile a validated policy.
pub fn compile(policy: &Policy) -> Result<CompiledSeccomp, SeccompError> {
    let sc = &policy.seccomp;
    let allowed: Vec<&str> = sc.allow.values().flatten().map(String::as_str).collect();
    for req in REQUIRED_BY_SANDBOX {
        if !allowed.contains(req) {
            return Err(SeccompError::MissingRequired(req));
        }
    }

    // 1. specific denials, grouped by action.
    let mut by_action: BTreeMap<(u8, i32), BTreeMap<i64, Vec<SeccompRule>>> = BTreeMap::new();
    let key = |a: DeniedAction| match a {
        DeniedAction::Errno(e) => (0u8, e),
        DeniedAction::Kill => (1u8, 0),
    };
    for (name, a) in &sc.deny {
        by_action
            .entry(key(*a))
            .or_default()
            .insert(nr(name)?, vec![]);
    }
    if allowed.contains(&"ioctl") {
        let conds = IOCTL_ALLOWED_REQUESTS
            .iter()
            .map(|(_, v)| cond(1, SeccompCmpOp::Ne, *v))
            .collect::<Result<Vec<_>, _>>()?;
        by_action
            .entry(key(DeniedAction::Errno(libc::ENOTTY)))
            .or_default()
            .insert(nr("ioctl")?, vec![rule(conds)?]);
    }
    if allowed.contains(&"clone") {
        let rules = CLONE_FORBIDDEN_FLAGS
            .iter()
            .map(|(_, f)| rule(vec![cond(0, SeccompCmpOp::MaskedEq(*f), *f)?]))
            .collect::<Result<Vec<_>, _>>()?;
        by_action
            .entry(key(DeniedAction::Errno(libc::EPERM)))
            .or_default()
            .insert(nr("clone")?, rules);
    }
    if allowed.contains(&"socket") {
        let conds = SOCKET_ALLOWED_FAMILIES
            .iter()
            .map(|(_, v)| cond(0, SeccompCmpOp::Ne, *v))
            .collect::<Result<Vec<_>, _>>()?;
        by_action
            .entry(key(DeniedAction::Errno(libc::EAFNOSUPPORT)))
            .or_default()
            .insert(nr("socket")?, vec![rule(conds)?]);
    }
    let mut programs = Vec::new();
    for ((kind, errno), rules) in by_action {
        let a = if kind == 0 {
            DeniedAction::Errno(errno)
        } else {
            DeniedAction::Kill
        };
        programs.push(build(rules, SeccompAction::Allow, action(a))?);
    }

    // 2. x32 guard.
    programs.push(bpf_tree::x32_killer());

    // 3. the allowlist, installed last so it is evaluated first.
    programs.push(allowlist_program(policy)?);

    Ok(CompiledSeccomp {
        programs: programs
            .iter()
            .map(|p| p.iter().map(pack).collect())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf_tree::interpret::{run, Call};
    use crate::bpf_tree::AUDIT_ARCH_X86_64;

    /// The allowlist as seccompiler lays it out (one comparison per call in a row):
    /// the reference the binary search must agree with.
    fn linear_allowlist(policy: &Policy) -> BpfProgram {
        let mut allow: BTreeMap<i64, Vec<SeccompRule>> = allowlist_numbers(policy)
            .unwrap()
            .into_iter()
            .map(|n| (i64::from(n), vec![]))
            .collect();
        if !policy
            .seccomp
            .allow
            .values()
            .flatten()
            .any(|c| c == "prctl")
        {
            let (_, option, value) = PRCTL_ALLOWED;
            let exact =
                SeccompCondition::new(1, SeccompCmpArgLen::Qword, SeccompCmpOp::Eq, value).unwrap();
            allow.insert(
                nr("prctl").unwrap(),
                vec![rule(vec![cond(0, SeccompCmpOp::Eq, option).unwrap(), exact]).unwrap()],
            );
        }
        build(
            allow,
            action(policy.seccomp.default_action),
            SeccompAction::Allow,
        )
        .unwrap()
    }

    fn shipped(name: &str) -> Policy {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
        crate::policy::load_file(&dir.join(format!("{name}.toml"))).expect("shipped policy")
    }

    #[test]
    fn the_allowlists_binary_search_decides_every_call_as_seccompilers_linear_filter() {
        let mut with_prctl = shipped("python-basic");
        with_prctl
            .seccomp
            .allow
            .entry("process".into())
            .or_default()
            .push("prctl".into());
        for policy in [shipped("python-basic"), shipped("python-data"), with_prctl] {
            let tree = allowlist_program(&policy).unwrap();
            let linear = linear_allowlist(&policy);
            assert!(
                tree.len() < linear.len() / 2,
                "{} vs {}",
                tree.len(),
                linear.len()
            );
            let prctl = nr("prctl").unwrap() as u32;
            let args_to_try: Vec<[u64; 6]> = [0u64, 1, 4, 1 << 32, 4 | (1 << 32), u64::MAX]
                .iter()
                .flat_map(|&a0| [0u64, 1, 2, 1 | (1 << 32)].map(|a1| [a0, a1, 0, 0, 0, 0]))
                .collect();
            for arch in [AUDIT_ARCH_X86_64, 0x4000_0003, 0] {
                for nr in (0..1100).chain((0..1100).map(|n| n | 0x4000_0000)) {
                    let args = if nr == prctl {
                        &args_to_try[..]
                    } else {
                        &args_to_try[..1]
                    };
                    for a in args {
                        let call = Call { nr, arch, args: *a };
                        assert_eq!(
                            run(&tree, &call),
                            run(&linear, &call),
                            "{}: nr {nr:#x} arch {arch:#x} args {a:?}",
                            policy.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn packing_round_trips() {
        let f = sock_filter {
            code: 0x15,
            jt: 3,
            jf: 7,
            k: 0xdead_beef,
        };
        assert_eq!(unpack(pack(&f)), f);
    }
}
