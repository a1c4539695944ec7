//! Entra ID federated identity credentials and Azure role assignments in a Pulumi program as
//! trust-model facts (oidc-reference.md 4).
//!
//! - A federated identity credential (`azuread.ApplicationFederatedIdentityCredential`,
//!   `azure-native.managedidentity.FederatedIdentityCredential`, the classic provider's
//!   `FederatedIdentityCredential`) is a [`Trust`] on the application or managed identity it
//!   belongs to. Its `issuer` and classic `subject` are compared exactly (conditions with exact
//!   semantics, so a `*` is a literal and surrounding whitespace never matches); a flexible
//!   credential's `claimsMatchingExpression` is read into claim conditions (`matches` is a glob);
//!   `audiences` is the audience condition.
//! - A role assignment (`azure-native.authorization.RoleAssignment`,
//!   `azure.authorization.Assignment`) is a [`Grant`] to the identity its `principalId` names:
//!   a service principal is linked to its application, a managed identity's `principalId` to the
//!   identity.

use trustlint_model::azure::{
    audience_condition, expression_conditions, issuer_condition, subject_condition,
};
use trustlint_model::{Facts, Grant, Identity, IdentityKind, Issuer, IssuerRef, NameKind, Permission, Trust};
use trustlint_syntax::Node;

use super::refs::{self, Value};
use super::{Program, Resource};

pub const APPLICATION: &str = "azuread:Application";
pub const SERVICE_PRINCIPAL: &str = "azuread:ServicePrincipal";

const APPLICATION_CREDENTIALS: &[&str] = &[
    "azuread:ApplicationFederatedIdentityCredential",
    "azuread:ApplicationFlexibleFederatedIdentityCredential",
];
const MANAGED_IDENTITIES: &[&str] = &[
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure:authorization:UserAssignedIdentity",
    "azure:managedidentity:UserAssignedIdentity",
    "azure:armmsi:UserAssignedIdentity",
];
const IDENTITY_CREDENTIALS: &[&str] = &[
    "azure-native:managedidentity:FederatedIdentityCredential",
    "azure:armmsi:FederatedIdentityCredential",
    "azure:managedidentity:FederatedIdentityCredential",
];
const ROLE_ASSIGNMENTS: &[&str] =
    &["azure-native:authorization:RoleAssignment", "azure:authorization:Assignment"];

fn is_any(resource: &Resource, tokens: &[&str]) -> bool {
    tokens.iter().any(|t| resource.is(t))
}

/// The types whose resources [`facts`] turns into facts (the relevance test is built from them).
pub(crate) fn fact_types() -> impl Iterator<Item = &'static str> {
    APPLICATION_CREDENTIALS.iter().chain(IDENTITY_CREDENTIALS).chain(ROLE_ASSIGNMENTS).copied()
}

/// Trusts and grants declared by the Azure and Entra ID resources of a program.
pub fn facts(program: &Program) -> Facts {
    let mapper = Mapper { program };
    let exports = super::stack_exports(&program.file, program.language);
    let mut facts = Facts::default();
    for resource in &program.resources {
        if is_any(resource, APPLICATION_CREDENTIALS) {
            let target = refs::property(resource, &["applicationId", "applicationObjectId"]);
            let identity = mapper.application(target.map(|n| refs::read(program, n)));
            let identity = mapper.with_exports(identity, &exports);
            facts.trusts.extend(mapper.credential(resource, identity));
        } else if is_any(resource, IDENTITY_CREDENTIALS) {
            let target = refs::property(resource, &["resourceName", "parentId"]);
            let identity = mapper.managed_identity(target.map(|n| refs::read(program, n)));
            let identity = mapper.with_exports(identity, &exports);
            facts.trusts.extend(mapper.credential(resource, identity));
        } else if is_any(resource, ROLE_ASSIGNMENTS) {
            facts.grants.extend(mapper.role_assignment(resource));
        }
    }
    facts
}

struct Mapper<'p> {
    program: &'p Program,
}

impl Mapper<'_> {
    fn identity(kind: IdentityKind, key: String, label: String) -> Identity {
        Identity::new(kind, key, label)
    }

    fn of_resource(resource: &Resource) -> Option<Identity> {
        if resource.is(APPLICATION) {
            Some(Self::identity(
                IdentityKind::AzureApplication,
                format!("azure-app:{}", resource.name),
                resource.label(),
            ))
        } else if is_any(resource, MANAGED_IDENTITIES) {
            Some(Self::identity(
                IdentityKind::AzureManagedIdentity,
                format!("azure-mi:{}", resource.name),
                resource.label(),
            ))
        } else {
            None
        }
    }

    /// The application a credential's `applicationId` / `applicationObjectId` names.
    fn application(&self, value: Option<Value>) -> Identity {
        let Some(value) = value else {
            return Self::identity(IdentityKind::AzureApplication, String::new(), "this application".into());
        };
        for (resource, _) in value.references(self.program) {
            if let Some(identity) = self.linked(resource) {
                return identity;
            }
        }
        match value.text() {
            Some(id) => {
                let id = id.trim_start_matches("/applications/").to_string();
                Self::identity(
                    IdentityKind::AzureApplication,
                    format!("azure-app-id:{id}"),
                    format!("application `{id}`"),
                )
            }
            None => Self::identity(IdentityKind::AzureApplication, String::new(), "this application".into()),
        }
    }

    /// The managed identity a credential's `resourceName` / `parentId` names.
    fn managed_identity(&self, value: Option<Value>) -> Identity {
        let unknown = || {
            Self::identity(IdentityKind::AzureManagedIdentity, String::new(), "this managed identity".into())
        };
        let Some(value) = value else { return unknown() };
        for (resource, _) in value.references(self.program) {
            if let Some(identity) = self.linked(resource) {
                return identity;
            }
        }
        let Some(text) = value.text() else { return unknown() };
        let name = text.rsplit('/').next().unwrap_or(&text).to_string();
        let by_name = self.program.resources.iter().find(|r| {
            is_any(r, MANAGED_IDENTITIES)
                && refs::property(r, &["resourceName", "name"])
                    .and_then(|n| refs::read(self.program, n).text())
                    .is_some_and(|written| written == name)
        });
        match by_name.and_then(Self::of_resource) {
            Some(identity) => identity,
            None => Self::identity(
                IdentityKind::AzureManagedIdentity,
                format!("azure-mi-name:{name}"),
                format!("managed identity `{name}`"),
            ),
        }
    }

    /// The identity a resource stands for: itself, or for a service principal its application.
    /// The stack outputs that export the client id of the application or managed identity a
    /// login names (`export const clientId = app.clientId`).
    fn with_exports(&self, mut identity: Identity, exports: &[super::StackExport]) -> Identity {
        if identity.key.is_empty() {
            return identity;
        }
        let declared = self
            .program
            .resources
            .iter()
            .find(|r| Self::of_resource(r).is_some_and(|of| of.key == identity.key));
        if let Some(resource) = declared {
            for export in super::exports_of(exports, resource, &["clientId", "applicationId"]) {
                identity = identity.with_name(NameKind::PulumiStackOutput, export.name.clone(), export.span);
            }
        }
        identity
    }

    fn linked(&self, resource: &Resource) -> Option<Identity> {
        if let Some(identity) = Self::of_resource(resource) {
            return Some(identity);
        }
        if resource.is(SERVICE_PRINCIPAL) {
            let app = refs::property(resource, &["clientId", "applicationId"])?;
            let value = refs::read(self.program, app);
            return value.references(self.program).into_iter().find_map(|(r, _)| Self::of_resource(r));
        }
        None
    }

    fn credential(&self, resource: &Resource, identity: Identity) -> Option<Trust> {
        let issuer_node = resource.property("issuer")?;
        let issuer_value = refs::read(self.program, issuer_node);
        let issuer = match issuer_value.text() {
            Some(text) => IssuerRef::Known(Issuer::recognise(text.trim())),
            None => IssuerRef::Unknown(issuer_value.unknown_reason().unwrap_or_default()),
        };
        let mut conditions =
            vec![issuer_condition(issuer_value.condition_value(issuer_node.span), issuer_node.span)];
        let mut unknown = None;
        let expression = resource.property("claimsMatchingExpression").filter(|n| !n.is_null());
        match (resource.property("subject").filter(|n| !n.is_null()), expression) {
            (Some(subject), _) => {
                let value = refs::read(self.program, subject);
                conditions.push(subject_condition(value.condition_value(subject.span), subject.span));
            }
            (None, Some(expression)) => {
                // azure-native: `{value, languageVersion}`; azuread: the expression itself.
                let node: &Node = expression.get("value").unwrap_or(expression);
                let value = refs::read(self.program, node);
                match value.text() {
                    Some(text) => match expression_conditions(&text, refs::origin(self.program, node)) {
                        Ok(read) => conditions.extend(read),
                        Err(why) => {
                            unknown = Some(format!("the claims matching expression could not be read: {why}"))
                        }
                    },
                    None => {
                        unknown = Some(format!(
                            "the claims matching expression ({})",
                            value.unknown_reason().unwrap_or_default()
                        ))
                    }
                }
            }
            (None, None) => {}
        }
        if let Some(node) = refs::property(resource, &["audiences", "audience"]) {
            let values = refs::items(node)
                .into_iter()
                .map(|item| refs::read(self.program, item).condition_value(item.span))
                .collect();
            conditions.push(audience_condition(values, node.span));
        }
        Some(Trust {
            file: self.program.file.clone(),
            identity,
            issuer,
            issuer_span: issuer_node.span,
            statement_span: resource.span,
            // The credential resource itself says who gets in (its subject or expression).
            condition_span: None,
            conditions,
            dropped: Vec::new(),
            conditions_unknown: unknown,
        })
    }

    fn role_assignment(&self, resource: &Resource) -> Option<Grant> {
        let principal = refs::read(self.program, resource.property("principalId")?);
        let key = principal
            .references(self.program)
            .into_iter()
            .find_map(|(r, _)| self.linked(r))
            .map(|identity| identity.key)
            .or_else(|| principal.text().map(|id| format!("azure-principal:{id}")))?;
        let (role, role_span, (relies_on, defined_at, spliced)) =
            match refs::property(resource, &["roleDefinitionId", "roleDefinitionName"]) {
                // A partly known path (`${subscription}/providers/.../roleDefinitions/<GUID>`) is
                // judged on its known tail: the GUID names the role.
                Some(node) => {
                    let value = refs::read(self.program, node);
                    (value.display(), node.span, (value.relies_on, value.defined_at, value.spliced))
                }
                None => return None,
            };
        let scope =
            resource.property("scope").map(|n| refs::read(self.program, n).display()).unwrap_or_default();
        let via = format!(
            "assigned by {} at scope `{}`",
            resource.label(),
            if scope.is_empty() { "…" } else { &scope }
        );
        Some(Grant {
            file: self.program.file.clone(),
            identity_key: key,
            permission: Permission::AzureRole { role_definition: role, scope },
            span: role_span,
            via,
            relies_on,
            defined_at,
            spliced,
        })
    }
}

#[cfg(test)]
mod tests {
    use trustlint_model::{IssuerKind, MatchKind};

    use trustlint_core::Span;

    use super::*;
    use crate::pulumi::refs::test_program;

    fn slice(program: &Program, span: Span) -> &str {
        program.file.slice(span)
    }

    #[test]
    fn application_credentials_are_trusts_on_the_application() {
        let p = test_program(
            r#"
resources:
  app:
    type: azuread:Application
    properties: { displayName: deploy }
  sp:
    type: azuread:ServicePrincipal
    properties: { clientId: "${app.clientId}" }
  gh:
    type: azuread:ApplicationFederatedIdentityCredential
    properties:
      applicationId: ${app.id}
      displayName: gh-pr
      issuer: "https://token.actions.githubusercontent.com "
      audiences: [api://AzureADTokenExchange, https://github.com/acme]
      subject: repo:acme/*
  owner:
    type: azure-native:authorization:RoleAssignment
    properties:
      principalId: ${sp.objectId}
      principalType: ServicePrincipal
      scope: /subscriptions/00000000-0000-0000-0000-000000000000
      roleDefinitionId: /providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635
"#,
        );
        let facts = facts(&p);
        assert_eq!(facts.trusts.len(), 1);
        let trust = &facts.trusts[0];
        assert_eq!(trust.identity.key, "azure-app:app");
        assert_eq!(trust.identity.kind, IdentityKind::AzureApplication);
        assert_eq!(trust.issuer().unwrap().kind, IssuerKind::GitHub);
        let claims: Vec<(&str, MatchKind, Vec<String>)> = trust
            .conditions
            .iter()
            .map(|c| (c.claim.as_str(), c.operator.kind, c.values.iter().map(|v| v.display()).collect()))
            .collect();
        assert_eq!(
            claims,
            [
                ("iss", MatchKind::Exact, vec!["https://token.actions.githubusercontent.com ".to_string()]),
                ("sub", MatchKind::Exact, vec!["repo:acme/*".to_string()]),
                (
                    "aud",
                    MatchKind::Exact,
                    vec!["api://AzureADTokenExchange".to_string(), "https://github.com/acme".to_string()]
                ),
            ]
        );
        assert_eq!(slice(&p, trust.conditions[1].values[0].span), "repo:acme/*");
        assert_eq!(facts.grants.len(), 1);
        assert_eq!(facts.grants[0].identity_key, "azure-app:app");
        let Permission::AzureRole { scope, .. } = &facts.grants[0].permission else { panic!() };
        assert_eq!(scope, "/subscriptions/00000000-0000-0000-0000-000000000000");
    }

    #[test]
    fn flexible_credentials_of_managed_identities() {
        let p = test_program(
            r#"
resources:
  uami:
    type: azure-native:managedidentity:UserAssignedIdentity
    properties: { resourceGroupName: rg }
  ghFic:
    type: azure-native:managedidentity:FederatedIdentityCredential
    properties:
      resourceGroupName: rg
      resourceName: ${uami.name}
      issuer: https://token.actions.githubusercontent.com
      audiences: [api://AzureADTokenExchange]
      claimsMatchingExpression: { value: "claims['sub'] matches 'repo:acme/*'", languageVersion: 1 }
  broken:
    type: azure-native:managedidentity:FederatedIdentityCredential
    properties:
      resourceName: other-identity
      issuer: https://token.actions.githubusercontent.com
      audiences: [api://AzureADTokenExchange]
      claimsMatchingExpression: { value: "claims['sub'] == 'x'", languageVersion: 1 }
  contributor:
    type: azure:authorization:Assignment
    properties:
      principalId: ${uami.principalId}
      roleDefinitionName: Contributor
      scope: /subscriptions/${client.subscriptionId}
"#,
        );
        let facts = facts(&p);
        let trust = &facts.trusts[0];
        assert_eq!(trust.identity.key, "azure-mi:uami");
        let sub = trust.conditions.iter().find(|c| c.claim == "sub").unwrap();
        assert_eq!(sub.operator.kind, MatchKind::Glob);
        assert_eq!(slice(&p, sub.values[0].span), "'repo:acme/*'");
        let broken = &facts.trusts[1];
        assert_eq!(broken.identity.key, "azure-mi-name:other-identity");
        assert!(broken.conditions_unknown.as_deref().unwrap().contains("is not an operator"));
        let grant = &facts.grants[0];
        assert_eq!(grant.identity_key, "azure-mi:uami");
        let Permission::AzureRole { role_definition, scope } = &grant.permission else { panic!() };
        assert_eq!((role_definition.as_str(), scope.as_str()), ("Contributor", "/subscriptions/…"));
    }
}
