//! Re-checking one 2,000-line file as an editor does on every keystroke: a `didChange` with the
//! full text in, `publishDiagnostics` out, through the real server loop (JSON on both sides),
//! next to the engine alone for comparison. Run with `cargo bench -p trustlint-lsp`.
//!
//! The input is a CloudFormation template with about 80 GitHub OIDC roles, one in ten of them
//! trusting every repository of the owner, so each check also builds and publishes diagnostics.

use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use trustlint_engine::{Config, Engine, RunOptions};

const LINES: usize = 2_000;
const URI: &str = "file:///bench/stack.yaml";

fn main() {
    divan::main();
}

/// One role in ten trusts every repository of the owner; the others one environment.
fn subject(role: usize) -> String {
    if role.is_multiple_of(10) {
        "repo:acme/*".to_string()
    } else {
        format!("repo:acme/service-{role}:environment:production")
    }
}

/// A template of at least `LINES` lines.
fn template() -> String {
    let mut text = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: Deploy roles for every service\nResources:\n  GithubOidc:\n    Type: AWS::IAM::OIDCProvider\n    Properties:\n      Url: https://token.actions.githubusercontent.com\n      ClientIdList: [sts.amazonaws.com]\n",
    );
    let mut role = 0;
    while text.lines().count() < LINES {
        let subject = subject(role);
        text.push_str(&format!(
            "  DeployRole{role}:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy-service-{role}
      Description: Deploys service {role} from GitHub Actions
      MaxSessionDuration: 3600
      AssumeRolePolicyDocument:
        Version: \"2012-10-17\"
        Statement:
          - Sid: GitHubActions
            Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: !Ref GithubOidc
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
              StringLike:
                token.actions.githubusercontent.com:sub: \"{subject}\"
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/ReadOnlyAccess
      Tags:
        - Key: service
          Value: service-{role}
"
        ));
        role += 1;
    }
    text
}

/// The engine alone, on the same text (the floor for the server path).
#[divan::bench]
fn engine_check_text(bencher: divan::Bencher) {
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    let text = template();
    bencher.bench_local(|| engine.check_text("stack.yaml", divan::black_box(&text)).unwrap());
}

/// A Pulumi TypeScript program of at least `LINES` lines: one OIDC provider and roles whose
/// trusts are built by a helper inside `.apply`, with attachments, one in ten trusting every
/// repository of the owner.
fn pulumi_program() -> String {
    let mut text = String::from(
        "import * as aws from \"@pulumi/aws\";\n\nconst gh = new aws.iam.OpenIdConnectProvider(\"gh\", {\n    url: \"https://token.actions.githubusercontent.com\",\n    clientIdLists: [\"sts.amazonaws.com\"],\n});\n\nfunction trust(arn: string, subject: string) {\n    return JSON.stringify({\n        Version: \"2012-10-17\",\n        Statement: [{\n            Effect: \"Allow\",\n            Principal: { Federated: arn },\n            Action: \"sts:AssumeRoleWithWebIdentity\",\n            Condition: {\n                StringEquals: { \"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\" },\n                StringLike: { \"token.actions.githubusercontent.com:sub\": subject },\n            },\n        }],\n    });\n}\n\n",
    );
    let mut role = 0;
    while text.lines().count() < LINES {
        let subject = subject(role);
        text.push_str(&format!(
            "const role{role} = new aws.iam.Role(\"deploy-{role}\", {{
    description: \"Deploys service {role} from GitHub Actions\",
    maxSessionDuration: 3600,
    assumeRolePolicy: gh.arn.apply(arn => trust(arn, \"{subject}\")),
    tags: {{ service: \"service-{role}\" }},
}});
new aws.iam.RolePolicyAttachment(\"read-{role}\", {{
    role: role{role}.name,
    policyArn: aws.iam.ManagedPolicy.ReadOnlyAccess,
}});

"
        ));
        role += 1;
    }
    text
}

/// The engine on a 2,000-line Pulumi program: parse, partial evaluation, rules.
#[divan::bench]
fn engine_check_pulumi_program(bencher: divan::Bencher) {
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    let text = pulumi_program();
    let findings = engine.check_text("infra/index.ts", &text).unwrap();
    assert!(findings.iter().any(|f| f.rule == "oidc-wildcard-subject"), "the program is read");
    bencher.bench_local(|| engine.check_text("infra/index.ts", divan::black_box(&text)).unwrap());
}

/// `didChange` (full text) to `publishDiagnostics`, through the server.
#[divan::bench]
fn server_recheck_after_change(bencher: divan::Bencher) {
    let (server_side, client) = Connection::memory();
    let server = std::thread::spawn(move || trustlint_lsp::run(&server_side));
    let send = |message: Message| client.sender.send(message).unwrap();
    let initialize =
        json!({ "capabilities": {}, "workspaceFolders": [{ "uri": "file:///bench", "name": "bench" }] });
    send(Request::new(RequestId::from(1), "initialize".into(), initialize).into());
    wait_for(&client, |message| matches!(message, Message::Response(_)));
    send(Notification::new("initialized".into(), json!({})).into());

    let text = template();
    let document = json!({ "uri": URI, "languageId": "yaml", "version": 0, "text": text });
    send(Notification::new("textDocument/didOpen".into(), json!({ "textDocument": document })).into());
    let first = wait_for(&client, is_publication);
    let published = first["diagnostics"].as_array().map_or(0, Vec::len);
    assert!(published > 0, "the template has wide trusts");
    eprintln!("input: {} lines, {published} diagnostics published per check", text.lines().count());

    let mut version = 0;
    bencher.bench_local(|| {
        version += 1;
        let params = json!({
            "textDocument": { "uri": URI, "version": version },
            "contentChanges": [{ "text": text }],
        });
        send(Notification::new("textDocument/didChange".into(), params).into());
        let published = wait_for(&client, is_publication);
        assert_eq!(published["version"], version);
    });

    send(Request::new(RequestId::from(2), "shutdown".into(), Value::Null).into());
    wait_for(&client, |message| matches!(message, Message::Response(_)));
    send(Notification::new("exit".into(), Value::Null).into());
    server.join().unwrap().unwrap();
}

fn is_publication(message: &Message) -> bool {
    matches!(message, Message::Notification(n) if n.method == "textDocument/publishDiagnostics")
}

/// The first message matching `wanted` (its params for notifications).
fn wait_for(client: &Connection, wanted: impl Fn(&Message) -> bool) -> Value {
    loop {
        let message = client.receiver.recv_timeout(Duration::from_secs(30)).expect("the server answers");
        if wanted(&message) {
            return match message {
                Message::Notification(notification) => notification.params,
                _ => Value::Null,
            };
        }
    }
}

/// A workspace folder of `trusts` CloudFormation templates (one named role each) and as many
/// other YAML files, and a workflow whose jobs log in to some of the roles.
fn chain_workspace(trusts: usize) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("trustlint.toml"), "repository = \"acme/app\"\n").unwrap();
    std::fs::create_dir_all(root.join("infra")).unwrap();
    std::fs::create_dir_all(root.join("config")).unwrap();
    std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
    for role in 0..trusts {
        let template = format!(
            "AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy-{role}
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
                token.actions.githubusercontent.com:sub: repo:acme/app:environment:env-{role}
"
        );
        std::fs::write(root.join(format!("infra/role-{role}.yaml")), template).unwrap();
        std::fs::write(root.join(format!("config/settings-{role}.yaml")), format!("name: service-{role}\n"))
            .unwrap();
    }
    let mut workflow = String::from("on:\n  push:\n    branches: [main]\njobs:\n");
    for job in 0..20 {
        workflow.push_str(&format!(
            "  deploy-{job}:
    runs-on: ubuntu-latest
    environment: env-{job}
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy-{job}
          aws-region: eu-west-1
"
        ));
    }
    std::fs::write(root.join(".github/workflows/deploy.yml"), &workflow).unwrap();
    (dir, workflow)
}

/// The language server's re-link after an edit to a workflow in a folder of 1,000 trust
/// templates and 1,000 other files: the edited buffer is analysed again, the other files come
/// from the cache (their modification times are looked at), and the whole chain is linked.
#[divan::bench]
fn engine_relink_after_change(bencher: divan::Bencher) {
    use std::collections::BTreeMap;
    use trustlint_engine::linked::ChainCache;
    let (dir, workflow) = chain_workspace(1_000);
    let config = Config::discover(dir.path()).unwrap();
    let engine = Engine::new(config, &RunOptions::default()).unwrap();
    let mut cache = ChainCache::default();
    let edited = [workflow.clone(), workflow.replace("environment: env-0\n", "environment: env-x\n")];
    let mut buffers = BTreeMap::new();
    buffers.insert(".github/workflows/deploy.yml".to_string(), workflow);
    // The first link reads the whole folder; the bench measures the ones after an edit.
    engine.check_chain_in(dir.path(), &buffers, &mut cache);
    let mut round = 0;
    bencher.bench_local(|| {
        round += 1;
        buffers.insert(".github/workflows/deploy.yml".to_string(), edited[round % 2].clone());
        let findings = engine.check_chain_in(dir.path(), &buffers, &mut cache);
        assert_eq!(cache.last_analysed, 1);
        findings
    });
}

/// The first link of the same folder (opening the first document): every file is read.
#[divan::bench(sample_count = 20)]
fn engine_first_link(bencher: divan::Bencher) {
    use std::collections::BTreeMap;
    use trustlint_engine::linked::ChainCache;
    let (dir, _) = chain_workspace(1_000);
    let config = Config::discover(dir.path()).unwrap();
    let engine = Engine::new(config, &RunOptions::default()).unwrap();
    bencher.bench_local(|| {
        let mut cache = ChainCache::default();
        engine.check_chain_in(dir.path(), &BTreeMap::new(), &mut cache)
    });
}
