//! The JSON format, version 1. Documented field by field in `docs/json-output.md`; any change to
//! the shape here must be reflected there (and a breaking one must bump `version`).
//!
//! Lines and columns are 1-based; columns count UTF-8 bytes, so `column - 1` is the byte offset
//! from the start of the line, consistent with the `span` byte offsets.

use std::io::{self, Write};

use serde::Serialize;
use trustlint_core::{
    BaselineState, ColumnUnit, Confidence, Finding, Location, Severity, SourceFile, Span, SuppressionKind,
};

use crate::common::{Counts, Secrets, Streamed, is_visible};
use crate::{RenderOptions, Report};

/// Bumped on any incompatible change to the document's shape.
pub(crate) const JSON_VERSION: u32 = 1;

pub(crate) fn render_to(report: &Report<'_>, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let secrets = Secrets::collect(report.findings);
    let counts = Counts::of(report.findings);
    let document = Document {
        version: JSON_VERSION,
        tool: Tool { name: "trustlint", version: report.tool_version, commit: report.tool_commit },
        summary: Summary {
            files_scanned: report.files_scanned,
            findings: counts.findings,
            suppressed: counts.suppressed,
            absent: report.absent.len(),
            by_severity: BySeverity {
                critical: counts.count(Severity::Critical),
                high: counts.count(Severity::High),
                medium: counts.count(Severity::Medium),
                low: counts.count(Severity::Low),
                info: counts.count(Severity::Info),
            },
        },
        findings: Streamed(|| {
            report.findings.iter().filter(|f| is_visible(f, options)).map(|f| JsonFinding::new(f, &secrets))
        }),
        absent: report
            .absent
            .iter()
            .map(|a| Absent {
                rule: a.rule.clone(),
                path: a.path.clone(),
                message: secrets.scrub(&a.message),
                fingerprint: a.fingerprint.clone(),
            })
            .collect(),
        notes: report.notes.iter().map(|note| secrets.scrub(note)).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Document<'a, Findings> {
    version: u32,
    tool: Tool<'a>,
    summary: Summary,
    findings: Findings,
    absent: Vec<Absent>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
    /// The git commit trustlint was built from; `null` when the build had no repository.
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    findings: usize,
    suppressed: usize,
    absent: usize,
    by_severity: BySeverity,
}

#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: Severity,
    confidence: Confidence,
    message: String,
    help: String,
    path: &'a str,
    start: Position,
    end: Position,
    span: ByteSpan,
    related: Vec<JsonRelated<'a>>,
    fingerprint: &'a str,
    suppressed: Option<JsonSuppression>,
    baseline_state: Option<BaselineState>,
    fix: Option<JsonFix<'a>>,
}

impl<'a> JsonFinding<'a> {
    fn new(finding: &'a Finding, secrets: &Secrets) -> Self {
        let (start, end) = range(&finding.primary.file, finding.primary.span);
        Self {
            rule: finding.rule,
            severity: finding.severity,
            confidence: finding.confidence,
            message: secrets.scrub(&finding.message),
            help: secrets.scrub(&finding.help),
            path: finding.primary.path(),
            start,
            end,
            span: ByteSpan::of(finding.primary.span),
            related: finding
                .related
                .iter()
                .map(|r| JsonRelated::new(&r.location, secrets.scrub(&r.message)))
                .collect(),
            fingerprint: &finding.fingerprint,
            suppressed: finding
                .suppression
                .as_ref()
                .map(|s| JsonSuppression { kind: s.kind, justification: secrets.scrub(&s.justification) }),
            baseline_state: finding.baseline,
            fix: finding.fix.as_ref().map(|fix| JsonFix {
                description: secrets.scrub(&fix.description),
                safe: fix.safe,
                path: fix.file.path(),
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| {
                        let (start, end) = range(&fix.file, edit.span);
                        JsonEdit {
                            start,
                            end,
                            span: ByteSpan::of(edit.span),
                            replacement: secrets.scrub(&edit.replacement),
                        }
                    })
                    .collect(),
            }),
        }
    }
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct ByteSpan {
    start: usize,
    end: usize,
}

impl ByteSpan {
    fn of(span: Span) -> Self {
        Self { start: span.start, end: span.end }
    }
}

fn range(file: &SourceFile, span: Span) -> (Position, Position) {
    let start = file.position(span.start, ColumnUnit::Utf8);
    let end = file.position(span.end, ColumnUnit::Utf8);
    (Position { line: start.line, column: start.column }, Position { line: end.line, column: end.column })
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    message: String,
    start: Position,
    end: Position,
    span: ByteSpan,
}

impl<'a> JsonRelated<'a> {
    fn new(location: &'a Location, message: String) -> Self {
        let (start, end) = range(&location.file, location.span);
        Self { path: location.path(), message, start, end, span: ByteSpan::of(location.span) }
    }
}

#[derive(Serialize)]
struct JsonSuppression {
    kind: SuppressionKind,
    justification: String,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: String,
    safe: bool,
    path: &'a str,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonEdit {
    start: Position,
    end: Position,
    span: ByteSpan,
    replacement: String,
}

#[derive(Serialize)]
struct Absent {
    rule: String,
    path: String,
    message: String,
    fingerprint: String,
}
