//! IAM policy documents (trust policies and permission policies) read from a spanned tree, shared
//! by the IAM JSON and CloudFormation frontends. Values go through a [`Resolve`] so CloudFormation
//! intrinsics (`!Sub`, `!If`, parameters) and template placeholders become known text or Unknown.

use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::admin::admin_power;
use trustlint_model::condition::glob_matches;
use trustlint_model::{
    ClaimCondition, ConditionValue, DefinedAt, DroppedCondition, Grant, Identity, Issuer, IssuerRef,
    Operator, Permission, Piece, SetQualifier, SplicedPart, Splices, Trust,
};
use trustlint_syntax::tree::duplicate_keys;
use trustlint_syntax::{Node, Part};

/// A value read from the tree: text with Unknown holes, and a note when a default was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub pieces: Vec<Piece>,
    pub relies_on: Option<String>,
    /// Where the value is written, when not where it is used (a parameter's `Default`, a stack
    /// file, a sibling module).
    pub defined_at: Option<DefinedAt>,
    /// Parts written elsewhere and spliced into the value.
    pub spliced: Splices,
}

impl Resolved {
    pub fn text(text: impl Into<String>) -> Self {
        Resolved {
            pieces: vec![Piece::Text(text.into())],
            relies_on: None,
            defined_at: None,
            spliced: Default::default(),
        }
    }

    pub fn unknown(why: impl Into<String>) -> Self {
        Resolved {
            pieces: vec![Piece::Unknown(why.into())],
            relies_on: None,
            defined_at: None,
            spliced: Default::default(),
        }
    }

    pub fn known(&self) -> Option<String> {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => Some(t.as_str()),
                Piece::Unknown(_) => None,
            })
            .collect()
    }

    fn into_condition_value(self, span: Span) -> ConditionValue {
        ConditionValue {
            pieces: self.pieces,
            span,
            relies_on: self.relies_on,
            defined_at: self.defined_at,
            spliced: self.spliced,
        }
    }
}

/// How a frontend turns nodes into values.
pub trait Resolve {
    /// The alternatives a node may stand for (CloudFormation `!If` yields both branches).
    fn alternatives<'a>(&'a self, node: &'a Node) -> Vec<&'a Node> {
        vec![node]
    }

    /// A scalar-position value.
    fn scalar(&self, node: &Node) -> Resolved;

    /// The items of a list position; a single value counts as a one-item list (IAM allows it).
    fn items<'a>(&'a self, node: &'a Node) -> Vec<&'a Node> {
        self.alternatives(node)
            .into_iter()
            .flat_map(|alt| alt.one_or_many())
            .flat_map(|n| self.alternatives(n))
            .collect()
    }
}

/// Plain JSON; in templates (`*.tpl`), `${...}` placeholders are Unknown.
pub struct PlainResolver {
    pub template: bool,
}

impl Resolve for PlainResolver {
    fn scalar(&self, node: &Node) -> Resolved {
        if let Some(parts) = node.as_computed() {
            return computed(parts);
        }
        let Some(text) = node.as_str() else {
            return Resolved::unknown("a non-scalar value");
        };
        if self.template { split_placeholders(text, "template placeholder") } else { Resolved::text(text) }
    }
}

/// The pieces of a computed program value ([`NodeKind::Computed`]): a reference to another
/// resource's output is Unknown (named), stack configuration is known text that the value relies
/// on (so a finding can name the stack).
///
/// [`NodeKind::Computed`]: trustlint_syntax::NodeKind::Computed
pub fn computed(parts: &[Part]) -> Resolved {
    computed_in(parts, None)
}

/// Like [`computed`], for a program evaluated with the stack file `stack_file`: text read from it
/// names the file, and a value that is one such text is written there.
pub fn computed_in(parts: &[Part], stack_file: Option<&Arc<SourceFile>>) -> Resolved {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut relies_on: Vec<String> = Vec::new();
    let mut defined_at = None;
    let mut spliced = Splices::default();
    for part in parts {
        let text = match part {
            Part::Text(text) => text.clone(),
            Part::Config { key, stack, value, at } => {
                let note = config_note(key, stack, stack_file);
                if !relies_on.contains(&note) {
                    relies_on.push(note.clone());
                }
                // The place to edit only when the stack file writes the whole value: text
                // around it (`repo:${org}/*`) is written in the program, and the stack value
                // is a part spliced in.
                if let (Some(file), Some(at)) = (stack_file, at) {
                    let at = DefinedAt::in_file(file, *at);
                    if parts.len() == 1 {
                        defined_at = Some(at);
                    } else {
                        spliced.push(SplicedPart { text: value.clone(), source: Some(note), at });
                    }
                }
                value.clone()
            }
            Part::Unknown(why) | Part::Derived { why, .. } => {
                pieces.push(Piece::Unknown(why.clone()));
                continue;
            }
            Part::Ref { resource, output } => {
                pieces.push(Piece::Unknown(format!("the output `{output}` of resource `{resource}`")));
                continue;
            }
        };
        // Adjacent text stays one piece, so a literal tail like `:oidc-provider/host` is whole.
        match pieces.last_mut() {
            Some(Piece::Text(last)) => last.push_str(&text),
            _ => pieces.push(Piece::Text(text)),
        }
    }
    if pieces.is_empty() {
        pieces.push(Piece::Text(String::new()));
    }
    Resolved {
        pieces,
        relies_on: (!relies_on.is_empty()).then(|| relies_on.join(" and ")),
        defined_at,
        spliced,
    }
}

/// How a message names a configuration value: "config `acme:sub` of stack `dev`, in
/// `Pulumi.dev.yaml`" (the file when known), or the program's default when no stack sets it.
pub fn config_note(key: &str, stack: &str, stack_file: Option<&Arc<SourceFile>>) -> String {
    if stack.is_empty() {
        return format!("the default of config `{key}` (no stack file in view sets it)");
    }
    match stack_file {
        Some(file) => {
            let name = file.path().rsplit('/').next().unwrap_or(file.path());
            format!("config `{key}` of stack `{stack}`, in `{name}`")
        }
        None => format!("config `{key}` of stack `{stack}`"),
    }
}

/// Split `a${x}b` into text and Unknown pieces (Terraform/`envsubst` templates, CloudFormation
/// `!Sub` variables the caller could not resolve).
pub fn split_placeholders(text: &str, what: &str) -> Resolved {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else { break };
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_string()));
        }
        pieces.push(Piece::Unknown(format!("{what} `{}`", &rest[start..start + len + 1])));
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Resolved { pieces, relies_on: None, defined_at: None, spliced: Default::default() }
}

const WEB_IDENTITY: &str = "sts:assumerolewithwebidentity";

/// How a program value shows a part it could not resolve (see `trustlint_syntax::eval::display`).
const UNRESOLVED: char = '…';

/// Does an `Action` / `NotAction` list grant `sts:AssumeRoleWithWebIdentity`? `None` when unknown.
fn grants_web_identity(statement: &Node, resolve: &dyn Resolve) -> Option<bool> {
    let (node, negated) = match (statement.get("Action"), statement.get("NotAction")) {
        (Some(action), _) => (action, false),
        (None, Some(not_action)) => (not_action, true),
        (None, None) => return Some(false),
    };
    let mut unknown = false;
    let mut matched = false;
    for item in resolve.items(node) {
        match resolve.scalar(item).known() {
            Some(action) => matched |= glob_matches(&action.to_ascii_lowercase(), WEB_IDENTITY),
            None => unknown = true,
        }
    }
    if matched {
        Some(!negated)
    } else if unknown {
        None
    } else {
        Some(negated)
    }
}

/// The `Federated` principals of a statement (value, span).
fn federated_principals<'a>(statement: &'a Node, resolve: &'a dyn Resolve) -> Vec<&'a Node> {
    let Some(principal) = statement.get("Principal") else { return Vec::new() };
    resolve
        .alternatives(principal)
        .into_iter()
        .filter_map(|p| p.get("Federated"))
        .flat_map(|federated| resolve.items(federated))
        .collect()
}

fn issuer_of(resolved: &Resolved) -> IssuerRef {
    if let Some(text) = resolved.known() {
        return IssuerRef::Known(Issuer::recognise(&text));
    }
    // `arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions...`: the account is unknown but
    // the issuer is in the literal tail.
    if let Some(Piece::Text(tail)) = resolved.pieces.last()
        && let Some(index) = tail.find(":oidc-provider/")
    {
        return IssuerRef::Known(Issuer::recognise(&tail[index + 1..].replacen("oidc-provider/", "", 1)));
    }
    let reasons: Vec<String> = resolved
        .pieces
        .iter()
        .filter_map(|p| if let Piece::Unknown(why) = p { Some(why.clone()) } else { None })
        .collect();
    IssuerRef::Unknown(reasons.join(", "))
}

/// Read one `Condition` block into claim conditions and dropped duplicates. `None` when the block
/// cannot be read statically.
fn read_conditions(
    condition: &Node,
    resolve: &dyn Resolve,
    from_deny: bool,
) -> Option<(Vec<ClaimCondition>, Vec<DroppedCondition>)> {
    let operators = condition.as_map()?;
    let mut conditions = Vec::new();
    let mut dropped = Vec::new();
    for (lost, kept) in duplicate_keys(operators) {
        dropped.push(DroppedCondition {
            key: lost.key.clone(),
            span: lost.key_span,
            kept_span: kept.key_span,
        });
    }
    for (index, operator_entry) in operators.iter().enumerate() {
        // A duplicated operator block is dropped as a whole: only the last one counts.
        if operators[index + 1..].iter().any(|later| later.key == operator_entry.key) {
            continue;
        }
        let operator = Operator::parse_iam(&operator_entry.key);
        let keys = operator_entry.value.as_map()?;
        for (lost, kept) in duplicate_keys(keys) {
            dropped.push(DroppedCondition {
                key: lost.key.clone(),
                span: lost.key_span,
                kept_span: kept.key_span,
            });
        }
        for (key_index, key_entry) in keys.iter().enumerate() {
            if keys[key_index + 1..].iter().any(|later| later.key == key_entry.key) {
                continue;
            }
            let (issuer_prefix, claim) = match key_entry.key.rsplit_once(':') {
                Some((prefix, claim)) => (Some(prefix.to_string()), claim.to_ascii_lowercase()),
                None => (None, key_entry.key.to_ascii_lowercase()),
            };
            // A key a program computes (`${provider.url}:sub`, a name imported from elsewhere)
            // shows its unresolved part as `…`. An unknown claim makes the block unreadable; an
            // unknown prefix is the provider's own URL, so the claim is still this trust's.
            if claim.contains(UNRESOLVED) {
                return None;
            }
            let issuer_prefix = issuer_prefix.filter(|prefix| !prefix.contains(UNRESOLVED));
            let values = resolve
                .items(&key_entry.value)
                .into_iter()
                .map(|value| resolve.scalar(value).into_condition_value(value.span))
                .collect();
            conditions.push(ClaimCondition {
                key: key_entry.key.clone(),
                issuer_prefix,
                claim,
                operator: operator.clone(),
                values,
                key_span: key_entry.key_span,
                operator_span: operator_entry.key_span,
                from_deny,
            });
        }
    }
    Some((conditions, dropped))
}

/// A `Deny` statement whose only condition is a negated string comparison is the same as an Allow
/// that requires the positive comparison: `Deny unless sub StringLike X`.
fn deny_as_requirement(statement: &Node, resolve: &dyn Resolve) -> Option<DenyRequirement> {
    let applies_to = deny_principals(statement, resolve)?;
    let condition = statement.get("Condition")?;
    let (mut conditions, _) = read_conditions(condition, resolve, true)?;
    if conditions.len() != 1 {
        return None;
    }
    let mut only = conditions.pop()?;
    if !only.operator.negated
        || only.operator.set == SetQualifier::ForAllValues
        || !only.operator.compares_strings()
    {
        return None;
    }
    only.operator = Operator { negated: false, if_exists: false, ..only.operator };
    Some(DenyRequirement { condition: only, applies_to })
}

/// A Deny turned into a requirement, and the callers it applies to.
struct DenyRequirement {
    condition: ClaimCondition,
    /// `None`: every caller (`Principal: "*"`); otherwise the Federated principals it names.
    applies_to: Option<Vec<String>>,
}

impl DenyRequirement {
    fn applies_to(&self, federated: &Resolved) -> bool {
        match (&self.applies_to, federated.known()) {
            (None, _) => true,
            (Some(principals), Some(text)) => principals.contains(&text),
            (Some(_), None) => false,
        }
    }
}

/// Whom a Deny statement applies to: `None` inside the `Some` for everyone (`"*"`,
/// `{"AWS": "*"}`), the Federated principals it names, or `None` when it cannot apply to web
/// identity callers at all (only AWS or Service principals, or a `NotPrincipal` trustlint does
/// not evaluate).
fn deny_principals(statement: &Node, resolve: &dyn Resolve) -> Option<Option<Vec<String>>> {
    if statement.get("NotPrincipal").is_some() {
        return None;
    }
    let principal = statement.get("Principal")?;
    if resolve.scalar(principal).known().as_deref() == Some("*") {
        return Some(None);
    }
    let everyone = |key: &str| {
        principal.get(key).is_some_and(|node| {
            resolve.items(node).iter().any(|n| resolve.scalar(n).known().as_deref() == Some("*"))
        })
    };
    if everyone("AWS") || everyone("Federated") {
        return Some(None);
    }
    let federated: Vec<String> = federated_principals(statement, resolve)
        .into_iter()
        .filter_map(|p| resolve.scalar(p).known())
        .collect();
    (!federated.is_empty()).then_some(Some(federated))
}

/// Trusts declared by a trust policy document (`AssumeRolePolicyDocument` or a standalone file).
pub fn trusts_of(
    file: &Arc<SourceFile>,
    document: &Node,
    identity: &Identity,
    resolve: &dyn Resolve,
) -> Vec<Trust> {
    let mut trusts = Vec::new();
    // The Federated principal of each trust, to match the Deny statements that name it.
    let mut principals: Vec<Resolved> = Vec::new();
    let mut requirements: Vec<DenyRequirement> = Vec::new();
    let Some(statements) = document.get("Statement") else { return trusts };
    for statement in resolve.items(statements) {
        let effect = statement.get("Effect").and_then(|e| resolve.scalar(e).known());
        let web_identity = grants_web_identity(statement, resolve);
        if web_identity == Some(false) {
            continue;
        }
        match effect.as_deref() {
            // A Deny whose actions are unknown may not cover web identity: not a requirement.
            Some("Deny") if web_identity == Some(true) => {
                requirements.extend(deny_as_requirement(statement, resolve))
            }
            Some("Allow") => {
                for principal in federated_principals(statement, resolve) {
                    let resolved = resolve.scalar(principal);
                    if resolved.known().is_some_and(|text| text.contains(":saml-provider/")) {
                        continue;
                    }
                    let conditions = statement.get("Condition");
                    let alternatives = conditions.map(|c| resolve.alternatives(c)).unwrap_or_default();
                    // One trust per alternative condition block (`!If` yields two).
                    let blocks: Vec<Option<&Node>> = if alternatives.is_empty() {
                        vec![None]
                    } else {
                        alternatives.into_iter().map(Some).collect()
                    };
                    for block in blocks {
                        let (conditions, dropped, mut conditions_unknown) = match block {
                            None => (Vec::new(), Vec::new(), None),
                            Some(node) if node.is_null() => (Vec::new(), Vec::new(), None),
                            Some(node) => match read_conditions(node, resolve, false) {
                                Some((conditions, dropped)) => (conditions, dropped, None),
                                None => (Vec::new(), Vec::new(), Some("the `Condition` block".to_string())),
                            },
                        };
                        // Whether the statement grants web identity at all is unknown (an
                        // unresolved `Action`): rules must not call the trust open.
                        if web_identity.is_none() {
                            conditions_unknown.get_or_insert_with(|| "the statement's `Action`".to_string());
                        }
                        principals.push(resolved.clone());
                        trusts.push(Trust {
                            file: Arc::clone(file),
                            identity: identity.clone(),
                            issuer: issuer_of(&resolved).or_infer(&conditions),
                            issuer_span: principal.span,
                            statement_span: statement.span,
                            condition_span: block.filter(|node| !node.is_null()).map(|node| node.span),
                            conditions,
                            dropped,
                            conditions_unknown,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    for (trust, principal) in trusts.iter_mut().zip(&principals) {
        let applying = requirements.iter().filter(|r| r.applies_to(principal));
        trust.conditions.extend(applying.map(|r| r.condition.clone()));
    }
    trusts
}

/// Allow statements of a permission policy as grants to `identity_key`.
pub fn grants_of(
    file: &Arc<SourceFile>,
    document: &Node,
    identity_key: &str,
    via: &str,
    resolve: &dyn Resolve,
) -> Vec<Grant> {
    let mut grants = Vec::new();
    let Some(statements) = document.get("Statement") else { return grants };
    for statement in resolve.items(statements) {
        if statement.get("Effect").and_then(|e| resolve.scalar(e).known()).as_deref() != Some("Allow") {
            continue;
        }
        let (action_node, not_action) = match (statement.get("Action"), statement.get("NotAction")) {
            (Some(action), _) => (action, false),
            (None, Some(not_action)) => (not_action, true),
            (None, None) => continue,
        };
        let known = |node: &Node| -> Vec<String> {
            resolve.items(node).into_iter().filter_map(|n| resolve.scalar(n).known()).collect()
        };
        let actions = known(action_node);
        let resources = statement.get("Resource").map(known).unwrap_or_default();
        let permission = Permission::Statement { actions, not_action, resources };
        // Point at the element that grants admin power, not the whole list.
        let span = admin_power(&permission)
            .and_then(|power| power.element)
            .and_then(|element| {
                resolve
                    .items(action_node)
                    .into_iter()
                    .find(|item| resolve.scalar(item).known().as_deref() == Some(element.as_str()))
                    .map(|item| item.span)
            })
            .unwrap_or(action_node.span);
        grants.push(Grant {
            file: Arc::clone(file),
            identity_key: identity_key.to_string(),
            permission,
            span,
            via: via.to_string(),
            relies_on: None,
            defined_at: None,
            spliced: Default::default(),
        });
    }
    grants
}

/// Does the tree look like an IAM policy document with a statement list?
pub fn is_policy_document(node: &Node) -> bool {
    node.get("Statement").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_model::{IssuerKind, MatchKind};
    use trustlint_syntax::parse_json;

    fn trusts(text: &str) -> Vec<Trust> {
        let file = SourceFile::new("t.json", text);
        let root = parse_json(text).root.unwrap();
        trusts_of(&file, &root, &Identity::standalone_aws_role(), &PlainResolver { template: false })
    }

    #[test]
    fn reads_a_github_trust() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
 "Action":"sts:AssumeRoleWithWebIdentity",
 "Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:acme/*", "repo:acme/infra:ref:refs/heads/main"]},
   "StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#;
        let trusts = trusts(text);
        assert_eq!(trusts.len(), 1);
        let trust = &trusts[0];
        assert_eq!(trust.issuer().unwrap().kind, IssuerKind::GitHub);
        assert_eq!(trust.conditions.len(), 2);
        let sub = trust.conditions_on("sub").next().unwrap();
        assert_eq!(sub.operator.kind, MatchKind::Glob);
        assert_eq!(sub.values.len(), 2);
        assert_eq!(&text[sub.values[0].span.start..sub.values[0].span.end], "\"repo:acme/*\"");
    }

    #[test]
    fn duplicate_keys_are_dropped_like_aws_does() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",
 "Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
 "Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/infra:environment:prod"},
              "StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#;
        let trust = &trusts(text)[0];
        assert_eq!(trust.conditions.len(), 1);
        assert_eq!(trust.conditions[0].claim, "aud");
        assert_eq!(trust.dropped.len(), 1);
    }

    #[test]
    fn non_web_identity_statements_are_ignored() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}},
 {"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{"Federated":"arn:aws:iam::1:saml-provider/x"}}]}"#;
        assert!(trusts(text).is_empty());
    }

    #[test]
    fn wildcard_action_and_deny_requirements() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"sts:*",
 "Principal":{"Federated":["arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"]}},
 {"Effect":"Deny","Action":"*","Principal":"*",
  "Condition":{"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:acme/infra:*"}}}]}"#;
        let trust = &trusts(text)[0];
        let sub = trust.conditions_on("sub").next().unwrap();
        assert!(sub.from_deny);
        assert!(sub.operator.compares_strings() && !sub.operator.passes_when_absent());
    }

    #[test]
    fn a_deny_counts_only_for_the_callers_it_names() {
        let policy = |deny_principal: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",
 "Principal":{{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}},
 "Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}}}},
 {{"Effect":"Deny","Action":"sts:AssumeRoleWithWebIdentity","Principal":{deny_principal},
  "Condition":{{"StringNotLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/infra:*"}}}}}}]}}"#
            )
        };
        let has_sub = |principal: &str| trusts(&policy(principal))[0].conditions_on("sub").next().is_some();
        assert!(has_sub(r#""*""#));
        assert!(has_sub(r#"{"AWS":"*"}"#));
        assert!(has_sub(
            r#"{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}"#
        ));
        assert!(!has_sub(r#"{"AWS":"arn:aws:iam::1:root"}"#));
        assert!(!has_sub(r#"{"Federated":"arn:aws:iam::1:oidc-provider/gitlab.com"}"#));
    }

    #[test]
    fn an_unknown_action_leaves_the_trust_unknown() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"${action}",
 "Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}}]}"#;
        let file = SourceFile::new("t.json.tpl", text);
        let root = parse_json(text).root.unwrap();
        let trusts =
            trusts_of(&file, &root, &Identity::standalone_aws_role(), &PlainResolver { template: true });
        assert_eq!(trusts.len(), 1);
        assert!(trusts[0].conditions_unknown.as_deref().is_some_and(|why| why.contains("Action")));
    }

    #[test]
    fn template_placeholders_are_unknown() {
        let resolved = split_placeholders("repo:${org}/infra:*", "template placeholder");
        assert_eq!(resolved.known(), None);
        assert_eq!(resolved.pieces.len(), 3);
        assert_eq!(split_placeholders("plain", "x").known().as_deref(), Some("plain"));
    }
}
