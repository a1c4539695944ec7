//! One file per rule.

pub mod hardcoded_secret;
pub mod id_token_untrusted_trigger;
pub mod id_token_unused;
pub mod id_token_workflow_scope;
pub mod long_lived_key_resource;
pub mod oidc_admin_binding;
pub mod oidc_condition_fails_open;
pub mod oidc_condition_never_matches;
pub mod oidc_instance_audience;
pub mod oidc_missing_audience;
pub mod oidc_missing_subject;
pub mod oidc_wildcard_subject;
pub mod plaintext_config_secret;
pub mod static_cloud_credentials;
pub mod trust_broader_than_usage;
pub mod trust_rejects_caller;

use std::sync::Arc;

use trustlint_core::{Finding, Location, SourceFile, Span};
use trustlint_model::{ConditionValue, DefinedAt, IdentityKind, Trust};

use crate::RuleContext;

/// A finding at `span` of the trust's file, at the rule's default severity, with the trust
/// statement as a related location.
pub(crate) fn trust_finding(ctx: &RuleContext<'_>, trust: &Trust, span: Span, message: String) -> Finding {
    let mut message = message;
    if let Some(note) = trust.issuer.inferred_note() {
        message.push(' ');
        message.push_str(&note);
    }
    let mut finding = ctx.finding(Location::new(&trust.file, span), message);
    if !trust.statement_span.contains(span) || trust.statement_span != span {
        finding =
            finding.with_related(Location::new(&trust.file, trust.statement_span), "the trust statement");
    }
    finding
}

/// A finding on a condition value (at its span): the message says where the value comes from
/// when it was read from elsewhere (a parameter's default, a stack's configuration, a sibling
/// module), and the place that writes it, when not the value's own span, is a related location
/// (in whatever file it is: the template, `Pulumi.<stack>.yaml`, the module).
pub(crate) fn value_finding(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    value: &ConditionValue,
    mut message: String,
) -> Finding {
    if let Some(relies_on) = &value.relies_on {
        message.push_str(&format!(" (The value comes from {relies_on}.)"));
    }
    let finding = trust_finding(ctx, trust, value.span, message);
    with_definition(finding, value.defined_at.as_ref(), &trust.file, value.span)
}

/// `finding` with where its value is written as a related location, when that is not the
/// value's own place (`span` in `file`).
pub(crate) fn with_definition(
    finding: Finding,
    defined: Option<&DefinedAt>,
    file: &Arc<SourceFile>,
    span: Span,
) -> Finding {
    let Some(defined) = defined else { return finding };
    let in_file = defined.file.as_ref().unwrap_or(file);
    if in_file.path() == file.path() && defined.span == span {
        return finding;
    }
    finding.with_related(Location::new(in_file, defined.span), "the value is defined here")
}

/// Where a missing restriction is added: the trust's condition block (IAM `Condition`, GCP
/// `attributeCondition`, the binding's member), or the statement or resource when it has none.
/// Never the principal, whose value may be a variable declared elsewhere.
pub(crate) fn restriction_span(trust: &Trust) -> Span {
    trust.condition_span.unwrap_or(trust.statement_span)
}

/// "role `DeployRole`" / "this role", capitalised at the start of a sentence.
pub(crate) fn capitalise(text: &str) -> String {
    // A resource type at the start (`aws.iam.Role "deploy"`) is code: its case is part of it.
    if text.split(' ').next().is_some_and(|word| word.contains('.')) {
        return text.to_string();
    }
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

/// How to pin `claim` to `example` in the syntax of the trust's relying party, for help lines;
/// `None` for AWS roles, whose rules phrase it as an IAM condition.
pub(crate) fn pin_help(trust: &Trust, claim: &str, example: &str) -> Option<String> {
    match trust.identity.kind {
        IdentityKind::AwsRole => None,
        IdentityKind::GcpWorkloadPool => Some(format!(
            "Add an `attributeCondition` to the provider that names one workload, e.g. `assertion.{claim} == '{example}'`."
        )),
        IdentityKind::GcpServiceAccount | IdentityKind::GcpFederatedIdentity => Some(format!(
            "Bind members that name one workload (a mapped attribute such as `principalSet://…/attribute.repository/<owner>/<repo>`, not `/*`), or pin it in the provider's `attributeCondition`, e.g. `assertion.{claim} == '{example}'`."
        )),
        IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity if claim == "sub" => {
            Some(format!(
                "Set the credential's `subject` to one workload's exact subject, e.g. `{example}` (one credential per workload)."
            ))
        }
        IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity => Some(format!(
            "Pin one workload in the credential's `claimsMatchingExpression`: `claims['{claim}'] eq '{example}'`."
        )),
    }
}
