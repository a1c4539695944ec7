//! Code actions: a `trustlint: ignore[rule-id]` comment above the finding, and the rule's own
//! fix when it has one. Both are plain text edits; the server checks that an ignore comment
//! really suppresses the finding before it offers one.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, Diagnostic, TextEdit, Uri, WorkspaceEdit};
use trustlint_core::{ColumnUnit, Finding, Fix, SourceFile, Span};

use crate::convert;

const MARKER: &str = "trustlint: ignore[";

/// The line-comment prefix of a file, from its name (and, for `.template`, its text);
/// `None` for plain JSON, which has no comments.
pub fn comment_prefix(display: &str, text: &str) -> Option<&'static str> {
    let name = display.rsplit('/').next().unwrap_or(display).to_ascii_lowercase();
    if name.starts_with(".env") || name == "dockerfile" || name == "makefile" {
        return Some("#");
    }
    let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension {
        "yaml" | "yml" | "py" | "pyi" | "toml" | "tf" | "tfvars" | "hcl" | "sh" | "bash" | "env" | "rb"
        | "ini" | "cfg" | "conf" | "properties" => Some("#"),
        // CloudFormation `.template` files are YAML or JSON.
        "template" if !text.trim_start().starts_with(['{', '[']) => Some("#"),
        "ts" | "tsx" | "mts" | "cts" | "js" | "jsx" | "mjs" | "cjs" | "jsonc" | "json5" | "go" | "cs"
        | "java" | "kt" | "kts" | "rs" | "swift" => Some("//"),
        _ => None,
    }
}

/// The edit that suppresses `rule` for the finding at `span`: a new comment line above it with
/// the same indentation, or the rule added to an ignore comment already on the line above.
pub fn ignore_edit(file: &SourceFile, span: Span, rule: &str, prefix: &str) -> Option<(Span, String)> {
    let line_number = file.position(span.start, ColumnUnit::Utf8).line;
    let line = file.line_span(line_number)?;
    let above = line_number.checked_sub(1).filter(|&n| n > 0).and_then(|n| file.line_span(n));
    if let Some(above) = above {
        let text = file.slice(above);
        let comment = text.trim_start();
        if let Some(body) = comment.strip_prefix(prefix)
            && body.trim_start().starts_with(MARKER)
        {
            let list_start = above.start + text.find(MARKER)? + MARKER.len();
            let list_end = list_start + file.slice(Span::new(list_start, above.end)).find(']')?;
            let listed = file.slice(Span::new(list_start, list_end));
            if listed.split(',').any(|r| r.trim() == rule) {
                return None;
            }
            let addition = if listed.trim().is_empty() { rule.to_string() } else { format!(", {rule}") };
            return Some((Span::new(list_end, list_end), addition));
        }
    }
    let text = file.slice(line);
    let indent = &text[..text.len() - text.trim_start().len()];
    let newline = if file.text()[line.end..].starts_with("\r\n") { "\r\n" } else { "\n" };
    Some((Span::new(line.start, line.start), format!("{indent}{prefix} {MARKER}{rule}]{newline}")))
}

pub fn ignore_action(
    uri: &Uri,
    file: &SourceFile,
    edit: (Span, String),
    rule: &str,
    diagnostic: &Diagnostic,
    unit: ColumnUnit,
) -> CodeAction {
    let (span, new_text) = edit;
    let changes =
        HashMap::from([(uri.clone(), vec![TextEdit { range: convert::range(file, span, unit), new_text }])]);
    CodeAction {
        title: format!("Ignore `{rule}` here (add a `trustlint: ignore[{rule}]` comment)"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
        is_preferred: Some(false),
        ..CodeAction::default()
    }
}

/// The rule's fix as a workspace edit; preferred (applied by "fix all" shortcuts) only when the
/// rule marks it safe.
pub fn fix_action(
    finding: &Finding,
    fix: &Fix,
    diagnostic: &Diagnostic,
    unit: ColumnUnit,
    uri_of: &dyn Fn(&str) -> Option<Uri>,
) -> Option<CodeAction> {
    let uri = uri_of(fix.file.path())?;
    let edits = fix
        .edits
        .iter()
        .map(|edit| TextEdit {
            range: convert::range(&fix.file, edit.span, unit),
            new_text: edit.replacement.clone(),
        })
        .collect();
    let description =
        if fix.description.is_empty() { format!("Fix `{}`", finding.rule) } else { fix.description.clone() };
    let title = if fix.safe { description } else { format!("{description} (unsafe: review before saving)") };
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri, edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: Some(fix.safe),
        ..CodeAction::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_core::apply_edits;

    #[test]
    fn comment_syntax_follows_the_file_kind() {
        assert_eq!(comment_prefix("stack/template.yaml", ""), Some("#"));
        assert_eq!(comment_prefix("a/B.YML", ""), Some("#"));
        assert_eq!(comment_prefix("__main__.py", ""), Some("#"));
        assert_eq!(comment_prefix("index.ts", ""), Some("//"));
        assert_eq!(comment_prefix("index.mjs", ""), Some("//"));
        assert_eq!(comment_prefix("tsconfig.jsonc", ""), Some("//"));
        assert_eq!(comment_prefix("trust.json", ""), None);
        assert_eq!(comment_prefix("trust.json.tpl", ""), None);
        assert_eq!(comment_prefix("stack.template", "Resources: {}\n"), Some("#"));
        assert_eq!(comment_prefix("stack.template", "  {\"Resources\": {}}"), None);
        assert_eq!(comment_prefix("deploy/.env.production", ""), Some("#"));
        assert_eq!(comment_prefix("README.md", ""), None);
    }

    #[test]
    fn inserts_an_indented_comment_line_above() {
        let text = "a:\n  b:\r\n    sub: \"repo:acme/*\"\r\n";
        let file = SourceFile::new("t.yaml", text);
        let at = text.find("repo").unwrap();
        let (span, new_text) = ignore_edit(&file, Span::new(at, at + 4), "rule-a", "#").unwrap();
        assert_eq!(span, Span::new(text.find("    sub").unwrap(), text.find("    sub").unwrap()));
        assert_eq!(new_text, "    # trustlint: ignore[rule-a]\r\n");
        assert_eq!(
            apply_edits(text, &[trustlint_core::TextEdit { span, replacement: new_text }]).unwrap(),
            "a:\n  b:\r\n    # trustlint: ignore[rule-a]\r\n    sub: \"repo:acme/*\"\r\n"
        );

        // On the first line there is no line above: the comment goes at the top.
        let file = SourceFile::new("index.ts", "const x = 1;\n");
        assert_eq!(
            ignore_edit(&file, Span::new(6, 7), "rule-a", "//").unwrap(),
            (Span::new(0, 0), "// trustlint: ignore[rule-a]\n".to_string())
        );
    }

    #[test]
    fn extends_an_ignore_comment_already_above() {
        let text = "x:\n  # trustlint: ignore[rule-a] reviewed\n  y: 1\n";
        let file = SourceFile::new("t.yaml", text);
        let at = text.find("y:").unwrap();
        let (span, new_text) = ignore_edit(&file, Span::new(at, at + 1), "rule-b", "#").unwrap();
        assert_eq!(
            apply_edits(text, &[trustlint_core::TextEdit { span, replacement: new_text }]).unwrap(),
            "x:\n  # trustlint: ignore[rule-a, rule-b] reviewed\n  y: 1\n"
        );
        // Already listed: nothing to add.
        assert_eq!(ignore_edit(&file, Span::new(at, at + 1), "rule-a", "#"), None);
        // A comment with another syntax is not extended.
        let text = "x:\n  // trustlint: ignore[rule-a]\n  y: 1\n";
        let file = SourceFile::new("t.yaml", text);
        let at = text.find("y:").unwrap();
        let (span, _) = ignore_edit(&file, Span::new(at, at + 1), "rule-b", "#").unwrap();
        assert_eq!(span.start, text.find("  y").unwrap());
    }

    #[test]
    fn fixes_become_workspace_edits_preferred_only_when_safe() {
        use std::str::FromStr;
        use trustlint_core::{Location, Severity, TextEdit as Edit};

        let file = SourceFile::new("a/ci.yml", "é: 1\nkey: wide\n");
        let at = file.text().find("wide").unwrap();
        let fix = Fix {
            description: "Narrow it".into(),
            safe: false,
            file: file.clone(),
            edits: vec![Edit { span: Span::new(at, at + 4), replacement: "narrow".into() }],
            postcondition: None,
        };
        let finding = Finding::new("r", Severity::High, Location::new(&file, Span::new(at, at + 4)), "m");
        let uri = Uri::from_str("file:///repo/a/ci.yml").unwrap();
        let uri_of = |path: &str| (path == "a/ci.yml").then(|| uri.clone());
        let action = fix_action(&finding, &fix, &Diagnostic::default(), ColumnUnit::Utf16, &uri_of).unwrap();
        assert_eq!(action.title, "Narrow it (unsafe: review before saving)");
        assert_eq!(action.is_preferred, Some(false));
        let edits = &action.edit.unwrap().changes.unwrap()[&uri];
        assert_eq!(edits[0].new_text, "narrow");
        assert_eq!(
            (edits[0].range.start.line, edits[0].range.start.character, edits[0].range.end.character),
            (1, 5, 9)
        );

        let safe = Fix { safe: true, ..fix };
        let action = fix_action(&finding, &safe, &Diagnostic::default(), ColumnUnit::Utf16, &uri_of).unwrap();
        assert_eq!((action.title.as_str(), action.is_preferred), ("Narrow it", Some(true)));
        // A fix in a file the editor cannot name is not offered.
        let elsewhere = Fix { file: SourceFile::new("other.yml", "x"), ..safe };
        assert!(
            fix_action(&finding, &elsewhere, &Diagnostic::default(), ColumnUnit::Utf16, &uri_of).is_none()
        );
    }
}
