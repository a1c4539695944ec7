//! YAML via tree-sitter-yaml, so duplicate keys, tags (`!Ref`, `!reference`), comments and byte
//! spans survive. Anchors, aliases and merge keys (`<<`) are resolved here, with limits, because
//! the grammar only marks them.

pub mod edit;
mod scalar;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use trustlint_core::Span;

use crate::tree::{Comment, Entry, Node, NodeKind, ScalarStyle, SyntaxError, Tag};
use crate::{first_syntax_error, parser, span_of};
use scalar::Quote;

#[derive(Debug, Default)]
pub struct ParsedYaml {
    /// One node per YAML document (`---` separated); empty documents are skipped.
    pub documents: Vec<Node>,
    pub comments: Vec<Comment>,
    /// Syntax errors; when non-empty, `documents` may be partial and should not be judged.
    pub errors: Vec<SyntaxError>,
}

/// Levels of nesting converted (deeper values become nulls); the conversion recurses, so this
/// keeps the stack bounded.
const MAX_DEPTH: usize = 256;
/// Bytes that alias expansion may copy in one file (node structures plus their text, as
/// [`measure`] counts them): stops "billion laughs" documents, whether they repeat many small
/// nodes or one large scalar. Eight times the default file size limit.
pub const MAX_ALIAS_BYTES: usize = 32 * 1024 * 1024;
/// Bytes copied to remember anchored values; nested anchors would otherwise copy quadratically.
pub const MAX_ANCHOR_BYTES: usize = 64 * 1024 * 1024;

thread_local! {
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new(parser(&trustlint_yaml_grammar::LANGUAGE.into()));
}

pub fn parse_yaml(text: &str) -> ParsedYaml {
    let _turn = crate::LargeParseTurn::take(text);
    let Some(tree) = PARSER.with(|parser| parser.borrow_mut().parse(text, None)) else {
        return ParsedYaml {
            errors: vec![SyntaxError { span: Span::new(0, 0), message: "the parser gave up".into() }],
            ..ParsedYaml::default()
        };
    };
    let root = tree.root_node();
    let mut parsed = ParsedYaml { comments: comments(root, text), ..ParsedYaml::default() };
    if let Some(error) = first_syntax_error(root, text) {
        parsed.errors.extend(too_deep_for_the_scanner(text));
        parsed.errors.push(error);
    }
    let mut converter = Converter::new(text);
    let mut cursor = root.walk();
    for child in root.named_children(&mut cursor) {
        // Anchors are scoped to their document.
        converter.anchors.clear();
        let node = match child.kind() {
            "document" => {
                let mut inner = child.walk();
                let values: Vec<_> =
                    child.named_children(&mut inner).filter(|node| is_value(node.kind())).collect();
                // Prefer the real content over debris the parser wrapped in ERROR nodes.
                let content = values.iter().find(|node| node.kind() != "ERROR").or(values.first());
                content.and_then(|&content| converter.value(content, 0))
            }
            "comment" => None,
            _ => converter.value(child, 0),
        };
        parsed.documents.extend(node);
    }
    parsed.errors.append(&mut converter.errors);
    parsed
}

/// Explains a syntax error that deep block nesting may have caused: the scanner follows at most
/// [`trustlint_yaml_grammar::MAX_BLOCK_LEVELS`] open block collections (its state must fit
/// tree-sitter's fixed buffer), and the levels past that are lost, so the parse fails further on.
/// Each indentation column and each indicator (`-`, `?`, `:` before a blank) on a line opens at
/// most one level; the first line where their sum passes the limit is named.
fn too_deep_for_the_scanner(text: &str) -> Option<SyntaxError> {
    let limit = trustlint_yaml_grammar::MAX_BLOCK_LEVELS;
    let mut start = 0;
    // Lines as the scanner counts them: `\r` alone also ends one.
    for line in text.split(['\n', '\r']) {
        let end = start + line.len();
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let mut chars = line[indent..].chars().peekable();
        let mut levels = indent;
        while let Some(c) = chars.next() {
            if matches!(c, '-' | '?' | ':') && chars.peek().is_none_or(|next| matches!(next, ' ' | '\t')) {
                levels += 1;
            }
        }
        if levels > limit {
            let message = format!(
                "this line nests more than {limit} block levels deep, more than the YAML reader follows"
            );
            return Some(SyntaxError { span: Span::new(start, end), message });
        }
        start = end + 1;
    }
    None
}

/// Every comment in the tree, wherever the grammar attached it (flow collections, ERROR nodes).
fn comments(root: tree_sitter::Node<'_>, text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if node.kind() == "comment" {
            let raw = text.get(node.byte_range()).unwrap_or("");
            let body = raw.strip_prefix('#').unwrap_or(raw);
            out.push(Comment { text: body.to_string(), span: span_of(node) });
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

/// CST kinds that stand for a YAML value.
fn is_value(kind: &str) -> bool {
    matches!(
        kind,
        "block_node"
            | "flow_node"
            | "block_mapping"
            | "flow_mapping"
            | "block_sequence"
            | "flow_sequence"
            | "plain_scalar"
            | "single_quote_scalar"
            | "double_quote_scalar"
            | "block_scalar"
            | "alias"
            | "ERROR"
    )
}

fn null_at(offset: usize) -> Node {
    Node::scalar("", ScalarStyle::Plain, Span::new(offset, offset))
}

/// The content of a `block_node`/`flow_node`: its child that is neither a tag, an anchor nor a
/// comment.
fn content_of(node: tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>> {
    if !matches!(node.kind(), "block_node" | "flow_node") {
        return Some(node);
    }
    let mut cursor = node.walk();
    node.named_children(&mut cursor).find(|child| is_value(child.kind()))
}

/// A remembered anchored value, with its size and height so that alias copies can be charged to
/// the limits without walking it again.
struct Anchored {
    node: Node,
    bytes: usize,
    height: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Limit {
    Depth,
    AliasBytes,
    AnchorBytes,
}

/// A node's tag and anchor, boxed where they travel: most nodes have neither, and the
/// recursive frames stay small.
struct Properties {
    tag: Option<Box<Tag>>,
    anchor: Option<(String, Span)>,
}

/// The value of a `block_sequence_item`, if it has one.
fn item_content(item: tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>> {
    let mut cursor = item.walk();
    item.named_children(&mut cursor).find(|child| is_value(child.kind()))
}

#[inline(never)]
fn push_item(items: &mut Vec<Node>, item: Option<Node>, empty_at: Option<usize>) {
    match (item, empty_at) {
        (Some(item), _) => items.push(item),
        (None, Some(offset)) => items.push(null_at(offset)),
        (None, None) => {}
    }
}

/// A mapping entry before merge keys are applied.
struct RawEntry {
    entry: Entry,
    merge: bool,
}

struct Converter<'t> {
    text: &'t str,
    anchors: HashMap<String, Anchored>,
    errors: Vec<SyntaxError>,
    alias_bytes: usize,
    anchor_bytes: usize,
    /// Each limit is reported once: one bomb would otherwise produce thousands of errors.
    reported: HashSet<Limit>,
}

impl<'t> Converter<'t> {
    fn new(text: &'t str) -> Self {
        Converter {
            text,
            anchors: HashMap::new(),
            errors: Vec::new(),
            alias_bytes: 0,
            anchor_bytes: 0,
            reported: HashSet::new(),
        }
    }

    fn source(&self, span: Span) -> &'t str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(SyntaxError { span, message: message.into() });
    }

    fn limit_error(&mut self, limit: Limit, span: Span, message: String) {
        if self.reported.insert(limit) {
            self.error(span, message);
        }
    }

    /// Convert a value node found at nesting `depth`.
    ///
    /// This, `bare`, `mapping`, `pair` and `sequence` are the recursion. They keep few locals
    /// (properties boxed, nodes built by `#[inline(never)]` helpers) because debug builds give
    /// every temporary its own stack slot, and `MAX_DEPTH` levels must fit in a 2 MiB thread.
    fn value(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Option<Node> {
        if depth >= MAX_DEPTH {
            return Some(self.too_deep(node));
        }
        if !matches!(node.kind(), "block_node" | "flow_node") {
            return self.bare(node, depth);
        }
        let (properties, content) = self.properties(node);
        let value = match content {
            Some(content) => self.bare(content, depth),
            None => None,
        };
        Some(self.finish(node, value, properties))
    }

    /// A value without its properties.
    fn bare(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Option<Node> {
        match node.kind() {
            "block_mapping" | "flow_mapping" => Some(self.mapping(node, depth)),
            "block_sequence" | "flow_sequence" => Some(self.sequence(node, depth)),
            "alias" => Some(self.alias(node, depth)),
            "ERROR" => self.salvage(node, depth),
            _ => self.scalar(node),
        }
    }

    #[inline(never)]
    fn too_deep(&mut self, node: tree_sitter::Node<'_>) -> Node {
        let span = span_of(node);
        self.limit_error(Limit::Depth, span, format!("nesting deeper than {MAX_DEPTH} levels is not read"));
        null_at(span.start)
    }

    #[inline(never)]
    fn scalar(&self, node: tree_sitter::Node<'_>) -> Option<Node> {
        let span = self.value_span(node);
        let node = match node.kind() {
            "plain_scalar" => {
                Node::scalar(scalar::flow_scalar(self.source(span), Quote::Plain), ScalarStyle::Plain, span)
            }
            "single_quote_scalar" => self.quoted(span, '\'', Quote::Single),
            "double_quote_scalar" => self.quoted(span, '"', Quote::Double),
            "block_scalar" => {
                // The decoder needs the node's own end: trailing blank lines may be content.
                let value =
                    scalar::block_scalar(self.text, node.start_byte(), node.end_byte(), parent_indent(node));
                Node::scalar(value, ScalarStyle::Block, span)
            }
            _ => return None,
        };
        Some(node)
    }

    /// The tag, anchor and content of a `block_node`/`flow_node`.
    #[inline(never)]
    fn properties<'n>(
        &self,
        node: tree_sitter::Node<'n>,
    ) -> (Option<Box<Properties>>, Option<tree_sitter::Node<'n>>) {
        let mut properties = Properties { tag: None, anchor: None };
        let mut content = None;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "tag" => {
                    let name = self.source(span_of(child)).to_string();
                    properties.tag = Some(Box::new(Tag { name, span: span_of(child) }));
                }
                "anchor" => {
                    let raw = self.source(span_of(child));
                    properties.anchor =
                        Some((raw.strip_prefix('&').unwrap_or(raw).to_string(), span_of(child)));
                }
                kind if content.is_none() && is_value(kind) => content = Some(child),
                _ => {}
            }
        }
        let any = properties.tag.is_some() || properties.anchor.is_some();
        (any.then(|| Box::new(properties)), content)
    }

    /// Attach the properties to a converted value (the value's span excludes them); a missing
    /// value is a null at the end of the properties.
    #[inline(never)]
    fn finish(
        &mut self,
        node: tree_sitter::Node<'_>,
        value: Option<Node>,
        properties: Option<Box<Properties>>,
    ) -> Node {
        let mut value = value.unwrap_or_else(|| null_at(node.end_byte()));
        if let Some(properties) = properties {
            let Properties { tag, anchor } = *properties;
            if tag.is_some() {
                value.tag = tag;
            }
            if let Some((name, span)) = anchor {
                self.remember(name, span, &value);
            }
        }
        value
    }

    /// The span of a value without what tree-sitter attaches to block nodes: trailing line breaks,
    /// and comments before the first or after the last entry.
    fn value_span(&self, node: tree_sitter::Node<'_>) -> Span {
        let span = span_of(node);
        match node.kind() {
            "block_mapping" | "block_sequence" => {
                let mut cursor = node.walk();
                let first = node.named_children(&mut cursor).find(|child| child.kind() != "comment");
                let start = first.map_or(span.start, |first| first.start_byte());
                Span::new(start, self.block_end(node).max(start))
            }
            "block_scalar" => Span::new(span.start, self.block_end(node)),
            _ => span,
        }
    }

    /// Where a block construct really ends: follow the last entry down (iteratively, since
    /// nesting can be deep) to its last value.
    fn block_end(&self, node: tree_sitter::Node<'_>) -> usize {
        let mut current = node;
        loop {
            match current.kind() {
                "block_mapping" | "block_sequence" | "block_sequence_item" | "block_node" => {
                    let mut cursor = current.walk();
                    let last =
                        current.named_children(&mut cursor).filter(|child| child.kind() != "comment").last();
                    match last {
                        Some(last) => current = last,
                        None => return current.end_byte(),
                    }
                }
                "block_mapping_pair" => match current.child_by_field_name("value") {
                    Some(value) => current = value,
                    // `key:` ends at its colon.
                    None => return current.end_byte(),
                },
                "block_scalar" => {
                    let raw = self.source(span_of(current));
                    return current.start_byte() + raw.trim_end_matches([' ', '\t', '\r', '\n']).len();
                }
                _ => return current.end_byte(),
            }
        }
    }

    fn quoted(&self, span: Span, quote_char: char, quote: Quote) -> Node {
        let raw = self.source(span);
        let inner = raw.strip_prefix(quote_char).unwrap_or(raw);
        // A lone `"` would be both prefix and suffix; only strip a distinct closing quote.
        let inner = if raw.len() >= 2 { inner.strip_suffix(quote_char).unwrap_or(inner) } else { inner };
        Node::scalar(scalar::flow_scalar(inner, quote), ScalarStyle::Quoted, span)
    }

    #[inline(never)]
    fn remember(&mut self, name: String, span: Span, value: &Node) {
        let budget = MAX_ANCHOR_BYTES - self.anchor_bytes;
        match measure(value, budget) {
            Some((bytes, height)) => {
                self.anchor_bytes += bytes;
                self.anchors.insert(name, Anchored { node: value.clone(), bytes, height });
            }
            None => {
                // Forget any earlier anchor of that name so later aliases do not silently use it.
                self.anchors.remove(&name);
                let message = format!(
                    "anchored values exceed {} MiB; later aliases are not expanded",
                    MAX_ANCHOR_BYTES >> 20
                );
                self.limit_error(Limit::AnchorBytes, span, message);
            }
        }
    }

    /// `*name`: a copy of the anchored value, keeping the anchor's spans.
    #[inline(never)]
    fn alias(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Node {
        let span = span_of(node);
        let raw = self.source(span);
        let name = raw.strip_prefix('*').unwrap_or(raw);
        let unresolved = Node::scalar(raw, ScalarStyle::Plain, span);
        let Some(anchored) = self.anchors.get(name) else {
            self.error(span, format!("unknown anchor `{name}`"));
            return unresolved;
        };
        let (bytes, height) = (anchored.bytes, anchored.height);
        if depth + height > MAX_DEPTH {
            let message = format!("alias `{raw}` nests deeper than {MAX_DEPTH} levels; not expanded");
            self.limit_error(Limit::Depth, span, message);
            return unresolved;
        }
        if self.alias_bytes + bytes > MAX_ALIAS_BYTES {
            let message = format!(
                "aliases expand to more than {} MiB; the rest are not expanded",
                MAX_ALIAS_BYTES >> 20
            );
            self.limit_error(Limit::AliasBytes, span, message);
            return unresolved;
        }
        self.alias_bytes += bytes;
        anchored.node.clone()
    }

    fn mapping(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Node {
        let mut raw = Vec::new();
        for (child, spliced) in children(node) {
            let entry = match child.kind() {
                "block_mapping_pair" | "flow_pair" => self.pair(child, depth),
                // `{a, b}`: keys without values.
                "flow_node" if !spliced => self.key(Some(child), child.start_byte(), child.end_byte(), depth),
                _ => continue,
            };
            raw.push(entry);
        }
        self.mapping_node(node, raw)
    }

    #[inline(never)]
    fn mapping_node(&mut self, node: tree_sitter::Node<'_>, raw: Vec<RawEntry>) -> Node {
        let entries = self.merge(raw);
        Node { kind: NodeKind::Map(entries), span: self.value_span(node), tag: None }
    }

    fn pair(&mut self, pair: tree_sitter::Node<'_>, depth: usize) -> RawEntry {
        let mut raw = self.key(pair.child_by_field_name("key"), pair.start_byte(), pair.end_byte(), depth);
        if let Some(value) = pair.child_by_field_name("value")
            && let Some(value) = self.value(value, depth + 1)
        {
            raw.entry.value = value;
        }
        raw
    }

    /// An entry for the key, with a null value at `value_at` for the caller to replace. Its span
    /// is the key as written, even when it is an alias; `merge` tells the merge key `<<`.
    #[inline(never)]
    fn key(
        &mut self,
        key: Option<tree_sitter::Node<'_>>,
        fallback: usize,
        value_at: usize,
        depth: usize,
    ) -> RawEntry {
        let null = null_at(value_at);
        let Some(key) = key else {
            let entry = Entry { key: String::new(), key_span: Span::new(fallback, fallback), value: null };
            return RawEntry { entry, merge: false };
        };
        let content = content_of(key);
        let span =
            content.map_or(Span::new(key.end_byte(), key.end_byte()), |content| self.value_span(content));
        // Only a plain, untagged `<<` merges; `"<<"` is an ordinary key.
        let merge =
            content.is_some_and(|content| content.kind() == "plain_scalar") && self.source(span) == "<<" && {
                let mut cursor = key.walk();
                key.named_children(&mut cursor).all(|child| child.kind() != "tag")
            };
        let text = match self.value(key, depth + 1) {
            Some(node) => match node.kind {
                NodeKind::Scalar(scalar) => scalar.value,
                _ => self.source(node.span).to_string(),
            },
            None => String::new(),
        };
        RawEntry { entry: Entry { key: text, key_span: span, value: null }, merge }
    }

    /// Apply merge keys: a `<<` entry is replaced by the entries of the mapping(s) it names that
    /// this mapping does not define itself; earlier sources win over later ones.
    #[inline(never)]
    fn merge(&mut self, raw: Vec<RawEntry>) -> Vec<Entry> {
        if !raw.iter().any(|raw| raw.merge) {
            return raw.into_iter().map(|raw| raw.entry).collect();
        }
        let explicit: HashSet<String> =
            raw.iter().filter(|raw| !raw.merge).map(|raw| raw.entry.key.clone()).collect();
        let mut out: Vec<Entry> = Vec::new();
        // key -> (which source merged it, index in `out`)
        let mut merged: HashMap<String, (usize, usize)> = HashMap::new();
        let mut source_id = 0;
        for RawEntry { entry, merge } in raw {
            if !merge {
                out.push(entry);
                continue;
            }
            let sources = match entry.value.kind {
                NodeKind::Map(entries) => vec![entries],
                NodeKind::Seq(items) => {
                    let mut sources = Vec::new();
                    for item in items {
                        match item.kind {
                            NodeKind::Map(entries) => sources.push(entries),
                            _ => self.error(entry.key_span, "a merge key `<<` list may only hold mappings"),
                        }
                    }
                    sources
                }
                kind => {
                    self.error(entry.key_span, "a merge key `<<` needs a mapping or a list of mappings");
                    out.push(Entry { value: Node { kind, ..entry.value }, ..entry });
                    continue;
                }
            };
            for source in sources {
                source_id += 1;
                for item in source {
                    if explicit.contains(&item.key) {
                        continue;
                    }
                    match merged.get(&item.key) {
                        // A duplicate inside one source: its last one wins, as `Node::get` would.
                        Some(&(id, index)) if id == source_id => out[index] = item,
                        Some(_) => {}
                        None => {
                            merged.insert(item.key.clone(), (source_id, out.len()));
                            out.push(item);
                        }
                    }
                }
            }
        }
        out
    }

    fn sequence(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Node {
        let mut items = Vec::new();
        for (child, spliced) in children(node) {
            // (what to convert, where an empty item's null goes)
            let (content, empty_at) = match child.kind() {
                "block_sequence_item" => (item_content(child), Some(child.end_byte())),
                "flow_pair" if !spliced => {
                    items.push(self.flow_pair(child, depth + 1));
                    continue;
                }
                kind if !spliced && is_value(kind) => (Some(child), None),
                _ => continue,
            };
            let item = match content {
                Some(content) => self.value(content, depth + 1),
                None => None,
            };
            push_item(&mut items, item, empty_at);
        }
        self.sequence_node(node, items)
    }

    #[inline(never)]
    fn sequence_node(&self, node: tree_sitter::Node<'_>, items: Vec<Node>) -> Node {
        Node { kind: NodeKind::Seq(items), span: self.value_span(node), tag: None }
    }

    /// `[a: b]` is a sequence holding a one-entry mapping.
    #[inline(never)]
    fn flow_pair(&mut self, pair: tree_sitter::Node<'_>, depth: usize) -> Node {
        let RawEntry { entry, .. } = self.pair(pair, depth);
        Node { kind: NodeKind::Map(vec![entry]), span: span_of(pair), tag: None }
    }

    /// Keep what the parser recognised inside an ERROR node, for editors on half-typed files.
    fn salvage(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Option<Node> {
        let kids: Vec<_> = children(node).into_iter().map(|(kid, _)| kid).collect();
        let span = span_of(node);
        if kids.iter().any(|kid| matches!(kid.kind(), "block_mapping_pair" | "flow_pair")) {
            let mut raw = Vec::new();
            for kid in kids {
                if matches!(kid.kind(), "block_mapping_pair" | "flow_pair") {
                    raw.push(self.pair(kid, depth));
                }
            }
            let entries = self.merge(raw);
            return Some(Node { kind: NodeKind::Map(entries), span, tag: None });
        }
        if kids.iter().any(|kid| kid.kind() == "block_sequence_item") {
            let mut sequence = self.sequence(node, depth);
            sequence.span = span;
            return Some(sequence);
        }
        kids.into_iter().filter(|kid| is_value(kid.kind())).find_map(|kid| self.value(kid, depth + 1))
    }
}

/// The named children of a collection, each flagged when it comes from inside a nested ERROR
/// node: splicing those in keeps one broken entry from hiding its siblings.
fn children(node: tree_sitter::Node<'_>) -> Vec<(tree_sitter::Node<'_>, bool)> {
    fn splice<'a>(node: tree_sitter::Node<'a>, level: usize, out: &mut Vec<(tree_sitter::Node<'a>, bool)>) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "ERROR" && level < MAX_DEPTH {
                splice(child, level + 1, out);
            } else {
                out.push((child, level > 0));
            }
        }
    }
    let mut out = Vec::new();
    splice(node, 0, &mut out);
    out
}

/// The column an explicit block-scalar indentation indicator counts from: that of the mapping
/// entry or sequence item holding the scalar (0 at the top level).
fn parent_indent(node: tree_sitter::Node<'_>) -> usize {
    let mut current = node.parent();
    while let Some(parent) = current {
        if matches!(parent.kind(), "block_mapping_pair" | "block_sequence_item") {
            return parent.start_position().column;
        }
        current = parent.parent();
    }
    0
}

/// Node count and height of `node`, or `None` once the count passes `budget` (so measuring is
/// bounded too).
fn measure(node: &Node, budget: usize) -> Option<(usize, usize)> {
    let mut bytes = 0;
    let mut max_height = 0;
    let mut stack = vec![(node, 1)];
    while let Some((node, height)) = stack.pop() {
        bytes += std::mem::size_of::<Node>() + node.tag.as_ref().map_or(0, |tag| tag.name.len());
        max_height = max_height.max(height);
        match &node.kind {
            NodeKind::Scalar(scalar) => bytes += scalar.value.len(),
            NodeKind::Computed(_) => {}
            NodeKind::Seq(items) => stack.extend(items.iter().map(|item| (item, height + 1))),
            NodeKind::Map(entries) => {
                bytes += entries.iter().map(|entry| entry.key.len()).sum::<usize>();
                stack.extend(entries.iter().map(|entry| (&entry.value, height + 1)));
            }
        }
        if bytes > budget {
            return None;
        }
    }
    Some((bytes, max_height))
}

#[cfg(test)]
mod tests {

    #[test]
    fn large_files_parsed_from_several_threads_take_turns_and_keep_their_values() {
        let items = vec!["ab"; crate::LARGE_PARSE_BYTES / 4 + 1].join(", ");
        let texts: Vec<String> = (0..2).map(|i| format!("key{i}: [{items}]\n")).collect();
        assert!(texts.iter().all(|text| text.len() >= crate::LARGE_PARSE_BYTES));
        std::thread::scope(|scope| {
            let parses: Vec<_> = texts.iter().map(|text| scope.spawn(|| parse_yaml(text))).collect();
            for (i, parse) in parses.into_iter().enumerate() {
                let parsed = parse.join().expect("no panic");
                assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
                let document = &parsed.documents[0];
                let sequence = document.get(&format!("key{i}")).expect("the key is read");
                assert_eq!(sequence.as_seq().map(<[_]>::len), Some(crate::LARGE_PARSE_BYTES / 4 + 1));
            }
        });
    }

    use super::*;
    use crate::tree::Step;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    /// The single document of `text`, which must parse cleanly.
    fn doc(text: &str) -> Node {
        let parsed = parse_yaml(text);
        assert!(parsed.errors.is_empty(), "unexpected errors: {:?}", parsed.errors);
        assert_eq!(parsed.documents.len(), 1);
        parsed.documents.into_iter().next().unwrap()
    }

    fn keys(node: &Node) -> Vec<&str> {
        node.as_map().unwrap().iter().map(|entry| entry.key.as_str()).collect()
    }

    fn style(node: &Node) -> ScalarStyle {
        match &node.kind {
            NodeKind::Scalar(scalar) => scalar.style,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn block_collections_with_spans() {
        let text = "name: ci\nsteps:\n  - run: make\n    shell: bash\n  - uses: actions/checkout@v4\n";
        let root = doc(text);
        assert_eq!(keys(&root), ["name", "steps"]);
        assert_eq!(slice(text, root.span), text.trim_end());
        let name = root.entry("name").unwrap();
        assert_eq!(slice(text, name.key_span), "name");
        assert_eq!(slice(text, name.value.span), "ci");
        let steps = root.get("steps").unwrap();
        assert_eq!(slice(text, steps.span), "- run: make\n    shell: bash\n  - uses: actions/checkout@v4");
        let items = steps.as_seq().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(slice(text, items[0].span), "run: make\n    shell: bash");
        let shell = items[0].entry("shell").unwrap();
        assert_eq!(slice(text, shell.key_span), "shell");
        assert_eq!(shell.value.as_str(), Some("bash"));
        let uses = root.at(&[Step::Key("steps"), Step::Index(1), Step::Key("uses")]).unwrap();
        assert_eq!(uses.as_str(), Some("actions/checkout@v4"));
        assert_eq!(slice(text, uses.span), "actions/checkout@v4");
        assert_eq!(style(uses), ScalarStyle::Plain);
    }

    #[test]
    fn nested_sequences_and_compact_mappings() {
        let root = doc("- x\n- - y\n  - z\n- k: v\n  k2: v2\n-\n");
        let items = root.as_seq().unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(
            items[1].as_seq().unwrap().iter().map(|n| n.as_str().unwrap()).collect::<Vec<_>>(),
            ["y", "z"]
        );
        assert_eq!(keys(&items[2]), ["k", "k2"]);
        assert!(items[3].is_null());
    }

    #[test]
    fn flow_collections_and_oidc_condition_keys() {
        let text = concat!(
            r#"Condition: {StringLike: {"token.actions.githubusercontent.com:sub": "repo:acme/*", "#,
            "'aud': sts.amazonaws.com}}\n",
            "list: [a, \"b\", 'c', [d], {e: f}, g: h]\n",
            "set: {x, y: }\n",
        );
        let root = doc(text);
        let like = root.at(&[Step::Key("Condition"), Step::Key("StringLike")]).unwrap();
        let entries = like.as_map().unwrap();
        assert_eq!(entries[0].key, "token.actions.githubusercontent.com:sub");
        assert_eq!(slice(text, entries[0].key_span), r#""token.actions.githubusercontent.com:sub""#);
        assert_eq!(entries[0].value.as_str(), Some("repo:acme/*"));
        assert_eq!(slice(text, entries[0].value.span), r#""repo:acme/*""#);
        assert_eq!(style(&entries[0].value), ScalarStyle::Quoted);
        assert_eq!(entries[1].key, "aud");
        assert_eq!(
            slice(text, like.span),
            &text[text.find("{\"token").unwrap()..text.find("com}}").unwrap() + 4]
        );

        let list = root.get("list").unwrap().as_seq().unwrap();
        assert_eq!(list.len(), 6);
        assert_eq!(list[1].as_str(), Some("b"));
        assert_eq!(list[3].as_seq().unwrap()[0].as_str(), Some("d"));
        assert_eq!(list[4].get("e").unwrap().as_str(), Some("f"));
        // `[g: h]` is a single-pair mapping inside the sequence.
        assert_eq!(list[5].get("g").unwrap().as_str(), Some("h"));
        assert_eq!(slice(text, list[5].span), "g: h");

        let set = root.get("set").unwrap();
        assert_eq!(keys(set), ["x", "y"]);
        assert!(set.get("x").unwrap().is_null());
        assert!(set.get("y").unwrap().is_null());
    }

    #[test]
    fn github_workflow_on_stays_a_string_key() {
        let text = "\
name: deploy
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: us-east-1
";
        let root = doc(text);
        assert_eq!(keys(&root), ["name", "on", "permissions", "jobs"]);
        let on = root.entry("on").unwrap();
        assert_eq!(slice(text, on.key_span), "on");
        assert!(on.value.get("workflow_dispatch").unwrap().is_null());
        assert_eq!(
            root.at(&[Step::Key("permissions"), Step::Key("id-token")]).unwrap().as_str(),
            Some("write")
        );
        let role = root
            .at(&[
                Step::Key("jobs"),
                Step::Key("deploy"),
                Step::Key("steps"),
                Step::Index(0),
                Step::Key("with"),
            ])
            .unwrap()
            .get("role-to-assume")
            .unwrap();
        assert_eq!(role.as_str(), Some("arn:aws:iam::123456789012:role/deploy"));
        assert_eq!(slice(text, role.span), "arn:aws:iam::123456789012:role/deploy");
    }

    #[test]
    fn flow_scalars_decode_and_fold() {
        let text = "\
plain: multi
  line plain

  more
single: 'it''s

  folded'
double: \"tab\\there \\\"q\\\" \\\\ \\x41\\u00e9\\U0001F600 \\n
  next\\
  joined\"
number: 012
";
        let root = doc(text);
        let plain = root.get("plain").unwrap();
        assert_eq!(plain.as_str(), Some("multi line plain\nmore"));
        assert_eq!(slice(text, plain.span), "multi\n  line plain\n\n  more");
        let single = root.get("single").unwrap();
        assert_eq!(single.as_str(), Some("it's\nfolded"));
        assert_eq!(style(single), ScalarStyle::Quoted);
        assert_eq!(slice(text, single.span), "'it''s\n\n  folded'");
        let double = root.get("double").unwrap();
        assert_eq!(double.as_str(), Some("tab\there \"q\" \\ Aé😀 \n nextjoined"));
        assert!(
            slice(text, double.span).starts_with("\"tab") && slice(text, double.span).ends_with("joined\"")
        );
        // Plain scalars keep their source text; typing is the caller's business.
        assert_eq!(root.get("number").unwrap().as_str(), Some("012"));
    }

    #[test]
    fn block_scalars() {
        let text = "\
literal: |
  line one
  line two

keep: |+
  kept

strip: >-
  folded
  text
folded: >
  para one
  continues

  para two
    indented
indicator: |2
    two extra
seq:
  - |1
    x
end: tail
";
        let root = doc(text);
        let literal = root.get("literal").unwrap();
        assert_eq!(literal.as_str(), Some("line one\nline two\n"));
        assert_eq!(style(literal), ScalarStyle::Block);
        assert_eq!(slice(text, literal.span), "|\n  line one\n  line two");
        assert_eq!(root.get("keep").unwrap().as_str(), Some("kept\n\n"));
        assert_eq!(root.get("strip").unwrap().as_str(), Some("folded text"));
        assert_eq!(root.get("folded").unwrap().as_str(), Some("para one continues\npara two\n  indented\n"));
        assert_eq!(root.get("indicator").unwrap().as_str(), Some("  two extra\n"));
        assert_eq!(root.get("seq").unwrap().as_seq().unwrap()[0].as_str(), Some(" x\n"));
        assert_eq!(root.get("end").unwrap().as_str(), Some("tail"));
    }

    #[test]
    fn cloudformation_short_form_tags() {
        let text = "\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub \"${AWS::StackName}-deploy\"
      Arn: !GetAtt Provider.Arn
      Ref: !Ref GitHubOidc
      Cond: !If [IsProd, !Ref A, !Ref 'AWS::NoValue']
      Joined: !Join
        - ''
        - [a, b]
      Script: !Sub |
        echo ${X}
      Str: !!str 123
      Empty: !Ref
";
        let root = doc(text);
        let props = root.at(&[Step::Key("Resources"), Step::Key("Role"), Step::Key("Properties")]).unwrap();

        let name = props.get("RoleName").unwrap();
        assert_eq!(name.tag_name(), Some("!Sub"));
        assert_eq!(name.as_str(), Some("${AWS::StackName}-deploy"));
        assert_eq!(slice(text, name.span), "\"${AWS::StackName}-deploy\"");
        assert_eq!(slice(text, name.tag.as_ref().unwrap().span), "!Sub");

        let arn = props.get("Arn").unwrap();
        assert_eq!((arn.tag_name(), arn.as_str()), (Some("!GetAtt"), Some("Provider.Arn")));
        assert_eq!(slice(text, arn.span), "Provider.Arn");
        assert_eq!(props.get("Ref").unwrap().tag_name(), Some("!Ref"));

        let cond = props.get("Cond").unwrap();
        assert_eq!(cond.tag_name(), Some("!If"));
        let args = cond.as_seq().unwrap();
        assert_eq!(args[1].tag_name(), Some("!Ref"));
        assert_eq!(args[2].as_str(), Some("AWS::NoValue"));
        assert_eq!(slice(text, args[2].span), "'AWS::NoValue'");

        let joined = props.get("Joined").unwrap();
        assert_eq!(joined.tag_name(), Some("!Join"));
        assert_eq!(joined.as_seq().unwrap().len(), 2);
        assert!(slice(text, joined.span).starts_with("- ''"));

        let script = props.get("Script").unwrap();
        assert_eq!((script.tag_name(), script.as_str()), (Some("!Sub"), Some("echo ${X}\n")));
        assert!(slice(text, script.span).starts_with('|'));

        let str_tag = props.get("Str").unwrap();
        assert_eq!((str_tag.tag_name(), str_tag.as_str()), (Some("!!str"), Some("123")));

        // A tag without a value is a tagged null.
        let empty = props.get("Empty").unwrap();
        assert_eq!(empty.tag_name(), Some("!Ref"));
        assert!(empty.is_null());
        assert!(empty.span.is_empty());
    }

    #[test]
    fn gitlab_reference_tags() {
        let text = "\
.setup:
  script:
    - echo setup
job:
  script:
    - !reference [.setup, script]
    - make
  before_script: !reference [.setup, script]
";
        let root = doc(text);
        let item = root.at(&[Step::Key("job"), Step::Key("script"), Step::Index(0)]).unwrap();
        assert_eq!(item.tag_name(), Some("!reference"));
        assert_eq!(slice(text, item.span), "[.setup, script]");
        assert_eq!(slice(text, item.tag.as_ref().unwrap().span), "!reference");
        let route: Vec<_> = item.as_seq().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(route, [".setup", "script"]);
        assert_eq!(
            root.at(&[Step::Key("job"), Step::Key("before_script")]).unwrap().tag_name(),
            Some("!reference")
        );
    }

    #[test]
    fn gitlab_anchors_and_merge_keys() {
        let text = "\
.defaults: &defaults
  image: alpine
  id_tokens:
    AWS_TOKEN:
      aud: https://gitlab.com
  tags: [docker]
.extra: &extra
  image: ubuntu
  retry: 2
deploy:
  image: debian
  <<: [*defaults, *extra]
  script: make deploy
test:
  <<: *defaults
  tags: [fast]
copy: *defaults
";
        let root = doc(text);
        let deploy = root.get("deploy").unwrap();
        // The explicit `image` wins although written before the merge; `<<` itself is dropped;
        // `retry` comes from the later source since the earlier one lacks it.
        assert_eq!(keys(deploy), ["image", "id_tokens", "tags", "retry", "script"]);
        assert_eq!(deploy.get("image").unwrap().as_str(), Some("debian"));
        assert_eq!(deploy.get("retry").unwrap().as_str(), Some("2"));
        let aud = deploy.at(&[Step::Key("id_tokens"), Step::Key("AWS_TOKEN"), Step::Key("aud")]).unwrap();
        assert_eq!(aud.as_str(), Some("https://gitlab.com"));
        // Merged entries keep the anchor definition's spans.
        assert_eq!(slice(text, aud.span), "https://gitlab.com");
        assert!(aud.span.start < text.find(".extra").unwrap());

        let test = root.get("test").unwrap();
        assert_eq!(keys(test), ["image", "id_tokens", "tags"]);
        assert_eq!(test.get("image").unwrap().as_str(), Some("alpine"));
        assert_eq!(test.get("tags").unwrap().as_seq().unwrap()[0].as_str(), Some("fast"));

        let copy = root.get("copy").unwrap();
        assert_eq!(keys(copy), ["image", "id_tokens", "tags"]);
        assert_eq!(slice(text, copy.span), slice(text, root.get(".defaults").unwrap().span));
    }

    #[test]
    fn earlier_merge_sources_win_and_merges_nest() {
        let text = "\
a: &a {x: 1, y: 1}
b: &b {<<: *a, y: 2, z: 2}
c:
  <<: *b
  <<: *a
  w: 3
d: {<<: {k: inline}}
";
        let root = doc(text);
        let b = root.get("b").unwrap();
        assert_eq!(keys(b), ["x", "y", "z"]);
        assert_eq!(b.get("y").unwrap().as_str(), Some("2"));
        let c = root.get("c").unwrap();
        assert_eq!(keys(c), ["x", "y", "z", "w"]);
        assert_eq!(c.get("y").unwrap().as_str(), Some("2"));
        assert_eq!(root.at(&[Step::Key("d"), Step::Key("k")]).unwrap().as_str(), Some("inline"));
    }

    #[test]
    fn quoted_merge_key_is_an_ordinary_key_and_bad_merges_are_reported() {
        assert_eq!(keys(&doc("m: {\"<<\": x}")), ["m"]);
        assert_eq!(keys(doc("m: {\"<<\": x}").get("m").unwrap()), ["<<"]);
        let parsed = parse_yaml("a: 1\nb:\n  <<: scalar\n");
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0].message.contains("merge"));
        assert_eq!(keys(parsed.documents[0].get("b").unwrap()), ["<<"]);
    }

    #[test]
    fn aliases_of_scalars_and_anchored_keys() {
        let text = "base: &region us-east-1\nother: *region\n&k key: !Ref &v value\nagain: *v\n";
        let root = doc(text);
        let other = root.get("other").unwrap();
        assert_eq!(other.as_str(), Some("us-east-1"));
        assert_eq!(slice(text, other.span), "us-east-1");
        let key = root.as_map().unwrap().iter().find(|entry| entry.key == "key").unwrap();
        assert_eq!(slice(text, key.key_span), "key");
        assert_eq!(slice(text, key.value.span), "value");
        // The alias copies the tag too.
        assert_eq!(root.get("again").unwrap().tag_name(), Some("!Ref"));
    }

    #[test]
    fn unknown_and_self_referencing_aliases() {
        let text = "a: *missing\nb: &loop [*loop]\n";
        let parsed = parse_yaml(text);
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(slice(text, parsed.errors[0].span), "*missing");
        assert!(parsed.errors[0].message.contains("missing"));
        let root = &parsed.documents[0];
        let a = root.get("a").unwrap();
        assert_eq!((a.as_str(), style(a)), (Some("*missing"), ScalarStyle::Plain));
        // An anchor is defined only once its value is complete, so it cannot contain itself.
        assert_eq!(root.get("b").unwrap().as_seq().unwrap()[0].as_str(), Some("*loop"));
    }

    #[test]
    fn alias_bomb_is_capped() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..10 {
            let prev = level - 1;
            text.push_str(&format!("a{level}: &a{level} [{}]\n", vec![format!("*a{prev}"); 10].join(", ")));
        }
        let parsed = parse_yaml(&text);
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(parsed.errors[0].message.contains("aliases expand to more than 32 MiB"));
        assert_eq!(parsed.documents.len(), 1);
    }

    /// Issue 9 item 12: one large scalar aliased many times was cheap in nodes but not in bytes.
    #[test]
    fn aliases_are_budgeted_by_bytes() {
        let scalar = "x".repeat(100_000);
        let aliases = vec!["*a"; 90_000].join(", ");
        let text = format!("a: &a {scalar}\nb: [{aliases}]\nlast: found\n");
        let parsed = parse_yaml(&text);
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(parsed.errors[0].message.contains("32 MiB"), "{}", parsed.errors[0].message);
        let root = &parsed.documents[0];
        let items = root.get("b").unwrap().as_seq().unwrap();
        assert_eq!(items.len(), 90_000);
        // The aliases within the budget are expanded; the rest stay as written.
        let expanded = items.iter().filter(|item| item.as_str() == Some(scalar.as_str())).count();
        assert!(expanded > 0 && expanded < MAX_ALIAS_BYTES / 100_000 + 1, "{expanded}");
        assert_eq!(items.last().unwrap().as_str(), Some("*a"));
        // What follows the bomb is read.
        assert_eq!(root.get("last").unwrap().as_str(), Some("found"));
        // Aliases of a few small values are all expanded.
        let small = format!("a: &a [1, 2]\nb: [{}]\n", vec!["*a"; 1_000].join(", "));
        let parsed = parse_yaml(&small);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert!(
            parsed.documents[0]
                .get("b")
                .unwrap()
                .as_seq()
                .unwrap()
                .iter()
                .all(|item| item.as_seq().is_some())
        );
    }

    #[test]
    fn anchors_are_scoped_to_their_document() {
        let parsed = parse_yaml("a: &x 1\n---\nb: *x\n");
        assert_eq!(parsed.documents.len(), 2);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.documents[1].get("b").unwrap().as_str(), Some("*x"));
    }

    #[test]
    fn duplicate_keys_are_preserved() {
        let text = "Effect: Allow\nAction: a\nEffect: Deny\n";
        let root = doc(text);
        assert_eq!(keys(&root), ["Effect", "Action", "Effect"]);
        assert_eq!(root.get("Effect").unwrap().as_str(), Some("Deny"));
        let dups = crate::tree::duplicate_keys(root.as_map().unwrap());
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].0.key_span, Span::new(0, 6));
    }

    #[test]
    fn complex_and_empty_keys_and_values() {
        let text = "? [a, b]\n: v\n? - q\n: w\nempty:\n: no key\n";
        let root = doc(text);
        let entries = root.as_map().unwrap();
        assert_eq!(entries[0].key, "[a, b]");
        assert_eq!(slice(text, entries[0].key_span), "[a, b]");
        assert_eq!(entries[1].key, "- q");
        let empty = root.entry("empty").unwrap();
        assert!(empty.value.is_null());
        assert_eq!(
            empty.value.span,
            Span::new(text.find("empty:").unwrap() + 6, text.find("empty:").unwrap() + 6)
        );
        assert_eq!(entries[3].key, "");
        assert_eq!(entries[3].value.as_str(), Some("no key"));
    }

    #[test]
    fn multiple_documents_skip_empty_ones() {
        let text = "%YAML 1.2\n---\na: 1\n---\n# only a comment\n---\n- x\n...\n--- !tagged\n";
        let parsed = parse_yaml(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.documents.len(), 3);
        assert_eq!(parsed.documents[0].get("a").unwrap().as_str(), Some("1"));
        assert_eq!(parsed.documents[1].as_seq().unwrap().len(), 1);
        assert_eq!(parsed.documents[2].tag_name(), Some("!tagged"));
        assert!(parse_yaml("").documents.is_empty());
        assert!(parse_yaml("---\n---\n").documents.is_empty());
    }

    #[test]
    fn comments_from_anywhere() {
        let text =
            "# head\na: 1 # trailing\nb: [1, # in flow\n  2]\nc: # before value\n  d\n---\n# second doc\n";
        let parsed = parse_yaml(text);
        assert!(parsed.errors.is_empty());
        let texts: Vec<_> = parsed.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, [" head", " trailing", " in flow", " before value", " second doc"]);
        for comment in &parsed.comments {
            assert_eq!(slice(text, comment.span), format!("#{}", comment.text));
        }
        // A `#` inside a scalar is not a comment.
        assert!(parse_yaml("a: 'x # y'\nb: x#y\n").comments.is_empty());
    }

    #[test]
    fn broken_yaml_reports_an_error_and_keeps_what_it_can() {
        let text = "jobs:\n  build:\n    runs-on: [ubuntu\n    steps: x\nother: ok\n";
        let parsed = parse_yaml(text);
        assert_eq!(parsed.errors.len(), 1);
        let error = &parsed.errors[0];
        assert!(error.span.end <= text.len() && error.span.start <= error.span.end);
        assert!(!error.message.is_empty());

        let text = "key: value\n  bad: indent\n";
        let parsed = parse_yaml(text);
        assert!(!parsed.errors.is_empty());
        let salvaged = parsed.documents.iter().find_map(|doc| doc.get("key"));
        assert!(salvaged.is_some(), "{:?}", parsed.documents);

        let parsed = parse_yaml("a: b: c\n");
        assert!(!parsed.errors.is_empty());
    }

    #[test]
    fn deep_flow_nesting_is_cut_not_overflowed() {
        for depth in [300, 20_000] {
            let text = format!("{}x{}", "[".repeat(depth), "]".repeat(depth));
            let parsed = parse_yaml(&text);
            assert!(parsed.errors.iter().any(|e| e.message.contains("256")), "{depth}: {:?}", parsed.errors);
            let (_, height) = measure(&parsed.documents[0], usize::MAX).unwrap();
            assert!(height <= MAX_DEPTH + 1, "{height}");
        }
    }

    /// Each of these used to abort the process inside tree-sitter-yaml's C scanner (its state
    /// overran a fixed buffer); now the levels past the limit are dropped and the parse reports it.
    #[test]
    fn inputs_that_crashed_the_scanner_are_errors() {
        let mut block = String::new();
        for level in 0..300 {
            block.push_str(&" ".repeat(level));
            block.push_str("k:\n");
        }
        let line = |head: &str, tail: &str| format!("{head}{}\n", tail.repeat(300));
        for text in
            [block.clone(), line("", "- "), line("\"a\" ", "- "), line("a: b: ", "? "), line("|", "- ? ")]
        {
            let parsed = parse_yaml(&text);
            assert!(!parsed.errors.is_empty());
            assert!(parsed.errors.iter().all(|e| e.span.end <= text.len()));
        }
        // The deep mapping says which limit it hit, on the first line past it.
        let parsed = parse_yaml(&block);
        let limit = trustlint_yaml_grammar::MAX_BLOCK_LEVELS;
        let deep = parsed.errors.iter().find(|e| e.message.contains("block levels")).expect("limit named");
        assert!(deep.message.contains(&limit.to_string()), "{}", deep.message);
        let line_start = block.find(&format!("\n{}k", " ".repeat(limit))).unwrap() + 1;
        assert_eq!(deep.span, Span::new(line_start, line_start + limit + 2));
        // Just under the limit, everything is read.
        let mut fits = String::new();
        for level in 0..limit - 2 {
            fits.push_str(&" ".repeat(level));
            fits.push_str("k:\n");
        }
        let parsed = parse_yaml(&fits);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mut node = &parsed.documents[0];
        let mut levels = 0;
        while let Some(next) = node.get("k") {
            node = next;
            levels += 1;
        }
        assert_eq!(levels, limit - 2);
    }

    /// Issue 9 item 1: the scanner's 16-bit rows and columns wrapped past 32,767, so longer files
    /// and long minified lines failed to parse whole.
    #[test]
    fn long_files_wide_lines_and_long_flow_mappings_parse() {
        for lines in [32_767, 32_769, 70_000] {
            let mut text = String::from("Resources:\n");
            for i in 0..lines {
                text.push_str(&format!("  k{i}: v{i}\n"));
            }
            text.push_str("  last: found\n");
            let parsed = parse_yaml(&text);
            assert!(parsed.errors.is_empty(), "{lines}: {:?}", parsed.errors);
            let last = parsed.documents[0].get("Resources").unwrap().entry("last").unwrap();
            assert_eq!(slice(&text, last.value.span), "found");
        }
        // One flow mapping with 1,000 entries on a line, reaching past column 32,767.
        let entries: Vec<String> = (0..1_000).map(|i| format!("key{i}: {}", "v".repeat(40))).collect();
        let text = format!("Resources: {{{}, last: found}}\n", entries.join(", "));
        assert!(text.len() > 40_000);
        let parsed = parse_yaml(&text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let last = parsed.documents[0].get("Resources").unwrap().entry("last").unwrap();
        assert_eq!(slice(&text, last.value.span), "found");
        // Block indicators far to the right (a key after a 40,000-byte scalar).
        let text = format!("a: {}\nb:\n  - {}: found\n", "x".repeat(40_000), "y".repeat(40_000));
        let parsed = parse_yaml(&text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    }

    #[test]
    fn aliases_cannot_exceed_the_depth_limit() {
        // Each level wraps the previous anchor in another 100 levels of nesting.
        let mut text = String::from("a0: &a0 x\n");
        for level in 1..5 {
            text.push_str(&format!(
                "a{level}: &a{level} {}*a{}{}\n",
                "[".repeat(100),
                level - 1,
                "]".repeat(100)
            ));
        }
        let parsed = parse_yaml(&text);
        assert!(parsed.errors.iter().any(|e| e.message.contains("deeper")), "{:?}", parsed.errors);
        let height = measure(&parsed.documents[0], usize::MAX).unwrap().1;
        assert!(height <= MAX_DEPTH + 1, "{height}");
    }

    #[test]
    fn never_panics_on_prefixes_and_junk() {
        let text = "\
%YAML 1.2
--- !t &a
a: \"x\\u00e9\\\n  y\" # c
b: |2-
    block
c: [1, {d: *a, <<: *a}, 'q''q']
? - k
: >+

e: &é é
...
";
        for end in (0..=text.len()).filter(|&end| text.is_char_boundary(end)) {
            let _ = parse_yaml(&text[..end]);
            let _ = parse_yaml(&text[end..]);
        }
        for junk in [
            "\"", "'", "|", ">", "&", "*", "!", "<<: *", "- - - -", "{[}]", "\t\ta:\t", ":::", "\\", "? ? ?",
            "\r\r\n",
        ] {
            let _ = parse_yaml(junk);
            let _ = parse_yaml(&junk.repeat(50));
        }
    }

    /// The conversion recurses up to `MAX_DEPTH` levels on every path; it must fit in a stack
    /// well below the 2 MiB that test and rayon threads get, also in debug builds.
    #[test]
    fn deep_nesting_fits_a_small_stack() {
        let inputs: Vec<String> =
            [("[", "]"), ("{a: ", "}"), ("[a: ", "]"), ("{? ", "}"), ("!t &a [", "]"), ("{a: [", "")]
                .iter()
                .map(|(open, close)| format!("{}x{}", open.repeat(300), close.repeat(300)))
                .collect();
        let worker = std::thread::Builder::new().stack_size(1024 * 1024).spawn(move || {
            for text in &inputs {
                let parsed = parse_yaml(text);
                assert!(!parsed.errors.is_empty(), "{text:.20}");
            }
        });
        worker.unwrap().join().unwrap();
    }

    #[test]
    fn spans_leave_out_trailing_comments_and_breaks() {
        let text = "a:\n  b: 1\n  # about c\n  c: |\n    x\n\n  # trailing\nd:\n  - 1\n  - 2\n\n# end\n";
        let root = doc(text);
        let a = root.get("a").unwrap();
        assert_eq!(slice(text, a.span), "b: 1\n  # about c\n  c: |\n    x");
        assert_eq!(slice(text, a.get("c").unwrap().span), "|\n    x");
        assert_eq!(a.get("c").unwrap().as_str(), Some("x\n"));
        assert_eq!(slice(text, root.get("d").unwrap().span), "- 1\n  - 2");
        assert_eq!(slice(text, root.span), &text[..text.find("\n\n# end").unwrap()]);

        let text = "k: *a\n";
        let parsed = parse_yaml(text);
        assert_eq!(parsed.errors.len(), 1);
        // Alias keys keep the alias's own span.
        let text = "x: &name key\n*name : value\n";
        let root = doc(text);
        let entry = &root.as_map().unwrap()[1];
        assert_eq!(entry.key, "key");
        assert_eq!(slice(text, entry.key_span), "*name");
    }
}
