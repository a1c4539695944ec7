//! The trust chain in the editor: the server links the whole workspace folder, with the open
//! buffers in place of the disk text, and publishes the chain findings of open documents.

mod common;

use common::{Client, file_uri, rules_of};
use serde_json::json;

/// (line, start column, end column) of `needle` in `text`, in UTF-16 units.
fn columns(text: &str, needle: &str) -> (u64, u64, u64) {
    let start = text.find(needle).unwrap();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..start].matches('\n').count() as u64;
    let count = |s: &str| s.encode_utf16().count() as u64;
    (line, count(&text[line_start..start]), count(&text[line_start..start + needle.len()]))
}

fn range_of(diagnostic: &serde_json::Value) -> (u64, u64, u64) {
    let range = &diagnostic["range"];
    assert_eq!(range["start"]["line"], range["end"]["line"]);
    (
        range["start"]["line"].as_u64().unwrap(),
        range["start"]["character"].as_u64().unwrap(),
        range["end"]["character"].as_u64().unwrap(),
    )
}

const DEPLOY_WORKFLOW: &str = "on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: prod
    permissions:
      id-token: write
      contents: read
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/app-deploy
          aws-region: eu-west-1
";

const DEPLOY_TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app-deploy
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
                token.actions.githubusercontent.com:sub: repo:acme/app:ref:refs/heads/main
"#;

#[test]
fn the_trust_chain_is_linked_over_the_workspace_with_open_buffers_in_place_of_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("trustlint.toml"), "repository = \"acme/app\"\n").unwrap();
    std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
    std::fs::create_dir_all(root.join("infra")).unwrap();
    let workflow = root.join(".github/workflows/deploy.yml");
    let template = root.join("infra/template.yaml");
    std::fs::write(&workflow, DEPLOY_WORKFLOW).unwrap();
    std::fs::write(&template, DEPLOY_TEMPLATE).unwrap();
    let mut client = Client::start(json!({}), Some(root));

    // The workflow alone shows nothing wrong: the trust that rejects it is another file, read
    // from disk.
    let workflow_uri = file_uri(&workflow);
    client.open(&workflow_uri, "yaml", DEPLOY_WORKFLOW);
    let published = client.diagnostics(&workflow_uri);
    assert_eq!(rules_of(&published), vec!["trust-rejects-caller"], "{published:#}");
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(range_of(diagnostic), columns(DEPLOY_WORKFLOW, "arn:aws:iam::123456789012:role/app-deploy"));
    let related = diagnostic["relatedInformation"].as_array().unwrap();
    let template_uri = file_uri(&template);
    assert!(related.iter().any(|r| r["location"]["uri"] == template_uri.as_str()), "{diagnostic:#}");

    // The trust edited in the editor, not saved: its buffer replaces the disk text, and the
    // workflow's diagnostics are published again without the finding.
    client.open(&template_uri, "yaml", DEPLOY_TEMPLATE);
    let admits_prod = DEPLOY_TEMPLATE.replace("ref:refs/heads/main", "environment:prod");
    client.change(&template_uri, 2, &admits_prod);
    let published = client.next_notification("textDocument/publishDiagnostics", |params| {
        params["uri"] == workflow_uri.as_str() && params["diagnostics"] == json!([])
    });
    assert_eq!(published["diagnostics"], json!([]));

    // The workflow edited to run on pull requests instead: rejected again, by the buffer's trust.
    let on_pull_requests = DEPLOY_WORKFLOW.replace("    environment: prod\n", "");
    client.change(&workflow_uri, 2, &on_pull_requests);
    let published = client.diagnostics(&workflow_uri);
    assert_eq!(rules_of(&published), vec!["trust-rejects-caller"], "{published:#}");
    assert!(
        published["diagnostics"][0]["message"].as_str().unwrap().contains("refs/heads/main"),
        "{published:#}"
    );

    // Closing the trust's buffer brings back the disk text, which pins `main`: the push to
    // `main` is admitted.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": template_uri } }));
    let published = client.next_notification("textDocument/publishDiagnostics", |params| {
        params["uri"] == workflow_uri.as_str() && params["diagnostics"] == json!([])
    });
    assert_eq!(published["diagnostics"], json!([]));
    client.shutdown().unwrap();
}
