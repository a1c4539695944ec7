//! `oidc-missing-audience`: no effective condition on the token's audience.

use trustlint_core::{Finding, Severity};
use trustlint_model::{Facts, IssuerKind};

use crate::assess::is_effective;
use crate::rules::{capitalise, key_prefix, trust_finding};
use crate::{Rule, RuleContext};

pub struct OidcMissingAudience;

impl Rule for OidcMissingAudience {
    fn id(&self) -> &'static str {
        "oidc-missing-audience"
    }

    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        for trust in &facts.trusts {
            let Some(issuer) = trust.issuer() else { continue };
            if trust.conditions_unknown.is_some() {
                continue;
            }
            // Google's `:aud` reads `azp` (the caller); `:oaud` is the requested audience.
            let audience_claims: &[&str] =
                if issuer.kind == IssuerKind::Google { &["oaud", "aud"] } else { &["aud"] };
            let audience: Vec<_> = trust
                .conditions
                .iter()
                .filter(|c| {
                    audience_claims.contains(&c.claim.as_str())
                        && trust.key_matches_issuer(c)
                        && is_effective(c)
                })
                .collect();
            let prefix = key_prefix(trust);
            let expected = issuer.expected_aws_audience().unwrap_or("<the audience your pipeline requests>");
            let help = format!("Add `\"StringEquals\": {{\"{prefix}:aud\": \"{expected}\"}}`.");
            let why = if issuer.kind == IssuerKind::PulumiCloud {
                "Pulumi Cloud signs tokens for every Pulumi organization under one issuer, and only the audience names the organization"
            } else {
                "a token the same issuer minted for another relying party (another cloud, another service) is accepted too"
            };
            if audience.is_empty() {
                let message = format!(
                    "{} does not pin the token audience (`{prefix}:aud`): {why}.",
                    capitalise(&trust.identity.label)
                );
                out.push(
                    trust_finding(ctx, trust, Severity::Medium, trust.issuer_span, message).with_help(help),
                );
                continue;
            }
            // An audience condition whose every value is a bare wildcard restricts nothing.
            for condition in audience {
                let all_wild = condition.operator.is_glob()
                    && !condition.values.is_empty()
                    && condition.values.iter().all(|v| v.text().is_some_and(|t| t.chars().all(|c| c == '*')));
                if all_wild {
                    let span = condition.values[0].span;
                    let message =
                        format!("The audience condition `{}` matches every audience: {why}.", condition.key);
                    out.push(
                        trust_finding(ctx, trust, Severity::Medium, span, message).with_help(help.clone()),
                    );
                }
            }
        }
    }
}
