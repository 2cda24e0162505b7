//! `sandpit-runner exec`: run one program in the sandbox exactly as a job from the
//! server would run (same helper, same profile preparation), from the terminal.

use crate::helper_client;
use crate::profiles;
use crate::record::RecordBuilder;
use anyhow::{bail, Context, Result};
use sandpit_sandbox::frames::{read_frame, write_frame, Kind};
use sandpit_sandbox::spec::{JobInput, Outcome, PreparedProfile, Status};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub struct ExecArgs {
    pub profile: String,
    pub policies: Option<PathBuf>,
    pub stdin_file: Option<PathBuf>,
    pub lang: Option<String>,
    pub json: bool,
    pub program: PathBuf,
}

/// A job id for local runs: unique on this host while the job runs.
pub fn local_job_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("x{:x}{:08x}", std::process::id(), nanos)
}

pub fn lang_or_default(lang: Option<&str>, profile_default: &str) -> Result<String> {
    match lang {
        None => Ok(profile_default.to_string()),
        Some(l @ ("en" | "zh-CN")) => Ok(l.to_string()),
        Some(other) => bail!("unknown language {other:?}: use en or zh-CN"),
    }
}

pub fn run(args: ExecArgs) -> Result<i32> {
    let dir = args
        .policies
        .clone()
        .unwrap_or_else(profiles::default_policies_dir);
    let profile = profiles::load_one(&dir, &args.profile)?;
    crate::hostprep::prepare_cgroups(&profile)?;
    let raw = std::fs::read(&args.program)
        .with_context(|| format!("reading {}", args.program.display()))?;
    let code = String::from_utf8(raw)
        .with_context(|| format!("{} is not UTF-8 text", args.program.display()))?;
    let default_lang = match profile.policy.default_lang {
        sandpit_sandbox::policy::Lang::En => "en",
        sandpit_sandbox::policy::Lang::ZhCn => "zh-CN",
    };
    let lang = lang_or_default(args.lang.as_deref(), default_lang)?;
    let stdin_data = match &args.stdin_file {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("reading {}", p.display()))?),
        None => None,
    };
    let profile_name = profile.policy.name.clone();
    let input = JobInput {
        job_id: local_job_id(),
        code,
        env: vec![("SANDPIT_LANG".into(), lang)],
        collect: None,
    };
    let mut helper = helper_client::spawn_warm(&profile).context("starting the sandbox helper")?;
    helper
        .send_job(&input, &[])
        .context("sending the job to the sandbox helper")?;
    let mut child = helper.child;
    let mut out = helper.stdout;
    // The helper's stdin stays open for the whole job (closing it means "cancel"), so
    // it is shared between the stdin pump and this function.
    let control = Arc::new(Mutex::new(helper.stdin));
    match stdin_data {
        Some(data) => {
            let mut c = control.lock().map_err(|_| anyhow::anyhow!("lock"))?;
            write_frame(&mut *c, Kind::StdinData, &data)?;
            write_frame(&mut *c, Kind::StdinEof, &[])?;
        }
        None => spawn_stdin_pump(Arc::clone(&control)),
    }

    let mut builder = RecordBuilder::new(&profile_name);
    let mut outcome: Option<Outcome> = None;
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    while let Some((kind, payload)) = read_frame(&mut out)? {
        if kind == Kind::Outcome {
            outcome = Some(serde_json::from_slice(&payload).context("helper outcome")?);
            break;
        }
        if !args.json {
            // Live: the program's bytes exactly as written.
            match kind {
                Kind::Stdout => {
                    let mut o = stdout.lock();
                    o.write_all(&payload)?;
                    o.flush()?;
                }
                Kind::Stderr => {
                    let mut e = stderr.lock();
                    e.write_all(&payload)?;
                    e.flush()?;
                }
                _ => {}
            }
        }
        // Live mode printed the bytes above; the builder still keeps the record.
        let _ = builder.on_frame(kind, &payload);
    }
    child.wait();
    let Some(outcome) = outcome else {
        bail!("the sandbox helper ended without a result");
    };
    if let Some(step) = &outcome.failed_step {
        tracing::error!(step = %step, "sandbox set-up failed");
    }
    let status = outcome.status;
    let (record, _) = builder.finish(&outcome);
    if args.json {
        let mut o = stdout.lock();
        serde_json::to_writer(&mut o, &record)?;
        o.write_all(b"\n")?;
        return Ok(if status == Status::InternalError {
            2
        } else {
            0
        });
    }
    if !matches!(status, Status::Ok | Status::Error) {
        eprintln!("[sandpit] {} after {} ms", status.as_str(), record.wall_ms);
    }
    Ok(match (status, outcome.exit_code, outcome.signal) {
        (Status::Ok, _, _) => 0,
        (Status::Error, Some(c), _) => c,
        (Status::Timeout, _, _) => 124,
        (Status::InternalError, _, _) => 70,
        (_, _, Some(s)) => 128 + s,
        _ => 1,
    })
}

/// Forward this process's stdin to the program, as the terminal delivers it.
fn spawn_stdin_pump(control: Arc<Mutex<std::fs::File>>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 << 10];
        let mut input = std::io::stdin().lock();
        loop {
            let n = input.read(&mut buf).unwrap_or(0);
            let Ok(mut c) = control.lock() else { return };
            let res = if n == 0 {
                write_frame(&mut *c, Kind::StdinEof, &[])
            } else {
                write_frame(&mut *c, Kind::StdinData, &buf[..n])
            };
            if res.and_then(|_| c.flush()).is_err() || n == 0 {
                return;
            }
        }
    });
}

/// Run a prepared job to its end with fixed stdin and return its record (used by
/// `doctor` to prove each profile works end to end).
pub fn run_to_record(
    profile: &PreparedProfile,
    input: &JobInput,
    stdin: &[u8],
) -> Result<(crate::record::ResultRecord, Outcome)> {
    let mut helper = helper_client::spawn_warm(profile).context("starting the sandbox helper")?;
    helper
        .send_job(input, &[])
        .context("sending the job to the sandbox helper")?;
    let (mut child, mut control, mut out) = (helper.child, helper.stdin, helper.stdout);
    write_frame(&mut control, Kind::StdinData, stdin)?;
    write_frame(&mut control, Kind::StdinEof, &[])?;
    control.flush()?;
    let mut builder = RecordBuilder::new(&profile.policy.name);
    while let Some((kind, payload)) = read_frame(&mut out)? {
        if kind == Kind::Outcome {
            let outcome: Outcome = serde_json::from_slice(&payload)?;
            drop(control);
            child.wait();
            let (record, _) = builder.finish(&outcome);
            return Ok((record, outcome));
        }
        builder.on_frame(kind, &payload);
    }
    bail!("the sandbox helper ended without a result")
}
