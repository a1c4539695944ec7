//! Claim grammars: subject (and subject-like claim) patterns parsed with each issuer's grammar,
//! and graded by breadth. See oidc-reference.md 1.1-1.9 and 2.6.

use crate::issuer::IssuerKind;

/// How much a pattern admits, widest first. Ordering: `AnySubject > AnyOwner > ... > Exact`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Breadth {
    /// Intended scope: one repository plus one ref or environment (or the issuer's equivalent).
    Exact,
    /// One repository (project, stack, ...) and a ref/environment/tag *pattern*.
    ContextPattern,
    /// One repository on any ref, environment or pull request (or `pull_request` itself).
    AnyContext,
    /// Sibling repositories sharing a name prefix (`repo:acme/infra*`).
    SiblingRepos,
    /// Every repository of one owner / group / organization.
    WholeOwner,
    /// Owners other than the intended one (`repo:acme*`, `repo:*`).
    AnyOwner,
    /// Any subject at all from this issuer (`*`).
    AnySubject,
}

/// The result of reading one pattern with its issuer's grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectVerdict {
    /// The pattern is inside the grammar; this is what it admits.
    Scoped {
        breadth: Breadth,
        /// Who can get in, in words: "any repository owned by `acme`, on any branch, tag,
        /// environment or pull request".
        who: String,
        /// A narrower value to write instead, when one can be derived from the pattern
        /// (e.g. `repo:acme/infra:environment:prod`).
        suggestion: Option<String>,
    },
    /// The value can never be emitted by this issuer (e.g. `repo:acme/infra:ref:main`: GitHub
    /// writes `ref:refs/heads/main`).
    OutsideGrammar { reason: String, suggestion: Option<String> },
    /// The grammar of this issuer/claim is not known: do not guess.
    Unrecognised,
}

/// Read `pattern` as a value of `claim` (lower-case: `sub`, `repository`, `job_workflow_ref`, ...)
/// for tokens of `issuer`. `glob` is true when `*` and `?` are wildcards (StringLike, Azure
/// `matches`); otherwise they are literal characters.
pub fn assess(issuer: &IssuerKind, claim: &str, pattern: &str, glob: bool) -> SubjectVerdict {
    let _ = (issuer, claim, pattern, glob);
    SubjectVerdict::Unrecognised
}
