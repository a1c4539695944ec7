//! Text helpers of the evaluator: joining values into text with holes, key normalization.

use trustlint_core::Span;

use crate::tree::{Node, NodeKind, Part, ScalarStyle};

/// `"assume_role_policy"` -> `"assumeRolePolicy"`, `"resource_name_"` -> `"resourceName"` (Python
/// appends `_` to names that clash). Keys that are not snake_case identifiers (`Statement`,
/// `token.actions.githubusercontent.com:sub`, `google.subject`) are returned unchanged.
pub fn camel_case(key: &str) -> String {
    let trimmed = key.trim_end_matches('_');
    let identifier = !trimmed.is_empty()
        && trimmed.as_bytes()[0].is_ascii_lowercase()
        && trimmed.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !identifier || !key.contains('_') {
        return key.to_string();
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut upper = false;
    for c in trimmed.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A value as text with holes shown as `…` (logical names, labels).
pub fn display(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(scalar) => scalar.value.clone(),
        NodeKind::Computed(parts) => parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.as_str(),
                Part::Config { value, .. } => value.as_str(),
                Part::Unknown(_) | Part::Derived { .. } | Part::Ref { .. } => "…",
            })
            .collect(),
        NodeKind::Seq(_) | NodeKind::Map(_) => "…".to_string(),
    }
}

/// The parts a value contributes to text (a template hole, a `+` operand).
pub(crate) fn parts_of(node: &Node) -> Vec<Part> {
    match &node.kind {
        NodeKind::Scalar(scalar) if node.is_null() && scalar.style == ScalarStyle::Plain => {
            vec![Part::Text(scalar.value.clone())]
        }
        NodeKind::Scalar(scalar) => vec![Part::Text(scalar.value.clone())],
        NodeKind::Computed(parts) => parts.clone(),
        NodeKind::Seq(_) | NodeKind::Map(_) => {
            vec![Part::Unknown("an object or list turned into text".into())]
        }
    }
}

/// Join parts into one value at `span`: a quoted scalar when every part is plain text.
pub fn join(parts: Vec<Part>, span: Span) -> Node {
    let mut merged: Vec<Part> = Vec::with_capacity(parts.len());
    for part in parts {
        match (merged.last_mut(), part) {
            (Some(Part::Text(last)), Part::Text(text)) => last.push_str(&text),
            (_, Part::Text(text)) if text.is_empty() => {}
            (_, part) => merged.push(part),
        }
    }
    match merged.as_slice() {
        [] => Node::scalar("", ScalarStyle::Quoted, span),
        [Part::Text(text)] => Node::scalar(text.clone(), ScalarStyle::Quoted, span),
        _ => Node::computed(merged, span),
    }
}

/// Move every span of a value to `span` (values from a sibling module, or parsed from a string,
/// point at their use).
pub fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|item| respan(item, span)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|entry| {
            entry.key_span = span;
            respan(&mut entry.value, span);
        }),
        NodeKind::Scalar(_) | NodeKind::Computed(_) => {}
    }
}

/// The text of a value when it is fully known (stack configuration counts).
pub(crate) fn known_text(node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::Scalar(scalar) => Some(scalar.value.clone()),
        NodeKind::Computed(parts) => parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => Some(text.as_str()),
                Part::Config { value, .. } => Some(value.as_str()),
                Part::Unknown(_) | Part::Derived { .. } | Part::Ref { .. } => None,
            })
            .collect(),
        NodeKind::Seq(_) | NodeKind::Map(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_only_touches_snake_identifiers() {
        assert_eq!(camel_case("assume_role_policy"), "assumeRolePolicy");
        assert_eq!(camel_case("resource_name_"), "resourceName");
        assert_eq!(camel_case("name"), "name");
        assert_eq!(camel_case("Statement"), "Statement");
        assert_eq!(
            camel_case("token.actions.githubusercontent.com:job_workflow_ref"),
            "token.actions.githubusercontent.com:job_workflow_ref"
        );
        assert_eq!(camel_case("attribute.repository_owner"), "attribute.repository_owner");
    }

    #[test]
    fn joins_text_and_holes() {
        let span = Span::new(0, 1);
        let node = join(vec![Part::Text("a".into()), Part::Text("b".into())], span);
        assert_eq!(node.as_str(), Some("ab"));
        let node =
            join(vec![Part::Text("repo:".into()), Part::Unknown("x".into()), Part::Text("/*".into())], span);
        assert_eq!(display(&node), "repo:…/*");
        assert_eq!(known_text(&node), None);
    }
}
