//! CloudFormation and SAM templates (YAML and JSON): role trust policies, the policies attached
//! to those roles, and the OIDC providers they name. Intrinsic functions (`!Ref`, `!Sub`, `!If`,
//! ...) are resolved statically where the template itself says what they yield ([`intrinsics`]);
//! everything else becomes an Unknown piece with the reason, so rules never judge a guess.
//!
//! `AWS::Partition` stays Unknown like every pseudo parameter: a template may be deployed to
//! `aws-cn` or `aws-us-gov`. Only when a `ManagedPolicyArns` item becomes a
//! [`Permission::ManagedPolicy`] is the partition written as `aws`, because AWS managed policies
//! have the same names in every partition and the ARN text is then only used to name the policy.

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::{Facts, Grant, Identity, IdentityKind, NameKind, Permission, Piece, Trust};
use trustlint_syntax::{Node, ScalarStyle, Step, parse_yaml};

use crate::Analysis;
use crate::aws_policy::{self, Resolve, Resolved};

mod intrinsics;

use intrinsics::call;

/// True when a parsed document is a CloudFormation/SAM template.
pub fn is_template(root: &Node) -> bool {
    root.get("AWSTemplateFormatVersion").is_some()
        || root.get("Resources").and_then(Node::as_map).is_some_and(|resources| {
            resources
                .iter()
                .any(|r| r.value.get("Type").and_then(Node::as_str).is_some_and(|t| t.starts_with("AWS::")))
        })
}

/// Cheap content sniff before parsing a YAML file as a template.
pub fn looks_like_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || text.contains("AWS::IAM::")
        || text.contains("AWS::Serverless")
}

/// Analyse a YAML file: the first document that is a template.
pub fn analyze_yaml(file: &Arc<SourceFile>) -> Analysis {
    let parsed = parse_yaml(file.text());
    if let Some(error) = parsed.errors.first() {
        return Analysis::problem(error.span, format!("invalid YAML: {}", error.message));
    }
    let mut analysis = match parsed.documents.iter().find(|document| is_template(document)) {
        Some(document) => analyze_template(file, document),
        None => Analysis::default(),
    };
    analysis.comments.extend(parsed.comments);
    analysis
}

const ROLE: &str = "AWS::IAM::Role";
const MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
const POLICY: &str = "AWS::IAM::Policy";
const ROLE_POLICY: &str = "AWS::IAM::RolePolicy";
const OIDC_PROVIDER: &str = "AWS::IAM::OIDCProvider";

/// The reason given for `${AWS::Partition}`; recognised again when an ARN names a managed policy.
const PARTITION: &str = "the partition (`AWS::Partition`)";

/// Trusts and grants declared by a template.
pub fn analyze_template(file: &Arc<SourceFile>, root: &Node) -> Analysis {
    let template = Template::new(root);
    let mut facts = Facts::default();
    let resources = template.resources();
    // A managed policy attaches to a role from either side; each pair yields grants once.
    let mut attached: Vec<(&str, String)> = Vec::new();

    for &(id, resource) in &resources {
        if resource_type(resource) != Some(ROLE) {
            continue;
        }
        let Some(properties) = resource.get("Properties") else { continue };
        let mut identity = Identity::new(IdentityKind::AwsRole, id, format!("role `{id}`"));
        // Without a `RoleName`, CloudFormation generates one from the stack name and the
        // logical id, which a login can name by that grammar.
        match properties.get("RoleName") {
            Some(node) => {
                if node.tag.is_none()
                    && let Some(name) = node.as_text()
                {
                    identity = identity.with_name(NameKind::AwsRoleName, name, node.span);
                }
            }
            None => {
                let span = template.logical_id_span(id).unwrap_or(resource.span);
                identity = identity.with_name(NameKind::CloudFormationAutoName, id, span);
            }
        }
        if let Some(document) = properties.get("AssumeRolePolicyDocument") {
            for document in template.alternatives(document) {
                let trusts = aws_policy::trusts_of(file, document, &identity, &template);
                facts.trusts.extend(trusts.into_iter().map(intrinsic_keys_are_unknown));
            }
        }
        if let Some(arns) = properties.get("ManagedPolicyArns") {
            for item in template.items(arns) {
                if let Some(policy) = template.managed_policy_named_by(item) {
                    attached.push((policy, id.to_string()));
                } else {
                    let resolved = template.scalar(item);
                    if let Some(arn) = managed_policy_arn(&resolved) {
                        facts.grants.push(Grant {
                            file: Arc::clone(file),
                            identity_key: id.to_string(),
                            permission: Permission::ManagedPolicy { arn },
                            span: item.span,
                            via: "ManagedPolicyArns".into(),
                            relies_on: resolved.relies_on,
                            defined_at: resolved.defined_at,
                            spliced: resolved.spliced,
                        });
                    }
                }
            }
        }
        if let Some(policies) = properties.get("Policies") {
            for policy in template.items(policies) {
                let name = policy
                    .get("PolicyName")
                    .map_or_else(|| "…".to_string(), |n| display(&template.scalar(n)));
                let via = format!("inline policy `{name}`");
                facts.grants.extend(template.grants(file, policy.get("PolicyDocument"), id, &via));
            }
        }
    }

    for &(id, resource) in &resources {
        let Some(properties) = resource.get("Properties") else { continue };
        let (roles, via) = match resource_type(resource) {
            Some(MANAGED_POLICY) => {
                let mut roles = template.roles_named_by(properties.get("Roles"));
                roles.extend(
                    attached.iter().filter(|(policy, _)| *policy == id).map(|(_, role)| role.clone()),
                );
                (roles, format!("managed policy `{id}`"))
            }
            Some(POLICY) => (template.roles_named_by(properties.get("Roles")), format!("policy `{id}`")),
            Some(ROLE_POLICY) => {
                (template.roles_named_by(properties.get("RoleName")), format!("role policy `{id}`"))
            }
            _ => continue,
        };
        let mut seen = HashSet::new();
        for role in roles.into_iter().filter(|role| seen.insert(role.clone())) {
            facts.grants.extend(template.grants(file, properties.get("PolicyDocument"), &role, &via));
        }
    }
    Analysis { facts, ..Analysis::default() }
}

fn resource_type(resource: &Node) -> Option<&str> {
    resource.get("Type").and_then(Node::as_str)
}

/// A long-form intrinsic used as a condition key (`{"StringLike": {"Fn::If": [...]}}`) is not a
/// claim: the conditions cannot be read, so rules must not call a restriction missing.
fn intrinsic_keys_are_unknown(mut trust: Trust) -> Trust {
    let before = trust.conditions.len();
    trust.conditions.retain(|condition| !is_intrinsic_key(&condition.key));
    if trust.conditions.len() != before && trust.conditions_unknown.is_none() {
        trust.conditions_unknown = Some("an intrinsic function inside the `Condition` block".into());
    }
    trust
}

fn is_intrinsic_key(key: &str) -> bool {
    key == "Ref" || key.starts_with("Fn::")
}

/// The ARN text of a `ManagedPolicyArns` item; `None` when nothing of it is known. The partition
/// is written as `aws` (see the module comment); other holes are shown as `…`.
fn managed_policy_arn(resolved: &Resolved) -> Option<String> {
    if !resolved.pieces.iter().any(|piece| matches!(piece, Piece::Text(text) if !text.is_empty())) {
        return None;
    }
    let arn = resolved
        .pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.as_str(),
            Piece::Unknown(why) if why == PARTITION => "aws",
            Piece::Unknown(_) => "…",
        })
        .collect();
    Some(arn)
}

/// A value with holes shown as `…`, for labels.
fn display(resolved: &Resolved) -> String {
    resolved
        .pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.as_str(),
            Piece::Unknown(_) => "…",
        })
        .collect()
}

/// The CloudFormation resolver: reads parameters, mappings and resources of one template.
struct Template<'t> {
    root: &'t Node,
    /// List-valued intrinsics (`!Ref` to a `CommaDelimitedList` parameter, `!Split`) expanded
    /// ahead of time into synthetic nodes, keyed by the intrinsic's span: `items()` must return
    /// references, so the nodes have to live as long as the resolver.
    lists: Vec<(Span, Vec<(Node, Resolved)>)>,
    /// Stands for a property removed by `AWS::NoValue` (a null, which readers treat as absent).
    absent: Node,
    depth: Cell<usize>,
}

impl<'t> Template<'t> {
    fn new(root: &'t Node) -> Self {
        let mut template = Template {
            root,
            lists: Vec::new(),
            absent: Node::scalar("", ScalarStyle::Plain, Span::default()),
            depth: Cell::new(0),
        };
        let mut lists = Vec::new();
        template.collect_lists(root, &mut lists);
        template.lists = lists;
        template
    }

    /// Resources by logical id; of duplicated ids only the last counts, like a JSON parser.
    fn resources(&self) -> Vec<(&'t str, &'t Node)> {
        let Some(entries) = self.root.get("Resources").and_then(Node::as_map) else { return Vec::new() };
        entries
            .iter()
            .enumerate()
            .filter(|(i, entry)| !entries[i + 1..].iter().any(|later| later.key == entry.key))
            .map(|(_, entry)| (entry.key.as_str(), &entry.value))
            .collect()
    }

    /// Where a resource's logical id is written.
    fn logical_id_span(&self, id: &str) -> Option<Span> {
        let entries = self.root.get("Resources")?.as_map()?;
        entries.iter().rev().find(|entry| entry.key == id).map(|entry| entry.key_span)
    }

    fn resource(&self, id: &str) -> Option<&'t Node> {
        self.root.get("Resources")?.get(id)
    }

    fn parameter(&self, name: &str) -> Option<&'t Node> {
        self.root.get("Parameters")?.get(name)
    }

    fn is_absent(&self, node: &Node) -> bool {
        std::ptr::eq(node, &self.absent)
    }

    /// The grants of a policy document (each alternative of it) to `role`.
    fn grants(&self, file: &Arc<SourceFile>, document: Option<&Node>, role: &str, via: &str) -> Vec<Grant> {
        let Some(document) = document else { return Vec::new() };
        self.alternatives(document)
            .into_iter()
            .flat_map(|document| aws_policy::grants_of(file, document, role, via, self))
            .collect()
    }

    /// The logical id of an `AWS::IAM::ManagedPolicy` in this template that a `ManagedPolicyArns`
    /// item names (`!Ref Policy`; a managed policy's `Ref` is its ARN).
    fn managed_policy_named_by(&self, item: &Node) -> Option<&'t str> {
        let c = call(item).filter(|c| c.name == "Ref")?;
        let name = c.arg.as_str()?;
        let (id, resource) = self.resources().into_iter().find(|(id, _)| *id == name)?;
        (resource_type(resource) == Some(MANAGED_POLICY)).then_some(id)
    }

    /// Roles of this template named by a `Roles` list or a `RoleName`: `!Ref Role`, or the
    /// literal `RoleName` of a role. Roles defined elsewhere are not in view and are skipped.
    fn roles_named_by(&self, node: Option<&Node>) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        let roles: Vec<(&str, &Node)> =
            self.resources().into_iter().filter(|(_, r)| resource_type(r) == Some(ROLE)).collect();
        let mut out = Vec::new();
        for item in self.items(node) {
            if let Some(c) = call(item).filter(|c| c.name == "Ref")
                && let Some(name) = c.arg.as_str()
                && roles.iter().any(|(id, _)| *id == name)
            {
                out.push(name.to_string());
                continue;
            }
            let Some(text) = self.scalar(item).known() else { continue };
            for (id, role) in &roles {
                let role_name = role.at(&[Step::Key("Properties"), Step::Key("RoleName")]);
                if role_name.and_then(|n| self.scalar(n).known()).is_some_and(|name| name == text) {
                    out.push(id.to_string());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_core::Severity;
    use trustlint_model::admin::admin_power;
    use trustlint_model::{IssuerKind, IssuerRef, MatchKind};

    use crate::aws_json;

    fn json(text: &str) -> Analysis {
        let file = SourceFile::new("template.json", text);
        let analysis = aws_json::analyze(&file, false);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        analysis
    }

    fn yaml(text: &str) -> Analysis {
        let file = SourceFile::new("template.yaml", text);
        let analysis = analyze_yaml(&file);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        analysis
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    /// (role, how it is granted, the granting text) for each grant.
    fn grant_sites<'a>(analysis: &'a Analysis, text: &'a str) -> Vec<(&'a str, &'a str, &'a str)> {
        analysis
            .facts
            .grants
            .iter()
            .map(|g| (g.identity_key.as_str(), g.via.as_str(), slice(text, g.span)))
            .collect()
    }

    pub(super) const BAD_JSON: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "GithubOidc": {"Type": "AWS::IAM::OIDCProvider",
      "Properties": {"Url": "https://token.actions.githubusercontent.com", "ClientIdList": ["sts.amazonaws.com"]}},
    "Role": {"Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
          "Principal": {"Federated": {"Ref": "GithubOidc"}},
          "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*:ref:refs/heads/*"}}}]},
        "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}]}}
  }
}"#;

    const BAD_YAML: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  GithubOidc:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: !Ref GithubOidc },
              Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*:ref:refs/heads/*" } } }
      ManagedPolicyArns: [ !Sub "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess" ]
"#;

    /// The oidc-reference 2.5 bad example, whichever syntax it was written in.
    fn check_bad_example(text: &str, analysis: &Analysis, principal: &str, policy: &str) {
        assert_eq!(analysis.facts.trusts.len(), 1);
        let trust = &analysis.facts.trusts[0];
        assert_eq!(trust.identity.key, "Role");
        assert_eq!(trust.identity.label, "role `Role`");
        assert_eq!(trust.issuer().map(|i| &i.kind), Some(&IssuerKind::GitHub));
        assert!(slice(text, trust.issuer_span).ends_with(principal), "{}", slice(text, trust.issuer_span));
        assert!(trust.conditions_unknown.is_none());
        let sub = trust.conditions_on("sub").next().unwrap();
        assert_eq!(sub.operator.kind, MatchKind::Glob);
        assert_eq!(sub.values[0].text().as_deref(), Some("repo:acme/*:ref:refs/heads/*"));
        assert_eq!(slice(text, sub.values[0].span), "\"repo:acme/*:ref:refs/heads/*\"");

        assert_eq!(analysis.facts.grants.len(), 1);
        let grant = &analysis.facts.grants[0];
        assert_eq!(grant.identity_key, "Role");
        assert_eq!(grant.via, "ManagedPolicyArns");
        assert!(slice(text, grant.span).ends_with(policy), "{}", slice(text, grant.span));
        let Permission::ManagedPolicy { arn } = &grant.permission else { panic!("{:?}", grant.permission) };
        assert_eq!(arn, "arn:aws:iam::aws:policy/AdministratorAccess");
        assert_eq!(admin_power(&grant.permission).unwrap().severity, Severity::Critical);
        assert_eq!(analysis.facts.grants_of(trust).count(), 1);
    }

    #[test]
    fn reference_bad_example_json() {
        let analysis = json(BAD_JSON);
        check_bad_example(
            BAD_JSON,
            &analysis,
            r#"{"Ref": "GithubOidc"}"#,
            r#"{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}"#,
        );
    }

    #[test]
    fn reference_bad_example_yaml() {
        let analysis = yaml(BAD_YAML);
        check_bad_example(
            BAD_YAML,
            &analysis,
            "GithubOidc",
            r#""arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess""#,
        );
    }

    const TRUST_HEAD: &str = r#"{"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {
  "GitHubOrg": {"Type": "String", "Default": "acme"},
  "Subjects": {"Type": "CommaDelimitedList", "Default": "repo:acme/infra:ref:refs/heads/main, repo:acme/infra:environment:prod"}},
 "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "AWS::AccountId"}, "1"]}},
 "Resources": {"DeployRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
  "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
  "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
  "Condition": "#;

    fn trust_with_condition(condition: &str) -> (String, Analysis) {
        let text = format!("{TRUST_HEAD}{condition}}}]}}}}}}}}}}");
        let analysis = json(&text);
        (text, analysis)
    }

    #[test]
    fn if_in_a_value_list_gives_both_alternatives() {
        let (text, analysis) = trust_with_condition(
            r#"{"StringLike": {"token.actions.githubusercontent.com:sub":
  [{"Fn::If": ["IsProd", "repo:acme/infra:environment:prod", "repo:acme/*"]}, {"Ref": "AWS::NoValue"}]}}"#,
        );
        let trust = &analysis.facts.trusts[0];
        let values = &trust.conditions_on("sub").next().unwrap().values;
        let texts: Vec<_> = values.iter().map(|v| v.text().unwrap()).collect();
        assert_eq!(texts, ["repo:acme/infra:environment:prod", "repo:acme/*"]);
        assert_eq!(slice(&text, values[1].span), "\"repo:acme/*\"");
    }

    #[test]
    fn if_around_the_condition_block_gives_one_trust_per_branch() {
        let (_, analysis) = trust_with_condition(
            r#"{"Fn::If": ["IsProd", {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/infra:environment:prod"}},
  {"Ref": "AWS::NoValue"}]}"#,
        );
        let trusts = &analysis.facts.trusts;
        assert_eq!(trusts.len(), 2);
        assert_eq!(trusts[0].conditions.len(), 1);
        assert!(trusts[1].conditions.is_empty());
        assert!(trusts.iter().all(|t| t.conditions_unknown.is_none()));
    }

    #[test]
    fn sub_with_defaults_in_a_condition_relies_on_them() {
        let (text, analysis) = trust_with_condition(
            r#"{"StringLike": {"token.actions.githubusercontent.com:sub": {"Fn::Sub": "repo:${GitHubOrg}/${!x}:*"}}}"#,
        );
        let value = &analysis.facts.trusts[0].conditions[0].values[0];
        assert_eq!(value.text().as_deref(), Some("repo:acme/${x}:*"));
        assert_eq!(value.relies_on.as_deref(), Some("the default of parameter `GitHubOrg`"));
        assert_eq!(slice(&text, value.span), r#"{"Fn::Sub": "repo:${GitHubOrg}/${!x}:*"}"#);
    }

    #[test]
    fn comma_delimited_list_parameter_expands_to_items() {
        let (text, analysis) = trust_with_condition(
            r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": {"Ref": "Subjects"}}}"#,
        );
        let values = &analysis.facts.trusts[0].conditions[0].values;
        let texts: Vec<_> = values.iter().map(|v| v.text().unwrap()).collect();
        assert_eq!(texts, ["repo:acme/infra:ref:refs/heads/main", "repo:acme/infra:environment:prod"]);
        assert!(values.iter().all(|v| v.relies_on.as_deref() == Some("the default of parameter `Subjects`")));
        assert_eq!(slice(&text, values[0].span), r#"{"Ref": "Subjects"}"#);
    }

    #[test]
    fn unreadable_condition_blocks_are_unknown_not_missing() {
        for condition in [
            r#"{"Ref": "GitHubOrg"}"#,
            r#"{"StringLike": {"Fn::If": ["IsProd", {"a:sub": "x"}, {"a:sub": "y"}]}}"#,
            r#"{"StringLike": {"Ref": "Subjects"}}"#,
        ] {
            let (_, analysis) = trust_with_condition(condition);
            let trust = &analysis.facts.trusts[0];
            assert!(trust.conditions_unknown.is_some(), "{condition}");
            assert!(trust.conditions.iter().all(|c| !is_intrinsic_key(&c.key)), "{condition}");
        }
    }

    #[test]
    fn imported_provider_is_an_unknown_issuer() {
        let text = r#"{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
  "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": {"Fn::ImportValue": "github-oidc-arn"}}}]}}}}}"#;
        let analysis = json(text);
        let trust = &analysis.facts.trusts[0];
        let IssuerRef::Unknown(why) = &trust.issuer else { panic!("{:?}", trust.issuer) };
        assert_eq!(why, "the value imported from `github-oidc-arn`");
        assert_eq!(slice(text, trust.issuer_span), r#"{"Fn::ImportValue": "github-oidc-arn"}"#);
    }

    #[test]
    fn get_att_of_a_provider_and_provider_urls_from_parameters() {
        let text = r#"{"Parameters": {"Host": {"Type": "String", "Default": "https://gitlab.com"}, "Other": {"Type": "String"}},
 "Resources": {
  "Gl": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Ref": "Host"}}},
  "Unknown": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Ref": "Other"}}},
  "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
  "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
  "Principal": {"Federated": [{"Fn::GetAtt": ["Gl", "Arn"]}, {"Fn::GetAtt": "Unknown.Arn"}]}}]}}}}}"#;
        let analysis = json(text);
        let trusts = &analysis.facts.trusts;
        assert_eq!(trusts.len(), 2);
        assert!(matches!(trusts[0].issuer(), Some(issuer) if issuer.host_path == "gitlab.com"));
        let IssuerRef::Unknown(why) = &trusts[1].issuer else { panic!("{:?}", trusts[1].issuer) };
        assert!(why.contains("parameter `Other` (no default)"), "{why}");
    }

    #[test]
    fn policies_attached_to_roles_become_grants() {
        let text = r#"{"Resources": {
  "DeployRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "deploy",
    "AssumeRolePolicyDocument": {"Statement": []},
    "ManagedPolicyArns": [{"Ref": "Custom"}, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
    "Policies": [{"PolicyName": "s3", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}},
  "All": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "all", "Roles": [{"Ref": "DeployRole"}],
    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}},
  "Custom": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": ["deploy"],
    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}},
  "ByName": {"Type": "AWS::IAM::RolePolicy", "Properties": {"RoleName": "deploy", "PolicyName": "x",
    "PolicyDocument": {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}}},
  "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["AdministratorAccess"]}}}}"#;
        let analysis = json(text);
        assert!(analysis.facts.trusts.is_empty());
        let grants = grant_sites(&analysis, text);
        assert_eq!(
            grants,
            [
                ("DeployRole", "ManagedPolicyArns", "\"arn:aws:iam::aws:policy/ReadOnlyAccess\""),
                ("DeployRole", "inline policy `s3`", "\"s3:*\""),
                ("DeployRole", "policy `All`", "\"*\""),
                // Named both by the role and by its own `Roles`: one grant.
                ("DeployRole", "managed policy `Custom`", "\"iam:PassRole\""),
            ]
        );
        let all = &analysis.facts.grants[2];
        assert_eq!(admin_power(&all.permission).unwrap().severity, Severity::Critical);
    }

    #[test]
    fn if_in_managed_policy_arns_lists_both_and_drops_no_value() {
        let text = r#"{"Parameters": {"Arn": {"Type": "String"}}, "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
  "ManagedPolicyArns": [{"Fn::If": ["C", "arn:aws:iam::aws:policy/PowerUserAccess", {"Ref": "AWS::NoValue"}]},
    {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/IAMFullAccess"]]}, {"Ref": "Arn"}]}}}}"#;
        let analysis = json(text);
        let arns: Vec<&str> = analysis
            .facts
            .grants
            .iter()
            .map(|g| match &g.permission {
                Permission::ManagedPolicy { arn } => arn.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            arns,
            ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/IAMFullAccess"]
        );
    }

    #[test]
    fn condition_block_from_mappings_is_read_in_place() {
        let text = r#"{"Mappings": {"Trust": {"Conditions": {"Prod": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/infra:environment:prod"}}}}},
 "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
  "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
  "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
  "Condition": {"Fn::FindInMap": ["Trust", "Conditions", "Prod"]}}]}}}}}"#;
        let analysis = json(text);
        let trust = &analysis.facts.trusts[0];
        assert!(trust.conditions_unknown.is_none());
        let sub = trust.conditions_on("sub").next().unwrap();
        assert_eq!(slice(text, sub.values[0].span), "\"repo:acme/infra:environment:prod\"");
    }

    #[test]
    fn sniffs_templates() {
        assert!(looks_like_template("AWSTemplateFormatVersion: '2010-09-09'"));
        assert!(looks_like_template("Transform: AWS::Serverless-2016-10-31"));
        assert!(looks_like_template("Type: AWS::IAM::Role"));
        assert!(!looks_like_template("jobs:\n  build:\n"));
    }

    // YAML: short-form tags.

    const YAML_TRUST: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  GitHubOrg: { Type: String, Default: acme }
  RepositoryName: { Type: String, Default: infra }
  Branch: { Type: String }
Conditions:
  IsProd: !Equals [!Ref "AWS::AccountId", "123456789012"]
Resources:
  GithubOidc:
    Type: AWS::IAM::OIDCProvider
    Properties: { Url: https://token.actions.githubusercontent.com, ClientIdList: [sts.amazonaws.com] }
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: !GetAtt GithubOidc.Arn
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: !Join ["", ["sts.", "amazonaws.com"]]
              StringLike:
                token.actions.githubusercontent.com:sub:
                  - !Sub "repo:${GitHubOrg}/${RepositoryName}:*"
                  - !Sub "repo:acme/infra:ref:refs/heads/${Branch}"
                  - !If [IsProd, "repo:acme/infra:environment:prod", !Ref "AWS::NoValue"]
  Everything:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: everything
      Roles: [!Ref DeployRole]
      PolicyDocument:
        Statement:
          - { Effect: Allow, Action: "*", Resource: "*" }
"#;

    #[test]
    fn yaml_short_forms() {
        let analysis = yaml(YAML_TRUST);
        assert_eq!(analysis.facts.trusts.len(), 1);
        let trust = &analysis.facts.trusts[0];
        assert_eq!(trust.issuer().map(|i| &i.kind), Some(&IssuerKind::GitHub));
        let aud = trust.conditions_on("aud").next().unwrap();
        assert_eq!(aud.values[0].text().as_deref(), Some("sts.amazonaws.com"));
        let sub = trust.conditions_on("sub").next().unwrap();
        assert_eq!(sub.values.len(), 3);
        assert_eq!(sub.values[0].text().as_deref(), Some("repo:acme/infra:*"));
        assert_eq!(
            sub.values[0].relies_on.as_deref(),
            Some("the default of parameter `GitHubOrg` and the default of parameter `RepositoryName`")
        );
        assert!(
            slice(YAML_TRUST, sub.values[0].span).ends_with(r#""repo:${GitHubOrg}/${RepositoryName}:*""#)
        );
        assert_eq!(sub.values[1].text(), None);
        assert_eq!(sub.values[1].unknown_reasons(), ["parameter `Branch` (no default)"]);
        assert_eq!(sub.values[2].text().as_deref(), Some("repo:acme/infra:environment:prod"));
        assert_eq!(slice(YAML_TRUST, sub.values[2].span), "\"repo:acme/infra:environment:prod\"");

        let grant = &analysis.facts.grants[0];
        assert_eq!(grant.identity_key, "DeployRole");
        assert_eq!(grant.via, "policy `Everything`");
        assert_eq!(slice(YAML_TRUST, grant.span), "\"*\"");
        assert_eq!(admin_power(&grant.permission).unwrap().severity, Severity::Critical);
    }

    #[test]
    fn yaml_if_and_import_value() {
        let text = r#"Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: { Federated: !ImportValue github-oidc-arn }
            Condition: !If
              - IsProd
              - StringEquals: { "token.actions.githubusercontent.com:sub": "repo:acme/infra:environment:prod" }
              - StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" }
"#;
        let analysis = yaml(text);
        let trusts = &analysis.facts.trusts;
        assert_eq!(trusts.len(), 2);
        assert!(matches!(&trusts[0].issuer, IssuerRef::Inferred { from, .. }
            if from == "the condition key `token.actions.githubusercontent.com:sub` (the value imported from `github-oidc-arn` could not be resolved)"));
        let subs: Vec<_> = trusts.iter().map(|t| t.conditions[0].values[0].text().unwrap()).collect();
        assert_eq!(subs, ["repo:acme/infra:environment:prod", "repo:acme/*"]);
    }

    #[test]
    fn yaml_condition_as_intrinsic_is_unknown() {
        let text = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }
            Condition: !FindInMap [Trust, Conditions, Prod]
"#;
        let analysis = yaml(text);
        let trust = &analysis.facts.trusts[0];
        assert!(trust.conditions_unknown.is_some());
        assert!(trust.conditions.is_empty());
    }

    #[test]
    fn invalid_yaml_is_a_problem() {
        let file = SourceFile::new("t.yaml", "Resources:\n  Role: [unclosed\n");
        let analysis = analyze_yaml(&file);
        assert_eq!(analysis.problems.len(), 1, "{:?}", analysis.problems);
        assert!(analysis.problems[0].message.starts_with("invalid YAML: "));
    }

    #[test]
    fn yaml_lists_and_attached_policies() {
        let text = r#"Parameters:
  Subjects:
    Type: CommaDelimitedList
    Default: "repo:acme/infra:ref:refs/heads/main,repo:acme/infra:environment:prod"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: [sts:AssumeRoleWithWebIdentity, sts:TagSession]
            Principal:
              Federated: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com"
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:sub: !Ref Subjects
                token.actions.githubusercontent.com:repository: !Sub
                  - "${Org}/${Repo}"
                  - Org: !Select [0, !Split ["/", "acme/infra"]]
                    Repo: !Select [1, !Split ["/", "acme/infra"]]
      ManagedPolicyArns:
        - !Ref Deploy
  Deploy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: iam:PassRole
            Resource: "*"
  Inline:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref Role
      PolicyName: inline
      PolicyDocument:
        Statement: [{ Effect: Allow, Action: "s3:*", Resource: "*" }]
"#;
        let analysis = yaml(text);
        let trust = &analysis.facts.trusts[0];
        assert_eq!(trust.issuer().map(|i| &i.kind), Some(&IssuerKind::GitHub));
        let subs: Vec<_> =
            trust.conditions_on("sub").next().unwrap().values.iter().map(|v| v.text().unwrap()).collect();
        assert_eq!(subs, ["repo:acme/infra:ref:refs/heads/main", "repo:acme/infra:environment:prod"]);
        let repository = &trust.conditions_on("repository").next().unwrap().values[0];
        assert_eq!(repository.text().as_deref(), Some("acme/infra"));
        assert_eq!(repository.relies_on, None);
        let grants = grant_sites(&analysis, text);
        assert_eq!(
            grants,
            [
                ("Role", "managed policy `Deploy`", "iam:PassRole"),
                ("Role", "role policy `Inline`", "\"s3:*\"")
            ]
        );
    }
}
