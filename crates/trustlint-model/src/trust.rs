//! The facts every frontend fills and every rule judges: who may become which identity
//! ([`Trust`]) and what that identity may do ([`Grant`]).

use std::borrow::Cow;
use std::sync::Arc;

use trustlint_core::{Severity, SourceFile, Span};

use crate::condition::{ClaimCondition, DefinedAt, DroppedCondition};
use crate::issuer::Issuer;

/// The cloud identity a trust lets a workload become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    AwsRole,
    GcpServiceAccount,
    GcpWorkloadPool,
    /// The federated identities a `principal://` / `principalSet://` member names, granted a
    /// role directly (no service account in between).
    GcpFederatedIdentity,
    AzureApplication,
    AzureManagedIdentity,
}

impl IdentityKind {
    pub fn noun(self) -> &'static str {
        match self {
            IdentityKind::AwsRole => "role",
            IdentityKind::GcpServiceAccount => "service account",
            IdentityKind::GcpWorkloadPool => "workload identity pool",
            IdentityKind::GcpFederatedIdentity => "federated identity",
            IdentityKind::AzureApplication => "application",
            IdentityKind::AzureManagedIdentity => "managed identity",
        }
    }

    /// The widest subject breadth that is expected on a trust of this kind. A workload identity
    /// pool is a gateway: its provider condition commonly pins only the owner, and the bindings
    /// that narrow it are judged on their own trusts (which carry the pool's conditions).
    pub fn accepted_breadth(self) -> crate::subject::Breadth {
        match self {
            IdentityKind::GcpWorkloadPool => crate::subject::Breadth::WholeOwner { owner: None },
            _ => crate::subject::Breadth::Exact,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub kind: IdentityKind,
    /// The key grants link to: a CloudFormation logical id, a Pulumi variable or logical name.
    /// Empty when the identity is anonymous (a standalone policy document).
    pub key: String,
    /// How messages name it: `role \`DeployRole\``, `aws.iam.Role "deploy"`, `this role`.
    pub label: String,
    /// The names a CI login can call it by, when the file states them (a literal `RoleName`, a
    /// provider's pool and provider ids): what the trust chain links logins to.
    pub names: Vec<IdentityName>,
}

impl Identity {
    pub fn new(kind: IdentityKind, key: impl Into<String>, label: impl Into<String>) -> Self {
        Identity { kind, key: key.into(), label: label.into(), names: Vec::new() }
    }

    /// A trust policy document on its own: the role it belongs to is not in view.
    pub fn standalone_aws_role() -> Self {
        Identity::new(IdentityKind::AwsRole, "", "this role")
    }

    pub fn with_name(mut self, kind: NameKind, value: impl Into<String>, span: Span) -> Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.names.push(IdentityName { kind, value, span });
        }
        self
    }
}

/// A name a login can use for an identity, as written in the file that declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityName {
    pub kind: NameKind,
    pub value: String,
    /// Where it is written.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameKind {
    /// An IAM role name (`RoleName`, a Pulumi role's `name`): the last segment of its ARN.
    AwsRoleName,
    /// A full IAM role ARN (`aws iam get-role` output).
    AwsRoleArn,
    /// `POOL_ID/PROVIDER_ID` of a GCP workload identity provider.
    GcpProvider,
    /// The account id of a GCP service account (the part of its email before `@`).
    GcpServiceAccount,
    /// An Azure application (client) id or a managed identity's client id.
    AzureClientId,
    /// A Pulumi stack output the program exports the identity's ARN, name, email or client id
    /// as (`export const deployRoleArn = role.arn`): the value is the output's name.
    PulumiStackOutput,
    /// A Pulumi role with no `name`: auto-named `<logical name>-<7 lowercase hex>`; the value is
    /// the logical name.
    PulumiAutoName,
    /// A Pulumi role with a `namePrefix`: named `<prefix>` + the provider's 26-character unique
    /// id (18 digits of UTC time, then an 8-digit hex counter); the value is the prefix.
    PulumiNamePrefix,
    /// A CloudFormation role with no `RoleName`: named `<stack name>-<LogicalId>-<12 or 13
    /// uppercase letters and digits>`; the value is the logical id.
    CloudFormationAutoName,
}

impl NameKind {
    pub fn describe(self) -> &'static str {
        match self {
            NameKind::AwsRoleName => "role name",
            NameKind::AwsRoleArn => "role ARN",
            NameKind::GcpProvider => "workload identity provider",
            NameKind::GcpServiceAccount => "service account",
            NameKind::AzureClientId => "client id",
            NameKind::PulumiStackOutput => "stack output",
            NameKind::PulumiAutoName | NameKind::PulumiNamePrefix | NameKind::CloudFormationAutoName => {
                "generated role name"
            }
        }
    }

    /// Whether `role_name` is exactly a name the generating rule of this kind gives a role whose
    /// written part is `written` (anchored at both ends, never a substring).
    pub fn generates(self, written: &str, role_name: &str) -> bool {
        let all = |bytes: &[u8], ok: fn(&u8) -> bool| !bytes.is_empty() && bytes.iter().all(ok);
        let lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
        match self {
            NameKind::PulumiAutoName => role_name
                .strip_prefix(written)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|suffix| suffix.len() == 7 && all(suffix.as_bytes(), lower_hex)),
            NameKind::PulumiNamePrefix => role_name.strip_prefix(written).is_some_and(|suffix| {
                let bytes = suffix.as_bytes();
                bytes.len() == 26 && all(&bytes[..18], u8::is_ascii_digit) && all(&bytes[18..], lower_hex)
            }),
            NameKind::CloudFormationAutoName => {
                let Some((head, suffix)) = role_name.rsplit_once('-') else { return false };
                let upper_alnum = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
                let stack = head.strip_suffix(written).and_then(|stack| stack.strip_suffix('-'));
                matches!(suffix.len(), 12 | 13)
                    && all(suffix.as_bytes(), upper_alnum)
                    // A stack name: a letter, then letters, digits and hyphens.
                    && stack.is_some_and(|stack| {
                        stack.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
                            && all(stack.as_bytes(), |b| b.is_ascii_alphanumeric() || *b == b'-')
                    })
            }
            _ => false,
        }
    }

    /// How a link made through this kind of name is said: "the Pulumi auto-naming rule".
    pub fn generating_rule(self) -> Option<&'static str> {
        match self {
            NameKind::PulumiAutoName => Some("Pulumi's auto-naming rule `<logical name>-<7 hex digits>`"),
            NameKind::PulumiNamePrefix => {
                Some("Pulumi's `namePrefix` rule `<prefix><26-character unique id>`")
            }
            NameKind::CloudFormationAutoName => {
                Some("CloudFormation's naming rule `<stack name>-<LogicalId>-<12 or 13 letters and digits>`")
            }
            _ => None,
        }
    }
}

/// The issuer of a trust: recognised, inferred from the conditions, or not resolvable statically.
#[derive(Clone, Debug)]
pub enum IssuerRef {
    Known(Issuer),
    /// The principal could not be resolved (a placeholder, an import, an Output), but the
    /// conditions say whose tokens they test: `from` names the evidence, for messages.
    Inferred {
        issuer: Issuer,
        from: String,
    },
    /// Why it could not be resolved (`!Ref GithubOidc` to a provider with no URL, an Output).
    Unknown(String),
}

impl IssuerRef {
    pub fn known(&self) -> Option<&Issuer> {
        match self {
            IssuerRef::Known(issuer) | IssuerRef::Inferred { issuer, .. } => Some(issuer),
            IssuerRef::Unknown(_) => None,
        }
    }

    /// An Unknown issuer becomes Inferred when the conditions name one (see [`infer_issuer`]).
    pub fn or_infer(self, conditions: &[ClaimCondition]) -> IssuerRef {
        match self {
            IssuerRef::Unknown(why) => match infer_issuer(conditions) {
                Some((issuer, evidence)) => {
                    IssuerRef::Inferred { issuer, from: format!("{evidence} ({why} could not be resolved)") }
                }
                None => IssuerRef::Unknown(why),
            },
            known => known,
        }
    }

    /// "The issuer (GitHub Actions) was inferred from ...", for messages; `None` unless inferred.
    pub fn inferred_note(&self) -> Option<String> {
        match self {
            IssuerRef::Inferred { issuer, from } => {
                Some(format!("The issuer ({}) was inferred from {from}.", issuer.name()))
            }
            _ => None,
        }
    }
}

/// Whose tokens a trust tests, read from its conditions when the principal cannot be resolved:
/// AWS condition keys carry the provider's host and path as prefix
/// (`token.actions.githubusercontent.com:sub`), and every key must name the same one (a key of
/// another issuer is absent from the request); without prefixes, a subject in a grammar only one
/// shared issuer uses (`repo:owner/name:...` is GitHub's, `pulumi:...` Pulumi Cloud's).
pub fn infer_issuer(conditions: &[ClaimCondition]) -> Option<(Issuer, String)> {
    let mut prefixed: Option<(&str, &str)> = None;
    for condition in conditions {
        let Some(prefix) = condition.issuer_prefix.as_deref() else { continue };
        if !is_plain_host_path(prefix) {
            return None;
        }
        match prefixed {
            Some((seen, _)) if !seen.eq_ignore_ascii_case(prefix) => return None,
            Some(_) => {}
            None => prefixed = Some((prefix, condition.key.as_str())),
        }
    }
    if let Some((prefix, key)) = prefixed {
        return Some((Issuer::recognise(prefix), format!("the condition key `{key}`")));
    }
    let subjects = conditions.iter().filter(|c| c.claim == "sub").flat_map(|c| &c.values);
    let mut inferred: Option<(&str, String)> = None;
    for value in subjects {
        let Some(crate::condition::Piece::Text(head)) = value.pieces.first() else { continue };
        let url = if head.starts_with("repo:") {
            "token.actions.githubusercontent.com"
        } else if head.starts_with("pulumi:") {
            "api.pulumi.com/oidc"
        } else {
            return None;
        };
        match &inferred {
            Some((seen, _)) if *seen != url => return None,
            Some(_) => {}
            None => inferred = Some((url, format!("the subject grammar of `{}`", value.display()))),
        }
    }
    inferred.map(|(url, evidence)| (Issuer::recognise(url), evidence))
}

/// A condition-key prefix that is a literal host and path (not a placeholder or expression).
fn is_plain_host_path(prefix: &str) -> bool {
    let host = prefix.split('/').next().unwrap_or("");
    host.contains('.')
        && prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ':'))
}

/// One way in: tokens from `issuer` may become `identity` when every condition holds.
#[derive(Clone, Debug)]
pub struct Trust {
    pub file: Arc<SourceFile>,
    pub identity: Identity,
    pub issuer: IssuerRef,
    /// The principal value naming the issuer (the Federated ARN string).
    pub issuer_span: Span,
    /// The whole statement or resource that declares the trust.
    pub statement_span: Span,
    /// The block that says who may get in, where a missing restriction is added: the IAM
    /// `Condition`, the GCP `attributeCondition` or the binding's member. `None` when there is
    /// none; findings then point at the statement.
    pub condition_span: Option<Span>,
    /// Conjunction of conditions (each one a disjunction of its values).
    pub conditions: Vec<ClaimCondition>,
    /// Conditions written but dropped by JSON duplicate-key handling.
    pub dropped: Vec<DroppedCondition>,
    /// Set when part of the conditions could not be read (a `Condition: !Ref X`, an Output):
    /// rules must not claim a restriction is missing.
    pub conditions_unknown: Option<String>,
}

impl Trust {
    pub fn issuer(&self) -> Option<&Issuer> {
        self.issuer.known()
    }

    /// Conditions whose key belongs to `claim` of this trust's issuer (or to no issuer prefix).
    pub fn conditions_on<'a>(&'a self, claim: &'a str) -> impl Iterator<Item = &'a ClaimCondition> + 'a {
        self.conditions.iter().filter(move |c| c.claim == claim && self.key_matches_issuer(c))
    }

    /// True when a condition's key prefix names this trust's issuer (AWS keys must, or the key is
    /// absent from the request context), or when the key has no issuer prefix at all.
    pub fn key_matches_issuer(&self, condition: &ClaimCondition) -> bool {
        match (&condition.issuer_prefix, self.issuer()) {
            (Some(prefix), Some(issuer)) => prefix.eq_ignore_ascii_case(&issuer.host_path),
            _ => true,
        }
    }
}

/// What an identity may do.
#[derive(Clone, Debug)]
pub enum Permission {
    /// An AWS managed or customer policy by ARN (or a value that may be one).
    ManagedPolicy { arn: String },
    /// An inline policy statement (`Effect: Allow` only; denies are not grants).
    Statement { actions: Vec<String>, not_action: bool, resources: Vec<String> },
    /// A GCP role at a scope (`roles/owner` on `projects/acme-prod`).
    GcpRole { role: String, scope: String },
    /// An Azure role definition at a scope.
    AzureRole { role_definition: String, scope: String },
}

/// `identity_key` holds `permission`; linked to a [`Trust`] by its `identity.key`.
#[derive(Clone, Debug)]
pub struct Grant {
    pub file: Arc<SourceFile>,
    pub identity_key: String,
    pub permission: Permission,
    /// The value that grants it (the policy ARN, the `Action: "*"`).
    pub span: Span,
    /// How the grant is declared, for the related-location label ("attached in `ManagedPolicyArns`").
    pub via: String,
    /// Where the granting value comes from when it is read from elsewhere ("the default of
    /// parameter `PolicyArn`", "`roles.admin` of `constants.ts`"), for the message.
    pub relies_on: Option<String>,
    /// Where the granting value is written when not at `span` (a constant of a sibling module).
    pub defined_at: Option<DefinedAt>,
    /// Parts of the granting value written elsewhere (`arn:aws:iam::aws:policy/${POLICY}`).
    pub spliced: crate::Splices,
}

/// An admin-equivalent permission, graded (oidc-reference.md 2.4, 3.3, 4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminPower {
    pub severity: Severity,
    pub what: String,
    /// The list element that grants it (the action `"*"`, `iam:PassRole`), when one does: the
    /// finding points there, not at the first element of the list.
    pub element: Option<String>,
}

/// Which long-lived credential is wired in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    AwsAccessKey,
    GcpServiceAccountKey,
    AzureClientSecret,
    PulumiAccessToken,
    /// Another kind, named (e.g. "HCP Terraform token").
    Other(String),
}

/// Where the credential's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// Written in the file itself.
    Literal,
    /// A CI secret (`${{ secrets.AWS_SECRET_ACCESS_KEY }}`, a masked GitLab variable).
    Secret(String),
    /// A CI or pipeline variable (`${{ vars.X }}`, `$X`).
    Variable(String),
    /// Pulumi stack configuration; `secure` when encrypted.
    Config { key: String, secure: bool },
    /// Read by a program from stack configuration (`config.require("secretKey")`); how the value
    /// is stored is judged on the stack file itself.
    ConfigRead { key: String },
    /// Cannot be told statically.
    Unknown(String),
}

/// A long-lived credential wired into CI or a program where OIDC exists.
#[derive(Clone, Debug)]
pub struct CredentialUse {
    pub file: Arc<SourceFile>,
    /// The input, variable or property that receives the credential.
    pub span: Span,
    /// The literal value, when it is written in the file: never shown in any output.
    pub value_span: Option<Span>,
    pub kind: CredentialKind,
    pub source: CredentialSource,
    /// Where it is wired, for the message: "input `aws-access-key-id` of aws-actions/configure-aws-credentials".
    pub wired_into: String,
    /// The OIDC replacement, for the help line: "use `role-to-assume` with `id-token: write`".
    /// Mostly a fixed text, shared by every finding that shows it.
    pub replacement: Cow<'static, str>,
}

/// A long-lived credential the program itself creates (an IAM user access key, a service-account
/// key, an application password): it is valid until someone rotates it, and its value lives in
/// the state and in any output that exports it.
#[derive(Clone, Debug)]
pub struct MintedCredential {
    pub file: Arc<SourceFile>,
    /// The resource that creates it (its type, as written).
    pub span: Span,
    pub kind: CredentialKind,
    /// How messages name the resource: `aws.iam.AccessKey "ci"`.
    pub resource: String,
    /// Whose credential it is, when the program says: `aws.iam.User "ci"`.
    pub holder: Option<String>,
    /// The OIDC replacement, for the help line.
    pub replacement: String,
}

/// Everything a frontend learned from one file.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub trusts: Vec<Trust>,
    pub grants: Vec<Grant>,
    pub credentials: Vec<CredentialUse>,
    /// CI workflows and pipelines (GitHub Actions, GitLab CI).
    pub workflows: Vec<crate::workflow::Workflow>,
    /// Long-lived credentials a program creates.
    pub minted: Vec<MintedCredential>,
}

impl Facts {
    pub fn extend(&mut self, other: Facts) {
        self.trusts.extend(other.trusts);
        self.grants.extend(other.grants);
        self.credentials.extend(other.credentials);
        self.workflows.extend(other.workflows);
        self.minted.extend(other.minted);
    }

    pub fn is_empty(&self) -> bool {
        self.trusts.is_empty()
            && self.grants.is_empty()
            && self.credentials.is_empty()
            && self.workflows.is_empty()
            && self.minted.is_empty()
    }

    /// Grants held by the identity of `trust`.
    pub fn grants_of<'a>(&'a self, trust: &'a Trust) -> impl Iterator<Item = &'a Grant> + 'a {
        self.grants
            .iter()
            .filter(move |g| !trust.identity.key.is_empty() && g.identity_key == trust.identity.key)
    }
}

#[cfg(test)]
mod tests {
    use super::NameKind;

    #[test]
    fn generated_role_names_match_only_their_grammar() {
        let pulumi = NameKind::PulumiAutoName;
        assert!(pulumi.generates("deploy", "deploy-1a2b3c4"));
        // A different suffix length, uppercase hex, a longer written name, a substring.
        assert!(!pulumi.generates("deploy", "deploy-1a2b3c"));
        assert!(!pulumi.generates("deploy", "deploy-1A2B3C4"));
        assert!(!pulumi.generates("deploy", "deploy-prod-1a2b3c4"));
        assert!(!pulumi.generates("deploy", "x-deploy-1a2b3c4"));
        let prefix = NameKind::PulumiNamePrefix;
        assert!(prefix.generates("ci-", "ci-20240102030405060700000001"));
        assert!(!prefix.generates("ci-", "ci-2024010203040506070000000"));
        assert!(!prefix.generates("ci-", "ci-2024010203040506070000000g"));
        let stack = NameKind::CloudFormationAutoName;
        assert!(stack.generates("DeployRole", "shop-prod-DeployRole-1L8NLDR0X9F2D"));
        assert!(stack.generates("DeployRole", "shop-DeployRole-ABCDEFGHIJKL"));
        assert!(!stack.generates("DeployRole", "shop-DeployRole-ABCDEFG"));
        assert!(!stack.generates("DeployRole", "shop-DeployRole-abcdefghijkl"));
        assert!(!stack.generates("DeployRole", "DeployRole-ABCDEFGHIJKL"));
        assert!(!stack.generates("DeployRole", "shop-OtherDeployRole-ABCDEFGHIJKL"));
        assert!(!NameKind::AwsRoleName.generates("deploy", "deploy-1a2b3c4"));
    }
}
