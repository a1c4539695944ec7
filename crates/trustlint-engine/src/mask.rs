//! Credentials on the lines a report shows. A finding's snippet shows whole lines of its file,
//! and a credential may stand there that no finding reports: `hardcoded-secret` is off, its
//! finding is in the baseline, or its line is too long for the secret scan. So whatever rules
//! run, each file a finding points into is scanned for credentials (only files with findings pay
//! for it), and each finding marks those on the lines around its labels as `masked`.

use std::collections::HashMap;

use trustlint_core::{ColumnUnit, Finding, SourceFile, Span};

/// Lines around a finding's labels whose credentials it marks. Snippets show 1 line of context
/// around each label; the margin is wider so that a renderer may show a little more.
const CONTEXT_LINES: u32 = 3;

/// The credentials of one file, in file order, with their first and last lines.
struct Credentials {
    spans: Vec<Span>,
    /// `(first line, last line)` of each span: both ascending, since the spans do not overlap.
    lines: Vec<(u32, u32)>,
}

impl Credentials {
    fn of(file: &SourceFile) -> Self {
        let spans = trustlint_rules::secrets::credential_spans(file.text());
        let lines = spans.iter().map(|&span| (line(file, span.start), line(file, span.end))).collect();
        Credentials { spans, lines }
    }

    /// The spans on lines `first..=last`.
    fn on_lines(&self, first: u32, last: u32) -> &[Span] {
        let from = self.lines.partition_point(|&(_, end)| end < first);
        let to = self.lines.partition_point(|&(start, _)| start <= last);
        self.spans.get(from..to.max(from)).unwrap_or_default()
    }
}

/// Mark in each finding the credentials on and around the lines of its labels. Each finding gets
/// only those near it, so a file with thousands of findings and credentials stays cheap.
pub(crate) fn mask_credentials(findings: &mut [Finding]) {
    let mut by_path: HashMap<String, Credentials> = HashMap::new();
    for finding in findings {
        let file = &finding.primary.file;
        let credentials = by_path.entry(file.path().to_string()).or_insert_with(|| Credentials::of(file));
        if credentials.spans.is_empty() {
            continue;
        }
        let labels = std::iter::once(finding.primary.span).chain(
            finding.related.iter().filter(|r| r.location.path() == file.path()).map(|r| r.location.span),
        );
        let (first, last) = labels.fold((u32::MAX, 0), |(first, last), span| {
            (first.min(line(file, span.start)), last.max(line(file, span.end)))
        });
        let near =
            credentials.on_lines(first.saturating_sub(CONTEXT_LINES), last.saturating_add(CONTEXT_LINES));
        finding.masked.extend_from_slice(near);
    }
}

fn line(file: &SourceFile, offset: usize) -> u32 {
    file.position(offset, ColumnUnit::Utf8).line
}

#[cfg(test)]
mod tests {
    use trustlint_core::{Location, Severity};

    use super::*;

    // Assembled at run time so that this source file holds no credential-shaped literal.
    fn token(n: usize) -> String {
        format!("ghp_{}{n:04}", "Zq3vT9mPx2LwK7rBc8Hn4YdJ6sFa1GuE")
    }

    #[test]
    fn each_finding_marks_the_credentials_around_its_labels() {
        let mut text = String::new();
        for n in 0..40 {
            text.push_str(&format!("line {n}: TOKEN={}\n", token(n)));
        }
        let file = SourceFile::new("tokens.env", text.clone());
        let at = |n: usize| {
            let start = text.find(&token(n)).unwrap();
            Span::new(start, start + token(n).len())
        };
        let on = |n: usize| Location::new(&file, at(n));
        let mut findings = vec![
            Finding::new("r", Severity::High, on(0), "m"),
            Finding::new("r", Severity::High, on(20), "m").with_related(on(30), "there"),
        ];
        mask_credentials(&mut findings);
        // Line 1 and the 3 lines after it.
        assert_eq!(findings[0].masked, (0..4).map(at).collect::<Vec<_>>());
        // From 3 lines above its first label to 3 lines below its last.
        assert_eq!(findings[1].masked, (17..34).map(at).collect::<Vec<_>>());
    }

    #[test]
    fn a_file_without_credentials_marks_nothing() {
        let file = SourceFile::new("a.json", "{\"a\": 1}\n");
        let mut findings =
            vec![Finding::new("r", Severity::High, Location::new(&file, Span::new(1, 4)), "m")];
        mask_credentials(&mut findings);
        assert!(findings[0].masked.is_empty());
    }
}
