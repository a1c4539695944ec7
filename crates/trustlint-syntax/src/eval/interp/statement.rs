//! Statements: blocks, control flow and loops, imports and sibling modules, destructuring, and
//! assignments into members of known values.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use trustlint_core::Span;

use crate::eval::ast::{Expr, ImportBinding, Pattern, Stmt};
use crate::eval::text::{known_text, respan};
use crate::tree::{Entry, Node, NodeKind, Part};

use super::{
    ClassDef, Closure, Flow, ForeignValue, FrameKind, Interp, MAX_UNROLL, ModuleRef, Origin, Value,
    foreign_span, null, text_value, unknown, value_span,
};

impl Interp<'_> {
    pub(super) fn exec_block(&mut self, stmts: &[Stmt]) -> Flow {
        // Function and class declarations are visible in the whole block (JavaScript hoists
        // them; in Python they are defined before anything calls them at run time).
        for stmt in stmts {
            match stmt {
                Stmt::Function(function) => {
                    if let Some(name) = &function.name {
                        let value = Value::Function(function.clone(), self.closure());
                        if self.frames.len() == 1 {
                            self.declared.push(value.clone());
                        }
                        self.declare(name, value);
                    }
                }
                Stmt::Class { name, methods, fields, .. } => {
                    let class = Rc::new(ClassDef {
                        name: name.clone(),
                        methods: methods.clone(),
                        fields: fields.clone(),
                        closure: self.closure(),
                    });
                    if self.frames.len() == 1 {
                        self.declared.push(Value::Class(class.clone()));
                    }
                    self.declare(name, Value::Class(class));
                }
                _ => {}
            }
        }
        for stmt in stmts {
            if let Flow::Return(value) = self.exec(stmt) {
                return Flow::Return(value);
            }
        }
        Flow::Normal
    }

    pub(super) fn closure(&self) -> Closure {
        Closure::Local(self.frames.len())
    }

    fn exec(&mut self, stmt: &Stmt) -> Flow {
        match stmt {
            Stmt::Import { module, bindings, span } => self.import(module, bindings, *span),
            Stmt::Let { pattern, value, span, declares } => {
                let value = match value {
                    Some(expr) => self.eval(expr),
                    None => Value::Data(null(*span)),
                };
                if let (Pattern::Name(name, _), Value::Resource(index)) = (pattern, &value)
                    && let Some(resource) = self.resources.get_mut(*index)
                    && resource.variable.is_none()
                {
                    resource.variable = Some(name.clone());
                }
                // A top-level arrow function is a helper like a function declaration.
                if self.frames.len() == 1 && matches!(value, Value::Function(..)) {
                    self.declared.push(value.clone());
                }
                self.bind(pattern, value, *declares);
            }
            Stmt::AssignMember { target, value, span } => {
                let value = self.eval(value);
                self.assign_member(target, value, *span);
            }
            Stmt::AugAssign { target, value, span } => {
                let current = self.eval(target);
                let added = self.eval(value);
                let sum = self.add(current, added, *span);
                match target {
                    Expr::Name(name, _) => self.assign(name, sum),
                    _ => self.assign_member(target, sum, *span),
                }
            }
            Stmt::Function(_) | Stmt::Class { .. } => {}
            Stmt::Return(value, span) => {
                let value = match value {
                    Some(expr) => self.eval(expr),
                    None => Value::Data(null(*span)),
                };
                return Flow::Return(value);
            }
            Stmt::Expr(expr) => {
                if !self.mutating_call(expr) {
                    self.eval(expr);
                }
            }
            Stmt::Conditional(branches) => {
                let mut returned = Vec::new();
                for branch in branches {
                    self.push(FrameKind::Conditional);
                    if let Flow::Return(value) = self.exec_block(branch) {
                        returned.push(value);
                    }
                    self.pop();
                }
                if !returned.is_empty() && returned.len() == branches.len() {
                    let span = returned.first().map(value_span).unwrap_or_default();
                    let merged = if returned.len() == 1 {
                        returned.pop().unwrap_or_else(|| Value::Data(null(span)))
                    } else {
                        unknown("a value returned from one of several branches", span)
                    };
                    return Flow::Return(merged);
                }
                if let Some(pending) = self.pending_returns.last_mut() {
                    pending.extend(returned);
                }
            }
            Stmt::Loop { pattern, iterable, body } => {
                let items = iterable.as_ref().map(|expr| self.eval(expr));
                let span = iterable.as_ref().map(Expr::span).unwrap_or_default();
                let unrolled: Option<Vec<Value>> = match &items {
                    Some(Value::Data(node)) => match &node.kind {
                        NodeKind::Seq(items) if items.len() <= MAX_UNROLL => {
                            Some(items.iter().cloned().map(Value::Data).collect())
                        }
                        NodeKind::Map(entries) if self.python() && entries.len() <= MAX_UNROLL => {
                            Some(entries.iter().map(|e| text_value(e.key.clone(), e.key_span)).collect())
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let passes = unrolled
                    .unwrap_or_else(|| vec![unknown("an item of a list trustlint cannot read", span)]);
                for item in passes {
                    self.push(FrameKind::Conditional);
                    if let Some(pattern) = pattern {
                        self.bind(pattern, item, true);
                    }
                    let flow = self.exec_block(body);
                    self.pop();
                    if let Flow::Return(value) = flow
                        && let Some(pending) = self.pending_returns.last_mut()
                    {
                        pending.push(value);
                    }
                }
            }
            Stmt::Block(stmts) => {
                if self.python() {
                    return self.exec_block(stmts);
                }
                self.push(FrameKind::Block);
                let flow = self.exec_block(stmts);
                self.pop();
                return flow;
            }
        }
        Flow::Normal
    }

    fn import(&mut self, module: &str, bindings: &[ImportBinding], span: Span) {
        let origin = origin_of(module, self.python());
        for binding in bindings {
            match binding {
                ImportBinding::Namespace { local } | ImportBinding::TopPackage { local } => {
                    let value = match &origin {
                        Some((origin, path)) => {
                            Value::Module(ModuleRef { origin: origin.clone(), path: path.clone() })
                        }
                        None => match self.sibling(module, span) {
                            Some(exports) => Value::Instance(Rc::new(RefCell::new(
                                exports.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                            ))),
                            None => Value::Module(ModuleRef {
                                origin: Origin::External(module.to_string()),
                                path: Vec::new(),
                            }),
                        },
                    };
                    self.declare(local, value);
                }
                ImportBinding::Named { local, imported } => {
                    let value = match &origin {
                        Some((origin, path)) => {
                            let mut path = path.clone();
                            path.extend(imported.split('.').map(str::to_string));
                            Value::Module(ModuleRef { origin: origin.clone(), path })
                        }
                        None => match self
                            .sibling(module, span)
                            .and_then(|exports| exports.get(imported).cloned())
                        {
                            Some(value) => value,
                            None => unknown(format!("`{imported}` imported from `{module}`"), span),
                        },
                    };
                    self.declare(local, value);
                }
            }
        }
    }

    /// The top-level names of a sibling module, evaluated on their own.
    fn sibling(&mut self, module: &str, import: Span) -> Option<Rc<HashMap<String, Value>>> {
        if !self.record {
            return None; // only one level of sibling modules
        }
        if let Some(cached) = self.modules.get(module) {
            return cached.clone();
        }
        let exports = self.load_sibling(module, import);
        self.modules.insert(module.to_string(), exports.clone());
        exports
    }

    fn load_sibling(&mut self, module: &str, import: Span) -> Option<Rc<HashMap<String, Value>>> {
        let candidates = sibling_candidates(module, self.python());
        let (path, parsed) = candidates
            .iter()
            .find_map(|path| Some((path.clone(), self.host.load_module(path, self.language)?)))?;
        if !parsed.errors.is_empty() {
            return None;
        }
        // A limit met in the module (nesting too deep) makes part of what it exports Unknown:
        // said at the import, since the module's own text is not reported on here.
        self.notes.extend(parsed.notes.iter().map(|note| crate::SyntaxError {
            span: import,
            message: format!("in module `{module}`: {}", note.message),
        }));
        let mut inner = Interp::new(self.language, self.host, false);
        inner.run_module(&parsed.module);
        let globals = inner.frames.into_iter().next()?.vars;
        let shared = Rc::new(globals);
        // Spans of the sibling's values point into another file: mark them, so each use is
        // given the span of the name that uses it and remembers where the module defines it
        // (see `read_sibling_value`). Functions of the module see its names when called from here.
        let mut names: Vec<&String> = shared.keys().collect();
        names.sort(); // the order of `foreign` entries stays the same from run to run
        let mut exports = HashMap::with_capacity(names.len());
        for name in names {
            let value = match &shared[name] {
                Value::Function(function, _) => {
                    Value::Function(function.clone(), Closure::Foreign(shared.clone()))
                }
                Value::Data(node) => {
                    let mut node = node.clone();
                    // A map or list keeps its spans in the module, for its members' uses.
                    let original =
                        matches!(node.kind, NodeKind::Map(_) | NodeKind::Seq(_)).then(|| node.clone());
                    self.foreign.push(ForeignValue {
                        module: path.clone(),
                        name: name.clone(),
                        original,
                        span: node.span,
                    });
                    respan(&mut node, foreign_span(self.foreign.len() - 1));
                    Value::Data(node)
                }
                other => other.clone(),
            };
            exports.insert(name.clone(), value);
        }
        Some(Rc::new(exports))
    }

    /// Bind a pattern to a value.
    pub(super) fn bind(&mut self, pattern: &Pattern, value: Value, declares: bool) {
        match pattern {
            Pattern::Name(name, _) => {
                if declares {
                    self.declare(name, value);
                } else {
                    self.assign(name, value);
                }
            }
            Pattern::Ignore => {}
            Pattern::Default(inner, default) => {
                let absent = match &value {
                    Value::Data(node) => node.is_null(),
                    Value::Unset { .. } => true,
                    _ => false,
                };
                let value = if absent { self.eval(default) } else { value };
                self.bind(inner, value, declares);
            }
            Pattern::Rest(inner) => self.bind(inner, value, declares),
            Pattern::Array(items) => {
                let span = value_span(&value);
                let known: Option<Vec<Node>> = match &value {
                    Value::Data(node) => node.as_seq().map(<[Node]>::to_vec),
                    _ => None,
                };
                for (index, item) in items.iter().enumerate() {
                    let Some(item) = item else { continue };
                    let element = match (&known, item) {
                        (Some(nodes), Pattern::Rest(_)) => {
                            let rest = nodes.get(index..).unwrap_or_default().to_vec();
                            Value::Data(Node { kind: NodeKind::Seq(rest), span, tag: None })
                        }
                        (Some(nodes), _) => match nodes.get(index) {
                            Some(node) => Value::Data(node.clone()),
                            None => Value::Data(null(span)),
                        },
                        (None, _) => element_of(&value, index, span),
                    };
                    self.bind(item, element, declares);
                }
            }
            Pattern::Object(props) => {
                let span = value_span(&value);
                for (key, item) in props {
                    let element = match (&value, item) {
                        (_, Pattern::Rest(_)) => unknown("the rest of an object", span),
                        _ => self.member(value.clone(), key, span),
                    };
                    self.bind(item, element, declares);
                }
            }
        }
    }

    /// `a.b.c = v`, `a["b"] = v`, `self.x = v`.
    fn assign_member(&mut self, target: &Expr, value: Value, span: Span) {
        let mut path = Vec::new();
        let mut root = target;
        loop {
            match root {
                Expr::Member { object, name, .. } => {
                    path.push(text_value(name.clone(), span));
                    root = object;
                }
                Expr::Index { object, index, .. } => {
                    let index = self.eval(index);
                    path.push(index);
                    root = object;
                }
                _ => break,
            }
        }
        path.reverse();
        let root_name = match root {
            Expr::Name(name, _) => name.clone(),
            Expr::This(_) => if self.python() { "self" } else { "this" }.to_string(),
            _ => return,
        };
        let Some(current) = self.lookup(&root_name).cloned() else { return };
        match current {
            Value::Instance(attributes) => {
                let Some((first, rest)) = path.split_first() else { return };
                let Some(key) = value_key(first) else { return };
                let existing =
                    attributes.borrow().iter().rev().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
                let updated = if rest.is_empty() {
                    value
                } else {
                    match existing {
                        Some(Value::Data(mut node)) => match set_path(&mut node, rest, value, span) {
                            true => Value::Data(node),
                            false => {
                                unknown(format!("`{key}`, changed in a way trustlint does not follow"), span)
                            }
                        },
                        _ => return,
                    }
                };
                if let (Value::Resource(index), true) = (&updated, rest.is_empty())
                    && let Some(resource) = self.resources.get_mut(*index)
                    && resource.variable.is_none()
                {
                    resource.variable = Some(format!("{root_name}.{key}"));
                }
                let mut attributes = attributes.borrow_mut();
                attributes.retain(|(k, _)| *k != key);
                attributes.push((key, updated));
            }
            Value::Data(mut node) => {
                let updated = if set_path(&mut node, &path, value, span) {
                    Value::Data(node)
                } else {
                    unknown(format!("`{root_name}`, changed in a way trustlint does not follow"), span)
                };
                self.assign(&root_name, updated);
            }
            _ => {}
        }
    }

    /// `list.push(x)`, `list.append(x)`, `list.extend(xs)`, `dict.update(d)` on a variable:
    /// applied to the variable's value. Returns false when the statement is something else.
    fn mutating_call(&mut self, expr: &Expr) -> bool {
        let Expr::Call { callee, args, span, .. } = expr else { return false };
        let Expr::Member { object, name, .. } = callee.as_ref() else { return false };
        if !matches!(name.as_str(), "push" | "append" | "extend" | "update" | "unshift" | "insert") {
            return false;
        }
        let Expr::Name(variable, _) = object.as_ref() else { return false };
        let Some(Value::Data(node)) = self.lookup(variable).cloned() else { return false };
        let evaluated = self.eval_args(args);
        let values: Vec<Node> =
            evaluated.positional.iter().map(|(value, span)| self.data(value.clone(), *span)).collect();
        let mut node = node;
        let applied = match (&mut node.kind, name.as_str()) {
            (NodeKind::Seq(items), "push" | "append") => {
                items.extend(values);
                true
            }
            (NodeKind::Seq(items), "extend") => match values.first().and_then(Node::as_seq) {
                Some(more) => {
                    items.extend(more.iter().cloned());
                    true
                }
                None => false,
            },
            (NodeKind::Map(entries), "update") => match values.first().and_then(Node::as_map) {
                Some(more) => {
                    entries.extend(more.iter().cloned());
                    true
                }
                None => false,
            },
            _ => false,
        };
        let value = if applied {
            Value::Data(node)
        } else {
            unknown(format!("`{variable}`, changed by `.{name}(...)`"), *span)
        };
        self.assign(variable, value);
        true
    }
}

/// The files, relative to the program's folder, that an import of `module` may load as a sibling
/// module, in the order they are tried (empty: not a sibling import). Python `constants` or
/// `.pkg.mod` -> `constants.py`, `constants/__init__.py`; TypeScript `./lib/roles` ->
/// `lib/roles`, `lib/roles.ts`, ... `lib/roles/index.js`.
pub fn sibling_candidates(module: &str, python: bool) -> Vec<String> {
    if python {
        let relative = module.trim_start_matches('.').replace('.', "/");
        if relative.is_empty() {
            return Vec::new();
        }
        return vec![format!("{relative}.py"), format!("{relative}/__init__.py")];
    }
    let Some(relative) = module.strip_prefix("./") else { return Vec::new() };
    let stem = relative
        .strip_suffix(".js")
        .or_else(|| relative.strip_suffix(".mjs"))
        .or_else(|| relative.strip_suffix(".cjs"))
        .unwrap_or(relative);
    let mut candidates = vec![relative.to_string()];
    for extension in [".ts", ".tsx", ".js", ".mjs", ".cjs", "/index.ts", "/index.js"] {
        candidates.push(format!("{stem}{extension}"));
    }
    candidates
}

/// Where an import comes from: Pulumi, a provider SDK (with the path inside it), JSON, or
/// `None` for a relative module that may be a sibling.
fn origin_of(module: &str, python: bool) -> Option<(Origin, Vec<String>)> {
    if python {
        let mut segments = module.split('.');
        let top = segments.next().unwrap_or("");
        let rest: Vec<String> = segments.map(str::to_string).collect();
        return match top {
            "" => None, // `from . import x`, `from .constants import x`
            "pulumi" => Some((Origin::Pulumi, rest)),
            "json" => Some((Origin::Json, rest)),
            _ if top.starts_with("pulumi_") => {
                Some((Origin::Provider(top.trim_start_matches("pulumi_").replace('_', "-")), rest))
            }
            _ if KNOWN_PYTHON_LIBRARIES.contains(&top) => {
                Some((Origin::External(module.to_string()), Vec::new()))
            }
            _ => None,
        };
    }
    if module.starts_with('.') {
        return None;
    }
    if module == "@pulumi/pulumi" || module.starts_with("@pulumi/pulumi/") {
        return Some((Origin::Pulumi, Vec::new()));
    }
    if let Some(rest) = module.strip_prefix("@pulumi/") {
        let mut segments = rest.split('/');
        let package = segments.next().unwrap_or("").to_string();
        let path = segments.filter(|s| !s.is_empty()).map(str::to_string).collect();
        return Some((Origin::Provider(package), path));
    }
    Some((Origin::External(module.to_string()), Vec::new()))
}

/// Standard-library modules that are never siblings.
const KNOWN_PYTHON_LIBRARIES: &[&str] = &[
    "os",
    "sys",
    "typing",
    "base64",
    "hashlib",
    "pathlib",
    "re",
    "datetime",
    "dataclasses",
    "enum",
    "collections",
];

/// Item `index` of a value that is not a known list (an Output of a tuple, a reference).
fn element_of(value: &Value, index: usize, span: Span) -> Value {
    match value {
        Value::Data(node) => match node.as_computed() {
            Some([Part::Ref { resource, output }]) => Value::Data(Node::computed(
                vec![Part::Ref { resource: resource.clone(), output: format!("{output}[{index}]") }],
                span,
            )),
            Some([Part::Unknown(why)]) => unknown(why.clone(), span),
            // An item of a derived value is derived from the same outputs.
            Some([derived @ Part::Derived { .. }]) => {
                Value::Data(Node::computed(vec![derived.clone()], span))
            }
            _ => unknown(format!("item {index} of a value trustlint cannot read"), span),
        },
        _ => unknown(format!("item {index} of a value trustlint cannot read"), span),
    }
}

/// The text key a value names (`x.name`, `x["name"]`).
fn value_key(value: &Value) -> Option<String> {
    match value {
        Value::Data(node) => known_text(node),
        _ => None,
    }
}

/// Set `node[path...] = value`; false when the path does not lead into known maps/lists.
fn set_path(node: &mut Node, path: &[Value], value: Value, span: Span) -> bool {
    let Some((first, rest)) = path.split_first() else { return false };
    let Some(key) = value_key(first) else { return false };
    match &mut node.kind {
        NodeKind::Map(entries) => {
            let position = entries.iter().rposition(|e| e.key == key);
            if rest.is_empty() {
                let Value::Data(new) = value else { return false };
                match position {
                    Some(i) => entries[i].value = new,
                    None => entries.push(Entry { key, key_span: span, value: new }),
                }
                return true;
            }
            match position {
                Some(i) => set_path(&mut entries[i].value, rest, value, span),
                None => false,
            }
        }
        NodeKind::Seq(items) => {
            let Ok(index) = key.parse::<usize>() else { return false };
            let Some(item) = items.get_mut(index) else { return false };
            if rest.is_empty() {
                let Value::Data(new) = value else { return false };
                *item = new;
                return true;
            }
            set_path(item, rest, value, span)
        }
        _ => false,
    }
}
