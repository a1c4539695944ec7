//! `long-lived-key-resource`: the program creates a long-lived credential (an IAM user access
//! key, a service-account key, an application or service principal password).

use trustlint_core::{Finding, Location};
use trustlint_model::{CredentialKind, Facts};

use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct LongLivedKeyResource;

impl Rule for LongLivedKeyResource {
    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        for minted in &facts.minted {
            let what = match &minted.kind {
                CredentialKind::AwsAccessKey => "an AWS access key",
                CredentialKind::GcpServiceAccountKey => "a GCP service-account key",
                CredentialKind::AzureClientSecret => "an Entra ID client secret",
                CredentialKind::PulumiAccessToken => "a Pulumi access token",
                CredentialKind::Other(name) => name.as_str(),
            };
            let holder = minted.holder.as_ref().map(|h| format!(" for {h}")).unwrap_or_default();
            let message = format!(
                "{} creates {what}{holder}: it stays valid until someone rotates it, works from anywhere, and its secret is kept in the stack's state (and in any output that exports it).",
                minted.resource
            );
            out.push(
                ctx.finding(Location::new(&minted.file, minted.span), message)
                    .with_help(minted.replacement.clone()),
            );
        }
    }
}
