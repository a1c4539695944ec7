//! The scan of one file. One aho-corasick pass over the bytes finds every keyword of every kind;
//! each kind's regex then runs only on the lines around its hits, so a file without keywords
//! costs one pass and a file with a few costs little more.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem;
use regex::bytes::Regex;
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

/// On a line too long to be hand-written, how many bytes before a value may hold its key name.
const LONG_LINE_LEAD: usize = 256;

/// Binary files are skipped: a NUL in the first 8 KiB is what git and ripgrep look at too.
const BINARY_SNIFF: usize = 8192;

struct Scanner {
    catalog: &'static Catalog,
    keyword_lines: KeywordLines,
    keywords: AhoCorasick,
    /// For each keyword pattern: the kinds it wakes up, with the exact bytes when the keyword
    /// is case-sensitive (the automaton itself matches in any case).
    targets: Vec<Vec<Target>>,
}

struct Target {
    kind: usize,
    exact: Option<Vec<u8>>,
}

/// Finds, in one fast pass, at least one keyword on every line that holds one (keywords never
/// span lines): case-sensitive keywords in their exact case (hits in another case are dropped
/// anyway), the others in any. Most files have no such line, and the few lines found are then
/// searched by [`Scanner::keywords`].
struct KeywordLines {
    /// One alternation of the keywords of at least [`SHORT_KEYWORD`] bytes.
    long: Regex,
    /// Shorter case-sensitive keywords (`Q~`), each searched alone: in the alternation they
    /// would make the literal pre-filter match on two bytes, which common words share.
    short: Vec<memmem::Finder<'static>>,
}

const SHORT_KEYWORD: usize = 3;

impl KeywordLines {
    fn new(patterns: &[String], targets: &[Vec<Target>]) -> Self {
        let mut exact: Vec<String> = Vec::new();
        let mut short: Vec<Vec<u8>> = Vec::new();
        let mut any_case: Vec<String> = Vec::new();
        for (pattern, targets) in patterns.iter().zip(targets) {
            if targets.iter().all(|target| target.exact.is_some()) {
                for exact_bytes in targets.iter().filter_map(|target| target.exact.as_deref()) {
                    if exact_bytes.len() < SHORT_KEYWORD {
                        if !short.iter().any(|known| known == exact_bytes) {
                            short.push(exact_bytes.to_vec());
                        }
                        continue;
                    }
                    let literal = regex::escape(&String::from_utf8_lossy(exact_bytes));
                    if !exact.contains(&literal) {
                        exact.push(literal);
                    }
                }
            } else {
                any_case.push(regex::escape(pattern));
            }
        }
        let mut alternatives = Vec::new();
        if !exact.is_empty() {
            alternatives.push(format!("(?-u:{})", exact.join("|")));
        }
        if !any_case.is_empty() {
            alternatives.push(format!("(?i-u:{})", any_case.join("|")));
        }
        // An empty alternation would match everywhere: with no long keyword, match nowhere.
        let long = if alternatives.is_empty() { "[a&&b]".to_string() } else { alternatives.join("|") };
        KeywordLines {
            long: Regex::new(&long).unwrap_or_else(|e| panic!("rules/secrets.toml keywords: {e}")),
            short: short.iter().map(|keyword| memmem::Finder::new(keyword).into_owned()).collect(),
        }
    }

    fn any(&self, bytes: &[u8]) -> bool {
        self.long.is_match(bytes) || self.short.iter().any(|finder| finder.find(bytes).is_some())
    }

    /// Where keywords start, ascending: at least one on every line that holds any.
    fn hits(&self, bytes: &[u8]) -> Vec<usize> {
        let mut hits: Vec<usize> = self.long.find_iter(bytes).map(|hit| hit.start()).collect();
        let before = hits.len();
        for finder in &self.short {
            hits.extend(finder.find_iter(bytes));
        }
        if hits.len() > before {
            hits.sort_unstable();
        }
        hits
    }
}

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let catalog = catalog();
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut add = |keyword: &str, target: Target| {
            // `may_find` relies on it, and the line-by-line search on the absence of line breaks.
            assert!(keyword.is_ascii(), "rules/secrets.toml: keyword `{keyword}` is not ASCII");
            assert!(!keyword.contains(['\n', '\r']), "rules/secrets.toml: keyword `{keyword}` spans lines");
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
        let keyword_lines = KeywordLines::new(&patterns, &targets);
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
            .unwrap_or_else(|e| panic!("rules/secrets.toml keywords: {e}"));
        Scanner { catalog, keyword_lines, keywords, targets }
    })
}

/// Every secret in `text`, in file order. `path` decides whether the file is skipped (lock files,
/// minified bundles); lines longer than `max_line_length` are treated as minified and not read.
pub fn scan(path: &str, text: &str) -> Vec<Found> {
    let scanner = scanner();
    let bytes = text.as_bytes();
    if scanner.catalog.settings.skips(path) || bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        return Vec::new();
    }
    scan_text(text, scanner.catalog.settings.max_line_length)
}

/// False when [`scan`] of these bytes, read as text however their invalid UTF-8 is replaced,
/// cannot find anything: the file is skipped by name, or no kind's regex finds a value around
/// its keywords. It lets a caller skip decoding a binary (most hold no secret, though many hold a
/// short keyword such as `Q~` by chance), decoding only the lines around keywords instead.
///
/// Why the answer is exact: keywords are ASCII, and replacing invalid bytes never creates or
/// splits a run of ASCII bytes, so the text's keywords and line breaks are the bytes' own; the
/// replaced text of a run of whole lines is the same as those lines of the replaced whole. Only
/// line lengths grow (one invalid byte can become the 3 bytes of U+FFFD), which can move the
/// bound past which lines count as too long: a file with such a line is not judged here.
pub fn may_find(path: &str, bytes: &[u8]) -> bool {
    let scanner = scanner();
    if scanner.catalog.settings.skips(path) || !scanner.keyword_lines.any(bytes) {
        return false;
    }
    let max_line_length = scanner.catalog.settings.max_line_length;
    let mut line_start = 0;
    for line_end in memchr::memchr_iter(b'\n', bytes).chain([bytes.len()]) {
        let length = line_end - line_start;
        if length <= max_line_length && length.saturating_mul(3) > max_line_length {
            return true;
        }
        line_start = line_end + 1;
    }
    let lines = Lines::new(bytes, max_line_length, max_line_length);
    let kinds = &scanner.catalog.kinds;
    scanner.windows(&lines).iter().enumerate().any(|(index, kind_windows)| {
        kind_windows.iter().any(|&(start, end)| {
            let text = String::from_utf8_lossy(&bytes[start..end]);
            let mut found = false;
            candidates_in(&kinds[index], &text, (0, text.len()), |_, _| found = true);
            found
        })
    })
}

/// The span of every credential value in `text` (documented examples excepted), whatever the
/// file's name and however long its lines: what a report must mask wherever it shows this file.
/// It reads the lines [`scan`] skips, so it is meant for the few files that have findings.
pub fn credential_spans(text: &str) -> Vec<Span> {
    scan_text(text, usize::MAX).into_iter().filter(|found| !found.example).map(|found| found.span).collect()
}

/// Every secret in `text`; keyword hits on lines longer than `max_line_length` are ignored.
fn scan_text(text: &str, max_line_length: usize) -> Vec<Found> {
    let scanner = scanner();
    let bytes = text.as_bytes();
    let lines = Lines::new(bytes, max_line_length, scanner.catalog.settings.max_line_length);
    let windows = scanner.windows(&lines);
    let kinds = &scanner.catalog.kinds;

    let mut candidates: Vec<(usize, Span, bool)> = Vec::new();
    for (index, kind_windows) in windows.iter().enumerate() {
        let kind = &kinds[index];
        for &window in kind_windows {
            candidates_in(kind, text, window, |span, example| candidates.push((index, span, example)));
        }
    }

    if candidates.is_empty() {
        return Vec::new();
    }
    let nearby: Vec<Option<Nearby>> = (0..kinds.len())
        .map(|index| {
            let wanted =
                kinds.iter().any(|k| k.context.as_ref().is_some_and(|c| c.near_kinds.contains(&index)));
            wanted.then(|| {
                Nearby::new(
                    candidates
                        .iter()
                        .filter(|c| c.0 == index)
                        .map(|c| (lines.line_of(c.1.start), lines.line_of(c.1.end)))
                        .collect(),
                )
            })
        })
        .collect();
    // Candidates of a kind come in file order, so those of one line ask about the same region.
    let mut last_required: Option<(usize, (usize, usize), bool)> = None;
    let in_context: Vec<bool> = candidates
        .iter()
        .map(|&(index, span, _)| in_context(&kinds[index], index, span, &nearby, &lines, &mut last_required))
        .collect();
    let mut accepted: Vec<(usize, Span, bool)> =
        candidates.iter().zip(in_context).filter(|(_, ok)| *ok).map(|(c, _)| *c).collect();

    // Overlapping values: the kind listed first in the catalog is the more specific one.
    accepted.sort_by_key(|&(index, span, _)| (index, span.start));
    // Kept values by position. They do not overlap, so their ends ascend too: of those starting
    // before a candidate ends, only the last can reach into it.
    let mut kept: BTreeMap<(usize, usize), (usize, Span, bool)> = BTreeMap::new();
    for candidate in accepted {
        let span = candidate.1;
        let last_before = kept.range(..(span.end, 0)).next_back();
        if last_before.is_none_or(|(_, k)| k.1.end <= span.start) {
            kept.insert((span.start, span.end), candidate);
        }
    }
    kept.into_values().map(|(index, span, example)| Found { kind: &kinds[index], span, example }).collect()
}

/// Each value of `kind` in `window` of `text` that is random enough or a documented example:
/// its span and whether it is an example.
fn candidates_in(kind: &Kind, text: &str, window: (usize, usize), mut found: impl FnMut(Span, bool)) {
    let (start, end) = window;
    for captures in kind.regex.captures_iter(&text.as_bytes()[start..end]) {
        let Some(group) = captures.get(kind.secret_group) else { continue };
        let span = Span::new(start + group.start(), start + group.end());
        if !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
            continue;
        }
        let value = group.as_bytes();
        let example = kind.is_example(value);
        if !example
            && !looks_random(kind, value, captures.get(kind.entropy_group).map_or(value, |m| m.as_bytes()))
        {
            continue;
        }
        found(span, example);
    }
}

impl Scanner {
    /// For each kind, the merged byte ranges (whole lines) its regex must look at.
    fn windows(&self, lines: &Lines<'_>) -> Vec<Vec<(usize, usize)>> {
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.catalog.kinds.len()];
        // Hits come in order, often several on one line: remember the last line looked up, so a
        // long line is measured once.
        let mut searched_up_to = 0;
        for hit_start in self.keyword_lines.hits(lines.bytes) {
            if hit_start < searched_up_to {
                continue;
            }
            let line = lines.bounds(hit_start);
            searched_up_to = line.1 + 1;
            if line.1 - line.0 > lines.max_len {
                continue;
            }
            for hit in self.keywords.find_overlapping_iter(&lines.bytes[line.0..line.1]) {
                let range = line.0 + hit.start()..line.0 + hit.end();
                for target in &self.targets[hit.pattern().as_usize()] {
                    if target.exact.as_deref().is_some_and(|exact| exact != &lines.bytes[range.clone()]) {
                        continue;
                    }
                    let kind = &self.catalog.kinds[target.kind];
                    let window = lines.expand(line, kind.lines_before, kind.lines_after);
                    push_merged(&mut windows[target.kind], window);
                }
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
/// another kind, next to a required marker. `last_required` remembers the last `requires` check
/// (kind, region, result).
fn in_context(
    kind: &Kind,
    index: usize,
    span: Span,
    nearby: &[Option<Nearby>],
    lines: &Lines<'_>,
    last_required: &mut Option<(usize, (usize, usize), bool)>,
) -> bool {
    let Some(context) = &kind.context else { return true };
    if let Some(requires) = &context.requires {
        let start = lines.bounds(span.start);
        let end = lines.bounds(span.end.saturating_sub(1).max(span.start));
        let region = lines.expand((start.0, end.1), context.requires_lines, context.requires_lines);
        let found = match *last_required {
            Some((cached_kind, cached_region, found)) if cached_kind == index && cached_region == region => {
                found
            }
            _ => {
                let found = requires.is_match(&lines.bytes[region.0..region.1]);
                *last_required = Some((index, region, found));
                found
            }
        };
        if !found {
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
    let (first, last) = (lines.line_of(span.start), lines.line_of(span.end));
    context.near_kinds.iter().any(|&near| {
        nearby[near].as_ref().is_some_and(|nearby| nearby.within(first, last, context.near_lines))
    })
}

/// The line ranges of the candidates of one kind, to tell in log time whether one is within a
/// few lines of a value: a file with thousands of candidates must not cost millions of checks.
struct Nearby {
    /// `(first line, last line)`, sorted.
    lines: Vec<(usize, usize)>,
    /// `furthest[i]`: the largest last line among `lines[..=i]`.
    furthest: Vec<usize>,
}

impl Nearby {
    fn new(mut lines: Vec<(usize, usize)>) -> Self {
        lines.sort_unstable();
        let mut furthest_yet = 0;
        let furthest = lines
            .iter()
            .map(|&(_, last)| {
                furthest_yet = furthest_yet.max(last);
                furthest_yet
            })
            .collect();
        Nearby { lines, furthest }
    }

    /// Whether at most `n` line breaks separate one of these ranges from `first..=last`.
    fn within(&self, first: usize, last: usize, n: usize) -> bool {
        let low = first.saturating_sub(n);
        // The first range starting at `low` or later is the closest of those after it; a range
        // starting earlier is near only if it reaches `low`.
        let after = self.lines.partition_point(|&(start, _)| start < low);
        self.lines.get(after).is_some_and(|&(start, _)| start <= last + n)
            || (after > 0 && self.furthest[after - 1] >= low)
    }
}

/// Line arithmetic over the file's bytes.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Keyword hits on longer lines are ignored.
    max_len: usize,
    /// Longer lines are generated text, read only by the masking pass: there a key name is looked
    /// for only in the [`LONG_LINE_LEAD`] bytes before a value.
    long_line: usize,
    /// Offsets of every `\n`, found on first use (a file without keyword hits needs none), so
    /// that line lookups cost the same on a 4 MiB line as on a short one.
    newlines: OnceCell<Vec<usize>>,
    /// Indexes of the lines longer than `max_len`, which windows never grow across; found on
    /// first use so that growing a window costs two binary searches, not one per line (a file of
    /// 100,000 `PRIVATE KEY-----` lines asks for 400 lines around each).
    long_lines: OnceCell<Vec<usize>>,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8], max_len: usize, long_line: usize) -> Self {
        Lines { bytes, max_len, long_line, newlines: OnceCell::new(), long_lines: OnceCell::new() }
    }

    fn newlines(&self) -> &[usize] {
        self.newlines.get_or_init(|| memchr::memchr_iter(b'\n', self.bytes).collect())
    }

    /// `[start, end)` of the line holding byte `offset`, without its `\n`.
    fn bounds(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.bytes.len());
        let newlines = self.newlines();
        let next = newlines.partition_point(|&newline| newline < offset);
        let start = if next == 0 { 0 } else { newlines[next - 1] + 1 };
        (start, newlines.get(next).copied().unwrap_or(self.bytes.len()))
    }

    /// `line` grown by up to `before` lines above and `after` lines below, stopping at lines
    /// too long to be hand-written.
    fn expand(&self, line: (usize, usize), before: usize, after: usize) -> (usize, usize) {
        let (first, last) = (self.line_of(line.0), self.line_of(line.1));
        let long_lines = self.long_lines();
        let long_before = long_lines.partition_point(|&long| long < first);
        let mut top = first.saturating_sub(before);
        if long_before > 0 {
            top = top.max(long_lines[long_before - 1] + 1).min(first);
        }
        let last_line = self.newlines().len();
        let mut bottom = (last + after).min(last_line);
        if let Some(&long) = long_lines.get(long_lines.partition_point(|&long| long <= last)) {
            bottom = bottom.min(long - 1).max(last);
        }
        (self.line_bounds(top).0.min(line.0), self.line_bounds(bottom).1.max(line.1))
    }

    /// `[start, end)` of line `index` (from 0), without its `\n`.
    fn line_bounds(&self, index: usize) -> (usize, usize) {
        let newlines = self.newlines();
        let start = if index == 0 { 0 } else { newlines[index - 1] + 1 };
        (start, newlines.get(index).copied().unwrap_or(self.bytes.len()))
    }

    fn long_lines(&self) -> &[usize] {
        self.long_lines.get_or_init(|| {
            let newlines = self.newlines();
            (0..=newlines.len())
                .filter(|&index| {
                    let (start, end) = self.line_bounds(index);
                    end - start > self.max_len
                })
                .collect()
        })
    }

    /// The text before `offset` on its line; when that is only punctuation (a YAML list dash,
    /// an opening quote), the line above too, where a key may stand alone.
    fn lead(&self, offset: usize) -> &[u8] {
        let (start, end) = self.bounds(offset);
        if end - start > self.long_line {
            return &self.bytes[offset.saturating_sub(LONG_LINE_LEAD).max(start)..offset];
        }
        let lead = &self.bytes[start..offset];
        if lead.iter().any(u8::is_ascii_alphanumeric) || start == 0 {
            return lead;
        }
        let (mut previous, _) = self.bounds(start - 1);
        if start - 1 - previous > self.long_line {
            previous = start - 1 - LONG_LINE_LEAD;
        }
        &self.bytes[previous..offset]
    }

    /// How many line breaks come before byte `offset`: the line it is on, from 0.
    fn line_of(&self, offset: usize) -> usize {
        self.newlines().partition_point(|&newline| newline < offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain definition of [`Lines::expand`]: one line at a time.
    fn expand_line_by_line(
        lines: &Lines<'_>,
        line: (usize, usize),
        before: usize,
        after: usize,
    ) -> (usize, usize) {
        let (mut start, mut end) = line;
        for _ in 0..before {
            if start == 0 {
                break;
            }
            let previous = lines.bounds(start - 1);
            if previous.1 - previous.0 > lines.max_len {
                break;
            }
            start = previous.0;
        }
        for _ in 0..after {
            if end >= lines.bytes.len() {
                break;
            }
            let next = lines.bounds(end + 1);
            if next.1 - next.0 > lines.max_len {
                break;
            }
            end = next.1;
        }
        (start, end)
    }

    #[test]
    fn expand_agrees_with_walking_line_by_line() {
        let mut state = 0x9E37_79B9_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for _ in 0..200 {
            let text: String = (0..next(30))
                .map(|_| format!("{}\n", "x".repeat(if next(5) == 0 { 12 } else { next(6) })))
                .collect::<String>()
                + if next(2) == 0 { "tail" } else { "" };
            let lines = Lines::new(text.as_bytes(), 8, 8);
            for _ in 0..20 {
                let (a, b) = (lines.bounds(next(text.len() + 1)), lines.bounds(next(text.len() + 1)));
                let line = (a.0.min(b.0), a.1.max(b.1));
                let (before, after) = (next(5), next(5));
                assert_eq!(
                    lines.expand(line, before, after),
                    expand_line_by_line(&lines, line, before, after),
                    "{text:?} {line:?} -{before} +{after}"
                );
            }
        }
    }

    #[test]
    fn nearby_agrees_with_counting_line_breaks() {
        // Ranges of lines, some spanning several (key blocks), checked against the plain rule.
        let mut state = 0x2545_F491_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for _ in 0..300 {
            let ranges: Vec<(usize, usize)> = (0..next(6))
                .map(|_| {
                    let first = next(40);
                    (first, first + if next(4) == 0 { next(10) } else { 0 })
                })
                .collect();
            let nearby = Nearby::new(ranges.clone());
            let first = next(50);
            let last = first + next(3);
            let n = next(4);
            let expected = ranges.iter().any(|&(start, end)| {
                // Line breaks from the end of one range to the start of the other: 0 if they meet.
                let between = first.saturating_sub(end).max(start.saturating_sub(last));
                between <= n
            });
            assert_eq!(nearby.within(first, last, n), expected, "{ranges:?} {first}..={last} n={n}");
        }
    }
}
