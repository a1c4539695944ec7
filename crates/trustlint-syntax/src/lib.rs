//! Parsing: tree-sitter grammars turned into spanned value trees ([`tree::Node`]) that keep byte
//! spans, duplicate keys, YAML tags and comments.

pub mod cel;
pub mod eval;
pub mod json;
pub mod python;
pub mod tree;
pub mod typescript;
pub mod yaml;

pub use json::{ParsedJson, parse_json};
pub use tree::{Comment, Entry, Node, NodeKind, Part, Scalar, ScalarStyle, Step, SyntaxError, Tag};
pub use yaml::{ParsedYaml, parse_yaml};

/// A struct of a grammar's field ids, one member per field name, looked up once per grammar:
/// `child_by_field_name` compares the name with each of the grammar's field names on every call
/// (3% of a whole-tree run's instructions). A name the grammar lacks gets id 0, which finds no
/// child, as `child_by_field_name` does for it.
macro_rules! field_ids {
    ($(#[$meta:meta])* $name:ident { $($field:ident),* $(,)? }) => {
        $(#[$meta])*
        pub(crate) struct $name {
            $(pub(crate) $field: u16,)*
        }

        impl $name {
            pub(crate) fn of(language: &tree_sitter::Language) -> Self {
                $name {
                    $($field: language
                        .field_id_for_name(stringify!($field))
                        .map_or(0, std::num::NonZeroU16::get),)*
                }
            }

            /// The names the grammar lacks (a misspelt name would find nothing, silently).
            #[cfg(test)]
            pub(crate) fn missing(&self) -> Vec<&'static str> {
                let mut missing = Vec::new();
                $(if self.$field == 0 {
                    missing.push(stringify!($field));
                })*
                missing
            }
        }
    };
}
pub(crate) use field_ids;

/// The kind names of one grammar by kind id. `Node::kind` measures the name and checks its
/// UTF-8 on every call (2.5% of a whole-tree run's instructions); this is an index.
pub(crate) struct KindNames(Vec<Box<str>>);

impl KindNames {
    pub(crate) fn of(language: &tree_sitter::Language) -> KindNames {
        KindNames(
            (0..language.node_kind_count())
                .map(|id| {
                    u16::try_from(id).ok().and_then(|id| language.node_kind_for_id(id)).unwrap_or("").into()
                })
                .collect(),
        )
    }

    /// `node.kind()` for a node of this grammar (the error kinds, outside the table, are asked).
    pub(crate) fn kind<'a>(&'a self, node: impl std::borrow::Borrow<tree_sitter::Node<'a>>) -> &'a str {
        let node = node.borrow();
        match self.0.get(usize::from(node.kind_id())) {
            Some(name) if !name.is_empty() => name,
            _ => node.kind(),
        }
    }
}

/// Asserts that [`KindNames::kind`] names every node of `text`, parsed with `language`, as
/// `Node::kind` does.
#[cfg(test)]
pub(crate) fn assert_kind_names_agree(language: &tree_sitter::Language, kinds: &KindNames, text: &str) {
    let tree = parser(language).parse(text, None).expect("parsed");
    let mut cursor = tree.walk();
    let mut seen = 0;
    'walk: loop {
        let node = cursor.node();
        assert_eq!(kinds.kind(node), node.kind(), "at {:?}", node.byte_range());
        seen += 1;
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    assert!(seen > 20, "the sample has nodes of many kinds");
}

/// A tree-sitter parser for one grammar (kept per thread by each reader).
pub(crate) fn parser(language: &tree_sitter::Language) -> tree_sitter::Parser {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(language).expect("the grammar's tree-sitter ABI is supported");
    parser
}

/// Files at least this large are parsed one at a time, and the memory their tree held is handed
/// back to the system when they are done. tree-sitter keeps about 200 bytes per syntax node, so a
/// 4 MiB file of one-character items holds about 1 GB while it is read: taking turns bounds a
/// run's peak by one such tree instead of one per thread. Real templates and programs are far
/// smaller (CloudFormation accepts at most 1 MB), so the turn is never waited for in practice.
pub const LARGE_PARSE_BYTES: usize = 1024 * 1024;

/// Held while a large file is parsed and its tree lowered (see [`LARGE_PARSE_BYTES`]).
pub(crate) struct LargeParseTurn(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

impl LargeParseTurn {
    pub(crate) fn take(text: &str) -> Option<Self> {
        static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
        // A panic while parsing leaves nothing inconsistent: the lock only orders parses.
        (text.len() >= LARGE_PARSE_BYTES)
            .then(|| Self(TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner)))
    }
}

impl Drop for LargeParseTurn {
    fn drop(&mut self) {
        // Freed trees stay in the allocator arena of the thread that parsed them; without this,
        // each thread keeps its own large tree's pages and the turns save nothing.
        trustlint_yaml_grammar::release_free_memory();
    }
}

/// The bytes a tree-sitter node covers.
pub(crate) fn span_of(node: tree_sitter::Node<'_>) -> trustlint_core::Span {
    trustlint_core::Span::new(node.start_byte(), node.end_byte())
}

/// The note for a program nested deeper than the lowering follows (TypeScript and Python share
/// the limit): the deep part is Unknown, and the user is told where, never left in silence.
pub(crate) fn too_deep_note(span: trustlint_core::Span) -> SyntaxError {
    SyntaxError {
        span,
        message: format!(
            "code nested more than {} levels deep is not evaluated: its value is unknown, so a trust \
             built from it is not checked",
            typescript::MAX_DEPTH
        ),
    }
}

/// Most operators in one flat chain (`a + b + …`) that are evaluated: the chain is lowered to a
/// left-nested tree whose drop recurses once per operator, and 100,000 fit a worker's stack.
pub(crate) const MAX_CHAIN: usize = 50_000;

/// The note for a flat chain longer than [`MAX_CHAIN`].
pub(crate) fn too_long_note(span: trustlint_core::Span) -> SyntaxError {
    SyntaxError {
        span,
        message: format!(
            "a chain of more than {MAX_CHAIN} operators is not evaluated: its value is unknown, so a \
             trust built from it is not checked"
        ),
    }
}

/// Describe the first error or missing node of a tree-sitter tree, if any.
pub(crate) fn first_syntax_error(root: tree_sitter::Node<'_>, text: &str) -> Option<SyntaxError> {
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_missing() {
            return Some(SyntaxError { span: span_of(node), message: format!("expected `{}`", node.kind()) });
        }
        if node.is_error() {
            return Some(describe_error(node, text));
        }
        if node.has_error() {
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    Some(SyntaxError { span: trustlint_core::Span::new(0, 0), message: "syntax error".into() })
}

/// The most of a line a syntax error quotes; the engine cuts quotes much shorter, after redacting.
const MAX_QUOTE_BYTES: usize = 4096;

/// An ERROR node can cover most of a file (tree-sitter wraps what it could not fit); point at
/// where reading actually stopped: the end of input for truncated files, else the first line of
/// the region.
fn describe_error(node: tree_sitter::Node<'_>, text: &str) -> SyntaxError {
    let content_end = text.trim_end().len();
    if node.end_byte() >= content_end && content_end > 0 {
        let start = text[..content_end].char_indices().next_back().map_or(0, |(i, _)| i);
        return SyntaxError {
            span: trustlint_core::Span::new(start, content_end),
            message: "unexpected end of input: the document is incomplete".into(),
        };
    }
    let start = node.start_byte();
    let line_end = text[start..].find('\n').map_or(node.end_byte(), |i| start + i).min(node.end_byte());
    let span = trustlint_core::Span::new(start, line_end.max(start));
    // Quoted whole (up to a bound that no credential reaches): the engine redacts credentials in
    // the message first and only then cuts the quote short, so no part of a secret survives.
    let mut quote_end = span.end.min(span.start + MAX_QUOTE_BYTES);
    while !text.is_char_boundary(quote_end) {
        quote_end -= 1;
    }
    let snippet = text.get(span.start..quote_end).unwrap_or("");
    let message = if snippet.trim().is_empty() {
        "syntax error".to_string()
    } else {
        format!("unexpected `{}`", snippet.trim())
    };
    SyntaxError { span, message }
}
