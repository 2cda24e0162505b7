//! Policies: one TOML file per job profile, parsed strictly into [`model::Policy`].
//!
//! `load_*` read and validate files (every problem reported as `FILE:LINE: message`),
//! `explain` renders a policy for a reviewer, `syscalls` and `argument_filters` hold
//! the facts about system calls that both validation and the seccomp compiler use.
mod actions;
pub mod argument_filters;
mod diagnostic;
mod explain;
mod load;
pub mod model;
mod parse;
mod syscall_table;
pub mod syscalls;
mod validate;
mod validate_paths;
mod validate_seccomp;

#[cfg(test)]
mod tests;

pub use actions::{describe as describe_action, spelling as action_spelling};
pub use diagnostic::{Diagnostic, PolicyErrors};
pub use explain::explain;
pub use load::{load_dir, load_file, load_named};
pub use model::*;
