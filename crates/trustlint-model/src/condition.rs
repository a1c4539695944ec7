//! Claim conditions and their operator semantics, in a form shared by AWS IAM conditions, GCP CEL
//! attribute conditions and Azure federated credentials (oidc-reference.md 2.2).

use std::sync::Arc;

use trustlint_core::{SourceFile, Span};

/// How a value is compared with the claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// Exact comparison (`StringEquals`, CEL `==`, Azure classic FIC); `*` and `?` are literals.
    Exact,
    /// Exact, ignoring case (`StringEqualsIgnoreCase`).
    ExactIgnoreCase,
    /// Glob: `*` any run (including `/` and `:`), `?` one character (`StringLike`, Azure `matches`).
    Glob,
    /// Prefix (`startsWith` in CEL).
    Prefix,
    /// An operator that does not compare strings in a way that restricts who the workload is
    /// (`Null`, `Bool`, numeric, an unknown operator name).
    Other,
}

/// Multi-valued key qualifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    None,
    /// `ForAnyValue:` is false when the key is absent.
    ForAnyValue,
    /// `ForAllValues:` is true when the key is absent or empty: fails open in an Allow.
    ForAllValues,
}

/// The language a condition is written in: it says what an operator's text means, and how to
/// write another comparison in its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// An AWS IAM condition operator (`StringLike`, `ForAllValues:StringEqualsIfExists`).
    Iam,
    /// A GCP CEL attribute condition (`==`, `in`, `startsWith`).
    Cel,
    /// A field of an Azure federated identity credential (`subject`, `audiences`, `issuer`),
    /// compared exactly.
    AzureCredential,
    /// An Azure flexible credential's `claimsMatchingExpression` (`eq`, `matches`).
    AzureExpression,
    /// A GCP IAM principal identifier (`principal://…/subject/`, `principalSet://…/attribute.NAME/`).
    GcpPrincipal,
    /// A GCP workload identity provider's `allowedAudiences`, compared exactly.
    GcpAllowedAudiences,
}

/// An operator as written, decomposed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// As written, e.g. `ForAllValues:StringLikeIfExists`.
    pub written: String,
    pub dialect: Dialect,
    pub kind: MatchKind,
    /// `StringNotEquals`, `StringNotLike`, CEL `!=`: matches everything else, and absence.
    pub negated: bool,
    /// `...IfExists`: true when the key is absent.
    pub if_exists: bool,
    pub set: SetQualifier,
}

impl Operator {
    /// Decompose an IAM condition operator name (case-insensitive, as AWS treats them).
    pub fn parse_iam(written: &str) -> Operator {
        let mut rest = written.trim();
        let mut set = SetQualifier::None;
        if let Some((qualifier, op)) = rest.split_once(':') {
            if qualifier.eq_ignore_ascii_case("ForAllValues") {
                set = SetQualifier::ForAllValues;
            } else if qualifier.eq_ignore_ascii_case("ForAnyValue") {
                set = SetQualifier::ForAnyValue;
            }
            rest = op;
        }
        let lower = rest.to_ascii_lowercase();
        let (base, if_exists) = match lower.strip_suffix("ifexists") {
            Some(base) => (base.to_string(), true),
            None => (lower.clone(), false),
        };
        let (kind, negated) = match base.as_str() {
            "stringequals" => (MatchKind::Exact, false),
            "stringnotequals" => (MatchKind::Exact, true),
            "stringequalsignorecase" => (MatchKind::ExactIgnoreCase, false),
            "stringnotequalsignorecase" => (MatchKind::ExactIgnoreCase, true),
            "stringlike" => (MatchKind::Glob, false),
            "stringnotlike" => (MatchKind::Glob, true),
            _ => (MatchKind::Other, false),
        };
        Operator { written: written.to_string(), dialect: Dialect::Iam, kind, negated, if_exists, set }
    }

    /// A plain positive comparison with no fail-open qualifier.
    pub fn positive(dialect: Dialect, kind: MatchKind, written: &str) -> Operator {
        Operator {
            written: written.to_string(),
            dialect,
            kind,
            negated: false,
            if_exists: false,
            set: SetQualifier::None,
        }
    }

    /// True when the condition holds for a token that lacks the claim altogether.
    pub fn passes_when_absent(&self) -> bool {
        self.if_exists || self.negated || self.set == SetQualifier::ForAllValues
    }

    /// True when the operator compares strings (so its values are patterns to judge).
    pub fn compares_strings(&self) -> bool {
        self.kind != MatchKind::Other
    }

    pub fn is_glob(&self) -> bool {
        matches!(self.kind, MatchKind::Glob)
    }

    /// A value of this operator as a pattern for the claim grammars: `(pattern, glob)`. A prefix
    /// (`startsWith('repo:acme/')`) is the glob `repo:acme/*`; a prefix that itself holds `*` or
    /// `?` cannot be written as a glob and is read literally.
    pub fn pattern(&self, text: &str) -> (String, bool) {
        match self.kind {
            MatchKind::Prefix if !has_wildcard(text) => (format!("{text}*"), true),
            _ => (text.to_string(), self.is_glob()),
        }
    }
}

/// A default that only tells the reader what to fill in (`<YOUR_GITHUB_ORG>`, `YOUR_REPO_NAME`,
/// `REPLACE_ME`, `{{org}}`): the deployed value is whatever the user writes there, so it is unknown,
/// not a literal owner named `<YOUR_GITHUB_ORG>`.
pub fn is_fill_in_placeholder(text: &str) -> bool {
    let text = text.trim();
    if text.len() > 2
        && ((text.starts_with('<') && text.ends_with('>'))
            || (text.starts_with("{{") && text.ends_with("}}")))
    {
        return true;
    }
    let upper = text.to_ascii_uppercase();
    let shouting = text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
    shouting
        && ["YOUR_", "YOUR-", "REPLACE", "CHANGE_ME", "CHANGEME", "FILL_IN", "TODO"]
            .iter()
            .any(|marker| upper.contains(marker))
}

/// One piece of a value: literal text, or a hole that cannot be resolved statically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// What produced the hole, e.g. "parameter `GitHubOrg` (no default)", "`${org}` placeholder".
    Unknown(String),
}

/// A condition value with its source span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionValue {
    pub pieces: Vec<Piece>,
    pub span: Span,
    /// Set when the value was resolved through a default or read from elsewhere ("the default
    /// of parameter `Org`", "config `acme:sub` of stack `dev`, in `Pulumi.dev.yaml`").
    pub relies_on: Option<String>,
    /// Where the value is written, when not at `span`: the place to edit, shown as a related
    /// location.
    pub defined_at: Option<DefinedAt>,
    /// Parts of the value written elsewhere and spliced into it.
    pub spliced: Splices,
}

/// The parts of a value that were written elsewhere and spliced into it (`ORG` in
/// `repo:${ORG}/*`, a parameter's default in `!Sub`, a stack value in a template): each keeps
/// where it is written, so a finding on the value can show the parts that matter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Splices {
    /// In the order they occur in the value, one per place.
    pub parts: Vec<SplicedPart>,
    /// How many more parts the evaluator saw but did not keep.
    pub omitted: usize,
}

/// One part of a value written elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplicedPart {
    /// The text it contributes.
    pub text: String,
    /// How a message names it: "`ORG`", "`ORG` of `constants.ts`", "the default of parameter
    /// `Org`", "config `infra:org` of stack `dev`, in `Pulumi.dev.yaml`"; `None` when the
    /// expression that splices it in is no name.
    pub source: Option<String>,
    pub at: DefinedAt,
}

impl Splices {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Add a part, unless one written at the same place is already there.
    pub fn push(&mut self, part: SplicedPart) {
        if !self.parts.iter().any(|known| known.at == part.at) {
            self.parts.push(part);
        }
    }

    pub fn extend(&mut self, other: Splices) {
        other.parts.into_iter().for_each(|part| self.push(part));
        self.omitted += other.omitted;
    }
}

/// Where a value is written when that is not where it is used: a parameter's `Default` in the
/// same template, a value in a stack's `Pulumi.<stack>.yaml`, a constant of a sibling module.
#[derive(Clone, Debug)]
pub struct DefinedAt {
    /// The file, when it is not the one holding the fact (the stack file, the module).
    pub file: Option<Arc<SourceFile>>,
    pub span: Span,
}

impl DefinedAt {
    /// A place in the file that holds the fact.
    pub fn here(span: Span) -> Self {
        DefinedAt { file: None, span }
    }

    /// A place in another file.
    pub fn in_file(file: &Arc<SourceFile>, span: Span) -> Self {
        DefinedAt { file: Some(Arc::clone(file)), span }
    }
}

impl PartialEq for DefinedAt {
    fn eq(&self, other: &Self) -> bool {
        self.span == other.span
            && self.file.as_ref().map(|file| file.path()) == other.file.as_ref().map(|file| file.path())
    }
}

impl Eq for DefinedAt {}

impl ConditionValue {
    pub fn known(text: impl Into<String>, span: Span) -> Self {
        Self {
            pieces: vec![Piece::Text(text.into())],
            span,
            relies_on: None,
            defined_at: None,
            spliced: Splices::default(),
        }
    }

    pub fn unknown(why: impl Into<String>, span: Span) -> Self {
        Self {
            pieces: vec![Piece::Unknown(why.into())],
            span,
            relies_on: None,
            defined_at: None,
            spliced: Splices::default(),
        }
    }

    /// The full text when no piece is unknown.
    pub fn text(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Unknown(_) => return None,
            }
        }
        Some(out)
    }

    /// What could not be resolved, for messages.
    pub fn unknown_reasons(&self) -> Vec<&str> {
        self.pieces
            .iter()
            .filter_map(|piece| match piece {
                Piece::Unknown(why) => Some(why.as_str()),
                Piece::Text(_) => None,
            })
            .collect()
    }

    /// The text with holes shown as `…`, for messages.
    pub fn display(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.as_str(),
                Piece::Unknown(_) => "…",
            })
            .collect()
    }
}

/// A condition on one claim of the token: `token.actions.githubusercontent.com:sub StringLike
/// repo:acme/*`. Several values are OR-ed; several conditions in a trust are AND-ed.
#[derive(Clone, Debug)]
pub struct ClaimCondition {
    /// The key as written (`token.actions.githubusercontent.com:sub`, `assertion.repository`).
    pub key: String,
    /// The issuer part of an AWS key (`token.actions.githubusercontent.com`), when the key has one.
    pub issuer_prefix: Option<String>,
    /// The claim, lower-cased (`sub`, `aud`, `repository_owner`).
    pub claim: String,
    pub operator: Operator,
    pub values: Vec<ConditionValue>,
    pub key_span: Span,
    pub operator_span: Span,
    /// Translated from a `Deny` statement (`Deny` when `StringNotLike` = require `StringLike`).
    pub from_deny: bool,
}

/// A condition the model saw but that does not take effect: a duplicate JSON key that the parser
/// AWS uses drops silently.
#[derive(Clone, Debug)]
pub struct DroppedCondition {
    pub key: String,
    /// The duplicate that is dropped.
    pub span: Span,
    /// The one that wins.
    pub kept_span: Span,
}

/// Glob matching with IAM `StringLike` semantics.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// True when the text has a glob wildcard character.
pub fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_in_placeholders() {
        for text in ["<YOUR_GITHUB_ORG>", "<your-repo>", "YOUR_ORG_NAME", "REPLACE_ME", "{{ org }}"] {
            assert!(is_fill_in_placeholder(text), "{text}");
        }
        for text in ["acme", "my-repo", "YOURS", "<", "Your_org", "repo:acme/*"] {
            assert!(!is_fill_in_placeholder(text), "{text}");
        }
    }

    #[test]
    fn parses_operator_names() {
        let cases: &[(&str, MatchKind, bool, bool, SetQualifier)] = &[
            ("StringEquals", MatchKind::Exact, false, false, SetQualifier::None),
            ("stringlike", MatchKind::Glob, false, false, SetQualifier::None),
            ("StringNotLike", MatchKind::Glob, true, false, SetQualifier::None),
            ("StringLikeIfExists", MatchKind::Glob, false, true, SetQualifier::None),
            ("ForAllValues:StringLike", MatchKind::Glob, false, false, SetQualifier::ForAllValues),
            ("ForAnyValue:StringEquals", MatchKind::Exact, false, false, SetQualifier::ForAnyValue),
            ("StringEqualsIgnoreCase", MatchKind::ExactIgnoreCase, false, false, SetQualifier::None),
            ("StringNotEqualsIfExists", MatchKind::Exact, true, true, SetQualifier::None),
            ("Null", MatchKind::Other, false, false, SetQualifier::None),
            ("Bool", MatchKind::Other, false, false, SetQualifier::None),
        ];
        for (name, kind, negated, if_exists, set) in cases {
            let op = Operator::parse_iam(name);
            assert_eq!(
                (op.kind, op.negated, op.if_exists, op.set),
                (*kind, *negated, *if_exists, *set),
                "{name}"
            );
        }
        assert!(Operator::parse_iam("ForAllValues:StringEquals").passes_when_absent());
        assert!(Operator::parse_iam("StringNotEquals").passes_when_absent());
        assert!(!Operator::parse_iam("ForAnyValue:StringEquals").passes_when_absent());
        assert!(!Operator::parse_iam("StringLike").passes_when_absent());
    }

    #[test]
    fn glob_follows_string_like() {
        let cases: &[(&str, &str, bool)] = &[
            ("repo:acme/*", "repo:acme/infra:ref:refs/heads/main", true),
            ("repo:acme/*", "repo:acme-evil/infra:ref:refs/heads/main", false),
            ("repo:acme*", "repo:acme-evil/infra:pull_request", true),
            ("repo:acme/infra:ref:refs/heads/?ain", "repo:acme/infra:ref:refs/heads/main", true),
            ("repo:acme/infra:ref:refs/heads/?ain", "repo:acme/infra:ref:refs/heads/ain", false),
            ("*", "", true),
            ("a*b*c", "abxbc", true),
            ("a*b*c", "abxbd", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_matches(pattern, text), *expected, "{pattern} vs {text}");
        }
    }

    #[test]
    fn prefixes_read_as_globs() {
        let prefix = Operator::positive(Dialect::Cel, MatchKind::Prefix, "startsWith");
        assert_eq!(prefix.pattern("repo:acme/"), ("repo:acme/*".to_string(), true));
        assert_eq!(prefix.pattern("repo:acme/*"), ("repo:acme/*".to_string(), false));
        let exact = Operator::positive(Dialect::Cel, MatchKind::Exact, "==");
        assert_eq!(exact.pattern("a*"), ("a*".to_string(), false));
        assert_eq!(Operator::parse_iam("StringLike").pattern("a*"), ("a*".to_string(), true));
    }

    #[test]
    fn values_with_holes_have_no_text() {
        let value = ConditionValue {
            pieces: vec![
                Piece::Text("repo:".into()),
                Piece::Unknown("parameter `Org`".into()),
                Piece::Text("/*".into()),
            ],
            span: Span::new(0, 1),
            relies_on: None,
            defined_at: None,
            spliced: Default::default(),
        };
        assert_eq!(value.text(), None);
        assert_eq!(value.display(), "repo:…/*");
        assert_eq!(value.unknown_reasons(), vec!["parameter `Org`"]);
    }
}
