//! `oidc-condition-never-matches`: a condition that can never hold, so the trust is dead or is
//! not what its author meant.

use trustlint_core::{Finding, Location};
use trustlint_model::audience::accepts_one_audience;
use trustlint_model::condition::has_wildcard;
use trustlint_model::subject::{self, SubjectVerdict};
use trustlint_model::{
    ClaimCondition, ConditionValue, Dialect, DroppedCondition, Facts, Issuer, MatchKind, SetQualifier, Trust,
};

use crate::rules::{Focus, trust_finding, value_finding};
use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct OidcConditionNeverMatches;

impl Rule for OidcConditionNeverMatches {
    /// AWS keeps the last of duplicate keys whatever the issuer.
    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        for trust in &facts.trusts {
            out.extend(trust.dropped.iter().map(|dropped| duplicate_key(ctx, trust, dropped)));
        }
    }

    fn check_issued_trust(
        &self,
        ctx: &RuleContext<'_>,
        trust: &Trust,
        issuer: &Issuer,
        out: &mut Vec<Finding>,
    ) {
        for condition in trust.conditions.iter().filter(|c| c.operator.compares_strings() && !c.from_deny) {
            // With a fail-open operator the mismatch admits everything instead: that is
            // `oidc-condition-fails-open`'s finding.
            let fails_open =
                condition.operator.if_exists || condition.operator.set == SetQualifier::ForAllValues;
            let reported_absent = fails_open || condition.operator.negated;
            if !trust.key_matches_issuer(condition) {
                if !reported_absent {
                    out.push(key_of_another_issuer(ctx, trust, issuer, condition));
                }
                continue;
            }
            if let Some(claims) = unexposed_claim(issuer, condition) {
                if !reported_absent {
                    out.push(claim_not_exposed(ctx, trust, issuer, condition, claims));
                }
                continue;
            }
            out.extend(several_azure_audiences(ctx, trust, condition));
            for value in &condition.values {
                let Some(text) = value.text() else { continue };
                let finding = padded_exact_value(ctx, trust, condition, value, &text)
                    .or_else(|| wildcard_in_exact_value(ctx, trust, condition, value, &text))
                    .or_else(|| value_outside_grammar(ctx, trust, issuer, condition, value, &text));
                out.extend(finding);
            }
        }
    }
}

/// Two keys of the same name in one condition block: AWS keeps the last.
fn duplicate_key(ctx: &RuleContext<'_>, trust: &Trust, dropped: &DroppedCondition) -> Finding {
    let message = format!(
        "Duplicate key `{}`: AWS keeps only the last one, so this condition is silently dropped.",
        dropped.key
    );
    let help = "Merge the conditions into one block: several keys under one operator are AND-ed, several values under one key are OR-ed.";
    trust_finding(ctx, trust, dropped.span, message)
        .with_help(help)
        .with_related(Location::new(&trust.file, dropped.kept_span), "the key that is kept")
}

/// A condition key prefixed with another issuer than the trusted one: never in the request.
fn key_of_another_issuer(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    issuer: &Issuer,
    condition: &ClaimCondition,
) -> Finding {
    let message = format!(
        "`{}` names another issuer than the trusted provider `{}`: the key is never in the request, so this condition never holds.",
        condition.key, issuer.host_path
    );
    let help = format!("Use `{}:{}`.", issuer.host_path.trim_end_matches('/'), condition.claim);
    trust_finding(ctx, trust, condition.key_span, message).with_help(help)
}

/// The condition keys AWS exposes for this issuer, when the condition's claim is not one of them.
fn unexposed_claim(issuer: &Issuer, condition: &ClaimCondition) -> Option<&'static [&'static str]> {
    issuer
        .aws_condition_claims()
        .filter(|claims| !claims.contains(&condition.claim.as_str()) && condition.issuer_prefix.is_some())
}

/// A claim AWS does not expose as a condition key: the key is never present.
fn claim_not_exposed(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    issuer: &Issuer,
    condition: &ClaimCondition,
    claims: &[&str],
) -> Finding {
    let message = format!(
        "AWS does not expose the `{}` claim of {} as a condition key, so `{}` is never present and this condition never holds.",
        condition.claim,
        issuer.name(),
        condition.key
    );
    let help = format!("Use one of the keys AWS exposes for this issuer: {}.", claims.join(", "));
    trust_finding(ctx, trust, condition.key_span, message).with_help(help)
}

/// Several audiences on an Entra ID federated credential, which accepts exactly one.
fn several_azure_audiences(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    condition: &ClaimCondition,
) -> Option<Finding> {
    if condition.claim != "aud"
        || !accepts_one_audience(trust.identity.kind)
        || condition.values.len() <= 1
        || condition.operator.negated
    {
        return None;
    }
    let message = format!(
        "This federated credential of {} lists {} audiences: Entra ID accepts exactly one audience on a federated credential, so it rejects this one.",
        trust.identity.label,
        condition.values.len()
    );
    let help = "Keep one audience: `api://AzureADTokenExchange`, the value Entra ID clients request.";
    Some(trust_finding(ctx, trust, condition.key_span, message).with_help(help))
}

fn compares_exactly(condition: &ClaimCondition) -> bool {
    matches!(condition.operator.kind, MatchKind::Exact | MatchKind::ExactIgnoreCase)
}

/// An exactly compared value with whitespace at its start or end: no token has it.
fn padded_exact_value(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    condition: &ClaimCondition,
    value: &ConditionValue,
    text: &str,
) -> Option<Finding> {
    if !compares_exactly(condition) || condition.operator.negated || text.is_empty() || text.trim() == text {
        return None;
    }
    let message = format!(
        "`{}` is compared exactly, and `{text}` has whitespace at its start or end: no token has this value, so the condition never holds.",
        condition.key
    );
    let help = format!("Write `{}` without the surrounding whitespace.", text.trim());
    Some(value_finding(ctx, trust, value, Focus::Whole, message).with_help(help))
}

/// A `*` or `?` in an exactly compared value: a literal character no token has.
fn wildcard_in_exact_value(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    condition: &ClaimCondition,
    value: &ConditionValue,
    text: &str,
) -> Option<Finding> {
    if !compares_exactly(condition) || !has_wildcard(text) {
        return None;
    }
    let message = format!(
        "`{}` compares exactly, so the `*` or `?` in `{text}` is a literal character: no token has this value and the condition never holds.",
        condition.operator.written
    );
    let help = pattern_help(condition);
    Some(value_finding(ctx, trust, value, Focus::Whole, message).with_help(help))
}

/// A value the issuer never emits for this claim (outside its subject grammar).
fn value_outside_grammar(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    issuer: &Issuer,
    condition: &ClaimCondition,
    value: &ConditionValue,
    text: &str,
) -> Option<Finding> {
    if condition.operator.negated {
        return None;
    }
    let (pattern, glob) = condition.operator.pattern(text);
    let SubjectVerdict::OutsideGrammar { reason, suggestion } =
        subject::assess(&issuer.kind, &condition.claim, &pattern, glob)
    else {
        return None;
    };
    let message = format!("{} never emits a `{}` like `{text}`: {reason}.", issuer.name(), condition.claim);
    let help = match suggestion {
        Some(suggestion) => format!("Write `{suggestion}`."),
        None => "Write the value in the issuer's format (see the rule's documentation).".to_string(),
    };
    Some(value_finding(ctx, trust, value, Focus::Whole, message).with_help(help))
}

/// What to write when a pattern was meant, in the dialect the condition is written in.
fn pattern_help(condition: &ClaimCondition) -> &'static str {
    match condition.operator.dialect {
        Dialect::AzureCredential if condition.claim == "sub" => {
            "A classic federated credential compares the subject exactly: write the exact subject (one credential per workload), or use a flexible credential whose `claimsMatchingExpression` uses `matches`."
        }
        Dialect::AzureCredential => {
            "A federated credential compares this field exactly: write the exact value."
        }
        Dialect::AzureExpression => {
            "`eq` compares exactly: use `matches` if a pattern was meant, or write the exact value."
        }
        Dialect::Cel => {
            "CEL `==` compares exactly: use `startsWith(...)` if a prefix was meant, or write the exact value."
        }
        Dialect::GcpPrincipal => {
            "IAM principal identifiers take no wildcards: bind a `principalSet://…/attribute.NAME/VALUE` member for a set of workloads, or name one subject exactly."
        }
        Dialect::GcpAllowedAudiences => {
            "Google compares allowed audiences exactly: write the exact audience."
        }
        Dialect::Iam => "Use `StringLike` if a pattern was meant, or write the exact value.",
    }
}
