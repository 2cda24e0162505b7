//! The byte protocol between the runner and its per-job helper process.
//!
//! Each frame is `[kind: u8][len: u32 LE][payload]`. Runner → helper on the helper's
//! stdin, helper → runner on the helper's stdout. Frames are bounded (`MAX_FRAME`), so a
//! confused peer can't make either side allocate without limit.

use std::io::{self, Read, Write};

pub const MAX_FRAME: usize = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    // runner → helper
    /// JSON `WarmSpec`: the profile; the helper builds and parks a sandbox.
    Profile = 1,
    /// JSON `JobInput`: the job itself (files follow).
    Job = 7,
    /// An input file: `[name_len: u16 LE][name][data]`.
    File = 2,
    /// All files sent; start the program.
    Start = 3,
    StdinData = 4,
    StdinEof = 5,
    Cancel = 6,
    // helper → runner
    Stdout = 20,
    Stderr = 21,
    /// One line from the runtime's event fd (without the newline).
    Event = 22,
    /// A file the program left in its work dir: same layout as `File`.
    OutputFile = 23,
    /// JSON `Outcome`; always the last frame.
    Outcome = 24,
    /// The sandbox is built and waits for its job (no payload).
    Parked = 25,
}

impl Kind {
    pub fn from_u8(v: u8) -> Option<Kind> {
        use Kind::*;
        [
            Profile, Job, File, Start, StdinData, StdinEof, Cancel, Stdout, Stderr, Event,
            OutputFile, Outcome, Parked,
        ]
        .into_iter()
        .find(|k| *k as u8 == v)
    }
}

pub fn write_frame(w: &mut impl Write, kind: Kind, payload: &[u8]) -> io::Result<()> {
    let mut head = [0u8; 5];
    head[0] = kind as u8;
    head[1..].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    w.write_all(&head)?;
    w.write_all(payload)
}

/// Read one frame; `Ok(None)` on a clean EOF before a frame starts.
pub fn read_frame(r: &mut impl Read) -> io::Result<Option<(Kind, Vec<u8>)>> {
    let mut head = [0u8; 5];
    match r.read_exact(&mut head[..1]) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    r.read_exact(&mut head[1..])?;
    let kind = Kind::from_u8(head[0])
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unknown frame kind"))?;
    let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload)?;
    Ok(Some((kind, payload)))
}

pub fn encode_named(name: &str, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + name.len() + data.len());
    v.extend_from_slice(&(name.len() as u16).to_le_bytes());
    v.extend_from_slice(name.as_bytes());
    v.extend_from_slice(data);
    v
}

pub fn decode_named(payload: &[u8]) -> Option<(String, &[u8])> {
    let n = u16::from_le_bytes([*payload.first()?, *payload.get(1)?]) as usize;
    let name = std::str::from_utf8(payload.get(2..2 + n)?)
        .ok()?
        .to_string();
    Some((name, &payload[2 + n..]))
}

/// Incremental frame parser for a non-blocking reader (the helper's poll loop).
#[derive(Default)]
pub struct FrameBuffer {
    buf: Vec<u8>,
}

impl FrameBuffer {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Bytes not yet consumed as frames.
    pub fn take_rest(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// The next complete frame, if any. A frame over `MAX_FRAME` is an error.
    pub fn next_frame(&mut self) -> io::Result<Option<(Kind, Vec<u8>)>> {
        if self.buf.len() < 5 {
            return Ok(None);
        }
        let kind = Kind::from_u8(self.buf[0])
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unknown frame kind"))?;
        let len = u32::from_le_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]) as usize;
        if len > MAX_FRAME {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "frame too large",
            ));
        }
        if self.buf.len() < 5 + len {
            return Ok(None);
        }
        let payload = self.buf[5..5 + len].to_vec();
        self.buf.drain(..5 + len);
        Ok(Some((kind, payload)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_whole_and_in_pieces() {
        let mut out = Vec::new();
        write_frame(&mut out, Kind::Stdout, b"hello").unwrap();
        write_frame(&mut out, Kind::File, &encode_named("a.txt", b"xyz")).unwrap();
        let mut r = &out[..];
        assert_eq!(
            read_frame(&mut r).unwrap(),
            Some((Kind::Stdout, b"hello".to_vec()))
        );
        let (k, p) = read_frame(&mut r).unwrap().unwrap();
        assert_eq!(k, Kind::File);
        assert_eq!(decode_named(&p), Some(("a.txt".to_string(), &b"xyz"[..])));
        assert_eq!(read_frame(&mut r).unwrap(), None);

        let mut fb = FrameBuffer::default();
        for b in &out {
            fb.push(std::slice::from_ref(b));
        }
        assert_eq!(fb.next_frame().unwrap().unwrap().0, Kind::Stdout);
        assert_eq!(fb.next_frame().unwrap().unwrap().0, Kind::File);
        assert!(fb.next_frame().unwrap().is_none());
    }

    #[test]
    fn oversized_and_unknown_frames_are_rejected() {
        let mut fb = FrameBuffer::default();
        fb.push(&[99, 0, 0, 0, 0]);
        assert!(fb.next_frame().is_err());
        let mut fb = FrameBuffer::default();
        fb.push(&[4, 0xff, 0xff, 0xff, 0xff]);
        assert!(fb.next_frame().is_err());
    }
}
