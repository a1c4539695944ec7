//! `oidc-condition-never-matches`: a condition that can never hold, so the trust is dead or is
//! not what its author meant.

use trustlint_core::{Finding, Location, Severity};
use trustlint_model::condition::has_wildcard;
use trustlint_model::subject::{self, SubjectVerdict};
use trustlint_model::{Facts, MatchKind, SetQualifier};

use crate::rules::trust_finding;
use crate::{Rule, RuleContext};

pub struct OidcConditionNeverMatches;

impl Rule for OidcConditionNeverMatches {
    fn id(&self) -> &'static str {
        "oidc-condition-never-matches"
    }

    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        for trust in &facts.trusts {
            for dropped in &trust.dropped {
                let message = format!(
                    "Duplicate key `{}`: AWS keeps only the last one, so this condition is silently dropped.",
                    dropped.key
                );
                let help = "Merge the conditions into one block: several keys under one operator are AND-ed, several values under one key are OR-ed.";
                out.push(
                    trust_finding(ctx, trust, Severity::Medium, dropped.span, message)
                        .with_help(help)
                        .with_related(Location::new(&trust.file, dropped.kept_span), "the key that is kept"),
                );
            }
            let Some(issuer) = trust.issuer() else { continue };
            for condition in trust.conditions.iter().filter(|c| c.operator.compares_strings() && !c.from_deny)
            {
                // With a fail-open operator the mismatch admits everything instead: that is
                // `oidc-condition-fails-open`'s finding.
                let fails_open =
                    condition.operator.if_exists || condition.operator.set == SetQualifier::ForAllValues;
                if !trust.key_matches_issuer(condition) {
                    if !fails_open && !condition.operator.negated {
                        let message = format!(
                            "`{}` names another issuer than the trusted provider `{}`: the key is never in the request, so this condition never holds.",
                            condition.key, issuer.host_path
                        );
                        let help =
                            format!("Use `{}:{}`.", issuer.host_path.trim_end_matches('/'), condition.claim);
                        out.push(
                            trust_finding(ctx, trust, Severity::Medium, condition.key_span, message)
                                .with_help(help),
                        );
                    }
                    continue;
                }
                if let Some(claims) = issuer.aws_condition_claims()
                    && !claims.contains(&condition.claim.as_str())
                    && condition.issuer_prefix.is_some()
                {
                    if !fails_open && !condition.operator.negated {
                        let message = format!(
                            "AWS does not expose the `{}` claim of {} as a condition key, so `{}` is never present and this condition never holds.",
                            condition.claim,
                            issuer.name(),
                            condition.key
                        );
                        let help = format!(
                            "Use one of the keys AWS exposes for this issuer: {}.",
                            claims.join(", ")
                        );
                        out.push(
                            trust_finding(ctx, trust, Severity::Medium, condition.key_span, message)
                                .with_help(help),
                        );
                    }
                    continue;
                }
                for value in &condition.values {
                    let Some(text) = value.text() else { continue };
                    let exact =
                        matches!(condition.operator.kind, MatchKind::Exact | MatchKind::ExactIgnoreCase);
                    if exact && has_wildcard(&text) {
                        let message = format!(
                            "`{}` compares exactly, so the `*` or `?` in `{text}` is a literal character: no token has this value and the condition never holds.",
                            condition.operator.written
                        );
                        let help = "Use `StringLike` if a pattern was meant, or write the exact value.";
                        out.push(
                            trust_finding(ctx, trust, Severity::Medium, value.span, message).with_help(help),
                        );
                        continue;
                    }
                    if condition.operator.negated {
                        continue;
                    }
                    if let SubjectVerdict::OutsideGrammar { reason, suggestion } =
                        subject::assess(&issuer.kind, &condition.claim, &text, condition.operator.is_glob())
                    {
                        let message = format!(
                            "{} never emits a `{}` like `{text}`: {reason}.",
                            issuer.name(),
                            condition.claim
                        );
                        let help = match suggestion {
                            Some(suggestion) => format!("Write `{suggestion}`."),
                            None => "Write the value in the issuer's format (see the rule's documentation)."
                                .to_string(),
                        };
                        out.push(
                            trust_finding(ctx, trust, Severity::Medium, value.span, message).with_help(help),
                        );
                    }
                }
            }
        }
    }
}
