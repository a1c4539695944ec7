//! GCP workload identity federation in a Pulumi program as trust-model facts
//! (oidc-reference.md 3).
//!
//! - A pool provider (`gcp.iam.WorkloadIdentityPoolProvider`) is a [`Trust`] on its pool: its
//!   issuer, its `attributeCondition` read as CEL (one trust per `||` alternative) and its
//!   audiences. A provider on a shared issuer with no condition has no subject restriction.
//! - A binding that lets pool identities act as a service account (`roles/iam.workloadIdentityUser`
//!   or `roles/iam.serviceAccountTokenCreator` on `gcp.serviceaccount.IAMMember` / `IAMBinding` /
//!   `IAMPolicy`) is a trust on the service account: the provider's conditions AND the member's
//!   (`principalSet://.../attribute.repository/acme/infra` pins `repository`; `.../*` pins nothing).
//! - A project, folder or organization binding is a [`Grant`]: to the service account it names
//!   (`serviceAccount:...`), or to the federated identities it names, which then get a trust of
//!   their own.
//!
//! Pools are linked through references (`pool.workloadIdentityPoolId`, `${pool.name}`) or the
//! pool id written out; a member whose pool cannot be told is linked to the program's only pool
//! when there is exactly one, and otherwise gets a trust whose issuer is Unknown.

use trustlint_core::Span;
use trustlint_model::cel::{self, Alternative, AttributeMapping, Mapped};
use trustlint_model::gcp::{self, FederatedMember, Member, ScopeKind, Selector};
use trustlint_model::{
    ClaimCondition, ConditionValue, Dialect, Facts, Grant, Identity, IdentityKind, Issuer, IssuerRef,
    MatchKind, NameKind, Operator, Permission, Piece, Trust,
};
use trustlint_syntax::{Node, NodeKind, parse_json};

use super::refs::{self, Value};
use super::{Program, Resource};

pub const POOL: &str = "gcp:iam:WorkloadIdentityPool";
pub const PROVIDER: &str = "gcp:iam:WorkloadIdentityPoolProvider";
pub const SERVICE_ACCOUNT: &str = "gcp:serviceaccount:Account";

const SERVICE_ACCOUNT_BINDINGS: &[&str] =
    &["gcp:serviceaccount:IAMMember", "gcp:serviceaccount:IAMBinding", "gcp:serviceaccount:IAMPolicy"];

/// Bindings at a resource-manager scope: type, scope kind, the property naming the scope.
const SCOPE_BINDINGS: &[(&str, ScopeKind, &str)] = &[
    ("gcp:projects:IAMMember", ScopeKind::Project, "project"),
    ("gcp:projects:IAMBinding", ScopeKind::Project, "project"),
    ("gcp:projects:IAMPolicy", ScopeKind::Project, "project"),
    ("gcp:folder:IAMMember", ScopeKind::Folder, "folder"),
    ("gcp:folder:IAMBinding", ScopeKind::Folder, "folder"),
    ("gcp:folder:IAMPolicy", ScopeKind::Folder, "folder"),
    ("gcp:organizations:IAMMember", ScopeKind::Organization, "orgId"),
    ("gcp:organizations:IAMBinding", ScopeKind::Organization, "orgId"),
    ("gcp:organizations:IAMPolicy", ScopeKind::Organization, "orgId"),
];

/// The types whose resources [`facts`] turns into facts (the relevance test is built from them).
pub(crate) fn fact_types() -> impl Iterator<Item = &'static str> {
    std::iter::once(PROVIDER)
        .chain(SERVICE_ACCOUNT_BINDINGS.iter().copied())
        .chain(SCOPE_BINDINGS.iter().map(|(token, ..)| *token))
}

/// Trusts and grants declared by the GCP resources of a program.
pub fn facts(program: &Program) -> Facts {
    let mapper = Mapper::new(program);
    let mut facts = Facts::default();
    for provider in &mapper.providers {
        facts.trusts.extend(mapper.pool_trusts(provider));
    }
    for resource in &program.resources {
        if SERVICE_ACCOUNT_BINDINGS.iter().any(|t| resource.is(t)) {
            mapper.service_account_binding(resource, &mut facts);
        } else if let Some((_, kind, property)) = SCOPE_BINDINGS.iter().find(|(t, _, _)| resource.is(t)) {
            mapper.scope_binding(resource, *kind, property, &mut facts);
        }
    }
    facts
}

/// Which pool a provider or member belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PoolRef {
    /// A pool resource of the program, by logical name.
    Resource(String),
    /// A pool id written out, with no resource in view.
    Id(String),
    Unknown,
}

/// A pool provider, read.
struct Provider<'p> {
    resource: &'p Resource,
    pool: PoolRef,
    issuer: IssuerRef,
    issuer_span: Span,
    mapping: AttributeMapping,
    /// The attribute condition's alternatives (one empty alternative when there is none).
    alternatives: Vec<Alternative>,
    /// Set when the condition itself could not be resolved.
    condition_unknown: Option<String>,
    /// The `attributeCondition` value, when written.
    condition_span: Option<Span>,
    audience: ClaimCondition,
}

/// Where a trust's parts are written: the issuer, the statement, the block saying who gets in.
struct TrustSpans {
    issuer: Span,
    statement: Span,
    condition: Option<Span>,
}

/// One `(role, members)` pair of a binding resource.
struct Binding {
    role: Value,
    role_span: Span,
    members: Vec<MemberAt>,
}

struct MemberAt {
    value: Value,
    /// The member value in the file.
    span: Span,
    /// The literal node, when the member is written in the program (for precise spans).
    node: Option<Node>,
}

struct Mapper<'p> {
    program: &'p Program,
    providers: Vec<Provider<'p>>,
}

impl<'p> Mapper<'p> {
    fn new(program: &'p Program) -> Self {
        let mut mapper = Mapper { program, providers: Vec::new() };
        let providers =
            program.resources.iter().filter(|r| r.is(PROVIDER)).filter_map(|r| mapper.provider(r)).collect();
        mapper.providers = providers;
        mapper
    }

    fn text(&self, node: &Node) -> Option<String> {
        refs::read(self.program, node).text()
    }

    /// The pool resource with this logical name (other resources may share the name).
    fn pool(&self, name: &str) -> Option<&'p Resource> {
        self.program.resources.iter().rev().find(|r| r.name == name && r.is(POOL))
    }

    fn pool_id_of(&self, pool: &Resource) -> Option<String> {
        pool.property("workloadIdentityPoolId").and_then(|node| self.text(node))
    }

    /// The pool a `workloadIdentityPoolId` (or a pool path) value names.
    fn pool_ref(&self, value: &Value) -> PoolRef {
        for (resource, _) in value.references(self.program) {
            if resource.is(POOL) {
                return PoolRef::Resource(resource.name.clone());
            }
        }
        match value.text() {
            Some(id) => self.pool_by_id(&id),
            None => PoolRef::Unknown,
        }
    }

    fn pool_by_id(&self, id: &str) -> PoolRef {
        let id = id.rsplit('/').next().unwrap_or(id);
        match self.program.resources_of(POOL).find(|pool| self.pool_id_of(pool).as_deref() == Some(id)) {
            Some(pool) => PoolRef::Resource(pool.name.clone()),
            None => PoolRef::Id(id.to_string()),
        }
    }

    fn pool_key(&self, pool: &PoolRef, provider: &Resource) -> (String, String) {
        match pool {
            PoolRef::Resource(name) => {
                let label = self.pool(name).map_or_else(|| name.clone(), Resource::label);
                (format!("gcp-pool:{name}"), label)
            }
            PoolRef::Id(id) => (format!("gcp-pool-id:{id}"), format!("workload identity pool `{id}`")),
            PoolRef::Unknown => (
                format!("gcp-pool-of:{}", provider.name),
                format!("the workload identity pool of {}", provider.label()),
            ),
        }
    }

    fn provider(&self, resource: &'p Resource) -> Option<Provider<'p>> {
        let oidc = resource.property("oidc")?;
        if resource.property("disabled").and_then(|n| self.text(n)).as_deref() == Some("true") {
            return None; // disabled for new exchanges
        }
        let pool = match resource.property("workloadIdentityPoolId") {
            Some(node) => self.pool_ref(&refs::read(self.program, node)),
            None => PoolRef::Unknown,
        };
        let (issuer, issuer_span) = match oidc.get("issuerUri") {
            Some(node) => {
                let value = refs::read(self.program, node);
                let issuer = match value.text() {
                    Some(text) => IssuerRef::Known(Issuer::recognise(&text)),
                    None => IssuerRef::Unknown(value.unknown_reason().unwrap_or_default()),
                };
                (issuer, node.span)
            }
            None => (IssuerRef::Unknown("`oidc.issuerUri` is not set".into()), oidc.span),
        };
        let mapping = self.mapping(resource);
        let (alternatives, condition_unknown) = match resource.property("attributeCondition") {
            None => (vec![Alternative::default()], None),
            Some(node) if node.is_null() => (vec![Alternative::default()], None),
            Some(node) => {
                let value = refs::read(self.program, node);
                match value.text() {
                    Some(text) => {
                        let mut read = cel::read_condition(&text, &mapping, refs::origin(self.program, node));
                        let conditions = read.alternatives.iter_mut().flat_map(|a| a.conditions.iter_mut());
                        for condition_value in conditions.flat_map(|condition| condition.values.iter_mut()) {
                            if let Some(relies_on) = &value.relies_on {
                                condition_value.relies_on = Some(relies_on.clone());
                                condition_value.defined_at = value.defined_at.clone();
                            }
                            // A part spliced into the condition's text belongs to the values
                            // whose text holds it (`'${ORG}'` in `owner == '${ORG}'`).
                            let text = condition_value.display();
                            for part in &value.spliced.parts {
                                if !part.text.is_empty() && text.contains(&part.text) {
                                    condition_value.spliced.push(part.clone());
                                }
                            }
                        }
                        (read.alternatives, None)
                    }
                    None => (
                        vec![Alternative::default()],
                        Some(format!(
                            "the attribute condition ({})",
                            value.unknown_reason().unwrap_or_default()
                        )),
                    ),
                }
            }
        };
        let audience = self.audience(resource, oidc);
        Some(Provider {
            resource,
            pool,
            issuer,
            issuer_span,
            mapping,
            alternatives,
            condition_unknown,
            condition_span: resource.property("attributeCondition").filter(|n| !n.is_null()).map(|n| n.span),
            audience,
        })
    }

    fn mapping(&self, resource: &Resource) -> AttributeMapping {
        let Some(node) = resource.property("attributeMapping") else { return AttributeMapping::new() };
        let Some(entries) = node.as_map() else {
            let why = refs::read(self.program, node).unknown_reason().unwrap_or_else(|| "not a map".into());
            return AttributeMapping::unknown(why);
        };
        let mut mapping = AttributeMapping::new();
        for entry in entries {
            let value = refs::read(self.program, &entry.value);
            let source = match value.text() {
                Some(text) => Mapped::Expression(text),
                None => Mapped::Unknown(value.unknown_reason().unwrap_or_default()),
            };
            mapping.insert(entry.key.clone(), source);
        }
        mapping
    }

    /// `oidc.allowedAudiences`, or the default: the provider's own resource name.
    fn audience(&self, resource: &Resource, oidc: &Node) -> ClaimCondition {
        let written = oidc.get("allowedAudiences").filter(|n| !n.is_null());
        let (values, key_span, written_as) = match written {
            Some(node) if node.as_seq().is_none_or(|items| !items.is_empty()) => {
                let values = refs::items(node)
                    .into_iter()
                    .map(|item| refs::read(self.program, item).condition_value(item.span))
                    .collect();
                (values, node.span, "allowedAudiences")
            }
            _ => {
                // Unset: Google accepts only the provider's canonical name as audience.
                let value = ConditionValue {
                    pieces: vec![
                        Piece::Text("//iam.googleapis.com/".into()),
                        Piece::Unknown(format!("the resource name of {}", resource.label())),
                    ],
                    span: oidc.span,
                    relies_on: None,
                    defined_at: None,
                    spliced: Default::default(),
                };
                (vec![value], oidc.span, "the provider's default audience")
            }
        };
        ClaimCondition {
            key: written_as.to_string(),
            issuer_prefix: None,
            claim: "aud".into(),
            operator: Operator::positive(Dialect::GcpAllowedAudiences, MatchKind::Exact, written_as),
            values,
            key_span,
            operator_span: key_span,
            from_deny: false,
        }
    }

    /// One trust on the pool per alternative of the provider's condition.
    fn pool_trusts(&self, provider: &Provider<'p>) -> Vec<Trust> {
        let (key, label) = self.pool_key(&provider.pool, provider.resource);
        let mut identity = Identity::new(IdentityKind::GcpWorkloadPool, key, label);
        // The path a login names: `.../workloadIdentityPools/POOL/providers/PROVIDER`.
        let pool_id = match &provider.pool {
            PoolRef::Id(id) => Some(id.clone()),
            PoolRef::Resource(name) => self
                .pool(name)
                .and_then(|pool| pool.property("workloadIdentityPoolId"))
                .and_then(|node| self.text(node)),
            PoolRef::Unknown => None,
        };
        if let (Some(pool), Some(node)) =
            (pool_id, provider.resource.property("workloadIdentityPoolProviderId"))
            && let Some(id) = self.text(node)
        {
            identity = identity.with_name(NameKind::GcpProvider, format!("{pool}/{id}"), node.span);
        }
        let exports = super::stack_exports(&self.program.file, self.program.language);
        for export in super::exports_of(&exports, provider.resource, &["name", "id"]) {
            identity = identity.with_name(NameKind::PulumiStackOutput, export.name.clone(), export.span);
        }
        provider
            .alternatives
            .iter()
            .map(|alternative| {
                self.trust(
                    identity.clone(),
                    provider,
                    alternative,
                    Ok(Vec::new()),
                    TrustSpans {
                        issuer: provider.issuer_span,
                        statement: provider.resource.span,
                        condition: provider.condition_span,
                    },
                )
            })
            .collect()
    }

    fn trust(
        &self,
        identity: Identity,
        provider: &Provider<'p>,
        alternative: &Alternative,
        member: Result<Vec<ClaimCondition>, String>,
        spans: TrustSpans,
    ) -> Trust {
        let TrustSpans { issuer: issuer_span, statement: statement_span, condition: condition_span } = spans;
        let mut unknown: Vec<String> = Vec::new();
        unknown.extend(provider.condition_unknown.clone());
        unknown.extend(alternative.unknown.iter().cloned());
        // The member's conditions first: when the member and the provider pin the same breadth,
        // the binding (this trust's own statement) is where a finding belongs.
        let mut conditions = match member {
            Ok(extra) => extra,
            Err(why) => {
                unknown.push(format!("the member's attribute ({why})"));
                Vec::new()
            }
        };
        conditions.extend(alternative.conditions.iter().cloned());
        conditions.push(provider.audience.clone());
        Trust {
            file: self.program.file.clone(),
            identity,
            issuer: provider.issuer.clone(),
            issuer_span,
            statement_span,
            condition_span,
            conditions,
            dropped: Vec::new(),
            conditions_unknown: (!unknown.is_empty()).then(|| unknown.join("; ")),
        }
    }

    /// The providers of the pool a member names.
    fn providers_of(&self, member: &FederatedMember, value: &Value) -> Vec<&Provider<'p>> {
        let mut pool = match &member.pool_id {
            Some(id) => self.pool_by_id(id),
            None => member
                .pool_path
                .iter()
                .flat_map(|piece| value.reference(self.program, piece))
                .find(|(resource, _)| resource.is(POOL))
                .map_or(PoolRef::Unknown, |(resource, _)| PoolRef::Resource(resource.name.clone())),
        };
        if pool == PoolRef::Unknown {
            // The program's only pool (an `.apply` hides which output a member reads).
            let mut pools: Vec<&PoolRef> = self.providers.iter().map(|p| &p.pool).collect();
            pools.dedup();
            if let [only] = pools.as_slice() {
                pool = (*only).clone();
            }
        }
        if pool == PoolRef::Unknown {
            return Vec::new();
        }
        self.providers.iter().filter(|provider| self.same_pool(&provider.pool, &pool)).collect()
    }

    fn same_pool(&self, a: &PoolRef, b: &PoolRef) -> bool {
        let id = |pool: &PoolRef| match pool {
            PoolRef::Resource(name) => self.pool(name).and_then(|r| self.pool_id_of(r)),
            PoolRef::Id(id) => Some(id.clone()),
            PoolRef::Unknown => None,
        };
        a != &PoolRef::Unknown && (a == b || id(a).is_some_and(|x| Some(x) == id(b)))
    }

    /// Trusts for a federated member granted to `identity`: one per provider of its pool and
    /// alternative of the provider's condition; with no provider in view, one trust whose issuer
    /// is Unknown (admin grants on it are still reported).
    fn member_trusts(
        &self,
        identity: &Identity,
        member: &FederatedMember,
        at: &MemberAt,
        statement: &Resource,
    ) -> Vec<Trust> {
        let providers = self.providers_of(member, &at.value);
        let span = self.member_span(member, at);
        if providers.is_empty() {
            return vec![Trust {
                file: self.program.file.clone(),
                identity: identity.clone(),
                issuer: IssuerRef::Unknown(format!(
                    "the workload identity provider of the pool `{}` is not in this program",
                    refs::display_pieces(&member.pool_path)
                )),
                issuer_span: span,
                statement_span: statement.span,
                condition_span: Some(span),
                conditions: Vec::new(),
                dropped: Vec::new(),
                conditions_unknown: Some("the pool's provider is not in this program".into()),
            }];
        }
        let mut trusts = Vec::new();
        for provider in providers {
            let extra = member.conditions(&provider.mapping, span);
            for alternative in &provider.alternatives {
                trusts.push(self.trust(
                    identity.clone(),
                    provider,
                    alternative,
                    extra.clone(),
                    // The member names who may act as the identity.
                    TrustSpans { issuer: span, statement: statement.span, condition: Some(span) },
                ));
            }
        }
        trusts
    }

    /// The selector value inside a literal member (`acme/infra`), else the whole member.
    fn member_span(&self, member: &FederatedMember, at: &MemberAt) -> Span {
        let tail = match &member.selector {
            Selector::Subject(value) | Selector::Group(value) | Selector::Attribute { value, .. } => {
                refs::display_pieces(value)
            }
            Selector::All => "*".to_string(),
        };
        match &at.node {
            Some(node) if !tail.contains('…') => refs::tail_span(self.program, node, &tail),
            _ => at.span,
        }
    }

    /// The service account a `serviceAccountId` value or a `serviceAccount:` member names.
    fn service_account(&self, value: &Value) -> Option<Identity> {
        if value.text().is_some_and(|t| t.trim().is_empty()) {
            return None;
        }
        let identity =
            |key: String, label: String| Identity::new(IdentityKind::GcpServiceAccount, key, label);
        if let Some((resource, _)) =
            value.references(self.program).into_iter().find(|(r, _)| r.is(SERVICE_ACCOUNT))
        {
            return Some(
                self.named_account(identity(format!("gcp-sa:{}", resource.name), resource.label()), resource),
            );
        }
        let Some(text) = value.text() else {
            let why = value.unknown_reason().unwrap_or_default();
            return Some(identity(format!("gcp-sa-unknown:{why}"), format!("the service account ({why})")));
        };
        let email = gcp::service_account_email(&text).map(str::to_string);
        let account_id = email
            .as_deref()
            .and_then(|e| e.split('@').next())
            .unwrap_or(text.rsplit('/').next().unwrap_or(&text));
        let candidates: Vec<&Resource> = self
            .program
            .resources_of(SERVICE_ACCOUNT)
            .filter(|sa| sa.property("accountId").and_then(|n| self.text(n)).as_deref() == Some(account_id))
            .collect();
        if let [only] = candidates.as_slice() {
            return Some(self.named_account(identity(format!("gcp-sa:{}", only.name), only.label()), only));
        }
        let shown = email.unwrap_or(text);
        Some(identity(format!("gcp-sa-email:{shown}"), format!("service account `{shown}`")))
    }

    /// A service account identity with the account id its resource declares, which logins name.
    fn named_account(&self, identity: Identity, account: &Resource) -> Identity {
        let mut identity =
            match account.property("accountId").and_then(|node| self.text(node).map(|id| (id, node.span))) {
                Some((id, span)) => identity.with_name(NameKind::GcpServiceAccount, id, span),
                None => identity,
            };
        let exports = super::stack_exports(&self.program.file, self.program.language);
        for export in super::exports_of(&exports, account, &["email", "name", "id"]) {
            identity = identity.with_name(NameKind::PulumiStackOutput, export.name.clone(), export.span);
        }
        identity
    }

    fn bindings(&self, resource: &Resource) -> Vec<Binding> {
        if let Some(policy) = resource.property("policyData") {
            return self.policy_bindings(policy);
        }
        let Some(role_node) = resource.property("role") else { return Vec::new() };
        let members: Vec<&Node> = match (resource.property("member"), resource.property("members")) {
            (Some(member), _) => vec![member],
            (None, Some(members)) => refs::items(members),
            (None, None) => Vec::new(),
        };
        vec![Binding {
            role: refs::read(self.program, role_node),
            role_span: role_node.span,
            members: members.into_iter().map(|node| self.member_at(node)).collect(),
        }]
    }

    fn member_at(&self, node: &Node) -> MemberAt {
        MemberAt {
            value: refs::read(self.program, node),
            span: node.span,
            node: matches!(node.kind, NodeKind::Scalar(_)).then(|| node.clone()),
        }
    }

    /// `policyData`: an object with `bindings`, or its JSON text (spans then cover the whole
    /// value: positions inside a JSON string are not tracked).
    fn policy_bindings(&self, policy: &Node) -> Vec<Binding> {
        let parsed;
        let (document, inside_string) = match policy.as_map() {
            Some(_) => (policy, false),
            None => {
                let Some(text) = self.text(policy) else { return Vec::new() };
                let json = parse_json(&text);
                if !json.errors.is_empty() {
                    return Vec::new();
                }
                let Some(root) = json.root else { return Vec::new() };
                parsed = root;
                (&parsed, true)
            }
        };
        let Some(bindings) = document.get("bindings") else { return Vec::new() };
        refs::items(bindings)
            .into_iter()
            .filter_map(|binding| {
                let role = binding.get("role")?;
                let members = binding.get("members").map(refs::items).unwrap_or_default();
                let span = |node: &Node| if inside_string { policy.span } else { node.span };
                Some(Binding {
                    role: refs::read(self.program, role),
                    role_span: span(role),
                    members: members
                        .into_iter()
                        .map(|node| {
                            let mut at = self.member_at(node);
                            if inside_string {
                                at.span = policy.span;
                                at.node = None;
                            }
                            at
                        })
                        .collect(),
                })
            })
            .collect()
    }

    fn service_account_binding(&self, resource: &Resource, facts: &mut Facts) {
        let Some(account) = resource.property("serviceAccountId").map(|n| refs::read(self.program, n)) else {
            return;
        };
        let Some(identity) = self.service_account(&account) else { return };
        for binding in self.bindings(resource) {
            let Some(role) = binding.role.text() else { continue };
            if !gcp::lets_impersonate(&role) {
                continue;
            }
            for at in &binding.members {
                match gcp::parse_member(&at.value.pieces) {
                    Member::Federated(member) => {
                        facts.trusts.extend(self.member_trusts(&identity, &member, at, resource))
                    }
                    Member::AllUsers | Member::AllAuthenticatedUsers => {
                        facts.trusts.push(self.public_trust(&identity, at, resource))
                    }
                    _ => {}
                }
            }
        }
    }

    /// `allUsers` / `allAuthenticatedUsers` may act as the service account: any Google identity.
    fn public_trust(&self, identity: &Identity, at: &MemberAt, statement: &Resource) -> Trust {
        Trust {
            file: self.program.file.clone(),
            identity: identity.clone(),
            issuer: IssuerRef::Known(Issuer::recognise("https://accounts.google.com")),
            issuer_span: at.span,
            statement_span: statement.span,
            condition_span: Some(at.span),
            conditions: Vec::new(),
            dropped: Vec::new(),
            conditions_unknown: None,
        }
    }

    fn scope_binding(&self, resource: &Resource, kind: ScopeKind, property: &str, facts: &mut Facts) {
        let scope_id = resource
            .property(property)
            .map_or_else(|| "…".to_string(), |node| refs::read(self.program, node).display());
        let scope = gcp::scope(kind, &scope_id);
        for binding in self.bindings(resource) {
            let Some(role) = binding.role.text() else { continue };
            let via = format!("`{role}` on `{scope}`, granted by {}", resource.label());
            let permission = Permission::GcpRole { role: role.clone(), scope: scope.clone() };
            for (index, at) in binding.members.iter().enumerate() {
                let grant = |key: String| Grant {
                    file: self.program.file.clone(),
                    identity_key: key,
                    permission: permission.clone(),
                    span: binding.role_span,
                    via: via.clone(),
                    relies_on: binding.role.relies_on.clone(),
                    defined_at: binding.role.defined_at.clone(),
                    spliced: binding.role.spliced.clone(),
                };
                match gcp::parse_member(&at.value.pieces) {
                    Member::ServiceAccount { email } => {
                        let value = at.value.with_pieces(email);
                        if let Some(identity) = self.service_account(&value) {
                            facts.grants.push(grant(identity.key));
                        }
                    }
                    Member::Federated(member) => {
                        let identity = Identity::new(
                            IdentityKind::GcpFederatedIdentity,
                            format!("gcp-principal:{}#{index}", resource.name),
                            format!("the federated principal `{}`", at.value.display()),
                        );
                        facts.trusts.extend(self.member_trusts(&identity, &member, at, resource));
                        facts.grants.push(grant(identity.key));
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use trustlint_model::IssuerKind;

    use super::*;
    use crate::pulumi::refs::test_program;

    const POOL_AND_PROVIDER: &str = r#"
resources:
  pool:
    type: gcp:iam:WorkloadIdentityPool
    properties:
      workloadIdentityPoolId: github
  gh:
    type: gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider
    properties:
      workloadIdentityPoolId: ${pool.workloadIdentityPoolId}
      workloadIdentityPoolProviderId: gh
      attributeMapping:
        google.subject: assertion.sub
        attribute.repository: assertion.repository
        attribute.repository_owner: assertion.repository_owner
      CONDITION
      oidc:
        issuerUri: https://token.actions.githubusercontent.com
"#;

    fn program(condition: &str, rest: &str) -> Program {
        test_program(&format!("{}{rest}", POOL_AND_PROVIDER.replace("CONDITION", condition)))
    }

    /// Each trust as `identity | claim=values,... | unknown?`, without the audience.
    fn render(facts: &Facts, program: &Program) -> Vec<String> {
        facts
            .trusts
            .iter()
            .map(|t| {
                let conditions: Vec<String> = t
                    .conditions
                    .iter()
                    .filter(|c| c.claim != "aud")
                    .map(|c| {
                        let values: Vec<String> = c.values.iter().map(|v| v.display()).collect();
                        format!("{}{:?}={}", c.claim, c.operator.kind, values.join(","))
                    })
                    .collect();
                format!(
                    "{} [{}] at `{}`{}",
                    t.identity.key,
                    conditions.join(" & "),
                    program.file.slice(t.issuer_span),
                    if t.conditions_unknown.is_some() { " (partly unknown)" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn a_provider_is_a_trust_on_its_pool() {
        let p = program("", "");
        let facts = super::facts(&p);
        assert_eq!(render(&facts, &p), ["gcp-pool:pool [] at `https://token.actions.githubusercontent.com`"]);
        let trust = &facts.trusts[0];
        assert_eq!(trust.issuer().unwrap().kind, IssuerKind::GitHub);
        assert_eq!(trust.identity.kind, IdentityKind::GcpWorkloadPool);
        // The default audience is the provider's own name: an unknown but pinned value.
        let aud = trust.conditions.iter().find(|c| c.claim == "aud").unwrap();
        assert!(aud.values[0].text().is_none());
    }

    #[test]
    fn conditions_are_read_as_cel_with_spans_in_the_literal() {
        let p = program(
            "attributeCondition: \"assertion.repository_owner.startsWith('acme') || attribute.repository == 'other/x'\"",
            "",
        );
        let facts = super::facts(&p);
        assert_eq!(
            render(&facts, &p),
            [
                "gcp-pool:pool [repository_ownerPrefix=acme] at `https://token.actions.githubusercontent.com`",
                "gcp-pool:pool [repositoryExact=other/x] at `https://token.actions.githubusercontent.com`",
            ]
        );
        let value = &facts.trusts[0].conditions[0].values[0];
        assert_eq!(p.file.slice(value.span), "'acme'");
    }

    #[test]
    fn service_account_bindings_combine_provider_and_member() {
        let rest = r#"
  sa:
    type: gcp:serviceaccount:Account
    properties:
      accountId: deploy
  wifAll:
    type: gcp:serviceaccount:IAMMember
    properties:
      serviceAccountId: ${sa.name}
      role: roles/iam.workloadIdentityUser
      member: principalSet://iam.googleapis.com/${pool.name}/*
  wifRepo:
    type: gcp:serviceaccount:IAMBinding
    properties:
      serviceAccountId: projects/acme-prod/serviceAccounts/deploy@acme-prod.iam.gserviceaccount.com
      role: roles/iam.workloadIdentityUser
      members:
        - principalSet://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/github/attribute.repository/acme/infra
        - allAuthenticatedUsers
  viewer:
    type: gcp:serviceaccount:IAMMember
    properties:
      serviceAccountId: ${sa.name}
      role: roles/iam.serviceAccountViewer
      member: principalSet://iam.googleapis.com/${pool.name}/*
  owner:
    type: gcp:projects:IAMMember
    properties:
      project: acme-prod
      role: roles/owner
      member: serviceAccount:${sa.email}
"#;
        let p = program("attributeCondition: assertion.repository_owner == 'acme'", rest);
        let facts = super::facts(&p);
        assert_eq!(
            render(&facts, &p),
            [
                "gcp-pool:pool [repository_ownerExact=acme] at `https://token.actions.githubusercontent.com`",
                "gcp-sa:sa [repository_ownerExact=acme] at `principalSet://iam.googleapis.com/${pool.name}/*`",
                "gcp-sa:sa [repositoryExact=acme/infra & repository_ownerExact=acme] at `acme/infra`",
                "gcp-sa:sa [] at `allAuthenticatedUsers`",
            ]
        );
        assert_eq!(facts.trusts[3].issuer().unwrap().kind, IssuerKind::Google);
        assert_eq!(facts.grants.len(), 1);
        let grant = &facts.grants[0];
        assert_eq!(grant.identity_key, "gcp-sa:sa");
        assert_eq!(p.file.slice(grant.span), "roles/owner");
        let Permission::GcpRole { role, scope } = &grant.permission else { panic!() };
        assert_eq!((role.as_str(), scope.as_str()), ("roles/owner", "projects/acme-prod"));
    }

    #[test]
    fn direct_grants_to_federated_identities() {
        let rest = r#"
  editors:
    type: gcp:projects:IAMBinding
    properties:
      project: acme-prod
      role: roles/editor
      members:
        - principalSet://iam.googleapis.com/${pool.name}/attribute.repository_owner/acme
"#;
        let p = program("", rest);
        let facts = super::facts(&p);
        assert_eq!(
            render(&facts, &p)[1],
            "gcp-principal:editors#0 [repository_ownerExact=acme] at `principalSet://iam.googleapis.com/${pool.name}/attribute.repository_owner/acme`"
        );
        assert_eq!(facts.trusts[1].identity.kind, IdentityKind::GcpFederatedIdentity);
        assert_eq!(facts.grants[0].identity_key, "gcp-principal:editors#0");
    }

    #[test]
    fn unknowns_stay_unknown() {
        // The member's pool is not in view and there are two pools: the issuer is Unknown.
        let text = r#"
resources:
  a:
    type: gcp:iam:WorkloadIdentityPoolProvider
    properties:
      workloadIdentityPoolId: one
      oidc: { issuerUri: "https://token.actions.githubusercontent.com" }
  b:
    type: gcp:iam:WorkloadIdentityPoolProvider
    properties:
      workloadIdentityPoolId: two
      attributeCondition: ${cfg.condition}
      attributeMapping: ${cfg.mapping}
      oidc: { issuerUri: "https://gitlab.com" }
  wif:
    type: gcp:serviceaccount:IAMMember
    properties:
      serviceAccountId: ${sa.name}
      role: roles/iam.workloadIdentityUser
      member: principalSet://iam.googleapis.com/${other.name}/attribute.repository/acme/infra
"#;
        let p = test_program(text);
        let facts = super::facts(&p);
        let rendered = render(&facts, &p);
        assert_eq!(rendered[0], "gcp-pool-id:one [] at `\"https://token.actions.githubusercontent.com\"`");
        assert_eq!(rendered[1], "gcp-pool-id:two [] at `\"https://gitlab.com\"` (partly unknown)");
        assert!(rendered[2].ends_with("(partly unknown)"), "{}", rendered[2]);
        assert!(facts.trusts[2].issuer().is_none());
        // A member pinned by an attribute the mapping does not define is not a missing restriction.
        let text = POOL_AND_PROVIDER.replace("CONDITION", "")
            + r#"
  wif:
    type: gcp:serviceaccount:IAMMember
    properties:
      serviceAccountId: ${sa.name}
      role: roles/iam.workloadIdentityUser
      member: principalSet://iam.googleapis.com/${pool.name}/attribute.environment/prod
"#;
        let p = test_program(&text);
        let facts = super::facts(&p);
        assert!(facts.trusts[1].conditions_unknown.as_deref().unwrap().contains("attribute.environment"));
        // A disabled provider admits nothing new.
        let p = program("disabled: true", "");
        assert!(super::facts(&p).trusts.is_empty());
    }
}
