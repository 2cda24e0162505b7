//! Starting the per-job sandbox helper: a fresh copy of this binary with a clean
//! environment (nothing of the runner's, such as its token, can reach the job), fed the
//! job over its stdin as frames.

use sandpit_sandbox::frames::{encode_named, write_frame, Kind};
use sandpit_sandbox::helper::HELPER_ARG;
use sandpit_sandbox::spec::JobSpec;
use std::io::{self, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

pub struct HelperProcess {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
}

/// Spawn the helper and hand it the job. Stdin frames (and cancel) may follow on
/// `stdin`; output frames come on `stdout`, ending with `Outcome`.
pub fn start(spec: &JobSpec, files: &[(String, Vec<u8>)]) -> io::Result<HelperProcess> {
    let mut child = Command::new("/proc/self/exe")
        .arg(HELPER_ARG)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("helper stdin"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("helper stdout"))?;
    let spec_json = serde_json::to_vec(spec).map_err(io::Error::other)?;
    let mut msg = Vec::with_capacity(spec_json.len() + 64);
    write_frame(&mut msg, Kind::Spec, &spec_json)?;
    for (name, data) in files {
        write_frame(&mut msg, Kind::File, &encode_named(name, data))?;
    }
    write_frame(&mut msg, Kind::Start, &[])?;
    stdin.write_all(&msg)?;
    stdin.flush()?;
    Ok(HelperProcess {
        child,
        stdin,
        stdout,
    })
}
