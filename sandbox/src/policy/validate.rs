//! Checks what a [`RawPolicy`] means and turns it into a [`Policy`]: limits in range,
//! syscall names real and allowed, paths absolute and harmless, environment names free.
//!
//! Every problem is reported (with its line) and checking goes on, so one run of
//! `policy check` shows all of them. When anything was reported the returned policy
//! holds placeholders and the caller throws it away.

use std::collections::{BTreeMap, HashMap};

use super::diagnostic::Problems;
use super::model::*;
use super::parse::{At, Number, RawPolicy};
use super::validate_paths::{filesystem, interpreter_path};
use super::validate_seccomp::seccomp;

/// How a limit is written in the file and stored in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    /// Written in seconds (fractions allowed), stored in milliseconds.
    Seconds,
    /// Written in MiB, stored in bytes.
    Mib,
    /// Written in KiB, stored in bytes.
    Kib,
    /// A plain count or percentage, stored as written.
    Count,
}

impl Unit {
    fn factor(self) -> f64 {
        match self {
            Unit::Seconds => 1000.0,
            Unit::Mib => 1024.0 * 1024.0,
            Unit::Kib => 1024.0,
            Unit::Count => 1.0,
        }
    }
}

/// One key of `[limits]` and the range it must be in (in the file's units).
pub(super) struct LimitSpec {
    pub key: &'static str,
    pub unit: Unit,
    pub min: f64,
    pub max: f64,
}

/// The keys of `[limits]`, in the order `explain` shows them. The ranges are wide enough
/// for any classroom use and narrow enough that a typo (an extra zero) is caught.
pub(super) const LIMITS: &[LimitSpec] = &[
    LimitSpec {
        key: "wall_seconds",
        unit: Unit::Seconds,
        min: 0.1,
        max: 300.0,
    },
    LimitSpec {
        key: "cpu_seconds",
        unit: Unit::Seconds,
        min: 0.1,
        max: 300.0,
    },
    LimitSpec {
        key: "memory_mib",
        unit: Unit::Mib,
        min: 16.0,
        max: 8192.0,
    },
    LimitSpec {
        key: "pids",
        unit: Unit::Count,
        min: 4.0,
        max: 4096.0,
    },
    LimitSpec {
        key: "output_kib",
        unit: Unit::Kib,
        min: 1.0,
        max: 65536.0,
    },
    LimitSpec {
        key: "work_dir_mib",
        unit: Unit::Mib,
        min: 1.0,
        max: 1024.0,
    },
    LimitSpec {
        key: "tmp_mib",
        unit: Unit::Mib,
        min: 1.0,
        max: 1024.0,
    },
    LimitSpec {
        key: "file_size_mib",
        unit: Unit::Mib,
        min: 1.0,
        max: 1024.0,
    },
    LimitSpec {
        key: "open_files",
        unit: Unit::Count,
        min: 16.0,
        max: 4096.0,
    },
    LimitSpec {
        key: "cpu_percent",
        unit: Unit::Count,
        min: 10.0,
        max: 400.0,
    },
];

/// Environment names the sandbox sets itself, or that change how the interpreter or the
/// dynamic loader behave (a policy adding `LD_PRELOAD` would load arbitrary code).
const RESERVED_ENV: &[&str] = &[
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TMPDIR", "PWD",
];
const RESERVED_ENV_PREFIXES: &[&str] = &["LC_", "PYTHON", "LD_", "SANDPIT_", "RUNNER_"];

/// Checks `raw` (read from a file whose stem is `stem`) and builds the policy.
pub(super) fn validate(mut raw: RawPolicy, stem: &str, problems: &mut Problems) -> Policy {
    let seccomp = seccomp(&raw, problems);
    Policy {
        name: profile_name(raw.name, stem, problems),
        description: description(raw.description, problems),
        default_lang: default_lang(raw.default_lang, problems),
        interpreter: InterpreterPolicy {
            python: interpreter_path(raw.python.as_ref(), problems),
            allow_runner_override: raw.allow_runner_override.is_some_and(|b| b.value),
        },
        limits: limits(&raw.limits, problems),
        filesystem: filesystem(
            &raw.read_only,
            raw.work_dir.as_ref(),
            raw.python.as_ref(),
            problems,
        ),
        env: environment(std::mem::take(&mut raw.environment), problems),
        seccomp,
        runtime: runtime(raw.runtime_enabled.as_ref(), &raw.runtime_preload, problems),
        layers: Layers {
            landlock: requirement(raw.landlock.as_ref(), "landlock", problems),
            cgroups: requirement(raw.cgroups.as_ref(), "cgroups", problems),
        },
    }
}

/// `^[a-z0-9][a-z0-9-]{0,63}$`: the only form a job may use to name a profile.
pub(super) fn is_valid_profile_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=64).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn profile_name(name: Option<At<String>>, stem: &str, problems: &mut Problems) -> String {
    let Some(name) = name else {
        return String::new();
    };
    if !is_valid_profile_name(&name.value) {
        problems.at(
            name.line,
            format!(
                "profile name `{}` must be 1-64 characters of a-z, 0-9 and `-`, \
                 starting with a letter or digit",
                name.value
            ),
        );
    } else if name.value != stem {
        problems.at(
            name.line,
            format!(
                "profile name `{}` must equal the file name `{stem}.toml` without `.toml`",
                name.value
            ),
        );
    }
    name.value
}

/// Most modules a policy may preload (each costs every warm sandbox memory and time).
const MAX_PRELOAD: usize = 16;

fn runtime(
    enabled: Option<&At<bool>>,
    preload: &[At<String>],
    problems: &mut Problems,
) -> RuntimePolicy {
    let enabled = enabled.is_some_and(|b| b.value);
    if preload.len() > MAX_PRELOAD {
        problems.at(
            preload[MAX_PRELOAD].line,
            format!("`preload` lists at most {MAX_PRELOAD} modules"),
        );
    }
    for module in preload {
        if !is_module_name(&module.value) {
            problems.at(
                module.line,
                format!(
                    "preload `{}` is not a module name (dotted Python identifiers, \
                     like `matplotlib.pyplot`)",
                    module.value
                ),
            );
        }
    }
    if !enabled {
        if let Some(first) = preload.first() {
            problems.at(
                first.line,
                "`preload` needs the runtime (`enabled = true`): it is the runtime that \
                 imports them",
            );
        }
    }
    RuntimePolicy {
        enabled,
        preload: preload.iter().map(|m| m.value.clone()).collect(),
    }
}

/// Dotted ASCII identifiers, at most 100 characters.
fn is_module_name(name: &str) -> bool {
    name.len() <= 100
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

fn description(text: Option<At<String>>, problems: &mut Problems) -> String {
    let Some(text) = text else {
        return String::new();
    };
    if text.value.trim().is_empty() || text.value.contains('\n') || text.value.chars().count() > 200
    {
        problems.at(
            text.line,
            "description must be one line of 1-200 characters",
        );
    }
    text.value
}

fn default_lang(lang: Option<At<String>>, problems: &mut Problems) -> Lang {
    match lang.as_ref().map(|l| l.value.as_str()) {
        Some("en") | None => Lang::En,
        Some("zh-CN") => Lang::ZhCn,
        Some(other) => {
            let line = lang.as_ref().map_or(0, |l| l.line);
            problems.at(
                line,
                format!("default_lang `{other}` must be \"en\" or \"zh-CN\""),
            );
            Lang::En
        }
    }
}

fn limits(raw: &[(&'static str, At<Number>)], problems: &mut Problems) -> Limits {
    let mut stored: HashMap<&str, u64> = HashMap::new();
    for (key, at) in raw {
        let spec = LIMITS
            .iter()
            .find(|l| l.key == *key)
            .expect("parse only yields LIMITS keys");
        let value = match (at.value, spec.unit) {
            (Number::Int(i), _) => i as f64,
            (Number::Float(f), Unit::Seconds) => f,
            (Number::Float(_), _) => {
                problems.at(at.line, format!("`{key}` must be a whole number"));
                continue;
            }
        };
        if !(value.is_finite() && spec.min <= value && value <= spec.max) {
            problems.at(
                at.line,
                format!(
                    "`{key}` = {} is out of range: must be between {} and {}",
                    show(value),
                    show(spec.min),
                    show(spec.max)
                ),
            );
            continue;
        }
        stored.insert(key, (value * spec.unit.factor()).round() as u64);
    }
    let get = |key: &str| stored.get(key).copied().unwrap_or(0);
    Limits {
        wall_ms: get("wall_seconds"),
        cpu_ms: get("cpu_seconds"),
        memory_bytes: get("memory_mib"),
        pids: get("pids"),
        output_bytes: get("output_kib"),
        work_dir_bytes: get("work_dir_mib"),
        tmp_bytes: get("tmp_mib"),
        open_files: get("open_files"),
        file_size_bytes: get("file_size_mib"),
        cpu_percent: get("cpu_percent"),
    }
}

/// A number as a person would write it: `300`, `0.1`.
fn show(value: f64) -> String {
    format!("{value}")
}

fn environment(
    entries: Vec<(At<String>, At<String>)>,
    problems: &mut Problems,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (name, value) in entries {
        let upper = name.value.to_ascii_uppercase();
        let well_formed = name.value.len() <= 128
            && name
                .value
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name
                .value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !well_formed {
            problems.at(
                name.line,
                format!(
                    "environment name `{}` must be letters, digits and `_`, \
                     not starting with a digit",
                    name.value
                ),
            );
        } else if RESERVED_ENV.contains(&upper.as_str())
            || RESERVED_ENV_PREFIXES.iter().any(|p| upper.starts_with(p))
        {
            problems.at(
                name.line,
                format!(
                    "environment name `{}` is reserved: the sandbox sets it, or it \
                     changes how Python or the loader start",
                    name.value
                ),
            );
        }
        if value.value.contains('\0') || value.value.len() > 4096 {
            problems.at(
                value.line,
                format!(
                    "environment value of `{}` must be at most 4096 bytes, without NUL",
                    name.value
                ),
            );
        }
        env.insert(name.value, value.value);
    }
    env
}

fn requirement(value: Option<&At<String>>, layer: &str, problems: &mut Problems) -> Requirement {
    match value.map(|v| v.value.as_str()) {
        Some("required") | None => Requirement::Required,
        Some("off") => Requirement::Off,
        Some(other) => {
            problems.at(
                value.map_or(0, |v| v.line),
                format!("`{layer}` must be \"required\" or \"off\", not \"{other}\""),
            );
            Requirement::Required
        }
    }
}
