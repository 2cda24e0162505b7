//! Policy errors as `FILE:LINE: message`, the form `policy check` prints and editors
//! understand.

use std::fmt;
use std::path::PathBuf;

/// One problem in one policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line of the offending key or value; 0 when the problem is the file as a
    /// whole (unreadable, missing), in which case no line is printed.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// Every problem found in a policy file (never just the first), one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyErrors(pub Vec<Diagnostic>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Problems found while reading one file, each with its line; turned into
/// [`Diagnostic`]s once the file name is attached.
#[derive(Debug, Default)]
pub(super) struct Problems(pub(super) Vec<(usize, String)>);

impl Problems {
    pub(super) fn at(&mut self, line: usize, message: impl Into<String>) {
        self.0.push((line, message.into()));
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorted by line (stable, so problems on one line keep the order they were found).
    pub(super) fn into_errors(mut self, file: &std::path::Path) -> PolicyErrors {
        self.0.sort_by_key(|(line, _)| *line);
        PolicyErrors(
            self.0
                .into_iter()
                .map(|(line, message)| Diagnostic {
                    file: file.to_path_buf(),
                    line,
                    message,
                })
                .collect(),
        )
    }
}

/// Turns byte offsets (TOML spans) into 1-based line numbers.
pub(super) struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { line_starts }
    }

    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a
/// plausible typo (so `wall_second` suggests `wall_seconds`, `xyz` suggests nothing).
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over chars where swapping two neighbours counts as one edit, the
/// commonest typo (`getdents46` is one edit from `getdents64`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i chars of a and the first j chars of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitute = d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitute.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// `did you mean ...?` text for a message, or nothing.
pub(super) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let idx = LineIndex::new("a\nbb\n\nc");
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(1), 1); // the newline belongs to its line
        assert_eq!(idx.line_of(2), 2);
        assert_eq!(idx.line_of(5), 3);
        assert_eq!(idx.line_of(6), 4);
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let keys = ["wall_seconds", "cpu_seconds", "memory_mib"];
        assert_eq!(closest("wall_second", keys), Some("wall_seconds"));
        assert_eq!(closest("memory_mb", keys), Some("memory_mib"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("getdents46", "getdents64"), 1);
    }

    #[test]
    fn display_is_file_colon_line() {
        let d = Diagnostic {
            file: "p/x.toml".into(),
            line: 7,
            message: "bad".into(),
        };
        assert_eq!(d.to_string(), "p/x.toml:7: bad");
        let whole = Diagnostic {
            line: 0,
            ..d.clone()
        };
        assert_eq!(whole.to_string(), "p/x.toml: bad");
        assert_eq!(
            PolicyErrors(vec![d, whole]).to_string(),
            "p/x.toml:7: bad\np/x.toml: bad"
        );
    }
}
