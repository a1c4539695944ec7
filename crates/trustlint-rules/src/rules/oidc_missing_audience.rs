//! `oidc-missing-audience`: no effective condition on the token's audience; on the token side,
//! a GitLab `id_tokens` entry without `aud`. (An `aud` equal to the GitLab instance URL is a
//! documented value, not a missing one: `oidc-instance-audience` reports it.)

use trustlint_core::{Confidence, Finding, Location, Severity, Span};
use trustlint_model::audience;
use trustlint_model::azure::TOKEN_EXCHANGE_AUDIENCE;
use trustlint_model::workflow::Workflow;
use trustlint_model::{IdentityKind, IssuerKind};

use crate::assess::is_effective;
use crate::rules::{Focus, capitalise, key_prefix, restriction_span, trust_finding, value_finding};
use crate::{DeclareRule, LiveTrust, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct OidcMissingAudience;

impl Rule for OidcMissingAudience {
    fn check_gitlab_pipeline(&self, ctx: &RuleContext<'_>, flow: &Workflow, out: &mut Vec<Finding>) {
        gitlab_id_tokens(ctx, flow, out);
    }

    fn check_trust(&self, ctx: &RuleContext<'_>, live: &LiveTrust<'_>, out: &mut Vec<Finding>) {
        let LiveTrust { trust, issuer, .. } = *live;
        if trust.conditions_unknown.is_some() {
            return;
        }
        // Google's `:aud` reads `azp` (the caller); `:oaud` is the requested audience.
        let audience_claims: &[&str] =
            if issuer.kind == IssuerKind::Google { &["oaud", "aud"] } else { &["aud"] };
        let audience: Vec<_> = trust
            .conditions
            .iter()
            .filter(|c| {
                audience_claims.contains(&c.claim.as_str()) && trust.key_matches_issuer(c) && is_effective(c)
            })
            .collect();
        let prefix = key_prefix(trust);
        let expectation = audience::expectation(issuer, trust.identity.kind);
        let help = match (trust.identity.kind, &expectation) {
            (IdentityKind::AwsRole, _) => {
                let expected =
                    issuer.expected_aws_audience().unwrap_or("<the audience your pipeline requests>");
                format!("Add `\"StringEquals\": {{\"{prefix}:aud\": \"{expected}\"}}`.")
            }
            (IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity, expected) => {
                let expected = expected.as_ref().map_or_else(|| TOKEN_EXCHANGE_AUDIENCE.to_string(), |e| e.example());
                format!("Set the credential's `audiences` to `[\"{expected}\"]`.")
            }
            (_, Some(expected)) => {
                format!("Set `oidc.allowedAudiences` to `[\"{}\"]`.", expected.example())
            }
            (_, None) => "Leave `oidc.allowedAudiences` empty (the provider's own name is then the only audience) or list only the audience your pipeline requests.".to_string(),
        };
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
            // On Pulumi Cloud the audience is what names the organization: without it, the
            // subject patterns of every other organization's stacks and environments get in.
            let mut finding = trust_finding(ctx, trust, restriction_span(trust), message).with_help(help);
            if issuer.kind == IssuerKind::PulumiCloud {
                finding = finding.with_severity(Severity::High);
            }
            out.push(finding);
            return;
        }
        // The relying party's convention (Entra ID's exchange audience, a Pulumi organization):
        // known values none of which follows it admit tokens meant for someone else.
        if let Some(expected) = &expectation {
            let values: Vec<_> = audience.iter().flat_map(|c| c.values.iter()).collect();
            let texts: Option<Vec<String>> = values.iter().map(|v| v.text()).collect();
            if let Some(texts) = texts
                && !texts.is_empty()
                && !texts.iter().any(|t| expected.accepts(t) || t.chars().all(|c| c == '*'))
            {
                let shown: Vec<String> = texts.iter().map(|t| format!("`{t}`")).collect();
                let message = format!(
                    "{} accepts tokens whose audience is {} rather than `{}`: {}.",
                    capitalise(&trust.identity.label),
                    shown.join(" or "),
                    expected.example(),
                    expected.why()
                );
                out.push(value_finding(ctx, trust, values[0], Focus::Whole, message).with_help(help.clone()));
            }
        }
        // An audience condition whose every value is a bare wildcard restricts nothing.
        for condition in audience {
            let all_wild = condition.operator.is_glob()
                && !condition.values.is_empty()
                && condition.values.iter().all(|v| v.text().is_some_and(|t| t.chars().all(|c| c == '*')));
            if all_wild {
                let message =
                    format!("The audience condition `{}` matches every audience: {why}.", condition.key);
                out.push(
                    value_finding(ctx, trust, &condition.values[0], Focus::Whole, message)
                        .with_help(help.clone()),
                );
            }
        }
    }
}

const GITLAB_HELP: &str = "Give each relying party its own audience: `aud: sts.amazonaws.com` for AWS, the workload identity provider URL for GCP, `api://AzureADTokenExchange` for Azure, your Vault or service URL otherwise, and require that audience in the trust.";

/// GitLab `id_tokens` entries without `aud`. An entry merged into several jobs (an anchor, a
/// template) is reported once, naming every job.
fn gitlab_id_tokens(ctx: &RuleContext<'_>, flow: &Workflow, out: &mut Vec<Finding>) {
    let mut reports: Vec<Report<'_>> = Vec::new();
    for job in &flow.jobs {
        for token in &job.id_tokens {
            if token.aud_span.is_none() {
                let head = format!(
                    "ID token `{}` declares no audience (`aud`), so it does not say which relying party it is \
                     for: every cloud or service that trusts this project accepts it",
                    token.name
                );
                add(&mut reports, token.name_span, head, Confidence::High, &job.id);
            }
        }
    }
    for (span, head, confidence, jobs) in reports {
        let jobs: Vec<String> = jobs.iter().map(|job| format!("`{job}`")).collect();
        let noun = if jobs.len() == 1 { "job" } else { "jobs" };
        let message = format!("{head} ({noun} {}).", jobs.join(", "));
        out.push(
            ctx.finding(Location::new(&flow.file, span), message)
                .with_confidence(confidence)
                .with_help(GITLAB_HELP),
        );
    }
}

/// One GitLab finding being collected: span, message head, confidence, the jobs that share it.
pub(crate) type Report<'a> = (Span, String, Confidence, Vec<&'a str>);

pub(crate) fn add<'a>(
    reports: &mut Vec<Report<'a>>,
    span: Span,
    head: String,
    confidence: Confidence,
    job: &'a str,
) {
    match reports.iter_mut().find(|(s, ..)| *s == span) {
        Some((_, _, _, jobs)) => jobs.push(job),
        None => reports.push((span, head, confidence, vec![job])),
    }
}
