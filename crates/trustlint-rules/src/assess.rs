//! What a trust admits, computed once and shared by the subject, audience and admin rules.

use trustlint_model::condition::has_wildcard;
use trustlint_model::subject::{self, Breadth, SubjectVerdict};
use trustlint_model::{ClaimCondition, ConditionValue, Issuer, MatchKind, Piece, Trust};

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
    /// Set when the value has holes that could not be resolved statically: what they stand for.
    /// The breadth is then judged on the known text alone, a lower bound.
    pub unknown_part: Option<String>,
}

/// The breadth of one condition: the widest of its values (values are OR-ed).
#[derive(Debug)]
pub struct GradedCondition<'a> {
    pub condition: &'a ClaimCondition,
    /// The widest known value. Values are OR-ed, so this is a lower bound when `unknown` is not
    /// empty or a value's grammar is not known; `None` when no value could be graded.
    pub breadth: Option<Breadth>,
    /// Some value could not be graded: the condition may be wider than `breadth`.
    pub partly_unknown: bool,
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
            values.extend(grade_partial(issuer, condition, value));
            continue;
        };
        // A wildcard under an exact operator is reported by `oidc-condition-never-matches`;
        // such a value matches nothing, so it adds no breadth.
        // A prefix (CEL `startsWith`) is graded as the glob it equals.
        let (text, glob) = condition.operator.pattern(&text);
        match subject::assess(&issuer.kind, &condition.claim, &text, glob) {
            SubjectVerdict::Scoped { breadth, who, suggestion } => {
                values.push(GradedValue { value, text, breadth, who, suggestion, unknown_part: None })
            }
            SubjectVerdict::OutsideGrammar { .. } => {}
            SubjectVerdict::Unrecognised => unresolved = true,
        }
    }
    let breadth = values.iter().map(|v| &v.breadth).max_by_key(|breadth| breadth.width()).cloned();
    GradedCondition { condition, breadth, values, unknown, partly_unknown: unresolved }
}

/// A name no real owner, repository, project, ref or environment uses, standing for one hole of a
/// partly known value while the known text is read with the issuer's grammar.
const HOLE: &str = "trustlintunknownhole";

/// Judge a value with unknown holes (`repo:${Org}/${Repo}:*`) on its known text: each hole is
/// read as one plain name, so the grade is what the known part admits whatever the holes are
/// (a hole could only widen it). Only a grade wider than exact counts; an exact-looking partial
/// value says nothing (the hole might be `*`).
fn grade_partial<'a>(
    issuer: &Issuer,
    condition: &'a ClaimCondition,
    value: &'a ConditionValue,
) -> Option<GradedValue<'a>> {
    if value.pieces.iter().all(|piece| matches!(piece, Piece::Unknown(_))) {
        return None;
    }
    // A hole may stand for one name (`${Org}`) or a path (`${repository}` = `owner/name`): read
    // it both ways and keep the narrower grade the grammar accepts, a lower bound either way.
    let readings = [HOLE.to_string(), format!("{HOLE}/{HOLE}")];
    let (_, mut breadth, who, suggestion) = readings
        .iter()
        .filter_map(|hole| {
            let probe: String = value
                .pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Text(text) => text.as_str(),
                    Piece::Unknown(_) => hole.as_str(),
                })
                .collect();
            let (probe, glob) = condition.operator.pattern(&probe);
            match subject::assess(&issuer.kind, &condition.claim, &probe, glob) {
                SubjectVerdict::Scoped { breadth, who, suggestion } => {
                    Some((probe, breadth, who, suggestion))
                }
                _ => None,
            }
        })
        .min_by_key(|(_, breadth, ..)| breadth.width())?;
    if breadth == Breadth::Exact {
        return None;
    }
    // An owner read from a hole is not a name anyone wrote.
    if let Breadth::WholeOwner { owner } = &mut breadth
        && owner.as_deref().is_some_and(|owner| owner.contains(HOLE))
    {
        *owner = None;
    }
    let shown = |text: &str| text.replace(HOLE, "…");
    let reasons = value.unknown_reasons();
    let mut distinct: Vec<&str> = Vec::new();
    for reason in reasons {
        if !distinct.contains(&reason) {
            distinct.push(reason);
        }
    }
    Some(GradedValue {
        value,
        text: value.display(),
        breadth,
        who: shown(&who),
        suggestion: suggestion.map(|s| shown(&s)),
        unknown_part: Some(distinct.join(", ")),
    })
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
    pub fn effective_breadth(&self) -> Option<&Breadth> {
        self.narrowest.as_ref().and_then(|c| c.breadth.as_ref())
    }

    /// Missing, or wide enough that repositories other than the intended ones get in (sibling
    /// names such as `acme/infra-evil` included).
    pub fn is_owner_wide_or_wider(&self) -> bool {
        self.missing || self.effective_breadth().is_some_and(|b| b.width() >= Breadth::SiblingRepos.width())
    }
}

pub fn subject_scope<'a>(trust: &'a Trust, issuer: &Issuer) -> SubjectScope<'a> {
    let restrictions = subject_restrictions(trust, issuer);
    let missing = restrictions.is_empty() && trust.conditions_unknown.is_none();
    let mut partly_unknown = trust.conditions_unknown.is_some();
    let mut narrowest: Option<GradedCondition<'a>> = None;
    for condition in restrictions {
        let graded = grade(issuer, condition);
        // Conditions are AND-ed: one that could not be graded may narrow the others.
        let Some(breadth) =
            graded.breadth.as_ref().filter(|_| !graded.partly_unknown || graded_is_wide(&graded))
        else {
            partly_unknown = true;
            continue;
        };
        if narrowest
            .as_ref()
            .and_then(|n| n.breadth.as_ref())
            .is_none_or(|current| breadth.width() < current.width())
        {
            narrowest = Some(graded);
        }
    }
    SubjectScope { missing, narrowest, partly_unknown }
}

/// A partly unknown condition still counts when a known value is already wide: values are OR-ed,
/// so that value admits its workloads whatever the unknown ones are.
fn graded_is_wide(graded: &GradedCondition<'_>) -> bool {
    graded.breadth.as_ref().is_some_and(|b| b.width() > Breadth::Exact.width())
}

/// A condition the trust requires that no token can ever satisfy, which makes the whole trust
/// unusable: its key names another issuer or a claim AWS does not expose, or every value is a
/// literal wildcard under an exact comparison or a shape the issuer never emits.
/// `oidc-condition-never-matches` reports it; the rules that say who can get in stay silent.
pub fn dead_condition<'a>(trust: &'a Trust, issuer: &Issuer) -> Option<&'a ClaimCondition> {
    trust.conditions.iter().find(|condition| {
        let op = &condition.operator;
        if !op.compares_strings() || op.negated || op.passes_when_absent() {
            return false;
        }
        if !trust.key_matches_issuer(condition) {
            return true;
        }
        let unexposed = condition.issuer_prefix.is_some()
            && issuer
                .aws_condition_claims()
                .is_some_and(|claims| !claims.contains(&condition.claim.as_str()));
        unexposed
            || (!condition.values.is_empty()
                && condition.values.iter().all(|value| value_never_matches(issuer, condition, value)))
    })
}

fn value_never_matches(issuer: &Issuer, condition: &ClaimCondition, value: &ConditionValue) -> bool {
    let Some(text) = value.text() else { return false };
    if matches!(condition.operator.kind, MatchKind::Exact | MatchKind::ExactIgnoreCase) && has_wildcard(&text)
    {
        return true;
    }
    let (text, glob) = condition.operator.pattern(&text);
    matches!(
        subject::assess(&issuer.kind, &condition.claim, &text, glob),
        SubjectVerdict::OutsideGrammar { .. }
    )
}

/// `"repo:acme/*"` -> `` `repo:acme/*` `` for messages.
pub fn code(text: &str) -> String {
    format!("`{text}`")
}
