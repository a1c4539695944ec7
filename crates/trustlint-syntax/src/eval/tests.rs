//! Evaluator tests: each feature the issue lists, on small TypeScript and Python programs.

use std::sync::Arc;

use trustlint_core::Span;

use super::*;
use crate::ScalarStyle;
use crate::tree::{NodeKind, Part};

/// A host with one stack's configuration, a `getPolicyDocument` that returns its arguments as
/// `json`, one constant and one sibling module.
struct TestHost {
    stack: Vec<(&'static str, &'static str)>,
}

impl Host for TestHost {
    fn config(&self, _namespace: Option<&str>, key: &str) -> ConfigLookup {
        match self.stack.iter().find(|(k, _)| k.split(':').nth(1) == Some(key)) {
            Some((k, v)) => ConfigLookup::Value {
                key: k.to_string(),
                stack: "prod".into(),
                value: Node::scalar(*v, ScalarStyle::Plain, Span::default()),
            },
            None => ConfigLookup::NotSet,
        }
    }
    fn invoke(&self, _package: &str, path: &[String], args: &Node, span: Span) -> Option<Node> {
        if path.last()?.starts_with("getPolicyDocument") || path.last()?.starts_with("get_policy_document") {
            return Some(Node {
                kind: NodeKind::Map(vec![crate::Entry {
                    key: "json".into(),
                    key_span: span,
                    value: args.clone(),
                }]),
                span,
                tag: None,
            });
        }
        None
    }
    fn constant(&self, package: &str, path: &[String]) -> Option<String> {
        (package == "aws" && matches!(path.last()?.as_str(), "AdministratorAccess" | "ADMINISTRATOR_ACCESS"))
            .then(|| "arn:aws:iam::aws:policy/AdministratorAccess".to_string())
    }
    fn load_module(&self, relative_path: &str, language: SourceLanguage) -> Option<Arc<ParsedProgram>> {
        let text: String = match relative_path {
            "constants.ts" => "export const SUBJECT = \"repo:acme/infra:ref:refs/heads/main\";\nexport function sub(env: string) { return `repo:acme/infra:environment:${env}`; }\n".into(),
            "constants.py" => "SUBJECT = 'repo:acme/infra:ref:refs/heads/main'\n".into(),
            _ => return None,
        };
        Some(Arc::new(parse_program(&text, language)))
    }
}

fn ts(text: &str) -> Evaluated {
    let evaluated = evaluate(
        text,
        SourceLanguage::TypeScript { jsx: false },
        &TestHost { stack: vec![("acme:subject", "repo:acme/*")] },
    );
    assert!(evaluated.errors.is_empty(), "{:?}", evaluated.errors);
    evaluated
}

fn py(text: &str) -> Evaluated {
    let evaluated =
        evaluate(text, SourceLanguage::Python, &TestHost { stack: vec![("acme:subject", "repo:acme/*")] });
    assert!(evaluated.errors.is_empty(), "{:?}", evaluated.errors);
    evaluated
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

/// A compact rendering: `{k: v}`, `[a, b]`, `"text"`, `<ref gh.arn>`, `<?why>`, `<cfg key@stack=v>`.
fn dump(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(scalar) => format!("{:?}", scalar.value),
        NodeKind::Seq(items) => format!("[{}]", items.iter().map(dump).collect::<Vec<_>>().join(", ")),
        NodeKind::Map(entries) => format!(
            "{{{}}}",
            entries.iter().map(|e| format!("{}: {}", e.key, dump(&e.value))).collect::<Vec<_>>().join(", ")
        ),
        NodeKind::Computed(parts) => parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => format!("{text:?}"),
                Part::Unknown(why) => format!("<?{why}>"),
                Part::Derived { why, from } => format!("<?{why} from {from:?}>"),
                Part::Ref { resource, output } => format!("<ref {resource}.{output}>"),
                Part::Config { key, stack, value, .. } => format!("<cfg {key}@{stack}={value}>"),
            })
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

fn find<'a>(evaluated: &'a Evaluated, name: &str) -> &'a ResourceCall {
    evaluated.resources.iter().find(|r| r.name_text == name).unwrap_or_else(|| panic!("no resource {name}"))
}

fn at<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
    let mut node = node;
    for step in path {
        node = match step.parse::<usize>() {
            Ok(index) => &node.as_seq().unwrap()[index],
            Err(_) => node.get(step).unwrap_or_else(|| panic!("no {step} in {}", dump(node))),
        };
    }
    node
}

const SUB: &str = "token.actions.githubusercontent.com:sub";

#[test]
fn typescript_outputs_helpers_config_and_constants() {
    let text = r#"import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { iam } from "@pulumi/aws";
const config = new pulumi.Config();
const org = "acme";
let sub = `repo:${org}/*`;
const gh = new aws.iam.OpenIdConnectProvider("gh", { url: "https://token.actions.githubusercontent.com" });
function trust(subject: string) {
  return { Statement: [{ Effect: "Allow", Principal: { Federated: gh.arn },
    Condition: { StringLike: { "token.actions.githubusercontent.com:sub": subject } } }] };
}
const role = new aws.iam.Role("deploy", {
  assumeRolePolicy: gh.arn.apply(arn => JSON.stringify({
    Statement: [{ Effect: "Allow", Principal: { Federated: arn },
      Condition: { StringLike: { "token.actions.githubusercontent.com:sub": sub } } }] })),
});
new iam.Role("helper", { assumeRolePolicy: JSON.stringify(trust(config.require("subject"))) });
new iam.Role("literal", { assumeRolePolicy: pulumi.jsonStringify(trust("repo:acme/infra:ref:refs/heads/main")) });
new aws.iam.RolePolicyAttachment("admin", { role: role.name, policyArn: aws.iam.ManagedPolicy.AdministratorAccess });
new aws.iam.Role("interp", { name: pulumi.interpolate`${role.name}-x`, tags: pulumi.all([role.arn, gh.arn]).apply(([a, b]) => ({a, b})) });
"#;
    let evaluated = ts(text);
    assert_eq!(evaluated.resources.len(), 6);
    let deploy = find(&evaluated, "deploy");
    assert_eq!(deploy.variable.as_deref(), Some("role"));
    let statement = at(&deploy.properties, &["assumeRolePolicy", "Statement", "0"]);
    assert_eq!(dump(at(statement, &["Principal", "Federated"])), "<ref gh.arn>");
    let sub = at(statement, &["Condition", "StringLike", SUB]);
    assert_eq!(dump(sub), "\"repo:acme/*\"");
    assert_eq!(slice(text, sub.span), "`repo:${org}/*`");

    let helper = at(
        &find(&evaluated, "helper").properties,
        &["assumeRolePolicy", "Statement", "0", "Condition", "StringLike", SUB],
    );
    assert_eq!(dump(helper), "<cfg acme:subject@prod=repo:acme/*>");
    assert_eq!(slice(text, helper.span), "config.require(\"subject\")");
    let literal = at(
        &find(&evaluated, "literal").properties,
        &["assumeRolePolicy", "Statement", "0", "Condition", "StringLike", SUB],
    );
    assert_eq!(slice(text, literal.span), "\"repo:acme/infra:ref:refs/heads/main\"");

    let admin = &find(&evaluated, "admin").properties;
    assert_eq!(
        dump(admin),
        "{role: <ref deploy.name>, policyArn: \"arn:aws:iam::aws:policy/AdministratorAccess\"}"
    );
    assert_eq!(
        dump(&find(&evaluated, "interp").properties),
        "{name: <ref deploy.name> + \"-x\", tags: {a: <ref deploy.arn>, b: <ref gh.arn>}}"
    );
    assert_eq!(evaluated.config_reads, 1);
}

#[test]
fn python_keywords_invokes_and_lambdas() {
    let text = r#"import json
import pulumi
import pulumi_aws as aws
from pulumi_aws import iam as aws_iam
from pulumi import Output

provider = aws.iam.OpenIdConnectProvider("gh", url="https://token.actions.githubusercontent.com", client_id_lists=["sts.amazonaws.com"])
ORG = "acme"
trust = aws.iam.get_policy_document_output(statements=[{
    "actions": ["sts:AssumeRoleWithWebIdentity"],
    "principals": [{"type": "Federated", "identifiers": [provider.arn]}],
    "conditions": [{"test": "StringLike", "variable": "token.actions.githubusercontent.com:sub", "values": [f"repo:{ORG}/*"]}],
    "not_actions": [],
}])
role = aws_iam.Role("deploy", assume_role_policy=trust.json)
policy = Output.all(role.arn, provider.arn).apply(lambda args: json.dumps({
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": args[0], "Sid": "x_y"}],
    "snake_key": args[1],
}))
aws.iam.RolePolicy("all", role=role.id, policy=policy)
aws.iam.RolePolicyAttachment("admin", role=role.name, policy_arn=aws.iam.ManagedPolicy.ADMINISTRATOR_ACCESS, opts=pulumi.ResourceOptions(parent=role))
"#;
    let evaluated = py(text);
    assert_eq!(evaluated.resources.len(), 4);
    assert_eq!(
        dump(&find(&evaluated, "gh").properties),
        "{url: \"https://token.actions.githubusercontent.com\", clientIdLists: [\"sts.amazonaws.com\"]}"
    );
    let document = at(&find(&evaluated, "deploy").properties, &["assumeRolePolicy"]);
    assert_eq!(
        dump(document),
        "{statements: [{actions: [\"sts:AssumeRoleWithWebIdentity\"], principals: [{type: \"Federated\", identifiers: [<ref gh.arn>]}], conditions: [{test: \"StringLike\", variable: \"token.actions.githubusercontent.com:sub\", values: [\"repo:acme/*\"]}], notActions: []}]}"
    );
    let value = at(document, &["statements", "0", "conditions", "0", "values", "0"]);
    assert_eq!(slice(text, value.span), "f\"repo:{ORG}/*\"");
    // Keys of the JSON document are kept as written.
    assert_eq!(
        dump(&find(&evaluated, "all").properties),
        "{role: <ref deploy.id>, policy: {Statement: [{Effect: \"Allow\", Action: \"*\", Resource: <ref deploy.arn>, Sid: \"x_y\"}], snake_key: <ref gh.arn>}}"
    );
    assert_eq!(
        dump(&find(&evaluated, "admin").properties),
        "{role: <ref deploy.name>, policyArn: \"arn:aws:iam::aws:policy/AdministratorAccess\"}"
    );
}

#[test]
fn unknowns_say_why() {
    let text = r#"import * as aws from "@pulumi/aws";
import * as fs from "fs";
let subject = "repo:acme/infra:ref:refs/heads/main";
if (process.env.CI) { subject = "repo:acme/*"; }
export function makeRole(name: string, sub: string) {
  return new aws.iam.Role(name, { assumeRolePolicy: JSON.stringify({ Statement: [{ Condition: { StringLike: { "x:sub": sub } } }] }) });
}
new aws.iam.Role("file", { assumeRolePolicy: fs.readFileSync("trust.json", "utf8") });
new aws.iam.Role("cond", { description: subject, tags: { a: cond ? "x" : "y" } });
new aws.iam.Role("missing", { description: config.get("x") });
"#;
    let evaluated = ts(text);
    assert_eq!(
        dump(&find(&evaluated, "file").properties),
        "{assumeRolePolicy: <?the result of `fs.readFileSync(...)` from `fs`>}"
    );
    assert_eq!(
        dump(&find(&evaluated, "cond").properties),
        "{description: <?`subject`, which is assigned conditionally or in a loop>, tags: {a: <?a value chosen by a condition>}}"
    );
    // An uncalled helper is read once with Unknown parameters.
    let helper = find(&evaluated, "…");
    assert_eq!(
        dump(&helper.properties),
        "{assumeRolePolicy: {Statement: [{Condition: {StringLike: {x:sub: <?the parameter `sub` of `makeRole`>}}}]}}"
    );
    assert_eq!(dump(&helper.name), "<?the parameter `name` of `makeRole`>");
}

#[test]
fn sibling_modules_loops_and_components() {
    let text = r#"import * as aws from "@pulumi/aws";
import { SUBJECT, sub } from "./constants";
for (const env of ["dev", "prod"]) {
  new aws.iam.Role(`role-${env}`, { description: sub(env), tags: { s: SUBJECT } });
}
class Deployer extends pulumi.ComponentResource {
  role: aws.iam.Role;
  constructor(name: string, args: { subject: string }) {
    super("acme:Deployer", name, {}, {});
    this.role = new aws.iam.Role(`${name}-role`, { description: args.subject });
    new aws.iam.RolePolicyAttachment(`${name}-attach`, { role: this.role.name });
  }
}
new Deployer("ci", { subject: "repo:acme/infra:environment:prod" });
"#;
    let evaluated = ts(text);
    let names: Vec<_> = evaluated.resources.iter().map(|r| r.name_text.as_str()).collect();
    assert_eq!(names, ["role-dev", "role-prod", "ci-role", "ci-attach"]);
    let dev = find(&evaluated, "role-dev");
    assert_eq!(
        dump(&dev.properties),
        "{description: \"repo:acme/infra:environment:dev\", tags: {s: \"repo:acme/infra:ref:refs/heads/main\"}}"
    );
    // Values from the sibling module point at their use here.
    assert_eq!(slice(text, at(&dev.properties, &["tags", "s"]).span), "SUBJECT");
    assert_eq!(slice(text, at(&dev.properties, &["description"]).span), "sub(env)");
    assert_eq!(dump(&find(&evaluated, "ci-attach").properties), "{role: <ref ci-role.name>}");
    assert_eq!(find(&evaluated, "ci-role").variable.as_deref(), Some("this.role"));
}

#[test]
fn python_components_defaults_and_formatting() {
    let text = r#"import pulumi
import pulumi_aws as aws
from constants import SUBJECT

config = pulumi.Config()
branch = config.get("branch") or "main"
other = config.get("other", "fallback")

class Deployer(pulumi.ComponentResource):
    def __init__(self, name, subject, opts=None):
        super().__init__("acme:Deployer", name, None, opts)
        self.role = aws.iam.Role(f"{name}-role", description=subject)
        aws.iam.RolePolicyAttachment(f"{name}-attach", role=self.role.name)

Deployer("ci", "repo:acme/infra:ref:refs/heads/{}".format(branch))
aws.iam.Role("fmt", description="repo:%s/%s:*" % ("acme", "infra"), tags={"a": "-".join(["x", other]), "b": SUBJECT})
statements = []
statements.append({"Effect": "Allow"})
aws.iam.Policy("p", policy={"Statement": statements})
"#;
    let evaluated = py(text);
    let names: Vec<_> = evaluated.resources.iter().map(|r| r.name_text.as_str()).collect();
    assert_eq!(names, ["ci-role", "ci-attach", "fmt", "p"]);
    assert_eq!(
        dump(&find(&evaluated, "ci-role").properties),
        "{description: \"repo:acme/infra:ref:refs/heads/\" + <cfg branch@=main>}"
    );
    assert_eq!(dump(&find(&evaluated, "ci-attach").properties), "{role: <ref ci-role.name>}");
    assert_eq!(
        dump(&find(&evaluated, "fmt").properties),
        "{description: \"repo:acme/infra:*\", tags: {a: \"x-\" + <cfg other@=fallback>, b: \"repo:acme/infra:ref:refs/heads/main\"}}"
    );
    assert_eq!(dump(&find(&evaluated, "p").properties), "{policy: {Statement: [{Effect: \"Allow\"}]}}");
}

#[test]
fn never_panics_on_junk() {
    for text in
        ["", "new", "x.y.z(", "const [a, ...b] = c; for (;;) {}", "def f(*, a): return", "lambda: (yield)"]
    {
        for language in [SourceLanguage::TypeScript { jsx: false }, SourceLanguage::Python] {
            let _ = evaluate(text, language, &NoHost);
        }
    }
    // Recursion ends.
    let evaluated = ts(
        "import * as aws from \"@pulumi/aws\";\nfunction f(x) { return f(x); }\nnew aws.iam.Role(\"r\", { description: f(1) });\n",
    );
    assert!(dump(&find(&evaluated, "r").properties).contains("nested too deeply"));
}

#[test]
fn deep_nesting_fits_a_worker_stack() {
    // rayon workers have 2 MiB stacks; unoptimized builds use the most stack per frame.
    let nested =
        |open: &str, close: &str, depth: usize| format!("{}1{}", open.repeat(depth), close.repeat(depth));
    let programs = [
        (
            format!(
                "import * as aws from \"@pulumi/aws\";\nnew aws.iam.Role(\"r\", {{ a: {} }});\n",
                nested("[", "]", 400)
            ),
            false,
        ),
        (
            format!(
                "import * as aws from \"@pulumi/aws\";\nnew aws.iam.Role(\"r\", {{ a: {} }});\n",
                nested("f(", ")", 400)
            ),
            false,
        ),
        (
            format!(
                "import * as aws from \"@pulumi/aws\";\nnew aws.iam.Role(\"r\", {{ a: {} }});\n",
                nested("{x: ", "}", 400)
            ),
            false,
        ),
        (format!("import pulumi_aws as aws\naws.iam.Role(\"r\", a={})\n", nested("[", "]", 400)), true),
        (format!("import pulumi_aws as aws\naws.iam.Role(\"r\", a={})\n", nested("(", ")", 400)), true),
    ];
    for (text, python) in programs {
        let language =
            if python { SourceLanguage::Python } else { SourceLanguage::TypeScript { jsx: false } };
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || evaluate(&text, language, &NoHost).resources.len())
            .unwrap();
        assert_eq!(handle.join().expect("no stack overflow"), 1);
    }
}

#[test]
fn output_combinators() {
    let text = r#"import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
const pool = new aws.iam.Role("pool", {});
const org = "acme";
new aws.iam.Role("a", {
    concat: pulumi.concat("repo:", org, "/", pool.name, ":*"),
    all: pulumi.all({ arn: pool.arn, name: pool.name }).apply(({ arn, name }) => `${name}@${arn}`),
    output: pulumi.output("x").apply(x => x + "y"),
    list: ["a", "b"].map(s => `repo:acme/${s}`).join(","),
});
"#;
    let evaluated = ts(text);
    assert_eq!(
        dump(&find(&evaluated, "a").properties),
        "{concat: \"repo:acme/\" + <ref pool.name> + \":*\", all: <ref pool.name> + \"@\" + <ref pool.arn>, output: \"xy\", list: \"repo:acme/a,repo:acme/b\"}"
    );
    let text = r#"import pulumi
import pulumi_aws as aws
from pulumi import Output
pool = aws.iam.Role("pool")
aws.iam.Role("a",
    concat=Output.concat("repo:", "acme", "/", pool.name),
    format=Output.format("principalSet://iam.googleapis.com/{0}/attribute.repository/{repo}", pool.name, repo="acme/infra"),
    dumps=pulumi.Output.json_dumps({"Statement": [{"Resource": pool.arn}]}),
    kwargs=Output.all(a=pool.arn).apply(lambda args: args["a"]),
)
"#;
    let evaluated = py(text);
    assert_eq!(
        dump(&find(&evaluated, "a").properties),
        "{concat: \"repo:acme/\" + <ref pool.name>, format: \"principalSet://iam.googleapis.com/\" + <ref pool.name> + \"/attribute.repository/acme/infra\", dumps: {Statement: [{Resource: <ref pool.arn>}]}, kwargs: <ref pool.arn>}"
    );
}

#[test]
fn unreadable_calls_remember_the_outputs_they_were_derived_from() {
    let evaluated = ts(r#"import * as aws from "@pulumi/aws";
import { makeTrust } from "./helpers";
const gh = new aws.iam.OpenIdConnectProvider("gh", { url: "https://token.actions.githubusercontent.com" });
const arn = gh.arn;
new aws.iam.Role("deploy", { assumeRolePolicy: arn.apply((a) => JSON.stringify(makeTrust(a, "acme/app"))) });
new aws.iam.Role("service", { assumeRolePolicy: JSON.stringify(makeTrust("ec2.amazonaws.com")) });
"#);
    let policy = |name: &str| find(&evaluated, name).properties.get("assumeRolePolicy").unwrap().clone();
    assert_eq!(
        dump(&policy("deploy")),
        "<?the result of calling a value that is not a known function from [(\"gh\", \"arn\")]>"
    );
    assert!(dump(&policy("service")).starts_with("<?the result of calling"), "{}", dump(&policy("service")));

    let evaluated = py(r#"import pulumi
import pulumi_aws as aws
from acme_platform.iam import trust_policy
gh = aws.iam.OpenIdConnectProvider("gh", url="https://token.actions.githubusercontent.com")
aws.iam.Role("deploy", assume_role_policy=pulumi.Output.all(gh.arn, gh.url).apply(lambda args: trust_policy(args[0])))
"#);
    let policy = find(&evaluated, "deploy").properties.get("assumeRolePolicy").unwrap().clone();
    assert!(dump(&policy).ends_with("from [(\"gh\", \"arn\")]>"), "{}", dump(&policy));
}

#[test]
fn sibling_constants_record_where_their_module_defines_them() {
    let text = r#"import * as aws from "@pulumi/aws";
import { SUBJECT } from "./constants";
new aws.iam.Role("deploy", { assumeRolePolicy: { Condition: { StringEquals: { sub: SUBJECT } } } });
"#;
    let evaluated = ts(text);
    let [imported] = evaluated.imported.as_slice() else { panic!("{:?}", evaluated.imported) };
    assert_eq!(slice(text, imported.at), "SUBJECT");
    assert_eq!((imported.module.as_str(), imported.name.as_str()), ("constants.ts", "SUBJECT"));
    let module = "export const SUBJECT = \"repo:acme/infra:ref:refs/heads/main\";";
    assert_eq!(slice(module, imported.span), "\"repo:acme/infra:ref:refs/heads/main\"");
}

#[test]
fn model_fields_comparisons_and_methods() {
    // Nothing calls `role`: it is read with `self` holding the class body's defaults, its
    // comparisons with `None` are decided, and `self.subject(...)` sees the same instance.
    let evaluated = py(r#"import pulumi_aws as aws
from pydantic import BaseModel

class Spec(BaseModel):
    owner: str = "acme"
    ref: str | None = None

    def subject(self, repo):
        return f"repo:{self.owner}/{repo}:{'*' if self.ref is None else self.ref}"

    def role(self, *, name):
        aws.iam.Role("deploy", assume_role_policy={"sub": self.subject("app"), "op": "StringLike" if self.ref is None else "StringEquals", "name": name})
"#);
    let properties = &find(&evaluated, "deploy").properties;
    let policy = properties.get("assumeRolePolicy").unwrap();
    assert_eq!(dump(policy.get("sub").unwrap()), "\"repo:acme/app:*\"");
    assert_eq!(dump(policy.get("op").unwrap()), "\"StringLike\"");
    assert_eq!(dump(policy.get("name").unwrap()), "<?the parameter `name` of `role`>");

    // Keyword arguments of a model's construction set its fields; TypeScript compares with `===`.
    let evaluated = py(r#"import pulumi_aws as aws
from dataclasses import dataclass

@dataclass
class Spec:
    repo: str
    ref: str = "ref:refs/heads/main"

spec = Spec(repo="acme/app", ref="*")
aws.iam.Role("deploy", assume_role_policy={"sub": f"repo:{spec.repo}:{spec.ref}", "exact": spec.ref != "*"})
"#);
    let policy = find(&evaluated, "deploy").properties.get("assumeRolePolicy").unwrap().clone();
    assert_eq!(dump(policy.get("sub").unwrap()), "\"repo:acme/app:*\"");
    assert_eq!(dump(policy.get("exact").unwrap()), "\"False\"");
    let evaluated = ts(r#"import * as aws from "@pulumi/aws";
const ref: string | null = null;
new aws.iam.Role("deploy", { assumeRolePolicy: { sub: ref === null ? "repo:acme/app:*" : `repo:acme/app:${ref}`, other: ref !== null ? "a" : "b" } });
"#);
    let policy = find(&evaluated, "deploy").properties.get("assumeRolePolicy").unwrap().clone();
    assert_eq!(dump(policy.get("sub").unwrap()), "\"repo:acme/app:*\"");
    assert_eq!(dump(policy.get("other").unwrap()), "\"b\"");
}

/// The parts recorded for the value at `span`, as (text, where written, how spliced in).
fn splices<'t>(evaluated: &Evaluated, text: &'t str, span: Span) -> Vec<(String, &'t str, &'t str)> {
    let Some(record) = evaluated.spliced.iter().rev().find(|record| record.at == span) else {
        return Vec::new();
    };
    record
        .parts
        .iter()
        .map(|part| (part.text.clone(), slice(text, part.defined), slice(text, part.used)))
        .collect()
}

#[test]
fn values_spliced_into_text_keep_where_they_are_written() {
    let text = r#"import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { SUBJECT } from "./constants";
const ORG = "*";
const REPO = "infra";
function subject(branch: string) { return `repo:${ORG}/${REPO}:ref:refs/heads/${branch}`; }
new aws.iam.Role("template", { description: subject("main") });
new aws.iam.Role("literal", { description: `repo:${"acme"}/${REPO}` });
new aws.iam.Role("plus", { description: "repo:" + ORG + "/" + REPO });
new aws.iam.Role("interpolate", { description: pulumi.interpolate`${SUBJECT}:${REPO}` });
"#;
    let evaluated = ts(text);
    let description = |name: &str| find(&evaluated, name).properties.get("description").unwrap().span;
    // A helper's template: the constants and the helper's argument, in the order of the text.
    assert_eq!(
        splices(&evaluated, text, description("template")),
        vec![
            ("*".to_string(), "\"*\"", "ORG"),
            ("infra".to_string(), "\"infra\"", "REPO"),
            ("main".to_string(), "\"main\"", "branch"),
        ]
    );
    // A literal written inside the template is not a part written elsewhere.
    assert_eq!(
        splices(&evaluated, text, description("literal")),
        vec![("infra".to_string(), "\"infra\"", "REPO")]
    );
    // A chain of `+` gathers the parts of every operand.
    assert_eq!(
        splices(&evaluated, text, description("plus")),
        vec![("*".to_string(), "\"*\"", "ORG"), ("infra".to_string(), "\"infra\"", "REPO")]
    );
    // A sibling module's name is recorded at its use (where `imported` says the module writes it).
    let interpolated = splices(&evaluated, text, description("interpolate"));
    assert_eq!(interpolated[0], ("repo:acme/infra:ref:refs/heads/main".to_string(), "SUBJECT", "SUBJECT"));
    assert_eq!(interpolated.len(), 2);
}

#[test]
fn python_format_and_f_strings_record_their_parts_and_stay_bounded() {
    let holes: String = (0..40).map(|i| format!("{{P{i}}}")).collect();
    let constants: String = (0..40).map(|i| format!("P{i} = \"p{i}\"\n")).collect();
    let text = format!(
        "import pulumi_aws as aws\nORG = \"acme\"\n{constants}aws.iam.Role(\"fmt\", description=\"repo:{{}}/*\".format(ORG))\naws.iam.Role(\"pct\", description=\"repo:%s/*\" % ORG)\naws.iam.Role(\"many\", description=f\"{holes}\")\n"
    );
    let evaluated = py(&text);
    let description = |name: &str| find(&evaluated, name).properties.get("description").unwrap().span;
    assert_eq!(splices(&evaluated, &text, description("fmt")), vec![("acme".to_string(), "\"acme\"", "ORG")]);
    assert_eq!(splices(&evaluated, &text, description("pct")), vec![("acme".to_string(), "\"acme\"", "ORG")]);
    let many = evaluated.spliced.iter().find(|record| record.at == description("many")).unwrap();
    assert_eq!((many.parts.len(), many.omitted), (MAX_SPLICED_PARTS, 40 - MAX_SPLICED_PARTS));
}
