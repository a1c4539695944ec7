//! Decoding of YAML scalar text: line folding, quote escapes and block scalars. tree-sitter-yaml
//! only marks where a scalar is, so the YAML 1.2 presentation rules are applied here.

/// How a flow scalar was written, which decides its escapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Quote {
    Plain,
    Single,
    Double,
}

/// Decode the text of a plain scalar, or the text between the quotes of a quoted one.
pub(super) fn flow_scalar(raw: &str, quote: Quote) -> String {
    let simple = match quote {
        Quote::Plain => !raw.contains(['\n', '\r']),
        Quote::Single => !raw.contains(['\n', '\r', '\'']),
        Quote::Double => !raw.contains(['\n', '\r', '\\']),
    };
    if simple {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    // Bytes at the end of `out` that are unescaped blanks: folding trims them, escapes do not.
    let mut trailing_blanks = 0;
    let mut i = 0;
    while let Some(c) = raw[i..].chars().next() {
        match c {
            '\n' | '\r' => {
                out.truncate(out.len() - trailing_blanks);
                trailing_blanks = 0;
                let (next, empty_lines) = skip_breaks(raw, i);
                if empty_lines == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', empty_lines));
                }
                i = next;
            }
            '\'' if quote == Quote::Single && raw[i + 1..].starts_with('\'') => {
                out.push('\'');
                trailing_blanks = 0;
                i += 2;
            }
            '\\' if quote == Quote::Double => {
                trailing_blanks = 0;
                i = escape(raw, i, &mut out);
            }
            ' ' | '\t' => {
                out.push(c);
                trailing_blanks += 1;
                i += 1;
            }
            _ => {
                out.push(c);
                trailing_blanks = 0;
                i += c.len_utf8();
            }
        }
    }
    out
}

/// From a line break at `at`, skip it, any empty lines after it and the next line's indentation.
/// Returns the position reached and how many empty lines were crossed.
fn skip_breaks(raw: &str, at: usize) -> (usize, usize) {
    let mut i = skip_break(raw, at);
    let mut empty_lines = 0;
    loop {
        let blanks = raw[i..].bytes().take_while(|b| matches!(b, b' ' | b'\t')).count();
        match raw.as_bytes().get(i + blanks) {
            Some(b'\n' | b'\r') => {
                empty_lines += 1;
                i = skip_break(raw, i + blanks);
            }
            _ => return (i + blanks, empty_lines),
        }
    }
}

fn skip_break(raw: &str, at: usize) -> usize {
    if raw[at..].starts_with("\r\n") { at + 2 } else { at + 1 }
}

/// Decode the double-quoted escape starting at the backslash at `at`; returns where it ends.
fn escape(raw: &str, at: usize, out: &mut String) -> usize {
    let rest = &raw[at + 1..];
    let Some(c) = rest.chars().next() else {
        out.push('\\');
        return at + 1;
    };
    let simple = match c {
        '0' => Some('\0'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\u{b}'),
        'f' => Some('\u{c}'),
        'r' => Some('\r'),
        'e' => Some('\u{1b}'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(decoded) = simple {
        out.push(decoded);
        return at + 1 + c.len_utf8();
    }
    if c == '\n' || c == '\r' {
        // An escaped line break joins the lines without a space but keeps empty lines.
        let (next, empty_lines) = skip_breaks(raw, at + 1);
        out.extend(std::iter::repeat_n('\n', empty_lines));
        return next;
    }
    let digits = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => 0,
    };
    let hex = rest.get(1..1 + digits).filter(|hex| digits > 0 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    match hex {
        Some(hex) => {
            let code = u32::from_str_radix(hex, 16).ok();
            out.push(code.and_then(char::from_u32).unwrap_or(char::REPLACEMENT_CHARACTER));
            at + 2 + digits
        }
        None => {
            // Not a YAML escape: keep it as written rather than guess.
            out.push('\\');
            out.push(c);
            at + 1 + c.len_utf8()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// Decode a block scalar. `start..end` is tree-sitter's `block_scalar` node (header to the last
/// content line; trailing empty lines are not always inside it) and `parent_indent` the column of
/// the mapping entry or sequence item holding it, which an explicit indentation indicator is
/// relative to.
pub(super) fn block_scalar(text: &str, start: usize, end: usize, parent_indent: usize) -> String {
    let header = text.get(start..).unwrap_or("");
    let literal = header.starts_with('|');
    let mut chomp = Chomp::Clip;
    let mut indicator = None;
    for c in header.chars().skip(1).take(2) {
        match c {
            '-' => chomp = Chomp::Strip,
            '+' => chomp = Chomp::Keep,
            '1'..='9' => indicator = Some(c as usize - '0' as usize),
            _ => break,
        }
    }
    let Some(header_end) = header.find('\n') else { return String::new() };

    // (line, ends with a line break, inside the node)
    let mut lines: Vec<(&str, bool, bool)> = Vec::new();
    let mut pos = start + header_end + 1;
    while pos < text.len() {
        let (line, next, has_break) = match text[pos..].find('\n') {
            Some(len) => (&text[pos..pos + len], pos + len + 1, true),
            None => (&text[pos..], text.len(), false),
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        let inside = pos < end;
        // Past the node only empty lines can still belong to it (they matter for `+`).
        if !inside && !is_blank(line) {
            break;
        }
        lines.push((line, has_break, inside));
        pos = next;
    }

    let indent = match indicator {
        Some(m) => parent_indent + m,
        None => {
            lines.iter().find(|(line, _, _)| !is_blank(line)).map_or(0, |(line, _, _)| leading_spaces(line))
        }
    };
    let content: Vec<(&str, bool)> = lines
        .iter()
        .map(|&(line, has_break, inside)| {
            let spaces = leading_spaces(line);
            let body = if !inside || (spaces <= indent && is_blank(line)) {
                ""
            } else {
                &line[spaces.min(indent)..]
            };
            (body, has_break)
        })
        .collect();

    let last = content.iter().rposition(|(body, _)| !body.is_empty());
    let mut out = match last {
        Some(last) if literal => {
            content[..=last].iter().map(|(body, _)| *body).collect::<Vec<_>>().join("\n")
        }
        Some(last) => fold_block(&content[..=last]),
        None => String::new(),
    };
    match chomp {
        Chomp::Strip => {}
        Chomp::Clip => {
            if last.is_some_and(|last| content[last].1) {
                out.push('\n');
            }
        }
        Chomp::Keep => {
            let breaks = content[last.unwrap_or(0)..].iter().filter(|(_, has_break)| *has_break).count();
            out.extend(std::iter::repeat_n('\n', breaks));
        }
    }
    out
}

/// Folded (`>`) content: a single break between two normal lines becomes a space, empty lines
/// become newlines, and breaks next to more-indented lines are kept.
fn fold_block(content: &[(&str, bool)]) -> String {
    let mut out = String::new();
    let mut previous_more_indented = None;
    let mut empty_lines = 0;
    for (body, _) in content {
        if body.is_empty() {
            empty_lines += 1;
            continue;
        }
        let more_indented = body.starts_with([' ', '\t']);
        let breaks = match previous_more_indented {
            None => empty_lines,
            Some(previous) if previous || more_indented => empty_lines + 1,
            Some(_) if empty_lines == 0 => {
                out.push(' ');
                0
            }
            Some(_) => empty_lines,
        };
        out.extend(std::iter::repeat_n('\n', breaks));
        out.push_str(body);
        previous_more_indented = Some(more_indented);
        empty_lines = 0;
    }
    out
}

fn leading_spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ' || b == b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_fold_lines() {
        assert_eq!(flow_scalar("one", Quote::Plain), "one");
        assert_eq!(flow_scalar("multi\n  line plain\n\n  more", Quote::Plain), "multi line plain\nmore");
        assert_eq!(flow_scalar("a\r\n  b\r\n\r\n\r\n  c", Quote::Plain), "a b\n\nc");
        assert_eq!(flow_scalar("trailing   \n  next", Quote::Plain), "trailing next");
    }

    #[test]
    fn single_quotes_unescape_and_fold() {
        assert_eq!(flow_scalar("it''s", Quote::Single), "it's");
        assert_eq!(flow_scalar("''", Quote::Single), "'");
        assert_eq!(flow_scalar("  keep edges  ", Quote::Single), "  keep edges  ");
        assert_eq!(flow_scalar("single\n\n  folded", Quote::Single), "single\nfolded");
        assert_eq!(flow_scalar("a \n b", Quote::Single), "a b");
        assert_eq!(flow_scalar("back\\slash", Quote::Single), "back\\slash");
    }

    #[test]
    fn double_quote_escapes() {
        assert_eq!(
            flow_scalar(r#"dbl \n \t \" \\ \x41 \u00e9 \U0001F600"#, Quote::Double),
            "dbl \n \t \" \\ A é 😀"
        );
        assert_eq!(
            flow_scalar(r"\0\a\b\v\f\r\e\ \/\N\_\L\P", Quote::Double),
            "\0\u{7}\u{8}\u{b}\u{c}\r\u{1b} /\u{85}\u{a0}\u{2028}\u{2029}"
        );
        // Malformed escapes stay as written.
        assert_eq!(flow_scalar(r"\q \x4 \uZZZZ \", Quote::Double), r"\q \x4 \uZZZZ \");
        // A surrogate code point is not a char.
        assert_eq!(flow_scalar(r"\uD800", Quote::Double), "\u{FFFD}");
    }

    #[test]
    fn double_quotes_fold_and_escaped_breaks() {
        assert_eq!(flow_scalar("quoted\n  folded\\\n  x", Quote::Double), "quoted foldedx");
        // YAML 1.2 example 7.5.
        let raw = "folded \nto a space,\t\n \nto a line feed, or \t\\\n \\ \tnon-content";
        assert_eq!(
            flow_scalar(raw, Quote::Double),
            "folded to a space,\nto a line feed, or \t \tnon-content"
        );
        // An escaped blank before a break is content, not trimmed.
        assert_eq!(flow_scalar("a\\t\n b", Quote::Double), "a\t b");
        assert_eq!(flow_scalar("a\\\n\n  b", Quote::Double), "a\nb");
    }

    fn block(text: &str) -> String {
        let start = text.find(['|', '>']).unwrap();
        // The node ends at the last non-blank content character, as tree-sitter reports it.
        let end = text.trim_end().len();
        block_scalar(text, start, end, 0)
    }

    #[test]
    fn literal_chomping() {
        assert_eq!(block("k: |\n  lit\n  two\n\n"), "lit\ntwo\n");
        assert_eq!(block("k: |-\n  lit\n  two\n\n"), "lit\ntwo");
        assert_eq!(block("k: |+\n  lit\n  two\n\n\n"), "lit\ntwo\n\n\n");
        assert_eq!(block("k: |\n  at eof"), "at eof");
        assert_eq!(
            block("k: |\n\n  leading\n    nested\n  # not a comment\n"),
            "\nleading\n  nested\n# not a comment\n"
        );
        assert_eq!(block("k: |\r\n  crlf\r\n  lines\r\n"), "crlf\nlines\n");
    }

    #[test]
    fn empty_block_scalars() {
        assert_eq!(block("k: |\n"), "");
        assert_eq!(block("k: |+\n\n\n"), "\n\n");
        assert_eq!(block("k: >-"), "");
    }

    #[test]
    fn folded_block() {
        assert_eq!(
            block("k: >\n  folded\n  line\n\n  para\n   more-indented\n  back\n"),
            "folded line\npara\n more-indented\nback\n"
        );
        assert_eq!(block("k: >-\n  fold\n  more\n"), "fold more");
        assert_eq!(block("- >\n\n  a\n\n    b\n  c\n"), "\na\n\n  b\nc\n");
    }

    #[test]
    fn explicit_indentation_is_relative_to_the_parent() {
        assert_eq!(block_scalar("f: |2+\n    indented\n", 3, 19, 0), "  indented\n");
        let text = "- key: |1\n     x\n";
        assert_eq!(block_scalar(text, 7, text.len() - 1, 2), "  x\n");
        // Indicator and chomping in either order.
        assert_eq!(block_scalar("f: >-2\n    y\n", 3, 11, 0), "  y");
    }
}
