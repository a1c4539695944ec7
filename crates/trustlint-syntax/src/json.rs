//! JSON via tree-sitter-json, so duplicate keys and positions survive (serde_json keeps only the
//! last duplicate and no spans).

use std::cell::RefCell;

use trustlint_core::Span;

use crate::tree::{Comment, Entry, Node, NodeKind, ScalarStyle, SyntaxError};
use crate::{first_syntax_error, parser, span_of};

#[derive(Debug, Default)]
pub struct ParsedJson {
    pub root: Option<Node>,
    /// `//` and `/* */` comments, which tree-sitter-json tolerates (JSONC).
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

thread_local! {
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new(parser(&tree_sitter_json::LANGUAGE.into()));
}

pub fn parse_json(text: &str) -> ParsedJson {
    let _turn = crate::LargeParseTurn::take(text);
    let Some(tree) = PARSER.with(|parser| parser.borrow_mut().parse(text, None)) else {
        return ParsedJson {
            errors: vec![SyntaxError { span: Span::new(0, 0), message: "the parser gave up".into() }],
            ..ParsedJson::default()
        };
    };
    let root = tree.root_node();
    let mut parsed = ParsedJson::default();
    if let Some(error) = first_syntax_error(root, text) {
        parsed.errors.push(error);
    }
    let mut cursor = root.walk();
    for child in root.named_children(&mut cursor) {
        if child.kind() == "comment" {
            parsed.comments.push(comment(child, text));
        } else if parsed.root.is_none() {
            let mut reader = Reader { text, comments: &mut parsed.comments, too_deep: None };
            parsed.root = reader.convert(child, 0);
            if let Some(span) = reader.too_deep {
                parsed.errors.push(SyntaxError {
                    span,
                    message: format!("nesting deeper than {MAX_DEPTH} levels is not read"),
                });
            }
        }
    }
    parsed
}

fn comment(node: tree_sitter::Node<'_>, text: &str) -> Comment {
    let raw = &text[node.byte_range()];
    let body = raw.strip_prefix("//").or_else(|| raw.strip_prefix("/*").map(|r| r.trim_end_matches("*/")));
    Comment { text: body.unwrap_or(raw).to_string(), span: span_of(node) }
}

/// Deeper documents are not policies anyone writes; the limit keeps recursion off the end of a
/// worker thread's stack.
const MAX_DEPTH: usize = 256;

struct Reader<'a> {
    text: &'a str,
    comments: &'a mut Vec<Comment>,
    /// Where the nesting limit was first hit.
    too_deep: Option<Span>,
}

impl Reader<'_> {
    fn convert(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Option<Node> {
        let (text, span) = (self.text, span_of(node));
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span);
            return None;
        }
        let kind = match node.kind() {
            "object" => {
                let mut entries = Vec::new();
                let mut cursor = node.walk();
                for pair in node.named_children(&mut cursor) {
                    if pair.kind() == "comment" {
                        self.comments.push(comment(pair, text));
                        continue;
                    }
                    if pair.kind() != "pair" {
                        continue;
                    }
                    let (Some(key), Some(value)) =
                        (pair.child_by_field_name("key"), pair.child_by_field_name("value"))
                    else {
                        continue;
                    };
                    let Some(value) = self.convert(value, depth + 1) else { continue };
                    entries.push(Entry {
                        key: string_value(key, text),
                        key_span: Span::new(key.start_byte(), key.end_byte()),
                        value,
                    });
                }
                NodeKind::Map(entries)
            }
            "array" => {
                let mut items = Vec::new();
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "comment" {
                        self.comments.push(comment(child, text));
                    } else if let Some(item) = self.convert(child, depth + 1) {
                        items.push(item);
                    }
                }
                NodeKind::Seq(items)
            }
            "string" => return Some(Node::scalar(string_value(node, text), ScalarStyle::Quoted, span)),
            "number" | "true" | "false" | "null" => {
                return Some(Node::scalar(&text[node.byte_range()], ScalarStyle::Plain, span));
            }
            _ => return None,
        };
        Some(Node { kind, span, tag: None })
    }
}

/// Decode a JSON string node (quotes removed, escapes applied).
fn string_value(node: tree_sitter::Node<'_>, text: &str) -> String {
    let raw = &text[node.byte_range()];
    let inner = raw.strip_prefix('"').unwrap_or(raw);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    unescape(inner)
}

fn unescape(inner: &str) -> String {
    if !inner.contains('\\') {
        return inner.to_string();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let unit = u32::from_str_radix(&hex, 16).ok();
                out.push(unit.and_then(char::from_u32).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicate_keys_and_spans() {
        let text = r#"{"a": "x", "b": [1, true, null], "a": "y\u0041"}"#;
        let parsed = parse_json(text);
        assert!(parsed.errors.is_empty());
        let root = parsed.root.unwrap();
        let entries = root.as_map().unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(root.get("a").unwrap().as_str(), Some("yA"));
        let first = &entries[0];
        assert_eq!(&text[first.value.span.start..first.value.span.end], "\"x\"");
        assert_eq!(&text[first.key_span.start..first.key_span.end], "\"a\"");
        let dups = crate::tree::duplicate_keys(entries);
        assert_eq!(dups.len(), 1);
        assert!(root.get("b").unwrap().as_seq().unwrap()[2].is_null());
    }

    #[test]
    fn reports_truncated_input_with_a_position() {
        let parsed = parse_json("{\"Statement\": [ {\"Effect\": \"Allow\"");
        assert_eq!(parsed.errors.len(), 1);
        assert!(
            parsed.errors[0].message.starts_with("expected")
                || parsed.errors[0].message.starts_with("unexpected")
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        let parsed = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || parse_json(&text).errors)
            .unwrap()
            .join()
            .unwrap();
        assert!(parsed.iter().any(|e| e.message.contains("nesting deeper")), "{parsed:?}");
    }

    #[test]
    fn empty_input_has_no_root() {
        let parsed = parse_json("");
        assert!(parsed.root.is_none());
    }
}
