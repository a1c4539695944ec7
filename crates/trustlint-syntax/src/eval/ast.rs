//! A small expression language that both TypeScript/JavaScript and Python programs are lowered
//! to: only what the evaluator needs (literals, names, members, calls, functions, imports,
//! assignments, blocks). Everything else is kept as [`Expr::Unsupported`] with what it was, so the
//! evaluator can say why a value is Unknown.

use std::sync::Arc;

use trustlint_core::Span;

#[derive(Clone, Debug)]
pub enum Expr {
    /// A string literal, decoded.
    Str(String, Span),
    /// A number as written.
    Number(String, Span),
    Bool(bool, Span),
    /// `null`, `undefined`, `None`.
    Null(Span),
    /// A template literal or f-string: text with expression holes.
    Template(Vec<TemplatePart>, Span),
    Object(Vec<Prop>, Span),
    Array(Vec<Item>, Span),
    Name(String, Span),
    /// `object.name` (TypeScript member, Python attribute).
    Member {
        object: Box<Expr>,
        name: String,
        span: Span,
    },
    /// `object[index]`.
    Index {
        object: Box<Expr>,
        index: Box<Expr>,
        span: Span,
    },
    /// A call; `new` for TypeScript `new X(...)`. Tagged templates are calls with one
    /// [`Arg::Template`] argument.
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
        span: Span,
        new: bool,
    },
    Function(Arc<Function>),
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
        span: Span,
    },
    /// `c ? a : b`, `a if c else b`: the branch the condition picks when it is known, else
    /// both branches are possible.
    Conditional {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
        span: Span,
    },
    /// `self` / `this`.
    This(Span),
    /// Something the evaluator does not model, named for the Unknown reason.
    Unsupported(&'static str, Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Str(_, span)
            | Expr::Number(_, span)
            | Expr::Bool(_, span)
            | Expr::Null(span)
            | Expr::Template(_, span)
            | Expr::Object(_, span)
            | Expr::Array(_, span)
            | Expr::Name(_, span)
            | Expr::This(span)
            | Expr::Unsupported(_, span) => *span,
            Expr::Member { span, .. }
            | Expr::Index { span, .. }
            | Expr::Call { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Conditional { span, .. } => *span,
            Expr::Function(function) => function.span,
        }
    }
}

#[derive(Clone, Debug)]
pub enum TemplatePart {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+` (string concatenation when either side is text).
    Add,
    /// `||`, `or`.
    Or,
    /// `??`.
    Nullish,
    /// `&&`, `and`.
    And,
    /// `%` (Python `"%s" % x`).
    Percent,
    /// `==`, `===`, Python `==` and `is`: decided when both sides are known.
    Equal,
    /// `!=`, `!==`, Python `!=` and `is not`.
    NotEqual,
    /// Comparisons and arithmetic: the result is not modelled.
    Other,
}

#[derive(Clone, Debug)]
pub enum Prop {
    /// `key: value`; `key_span` is the key as written (for shorthand `{ role }`, the name).
    KeyValue { key: String, key_span: Span, value: Expr },
    /// `[expr]: value` / a dict key that is not a literal.
    Computed { key: Expr, value: Expr },
    /// `...expr` / `**expr`.
    Spread(Expr),
}

#[derive(Clone, Debug)]
pub enum Item {
    Expr(Expr),
    Spread(Expr),
}

#[derive(Clone, Debug)]
pub enum Arg {
    Positional(Expr),
    /// Python `name=value`.
    Keyword {
        name: String,
        name_span: Span,
        value: Expr,
    },
    /// `...args`, `*args`.
    Spread(Expr),
    /// `**kwargs`.
    KeywordSpread(Expr),
}

#[derive(Clone, Debug)]
pub enum Pattern {
    Name(String, Span),
    /// `[a, , b]`, `(a, b)`; `None` for holes; a trailing rest is [`Pattern::Rest`].
    Array(Vec<Option<Pattern>>),
    /// `{ a, b: c, ...rest }`: property name and the pattern it binds.
    Object(Vec<(String, Pattern)>),
    Rest(Box<Pattern>),
    /// `pattern = default`.
    Default(Box<Pattern>, Expr),
    /// A target the evaluator does not bind (a member, `_`).
    Ignore,
}

impl Pattern {
    /// Every name the pattern binds.
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Pattern::Name(name, _) => out.push(name),
            Pattern::Array(items) => items.iter().flatten().for_each(|p| p.collect(out)),
            Pattern::Object(props) => props.iter().for_each(|(_, p)| p.collect(out)),
            Pattern::Rest(inner) | Pattern::Default(inner, _) => inner.collect(out),
            Pattern::Ignore => {}
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Normal,
    /// `*args` / `...rest`.
    Rest,
    /// `**kwargs`.
    KeywordRest,
    /// Python parameters after a bare `*`: keyword only.
    KeywordOnly,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub pattern: Pattern,
    pub default: Option<Expr>,
    pub kind: ParamKind,
}

#[derive(Clone, Debug)]
pub enum Body {
    Expr(Expr),
    Block(Vec<Stmt>),
}

#[derive(Debug)]
pub struct Function {
    /// `None` for arrow functions and lambdas.
    pub name: Option<String>,
    pub params: Vec<Param>,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    /// `import ... from "module"`, `import module as alias`, `from module import a as b`.
    Import {
        module: String,
        bindings: Vec<ImportBinding>,
        span: Span,
    },
    /// A declaration (`const`, `let`, `var`) or an assignment to a pattern of names.
    Let {
        pattern: Pattern,
        value: Option<Expr>,
        span: Span,
        declares: bool,
    },
    /// An assignment to a member or index (`policy.Statement = ...`, `doc["x"] = ...`).
    AssignMember {
        target: Expr,
        value: Expr,
        span: Span,
    },
    /// `x += y`.
    AugAssign {
        target: Expr,
        value: Expr,
        span: Span,
    },
    Function(Arc<Function>),
    Class {
        name: String,
        methods: Vec<Arc<Function>>,
        fields: Vec<(String, Expr)>,
        span: Span,
    },
    Return(Option<Expr>, Span),
    Expr(Expr),
    /// Blocks that may or may not run (`if`/`else` branches, `try`/`except` handlers).
    Conditional(Vec<Vec<Stmt>>),
    /// A loop: the pattern is bound to each item of the iterable when it is known.
    Loop {
        pattern: Option<Pattern>,
        iterable: Option<Expr>,
        body: Vec<Stmt>,
    },
    /// A block that runs once (`try` body, `with` body).
    Block(Vec<Stmt>),
}

#[derive(Clone, Debug)]
pub enum ImportBinding {
    /// The whole module under a local name: `import * as aws`, `import pulumi_aws as aws`,
    /// `const aws = require("@pulumi/aws")`.
    Namespace { local: String },
    /// One exported name (a dotted path for Python `import a.b`): `import { iam } from "@pulumi/aws"`.
    Named { local: String, imported: String },
    /// `import pulumi_aws.iam` binds `pulumi_aws` to the top package.
    TopPackage { local: String },
}

/// A lowered source file.
#[derive(Debug, Default)]
pub struct Module {
    pub body: Vec<Stmt>,
}
