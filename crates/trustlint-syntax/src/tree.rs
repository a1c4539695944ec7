//! A spanned value tree shared by the JSON and YAML readers: like `serde_json::Value`, but every
//! node keeps its byte span, mappings keep duplicate keys in order, and YAML tags (`!Ref`,
//! `!reference`) stay attached to the node they annotate.

use trustlint_core::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// The whole value, including quotes and, for collections, every child.
    pub span: Span,
    /// A YAML tag such as `!Ref` or `!reference`; JSON nodes never have one. Boxed: few nodes
    /// have one, and every node is smaller for it (a 4 MiB flow sequence is a million nodes).
    pub tag: Option<Box<Tag>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// A value a program computes that is not (fully) known statically: known text joined with
    /// holes, references to another resource's output, stack configuration. Only the Pulumi
    /// program readers produce it; the JSON and YAML readers never do. Its `span` is the
    /// expression that computes it (a template literal, `config.require("sub")`).
    Computed(Vec<Part>),
}

/// One piece of a [`NodeKind::Computed`] value, concatenated in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Text(String),
    /// A hole, with what produced it ("the parameter `org` of `makeTrust`", "an `Output`").
    Unknown(String),
    /// A hole computed by code trustlint cannot read (a helper of a module it cannot load, a
    /// library call) from outputs of the program's resources: `from` lists them as
    /// (logical name, output), so a reader knows what the value was derived from (a trust policy
    /// built from an OIDC provider's `arn` federates that provider) without knowing the value.
    Derived {
        why: String,
        from: Vec<(String, String)>,
    },
    /// An output of another resource of the same program: `role.arn`, `${deployRole.name}`.
    /// `resource` is the resource's logical name, `output` its property in camelCase.
    Ref {
        resource: String,
        output: String,
    },
    /// Known text read from the configuration of one stack (`Pulumi.<stack>.yaml`): true only for
    /// that stack. `key` is the full key (`acme:subject`). `at` is where the stack file writes
    /// the value (a span into that file, the place to edit); `None` for a default written in the
    /// program, whose span is the value's own.
    Config {
        key: String,
        stack: String,
        value: String,
        at: Option<Span>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The decoded value: quotes removed, escapes applied, block scalars folded.
    pub value: String,
    pub style: ScalarStyle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    /// YAML plain scalars and JSON numbers, booleans and null: may be a non-string type.
    Plain,
    /// A quoted string (JSON strings, YAML single- or double-quoted).
    Quoted,
    /// A YAML literal (`|`) or folded (`>`) block.
    Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key's decoded text (non-scalar keys are kept as their source text).
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// As written, with its `!`: `!Ref`, `!GetAtt`, `!reference`.
    pub name: String,
    pub span: Span,
}

/// A comment (`# ...` in YAML), kept for inline suppressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Without the leading `#`.
    pub text: String,
    pub span: Span,
}

/// A syntax error with the position where parsing failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

impl Node {
    pub fn scalar(value: impl Into<String>, style: ScalarStyle, span: Span) -> Node {
        Node { kind: NodeKind::Scalar(Scalar { value: value.into(), style }), span, tag: None }
    }

    /// A computed value from its parts.
    pub fn computed(parts: Vec<Part>, span: Span) -> Node {
        Node { kind: NodeKind::Computed(parts), span, tag: None }
    }

    /// A value that cannot be known statically, with the reason.
    pub fn unknown(why: impl Into<String>, span: Span) -> Node {
        Node::computed(vec![Part::Unknown(why.into())], span)
    }

    pub fn as_computed(&self) -> Option<&[Part]> {
        match &self.kind {
            NodeKind::Computed(parts) => Some(parts),
            _ => None,
        }
    }

    /// The scalar text, whatever its style. `None` for a [`NodeKind::Computed`] value, even one
    /// that only holds stack configuration text: callers that can use such text must ask for it.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(scalar) => Some(&scalar.value),
            _ => None,
        }
    }

    /// The scalar text unless it is a YAML/JSON null (`null`, `~` or empty plain scalar).
    pub fn as_text(&self) -> Option<&str> {
        self.as_str().filter(|_| !self.is_null())
    }

    pub fn is_null(&self) -> bool {
        match &self.kind {
            NodeKind::Scalar(Scalar { value, style: ScalarStyle::Plain }) => {
                matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value of `key` in a mapping. Like AWS (and most JSON parsers), the last duplicate wins.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().rev().find(|entry| entry.key == key)
    }

    /// Follow a route of mapping keys and sequence indexes.
    pub fn at(&self, route: &[Step<'_>]) -> Option<&Node> {
        let mut node = self;
        for step in route {
            node = match step {
                Step::Key(key) => node.get(key)?,
                Step::Index(index) => node.as_seq()?.get(*index)?,
            };
        }
        Some(node)
    }

    /// The items of a sequence, or the node itself when it is a single value (IAM allows a
    /// string where a list is expected).
    pub fn one_or_many(&self) -> Vec<&Node> {
        match &self.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![self],
        }
    }

    pub fn tag_name(&self) -> Option<&str> {
        self.tag.as_ref().map(|tag| tag.name.as_str())
    }
}

/// One step of a route into a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Pairs of entries of a mapping that share a key: `(dropped, kept)`.
pub fn duplicate_keys(entries: &[Entry]) -> Vec<(&Entry, &Entry)> {
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if let Some(later) = entries[i + 1..].iter().rev().find(|other| other.key == entry.key) {
            out.push((entry, later));
        }
    }
    out
}
