//! The server finds a Pulumi program's stack files next to the document on disk, whatever its
//! own working directory. Its own test binary: the one test here changes the process's working
//! directory, which no other test may see.

mod common;

use std::fs;

use common::{Client, file_uri};
use serde_json::json;

const PROGRAM: &str = r#"import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const config = new pulumi.Config();

new aws.iam.Role("deploy", {
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                StringLike: { "token.actions.githubusercontent.com:sub": config.require("deploySubject") },
            },
        }],
    }),
});
"#;

fn write_project(dir: &std::path::Path, subject: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("Pulumi.yaml"), "name: infra\nruntime: nodejs\n").unwrap();
    fs::write(dir.join("Pulumi.dev.yaml"), format!("config:\n  infra:deploySubject: \"{subject}\"\n"))
        .unwrap();
}

#[test]
fn stack_files_are_read_beside_the_document_not_the_working_directory() {
    let workspace = tempfile::tempdir().unwrap();
    let infra = workspace.path().join("infra");
    write_project(&infra, "repo:acme/*");
    fs::write(infra.join("index.ts"), PROGRAM).unwrap();
    // The server runs elsewhere, in a folder with the same relative layout whose stack pins one
    // environment: reading stack files through the display path (`infra/index.ts`) would find
    // this one and report nothing.
    let elsewhere = tempfile::tempdir().unwrap();
    write_project(&elsewhere.path().join("infra"), "repo:acme/infra:environment:prod");
    std::env::set_current_dir(elsewhere.path()).unwrap();

    let mut client = Client::start(json!({}), Some(workspace.path()));
    let uri = file_uri(&infra.join("index.ts"));
    client.open(&uri, "typescript", PROGRAM);
    let published = client.diagnostics(&uri);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    let wildcard: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d["code"] == "oidc-wildcard-subject")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(wildcard.len(), 1, "{published}");
    assert!(wildcard[0].contains("`repo:acme/*`"), "{}", wildcard[0]);
    assert!(wildcard[0].contains("config `infra:deploySubject` of stack `dev`"), "{}", wildcard[0]);
    client.shutdown().unwrap();
}
