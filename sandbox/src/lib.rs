//! sandpit-sandbox: runs one untrusted Python program in a closed box.
//!
//! Layout: `policy` (the declarative model and its strict parser), `seccomp` and
//! `landlock_rules` (policy → kernel rules, as data), `cgroup` (per-job cgroups),
//! `interp` (which interpreter, which files of it), `launch` (parent side of set-up),
//! `child` (the sandboxed side, top to bottom), `supervise` (the poll loop and the
//! verdict), `helper` (the per-job process the runner starts), `frames` (the byte
//! protocol between runner and helper), `zygote` (warm interpreters that fork jobs),
//! `netns` (empty network namespaces lent to one forked sandbox at a time).

pub mod bpf_tree;
pub mod cgroup;
pub mod cgroup_pool;
pub mod child;
pub mod collect;
pub mod error;
pub mod frames;
pub mod helper;
pub mod hostids;
pub mod interp;
pub mod landlock_rules;
pub mod launch;
pub mod netns;
pub mod policy;
pub mod report;
pub mod seccomp;
pub mod spec;
pub mod supervise;
pub mod sys;
pub mod uidslot;
pub mod zygote;
