//! `oidc-condition-never-matches`: a condition that can never hold, so the trust is dead or is
//! not what its author meant.

use trustlint_core::{Finding, Location, Severity};
use trustlint_model::audience::accepts_one_audience;
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
                if condition.claim == "aud"
                    && accepts_one_audience(trust.identity.kind)
                    && condition.values.len() > 1
                    && !condition.operator.negated
                {
                    let message = format!(
                        "This federated credential of {} lists {} audiences: Entra ID accepts exactly one audience on a federated credential, so it rejects this one.",
                        trust.identity.label,
                        condition.values.len()
                    );
                    let help = "Keep one audience: `api://AzureADTokenExchange`, the value Entra ID clients request.";
                    out.push(
                        trust_finding(ctx, trust, Severity::Medium, condition.key_span, message)
                            .with_help(help),
                    );
                }
                for value in &condition.values {
                    let Some(text) = value.text() else { continue };
                    let exact =
                        matches!(condition.operator.kind, MatchKind::Exact | MatchKind::ExactIgnoreCase);
                    if exact && !condition.operator.negated && !text.is_empty() && text.trim() != text {
                        let message = format!(
                            "`{}` is compared exactly, and `{text}` has whitespace at its start or end: no token has this value, so the condition never holds.",
                            condition.key
                        );
                        out.push(trust_finding(ctx, trust, Severity::Medium, value.span, message).with_help(
                            format!("Write `{}` without the surrounding whitespace.", text.trim()),
                        ));
                        continue;
                    }
                    if exact && has_wildcard(&text) {
                        let message = format!(
                            "`{}` compares exactly, so the `*` or `?` in `{text}` is a literal character: no token has this value and the condition never holds.",
                            condition.operator.written
                        );
                        let help = pattern_help(&condition.operator.written);
                        out.push(
                            trust_finding(ctx, trust, Severity::Medium, value.span, message).with_help(help),
                        );
                        continue;
                    }
                    if condition.operator.negated {
                        continue;
                    }
                    let (pattern, glob) = condition.operator.pattern(&text);
                    if let SubjectVerdict::OutsideGrammar { reason, suggestion } =
                        subject::assess(&issuer.kind, &condition.claim, &pattern, glob)
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

/// What to write when a pattern was meant, in the syntax the condition is written in.
fn pattern_help(operator: &str) -> &'static str {
    match operator {
        "subject" => {
            "A classic federated credential compares the subject exactly: write the exact subject (one credential per workload), or use a flexible credential whose `claimsMatchingExpression` uses `matches`."
        }
        "==" | "in" => {
            "CEL `==` compares exactly: use `startsWith(...)` if a prefix was meant, or write the exact value."
        }
        written if written.starts_with("principal") => {
            "IAM principal identifiers take no wildcards: bind a `principalSet://…/attribute.NAME/VALUE` member for a set of workloads, or name one subject exactly."
        }
        _ => "Use `StringLike` if a pattern was meant, or write the exact value.",
    }
}
