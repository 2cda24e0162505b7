//! One warm interpreter per profile that allows it (`sandpit_sandbox::zygote`): the
//! pool asks it for helpers instead of exec'ing them, so no job pays for an
//! interpreter's start. Started on first use; a zygote that stops answering is
//! replaced once per request, and if that fails too the caller starts its helper the
//! ordinary way, and so do the requests of the next half minute (a zygote that can't
//! start must not cost every job a failed start).

use sandpit_sandbox::spec::PreparedProfile;
use sandpit_sandbox::zygote::{ForkedHelper, Zygote};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long jobs start their own interpreter after a zygote could not be started.
const RETRY_AFTER: Duration = Duration::from_secs(30);

pub struct ZygoteSlot {
    profile: Arc<PreparedProfile>,
    lib: PathBuf,
    running: Mutex<Running>,
}

#[derive(Default)]
struct Running {
    zygote: Option<Zygote>,
    failed_at: Option<Instant>,
}

impl ZygoteSlot {
    pub fn new(profile: Arc<PreparedProfile>, lib: PathBuf) -> ZygoteSlot {
        ZygoteSlot {
            profile,
            lib,
            running: Mutex::new(Running::default()),
        }
    }

    /// Fork a helper (blocking: run it on a blocking thread).
    pub fn fork_helper(&self) -> io::Result<ForkedHelper> {
        let mut running = self
            .running
            .lock()
            .map_err(|_| io::Error::other("zygote lock poisoned"))?;
        if let Some(z) = running.zygote.as_ref() {
            match z.fork_helper() {
                Ok(h) => return Ok(h),
                Err(e) => {
                    tracing::warn!(profile = %self.profile.policy.name, "zygote stopped answering ({e}); starting another")
                }
            }
        }
        running.zygote = None; // a zygote that failed once is killed and not asked again
        if running.failed_at.is_some_and(|t| t.elapsed() < RETRY_AFTER) {
            // Said once when it failed; not again for every job meanwhile.
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "no zygote (it failed to start recently)",
            ));
        }
        let started = Zygote::spawn(&self.profile, &self.lib).and_then(|z| {
            let h = z.fork_helper()?;
            Ok((z, h))
        });
        match started {
            Ok((z, h)) => {
                tracing::info!(profile = %self.profile.policy.name, pid = z.id(), "jobs fork from a warm interpreter");
                running.zygote = Some(z);
                running.failed_at = None;
                Ok(h)
            }
            Err(e) => {
                tracing::error!(profile = %self.profile.policy.name, "could not start a warm interpreter, jobs start their own for {}s: {e}", RETRY_AFTER.as_secs());
                running.failed_at = Some(Instant::now());
                Err(e)
            }
        }
    }
}
