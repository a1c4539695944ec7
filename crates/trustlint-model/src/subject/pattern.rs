//! What every claim grammar shares: a pattern split at its first wildcard, a reader over its
//! literal part, and the two outcomes of reading it (a grade, or "outside the grammar").

use super::{Breadth, SubjectVerdict};

/// A pattern split at its first wildcard. Breadth is decided by how much of the grammar the
/// literal text before the wildcard pins.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pattern<'a> {
    /// The whole pattern as written.
    pub full: &'a str,
    /// The text before the first wildcard; the whole pattern when it has none.
    pub literal: &'a str,
    /// A wildcard follows `literal`.
    pub wild: bool,
}

impl<'a> Pattern<'a> {
    /// With `glob`, `*` and `?` are wildcards; without it every character is literal.
    pub fn new(full: &'a str, glob: bool) -> Self {
        match full.find(['*', '?']) {
            Some(at) if glob => Pattern { full, literal: &full[..at], wild: true },
            _ => Pattern { full, literal: full, wild: false },
        }
    }
}

/// One field of a pattern: written out in full, or cut by the wildcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Value<'a> {
    Exact(&'a str),
    /// The wildcard starts inside the field: `typed` is the text before it, `pattern` the rest of
    /// the pattern from the start of the field (`release/*`), so it always begins with `typed`.
    Partial {
        typed: &'a str,
        pattern: &'a str,
    },
}

impl<'a> Value<'a> {
    /// A field of which nothing is written, and nothing after the wildcard narrows it.
    pub const OPEN: Value<'static> = Value::Partial { typed: "", pattern: "*" };

    /// The text written before the wildcard (all of it for an exact field).
    pub fn typed(self) -> &'a str {
        match self {
            Value::Exact(text) | Value::Partial { typed: text, .. } => text,
        }
    }

    pub fn is_exact(self) -> bool {
        matches!(self, Value::Exact(_))
    }

    /// Nothing of the field is written before the wildcard.
    pub fn is_unpinned(self) -> bool {
        matches!(self, Value::Partial { typed: "", .. })
    }

    /// Unpinned, and only `*` follows: the field may be anything at all.
    pub fn is_open(self) -> bool {
        matches!(self, Value::Partial { typed: "", pattern } if pattern.chars().all(|c| c == '*'))
    }

    /// The part of this field from byte `at` of its typed text on (`refs/heads/rel*` -> `rel*`).
    pub fn after(self, at: usize) -> Value<'a> {
        match self {
            Value::Exact(text) => Value::Exact(&text[at..]),
            Value::Partial { typed, pattern } => {
                Value::Partial { typed: &typed[at..], pattern: &pattern[at..] }
            }
        }
    }

    /// The pattern this field is written as, up to the end of the name being typed (the first of
    /// `ends` after the typed text): `acme*` of `acme*/infra`.
    pub fn name_pattern(self, ends: &[char]) -> &'a str {
        match self {
            Value::Exact(text) => text,
            Value::Partial { typed, pattern } => {
                let end = pattern[typed.len()..].find(ends).map_or(pattern.len(), |at| typed.len() + at);
                &pattern[..end]
            }
        }
    }

    /// ` matching \`pattern\`` when the field is cut with something more than `*` after it.
    pub fn matching(self) -> String {
        match self {
            Value::Partial { pattern, .. } if !self.is_open() => format!(" matching `{pattern}`"),
            _ => String::new(),
        }
    }
}

/// The outcome of expecting a fixed piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keyword {
    Matched,
    /// The literal text ends inside it and a wildcard follows: it may or may not be there.
    Cut,
    Absent,
}

/// Walks the literal part of a pattern.
pub(super) struct Reader<'a> {
    pattern: Pattern<'a>,
    /// Byte offset into the pattern.
    pub pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(pattern: Pattern<'a>) -> Self {
        Reader { pattern, pos: 0 }
    }

    pub fn rest(&self) -> &'a str {
        &self.pattern.literal[self.pos..]
    }

    /// All of an exact pattern has been read.
    pub fn at_end(&self) -> bool {
        !self.pattern.wild && self.rest().is_empty()
    }

    /// The wildcard comes next.
    pub fn at_cut(&self) -> bool {
        self.pattern.wild && self.rest().is_empty()
    }

    pub fn eat(&mut self, text: &str) -> bool {
        let found = self.rest().starts_with(text);
        if found {
            self.pos += text.len();
        }
        found
    }

    pub fn keyword(&mut self, keyword: &str) -> Keyword {
        let rest = self.rest();
        if self.eat(keyword) {
            Keyword::Matched
        } else if self.pattern.wild && keyword.starts_with(rest) {
            self.pos += rest.len();
            Keyword::Cut
        } else {
            Keyword::Absent
        }
    }

    /// Reads a field up to (not including) `stop`, or to the end of the literal text; an empty
    /// `stop` reads to the end.
    pub fn value_until(&mut self, stop: &str) -> Value<'a> {
        let start = self.pos;
        let rest = self.rest();
        if let Some(at) = rest.find(stop).filter(|_| !stop.is_empty()) {
            self.pos += at;
            return Value::Exact(&rest[..at]);
        }
        self.pos += rest.len();
        if self.pattern.wild {
            Value::Partial { typed: rest, pattern: &self.pattern.full[start..] }
        } else {
            Value::Exact(rest)
        }
    }
}

/// A pattern inside the grammar: how much it admits, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Grade {
    pub breadth: Breadth,
    pub who: String,
    pub suggestion: Option<String>,
}

impl Grade {
    pub fn new(breadth: Breadth, who: impl Into<String>) -> Self {
        Grade { breadth, who: who.into(), suggestion: None }
    }

    pub fn suggest(self, suggestion: impl Into<String>) -> Self {
        Grade { suggestion: Some(suggestion.into()), ..self }
    }

    pub fn suggest_opt(self, suggestion: Option<String>) -> Self {
        Grade { suggestion, ..self }
    }
}

/// A pattern no token of the issuer can ever match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Outside {
    pub reason: String,
    pub suggestion: Option<String>,
}

impl Outside {
    pub fn new(reason: impl Into<String>) -> Self {
        Outside { reason: reason.into(), suggestion: None }
    }

    pub fn suggest(self, suggestion: impl Into<String>) -> Self {
        Outside { suggestion: Some(suggestion.into()), ..self }
    }
}

impl From<Grade> for SubjectVerdict {
    fn from(grade: Grade) -> Self {
        SubjectVerdict::Scoped { breadth: grade.breadth, who: grade.who, suggestion: grade.suggestion }
    }
}

impl From<Outside> for SubjectVerdict {
    fn from(outside: Outside) -> Self {
        SubjectVerdict::OutsideGrammar { reason: outside.reason, suggestion: outside.suggestion }
    }
}

pub(super) fn verdict(result: Result<Grade, Outside>) -> SubjectVerdict {
    result.map_or_else(SubjectVerdict::from, SubjectVerdict::from)
}

/// `full` with bytes `start..end` replaced by `with`.
pub(super) fn splice(full: &str, start: usize, end: usize, with: &str) -> String {
    format!("{}{with}{}", &full[..start], &full[end..])
}

/// A name a prefix pattern admits besides the intended one: `acme*` -> `acme-evil`.
pub(super) fn example_of(name_pattern: &str) -> String {
    name_pattern.replacen('*', "-evil", 1).replace('*', "").replace('?', "x")
}

/// True when the text is a non-empty run of ASCII digits.
pub(super) fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a numeric claim value, or the digits typed before a wildcard.
pub(super) fn check_number(claim: &str, value: Value<'_>) -> Result<(), Outside> {
    let text = value.typed();
    let fine = if value.is_exact() { is_number(text) } else { text.bytes().all(|b| b.is_ascii_digit()) };
    if fine { Ok(()) } else { Err(Outside::new(format!("`{claim}` is a number, never `{text}`"))) }
}

/// Checks a git branch or tag name (or the part typed before a wildcard) the way
/// `git check-ref-format` would.
pub(super) fn check_git_name(value: Value<'_>, what: &str) -> Result<(), Outside> {
    let name = value.typed();
    let complete = value.is_exact();
    let bad = |why: &str| Err(Outside::new(format!("`{name}` is not a valid {what}: git {why}")));
    if let Some(c) = name.chars().find(|c| c.is_control() || " ~^:?*[\\".contains(*c)) {
        return bad(&format!("ref names cannot contain `{c}`"));
    }
    if name.contains("..") || name.contains("@{") || name.contains("//") {
        return bad("ref names cannot contain `..`, `@{` or `//`");
    }
    if name.starts_with('/') {
        return bad("ref names cannot start with `/`");
    }
    if complete && (name.is_empty() || name.ends_with('/') || name.ends_with('.') || name.ends_with(".lock"))
    {
        return bad("ref names cannot be empty or end with `/`, `.` or `.lock`");
    }
    Ok(())
}
