//! The interpreter: runs a lowered module statement by statement with scopes, records resource
//! constructor calls, and turns every value it cannot know into an Unknown part with a reason.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use trustlint_core::Span;

use super::ast::{
    Arg, BinaryOp, Body, Expr, Function, ImportBinding, Item, Module, ParamKind, Pattern, Prop, Stmt,
    TemplatePart,
};
use super::text::{camel_case, display, join, known_text, parts_of, respan};
use super::{ConfigLookup, Evaluated, Host, ResourceCall, SourceLanguage};
use crate::tree::{Entry, Node, NodeKind, Part, ScalarStyle};

/// Expression evaluations allowed per program; beyond this everything is Unknown (a generated
/// program of thousands of resources stays well under it).
const MAX_STEPS: usize = 2_000_000;
/// Nested helper calls inlined at most this deep.
const MAX_CALL_DEPTH: usize = 12;
/// Known lists longer than this are not unrolled in loops.
const MAX_UNROLL: usize = 64;

/// Evaluate a program's text.
pub fn evaluate(text: &str, language: SourceLanguage, host: &dyn Host) -> Evaluated {
    let parsed = parse_program(text, language);
    let mut evaluated = evaluate_parsed(&parsed, host);
    evaluated.comments = parsed.comments;
    evaluated.errors = parsed.errors;
    evaluated.notes = parsed.notes;
    evaluated
}

/// A program parsed and lowered once, to be evaluated once per stack.
#[derive(Debug)]
pub struct ParsedProgram {
    module: Module,
    language: SourceLanguage,
    pub comments: Vec<crate::Comment>,
    pub errors: Vec<crate::SyntaxError>,
    /// Limits hit while lowering; unlike errors they do not stop evaluation.
    pub notes: Vec<crate::SyntaxError>,
}

pub fn parse_program(text: &str, language: SourceLanguage) -> ParsedProgram {
    let (module, comments, errors, notes) = parse(text, language);
    ParsedProgram { module, language, comments, errors, notes }
}

/// Evaluate a parsed program (nothing when it has syntax errors). The result's `comments` and
/// `errors` are left empty: they belong to the parse.
pub fn evaluate_parsed(parsed: &ParsedProgram, host: &dyn Host) -> Evaluated {
    if !parsed.errors.is_empty() {
        return Evaluated::default();
    }
    let mut interp = Interp::new(parsed.language, host, true);
    interp.run_module(&parsed.module);
    interp.run_uncalled();
    Evaluated { resources: interp.resources, config_reads: interp.config_reads, ..Evaluated::default() }
}

type Lowered = (Module, Vec<crate::Comment>, Vec<crate::SyntaxError>, Vec<crate::SyntaxError>);

fn parse(text: &str, language: SourceLanguage) -> Lowered {
    match language {
        SourceLanguage::TypeScript { jsx } => {
            let parsed = crate::typescript::parse_typescript(text, jsx);
            (parsed.module, parsed.comments, parsed.errors, parsed.notes)
        }
        SourceLanguage::Python => {
            let parsed = crate::python::parse_python(text);
            (parsed.module, parsed.comments, parsed.errors, parsed.notes)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    /// `@pulumi/pulumi`, `pulumi`.
    Pulumi,
    /// A provider SDK: `aws`, `gcp`, `azure-native`.
    Provider(String),
    /// `JSON` (JavaScript global) and Python's `json`.
    Json,
    /// JavaScript `Object`.
    JsObject,
    /// A module the evaluator does not model (`fs`, `os`, a package).
    External(String),
}

#[derive(Clone, Debug)]
struct ModuleRef {
    origin: Origin,
    path: Vec<String>,
}

impl ModuleRef {
    fn with(&self, name: &str) -> ModuleRef {
        let mut path = self.path.clone();
        path.push(name.to_string());
        ModuleRef { origin: self.origin.clone(), path }
    }

    /// `aws.iam.Role` as written in messages.
    fn written(&self) -> String {
        let root = match &self.origin {
            Origin::Pulumi => "pulumi".to_string(),
            Origin::Provider(package) => package.clone(),
            Origin::Json => "json".to_string(),
            Origin::JsObject => "Object".to_string(),
            Origin::External(module) => module.clone(),
        };
        std::iter::once(root).chain(self.path.iter().cloned()).collect::<Vec<_>>().join(".")
    }

    fn last(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }
}

#[derive(Clone, Debug)]
enum Closure {
    /// Sees the first `n` frames of the current stack.
    Local(usize),
    /// A function of a sibling module: sees that module's names.
    Foreign(Rc<HashMap<String, Value>>),
}

#[derive(Debug)]
struct ClassDef {
    name: String,
    methods: Vec<Rc<Function>>,
    fields: Vec<(String, Expr)>,
    closure: Closure,
}

type Attributes = Rc<RefCell<Vec<(String, Value)>>>;

#[derive(Clone, Debug)]
enum Value {
    Data(Node),
    /// A configuration read that no stack in view answers: Unknown, except that a default
    /// (`config.get("x") ?? "d"`, `config.get("x") or "d"`) then applies.
    Unset {
        key: String,
        why: String,
        span: Span,
    },
    Resource(usize),
    Module(ModuleRef),
    Function(Rc<Function>, Closure),
    Class(Rc<ClassDef>),
    Instance(Attributes),
    Config {
        namespace: Option<String>,
    },
    /// Python `str`, `dict`, `list`; JavaScript `String`.
    Builtin(&'static str),
}

enum Flow {
    Normal,
    Return(Value),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Global,
    Function,
    Block,
    /// A block that may not run, or may run many times: outer variables assigned inside become
    /// Unknown after it.
    Conditional,
}

struct Frame {
    vars: HashMap<String, Value>,
    kind: FrameKind,
    /// Names of outer variables assigned (or, in Python, first assigned) inside this frame.
    tainted: Vec<String>,
}

impl Frame {
    fn new(kind: FrameKind) -> Frame {
        Frame { vars: HashMap::new(), kind, tainted: Vec::new() }
    }
}

/// Evaluated call arguments.
#[derive(Default)]
struct Args {
    positional: Vec<(Value, Span)>,
    keywords: Vec<(String, Span, Value, Span)>,
}

impl Args {
    fn keyword(&self, name: &str) -> Option<&(String, Span, Value, Span)> {
        self.keywords.iter().find(|(key, ..)| key == name)
    }

    /// Positional argument `index`, or keyword `name`.
    fn get(&self, index: usize, name: &str) -> Option<(&Value, Span)> {
        self.positional
            .get(index)
            .map(|(v, s)| (v, *s))
            .or_else(|| self.keyword(name).map(|(_, _, v, s)| (v, *s)))
    }
}

struct Interp<'h> {
    language: SourceLanguage,
    host: &'h dyn Host,
    /// Record resources (false while reading a sibling module for its constants).
    record: bool,
    frames: Vec<Frame>,
    resources: Vec<ResourceCall>,
    /// Spans of values serialized to JSON: their keys are never camelCased.
    json_spans: HashSet<Span>,
    steps: usize,
    call_depth: usize,
    /// Functions inlined at least once (by address), so the rest can be read once afterwards.
    called: HashSet<usize>,
    /// Functions and classes declared at module level, for the pass over uncalled ones.
    declared: Vec<Value>,
    /// While inside a sibling module's function, every span is moved here (the call).
    respan: Option<Span>,
    modules: HashMap<String, Option<Rc<HashMap<String, Value>>>>,
    config_reads: usize,
    /// Returns seen inside conditional blocks of each active call.
    pending_returns: Vec<Vec<Value>>,
}

/// The span given to values of sibling modules until they are used (see `from_sibling`).
const FOREIGN: Span = Span::new(usize::MAX, usize::MAX);

/// A value read through a name: values of sibling modules take the span of their use.
fn from_sibling(mut value: Value, span: Span) -> Value {
    if let Value::Data(node) = &mut value
        && node.span == FOREIGN
    {
        respan(node, span);
    }
    value
}

fn null(span: Span) -> Node {
    Node::scalar("null", ScalarStyle::Plain, span)
}

fn unknown(why: impl Into<String>, span: Span) -> Value {
    Value::Data(Node::unknown(why, span))
}

fn text_value(text: impl Into<String>, span: Span) -> Value {
    Value::Data(Node::scalar(text, ScalarStyle::Quoted, span))
}

impl<'h> Interp<'h> {
    fn new(language: SourceLanguage, host: &'h dyn Host, record: bool) -> Interp<'h> {
        let mut globals = Frame::new(FrameKind::Global);
        if matches!(language, SourceLanguage::TypeScript { .. }) {
            globals
                .vars
                .insert("JSON".into(), Value::Module(ModuleRef { origin: Origin::Json, path: Vec::new() }));
            globals.vars.insert(
                "Object".into(),
                Value::Module(ModuleRef { origin: Origin::JsObject, path: Vec::new() }),
            );
            globals.vars.insert("String".into(), Value::Builtin("str"));
            // SST v3 programs (`sst.config.ts` and the modules it loads) get these as globals,
            // without imports. A file that imports or declares the name shadows them.
            let pulumi =
                |name: &str| Value::Module(ModuleRef { origin: Origin::Pulumi, path: vec![name.into()] });
            globals.vars.insert(
                "aws".into(),
                Value::Module(ModuleRef { origin: Origin::Provider("aws".into()), path: Vec::new() }),
            );
            globals.vars.insert("$interpolate".into(), pulumi("interpolate"));
            globals.vars.insert("$concat".into(), pulumi("concat"));
            globals.vars.insert("$output".into(), pulumi("output"));
            globals.vars.insert("$resolve".into(), pulumi("all"));
            globals.vars.insert(
                "$jsonStringify".into(),
                Value::Module(ModuleRef { origin: Origin::Json, path: vec!["stringify".into()] }),
            );
        } else {
            for builtin in ["str", "dict", "list", "tuple"] {
                globals.vars.insert(builtin.into(), Value::Builtin(builtin));
            }
        }
        Interp {
            language,
            host,
            record,
            frames: vec![globals],
            resources: Vec::new(),
            json_spans: HashSet::new(),
            steps: 0,
            call_depth: 0,
            called: HashSet::new(),
            declared: Vec::new(),
            respan: None,
            modules: HashMap::new(),
            config_reads: 0,
            pending_returns: Vec::new(),
        }
    }

    fn python(&self) -> bool {
        self.language == SourceLanguage::Python
    }

    fn run_module(&mut self, module: &Module) {
        self.exec_block(&module.body);
    }

    /// Functions and class methods nobody called are read once with Unknown parameters, so the
    /// resources they declare (component resources, `main()` never called here) are seen.
    fn run_uncalled(&mut self) {
        let declared = std::mem::take(&mut self.declared);
        for value in declared {
            match value {
                Value::Function(function, closure) if self.called.insert(Rc::as_ptr(&function) as usize) => {
                    self.call_unknown(&function, closure, None);
                }
                Value::Class(class) => {
                    let instance: Attributes = Rc::new(RefCell::new(Vec::new()));
                    for method in &class.methods {
                        if self.called.insert(Rc::as_ptr(method) as usize) {
                            self.call_unknown(
                                method,
                                class.closure.clone(),
                                Some(Value::Instance(instance.clone())),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn call_unknown(&mut self, function: &Rc<Function>, closure: Closure, this: Option<Value>) {
        let name = function.name.clone().unwrap_or_else(|| "a function".into());
        let mut args = Args::default();
        for (index, param) in function.params.iter().enumerate() {
            let names = param.pattern.names().join(", ");
            if index == 0 && self.python() && (names == "self" || names == "cls") {
                continue;
            }
            args.positional.push((
                unknown(format!("the parameter `{names}` of `{name}`"), function.span),
                function.span,
            ));
        }
        self.call_function(function, closure, args, this, function.span);
    }

    // Scopes.

    fn lookup(&self, name: &str) -> Option<&Value> {
        self.frames.iter().rev().find_map(|frame| frame.vars.get(name))
    }

    fn declare(&mut self, name: &str, value: Value) {
        if let Some(frame) = self.frames.last_mut() {
            frame.vars.insert(name.to_string(), value);
        }
    }

    /// Assign to an existing variable (or create one). Inside a conditional block, the outer
    /// variable is shadowed for the rest of the block and becomes Unknown after it.
    fn assign(&mut self, name: &str, value: Value) {
        let top = self.frames.len() - 1;
        let defining = self.frames.iter().rposition(|frame| frame.vars.contains_key(name));
        let function_base = self
            .frames
            .iter()
            .rposition(|frame| matches!(frame.kind, FrameKind::Function | FrameKind::Global))
            .unwrap_or(0);
        // Python assigns locally unless the name is already local.
        let defining = match defining {
            Some(index) if self.python() && index < function_base => None,
            other => other,
        };
        let floor = defining.unwrap_or(function_base);
        let outermost_conditional =
            (floor + 1..=top).find(|&index| self.frames[index].kind == FrameKind::Conditional);
        match (defining, outermost_conditional) {
            (Some(index), None) => {
                self.frames[index].vars.insert(name.to_string(), value);
            }
            (None, None) => {
                // A new name: JavaScript's implicit global / Python's local go to the function
                // frame, never into a plain block.
                self.frames[function_base].vars.insert(name.to_string(), value);
            }
            (_, Some(conditional)) => {
                self.frames[top].vars.insert(name.to_string(), value);
                let tainted = &mut self.frames[conditional].tainted;
                if !tainted.iter().any(|t| t == name) {
                    tainted.push(name.to_string());
                }
            }
        }
    }

    fn push(&mut self, kind: FrameKind) {
        self.frames.push(Frame::new(kind));
    }

    fn pop(&mut self) {
        let Some(frame) = self.frames.pop() else { return };
        for name in frame.tainted {
            let span = self.lookup(&name).map(value_span).unwrap_or_default();
            self.assign(
                &name,
                unknown(format!("`{name}`, which is assigned conditionally or in a loop"), span),
            );
        }
    }

    // Statements.

    fn exec_block(&mut self, stmts: &[Stmt]) -> Flow {
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

    fn closure(&self) -> Closure {
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
                        None => match self.sibling(module) {
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
                        None => match self.sibling(module).and_then(|exports| exports.get(imported).cloned())
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
    fn sibling(&mut self, module: &str) -> Option<Rc<HashMap<String, Value>>> {
        if !self.record {
            return None; // only one level of sibling modules
        }
        if let Some(cached) = self.modules.get(module) {
            return cached.clone();
        }
        let exports = self.load_sibling(module);
        self.modules.insert(module.to_string(), exports.clone());
        exports
    }

    fn load_sibling(&mut self, module: &str) -> Option<Rc<HashMap<String, Value>>> {
        let candidates = sibling_candidates(module, self.python());
        let text = candidates.iter().find_map(|path| self.host.load_module(path))?;
        let (parsed, _, errors, _) = parse(&text, self.language);
        if !errors.is_empty() {
            return None;
        }
        let mut inner = Interp::new(self.language, self.host, false);
        inner.run_module(&parsed);
        let globals = inner.frames.into_iter().next()?.vars;
        let shared = Rc::new(globals);
        // Spans of the sibling's values point into another file: mark them, so each use is
        // given the span of the name that uses it (see `from_sibling`).
        // Functions of the module see its names when called from here.
        let exports = shared
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Value::Function(function, _) => {
                        Value::Function(function.clone(), Closure::Foreign(shared.clone()))
                    }
                    Value::Data(node) => {
                        let mut node = node.clone();
                        respan(&mut node, FOREIGN);
                        Value::Data(node)
                    }
                    other => other.clone(),
                };
                (name.clone(), value)
            })
            .collect();
        Some(Rc::new(exports))
    }

    /// Bind a pattern to a value.
    fn bind(&mut self, pattern: &Pattern, value: Value, declares: bool) {
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

    // Expressions.

    fn eval(&mut self, expr: &Expr) -> Value {
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
                for part in parts {
                    match part {
                        TemplatePart::Text(text) => out.push(Part::Text(text.clone())),
                        TemplatePart::Expr(expr) => {
                            let value = self.eval(expr);
                            let node = self.data(value, expr.span());
                            out.extend(parts_of(&node));
                        }
                    }
                }
                Value::Data(join(out, *span))
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
                Some(value) => from_sibling(value.clone(), *span),
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
            Expr::Binary { .. } => self.binary_chain(expr),
            Expr::Conditional { then, otherwise, span } => {
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
                self.add(a, b, span)
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
                percent_format(&format, &values, span)
            }
            BinaryOp::Other => unknown("an arithmetic or comparison expression", span),
        }
    }

    fn add(&mut self, a: Value, b: Value, span: Span) -> Value {
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

    fn member(&mut self, object: Value, name: &str, span: Span) -> Value {
        match object {
            Value::Module(module) => Value::Module(module.with(name)),
            Value::Resource(index) => {
                let resource = self.resources.get(index).map(|r| r.name_text.clone()).unwrap_or_default();
                Value::Data(Node::computed(vec![Part::Ref { resource, output: camel_case(name) }], span))
            }
            Value::Instance(attributes) => {
                let found = attributes.borrow().iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                match found {
                    Some(value) => from_sibling(value, span),
                    None => unknown(format!("the attribute `{name}`"), span),
                }
            }
            Value::Data(node) => match &node.kind {
                NodeKind::Map(_) => match node.get(name) {
                    Some(value) => Value::Data(value.clone()),
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
                        usize::try_from(i)
                            .ok()
                            .and_then(|i| items.get(i))
                            .map_or_else(|| Value::Data(null(span)), |n| Value::Data(n.clone()))
                    }
                    Err(_) => unknown("an item of a list", span),
                },
                NodeKind::Map(_) => match node.get(&key) {
                    Some(value) => Value::Data(value.clone()),
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

    fn eval_args(&mut self, args: &[Arg]) -> Args {
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

    fn call(&mut self, callee: &Expr, args: &[Arg], span: Span, new: bool) -> Value {
        if let Expr::Member { object, name, .. } = callee {
            let receiver = self.eval(object);
            if !matches!(receiver, Value::Module(_) | Value::Instance(_)) {
                return self.method(receiver, name, args, span);
            }
            if let Value::Instance(attributes) = &receiver {
                let method =
                    attributes.borrow().iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                return match method {
                    Some(function @ Value::Function(..)) => {
                        let args = self.eval_args(args);
                        self.apply_value(function, args, span)
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
            _ => unknown("the result of calling a value that is not a known function", span),
        }
    }

    fn construct(&mut self, class: &Rc<ClassDef>, args: Args, span: Span) -> Value {
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
        let constructor = if self.python() { "__init__" } else { "constructor" };
        if let Some(method) = class.methods.iter().find(|m| m.name.as_deref() == Some(constructor)) {
            self.called.insert(Rc::as_ptr(method) as usize);
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

    fn call_function(
        &mut self,
        function: &Rc<Function>,
        closure: Closure,
        args: Args,
        this: Option<Value>,
        span: Span,
    ) -> Value {
        let name = function.name.clone().unwrap_or_else(|| "a function".into());
        if self.call_depth >= MAX_CALL_DEPTH {
            return unknown(format!("the result of `{name}`, nested too deeply"), span);
        }
        self.called.insert(Rc::as_ptr(function) as usize);
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
                for (value, s) in args.positional {
                    parts.extend(parts_of(&self.data(value, s)));
                }
                Value::Data(join(parts, span))
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
            _ => unknown(format!("the result of `.{name}(...)`"), span),
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
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                parts.push(Part::Text(separator.clone()));
            }
            parts.extend(parts_of(item));
        }
        Value::Data(join(parts, span))
    }

    /// Python `str.format` / `Output.format`: `{}`, `{0}`, `{name}`; `{{` and `}}` are braces.
    fn format(&mut self, format: &str, args: &Args, span: Span) -> Value {
        let mut parts = Vec::new();
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
                        Some((value, s)) => parts.extend(parts_of(&self.data(value, s))),
                        None => {
                            parts.push(Part::Unknown(format!("the field `{{{field}}}` with no argument")))
                        }
                    }
                }
                other => text.push(other),
            }
        }
        parts.push(Part::Text(text));
        Value::Data(join(parts, span))
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
                unknown(format!("the result of `{}(...)` from `{name}`", module.written()), span)
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
                for (value, s) in args.positional {
                    parts.extend(parts_of(&self.data(value, s)));
                }
                Value::Data(join(parts, span))
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
                        Some([Part::Unknown(why)]) => why.clone(),
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
    fn data(&mut self, value: Value, span: Span) -> Node {
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

fn value_span(value: &Value) -> Span {
    match value {
        Value::Data(node) => node.span,
        Value::Unset { span, .. } => *span,
        _ => Span::default(),
    }
}

/// Item `index` of a value that is not a known list (an Output of a tuple, a reference).
fn element_of(value: &Value, index: usize, span: Span) -> Value {
    match value {
        Value::Data(node) => match node.as_computed() {
            Some([Part::Ref { resource, output }]) => Value::Data(Node::computed(
                vec![Part::Ref { resource: resource.clone(), output: format!("{output}[{index}]") }],
                span,
            )),
            Some([Part::Unknown(why)]) => unknown(why.clone(), span),
            _ => unknown(format!("item {index} of a value trustlint cannot read"), span),
        },
        _ => unknown(format!("item {index} of a value trustlint cannot read"), span),
    }
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

/// A default used because no stack sets the key: its text is marked as such.
fn with_default_note(default: Value, key: &str) -> Value {
    match default {
        Value::Data(node) => match &node.kind {
            NodeKind::Scalar(scalar) if !node.is_null() => Value::Data(Node::computed(
                vec![Part::Config {
                    key: key.to_string(),
                    stack: String::new(),
                    value: scalar.value.clone(),
                }],
                node.span,
            )),
            _ => Value::Data(node),
        },
        other => other,
    }
}

/// A stack configuration value as program data: every leaf is known only for that stack, and
/// every span is the configuration read (the stack file is another file).
fn config_node(value: &Node, key: &str, stack: &str, span: Span) -> Node {
    match &value.kind {
        NodeKind::Scalar(scalar) => Node::computed(
            vec![Part::Config {
                key: key.to_string(),
                stack: stack.to_string(),
                value: scalar.value.clone(),
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
