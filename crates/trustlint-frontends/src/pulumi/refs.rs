//! Program values as the GCP and Azure mappings read them: text with Unknown holes, remembering
//! which resource output each hole reads, so a member string (`principalSet://.../${pool.name}/*`)
//! or an id (`principalId: uami.principalId`) can be linked to the resource it names.

use trustlint_core::Span;
use trustlint_model::cel::TextOrigin;
use trustlint_model::{ConditionValue, DefinedAt, Piece, SplicedPart, Splices};
use trustlint_syntax::{Node, NodeKind, Part};

use super::{Program, Resource, imported_note};
use crate::aws_policy::config_note;

/// A value read from a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Value {
    pub pieces: Vec<Piece>,
    /// Stack configuration the value was read from ("config `acme:sub` of stack `prod`").
    pub relies_on: Option<String>,
    /// Where the value is written when that is another file (the stack file, a sibling module).
    pub defined_at: Option<DefinedAt>,
    /// Parts written elsewhere and spliced into the value.
    pub spliced: Splices,
    /// Holes that read another resource's output: (the hole's text, resource, output).
    refs: Vec<(String, String, String)>,
}

impl Value {
    /// The text, when no piece is unknown.
    pub fn text(&self) -> Option<String> {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => Some(t.as_str()),
                Piece::Unknown(_) => None,
            })
            .collect()
    }

    /// The text with holes shown as `…`.
    pub fn display(&self) -> String {
        display_pieces(&self.pieces)
    }

    /// Why the value is not known, for messages.
    pub fn unknown_reason(&self) -> Option<String> {
        let reasons: Vec<&str> = self
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Unknown(why) => Some(why.as_str()),
                Piece::Text(_) => None,
            })
            .collect();
        (!reasons.is_empty()).then(|| reasons.join(", "))
    }

    /// The resources a hole may read an output of: every resource with the logical name the
    /// reference names (a pool and its provider may share one), latest first.
    pub fn reference<'p>(&self, program: &'p Program, piece: &Piece) -> Vec<(&'p Resource, String)> {
        let Piece::Unknown(why) = piece else { return Vec::new() };
        let Some((_, name, output)) = self.refs.iter().find(|(hole, _, _)| hole == why) else {
            return Vec::new();
        };
        program.resources.iter().rev().filter(|r| r.name == *name).map(|r| (r, output.clone())).collect()
    }

    /// The resources whose outputs the value may read, in order.
    pub fn references<'p>(&self, program: &'p Program) -> Vec<(&'p Resource, String)> {
        self.pieces.iter().flat_map(|piece| self.reference(program, piece)).collect()
    }

    /// A part of this value (its references kept) as a value of its own.
    pub fn with_pieces(&self, pieces: Vec<Piece>) -> Value {
        Value {
            pieces,
            relies_on: self.relies_on.clone(),
            defined_at: self.defined_at.clone(),
            refs: self.refs.clone(),
            spliced: self.spliced.clone(),
        }
    }

    /// The value as a condition value at `span`.
    pub fn condition_value(&self, span: Span) -> ConditionValue {
        ConditionValue {
            pieces: self.pieces.clone(),
            span,
            relies_on: self.relies_on.clone(),
            defined_at: self.defined_at.clone(),
            spliced: self.spliced.clone(),
        }
    }
}

/// Pieces shown with holes as `…`.
pub(super) fn display_pieces(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.as_str(),
            Piece::Unknown(_) => "…",
        })
        .collect()
}

fn hole_for(program: &Program, resource: &str, output: &str) -> String {
    let mut named = program.resources.iter().filter(|r| r.name == resource);
    match (named.next(), named.next()) {
        (Some(only), None) => format!("the output `{output}` of {}", only.label()),
        _ => format!("the output `{output}` of resource `{resource}`"),
    }
}

/// Read a node as text with holes.
pub(super) fn read(program: &Program, node: &Node) -> Value {
    let mut value = Value {
        pieces: Vec::new(),
        relies_on: None,
        defined_at: None,
        refs: Vec::new(),
        spliced: Default::default(),
    };
    let mut notes: Vec<String> = Vec::new();
    let push_text = |pieces: &mut Vec<Piece>, text: &str| match pieces.last_mut() {
        Some(Piece::Text(last)) => last.push_str(text),
        _ => pieces.push(Piece::Text(text.to_string())),
    };
    match &node.kind {
        NodeKind::Scalar(scalar) => push_text(&mut value.pieces, &scalar.value),
        NodeKind::Computed(parts) => {
            for part in parts {
                match part {
                    Part::Text(text) => push_text(&mut value.pieces, text),
                    Part::Config { key, stack, value: text, at } => {
                        push_text(&mut value.pieces, text);
                        let note = config_note(key, stack, program.stack_file.as_ref());
                        if !notes.contains(&note) {
                            notes.push(note.clone());
                        }
                        // The place to edit only when the stack file writes the whole value;
                        // otherwise a part spliced in.
                        if let (Some(file), Some(at)) = (&program.stack_file, at) {
                            if parts.len() == 1 {
                                value.defined_at = Some(DefinedAt::in_file(file, *at));
                            } else {
                                value.spliced.push(SplicedPart {
                                    text: text.clone(),
                                    source: Some(note),
                                    at: DefinedAt::in_file(file, *at),
                                });
                            }
                        }
                    }
                    Part::Unknown(why) | Part::Derived { why, .. } => {
                        value.pieces.push(Piece::Unknown(why.clone()))
                    }
                    Part::Ref { resource, output } => {
                        let hole = hole_for(program, resource, output);
                        value.refs.push((hole.clone(), resource.clone(), output.clone()));
                        value.pieces.push(Piece::Unknown(hole));
                    }
                }
            }
        }
        NodeKind::Seq(_) | NodeKind::Map(_) => {
            value.pieces.push(Piece::Unknown("a list or object where text is expected".into()))
        }
    }
    if value.pieces.is_empty() {
        value.pieces.push(Piece::Text(String::new()));
    }
    let mut spliced = program.splices_of(node);
    spliced.extend(std::mem::take(&mut value.spliced));
    value.spliced = spliced;
    if let Some(imported) = program.imported_at(node.span) {
        notes.insert(0, imported_note(imported));
        value.defined_at = Some(DefinedAt::in_file(&imported.module, imported.span));
    }
    value.relies_on = (!notes.is_empty()).then(|| notes.join(" and "));
    value
}

/// Where the text of a node sits in its file, for readers (CEL, Azure expressions) that point
/// inside it.
pub(super) fn origin(program: &Program, node: &Node) -> TextOrigin {
    match &node.kind {
        NodeKind::Scalar(scalar) => {
            TextOrigin::of_literal(program.file.slice(node.span), node.span, &scalar.value)
        }
        _ => TextOrigin::whole(node.span),
    }
}

/// The span of `part`, the end of a literal node's text (the `acme/infra` of
/// `".../attribute.repository/acme/infra"`); the whole node otherwise.
pub(super) fn tail_span(program: &Program, node: &Node, part: &str) -> Span {
    if part.is_empty() || !matches!(node.kind, NodeKind::Scalar(_)) {
        return node.span;
    }
    let source = program.file.slice(node.span);
    match source.rfind(part) {
        Some(at) => Span::new(node.span.start + at, node.span.start + at + part.len()),
        None => node.span,
    }
}

/// The items of a list, or the node itself when it is one value.
pub(super) fn items(node: &Node) -> Vec<&Node> {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![node],
    }
}

/// A property by the first of several names (`applicationId` / `applicationObjectId`).
pub(super) fn property<'r>(resource: &'r Resource, names: &[&str]) -> Option<&'r Node> {
    names.iter().find_map(|name| resource.property(name))
}

/// A program built from a YAML-program-like text, for the mappings' unit tests: `${res.output}`
/// in a string becomes a reference, anything else is taken as written.
#[cfg(test)]
pub(super) fn test_program(text: &str) -> Program {
    use trustlint_core::SourceFile;
    use trustlint_syntax::parse_yaml;

    fn convert(node: &Node) -> Node {
        match &node.kind {
            NodeKind::Scalar(scalar) if scalar.value.contains("${") => {
                let mut parts = Vec::new();
                let mut rest = scalar.value.as_str();
                while let Some(start) = rest.find("${") {
                    let Some(len) = rest[start..].find('}') else { break };
                    if start > 0 {
                        parts.push(Part::Text(rest[..start].to_string()));
                    }
                    let inner = &rest[start + 2..start + len];
                    let (resource, output) = inner.split_once('.').unwrap_or((inner, "id"));
                    parts.push(Part::Ref { resource: resource.into(), output: output.into() });
                    rest = &rest[start + len + 1..];
                }
                if !rest.is_empty() {
                    parts.push(Part::Text(rest.to_string()));
                }
                Node::computed(parts, node.span)
            }
            NodeKind::Map(entries) => {
                let entries = entries
                    .iter()
                    .map(|e| trustlint_syntax::Entry { value: convert(&e.value), ..e.clone() })
                    .collect();
                Node { kind: NodeKind::Map(entries), ..node.clone() }
            }
            NodeKind::Seq(items) => {
                Node { kind: NodeKind::Seq(items.iter().map(convert).collect()), ..node.clone() }
            }
            _ => node.clone(),
        }
    }

    let file = SourceFile::new("Pulumi.yaml", text);
    let parsed = parse_yaml(text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let root = &parsed.documents[0];
    let resources = root
        .get("resources")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|entry| Resource {
            type_token: super::normalize_type_token(
                entry.value.get("type").and_then(Node::as_str).unwrap_or(""),
            ),
            name: entry.key.clone(),
            variable: Some(entry.key.clone()),
            properties: entry.value.get("properties").map(convert).unwrap_or_else(|| Node {
                kind: NodeKind::Map(Vec::new()),
                span: entry.value.span,
                tag: None,
            }),
            properties_unknown: None,
            span: entry.value.span,
            name_span: entry.key_span,
        })
        .collect();
    Program {
        file,
        language: super::Language::Yaml,
        resources,
        stack: None,
        stack_file: None,
        imported: Vec::new(),
        spliced: Vec::new(),
        comments: Vec::new(),
        problems: Vec::new(),
    }
}
