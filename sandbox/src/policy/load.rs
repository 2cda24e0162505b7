//! Finding and reading policy files: one file, a whole directory, or a profile by name.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, LineIndex, PolicyErrors, Problems};
use super::model::Policy;
use super::{parse, validate};

/// Policy files are small; anything bigger is a mistake, not a policy.
const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// Reads, parses and validates one policy file. On failure, every problem found.
pub fn load_file(path: &Path) -> Result<Policy, PolicyErrors> {
    let whole_file = |message: String| {
        PolicyErrors(vec![Diagnostic {
            file: path.to_path_buf(),
            line: 0,
            message,
        }])
    };
    let text = read_text(path).map_err(whole_file)?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let lines = LineIndex::new(&text);
    let mut problems = Problems::default();
    let policy = parse::parse(&text, &lines, &mut problems)
        .map(|raw| validate::validate(raw, stem, &mut problems));
    match policy {
        Some(policy) if problems.is_empty() => Ok(policy),
        _ => Err(problems.into_errors(path)),
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read policy file: {e}"))?
        .len();
    if size > MAX_POLICY_BYTES {
        return Err(format!(
            "policy file is {size} bytes; the limit is {MAX_POLICY_BYTES}"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read policy file: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "policy file is not valid UTF-8".to_string())
}

/// Loads every `*.toml` file in `dir` (not recursive), in name order. Returns the
/// policies that are valid and the problems of those that are not; other files are
/// ignored.
pub fn load_dir(dir: &Path) -> (Vec<Policy>, Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            let message = format!("cannot read policy directory: {e}");
            return (
                Vec::new(),
                vec![Diagnostic {
                    file: dir.to_path_buf(),
                    line: 0,
                    message,
                }],
            );
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    let mut policies = Vec::new();
    let mut diagnostics = Vec::new();
    for file in files {
        match load_file(&file) {
            Ok(policy) => policies.push(policy),
            Err(PolicyErrors(mut found)) => diagnostics.append(&mut found),
        }
    }
    (policies, diagnostics)
}

/// Loads the profile `name` from `dir`. `name` is what a job sends, so it is never used
/// as a path: it must match `^[a-z0-9][a-z0-9-]{0,63}$` and becomes `DIR/NAME.toml`.
pub fn load_named(dir: &Path, name: &str) -> Result<Policy, PolicyErrors> {
    if !validate::is_valid_profile_name(name) {
        let shown: String = name
            .chars()
            .take(64)
            .flat_map(char::escape_default)
            .collect();
        let message =
            format!("invalid profile name \"{shown}\": use 1-64 characters of a-z, 0-9 and `-`");
        return Err(PolicyErrors(vec![Diagnostic {
            file: dir.to_path_buf(),
            line: 0,
            message,
        }]));
    }
    let path = dir.join(format!("{name}.toml"));
    if !path.is_file() {
        let message = format!("no profile named `{name}` in this policy directory");
        return Err(PolicyErrors(vec![Diagnostic {
            file: dir.to_path_buf(),
            line: 0,
            message,
        }]));
    }
    load_file(&path)
}
