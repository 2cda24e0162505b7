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
    /// The output outgrew the builder's keep limit: `stdout`, `stderr` and
    /// `visualizations` are empty here and only the live events carry them.
    #[serde(skip)]
    pub output_only_streamed: bool,
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
    /// Most output bytes to keep for the record (`None`: all of it).
    keep_limit: Option<usize>,
    kept: usize,
    /// Over `keep_limit`: nothing more is kept (what was is dropped).
    spilled: bool,
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
            keep_limit: None,
            kept: 0,
            spilled: false,
        }
    }

    /// A builder that keeps at most `limit` bytes of output for the record: a worker's
    /// output reaches the server as live events anyway, so a large result is sent
    /// without it (`outputInStream`) and the runner never holds the whole flood.
    pub fn keeping_at_most(profile: &str, limit: usize) -> Self {
        RecordBuilder {
            keep_limit: Some(limit),
            ..RecordBuilder::new(profile)
        }
    }

    /// Count `bytes` more of output; false once over the keep limit (the kept output
    /// is dropped then, and nothing more is kept).
    fn keep(&mut self, bytes: usize) -> bool {
        if self.spilled {
            return false;
        }
        self.kept += bytes;
        if self.keep_limit.is_some_and(|limit| self.kept > limit) {
            self.spilled = true;
            self.stdout = String::new();
            self.stderr = String::new();
            self.visualizations = Vec::new();
            return false;
        }
        true
    }

    /// Take one output frame; returns what a live watcher should see, if anything.
    pub fn on_frame(&mut self, kind: Kind, payload: &[u8]) -> Option<LiveEvent> {
        match kind {
            Kind::Stdout => {
                let s = self.out_dec.push(payload);
                if self.keep(s.len()) {
                    self.stdout.push_str(&s);
                }
                (!s.is_empty()).then_some(LiveEvent::Stdout(s))
            }
            Kind::Stderr => {
                let s = self.err_dec.push(payload);
                if self.keep(s.len()) {
                    self.stderr.push_str(&s);
                }
                (!s.is_empty()).then_some(LiveEvent::Stderr(s))
            }
            Kind::Event => {
                let v = parse_event(payload)?;
                if v["type"] == "explanation" {
                    self.explanation = Some(v.clone());
                } else if self.keep(payload.len()) {
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
            if self.keep(o.len()) {
                self.stdout.push_str(&o);
            }
            tail.push(LiveEvent::Stdout(o));
        }
        let e = self.err_dec.finish();
        if !e.is_empty() {
            if self.keep(e.len()) {
                self.stderr.push_str(&e);
            }
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
            output_only_streamed: self.spilled,
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

    fn outcome() -> Outcome {
        serde_json::from_value(serde_json::json!({
            "status": "ok", "exit_code": 0, "signal": null, "truncated": false,
            "wall_ms": 1, "cpu_ms": 1, "memory_peak_bytes": 1
        }))
        .expect("an outcome")
    }

    #[test]
    fn a_keep_limit_drops_the_output_but_every_live_event_still_flows() {
        let mut b = RecordBuilder::keeping_at_most("p", 10);
        let mut live = String::new();
        for chunk in ["hello ", "world ", "and more"] {
            if let Some(LiveEvent::Stdout(s)) = b.on_frame(Kind::Stdout, chunk.as_bytes()) {
                live.push_str(&s);
            }
        }
        assert_eq!(live, "hello world and more");
        let (record, _) = b.finish(&outcome());
        assert!(record.output_only_streamed);
        assert_eq!(record.stdout, "");
    }

    #[test]
    fn under_the_keep_limit_the_record_holds_everything() {
        let mut b = RecordBuilder::keeping_at_most("p", 100);
        b.on_frame(Kind::Stdout, b"hi\n");
        b.on_frame(Kind::Stderr, b"oops\n");
        let (record, _) = b.finish(&outcome());
        assert!(!record.output_only_streamed);
        assert_eq!(
            (record.stdout.as_str(), record.stderr.as_str()),
            ("hi\n", "oops\n")
        );
    }
}
