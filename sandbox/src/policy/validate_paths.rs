//! Checks of the paths a policy names: the interpreter, the read-only binds and the
//! work dir. Paths must be absolute and in normal form, and must not expose the host's
//! secrets or collide with the mounts the sandbox makes itself.

use std::path::{Component, Path, PathBuf};

use super::diagnostic::Problems;
use super::model::FilesystemPolicy;
use super::parse::At;

/// Host trees that hold secrets or kernel interfaces; a read-only bind of these (or of
/// anything inside them) would show the program what the sandbox exists to hide.
const FORBIDDEN_READ_ONLY: &[&str] = &[
    "/proc", "/sys", "/dev", "/etc", "/home", "/root", "/var", "/run", "/boot", "/tmp",
];

/// Top-level names the sandbox itself mounts or links; the work dir cannot be one.
const RESERVED_TOP_LEVEL: &[&str] = &[
    "proc", "sys", "dev", "tmp", "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc",
];

pub(super) fn interpreter_path(python: Option<&At<String>>, problems: &mut Problems) -> PathBuf {
    let Some(python) = python else {
        return PathBuf::new();
    };
    let bare_name = !python.value.is_empty()
        && !python.value.starts_with('.')
        && python
            .value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
    if !bare_name {
        if let Err(why) = check_absolute_path(&python.value) {
            problems.at(
                python.line,
                format!(
                    "interpreter `{}` {why} (or be a bare command name such as `python3`)",
                    python.value
                ),
            );
        }
    }
    PathBuf::from(&python.value)
}

/// Absolute, and written in its one normal form: no `.`/`..`, no `//`, no trailing `/`.
/// Normal form matters because paths are compared as text (prefix checks, Landlock).
fn check_absolute_path(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') {
        return Err("must be an absolute path");
    }
    let components: Vec<_> = Path::new(path).components().collect();
    if components
        .iter()
        .any(|c| !matches!(c, Component::RootDir | Component::Normal(_)))
    {
        return Err("must not contain `.` or `..`");
    }
    let rebuilt: PathBuf = components.iter().collect();
    if rebuilt.as_os_str() != path {
        return Err("must be written without `//` or a trailing `/`");
    }
    Ok(())
}

fn is_inside(path: &Path, dir: &Path) -> bool {
    path.starts_with(dir)
}

pub(super) fn filesystem(
    read_only: &[At<String>],
    work_dir: Option<&At<String>>,
    python: Option<&At<String>>,
    problems: &mut Problems,
) -> FilesystemPolicy {
    let mut accepted: Vec<&At<String>> = Vec::new();
    for entry in read_only {
        let path = Path::new(&entry.value);
        if let Err(why) = check_absolute_path(&entry.value) {
            problems.at(
                entry.line,
                format!("read_only path `{}` {why}", entry.value),
            );
        } else if entry.value == "/" {
            problems.at(entry.line, "read_only path `/` would expose the whole host");
        } else if let Some(dir) = FORBIDDEN_READ_ONLY
            .iter()
            .find(|d| is_inside(path, Path::new(d)))
        {
            problems.at(
                entry.line,
                format!(
                    "read_only path `{}` is inside {dir}, which the sandbox never exposes",
                    entry.value
                ),
            );
        } else if let Some(other) = accepted
            .iter()
            .find(|o| is_inside(path, Path::new(&o.value)))
        {
            problems.at(
                entry.line,
                format!(
                    "read_only path `{}` is already covered by `{}` (line {})",
                    entry.value, other.value, other.line
                ),
            );
        } else {
            accepted.push(entry);
        }
    }
    if let Some(work) = work_dir {
        let path = Path::new(&work.value);
        let top = path
            .components()
            .nth(1)
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("");
        if let Err(why) = check_absolute_path(&work.value) {
            problems.at(work.line, format!("work_dir `{}` {why}", work.value));
        } else if path.components().count() != 2 {
            problems.at(
                work.line,
                format!(
                    "work_dir `{}` must be one directory directly under `/`, such as `/work`",
                    work.value
                ),
            );
        } else if RESERVED_TOP_LEVEL.contains(&top) {
            problems.at(
                work.line,
                format!(
                    "work_dir `{}` is a directory the sandbox mounts itself",
                    work.value
                ),
            );
        } else {
            let python = python
                .map(|p| Path::new(&p.value))
                .filter(|p| p.is_absolute());
            let clash = read_only
                .iter()
                .map(|r| Path::new(&r.value))
                .chain(python)
                .find(|p| is_inside(p, path));
            if let Some(clash) = clash {
                problems.at(
                    work.line,
                    format!(
                        "work_dir `{}` would hide `{}`, which is bound read-only",
                        work.value,
                        clash.display()
                    ),
                );
            }
        }
    }
    FilesystemPolicy {
        read_only: read_only.iter().map(|r| PathBuf::from(&r.value)).collect(),
        work_dir: work_dir
            .map(|w| PathBuf::from(&w.value))
            .unwrap_or_default(),
    }
}
