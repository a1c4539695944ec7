//! Long-lived credentials in a Pulumi program (oidc-reference.md 5.1): providers configured with
//! explicit keys (`new aws.Provider("p", {accessKey, secretKey})`, GCP `credentials`, Azure
//! `clientSecret`) become [`CredentialUse`] facts; resources that mint keys (`aws.iam.AccessKey`,
//! `gcp.serviceaccount.Key`, `azuread.ApplicationPassword` / `ServicePrincipalPassword`) become
//! [`MintedCredential`] facts.

use trustlint_model::config_key::is_reference_or_placeholder;
use trustlint_model::workflow::is_placeholder_literal;
use trustlint_model::{CredentialKind, CredentialSource, CredentialUse, Facts, MintedCredential};
use trustlint_syntax::{Node, NodeKind, Part};

use super::refs;
use super::{Program, Resource};

/// Provider packages, the arguments that take a long-lived credential, their kind, and the OIDC
/// way to configure the provider instead.
const PROVIDERS: &[(&str, &[&str], Kind, &str)] = &[
    (
        "pulumi:providers:aws",
        &["accessKey", "secretKey", "token"],
        Kind::Aws,
        "configure the provider with `assumeRoleWithWebIdentity` (a role that trusts your CI's OIDC tokens), or open an ESC environment with `fn::open::aws-login` and `oidc`",
    ),
    (
        "pulumi:providers:aws-native",
        &["accessKey", "secretKey", "token"],
        Kind::Aws,
        "open an ESC environment with `fn::open::aws-login` and `oidc`, or assume a role through your CI's OIDC login",
    ),
    (
        "pulumi:providers:gcp",
        &["credentials"],
        Kind::Gcp,
        "use workload identity federation: pass a credential configuration (`\"type\": \"external_account\"`, no secret) or open an ESC environment with `fn::open::gcp-login` and `oidc`",
    ),
    (
        "pulumi:providers:azure-native",
        &["clientSecret"],
        Kind::Azure,
        "set `useOidc: true` with `clientId` and `tenantId` (a federated identity credential on the application), or open an ESC environment with `fn::open::azure-login` and `oidc: true`",
    ),
    (
        "pulumi:providers:azure",
        &["clientSecret"],
        Kind::Azure,
        "set `useOidc: true` with `clientId` and `tenantId` (a federated identity credential on the application), or open an ESC environment with `fn::open::azure-login` and `oidc: true`",
    ),
    (
        "pulumi:providers:azuread",
        &["clientSecret"],
        Kind::Azure,
        "set `useOidc: true` with `clientId` and `tenantId` (a federated identity credential on the application)",
    ),
];

/// Resources that create a long-lived credential, the property naming whose it is, and what to
/// use instead.
const MINTERS: &[(&str, &[&str], Kind, &str)] = &[
    (
        "aws:iam:AccessKey",
        &["user"],
        Kind::Aws,
        "Let CI and workloads assume a role through OIDC (a role that trusts your CI's token issuer, or Pulumi ESC's `fn::open::aws-login` with `oidc`) instead of giving an IAM user an access key.",
    ),
    (
        "gcp:serviceaccount:Key",
        &["serviceAccountId"],
        Kind::Gcp,
        "Use workload identity federation (a pool provider, and `roles/iam.workloadIdentityUser` on the service account for the workload's identities) instead of a service-account key.",
    ),
    (
        "azuread:ApplicationPassword",
        &["applicationId", "applicationObjectId"],
        Kind::Azure,
        "Add a federated identity credential to the application and let the workload log in with OIDC instead of a client secret.",
    ),
    (
        "azuread:ServicePrincipalPassword",
        &["servicePrincipalId"],
        Kind::Azure,
        "Add a federated identity credential to the application and let the workload log in with OIDC instead of a client secret.",
    ),
];

#[derive(Clone, Copy)]
enum Kind {
    Aws,
    Gcp,
    Azure,
}

impl Kind {
    fn credential(self) -> CredentialKind {
        match self {
            Kind::Aws => CredentialKind::AwsAccessKey,
            Kind::Gcp => CredentialKind::GcpServiceAccountKey,
            Kind::Azure => CredentialKind::AzureClientSecret,
        }
    }
}

/// The types whose resources [`facts`] turns into facts (the relevance test is built from them).
pub(crate) fn fact_types() -> impl Iterator<Item = &'static str> {
    PROVIDERS.iter().chain(MINTERS).map(|(token, ..)| *token)
}

/// Provider credentials and minted keys of a program.
pub fn facts(program: &Program) -> Facts {
    let mut facts = Facts::default();
    for resource in &program.resources {
        if let Some((_, arguments, kind, replacement)) = PROVIDERS.iter().find(|(t, ..)| resource.is(t)) {
            for argument in *arguments {
                let Some(node) = resource.property(argument) else { continue };
                let Some(source) = source_of(program, node) else { continue };
                let value_span = (source == CredentialSource::Literal).then_some(node.span);
                facts.credentials.push(CredentialUse {
                    file: program.file.clone(),
                    span: node.span,
                    value_span,
                    kind: kind.credential(),
                    source,
                    wired_into: format!("argument `{argument}` of {}", resource.label()),
                    replacement: format!("Instead of long-lived keys, {replacement}.").into(),
                });
            }
        } else if let Some((_, holders, kind, replacement)) = MINTERS.iter().find(|(t, ..)| resource.is(t)) {
            facts.minted.push(MintedCredential {
                file: program.file.clone(),
                span: resource.name_span,
                kind: kind.credential(),
                resource: resource.label(),
                holder: holder(program, resource, holders),
                replacement: (*replacement).to_string(),
            });
        }
    }
    facts
}

/// Whose credential a minted key is: the resource its property references, or the name written.
fn holder(program: &Program, resource: &Resource, properties: &[&str]) -> Option<String> {
    let value = refs::read(program, refs::property(resource, properties)?);
    if let Some((holder, _)) = value.references(program).into_iter().find(|(r, _)| r.span != resource.span) {
        return Some(holder.label());
    }
    value.text().map(|text| format!("`{text}`"))
}

/// Where a credential argument's value comes from; `None` when it is not a credential at all
/// (empty, a placeholder, a GCP credential configuration that holds no secret).
fn source_of(program: &Program, node: &Node) -> Option<CredentialSource> {
    match &node.kind {
        NodeKind::Scalar(scalar) => {
            let text = scalar.value.as_str();
            if node.is_null() || is_reference_or_placeholder(text) || is_placeholder_literal(text) {
                return None;
            }
            if text.contains("external_account") {
                return None; // a workload identity federation configuration: no secret in it
            }
            Some(CredentialSource::Literal)
        }
        NodeKind::Computed(parts) => {
            let config = parts.iter().find_map(|part| match part {
                Part::Config { key, .. } => Some(key.clone()),
                Part::Unknown(why) => config_key_of(why),
                _ => None,
            });
            if let Some(key) = config {
                return Some(CredentialSource::ConfigRead { key });
            }
            let value = refs::read(program, node);
            match value.text() {
                Some(text) if is_reference_or_placeholder(&text) || is_placeholder_literal(&text) => None,
                Some(_) => Some(CredentialSource::Literal),
                None => Some(CredentialSource::Unknown(value.unknown_reason().unwrap_or_default())),
            }
        }
        NodeKind::Seq(_) | NodeKind::Map(_) => None,
    }
}

/// The key of a configuration read the evaluator could not resolve: "the encrypted config
/// `acme:secretKey` of stack `prod`", "the config `secretKey`, which no stack file in view sets".
fn config_key_of(why: &str) -> Option<String> {
    let rest = why.strip_prefix("the encrypted config `").or_else(|| why.strip_prefix("the config `"))?;
    rest.split_once('`').map(|(key, _)| key.to_string())
}

#[cfg(test)]
mod tests {
    use trustlint_core::Span;
    use trustlint_syntax::Node;

    use super::*;
    use crate::pulumi::refs::test_program;

    #[test]
    fn providers_with_keys_and_minted_keys() {
        let mut p = test_program(
            r#"
resources:
  literal:
    type: pulumi:providers:aws
    properties:
      region: us-east-1
      accessKey: AKIAZZZZFAKEKEY7ZZZZ
      secretKey: FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake
  placeholder:
    type: pulumi:providers:aws
    properties: { accessKey: test, secretKey: test }
  gcp:
    type: pulumi:providers:gcp
    properties:
      credentials: '{"type": "external_account", "audience": "//iam.googleapis.com/x"}'
  azure:
    type: pulumi:providers:azure-native
    properties: { clientId: x, clientSecret: placeholder }
  user:
    type: aws:iam:User
  key:
    type: aws:iam:AccessKey
    properties: { user: "${user.name}" }
  saKey:
    type: gcp:serviceaccount:Key
    properties: { serviceAccountId: projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com }
"#,
        );
        // The Azure secret comes from configuration.
        let azure = p.resources.iter_mut().find(|r| r.name == "azure").unwrap();
        let NodeKind::Map(entries) = &mut azure.properties.kind else { panic!() };
        entries[1].value = Node::computed(
            vec![Part::Unknown("the encrypted config `acme:clientSecret` of stack `prod`".into())],
            Span::new(0, 1),
        );
        let facts = facts(&p);
        let sources: Vec<(String, CredentialSource)> =
            facts.credentials.iter().map(|c| (c.wired_into.clone(), c.source.clone())).collect();
        assert_eq!(
            sources,
            [
                (
                    "argument `accessKey` of pulumi:providers:aws \"literal\"".to_string(),
                    CredentialSource::Literal
                ),
                (
                    "argument `secretKey` of pulumi:providers:aws \"literal\"".to_string(),
                    CredentialSource::Literal
                ),
                (
                    "argument `clientSecret` of pulumi:providers:azure-native \"azure\"".to_string(),
                    CredentialSource::ConfigRead { key: "acme:clientSecret".into() }
                ),
            ]
        );
        let minted: Vec<(&str, Option<&str>)> =
            facts.minted.iter().map(|m| (m.resource.as_str(), m.holder.as_deref())).collect();
        assert_eq!(
            minted,
            [
                ("aws.iam.AccessKey \"key\"", Some("aws.iam.User \"user\"")),
                (
                    "gcp.serviceaccount.Key \"saKey\"",
                    Some("`projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com`")
                ),
            ]
        );
        assert_eq!(p.file.slice(facts.minted[0].span), "key");
    }

    #[test]
    fn reads_config_keys_from_unknown_reasons() {
        assert_eq!(config_key_of("the encrypted config `acme:k` of stack `prod`").as_deref(), Some("acme:k"));
        assert_eq!(config_key_of("the config `k`, which no stack file in view sets").as_deref(), Some("k"));
        assert_eq!(config_key_of("an Output"), None);
    }
}
