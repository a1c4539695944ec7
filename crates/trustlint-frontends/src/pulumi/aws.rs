//! AWS resources of a Pulumi program as trust-model facts: role trust policies (`aws.iam.Role`
//! `assumeRolePolicy`, aws-native `assumeRolePolicyDocument`), the policies that reach a role
//! (`managedPolicyArns`, `inlinePolicies`, `RolePolicyAttachment`, `PolicyAttachment`,
//! `RolePolicy`, `RolePolicyAttachmentsExclusive`, `aws.iam.Policy` documents), and the
//! `getPolicyDocument` invoke and managed-policy constants the evaluator asks about.

use std::borrow::Cow;
use std::collections::HashSet;

use trustlint_core::Span;
use trustlint_model::{
    Facts, Grant, Identity, IdentityKind, Issuer, IssuerRef, NameKind, Permission, Piece, Trust,
};
use trustlint_syntax::eval::respan;
use trustlint_syntax::{Entry, Node, NodeKind, Part, ScalarStyle, parse_json};

use super::{Program, Resource};
use crate::aws_policy::{self, Resolve};

pub const ROLE: &str = "aws:iam:Role";
pub const NATIVE_ROLE: &str = "aws-native:iam:Role";
pub const OIDC_PROVIDER: &str = "aws:iam:OpenIdConnectProvider";
pub const POLICY: &str = "aws:iam:Policy";
const ROLE_POLICY_ATTACHMENT: &str = "aws:iam:RolePolicyAttachment";
const POLICY_ATTACHMENT: &str = "aws:iam:PolicyAttachment";
const ROLE_POLICY: &str = "aws:iam:RolePolicy";
const ATTACHMENTS_EXCLUSIVE: &str = "aws:iam:RolePolicyAttachmentsExclusive";

/// The types whose resources [`facts`] turns into facts (the relevance test is built from them).
pub(crate) const FACT_TYPES: &[&str] =
    &[ROLE, NATIVE_ROLE, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT, ROLE_POLICY, ATTACHMENTS_EXCLUSIVE];

/// Trusts and grants declared by the AWS resources of a program.
pub fn facts(program: &Program) -> Facts {
    let resolve = program.resolver();
    let exports = super::stack_exports(&program.file, program.language);
    let mut facts = Facts::default();
    for role in program.resources.iter().filter(|r| is_role(r)) {
        let mut identity = Identity::new(IdentityKind::AwsRole, role.name.clone(), role.label());
        identity = with_physical_name(program, role, identity);
        for export in super::exports_of(&exports, role, &["arn", "name", "id"]) {
            identity = identity.with_name(NameKind::PulumiStackOutput, export.name.clone(), export.span);
        }
        let property = if role.is(NATIVE_ROLE) { "assumeRolePolicyDocument" } else { "assumeRolePolicy" };
        if let Some(trust_node) = role.property(property) {
            match document_of(program, trust_node) {
                Some(document) => {
                    facts.trusts.extend(aws_policy::trusts_of(&program.file, &document, &identity, &resolve))
                }
                None => facts.trusts.extend(opaque_provider_trust(program, trust_node, &identity)),
            }
        }
        if let Some(arns) = role.property("managedPolicyArns") {
            for item in resolve.items(arns) {
                facts.grants.extend(policy_arn_grants(program, item, role, "managedPolicyArns"));
            }
        }
        if let Some(policies) = role.property("inlinePolicies").or_else(|| role.property("policies")) {
            for policy in resolve.items(policies) {
                let name = policy
                    .get("name")
                    .or_else(|| policy.get("policyName"))
                    .map_or_else(|| "…".to_string(), |n| super::display(&resolve.scalar(n)));
                let document = policy.get("policy").or_else(|| policy.get("policyDocument"));
                let via = format!("inline policy `{name}`");
                facts.grants.extend(document_grants(program, document, role, &via));
            }
        }
    }
    for resource in &program.resources {
        let attachment = if resource.is(ROLE_POLICY_ATTACHMENT) {
            resource.property("role").map(|r| vec![r]).unwrap_or_default()
        } else if resource.is(POLICY_ATTACHMENT) {
            resource.property("roles").map(|r| resolve.items(r)).unwrap_or_default()
        } else if resource.is(ROLE_POLICY) {
            let Some(role) = resource.property("role").and_then(|r| role_named_by(program, r)) else {
                continue;
            };
            let via = format!("{} `{}`", short(resource), resource.name);
            facts.grants.extend(document_grants(program, resource.property("policy"), role, &via));
            continue;
        } else if resource.is(ATTACHMENTS_EXCLUSIVE) {
            let Some(role) = resource.property("roleName").and_then(|r| role_named_by(program, r)) else {
                continue;
            };
            if let Some(arns) = resource.property("policyArns") {
                for item in resolve.items(arns) {
                    let via = format!("{} `{}`", short(resource), resource.name);
                    facts.grants.extend(policy_arn_grants(program, item, role, &via));
                }
            }
            continue;
        } else {
            continue;
        };
        let Some(arn) = resource.property("policyArn") else { continue };
        let mut seen = HashSet::new();
        for role_node in attachment {
            let Some(role) = role_named_by(program, role_node) else { continue };
            if !seen.insert(role.name.as_str()) {
                continue;
            }
            let via = format!("{} `{}`", short(resource), resource.name);
            facts.grants.extend(policy_arn_grants(program, arn, role, &via));
        }
    }
    facts
}

/// The role's physical name: a literal `name` as is; with no name at all, the name Pulumi
/// generates from the logical name or a literal `namePrefix` (a login names it by that grammar).
fn with_physical_name(program: &Program, role: &Resource, identity: Identity) -> Identity {
    let name_property = if role.is(NATIVE_ROLE) { "roleName" } else { "name" };
    if let Some(node) = role.property(name_property) {
        return match program.text(node) {
            Some(name) => identity.with_name(NameKind::AwsRoleName, name, node.span),
            None => identity,
        };
    }
    if role.properties_unknown.is_some() {
        return identity;
    }
    if let Some(node) = role.property("namePrefix") {
        return match program.text(node) {
            Some(prefix) if !role.is(NATIVE_ROLE) => {
                identity.with_name(NameKind::PulumiNamePrefix, prefix, node.span)
            }
            _ => identity,
        };
    }
    if role.name.contains('…') || role.name.is_empty() {
        return identity;
    }
    identity.with_name(NameKind::PulumiAutoName, role.name.clone(), role.name_span)
}

/// A trust policy trustlint cannot read, computed from an OIDC provider of this program
/// (`provider.arn.apply(arn => JSON.stringify(makeTrust(arn, repo)))`, a helper from a module
/// it cannot load): a policy derived from a provider's ARN federates that provider, so the role
/// is OIDC-assumable even though who may get in is unknown. The evaluator says which resource
/// outputs such a value was derived from ([`Part::Derived`]).
fn opaque_provider_trust(program: &Program, trust_node: &Node, identity: &Identity) -> Option<Trust> {
    let mut from = Vec::new();
    derived_from(trust_node, &mut from);
    let provider = from.iter().filter(|(_, output)| output == "arn").find_map(|(name, _)| {
        program.resources.iter().rev().find(|r| r.name == *name && r.is(OIDC_PROVIDER))
    })?;
    let unknown_url = || IssuerRef::Unknown(format!("the `url` of {}", provider.label()));
    let issuer = match provider.property("url").and_then(|url| program.resolver().scalar(url).known()) {
        Some(url) => IssuerRef::Known(Issuer::recognise(&url)),
        None => unknown_url(),
    };
    Some(Trust {
        file: program.file.clone(),
        identity: identity.clone(),
        issuer,
        issuer_span: trust_node.span,
        statement_span: trust_node.span,
        condition_span: None,
        conditions: Vec::new(),
        dropped: Vec::new(),
        conditions_unknown: Some(format!("the trust policy computed from the ARN of {}", provider.label())),
    })
}

/// The resource outputs the unreadable parts of a value were derived from.
fn derived_from<'n>(node: &'n Node, out: &mut Vec<&'n (String, String)>) {
    match &node.kind {
        NodeKind::Computed(parts) => {
            for part in parts {
                if let Part::Derived { from, .. } = part {
                    out.extend(from);
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|item| derived_from(item, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|entry| derived_from(&entry.value, out)),
        NodeKind::Scalar(_) => {}
    }
}

fn is_role(resource: &Resource) -> bool {
    resource.is(ROLE) || resource.is(NATIVE_ROLE)
}

/// `aws.iam.RolePolicyAttachment` for labels.
fn short(resource: &Resource) -> String {
    resource.type_token.replace(':', ".")
}

/// The role of this program a value names: a reference to the role (`role.name`, `role.id`,
/// `role.arn`, the role itself) or its literal name (`name: "deploy"` on the role, or the
/// logical name when the role has no explicit name... which Pulumi suffixes, so only an explicit
/// `name` counts).
fn role_named_by<'p>(program: &'p Program, node: &Node) -> Option<&'p Resource> {
    if let Some((role, _output)) = program.referenced_of(node, &[ROLE, NATIVE_ROLE]) {
        return Some(role);
    }
    if program.referenced(node).is_some() {
        return None; // a reference to something else: not a role of this program
    }
    let name = program.text(node)?;
    // An ARN names the role after `:role/` (and an optional path).
    let name = match name.split_once(":role/") {
        Some((_, rest)) => rest.rsplit('/').next().unwrap_or(rest).to_string(),
        None => name,
    };
    program.resources.iter().rev().filter(|r| is_role(r)).find(|role| {
        role.property("name").or_else(|| role.property("roleName")).and_then(|n| program.text(n)).as_deref()
            == Some(name.as_str())
    })
}

/// Grants from a policy ARN value: an AWS managed policy (or any ARN, named), or a reference to
/// an `aws.iam.Policy` of this program whose document is then read.
fn policy_arn_grants(program: &Program, node: &Node, role: &Resource, via: &str) -> Vec<Grant> {
    if let Some((policy, output)) = program.referenced_of(node, &[POLICY])
        && matches!(output, "arn" | "id" | "")
    {
        let via = format!("aws.iam.Policy `{}`, attached by {via}", policy.name);
        return document_grants(program, policy.property("policy"), role, &via);
    }
    let resolved = program.resolver().scalar(node);
    if !resolved.pieces.iter().any(|piece| matches!(piece, Piece::Text(text) if text.contains(":policy/"))) {
        return Vec::new();
    }
    let arn = super::display(&resolved);
    vec![Grant {
        file: program.file.clone(),
        identity_key: role.name.clone(),
        permission: Permission::ManagedPolicy { arn },
        span: node.span,
        via: via.to_string(),
        relies_on: resolved.relies_on,
        defined_at: resolved.defined_at,
        spliced: resolved.spliced,
    }]
}

fn document_grants(program: &Program, document: Option<&Node>, role: &Resource, via: &str) -> Vec<Grant> {
    let Some(document) = document.and_then(|node| document_of(program, node)) else { return Vec::new() };
    aws_policy::grants_of(&program.file, &document, &role.name, via, &program.resolver())
}

/// A policy document from a property value: an object (`JSON.stringify({...})`, a
/// `getPolicyDocument` result, a dict) or a JSON string literal, parsed with spans pointing into
/// the literal when it has no escapes.
pub fn document_of<'n>(program: &Program, node: &'n Node) -> Option<Cow<'n, Node>> {
    match &node.kind {
        NodeKind::Map(_) => Some(Cow::Borrowed(node)),
        NodeKind::Scalar(scalar) => {
            let parsed = parse_json(&scalar.value);
            if !parsed.errors.is_empty() {
                return None;
            }
            let mut root = parsed.root?;
            let source = program.file.slice(node.span);
            match source.find(scalar.value.as_str()) {
                Some(offset) if !scalar.value.is_empty() => shift(&mut root, node.span.start + offset),
                _ => respan(&mut root, node.span),
            }
            root.as_map().is_some().then_some(Cow::Owned(root))
        }
        NodeKind::Computed(parts) => computed_document(program, parts, node.span).map(Cow::Owned),
        NodeKind::Seq(_) => None,
    }
}

/// Marks a hole of a computed JSON text while it is parsed: private-use characters, valid inside
/// a JSON string and never written by anyone.
const HOLE_OPEN: char = '\u{E000}';
const HOLE_CLOSE: char = '\u{E001}';

/// A JSON policy text with holes (`` interpolate`{"Principal": {"Federated": "${arn}"}...}` ``,
/// an f-string): parsed with each hole as a marker inside its string, and every string that holds
/// a marker turned back into known text around the hole. Spans point into the template when its
/// text parts are found verbatim in the source, else at the whole value. A hole outside a string
/// (a whole object spliced in) leaves the document unread.
fn computed_document(program: &Program, parts: &[Part], span: Span) -> Option<Node> {
    let mut text = String::new();
    // (offset in `text`, offset in the file) at the start of each text part, for spans.
    let mut anchors: Vec<(usize, usize)> = Vec::new();
    let source = program.file.slice(span);
    let mut cursor = 0;
    let mut verbatim = true;
    for (index, part) in parts.iter().enumerate() {
        match part {
            Part::Text(piece) => {
                match source[cursor..].find(piece.as_str()) {
                    Some(found) if verbatim => {
                        anchors.push((text.len(), span.start + cursor + found));
                        cursor += found + piece.len();
                    }
                    _ => verbatim = false,
                }
                text.push_str(piece);
            }
            _ => text.push_str(&format!("{HOLE_OPEN}{index}{HOLE_CLOSE}")),
        }
    }
    if !text.contains('{') {
        return None;
    }
    let parsed = parse_json(&text);
    if !parsed.errors.is_empty() {
        return None;
    }
    let mut root = parsed.root?;
    root.as_map()?;
    fill_holes(&mut root, parts);
    let map_offset = |offset: usize| -> usize {
        match anchors.iter().rev().find(|(at, _)| *at <= offset) {
            Some((at, file_at)) => file_at + (offset - at),
            None => span.start,
        }
        .min(span.end)
    };
    if verbatim && !anchors.is_empty() {
        remap(&mut root, &map_offset);
    } else {
        respan(&mut root, span);
    }
    Some(root)
}

/// Strings holding hole markers become computed values: their text with the original parts.
fn fill_holes(node: &mut Node, parts: &[Part]) {
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|item| fill_holes(item, parts)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|entry| {
            // A key with a hole shows it as `…`, as program keys do.
            if entry.key.contains(HOLE_OPEN) {
                entry.key = split_holes(&entry.key, parts)
                    .iter()
                    .map(|part| match part {
                        Part::Text(text) => text.as_str(),
                        _ => "…",
                    })
                    .collect();
            }
            fill_holes(&mut entry.value, parts);
        }),
        NodeKind::Scalar(scalar) if scalar.value.contains(HOLE_OPEN) => {
            node.kind = NodeKind::Computed(split_holes(&scalar.value, parts));
        }
        NodeKind::Scalar(_) | NodeKind::Computed(_) => {}
    }
}

fn split_holes(text: &str, parts: &[Part]) -> Vec<Part> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(HOLE_OPEN) {
        let Some(close) = rest[open..].find(HOLE_CLOSE) else { break };
        if open > 0 {
            out.push(Part::Text(rest[..open].to_string()));
        }
        let index: Option<usize> = rest[open + HOLE_OPEN.len_utf8()..open + close].parse().ok();
        out.push(match index.and_then(|i| parts.get(i)) {
            Some(part) => part.clone(),
            None => Part::Unknown("a hole in a JSON text".into()),
        });
        rest = &rest[open + close + HOLE_CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest.to_string()));
    }
    out
}

fn remap(node: &mut Node, map: &dyn Fn(usize) -> usize) {
    node.span = Span::new(map(node.span.start), map(node.span.end).max(map(node.span.start)));
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|item| remap(item, map)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|entry| {
            entry.key_span = Span::new(map(entry.key_span.start), map(entry.key_span.end));
            remap(&mut entry.value, map);
        }),
        NodeKind::Scalar(_) | NodeKind::Computed(_) => {}
    }
}

fn shift(node: &mut Node, by: usize) {
    node.span = Span::new(node.span.start + by, node.span.end + by);
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|item| shift(item, by)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|entry| {
            entry.key_span = Span::new(entry.key_span.start + by, entry.key_span.end + by);
            shift(&mut entry.value, by);
        }),
        NodeKind::Scalar(_) | NodeKind::Computed(_) => {}
    }
}

/// Provider functions of `@pulumi/aws` whose result the program determines:
/// `iam.getPolicyDocument` (and its `Output` and Python spellings) returns `{json, minifiedJson}`
/// holding the IAM document its arguments describe.
pub fn invoke(path: &[String], args: &Node, span: Span) -> Option<Node> {
    let [module, function] = path else { return None };
    let function = function.to_ascii_lowercase().replace('_', "");
    if module != "iam" {
        return None;
    }
    // Looking up a policy or role by its ARN or name returns what it was given:
    // `aws.iam.getPolicy({arn}).then(p => p.arn)` is that ARN.
    if let Some(outputs) = match function.as_str() {
        "getpolicy" | "getpolicyoutput" => Some(&["arn", "name"][..]),
        "getrole" | "getroleoutput" => Some(&["name"][..]),
        _ => None,
    } {
        let entries: Vec<Entry> = outputs
            .iter()
            .filter_map(|key| args.entry(key))
            .map(|entry| Entry {
                key: entry.key.clone(),
                key_span: entry.key_span,
                value: entry.value.clone(),
            })
            .collect();
        return (!entries.is_empty()).then_some(Node { kind: NodeKind::Map(entries), span, tag: None });
    }
    if !matches!(function.as_str(), "getpolicydocument" | "getpolicydocumentoutput") {
        return None;
    }
    let document = policy_document(args, span);
    let entry = |key: &str| Entry { key: key.to_string(), key_span: span, value: document.clone() };
    Some(Node { kind: NodeKind::Map(vec![entry("json"), entry("minifiedJson")]), span, tag: None })
}

/// The IAM JSON shape of `getPolicyDocument` arguments: statements with `effect`, `actions`,
/// `notActions`, `resources`, `notResources`, `principals[{type, identifiers}]`,
/// `conditions[{test, variable, values}]`. Spans are those of the arguments.
fn policy_document(args: &Node, span: Span) -> Node {
    let mut entries = Vec::new();
    if let Some(version) = args.get("version") {
        entries.push(entry("Version", version.span, version.clone()));
    }
    let statements = match args.get("statements") {
        Some(node) => match node.as_seq() {
            Some(items) => {
                let converted = items.iter().map(statement).collect();
                Node { kind: NodeKind::Seq(converted), span: node.span, tag: None }
            }
            None => Node::unknown("the `statements` of `getPolicyDocument`", node.span),
        },
        None if args.get("sourcePolicyDocuments").is_some()
            || args.get("overridePolicyDocuments").is_some() =>
        {
            Node::unknown("policy documents merged from `sourcePolicyDocuments`", span)
        }
        None => Node { kind: NodeKind::Seq(Vec::new()), span, tag: None },
    };
    entries.push(entry("Statement", statements.span, statements));
    Node { kind: NodeKind::Map(entries), span: args.span, tag: None }
}

fn entry(key: &str, key_span: Span, value: Node) -> Entry {
    Entry { key: key.to_string(), key_span, value }
}

fn statement(args: &Node) -> Node {
    if args.as_map().is_none() {
        return Node::unknown("a `getPolicyDocument` statement trustlint cannot read", args.span);
    }
    let mut entries = Vec::new();
    let key_span = |key: &str| args.entry(key).map_or(args.span, |e| e.key_span);
    match args.get("effect") {
        Some(effect) => entries.push(entry("Effect", key_span("effect"), effect.clone())),
        // `effect` defaults to Allow.
        None => {
            entries.push(entry("Effect", args.span, Node::scalar("Allow", ScalarStyle::Quoted, args.span)))
        }
    }
    for (from, to) in [
        ("sid", "Sid"),
        ("actions", "Action"),
        ("notActions", "NotAction"),
        ("resources", "Resource"),
        ("notResources", "NotResource"),
    ] {
        if let Some(value) = args.get(from) {
            entries.push(entry(to, key_span(from), value.clone()));
        }
    }
    for (from, to) in [("principals", "Principal"), ("notPrincipals", "NotPrincipal")] {
        if let Some(principals) = args.get(from) {
            entries.push(entry(to, key_span(from), principal_map(principals)));
        }
    }
    if let Some(conditions) = args.get("conditions") {
        entries.push(entry("Condition", key_span("conditions"), condition_map(conditions)));
    }
    Node { kind: NodeKind::Map(entries), span: args.span, tag: None }
}

/// `[{type: "Federated", identifiers: [...]}]` -> `{"Federated": [...]}`; `type: "*"` -> `"*"`.
fn principal_map(principals: &Node) -> Node {
    let Some(items) = principals.as_seq() else {
        return Node::unknown("the `principals` of a `getPolicyDocument` statement", principals.span);
    };
    let mut entries: Vec<Entry> = Vec::new();
    for item in items {
        let (Some(kind), Some(identifiers)) =
            (item.get("type").and_then(Node::as_str), item.get("identifiers"))
        else {
            continue;
        };
        if kind == "*" {
            return Node::scalar("*", ScalarStyle::Quoted, item.span);
        }
        match entries.iter_mut().find(|e| e.key == kind) {
            Some(existing) => {
                let mut merged: Vec<Node> = existing.value.one_or_many().into_iter().cloned().collect();
                merged.extend(identifiers.one_or_many().into_iter().cloned());
                existing.value = Node { kind: NodeKind::Seq(merged), span: existing.value.span, tag: None };
            }
            None => {
                let key_span = item.get("type").map_or(item.span, |t| t.span);
                entries.push(entry(kind, key_span, identifiers.clone()));
            }
        }
    }
    Node { kind: NodeKind::Map(entries), span: principals.span, tag: None }
}

/// `[{test, variable, values}]` -> `{test: {variable: values}}`. Conditions sharing a test and a
/// variable are kept as one key with every value (the document lists them once).
fn condition_map(conditions: &Node) -> Node {
    let Some(items) = conditions.as_seq() else {
        return Node::unknown("the `conditions` of a `getPolicyDocument` statement", conditions.span);
    };
    let mut operators: Vec<Entry> = Vec::new();
    for item in items {
        let (Some(test), Some(variable), Some(values)) =
            (item.get("test"), item.get("variable"), item.get("values"))
        else {
            continue;
        };
        let (Some(test_text), Some(variable_text)) = (test.as_str(), variable.as_str()) else {
            // A computed operator or key: the whole block cannot be read.
            return Node::unknown("a condition whose `test` or `variable` trustlint cannot read", item.span);
        };
        let position = operators.iter().position(|e| e.key == test_text);
        let operator = match position {
            Some(index) => &mut operators[index],
            None => {
                operators.push(entry(
                    test_text,
                    test.span,
                    Node { kind: NodeKind::Map(Vec::new()), span: item.span, tag: None },
                ));
                operators.last_mut().expect("just pushed")
            }
        };
        let NodeKind::Map(keys) = &mut operator.value.kind else { continue };
        match keys.iter_mut().find(|e| e.key == variable_text) {
            Some(existing) => {
                let mut merged: Vec<Node> = existing.value.one_or_many().into_iter().cloned().collect();
                merged.extend(values.one_or_many().into_iter().cloned());
                existing.value = Node { kind: NodeKind::Seq(merged), span: existing.value.span, tag: None };
            }
            None => keys.push(entry(variable_text, variable.span, values.clone())),
        }
    }
    Node { kind: NodeKind::Map(operators), span: conditions.span, tag: None }
}

/// AWS managed policies the SDKs name as constants: `aws.iam.ManagedPolicy.AdministratorAccess`
/// (TypeScript), `aws.iam.ManagedPolicy.ADMINISTRATOR_ACCESS` (Python), the legacy
/// `aws.iam.ManagedPolicies.*`. Names are matched without case and underscores; constants not in
/// this table stay Unknown rather than guessed (some live under a path such as `service-role/`).
const MANAGED_POLICIES: &[&str] = &[
    "AdministratorAccess",
    "AdministratorAccess-Amplify",
    "AdministratorAccess-AWSElasticBeanstalk",
    "AmazonDynamoDBFullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonEC2ContainerRegistryFullAccess",
    "AmazonEC2ContainerRegistryPowerUser",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2FullAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonECS_FullAccess",
    "AmazonEKSClusterPolicy",
    "AmazonRoute53FullAccess",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonSSMReadOnlyAccess",
    "AWSCloudFormationFullAccess",
    "AWSCloudFormationReadOnlyAccess",
    "AWSLambda_FullAccess",
    "AWSLambda_ReadOnlyAccess",
    "AWSOrganizationsFullAccess",
    "CloudWatchFullAccess",
    "CloudWatchReadOnlyAccess",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "SecretsManagerReadWrite",
    "SecurityAudit",
    "job-function/Billing",
    "job-function/DatabaseAdministrator",
    "job-function/DataScientist",
    "job-function/NetworkAdministrator",
    "job-function/SupportUser",
    "job-function/SystemAdministrator",
    "job-function/ViewOnlyAccess",
];

/// SDK constants: managed policy ARNs.
pub fn constant(path: &[String]) -> Option<String> {
    let [module, enumeration, name] = path else { return None };
    if module != "iam" || !matches!(enumeration.as_str(), "ManagedPolicy" | "ManagedPolicies") {
        return None;
    }
    let wanted = squash(name);
    let policy = MANAGED_POLICIES.iter().find(|p| squash(p.rsplit('/').next().unwrap_or(p)) == wanted)?;
    Some(format!("arn:aws:iam::aws:policy/{policy}"))
}

/// Lower case without separators: `ADMINISTRATOR_ACCESS_AMPLIFY` = `AdministratorAccess-Amplify`.
fn squash(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn managed_policy_constants() {
        assert_eq!(
            constant(&path(&["iam", "ManagedPolicy", "AdministratorAccess"])).as_deref(),
            Some("arn:aws:iam::aws:policy/AdministratorAccess")
        );
        assert_eq!(
            constant(&path(&["iam", "ManagedPolicy", "ADMINISTRATOR_ACCESS_AMPLIFY"])).as_deref(),
            Some("arn:aws:iam::aws:policy/AdministratorAccess-Amplify")
        );
        assert_eq!(
            constant(&path(&["iam", "ManagedPolicies", "SystemAdministrator"])).as_deref(),
            Some("arn:aws:iam::aws:policy/job-function/SystemAdministrator")
        );
        assert_eq!(constant(&path(&["iam", "ManagedPolicy", "AWSLambdaBasicExecutionRole"])), None);
    }
}

#[cfg(test)]
mod mapping_tests {
    use std::sync::Arc;

    use trustlint_core::SourceFile;
    use trustlint_model::{IssuerKind, IssuerRef, Permission};
    use trustlint_syntax::eval::{ParsedProgram, SourceLanguage, parse_program};

    use crate::pulumi::{Language, ModuleLoader, ProgramContext, StackConfig, analyze};

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn run(name: &str, text: &str, language: Language, context: &ProgramContext<'_>) -> crate::Analysis {
        let file: Arc<SourceFile> = SourceFile::new(name, text);
        let analysis = analyze(&file, language, context);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        analysis
    }

    use super::Span;

    #[test]
    fn roles_providers_and_attachments() {
        let text = r#"import * as aws from "@pulumi/aws";
const gh = new aws.iam.OpenIdConnectProvider("gh", { url: "https://token.actions.githubusercontent.com" });
const role = new aws.iam.Role("deploy", {
    name: "deploy-role",
    assumeRolePolicy: `{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
      "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
      "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}]}`,
    managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    inlinePolicies: [{ name: "s3", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }) }],
});
const other = new aws.iam.Role("other", {
    assumeRolePolicy: { Statement: [{ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: gh.arn } }] },
});
new aws.iam.RolePolicyAttachment("by-name", { role: "deploy-role", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" });
new aws.iam.RolePolicyAttachment("by-arn", { role: other.arn, policyArn: aws.iam.ManagedPolicies.IAMFullAccess });
new aws.iam.RolePolicyAttachment("elsewhere", { role: "not-in-this-program", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
"#;
        let analysis = run("index.ts", text, Language::TypeScript, &ProgramContext::alone());
        let trusts = &analysis.facts.trusts;
        assert_eq!(trusts.len(), 2);
        assert_eq!(trusts[0].identity.key, "deploy");
        assert_eq!(trusts[0].identity.label, "aws.iam.Role \"deploy\"");
        let sub = &trusts[0].conditions[0].values[0];
        // A JSON string literal is parsed in place: the span is the value inside the template.
        assert_eq!(slice(text, sub.span), "\"repo:acme/*\"");
        // `gh.arn` names the provider's issuer.
        assert!(matches!(&trusts[1].issuer, IssuerRef::Known(issuer) if issuer.kind == IssuerKind::GitHub));
        assert_eq!(slice(text, trusts[1].issuer_span), "gh.arn");
        let grants: Vec<(&str, String, &str)> = analysis
            .facts
            .grants
            .iter()
            .map(|g| {
                let what = match &g.permission {
                    Permission::ManagedPolicy { arn } => arn.clone(),
                    Permission::Statement { actions, .. } => actions.join(","),
                    other => format!("{other:?}"),
                };
                (g.identity_key.as_str(), what, g.via.as_str())
            })
            .collect();
        assert_eq!(
            grants,
            [
                ("deploy", "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string(), "managedPolicyArns"),
                ("deploy", "s3:*".to_string(), "inline policy `s3`"),
                (
                    "deploy",
                    "arn:aws:iam::aws:policy/PowerUserAccess".to_string(),
                    "aws.iam.RolePolicyAttachment `by-name`"
                ),
                (
                    "other",
                    "arn:aws:iam::aws:policy/IAMFullAccess".to_string(),
                    "aws.iam.RolePolicyAttachment `by-arn`"
                ),
            ]
        );
    }

    #[test]
    fn opaque_trust_from_a_provider_arn_is_an_oidc_trust() {
        let text = r#"import * as aws from "@pulumi/aws";
import { makeTrust } from "./helpers";
const ghProvider = new aws.iam.OpenIdConnectProvider("gh", { url: "https://token.actions.githubusercontent.com" });
const role = new aws.iam.Role("deploy", {
    assumeRolePolicy: ghProvider.arn.apply((arn) => JSON.stringify(makeTrust(arn, "acme/app"))),
});
const service = new aws.iam.Role("service", {
    assumeRolePolicy: JSON.stringify(makeTrust("ec2.amazonaws.com", ghProvider.url)),
});
"#;
        let analysis = run("index.ts", text, Language::TypeScript, &ProgramContext::alone());
        let trusts = &analysis.facts.trusts;
        assert_eq!(trusts.len(), 1, "{trusts:#?}");
        assert_eq!(trusts[0].identity.key, "deploy");
        assert!(matches!(&trusts[0].issuer, IssuerRef::Known(issuer) if issuer.kind == IssuerKind::GitHub));
        assert!(trusts[0].conditions.is_empty());
        assert!(trusts[0].conditions_unknown.as_deref().is_some_and(|why| why.contains("\"gh\"")));
    }

    #[test]
    fn stacks_resolve_configuration_per_stack() {
        let text = r#"import pulumi
import pulumi_aws as aws
config = pulumi.Config()
aws.iam.Role("deploy", assume_role_policy={"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
    "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": config.require("subject")}}}]})
"#;
        let stacks = vec![
            StackConfig::parse("dev", "config:\n  infra:subject: repo:acme/*\n").unwrap(),
            StackConfig::parse("prod", "config:\n  infra:subject:\n    secure: AAABAc2VjcmV0\n").unwrap(),
        ];
        let context =
            ProgramContext { stacks, project: Some("infra".into()), modules: &crate::pulumi::NoModules };
        let analysis = run("__main__.py", text, Language::Python, &context);
        assert_eq!(analysis.facts.trusts.len(), 2);
        let dev = &analysis.facts.trusts[0].conditions[0].values[0];
        assert_eq!(dev.text().as_deref(), Some("repo:acme/*"));
        assert_eq!(
            dev.relies_on.as_deref(),
            Some("config `infra:subject` of stack `dev`, in `Pulumi.dev.yaml`")
        );
        assert_eq!(slice(text, dev.span), "config.require(\"subject\")");
        // Where the stack file writes the value: the place to edit.
        let defined = dev.defined_at.as_ref().unwrap();
        let stack_file = defined.file.as_ref().unwrap();
        assert_eq!(stack_file.path(), "Pulumi.dev.yaml");
        assert_eq!(stack_file.slice(defined.span), "repo:acme/*");
        let prod = &analysis.facts.trusts[1].conditions[0].values[0];
        assert_eq!(prod.unknown_reasons(), ["the encrypted config `infra:subject` of stack `prod`"]);
    }

    #[test]
    fn only_a_value_the_stack_file_writes_whole_is_defined_there() {
        let text = r#"import pulumi
import pulumi_aws as aws
config = pulumi.Config()
aws.iam.Role("deploy", assume_role_policy={"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
    "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": [f"repo:{config.require('org')}/*", config.require("subject")]}}}]})
"#;
        let stacks = vec![
            StackConfig::parse("dev", "config:\n  infra:org: acme\n  infra:subject: repo:acme/app:*\n")
                .unwrap(),
        ];
        let context =
            ProgramContext { stacks, project: Some("infra".into()), modules: &crate::pulumi::NoModules };
        let analysis = run("__main__.py", text, Language::Python, &context);
        let values = &analysis.facts.trusts[0].conditions[0].values;
        // The template is written in the program: its stack part is named, not the place to edit.
        assert_eq!(values[0].text().as_deref(), Some("repo:acme/*"));
        assert_eq!(
            values[0].relies_on.as_deref(),
            Some("config `infra:org` of stack `dev`, in `Pulumi.dev.yaml`")
        );
        assert_eq!(values[0].defined_at, None);
        let defined = values[1].defined_at.as_ref().unwrap();
        assert_eq!(defined.file.as_ref().unwrap().slice(defined.span), "repo:acme/app:*");
    }

    struct Siblings;

    impl ModuleLoader for Siblings {
        fn load(&self, relative_path: &str, language: SourceLanguage) -> Option<Arc<ParsedProgram>> {
            (relative_path == "trust.ts").then(|| Arc::new(parse_program(SIBLING, language)))
        }

        fn text(&self, relative_path: &str) -> Option<String> {
            (relative_path == "trust.ts").then(|| SIBLING.to_string())
        }
    }

    const SIBLING: &str =
        "export const SUBJECTS = [\"repo:acme/infra:environment:prod\", \"repo:acme/*\"];\n";

    #[test]
    fn constants_from_sibling_modules_point_at_their_use() {
        let text = r#"import * as aws from "@pulumi/aws";
import { SUBJECTS } from "./trust";
new aws.iam.Role("deploy", { assumeRolePolicy: { Statement: [{ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity",
    Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" },
    Condition: { StringLike: { "token.actions.githubusercontent.com:sub": SUBJECTS } } }] } });
"#;
        let context = ProgramContext { stacks: Vec::new(), project: None, modules: &Siblings };
        let analysis = run("infra/index.ts", text, Language::TypeScript, &context);
        let values = &analysis.facts.trusts[0].conditions[0].values;
        let texts: Vec<_> = values.iter().map(|v| v.text().unwrap()).collect();
        assert_eq!(texts, ["repo:acme/infra:environment:prod", "repo:acme/*"]);
        assert!(values.iter().all(|v| slice(text, v.span) == "SUBJECTS"));
        // ...and say where the module writes them, with its path beside the program's.
        for value in values {
            let defined = value.defined_at.as_ref().unwrap();
            let module = defined.file.as_ref().unwrap();
            assert_eq!(module.path(), "infra/trust.ts");
            assert!(
                module.slice(defined.span).starts_with("[\"repo:acme/infra"),
                "{}",
                module.slice(defined.span)
            );
            assert_eq!(value.relies_on.as_deref(), Some("`SUBJECTS` of `trust.ts`"));
        }
    }
}
