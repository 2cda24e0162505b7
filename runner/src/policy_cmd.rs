//! `sandpit-runner policy check|explain`.

use crate::profiles;
use anyhow::{bail, Result};
use sandpit_sandbox::policy::{self, Diagnostic};
use std::path::PathBuf;

/// Validate files and directories (default: the policies directory). Prints
/// `FILE:LINE: message` per problem; returns the exit code.
pub fn check(paths: Vec<PathBuf>) -> Result<i32> {
    let paths = if paths.is_empty() {
        vec![profiles::default_policies_dir()]
    } else {
        paths
    };
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut ok = 0usize;
    for p in &paths {
        if p.is_dir() {
            let (pols, d) = policy::load_dir(p);
            ok += pols.len();
            diags.extend(d);
        } else {
            match policy::load_file(p) {
                Ok(_) => ok += 1,
                Err(e) => diags.extend(e.0),
            }
        }
    }
    for d in &diags {
        println!("{d}");
    }
    if diags.is_empty() {
        println!("{ok} policy file(s) valid");
        Ok(0)
    } else {
        Ok(1)
    }
}

/// Print a policy in plain language, plus what this runner resolved for it.
pub fn explain(name: &str, dir: Option<PathBuf>) -> Result<i32> {
    let dir = dir.unwrap_or_else(profiles::default_policies_dir);
    let p = match policy::load_named(&dir, name) {
        Ok(p) => p,
        Err(e) => bail!("{e}"),
    };
    let mut text = policy::explain(&p);
    let python = profiles::interpreter_for(&p);
    text.push_str("\nOn this runner:\n");
    match sandpit_sandbox::interp::resolve(&python) {
        Ok(r) => {
            text += &format!(
                "  interpreter: {} (Python {})\n",
                r.exec_path.display(),
                r.version
            );
            for b in &r.binds {
                text += &format!("  also bound read-only: {}\n", b.display());
            }
            for m in &r.masks {
                text += &format!("  hidden (host packages): {}\n", m.display());
            }
        }
        Err(e) => text += &format!("  interpreter: NOT USABLE: {e}\n"),
    }
    // A reader that stops early (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    Ok(0)
}
