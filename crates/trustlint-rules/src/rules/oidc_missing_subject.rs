//! `oidc-missing-subject`: a trust with no effective restriction of which workload may use it.

use trustlint_core::{Finding, Severity};
use trustlint_model::{IssuerKind, Tenancy};

use crate::assess::subject_scope;
use crate::rules::{capitalise, key_prefix, pin_help, restriction_span, trust_finding};
use crate::{DeclareRule, LiveTrust, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct OidcMissingSubject;

impl Rule for OidcMissingSubject {
    fn check_trust(&self, ctx: &RuleContext<'_>, live: &LiveTrust<'_>, out: &mut Vec<Finding>) {
        let LiveTrust { trust, issuer, .. } = *live;
        if !subject_scope(trust, issuer).missing {
            return;
        }
        let negated = trust
            .conditions
            .iter()
            .any(|c| issuer.subject_claims().contains(&c.claim.as_str()) && c.operator.negated);
        let mut message = format!(
            "{} trusts {} with no condition on who the workload is: {} can assume it.",
            capitalise(&trust.identity.label),
            issuer.name(),
            issuer.population()
        );
        if negated {
            message.push_str(" (A negated condition excludes some subjects but admits every other one.)");
        }
        let prefix = key_prefix(trust);
        let example = example_subject(&issuer.kind);
        let help = pin_help(trust, "sub", example).unwrap_or_else(|| {
            format!(
                "Add a `StringEquals` condition on `{prefix}:sub` that names one workload, e.g. `{example}`."
            )
        });
        let mut finding = trust_finding(ctx, trust, restriction_span(trust), message).with_help(help);
        // "Anyone on the issuer" is one organisation's workloads on a per-tenant issuer.
        if issuer.tenancy() == Tenancy::PerTenant {
            finding = finding.with_severity(Severity::High);
        }
        out.push(finding);
    }
}

/// A narrow subject in the issuer's own grammar, for the help line.
pub(crate) fn example_subject(kind: &IssuerKind) -> &'static str {
    match kind {
        IssuerKind::GitHub
        | IssuerKind::GitHubEnterprise { .. }
        | IssuerKind::GitHubServer { .. }
        | IssuerKind::GheCom { .. } => "repo:<owner>/<repo>:environment:<environment>",
        IssuerKind::GitLab { .. } => "project_path:<group>/<project>:ref_type:branch:ref:main",
        IssuerKind::PulumiCloud => "pulumi:environments:org:<org>:env:<project>/<environment>",
        IssuerKind::HcpTerraform { .. } => {
            "organization:<org>:project:<project>:workspace:<workspace>:run_phase:apply"
        }
        IssuerKind::CircleCi { .. } => "org/<org-id>/project/<project-id>/user/*",
        IssuerKind::Bitbucket { .. } => "{<repository-uuid>}:*",
        IssuerKind::Buildkite => "organization:<org>:pipeline:<pipeline>:ref:refs/heads/main:*",
        IssuerKind::Kubernetes { .. } => "system:serviceaccount:<namespace>:<service-account>",
        IssuerKind::Google => "<the service account's numeric unique id>",
        IssuerKind::Other => "<the client or workload id>",
    }
}
