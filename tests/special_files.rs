//! Issue 9, item 11: every file trustlint reads goes through one reader that applies the size
//! limit and refuses what is not a regular file. Each input here is a FIFO nobody writes to
//! (reading it would block forever) or a symlink to `/dev/zero` (reading it would fill memory):
//! an ignore file, a stack file, sibling modules of a Pulumi program, `--config` and
//! `--baseline`. The run must end, say what it skipped, and still report the program's finding.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, write};

fn fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success());
}

fn zero(path: &Path) {
    std::os::unix::fs::symlink("/dev/zero", path).unwrap();
}

/// Run `trustlint` in `dir`; a run that has not ended after two minutes is a hang (killed and
/// failed), not a slow run.
fn run_to_end(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trustlint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("trustlint {args:?} hung on a FIFO or device");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap().into()
}

const PROGRAM: &str = r#"import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { OWNER } from "./constants";
import { helper } from "./helpers";

new aws.iam.Role("deploy", {
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" },
            },
        }],
    }),
});
"#;

#[test]
fn fifos_and_devices_anywhere_are_refused_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "infra/index.ts", PROGRAM);
    write(root, "infra/Pulumi.yaml", "name: infra\nruntime: nodejs\n");
    fifo(&root.join("infra/Pulumi.dev.yaml"));
    zero(&root.join("infra/Pulumi.prod.yaml"));
    zero(&root.join("infra/constants.ts"));
    fifo(&root.join("infra/helpers.ts"));
    zero(&root.join(".gitignore"));
    fifo(&root.join("infra/.gitignore"));
    write(root, "py/__main__.py", "import pulumi\nimport pulumi_aws as aws\nimport settings\n");
    fifo(&root.join("py/settings.py"));

    let run = run_to_end(root, &["check", ".", "--format", "json", "--exit-zero"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = common::json(&run.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["rule"] == "oidc-wildcard-subject"),
        "the program's finding is kept: {}",
        run.stdout
    );
    let notes = report["notes"].to_string();
    assert!(notes.contains(".gitignore not read: not a regular file (a device)"), "{notes}");
    assert!(notes.contains(".gitignore not read: not a regular file (a FIFO)"), "{notes}");

    fifo(&root.join("trustlint.toml"));
    let run = run_to_end(root, &["check", ".", "--config", "trustlint.toml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("trustlint.toml: cannot read: not a regular file (a FIFO)"),
        "{}",
        run.stderr
    );

    zero(&root.join("baseline.json"));
    let run = run_to_end(root, &["check", "infra", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a regular file (a device)"), "{}", run.stderr);
}

#[test]
fn an_input_named_on_the_command_line_that_is_a_device_or_fifo_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    zero(&root.join("zero.json"));
    fifo(&root.join("pipe.yaml"));
    let run = run_to_end(root, &["check", "zero.json", "pipe.yaml", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(common::json(&run.stdout)["summary"]["files_scanned"], 0);
}
