//! Suppressions: inline `trustlint: ignore[rule-id, ...] reason` comments on the finding's line
//! or the line above, and `ignore = ["path:line[:rule]"]` entries in `trustlint.toml` for files
//! without comments (JSON).

use std::sync::Arc;

use trustlint_core::{ColumnUnit, Finding, Location, SourceFile, Suppression, SuppressionKind};
use trustlint_syntax::Comment;

use crate::config::IgnoreEntry;

const MARKER: &str = "trustlint: ignore[";

/// One parsed ignore comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreComment {
    pub rules: Vec<String>,
    pub reason: String,
    /// 1-based line of the comment.
    pub line: u32,
    /// True when nothing but the comment is on its line (it then applies to the next line).
    pub own_line: bool,
    pub span: trustlint_core::Span,
}

/// Parse `trustlint: ignore[a, b] reason` out of comments.
pub fn ignore_comments(file: &SourceFile, comments: &[Comment]) -> Vec<IgnoreComment> {
    let mut out = Vec::new();
    for comment in comments {
        let Some(start) = comment.text.find(MARKER) else { continue };
        let rest = &comment.text[start + MARKER.len()..];
        let Some(end) = rest.find(']') else { continue };
        let rules = rest[..end].split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
        let reason = rest[end + 1..].trim().to_string();
        let position = file.position(comment.span.start, ColumnUnit::Utf8);
        let own_line = file.line_span(position.line).is_some_and(|line| {
            file.slice(trustlint_core::Span::new(line.start, comment.span.start)).trim().is_empty()
        });
        out.push(IgnoreComment { rules, reason, line: position.line, own_line, span: comment.span });
    }
    out
}

/// Mark findings covered by an inline comment or a config entry.
pub fn apply(findings: &mut [Finding], comments: &[IgnoreComment], entries: &[IgnoreEntry]) {
    for finding in findings.iter_mut() {
        let line = finding.primary.file.position(finding.primary.span.start, ColumnUnit::Utf8).line;
        let inline = comments.iter().find(|c| {
            (c.line == line || (c.own_line && c.line + 1 == line))
                && c.rules.iter().any(|r| r == finding.rule)
        });
        if let Some(comment) = inline {
            finding.suppression =
                Some(Suppression { kind: SuppressionKind::InSource, justification: comment.reason.clone() });
            continue;
        }
        let external = entries.iter().find(|e| {
            e.path == finding.primary.path()
                && e.line == line
                && e.rule.as_deref().is_none_or(|r| r == finding.rule)
        });
        if let Some(entry) = external {
            finding.suppression = Some(Suppression {
                kind: SuppressionKind::External,
                justification: format!("trustlint.toml ignore entry `{}`", entry.written),
            });
        }
    }
}

/// Findings for ignore comments that name rules that do not exist.
pub fn unknown_rules(
    file: &Arc<SourceFile>,
    comments: &[IgnoreComment],
    known: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for comment in comments {
        for rule in comment.rules.iter().filter(|r| !known(r)) {
            let meta = trustlint_rules::catalog::find(trustlint_rules::UNKNOWN_RULE_IN_IGNORE);
            let severity = meta.map_or(trustlint_core::Severity::Low, |m| m.default_severity);
            out.push(
                Finding::new(
                    trustlint_rules::UNKNOWN_RULE_IN_IGNORE,
                    severity,
                    Location::new(file, comment.span),
                    format!("`trustlint: ignore[{rule}]` names no rule, so it suppresses nothing."),
                )
                .with_help("Use a rule id listed by `trustlint rules`."),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_core::{Severity, Span};

    #[test]
    fn parses_comments_on_their_own_line_and_trailing() {
        let text = "a: 1 # trustlint: ignore[r1, r2] reviewed in SEC-1\n# trustlint: ignore[r3]\nb: 2\n";
        let file = SourceFile::new("x.yaml", text);
        let first = text.find('#').unwrap();
        let second = text.rfind('#').unwrap();
        let comments = vec![
            Comment {
                text: text[first + 1..text.find('\n').unwrap()].to_string(),
                span: Span::new(first, text.find('\n').unwrap()),
            },
            Comment { text: " trustlint: ignore[r3]".into(), span: Span::new(second, second + 23) },
        ];
        let parsed = ignore_comments(&file, &comments);
        assert_eq!(parsed[0].rules, vec!["r1", "r2"]);
        assert_eq!(parsed[0].reason, "reviewed in SEC-1");
        assert!(!parsed[0].own_line);
        assert!(parsed[1].own_line);

        let at = |offset: usize, rule: &'static str| {
            Finding::new(rule, Severity::High, Location::new(&file, Span::new(offset, offset + 1)), "m")
        };
        let mut findings = vec![at(0, "r1"), at(0, "r3"), at(text.find("b:").unwrap(), "r3")];
        apply(&mut findings, &parsed, &[]);
        assert!(findings[0].suppression.is_some());
        assert!(findings[1].suppression.is_none());
        assert_eq!(findings[2].suppression.as_ref().unwrap().kind, SuppressionKind::InSource);

        let unknown = unknown_rules(&file, &parsed, &|r| r == "r1");
        assert_eq!(unknown.len(), 2);
    }

    #[test]
    fn config_entries_suppress_by_path_and_line() {
        let file = SourceFile::new("p/trust.json", "{\n \"a\": 1\n}");
        let mut findings =
            vec![Finding::new("r", Severity::High, Location::new(&file, Span::new(3, 6)), "m")];
        let entries = vec![IgnoreEntry {
            path: "p/trust.json".into(),
            line: 2,
            rule: None,
            written: "p/trust.json:2".into(),
        }];
        apply(&mut findings, &[], &entries);
        assert_eq!(findings[0].suppression.as_ref().unwrap().kind, SuppressionKind::External);
    }
}
