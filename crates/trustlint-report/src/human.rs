//! The terminal format: one miette diagnostic per visible finding, then baseline leftovers, run
//! notes and a summary line.
//!
//! Columns are 1-based UTF-8 byte columns, as miette counts them, in the snippet header
//! (`[path:line:col]`) and in the `related:` lines this module adds.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity as MietteSeverity,
};
use trustlint_core::{
    ColumnUnit, Confidence, Finding, Severity, Span, SuppressionKind, redact, rule::help_uri,
};

use crate::common::{Counts, Secrets, is_visible, plural, secret_spans};
use crate::{RenderOptions, Report};

/// Messages and help lines wrap at this width, whatever the terminal, so output is reproducible.
const WIDTH: usize = 120;

pub(crate) fn render(report: &Report<'_>, options: &RenderOptions) -> String {
    let secrets = Secrets::collect(report.findings);
    let sources = MaskedSources::new(report.findings);
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // Text links print the docs URL next to the rule id; terminal hyperlinks (OSC 8) would be
    // escape sequences even without colors.
    let mut handler = GraphicalReportHandler::new_themed(theme).with_links(false).with_width(WIDTH);
    if !options.color {
        handler = handler.without_syntax_highlighting();
    }

    let mut out = String::new();
    for finding in report.findings.iter().filter(|f| is_visible(f, options)) {
        let diagnostic = FindingDiagnostic::new(finding, sources.get(finding), &secrets);
        let mut block = String::new();
        if handler.render_report(&mut block, &diagnostic).is_err() {
            // Rendering into a String only fails if the snippet cannot be read; keep the essentials.
            block = fallback(finding, &secrets);
        }
        out.push_str(&block);
        extra_lines(&mut out, finding, &secrets);
        out.push('\n');
    }

    if !report.absent.is_empty() {
        let _ =
            writeln!(out, "{} from the baseline no longer present:", plural(report.absent.len(), "finding"));
        for absent in report.absent {
            let _ = writeln!(out, "  {}: {}: {}", absent.path, absent.rule, secrets.scrub(&absent.message));
        }
        out.push('\n');
    }
    for note in report.notes {
        let _ = writeln!(out, "note: {}", secrets.scrub(note));
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
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
            related.location.path(),
            position.line,
            position.column,
            secrets.scrub(&related.message)
        );
    }
    if let Some(fix) = &finding.fix {
        let how = if fix.safe { "safe to apply automatically" } else { "review before applying" };
        let _ = writeln!(out, "  fix: {} ({how})", secrets.scrub(&fix.description));
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
            let _ = writeln!(out, "  suppressed {kind}: {}", secrets.scrub(justification));
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
        secrets.scrub(&title(finding)),
        finding.primary.path(),
        position.line,
        position.column
    );
    if !finding.help.trim().is_empty() {
        let _ = writeln!(out, "  help: {}", secrets.scrub(&finding.help));
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
    source: NamedSource<Arc<String>>,
    labels: Vec<LabeledSpan>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding, text: Arc<String>, secrets: &Secrets) -> Self {
        let path = finding.primary.path();
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some("here".to_string()),
            clamp(&text, finding.primary.span),
        )];
        for related in finding.related.iter().filter(|r| r.location.path() == path) {
            labels.push(LabeledSpan::new_with_span(
                Some(secrets.scrub(&related.message)),
                clamp(&text, related.location.span),
            ));
        }
        let help = finding.help.trim();
        Self {
            finding,
            title: secrets.scrub(&title(finding)),
            help: (!help.is_empty()).then(|| secrets.scrub(help)),
            url: help_uri(finding.rule),
            source: NamedSource::new(path, text),
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

/// The text of each file with findings, with every credential span masked. Masking keeps
/// byte lengths and line breaks, so spans and line numbers stay valid.
struct MaskedSources {
    by_path: HashMap<String, Arc<String>>,
}

impl MaskedSources {
    fn new(findings: &[Finding]) -> Self {
        let mut masked: HashMap<&str, Vec<Span>> = HashMap::new();
        for finding in findings {
            masked.entry(finding.primary.path()).or_default().extend(secret_spans(finding));
        }
        let mut by_path = HashMap::new();
        for finding in findings {
            let file = &finding.primary.file;
            by_path.entry(file.path().to_string()).or_insert_with(|| {
                let spans = masked.get(file.path()).map(Vec::as_slice).unwrap_or_default();
                Arc::new(mask_spans(file.text(), spans))
            });
        }
        Self { by_path }
    }

    fn get(&self, finding: &Finding) -> Arc<String> {
        self.by_path
            .get(finding.primary.path())
            .cloned()
            .unwrap_or_else(|| Arc::new(finding.primary.file.text().to_string()))
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
    fn clamp_respects_text_and_char_boundaries() {
        assert_eq!(clamp("aé", Span::new(2, 9)), (1, 2));
        assert_eq!(clamp("abc", Span::new(7, 9)), (3, 0));
    }
}
