//! The per-job helper process: a fresh, single-threaded re-execution of the runner
//! binary (`sandpit-runner __sandbox-helper`). It reads one job from stdin (frames),
//! starts the sandbox, supervises it, streams output frames on stdout, and ends with
//! an `Outcome` frame. Being its own process keeps the namespace work away from the
//! runner's threads and keeps a crash in set-up from touching the runner.

use crate::frames::{decode_named, write_frame, FrameBuffer, Kind};
use crate::spec::{valid_file_name, JobSpec, Outcome, Status};
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

/// Read frames until `Start`: the spec and its files.
fn read_job(control: BorrowedFd<'_>, buf: &mut FrameBuffer) -> Result<(JobSpec, Files), String> {
    let mut spec: Option<JobSpec> = None;
    let mut files = Vec::new();
    let mut total = 0usize;
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        while let Some((kind, payload)) = buf.next_frame().map_err(|e| format!("ReadSpec: {e}"))? {
            match kind {
                Kind::Spec => {
                    spec = Some(
                        serde_json::from_slice(&payload)
                            .map_err(|e| format!("ReadSpec: bad spec: {e}"))?,
                    )
                }
                Kind::File => {
                    let (name, data) = decode_named(&payload).ok_or("ReadSpec: bad file frame")?;
                    total += data.len();
                    if !valid_file_name(&name)
                        || files.len() >= MAX_FILES
                        || total > MAX_FILES_BYTES
                    {
                        return Err(format!("ValidateSpec: file {name:?} refused"));
                    }
                    files.push((name, data.to_vec()));
                }
                Kind::Start => {
                    return spec
                        .map(|s| (s, files))
                        .ok_or_else(|| "ReadSpec: start before spec".into())
                }
                other => return Err(format!("ReadSpec: unexpected frame {other:?}")),
            }
        }
        let n =
            nix::unistd::read(control.as_fd(), &mut chunk).map_err(|e| format!("ReadSpec: {e}"))?;
        if n == 0 {
            return Err("ReadSpec: the runner closed the pipe".into());
        }
        buf.push(&chunk[..n]);
    }
}

fn validate(spec: &JobSpec) -> Result<(), String> {
    let id_ok = !spec.job_id.is_empty()
        && spec.job_id.len() <= 64
        && spec
            .job_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err("ValidateSpec: bad job id".into());
    }
    for (k, _) in &spec.env {
        if !k.starts_with("SANDPIT_") || !k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
            return Err(format!("ValidateSpec: job env {k:?} refused"));
        }
    }
    Ok(())
}

/// Entry point; returns the process exit code.
pub fn helper_main() -> i32 {
    // Die with the runner; Ctrl-C in a terminal reaches the CLI, which closes our stdin
    // (→ cancel) instead of killing us mid-cleanup.
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    for sig in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGPIPE,
    ] {
        // SAFETY: installing SIG_IGN has no handler code to be unsafe about.
        let _ = unsafe { nix::sys::signal::signal(sig, nix::sys::signal::SigHandler::SigIgn) };
    }
    let stdin = std::io::stdin();
    let control = stdin.as_fd();
    let stdout = std::io::stdout();
    let mut sink = StdoutSink(stdout.lock());
    let mut buf = FrameBuffer::default();
    let outcome = match read_job(control, &mut buf) {
        Err(e) => internal_error(e),
        Ok((spec, files)) => match validate(&spec) {
            Err(e) => internal_error(e),
            Ok(()) => match crate::launch::launch(&spec, files) {
                Err(e) => internal_error(e.to_string()),
                Ok(job) => {
                    // Frames that arrived in the same read as Start (early stdin) go
                    // to the supervisor first.
                    supervise(job, &spec, control, &mut sink, buf.take_rest())
                }
            },
        },
    };
    if let Some(step) = &outcome.failed_step {
        eprintln!("sandpit helper: job failed: {step}");
    }
    let json = serde_json::to_vec(&outcome).unwrap_or_default();
    if sink.frame(Kind::Outcome, &json).is_err() {
        return 1;
    }
    0
}
