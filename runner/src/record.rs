//! Building the result record (the contract's JSON) from the helper's frames, and the
//! live events a watcher sees while the job runs.

use crate::utf8::Utf8Stream;
use sandpit_sandbox::frames::{decode_named, Kind};
use sandpit_sandbox::spec::{Outcome, Status};
use serde::Serialize;
use serde_json::Value;

/// Longest accepted event line; longer ones (already counted against the output
/// limit by the helper) are dropped rather than parsed.
const MAX_EVENT_JSON: usize = 16 << 20;

/// The contract's result record, plus documented extra fields.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRecord {
    pub status: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub truncated: bool,
    pub wall_ms: u64,
    pub cpu_ms: u64,
    pub memory_peak_bytes: u64,
    pub visualizations: Vec<Value>,
    pub profile: String,
    /// Kid-level explanation of an uncaught error (see docs/friendly-errors.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Value>,
}

/// What a live watcher is told as the job runs.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    Stdout(String),
    Stderr(String),
    /// A `{"type":"visualization",...}` or `{"type":"explanation",...}` object.
    Event(Value),
}

pub struct RecordBuilder {
    profile: String,
    stdout: String,
    stderr: String,
    out_dec: Utf8Stream,
    err_dec: Utf8Stream,
    visualizations: Vec<Value>,
    explanation: Option<Value>,
    pub output_files: Vec<(String, Vec<u8>)>,
}

/// Accept only the event shapes the runtime writes; anything else from the event fd
/// is ignored (it came from inside the sandbox).
fn parse_event(line: &[u8]) -> Option<Value> {
    if line.len() > MAX_EVENT_JSON {
        return None;
    }
    let v: Value = serde_json::from_slice(line).ok()?;
    let obj = v.as_object()?;
    match obj.get("type")?.as_str()? {
        "visualization" => obj.get("kind")?.as_str().map(|_| v.clone()),
        "explanation" => Some(v.clone()),
        _ => None,
    }
}

impl RecordBuilder {
    pub fn new(profile: &str) -> Self {
        RecordBuilder {
            profile: profile.to_string(),
            stdout: String::new(),
            stderr: String::new(),
            out_dec: Utf8Stream::default(),
            err_dec: Utf8Stream::default(),
            visualizations: Vec::new(),
            explanation: None,
            output_files: Vec::new(),
        }
    }

    /// Take one output frame; returns what a live watcher should see, if anything.
    pub fn on_frame(&mut self, kind: Kind, payload: &[u8]) -> Option<LiveEvent> {
        match kind {
            Kind::Stdout => {
                let s = self.out_dec.push(payload);
                self.stdout.push_str(&s);
                (!s.is_empty()).then_some(LiveEvent::Stdout(s))
            }
            Kind::Stderr => {
                let s = self.err_dec.push(payload);
                self.stderr.push_str(&s);
                (!s.is_empty()).then_some(LiveEvent::Stderr(s))
            }
            Kind::Event => {
                let v = parse_event(payload)?;
                if v["type"] == "explanation" {
                    self.explanation = Some(v.clone());
                } else {
                    self.visualizations.push(v.clone());
                }
                Some(LiveEvent::Event(v))
            }
            Kind::OutputFile => {
                let (name, data) = decode_named(payload)?;
                self.output_files.push((name, data.to_vec()));
                None
            }
            _ => None,
        }
    }

    /// Flush the decoders (returns trailing text for live watchers) and build the record.
    pub fn finish(mut self, outcome: &Outcome) -> (ResultRecord, Vec<LiveEvent>) {
        let mut tail = Vec::new();
        let o = self.out_dec.finish();
        if !o.is_empty() {
            self.stdout.push_str(&o);
            tail.push(LiveEvent::Stdout(o));
        }
        let e = self.err_dec.finish();
        if !e.is_empty() {
            self.stderr.push_str(&e);
            tail.push(LiveEvent::Stderr(e));
        }
        let record = ResultRecord {
            status: outcome.status.as_str().to_string(),
            exit_code: outcome.exit_code,
            signal: outcome.signal,
            stdout: self.stdout,
            stderr: self.stderr,
            truncated: outcome.truncated,
            wall_ms: outcome.wall_ms,
            cpu_ms: outcome.cpu_ms,
            memory_peak_bytes: outcome.memory_peak_bytes,
            visualizations: self.visualizations,
            profile: self.profile,
            explanation: if outcome.status == Status::InternalError {
                None
            } else {
                self.explanation
            },
        };
        (record, tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_event_shapes_are_accepted() {
        assert!(parse_event(br#"{"type":"visualization","kind":"turtle","ops":[]}"#).is_some());
        assert!(parse_event(br#"{"type":"explanation","lang":"en"}"#).is_some());
        assert!(
            parse_event(br#"{"type":"exit","result":{}}"#).is_none(),
            "can't forge the end"
        );
        assert!(
            parse_event(br#"{"type":"visualization"}"#).is_none(),
            "kind required"
        );
        assert!(parse_event(b"not json").is_none());
    }
}
