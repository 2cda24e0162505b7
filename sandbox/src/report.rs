//! Fixed-size records from the sandboxed child (init) to the supervising parent.
//! 12 bytes each, so every record is one atomic pipe write.

use crate::error::Step;
use std::os::fd::RawFd;

pub const RECORD: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// A setup step failed with this errno (0 when the failure was a check).
    SetupFailed { step: Step, errno: i32 },
    /// The interpreter process was forked.
    Started,
    /// The interpreter exited with this code.
    Exited(i32),
    /// The interpreter was killed by this signal.
    Signaled(i32),
}

impl Report {
    pub fn encode(self) -> [u8; RECORD] {
        let mut b = [0u8; RECORD];
        let (tag, step, a) = match self {
            Report::SetupFailed { step, errno } => (1u8, step as u8, errno),
            Report::Started => (2, 0, 0),
            Report::Exited(c) => (3, 0, c),
            Report::Signaled(s) => (4, 0, s),
        };
        b[0] = tag;
        b[1] = step;
        b[4..8].copy_from_slice(&a.to_le_bytes());
        b
    }

    pub fn decode(b: &[u8; RECORD]) -> Option<Report> {
        let a = i32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        Some(match b[0] {
            1 => Report::SetupFailed {
                step: Step::from_u8(b[1])?,
                errno: a,
            },
            2 => Report::Started,
            3 => Report::Exited(a),
            4 => Report::Signaled(a),
            _ => return None,
        })
    }
}

/// Writer used inside the child, where only a raw fd and a plain `write` are wanted.
pub struct ReportWriter(pub RawFd);

impl ReportWriter {
    pub fn send(&self, r: Report) {
        let b = r.encode();
        // SAFETY: writing a stack buffer of RECORD bytes to an fd we own; a failed
        // write means the parent is gone, and there is nobody left to tell.
        let _ = unsafe { libc::write(self.0, b.as_ptr().cast(), RECORD) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        for r in [
            Report::SetupFailed {
                step: Step::Landlock,
                errno: 95,
            },
            Report::Started,
            Report::Exited(3),
            Report::Signaled(9),
        ] {
            assert_eq!(Report::decode(&r.encode()), Some(r));
        }
        assert_eq!(Report::decode(&[9; RECORD]), None);
    }
}
