//! `plaintext-config-secret`: a credential stored in plaintext in Pulumi configuration (a stack
//! file or an ESC environment kept in the repository), or an ESC login in its static form.

use trustlint_core::{Finding, Location, redact};
use trustlint_model::config_key::{esc_static_login, is_plaintext_fn_secret};
use trustlint_model::{CredentialKind, CredentialSource, CredentialUse};

use crate::rules::capitalise;
use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct PlaintextConfigSecret;

impl Rule for PlaintextConfigSecret {
    fn check_credential(&self, ctx: &RuleContext<'_>, credential: &CredentialUse, out: &mut Vec<Finding>) {
        let CredentialSource::Config { key, secure } = &credential.source else { return };
        if let Some(login) = esc_static_login(key) {
            let at = key.strip_suffix(&format!(".{}.{}", login.function, login.static_field)).unwrap_or(key);
            let message = format!(
                "`{}` at `{at}` logs in with `{}` credentials: long-lived {} keys that work from anywhere until someone rotates them, handed to everyone who opens this environment.",
                login.function, login.static_field, login.kind_name
            );
            let help = format!(
                "Log in with {} in `{}` (the cloud identity trusts Pulumi Cloud's OIDC tokens for this environment), then delete and deactivate the keys.",
                login.oidc, login.function
            );
            out.push(finding(ctx, credential, key, message, help));
        } else if !secure {
            let value = credential.file.slice(credential.span);
            let mut message = format!(
                "{} holds {} in plaintext (`{}`): anyone who can read the repository or its history can use it.",
                capitalise(&credential.wired_into),
                noun(&credential.kind),
                redact(value)
            );
            if is_plaintext_fn_secret(key) {
                message.push_str(
                    " `fn::secret` is encrypted only when the environment is saved through Pulumi Cloud, which turns it into `fn::secret: {ciphertext: ...}`; this file holds the plaintext.",
                );
            }
            let help = match credential.kind {
                CredentialKind::Other(_) => format!(
                    "Rotate it (the plaintext stays in the Git history), then {}.",
                    credential.replacement
                ),
                _ => format!(
                    "Rotate it (the plaintext stays in the Git history), then stop storing it: {}.",
                    credential.replacement
                ),
            };
            out.push(finding(ctx, credential, key, message, help));
        }
    }
}

fn finding(
    ctx: &RuleContext<'_>,
    credential: &CredentialUse,
    key: &str,
    message: String,
    help: String,
) -> Finding {
    // The value is the plaintext secret itself: mask it everywhere and fingerprint the key instead.
    let mut finding = ctx.finding(Location::new(&credential.file, credential.span), message).with_help(help);
    if let Some(value) = credential.value_span {
        finding = finding.with_masked(value);
    }
    finding.fingerprint_basis = Some(key.to_string());
    finding
}

/// "an AWS access key", "a password".
fn noun(kind: &CredentialKind) -> String {
    match kind {
        CredentialKind::AwsAccessKey => "an AWS access key".into(),
        CredentialKind::GcpServiceAccountKey => "a GCP service-account credential".into(),
        CredentialKind::AzureClientSecret => "an Azure client secret".into(),
        CredentialKind::PulumiAccessToken => "a Pulumi access token".into(),
        CredentialKind::Other(what) => {
            let article =
                if what.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) { "an" } else { "a" };
            format!("{article} {what}")
        }
    }
}
