//! Turning a program's byte stream into text without ever splitting a character:
//! an incomplete UTF-8 sequence at the end of a chunk waits for the next chunk;
//! invalid bytes become U+FFFD.

#[derive(Default)]
pub struct Utf8Stream {
    pending: Vec<u8>,
}

impl Utf8Stream {
    /// Decode what can be decoded now.
    pub fn push(&mut self, data: &[u8]) -> String {
        self.pending.extend_from_slice(data);
        let keep = incomplete_tail(&self.pending);
        let cut = self.pending.len() - keep;
        let text = String::from_utf8_lossy(&self.pending[..cut]).into_owned();
        self.pending.drain(..cut);
        text
    }

    /// Whatever is left (an unfinished sequence) as replacement characters.
    pub fn finish(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }
}

/// Length of a trailing, possibly valid but unfinished UTF-8 sequence (0..=3).
fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=3.min(b.len()) {
        let c = b[b.len() - back];
        if c & 0b1100_0000 == 0b1000_0000 {
            continue; // continuation byte: look further back for the lead
        }
        let need = match c {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return 0,
        };
        return if need > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_split_across_chunks_come_out_whole() {
        let s = "你好, world";
        let b = s.as_bytes();
        let mut d = Utf8Stream::default();
        let mut out = String::new();
        for byte in b {
            out += &d.push(std::slice::from_ref(byte));
        }
        out += &d.finish();
        assert_eq!(out, s);
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let mut d = Utf8Stream::default();
        let mut out = d.push(b"a\xffb\xe4");
        out += &d.finish();
        assert_eq!(out, "a\u{fffd}b\u{fffd}");
    }
}
