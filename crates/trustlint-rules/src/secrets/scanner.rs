//! The scan of one file. One aho-corasick pass over the bytes finds every keyword of every kind;
//! each kind's regex then runs only on the lines around its hits, so a file without keywords
//! costs one pass and a file with a few costs little more.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use trustlint_core::Span;

use super::catalog::{Catalog, Kind, catalog, normalize_key_name};
use super::entropy::{looks_like_placeholder, shannon};

/// A secret value found in a file.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub kind: &'static Kind,
    /// The value itself, in bytes of the file.
    pub span: Span,
    /// A documented example value: report at info, not as a secret.
    pub example: bool,
}

/// Binary files are skipped: a NUL in the first 8 KiB is what git and ripgrep look at too.
const BINARY_SNIFF: usize = 8192;

struct Scanner {
    catalog: &'static Catalog,
    keywords: AhoCorasick,
    /// For each keyword pattern: the kinds it wakes up, with the exact bytes when the keyword
    /// is case-sensitive (the automaton itself matches in any case).
    targets: Vec<Vec<Target>>,
}

struct Target {
    kind: usize,
    exact: Option<Vec<u8>>,
}

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let catalog = catalog();
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut add = |keyword: &str, target: Target| {
            let lower = keyword.to_ascii_lowercase();
            let index = patterns.iter().position(|p| *p == lower).unwrap_or_else(|| {
                patterns.push(lower);
                targets.push(Vec::new());
                patterns.len() - 1
            });
            targets[index].push(target);
        };
        for (index, kind) in catalog.kinds.iter().enumerate() {
            for keyword in &kind.keywords {
                let exact = (!kind.keywords_ignore_case).then(|| keyword.as_bytes().to_vec());
                add(keyword, Target { kind: index, exact });
            }
            for name in kind.context.iter().flat_map(|c| &c.key_names_written) {
                add(name, Target { kind: index, exact: None });
            }
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
            .unwrap_or_else(|e| panic!("rules/secrets.toml keywords: {e}"));
        Scanner { catalog, keywords, targets }
    })
}

/// Every secret in `text`, in file order. `path` decides whether the file is skipped (lock files,
/// minified bundles).
pub fn scan(path: &str, text: &str) -> Vec<Found> {
    let scanner = scanner();
    let bytes = text.as_bytes();
    if scanner.catalog.settings.skips(path) || bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        return Vec::new();
    }
    let lines = Lines { bytes, max_len: scanner.catalog.settings.max_line_length };
    let windows = scanner.windows(&lines);
    let kinds = &scanner.catalog.kinds;

    let mut candidates: Vec<(usize, Span, bool)> = Vec::new();
    for (index, kind_windows) in windows.iter().enumerate() {
        let kind = &kinds[index];
        for &(start, end) in kind_windows {
            for captures in kind.regex.captures_iter(&bytes[start..end]) {
                let Some(group) = captures.get(kind.secret_group) else { continue };
                let span = Span::new(start + group.start(), start + group.end());
                if !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
                    continue;
                }
                let value = group.as_bytes();
                let example = kind.is_example(value);
                if !example
                    && !looks_random(
                        kind,
                        value,
                        captures.get(kind.entropy_group).map_or(value, |m| m.as_bytes()),
                    )
                {
                    continue;
                }
                candidates.push((index, span, example));
            }
        }
    }

    let in_context: Vec<bool> = candidates
        .iter()
        .map(|&(index, span, _)| in_context(&kinds[index], span, &candidates, &lines))
        .collect();
    let mut accepted: Vec<(usize, Span, bool)> =
        candidates.iter().zip(in_context).filter(|(_, ok)| *ok).map(|(c, _)| *c).collect();

    // Overlapping values: the kind listed first in the catalog is the more specific one.
    accepted.sort_by_key(|&(index, span, _)| (index, span.start));
    let mut kept: Vec<(usize, Span, bool)> = Vec::new();
    for candidate in accepted {
        let overlaps = kept.iter().any(|k| k.1.start < candidate.1.end && candidate.1.start < k.1.end);
        if !overlaps {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|&(index, span, _)| (span.start, index));
    kept.into_iter().map(|(index, span, example)| Found { kind: &kinds[index], span, example }).collect()
}

impl Scanner {
    /// For each kind, the merged byte ranges (whole lines) its regex must look at.
    fn windows(&self, lines: &Lines<'_>) -> Vec<Vec<(usize, usize)>> {
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.catalog.kinds.len()];
        // Hits come in order, often several on one line: remember the last line looked up, so a
        // long line is measured once.
        let mut line_cache: Option<(usize, usize)> = None;
        for hit in self.keywords.find_overlapping_iter(lines.bytes) {
            let line = match line_cache {
                Some((start, end)) if start <= hit.start() && hit.start() <= end => (start, end),
                _ => {
                    let line = lines.bounds(hit.start());
                    line_cache = Some(line);
                    line
                }
            };
            if line.1 - line.0 > lines.max_len {
                continue;
            }
            for target in &self.targets[hit.pattern().as_usize()] {
                if target.exact.as_deref().is_some_and(|exact| exact != &lines.bytes[hit.range()]) {
                    continue;
                }
                let kind = &self.catalog.kinds[target.kind];
                let window = lines.expand(line, kind.lines_before, kind.lines_after);
                push_merged(&mut windows[target.kind], window);
            }
        }
        for kind_windows in &mut windows {
            kind_windows.sort_unstable();
            let mut merged: Vec<(usize, usize)> = Vec::with_capacity(kind_windows.len());
            for &window in kind_windows.iter() {
                push_merged(&mut merged, window);
            }
            *kind_windows = merged;
        }
        windows
    }
}

/// Long enough, random enough, and not a typed run. Whitespace (a key block's line breaks and
/// indentation) is not part of the value's randomness.
fn looks_random(kind: &Kind, value: &[u8], measured: &[u8]) -> bool {
    let compact =
        |bytes: &[u8]| -> Vec<u8> { bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect() };
    let value = compact(value);
    value.len() >= kind.min_length
        && shannon(&compact(measured)) >= kind.entropy
        && !(kind.placeholders && looks_like_placeholder(&value))
}

fn push_merged(windows: &mut Vec<(usize, usize)>, window: (usize, usize)) {
    match windows.last_mut() {
        Some(last) if window.0 <= last.1 + 1 && last.0 <= window.1 + 1 => {
            *last = (last.0.min(window.0), last.1.max(window.1));
        }
        _ => windows.push(window),
    }
}

/// Whether a candidate stands where its kind needs it: after a secret-key name, near a value of
/// another kind, next to a required marker.
fn in_context(kind: &Kind, span: Span, candidates: &[(usize, Span, bool)], lines: &Lines<'_>) -> bool {
    let Some(context) = &kind.context else { return true };
    if let Some(requires) = &context.requires {
        let start = lines.bounds(span.start);
        let end = lines.bounds(span.end.saturating_sub(1).max(span.start));
        let region = lines.expand((start.0, end.1), context.requires_lines, context.requires_lines);
        if !requires.is_match(&lines.bytes[region.0..region.1]) {
            return false;
        }
    }
    if context.key_names.is_empty() && context.near_kinds.is_empty() {
        return true;
    }
    let lead = normalize_key_name(lines.lead(span.start));
    if context.key_names.iter().any(|name| lead.contains(name.as_str())) {
        return true;
    }
    candidates.iter().any(|&(other, other_span, _)| {
        context.near_kinds.contains(&other) && lines.newlines_between(span, other_span) <= context.near_lines
    })
}

/// Line arithmetic over the file's bytes.
struct Lines<'a> {
    bytes: &'a [u8],
    max_len: usize,
}

impl Lines<'_> {
    /// `[start, end)` of the line holding byte `offset`, without its `\n`.
    fn bounds(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.bytes.len());
        let start = self.bytes[..offset].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let end =
            self.bytes[offset..].iter().position(|&b| b == b'\n').map_or(self.bytes.len(), |i| offset + i);
        (start, end)
    }

    /// `line` grown by up to `before` lines above and `after` lines below, stopping at lines
    /// too long to be hand-written.
    fn expand(&self, line: (usize, usize), before: usize, after: usize) -> (usize, usize) {
        let (mut start, mut end) = line;
        for _ in 0..before {
            if start == 0 {
                break;
            }
            let previous = self.bounds(start - 1);
            if previous.1 - previous.0 > self.max_len {
                break;
            }
            start = previous.0;
        }
        for _ in 0..after {
            if end >= self.bytes.len() {
                break;
            }
            let next = self.bounds(end + 1);
            if next.1 - next.0 > self.max_len {
                break;
            }
            end = next.1;
        }
        (start, end)
    }

    /// The text before `offset` on its line; when that is only punctuation (a YAML list dash,
    /// an opening quote), the line above too, where a key may stand alone.
    fn lead(&self, offset: usize) -> &[u8] {
        let (start, _) = self.bounds(offset);
        let lead = &self.bytes[start..offset];
        if lead.iter().any(u8::is_ascii_alphanumeric) || start == 0 {
            return lead;
        }
        let (previous, _) = self.bounds(start - 1);
        &self.bytes[previous..offset]
    }

    fn newlines_between(&self, a: Span, b: Span) -> usize {
        let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
        if second.start <= first.end {
            return 0;
        }
        self.bytes[first.end..second.start].iter().filter(|&&b| b == b'\n').count()
    }
}
