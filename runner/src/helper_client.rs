//! Starting per-job sandbox helpers: fresh copies of this binary with a clean
//! environment (nothing of the runner's, such as its token, can reach a job).
//!
//! A helper is started with a profile only and builds and parks its sandbox at once
//! ("warm"); the job is sent later with `send_job`. `exec` does both back to back; the
//! worker keeps warm helpers ready so a claimed job only pays for Python's start.

use sandpit_sandbox::frames::{encode_named, write_frame, Kind};
use sandpit_sandbox::helper::HELPER_ARG;
use sandpit_sandbox::spec::{JobInput, PreparedProfile, WarmSpec};
use std::io::{self, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

pub struct HelperProcess {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
}

/// The helper's command line: this same binary, a clean environment, frames on its
/// stdin and stdout, its log on our stderr. (The worker wraps it in tokio's Command.)
pub fn helper_command() -> Command {
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg(HELPER_ARG)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// The `Profile` frame that makes a helper build and park a sandbox.
pub fn warm_frame(profile: &PreparedProfile) -> io::Result<Vec<u8>> {
    let warm = serde_json::to_vec(&WarmSpec {
        profile: profile.clone(),
    })
    .map_err(io::Error::other)?;
    let mut frame = Vec::with_capacity(warm.len() + 5);
    write_frame(&mut frame, Kind::Profile, &warm)?;
    Ok(frame)
}

/// Spawn a helper and have it build a sandbox for `profile`.
pub fn spawn_warm(profile: &PreparedProfile) -> io::Result<HelperProcess> {
    let mut child = helper_command().spawn()?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("helper stdin"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("helper stdout"))?;
    stdin.write_all(&warm_frame(profile)?)?;
    stdin.flush()?;
    Ok(HelperProcess {
        child,
        stdin,
        stdout,
    })
}

/// The job's frames: the job itself, its files, then `Start`.
pub fn job_frames(input: &JobInput, files: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(input).map_err(io::Error::other)?;
    let mut msg = Vec::with_capacity(json.len() + 64);
    write_frame(&mut msg, Kind::Job, &json)?;
    for (name, data) in files {
        write_frame(&mut msg, Kind::File, &encode_named(name, data))?;
    }
    write_frame(&mut msg, Kind::Start, &[])?;
    Ok(msg)
}

impl HelperProcess {
    /// Hand a job to this (warm) helper. Stdin frames and cancel may follow on `stdin`;
    /// output frames come on `stdout`, ending with `Outcome`.
    pub fn send_job(&mut self, input: &JobInput, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        self.stdin.write_all(&job_frames(input, files)?)?;
        self.stdin.flush()
    }
}
