//! TypeScript and JavaScript via tree-sitter-typescript, lowered to the evaluator's small
//! language ([`crate::eval::ast`]). One parser per thread and grammar.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use trustlint_core::Span;

use crate::eval::ast::{
    Arg, BinaryOp, Body, Expr, Function, ImportBinding, Item, Module, Param, ParamKind, Pattern, Prop, Stmt,
    TemplatePart,
};
use crate::tree::{Comment, SyntaxError};
use crate::{KindNames, first_syntax_error, parser, span_of};

thread_local! {
    static TYPESCRIPT: RefCell<tree_sitter::Parser> = RefCell::new(parser(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()));
    static TSX: RefCell<tree_sitter::Parser> = RefCell::new(parser(&tree_sitter_typescript::LANGUAGE_TSX.into()));
}

crate::field_ids! {
    /// The fields the lowering reads, per grammar (TypeScript and TSX number them apart).
    Fields {
        alias, alternative, arguments, body, condition, consequence, constructor, declaration, finalizer,
        function, handler, index, key, left, name, object, operator, parameter, parameters, pattern,
        property, right, source, value,
    }
}

static TYPESCRIPT_FIELDS: LazyLock<Fields> =
    LazyLock::new(|| Fields::of(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()));
static TSX_FIELDS: LazyLock<Fields> =
    LazyLock::new(|| Fields::of(&tree_sitter_typescript::LANGUAGE_TSX.into()));
static TYPESCRIPT_KINDS: LazyLock<KindNames> =
    LazyLock::new(|| KindNames::of(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()));
static TSX_KINDS: LazyLock<KindNames> =
    LazyLock::new(|| KindNames::of(&tree_sitter_typescript::LANGUAGE_TSX.into()));

/// Deepest nesting lowered; deeper expressions become Unsupported (keeps recursion bounded).
/// Flat `+` chains and parentheses do not count: they are lowered in a loop.
pub(crate) const MAX_DEPTH: usize = 200;

#[derive(Debug, Default)]
pub struct ParsedScript {
    pub module: Module,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
    /// Limits hit while lowering (the program is still evaluated; the deep part is Unknown).
    pub notes: Vec<SyntaxError>,
}

/// Parse TypeScript or JavaScript; `jsx` selects the TSX grammar (`.tsx`, `.jsx`).
pub fn parse_typescript(text: &str, jsx: bool) -> ParsedScript {
    let _turn = crate::LargeParseTurn::take(text);
    let parse = |parser: &RefCell<tree_sitter::Parser>| parser.borrow_mut().parse(text, None);
    let tree = if jsx { TSX.with(parse) } else { TYPESCRIPT.with(parse) };
    let Some(tree) = tree else {
        return ParsedScript {
            errors: vec![SyntaxError { span: Span::new(0, 0), message: "the parser gave up".into() }],
            ..ParsedScript::default()
        };
    };
    let root = tree.root_node();
    let mut lower = Lower {
        text,
        fields: if jsx { &TSX_FIELDS } else { &TYPESCRIPT_FIELDS },
        kinds: if jsx { &TSX_KINDS } else { &TYPESCRIPT_KINDS },
        comments: Vec::new(),
        comment_starts: comment_starts(text),
        too_deep: None,
        too_long: None,
    };
    let errors = first_syntax_error(root, text).into_iter().collect();
    let body = lower.statements(root, 0);
    let notes = (lower.too_deep.map(crate::too_deep_note).into_iter())
        .chain(lower.too_long.map(crate::too_long_note))
        .collect();
    ParsedScript { module: Module { body }, comments: lower.comments, errors, notes }
}

type TsNode<'t> = tree_sitter::Node<'t>;

fn is_transparent(kind: &str) -> bool {
    matches!(
        kind,
        "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion"
    )
}

fn named_children(node: TsNode<'_>) -> Vec<TsNode<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Where a comment can start (`//` or `/*`), ascending. A comment node always starts so.
fn comment_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'/', bytes).filter(|&at| matches!(bytes.get(at + 1), Some(b'/' | b'*'))).collect()
}

struct Lower<'t> {
    text: &'t str,
    fields: &'static Fields,
    kinds: &'static KindNames,
    comments: Vec<Comment>,
    /// [`comment_starts`] of `text`: a subtree whose bytes hold none has no comment to collect.
    comment_starts: Vec<usize>,
    /// Where nesting first went past [`MAX_DEPTH`].
    too_deep: Option<Span>,
    /// The first flat chain longer than [`crate::MAX_CHAIN`].
    too_long: Option<Span>,
}

impl<'t> Lower<'t> {
    fn source(&self, node: TsNode<'_>) -> &'t str {
        &self.text[node.byte_range()]
    }

    fn comment(&mut self, node: TsNode<'_>) {
        let raw = self.source(node);
        let body =
            raw.strip_prefix("//").or_else(|| raw.strip_prefix("/*").map(|r| r.trim_end_matches("*/")));
        self.comments.push(Comment { text: body.unwrap_or(raw).to_string(), span: span_of(node) });
    }

    /// Statements of a block-like node; comments anywhere inside are collected.
    fn statements(&mut self, node: TsNode<'_>, depth: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        for child in named_children(node) {
            self.statement(child, depth + 1, &mut out);
        }
        out
    }

    /// Comments nested inside expressions (object literals, argument lists).
    /// Most expressions hold no comment: only subtrees that may hold one are walked.
    fn collect_comments(&mut self, node: TsNode<'_>) {
        if !self.may_hold_comment(node) {
            return;
        }
        let mut cursor = node.walk();
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            if self.kinds.kind(node) == "comment" {
                self.comment(node);
                continue;
            }
            stack.extend(node.named_children(&mut cursor).filter(|child| self.may_hold_comment(*child)));
        }
    }

    fn may_hold_comment(&self, node: TsNode<'_>) -> bool {
        let range = node.byte_range();
        let first_at_or_after = self.comment_starts.partition_point(|&start| start < range.start);
        self.comment_starts.get(first_at_or_after).is_some_and(|&start| start < range.end)
    }

    fn block(&mut self, node: Option<TsNode<'_>>, depth: usize) -> Vec<Stmt> {
        let Some(node) = node else { return Vec::new() };
        if self.kinds.kind(node) == "statement_block" {
            self.statements(node, depth)
        } else {
            let mut out = Vec::new();
            self.statement(node, depth + 1, &mut out);
            out
        }
    }

    fn statement(&mut self, node: TsNode<'_>, depth: usize, out: &mut Vec<Stmt>) {
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span_of(node));
            return;
        }
        let span = span_of(node);
        match self.kinds.kind(node) {
            "comment" => self.comment(node),
            "import_statement" => {
                self.collect_comments(node);
                if let Some(import) = self.import(node) {
                    out.push(import);
                }
            }
            "expression_statement" => {
                self.collect_comments(node);
                if let Some(expr) = named_children(node).into_iter().find(|c| self.kinds.kind(c) != "comment")
                {
                    self.expression_statement(expr, depth, out);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                self.collect_comments(node);
                for declarator in
                    named_children(node).into_iter().filter(|c| self.kinds.kind(c) == "variable_declarator")
                {
                    let Some(name) = declarator.child_by_field_id(self.fields.name) else { continue };
                    let value = declarator.child_by_field_id(self.fields.value);
                    // `const aws = require("@pulumi/aws")`, `const m = await import("./infra/m")`.
                    if let (Some(value), "identifier") = (value, self.kinds.kind(name))
                        && let Some(module) = self.require_call(value)
                    {
                        out.push(Stmt::Import {
                            module,
                            bindings: vec![ImportBinding::Namespace { local: self.source(name).to_string() }],
                            span,
                        });
                        continue;
                    }
                    // `const { a, b: c } = await import("./infra/m")` (SST's `run()` loads its
                    // modules this way): named imports.
                    if let (Some(value), "object_pattern") = (value, self.kinds.kind(name))
                        && let Some(module) = self.require_call(value)
                    {
                        let bindings = self.pattern_bindings(name);
                        if !bindings.is_empty() {
                            out.push(Stmt::Import { module, bindings, span });
                            continue;
                        }
                    }
                    out.push(Stmt::Let {
                        pattern: self.pattern(name, depth),
                        value: value.map(|v| self.expr(v, depth)),
                        span: span_of(declarator),
                        declares: true,
                    });
                }
            }
            "export_statement" => {
                if let Some(declaration) = node.child_by_field_id(self.fields.declaration) {
                    self.statement(declaration, depth + 1, out);
                } else if let Some(value) = node.child_by_field_id(self.fields.value) {
                    self.collect_comments(node);
                    out.push(Stmt::Expr(self.expr(value, depth)));
                } else {
                    self.collect_comments(node);
                }
            }
            "function_declaration" | "generator_function_declaration" => {
                self.collect_comments(node);
                out.push(Stmt::Function(self.function(node, depth)));
            }
            "class_declaration" | "abstract_class_declaration" => {
                self.collect_comments(node);
                out.push(self.class(node, depth));
            }
            "return_statement" => {
                self.collect_comments(node);
                let value = named_children(node).into_iter().find(|c| self.kinds.kind(c) != "comment");
                out.push(Stmt::Return(value.map(|v| self.expr(v, depth)), span));
            }
            "statement_block" => out.push(Stmt::Block(self.statements(node, depth))),
            "if_statement" => {
                let mut branches = Vec::new();
                let mut current = Some(node);
                while let Some(if_node) = current {
                    if let Some(condition) = if_node.child_by_field_id(self.fields.condition) {
                        self.collect_comments(condition);
                    }
                    branches.push(self.block(if_node.child_by_field_id(self.fields.consequence), depth));
                    current = None;
                    if let Some(alternative) = if_node.child_by_field_id(self.fields.alternative) {
                        let inner =
                            named_children(alternative).into_iter().find(|c| self.kinds.kind(c) != "comment");
                        match inner {
                            Some(inner) if self.kinds.kind(inner) == "if_statement" => current = Some(inner),
                            Some(inner) => branches.push(self.block(Some(inner), depth)),
                            None => {}
                        }
                    }
                }
                if branches.len() == 1 {
                    branches.push(Vec::new());
                }
                out.push(Stmt::Conditional(branches));
            }
            "for_in_statement" => {
                let of =
                    node.child_by_field_id(self.fields.operator).is_some_and(|op| self.source(op) == "of");
                let pattern = node.child_by_field_id(self.fields.left).map(|left| self.pattern(left, depth));
                let iterable = node
                    .child_by_field_id(self.fields.right)
                    .filter(|_| of)
                    .map(|right| self.expr(right, depth));
                let body = self.block(node.child_by_field_id(self.fields.body), depth);
                out.push(Stmt::Loop { pattern, iterable, body });
            }
            "for_statement" | "while_statement" | "do_statement" => {
                self.collect_comments(node);
                let body = self.block(node.child_by_field_id(self.fields.body), depth);
                out.push(Stmt::Loop { pattern: None, iterable: None, body });
            }
            "try_statement" => {
                let body = self.block(node.child_by_field_id(self.fields.body), depth);
                out.push(Stmt::Block(body));
                let mut handlers = Vec::new();
                if let Some(handler) = node.child_by_field_id(self.fields.handler) {
                    handlers.push(self.block(handler.child_by_field_id(self.fields.body), depth));
                }
                if !handlers.is_empty() {
                    handlers.push(Vec::new());
                    out.push(Stmt::Conditional(handlers));
                }
                if let Some(finalizer) = node.child_by_field_id(self.fields.finalizer) {
                    let inner = named_children(finalizer)
                        .into_iter()
                        .find(|c| self.kinds.kind(c) == "statement_block");
                    out.push(Stmt::Block(self.block(inner, depth)));
                }
            }
            "switch_statement" => {
                self.collect_comments(node);
                let mut branches = Vec::new();
                if let Some(body) = node.child_by_field_id(self.fields.body) {
                    for case in named_children(body) {
                        let mut stmts = Vec::new();
                        for child in named_children(case) {
                            if self.kinds.kind(child).ends_with("statement")
                                || self.kinds.kind(child).ends_with("declaration")
                            {
                                self.statement(child, depth + 1, &mut stmts);
                            }
                        }
                        branches.push(stmts);
                    }
                }
                branches.push(Vec::new());
                out.push(Stmt::Conditional(branches));
            }
            "labeled_statement" => {
                if let Some(body) = node.child_by_field_id(self.fields.body) {
                    self.statement(body, depth + 1, out);
                }
            }
            // `namespace X { ... }`, `module X { ... }`.
            "internal_module" | "module" => {
                if let Some(body) = node.child_by_field_id(self.fields.body) {
                    out.push(Stmt::Block(self.statements(body, depth)));
                }
            }
            _ => self.collect_comments(node),
        }
    }

    fn expression_statement(&mut self, expr: TsNode<'_>, depth: usize, out: &mut Vec<Stmt>) {
        let span = span_of(expr);
        match self.kinds.kind(expr) {
            "assignment_expression" => {
                let (Some(left), Some(right)) =
                    (expr.child_by_field_id(self.fields.left), expr.child_by_field_id(self.fields.right))
                else {
                    return;
                };
                let value = self.expr(right, depth);
                match self.kinds.kind(left) {
                    "member_expression" | "subscript_expression" => {
                        // `module.exports = ...`, `exports.x = ...` are not program values.
                        let target = self.expr(left, depth);
                        out.push(Stmt::AssignMember { target, value, span });
                    }
                    _ => out.push(Stmt::Let {
                        pattern: self.pattern(left, depth),
                        value: Some(value),
                        span,
                        declares: false,
                    }),
                }
            }
            "augmented_assignment_expression" => {
                let (Some(left), Some(right)) =
                    (expr.child_by_field_id(self.fields.left), expr.child_by_field_id(self.fields.right))
                else {
                    return;
                };
                let operator = expr.child_by_field_id(self.fields.operator).map(|op| self.source(op));
                let value = self.expr(right, depth);
                let target = self.expr(left, depth);
                if operator == Some("+=") {
                    out.push(Stmt::AugAssign { target, value, span });
                } else {
                    let unknown = Expr::Unsupported("a compound assignment", span);
                    match self.kinds.kind(left) {
                        "identifier" => out.push(Stmt::Let {
                            pattern: self.pattern(left, depth),
                            value: Some(unknown),
                            span,
                            declares: false,
                        }),
                        _ => out.push(Stmt::AssignMember { target, value: unknown, span }),
                    }
                }
            }
            "sequence_expression" => {
                for child in named_children(expr) {
                    self.expression_statement(child, depth + 1, out);
                }
            }
            _ => out.push(Stmt::Expr(self.expr(expr, depth))),
        }
    }

    /// `require("module")` -> the module specifier.
    fn require_call(&self, node: TsNode<'_>) -> Option<String> {
        // `await import("./m")`: the awaited module namespace.
        let node = if self.kinds.kind(node) == "await_expression" {
            named_children(node).into_iter().find(|c| self.kinds.kind(c) != "comment")?
        } else {
            node
        };
        if self.kinds.kind(node) != "call_expression" {
            return None;
        }
        let function = node.child_by_field_id(self.fields.function)?;
        if !matches!(self.source(function), "require" | "import") {
            return None;
        }
        let args = node.child_by_field_id(self.fields.arguments)?;
        let first = named_children(args).into_iter().next()?;
        (self.kinds.kind(first) == "string").then(|| self.string(first))
    }

    /// `{ a, b: c }` as named imports (`a` as `a`, `b` as `c`); empty when any property is
    /// something else (a default value, a nested pattern, a rest element).
    fn pattern_bindings(&self, pattern: TsNode<'_>) -> Vec<ImportBinding> {
        let mut bindings = Vec::new();
        for property in named_children(pattern) {
            match self.kinds.kind(property) {
                "shorthand_property_identifier_pattern" => {
                    let name = self.source(property).to_string();
                    bindings.push(ImportBinding::Named { local: name.clone(), imported: name });
                }
                "pair_pattern" => {
                    let (Some(key), Some(value)) = (
                        property.child_by_field_id(self.fields.key),
                        property.child_by_field_id(self.fields.value),
                    ) else {
                        return Vec::new();
                    };
                    if self.kinds.kind(value) != "identifier" {
                        return Vec::new();
                    }
                    bindings.push(ImportBinding::Named {
                        local: self.source(value).to_string(),
                        imported: self.source(key).to_string(),
                    });
                }
                "comment" => {}
                _ => return Vec::new(),
            }
        }
        bindings
    }

    fn import(&mut self, node: TsNode<'_>) -> Option<Stmt> {
        let source = node.child_by_field_id(self.fields.source)?;
        let module = self.string(source);
        let mut bindings = Vec::new();
        for child in named_children(node) {
            match self.kinds.kind(child) {
                "import_clause" => {
                    for part in named_children(child) {
                        match self.kinds.kind(part) {
                            // `import aws from "@pulumi/aws"`: the default export of the SDK
                            // packages is the module object.
                            "identifier" => bindings
                                .push(ImportBinding::Namespace { local: self.source(part).to_string() }),
                            "namespace_import" => {
                                if let Some(name) = named_children(part)
                                    .into_iter()
                                    .find(|c| self.kinds.kind(c) == "identifier")
                                {
                                    bindings.push(ImportBinding::Namespace {
                                        local: self.source(name).to_string(),
                                    });
                                }
                            }
                            "named_imports" => {
                                for specifier in named_children(part)
                                    .into_iter()
                                    .filter(|c| self.kinds.kind(c) == "import_specifier")
                                {
                                    let Some(name) = specifier.child_by_field_id(self.fields.name) else {
                                        continue;
                                    };
                                    let imported = if self.kinds.kind(name) == "string" {
                                        self.string(name)
                                    } else {
                                        self.source(name).to_string()
                                    };
                                    let local = specifier.child_by_field_id(self.fields.alias).map_or_else(
                                        || imported.clone(),
                                        |alias| self.source(alias).to_string(),
                                    );
                                    bindings.push(ImportBinding::Named { local, imported });
                                }
                            }
                            _ => {}
                        }
                    }
                }
                // `import aws = require("@pulumi/aws")`.
                "import_require_clause" => {
                    if let Some(name) =
                        named_children(child).into_iter().find(|c| self.kinds.kind(c) == "identifier")
                    {
                        bindings.push(ImportBinding::Namespace { local: self.source(name).to_string() });
                    }
                }
                _ => {}
            }
        }
        Some(Stmt::Import { module, bindings, span: span_of(node) })
    }

    fn class(&mut self, node: TsNode<'_>, depth: usize) -> Stmt {
        let name =
            node.child_by_field_id(self.fields.name).map_or_else(String::new, |n| self.source(n).to_string());
        let mut methods = Vec::new();
        let mut fields = Vec::new();
        if let Some(body) = node.child_by_field_id(self.fields.body) {
            for member in named_children(body) {
                match self.kinds.kind(member) {
                    "method_definition" => methods.push(self.function(member, depth)),
                    "public_field_definition" => {
                        if let (Some(field), Some(value)) = (
                            member.child_by_field_id(self.fields.name),
                            member.child_by_field_id(self.fields.value),
                        ) {
                            fields.push((self.source(field).to_string(), self.expr(value, depth)));
                        }
                    }
                    "comment" => self.comment(member),
                    _ => {}
                }
            }
        }
        Stmt::Class { name, methods, fields, span: span_of(node) }
    }

    fn function(&mut self, node: TsNode<'_>, depth: usize) -> Arc<Function> {
        let name = node.child_by_field_id(self.fields.name).map(|n| self.source(n).to_string());
        let mut params = Vec::new();
        if let Some(single) = node.child_by_field_id(self.fields.parameter) {
            params.push(Param {
                pattern: self.pattern(single, depth),
                default: None,
                kind: ParamKind::Normal,
            });
        }
        if let Some(list) = node.child_by_field_id(self.fields.parameters) {
            for param in named_children(list) {
                match self.kinds.kind(param) {
                    "required_parameter" | "optional_parameter" => {
                        let Some(pattern) = param
                            .child_by_field_id(self.fields.pattern)
                            .or_else(|| param.child_by_field_id(self.fields.name))
                        else {
                            continue;
                        };
                        let kind = if self.kinds.kind(pattern) == "rest_pattern" {
                            ParamKind::Rest
                        } else {
                            ParamKind::Normal
                        };
                        let pattern = if self.kinds.kind(pattern) == "rest_pattern" {
                            named_children(pattern)
                                .into_iter()
                                .next()
                                .map_or(Pattern::Ignore, |p| self.pattern(p, depth))
                        } else {
                            self.pattern(pattern, depth)
                        };
                        let default = param.child_by_field_id(self.fields.value).map(|v| self.expr(v, depth));
                        params.push(Param { pattern, default, kind });
                    }
                    "comment" => self.comment(param),
                    _ => {}
                }
            }
        }
        let body = match node.child_by_field_id(self.fields.body) {
            Some(body) if self.kinds.kind(body) == "statement_block" => {
                Body::Block(self.statements(body, depth))
            }
            Some(body) => Body::Expr(self.expr(body, depth)),
            None => Body::Block(Vec::new()),
        };
        Arc::new(Function { name, params, body, span: span_of(node) })
    }

    fn pattern(&mut self, node: TsNode<'_>, depth: usize) -> Pattern {
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span_of(node));
            return Pattern::Ignore;
        }
        match self.kinds.kind(node) {
            "identifier" | "shorthand_property_identifier_pattern" => {
                Pattern::Name(self.source(node).to_string(), span_of(node))
            }
            "array_pattern" => Pattern::Array(
                named_children(node)
                    .into_iter()
                    .filter(|c| self.kinds.kind(c) != "comment")
                    .map(|c| Some(self.pattern(c, depth + 1)))
                    .collect(),
            ),
            "object_pattern" => {
                let mut props = Vec::new();
                for child in named_children(node) {
                    match self.kinds.kind(child) {
                        "shorthand_property_identifier_pattern" => {
                            let name = self.source(child).to_string();
                            props.push((name.clone(), Pattern::Name(name, span_of(child))));
                        }
                        "pair_pattern" => {
                            let (Some(key), Some(value)) = (
                                child.child_by_field_id(self.fields.key),
                                child.child_by_field_id(self.fields.value),
                            ) else {
                                continue;
                            };
                            let key = self.property_key(key);
                            props.push((key, self.pattern(value, depth + 1)));
                        }
                        "object_assignment_pattern" => {
                            let (Some(left), Some(right)) = (
                                child.child_by_field_id(self.fields.left),
                                child.child_by_field_id(self.fields.right),
                            ) else {
                                continue;
                            };
                            let name = self.source(left).to_string();
                            let default = self.expr(right, depth + 1);
                            props.push((
                                name,
                                Pattern::Default(Box::new(self.pattern(left, depth + 1)), default),
                            ));
                        }
                        "rest_pattern" => {
                            let inner = named_children(child).into_iter().next();
                            let pattern = inner.map_or(Pattern::Ignore, |p| self.pattern(p, depth + 1));
                            props.push((String::new(), Pattern::Rest(Box::new(pattern))));
                        }
                        _ => {}
                    }
                }
                Pattern::Object(props)
            }
            "assignment_pattern" => {
                let (Some(left), Some(right)) =
                    (node.child_by_field_id(self.fields.left), node.child_by_field_id(self.fields.right))
                else {
                    return Pattern::Ignore;
                };
                Pattern::Default(Box::new(self.pattern(left, depth + 1)), self.expr(right, depth + 1))
            }
            "rest_pattern" => {
                let inner = named_children(node).into_iter().next();
                Pattern::Rest(Box::new(inner.map_or(Pattern::Ignore, |p| self.pattern(p, depth + 1))))
            }
            "parenthesized_expression" => named_children(node)
                .into_iter()
                .next()
                .map_or(Pattern::Ignore, |inner| self.pattern(inner, depth + 1)),
            _ => Pattern::Ignore,
        }
    }

    fn property_key(&self, key: TsNode<'_>) -> String {
        match self.kinds.kind(key) {
            "string" => self.string(key),
            _ => self.source(key).to_string(),
        }
    }

    fn expr(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        let node = self.unwrap_transparent(node);
        let span = span_of(node);
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span);
            return Expr::Unsupported("an expression nested too deeply", span);
        }
        let depth = depth + 1;
        match self.kinds.kind(node) {
            "string" => Expr::Str(self.string(node), span),
            "template_string" => Expr::Template(self.template(node, depth), span),
            "number" => Expr::Number(self.source(node).to_string(), span),
            "true" => Expr::Bool(true, span),
            "false" => Expr::Bool(false, span),
            "null" | "undefined" => Expr::Null(span),
            "identifier" | "shorthand_property_identifier" => Expr::Name(self.source(node).to_string(), span),
            "this" => Expr::This(span),
            kind if is_transparent(kind) => Expr::Unsupported("an empty expression", span),
            "member_expression" => {
                let (Some(object), Some(property)) = (
                    node.child_by_field_id(self.fields.object),
                    node.child_by_field_id(self.fields.property),
                ) else {
                    return Expr::Unsupported("a member expression", span);
                };
                // tree-sitter reads `x as aws.iam.RoleArgs` as `(x as aws.iam).RoleArgs`: a
                // member of an unparenthesised `as`/`satisfies` is the rest of its type.
                if matches!(self.kinds.kind(object), "as_expression" | "satisfies_expression") {
                    return self.expr(object, depth);
                }
                Expr::Member {
                    object: Box::new(self.expr(object, depth)),
                    name: self.source(property).to_string(),
                    span,
                }
            }
            "subscript_expression" => {
                let (Some(object), Some(index)) =
                    (node.child_by_field_id(self.fields.object), node.child_by_field_id(self.fields.index))
                else {
                    return Expr::Unsupported("an index expression", span);
                };
                Expr::Index {
                    object: Box::new(self.expr(object, depth)),
                    index: Box::new(self.expr(index, depth)),
                    span,
                }
            }
            "call_expression" => {
                let Some(function) = node.child_by_field_id(self.fields.function) else {
                    return Expr::Unsupported("a call", span);
                };
                let callee = Box::new(self.expr(function, depth));
                let args = match node.child_by_field_id(self.fields.arguments) {
                    Some(args) if self.kinds.kind(args) == "template_string" => {
                        vec![Arg::Positional(Expr::Template(self.template(args, depth), span_of(args)))]
                    }
                    Some(args) => self.arguments(args, depth),
                    None => Vec::new(),
                };
                Expr::Call { callee, args, span, new: false }
            }
            "new_expression" => {
                let Some(constructor) = node.child_by_field_id(self.fields.constructor) else {
                    return Expr::Unsupported("a `new` expression", span);
                };
                let args = node
                    .child_by_field_id(self.fields.arguments)
                    .map(|a| self.arguments(a, depth))
                    .unwrap_or_default();
                Expr::Call { callee: Box::new(self.expr(constructor, depth)), args, span, new: true }
            }
            "object" => {
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
                            if self.kinds.kind(key) == "computed_property_name" {
                                let inner = named_children(key).into_iter().next();
                                let key = inner
                                    .map_or(Expr::Unsupported("a computed key", span_of(key)), |k| {
                                        self.expr(k, depth)
                                    });
                                props.push(Prop::Computed { key, value });
                            } else {
                                props.push(Prop::KeyValue {
                                    key: self.property_key(key),
                                    key_span: span_of(key),
                                    value,
                                });
                            }
                        }
                        "shorthand_property_identifier" => {
                            let name = self.source(child).to_string();
                            props.push(Prop::KeyValue {
                                key: name.clone(),
                                key_span: span_of(child),
                                value: Expr::Name(name, span_of(child)),
                            });
                        }
                        "spread_element" => {
                            if let Some(inner) = named_children(child).into_iter().next() {
                                props.push(Prop::Spread(self.expr(inner, depth)));
                            }
                        }
                        "method_definition" => {
                            if let Some(name) = child.child_by_field_id(self.fields.name) {
                                let function = self.function(child, depth);
                                props.push(Prop::KeyValue {
                                    key: self.property_key(name),
                                    key_span: span_of(name),
                                    value: Expr::Function(function),
                                });
                            }
                        }
                        "comment" => self.comment(child),
                        _ => {}
                    }
                }
                Expr::Object(props, span)
            }
            "array" => {
                let mut items = Vec::new();
                for child in named_children(node) {
                    match self.kinds.kind(child) {
                        "comment" => self.comment(child),
                        "spread_element" => {
                            if let Some(inner) = named_children(child).into_iter().next() {
                                items.push(Item::Spread(self.expr(inner, depth)));
                            }
                        }
                        _ => items.push(Item::Expr(self.expr(child, depth))),
                    }
                }
                Expr::Array(items, span)
            }
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                Expr::Function(self.function(node, depth))
            }
            "binary_expression" => self.binary_chain(node, depth),
            "ternary_expression" => {
                let (Some(condition), Some(then), Some(otherwise)) = (
                    node.child_by_field_id(self.fields.condition),
                    node.child_by_field_id(self.fields.consequence),
                    node.child_by_field_id(self.fields.alternative),
                ) else {
                    return Expr::Unsupported("a conditional expression", span);
                };
                Expr::Conditional {
                    condition: Box::new(self.expr(condition, depth)),
                    then: Box::new(self.expr(then, depth)),
                    otherwise: Box::new(self.expr(otherwise, depth)),
                    span,
                }
            }
            "sequence_expression" => match named_children(node).into_iter().last() {
                Some(last) => self.expr(last, depth),
                None => Expr::Unsupported("an empty sequence", span),
            },
            "unary_expression" => Expr::Unsupported("a unary expression", span),
            "update_expression" => Expr::Unsupported("an update expression", span),
            "regex" => Expr::Unsupported("a regular expression", span),
            "class" => Expr::Unsupported("a class expression", span),
            "jsx_element" | "jsx_self_closing_element" => Expr::Unsupported("a JSX element", span),
            _ => Expr::Unsupported("an expression trustlint does not evaluate", span),
        }
    }

    /// Parentheses, `await`, `as`/`satisfies`, `!` and type assertions only wrap their operand:
    /// skipped in a loop, so `((((x))))` at any depth costs no nesting.
    fn unwrap_transparent<'n>(&self, mut node: TsNode<'n>) -> TsNode<'n> {
        while is_transparent(self.kinds.kind(node)) {
            match named_children(node)
                .into_iter()
                .find(|c| self.kinds.kind(c) != "comment" && !is_type(self.kinds.kind(c)))
            {
                Some(inner) => node = inner,
                None => break,
            }
        }
        node
    }

    fn binary_op(&self, node: TsNode<'_>) -> BinaryOp {
        match node.child_by_field_id(self.fields.operator).map(|op| self.source(op)) {
            Some("+") => BinaryOp::Add,
            Some("||") => BinaryOp::Or,
            Some("??") => BinaryOp::Nullish,
            Some("&&") => BinaryOp::And,
            Some("===" | "==") => BinaryOp::Equal,
            Some("!==" | "!=") => BinaryOp::NotEqual,
            _ => BinaryOp::Other,
        }
    }

    /// `a + b + c + …` is left-nested: walk the left spine in a loop (through parentheses) and
    /// lower every operand at the chain's own depth, so a 5,000-term concatenation is as shallow
    /// as a 2-term one. The evaluator folds such chains in a loop too.
    fn binary_chain(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        let mut spine = Vec::new();
        let mut current = node;
        while self.kinds.kind(current) == "binary_expression" {
            let (Some(left), Some(right)) =
                (current.child_by_field_id(self.fields.left), current.child_by_field_id(self.fields.right))
            else {
                return Expr::Unsupported("a binary expression", span_of(current));
            };
            spine.push((self.binary_op(current), right, span_of(current)));
            if spine.len() > crate::MAX_CHAIN {
                self.too_long.get_or_insert(span_of(node));
                return Expr::Unsupported("a chain of operators too long to evaluate", span_of(node));
            }
            current = self.unwrap_transparent(left);
        }
        let mut expr = self.expr(current, depth);
        for (op, right, span) in spine.into_iter().rev() {
            expr = Expr::Binary { op, left: Box::new(expr), right: Box::new(self.expr(right, depth)), span };
        }
        expr
    }

    fn arguments(&mut self, node: TsNode<'_>, depth: usize) -> Vec<Arg> {
        let mut args = Vec::new();
        for child in named_children(node) {
            match self.kinds.kind(child) {
                "comment" => self.comment(child),
                "spread_element" => {
                    if let Some(inner) = named_children(child).into_iter().next() {
                        args.push(Arg::Spread(self.expr(inner, depth)));
                    }
                }
                _ => args.push(Arg::Positional(self.expr(child, depth))),
            }
        }
        args
    }

    fn template(&mut self, node: TsNode<'_>, depth: usize) -> Vec<TemplatePart> {
        let mut parts = Vec::new();
        let mut text = String::new();
        for child in named_children(node) {
            match self.kinds.kind(child) {
                "string_fragment" => text.push_str(self.source(child)),
                "escape_sequence" => text.push_str(&unescape(self.source(child))),
                "template_substitution" => {
                    if !text.is_empty() {
                        parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                    }
                    let inner = named_children(child).into_iter().find(|c| self.kinds.kind(c) != "comment");
                    let expr = inner
                        .map_or(Expr::Unsupported("an empty substitution", span_of(child)), |e| {
                            self.expr(e, depth)
                        });
                    parts.push(TemplatePart::Expr(expr));
                }
                _ => {}
            }
        }
        if !text.is_empty() {
            parts.push(TemplatePart::Text(text));
        }
        parts
    }

    /// A string literal's value: fragments and escapes decoded.
    fn string(&self, node: TsNode<'_>) -> String {
        let mut out = String::new();
        for child in named_children(node) {
            match self.kinds.kind(child) {
                "string_fragment" => out.push_str(self.source(child)),
                "escape_sequence" => out.push_str(&unescape(self.source(child))),
                _ => {}
            }
        }
        out
    }
}

fn is_type(kind: &str) -> bool {
    kind.ends_with("_type")
        || kind == "type_identifier"
        // `x as aws.iam.RoleArgs`
        || kind == "nested_type_identifier"
        || kind == "type_arguments"
        || kind == "predefined_type"
        || kind == "type_annotation"
}

/// Decode one JavaScript escape sequence (`\n`, `\u0041`, `\u{1F600}`, `\x41`, `\"`).
fn unescape(escape: &str) -> String {
    let Some(rest) = escape.strip_prefix('\\') else { return escape.to_string() };
    let mut chars = rest.chars();
    match chars.next() {
        Some('n') => "\n".into(),
        Some('t') => "\t".into(),
        Some('r') => "\r".into(),
        Some('b') => "\u{8}".into(),
        Some('f') => "\u{c}".into(),
        Some('v') => "\u{b}".into(),
        Some('0') if rest.len() == 1 => "\0".into(),
        Some('x') => u32::from_str_radix(&rest[1..], 16)
            .ok()
            .and_then(char::from_u32)
            .map_or_else(String::new, String::from),
        Some('u') => {
            let hex = rest[1..].trim_start_matches('{').trim_end_matches('}');
            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).map_or_else(String::new, String::from)
        }
        // A line continuation.
        Some('\n') | Some('\r') => String::new(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_nodes_kinds() {
        let text = "import * as aws from \"@pulumi/aws\";\nconst r = new aws.iam.Role(`r-${x}`, { a: [1, \"b\"], ...c } as any);\n\
            // comment\nfunction f<T>(p?: T): void { for (const q of r) { if (!q) { throw new Error(); } } }\n\
            const el = <div className=\"x\">{r}</div>;\nconst broken = (;\n";
        crate::assert_kind_names_agree(
            &tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            &TYPESCRIPT_KINDS,
            text,
        );
        crate::assert_kind_names_agree(&tree_sitter_typescript::LANGUAGE_TSX.into(), &TSX_KINDS, text);
    }

    #[test]
    fn every_field_read_is_a_field_of_both_grammars() {
        assert_eq!(TYPESCRIPT_FIELDS.missing(), Vec::<&str>::new());
        assert_eq!(TSX_FIELDS.missing(), Vec::<&str>::new());
    }

    #[test]
    fn a_dotted_type_after_as_keeps_the_value() {
        let parsed = parse_typescript("f({ a: 1 } as aws.iam.RoleArgs);", false);
        let Stmt::Expr(Expr::Call { args, .. }) = &parsed.module.body[0] else { panic!() };
        assert!(matches!(&args[0], Arg::Positional(Expr::Object(..))), "{args:?}");
    }

    #[test]
    fn awaited_dynamic_imports_are_imports() {
        let parsed = parse_typescript(
            "async function run() {\n  const { makeTrust, roles: r } = await import(\"./infra/oidc\");\n  const m = await import(\"./infra/m\");\n}\n",
            false,
        );
        let Stmt::Function(function) = &parsed.module.body[0] else { panic!("{:?}", parsed.module.body) };
        let Body::Block(body) = &function.body else { panic!("{:?}", function.body) };
        assert!(matches!(&body[0], Stmt::Import { module, bindings, .. } if module == "./infra/oidc"
            && matches!(&bindings[..], [ImportBinding::Named { local: a, imported: b }, ImportBinding::Named { local: c, imported: d }]
                if a == "makeTrust" && b == "makeTrust" && c == "r" && d == "roles")));
        assert!(matches!(&body[1], Stmt::Import { module, bindings, .. } if module == "./infra/m"
            && matches!(&bindings[..], [ImportBinding::Namespace { local }] if local == "m")));
    }

    #[test]
    fn lowers_imports_and_declarations() {
        let parsed = parse_typescript(
            r#"import * as aws from "@pulumi/aws";
import { iam as i } from "@pulumi/aws";
const gcp = require("@pulumi/gcp");
// trustlint: ignore[x]
const role = new aws.iam.Role("deploy", { assumeRolePolicy: `a${b}\u0041` });
"#,
            false,
        );
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.module.body.len(), 4);
        assert!(matches!(&parsed.module.body[1], Stmt::Import { bindings, .. }
            if matches!(&bindings[0], ImportBinding::Named { local, imported } if local == "i" && imported == "iam")));
        assert!(matches!(&parsed.module.body[2], Stmt::Import { module, .. } if module == "@pulumi/gcp"));
        assert_eq!(parsed.comments.len(), 1);
        let Stmt::Let { value: Some(Expr::Call { new: true, args, .. }), .. } = &parsed.module.body[3] else {
            panic!("{:?}", parsed.module.body[3]);
        };
        let Arg::Positional(Expr::Object(props, _)) = &args[1] else { panic!() };
        let Prop::KeyValue { value: Expr::Template(parts, _), .. } = &props[0] else { panic!() };
        assert!(matches!(&parts[2], TemplatePart::Text(t) if t == "A"));
    }

    #[test]
    fn reports_syntax_errors() {
        let parsed = parse_typescript("const x = {", false);
        assert!(!parsed.errors.is_empty());
    }
}
