//! Checks of `[seccomp]`: every name a real x86-64 syscall, nothing never-allowed,
//! nothing listed twice or both allowed and denied, and the calls the sandbox itself
//! needs present.

use std::collections::{BTreeMap, HashMap};

use super::actions;
use super::diagnostic::{did_you_mean, Problems};
use super::model::{DeniedAction, SeccompPolicy};
use super::parse::{At, RawPolicy};
use super::syscalls;

pub(super) fn seccomp(raw: &RawPolicy, problems: &mut Problems) -> SeccompPolicy {
    let enosys = DeniedAction::Errno(libc::ENOSYS);
    let default_action = match &raw.default_action {
        None => enosys,
        Some(a) => actions::parse(&a.value).unwrap_or_else(|why| {
            problems.at(a.line, format!("default_action: {why}"));
            enosys
        }),
    };

    // Allowed calls, checked in file order so "listed before" points at the earlier line.
    let mut listed: Vec<(&At<String>, &At<String>)> = raw
        .allow
        .iter()
        .flat_map(|(g, names)| names.iter().map(move |n| (g, n)))
        .collect();
    listed.sort_by_key(|(_, n)| n.line);
    let mut allowed: HashMap<&str, (&str, usize)> = HashMap::new();
    for (group, call) in listed {
        if let Some(why) = check_syscall_name(&call.value) {
            problems.at(call.line, why);
        } else if let Some(reason) = syscalls::never_allowed_reason(&call.value) {
            problems.at(
                call.line,
                format!("syscall `{}` can never be allowed: {reason}", call.value),
            );
        } else if let Some((first_group, first_line)) = allowed.get(call.value.as_str()) {
            problems.at(
                call.line,
                format!(
                    "syscall `{}` is already allowed in group `{first_group}` (line {first_line})",
                    call.value
                ),
            );
        } else {
            allowed.insert(&call.value, (&group.value, call.line));
        }
    }
    for (group, _) in &raw.allow {
        let ok = group
            .value
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase())
            && group
                .value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            problems.at(
                group.line,
                format!(
                    "group name `{}` must be lowercase letters, digits and `_`",
                    group.value
                ),
            );
        }
    }
    let missing: Vec<String> = syscalls::REQUIRED_BY_SANDBOX
        .iter()
        .filter(|c| !allowed.contains_key(*c))
        .map(|c| format!("`{c}`"))
        .collect();
    if let (false, Some(line)) = (missing.is_empty(), raw.allow_line) {
        problems.at(
            line,
            format!(
                "[seccomp.allow] must include {}: the sandbox's init needs them to start \
                 and reap the program",
                missing.join(", ")
            ),
        );
    }

    let mut deny = BTreeMap::new();
    for (call, action) in &raw.deny {
        if let Some(why) = check_syscall_name(&call.value) {
            problems.at(call.line, why);
        } else if let Some((group, line)) = allowed.get(call.value.as_str()) {
            problems.at(
                call.line,
                format!(
                    "syscall `{}` is both denied here and allowed in group `{group}` (line {line})",
                    call.value
                ),
            );
        }
        match actions::parse(&action.value) {
            Ok(a) => {
                deny.insert(call.value.clone(), a);
            }
            Err(why) => problems.at(action.line, format!("`{}`: {why}", call.value)),
        }
    }

    // glibc creates threads with clone3 and falls back to clone only on ENOSYS; any other
    // answer would break every thread and subprocess.
    let clone3_answer = deny.get("clone3").copied().unwrap_or(default_action);
    if allowed.contains_key("clone") && clone3_answer != DeniedAction::Errno(libc::ENOSYS) {
        let line = raw.deny.iter().find(|(c, _)| c.value == "clone3").map_or(
            raw.default_action.as_ref().map_or(0, |a| a.line),
            |(c, _)| c.line,
        );
        problems.at(
            line,
            "`clone3` must answer \"errno:ENOSYS\" when `clone` is allowed, so that \
             glibc falls back to `clone` (whose flags the sandbox can check)",
        );
    }

    let mut allow: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (group, names) in &raw.allow {
        allow.insert(
            group.value.clone(),
            names.iter().map(|n| n.value.clone()).collect(),
        );
    }
    SeccompPolicy {
        default_action,
        allow,
        deny,
    }
}

/// `None` when `name` is a known x86-64 syscall, else the message (with a suggestion).
fn check_syscall_name(name: &str) -> Option<String> {
    match syscalls::number(name) {
        Some(_) => None,
        None => Some(format!(
            "unknown syscall `{name}`{}",
            did_you_mean(name, syscalls::all_names())
        )),
    }
}
