//! One file per rule.

pub mod oidc_admin_binding;
pub mod oidc_condition_fails_open;
pub mod oidc_condition_never_matches;
pub mod oidc_missing_audience;
pub mod oidc_missing_subject;
pub mod oidc_wildcard_subject;

use trustlint_core::{Finding, Location, Severity};
use trustlint_model::Trust;

use crate::RuleContext;

/// A finding at `span` of the trust's file, with the trust statement as a related location.
pub(crate) fn trust_finding(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    severity: Severity,
    span: trustlint_core::Span,
    message: String,
) -> Finding {
    let mut finding = Finding::new(ctx.meta.id, severity, Location::new(&trust.file, span), message);
    if !trust.statement_span.contains(span) || trust.statement_span != span {
        finding =
            finding.with_related(Location::new(&trust.file, trust.statement_span), "the trust statement");
    }
    finding
}

/// "role `DeployRole`" / "this role", capitalised at the start of a sentence.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The condition key prefix to write for a trust's issuer.
pub(crate) fn key_prefix(trust: &Trust) -> String {
    trust
        .issuer()
        .map_or_else(|| "<issuer>".to_string(), |issuer| issuer.host_path.trim_end_matches('/').to_string())
}
