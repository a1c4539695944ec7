//! Intrinsic functions (`!Ref`, `!Sub`, `!If`, `Fn::Join`, `Fn::FindInMap`, ...) resolved
//! statically where the template itself says what they yield, and the [`Resolve`] reading of a
//! template built on them.

use trustlint_core::Span;
use trustlint_model::condition::is_fill_in_placeholder;
use trustlint_model::{DefinedAt, Piece, SplicedPart, Splices};
use trustlint_syntax::{Node, NodeKind, ScalarStyle, Step};

use super::{OIDC_PROVIDER, PARTITION, Template, display, resource_type};
use crate::aws_policy::{Resolve, Resolved};

/// An intrinsic function call, short (`!Sub x`) or long (`{"Fn::Sub": x}`) form.
pub(super) struct Call<'n> {
    /// Without `Fn::` or `!`: `Ref`, `Sub`, `If`.
    pub(super) name: &'n str,
    /// The argument. In the short form this is the tagged node itself, so it must be read as
    /// plain data (resolving it again would loop).
    pub(super) arg: &'n Node,
    short: bool,
}

pub(super) fn call(node: &Node) -> Option<Call<'_>> {
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
    /// Where the first value pushed is written (the whole value's place when it is all there is).
    defined_at: Option<DefinedAt>,
    /// Every value pushed that is written elsewhere (a parameter's default spliced into a
    /// `Fn::Sub` or `Fn::Join`), and those they were built from.
    spliced: Splices,
    /// How many values were pushed, and whether literal text was written around them.
    pushed: usize,
    literal_text: bool,
}

impl Builder {
    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.literal_text = true;
        self.append(text);
    }

    fn append(&mut self, text: &str) {
        match self.pieces.last_mut() {
            Some(Piece::Text(last)) => last.push_str(text),
            _ => self.pieces.push(Piece::Text(text.to_string())),
        }
    }

    fn push(&mut self, resolved: Resolved) {
        self.pushed += 1;
        if let Some(at) = &resolved.defined_at {
            self.spliced.push(SplicedPart {
                text: display_pieces(&resolved.pieces),
                source: resolved.relies_on.clone(),
                at: at.clone(),
            });
        }
        self.spliced.extend(resolved.spliced);
        for piece in resolved.pieces {
            match piece {
                Piece::Text(text) => self.append(&text),
                unknown => self.pieces.push(unknown),
            }
        }
        self.relies(resolved.relies_on);
        if self.defined_at.is_none() {
            self.defined_at = resolved.defined_at;
        }
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
        // One value and nothing around it is that value, written where it is written; anything
        // more is a value joined from parts, each written where it is.
        if self.pushed == 1 && !self.literal_text {
            let mut spliced = self.spliced;
            spliced.parts.retain(|part| Some(&part.at) != self.defined_at.as_ref());
            return Resolved { pieces, relies_on, defined_at: self.defined_at, spliced };
        }
        Resolved { pieces, relies_on, defined_at: None, spliced: self.spliced }
    }
}

/// Pieces with holes shown as `…`.
fn display_pieces(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.as_str(),
            Piece::Unknown(_) => "…",
        })
        .collect()
}

/// Deeper than this, a chain of references is a cycle (a provider whose `Url` names itself).
const MAX_DEPTH: usize = 32;
impl<'t> Template<'t> {
    pub(super) fn collect_lists(&self, node: &Node, out: &mut Vec<(Span, Vec<(Node, Resolved)>)>) {
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
                    defined_at: default_node.map(|node| DefinedAt::here(node.span)),
                    spliced: Default::default(),
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
                            defined_at: parameter.get("Default").map(|node| DefinedAt::here(node.span)),
                            spliced: Default::default(),
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
                    defined_at: source.defined_at.clone(),
                    spliced: source.spliced.clone(),
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
    use trustlint_syntax::parse_json;

    use super::*;
    use crate::cloudformation::tests::BAD_JSON;

    fn resolve_json(template: &str, value: &str) -> Resolved {
        let root = parse_json(template).root.unwrap();
        let value = parse_json(value).root.unwrap();
        Template::new(&root).scalar(&value)
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
        assert_eq!(resolved.known().as_deref(), Some("repo:acme/infra:*"));
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

    #[test]
    fn reference_cycles_end_as_unknown() {
        let text = r#"{"Resources": {
  "A": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Fn::GetAtt": "B.Arn"}}},
  "B": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Fn::GetAtt": "A.Arn"}}}}}"#;
        let root = parse_json(text).root.unwrap();
        let resolved = Template::new(&root).reference("A");
        assert!(reasons(&resolved).contains("a chain of references that does not end"));
    }
}
