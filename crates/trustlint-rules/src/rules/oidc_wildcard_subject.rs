//! `oidc-wildcard-subject`: a subject restriction broader than one repository plus one ref or
//! environment (or the issuer's equivalent), graded by how much it admits.

use trustlint_core::Span;
use trustlint_core::{Confidence, Finding, Location, Severity};
use trustlint_model::subject::Breadth;
use trustlint_model::{Facts, IdentityKind, Issuer, Tenancy, Trust};

use crate::assess::{GradedCondition, code, dead_condition, subject_scope};
use crate::rules::oidc_missing_subject::example_subject;
use crate::rules::{key_prefix, pin_help, trust_finding};
use crate::{Rule, RuleContext};

pub struct OidcWildcardSubject;

pub(crate) fn severity_of(breadth: &Breadth, tenancy: Tenancy) -> Option<Severity> {
    let severity = match breadth {
        Breadth::Exact => return None,
        Breadth::ContextPattern => Severity::Low,
        Breadth::AnyContext => Severity::Medium,
        Breadth::SiblingRepos | Breadth::WholeOwner { .. } => Severity::High,
        Breadth::AnyOwner | Breadth::AnySubject => Severity::Critical,
    };
    // On a per-tenant issuer "any subject" is still one organisation's workloads.
    Some(if tenancy == Tenancy::PerTenant && severity == Severity::Critical {
        Severity::High
    } else {
        severity
    })
}

impl Rule for OidcWildcardSubject {
    fn id(&self) -> &'static str {
        "oidc-wildcard-subject"
    }

    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        // One value can widen several trusts (a GCP provider's condition reaches its pool and every
        // binding of the pool): report it once, naming each identity.
        let mut reported: Vec<(trustlint_core::Span, usize)> = Vec::new();
        for trust in &facts.trusts {
            let Some(issuer) = trust.issuer() else { continue };
            // A trust no token can satisfy is reported by `oidc-condition-never-matches`.
            if dead_condition(trust, issuer).is_some() {
                continue;
            }
            let scope = subject_scope(trust, issuer);
            let Some(narrowest) = &scope.narrowest else { continue };
            let Some(effective) = &narrowest.breadth else { continue };
            // A workload identity pool's condition may pin just the owner: its bindings narrow it
            // and are judged on their own trusts.
            // ...unless no binding narrows it: then the pool's condition is what admits them.
            let accepted = if unnarrowed_pool_condition(facts, trust, issuer, narrowest, effective) {
                Breadth::Exact
            } else {
                trust.identity.kind.accepted_breadth()
            };
            if effective.width() <= accepted.width() {
                continue;
            }
            for value in &narrowest.values {
                if value.breadth.width() <= accepted.width() {
                    continue;
                }
                let Some(severity) = severity_of(&value.breadth, issuer.tenancy()) else { continue };
                if let Breadth::WholeOwner { owner: Some(owner) } = &value.breadth
                    && ctx.options.allow_whole_owner.iter().any(|allowed| allowed.eq_ignore_ascii_case(owner))
                {
                    continue;
                }
                // "any repository owned by `acme`, on any branch, ..., can assume": close the
                // parenthetical comma the phrase opened.
                let separator = if value.who.contains(", ") { ", " } else { " " };
                let mut message = format!(
                    "{}: {}{separator}can assume {}.",
                    code(&value.text),
                    value.who,
                    trust.identity.label
                );
                if let Some(unknown) = &value.unknown_part {
                    message.push_str(&format!(
                        " (`…` could not be resolved statically: {unknown}; whatever it is, the known part admits this.)"
                    ));
                }
                if let Some(relies_on) = &value.value.relies_on {
                    message.push_str(&format!(" (The value comes from {relies_on}.)"));
                }
                let prefix = key_prefix(trust);
                if let Some((_, index)) = reported.iter().find(|(span, _)| *span == value.value.span) {
                    let earlier = &mut out[*index];
                    if !earlier.message.contains(&trust.identity.label) {
                        earlier.message.push_str(&format!(" The same applies to {}.", trust.identity.label));
                    }
                    continue;
                }
                let help = match &value.suggestion {
                    _ if trust.identity.kind != IdentityKind::AwsRole => {
                        let (claim, example) = match &value.suggestion {
                            Some(suggestion) => (narrowest.condition.claim.as_str(), suggestion.as_str()),
                            None => ("sub", example_subject(&issuer.kind)),
                        };
                        pin_help(trust, claim, example).unwrap_or_default()
                    }
                    Some(suggestion) => format!(
                        "Pin one workload with `StringEquals` on `{prefix}:{}`, e.g. `{suggestion}`.",
                        narrowest.condition.claim
                    ),
                    None => format!(
                        "Pin one workload with `StringEquals` on `{prefix}:{}` instead of a pattern.",
                        narrowest.condition.claim
                    ),
                };
                let mut finding =
                    trust_finding(ctx, trust, severity, value.value.span, message).with_help(help);
                // A value written elsewhere (a parameter's default) is edited there.
                if let Some(defined_at) = value.value.defined_at.filter(|at| *at != value.value.span) {
                    finding = finding
                        .with_related(Location::new(&trust.file, defined_at), "the value is defined here");
                }
                if scope.partly_unknown {
                    finding = finding.with_confidence(Confidence::Medium);
                    finding
                        .message
                        .push_str(" Another condition could not be resolved statically and may narrow this.");
                }
                reported.push((value.value.span, out.len()));
                out.push(finding);
            }
        }
    }
}

/// A workload identity pool's condition whose breadth some identity bound to the pool keeps: a
/// binding trust carries the pool's condition values (same spans) and is no narrower.
fn unnarrowed_pool_condition(
    facts: &Facts,
    pool: &Trust,
    issuer: &Issuer,
    narrowest: &GradedCondition<'_>,
    breadth: &Breadth,
) -> bool {
    if pool.identity.kind != IdentityKind::GcpWorkloadPool {
        return false;
    }
    let spans: Vec<Span> = narrowest.values.iter().map(|v| v.value.span).collect();
    facts.trusts.iter().filter(|t| t.identity.kind != IdentityKind::GcpWorkloadPool).any(|binding| {
        let shares = binding.conditions.iter().flat_map(|c| &c.values).any(|v| spans.contains(&v.span));
        shares && {
            let scope = subject_scope(binding, issuer);
            !scope.partly_unknown && scope.effective_breadth().is_some_and(|b| b.width() >= breadth.width())
        }
    })
}
