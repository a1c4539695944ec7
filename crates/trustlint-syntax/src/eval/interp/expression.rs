//! Expressions: literals, objects, operators, member access and indexing.

use trustlint_core::Span;

use crate::eval::ast::{BinaryOp, Expr, Item, Prop, TemplatePart};
use crate::eval::text::{camel_case, display, join, known_text, parts_of};
use crate::tree::{Entry, Node, NodeKind, Part, ScalarStyle};

use super::{Interp, MAX_STEPS, Value, null, text_value, unknown, with_default_note};

impl Interp<'_> {
    pub(super) fn eval(&mut self, expr: &Expr) -> Value {
        self.steps += 1;
        let span = expr.span();
        if self.steps > MAX_STEPS {
            return unknown("a value in a program too large to evaluate fully", span);
        }
        match expr {
            Expr::Str(text, span) => text_value(text.clone(), *span),
            Expr::Number(text, span) => Value::Data(Node::scalar(text.clone(), ScalarStyle::Plain, *span)),
            Expr::Bool(value, span) => {
                let text = match (value, self.python()) {
                    (true, false) => "true",
                    (false, false) => "false",
                    (true, true) => "True",
                    (false, true) => "False",
                };
                Value::Data(Node::scalar(text, ScalarStyle::Plain, *span))
            }
            Expr::Null(span) => Value::Data(null(*span)),
            Expr::Template(parts, span) => {
                let mut out = Vec::new();
                let mut spliced = Vec::new();
                for part in parts {
                    match part {
                        TemplatePart::Text(text) => out.push(Part::Text(text.clone())),
                        TemplatePart::Expr(expr) => {
                            let value = self.eval(expr);
                            let node = self.data(value, expr.span());
                            self.splice_source(&node, expr.span(), *span, &mut spliced);
                            out.extend(parts_of(&node));
                        }
                    }
                }
                let node = join(out, *span);
                self.record_splice(&node, spliced);
                Value::Data(node)
            }
            Expr::Object(props, span) => Value::Data(self.object(props, *span)),
            Expr::Array(items, span) => {
                let mut nodes = Vec::new();
                for item in items {
                    match item {
                        Item::Expr(expr) => {
                            let value = self.eval(expr);
                            nodes.push(self.data(value, expr.span()));
                        }
                        Item::Spread(expr) => {
                            let value = self.eval(expr);
                            let node = self.data(value, expr.span());
                            match node.kind {
                                NodeKind::Seq(items) => nodes.extend(items),
                                _ => nodes.push(Node::unknown("the items of a spread list", expr.span())),
                            }
                        }
                    }
                }
                Value::Data(Node { kind: NodeKind::Seq(nodes), span: *span, tag: None })
            }
            Expr::Name(name, span) => match self.lookup(name) {
                Some(value) => {
                    let value = value.clone();
                    self.read_sibling_value(value, *span)
                }
                None => unknown(format!("`{name}`, which is not defined in this program"), *span),
            },
            Expr::This(span) => match self.lookup(if self.python() { "self" } else { "this" }) {
                Some(value) => value.clone(),
                None => unknown("`this`", *span),
            },
            Expr::Member { object, name, span } => {
                let object = self.eval(object);
                self.member(object, name, *span)
            }
            Expr::Index { object, index, span } => {
                let object = self.eval(object);
                let index = self.eval(index);
                self.index(object, index, *span)
            }
            Expr::Call { callee, args, span, new } => self.call(callee, args, *span, *new),
            Expr::Function(function) => Value::Function(function.clone(), self.closure()),
            // Neither evaluates its operands (as before chains were folded).
            Expr::Binary { op: BinaryOp::And, span, .. } => unknown("a logical `and`", *span),
            Expr::Binary { op: BinaryOp::Other, span, .. } => {
                unknown("an arithmetic or comparison expression", *span)
            }
            Expr::Binary { op: op @ (BinaryOp::Equal | BinaryOp::NotEqual), left, right, span } => {
                let a = self.eval(left);
                let b = self.eval(right);
                match equal(&a, &b) {
                    Some(same) => self.boolean(same == (*op == BinaryOp::Equal), *span),
                    None => unknown("a comparison of values trustlint cannot read", *span),
                }
            }
            Expr::Binary { .. } => self.binary_chain(expr),
            Expr::Conditional { condition, then, otherwise, span } => {
                // A condition on known values (a field's default compared with `None`) picks its
                // branch; otherwise both are possible and only a value they share is known.
                if let Value::Data(test) = self.eval(condition)
                    && let NodeKind::Scalar(_) = test.kind
                {
                    return if falsy(&test) { self.eval(otherwise) } else { self.eval(then) };
                }
                let then = self.eval(then);
                let otherwise = self.eval(otherwise);
                match (&then, &otherwise) {
                    (Value::Data(a), Value::Data(b))
                        if known_text(a).is_some() && known_text(a) == known_text(b) =>
                    {
                        then
                    }
                    _ => unknown("a value chosen by a condition", *span),
                }
            }
            Expr::Unsupported(what, span) => unknown(*what, *span),
        }
    }

    fn object(&mut self, props: &[Prop], span: Span) -> Node {
        let mut entries: Vec<Entry> = Vec::new();
        for prop in props {
            match prop {
                Prop::KeyValue { key, key_span, value } => {
                    let evaluated = self.eval(value);
                    // A method of a top-level object literal (SST's `$config({ run() {...} })`, a
                    // handler table) may never be called here: read it later like any uncalled
                    // function.
                    if self.frames.len() == 1 && matches!(evaluated, Value::Function(..)) {
                        self.declared.push(evaluated.clone());
                    }
                    let node = self.data(evaluated, value.span());
                    entries.push(Entry { key: key.clone(), key_span: *key_span, value: node });
                }
                Prop::Computed { key, value } => {
                    let key_value = self.eval(key);
                    let key_node = self.data(key_value, key.span());
                    let evaluated = self.eval(value);
                    let node = self.data(evaluated, value.span());
                    let key_text = known_text(&key_node);
                    entries.push(Entry {
                        key: key_text.unwrap_or_else(|| display(&key_node)),
                        key_span: key.span(),
                        value: node,
                    });
                }
                Prop::Spread(expr) => {
                    let value = self.eval(expr);
                    let node = self.data(value, expr.span());
                    match node.kind {
                        NodeKind::Map(more) => entries.extend(more),
                        NodeKind::Scalar(_) if node.is_null() => {}
                        _ => entries.push(Entry {
                            key: "…".into(),
                            key_span: expr.span(),
                            value: Node::unknown("the properties of a spread object", expr.span()),
                        }),
                    }
                }
            }
        }
        // Later keys win, as in JavaScript and Python dicts: keep only the last of each key.
        let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
        for entry in entries {
            kept.retain(|e| e.key != entry.key);
            kept.push(entry);
        }
        Node { kind: NodeKind::Map(kept), span, tag: None }
    }

    /// `a + b + c + …` (and `||`, `??`, `%` chains) nest to the left, one level per operator:
    /// evaluate the leftmost operand, then fold the right operands in a loop, so a 5,000-term
    /// concatenation does not recurse 5,000 deep. `and` and other operators end the spine: they
    /// do not evaluate their left operand.
    fn binary_chain(&mut self, expr: &Expr) -> Value {
        let mut spine = Vec::new();
        let mut current = expr;
        while let Expr::Binary { op, left, .. } = current
            && matches!(op, BinaryOp::Add | BinaryOp::Or | BinaryOp::Nullish | BinaryOp::Percent)
        {
            spine.push(current);
            current = left;
        }
        let mut value = self.eval(current);
        for node in spine.into_iter().rev() {
            if let Expr::Binary { op, left, right, span } = node {
                value = self.binary(*op, value, left, right, *span);
            }
        }
        value
    }

    /// One operator of a chain; `a` is the value of `left` (already evaluated when the operator
    /// evaluates its left operand).
    fn binary(&mut self, op: BinaryOp, a: Value, left: &Expr, right: &Expr, span: Span) -> Value {
        match op {
            BinaryOp::Add => {
                let b = self.eval(right);
                let (a, b) = (self.data(a, left.span()), self.data(b, right.span()));
                let mut spliced = Vec::new();
                self.splice_source(&a, left.span(), span, &mut spliced);
                self.splice_source(&b, right.span(), span, &mut spliced);
                let sum = self.add(Value::Data(a), Value::Data(b), span);
                if let Value::Data(node) = &sum {
                    self.record_splice(node, spliced);
                }
                sum
            }
            BinaryOp::Or | BinaryOp::Nullish => match a {
                Value::Unset { key, .. } => {
                    let default = self.eval(right);
                    with_default_note(default, &key)
                }
                Value::Data(node) => {
                    let text = known_text(&node);
                    if node.is_null() || (op == BinaryOp::Or && (falsy(&node) || text.as_deref() == Some("")))
                    {
                        self.eval(right)
                    } else if node.as_computed().is_some() && text.is_none() {
                        unknown("a value with a fallback (`||`, `??`, `or`)", span)
                    } else {
                        Value::Data(node)
                    }
                }
                other => other,
            },
            // Not folded (see `eval`); kept for completeness.
            BinaryOp::And => unknown("a logical `and`", span),
            BinaryOp::Percent => {
                let b = self.eval(right);
                let format = self.data(a, left.span());
                let Some(format) = known_text(&format).filter(|_| self.python()) else {
                    return unknown("an arithmetic expression", span);
                };
                let b = self.data(b, right.span());
                let values: Vec<Node> = match &b.kind {
                    NodeKind::Seq(items) => items.clone(),
                    _ => vec![b.clone()],
                };
                // A single operand is named by its expression; a tuple's items by themselves.
                let mut spliced = Vec::new();
                for value in &values {
                    let used = if values.len() == 1 { right.span() } else { value.span };
                    self.splice_source(value, used, span, &mut spliced);
                }
                let formatted = percent_format(&format, &values, span);
                if let Value::Data(node) = &formatted {
                    self.record_splice(node, spliced);
                }
                formatted
            }
            BinaryOp::Other | BinaryOp::Equal | BinaryOp::NotEqual => {
                unknown("an arithmetic or comparison expression", span)
            }
        }
    }

    /// A boolean as the program's language writes it.
    fn boolean(&self, value: bool, span: Span) -> Value {
        let text = match (value, self.python()) {
            (true, false) => "true",
            (false, false) => "false",
            (true, true) => "True",
            (false, true) => "False",
        };
        Value::Data(Node::scalar(text, ScalarStyle::Plain, span))
    }

    pub(super) fn add(&mut self, a: Value, b: Value, span: Span) -> Value {
        let a = self.data(a, span);
        let b = self.data(b, span);
        match (&a.kind, &b.kind) {
            (NodeKind::Seq(x), NodeKind::Seq(y)) if self.python() => {
                let items = x.iter().chain(y).cloned().collect();
                Value::Data(Node { kind: NodeKind::Seq(items), span, tag: None })
            }
            (NodeKind::Scalar(x), NodeKind::Scalar(y))
                if x.style == ScalarStyle::Plain
                    && y.style == ScalarStyle::Plain
                    && !a.is_null()
                    && !b.is_null() =>
            {
                unknown("an arithmetic expression", span)
            }
            _ => {
                let mut parts = parts_of(&a);
                parts.extend(parts_of(&b));
                Value::Data(join(parts, span))
            }
        }
    }

    pub(super) fn member(&mut self, object: Value, name: &str, span: Span) -> Value {
        match object {
            Value::Module(module) => Value::Module(module.with(name)),
            Value::Resource(index) => {
                let resource = self.resources.get(index).map(|r| r.name_text.clone()).unwrap_or_default();
                Value::Data(Node::computed(vec![Part::Ref { resource, output: camel_case(name) }], span))
            }
            Value::Instance(attributes) => {
                let found = attributes.borrow().iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                match found {
                    Some(value) => self.read_sibling_value(value, span),
                    None => unknown(format!("the attribute `{name}`"), span),
                }
            }
            Value::Data(node) => match &node.kind {
                NodeKind::Map(_) => match node.get(name) {
                    Some(value) => match self.imported_member(node.span, name, value, span) {
                        Some(member) => Value::Data(member),
                        None => Value::Data(value.clone()),
                    },
                    None => Value::Data(null(span)),
                },
                NodeKind::Seq(items) if name == "length" => {
                    Value::Data(Node::scalar(items.len().to_string(), ScalarStyle::Plain, span))
                }
                NodeKind::Computed(parts) => match parts.as_slice() {
                    [Part::Ref { resource, output }] => Value::Data(Node::computed(
                        vec![Part::Ref {
                            resource: resource.clone(),
                            output: format!("{output}.{}", camel_case(name)),
                        }],
                        span,
                    )),
                    _ => unknown(format!("the property `{name}` of a value trustlint cannot read"), span),
                },
                _ => unknown(format!("the property `{name}`"), span),
            },
            Value::Unset { why, .. } => unknown(why, span),
            _ => unknown(format!("the property `{name}`"), span),
        }
    }

    fn index(&mut self, object: Value, index: Value, span: Span) -> Value {
        let key = match &index {
            Value::Data(node) => known_text(node),
            _ => None,
        };
        match (object, key) {
            (Value::Data(node), Some(key)) => match &node.kind {
                NodeKind::Seq(items) => match key.parse::<i64>() {
                    Ok(i) => {
                        let i = if i < 0 { items.len() as i64 + i } else { i };
                        match usize::try_from(i).ok().and_then(|i| Some((i, items.get(i)?))) {
                            Some((i, item)) => {
                                let member = self.imported_member(node.span, &i.to_string(), item, span);
                                Value::Data(member.unwrap_or_else(|| item.clone()))
                            }
                            None => Value::Data(null(span)),
                        }
                    }
                    Err(_) => unknown("an item of a list", span),
                },
                NodeKind::Map(_) => match node.get(&key) {
                    Some(value) => match self.imported_member(node.span, &key, value, span) {
                        Some(member) => Value::Data(member),
                        None => Value::Data(value.clone()),
                    },
                    None => unknown(format!("the key `{key}`, which the object does not set"), span),
                },
                _ => self.member(Value::Data(node), &key, span),
            },
            (object @ (Value::Resource(_) | Value::Instance(_) | Value::Module(_)), Some(key)) => {
                self.member(object, &key, span)
            }
            _ => unknown("an indexed value trustlint cannot read", span),
        }
    }
}

/// Whether two values are equal, when both are known: null only equals null, text equals the
/// same text written the same way (a string is never a number or a boolean). `None` when either
/// side is not a known scalar.
fn equal(a: &Value, b: &Value) -> Option<bool> {
    let (Value::Data(a), Value::Data(b)) = (a, b) else { return None };
    let (NodeKind::Scalar(x), NodeKind::Scalar(y)) = (&a.kind, &b.kind) else { return None };
    if a.is_null() || b.is_null() {
        return Some(a.is_null() && b.is_null());
    }
    let plain = |style: ScalarStyle| style == ScalarStyle::Plain;
    Some(plain(x.style) == plain(y.style) && x.value == y.value)
}

fn falsy(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Scalar(scalar) => {
            node.is_null()
                || matches!(scalar.value.as_str(), "" | "false" | "False" | "0" | "None" | "undefined") && {
                    scalar.style == ScalarStyle::Plain || scalar.value.is_empty()
                }
        }
        _ => false,
    }
}

/// Python `"repo:%s/*" % org`.
fn percent_format(format: &str, values: &[Node], span: Span) -> Value {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut next = values.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => text.push('%'),
            Some('s' | 'd' | 'r') => {
                parts.push(Part::Text(std::mem::take(&mut text)));
                match next.next() {
                    Some(value) => parts.extend(parts_of(value)),
                    None => parts.push(Part::Unknown("a `%` field with no value".into())),
                }
            }
            _ => return unknown("a `%` format trustlint cannot read", span),
        }
    }
    parts.push(Part::Text(text));
    Value::Data(join(parts, span))
}
