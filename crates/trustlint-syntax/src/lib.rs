//! Parsing: tree-sitter grammars turned into spanned value trees ([`tree::Node`]) that keep byte
//! spans, duplicate keys, YAML tags and comments.

pub mod json;
pub mod tree;
pub mod yaml;

pub use json::{ParsedJson, parse_json};
pub use tree::{Comment, Entry, Node, NodeKind, Scalar, ScalarStyle, Step, SyntaxError, Tag};
pub use yaml::{ParsedYaml, parse_yaml};

/// Describe the first error or missing node of a tree-sitter tree, if any.
pub(crate) fn first_syntax_error(root: tree_sitter::Node<'_>, text: &str) -> Option<SyntaxError> {
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_missing() {
            let span = trustlint_core::Span::new(node.start_byte(), node.end_byte());
            return Some(SyntaxError { span, message: format!("expected `{}`", node.kind()) });
        }
        if node.is_error() {
            let span = trustlint_core::Span::new(node.start_byte(), node.end_byte());
            let snippet: String = text.get(span.start..span.end).unwrap_or("").chars().take(20).collect();
            let message = if snippet.trim().is_empty() {
                "unexpected end of input".to_string()
            } else {
                format!("unexpected `{}`", snippet.trim())
            };
            return Some(SyntaxError { span, message });
        }
        if node.has_error() {
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    Some(SyntaxError { span: trustlint_core::Span::new(0, 0), message: "syntax error".into() })
}
