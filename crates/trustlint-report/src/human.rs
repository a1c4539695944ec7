//! The terminal format: one miette diagnostic per visible finding, then baseline leftovers, run
//! notes and a summary line.
//!
//! Columns are 1-based UTF-8 byte columns, as miette counts them, in the snippet header
//! (`[path:line:col]`) and in the `related:` lines this module adds.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::io;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    Severity as MietteSeverity, SourceCode, SourceSpan, SpanContents,
};
use trustlint_core::terminal::{escape_controls, mask_controls};
use trustlint_core::{
    ColumnUnit, Confidence, Finding, Severity, SourceFile, Span, SuppressionKind, redact, rule::help_uri,
};

use crate::common::{Counts, Secrets, is_visible, plural};
use crate::{RenderOptions, Report};

/// Messages and help lines wrap at this width, whatever the terminal, so output is reproducible.
const WIDTH: usize = 120;

pub(crate) fn render_to(
    report: &Report<'_>,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let secrets = Secrets::collect(report.findings);
    let mut sources = MaskedSources::new(report.findings);
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // Text links print the docs URL next to the rule id; terminal hyperlinks (OSC 8) would be
    // escape sequences even without colors.
    let mut handler = GraphicalReportHandler::new_themed(theme).with_links(false).with_width(WIDTH);
    if !options.color {
        handler = handler.without_syntax_highlighting();
    }

    // One block per finding, written as soon as it is drawn.
    let mut block = String::new();
    for finding in report.findings.iter().filter(|f| is_visible(f, options)) {
        block.clear();
        let diagnostic = FindingDiagnostic::new(finding, &sources.get(finding), &secrets);
        if handler.render_report(&mut block, &diagnostic).is_err() {
            // Rendering into a String only fails if the snippet cannot be read; keep the essentials.
            block = fallback(finding, &secrets);
        }
        extra_lines(&mut block, finding, &secrets);
        block.push('\n');
        out.write_all(block.as_bytes())?;
    }

    block.clear();
    if !report.absent.is_empty() {
        let _ = writeln!(
            block,
            "{} from the baseline no longer present:",
            plural(report.absent.len(), "finding")
        );
        for absent in report.absent {
            let _ = writeln!(
                block,
                "  {}: {}: {}",
                escape_controls(&absent.path),
                absent.rule,
                secrets.shown(&absent.message)
            );
        }
        block.push('\n');
    }
    for note in report.notes {
        let _ = writeln!(block, "note: {}", secrets.shown(note));
    }
    block.push_str(&summary_line(report));
    block.push('\n');
    out.write_all(block.as_bytes())
}

/// `3 findings (1 critical, 2 high) in 12 files; 1 suppressed` or `No findings in 12 files.`
fn summary_line(report: &Report<'_>) -> String {
    let counts = Counts::of(report.findings);
    let files = plural(report.files_scanned, "file");
    let suppressed =
        if counts.suppressed > 0 { format!("; {} suppressed", counts.suppressed) } else { String::new() };
    if counts.findings == 0 {
        return format!("No findings in {files}{suppressed}.");
    }
    let breakdown: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter(|&&severity| counts.count(severity) > 0)
        .map(|&severity| format!("{} {severity}", counts.count(severity)))
        .collect();
    format!("{} ({}) in {files}{suppressed}", plural(counts.findings, "finding"), breakdown.join(", "))
}

/// Lines miette cannot draw: related locations in other files, the fix, the suppression.
fn extra_lines(out: &mut String, finding: &Finding, secrets: &Secrets) {
    let path = finding.primary.path();
    for related in finding.related.iter().filter(|r| r.location.path() != path) {
        let position = related.location.file.position(related.location.span.start, ColumnUnit::Utf8);
        let _ = writeln!(
            out,
            "  related: {}:{}:{}: {}",
            escape_controls(related.location.path()),
            position.line,
            position.column,
            secrets.shown(&related.message)
        );
    }
    if let Some(fix) = &finding.fix {
        let how = if fix.safe { "safe to apply automatically" } else { "review before applying" };
        let _ = writeln!(out, "  fix: {} ({how})", secrets.shown(&fix.description));
    }
    if let Some(suppression) = &finding.suppression {
        let kind = match suppression.kind {
            SuppressionKind::InSource => "in source",
            SuppressionKind::External => "by configuration",
        };
        let justification = suppression.justification.trim();
        if justification.is_empty() {
            let _ = writeln!(out, "  suppressed {kind}");
        } else {
            let _ = writeln!(out, "  suppressed {kind}: {}", secrets.shown(justification));
        }
    }
}

/// Used only if miette fails to draw the snippet.
fn fallback(finding: &Finding, secrets: &Secrets) -> String {
    let position = finding.primary.file.position(finding.primary.span.start, ColumnUnit::Utf8);
    let mut out = format!(
        "{} ({})\n\n  {}\n  at {}:{}:{}\n",
        finding.rule,
        help_uri(finding.rule),
        secrets.shown(&title(finding)),
        escape_controls(finding.primary.path()),
        position.line,
        position.column
    );
    if !finding.help.trim().is_empty() {
        let _ = writeln!(out, "  help: {}", secrets.shown(&finding.help));
    }
    out
}

/// `high: message`, or `medium (low confidence): message`.
fn title(finding: &Finding) -> String {
    match finding.confidence {
        Confidence::High => format!("{}: {}", finding.severity, finding.message),
        other => format!("{} ({} confidence): {}", finding.severity, other.as_str(), finding.message),
    }
}

/// The miette view of one finding. Private: rules and the engine never see miette.
#[derive(Debug)]
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    title: String,
    help: Option<String>,
    url: String,
    source: Snippet,
    labels: Vec<LabeledSpan>,
}

impl<'a> FindingDiagnostic<'a> {
    /// `text`: the masked text of the finding's file.
    fn new(finding: &'a Finding, text: &str, secrets: &Secrets) -> Self {
        let path = finding.primary.path();
        let mut spans = vec![clamp(text, finding.primary.span)];
        let mut messages = vec!["here".to_string()];
        for related in finding.related.iter().filter(|r| r.location.path() == path) {
            spans.push(clamp(text, related.location.span));
            messages.push(secrets.shown(&related.message));
        }
        let source = Snippet::new(&finding.primary.file, text, &spans);
        let labels = spans
            .iter()
            .zip(messages)
            .enumerate()
            .map(|(index, (&(start, len), message))| {
                let start_in_snippet = source.offset_in_snippet(start);
                let span = (start_in_snippet, source.offset_in_snippet(start + len) - start_in_snippet);
                if index == 0 {
                    LabeledSpan::new_primary_with_span(Some(message), span)
                } else {
                    LabeledSpan::new_with_span(Some(message), span)
                }
            })
            .collect();
        let help = finding.help.trim();
        Self {
            finding,
            title: secrets.shown(&title(finding)),
            help: (!help.is_empty()).then(|| secrets.shown(help)),
            url: help_uri(finding.rule),
            source,
            labels,
        }
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule))
    }

    fn severity(&self) -> Option<MietteSeverity> {
        Some(match self.finding.severity {
            Severity::Critical | Severity::High => MietteSeverity::Error,
            Severity::Medium | Severity::Low => MietteSeverity::Warning,
            Severity::Info => MietteSeverity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.url))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// `span` as a miette `(offset, length)`, clamped to `text` and to character boundaries.
fn clamp(text: &str, span: Span) -> (usize, usize) {
    let mut start = span.start.min(text.len());
    let mut end = span.end.min(text.len()).max(start);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end - start)
}

/// Lines longer than this are never printed whole: minified or generated text (a policy on one
/// 4 MiB line) is unreadable in a terminal, and a credential the scan missed could hide in it.
const MAX_LINE_BYTES: usize = 1000;

/// On a cut line, bytes kept on each side of a label (of each end, for a long label).
const KEEP_AROUND_LABEL: usize = 80;

/// On a cut line no label touches (a context line), bytes kept from its start.
const KEEP_LINE_HEAD: usize = 160;

/// Lines of the file given to miette above and below a finding's labels: it shows 1 of context.
const WINDOW_LINES: u32 = 2;

/// The text miette draws for one finding: the lines of its masked file around its labels, each
/// line over [`MAX_LINE_BYTES`] cut down to the parts around the labels. miette reads a source
/// from its start for every label, so giving it only these lines keeps a file with thousands of
/// findings fast. Line numbers and the column in the snippet header are the file's.
#[derive(Debug)]
struct Snippet {
    name: String,
    text: String,
    /// Where `text` starts in the file: a byte offset and a 0-based line.
    start: usize,
    first_line: usize,
    /// In text order.
    cuts: Vec<Cut>,
}

/// Bytes of the file left out of a [`Snippet`], replaced by a marker.
#[derive(Debug)]
struct Cut {
    /// Where the left-out bytes start, in the file.
    start: usize,
    /// How many bytes were left out.
    removed: usize,
    /// Where the marker starts, in the snippet.
    marker_start: usize,
    marker_len: usize,
}

impl Snippet {
    /// The lines of `text` (the masked text of `file`) around `labels` (`(offset, length)` pairs on
    /// character boundaries), with every line over [`MAX_LINE_BYTES`] cut around them.
    fn new(file: &SourceFile, text: &str, labels: &[(usize, usize)]) -> Snippet {
        let line_of = |offset: usize| file.position(offset, ColumnUnit::Utf8).line.saturating_sub(1);
        let line_start_of = |line: u32| file.offset(line, 0, ColumnUnit::Utf8).filter(|&o| o <= text.len());
        let first = labels.iter().map(|&(offset, _)| offset).min().unwrap_or(0);
        let last = labels.iter().map(|&(offset, len)| offset + len).max().unwrap_or(0);
        let first_line = line_of(first).saturating_sub(WINDOW_LINES);
        let start = line_start_of(first_line).unwrap_or(0);
        let end =
            line_start_of(line_of(last).saturating_add(WINDOW_LINES + 1)).unwrap_or(text.len()).max(start);

        let mut out = String::new();
        let mut cuts = Vec::new();
        let mut line_start = start;
        let mut line_number = first_line;
        // Lines come from the file's line index, not from scanning the text: a finding on a
        // 4 MiB line must not cost a pass over it (thousands of findings may share that line).
        while line_start < end {
            line_number += 1;
            let next = line_start_of(line_number).filter(|&next| next > line_start).unwrap_or(end).min(end);
            let line = &text[line_start..next];
            let content = line.trim_end_matches(['\n', '\r']);
            let line_end = line_start + content.len();
            if content.len() <= MAX_LINE_BYTES {
                out.push_str(line);
                line_start += line.len();
                continue;
            }
            let mut done = line_start;
            for (keep_start, keep_end) in kept_parts(text, line_start, line_end, labels) {
                if keep_start > done {
                    cuts.push(cut_out(&mut out, done, keep_start));
                }
                out.push_str(&text[keep_start..keep_end]);
                done = keep_end;
            }
            if done < line_end {
                cuts.push(cut_out(&mut out, done, line_end));
            }
            out.push_str(&line[content.len()..]);
            line_start += line.len();
        }
        Snippet {
            name: escape_controls(file.path()).into_owned(),
            text: out,
            start,
            first_line: first_line as usize,
            cuts,
        }
    }

    /// Where file offset `offset` is in the snippet (the start of the marker, for a byte that
    /// was cut out).
    fn offset_in_snippet(&self, offset: usize) -> usize {
        let offset = offset.clamp(self.start, self.start + self.text.len() + self.removed());
        let mut shift = self.start;
        for cut in &self.cuts {
            if offset < cut.start + cut.removed {
                return if offset <= cut.start { offset - shift } else { cut.marker_start };
            }
            shift += cut.removed - cut.marker_len;
        }
        offset - shift
    }

    /// Where snippet offset `offset` is in the file (the first cut byte, inside a marker).
    fn offset_in_file(&self, offset: usize) -> usize {
        let mut shift = self.start;
        for cut in &self.cuts {
            if offset < cut.marker_start + cut.marker_len {
                return if offset <= cut.marker_start { offset + shift } else { cut.start };
            }
            shift += cut.removed - cut.marker_len;
        }
        offset + shift
    }

    /// File bytes left out, less the markers written instead.
    fn removed(&self) -> usize {
        self.cuts.iter().map(|cut| cut.removed - cut.marker_len).sum()
    }
}

/// The parts of line `[line_start, line_end)` of `text` to keep: around each label on it, or its
/// head when none is; sorted, merged, on character boundaries.
fn kept_parts(
    text: &str,
    line_start: usize,
    line_end: usize,
    labels: &[(usize, usize)],
) -> Vec<(usize, usize)> {
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut around = |at: usize, before: usize, after: usize| {
        parts.push((at.saturating_sub(before).max(line_start), (at + after).min(line_end)));
    };
    for &(offset, len) in labels {
        if offset > line_end || offset + len < line_start {
            continue;
        }
        let (start, end) = (offset.max(line_start), (offset + len).min(line_end));
        if end - start <= 2 * KEEP_AROUND_LABEL {
            around(start, KEEP_AROUND_LABEL, end - start + KEEP_AROUND_LABEL);
        } else {
            around(start, KEEP_AROUND_LABEL, KEEP_AROUND_LABEL);
            around(end, KEEP_AROUND_LABEL, KEEP_AROUND_LABEL);
        }
    }
    if parts.is_empty() {
        parts.push((line_start, (line_start + KEEP_LINE_HEAD).min(line_end)));
    }
    for part in &mut parts {
        while !text.is_char_boundary(part.0) {
            part.0 -= 1;
        }
        while !text.is_char_boundary(part.1) {
            part.1 += 1;
        }
    }
    parts.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in parts {
        match merged.last_mut() {
            // A gap shorter than its marker would be is kept too.
            Some(last) if start <= last.1 + 32 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Leave out file bytes `[start, end)`: write a marker in their place.
fn cut_out(out: &mut String, start: usize, end: usize) -> Cut {
    let marker = format!("[… {} bytes cut …]", end - start);
    let cut = Cut { start, removed: end - start, marker_start: out.len(), marker_len: marker.len() };
    out.push_str(&marker);
    cut
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self.text.as_str().read_span(span, context_lines_before, context_lines_after)?;
        let start = contents.span().offset();
        // The header shows the line and column of the primary label: the file's, not the snippet's.
        let column = self
            .offset_in_file(start)
            .saturating_sub(self.offset_in_file(start.saturating_sub(contents.column())));
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            self.first_line + contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

/// The text of the file of the finding being drawn, with every credential span of that file
/// masked. Masking keeps byte lengths and line breaks, so spans and line numbers stay valid.
/// Findings come sorted by file: one file's masked text is kept at a time, not the whole tree's.
struct MaskedSources<'a> {
    spans: HashMap<&'a str, Vec<Span>>,
    current: Option<(&'a str, Arc<String>)>,
}

impl<'a> MaskedSources<'a> {
    fn new(findings: &'a [Finding]) -> Self {
        let mut spans: HashMap<&str, Vec<Span>> = HashMap::new();
        for finding in findings {
            spans.entry(finding.primary.path()).or_default().extend(finding.masked.iter().copied());
        }
        Self { spans, current: None }
    }

    fn get(&mut self, finding: &'a Finding) -> Arc<String> {
        let path = finding.primary.path();
        match &self.current {
            Some((current, text)) if *current == path => Arc::clone(text),
            _ => {
                let spans = self.spans.get(path).map(Vec::as_slice).unwrap_or_default();
                let text = Arc::new(shown_source(finding.primary.file.text(), spans));
                self.current = Some((path, Arc::clone(&text)));
                text
            }
        }
    }
}

/// A file's text as snippets show it: credentials masked, control characters replaced; both
/// keep byte offsets, so labels stay where they were.
fn shown_source(text: &str, secrets: &[Span]) -> String {
    let masked = mask_spans(text, secrets);
    match mask_controls(&masked) {
        std::borrow::Cow::Borrowed(_) => masked,
        std::borrow::Cow::Owned(clean) => clean,
    }
}

/// `text` with each span masked (see [`mask`]); overlapping spans are merged first.
fn mask_spans(text: &str, spans: &[Span]) -> String {
    let mut ranges: Vec<(usize, usize)> = spans
        .iter()
        .map(|&span| {
            let (start, len) = clamp(text, span);
            (start, start + len)
        })
        .filter(|(start, end)| start < end)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in merged {
        out.push_str(&text[done..start]);
        out.push_str(&mask(&text[start..end]));
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// Replace a secret with its redacted form (`AKIA…(20 chars)`), padded with `*` to the same
/// byte length. Quotes around the value and line breaks inside it are kept; if the redacted form
/// does not fit, the value becomes all `*`.
fn mask(secret: &str) -> String {
    let is_edge = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`');
    let inner_start = secret.len() - secret.trim_start_matches(is_edge).len();
    let inner_end = secret.trim_end_matches(is_edge).len().max(inner_start);
    let inner = &secret[inner_start..inner_end];
    let redacted = redact(inner);

    let mut out = String::with_capacity(secret.len());
    out.push_str(&secret[..inner_start]);
    let mut first = true;
    let mut rest = inner;
    loop {
        let cut = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let (body, tail) = rest.split_at(cut);
        if !body.is_empty() {
            let head = if first && redacted.len() <= body.len() { redacted.as_str() } else { "" };
            out.push_str(head);
            out.extend(std::iter::repeat_n('*', body.len() - head.len()));
            first = false;
        }
        let Some(separator) = tail.chars().next() else { break };
        out.push(separator);
        rest = &tail[separator.len_utf8()..];
    }
    out.push_str(&secret[inner_end..]);
    debug_assert_eq!(out.len(), secret.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_length_quotes_and_line_breaks() {
        let key = concat!("AKIA", "QWERTYUIOPASDFGH");
        let masked = mask(&format!("\"{key}\""));
        assert_eq!(masked, "\"AKIA…(20 chars)***\"");
        assert_eq!(masked.len(), key.len() + 2);

        let pem = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEA\r\n-----END KEY-----";
        let masked = mask(pem);
        assert_eq!(masked.len(), pem.len());
        assert_eq!(masked.matches('\n').count(), 2);
        assert!(masked.contains("\r\n"));
        assert!(!masked.contains("MIIE"));

        // Too short for the redacted form: all stars.
        assert_eq!(mask("abcdefgh"), "********");
    }

    #[test]
    fn mask_spans_merges_overlaps() {
        let text = "a = SECRETVALUE1234567890 # end";
        let start = text.find('S').unwrap();
        let spans = [Span::new(start + 2, start + 6), Span::new(start, start + 21)];
        let masked = mask_spans(text, &spans);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "a = SECR…(21 chars)**** # end");
        assert!(masked.ends_with(" # end"));
    }

    #[test]
    fn long_lines_are_cut_around_the_labels() {
        let text =
            format!("short\n{}KEY{}\r\n{}\nend\n", "a".repeat(3000), "b".repeat(3000), "c".repeat(5000));
        let key = text.find("KEY").unwrap();
        let snippet = Snippet::new(&SourceFile::new("f", text.clone()), &text, &[(key, 3)]);
        let lines: Vec<&str> = snippet.text.split('\n').collect();
        assert_eq!(lines.len(), text.split('\n').count(), "line breaks are kept");
        assert_eq!(lines[0], "short");
        assert_eq!(
            lines[1],
            format!("[… 2920 bytes cut …]{}KEY{}[… 2920 bytes cut …]\r", "a".repeat(80), "b".repeat(80))
        );
        // A line no label touches keeps its head.
        assert_eq!(lines[2], format!("{}[… 4840 bytes cut …]", "c".repeat(160)));
        assert_eq!(lines[3], "end");

        let in_snippet = snippet.offset_in_snippet(key);
        assert_eq!(&snippet.text[in_snippet..in_snippet + 3], "KEY");
        for offset in [0, 3, 6, key - 80, key, key + 3, key + 83, text.len() - 4, text.len()] {
            assert_eq!(snippet.offset_in_file(snippet.offset_in_snippet(offset)), offset, "{offset}");
        }
        // Inside a cut: the marker's start.
        assert_eq!(snippet.offset_in_snippet(100), 6);
        assert_eq!(snippet.offset_in_file(8), 6);
    }

    #[test]
    fn long_labels_keep_both_ends_and_cuts_respect_characters() {
        let text = format!("{}{{{}}}{}\n", "é".repeat(700), "x".repeat(2000), "é".repeat(700));
        let start = text.find('{').unwrap();
        let end = text.find('}').unwrap() + 1;
        let snippet = Snippet::new(&SourceFile::new("f", text.clone()), &text, &[(start, end - start)]);
        assert!(snippet.text.len() < 1000, "{}", snippet.text);
        let label_start = snippet.offset_in_snippet(start);
        let label_end = snippet.offset_in_snippet(end);
        assert!(snippet.text[label_start..].starts_with('{'));
        assert!(snippet.text[..label_end].ends_with('}'));
        assert!(snippet.text[label_start..label_end].contains(" bytes cut …]"));
    }

    #[test]
    fn only_the_lines_around_the_labels_are_given_to_miette() {
        let text: String = (1..=100).map(|n| format!("line {n}\n")).collect();
        let file = SourceFile::new("f", text.clone());
        let at = text.find("line 50\n").unwrap();
        let related = text.find("line 53\n").unwrap();
        let snippet = Snippet::new(&file, &text, &[(at, 7), (related, 7)]);
        assert_eq!(snippet.text, "line 48\nline 49\nline 50\nline 51\nline 52\nline 53\nline 54\nline 55\n");
        assert_eq!(snippet.first_line, 47);
        for offset in [at, at + 7, related] {
            assert_eq!(snippet.offset_in_file(snippet.offset_in_snippet(offset)), offset);
        }

        let finding = Finding::new(
            "r",
            Severity::High,
            trustlint_core::Location::new(&file, Span::new(at + 5, at + 7)),
            "m",
        )
        .with_related(trustlint_core::Location::new(&file, Span::new(related, related + 4)), "there");
        let findings = [finding];
        let report = Report {
            findings: &findings,
            rules: &[],
            files_scanned: 1,
            notes: &[],
            absent: &[],
            tool_version: "0",
            tool_commit: None,
        };
        let out = crate::render(
            crate::Format::Human,
            &report,
            &RenderOptions { color: false, show_suppressed: false },
        );
        assert!(out.contains("[f:50:6]"), "{out}");
        assert!(out.contains(" 49 │ line 49\n"), "{out}");
        assert!(out.contains(" 54 │ line 54\n"), "{out}");
        assert!(!out.contains("line 48") && !out.contains("line 55"), "{out}");
    }

    #[test]
    fn the_header_gives_the_file_column_on_a_cut_line() {
        let file = SourceFile::new(
            "policy.json",
            format!("{{\"pad\": \"{}\", \"sub\": \"repo:*\"}}\n", "x".repeat(5000)),
        );
        let at = file.text().find("\"repo:*\"").unwrap();
        let finding = Finding::new(
            "oidc-wildcard-subject",
            Severity::High,
            trustlint_core::Location::new(&file, Span::new(at, at + 8)),
            "m",
        );
        let findings = [finding];
        let report = Report {
            findings: &findings,
            rules: &[],
            files_scanned: 1,
            notes: &[],
            absent: &[],
            tool_version: "0",
            tool_commit: None,
        };
        let out = crate::render(
            crate::Format::Human,
            &report,
            &RenderOptions { color: false, show_suppressed: false },
        );
        assert!(out.contains(&format!("[policy.json:1:{}]", at + 1)), "{out}");
        assert!(out.contains("[… 4939 bytes cut …]"), "{out}");
        assert!(out.lines().all(|line| line.len() < 400), "{out}");
    }

    #[test]
    fn clamp_respects_text_and_char_boundaries() {
        assert_eq!(clamp("aé", Span::new(2, 9)), (1, 2));
        assert_eq!(clamp("abc", Span::new(7, 9)), (3, 0));
    }
}
