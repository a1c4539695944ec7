//! A partial evaluator for Pulumi programs written in TypeScript/JavaScript or Python.
//!
//! Pure: no I/O. Inside one program it evaluates expressions to spanned values ([`Node`] trees)
//! or to Unknown with a reason, and records every resource constructor call with its evaluated
//! arguments. What it models: literals, template literals and f-strings, objects/arrays/dicts,
//! names and simple reassignment, comparisons (`==`, `===`, `is`, `!=`, `is not`) of known
//! values and the conditional expressions they decide,
//! `JSON.stringify`/`json.dumps`/`pulumi.jsonStringify`,
//! `pulumi.interpolate`/`concat`/`all`/`Output.*`, `.apply(...)`/`.then(...)` bodies (their
//! parameters are the values the Output wraps, often references to other resources), helper
//! functions (inlined with the call's arguments), classes (fields with defaults, dataclass and
//! pydantic keyword construction, methods), stack configuration (through [`Host`]),
//! provider invokes (through [`Host::invoke`]) and constants of sibling modules (through
//! [`Host::load_module`]). Everything else is Unknown, never guessed.
//!
//! Values keep the span of the literal they came from, so a finding on a condition value points
//! at the `"repo:acme/*"` string itself, wherever the object was built. What lies in another
//! file is provenance beside the value: [`Part::Config`] says where the stack file writes it,
//! [`Evaluated::imported`] where a sibling module does, and [`Part::Derived`] which resource
//! outputs an unreadable value was computed from.
//!
//! [`Part::Config`]: crate::Part::Config
//! [`Part::Derived`]: crate::Part::Derived

pub mod ast;
mod interp;
mod text;

pub use interp::{ParsedProgram, evaluate, evaluate_parsed, parse_program, sibling_candidates};
pub use text::{camel_case, display, join, respan};

use std::sync::Arc;

use trustlint_core::Span;

use crate::tree::{Comment, Node, SyntaxError};

/// Which grammar a program is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceLanguage {
    /// TypeScript or JavaScript; `jsx` selects the TSX grammar.
    TypeScript {
        jsx: bool,
    },
    Python,
}

/// What the caller knows around the program.
pub trait Host {
    /// A configuration value of the stack being evaluated.
    fn config(&self, namespace: Option<&str>, key: &str) -> ConfigLookup;

    /// The result of a provider function (`aws.iam.getPolicyDocument(...)`), given its arguments
    /// as a map with camelCase keys; `None` when the result is only known at deploy time.
    fn invoke(&self, package: &str, path: &[String], args: &Node, span: Span) -> Option<Node>;

    /// The value of an SDK constant (`aws.iam.ManagedPolicy.AdministratorAccess`).
    fn constant(&self, package: &str, path: &[String]) -> Option<String>;

    /// A sibling module, by a path relative to the program's folder, parsed with `language`
    /// ([`parse_program`]). Parsed, not text, so that a host can share one parse between every
    /// program of a folder that imports the module.
    fn load_module(&self, relative_path: &str, language: SourceLanguage) -> Option<Arc<ParsedProgram>>;
}

/// The answer to a configuration read.
#[derive(Clone, Debug)]
pub enum ConfigLookup {
    /// The stack sets `key` (the full key as written in the stack file).
    Value { key: String, stack: String, value: Node },
    /// The stack sets it encrypted (`secure:`).
    Secret { key: String, stack: String },
    /// No stack file in view sets it.
    NotSet,
}

// A parsed module is shared between the worker threads of a run.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<ParsedProgram>();
};

/// A host that knows nothing: configuration, invokes and sibling modules are all Unknown.
pub struct NoHost;

impl Host for NoHost {
    fn config(&self, _namespace: Option<&str>, _key: &str) -> ConfigLookup {
        ConfigLookup::NotSet
    }
    fn invoke(&self, _package: &str, _path: &[String], _args: &Node, _span: Span) -> Option<Node> {
        None
    }
    fn constant(&self, _package: &str, _path: &[String]) -> Option<String> {
        None
    }
    fn load_module(&self, _relative_path: &str, _language: SourceLanguage) -> Option<Arc<ParsedProgram>> {
        None
    }
}

/// One resource constructor call.
#[derive(Clone, Debug)]
pub struct ResourceCall {
    /// The SDK package: `aws`, `gcp`, `azure-native`, `azuread`, `aws-native`.
    pub package: String,
    /// Module path and class inside the package: `["iam", "Role"]`.
    pub path: Vec<String>,
    /// The logical name as evaluated.
    pub name: Node,
    /// The logical name as text, holes shown as `…` (what references use).
    pub name_text: String,
    /// The arguments object; a map with camelCase keys (Python keywords normalized).
    pub properties: Node,
    /// Why the arguments could not be read, when they could not.
    pub properties_unknown: Option<String>,
    /// The variable bound to the resource.
    pub variable: Option<String>,
    pub span: Span,
    pub name_span: Span,
}

/// The result of evaluating a program.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub resources: Vec<ResourceCall>,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
    /// Limits hit while lowering (nesting too deep): the program was evaluated, that part is Unknown.
    pub notes: Vec<SyntaxError>,
    /// How many configuration reads asked the host (to decide whether stacks matter).
    pub config_reads: usize,
    /// Each use of a value a sibling module defines, in evaluation order.
    pub imported: Vec<ImportedValue>,
    /// Text built from values written elsewhere (a template, `+`, `.format`), with where each
    /// of those values is written; only text that spliced in at least one such value.
    pub spliced: Vec<SplicedValue>,
}

/// Text joined from parts (`repo:${ORG}/${REPO}:*`, `"repo:" + org`, `"{}/{}".format(a, b)`)
/// where some parts are values written elsewhere: a constant, a helper's argument, a sibling
/// module's name. The joined value carries the span of the joining expression, so this keeps
/// where its parts came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplicedValue {
    /// The joining expression (the span the joined value carries).
    pub at: Span,
    /// The joined value as [`display`] shows it, to tell apart two evaluations of one
    /// expression (a helper called with different arguments).
    pub text: String,
    /// The parts written elsewhere, in the order they occur in the text (at most
    /// [`MAX_SPLICED_PARTS`]).
    pub parts: Vec<SplicedText>,
    /// How many more such parts there were.
    pub omitted: usize,
}

/// The most parts a [`SplicedValue`] keeps: a finding names a few, and says how many more.
pub const MAX_SPLICED_PARTS: usize = 32;

/// One value spliced into text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplicedText {
    /// The text it contributes.
    pub text: String,
    /// Where the value is written: a literal of this program, or the use of a sibling module's
    /// name (see [`Evaluated::imported`] for where the module writes it).
    pub defined: Span,
    /// The expression that splices it in (`ORG` in `${ORG}`), which names it when it is a name.
    pub used: Span,
}

/// A use of a name a sibling module defines (`SUBJECT` after `import { SUBJECT } from
/// "./constants"`): the value carries the span of the use, and this says where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedValue {
    /// The use in the program (the span its value carries).
    pub at: Span,
    /// The module, by the path relative to the program's folder that the host loaded.
    pub module: String,
    /// The name the module defines.
    pub name: String,
    /// The value's span in the module.
    pub span: Span,
}

#[cfg(test)]
mod tests;
