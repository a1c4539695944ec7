//! Which audience a relying party should require, when the issuer or the relying party has a
//! convention: Entra ID exchanges tokens for `api://AzureADTokenExchange` (oidc-reference.md
//! 4.1), and Pulumi Cloud names the organization in the audience (`aws:ORG`, `gcp:ORG`,
//! `azure:ORG` for ESC, the bare `ORG` for Deployments, section 1.8).

use crate::azure::TOKEN_EXCHANGE_AUDIENCE;
use crate::issuer::{Issuer, IssuerKind};
use crate::trust::IdentityKind;

/// A Pulumi Cloud audience, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulumiAudience {
    /// `aws`, `gcp`, `azure` for ESC; `None` for the bare organization (Deployments, and ESC
    /// environments of the legacy `default` project).
    pub cloud: Option<String>,
    pub org: String,
}

/// Audiences of other relying parties, which are not organization names.
const CLOUD_AUDIENCES: &[&str] =
    &["sts.amazonaws.com", "aws.workload.identity", "api://azureadtokenexchange"];

fn is_org_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && text.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && !CLOUD_AUDIENCES.contains(&text.to_ascii_lowercase().as_str())
}

/// Read a Pulumi Cloud audience: `aws:acme`, `gcp:acme`, `azure:acme` or `acme`.
pub fn pulumi_audience(text: &str) -> Option<PulumiAudience> {
    let (cloud, org) = match text.split_once(':') {
        Some((cloud @ ("aws" | "gcp" | "azure"), org)) => (Some(cloud.to_string()), org),
        Some(_) => return None,
        None => (None, text),
    };
    is_org_name(org).then(|| PulumiAudience { cloud, org: org.to_string() })
}

/// What the audience of a trust should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// This exact value (Entra ID's token exchange audience).
    Exactly(&'static str),
    /// A Pulumi organization, optionally prefixed with the relying party's cloud.
    PulumiOrg { cloud: &'static str },
}

impl Expectation {
    pub fn accepts(&self, value: &str) -> bool {
        match self {
            Expectation::Exactly(expected) => value == *expected,
            Expectation::PulumiOrg { cloud } => pulumi_audience(value)
                .is_some_and(|audience| audience.cloud.as_deref().is_none_or(|c| c == *cloud)),
        }
    }

    /// The value to write, for help lines.
    pub fn example(&self) -> String {
        match self {
            Expectation::Exactly(expected) => (*expected).to_string(),
            Expectation::PulumiOrg { cloud } => format!("{cloud}:<your-pulumi-org>"),
        }
    }

    /// Why it matters, for messages.
    pub fn why(&self) -> &'static str {
        match self {
            Expectation::Exactly(_) => {
                "Entra ID exchanges tokens requested for it; any other audience also admits tokens the workload requested for other relying parties"
            }
            Expectation::PulumiOrg { .. } => {
                "Pulumi Cloud signs tokens for every Pulumi organization under one issuer, and only the audience names the organization"
            }
        }
    }
}

fn cloud_of(identity: IdentityKind) -> &'static str {
    match identity {
        IdentityKind::AwsRole => "aws",
        IdentityKind::GcpServiceAccount
        | IdentityKind::GcpWorkloadPool
        | IdentityKind::GcpFederatedIdentity => "gcp",
        IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity => "azure",
    }
}

/// The audience a trust of `identity` on tokens of `issuer` should require, when there is a
/// convention; `None` when any audience the pipeline requests is fine.
pub fn expectation(issuer: &Issuer, identity: IdentityKind) -> Option<Expectation> {
    if issuer.kind == IssuerKind::PulumiCloud {
        return Some(Expectation::PulumiOrg { cloud: cloud_of(identity) });
    }
    match identity {
        IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity => {
            Some(Expectation::Exactly(TOKEN_EXCHANGE_AUDIENCE))
        }
        _ => None,
    }
}

/// True when the relying party accepts exactly one audience value (Entra ID federated
/// credentials): more than one is rejected by the service.
pub fn accepts_one_audience(identity: IdentityKind) -> bool {
    matches!(identity, IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pulumi_audiences() {
        type Expected = Option<(Option<&'static str>, &'static str)>;
        let cases: &[(&str, Expected)] = &[
            ("aws:acme", Some((Some("aws"), "acme"))),
            ("gcp:acme-corp", Some((Some("gcp"), "acme-corp"))),
            ("azure:acme_1", Some((Some("azure"), "acme_1"))),
            ("acme", Some((None, "acme"))),
            ("sts.amazonaws.com", None),
            ("api://AzureADTokenExchange", None),
            ("urn:pulumi:org:acme", None),
            ("aws:", None),
            ("*", None),
            ("", None),
        ];
        for (text, expected) in cases {
            let got = pulumi_audience(text);
            let got = got.as_ref().map(|a| (a.cloud.as_deref(), a.org.as_str()));
            assert_eq!(got, *expected, "{text}");
        }
    }

    #[test]
    fn expectations_per_relying_party() {
        let pulumi = Issuer::recognise("https://api.pulumi.com/oidc");
        let github = Issuer::recognise("https://token.actions.githubusercontent.com");
        let aws = expectation(&pulumi, IdentityKind::AwsRole).unwrap();
        assert!(aws.accepts("aws:acme"));
        assert!(aws.accepts("acme"));
        assert!(!aws.accepts("gcp:acme"));
        assert!(!aws.accepts("sts.amazonaws.com"));
        let azure = expectation(&pulumi, IdentityKind::AzureApplication).unwrap();
        assert!(azure.accepts("azure:acme"));
        let entra = expectation(&github, IdentityKind::AzureManagedIdentity).unwrap();
        assert!(entra.accepts("api://AzureADTokenExchange"));
        assert!(!entra.accepts("https://github.com/acme"));
        assert_eq!(expectation(&github, IdentityKind::AwsRole), None);
        assert!(accepts_one_audience(IdentityKind::AzureApplication));
        assert!(!accepts_one_audience(IdentityKind::AwsRole));
    }
}
