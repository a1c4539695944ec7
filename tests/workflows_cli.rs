//! End-to-end tests of the CI workflow rules through the real binary: findings at the right
//! lines, the fix in SARIF, and `check --fix` rewriting a workflow that still parses, keeps its
//! comments and no longer grants `id-token: write` to every job.

mod common;

use serde_json::Value;

use common::{Run, assert_valid_sarif, run, write};

/// Line numbers matter below: see the comments at the end of the lines they name.
const WORKFLOW: &str = "\
name: preview
on:
  pull_request_target:
    types: [opened, synchronize]
# Shared by every job.
permissions:
  contents: read
  id-token: write # line 8: the workflow-level grant
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make lint
  deploy:
    runs-on: ubuntu-latest
    environment: preview
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/preview
          aws-region: us-east-1
      - run: make deploy
  legacy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.KEY }}
          aws-secret-access-key: ${{ secrets.SECRET }}
          aws-region: us-east-1
";

const WORKFLOW_PATH: &str = ".github/workflows/preview.yml";

fn repo_with_workflow() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), WORKFLOW_PATH, WORKFLOW);
    dir
}

/// `(rule, line)` of every finding in a JSON report, sorted.
fn rule_lines(json: &str) -> Vec<(String, u64)> {
    let doc: Value = serde_json::from_str(json).unwrap();
    let mut out: Vec<(String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["start"]["line"].as_u64().unwrap()))
        .collect();
    out.sort();
    out
}

fn workflow_rules() -> &'static str {
    "id-token-workflow-scope,id-token-untrusted-trigger,id-token-unused,static-cloud-credentials,parse-error"
}

#[test]
fn workflow_findings_at_the_right_lines() {
    let dir = repo_with_workflow();
    let Run { code, stdout, stderr } =
        run(dir.path(), &["check", "--format", "json", "--select", workflow_rules()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let found = rule_lines(&stdout);
    let expected: Vec<(String, u64)> = [
        // Every job inherits `id-token: write` and the workflow runs on pull_request_target: one
        // finding, on the workflow-level grant, naming the three jobs.
        ("id-token-untrusted-trigger", 8),
        // The workflow-level grant, on the `id-token` key.
        ("id-token-workflow-scope", 8),
        // `aws-access-key-id: ${{ secrets.KEY }}` and its secret half.
        ("static-cloud-credentials", 32),
        ("static-cloud-credentials", 33),
    ]
    .iter()
    .map(|(rule, line)| (rule.to_string(), *line))
    .collect();
    assert_eq!(found, expected, "{stdout}");

    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let scope = findings.iter().find(|f| f["rule"] == "id-token-workflow-scope").unwrap();
    // `lint` and `legacy` never request a token; `deploy` logs in with role-to-assume.
    let message = scope["message"].as_str().unwrap();
    assert!(message.contains("jobs `lint` and `legacy` never request"), "{message}");
    assert_eq!(scope["fix"]["safe"], true);
    let trigger = findings.iter().find(|f| f["rule"] == "id-token-untrusted-trigger").unwrap();
    assert_eq!(trigger["severity"], "high");
    let message = trigger["message"].as_str().unwrap();
    assert!(message.contains("Jobs `lint`, `deploy` and `legacy`"), "{message}");
    assert!(
        message.contains("job `deploy` checks out `${{ github.event.pull_request.head.sha }}`"),
        "{message}"
    );
    let credential = findings.iter().find(|f| f["rule"] == "static-cloud-credentials").unwrap();
    assert!(credential["message"].as_str().unwrap().contains("secret `KEY`"));
    assert!(credential["help"].as_str().unwrap().contains("role-to-assume"));
}

#[test]
fn sarif_carries_the_fix_and_validates() {
    let dir = repo_with_workflow();
    let Run { stdout, .. } =
        run(dir.path(), &["check", "--format", "sarif", "--select", "id-token-workflow-scope"]);
    let sarif = assert_valid_sarif(&stdout);
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "id-token-workflow-scope");
    let changes = result["fixes"][0]["artifactChanges"][0]["replacements"].as_array().unwrap();
    // One edit removes the workflow-level grant, one adds a block to `deploy`.
    assert_eq!(changes.len(), 2, "{changes:?}");
}

#[test]
fn fix_moves_the_grant_and_the_workflow_still_parses() {
    let dir = repo_with_workflow();
    let Run { code, stdout, stderr } =
        run(dir.path(), &["check", "--fix", "--format", "json", "--select", workflow_rules()]);
    assert!(stderr.contains("applied 1 fix(es) to 1 file(s)"), "{stderr}");
    // What remains: the deploy job (now granted at job level) still runs on pull_request_target,
    // and the static keys are untouched.
    assert_eq!(code, 1);
    let remaining: Vec<String> = rule_lines(&stdout).into_iter().map(|(rule, _)| rule).collect();
    assert_eq!(
        remaining,
        ["id-token-untrusted-trigger", "static-cloud-credentials", "static-cloud-credentials"],
        "{stdout}"
    );

    let fixed = std::fs::read_to_string(dir.path().join(WORKFLOW_PATH)).unwrap();
    assert_eq!(
        fixed,
        WORKFLOW
            .replace("  id-token: write # line 8: the workflow-level grant\n", "  # line 8: the workflow-level grant\n")
            .replace(
                "  deploy:\n    runs-on: ubuntu-latest\n",
                "  deploy:\n    permissions:\n      contents: read\n      id-token: write\n    runs-on: ubuntu-latest\n"
            )
    );
    assert!(fixed.contains("# Shared by every job."));

    // Parses (no parse-error) and no longer triggers the rule; a second --fix has nothing to do.
    let Run { code, stdout, .. } =
        run(dir.path(), &["check", "--format", "json", "--select", "id-token-workflow-scope,parse-error"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(rule_lines(&stdout).is_empty());
    let Run { stderr, .. } = run(dir.path(), &["check", "--fix", "--select", "id-token-workflow-scope"]);
    assert!(stderr.contains("applied 0 fix(es)"), "{stderr}");
}

#[test]
fn gitlab_pipeline_is_read_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = "\
.oidc:
  id_tokens:
    ID_TOKEN:
      aud: https://gitlab.com
deploy:
  extends: .oidc
  variables:
    AWS_SECRET_ACCESS_KEY: $DEPLOY_SECRET # trustlint: ignore[static-cloud-credentials] migrating in OPS-12
  script:
    - ./deploy.sh
";
    std::fs::write(dir.path().join(".gitlab-ci.yml"), pipeline).unwrap();
    let Run { code, stdout, stderr } = run(
        dir.path(),
        &["check", "--format", "json", "--select", "oidc-instance-audience,static-cloud-credentials"],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let audience = findings.iter().find(|f| f["rule"] == "oidc-instance-audience").unwrap();
    assert_eq!(audience["severity"], "low");
    assert_eq!(audience["start"]["line"], 4);
    let credential = findings.iter().find(|f| f["rule"] == "static-cloud-credentials");
    // Suppressed inline: listed only with --show-suppressed, and it does not fail the run.
    assert!(credential.is_none_or(|c| !c["suppression"].is_null()), "{stdout}");
    let Run { stdout, .. } = run(
        dir.path(),
        &["check", "--format", "json", "--show-suppressed", "--select", "static-cloud-credentials"],
    );
    assert!(stdout.contains("migrating in OPS-12"), "{stdout}");
}
