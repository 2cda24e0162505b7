//! Reads a policy file's TOML into [`RawPolicy`]: every value with its line, every key
//! checked against the schema. Meaning (ranges, syscall names, paths) is checked
//! afterwards in `validate.rs`.
//!
//! The schema, section by section (every section is required except `[environment]`
//! and `[seccomp.deny]`; every key listed is required):
//!
//! ```text
//! [profile]        name, description, default_lang
//! [interpreter]    python, allow_runner_override
//! [limits]         the keys of validate::LIMITS (numbers)
//! [filesystem]     read_only (array of paths), work_dir
//! [environment]    NAME = "value", any number
//! [seccomp]        default_action, allow (table), deny (table, optional)
//! [seccomp.allow]  GROUP = ["syscall", ...], any number of groups
//! [seccomp.deny]   syscall = "action", any number
//! [runtime]        enabled, preload (array of module names)
//! [layers]         landlock, cgroups
//! ```

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{did_you_mean, LineIndex, Problems};
use super::validate::LIMITS;

/// A value and the line it was written on.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct At<T> {
    pub value: T,
    pub line: usize,
}

/// A number as written: limits in seconds may be fractional, the others may not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Number {
    Int(i64),
    Float(f64),
}

/// A policy file as written, before its meaning is checked. `None` means the key was
/// missing or had the wrong type, which has already been reported.
#[derive(Debug, Default)]
pub(super) struct RawPolicy {
    pub name: Option<At<String>>,
    pub description: Option<At<String>>,
    pub default_lang: Option<At<String>>,
    pub python: Option<At<String>>,
    pub allow_runner_override: Option<At<bool>>,
    /// `(key, value)` for the keys of `LIMITS` that were present.
    pub limits: Vec<(&'static str, At<Number>)>,
    pub read_only: Vec<At<String>>,
    pub work_dir: Option<At<String>>,
    pub environment: Vec<(At<String>, At<String>)>,
    pub default_action: Option<At<String>>,
    /// Line of the `[seccomp.allow]` table (for problems with the list as a whole);
    /// `None` when the table is missing, which has already been reported.
    pub allow_line: Option<usize>,
    pub allow: Vec<(At<String>, Vec<At<String>>)>,
    pub deny: Vec<(At<String>, At<String>)>,
    pub runtime_enabled: Option<At<bool>>,
    pub runtime_preload: Vec<At<String>>,
    pub landlock: Option<At<String>>,
    pub cgroups: Option<At<String>>,
}

const TOP_KEYS: &[&str] = &[
    "profile",
    "interpreter",
    "limits",
    "filesystem",
    "environment",
    "seccomp",
    "runtime",
    "layers",
];

/// Parses `text`. Returns `None` when the text is not valid TOML (syntax errors and
/// duplicate keys), after reporting why; then nothing else is checked, because the
/// parser's recovery could make the rest of the report misleading.
pub(super) fn parse(text: &str, lines: &LineIndex, problems: &mut Problems) -> Option<RawPolicy> {
    let (doc, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for e in syntax_errors {
            let span = e.span().unwrap_or(0..0);
            let message = match e.message() {
                "duplicate key" => format!("duplicate key `{}`", snippet(text, span.clone())),
                other => format!("invalid TOML: {other}"),
            };
            problems.at(lines.line_of(span.start), message);
        }
        return None;
    }
    let mut r = Reader { lines, problems };
    let top = Section {
        table: doc.get_ref(),
        path: String::new(),
        line: 1,
    };
    r.unknown_keys(&top, TOP_KEYS);
    let mut raw = RawPolicy::default();

    if let Some(s) = r.section(&top, "profile", true) {
        r.unknown_keys(&s, &["name", "description", "default_lang"]);
        raw.name = r.string(&s, "name");
        raw.description = r.string(&s, "description");
        raw.default_lang = r.string(&s, "default_lang");
    }
    if let Some(s) = r.section(&top, "interpreter", true) {
        r.unknown_keys(&s, &["python", "allow_runner_override"]);
        raw.python = r.string(&s, "python");
        raw.allow_runner_override = r.boolean(&s, "allow_runner_override");
    }
    if let Some(s) = r.section(&top, "limits", true) {
        let keys: Vec<&str> = LIMITS.iter().map(|l| l.key).collect();
        r.unknown_keys(&s, &keys);
        for limit in LIMITS {
            if let Some(n) = r.number(&s, limit.key) {
                raw.limits.push((limit.key, n));
            }
        }
    }
    if let Some(s) = r.section(&top, "filesystem", true) {
        r.unknown_keys(&s, &["read_only", "work_dir"]);
        raw.read_only = r.string_array(&s, "read_only").unwrap_or_default();
        raw.work_dir = r.string(&s, "work_dir");
    }
    if let Some(s) = r.section(&top, "environment", false) {
        raw.environment = r.string_entries(&s);
    }
    if let Some(s) = r.section(&top, "seccomp", true) {
        r.unknown_keys(&s, &["default_action", "allow", "deny"]);
        raw.default_action = r.string(&s, "default_action");
        if let Some(allow) = r.section(&s, "allow", true) {
            raw.allow_line = Some(allow.line);
            for (group, value) in allow.table.iter() {
                let group = r.at(group, group.get_ref().to_string());
                let names = r.strings_in(value, &format!("`{}` in [seccomp.allow]", group.value));
                raw.allow.push((group, names.unwrap_or_default()));
            }
        }
        if let Some(deny) = r.section(&s, "deny", false) {
            raw.deny = r.string_entries(&deny);
        }
    }
    if let Some(s) = r.section(&top, "runtime", true) {
        r.unknown_keys(&s, &["enabled", "preload"]);
        raw.runtime_enabled = r.boolean(&s, "enabled");
        raw.runtime_preload = r.string_array(&s, "preload").unwrap_or_default();
    }
    if let Some(s) = r.section(&top, "layers", true) {
        r.unknown_keys(&s, &["landlock", "cgroups"]);
        raw.landlock = r.string(&s, "landlock");
        raw.cgroups = r.string(&s, "cgroups");
    }
    Some(raw)
}

/// A table of the document, with its dotted path (`seccomp.allow`; empty for the top).
struct Section<'t, 'i> {
    table: &'t DeTable<'i>,
    path: String,
    line: usize,
}

impl Section<'_, '_> {
    /// How messages name the table: `[seccomp.allow]`, or "the top level".
    fn label(&self) -> String {
        if self.path.is_empty() {
            "the top level".to_string()
        } else {
            format!("[{}]", self.path)
        }
    }
}

struct Reader<'a> {
    lines: &'a LineIndex,
    problems: &'a mut Problems,
}

type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

impl Reader<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        self.lines.line_of(span.start)
    }

    fn at<T, U>(&self, spanned: &Spanned<T>, value: U) -> At<U> {
        At {
            value,
            line: self.line(spanned.span()),
        }
    }

    fn unknown_keys(&mut self, s: &Section, known: &[&str]) {
        for (key, _) in s.table.iter() {
            let key_text: &str = key.get_ref();
            if !known.contains(&key_text) {
                let hint = did_you_mean(key_text, known.iter().copied());
                let line = self.line(key.span());
                self.problems.at(
                    line,
                    format!("unknown key `{key_text}` in {}{hint}", s.label()),
                );
            }
        }
    }

    /// The entry `key` of `s`; reports it missing (at the section's line) if required.
    fn entry<'t, 'i>(
        &mut self,
        s: &Section<'t, 'i>,
        key: &str,
        required: bool,
    ) -> Option<Entry<'t, 'i>> {
        let found = s.table.iter().find(|(k, _)| k.get_ref().as_ref() == key);
        if found.is_none() && required {
            self.problems
                .at(s.line, format!("missing key `{key}` in {}", s.label()));
        }
        found
    }

    fn wrong_type(&mut self, s: &Section, key: &str, wanted: &str, value: &Spanned<DeValue>) {
        let line = self.line(value.span());
        let found = value.get_ref().type_str();
        self.problems.at(
            line,
            format!("`{key}` in {} must be {wanted}, not {found}", s.label()),
        );
    }

    /// The sub-table `key` of `parent` (a `[section]`); reported if missing or not a table.
    fn section<'t, 'i>(
        &mut self,
        parent: &Section<'t, 'i>,
        key: &str,
        required: bool,
    ) -> Option<Section<'t, 'i>> {
        let path = if parent.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", parent.path)
        };
        let Some((k, value)) = self.entry(parent, key, false) else {
            if required {
                self.problems
                    .at(parent.line, format!("missing section [{path}]"));
            }
            return None;
        };
        match value.get_ref() {
            DeValue::Table(table) => Some(Section {
                table,
                path,
                line: self.line(k.span()),
            }),
            other => {
                let line = self.line(value.span());
                let found = other.type_str();
                self.problems
                    .at(line, format!("[{path}] must be a table, not {found}"));
                None
            }
        }
    }

    fn string(&mut self, s: &Section, key: &str) -> Option<At<String>> {
        let (_, value) = self.entry(s, key, true)?;
        match value.get_ref() {
            DeValue::String(text) => Some(self.at(value, text.to_string())),
            _ => {
                self.wrong_type(s, key, "a string", value);
                None
            }
        }
    }

    fn boolean(&mut self, s: &Section, key: &str) -> Option<At<bool>> {
        let (_, value) = self.entry(s, key, true)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(self.at(value, *b)),
            _ => {
                self.wrong_type(s, key, "true or false", value);
                None
            }
        }
    }

    fn number(&mut self, s: &Section, key: &str) -> Option<At<Number>> {
        let (_, value) = self.entry(s, key, true)?;
        let line = self.line(value.span());
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(Number::Int),
            DeValue::Float(f) => f
                .as_str()
                .replace('_', "")
                .parse::<f64>()
                .ok()
                .map(Number::Float),
            _ => {
                self.wrong_type(s, key, "a number", value);
                return None;
            }
        };
        if parsed.is_none() {
            self.problems.at(
                line,
                format!("`{key}` in {} is not a usable number", s.label()),
            );
        }
        parsed.map(|value| At { value, line })
    }

    fn string_array(&mut self, s: &Section, key: &str) -> Option<Vec<At<String>>> {
        let (_, value) = self.entry(s, key, true)?;
        self.strings_in(value, &format!("`{key}` in {}", s.label()))
    }

    /// The strings of an array value, each with its own line; `what` names the value in
    /// messages.
    fn strings_in(&mut self, value: &Spanned<DeValue>, what: &str) -> Option<Vec<At<String>>> {
        let DeValue::Array(items) = value.get_ref() else {
            let line = self.line(value.span());
            let found = value.get_ref().type_str();
            self.problems.at(
                line,
                format!("{what} must be an array of strings, not {found}"),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(text) => out.push(self.at(item, text.to_string())),
                other => {
                    let line = self.line(item.span());
                    let found = other.type_str();
                    self.problems.at(
                        line,
                        format!("{what} must contain only strings, not {found}"),
                    );
                }
            }
        }
        Some(out)
    }

    /// Every `key = "string"` entry of a free-form table (`[environment]`, `[seccomp.deny]`).
    fn string_entries(&mut self, s: &Section) -> Vec<(At<String>, At<String>)> {
        let mut out = Vec::new();
        for (key, value) in s.table.iter() {
            let key_at = self.at(key, key.get_ref().to_string());
            match value.get_ref() {
                DeValue::String(text) => out.push((key_at, self.at(value, text.to_string()))),
                _ => self.wrong_type(s, &key_at.value, "a string", value),
            }
        }
        out
    }
}

/// The source text of a span, for quoting in messages (one line at most).
fn snippet(text: &str, span: Range<usize>) -> String {
    let piece = text.get(span).unwrap_or("");
    piece.lines().next().unwrap_or("").trim().to_string()
}
