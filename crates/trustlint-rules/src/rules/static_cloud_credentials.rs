//! `static-cloud-credentials`: a long-lived cloud credential wired into CI (a login action's
//! static-key input, a credential environment variable) where an OIDC exchange exists. It judges
//! how the credential is supplied; literal secret values are `hardcoded-secret`'s business.

use trustlint_core::{Confidence, Finding, Location};
use trustlint_model::{CredentialKind, CredentialSource, CredentialUse};

use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct StaticCloudCredentials;

impl Rule for StaticCloudCredentials {
    fn check_credential(&self, ctx: &RuleContext<'_>, credential: &CredentialUse, out: &mut Vec<Finding>) {
        let kind = match &credential.kind {
            CredentialKind::AwsAccessKey => "AWS access key",
            CredentialKind::GcpServiceAccountKey => "GCP service-account key",
            CredentialKind::AzureClientSecret => "Azure client secret",
            CredentialKind::PulumiAccessToken => "Pulumi access token",
            CredentialKind::Other(name) => name.as_str(),
        };
        // The value is never quoted: a literal is only said to be one.
        let (source, confidence) = match &credential.source {
            CredentialSource::Literal => ("written in the file itself".to_string(), Confidence::High),
            CredentialSource::Secret(name) => (format!("from the secret `{name}`"), Confidence::High),
            CredentialSource::Variable(name) => (format!("from the CI variable `{name}`"), Confidence::High),
            CredentialSource::ConfigRead { key } => {
                (format!("from the stack setting `{key}`"), Confidence::High)
            }
            // Stack and ESC settings are judged by `plaintext-config-secret`.
            CredentialSource::Config { .. } => return,
            // An input that only takes static keys, fed by something trustlint cannot follow.
            CredentialSource::Unknown(why) => (format!("from {why}"), Confidence::Low),
        };
        let message = format!(
            "A long-lived {kind} is wired into {}, {source}: it works from anywhere until someone rotates \
             it, so a leak (a log, a compromised step, a copied secret) stays usable, while an OIDC \
             exchange can provide short-lived credentials instead. This is about how the credential is supplied; \
             literal secret values are reported by `hardcoded-secret`.",
            credential.wired_into
        );
        let finding = ctx
            .finding(Location::new(&credential.file, credential.span), message)
            .with_confidence(confidence)
            .with_help(credential.replacement.clone());
        // A literal value is the credential itself: never show it, never fingerprint it.
        let finding = match credential.value_span {
            Some(value) => {
                let mut finding = finding.with_masked(value);
                finding.fingerprint_basis = Some(format!("{kind} literal in {}", credential.wired_into));
                finding
            }
            None => finding,
        };
        out.push(finding);
    }
}
