//! `oidc-admin-binding`: an identity that CI can assume through OIDC holds admin or near-admin
//! power.

use trustlint_core::{Finding, Location, Severity};
use trustlint_model::admin::admin_power;
use trustlint_model::{Facts, Grant, Trust};

use crate::assess::{dead_condition, subject_scope};
use crate::rules::{Focus, SplicesShown};
use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct OidcAdminBinding;

impl Rule for OidcAdminBinding {
    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        for grant in &facts.grants {
            let Some(power) = admin_power(&grant.permission) else { continue };
            let trusts: Vec<&Trust> = facts
                .trusts
                .iter()
                .filter(|t| !t.identity.key.is_empty() && t.identity.key == grant.identity_key)
                // A trust no token can satisfy gives no one this power.
                .filter(|t| t.issuer().is_none_or(|issuer| dead_condition(t, issuer).is_none()))
                .collect();
            let Some(first) = trusts.first() else { continue };
            let wide = trusts
                .iter()
                .find(|t| t.issuer().is_some_and(|issuer| subject_scope(t, issuer).is_owner_wide_or_wider()));
            let base = if power.severity >= Severity::High { Severity::High } else { power.severity };
            let severity = if wide.is_some() { Severity::Critical } else { base };
            let shown = wide.copied().unwrap_or(first);
            out.push(admin_finding(ctx, grant, shown, severity, &power.what, wide.is_some()));
        }
    }
}

fn admin_finding(
    ctx: &RuleContext<'_>,
    grant: &Grant,
    trust: &Trust,
    severity: Severity,
    what: &str,
    wide: bool,
) -> Finding {
    let issuer = trust.issuer().map_or_else(|| "an OIDC issuer".to_string(), |i| i.name());
    let mut message = format!(
        "{} can be assumed by {issuer} workloads through OIDC and holds {what} ({}).",
        trust.identity.label, grant.via
    );
    if let Some(relies_on) = &grant.relies_on {
        message.push_str(&format!(" (The value comes from {relies_on}.)"));
    }
    let spliced = SplicesShown::pick(&grant.spliced, Focus::Whole);
    spliced.describe(&mut message, grant.relies_on.as_deref());
    if wide {
        message.push_str(
            " Its trust does not pin one repository, so workloads outside your control can use this power.",
        );
    }
    if let Some(note) = trust.issuer.inferred_note() {
        message.push(' ');
        message.push_str(&note);
    }
    let help = "Give CI identities a least-privilege policy scoped to the actions and resources the pipeline deploys; keep admin roles out of reach of OIDC trusts.";
    let mut finding = ctx
        .finding(Location::new(&grant.file, grant.span), message)
        .with_severity(severity)
        .with_help(help)
        .with_related(Location::new(&trust.file, trust.statement_span), "the OIDC trust of this identity");
    // A policy ARN or role id written elsewhere (a constant of a sibling module, a parameter's
    // default) is edited there.
    finding = super::with_definition(finding, grant.defined_at.as_ref(), &grant.file, grant.span);
    finding = spliced.relate(finding, grant.defined_at.as_ref(), &grant.file, grant.span);
    finding.message = super::capitalise(&finding.message);
    finding
}
