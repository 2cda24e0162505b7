//! One warm interpreter per profile that allows it (`sandpit_sandbox::zygote`): the
//! pool asks it for helpers instead of exec'ing them, so no job pays for an
//! interpreter's start. Started on first use; a zygote that stops answering is
//! replaced once per request, and if that fails too the caller starts its helper the
//! ordinary way.

use sandpit_sandbox::spec::PreparedProfile;
use sandpit_sandbox::zygote::{ForkedHelper, Zygote};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub struct ZygoteSlot {
    profile: Arc<PreparedProfile>,
    lib: PathBuf,
    running: Mutex<Option<Zygote>>,
}

impl ZygoteSlot {
    pub fn new(profile: Arc<PreparedProfile>, lib: PathBuf) -> ZygoteSlot {
        ZygoteSlot {
            profile,
            lib,
            running: Mutex::new(None),
        }
    }

    /// Fork a helper (blocking: run it on a blocking thread).
    pub fn fork_helper(&self) -> io::Result<ForkedHelper> {
        let mut running = self
            .running
            .lock()
            .map_err(|_| io::Error::other("zygote lock poisoned"))?;
        if let Some(z) = running.as_ref() {
            match z.fork_helper() {
                Ok(h) => return Ok(h),
                Err(e) => {
                    tracing::warn!(profile = %self.profile.policy.name, "zygote stopped answering ({e}); starting another")
                }
            }
        }
        *running = None; // a zygote that failed once is killed and not asked again
        let z = Zygote::spawn(&self.profile, &self.lib)?;
        tracing::info!(profile = %self.profile.policy.name, pid = z.id(), "jobs fork from a warm interpreter");
        let h = z.fork_helper()?;
        *running = Some(z);
        Ok(h)
    }
}
