//! Text edits of YAML that keep the rest of the file as written (comments, indentation, quoting,
//! line endings). Each helper works on spans the parser gave and returns `None` when the text
//! around them is not in a shape it can edit safely; the caller then offers no fix.

use trustlint_core::{Span, TextEdit};

/// The line ending the file uses.
pub fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// Where the line holding `offset` starts.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// A flow mapping of `entries` (each `name: value`): `{ a: 1, b: 2 }`, or `{}`.
pub fn flow_mapping(entries: &[String]) -> String {
    if entries.is_empty() { "{}".to_string() } else { format!("{{ {} }}", entries.join(", ")) }
}

/// Remove the block mapping entry whose key is `key` and value `value`, written on a line of its
/// own: the whole line with its terminator, or, when a comment follows the value, the entry up to
/// the comment (which stays, on its own line). `None` when the line holds anything else.
pub fn remove_entry_line(text: &str, key: Span, value: Span) -> Option<TextEdit> {
    let line = line_start(text, key.start);
    if !text[line..key.start].chars().all(|c| c == ' ') {
        return None;
    }
    let line_end = text[value.end..].find('\n').map_or(text.len(), |i| value.end + i);
    let rest = text[value.end..line_end].trim();
    let span = if rest.is_empty() {
        Span::new(line, (line_end + 1).min(text.len()))
    } else if rest.starts_with('#') {
        Span::new(key.start, value.end + text[value.end..line_end].find('#')?)
    } else {
        return None;
    };
    Some(TextEdit { span, replacement: String::new() })
}

/// Give `key`, whose block value is being emptied, an empty flow mapping: `key: {}`. `None` when
/// anything but spaces stands between the key and its colon.
pub fn empty_mapping_after(text: &str, key: Span) -> Option<TextEdit> {
    let colon = key.end + text[key.end..].find(':')?;
    if !text[key.end..colon].trim().is_empty() {
        return None;
    }
    Some(TextEdit { span: Span::new(colon + 1, colon + 1), replacement: " {}".into() })
}

/// Insert `name` holding `entries` (each `name: value`) as the first entry of the mapping that
/// starts at `mapping`, the value of `parent_key`: `name: { ... },` inside a flow mapping, or a
/// block on lines of its own indented like the mapping's keys. `None` when the mapping's
/// indentation cannot be read from the text.
pub fn insert_first_entry(
    text: &str,
    parent_key: Span,
    mapping: usize,
    name: &str,
    entries: &[String],
) -> Option<TextEdit> {
    if text[mapping..].starts_with('{') {
        return Some(TextEdit {
            span: Span::new(mapping + 1, mapping + 1),
            replacement: format!(" {name}: {},", flow_mapping(entries)),
        });
    }
    let line = line_start(text, mapping);
    let indent = &text[line..mapping];
    let parent_column = parent_key.start - line_start(text, parent_key.start);
    if !indent.chars().all(|c| c == ' ') || indent.len() <= parent_column {
        return None;
    }
    let newline = newline(text);
    let step = " ".repeat(indent.len() - parent_column);
    let mut block = format!("{indent}{name}:{newline}");
    for entry in entries {
        block.push_str(&format!("{indent}{step}{entry}{newline}"));
    }
    Some(TextEdit { span: Span::new(line, line), replacement: block })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_core::apply_edits;

    fn span_of(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        Span::new(start, start + needle.len())
    }

    #[test]
    fn removes_an_entry_line_and_keeps_a_trailing_comment() {
        let text = "a:\n  b: 1\n  c: 2 # why\n";
        let b = remove_entry_line(text, span_of(text, "b"), span_of(text, "1")).unwrap();
        assert_eq!(apply_edits(text, &[b]).unwrap(), "a:\n  c: 2 # why\n");
        let c = remove_entry_line(text, span_of(text, "c"), span_of(text, "2")).unwrap();
        assert_eq!(apply_edits(text, &[c]).unwrap(), "a:\n  b: 1\n  # why\n");
        let shared = "a: { b: 1 }\n";
        assert_eq!(remove_entry_line(shared, span_of(shared, "b"), span_of(shared, "1")), None);
    }

    #[test]
    fn inserts_a_first_entry_in_block_and_flow_mappings() {
        let text = "jobs:\n  build:\n    runs-on: x\n  test: { runs-on: y }\n";
        let entries = ["id-token: write".to_string()];
        let block =
            insert_first_entry(text, span_of(text, "build"), text.find("runs-on").unwrap(), "p", &entries);
        let flow = insert_first_entry(text, span_of(text, "test"), text.find('{').unwrap(), "p", &entries);
        let empty = empty_mapping_after(text, span_of(text, "jobs")).unwrap();
        assert_eq!(
            apply_edits(text, &[block.unwrap(), flow.unwrap(), empty]).unwrap(),
            "jobs: {}\n  build:\n    p:\n      id-token: write\n    runs-on: x\n  test: { p: { id-token: write }, runs-on: y }\n"
        );
        assert_eq!(flow_mapping(&[]), "{}");
    }
}
