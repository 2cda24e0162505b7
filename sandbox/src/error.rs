//! Errors of the sandbox, each naming the step that failed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares `Step` and its decoder from one list, so the two can't drift apart.
macro_rules! steps {
    ($first:ident $(, $rest:ident)* $(,)?) => {
        /// Every step of setting up a job, in order. A failure names its step so the
        /// runner's log says exactly which protection could not be applied; the kid
        /// only ever sees `internal_error`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[repr(u8)]
        pub enum Step {
            $first = 1,
            $($rest,)*
        }

        impl Step {
            /// The step with this wire number (the child reports steps as one byte).
            pub fn from_u8(v: u8) -> Option<Step> {
                [Step::$first $(, Step::$rest)*].into_iter().find(|s| *s as u8 == v)
            }
        }
    };
}

steps!(
    SpawnHelper,
    ReadSpec,
    ValidateSpec,
    UidSlot,
    CgroupCreate,
    CgroupAttach,
    OpenTree,
    Pipes,
    Clone,
    UidMap,
    WaitRelease,
    UnshareCgroup,
    SetGroups,
    BecomeInnerRoot,
    Hostname,
    MountPrivate,
    RootTmpfs,
    BindReadOnly,
    Symlinks,
    WorkDir,
    Tmp,
    Etc,
    Dev,
    Proc,
    WriteFiles,
    PivotRoot,
    RemountRootReadOnly,
    Rlimits,
    DropBoundingCaps,
    DropAmbientCaps,
    DropInheritableCaps,
    SwitchToKidUser,
    DropEffectiveCaps,
    VerifyCaps,
    ParentDeathSignal,
    NotDumpable,
    Landlock,
    Seccomp,
    ForkInterpreter,
    ExecInterpreter,
    StdioSetup,
    Supervise,
    Report,
);

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A setup step that failed, with the call and the OS error.
#[derive(Debug, thiserror::Error)]
#[error("sandbox step {step} failed in {call}: {source}")]
pub struct StepError {
    pub step: Step,
    pub call: &'static str,
    #[source]
    pub source: std::io::Error,
}

impl StepError {
    pub fn new(step: Step, call: &'static str, source: std::io::Error) -> Self {
        StepError { step, call, source }
    }

    pub fn errno(step: Step, call: &'static str, errno: nix::errno::Errno) -> Self {
        StepError::new(step, call, std::io::Error::from_raw_os_error(errno as i32))
    }

    /// A failed check that has no OS error (e.g. Landlock only partly enforced).
    pub fn check(step: Step, call: &'static str, what: impl Into<String>) -> Self {
        StepError::new(step, call, std::io::Error::other(what.into()))
    }
}

/// Shorthand: turn any nix result into a step error.
pub trait AtStep<T> {
    fn at(self, step: Step, call: &'static str) -> Result<T, StepError>;
}

impl<T> AtStep<T> for nix::Result<T> {
    fn at(self, step: Step, call: &'static str) -> Result<T, StepError> {
        self.map_err(|e| StepError::errno(step, call, e))
    }
}

impl<T> AtStep<T> for std::io::Result<T> {
    fn at(self, step: Step, call: &'static str) -> Result<T, StepError> {
        self.map_err(|e| StepError::new(step, call, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_round_trips_through_its_wire_number() {
        for v in 0..=u8::MAX {
            if let Some(step) = Step::from_u8(v) {
                assert_eq!(step as u8, v);
            }
        }
        assert_eq!(Step::from_u8(1), Some(Step::SpawnHelper));
        assert_eq!(Step::from_u8(Step::Report as u8), Some(Step::Report));
        assert_eq!(Step::from_u8(0), None);
    }
}
