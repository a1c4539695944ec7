//! The location convention for the workflow and configuration rules: a finding's primary location
//! is the smallest text the user must change to fix it; what explains it (the trigger, the jobs,
//! the evidence) is a related location. Each case names the rule, the input, and for every
//! expected finding the 1-based line and the exact text of its primary span.

use trustlint_core::{ColumnUnit, Finding};
use trustlint_engine::{Config, Engine, RunOptions};

fn findings(rule: &str, path: &str, text: &str) -> Vec<Finding> {
    let options = RunOptions { select: vec![rule.to_string()], ..RunOptions::default() };
    let engine = Engine::new(Config::default(), &options).unwrap();
    engine.check_text(path, text).unwrap_or_else(|| panic!("{path} is not an input"))
}

/// (line, primary text) of every finding, in report order.
fn primaries(findings: &[Finding]) -> Vec<(u32, String)> {
    findings
        .iter()
        .map(|f| {
            let file = &f.primary.file;
            (
                file.position(f.primary.span.start, ColumnUnit::Utf8).line,
                file.slice(f.primary.span).to_string(),
            )
        })
        .collect()
}

/// Lines of the related locations of a finding.
fn related_lines(finding: &Finding) -> Vec<u32> {
    finding
        .related
        .iter()
        .map(|r| r.location.file.position(r.location.span.start, ColumnUnit::Utf8).line)
        .collect()
}

fn assert_points_at(rule: &str, path: &str, text: &str, expected: &[(u32, &str)]) -> Vec<Finding> {
    let found = findings(rule, path, text);
    let expected: Vec<(u32, String)> = expected.iter().map(|(l, t)| (*l, t.to_string())).collect();
    assert_eq!(primaries(&found), expected, "{rule} on {path}");
    found
}

const WORKFLOW_RUN_BOTH_LEVELS: &str = "\
on:
  workflow_run:
    workflows: [build]
    types: [completed]
permissions:
  contents: read
  id-token: write
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::123456789012:role/plan, aws-region: us-east-1}
  apply:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::123456789012:role/apply, aws-region: us-east-1}
  release:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      id-token: write
    steps:
      - run: make release
  docs:
    runs-on: ubuntu-latest
    permissions: {contents: read}
    steps:
      - run: make docs
";

#[test]
fn untrusted_trigger_points_at_each_grant_once() {
    let found = assert_points_at(
        "id-token-untrusted-trigger",
        ".github/workflows/publish.yml",
        WORKFLOW_RUN_BOTH_LEVELS,
        &[(7, "id-token"), (23, "id-token")],
    );
    // The workflow-level grant: one finding naming both jobs that inherit it; the trigger and
    // the jobs are related locations.
    let workflow_level = &found[0];
    assert!(workflow_level.message.contains("Jobs `plan` and `apply`"), "{}", workflow_level.message);
    let related = related_lines(workflow_level);
    assert!(related.contains(&2) && related.contains(&9) && related.contains(&14), "{related:?}");
    // The job-level grant: that job only.
    let job_level = &found[1];
    assert!(job_level.message.starts_with("Job `release`"), "{}", job_level.message);
    assert!(!job_level.message.contains("`plan`"));
    assert!(related_lines(job_level).contains(&19));
}

#[test]
fn untrusted_trigger_points_at_write_all() {
    let text = "\
on: pull_request_target
permissions: write-all
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
";
    assert_points_at("id-token-untrusted-trigger", ".github/workflows/label.yml", text, &[(2, "write-all")]);
}

#[test]
fn workflow_scope_points_at_the_workflow_level_grant() {
    let text = "\
on: push
permissions:
  contents: read
  id-token: write
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: projects/1/locations/global/workloadIdentityPools/p/providers/gh
";
    let found =
        assert_points_at("id-token-workflow-scope", ".github/workflows/ci.yml", text, &[(4, "id-token")]);
    assert_eq!(related_lines(&found[0]), [6]);
    let write_all =
        "on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n";
    assert_points_at("id-token-workflow-scope", ".github/workflows/ci.yml", write_all, &[(2, "write-all")]);
}

#[test]
fn unused_points_at_the_jobs_grant() {
    let text = "\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - run: make
";
    let found = assert_points_at("id-token-unused", ".github/workflows/ci.yml", text, &[(7, "id-token")]);
    assert_eq!(related_lines(&found[0]), [3]);
}

#[test]
fn static_credentials_point_at_what_receives_the_credential() {
    let github = "\
on: push
env:
  AWS_ACCESS_KEY_ID: ${{ secrets.KEY_ID }}
  profile: |
    [default]
    aws_secret_access_key=${{ secrets.SECRET }}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: google-github-actions/auth@v2
        with:
          credentials_json: ${{ secrets.GCP_KEY }}
      - run: |
          export PULUMI_ACCESS_TOKEN=${{ secrets.PULUMI }}
          pulumi up
";
    assert_points_at(
        "static-cloud-credentials",
        ".github/workflows/deploy.yml",
        github,
        &[
            (3, "AWS_ACCESS_KEY_ID"),
            (6, "aws_secret_access_key"),
            (13, "credentials_json"),
            (15, "PULUMI_ACCESS_TOKEN"),
        ],
    );
    let gitlab = "\
variables:
  ARM_CLIENT_SECRET: $AZ_SECRET
deploy:
  script:
    - aws configure set aws_access_key_id $KEY_ID
    - aws s3 ls
";
    assert_points_at(
        "static-cloud-credentials",
        ".gitlab-ci.yml",
        gitlab,
        &[(2, "ARM_CLIENT_SECRET"), (5, "aws_access_key_id")],
    );
}

#[test]
fn gitlab_audience_rules_point_at_the_entry_or_value() {
    let text = "\
.oidc: &oidc
  id_tokens:
    SHARED_TOKEN:
      aud: https://gitlab.com
a:
  <<: *oidc
  script: [make]
b:
  <<: *oidc
  script: [make]
c:
  id_tokens:
    BARE_TOKEN: {}
  script: [make]
";
    // The instance URL: the value to replace, once for the anchor shared by both jobs.
    let found =
        assert_points_at("oidc-instance-audience", ".gitlab-ci.yml", text, &[(4, "https://gitlab.com")]);
    assert!(found[0].message.contains("jobs `a`, `b`"), "{}", found[0].message);
    // No audience: the entry where `aud` must be added.
    assert_points_at("oidc-missing-audience", ".gitlab-ci.yml", text, &[(13, "BARE_TOKEN")]);
}

#[test]
fn config_secrets_point_at_the_value() {
    // Built at run time so no credential-shaped literal is committed.
    let token: String =
        "pul-".chars().chain((0..40).map(|i| char::from(b"0123456789abcdef"[(i * 7 + 3) % 16]))).collect();
    let text = format!("config:\n  aws:region: us-east-1\n  acme:apiToken: {token}\n  acme:enabled: True\n");
    let found = findings("plaintext-config-secret", "Pulumi.prod.yaml", &text);
    assert_eq!(primaries(&found), [(3, token)]);
}
