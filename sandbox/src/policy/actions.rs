//! The answers a denied syscall can get, as written in a policy file
//! (`"errno:ENOSYS"`, `"errno:EPERM"`, `"kill"`) and as explained to a reviewer.

use super::model::DeniedAction;

/// The errno names a policy may use, with the text Python shows for each. Kept short on
/// purpose: these are the answers a beginner's program can report sensibly.
const ERRNOS: &[(&str, i32, &str)] = &[
    ("EPERM", libc::EPERM, "Operation not permitted"),
    ("EACCES", libc::EACCES, "Permission denied"),
    ("ENOSYS", libc::ENOSYS, "Function not implemented"),
    ("EINVAL", libc::EINVAL, "Invalid argument"),
    ("EOPNOTSUPP", libc::EOPNOTSUPP, "Operation not supported"),
    (
        "EAFNOSUPPORT",
        libc::EAFNOSUPPORT,
        "Address family not supported by protocol",
    ),
];

/// Parses a policy's action text. The error says what is accepted.
pub(super) fn parse(text: &str) -> Result<DeniedAction, String> {
    if text == "kill" {
        return Ok(DeniedAction::Kill);
    }
    let accepted = || {
        let names: Vec<_> = ERRNOS
            .iter()
            .map(|(n, _, _)| format!("\"errno:{n}\""))
            .collect();
        format!("{} or \"kill\"", names.join(", "))
    };
    match text.strip_prefix("errno:") {
        Some(name) => ERRNOS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, nr, _)| DeniedAction::Errno(*nr))
            .ok_or_else(|| format!("unknown errno name `{name}`; use one of {}", accepted())),
        None => Err(format!(
            "unknown action `{text}`; use one of {}",
            accepted()
        )),
    }
}

/// The policy-file spelling of an action (`errno:EPERM`, `kill`).
pub fn spelling(action: DeniedAction) -> String {
    match action {
        DeniedAction::Kill => "kill".to_string(),
        DeniedAction::Errno(nr) => match ERRNOS.iter().find(|(_, n, _)| *n == nr) {
            Some((name, _, _)) => format!("errno:{name}"),
            None => format!("errno:{nr}"),
        },
    }
}

/// What the program experiences, in words.
pub fn describe(action: DeniedAction) -> String {
    match action {
        DeniedAction::Kill => "the whole job is killed (status `killed`)".to_string(),
        DeniedAction::Errno(nr) => match ERRNOS.iter().find(|(_, n, _)| *n == nr) {
            Some((name, _, text)) => format!("the call fails with {name} (\"{text}\")"),
            None => format!("the call fails with errno {nr}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_spells_back() {
        for text in ["kill", "errno:EPERM", "errno:ENOSYS", "errno:EOPNOTSUPP"] {
            assert_eq!(spelling(parse(text).unwrap()), text);
        }
        assert_eq!(parse("errno:EPERM"), Ok(DeniedAction::Errno(1)));
        assert!(parse("errno:EWHAT")
            .unwrap_err()
            .contains("unknown errno name `EWHAT`"));
        assert!(parse("allow").unwrap_err().contains("unknown action"));
        assert!(describe(DeniedAction::Errno(libc::ENOSYS)).contains("Function not implemented"));
    }
}
