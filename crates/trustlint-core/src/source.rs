//! Source files and byte spans. Everything inside trustlint works in byte offsets; line and
//! column numbers (UTF-8 or UTF-16) are computed only when a finding is rendered.

use std::fmt;
use std::sync::{Arc, OnceLock};

use line_index::{LineIndex, TextSize, WideEncoding};

/// A half-open byte range `[start, end)` into a [`SourceFile`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub const fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// A 1-based line and column pair, with the column counted in the unit asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Column units used by the different outputs: miette and the human report count bytes,
/// SARIF and LSP count UTF-16 code units by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
}

/// One file that was read, with its path relative to the scan root (always `/`-separated).
pub struct SourceFile {
    path: String,
    text: String,
    /// Built on first use: most files read in a run have no finding, and indexing every line of
    /// every file (binaries included) cost a sixth of a whole-tree run.
    lines: OnceLock<LineIndex>,
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self { path: path.into().replace('\\', "/"), text: text.into(), lines: OnceLock::new() })
    }

    fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text under `span`, clamped to the file and to character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        let mut start = span.start.min(self.text.len());
        let mut end = span.end.min(self.text.len()).max(start);
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        &self.text[start..end]
    }

    /// 1-based line and column of a byte offset.
    pub fn position(&self, offset: usize, unit: ColumnUnit) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let size = TextSize::new(u32::try_from(offset).unwrap_or(u32::MAX));
        let utf8 = self.lines().line_col(size);
        let column = match unit {
            ColumnUnit::Utf8 => utf8.col,
            ColumnUnit::Utf16 => {
                self.lines().to_wide(WideEncoding::Utf16, utf8).map_or(utf8.col, |wide| wide.col)
            }
        };
        Position { line: utf8.line + 1, column: column + 1 }
    }

    /// Byte offset of a 0-based line and column (in `unit`); `None` when out of range.
    pub fn offset(&self, line: u32, column: u32, unit: ColumnUnit) -> Option<usize> {
        let utf8 = match unit {
            ColumnUnit::Utf8 => line_index::LineCol { line, col: column },
            ColumnUnit::Utf16 => {
                self.lines().to_utf8(WideEncoding::Utf16, line_index::WideLineCol { line, col: column })?
            }
        };
        self.lines().offset(utf8).map(|size| u32::from(size) as usize).filter(|&o| o <= self.text.len())
    }

    /// The byte span of the 1-based `line`, without its line terminator.
    pub fn line_span(&self, line: u32) -> Option<Span> {
        let start = self.offset(line.checked_sub(1)?, 0, ColumnUnit::Utf8)?;
        let rest = &self.text[start..];
        let len = rest.find('\n').unwrap_or(rest.len());
        let len = if rest[..len].ends_with('\r') { len - 1 } else { len };
        Some(Span::new(start, start + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_bytes_and_utf16_units() {
        let file = SourceFile::new("a.json", "{\n  \"é😀\": \"x\"\n}");
        let x = file.text().find('x').unwrap();
        assert_eq!(file.position(x, ColumnUnit::Utf8), Position { line: 2, column: 14 });
        // é is one UTF-16 unit, 😀 is two.
        assert_eq!(file.position(x, ColumnUnit::Utf16), Position { line: 2, column: 11 });
        assert_eq!(file.offset(1, 10, ColumnUnit::Utf16), Some(x));
    }

    #[test]
    fn slice_never_splits_a_character() {
        let file = SourceFile::new("a", "aé");
        assert_eq!(file.slice(Span::new(1, 2)), "é");
        assert_eq!(file.slice(Span::new(5, 9)), "");
    }

    #[test]
    fn line_span_excludes_terminator() {
        let file = SourceFile::new("a", "one\r\ntwo\n");
        assert_eq!(file.slice(file.line_span(1).unwrap()), "one");
        assert_eq!(file.slice(file.line_span(2).unwrap()), "two");
    }
}
