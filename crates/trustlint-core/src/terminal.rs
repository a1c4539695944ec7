//! Text from scanned files (values, names, file names) reaches terminals and CI logs. Control
//! characters in it could move the cursor, recolor or retitle the terminal, rewrite a line
//! (`\r`), open a hyperlink or hide text (ANSI CSI and OSC sequences), or reorder what is read
//! (bidirectional overrides, "Trojan Source"). Every text output shows them escaped instead.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal or log raw. Line feeds and tabs are layout and stay.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each unsafe character written as a visible escape, `\u{1b}`.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with each unsafe character replaced by `?` once per byte, so byte offsets into it
/// stay valid (source snippets whose labels are offsets). The `\r` of a `\r\n` line end stays.
pub fn mask_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let line_end = c == '\r' && chars.peek() == Some(&'\n');
        if is_unsafe(c) && !line_end {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    debug_assert_eq!(out.len(), text.len());
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_ansi_osc_carriage_returns_and_bidi_overrides() {
        let text = "a\u{1b}[31mred\u{1b}]0;title\u{7}\rb\u{9b}c\u{202e}d\te\nf";
        let escaped = escape_controls(text);
        assert_eq!(escaped, "a\\u{1b}[31mred\\u{1b}]0;title\\u{7}\\u{d}b\\u{9b}c\\u{202e}d\te\nf");
        assert!(!escaped.chars().any(is_unsafe));
        assert!(matches!(escape_controls("plain text\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn masking_keeps_byte_offsets_and_line_ends() {
        let text = "x\u{1b}[2Jy\u{9b}z\r\nw\rv";
        let masked = mask_controls(text);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "x?[2Jy??z\r\nw?v");
    }
}
