//! Python via tree-sitter-python, lowered to the evaluator's small language
//! ([`crate::eval::ast`]). One parser per thread.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use trustlint_core::Span;

use crate::eval::ast::{
    Arg, BinaryOp, Body, Expr, Function, ImportBinding, Item, Module, Param, ParamKind, Pattern, Prop, Stmt,
    TemplatePart,
};
use crate::tree::{Comment, SyntaxError};
use crate::{KindNames, first_syntax_error, parser, span_of};

crate::field_ids! {
    /// The fields the lowering reads.
    Fields {
        alias, arguments, attribute, body, consequence, definition, expression, format_specifier, function,
        key, left, module_name, name, object, operator, parameters, right, subscript, type_conversion, value,
    }
}

static FIELDS: LazyLock<Fields> = LazyLock::new(|| Fields::of(&tree_sitter_python::LANGUAGE.into()));
static KINDS: LazyLock<KindNames> = LazyLock::new(|| KindNames::of(&tree_sitter_python::LANGUAGE.into()));

thread_local! {
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new(parser(&tree_sitter_python::LANGUAGE.into()));
}

/// Flat `+` chains and parentheses do not count: they are lowered in a loop.
const MAX_DEPTH: usize = crate::typescript::MAX_DEPTH;

#[derive(Debug, Default)]
pub struct ParsedPython {
    pub module: Module,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
    /// Limits hit while lowering (the program is still evaluated; the deep part is Unknown).
    pub notes: Vec<SyntaxError>,
}

pub fn parse_python(text: &str) -> ParsedPython {
    let _turn = crate::LargeParseTurn::take(text);
    let Some(tree) = PARSER.with(|parser| parser.borrow_mut().parse(text, None)) else {
        return ParsedPython {
            errors: vec![SyntaxError { span: Span::new(0, 0), message: "the parser gave up".into() }],
            ..ParsedPython::default()
        };
    };
    let root = tree.root_node();
    let errors = first_syntax_error(root, text).into_iter().collect();
    let mut lower =
        Lower { text, fields: &FIELDS, kinds: &KINDS, comments: Vec::new(), too_deep: None, too_long: None };
    let body = lower.statements(root, 0);
    // Comments can sit anywhere (between arguments, after a value): collect them all. A comment
    // starts with `#`, so only subtrees whose bytes hold one are walked.
    let hashes: Vec<usize> = memchr::memchr_iter(b'#', text.as_bytes()).collect();
    let may_hold_comment = |node: &PyNode<'_>| {
        let range = node.byte_range();
        hashes.get(hashes.partition_point(|&at| at < range.start)).is_some_and(|&at| at < range.end)
    };
    let mut cursor = root.walk();
    let mut stack: Vec<PyNode<'_>> = Some(root).filter(may_hold_comment).into_iter().collect();
    while let Some(node) = stack.pop() {
        if lower.kinds.kind(node) == "comment" {
            let raw = &text[node.byte_range()];
            lower
                .comments
                .push(Comment { text: raw.trim_start_matches('#').to_string(), span: span_of(node) });
        } else {
            stack.extend(node.children(&mut cursor).filter(may_hold_comment));
        }
    }
    lower.comments.sort_by_key(|c| c.span.start);
    let notes = (lower.too_deep.map(crate::too_deep_note).into_iter())
        .chain(lower.too_long.map(crate::too_long_note))
        .collect();
    ParsedPython { module: Module { body }, comments: lower.comments, errors, notes }
}

type PyNode<'t> = tree_sitter::Node<'t>;

/// Parentheses and `await` only wrap their operand: skipped in a loop, so `((((x))))` at any
/// depth costs no nesting.
fn unwrap_transparent(mut node: PyNode<'_>) -> PyNode<'_> {
    while matches!(KINDS.kind(node), "parenthesized_expression" | "await") {
        match named_children(node).into_iter().next() {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn named_children(node: PyNode<'_>) -> Vec<PyNode<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|c| KINDS.kind(c) != "comment").collect()
}

struct Lower<'t> {
    text: &'t str,
    fields: &'static Fields,
    kinds: &'static KindNames,
    comments: Vec<Comment>,
    /// Where nesting first went past [`MAX_DEPTH`].
    too_deep: Option<Span>,
    /// The first flat chain longer than [`crate::MAX_CHAIN`].
    too_long: Option<Span>,
}

impl<'t> Lower<'t> {
    fn source(&self, node: PyNode<'_>) -> &'t str {
        &self.text[node.byte_range()]
    }

    fn statements(&mut self, node: PyNode<'_>, depth: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        for child in named_children(node) {
            self.statement(child, depth + 1, &mut out);
        }
        out
    }

    fn block(&mut self, node: Option<PyNode<'_>>, depth: usize) -> Vec<Stmt> {
        node.map(|n| self.statements(n, depth)).unwrap_or_default()
    }

    fn statement(&mut self, node: PyNode<'_>, depth: usize, out: &mut Vec<Stmt>) {
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span_of(node));
            return;
        }
        let span = span_of(node);
        match self.kinds.kind(node) {
            "import_statement" => {
                for name in named_children(node) {
                    match self.kinds.kind(name) {
                        "dotted_name" => {
                            // `import pulumi_aws.iam` binds `pulumi_aws`.
                            let full = self.source(name).to_string();
                            let top = full.split('.').next().unwrap_or(&full).to_string();
                            out.push(Stmt::Import {
                                module: top.clone(),
                                bindings: vec![ImportBinding::Namespace { local: top }],
                                span,
                            });
                        }
                        "aliased_import" => {
                            let (Some(module), Some(alias)) = (
                                name.child_by_field_id(self.fields.name),
                                name.child_by_field_id(self.fields.alias),
                            ) else {
                                continue;
                            };
                            out.push(Stmt::Import {
                                module: self.source(module).to_string(),
                                bindings: vec![ImportBinding::Namespace {
                                    local: self.source(alias).to_string(),
                                }],
                                span,
                            });
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = node.child_by_field_id(self.fields.module_name) else { return };
                let module_name = self.source(module).to_string();
                let mut bindings = Vec::new();
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    match self.kinds.kind(name) {
                        "dotted_name" => {
                            let imported = self.source(name).to_string();
                            bindings.push(ImportBinding::Named { local: imported.clone(), imported });
                        }
                        "aliased_import" => {
                            let (Some(imported), Some(alias)) = (
                                name.child_by_field_id(self.fields.name),
                                name.child_by_field_id(self.fields.alias),
                            ) else {
                                continue;
                            };
                            bindings.push(ImportBinding::Named {
                                local: self.source(alias).to_string(),
                                imported: self.source(imported).to_string(),
                            });
                        }
                        _ => {}
                    }
                }
                out.push(Stmt::Import { module: module_name, bindings, span });
            }
            "expression_statement" => {
                for child in named_children(node) {
                    self.expression_statement(child, depth, out);
                }
            }
            "function_definition" => out.push(Stmt::Function(self.function(node, depth))),
            "decorated_definition" => {
                if let Some(definition) = node.child_by_field_id(self.fields.definition) {
                    self.statement(definition, depth + 1, out);
                }
            }
            "class_definition" => {
                let name = node
                    .child_by_field_id(self.fields.name)
                    .map_or_else(String::new, |n| self.source(n).to_string());
                let mut methods = Vec::new();
                let mut fields = Vec::new();
                if let Some(body) = node.child_by_field_id(self.fields.body) {
                    for member in named_children(body) {
                        let member = if self.kinds.kind(member) == "decorated_definition" {
                            match member.child_by_field_id(self.fields.definition) {
                                Some(definition) => definition,
                                None => continue,
                            }
                        } else {
                            member
                        };
                        match self.kinds.kind(member) {
                            "function_definition" => methods.push(self.function(member, depth)),
                            "expression_statement" => {
                                for child in named_children(member)
                                    .into_iter()
                                    .filter(|c| self.kinds.kind(c) == "assignment")
                                {
                                    if let (Some(left), Some(right)) = (
                                        child.child_by_field_id(self.fields.left),
                                        child.child_by_field_id(self.fields.right),
                                    ) && self.kinds.kind(left) == "identifier"
                                    {
                                        fields.push((self.source(left).to_string(), self.expr(right, depth)));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                out.push(Stmt::Class { name, methods, fields, span });
            }
            "return_statement" => {
                let value = named_children(node).into_iter().next().map(|v| self.expr(v, depth));
                out.push(Stmt::Return(value, span));
            }
            "if_statement" => {
                let mut branches = vec![self.block(node.child_by_field_id(self.fields.consequence), depth)];
                let mut has_else = false;
                let mut cursor = node.walk();
                let alternatives: Vec<_> = node.children_by_field_name("alternative", &mut cursor).collect();
                for alternative in alternatives {
                    match self.kinds.kind(alternative) {
                        "elif_clause" => branches
                            .push(self.block(alternative.child_by_field_id(self.fields.consequence), depth)),
                        "else_clause" => {
                            has_else = true;
                            branches.push(self.block(alternative.child_by_field_id(self.fields.body), depth));
                        }
                        _ => {}
                    }
                }
                if !has_else {
                    branches.push(Vec::new());
                }
                out.push(Stmt::Conditional(branches));
            }
            "for_statement" => {
                let pattern = node.child_by_field_id(self.fields.left).map(|left| self.pattern(left, depth));
                let iterable = node.child_by_field_id(self.fields.right).map(|right| self.expr(right, depth));
                let body = self.block(node.child_by_field_id(self.fields.body), depth);
                out.push(Stmt::Loop { pattern, iterable, body });
            }
            "while_statement" => {
                let body = self.block(node.child_by_field_id(self.fields.body), depth);
                out.push(Stmt::Loop { pattern: None, iterable: None, body });
            }
            "with_statement" => {
                out.push(Stmt::Block(self.block(node.child_by_field_id(self.fields.body), depth)))
            }
            "try_statement" => {
                out.push(Stmt::Block(self.block(node.child_by_field_id(self.fields.body), depth)));
                let mut handlers = Vec::new();
                for child in named_children(node) {
                    match self.kinds.kind(child) {
                        "except_clause" | "except_group_clause" => {
                            let body =
                                named_children(child).into_iter().find(|c| self.kinds.kind(c) == "block");
                            handlers.push(self.block(body, depth));
                        }
                        "else_clause" => {
                            handlers.push(self.block(child.child_by_field_id(self.fields.body), depth))
                        }
                        "finally_clause" => {
                            let body =
                                named_children(child).into_iter().find(|c| self.kinds.kind(c) == "block");
                            out.push(Stmt::Block(self.block(body, depth)));
                        }
                        _ => {}
                    }
                }
                if !handlers.is_empty() {
                    handlers.push(Vec::new());
                    out.push(Stmt::Conditional(handlers));
                }
            }
            "block" => out.push(Stmt::Block(self.statements(node, depth))),
            _ => {}
        }
    }

    fn expression_statement(&mut self, node: PyNode<'_>, depth: usize, out: &mut Vec<Stmt>) {
        let span = span_of(node);
        match self.kinds.kind(node) {
            "assignment" => {
                let Some(left) = node.child_by_field_id(self.fields.left) else { return };
                // `x: Type` with no value declares nothing the evaluator needs.
                let Some(right) = node.child_by_field_id(self.fields.right) else { return };
                // `a = b = value`: assign the innermost value to every target.
                let mut targets = vec![left];
                let mut value_node = right;
                while self.kinds.kind(value_node) == "assignment" {
                    let (Some(l), Some(r)) = (
                        value_node.child_by_field_id(self.fields.left),
                        value_node.child_by_field_id(self.fields.right),
                    ) else {
                        return;
                    };
                    targets.push(l);
                    value_node = r;
                }
                for target in targets {
                    let value = self.expr(value_node, depth);
                    match self.kinds.kind(target) {
                        "attribute" | "subscript" => {
                            out.push(Stmt::AssignMember { target: self.expr(target, depth), value, span })
                        }
                        _ => out.push(Stmt::Let {
                            pattern: self.pattern(target, depth),
                            value: Some(value),
                            span,
                            declares: false,
                        }),
                    }
                }
            }
            "augmented_assignment" => {
                let (Some(left), Some(right)) =
                    (node.child_by_field_id(self.fields.left), node.child_by_field_id(self.fields.right))
                else {
                    return;
                };
                let plus =
                    node.child_by_field_id(self.fields.operator).is_some_and(|op| self.source(op) == "+=");
                let target = self.expr(left, depth);
                let value = if plus {
                    self.expr(right, depth)
                } else {
                    Expr::Unsupported("a compound assignment", span)
                };
                if plus {
                    out.push(Stmt::AugAssign { target, value, span });
                } else if self.kinds.kind(left) == "identifier" {
                    out.push(Stmt::Let {
                        pattern: self.pattern(left, depth),
                        value: Some(value),
                        span,
                        declares: false,
                    });
                } else {
                    out.push(Stmt::AssignMember { target, value, span });
                }
            }
            _ => out.push(Stmt::Expr(self.expr(node, depth))),
        }
    }

    fn function(&mut self, node: PyNode<'_>, depth: usize) -> Arc<Function> {
        let name = node.child_by_field_id(self.fields.name).map(|n| self.source(n).to_string());
        let params = node
            .child_by_field_id(self.fields.parameters)
            .map(|p| self.parameters(p, depth))
            .unwrap_or_default();
        let body = match node.child_by_field_id(self.fields.body) {
            Some(body) if self.kinds.kind(node) == "lambda" => Body::Expr(self.expr(body, depth)),
            Some(body) => Body::Block(self.statements(body, depth)),
            None => Body::Block(Vec::new()),
        };
        Arc::new(Function { name, params, body, span: span_of(node) })
    }

    fn parameters(&mut self, node: PyNode<'_>, depth: usize) -> Vec<Param> {
        let mut params = Vec::new();
        let mut keyword_only = false;
        for param in named_children(node) {
            let normal = if keyword_only { ParamKind::KeywordOnly } else { ParamKind::Normal };
            match self.kinds.kind(param) {
                "identifier" => {
                    params.push(Param { pattern: self.pattern(param, depth), default: None, kind: normal })
                }
                "default_parameter" | "typed_default_parameter" => {
                    let Some(name) = param.child_by_field_id(self.fields.name) else { continue };
                    let default = param.child_by_field_id(self.fields.value).map(|v| self.expr(v, depth));
                    params.push(Param { pattern: self.pattern(name, depth), default, kind: normal });
                }
                "typed_parameter" => {
                    let Some(inner) = named_children(param).into_iter().next() else { continue };
                    self.splat_or_name(inner, normal, depth, &mut params);
                }
                "list_splat_pattern" | "dictionary_splat_pattern" => {
                    self.splat_or_name(param, normal, depth, &mut params);
                }
                "keyword_separator" => keyword_only = true,
                _ => {}
            }
            if self.kinds.kind(param) == "list_splat_pattern" {
                keyword_only = true;
            }
        }
        params
    }

    fn splat_or_name(&mut self, node: PyNode<'_>, normal: ParamKind, depth: usize, params: &mut Vec<Param>) {
        let (kind, target) = match self.kinds.kind(node) {
            "list_splat_pattern" => (ParamKind::Rest, named_children(node).into_iter().next()),
            "dictionary_splat_pattern" => (ParamKind::KeywordRest, named_children(node).into_iter().next()),
            _ => (normal, Some(node)),
        };
        let pattern = target.map_or(Pattern::Ignore, |t| self.pattern(t, depth));
        params.push(Param { pattern, default: None, kind });
    }

    /// `a == b`, `a is None`, `a is not b`, `a != b`: one comparison of two operands (chains and
    /// orderings are not modelled).
    fn comparison(&mut self, node: PyNode<'_>, depth: usize) -> Expr {
        let span = span_of(node);
        let operands = named_children(node);
        let [left, right] = operands.as_slice() else {
            return Expr::Unsupported("a comparison", span);
        };
        let between = &self.text[left.end_byte()..right.start_byte()];
        let op = match between.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["=="] | ["is"] => BinaryOp::Equal,
            ["!="] | ["is", "not"] => BinaryOp::NotEqual,
            _ => return Expr::Unsupported("a comparison", span),
        };
        Expr::Binary {
            op,
            left: Box::new(self.expr(*left, depth)),
            right: Box::new(self.expr(*right, depth)),
            span,
        }
    }

    fn binary_op(&self, node: PyNode<'_>) -> BinaryOp {
        match node.child_by_field_id(self.fields.operator).map(|op| self.source(op)) {
            Some("+") => BinaryOp::Add,
            Some("%") => BinaryOp::Percent,
            _ => BinaryOp::Other,
        }
    }

    /// `a + b + c + …` is left-nested: walk the left spine in a loop (through parentheses) and
    /// lower every operand at the chain's own depth, so a 5,000-term concatenation is as shallow
    /// as a 2-term one. The evaluator folds such chains in a loop too.
    fn binary_chain(&mut self, node: PyNode<'_>, depth: usize) -> Expr {
        let mut spine = Vec::new();
        let mut current = node;
        while self.kinds.kind(current) == "binary_operator" {
            let (Some(left), Some(right)) =
                (current.child_by_field_id(self.fields.left), current.child_by_field_id(self.fields.right))
            else {
                return Expr::Unsupported("a binary operation", span_of(current));
            };
            spine.push((self.binary_op(current), right, span_of(current)));
            if spine.len() > crate::MAX_CHAIN {
                self.too_long.get_or_insert(span_of(node));
                return Expr::Unsupported("a chain of operators too long to evaluate", span_of(node));
            }
            current = unwrap_transparent(left);
        }
        let mut expr = self.expr(current, depth);
        for (op, right, span) in spine.into_iter().rev() {
            expr = Expr::Binary { op, left: Box::new(expr), right: Box::new(self.expr(right, depth)), span };
        }
        expr
    }

    fn pattern(&mut self, node: PyNode<'_>, depth: usize) -> Pattern {
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span_of(node));
            return Pattern::Ignore;
        }
        match self.kinds.kind(node) {
            "identifier" => {
                let name = self.source(node);
                if name == "_" { Pattern::Ignore } else { Pattern::Name(name.to_string(), span_of(node)) }
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple" | "list" => {
                Pattern::Array(
                    named_children(node).into_iter().map(|c| Some(self.pattern(c, depth + 1))).collect(),
                )
            }
            "list_splat_pattern" | "list_splat" => {
                let inner = named_children(node).into_iter().next();
                Pattern::Rest(Box::new(inner.map_or(Pattern::Ignore, |p| self.pattern(p, depth + 1))))
            }
            "parenthesized_expression" => named_children(node)
                .into_iter()
                .next()
                .map_or(Pattern::Ignore, |p| self.pattern(p, depth + 1)),
            _ => Pattern::Ignore,
        }
    }

    fn expr(&mut self, node: PyNode<'_>, depth: usize) -> Expr {
        let node = unwrap_transparent(node);
        let span = span_of(node);
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span);
            return Expr::Unsupported("an expression nested too deeply", span);
        }
        let depth = depth + 1;
        match self.kinds.kind(node) {
            "string" => self.string(node, depth),
            "concatenated_string" => {
                let mut parts = Vec::new();
                for piece in named_children(node) {
                    match self.string(piece, depth) {
                        Expr::Str(text, _) => parts.push(TemplatePart::Text(text)),
                        Expr::Template(inner, _) => parts.extend(inner),
                        other => parts.push(TemplatePart::Expr(other)),
                    }
                }
                Expr::Template(parts, span)
            }
            "integer" | "float" => Expr::Number(self.source(node).to_string(), span),
            "true" => Expr::Bool(true, span),
            "false" => Expr::Bool(false, span),
            "none" => Expr::Null(span),
            "identifier" => {
                let name = self.source(node);
                if name == "self" { Expr::This(span) } else { Expr::Name(name.to_string(), span) }
            }
            "parenthesized_expression" | "await" => Expr::Unsupported("an empty expression", span),
            "attribute" => {
                let (Some(object), Some(attribute)) = (
                    node.child_by_field_id(self.fields.object),
                    node.child_by_field_id(self.fields.attribute),
                ) else {
                    return Expr::Unsupported("an attribute", span);
                };
                Expr::Member {
                    object: Box::new(self.expr(object, depth)),
                    name: self.source(attribute).to_string(),
                    span,
                }
            }
            "subscript" => {
                let (Some(value), Some(index)) = (
                    node.child_by_field_id(self.fields.value),
                    node.child_by_field_id(self.fields.subscript),
                ) else {
                    return Expr::Unsupported("a subscript", span);
                };
                if self.kinds.kind(index) == "slice" {
                    return Expr::Unsupported("a slice", span);
                }
                Expr::Index {
                    object: Box::new(self.expr(value, depth)),
                    index: Box::new(self.expr(index, depth)),
                    span,
                }
            }
            "call" => {
                let Some(function) = node.child_by_field_id(self.fields.function) else {
                    return Expr::Unsupported("a call", span);
                };
                let args = match node.child_by_field_id(self.fields.arguments) {
                    Some(args) if self.kinds.kind(args) == "argument_list" => self.arguments(args, depth),
                    _ => vec![Arg::Positional(Expr::Unsupported("a generator expression", span))],
                };
                Expr::Call { callee: Box::new(self.expr(function, depth)), args, span, new: false }
            }
            "dictionary" => {
                let mut props = Vec::new();
                for child in named_children(node) {
                    match self.kinds.kind(child) {
                        "pair" => {
                            let (Some(key), Some(value)) = (
                                child.child_by_field_id(self.fields.key),
                                child.child_by_field_id(self.fields.value),
                            ) else {
                                continue;
                            };
                            let value = self.expr(value, depth);
                            match self.expr(key, depth) {
                                Expr::Str(text, key_span) => {
                                    props.push(Prop::KeyValue { key: text, key_span, value })
                                }
                                other => props.push(Prop::Computed { key: other, value }),
                            }
                        }
                        "dictionary_splat" => {
                            if let Some(inner) = named_children(child).into_iter().next() {
                                props.push(Prop::Spread(self.expr(inner, depth)));
                            }
                        }
                        _ => {}
                    }
                }
                Expr::Object(props, span)
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut items = Vec::new();
                for child in named_children(node) {
                    match self.kinds.kind(child) {
                        "list_splat" | "parenthesized_list_splat" => {
                            if let Some(inner) = named_children(child).into_iter().next() {
                                items.push(Item::Spread(self.expr(inner, depth)));
                            }
                        }
                        _ => items.push(Item::Expr(self.expr(child, depth))),
                    }
                }
                Expr::Array(items, span)
            }
            "lambda" => {
                let params = node
                    .child_by_field_id(self.fields.parameters)
                    .map(|p| self.parameters(p, depth))
                    .unwrap_or_default();
                let body = node
                    .child_by_field_id(self.fields.body)
                    .map_or(Expr::Unsupported("an empty lambda", span), |b| self.expr(b, depth));
                Expr::Function(Arc::new(Function { name: None, params, body: Body::Expr(body), span }))
            }
            "binary_operator" => self.binary_chain(node, depth),
            "boolean_operator" => {
                let (Some(left), Some(right)) =
                    (node.child_by_field_id(self.fields.left), node.child_by_field_id(self.fields.right))
                else {
                    return Expr::Unsupported("a boolean operation", span);
                };
                let op = match node.child_by_field_id(self.fields.operator).map(|op| self.source(op)) {
                    Some("or") => BinaryOp::Or,
                    _ => BinaryOp::And,
                };
                Expr::Binary {
                    op,
                    left: Box::new(self.expr(left, depth)),
                    right: Box::new(self.expr(right, depth)),
                    span,
                }
            }
            "conditional_expression" => {
                let children = named_children(node);
                match children.as_slice() {
                    [then, condition, otherwise] => Expr::Conditional {
                        condition: Box::new(self.expr(*condition, depth)),
                        then: Box::new(self.expr(*then, depth)),
                        otherwise: Box::new(self.expr(*otherwise, depth)),
                        span,
                    },
                    _ => Expr::Unsupported("a conditional expression", span),
                }
            }
            "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression" => Expr::Unsupported("a comprehension", span),
            "comparison_operator" => self.comparison(node, depth),
            "not_operator" | "unary_operator" => Expr::Unsupported("a comparison or negation", span),
            _ => Expr::Unsupported("an expression trustlint does not evaluate", span),
        }
    }

    fn arguments(&mut self, node: PyNode<'_>, depth: usize) -> Vec<Arg> {
        let mut args = Vec::new();
        for child in named_children(node) {
            match self.kinds.kind(child) {
                "keyword_argument" => {
                    let (Some(name), Some(value)) = (
                        child.child_by_field_id(self.fields.name),
                        child.child_by_field_id(self.fields.value),
                    ) else {
                        continue;
                    };
                    args.push(Arg::Keyword {
                        name: self.source(name).to_string(),
                        name_span: span_of(name),
                        value: self.expr(value, depth),
                    });
                }
                "list_splat" => {
                    if let Some(inner) = named_children(child).into_iter().next() {
                        args.push(Arg::Spread(self.expr(inner, depth)));
                    }
                }
                "dictionary_splat" => {
                    if let Some(inner) = named_children(child).into_iter().next() {
                        args.push(Arg::KeywordSpread(self.expr(inner, depth)));
                    }
                }
                _ => args.push(Arg::Positional(self.expr(child, depth))),
            }
        }
        args
    }

    /// A string literal: plain, raw, bytes or f-string.
    fn string(&mut self, node: PyNode<'_>, depth: usize) -> Expr {
        let span = span_of(node);
        let children = named_children(node);
        let prefix = children
            .iter()
            .find(|c| self.kinds.kind(*c) == "string_start")
            .map(|c| self.source(*c).trim_end_matches(['"', '\'']).to_ascii_lowercase())
            .unwrap_or_default();
        let raw = prefix.contains('r');
        let mut parts = Vec::new();
        let mut text = String::new();
        for child in children {
            match self.kinds.kind(child) {
                "string_content" => {
                    let content = self.source(child);
                    if raw { text.push_str(content) } else { text.push_str(&unescape(content)) }
                }
                "interpolation" => {
                    if !text.is_empty() {
                        parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                    }
                    let formatted = child.child_by_field_id(self.fields.format_specifier).is_some()
                        || child.child_by_field_id(self.fields.type_conversion).is_some();
                    let expr = match child.child_by_field_id(self.fields.expression) {
                        Some(_) if formatted => {
                            Expr::Unsupported("a formatted f-string field", span_of(child))
                        }
                        Some(expression) => self.expr(expression, depth),
                        None => Expr::Unsupported("an empty f-string field", span_of(child)),
                    };
                    parts.push(TemplatePart::Expr(expr));
                }
                _ => {}
            }
        }
        if !text.is_empty() {
            parts.push(TemplatePart::Text(text));
        }
        // `{{` and `}}` in f-strings are escaped braces.
        if prefix.contains('f') {
            for part in &mut parts {
                if let TemplatePart::Text(text) = part {
                    *text = text.replace("{{", "{").replace("}}", "}");
                }
            }
        }
        match parts.as_slice() {
            [] => Expr::Str(String::new(), span),
            [TemplatePart::Text(text)] => Expr::Str(text.clone(), span),
            _ => Expr::Template(parts, span),
        }
    }
}

/// Decode Python escape sequences in string content.
fn unescape(content: &str) -> String {
    if !content.contains('\\') {
        return content.to_string();
    }
    let mut out = String::with_capacity(content.len());
    let mut chars = content.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some(kind @ ('x' | 'u' | 'U')) => {
                let len = match kind {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..len).filter_map(|_| chars.next()).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) => out.push(decoded),
                    None => {
                        out.push('\\');
                        out.push(kind);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                // Unknown escapes keep the backslash in Python.
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_nodes_kinds() {
        let text = "import pulumi_aws as aws\n# comment\nrole = aws.iam.Role(f\"r-{x!r:>4}\", tags={'a': [1, 2]}, **kw)\n\
            def f(p=None, *a, **k):\n    return [q for q in p if q] or (lambda: await g())()\nbroken = (\n";
        crate::assert_kind_names_agree(&tree_sitter_python::LANGUAGE.into(), &KINDS, text);
    }

    #[test]
    fn every_field_read_is_a_field_of_the_grammar() {
        assert_eq!(FIELDS.missing(), Vec::<&str>::new());
    }

    #[test]
    fn lowers_imports_calls_and_fstrings() {
        let parsed = parse_python(
            r#"import pulumi
import pulumi_aws as aws
from pulumi_gcp import iam as gcp_iam
# trustlint: ignore[x]
role = aws.iam.Role("deploy", assume_role_policy=f"repo:{org}/*", opts=None)  # trailing
"#,
        );
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.module.body.len(), 4);
        assert_eq!(parsed.comments.len(), 2);
        assert!(matches!(&parsed.module.body[2], Stmt::Import { module, bindings, .. }
            if module == "pulumi_gcp" && matches!(&bindings[0], ImportBinding::Named { local, imported } if local == "gcp_iam" && imported == "iam")));
        let Stmt::Let { value: Some(Expr::Call { args, .. }), .. } = &parsed.module.body[3] else {
            panic!("{:?}", parsed.module.body[3]);
        };
        assert!(matches!(&args[1], Arg::Keyword { name, value: Expr::Template(parts, _), .. }
            if name == "assume_role_policy" && parts.len() == 3));
    }

    #[test]
    fn string_escapes_and_prefixes() {
        assert_eq!(unescape(r"a\nb\x41\q"), "a\nbA\\q");
        let parsed = parse_python("x = r'\\d' 'b'\ny = f'{{a}}'\n");
        let Stmt::Let { value: Some(Expr::Template(parts, _)), .. } = &parsed.module.body[0] else {
            panic!()
        };
        assert!(matches!(&parts[0], TemplatePart::Text(t) if t == "\\d"));
        assert!(
            matches!(&parsed.module.body[1], Stmt::Let { value: Some(Expr::Str(t, _)), .. } if t == "{a}")
        );
    }
}
