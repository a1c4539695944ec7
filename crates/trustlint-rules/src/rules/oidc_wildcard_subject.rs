//! `oidc-wildcard-subject`: a subject restriction broader than one repository plus one ref or
//! environment (or the issuer's equivalent), graded by how much it admits.

use trustlint_core::Span;
use trustlint_core::{Confidence, Finding, Severity};
use trustlint_model::subject::Breadth;
use trustlint_model::{Facts, IdentityKind, Issuer, Tenancy, Trust};

use crate::assess::{GradedCondition, code, subject_scope};
use crate::rules::oidc_missing_subject::example_subject;
use crate::rules::{Focus, key_prefix, pin_help, value_finding};
use crate::{DeclareRule, LiveTrust, Rule, RuleContext, RuleOptions};

#[derive(DeclareRule)]
#[rule(options = WildcardSubjectOptions)]
pub struct OidcWildcardSubject;

/// `[rules.oidc-wildcard-subject]` in `trustlint.toml`.
#[derive(Clone, Debug, Default, RuleOptions)]
pub struct WildcardSubjectOptions {
    /// GitHub owners or GitLab top-level groups whose owner-wide trusts (`repo:OWNER/*`,
    /// `repository_owner:OWNER`, `project_path:GROUP/*`) are intended; those are not reported.
    /// Compared without case.
    pub allow_whole_owner: Vec<String>,
}

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
    fn check_trust(&self, ctx: &RuleContext<'_>, live: &LiveTrust<'_>, out: &mut Vec<Finding>) {
        let LiveTrust { trust, issuer, facts } = *live;
        let scope = subject_scope(trust, issuer);
        let Some(narrowest) = &scope.narrowest else { return };
        let Some(effective) = &narrowest.breadth else { return };
        // A workload identity pool's condition may pin just the owner: its bindings narrow it
        // and are judged on their own trusts.
        // ...unless no binding narrows it: then the pool's condition is what admits them.
        let accepted = if unnarrowed_pool_condition(facts, trust, issuer, narrowest, effective) {
            Breadth::Exact
        } else {
            trust.identity.kind.accepted_breadth()
        };
        if effective.width() <= accepted.width() {
            return;
        }
        let options = ctx.options.get::<WildcardSubjectOptions>();
        for value in &narrowest.values {
            if value.breadth.width() <= accepted.width() {
                continue;
            }
            let Some(severity) = severity_of(&value.breadth, issuer.tenancy()) else { continue };
            if let Breadth::WholeOwner { owner: Some(owner) } = &value.breadth
                && options.allow_whole_owner.iter().any(|allowed| allowed.eq_ignore_ascii_case(owner))
            {
                continue;
            }
            // One value can widen several trusts (a GCP provider's condition reaches its pool and
            // every binding of the pool): it is reported once, naming each identity.
            if let Some(earlier) = out.iter_mut().find(|f| {
                f.rule == ctx.meta.id
                    && f.primary.span == value.value.span
                    && f.primary.path() == trust.file.path()
            }) {
                if !earlier.message.contains(&trust.identity.label) {
                    earlier.message.push_str(&format!(" The same applies to {}.", trust.identity.label));
                }
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
            let prefix = key_prefix(trust);
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
            // A value written elsewhere (a parameter's default, a stack file) is edited there.
            let mut finding = value_finding(ctx, trust, value.value, Focus::Wildcard, message)
                .with_severity(severity)
                .with_help(help);
            if scope.partly_unknown {
                finding = finding.with_confidence(Confidence::Medium);
                finding
                    .message
                    .push_str(" Another condition could not be resolved statically and may narrow this.");
            }
            out.push(finding);
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
