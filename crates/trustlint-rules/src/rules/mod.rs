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
use trustlint_model::{ConditionValue, DefinedAt, IdentityKind, SplicedPart, Splices, Trust};

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
/// (in whatever file it is: the template, `Pulumi.<stack>.yaml`, the module). Parts spliced
/// into the value from elsewhere that matter to the finding (`focus`) are related locations too.
pub(crate) fn value_finding(
    ctx: &RuleContext<'_>,
    trust: &Trust,
    value: &ConditionValue,
    focus: Focus,
    mut message: String,
) -> Finding {
    if let Some(relies_on) = &value.relies_on {
        message.push_str(&format!(" (The value comes from {relies_on}.)"));
    }
    let shown = SplicesShown::pick(&value.spliced, focus);
    shown.describe(&mut message, value.relies_on.as_deref());
    let finding = trust_finding(ctx, trust, value.span, message);
    let finding = with_definition(finding, value.defined_at.as_ref(), &trust.file, value.span);
    shown.relate(finding, value.defined_at.as_ref(), &trust.file, value.span)
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

/// Which parts spliced into a value matter to a finding on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Focus {
    /// The finding is about a wildcard: the parts that bring one (`ORG = "*"`), or every part
    /// when the wildcard is written around them (`repo:${ORG}/*`).
    Wildcard,
    /// The finding is about the whole text: every part.
    Whole,
}

/// How many spliced parts a finding lists; the message says how many more there are, so a
/// template of fifty parts does not give fifty locations.
const MAX_SPLICES_SHOWN: usize = 3;

/// The spliced parts a finding shows, in the order they occur in the value, and how many more
/// that matter it leaves out.
pub(crate) struct SplicesShown<'v> {
    parts: Vec<&'v SplicedPart>,
    more: usize,
}

impl<'v> SplicesShown<'v> {
    pub(crate) fn pick(splices: &'v Splices, focus: Focus) -> Self {
        let wildcard = |part: &&SplicedPart| part.text.contains(['*', '?']);
        let mut matter: Vec<&SplicedPart> = match focus {
            Focus::Wildcard if splices.parts.iter().any(|part| wildcard(&part)) => {
                splices.parts.iter().filter(wildcard).collect()
            }
            Focus::Wildcard | Focus::Whole => splices.parts.iter().collect(),
        };
        // Parts the evaluator did not keep count only when every kept part mattered.
        let unseen = if matter.len() == splices.parts.len() { splices.omitted } else { 0 };
        let more = matter.len().saturating_sub(MAX_SPLICES_SHOWN) + unseen;
        matter.truncate(MAX_SPLICES_SHOWN);
        SplicesShown { parts: matter, more }
    }

    /// Say in `message` which parts came from where; a source the message already names
    /// (`relies_on`: a parameter's default, a stack value) is not said twice.
    pub(crate) fn describe(&self, message: &mut String, relies_on: Option<&str>) {
        let said: Vec<String> = self
            .parts
            .iter()
            .filter(|part| {
                part.source.as_deref().is_none_or(|source| !relies_on.is_some_and(|r| r.contains(source)))
            })
            .map(|part| match &part.source {
                Some(source) => format!("{} from {source}", code(&part.text)),
                None => format!("{} from elsewhere in the program", code(&part.text)),
            })
            .collect();
        if said.is_empty() && self.more == 0 {
            return;
        }
        let more = match self.more {
            0 => String::new(),
            1 => "1 more part written elsewhere".to_string(),
            n => format!("{n} more parts written elsewhere"),
        };
        let sentence = match (said.is_empty(), more.is_empty()) {
            (false, true) => format!("It splices in {}", said.join(", ")),
            (false, false) => format!("It splices in {}, and {more}", said.join(", ")),
            // Every part shown is named already: only say that some are not shown.
            (true, _) => format!("{more} {} not shown", if self.more == 1 { "is" } else { "are" }),
        };
        message.push_str(&format!(" ({sentence}.)"));
    }

    /// `finding` with where each part is written as a related location, leaving out the
    /// places it already shows (the value's own `span` in `file`, the whole value's `defined`).
    pub(crate) fn relate(
        &self,
        mut finding: Finding,
        defined: Option<&DefinedAt>,
        file: &Arc<SourceFile>,
        span: Span,
    ) -> Finding {
        for part in &self.parts {
            let in_file = part.at.file.as_ref().unwrap_or(file);
            let same_as_value = in_file.path() == file.path() && part.at.span == span;
            if same_as_value || defined.is_some_and(|defined| *defined == part.at) {
                continue;
            }
            let label = match &part.source {
                Some(source) if source.starts_with('`') => {
                    format!("{source} is defined here (spliced in as {})", code(&part.text))
                }
                Some(source) => format!("{} is spliced in from {source}, written here", code(&part.text)),
                None => format!("{} is spliced in from here", code(&part.text)),
            };
            finding = finding.with_related(Location::new(in_file, part.at.span), label);
        }
        finding
    }
}

/// Text quoted for a message, shortened when long (a whole ARN spliced in).
fn code(text: &str) -> String {
    const LONGEST: usize = 60;
    match text.char_indices().nth(LONGEST) {
        Some((cut, _)) => format!("`{}…`", &text[..cut]),
        None => format!("`{text}`"),
    }
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
