//! Identifiers and names that come from outside: job and lease ids, session
//! ids, profile names and file names. Everything a client names is checked
//! here before it gets near storage.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Longest accepted file name, in bytes.
pub const MAX_FILE_NAME_BYTES: usize = 100;

/// A fresh 128-bit random id, URL-safe base64 without padding (22 chars).
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    // The OS random source failing means the machine can't do anything safely.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` has the shape of an id made by [`new_id`].
pub fn is_id(s: &str) -> bool {
    s.len() == 22 && s.bytes().all(is_url_safe)
}

/// Session ids are chosen by the client (e.g. kept in the browser), so they
/// only need to be a safe directory name: 8–64 of `[A-Za-z0-9_-]`.
pub fn is_session_id(s: &str) -> bool {
    (8..=64).contains(&s.len()) && s.bytes().all(is_url_safe)
}

/// Profile names as policy file stems: `[a-z0-9][a-z0-9_-]{0,63}`.
pub fn is_profile_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

fn is_url_safe(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Why a file name was refused (the text goes to the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileNameError {
    #[error("a file name can't be empty")]
    Empty,
    #[error("a file name can be at most {MAX_FILE_NAME_BYTES} bytes")]
    TooLong,
    #[error("a file name can't be \".\" or \"..\"")]
    Dots,
    #[error("a file name can't contain / or \\ (only plain names, no folders)")]
    Separator,
    #[error("a file name can't contain control characters")]
    Control,
}

/// Files are flat: a name is one path component, never a path.
pub fn check_file_name(name: &str) -> Result<(), FileNameError> {
    if name.is_empty() {
        return Err(FileNameError::Empty);
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err(FileNameError::TooLong);
    }
    if name == "." || name == ".." {
        return Err(FileNameError::Dots);
    }
    if name.contains(['/', '\\']) {
        return Err(FileNameError::Separator);
    }
    if name.chars().any(char::is_control) {
        return Err(FileNameError::Control);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_url_safe_and_recognised() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert!(is_id(&a), "{a}");
        assert!(!is_id("short"));
        assert!(!is_id("aaaaaaaaaaaaaaaaaaaa/a"));
    }

    #[test]
    fn session_ids_are_bounded_safe_names() {
        assert!(is_session_id("kid-42_abc"));
        assert!(!is_session_id("short"));
        assert!(!is_session_id(&"a".repeat(65)));
        assert!(!is_session_id("../../etc"));
        assert!(!is_session_id("abc def gh"));
    }

    #[test]
    fn profile_names_look_like_policy_stems() {
        assert!(is_profile_name("python-basic"));
        assert!(!is_profile_name("Python"));
        assert!(!is_profile_name("../x"));
        assert!(!is_profile_name(""));
        assert!(!is_profile_name("-x"));
    }

    #[test]
    fn file_names_must_be_one_plain_component() {
        assert_eq!(check_file_name("data.csv"), Ok(()));
        assert_eq!(check_file_name(".highscore"), Ok(()));
        assert_eq!(check_file_name("分数.txt"), Ok(()));
        assert_eq!(check_file_name(""), Err(FileNameError::Empty));
        assert_eq!(check_file_name(".."), Err(FileNameError::Dots));
        assert_eq!(check_file_name("."), Err(FileNameError::Dots));
        assert_eq!(check_file_name("../x"), Err(FileNameError::Separator));
        assert_eq!(
            check_file_name("/etc/passwd"),
            Err(FileNameError::Separator)
        );
        assert_eq!(check_file_name("a\\b"), Err(FileNameError::Separator));
        assert_eq!(check_file_name("a\0b"), Err(FileNameError::Control));
        assert_eq!(check_file_name("a\nb"), Err(FileNameError::Control));
        assert_eq!(
            check_file_name(&"x".repeat(101)),
            Err(FileNameError::TooLong)
        );
        assert_eq!(check_file_name(&"x".repeat(100)), Ok(()));
    }
}
