//! What a trust admits, computed once and shared by the subject, audience and admin rules.

use trustlint_model::subject::{self, Breadth, SubjectVerdict};
use trustlint_model::{ClaimCondition, ConditionValue, Issuer, Trust};

/// Claims every token of a recognised issuer carries: `IfExists` and `ForAllValues:` still
/// restrict them (the "absent" case never happens), though both are flagged as fragile.
const ALWAYS_PRESENT: &[&str] =
    &["sub", "aud", "repository", "repository_id", "repository_owner", "project_path"];

/// True when the condition limits which tokens pass.
pub fn is_effective(condition: &ClaimCondition) -> bool {
    let op = &condition.operator;
    op.compares_strings()
        && !op.negated
        && (!op.passes_when_absent() || ALWAYS_PRESENT.contains(&condition.claim.as_str()))
}

/// Conditions that say which workload the token belongs to (`sub` or an equivalent claim of the
/// issuer) and that take effect.
pub fn subject_restrictions<'a>(trust: &'a Trust, issuer: &Issuer) -> Vec<&'a ClaimCondition> {
    trust
        .conditions
        .iter()
        .filter(|c| issuer.subject_claims().contains(&c.claim.as_str()))
        .filter(|c| trust.key_matches_issuer(c) && is_effective(c))
        .collect()
}

/// One value of a subject condition, read with the issuer's grammar.
#[derive(Debug)]
pub struct GradedValue<'a> {
    pub value: &'a ConditionValue,
    pub text: String,
    pub breadth: Breadth,
    pub who: String,
    pub suggestion: Option<String>,
}

/// The breadth of one condition: the widest of its values (values are OR-ed).
#[derive(Debug)]
pub struct GradedCondition<'a> {
    pub condition: &'a ClaimCondition,
    /// `None` when a value is Unknown or outside any grammar we know: the condition may be narrow.
    pub breadth: Option<Breadth>,
    pub values: Vec<GradedValue<'a>>,
    /// What could not be resolved.
    pub unknown: Vec<String>,
}

pub fn grade<'a>(issuer: &Issuer, condition: &'a ClaimCondition) -> GradedCondition<'a> {
    let mut values = Vec::new();
    let mut unknown = Vec::new();
    let mut unresolved = false;
    for value in &condition.values {
        let Some(text) = value.text() else {
            unknown.extend(value.unknown_reasons().into_iter().map(str::to_string));
            unresolved = true;
            continue;
        };
        // A wildcard under an exact operator is reported by `oidc-condition-never-matches`;
        // such a value matches nothing, so it adds no breadth.
        // A prefix (CEL `startsWith`) is graded as the glob it equals.
        let (text, glob) = condition.operator.pattern(&text);
        match subject::assess(&issuer.kind, &condition.claim, &text, glob) {
            SubjectVerdict::Scoped { breadth, who, suggestion } => {
                values.push(GradedValue { value, text, breadth, who, suggestion })
            }
            SubjectVerdict::OutsideGrammar { .. } => {}
            SubjectVerdict::Unrecognised => unresolved = true,
        }
    }
    let breadth = if unresolved { None } else { values.iter().map(|v| v.breadth).max() };
    GradedCondition { condition, breadth, values, unknown }
}

/// The subject side of a trust as a whole.
#[derive(Debug)]
pub struct SubjectScope<'a> {
    /// No effective subject restriction at all.
    pub missing: bool,
    /// The narrowest known condition (conditions are AND-ed), with its breadth.
    pub narrowest: Option<GradedCondition<'a>>,
    /// Some restriction could not be read: the trust may be narrower than `narrowest` says.
    pub partly_unknown: bool,
}

impl SubjectScope<'_> {
    pub fn effective_breadth(&self) -> Option<Breadth> {
        self.narrowest.as_ref().and_then(|c| c.breadth)
    }

    /// Missing, or wide enough that anyone outside one owner's repositories can get in.
    pub fn is_owner_wide_or_wider(&self) -> bool {
        self.missing || self.effective_breadth().is_some_and(|b| b >= Breadth::WholeOwner)
    }
}

pub fn subject_scope<'a>(trust: &'a Trust, issuer: &Issuer) -> SubjectScope<'a> {
    let restrictions = subject_restrictions(trust, issuer);
    let missing = restrictions.is_empty() && trust.conditions_unknown.is_none();
    let mut partly_unknown = trust.conditions_unknown.is_some();
    let mut narrowest: Option<GradedCondition<'a>> = None;
    for condition in restrictions {
        let graded = grade(issuer, condition);
        let Some(breadth) = graded.breadth else {
            partly_unknown = true;
            continue;
        };
        if narrowest.as_ref().and_then(|n| n.breadth).is_none_or(|current| breadth < current) {
            narrowest = Some(graded);
        }
    }
    SubjectScope { missing, narrowest, partly_unknown }
}

/// `"repo:acme/*"` -> `` `repo:acme/*` `` for messages.
pub fn code(text: &str) -> String {
    format!("`{text}`")
}
