//! Token issuers, recognised from a URL, an `oidc-provider/` ARN or an AWS condition-key prefix.
//! Whether an issuer URL is shared by every customer or belongs to one tenant decides how bad a
//! missing subject restriction is (oidc-reference.md 1.0).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IssuerKind {
    /// `token.actions.githubusercontent.com`: every repository on github.com.
    GitHub,
    /// `token.actions.githubusercontent.com/<enterpriseSlug>`.
    GitHubEnterprise { slug: String },
    /// `HOST/_services/token` (GitHub Enterprise Server).
    GitHubServer { host: String },
    /// `token.actions.<subdomain>.ghe.com` (GHE.com data residency).
    GheCom { subdomain: String },
    /// `gitlab.com` (shared) or a self-managed instance (per tenant).
    GitLab { host: String, saas: bool },
    /// `api.pulumi.com/oidc` (and `/oidc/v2`).
    PulumiCloud,
    /// `app.terraform.io`, `app.eu.terraform.io`.
    HcpTerraform { host: String },
    /// `oidc.circleci.com/org/<ORG_UUID>`.
    CircleCi { org: String },
    /// `api.bitbucket.org/2.0/workspaces/<WS>/pipelines-config/identity/oidc`.
    Bitbucket { workspace: String },
    /// `agent.buildkite.com`.
    Buildkite,
    /// EKS (`oidc.eks.<region>.amazonaws.com/id/<HEX>`) or another cluster's service-account issuer.
    Kubernetes { cluster: String },
    /// `accounts.google.com`: every Google account and every service account of every project.
    Google,
    /// Anything else: an enterprise IdP (Entra, Okta, Auth0, Keycloak) or an unrecognised issuer.
    Other,
}

/// Who shares an issuer URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tenancy {
    /// Every customer of the service signs tokens under this URL.
    Shared,
    /// The URL already pins one organisation, workspace, enterprise or cluster.
    PerTenant,
}

/// A recognised issuer: its kind and the host-and-path AWS uses as condition-key prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Issuer {
    pub kind: IssuerKind,
    /// Issuer URL without `https://`, e.g. `token.actions.githubusercontent.com`.
    pub host_path: String,
}

impl Issuer {
    /// Recognise an issuer from an issuer URL (`https://gitlab.com`), an AWS `oidc-provider/` ARN,
    /// a bare provider host-and-path, or an AWS condition-key prefix.
    pub fn recognise(text: &str) -> Issuer {
        let host_path = host_path_of(text);
        let kind = kind_of(&host_path);
        Issuer { kind, host_path }
    }

    pub fn tenancy(&self) -> Tenancy {
        match &self.kind {
            IssuerKind::GitHub
            | IssuerKind::PulumiCloud
            | IssuerKind::HcpTerraform { .. }
            | IssuerKind::Buildkite
            | IssuerKind::Google => Tenancy::Shared,
            IssuerKind::GitLab { saas, .. } => {
                if *saas {
                    Tenancy::Shared
                } else {
                    Tenancy::PerTenant
                }
            }
            // The Entra consumer tenant signs for every personal Microsoft account.
            IssuerKind::Other if self.host_path.contains("9188040d-6c67-4c5b-b112-36a304b66dad") => {
                Tenancy::Shared
            }
            _ => Tenancy::PerTenant,
        }
    }

    /// A short human name: "GitHub Actions", "GitLab (gitlab.com)", ...
    pub fn name(&self) -> String {
        match &self.kind {
            IssuerKind::GitHub => "GitHub Actions".into(),
            IssuerKind::GitHubEnterprise { slug } => format!("GitHub Actions (enterprise `{slug}`)"),
            IssuerKind::GitHubServer { host } => format!("GitHub Enterprise Server `{host}`"),
            IssuerKind::GheCom { subdomain } => format!("GitHub Enterprise Cloud `{subdomain}.ghe.com`"),
            IssuerKind::GitLab { host, .. } => format!("GitLab (`{host}`)"),
            IssuerKind::PulumiCloud => "Pulumi Cloud".into(),
            IssuerKind::HcpTerraform { host } => format!("HCP Terraform (`{host}`)"),
            IssuerKind::CircleCi { .. } => "CircleCI".into(),
            IssuerKind::Bitbucket { workspace } => format!("Bitbucket Pipelines (workspace `{workspace}`)"),
            IssuerKind::Buildkite => "Buildkite".into(),
            IssuerKind::Kubernetes { cluster } => format!("Kubernetes service accounts of `{cluster}`"),
            IssuerKind::Google => "Google (`accounts.google.com`)".into(),
            IssuerKind::Other => format!("`{}`", self.host_path),
        }
    }

    /// Who can obtain a token from this issuer at all, for "anyone ..." messages.
    pub fn population(&self) -> String {
        match &self.kind {
            IssuerKind::GitHub => "any GitHub Actions workflow in any repository on github.com".into(),
            IssuerKind::GitHubEnterprise { slug } => {
                format!("any GitHub Actions workflow in any repository of enterprise `{slug}`")
            }
            IssuerKind::GitHubServer { host } | IssuerKind::GitLab { host, saas: false } => {
                format!("any pipeline of any project on `{host}`")
            }
            IssuerKind::GheCom { subdomain } => {
                format!("any workflow of any repository on `{subdomain}.ghe.com`")
            }
            IssuerKind::GitLab { .. } => "any GitLab CI job of any project on gitlab.com".into(),
            IssuerKind::PulumiCloud => {
                "any Pulumi Deployments stack or ESC environment of any Pulumi organization".into()
            }
            IssuerKind::HcpTerraform { .. } => {
                "any run of any workspace of any HCP Terraform organization".into()
            }
            IssuerKind::CircleCi { org } => {
                format!("any job of any project of CircleCI organization `{org}`")
            }
            IssuerKind::Bitbucket { workspace } => {
                format!("any pipeline step of any repository in Bitbucket workspace `{workspace}`")
            }
            IssuerKind::Buildkite => "any job of any Buildkite organization".into(),
            IssuerKind::Kubernetes { cluster } => {
                format!("any service account in any namespace of cluster `{cluster}`")
            }
            IssuerKind::Google => "any Google account or service account of any project".into(),
            IssuerKind::Other => format!("any principal that `{}` issues tokens to", self.host_path),
        }
    }

    /// The audience a relying party on AWS should pin, when the issuer has a convention.
    pub fn expected_aws_audience(&self) -> Option<&'static str> {
        match &self.kind {
            IssuerKind::GitHub
            | IssuerKind::GitHubEnterprise { .. }
            | IssuerKind::GitHubServer { .. }
            | IssuerKind::GheCom { .. }
            | IssuerKind::Kubernetes { .. } => Some("sts.amazonaws.com"),
            IssuerKind::HcpTerraform { .. } => Some("aws.workload.identity"),
            IssuerKind::PulumiCloud => Some("aws:<your-pulumi-org> (ESC) or <your-pulumi-org> (Deployments)"),
            _ => None,
        }
    }

    /// Claims AWS STS exposes as condition keys for this issuer, when that list is known
    /// (oidc-reference.md 2.1 and 1.10). `None` means "not known": never flag a key as unexposed.
    pub fn aws_condition_claims(&self) -> Option<&'static [&'static str]> {
        const GITHUB: &[&str] = &[
            "aud",
            "sub",
            "amr",
            "actor",
            "actor_id",
            "job_workflow_ref",
            "repository",
            "repository_id",
            "workflow",
            "ref",
            "environment",
            "enterprise_id",
        ];
        const GOOGLE: &[&str] = &["aud", "oaud", "sub", "email", "amr"];
        const GENERIC: &[&str] = &["aud", "sub", "amr"];
        match &self.kind {
            IssuerKind::GitHub | IssuerKind::GitHubEnterprise { .. } | IssuerKind::GheCom { .. } => {
                Some(GITHUB)
            }
            IssuerKind::Google => Some(GOOGLE),
            IssuerKind::Kubernetes { .. } | IssuerKind::PulumiCloud | IssuerKind::Other => Some(GENERIC),
            // GitLab.com, CircleCI, Buildkite, Bitbucket and HCP Terraform have provider-specific
            // keys whose exact list is not documented well enough to call one missing.
            _ => None,
        }
    }

    /// Claims that, when pinned, say which workload the token belongs to (the subject or an
    /// equivalent), per issuer.
    pub fn subject_claims(&self) -> &'static [&'static str] {
        match &self.kind {
            IssuerKind::GitHub
            | IssuerKind::GitHubEnterprise { .. }
            | IssuerKind::GitHubServer { .. }
            | IssuerKind::GheCom { .. } => &[
                "sub",
                "repository",
                "repository_id",
                "job_workflow_ref",
                // Owner-wide, graded as such (GCP conditions and principal sets pin them alone).
                "repository_owner",
                "repository_owner_id",
            ],
            IssuerKind::GitLab { .. } => {
                &["sub", "project_path", "project_id", "namespace_path", "namespace_id"]
            }
            IssuerKind::Google => &["sub", "aud"],
            _ => &["sub"],
        }
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// `arn:aws:iam::123:oidc-provider/token.actions.githubusercontent.com` -> host and path;
/// `https://gitlab.com/` -> `gitlab.com/`. The final `/` is kept: AWS keeps it in key prefixes
/// of issuers whose `iss` ends with one (Auth0, Entra v1).
fn host_path_of(text: &str) -> String {
    let text = text.trim();
    let text = match text.find(":oidc-provider/") {
        Some(i) if text.starts_with("arn:") => &text[i + ":oidc-provider/".len()..],
        _ => text,
    };
    let text = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).unwrap_or(text);
    text.to_string()
}

fn kind_of(host_path: &str) -> IssuerKind {
    let lower = host_path.to_ascii_lowercase();
    let lower = lower.as_str();
    let (host, path) = lower.split_once('/').unwrap_or((lower, ""));
    let path = path.trim_end_matches('/');
    match host {
        "token.actions.githubusercontent.com" if path.is_empty() => IssuerKind::GitHub,
        "token.actions.githubusercontent.com" => IssuerKind::GitHubEnterprise { slug: path.to_string() },
        "gitlab.com" => IssuerKind::GitLab { host: host.to_string(), saas: true },
        "api.pulumi.com" if path == "oidc" || path.starts_with("oidc/") => IssuerKind::PulumiCloud,
        "app.terraform.io" | "app.eu.terraform.io" => IssuerKind::HcpTerraform { host: host.to_string() },
        "oidc.circleci.com" => {
            IssuerKind::CircleCi { org: path.strip_prefix("org/").unwrap_or(path).to_string() }
        }
        "api.bitbucket.org" if path.contains("pipelines-config/identity/oidc") => IssuerKind::Bitbucket {
            workspace: path
                .strip_prefix("2.0/workspaces/")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or("")
                .to_string(),
        },
        "agent.buildkite.com" => IssuerKind::Buildkite,
        "accounts.google.com" => IssuerKind::Google,
        _ if host.starts_with("token.actions.") && host.ends_with(".ghe.com") => IssuerKind::GheCom {
            subdomain: host["token.actions.".len()..host.len() - ".ghe.com".len()].to_string(),
        },
        _ if path == "_services/token" => IssuerKind::GitHubServer { host: host.to_string() },
        _ if host.starts_with("oidc.eks.") && host.ends_with(".amazonaws.com") => {
            IssuerKind::Kubernetes { cluster: format!("{host}/{path}") }
        }
        _ if host.starts_with("gitlab.") => IssuerKind::GitLab { host: host.to_string(), saas: false },
        _ if host.contains("container.googleapis.com") || path.contains("oidcissuer") => {
            IssuerKind::Kubernetes { cluster: host_path.to_string() }
        }
        _ => IssuerKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_issuers_from_every_form() {
        let cases: &[(&str, IssuerKind, Tenancy)] = &[
            (
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
                IssuerKind::GitHub,
                Tenancy::Shared,
            ),
            ("https://token.actions.githubusercontent.com", IssuerKind::GitHub, Tenancy::Shared),
            ("token.actions.githubusercontent.com", IssuerKind::GitHub, Tenancy::Shared),
            (
                "token.actions.githubusercontent.com/acme-corp",
                IssuerKind::GitHubEnterprise { slug: "acme-corp".into() },
                Tenancy::PerTenant,
            ),
            (
                "https://ghes.acme.example/_services/token",
                IssuerKind::GitHubServer { host: "ghes.acme.example".into() },
                Tenancy::PerTenant,
            ),
            (
                "https://token.actions.acme.ghe.com",
                IssuerKind::GheCom { subdomain: "acme".into() },
                Tenancy::PerTenant,
            ),
            (
                "https://gitlab.com",
                IssuerKind::GitLab { host: "gitlab.com".into(), saas: true },
                Tenancy::Shared,
            ),
            (
                "gitlab.acme.example",
                IssuerKind::GitLab { host: "gitlab.acme.example".into(), saas: false },
                Tenancy::PerTenant,
            ),
            ("https://api.pulumi.com/oidc", IssuerKind::PulumiCloud, Tenancy::Shared),
            ("api.pulumi.com/oidc/v2", IssuerKind::PulumiCloud, Tenancy::Shared),
            (
                "app.terraform.io",
                IssuerKind::HcpTerraform { host: "app.terraform.io".into() },
                Tenancy::Shared,
            ),
            (
                "oidc.circleci.com/org/0e4f7c6b-aaaa-bbbb-cccc-1234567890ab",
                IssuerKind::CircleCi { org: "0e4f7c6b-aaaa-bbbb-cccc-1234567890ab".into() },
                Tenancy::PerTenant,
            ),
            (
                "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
                IssuerKind::Bitbucket { workspace: "acme".into() },
                Tenancy::PerTenant,
            ),
            ("agent.buildkite.com", IssuerKind::Buildkite, Tenancy::Shared),
            (
                "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123",
                IssuerKind::Kubernetes { cluster: "oidc.eks.us-east-1.amazonaws.com/id/abcdef0123".into() },
                Tenancy::PerTenant,
            ),
            ("accounts.google.com", IssuerKind::Google, Tenancy::Shared),
            ("acme.okta.com/oauth2/default", IssuerKind::Other, Tenancy::PerTenant),
            ("sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/", IssuerKind::Other, Tenancy::Shared),
        ];
        for (text, kind, tenancy) in cases {
            let issuer = Issuer::recognise(text);
            assert_eq!(&issuer.kind, kind, "{text}");
            assert_eq!(issuer.tenancy(), *tenancy, "{text}");
        }
    }

    #[test]
    fn host_path_keeps_case_and_final_slash() {
        assert_eq!(Issuer::recognise("https://acme.us.auth0.com/").host_path, "acme.us.auth0.com/");
        assert_eq!(
            Issuer::recognise("arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC")
                .host_path,
            "oidc.eks.us-east-1.amazonaws.com/id/ABC"
        );
    }
}
