//! Pulumi YAML programs (`Pulumi.yaml` / `Main.yaml` with `resources:`): `variables:`,
//! `config:` with defaults, `${resource.property}` and `${variable}` interpolation, and the
//! built-in functions that matter for trust (`fn::toJSON`, `fn::invoke` of
//! `aws:iam:getPolicyDocument` with `return: json`, `fn::join`, `fn::select`, `fn::secret`,
//! `fn::fromJSON`); other functions are Unknown with their name.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_syntax::eval::{camel_case, join, respan};
use trustlint_syntax::{Entry, Node, NodeKind, Part, ScalarStyle, parse_json, parse_yaml};

use super::{
    Language, MAX_STACKS, Program, ProgramContext, Resource, StackConfig, StackValue, normalize_type_token,
};
use crate::Problem;

pub fn programs(file: &Arc<SourceFile>, context: &ProgramContext<'_>) -> Vec<Program> {
    let parsed = parse_yaml(file.text());
    let mut base = Program {
        file: Arc::clone(file),
        language: Language::Yaml,
        resources: Vec::new(),
        stack: None,
        stack_file: None,
        imported: Vec::new(),
        spliced: Vec::new(),
        comments: parsed.comments,
        problems: Vec::new(),
    };
    if let Some(error) = parsed.errors.first() {
        base.problems.push(Problem {
            span: error.span,
            message: format!("invalid YAML: {}", error.message),
            rest_checked: false,
        });
        return vec![base];
    }
    let Some(root) = parsed.documents.into_iter().find(|d| d.get("resources").is_some()) else {
        return vec![base];
    };
    let alone = Reader::new(&root, context, None);
    base.resources = alone.resources();
    if alone.config_reads.get() == 0 || context.stacks.is_empty() {
        return vec![base];
    }
    let mut programs = Vec::new();
    for stack in context.stacks.iter().take(MAX_STACKS) {
        let reader = Reader::new(&root, context, Some(stack));
        let mut program = base.clone();
        program.resources = reader.resources();
        program.stack = Some(stack.stack.clone());
        program.stack_file = Some(stack.source_beside(file));
        if !programs.is_empty() {
            program.comments.clear();
        }
        programs.push(program);
    }
    programs
}

/// References nested deeper than this are a cycle.
const MAX_DEPTH: usize = 32;

struct Reader<'a> {
    root: &'a Node,
    context: &'a ProgramContext<'a>,
    stack: Option<&'a StackConfig>,
    /// Logical names by resource key (`name:` overrides the key).
    names: HashMap<&'a str, String>,
    depth: Cell<usize>,
    config_reads: Cell<usize>,
}

impl<'a> Reader<'a> {
    fn new(root: &'a Node, context: &'a ProgramContext<'a>, stack: Option<&'a StackConfig>) -> Reader<'a> {
        let mut names = HashMap::new();
        for entry in root.get("resources").and_then(Node::as_map).unwrap_or_default() {
            let name = entry.value.get("name").and_then(Node::as_text).unwrap_or(&entry.key).to_string();
            names.insert(entry.key.as_str(), name);
        }
        Reader { root, context, stack, names, depth: Cell::new(0), config_reads: Cell::new(0) }
    }

    fn resources(&self) -> Vec<Resource> {
        let mut out = Vec::new();
        for entry in self.root.get("resources").and_then(Node::as_map).unwrap_or_default() {
            let Some(token) = entry.value.get("type").and_then(Node::as_text) else { continue };
            let name = self.names.get(entry.key.as_str()).cloned().unwrap_or_else(|| entry.key.clone());
            let (properties, properties_unknown) = match entry.value.get("properties") {
                Some(node) => match self.value(node) {
                    value @ Node { kind: NodeKind::Map(_), .. } => (value, None),
                    value => (
                        Node { kind: NodeKind::Map(Vec::new()), span: value.span, tag: None },
                        Some("properties trustlint cannot read".to_string()),
                    ),
                },
                None => (Node { kind: NodeKind::Map(Vec::new()), span: entry.value.span, tag: None }, None),
            };
            out.push(Resource {
                type_token: normalize_type_token(token),
                name,
                variable: Some(entry.key.clone()),
                properties,
                properties_unknown,
                span: entry.value.span,
                name_span: entry.key_span,
            });
        }
        out
    }

    /// Evaluate a node: interpolations resolved, functions applied.
    fn value(&self, node: &Node) -> Node {
        let depth = self.depth.get();
        if depth > MAX_DEPTH {
            return Node::unknown("a chain of references that does not end", node.span);
        }
        self.depth.set(depth + 1);
        let value = self.value_inner(node);
        self.depth.set(depth);
        value
    }

    fn value_inner(&self, node: &Node) -> Node {
        match &node.kind {
            NodeKind::Scalar(scalar) if scalar.style != ScalarStyle::Block || scalar.value.contains("${") => {
                if scalar.value.contains("${") {
                    self.interpolate(&scalar.value, node.span)
                } else {
                    node.clone()
                }
            }
            NodeKind::Scalar(_) | NodeKind::Computed(_) => node.clone(),
            NodeKind::Seq(items) => Node {
                kind: NodeKind::Seq(items.iter().map(|item| self.value(item)).collect()),
                span: node.span,
                tag: None,
            },
            NodeKind::Map(entries) => {
                if let [entry] = entries.as_slice()
                    && let Some(function) = entry.key.strip_prefix("fn::")
                {
                    return self.function(function, &entry.value, node.span);
                }
                let entries = entries
                    .iter()
                    .map(|entry| Entry {
                        key: entry.key.clone(),
                        key_span: entry.key_span,
                        value: self.value(&entry.value),
                    })
                    .collect();
                Node { kind: NodeKind::Map(entries), span: node.span, tag: None }
            }
        }
    }

    fn function(&self, name: &str, argument: &Node, span: Span) -> Node {
        match name {
            "toJSON" | "secret" => self.value(argument),
            "fromJSON" => {
                let value = self.value(argument);
                match value.as_str().map(parse_json) {
                    Some(parsed) if parsed.errors.is_empty() => match parsed.root {
                        Some(mut root) => {
                            respan(&mut root, value.span);
                            root
                        }
                        None => Node::unknown("`fn::fromJSON` of an empty string", span),
                    },
                    _ => Node::unknown("`fn::fromJSON` of a value trustlint cannot read", span),
                }
            }
            "invoke" => self.invoke(argument, span),
            "join" => {
                let args = self.value(argument);
                let (Some(separator), Some(items)) = (
                    args.as_seq().and_then(|a| a.first()).and_then(Node::as_str),
                    args.as_seq().and_then(|a| a.get(1)).and_then(Node::as_seq),
                ) else {
                    return Node::unknown("a `fn::join` trustlint cannot read", span);
                };
                let mut parts = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        parts.push(Part::Text(separator.to_string()));
                    }
                    parts.extend(parts_of(item));
                }
                join(parts, span)
            }
            "select" => {
                let args = self.value(argument);
                let index = args
                    .as_seq()
                    .and_then(|a| a.first())
                    .and_then(Node::as_str)
                    .and_then(|i| i.parse::<usize>().ok());
                let list = args.as_seq().and_then(|a| a.get(1)).and_then(Node::as_seq);
                match (index, list) {
                    (Some(index), Some(list)) => list
                        .get(index)
                        .cloned()
                        .unwrap_or_else(|| Node::unknown("a `fn::select` out of range", span)),
                    _ => Node::unknown("a `fn::select` trustlint cannot read", span),
                }
            }
            other => Node::unknown(format!("the result of `fn::{other}`"), span),
        }
    }

    /// `fn::invoke: {function: aws:iam:getPolicyDocument, arguments: {...}, return: json}`.
    fn invoke(&self, argument: &Node, span: Span) -> Node {
        let function = argument.get("function").and_then(Node::as_text).unwrap_or("");
        let token = normalize_type_token(function);
        let result = match token.split(':').collect::<Vec<_>>().as_slice() {
            ["aws", module, name] => {
                let args = argument.get("arguments").map(|a| self.value(a)).unwrap_or_else(|| Node {
                    kind: NodeKind::Map(Vec::new()),
                    span,
                    tag: None,
                });
                super::aws::invoke(&[module.to_string(), name.to_string()], &camel_keys(args), span)
            }
            _ => None,
        };
        let Some(result) = result else {
            return Node::unknown(
                format!("the result of `{function}`, which is only known at deploy time"),
                span,
            );
        };
        match argument.get("return").and_then(Node::as_text) {
            Some(field) => result
                .get(field)
                .cloned()
                .unwrap_or_else(|| Node::unknown(format!("the `{field}` of `{function}`"), span)),
            None => result,
        }
    }

    /// `"arn:${partition}:iam::${account}:role/${deployRole.name}"`; `$${` is a literal `${`.
    fn interpolate(&self, text: &str, span: Span) -> Node {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut literal = String::new();
        while let Some(start) = rest.find("${") {
            if rest[..start].ends_with('$') {
                literal.push_str(&rest[..start - 1]);
                literal.push_str("${");
                rest = &rest[start + 2..];
                continue;
            }
            let Some(len) = rest[start..].find('}') else { break };
            literal.push_str(&rest[..start]);
            let expression = &rest[start + 2..start + len];
            // The whole value is one reference: keep its type (a list, an object).
            if literal.is_empty() && parts.is_empty() && start + len + 1 == rest.len() {
                return self.reference(expression.trim(), span);
            }
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.extend(parts_of(&self.reference(expression.trim(), span)));
            rest = &rest[start + len + 1..];
        }
        literal.push_str(rest);
        parts.push(Part::Text(literal));
        join(parts, span)
    }

    /// `resource.prop`, `resource`, `variable`, `variable.path`, `configKey`, `pulumi.stack`.
    fn reference(&self, expression: &str, span: Span) -> Node {
        let mut segments = expression.split('.');
        let head = segments.next().unwrap_or("");
        let rest: Vec<&str> = segments.collect();
        if head == "pulumi" {
            return Node::unknown(format!("`${{{expression}}}`"), span);
        }
        if let Some(name) = self.names.get(head) {
            let output = rest.iter().map(|s| camel_case(s)).collect::<Vec<_>>().join(".");
            return Node::computed(vec![Part::Ref { resource: name.clone(), output }], span);
        }
        if let Some(variable) = self.root.get("variables").and_then(|v| v.get(head)) {
            // Variables live in this file: their values keep the spans of their literals.
            let mut value = self.value(variable);
            for segment in rest {
                value = match value.get(segment) {
                    Some(inner) => inner.clone(),
                    None => return Node::unknown(format!("`${{{expression}}}`"), span),
                };
            }
            return value;
        }
        if rest.is_empty() {
            return self.config(head, span);
        }
        Node::unknown(format!("`${{{expression}}}`, which this program does not define"), span)
    }

    /// A configuration value: the stack's value, else the program's `config:` default.
    fn config(&self, key: &str, span: Span) -> Node {
        self.config_reads.set(self.config_reads.get() + 1);
        if let Some(stack) = self.stack {
            match stack.lookup(None, key, self.context.project.as_deref()) {
                Some(StackValue { key, value: Some(value) }) => {
                    return config_node(value, key, &stack.stack, span);
                }
                Some(StackValue { key, value: None }) => {
                    return Node::unknown(
                        format!("the encrypted config `{key}` of stack `{}`", stack.stack),
                        span,
                    );
                }
                None => {}
            }
        }
        let declared =
            self.root.get("config").or_else(|| self.root.get("configuration")).and_then(|c| c.get(key));
        match declared.and_then(|d| d.get("default").or_else(|| d.get("value"))) {
            Some(default) => match &default.kind {
                NodeKind::Scalar(scalar) => Node::computed(
                    vec![Part::Config {
                        key: key.to_string(),
                        stack: String::new(),
                        value: scalar.value.clone(),
                        at: None,
                    }],
                    default.span,
                ),
                _ => default.clone(),
            },
            None => Node::unknown(format!("the config `{key}`, which no stack file in view sets"), span),
        }
    }
}

/// Arguments of invokes are camelCase already in YAML; normalise anyway for snake_case input.
fn camel_keys(mut node: Node) -> Node {
    if let NodeKind::Map(entries) = &mut node.kind {
        for entry in entries {
            entry.key = camel_case(&entry.key);
            entry.value = camel_keys(std::mem::replace(&mut entry.value, Node::unknown("", Span::default())));
        }
    } else if let NodeKind::Seq(items) = &mut node.kind {
        for item in items {
            *item = camel_keys(std::mem::replace(item, Node::unknown("", Span::default())));
        }
    }
    node
}

fn parts_of(node: &Node) -> Vec<Part> {
    match &node.kind {
        NodeKind::Scalar(scalar) => vec![Part::Text(scalar.value.clone())],
        NodeKind::Computed(parts) => parts.clone(),
        _ => vec![Part::Unknown("an object or list inside text".into())],
    }
}

/// A stack value as program data, every leaf marked with the stack (spans: the reference).
fn config_node(value: &Node, key: &str, stack: &str, span: Span) -> Node {
    match &value.kind {
        NodeKind::Scalar(scalar) => Node::computed(
            vec![Part::Config {
                key: key.to_string(),
                stack: stack.to_string(),
                value: scalar.value.clone(),
                at: Some(value.span),
            }],
            span,
        ),
        NodeKind::Seq(items) => Node {
            kind: NodeKind::Seq(items.iter().map(|i| config_node(i, key, stack, span)).collect()),
            span,
            tag: None,
        },
        NodeKind::Map(entries) => Node {
            kind: NodeKind::Map(
                entries
                    .iter()
                    .map(|e| Entry {
                        key: e.key.clone(),
                        key_span: span,
                        value: config_node(&e.value, key, stack, span),
                    })
                    .collect(),
            ),
            span,
            tag: None,
        },
        NodeKind::Computed(_) => Node::unknown(format!("the config `{key}`"), span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulumi::ProgramContext;

    #[test]
    fn references_functions_and_config() {
        let text = r#"name: acme
runtime: yaml
config:
  subject:
    type: string
    default: "repo:acme/infra:environment:prod"
variables:
  trust:
    fn::invoke:
      function: aws:iam:getPolicyDocument
      arguments:
        statements:
          - actions: ["sts:AssumeRoleWithWebIdentity"]
            principals: [{ type: Federated, identifiers: ["${gh.arn}"] }]
            conditions:
              - { test: StringLike, variable: "token.actions.githubusercontent.com:sub", values: ["${subject}"] }
      return: json
resources:
  gh:
    type: aws:iam:OpenIdConnectProvider
    properties: { url: "https://token.actions.githubusercontent.com" }
  deployRole:
    type: aws:iam:Role
    name: deploy
    properties:
      assumeRolePolicy: ${trust}
  attach:
    type: aws:iam/rolePolicyAttachment:RolePolicyAttachment
    properties: { role: "${deployRole.name}", policyArn: "arn:aws:iam::aws:policy/${policy}" }
"#;
        let file = SourceFile::new("Pulumi.yaml", text);
        let programs = programs(&file, &ProgramContext::alone());
        let program = &programs[0];
        assert!(program.problems.is_empty());
        let names: Vec<_> =
            program.resources.iter().map(|r| (r.type_token.as_str(), r.name.as_str())).collect();
        assert_eq!(
            names,
            [
                ("aws:iam:OpenIdConnectProvider", "gh"),
                ("aws:iam:Role", "deploy"),
                ("aws:iam:RolePolicyAttachment", "attach")
            ]
        );
        let role = program.resource("deploy").unwrap();
        let statement =
            &role.property("assumeRolePolicy").unwrap().get("Statement").unwrap().as_seq().unwrap()[0];
        let sub = statement
            .get("Condition")
            .unwrap()
            .get("StringLike")
            .unwrap()
            .get("token.actions.githubusercontent.com:sub")
            .unwrap();
        let value = &sub.as_seq().unwrap()[0];
        assert_eq!(
            value.as_computed(),
            Some(
                &[Part::Config {
                    key: "subject".into(),
                    stack: String::new(),
                    value: "repo:acme/infra:environment:prod".into(),
                    at: None,
                }][..]
            )
        );
        assert_eq!(file.slice(value.span), "\"repo:acme/infra:environment:prod\"");
        let attach = program.resource("attach").unwrap();
        assert_eq!(
            attach.property("role").unwrap().as_computed(),
            Some(&[Part::Ref { resource: "deploy".into(), output: "name".into() }][..])
        );
        assert!(matches!(
            attach.property("policyArn").unwrap().as_computed(),
            Some([Part::Text(_), Part::Unknown(_)])
        ));
    }
}
