//! CloudFormation and SAM templates (YAML and JSON): role trust policies, the policies attached
//! to those roles, and the OIDC providers they name. Intrinsic functions (`!Ref`, `!Sub`, `!If`,
//! ...) are resolved statically where the template itself says what they yield; everything else
//! becomes an Unknown piece with the reason, so rules never judge a guess.
//!
//! `AWS::Partition` stays Unknown like every pseudo parameter: a template may be deployed to
//! `aws-cn` or `aws-us-gov`. Only when a `ManagedPolicyArns` item becomes a
//! [`Permission::ManagedPolicy`] is the partition written as `aws`, because AWS managed policies
//! have the same names in every partition and the ARN text is then only used to name the policy.

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::condition::is_fill_in_placeholder;
use trustlint_model::{Facts, Grant, Identity, IdentityKind, NameKind, Permission, Piece, Trust};
use trustlint_syntax::{Node, NodeKind, ScalarStyle, Step, parse_yaml};

use crate::Analysis;
use crate::aws_policy::{self, Resolve, Resolved};

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
        // Without a literal `RoleName`, CloudFormation generates one: only a link config names it.
        if let Some(node) = properties.get("RoleName")
            && node.tag.is_none()
            && let Some(name) = node.as_text()
        {
            identity = identity.with_name(NameKind::AwsRoleName, name, node.span);
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
                } else if let Some(arn) = managed_policy_arn(&template.scalar(item)) {
                    facts.grants.push(Grant {
                        file: Arc::clone(file),
                        identity_key: id.to_string(),
                        permission: Permission::ManagedPolicy { arn },
                        span: item.span,
                        via: "ManagedPolicyArns".into(),
                    });
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

/// An intrinsic function call, short (`!Sub x`) or long (`{"Fn::Sub": x}`) form.
struct Call<'n> {
    /// Without `Fn::` or `!`: `Ref`, `Sub`, `If`.
    name: &'n str,
    /// The argument. In the short form this is the tagged node itself, so it must be read as
    /// plain data (resolving it again would loop).
    arg: &'n Node,
    short: bool,
}

fn call(node: &Node) -> Option<Call<'_>> {
    if let Some(tag) = node.tag_name() {
        // `!!str` and friends are YAML core tags, not functions.
        let name = tag.strip_prefix('!').filter(|name| !name.starts_with('!'))?;
        return Some(Call { name: name.strip_prefix("Fn::").unwrap_or(name), arg: node, short: true });
    }
    let [entry] = node.as_map()? else { return None };
    let name = if entry.key == "Ref" { "Ref" } else { entry.key.strip_prefix("Fn::")? };
    Some(Call { name, arg: &entry.value, short: false })
}

fn is_no_value(node: &Node) -> bool {
    call(node).is_some_and(|c| c.name == "Ref" && c.arg.as_str() == Some("AWS::NoValue"))
}

/// Concatenates resolved parts, merging adjacent text so that a literal tail such as
/// `:oidc-provider/host` stays one piece (what `aws_policy` looks for).
#[derive(Default)]
struct Builder {
    pieces: Vec<Piece>,
    relies_on: Vec<String>,
    defined_at: Option<Span>,
}

impl Builder {
    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.pieces.last_mut() {
            Some(Piece::Text(last)) => last.push_str(text),
            _ => self.pieces.push(Piece::Text(text.to_string())),
        }
    }

    fn push(&mut self, resolved: Resolved) {
        for piece in resolved.pieces {
            match piece {
                Piece::Text(text) => self.text(&text),
                unknown => self.pieces.push(unknown),
            }
        }
        self.relies(resolved.relies_on);
        self.defined_at = self.defined_at.or(resolved.defined_at);
    }

    /// Notes are joined with " and " in `finish`; split them again so a parameter used twice is
    /// named once.
    fn relies(&mut self, relies_on: Option<String>) {
        for note in
            relies_on.into_iter().flat_map(|n| n.split(" and ").map(str::to_string).collect::<Vec<_>>())
        {
            if !self.relies_on.contains(&note) {
                self.relies_on.push(note);
            }
        }
    }

    fn finish(self) -> Resolved {
        let pieces = if self.pieces.is_empty() { vec![Piece::Text(String::new())] } else { self.pieces };
        let relies_on = if self.relies_on.is_empty() { None } else { Some(self.relies_on.join(" and ")) };
        Resolved { pieces, relies_on, defined_at: self.defined_at }
    }
}

/// Deeper than this, a chain of references is a cycle (a provider whose `Url` names itself).
const MAX_DEPTH: usize = 32;

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

    fn collect_lists(&self, node: &Node, out: &mut Vec<(Span, Vec<(Node, Resolved)>)>) {
        if call(node).is_some_and(|c| matches!(c.name, "Ref" | "Split" | "FindInMap"))
            && let Some(values) = self.list_values(node)
        {
            let items =
                values.into_iter().map(|v| (Node::scalar(display(&v), ScalarStyle::Quoted, node.span), v));
            out.push((node.span, items.collect()));
        }
        match &node.kind {
            NodeKind::Scalar(_) | NodeKind::Computed(_) => {}
            NodeKind::Seq(items) => items.iter().for_each(|item| self.collect_lists(item, out)),
            NodeKind::Map(entries) => entries.iter().for_each(|entry| self.collect_lists(&entry.value, out)),
        }
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

    fn resource(&self, id: &str) -> Option<&'t Node> {
        self.root.get("Resources")?.get(id)
    }

    fn parameter(&self, name: &str) -> Option<&'t Node> {
        self.root.get("Parameters")?.get(name)
    }

    fn is_absent(&self, node: &Node) -> bool {
        std::ptr::eq(node, &self.absent)
    }

    /// The synthetic items of a list-valued intrinsic, when it was expanded.
    fn list_of(&self, node: &Node) -> Option<&[(Node, Resolved)]> {
        call(node)?;
        self.lists.iter().find(|(span, _)| *span == node.span).map(|(_, items)| items.as_slice())
    }

    /// The resolved value of a synthetic item.
    fn synthetic(&self, node: &Node) -> Option<&Resolved> {
        self.lists
            .iter()
            .flat_map(|(_, items)| items)
            .find(|(item, _)| std::ptr::eq(item, node))
            .map(|(_, v)| v)
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

    /// `Ref` of a parameter, pseudo parameter or resource.
    fn reference(&self, name: &str) -> Resolved {
        if let Some(pseudo) = name.strip_prefix("AWS::") {
            return Resolved::unknown(match pseudo {
                "Partition" => PARTITION.to_string(),
                "AccountId" => "the account id (`AWS::AccountId`)".to_string(),
                "Region" => "the region (`AWS::Region`)".to_string(),
                _ => format!("the pseudo parameter `{name}`"),
            });
        }
        if let Some(parameter) = self.parameter(name) {
            let kind = parameter.get("Type").and_then(Node::as_str).unwrap_or("");
            if kind.starts_with("AWS::SSM::Parameter::Value") {
                // The default names an SSM parameter; its value is read at deploy time.
                return Resolved::unknown(format!("parameter `{name}` (read from SSM)"));
            }
            let default_node = parameter.get("Default");
            return match default_node.and_then(Node::as_str) {
                Some(default) if is_fill_in_placeholder(default) => Resolved::unknown(format!(
                    "parameter `{name}` (its default `{default}` is a fill-in placeholder)"
                )),
                // An empty default means "not set": templates test it in `Conditions` and use the
                // parameter only in the branch where it is set.
                Some("") => Resolved::unknown(format!("parameter `{name}` (empty default)")),
                Some(default) => Resolved {
                    pieces: vec![Piece::Text(default.to_string())],
                    relies_on: Some(format!("the default of parameter `{name}`")),
                    defined_at: default_node.map(|node| node.span),
                },
                None => Resolved::unknown(format!("parameter `{name}` (no default)")),
            };
        }
        match self.resource(name) {
            Some(resource) if resource_type(resource) == Some(OIDC_PROVIDER) => {
                self.provider_arn(name, resource)
            }
            Some(_) => Resolved::unknown(format!("the `Ref` of resource `{name}`")),
            None => Resolved::unknown(format!("`{name}`, which the template does not declare")),
        }
    }

    /// `Fn::GetAtt` of a resource attribute.
    fn attribute(&self, id: &str, attribute: &str) -> Resolved {
        match self.resource(id) {
            Some(resource) if resource_type(resource) == Some(OIDC_PROVIDER) && attribute == "Arn" => {
                self.provider_arn(id, resource)
            }
            _ => Resolved::unknown(format!("attribute `{attribute}` of resource `{id}`")),
        }
    }

    /// `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST_AND_PATH`: only the tail is known, which is
    /// where `aws_policy` reads the issuer from.
    fn provider_arn(&self, id: &str, provider: &Node) -> Resolved {
        let Some(url) = provider.at(&[Step::Key("Properties"), Step::Key("Url")]) else {
            return Resolved::unknown(format!("the ARN of OIDC provider `{id}`, which has no `Url`"));
        };
        let mut url = self.scalar(url);
        if let Some(Piece::Text(first)) = url.pieces.first_mut()
            && let Some(rest) = first.strip_prefix("https://")
        {
            *first = rest.to_string();
        }
        if let Some(Piece::Text(last)) = url.pieces.last_mut() {
            let trimmed = last.trim_end_matches('/').len();
            last.truncate(trimmed);
        }
        let mut out = Builder::default();
        out.text("arn:");
        out.push(Resolved::unknown(PARTITION));
        out.text(":iam::");
        out.push(Resolved::unknown(format!("the account of OIDC provider `{id}`")));
        out.text(":oidc-provider/");
        out.push(url);
        out.finish()
    }

    /// A literal argument of a call (the short form's own text, or a long-form value resolved).
    fn argument(&self, call: &Call<'_>) -> Resolved {
        if call.short {
            return match call.arg.as_str() {
                Some(text) => Resolved::text(text),
                None => Resolved::unknown(format!("a non-scalar `Fn::{}` argument", call.name)),
            };
        }
        self.scalar(call.arg)
    }

    fn resolve_call(&self, call: &Call<'_>) -> Resolved {
        let args = call.arg.as_seq().unwrap_or_default();
        match call.name {
            "Ref" => match call.arg.as_str() {
                Some(name) => self.reference(name),
                None => Resolved::unknown("a `Ref` to a name that is not literal"),
            },
            "Sub" => self.sub(call),
            "Join" => self.join(args),
            "If" => self.choice(args),
            "GetAtt" => match (call.arg.as_str(), args) {
                (Some(text), _) => match text.split_once('.') {
                    Some((id, attribute)) => self.attribute(id, attribute),
                    None => Resolved::unknown(format!("`Fn::GetAtt` of `{text}`")),
                },
                (None, [id, attribute]) => match (id.as_str(), self.scalar(attribute).known()) {
                    (Some(id), Some(attribute)) => self.attribute(id, &attribute),
                    _ => Resolved::unknown("`Fn::GetAtt` with a name that is not literal"),
                },
                _ => Resolved::unknown("a malformed `Fn::GetAtt`"),
            },
            "ImportValue" => {
                Resolved::unknown(format!("the value imported from `{}`", display(&self.argument(call))))
            }
            "Select" => self.select(args),
            "FindInMap" => match self.find_in_map(args) {
                Ok((node, relies_on)) => {
                    let mut out = Builder::default();
                    out.push(self.scalar(node));
                    out.relies(relies_on);
                    out.finish()
                }
                Err(why) => Resolved::unknown(why),
            },
            "Split" => Resolved::unknown("a list from `Fn::Split` where one value belongs"),
            other => Resolved::unknown(format!("a `Fn::{other}` value")),
        }
    }

    /// `Fn::Sub` with or without a variable map; `${!Literal}` is written as `${Literal}`.
    fn sub(&self, c: &Call<'_>) -> Resolved {
        let (text, variables) = match (c.arg.as_str(), c.arg.as_seq()) {
            (Some(text), _) => (text, None),
            (None, Some([text, variables])) if call(text).is_none() => match text.as_str() {
                Some(text) => (text, Some(variables)),
                None => return Resolved::unknown("a `Fn::Sub` whose string is not literal"),
            },
            _ => return Resolved::unknown("a `Fn::Sub` whose string is not literal"),
        };
        let mut out = Builder::default();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.text(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                // No closing brace: CloudFormation keeps the text as written.
                out.text(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            match name.strip_prefix('!') {
                Some(literal) => {
                    out.text("${");
                    out.text(literal);
                    out.text("}");
                }
                None => out.push(self.variable(name, variables)),
            }
            rest = &after[end + 1..];
        }
        out.text(rest);
        out.finish()
    }

    fn variable(&self, name: &str, variables: Option<&Node>) -> Resolved {
        if let Some(value) = variables.and_then(|v| v.get(name)) {
            return self.scalar(value);
        }
        match name.split_once('.') {
            Some((id, attribute)) if !name.starts_with("AWS::") => self.attribute(id, attribute),
            _ => self.reference(name),
        }
    }

    fn join(&self, args: &[Node]) -> Resolved {
        let [separator, list] = args else { return Resolved::unknown("a malformed `Fn::Join`") };
        let Some(separator) = self.scalar(separator).known() else {
            return Resolved::unknown("a `Fn::Join` whose separator is not literal");
        };
        let Some(values) = self.list_values(list) else {
            return Resolved::unknown("a `Fn::Join` over a list that cannot be resolved");
        };
        let mut out = Builder::default();
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                out.text(&separator);
            }
            out.push(value);
        }
        out.finish()
    }

    /// `Fn::If` where one value is expected (inside `Fn::Sub`, `Fn::Join`): known only when both
    /// branches agree; list and property positions expand it through `alternatives()` instead.
    fn choice(&self, args: &[Node]) -> Resolved {
        let [condition, yes, no] = args else { return Resolved::unknown("a malformed `Fn::If`") };
        let (yes, no) = (self.scalar(yes), self.scalar(no));
        if yes.pieces == no.pieces {
            let mut out = Builder::default();
            out.push(yes);
            out.relies(no.relies_on);
            return out.finish();
        }
        Resolved::unknown(format!("`Fn::If` on condition `{}`", condition.as_str().unwrap_or("…")))
    }

    fn select(&self, args: &[Node]) -> Resolved {
        let [index, list] = args else { return Resolved::unknown("a malformed `Fn::Select`") };
        let index = self.scalar(index).known().and_then(|i| i.trim().parse::<usize>().ok());
        match (index, self.list_values(list)) {
            (Some(index), Some(values)) => values
                .into_iter()
                .nth(index)
                .unwrap_or_else(|| Resolved::unknown("a `Fn::Select` index past the end of its list")),
            _ => Resolved::unknown("a `Fn::Select` over a list or index that cannot be resolved"),
        }
    }

    /// The node `Fn::FindInMap` selects from `Mappings`, and what its keys relied on.
    fn find_in_map<'n>(&self, args: &'n [Node]) -> Result<(&'n Node, Option<String>), String>
    where
        't: 'n,
    {
        let (map, first, second, fallback) = match args {
            [map, first, second] => (map, first, second, None),
            [map, first, second, options] => (map, first, second, options.get("DefaultValue")),
            _ => return Err("a malformed `Fn::FindInMap`".into()),
        };
        let mut relies = Builder::default();
        let mut keys = Vec::new();
        for key in [map, first, second] {
            let resolved = self.scalar(key);
            match resolved.known() {
                Some(text) => keys.push(text),
                None => {
                    return Err(format!("`Fn::FindInMap` with a key that depends on {}", reasons(&resolved)));
                }
            }
            relies.relies(resolved.relies_on);
        }
        let relies_on = relies.finish().relies_on;
        let found = self.root.get("Mappings").and_then(|m| m.get(&keys[0])?.get(&keys[1])?.get(&keys[2]));
        match found.or(fallback) {
            Some(node) => Ok((node, relies_on)),
            None => Err(format!(
                "`Fn::FindInMap` entry `{}.{}.{}`, which is not declared",
                keys[0], keys[1], keys[2]
            )),
        }
    }

    /// The values of a list-valued node, when all of them can be told apart.
    fn list_values(&self, node: &Node) -> Option<Vec<Resolved>> {
        if let Some(items) = self.list_of(node) {
            return Some(items.iter().map(|(_, v)| v.clone()).collect());
        }
        let Some(c) = call(node) else {
            let items = node.as_seq()?;
            return Some(
                items.iter().filter(|item| !is_no_value(item)).map(|item| self.scalar(item)).collect(),
            );
        };
        let args = c.arg.as_seq().unwrap_or_default();
        match c.name {
            "Ref" => {
                let name = c.arg.as_str()?;
                let parameter = self.parameter(name)?;
                let kind = parameter.get("Type").and_then(Node::as_str)?;
                if kind != "CommaDelimitedList" && !kind.starts_with("List<") {
                    return None;
                }
                let default = parameter.get("Default")?.as_str()?;
                let relies_on = Some(format!("the default of parameter `{name}`"));
                // CloudFormation trims the members of a comma-delimited list.
                Some(
                    default
                        .split(',')
                        .map(|member| Resolved {
                            pieces: vec![Piece::Text(member.trim().into())],
                            relies_on: relies_on.clone(),
                            defined_at: parameter.get("Default").map(|node| node.span),
                        })
                        .collect(),
                )
            }
            "Split" => {
                let [separator, source] = args else { return None };
                let separator = self.scalar(separator).known().filter(|s| !s.is_empty())?;
                let source = self.scalar(source);
                let text = source.known()?;
                let values = text.split(separator.as_str()).map(|member| Resolved {
                    pieces: vec![Piece::Text(member.to_string())],
                    relies_on: source.relies_on.clone(),
                    defined_at: source.defined_at,
                });
                Some(values.collect())
            }
            "FindInMap" => {
                let (found, relies_on) = self.find_in_map(args).ok()?;
                let items = found.as_seq()?;
                let values = items.iter().map(|item| {
                    let mut out = Builder::default();
                    out.push(self.scalar(item));
                    out.relies(relies_on.clone());
                    out.finish()
                });
                Some(values.collect())
            }
            _ => None,
        }
    }
}

fn reasons(resolved: &Resolved) -> String {
    let reasons: Vec<&str> = resolved
        .pieces
        .iter()
        .filter_map(|piece| if let Piece::Unknown(why) = piece { Some(why.as_str()) } else { None })
        .collect();
    reasons.join(", ")
}

impl Resolve for Template<'_> {
    /// Both branches of `Fn::If` are possible; an `AWS::NoValue` branch is an absent property.
    fn alternatives<'a>(&'a self, node: &'a Node) -> Vec<&'a Node> {
        if is_no_value(node) {
            return vec![&self.absent];
        }
        let Some(c) = call(node) else { return vec![node] };
        match (c.name, c.arg.as_seq()) {
            ("If", Some([_, yes, no])) => {
                let mut out = self.alternatives(yes);
                out.extend(self.alternatives(no));
                out
            }
            // A block kept in `Mappings` (a `Condition: !FindInMap [...]`) is read in place, but
            // only when the keys are literal: a trust must not silently rest on a default.
            ("FindInMap", Some(args)) => match self.find_in_map(args) {
                Ok((found, None)) if found.as_map().is_some() => self.alternatives(found),
                _ => vec![node],
            },
            _ => vec![node],
        }
    }

    fn scalar(&self, node: &Node) -> Resolved {
        if let Some(resolved) = self.synthetic(node) {
            return resolved.clone();
        }
        let Some(call) = call(node) else {
            return match node.as_str() {
                Some(text) => Resolved::text(text),
                None => Resolved::unknown("a non-scalar value"),
            };
        };
        if self.depth.get() >= MAX_DEPTH {
            return Resolved::unknown("a chain of references that does not end");
        }
        self.depth.set(self.depth.get() + 1);
        let resolved = self.resolve_call(&call);
        self.depth.set(self.depth.get() - 1);
        resolved
    }

    /// Plain sequences are lists; an intrinsic is one value unless it yields a list that could be
    /// expanded; `Fn::If` items expand to both branches; `AWS::NoValue` items drop out.
    fn items<'a>(&'a self, node: &'a Node) -> Vec<&'a Node> {
        let mut out = Vec::new();
        for alternative in self.alternatives(node) {
            if let Some(items) = self.list_of(alternative) {
                out.extend(items.iter().map(|(item, _)| item));
                continue;
            }
            let members =
                if call(alternative).is_some() { vec![alternative] } else { alternative.one_or_many() };
            for member in members {
                out.extend(self.alternatives(member).into_iter().filter(|item| !self.is_absent(item)));
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
    use trustlint_syntax::parse_json;

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

    fn resolve_json(template: &str, value: &str) -> Resolved {
        let root = parse_json(template).root.unwrap();
        let value = parse_json(value).root.unwrap();
        Template::new(&root).scalar(&value)
    }

    fn text_of(resolved: &Resolved) -> Option<String> {
        resolved.known()
    }

    const BAD_JSON: &str = r#"{
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

    #[test]
    fn provider_ref_keeps_account_and_partition_unknown() {
        let root = parse_json(BAD_JSON).root.unwrap();
        let template = Template::new(&root);
        let arn = template.reference("GithubOidc");
        assert_eq!(arn.known(), None);
        assert_eq!(
            arn.pieces.last(),
            Some(&Piece::Text(":oidc-provider/token.actions.githubusercontent.com".into()))
        );
        assert_eq!(display(&arn), "arn:…:iam::…:oidc-provider/token.actions.githubusercontent.com");
    }

    const PARAMETERS: &str = r#"{"Parameters": {
  "GitHubOrg": {"Type": "String", "Default": "acme"},
  "RepositoryName": {"Type": "String", "Default": "infra"},
  "Branch": {"Type": "String"},
  "Subjects": {"Type": "CommaDelimitedList", "Default": "repo:acme/infra:ref:refs/heads/main, repo:acme/infra:environment:prod"},
  "Secret": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/ci/org"}},
 "Mappings": {"Orgs": {"prod": {"Name": "acme"}}},
 "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}"#;

    #[test]
    fn sub_uses_parameter_defaults_and_says_so() {
        let resolved = resolve_json(PARAMETERS, r#"{"Fn::Sub": "repo:${GitHubOrg}/${RepositoryName}:*"}"#);
        assert_eq!(text_of(&resolved).as_deref(), Some("repo:acme/infra:*"));
        assert_eq!(
            resolved.relies_on.as_deref(),
            Some("the default of parameter `GitHubOrg` and the default of parameter `RepositoryName`")
        );
    }

    #[test]
    fn parameter_without_default_is_unknown() {
        let resolved = resolve_json(PARAMETERS, r#"{"Fn::Sub": "repo:acme/infra:ref:refs/heads/${Branch}"}"#);
        assert_eq!(resolved.known(), None);
        assert_eq!(
            resolved.pieces,
            vec![
                Piece::Text("repo:acme/infra:ref:refs/heads/".into()),
                Piece::Unknown("parameter `Branch` (no default)".into())
            ]
        );
        assert_eq!(resolved.relies_on, None);
        let ssm = resolve_json(PARAMETERS, r#"{"Ref": "Secret"}"#);
        assert_eq!(ssm.pieces, vec![Piece::Unknown("parameter `Secret` (read from SSM)".into())]);
    }

    #[test]
    fn sub_variable_maps_escapes_and_pseudo_parameters() {
        let resolved = resolve_json(
            PARAMETERS,
            r#"{"Fn::Sub": ["repo:${Org}/${!Literal}:${AWS::Region}", {"Org": {"Ref": "GitHubOrg"}}]}"#,
        );
        assert_eq!(
            resolved.pieces,
            vec![
                Piece::Text("repo:acme/${Literal}:".into()),
                Piece::Unknown("the region (`AWS::Region`)".into())
            ]
        );
        assert!(resolved.relies_on.is_some());
        let resolved = resolve_json(PARAMETERS, r#"{"Fn::Sub": "${Bucket.Arn}/${Bucket}"}"#);
        assert_eq!(
            reasons(&resolved),
            "attribute `Arn` of resource `Bucket`, the `Ref` of resource `Bucket`"
        );
    }

    #[test]
    fn join_select_split_and_find_in_map() {
        let joined = resolve_json(
            PARAMETERS,
            r#"{"Fn::Join": [":", ["repo", {"Fn::Sub": "${GitHubOrg}/infra"}, "*"]]}"#,
        );
        assert_eq!(joined.known().as_deref(), Some("repo:acme/infra:*"));
        let selected =
            resolve_json(PARAMETERS, r#"{"Fn::Select": ["1", {"Fn::Split": ["/", "acme/infra"]}]}"#);
        assert_eq!(selected.known().as_deref(), Some("infra"));
        let mapped = resolve_json(PARAMETERS, r#"{"Fn::FindInMap": ["Orgs", "prod", "Name"]}"#);
        assert_eq!(mapped.known().as_deref(), Some("acme"));
        let by_region =
            resolve_json(PARAMETERS, r#"{"Fn::FindInMap": ["Orgs", {"Ref": "AWS::Region"}, "Name"]}"#);
        assert_eq!(by_region.known(), None);
        let unresolvable = resolve_json(PARAMETERS, r#"{"Fn::Join": ["", {"Fn::GetAZs": ""}]}"#);
        assert_eq!(unresolvable.known(), None);
        assert_eq!(resolve_json(PARAMETERS, r#"{"Fn::Base64": "x"}"#).known(), None);
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
    fn reference_cycles_end_as_unknown() {
        let text = r#"{"Resources": {
  "A": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Fn::GetAtt": "B.Arn"}}},
  "B": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Fn::GetAtt": "A.Arn"}}}}}"#;
        let root = parse_json(text).root.unwrap();
        let resolved = Template::new(&root).reference("A");
        assert!(reasons(&resolved).contains("a chain of references that does not end"));
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
