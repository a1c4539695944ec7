//! The edge between trustlint and the protocol: byte spans to LSP ranges in the negotiated
//! encoding and back, findings to diagnostics, and `file:` URIs to paths and back.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Position,
    Range, Uri,
};
use trustlint_core::{ColumnUnit, Finding, Severity, SourceFile, Span};

/// The LSP position of a byte offset (0-based line, column in `unit`).
pub fn position(file: &SourceFile, offset: usize, unit: ColumnUnit) -> Position {
    let position = file.position(offset, unit);
    Position { line: position.line - 1, character: position.column - 1 }
}

pub fn range(file: &SourceFile, span: Span, unit: ColumnUnit) -> Range {
    Range { start: position(file, span.start, unit), end: position(file, span.end, unit) }
}

/// The byte offset of an LSP position. Positions past the end of a line mean its end, and
/// positions past the last line mean the end of the file (the protocol asks servers to clamp).
pub fn offset(file: &SourceFile, position: Position, unit: ColumnUnit) -> usize {
    let Some(line) = file.line_span(position.line.saturating_add(1)) else {
        return file.text().len();
    };
    let offset = file.offset(position.line, position.character, unit).map_or(line.end, |o| o.min(line.end));
    let mut offset = offset.max(line.start);
    // A column inside a surrogate pair (UTF-16) lands inside a character: take its start.
    while !file.text().is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

pub fn span(file: &SourceFile, range: Range, unit: ColumnUnit) -> Span {
    let start = offset(file, range.start, unit);
    let end = offset(file, range.end, unit);
    Span::new(start.min(end), start.max(end))
}

/// Critical and high findings are errors, medium and low warnings, info is information.
pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Critical | Severity::High => DiagnosticSeverity::ERROR,
        Severity::Medium | Severity::Low => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// One finding as a diagnostic. `uri_of` turns a display path (the finding's or a related
/// location's) into the URI the editor knows it by.
pub fn diagnostic(finding: &Finding, unit: ColumnUnit, uri_of: &dyn Fn(&str) -> Option<Uri>) -> Diagnostic {
    let message = if finding.help.is_empty() {
        finding.message.clone()
    } else {
        format!("{}\nhelp: {}", finding.message, finding.help)
    };
    let related: Vec<DiagnosticRelatedInformation> = finding
        .related
        .iter()
        .filter_map(|related| {
            let location = &related.location;
            Some(DiagnosticRelatedInformation {
                location: lsp_types::Location {
                    uri: uri_of(location.path())?,
                    range: range(&location.file, location.span, unit),
                },
                message: related.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: range(&finding.primary.file, finding.primary.span, unit),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        code_description: Uri::from_str(&trustlint_core::rule::help_uri(finding.rule))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("trustlint".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The local path of a `file:` URI; `None` for other schemes (unsaved buffers) and remote hosts.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let scheme_end = text.find(':')?;
    if !text[..scheme_end].eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = text[scheme_end + 1..].strip_prefix("//")?;
    let path_start = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..path_start];
    if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let encoded = &rest[path_start..];
    let encoded = encoded.split(['?', '#']).next().unwrap_or(encoded);
    let decoded = percent_decode(encoded)?;
    if decoded.is_empty() {
        return None;
    }
    // `file:///C:/x` names `C:/x` on Windows.
    let decoded = if cfg!(windows) && decoded.as_bytes().get(2) == Some(&b':') {
        decoded[1..].to_string()
    } else {
        decoded
    };
    Some(PathBuf::from(decoded))
}

/// A `file:` URI for a local path: every byte outside the unreserved set is percent-encoded.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_count_the_negotiated_unit() {
        // `é` is two bytes and one UTF-16 unit; `😀` is four bytes and two units.
        let file = SourceFile::new("a.json", "{\"é😀\": \"x\"}\n");
        let x = file.text().find('x').unwrap();
        let span = Span::new(x, x + 1);
        let utf8 = range(&file, span, ColumnUnit::Utf8);
        let utf16 = range(&file, span, ColumnUnit::Utf16);
        assert_eq!((utf8.start.line, utf8.start.character, utf8.end.character), (0, 12, 13));
        assert_eq!((utf16.start.character, utf16.end.character), (9, 10));
        assert_eq!(offset(&file, utf8.start, ColumnUnit::Utf8), x);
        assert_eq!(offset(&file, utf16.start, ColumnUnit::Utf16), x);
    }

    #[test]
    fn positions_out_of_range_are_clamped() {
        let file = SourceFile::new("a.json", "ab\ncd😀\n");
        let at = |line, character| Position { line, character };
        assert_eq!(offset(&file, at(0, 99), ColumnUnit::Utf16), 2);
        assert_eq!(offset(&file, at(7, 0), ColumnUnit::Utf16), file.text().len());
        // Inside the surrogate pair of 😀: the character's start.
        assert_eq!(offset(&file, at(1, 3), ColumnUnit::Utf16), 5);
        assert_eq!(offset(&file, at(1, 3), ColumnUnit::Utf8), 5);
        assert_eq!(offset(&file, at(1, 4), ColumnUnit::Utf8), 5);
    }

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/work/my repo/trust ü.json");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///work/my%20repo/trust%20%C3%BC.json");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let uri = Uri::from_str("file://localhost/tmp/a.json").unwrap();
        assert_eq!(uri_to_path(&uri).unwrap(), Path::new("/tmp/a.json"));
        assert_eq!(uri_to_path(&Uri::from_str("untitled:Untitled-1").unwrap()), None);
        assert_eq!(uri_to_path(&Uri::from_str("file://server/share/a.json").unwrap()), None);
    }

    #[test]
    fn severities_map_to_the_three_levels_editors_show() {
        assert_eq!(severity(Severity::Critical), DiagnosticSeverity::ERROR);
        assert_eq!(severity(Severity::High), DiagnosticSeverity::ERROR);
        assert_eq!(severity(Severity::Medium), DiagnosticSeverity::WARNING);
        assert_eq!(severity(Severity::Low), DiagnosticSeverity::WARNING);
        assert_eq!(severity(Severity::Info), DiagnosticSeverity::INFORMATION);
    }
}
