//! The per-job helper process: a fresh, single-threaded re-execution of the runner
//! binary (`sandpit-runner __sandbox-helper`). Being its own process keeps the namespace
//! work away from the runner's threads and keeps a crash in set-up from touching it.
//!
//! Two phases, so a runner can keep sandboxes warm:
//! 1. `Profile` frame → build the sandbox and park it (namespaces, root, cgroup);
//! 2. `Job` + `File`… + `Start` frames → hand the job to the parked child, supervise it,
//!    stream output frames on stdout, and end with one `Outcome` frame.

use crate::cgroup::JobCgroup;
use crate::child::KidStart;
use crate::frames::{decode_named, read_frame, write_frame, Kind};
use crate::launch::Forked;
use crate::spec::{valid_file_name, JobInput, Outcome, Status, WarmSpec};
use crate::supervise::{supervise, Sink};
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};

/// The hidden subcommand that runs the helper.
pub const HELPER_ARG: &str = "__sandbox-helper";
const MAX_FILES: usize = 64;
const MAX_FILES_BYTES: usize = 32 << 20;

/// Input files: (name, content).
type Files = Vec<(String, Vec<u8>)>;

struct StdoutSink<'a>(std::io::StdoutLock<'a>);

impl Sink for StdoutSink<'_> {
    fn frame(&mut self, kind: Kind, payload: &[u8]) -> std::io::Result<()> {
        write_frame(&mut self.0, kind, payload)?;
        self.0.flush()
    }
}

fn internal_error(step: String) -> Outcome {
    Outcome {
        status: Status::InternalError,
        exit_code: None,
        signal: None,
        truncated: false,
        wall_ms: 0,
        cpu_ms: 0,
        memory_peak_bytes: 0,
        failed_step: Some(step),
    }
}

/// The control stream, read unbuffered: set-up reads exactly its frames and leaves
/// whatever follows (early stdin) in the pipe for the supervisor. (No read buffer:
/// each helper is a fresh process, where every page first touched costs a fault.)
struct Control<'a>(BorrowedFd<'a>);

impl std::io::Read for Control<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match nix::unistd::read(self.0, buf) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => return other.map_err(std::io::Error::from),
            }
        }
    }
}

/// The next frame from the control stream.
fn next_frame(control: BorrowedFd<'_>) -> Result<(Kind, Vec<u8>), String> {
    match read_frame(&mut Control(control)) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err("ReadSpec: the runner closed the pipe".into()),
        Err(e) => Err(format!("ReadSpec: {e}")),
    }
}

/// Wait for the next byte of the control stream; true when it ended instead.
fn at_eof(control: BorrowedFd<'_>) -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut pfd = [PollFd::new(control, PollFlags::POLLIN)];
    loop {
        match poll(&mut pfd, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return true,
            Ok(_) => {
                let r = pfd[0].revents().unwrap_or(PollFlags::empty());
                // Readable data wins over a hang-up that follows it.
                return !r.contains(PollFlags::POLLIN)
                    && r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR);
            }
        }
    }
}

fn read_profile(control: BorrowedFd<'_>) -> Result<WarmSpec, String> {
    match next_frame(control)? {
        (Kind::Profile, p) => {
            serde_json::from_slice(&p).map_err(|e| format!("ReadSpec: bad profile: {e}"))
        }
        (other, _) => Err(format!("ReadSpec: expected the profile, got {other:?}")),
    }
}

fn read_job(control: BorrowedFd<'_>) -> Result<(JobInput, Files), String> {
    let mut input: Option<JobInput> = None;
    let mut files = Vec::new();
    let mut total = 0usize;
    loop {
        match next_frame(control)? {
            (Kind::Job, p) => {
                input = Some(
                    serde_json::from_slice(&p).map_err(|e| format!("ReadSpec: bad job: {e}"))?,
                )
            }
            (Kind::File, p) => {
                let (name, data) = decode_named(&p).ok_or("ReadSpec: bad file frame")?;
                total += data.len();
                if !valid_file_name(&name) || files.len() >= MAX_FILES || total > MAX_FILES_BYTES {
                    return Err(format!("ValidateSpec: file {name:?} refused"));
                }
                files.push((name, data.to_vec()));
            }
            (Kind::Start, _) => {
                let input = input.ok_or("ReadSpec: start before the job")?;
                input.validate().map_err(|e| format!("ValidateSpec: {e}"))?;
                return Ok((input, files));
            }
            (other, _) => return Err(format!("ReadSpec: unexpected frame {other:?}")),
        }
    }
}

/// How a helper's run ends: its outcome (and the cgroup to remove after reporting
/// it), or, in the program's own process of a forked helper, back to the interpreter.
enum RunEnd {
    Done(Outcome, Option<JobCgroup>),
    Kid(KidStart),
}

fn run(control: BorrowedFd<'_>, sink: &mut StdoutSink<'_>, forked: bool) -> RunEnd {
    let failed = |e: String| RunEnd::Done(internal_error(e), None);
    let warm = match read_profile(control) {
        Ok(w) => w,
        Err(e) => return failed(e),
    };
    let tag = format!("{}", std::process::id());
    let parked = if forked {
        match crate::launch::park_forked(&warm.profile, &tag, warm.cgroup.as_ref()) {
            Ok(Forked::Parked(p)) => p,
            Ok(Forked::Kid(kid)) => return RunEnd::Kid(kid),
            Err(e) => return failed(e.to_string()),
        }
    } else {
        match crate::launch::park(&warm.profile, &tag) {
            Ok(p) => p,
            Err(e) => return failed(e.to_string()),
        }
    };
    if sink.frame(Kind::Parked, &[]).is_err() {
        return failed("Report: the runner went away".into());
    }
    if at_eof(control) {
        // A warm sandbox let go without a job (runner shutdown, pool trimmed): not a
        // failure; the parked child exits when our end of its job pipe closes.
        // SAFETY: _exit ends the helper at once; everything it wrote was flushed.
        unsafe { libc::_exit(0) }
    }
    let (input, files) = match read_job(control) {
        Ok(j) => j,
        Err(e) => return failed(e),
    };
    let job = match parked.start(&input, &files) {
        Ok(j) => j,
        Err(e) => return failed(e.to_string()),
    };
    // Anything sent after Start (early stdin) is still in the pipe, for the supervisor.
    let limits = &warm.profile.policy.limits;
    let (outcome, cgroup) = supervise(job, limits, input.collect, control, sink, Vec::new());
    RunEnd::Done(outcome, cgroup)
}

/// Ctrl-C in a terminal reaches the CLI, which closes our stdin (→ cancel) instead of
/// killing us mid-cleanup; a runner that went away is a write error, not a signal.
fn ignore_interrupts() {
    for sig in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGPIPE,
    ] {
        // SAFETY: installing SIG_IGN runs no handler code.
        let _ = unsafe { nix::sys::signal::signal(sig, nix::sys::signal::SigHandler::SigIgn) };
    }
}

/// Entry point; returns the process exit code.
pub fn helper_main() -> i32 {
    // Die with the runner.
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    ignore_interrupts();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut sink = StdoutSink(stdout.lock());
    match run(stdin.as_fd(), &mut sink, false) {
        RunEnd::Done(outcome, cgroup) => finish(outcome, cgroup, &mut sink),
        // Only a forked helper's program returns.
        RunEnd::Kid(_) => 1,
    }
}

/// A helper forked from a warm interpreter (`zygote`), with the runner's pipes on fds
/// 0–2: the same protocol as `helper_main`. The helper itself exits here; only the
/// program's process returns, confined, into the interpreter. (No parent-death
/// signal: the parent is the zygote. A runner that goes away closes our stdin, which
/// cancels the job, as it does for `helper_main`.)
pub fn helper_main_forked() -> KidStart {
    ignore_interrupts();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut sink = StdoutSink(stdout.lock());
    let code = match run(stdin.as_fd(), &mut sink, true) {
        RunEnd::Kid(kid) => return kid,
        RunEnd::Done(outcome, cgroup) => finish(outcome, cgroup, &mut sink),
    };
    // SAFETY: _exit ends the helper without running the interpreter's exit handlers
    // (it is a copy of the zygote's image); the outcome was flushed.
    unsafe { libc::_exit(code) }
}

/// Report the outcome, then remove the cgroup; the process exit code.
fn finish(outcome: Outcome, cgroup: Option<JobCgroup>, sink: &mut StdoutSink<'_>) -> i32 {
    if let Some(step) = &outcome.failed_step {
        eprintln!("sandpit helper: job failed: {step}");
    }
    let json = serde_json::to_vec(&outcome).unwrap_or_default();
    let sent = sink.frame(Kind::Outcome, &json);
    // Removing the cgroup (it may wait for the kernel to finish freeing the job's
    // tasks) happens after the outcome is on its way.
    drop(cgroup);
    i32::from(sent.is_err())
}
