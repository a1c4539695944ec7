//! Calls: arguments, inlined helper functions and classes, methods and builtins, JSON, Pulumi and
//! provider calls, and the resource constructors the evaluator records.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use trustlint_core::Span;

use crate::eval::ast::{Arg, Body, Expr, Function, ParamKind, Pattern};
use crate::eval::text::{camel_case, display, join, known_text, parts_of, respan};
use crate::eval::{ConfigLookup, ResourceCall};
use crate::tree::{Entry, Node, NodeKind, Part, ScalarStyle};

use super::{
    Args, Attributes, ClassDef, Closure, Flow, Frame, FrameKind, Interp, MAX_CALL_DEPTH, MAX_UNROLL,
    ModuleRef, Origin, Value, null, text_value, unknown, with_default_note,
};

impl Interp<'_> {
    pub(super) fn eval_args(&mut self, args: &[Arg]) -> Args {
        let mut out = Args::default();
        for arg in args {
            match arg {
                Arg::Positional(expr) => {
                    let value = self.eval(expr);
                    out.positional.push((value, expr.span()));
                }
                Arg::Keyword { name, name_span, value } => {
                    let evaluated = self.eval(value);
                    out.keywords.push((name.clone(), *name_span, evaluated, value.span()));
                }
                Arg::Spread(expr) => {
                    let value = self.eval(expr);
                    match value {
                        Value::Data(Node { kind: NodeKind::Seq(items), .. }) => {
                            out.positional.extend(items.into_iter().map(|n| {
                                let span = n.span;
                                (Value::Data(n), span)
                            }));
                        }
                        other => out.positional.push((other, expr.span())),
                    }
                }
                Arg::KeywordSpread(expr) => {
                    let value = self.eval(expr);
                    if let Value::Data(Node { kind: NodeKind::Map(entries), .. }) = value {
                        for entry in entries {
                            let span = entry.value.span;
                            out.keywords.push((entry.key, entry.key_span, Value::Data(entry.value), span));
                        }
                    }
                }
            }
        }
        out
    }

    pub(super) fn call(&mut self, callee: &Expr, args: &[Arg], span: Span, new: bool) -> Value {
        if let Expr::Member { object, name, .. } = callee {
            let receiver = self.eval(object);
            if !matches!(receiver, Value::Module(_) | Value::Instance(_)) {
                return self.method(receiver, name, args, span);
            }
            if let Value::Instance(attributes) = &receiver {
                let method =
                    attributes.borrow().iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                return match method {
                    // A method sees its instance as `self` / `this`.
                    Some(Value::Function(function, closure)) => {
                        let args = self.eval_args(args);
                        self.call_function(&function, closure, args, Some(receiver.clone()), span)
                    }
                    _ => unknown(format!("the result of `.{name}(...)`"), span),
                };
            }
            let function = self.member(receiver, name, span);
            let args = self.eval_args(args);
            return self.call_value(function, args, span, new);
        }
        let function = self.eval(callee);
        let args = self.eval_args(args);
        self.call_value(function, args, span, new)
    }

    fn call_value(&mut self, function: Value, args: Args, span: Span, new: bool) -> Value {
        match function {
            Value::Module(module) => self.call_module(&module, args, span, new),
            Value::Class(class) => self.construct(&class, args, span),
            Value::Builtin(name) => self.builtin(name, args, span),
            other => self.apply_value(other, args, span),
        }
    }

    /// Call a function value (a helper, a lambda).
    fn apply_value(&mut self, function: Value, args: Args, span: Span) -> Value {
        match function {
            Value::Function(function, closure) => self.call_function(&function, closure, args, None, span),
            Value::Class(class) => self.construct(&class, args, span),
            _ => derived("the result of calling a value that is not a known function", &args, None, span),
        }
    }

    /// A new instance of `class`: its methods, and its fields at the values the class body gives
    /// them (a dataclass's or pydantic model's defaults).
    pub(super) fn new_instance(&mut self, class: &Rc<ClassDef>) -> Attributes {
        let instance: Attributes = Rc::new(RefCell::new(Vec::new()));
        for method in &class.methods {
            instance.borrow_mut().push((
                method.name.clone().unwrap_or_default(),
                Value::Function(method.clone(), class.closure.clone()),
            ));
        }
        for (name, expr) in &class.fields {
            let value = self.eval(expr);
            instance.borrow_mut().push((name.clone(), value));
        }
        instance
    }

    fn construct(&mut self, class: &Rc<ClassDef>, args: Args, span: Span) -> Value {
        let instance = self.new_instance(class);
        let constructor = if self.python() { "__init__" } else { "constructor" };
        let defined = class.methods.iter().find(|m| m.name.as_deref() == Some(constructor));
        if defined.is_none() && self.python() {
            // A dataclass or pydantic model: keyword arguments set the fields they name (the
            // latest value of a name wins), the others keep their defaults.
            for (name, _, value, _) in args.keywords {
                instance.borrow_mut().push((name, value));
            }
            return Value::Instance(instance);
        }
        if let Some(method) = defined {
            self.called.insert(Arc::as_ptr(method) as usize);
            self.call_function(
                method,
                class.closure.clone(),
                args,
                Some(Value::Instance(instance.clone())),
                span,
            );
        }
        // Other methods are read once with Unknown arguments at the end.
        let _ = &class.name;
        Value::Instance(instance)
    }

    pub(super) fn call_function(
        &mut self,
        function: &Arc<Function>,
        closure: Closure,
        args: Args,
        this: Option<Value>,
        span: Span,
    ) -> Value {
        let name = function.name.clone().unwrap_or_else(|| "a function".into());
        if self.call_depth >= MAX_CALL_DEPTH {
            return unknown(format!("the result of `{name}`, nested too deeply"), span);
        }
        self.called.insert(Arc::as_ptr(function) as usize);
        let (saved, saved_respan) = match &closure {
            Closure::Local(depth) => {
                let depth = (*depth).clamp(1, self.frames.len());
                (self.frames.split_off(depth), self.respan)
            }
            Closure::Foreign(globals) => {
                let saved = std::mem::take(&mut self.frames);
                let mut frame = Frame::new(FrameKind::Global);
                frame.vars = (**globals).clone();
                self.frames.push(frame);
                (saved, self.respan.replace(self.respan.unwrap_or(span)))
            }
        };
        self.call_depth += 1;
        self.push(FrameKind::Function);
        let this_name = if self.python() { "self" } else { "this" };
        let mut params = function.params.iter().peekable();
        if let Some(this) = this {
            if self.python()
                && let Some(first) = params.peek()
                && matches!(&first.pattern, Pattern::Name(n, _) if n == "self")
            {
                params.next();
            }
            self.declare(this_name, this);
        }
        let mut positional = args.positional.into_iter();
        let mut keywords = args.keywords;
        for param in params {
            let value = match param.kind {
                ParamKind::Rest => {
                    let rest: Vec<Node> = positional.by_ref().map(|(v, s)| self.data(v, s)).collect();
                    Some(Value::Data(Node { kind: NodeKind::Seq(rest), span, tag: None }))
                }
                ParamKind::KeywordRest => {
                    let entries = std::mem::take(&mut keywords)
                        .into_iter()
                        .map(|(key, key_span, v, s)| Entry { key, key_span, value: self.data(v, s) })
                        .collect();
                    Some(Value::Data(Node { kind: NodeKind::Map(entries), span, tag: None }))
                }
                ParamKind::Normal | ParamKind::KeywordOnly => {
                    let by_name = match &param.pattern {
                        Pattern::Name(n, _) => {
                            keywords.iter().position(|(k, ..)| k == n).map(|i| keywords.remove(i).2)
                        }
                        _ => None,
                    };
                    by_name.or_else(|| {
                        (param.kind == ParamKind::Normal).then(|| positional.next().map(|(v, _)| v)).flatten()
                    })
                }
            };
            let value = match (value, &param.default) {
                (Some(value), _) => value,
                (None, Some(default)) => self.eval(default),
                (None, None) => Value::Data(null(span)),
            };
            self.bind(&param.pattern, value, true);
        }
        self.pending_returns.push(Vec::new());
        let result = match &function.body {
            Body::Expr(expr) => self.eval(expr),
            Body::Block(stmts) => match self.exec_block(stmts) {
                Flow::Return(value) => value,
                Flow::Normal => Value::Data(null(span)),
            },
        };
        let pending = self.pending_returns.pop().unwrap_or_default();
        let result = if pending.iter().any(|v| !matches!(v, Value::Data(n) if n.is_null())) {
            unknown(format!("the result of `{name}`, which returns from more than one place"), span)
        } else {
            result
        };
        self.frames.truncate(self.frames.len().saturating_sub(1));
        self.call_depth -= 1;
        // A sibling module's function returns values with that file's spans: use the call's.
        let target = self.respan;
        match closure {
            Closure::Local(_) => self.frames.extend(saved),
            Closure::Foreign(_) => {
                self.frames = saved;
                self.respan = saved_respan;
            }
        }
        let mut result = result;
        if let (Some(target), Value::Data(node)) = (target, &mut result) {
            respan(node, target);
        }
        result
    }

    /// A method called on a value that is not a module: Outputs, strings, lists, dicts, config.
    fn method(&mut self, receiver: Value, name: &str, args: &[Arg], span: Span) -> Value {
        let args = self.eval_args(args);
        if let Value::Config { namespace } = &receiver {
            return self.config(namespace.clone(), name, &args, span);
        }
        if let Value::Unset { why, .. } = &receiver {
            return unknown(why.clone(), span);
        }
        let Value::Data(node) = receiver else {
            if let Value::Resource(index) = receiver {
                let resource = self.resources.get(index).map(|r| r.label()).unwrap_or_default();
                return unknown(format!("the result of `.{name}(...)` on {resource}"), span);
            }
            return unknown(format!("the result of `.{name}(...)`"), span);
        };
        let first = args.positional.first().map(|(v, _)| v.clone());
        match name {
            // An Output's value, a promise's value: the callback sees the wrapped value.
            "apply" | "then" => match first {
                Some(callback) => {
                    let mut call = Args::default();
                    call.positional.push((Value::Data(node), span));
                    self.apply_value(callback, call, span)
                }
                None => Value::Data(node),
            },
            "toString" | "valueOf" | "copy" | "toJSON" => Value::Data(node),
            "strip" | "trim" => match known_text(&node) {
                Some(text) => text_value(text.trim().to_string(), node.span),
                None => unknown("a trimmed value trustlint cannot read", span),
            },
            "toLowerCase" | "lower" | "toUpperCase" | "upper" => match known_text(&node) {
                Some(text) => {
                    let text = if name.contains("ower") { text.to_lowercase() } else { text.to_uppercase() };
                    text_value(text, node.span)
                }
                None => unknown(format!("the result of `.{name}()` on a value trustlint cannot read"), span),
            },
            "get" if node.as_map().is_some() => {
                let key = first.and_then(|v| match v {
                    Value::Data(k) => known_text(&k),
                    _ => None,
                });
                match key.and_then(|k| node.get(&k).cloned()) {
                    Some(value) => Value::Data(value),
                    None => match args.positional.get(1) {
                        Some((default, _)) => default.clone(),
                        None => Value::Data(null(span)),
                    },
                }
            }
            "items" | "keys" | "values" if self.python() && node.as_map().is_some() => {
                let entries = node.as_map().unwrap_or_default();
                let items = entries
                    .iter()
                    .map(|entry| {
                        let key = Node::scalar(entry.key.clone(), ScalarStyle::Quoted, entry.key_span);
                        match name {
                            "keys" => key,
                            "values" => entry.value.clone(),
                            _ => Node {
                                kind: NodeKind::Seq(vec![key, entry.value.clone()]),
                                span: entry.value.span,
                                tag: None,
                            },
                        }
                    })
                    .collect();
                Value::Data(Node { kind: NodeKind::Seq(items), span: node.span, tag: None })
            }
            "join" => self.join_method(node, &args, span),
            "format" if self.python() => match known_text(&node) {
                Some(format) => self.format(&format, &args, span),
                None => unknown("a `.format(...)` of a value trustlint cannot read", span),
            },
            "concat" if !self.python() => {
                let mut parts = parts_of(&node);
                let seq = node.as_seq().map(<[Node]>::to_vec);
                if let Some(mut items) = seq {
                    for (value, s) in args.positional {
                        match self.data(value, s).kind {
                            NodeKind::Seq(more) => items.extend(more),
                            other => items.push(Node { kind: other, span: s, tag: None }),
                        }
                    }
                    return Value::Data(Node { kind: NodeKind::Seq(items), span, tag: None });
                }
                let mut spliced = Vec::new();
                self.splice_source(&node, node.span, span, &mut spliced);
                for (value, s) in args.positional {
                    let part = self.data(value, s);
                    self.splice_source(&part, s, span, &mut spliced);
                    parts.extend(parts_of(&part));
                }
                let joined = join(parts, span);
                self.record_splice(&joined, spliced);
                Value::Data(joined)
            }
            "map" | "forEach" | "flatMap" if node.as_seq().is_some() => {
                let Some(callback) = first else { return unknown("a `.map` without a function", span) };
                let items = node.as_seq().unwrap_or_default().to_vec();
                if items.len() > MAX_UNROLL {
                    return unknown("the result of `.map` over a long list", span);
                }
                let mut out = Vec::new();
                for (index, item) in items.into_iter().enumerate() {
                    let mut call = Args::default();
                    let item_span = item.span;
                    call.positional.push((Value::Data(item), item_span));
                    call.positional
                        .push((Value::Data(Node::scalar(index.to_string(), ScalarStyle::Plain, span)), span));
                    let result = self.apply_value(callback.clone(), call, span);
                    let node = self.data(result, span);
                    match (name, node.kind) {
                        ("flatMap", NodeKind::Seq(more)) => out.extend(more),
                        (_, kind) => out.push(Node { kind, span: node.span, tag: None }),
                    }
                }
                if name == "forEach" {
                    return Value::Data(null(span));
                }
                Value::Data(Node { kind: NodeKind::Seq(out), span, tag: None })
            }
            "map" | "forEach" | "flatMap" => {
                // Over an Unknown list: the callback still runs once (it may declare resources).
                if let Some(callback) = first {
                    let mut call = Args::default();
                    call.positional.push((unknown("an item of a list trustlint cannot read", span), span));
                    self.apply_value(callback, call, span);
                }
                unknown(format!("the result of `.{name}(...)` over a list trustlint cannot read"), span)
            }
            _ => derived(format!("the result of `.{name}(...)`"), &args, Some(&node), span),
        }
    }

    fn join_method(&mut self, receiver: Node, args: &Args, span: Span) -> Value {
        // JavaScript `list.join(sep)`; Python `sep.join(list)`.
        let (list, separator) = if self.python() {
            let list = args.positional.first().map(|(v, s)| self.data(v.clone(), *s));
            (list, known_text(&receiver))
        } else {
            let separator = match args.positional.first() {
                Some((v, s)) => known_text(&self.data(v.clone(), *s)),
                None => Some(",".to_string()),
            };
            (Some(receiver), separator)
        };
        let (Some(list), Some(separator)) = (list, separator) else {
            return unknown("a `.join(...)` trustlint cannot read", span);
        };
        let Some(items) = list.as_seq() else {
            return unknown("a `.join(...)` of a list trustlint cannot read", span);
        };
        let mut parts = Vec::new();
        let mut spliced = Vec::new();
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                parts.push(Part::Text(separator.clone()));
            }
            // An item of a list written elsewhere is named by its own text.
            self.splice_source(item, item.span, span, &mut spliced);
            parts.extend(parts_of(item));
        }
        let joined = join(parts, span);
        self.record_splice(&joined, spliced);
        Value::Data(joined)
    }

    /// Python `str.format` / `Output.format`: `{}`, `{0}`, `{name}`; `{{` and `}}` are braces.
    fn format(&mut self, format: &str, args: &Args, span: Span) -> Value {
        let mut parts = Vec::new();
        let mut spliced = Vec::new();
        let mut auto = 0;
        let mut text = String::new();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let field: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    if field.contains([':', '!', '.', '[']) {
                        parts.push(Part::Unknown(format!("the formatted field `{{{field}}}`")));
                        continue;
                    }
                    let value = if field.is_empty() {
                        auto += 1;
                        args.positional.get(auto - 1).cloned()
                    } else if let Ok(index) = field.parse::<usize>() {
                        args.positional.get(index).cloned()
                    } else {
                        args.keyword(&field).map(|(_, _, v, s)| (v.clone(), *s))
                    };
                    match value {
                        Some((value, s)) => {
                            let part = self.data(value, s);
                            self.splice_source(&part, s, span, &mut spliced);
                            parts.extend(parts_of(&part));
                        }
                        None => {
                            parts.push(Part::Unknown(format!("the field `{{{field}}}` with no argument")))
                        }
                    }
                }
                other => text.push(other),
            }
        }
        parts.push(Part::Text(text));
        let joined = join(parts, span);
        self.record_splice(&joined, spliced);
        Value::Data(joined)
    }

    fn builtin(&mut self, name: &str, args: Args, span: Span) -> Value {
        match name {
            "str" => match args.positional.into_iter().next() {
                Some((value, s)) => {
                    let node = self.data(value, s);
                    match node.kind {
                        NodeKind::Scalar(_) | NodeKind::Computed(_) => {
                            Value::Data(join(parts_of(&node), node.span))
                        }
                        _ => unknown("an object turned into text", span),
                    }
                }
                None => text_value("", span),
            },
            "dict" => {
                let mut entries: Vec<Entry> = Vec::new();
                if let Some((value, s)) = args.positional.into_iter().next() {
                    match self.data(value, s).kind {
                        NodeKind::Map(more) => entries.extend(more),
                        _ => return unknown("a `dict(...)` trustlint cannot read", span),
                    }
                }
                for (key, key_span, value, s) in args.keywords {
                    entries.push(Entry { key, key_span, value: self.data(value, s) });
                }
                Value::Data(Node { kind: NodeKind::Map(entries), span, tag: None })
            }
            "list" | "tuple" => match args.positional.into_iter().next() {
                Some((value, s)) => {
                    let node = self.data(value, s);
                    match node.kind {
                        NodeKind::Seq(_) => Value::Data(node),
                        _ => unknown("a `list(...)` trustlint cannot read", span),
                    }
                }
                None => Value::Data(Node { kind: NodeKind::Seq(Vec::new()), span, tag: None }),
            },
            _ => unknown(format!("the result of `{name}(...)`"), span),
        }
    }

    /// Calls into modules: Pulumi itself, provider SDKs (resources and invokes), JSON.
    fn call_module(&mut self, module: &ModuleRef, args: Args, span: Span, new: bool) -> Value {
        let path: Vec<&str> = module.path.iter().map(String::as_str).collect();
        match &module.origin {
            Origin::Pulumi => self.call_pulumi(&path, args, span),
            Origin::Json | Origin::JsObject => self.call_json(module, &path, args, span),
            Origin::Provider(package) => {
                let last = module.last();
                let is_class = last.chars().next().is_some_and(char::is_uppercase);
                if is_class && (last.ends_with("Args") || last.ends_with("ArgsDict")) {
                    return Value::Data(self.arguments_object(&args, span));
                }
                if is_class && (new || self.python()) {
                    return self.record_resource(package.clone(), module.path.clone(), args, span);
                }
                if is_class {
                    return unknown(format!("the result of `{}(...)`", module.written()), span);
                }
                // An invoke (`getPolicyDocument`, `get_policy_document_output`).
                let mut invoke_args = match args.positional.first() {
                    Some((value, s)) => self.data(value.clone(), *s),
                    None => Node { kind: NodeKind::Map(Vec::new()), span, tag: None },
                };
                if self.python() || !args.keywords.is_empty() {
                    invoke_args = self.arguments_object(&args, span);
                }
                match self.host.invoke(package, &module.path, &invoke_args, span) {
                    Some(result) => {
                        self.mark_json(&result);
                        Value::Data(result)
                    }
                    None => unknown(
                        format!(
                            "the result of `{}(...)`, which is only known at deploy time",
                            module.written()
                        ),
                        span,
                    ),
                }
            }
            Origin::External(name) => {
                // `require` itself is lowered to an import; anything else is a library call.
                derived(format!("the result of `{}(...)` from `{name}`", module.written()), &args, None, span)
            }
        }
    }

    fn call_json(&mut self, module: &ModuleRef, path: &[&str], args: Args, span: Span) -> Value {
        let first = args
            .positional
            .into_iter()
            .next()
            .or_else(|| args.keywords.into_iter().next().map(|(_, _, v, s)| (v, s)));
        match (module.origin.clone(), path) {
            (Origin::Json, ["stringify" | "dumps"]) => match first {
                Some((value, s)) => {
                    let node = self.data(value, s);
                    self.json_spans.insert(node.span);
                    Value::Data(node)
                }
                None => unknown("`JSON.stringify()` of nothing", span),
            },
            (Origin::Json, ["parse" | "loads"]) => match first {
                Some((value, s)) => self.parse_json_value(value, s, span),
                None => unknown("`JSON.parse()` of nothing", span),
            },
            (Origin::JsObject, ["assign"]) => unknown("the result of `Object.assign(...)`", span),
            (Origin::JsObject, ["entries" | "keys" | "values"]) => match first {
                Some((Value::Data(node), _)) if node.as_map().is_some() => {
                    let entries = node.as_map().unwrap_or_default();
                    let items = entries
                        .iter()
                        .map(|entry| {
                            let key = Node::scalar(entry.key.clone(), ScalarStyle::Quoted, entry.key_span);
                            match path[0] {
                                "keys" => key,
                                "values" => entry.value.clone(),
                                _ => Node {
                                    kind: NodeKind::Seq(vec![key, entry.value.clone()]),
                                    span: entry.value.span,
                                    tag: None,
                                },
                            }
                        })
                        .collect();
                    Value::Data(Node { kind: NodeKind::Seq(items), span, tag: None })
                }
                _ => unknown(format!("the result of `Object.{}(...)`", path[0]), span),
            },
            _ => unknown(format!("the result of `{}(...)`", module.written()), span),
        }
    }

    /// `JSON.parse("...")` of a known string: the parsed tree, at the string's span.
    fn parse_json_value(&mut self, value: Value, value_span: Span, span: Span) -> Value {
        let node = self.data(value, value_span);
        match known_text(&node) {
            Some(text) => match crate::parse_json(&text) {
                parsed if parsed.errors.is_empty() => match parsed.root {
                    Some(mut root) => {
                        respan(&mut root, node.span);
                        Value::Data(root)
                    }
                    None => unknown("`JSON.parse` of an empty string", span),
                },
                _ => unknown("`JSON.parse` of text that is not JSON", span),
            },
            None => match node.kind {
                NodeKind::Map(_) | NodeKind::Seq(_) => Value::Data(node),
                _ => unknown("`JSON.parse` of a value trustlint cannot read", span),
            },
        }
    }

    fn call_pulumi(&mut self, path: &[&str], args: Args, span: Span) -> Value {
        let last = path.last().copied().unwrap_or("");
        let first = args.positional.first().cloned();
        match last {
            // A template tag or concatenation: the parts joined.
            "interpolate" | "concat" => {
                let mut parts = Vec::new();
                let mut spliced = Vec::new();
                for (value, s) in args.positional {
                    let part = self.data(value, s);
                    self.splice_source(&part, s, span, &mut spliced);
                    parts.extend(parts_of(&part));
                }
                let joined = join(parts, span);
                self.record_splice(&joined, spliced);
                Value::Data(joined)
            }
            "format" => {
                let mut rest = Args { positional: args.positional.clone(), keywords: args.keywords.clone() };
                let Some((format, s)) = first else { return unknown("`Output.format()` of nothing", span) };
                rest.positional.remove(0);
                match known_text(&self.data(format, s)) {
                    Some(format) => self.format(&format, &rest, span),
                    None => unknown("an `Output.format` whose format trustlint cannot read", span),
                }
            }
            "all" => {
                if !self.python()
                    && args.positional.len() == 1
                    && let Some((value, s)) = args.positional.first()
                {
                    // TypeScript `pulumi.all([a, b])` / `pulumi.all({a, b})`.
                    return Value::Data(self.data(value.clone(), *s));
                }
                if !args.keywords.is_empty() {
                    return Value::Data(self.arguments_object(&args, span));
                }
                let items = args.positional.into_iter().map(|(v, s)| self.data(v, s)).collect();
                Value::Data(Node { kind: NodeKind::Seq(items), span, tag: None })
            }
            "output" | "Output" | "from_input" | "secret" | "unsecret" | "create" => match first {
                Some((value, _)) => value,
                None => unknown("an empty Output", span),
            },
            "jsonStringify" | "json_dumps" => match first {
                Some((value, s)) => {
                    let node = self.data(value, s);
                    self.json_spans.insert(node.span);
                    Value::Data(node)
                }
                None => unknown("`jsonStringify()` of nothing", span),
            },
            "jsonParse" | "json_loads" => match first {
                Some((value, s)) => self.parse_json_value(value, s, span),
                None => unknown("`jsonParse()` of nothing", span),
            },
            "Config" => {
                let namespace = first.and_then(|(value, s)| known_text(&self.data(value, s)));
                Value::Config { namespace }
            }
            "getStack" | "get_stack" => unknown("the stack name", span),
            "getProject" | "get_project" => unknown("the project name", span),
            "getOrganization" | "get_organization" => unknown("the organization name", span),
            "export" => Value::Data(null(span)),
            "ResourceOptions" | "CustomResourceOptions" | "ComponentResourceOptions" | "InvokeOptions" => {
                Value::Data(self.arguments_object(&args, span))
            }
            _ => unknown(format!("the result of `pulumi.{}(...)`", path.join(".")), span),
        }
    }

    fn config(&mut self, namespace: Option<String>, method: &str, args: &Args, span: Span) -> Value {
        let Some((key_value, key_span)) = args.get(0, "key") else {
            return unknown(format!("the result of `config.{method}()`"), span);
        };
        let key_node = self.data(key_value.clone(), key_span);
        let Some(key) = known_text(&key_node) else {
            return unknown("a configuration value whose key trustlint cannot read", span);
        };
        let (namespace, key) = match key.split_once(':') {
            Some((ns, k)) => (Some(ns.to_string()), k.to_string()),
            None => (namespace, key),
        };
        let written = match &namespace {
            Some(ns) => format!("{ns}:{key}"),
            None => key.clone(),
        };
        let required = method.starts_with("require");
        self.config_reads += 1;
        match self.host.config(namespace.as_deref(), &key) {
            ConfigLookup::Value { key, stack, value } => Value::Data(config_node(&value, &key, &stack, span)),
            ConfigLookup::Secret { key, stack } => {
                unknown(format!("the encrypted config `{key}` of stack `{stack}`"), span)
            }
            ConfigLookup::NotSet => {
                let why = format!("the config `{written}`, which no stack file in view sets");
                // Python `config.get("x", "default")`.
                if !required
                    && self.python()
                    && let Some((default, _)) = args.get(1, "default")
                {
                    return with_default_note(default.clone(), &written);
                }
                if required { unknown(why, span) } else { Value::Unset { key: written, why, span } }
            }
        }
    }

    /// A resource constructor: record it and return a handle.
    fn record_resource(&mut self, package: String, path: Vec<String>, args: Args, span: Span) -> Value {
        let label = format!("{}.{}", package, path.join("."));
        let (name_value, name_span) = match args.get(0, "resource_name") {
            Some((value, s)) => (value.clone(), s),
            None => (unknown("a resource with no name", span), span),
        };
        let mut name = self.data(name_value, name_span);
        let mut properties = Node { kind: NodeKind::Map(Vec::new()), span, tag: None };
        let mut properties_unknown = None;
        let explicit = if self.python() {
            args.keyword("args")
                .map(|(_, _, v, s)| (v.clone(), *s))
                .or_else(|| args.positional.get(1).cloned())
        } else {
            args.positional.get(1).cloned()
        };
        if let Some((value, s)) = explicit {
            let node = self.data(value, s);
            match node.kind {
                NodeKind::Map(_) => properties = node,
                NodeKind::Scalar(_) if node.is_null() => {}
                _ => {
                    properties_unknown = Some(match node.as_computed() {
                        Some([Part::Unknown(why) | Part::Derived { why, .. }]) => why.clone(),
                        _ => "an arguments value trustlint cannot read".to_string(),
                    });
                    properties.span = s;
                }
            }
        }
        if self.python() {
            let mut extra = Vec::new();
            for (key, key_span, value, s) in &args.keywords {
                if matches!(key.as_str(), "resource_name" | "opts" | "args") {
                    continue;
                }
                extra.push(Entry {
                    key: key.clone(),
                    key_span: *key_span,
                    value: self.data(value.clone(), *s),
                });
            }
            if let NodeKind::Map(entries) = &mut properties.kind {
                entries.extend(extra);
            }
            self.normalize_keys(&mut properties);
        }
        let mut resource = ResourceCall {
            package,
            path,
            name_text: display(&name),
            name: name.clone(),
            properties,
            properties_unknown,
            variable: None,
            span,
            name_span,
        };
        if let Some(target) = self.respan {
            respan(&mut name, target);
            resource.name = name;
            respan(&mut resource.properties, target);
            resource.span = target;
            resource.name_span = target;
        }
        if !self.record {
            return unknown(format!("a {label} declared in a sibling module"), span);
        }
        self.resources.push(resource);
        Value::Resource(self.resources.len() - 1)
    }

    /// Python keyword arguments (and `Args(...)` objects) as a map.
    fn arguments_object(&mut self, args: &Args, span: Span) -> Node {
        let mut entries = Vec::new();
        if !self.python()
            && let Some((value, s)) = args.positional.first()
        {
            return self.data(value.clone(), *s);
        }
        for (key, key_span, value, s) in &args.keywords {
            if key == "opts" {
                continue;
            }
            entries.push(Entry {
                key: key.clone(),
                key_span: *key_span,
                value: self.data(value.clone(), *s),
            });
        }
        let mut node = Node { kind: NodeKind::Map(entries), span, tag: None };
        self.normalize_keys(&mut node);
        node
    }

    /// camelCase the keys of Python argument maps, except inside values serialized to JSON.
    fn normalize_keys(&self, node: &mut Node) {
        if self.json_spans.contains(&node.span) {
            return;
        }
        match &mut node.kind {
            NodeKind::Map(entries) => {
                for entry in entries {
                    entry.key = camel_case(&entry.key);
                    self.normalize_keys(&mut entry.value);
                }
            }
            NodeKind::Seq(items) => items.iter_mut().for_each(|item| self.normalize_keys(item)),
            NodeKind::Scalar(_) | NodeKind::Computed(_) => {}
        }
    }

    fn mark_json(&mut self, node: &Node) {
        if let Some(entries) = node.as_map() {
            for entry in entries {
                if entry.key.to_ascii_lowercase().contains("json") {
                    self.json_spans.insert(entry.value.span);
                }
            }
        }
    }

    /// A value as data, at `span` when it has no span of its own.
    pub(super) fn data(&mut self, value: Value, span: Span) -> Node {
        match value {
            Value::Data(node) => node,
            Value::Unset { why, span: s, .. } => Node::unknown(why, s),
            Value::Resource(index) => {
                let resource = self.resources.get(index).map(|r| r.name_text.clone()).unwrap_or_default();
                Node::computed(vec![Part::Ref { resource, output: String::new() }], span)
            }
            Value::Module(module) => match &module.origin {
                Origin::Provider(package) => match self.host.constant(package, &module.path) {
                    Some(text) => Node::scalar(text, ScalarStyle::Quoted, span),
                    None => {
                        Node::unknown(format!("`{}`, which trustlint does not know", module.written()), span)
                    }
                },
                _ => Node::unknown(format!("`{}`", module.written()), span),
            },
            Value::Function(..) | Value::Class(_) | Value::Builtin(_) => Node::unknown("a function", span),
            Value::Instance(_) => Node::unknown("an object instance", span),
            Value::Config { .. } => Node::unknown("a configuration object", span),
        }
    }
}

impl ResourceCall {
    fn label(&self) -> String {
        format!("{}.{} \"{}\"", self.package, self.path.join("."), self.name_text)
    }
}

/// The result of a call trustlint cannot follow (a helper it cannot load, a library function):
/// Unknown, remembering the resource outputs its receiver and arguments were computed from.
fn derived(why: impl Into<String>, args: &Args, receiver: Option<&Node>, span: Span) -> Value {
    let mut from = Vec::new();
    let arguments = args
        .positional
        .iter()
        .map(|(value, _)| value)
        .chain(args.keywords.iter().map(|(_, _, value, _)| value));
    for value in arguments {
        if let Value::Data(node) = value {
            outputs_in(node, &mut from);
        }
    }
    if let Some(receiver) = receiver {
        outputs_in(receiver, &mut from);
    }
    if from.is_empty() {
        return unknown(why, span);
    }
    Value::Data(Node::computed(vec![Part::Derived { why: why.into(), from }], span))
}

/// The resource outputs a value reads or was derived from, as (logical name, output), each once.
fn outputs_in(node: &Node, out: &mut Vec<(String, String)>) {
    let mut add = |resource: &String, output: &String| {
        if !out.iter().any(|(r, o)| r == resource && o == output) {
            out.push((resource.clone(), output.clone()));
        }
    };
    match &node.kind {
        NodeKind::Computed(parts) => {
            for part in parts {
                match part {
                    Part::Ref { resource, output } => add(resource, output),
                    Part::Derived { from, .. } => {
                        from.iter().for_each(|(resource, output)| add(resource, output))
                    }
                    Part::Text(_) | Part::Unknown(_) | Part::Config { .. } => {}
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|item| outputs_in(item, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|entry| outputs_in(&entry.value, out)),
        NodeKind::Scalar(_) => {}
    }
}

/// A stack configuration value as program data: every leaf is known only for that stack, and
/// every span is the configuration read (the stack file is another file); each leaf remembers
/// where the stack file writes it.
fn config_node(value: &Node, key: &str, stack: &str, span: Span) -> Node {
    match &value.kind {
        NodeKind::Scalar(scalar) => Node::computed(
            vec![Part::Config {
                key: key.to_string(),
                stack: stack.to_string(),
                value: scalar.value.clone(),
                at: Some(value.span),
            }],
            span,
        ),
        NodeKind::Seq(items) => Node {
            kind: NodeKind::Seq(items.iter().map(|item| config_node(item, key, stack, span)).collect()),
            span,
            tag: None,
        },
        NodeKind::Map(entries) => Node {
            kind: NodeKind::Map(
                entries
                    .iter()
                    .map(|entry| Entry {
                        key: entry.key.clone(),
                        key_span: span,
                        value: config_node(&entry.value, &format!("{key}.{}", entry.key), stack, span),
                    })
                    .collect(),
            ),
            span,
            tag: None,
        },
        NodeKind::Computed(_) => Node::unknown(format!("the config `{key}`"), span),
    }
}
