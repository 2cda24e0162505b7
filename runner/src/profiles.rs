//! Loading and preparing job profiles once, when the runner (or `exec`) starts:
//! validate the policy, compile its seccomp programs, resolve its interpreter.

use anyhow::{bail, Context, Result};
use sandpit_sandbox::hostids::HostSetup;
use sandpit_sandbox::interp;
use sandpit_sandbox::policy::{self, Policy};
use sandpit_sandbox::seccomp;
use sandpit_sandbox::spec::PreparedProfile;
use std::path::{Path, PathBuf};

/// A checkout's own directory next to this binary (`target/{debug,release}/`), so a
/// freshly built runner finds the repository's policies and runtime from any cwd.
fn beside_checkout(rel: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join(rel))
}

/// Where policies live when nothing says otherwise: `$SANDPIT_POLICIES_DIR`,
/// `./policies`, the checkout the binary was built in, else the installed location.
pub fn default_policies_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SANDPIT_POLICIES_DIR") {
        return PathBuf::from(d);
    }
    [Some(PathBuf::from("policies")), beside_checkout("policies")]
        .into_iter()
        .flatten()
        .find(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("/etc/sandpit/policies"))
}

/// The interpreter a profile uses: `RUNNER_PYTHON_BIN` when the policy allows
/// replacing it, else the policy's own.
pub fn interpreter_for(p: &Policy) -> PathBuf {
    match std::env::var_os("RUNNER_PYTHON_BIN") {
        Some(bin) if p.interpreter.allow_runner_override && !bin.is_empty() => PathBuf::from(bin),
        _ => p.interpreter.python.clone(),
    }
}

/// Where the kid runtime package lives on this host: `$SANDPIT_RUNTIME_DIR`,
/// `./runtime/python`, the checkout the binary was built in, else the installed
/// location.
pub fn runtime_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SANDPIT_RUNTIME_DIR") {
        return PathBuf::from(d).canonicalize().ok();
    }
    [
        Some(PathBuf::from("runtime/python")),
        beside_checkout("runtime/python"),
        Some(PathBuf::from("/usr/share/sandpit/runtime")),
    ]
    .into_iter()
    .flatten()
    .find(|d| d.join("sitecustomize.py").is_file())
    .and_then(|d| d.canonicalize().ok())
}

/// The zygote library for `profile`'s jobs, when they can fork from a warm
/// interpreter; `None`: every job starts its own interpreter, as before.
pub fn zygote_lib(profile: &PreparedProfile) -> Option<PathBuf> {
    warm_fork(profile).ok()
}

/// The zygote library, or why there is none (`doctor` says which): not turned off
/// (`SANDPIT_WARM_FORK=off`), a profile that allows it
/// (`sandpit_sandbox::zygote::unsupported`), and the library found:
/// `$SANDPIT_ZYGOTE_LIB`, else beside this binary (a build's `target/*/`), else
/// `../lib/sandpit/` from it, else `/usr/lib/sandpit/`.
pub fn warm_fork(profile: &PreparedProfile) -> Result<PathBuf, String> {
    if std::env::var("SANDPIT_WARM_FORK").is_ok_and(|v| v == "off") {
        return Err("SANDPIT_WARM_FORK=off".into());
    }
    if let Some(why) = sandpit_sandbox::zygote::unsupported(profile) {
        return Err(why.into());
    }
    const NAME: &str = "libsandpit_zygote.so";
    if let Some(lib) = std::env::var_os("SANDPIT_ZYGOTE_LIB") {
        return Ok(PathBuf::from(lib));
    }
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.to_path_buf()));
    // A build's target/*/, or an install's bin/../lib/sandpit/ (under any DESTDIR).
    let beside = dir.as_ref().map(|d| d.join(NAME));
    let installed = dir.as_ref().map(|d| d.join("../lib/sandpit").join(NAME));
    [
        beside,
        installed,
        Some(PathBuf::from("/usr/lib/sandpit").join(NAME)),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file())
    .ok_or_else(|| format!("{NAME} not found (set SANDPIT_ZYGOTE_LIB)"))
}

/// Turn a validated policy into a prepared profile.
pub fn prepare(p: Policy) -> Result<PreparedProfile> {
    let seccomp =
        seccomp::compile(&p).with_context(|| format!("profile {}: compiling seccomp", p.name))?;
    let host = HostSetup::detect()?;
    let python = interpreter_for(&p);
    let interpreter = interp::resolve_cached(&python, Some(&host.state_dir.join("cache")))
        .with_context(|| format!("profile {}: interpreter {}", p.name, python.display()))?;
    let runtime_dir = if p.runtime.enabled {
        let dir = runtime_dir().with_context(|| {
            format!(
                "profile {}: the kid runtime is enabled but not found (set SANDPIT_RUNTIME_DIR \
                 or install it at /usr/share/sandpit/runtime)",
                p.name
            )
        })?;
        Some(dir)
    } else {
        None
    };
    Ok(PreparedProfile {
        policy: p,
        seccomp,
        interpreter,
        runtime_dir,
        runtime_env: Vec::new(),
        local_time_zone: crate::time_zone::host_zone(),
        host,
    })
}

/// Load one named profile from `dir` and prepare it.
pub fn load_one(dir: &Path, name: &str) -> Result<PreparedProfile> {
    match policy::load_named(dir, name) {
        Ok(p) => prepare(p),
        Err(errs) => bail!("{errs}"),
    }
}
