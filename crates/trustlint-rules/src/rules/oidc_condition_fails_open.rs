//! `oidc-condition-fails-open`: a restriction that also holds for tokens it was meant to keep out.

use trustlint_core::Finding;
use trustlint_model::{ClaimCondition, Issuer, SetQualifier, Trust};

use crate::assess::is_effective;
use crate::rules::oidc_missing_subject::example_subject;
use crate::rules::{key_prefix, pin_help, trust_finding};
use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct OidcConditionFailsOpen;

/// Claims that can hold several values in one token; `ForAllValues:` is meant for them.
const MULTI_VALUED: &[&str] = &["amr", "groups"];

impl Rule for OidcConditionFailsOpen {
    fn check_issued_trust(
        &self,
        ctx: &RuleContext<'_>,
        trust: &Trust,
        issuer: &Issuer,
        out: &mut Vec<Finding>,
    ) {
        for condition in trust.conditions.iter().filter(|c| !c.from_deny && c.operator.compares_strings()) {
            if let Some((message, help)) = fails_open(trust, condition) {
                out.push(trust_finding(ctx, trust, condition.operator_span, message).with_help(help));
            }
        }
        // Negated operators as the only subject restriction admit every other subject.
        let subject: Vec<_> = trust
            .conditions
            .iter()
            .filter(|c| issuer.subject_claims().contains(&c.claim.as_str()) && trust.key_matches_issuer(c))
            .collect();
        if !subject.is_empty() && subject.iter().all(|c| c.operator.negated && !c.from_deny) {
            let condition = subject[0];
            let message = format!(
                "The only condition on who the workload is, `{}` on `{}`, is negated: it excludes the values listed and admits every other subject of {}.",
                condition.operator.written,
                condition.key,
                issuer.name()
            );
            let help = match pin_help(trust, "sub", example_subject(&issuer.kind)) {
                Some(pin) => format!("{pin} Keep the negated condition only as an extra exclusion."),
                None => format!(
                    "Name the workloads that may assume the role with `StringEquals` on `{}:sub`; keep the negated condition only as an extra exclusion.",
                    key_prefix(trust)
                ),
            };
            out.push(trust_finding(ctx, trust, condition.operator_span, message).with_help(help));
        }
    }
}

fn fails_open(trust: &Trust, condition: &ClaimCondition) -> Option<(String, String)> {
    let op = &condition.operator;
    let plain = op.written.split(':').next_back().unwrap_or(&op.written).replace("IfExists", "");
    let mismatched_prefix = !trust.key_matches_issuer(condition);
    if op.set == SetQualifier::ForAllValues && !MULTI_VALUED.contains(&condition.claim.as_str()) {
        let message = if mismatched_prefix {
            format!(
                "`{}` on `{}`: the key names another issuer than the trusted provider, so it is never in the request, and `ForAllValues:` is true when the key is absent: this condition admits every token.",
                op.written, condition.key
            )
        } else {
            format!(
                "`{}` on the single-valued claim `{}`: `ForAllValues:` is true when the key is absent or empty, so the condition does not require the claim at all.",
                op.written, condition.key
            )
        };
        return Some((message, format!("Use plain `{plain}` for single-valued claims.")));
    }
    if op.if_exists && (mismatched_prefix || matches!(condition.claim.as_str(), "sub" | "aud")) {
        let message = if mismatched_prefix {
            format!(
                "`{}` on `{}`: the key names another issuer than the trusted provider, so it is never present, and `IfExists` makes the condition true when it is absent: it admits every token.",
                op.written, condition.key
            )
        } else {
            format!(
                "`{}` on `{}`: `IfExists` makes the condition true for a token without the claim, so it is not a requirement.",
                op.written, condition.key
            )
        };
        return Some((message, format!("Use `{plain}` without `IfExists`.")));
    }
    if op.if_exists && !is_effective(condition) && !op.negated {
        let message = format!(
            "`{}` on the optional claim `{}`: tokens without the claim (for example jobs without it) pass this condition.",
            op.written, condition.key
        );
        return Some((message, format!("Use `{plain}` without `IfExists` if the claim must be present.")));
    }
    None
}
