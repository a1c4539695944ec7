//! The interpreter: runs a lowered module statement by statement with scopes, records resource
//! constructor calls, and turns every value it cannot know into an Unknown part with a reason.
//!
//! This module holds the interpreter's state and values; its methods are spread by what they
//! run: [`scope`] (frames and assignment), [`statement`], [`expression`] and [`call`].

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use trustlint_core::Span;

use super::ast::{Expr, Function, Module, ParamKind, Pattern};
use super::text::{display, respan};
use super::{
    Evaluated, Host, ImportedValue, MAX_SPLICED_PARTS, ResourceCall, SourceLanguage, SplicedText,
    SplicedValue,
};
use crate::tree::{Node, NodeKind, Part, ScalarStyle};

mod call;
mod expression;
mod scope;
mod statement;

pub use statement::sibling_candidates;

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
    // The program's own limits first, then those met in the sibling modules it imports.
    evaluated.notes.splice(0..0, parsed.notes);
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
    Evaluated {
        resources: interp.resources,
        config_reads: interp.config_reads,
        notes: interp.notes,
        imported: interp.imported,
        spliced: interp.spliced,
        ..Evaluated::default()
    }
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
    methods: Vec<Arc<Function>>,
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
    Function(Arc<Function>, Closure),
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
    /// Limits met in the sibling modules read, each said at the import that read it.
    notes: Vec<crate::SyntaxError>,
    /// Names exported by sibling modules (see `foreign_span`).
    foreign: Vec<ForeignValue>,
    /// Each use of a sibling module's name, with where the module defines it.
    imported: Vec<ImportedValue>,
    /// The maps and lists among them, for `member` and `index`.
    imported_collections: Vec<ImportedCollection>,
    /// Joined text with parts written elsewhere, and the latest record of each joining span.
    spliced: Vec<SplicedValue>,
    spliced_by_span: HashMap<Span, usize>,
    config_reads: usize,
    /// Returns seen inside conditional blocks of each active call.
    pending_returns: Vec<Vec<Value>>,
}

/// The span given to the value of a sibling module's name until it is used (see
/// `read_sibling_value`): `index` is its entry in `Interp::foreign`. No file is this long.
fn foreign_span(index: usize) -> Span {
    Span::new(usize::MAX - index, usize::MAX)
}

/// A name a sibling module defines, as it was when its value was exported.
struct ForeignValue {
    /// The module's path relative to the program's folder, as the host loaded it.
    module: String,
    name: String,
    /// A map or list as the module wrote it (spans in the module), for its members' uses.
    original: Option<Node>,
    /// The value's own span in the module.
    span: Span,
}

/// A use of a sibling module's map or list (or of a member of one), as the module wrote it: its
/// members' uses are traced to their own place in the module.
struct ImportedCollection {
    /// The use (the span the value carries in the program).
    at: Span,
    module: String,
    name: String,
    original: Node,
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
            notes: Vec::new(),
            foreign: Vec::new(),
            imported: Vec::new(),
            imported_collections: Vec::new(),
            spliced: Vec::new(),
            spliced_by_span: HashMap::new(),
            config_reads: 0,
            pending_returns: Vec::new(),
        }
    }

    /// A value read through a name: the value of a sibling module's name takes the span of its
    /// use, and the use is recorded with where the module defines the value.
    fn read_sibling_value(&mut self, mut value: Value, span: Span) -> Value {
        if let Value::Data(node) = &mut value
            && node.span.end == usize::MAX
            && let Some(foreign) = self.foreign.get(usize::MAX - node.span.start)
        {
            self.imported.push(ImportedValue {
                at: span,
                module: foreign.module.clone(),
                name: foreign.name.clone(),
                span: foreign.span,
            });
            if let Some(original) = &foreign.original {
                self.imported_collections.push(ImportedCollection {
                    at: span,
                    module: foreign.module.clone(),
                    name: foreign.name.clone(),
                    original: original.clone(),
                });
            }
            respan(node, span);
        }
        value
    }

    /// Add to `parts` where `node`, spliced into text at `into` by the expression at `used`, is
    /// written: a value joined from such parts brings its own; a literal outside `into` (a
    /// constant, a helper's argument) or the use of a sibling module's name is one part. A
    /// literal written inside `into` is part of the text the user reads there.
    pub(super) fn splice_source(&self, node: &Node, used: Span, into: Span, parts: &mut Vec<SplicedText>) {
        if let Some(&index) = self.spliced_by_span.get(&node.span)
            && self.spliced[index].text == display(node)
        {
            parts.extend(self.spliced[index].parts.iter().cloned());
            return;
        }
        let NodeKind::Scalar(scalar) = &node.kind else { return };
        if node.span.end == usize::MAX || self.respan.is_some() {
            return;
        }
        let inside = into.start <= node.span.start && node.span.end <= into.end;
        if !inside || self.imported.iter().rev().any(|imported| imported.at == node.span) {
            parts.push(SplicedText { text: scalar.value.clone(), defined: node.span, used });
        }
    }

    /// Remember where the parts of the joined `node` were written (nothing when none was
    /// written elsewhere).
    pub(super) fn record_splice(&mut self, node: &Node, mut parts: Vec<SplicedText>) {
        if parts.is_empty() || !matches!(node.kind, NodeKind::Scalar(_) | NodeKind::Computed(_)) {
            return;
        }
        let omitted = parts.len().saturating_sub(MAX_SPLICED_PARTS);
        parts.truncate(MAX_SPLICED_PARTS);
        self.spliced_by_span.insert(node.span, self.spliced.len());
        self.spliced.push(SplicedValue { at: node.span, text: display(node), parts, omitted });
    }

    /// `member` (a key, or a list index) of an imported map or list used at `collection`:
    /// the member takes the span of its own use, `at`, and that use is recorded with where the
    /// module writes the member. `None` when `collection` is no such use.
    fn imported_member(&mut self, collection: Span, member: &str, value: &Node, at: Span) -> Option<Node> {
        let used = self.imported_collections.iter().rev().find(|c| c.at == collection)?;
        let original = match &used.original.kind {
            NodeKind::Map(_) => used.original.get(member)?,
            NodeKind::Seq(items) => items.get(member.parse::<usize>().ok()?)?,
            _ => return None,
        };
        let (module, name) = (used.module.clone(), format!("{}.{member}", used.name));
        let span = original.span;
        let original = matches!(original.kind, NodeKind::Map(_) | NodeKind::Seq(_)).then(|| original.clone());
        self.imported.push(ImportedValue { at, module: module.clone(), name: name.clone(), span });
        if let Some(original) = original {
            self.imported_collections.push(ImportedCollection { at, module, name, original });
        }
        let mut value = value.clone();
        respan(&mut value, at);
        Some(value)
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
                Value::Function(function, closure) if self.called.insert(Arc::as_ptr(&function) as usize) => {
                    self.call_unknown(&function, closure, None);
                }
                Value::Class(class) => {
                    // `self` holds what the class body gives every instance (fields with
                    // defaults); the rest is Unknown.
                    let instance = self.new_instance(&class);
                    for method in &class.methods {
                        if self.called.insert(Arc::as_ptr(method) as usize) {
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

    fn call_unknown(&mut self, function: &Arc<Function>, closure: Closure, this: Option<Value>) {
        let name = function.name.clone().unwrap_or_else(|| "a function".into());
        let mut args = Args::default();
        for (index, param) in function.params.iter().enumerate() {
            let names = param.pattern.names().join(", ");
            if index == 0 && self.python() && (names == "self" || names == "cls") {
                continue;
            }
            let value = unknown(format!("the parameter `{names}` of `{name}`"), function.span);
            // Keyword-only parameters (after a bare `*`) take no positional argument.
            match (&param.kind, &param.pattern) {
                (ParamKind::KeywordOnly, Pattern::Name(keyword, _)) => {
                    args.keywords.push((keyword.clone(), function.span, value, function.span));
                }
                _ => args.positional.push((value, function.span)),
            }
        }
        self.call_function(function, closure, args, this, function.span);
    }
}

fn value_span(value: &Value) -> Span {
    match value {
        Value::Data(node) => node.span,
        Value::Unset { span, .. } => *span,
        _ => Span::default(),
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
                    at: None,
                }],
                node.span,
            )),
            _ => Value::Data(node),
        },
        other => other,
    }
}
