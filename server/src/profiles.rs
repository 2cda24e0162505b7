//! Which profile names a job may ask for.
//!
//! Choice: a profile is known if `SANDPIT_POLICIES_DIR` holds `NAME.toml`
//! (read once at start; the runner, not the server, validates the content)
//! **or** a runner connected now announced it in its claim. The directory
//! makes submission independent of whether a runner happens to be
//! connected; the announcements let a remote runner offer profiles this
//! server's checkout doesn't ship.

use std::collections::BTreeSet;
use std::path::Path;

use crate::names::is_profile_name;

/// The profile a run gets when it names none.
pub const DEFAULT_PROFILE: &str = "python-basic";

/// `*.toml` stems in `dir` that are valid profile names; a missing
/// directory is an empty set (logged by the caller).
pub fn from_dir(dir: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            if is_profile_name(stem) {
                names.insert(stem.to_owned());
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_stems_with_valid_names_become_profiles() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "python-basic.toml",
            "python-turtle.toml",
            "README.md",
            "Bad Name.toml",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let names = from_dir(dir.path()).unwrap();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            vec!["python-basic", "python-turtle"]
        );
    }
}
