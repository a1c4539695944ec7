//! GCP workload identity attribute conditions (CEL, oidc-reference.md 3.1) read into claim
//! conditions.
//!
//! Only the forms people write are read: `==`, `!=`, `in [..]`, `'v' in claim`, `startsWith`,
//! `endsWith`, `contains`, `matches` with a literal regular expression (optionally with `^`, `$`
//! and `.*`), `has(..)`, `!`, `&&`, `||` and parentheses over `assertion.X`, `attribute.X` and
//! `google.subject` / `google.groups`. Anything else (other regular expressions, arithmetic,
//! ternaries, macros, comparisons between two claims) becomes an Unknown part with the reason,
//! never a guess.
//!
//! The result is a disjunction of conjunctions ([`CelCondition::alternatives`]): a token gets in
//! when every condition of at least one alternative holds. Alternatives that differ only in the
//! value of one positive condition are merged into one multi-valued condition, so
//! `assertion.repository == 'a' || assertion.repository == 'b'` is one alternative with two values.

use std::collections::{HashMap, HashSet};

use trustlint_core::Span;
use trustlint_syntax::cel::{self, Expr, ParseError, path_of};

use crate::condition::{ClaimCondition, ConditionValue, Dialect, MatchKind, Operator, SetQualifier};

/// Alternatives beyond this are not expanded (a product of many `||` groups): the condition is
/// read as Unknown instead.
pub const MAX_ALTERNATIVES: usize = 32;

/// Where a CEL text sits in its source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextOrigin {
    /// The whole value in the file (a string literal with its quotes).
    pub whole: Span,
    /// File offset of the text's first byte when it is written out byte for byte (no escapes,
    /// no interpolation): positions inside the text then map onto the file.
    pub content_start: Option<usize>,
}

impl TextOrigin {
    /// Nothing inside the text can be located: every span is the whole value.
    pub fn whole(span: Span) -> Self {
        TextOrigin { whole: span, content_start: None }
    }

    /// `source` is the file text of `whole`; `content` the decoded text. Positions map only
    /// when the decoded text appears verbatim inside the literal.
    pub fn of_literal(source: &str, whole: Span, content: &str) -> Self {
        let content_start =
            (!content.is_empty()).then(|| source.find(content)).flatten().map(|at| whole.start + at);
        TextOrigin { whole, content_start }
    }

    /// The file span of bytes `relative` of the text.
    pub fn locate(&self, relative: Span) -> Span {
        match self.content_start {
            Some(start) => Span::new(start + relative.start, start + relative.end),
            None => self.whole,
        }
    }
}

/// How a provider's `attributeMapping` maps token claims to `google.*` and `attribute.*`.
#[derive(Clone, Debug, Default)]
pub struct AttributeMapping {
    entries: Vec<(String, Mapped)>,
    /// Set when the mapping as a whole could not be read statically.
    unknown: Option<String>,
}

/// The source side of one mapping entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapped {
    /// A CEL expression over `assertion`, e.g. `assertion.repository`.
    Expression(String),
    /// The value could not be resolved (an Output, a config value).
    Unknown(String),
}

impl AttributeMapping {
    pub fn new() -> Self {
        AttributeMapping::default()
    }

    /// A mapping that could not be read at all.
    pub fn unknown(why: impl Into<String>) -> Self {
        AttributeMapping { entries: Vec::new(), unknown: Some(why.into()) }
    }

    pub fn insert(&mut self, target: impl Into<String>, source: Mapped) {
        let target = target.into();
        self.entries.retain(|(existing, _)| *existing != target);
        self.entries.push((target, source));
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.unknown.is_none()
    }

    /// The source expression of `target` (`google.subject`, `attribute.repository`).
    pub fn source_of(&self, target: &str) -> Option<&Mapped> {
        self.entries.iter().find(|(t, _)| t == target).map(|(_, source)| source)
    }

    /// The token claim `target` is mapped from, or why that cannot be told.
    pub fn claim_of(&self, target: &str) -> Result<String, String> {
        match self.source_of(target) {
            Some(Mapped::Expression(expression)) => claim_path(expression).ok_or_else(|| {
                format!("`{target}` is mapped from `{}`, not from one claim", expression.trim())
            }),
            Some(Mapped::Unknown(why)) => Err(format!("the mapping of `{target}` ({why})")),
            None => match &self.unknown {
                Some(why) => Err(format!("the attribute mapping ({why})")),
                None => Err(format!("`{target}`, which the attribute mapping does not define")),
            },
        }
    }
}

/// `assertion.repository` or `assertion['repository']` -> `repository`; `None` for anything that
/// is not one claim.
pub fn claim_path(expression: &str) -> Option<String> {
    let expr = cel::parse(expression).ok()?;
    match path_of(&expr)?.as_slice() {
        [root, rest @ ..] if root == "assertion" && !rest.is_empty() => Some(rest.join(".")),
        _ => None,
    }
}

/// One way in: every condition holds (and the Unknown parts, which may narrow it further).
#[derive(Clone, Debug, Default)]
pub struct Alternative {
    pub conditions: Vec<ClaimCondition>,
    /// Parts of this alternative that could not be read, with the reason.
    pub unknown: Vec<String>,
}

/// An attribute condition read as alternatives.
#[derive(Clone, Debug)]
pub struct CelCondition {
    /// OR-ed; empty when the condition can never hold (`false`).
    pub alternatives: Vec<Alternative>,
}

impl CelCondition {
    /// True when some part could not be read.
    pub fn has_unknown(&self) -> bool {
        self.alternatives.iter().any(|alt| !alt.unknown.is_empty())
    }
}

/// Read a CEL attribute condition. `mapping` resolves `attribute.*` and `google.*` to claims.
pub fn read_condition(text: &str, mapping: &AttributeMapping, origin: TextOrigin) -> CelCondition {
    let unreadable = |why: String| CelCondition {
        alternatives: vec![Alternative { conditions: Vec::new(), unknown: vec![why] }],
    };
    let expr = match cel::parse(text) {
        Ok(expr) => expr,
        Err(ParseError::Empty) => return unreadable("the attribute condition is empty".into()),
        Err(ParseError::Invalid(why)) => {
            return unreadable(format!("the attribute condition could not be read as CEL: {why}"));
        }
    };
    let mut reader = Reader { text, mapping, origin, overflowed: false };
    let dnf = reader.dnf(&expr, false);
    if reader.overflowed {
        return unreadable(format!("the condition expands to more than {MAX_ALTERNATIVES} alternatives"));
    }
    let alternatives = merge_alternatives(dnf.into_iter().map(into_alternative).collect());
    CelCondition { alternatives }
}

// ---------------------------------------------------------------------------------------------
// Into claim conditions

enum Atom {
    Condition(ClaimCondition),
    Unknown(String),
}

/// OR of ANDs; `vec![vec![]]` is `true`, `vec![]` is `false`.
type Dnf = Vec<Vec<Atom>>;

fn unknown(why: String) -> Dnf {
    vec![vec![Atom::Unknown(why)]]
}

/// A claim named in the condition, resolved through the attribute mapping.
struct ClaimRef {
    /// As written: `attribute.repository`.
    key: String,
    claim: String,
    span: Span,
}

/// A literal compared with a claim.
enum Literal {
    Text(String, Span),
    /// `true`, `false`, `null`: a comparison that does not restrict by name.
    NonText,
}

fn operator(kind: MatchKind, written: &str, set: SetQualifier, negated: bool) -> Operator {
    let mut operator = Operator::positive(Dialect::Cel, kind, written);
    operator.negated = negated;
    operator.set = set;
    operator
}

struct Reader<'a> {
    text: &'a str,
    mapping: &'a AttributeMapping,
    origin: TextOrigin,
    /// Set when the alternatives grew past [`MAX_ALTERNATIVES`]: the whole condition is Unknown.
    overflowed: bool,
}

impl Reader<'_> {
    fn source(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn dnf(&mut self, expr: &Expr, negated: bool) -> Dnf {
        match expr {
            Expr::Bool(value, _) => {
                if *value != negated {
                    vec![Vec::new()]
                } else {
                    Vec::new()
                }
            }
            Expr::Not(inner, _) => self.dnf(inner, !negated),
            Expr::And(operands, _) | Expr::Or(operands, _) => {
                // De Morgan: a negated AND is an OR of the negations, and the other way round.
                let conjunction = matches!(expr, Expr::And(..)) != negated;
                let mut result: Dnf = if conjunction { vec![Vec::new()] } else { Vec::new() };
                for operand in operands {
                    if self.overflowed {
                        // The whole condition is Unknown already; reading on would only cost time.
                        return Vec::new();
                    }
                    let next = self.dnf(operand, negated);
                    result = if conjunction { self.product(result, next) } else { self.union(result, next) };
                }
                result
            }
            Expr::Rel { op, op_span, lhs, rhs } => self.relation(op, *op_span, lhs, rhs, negated),
            Expr::Call { target: Some(target), name, name_span, args, span } => {
                self.method(target, name, *name_span, args, *span, negated)
            }
            Expr::Call { target: None, name, name_span, args, span } if name == "has" && args.len() == 1 => {
                match self.claim(&args[0]) {
                    Some(Ok(claim)) => self.other_condition(claim, "has", *name_span, negated),
                    Some(Err(why)) => unknown(why),
                    None => unknown(format!("`{}` is not a claim test trustlint reads", self.source(*span))),
                }
            }
            Expr::Ident(..) | Expr::Member(..) | Expr::Index(..) => match self.claim(expr) {
                // A claim used as a boolean (`assertion.ref_protected`).
                Some(Ok(claim)) => {
                    let span = claim.span;
                    self.other_condition(claim, "is true", span, negated)
                }
                Some(Err(why)) => unknown(why),
                None => unknown(format!("`{}` is not a condition trustlint reads", self.source(expr.span()))),
            },
            Expr::Other { what, span } => {
                unknown(format!("`{}` uses {what}, which trustlint does not evaluate", self.source(*span)))
            }
            _ => unknown(format!("`{}` is not a condition trustlint reads", self.source(expr.span()))),
        }
    }

    /// The claim a path names: `None` when the expression is not a path at all.
    fn claim(&self, expr: &Expr) -> Option<Result<ClaimRef, String>> {
        let path = path_of(expr)?;
        let span = expr.span();
        let key = self.source(span).trim().to_string();
        let resolved = match path.as_slice() {
            [root, rest @ ..] if root == "assertion" && !rest.is_empty() => Ok(rest.join(".")),
            [root, name] if root == "attribute" => self.mapping.claim_of(&format!("attribute.{name}")),
            [root, name] if root == "google" => self.mapping.claim_of(&format!("google.{name}")),
            _ => Err(format!("`{key}` is not a claim of the token")),
        };
        Some(
            resolved
                .map(|claim| ClaimRef { key, claim: claim.to_ascii_lowercase(), span })
                .map_err(|why| format!("`{}` depends on {why}", self.source(span).trim())),
        )
    }

    fn literal(&self, expr: &Expr) -> Option<Literal> {
        match expr {
            Expr::Str(value, span) => Some(Literal::Text(value.clone(), *span)),
            Expr::Num(value, span) => {
                Some(Literal::Text(value.trim_end_matches(['u', 'U']).to_string(), *span))
            }
            Expr::Bool(..) | Expr::Null(_) => Some(Literal::NonText),
            _ => None,
        }
    }

    fn condition(
        &self,
        claim: ClaimRef,
        operator: Operator,
        op_span: Span,
        values: Vec<ConditionValue>,
    ) -> Dnf {
        let condition = ClaimCondition {
            key: claim.key,
            issuer_prefix: None,
            claim: claim.claim,
            operator,
            values,
            key_span: self.origin.locate(claim.span),
            operator_span: self.origin.locate(op_span),
            from_deny: false,
        };
        vec![vec![Atom::Condition(condition)]]
    }

    /// A test on a claim that does not compare it with a name (`has`, a boolean claim).
    fn other_condition(&self, claim: ClaimRef, written: &str, op_span: Span, negated: bool) -> Dnf {
        self.condition(
            claim,
            operator(MatchKind::Other, written, SetQualifier::None, negated),
            op_span,
            Vec::new(),
        )
    }

    fn value(&self, text: impl Into<String>, span: Span) -> ConditionValue {
        ConditionValue::known(text, self.origin.locate(span))
    }

    fn relation(&mut self, op: &str, op_span: Span, lhs: &Expr, rhs: &Expr, negated: bool) -> Dnf {
        let whole = self.source(lhs.span().cover(rhs.span())).to_string();
        let not_read = || unknown(format!("`{whole}` is not a comparison trustlint reads"));
        if op == "in" {
            return match (self.claim(lhs), self.claim(rhs)) {
                (Some(Ok(claim)), _) => {
                    let Expr::List(items, _) = rhs else { return not_read() };
                    let mut values = Vec::new();
                    for item in items {
                        match self.literal(item) {
                            Some(Literal::Text(text, span)) => values.push(self.value(text, span)),
                            _ => return not_read(),
                        }
                    }
                    if values.is_empty() {
                        // `x in []` never holds.
                        return self.dnf(&Expr::Bool(false, op_span), negated);
                    }
                    self.condition(
                        claim,
                        operator(MatchKind::Exact, "in", SetQualifier::None, negated),
                        op_span,
                        values,
                    )
                }
                // `'admins' in google.groups`: a multi-valued claim holds the value.
                (None, Some(Ok(claim))) => match self.literal(lhs) {
                    Some(Literal::Text(text, span)) => {
                        let values = vec![self.value(text, span)];
                        self.condition(
                            claim,
                            operator(MatchKind::Exact, "in", SetQualifier::ForAnyValue, negated),
                            op_span,
                            values,
                        )
                    }
                    _ => not_read(),
                },
                (Some(Err(why)), _) | (_, Some(Err(why))) => unknown(why),
                _ => not_read(),
            };
        }
        let (claim, other) = match (self.claim(lhs), self.claim(rhs)) {
            (Some(Ok(claim)), None) => (claim, rhs),
            (None, Some(Ok(claim))) => (claim, lhs),
            (Some(Err(why)), _) | (_, Some(Err(why))) => return unknown(why),
            _ => return not_read(),
        };
        match (op, self.literal(other)) {
            ("==" | "!=", Some(Literal::Text(text, span))) => {
                let values = vec![self.value(text, span)];
                let negated = negated != (op == "!=");
                self.condition(
                    claim,
                    operator(MatchKind::Exact, op, SetQualifier::None, negated),
                    op_span,
                    values,
                )
            }
            (_, Some(_)) => {
                // An ordering or a comparison with a boolean: holds for some tokens, names none.
                let negated = negated != (op == "!=");
                self.condition(
                    claim,
                    operator(MatchKind::Other, op, SetQualifier::None, negated),
                    op_span,
                    Vec::new(),
                )
            }
            (_, None) => not_read(),
        }
    }

    fn method(
        &mut self,
        target: &Expr,
        name: &str,
        name_span: Span,
        args: &[Expr],
        span: Span,
        negated: bool,
    ) -> Dnf {
        let whole = self.source(span).to_string();
        let claim = match self.claim(target) {
            Some(Ok(claim)) => claim,
            Some(Err(why)) => return unknown(why),
            None => return unknown(format!("`{whole}` is not a condition trustlint reads")),
        };
        let argument = match args {
            [only] => self.literal(only),
            _ => None,
        };
        let Some(Literal::Text(text, text_span)) = argument else {
            return unknown(format!("`{whole}` is not a condition trustlint reads"));
        };
        let (kind, pattern) = match name {
            "startsWith" => (MatchKind::Prefix, text),
            // `*` and `?` in the text are literal here but would be wildcards in a glob.
            "endsWith" | "contains" if text.contains(['*', '?']) => {
                return unknown(format!("`{whole}` has a `*` or `?` that a glob cannot express"));
            }
            "endsWith" => (MatchKind::Glob, format!("*{text}")),
            "contains" => (MatchKind::Glob, format!("*{text}*")),
            "matches" => match regex_as_pattern(&text) {
                Ok(read) => read,
                Err(why) => {
                    return unknown(format!(
                        "`{whole}` is a regular expression, read only when it is literal text with `^`, `$` or `.*`: {why}"
                    ));
                }
            },
            _ => return unknown(format!("`{whole}` calls `{name}`, which trustlint does not read")),
        };
        let values = vec![self.value(pattern, text_span)];
        self.condition(claim, operator(kind, name, SetQualifier::None, negated), name_span, values)
    }
}

/// One piece of a regular expression that reads as a pattern.
enum RegexPiece {
    Char(char),
    /// `.*`: any run of characters.
    AnyRun,
}

/// A CEL `matches` regular expression (RE2) as a pattern, when it is literal text with at most
/// `^`, `$` and `.*`. RE2 `matches` is unanchored (it holds when the expression matches anywhere in
/// the claim), so a bare literal is `contains`: `matches('acme')` admits `acme-evil` and
/// `evil-acme`. `^lit$` is exact, `^lit` a prefix, `lit$` the glob `*lit`. Anything else (classes,
/// repetition, alternation, a bare `.`) is an error saying why, and the caller reads it as Unknown.
fn regex_as_pattern(regex: &str) -> Result<(MatchKind, String), String> {
    let mut pieces = Vec::new();
    let (mut anchored_start, mut anchored_end) = (false, false);
    let mut chars = regex.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        match ch {
            '^' if at == 0 => anchored_start = true,
            // RE2's `$` without the `m` flag matches only at the end of the text.
            '$' if at + 1 == regex.len() => anchored_end = true,
            '\\' => match chars.next() {
                // An escaped punctuation character is itself (`\.`, `\/`, `\-`).
                Some((_, escaped)) if escaped.is_ascii_punctuation() => {
                    pieces.push(RegexPiece::Char(escaped))
                }
                Some((_, escaped)) => return Err(format!("it uses the escape `\\{escaped}`")),
                None => return Err("it ends with a lone `\\`".into()),
            },
            '.' if chars.next_if(|&(_, next)| next == '*').is_some() => pieces.push(RegexPiece::AnyRun),
            '.' => return Err("it uses `.`, which matches any one character".into()),
            '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
                return Err(format!("it uses the operator `{ch}`"));
            }
            _ => pieces.push(RegexPiece::Char(ch)),
        }
    }
    let literal: String = pieces
        .iter()
        .map_while(|piece| match piece {
            RegexPiece::Char(ch) => Some(*ch),
            RegexPiece::AnyRun => None,
        })
        .collect();
    let any_runs = pieces.iter().filter(|piece| matches!(piece, RegexPiece::AnyRun)).count();
    let trailing_run = matches!(pieces.last(), Some(RegexPiece::AnyRun));
    if anchored_start && any_runs == 0 && anchored_end {
        return Ok((MatchKind::Exact, literal));
    }
    // `^lit` and `^lit.*`: nothing after the literal start narrows the value.
    if anchored_start && (any_runs == 0 || (any_runs == 1 && trailing_run)) {
        return Ok((MatchKind::Prefix, literal));
    }
    let mut glob = String::new();
    if !anchored_start {
        glob.push('*');
    }
    for piece in &pieces {
        match piece {
            RegexPiece::Char('*' | '?') => {
                return Err("it matches a literal `*` or `?`, which a glob cannot express".into());
            }
            RegexPiece::Char(ch) => glob.push(*ch),
            RegexPiece::AnyRun if glob.ends_with('*') => {}
            RegexPiece::AnyRun => glob.push('*'),
        }
    }
    if !anchored_end && !glob.ends_with('*') {
        glob.push('*');
    }
    Ok((MatchKind::Glob, glob))
}

impl Reader<'_> {
    fn union(&mut self, mut left: Dnf, right: Dnf) -> Dnf {
        left.extend(right);
        if left.len() > MAX_ALTERNATIVES {
            self.overflowed = true;
            return Vec::new();
        }
        left
    }

    fn product(&mut self, mut left: Dnf, mut right: Dnf) -> Dnf {
        if left.len().saturating_mul(right.len()) > MAX_ALTERNATIVES {
            self.overflowed = true;
            return Vec::new();
        }
        // One side with one alternative (the usual `a && b && c`): append without copying the
        // side that grows, so a chain of n terms costs O(n), not O(n^2).
        if right.len() == 1 {
            let addition = right.pop().unwrap_or_default();
            let copies = left.len().saturating_sub(1);
            for alternative in left.iter_mut().take(copies) {
                alternative.extend(addition.iter().map(clone_atom));
            }
            if let Some(last) = left.last_mut() {
                last.extend(addition);
            }
            return left;
        }
        if left.len() == 1 && !right.is_empty() {
            let mut base = left.pop().unwrap_or_default();
            let last = right.len() - 1;
            for (i, alternative) in right.iter_mut().enumerate() {
                let prefix: Vec<Atom> =
                    if i == last { std::mem::take(&mut base) } else { base.iter().map(clone_atom).collect() };
                let tail = std::mem::replace(alternative, prefix);
                alternative.extend(tail);
            }
            return right;
        }
        let mut out = Vec::new();
        for a in &left {
            for b in &right {
                let mut both: Vec<Atom> = a.iter().map(clone_atom).collect();
                both.extend(b.iter().map(clone_atom));
                out.push(both);
            }
        }
        out
    }
}

fn clone_atom(atom: &Atom) -> Atom {
    match atom {
        Atom::Condition(condition) => Atom::Condition(condition.clone()),
        Atom::Unknown(why) => Atom::Unknown(why.clone()),
    }
}

fn into_alternative(atoms: Vec<Atom>) -> Alternative {
    use std::collections::hash_map::Entry;
    let mut alternative = Alternative::default();
    // Hash indexes keep a conjunction of n terms linear: a generated condition may have thousands.
    let mut seen: HashSet<(ShapeKey, Vec<String>, Span)> = HashSet::new();
    let mut negated_by_shape: HashMap<ShapeKey, usize> = HashMap::new();
    let mut unknown_seen: HashSet<String> = HashSet::new();
    for atom in atoms {
        match atom {
            Atom::Condition(condition) => {
                if !seen.insert((shape_key(&condition), value_texts(&condition), condition.key_span)) {
                    continue;
                }
                // `x != a && x != b` is one negated condition with two values (as IAM reads them).
                if condition.operator.negated {
                    match negated_by_shape.entry(shape_key(&condition)) {
                        Entry::Occupied(sibling) => {
                            alternative.conditions[*sibling.get()].values.extend(condition.values);
                            continue;
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(alternative.conditions.len());
                        }
                    }
                }
                alternative.conditions.push(condition);
            }
            Atom::Unknown(why) => {
                if unknown_seen.insert(why.clone()) {
                    alternative.unknown.push(why);
                }
            }
        }
    }
    alternative
}

/// What [`same_shape`] compares, as a hash key.
type ShapeKey = (String, String, MatchKind, bool, SetQualifier, String);

fn shape_key(c: &ClaimCondition) -> ShapeKey {
    (
        c.key.clone(),
        c.claim.clone(),
        c.operator.kind,
        c.operator.negated,
        c.operator.set,
        c.operator.written.clone(),
    )
}

fn same_shape(a: &ClaimCondition, b: &ClaimCondition) -> bool {
    a.key == b.key
        && a.claim == b.claim
        && a.operator.kind == b.operator.kind
        && a.operator.negated == b.operator.negated
        && a.operator.set == b.operator.set
        && a.operator.written == b.operator.written
}

fn value_texts(condition: &ClaimCondition) -> Vec<String> {
    condition.values.iter().map(ConditionValue::display).collect()
}

fn same_condition(a: &ClaimCondition, b: &ClaimCondition) -> bool {
    same_shape(a, b) && value_texts(a) == value_texts(b) && a.key_span == b.key_span
}

/// Merges alternatives that differ only in the values of one positive condition:
/// `(a && x == 1) || (a && x == 2)` -> `a && x in [1, 2]`. Identical alternatives collapse.
fn merge_alternatives(mut alternatives: Vec<Alternative>) -> Vec<Alternative> {
    let mut i = 0;
    while i < alternatives.len() {
        let mut j = i + 1;
        while j < alternatives.len() {
            if let Some(merged) = merge_pair(&alternatives[i], &alternatives[j]) {
                alternatives[i] = merged;
                alternatives.remove(j);
                j = i + 1;
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    alternatives
}

fn merge_pair(a: &Alternative, b: &Alternative) -> Option<Alternative> {
    let mut unknown_a = a.unknown.clone();
    let mut unknown_b = b.unknown.clone();
    unknown_a.sort();
    unknown_b.sort();
    if unknown_a != unknown_b || a.conditions.len() != b.conditions.len() {
        return None;
    }
    let unmatched_a: Vec<usize> = (0..a.conditions.len())
        .filter(|&x| !b.conditions.iter().any(|c| same_condition(c, &a.conditions[x])))
        .collect();
    let unmatched_b: Vec<usize> = (0..b.conditions.len())
        .filter(|&y| !a.conditions.iter().any(|c| same_condition(c, &b.conditions[y])))
        .collect();
    match (unmatched_a.as_slice(), unmatched_b.as_slice()) {
        ([], []) => Some(a.clone()),
        ([x], [y]) => {
            let (ca, cb) = (&a.conditions[*x], &b.conditions[*y]);
            let mergeable = same_shape(ca, cb)
                && !ca.operator.negated
                && ca.operator.kind != MatchKind::Other
                && ca.operator.set != SetQualifier::ForAllValues;
            if !mergeable {
                return None;
            }
            let mut merged = a.clone();
            let target = &mut merged.conditions[*x];
            for value in &cb.values {
                if !target.values.iter().any(|v| v.display() == value.display()) {
                    target.values.push(value.clone());
                }
            }
            Some(merged)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use trustlint_syntax::cel::MAX_CHAIN;

    use super::*;

    fn github_mapping() -> AttributeMapping {
        let mut mapping = AttributeMapping::new();
        mapping.insert("google.subject", Mapped::Expression("assertion.sub".into()));
        mapping.insert("attribute.repository", Mapped::Expression("assertion.repository".into()));
        mapping.insert("attribute.owner", Mapped::Expression("assertion['repository_owner']".into()));
        mapping.insert(
            "attribute.actor_repo",
            Mapped::Expression("assertion.actor + assertion.repository".into()),
        );
        mapping.insert("attribute.env", Mapped::Unknown("an Output".into()));
        mapping
    }

    /// Renders a condition compactly: alternatives separated by ` | `, conditions by ` & `.
    fn render(text: &str) -> String {
        let origin = TextOrigin { whole: Span::new(0, text.len()), content_start: Some(0) };
        let cel = read_condition(text, &github_mapping(), origin);
        if cel.alternatives.is_empty() {
            return "never".into();
        }
        cel.alternatives
            .iter()
            .map(|alt| {
                let mut parts: Vec<String> = alt
                    .conditions
                    .iter()
                    .map(|c| {
                        let values: Vec<String> = c.values.iter().map(|v| v.display()).collect();
                        format!(
                            "{}{}{:?}{}[{}]",
                            if c.operator.negated { "!" } else { "" },
                            c.claim,
                            c.operator.kind,
                            if c.operator.set == SetQualifier::ForAnyValue { "any" } else { "" },
                            values.join(",")
                        )
                    })
                    .collect();
                parts.extend(alt.unknown.iter().map(|why| format!("?({why})")));
                if parts.is_empty() { "always".to_string() } else { parts.join(" & ") }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    #[test]
    fn reads_the_forms_people_write() {
        let cases: &[(&str, &str)] = &[
            ("assertion.repository_owner == 'acme'", "repository_ownerExact[acme]"),
            ("\"acme\" == assertion.repository_owner", "repository_ownerExact[acme]"),
            ("assertion.repository_owner_id == 4411223", "repository_owner_idExact[4411223]"),
            (
                "assertion.repository_owner_id == '4411223' && assertion.repository_id == '90817263'",
                "repository_owner_idExact[4411223] & repository_idExact[90817263]",
            ),
            ("assertion.ref != 'refs/heads/dev'", "!refExact[refs/heads/dev]"),
            ("assertion.repository in ['acme/a', \"acme/b\",]", "repositoryExact[acme/a,acme/b]"),
            ("assertion.repository_owner.startsWith('acme')", "repository_ownerPrefix[acme]"),
            ("assertion.sub.endsWith(':environment:prod')", "subGlob[*:environment:prod]"),
            ("assertion.sub.contains('acme')", "subGlob[*acme*]"),
            ("attribute.repository == 'acme/infra'", "repositoryExact[acme/infra]"),
            ("attribute.owner == 'acme'", "repository_ownerExact[acme]"),
            (
                "google.subject == 'repo:acme/infra:ref:refs/heads/main'",
                "subExact[repo:acme/infra:ref:refs/heads/main]",
            ),
            ("assertion['sub'] == 'x'", "subExact[x]"),
            ("'admins' in assertion.groups", "groupsExactany[admins]"),
            ("has(assertion.environment)", "environmentOther[]"),
            ("true", "always"),
            ("false", "never"),
            ("assertion.a == 'x' && false", "never"),
        ];
        for (text, expected) in cases {
            assert_eq!(render(text), *expected, "{text}");
        }
    }

    #[test]
    fn alternatives_negation_and_merging() {
        let cases: &[(&str, &str)] = &[
            (
                "assertion.repository == 'acme/a' || assertion.repository == 'acme/b'",
                "repositoryExact[acme/a,acme/b]",
            ),
            (
                "assertion.repository_owner == 'acme' && (assertion.ref == 'refs/heads/main' || assertion.ref == 'refs/heads/prod')",
                "repository_ownerExact[acme] & refExact[refs/heads/main,refs/heads/prod]",
            ),
            (
                "assertion.repository == 'acme/a' || assertion.ref == 'refs/heads/main'",
                "repositoryExact[acme/a] | refExact[refs/heads/main]",
            ),
            ("!(assertion.repository == 'acme/a')", "!repositoryExact[acme/a]"),
            ("!(assertion.repository != 'acme/a')", "repositoryExact[acme/a]"),
            ("!(assertion.a == 'x' && assertion.b == 'y')", "!aExact[x] | !bExact[y]"),
            ("assertion.sub != 'a' && assertion.sub != 'b'", "!subExact[a,b]"),
            // OR of negations is not one negated condition: keep both ways in.
            ("assertion.sub != 'a' || assertion.sub != 'b'", "!subExact[a] | !subExact[b]"),
            ("!assertion.sub.startsWith('repo:acme/')", "!subPrefix[repo:acme/]"),
            ("assertion.a == 'x' || assertion.a == 'x'", "aExact[x]"),
        ];
        for (text, expected) in cases {
            assert_eq!(render(text), *expected, "{text}");
        }
    }

    #[test]
    fn anything_else_is_unknown_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            (
                "assertion.ref.matches('^refs/heads/(main|dev)$')",
                "?(`assertion.ref.matches('^refs/heads/(main|dev)$')` is a regular expression, read only when it is literal text with `^`, `$` or `.*`: it uses the operator `(`)",
            ),
            (
                "attribute.actor_repo == 'x'",
                "?(`attribute.actor_repo` depends on `attribute.actor_repo` is mapped from `assertion.actor + assertion.repository`, not from one claim)",
            ),
            (
                "attribute.env == 'prod'",
                "?(`attribute.env` depends on the mapping of `attribute.env` (an Output))",
            ),
            (
                "attribute.nope == 'x'",
                "?(`attribute.nope` depends on `attribute.nope`, which the attribute mapping does not define)",
            ),
            (
                "assertion.a == assertion.b",
                "?(`assertion.a == assertion.b` is not a comparison trustlint reads)",
            ),
            ("assertion.sub.size() > 3", "?(`assertion.sub.size() > 3` is not a comparison trustlint reads)"),
            (
                "assertion.a == 'x' ? true : false",
                "?(`assertion.a == 'x' ? true : false` uses a conditional (`? :`), which trustlint does not evaluate)",
            ),
            (
                "assertion.repository_owner == 'acme' && assertion.ref.matches('ma.n')",
                "repository_ownerExact[acme] & ?(`assertion.ref.matches('ma.n')` is a regular expression, read only when it is literal text with `^`, `$` or `.*`: it uses `.`, which matches any one character)",
            ),
            (
                "assertion.repository_owner == 'acme' || assertion.x.matches('y+')",
                "repository_ownerExact[acme] | ?(`assertion.x.matches('y+')` is a regular expression, read only when it is literal text with `^`, `$` or `.*`: it uses the operator `+`)",
            ),
            (
                "assertion.a == 'x",
                "?(the attribute condition could not be read as CEL: a string literal is not closed)",
            ),
            (
                "assertion.a == ",
                "?(the attribute condition could not be read as CEL: the expression ends too early)",
            ),
            (
                "assertion.a == 'x' 'y'",
                "?(the attribute condition could not be read as CEL: unexpected `'y'`)",
            ),
            (
                "assertion.a # 'x'",
                "?(the attribute condition could not be read as CEL: unexpected character `#`)",
            ),
            ("", "?(the attribute condition is empty)"),
        ];
        for (text, expected) in cases {
            assert_eq!(render(text), *expected, "{text}");
        }
    }

    #[test]
    fn literal_regular_expressions_read_as_patterns() {
        let cases: &[(&str, &str)] = &[
            // RE2 `matches` is unanchored: a bare literal matches anywhere in the claim.
            ("assertion.repository_owner.matches('acme')", "repository_ownerGlob[*acme*]"),
            ("assertion.repository_owner.matches('^acme$')", "repository_ownerExact[acme]"),
            ("assertion.repository_owner.matches('^acme')", "repository_ownerPrefix[acme]"),
            ("assertion.repository_owner.matches('^acme.*')", "repository_ownerPrefix[acme]"),
            ("assertion.repository_owner.matches('acme$')", "repository_ownerGlob[*acme]"),
            ("assertion.sub.matches('^repo:acme/.*$')", "subPrefix[repo:acme/]"),
            (
                "assertion.sub.matches('^repo:acme/.*:environment:prod$')",
                "subGlob[repo:acme/*:environment:prod]",
            ),
            ("assertion.sub.matches('.*:environment:prod$')", "subGlob[*:environment:prod]"),
            ("assertion.sub.matches('repo:acme/.*.*:ref')", "subGlob[*repo:acme/*:ref*]"),
            (r"assertion.sub.matches('^repo:acme/infra\\.io$')", "subExact[repo:acme/infra.io]"),
            (r"assertion.sub.matches(r'^repo:acme/infra\.io$')", "subExact[repo:acme/infra.io]"),
            ("assertion.sub.matches('')", "subGlob[*]"),
            ("assertion.sub.matches('.*')", "subGlob[*]"),
            ("assertion.sub.matches('^$')", "subExact[]"),
            ("!assertion.repository_owner.matches('^acme$')", "!repository_ownerExact[acme]"),
            // An escaped `*` is a literal character: fine compared exactly, not as a glob.
            (r"assertion.sub.matches(r'^a\*$')", "subExact[a*]"),
        ];
        for (text, expected) in cases {
            assert_eq!(render(text), *expected, "{text}");
        }
        let not_read = |text: &str, why: &str| {
            let expected = format!(
                "?(`{text}` is a regular expression, read only when it is literal text with `^`, `$` or `.*`: {why})"
            );
            assert_eq!(render(text), expected, "{text}");
        };
        not_read("assertion.a.matches('acme|evil')", "it uses the operator `|`");
        not_read("assertion.a.matches('[a-z]+')", "it uses the operator `[`");
        not_read("assertion.a.matches('a.*?b')", "it uses the operator `?`");
        not_read("assertion.a.matches('^a$b')", "it uses the operator `$`");
        not_read("assertion.a.matches('a^')", "it uses the operator `^`");
        not_read("assertion.a.matches('acme.')", "it uses `.`, which matches any one character");
        not_read(r"assertion.a.matches(r'\d')", r"it uses the escape `\d`");
        not_read(r"assertion.a.matches(r'a\')", r"it ends with a lone `\`");
        not_read(
            r"assertion.a.matches(r'a\*')",
            "it matches a literal `*` or `?`, which a glob cannot express",
        );
        // Spans: the operator is `matches`, the value the regular expression's literal.
        let text = "assertion.repository_owner.matches('acme')";
        let origin = TextOrigin { whole: Span::new(0, text.len()), content_start: Some(0) };
        let cel = read_condition(text, &github_mapping(), origin);
        let condition = &cel.alternatives[0].conditions[0];
        assert_eq!(&text[condition.operator_span.start..condition.operator_span.end], "matches");
        assert_eq!(condition.operator.written, "matches");
        let value = condition.values[0].span;
        assert_eq!(&text[value.start..value.end], "'acme'");
    }

    #[test]
    fn escapes_and_quote_forms() {
        assert_eq!(render(r#"assertion.a == 'it\'s'"#), "aExact[it's]");
        assert_eq!(render(r#"assertion.a == "say \"hi\"""#), "aExact[say \"hi\"]");
        assert_eq!(render(r#"assertion.a == r'a\b'"#), r"aExact[a\b]");
        assert_eq!(render("assertion.a == '''x'''"), "aExact[x]");
        assert_eq!(render(r"assertion.a == '\x41\u00e9'"), "aExact[Aé]");
    }

    #[test]
    fn spans_point_into_the_file() {
        // The CEL text sits inside a quoted literal at offset 10 of a file.
        let file = r#"condition="assertion.repository_owner.startsWith('acme')""#;
        let whole = Span::new(10, file.len());
        let text = "assertion.repository_owner.startsWith('acme')";
        let origin = TextOrigin::of_literal(&file[whole.start..whole.end], whole, text);
        assert_eq!(origin.content_start, Some(11));
        let cel = read_condition(text, &github_mapping(), origin);
        let condition = &cel.alternatives[0].conditions[0];
        let slice = |span: Span| &file[span.start..span.end];
        assert_eq!(slice(condition.key_span), "assertion.repository_owner");
        assert_eq!(slice(condition.operator_span), "startsWith");
        assert_eq!(slice(condition.values[0].span), "'acme'");
        // Without a byte-for-byte origin every span is the whole value.
        let cel = read_condition(text, &github_mapping(), TextOrigin::whole(whole));
        assert_eq!(cel.alternatives[0].conditions[0].values[0].span, whole);
    }

    #[test]
    fn bounded_on_hostile_input() {
        let deep = format!("{}assertion.a == 'x'{}", "(".repeat(500), ")".repeat(500));
        assert!(render(&deep).starts_with("?("));
        let many = (0..10)
            .map(|i| format!("(assertion.a == '{i}' || assertion.b == '{i}')"))
            .collect::<Vec<_>>()
            .join(" && ");
        assert_eq!(
            render(&many),
            format!("?(the condition expands to more than {MAX_ALTERNATIVES} alternatives)")
        );
        let bangs = format!("{}true", "!".repeat(1000));
        assert!(render(&bangs).starts_with("?("));
    }

    /// Runs `read` on a thread with a small stack: long chains must not recurse per term.
    fn on_small_stack<T: Send>(read: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(scope, read)
                .unwrap()
                .join()
                .unwrap()
        })
    }

    #[test]
    fn long_operator_chains_are_read_without_deep_recursion() {
        // 20,000 `&&` terms (issue 9 item 10: 18,400 overflowed the stack): every term is read.
        let terms = 20_000;
        let conjunction =
            (0..terms).map(|i| format!("assertion.c{i} == 'v{i}'")).collect::<Vec<_>>().join(" && ");
        let cel = on_small_stack(|| {
            let origin = TextOrigin::whole(Span::new(0, conjunction.len()));
            read_condition(&conjunction, &github_mapping(), origin)
        });
        assert_eq!(cel.alternatives.len(), 1);
        assert_eq!(cel.alternatives[0].conditions.len(), terms);
        assert!(!cel.has_unknown());
        // The same number of `||` terms is more alternatives than are expanded: Unknown, saying why.
        let disjunction =
            (0..terms).map(|i| format!("assertion.sub == 'v{i}'")).collect::<Vec<_>>().join(" || ");
        assert_eq!(
            on_small_stack(|| render(&disjunction)),
            format!("?(the condition expands to more than {MAX_ALTERNATIVES} alternatives)")
        );
        // Mixed: `a && b || c && d || ...` stays flat too.
        let mixed = (0..terms / 2)
            .map(|i| format!("assertion.sub == 'a{i}' && !assertion.x"))
            .collect::<Vec<_>>()
            .join(" || ");
        assert!(on_small_stack(|| render(&mixed)).starts_with("?(the condition expands"));
    }

    #[test]
    fn long_member_chains_are_unknown_with_the_limit() {
        // 174k chained `.b` overflowed the stack (issue 9 item 10).
        let chain = format!("assertion{} == 'x'", ".b".repeat(174_000));
        let rendered = on_small_stack(|| render(&chain));
        assert_eq!(
            rendered,
            format!(
                "?(the attribute condition could not be read as CEL: more than {MAX_CHAIN} member \
                 accesses, indexes or calls are chained)"
            )
        );
        let comparisons = format!("assertion.sub{}", " == 'x'".repeat(100_000));
        assert!(on_small_stack(|| render(&comparisons)).contains("comparisons are chained"));
        // Right at the limit the path is still read.
        let at_limit = format!("assertion{} == 'x'", ".b".repeat(MAX_CHAIN));
        assert!(render(&at_limit).contains("Exact[x]"), "{}", render(&at_limit));
    }

    #[test]
    fn claim_paths() {
        assert_eq!(claim_path("assertion.sub").as_deref(), Some("sub"));
        assert_eq!(claim_path(" assertion['repository'] ").as_deref(), Some("repository"));
        assert_eq!(claim_path("assertion.sub + '::' + assertion.aud"), None);
        assert_eq!(claim_path("'x'"), None);
        assert_eq!(claim_path("attribute.x"), None);
    }
}
