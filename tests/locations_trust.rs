//! Where a finding points (docs/architecture.md, "Where a finding points"): the primary location
//! is the smallest span the user must edit; a value defined elsewhere is a related location and
//! the message says where it came from. One case per rule, each run with only that rule enabled.

mod common;

use common::{ALNUM, Rng};
use trustlint_core::Finding;
use trustlint_engine::{Config, Engine, RunOptions};

fn findings(rule: &str, path: &str, text: &str) -> Vec<Finding> {
    let options = RunOptions { select: vec![rule.to_string()], ..RunOptions::default() };
    let engine = Engine::new(Config::default(), &options).unwrap();
    let mut found = engine.check_text(path, text).unwrap_or_else(|| panic!("{path} is not an input"));
    trustlint_engine::run::finish(&mut found);
    assert!(found.iter().all(|f| f.rule == rule), "{found:#?}");
    found
}

/// The one finding of `rule` on `text`, with its primary text.
fn only(rule: &str, path: &str, text: &str) -> (Finding, String) {
    let mut found = findings(rule, path, text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found.remove(0);
    let primary = finding.primary.text().to_string();
    (finding, primary)
}

fn related_texts(finding: &Finding) -> Vec<(String, String)> {
    finding.related.iter().map(|r| (r.location.text().to_string(), r.message.clone())).collect()
}

const PROVIDER: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

fn trust_json(condition: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Principal": {{"Federated": "{PROVIDER}"}}{condition}}}]}}
"#
    )
}

#[test]
fn missing_subject_points_at_the_condition_block() {
    let condition = r#",
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#;
    let (finding, primary) = only("oidc-missing-subject", "trust.json", &trust_json(condition));
    assert_eq!(
        primary,
        r#"{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#
    );
    assert!(related_texts(&finding).iter().any(|(_, label)| label == "the trust statement"));
}

#[test]
fn without_a_condition_the_statement_is_the_location() {
    let text = trust_json("");
    let (_, primary) = only("oidc-missing-subject", "trust.json", &text);
    assert!(primary.starts_with(r#"{"Effect": "Allow""#), "{primary}");
    let (_, primary) = only("oidc-missing-audience", "trust.json", &text);
    assert!(primary.starts_with(r#"{"Effect": "Allow""#), "{primary}");
}

#[test]
fn missing_audience_points_at_the_condition_block_not_a_principal_variable() {
    // The principal is a variable declared elsewhere in the program: never the location.
    let text = r#"import * as aws from "@pulumi/aws";
const github = new aws.iam.OpenIdConnectProvider("github", {
    url: "https://token.actions.githubusercontent.com",
    clientIdLists: ["sts.amazonaws.com"],
});
const federated = github.arn;
new aws.iam.Role("deploy", {
    assumeRolePolicy: {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: federated },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod" } },
        }],
    },
});
"#;
    let (_, primary) = only("oidc-missing-audience", "index.ts", text);
    assert_eq!(
        primary,
        r#"{ StringEquals: { "token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod" } }"#
    );
}

#[test]
fn gcp_missing_subject_points_at_the_provider_resource() {
    let text = r#"import * as gcp from "@pulumi/gcp";
const pool = new gcp.iam.WorkloadIdentityPool("pool", { workloadIdentityPoolId: "github" });
new gcp.iam.WorkloadIdentityPoolProvider("gh", {
    workloadIdentityPoolId: pool.workloadIdentityPoolId,
    workloadIdentityPoolProviderId: "gh",
    attributeMapping: { "google.subject": "assertion.sub" },
    oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
});
"#;
    let (_, primary) = only("oidc-missing-subject", "index.ts", text);
    assert!(primary.starts_with(r#"new gcp.iam.WorkloadIdentityPoolProvider("gh""#), "{primary}");
}

#[test]
fn wildcard_subject_points_at_the_value_and_names_its_source() {
    let text = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Repository:
    Type: String
    Default: "acme/*"
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
              StringLike:
                token.actions.githubusercontent.com:sub: !Sub "repo:${Repository}:ref:refs/heads/main"
"#;
    let (finding, primary) = only("oidc-wildcard-subject", "template.yaml", text);
    assert_eq!(primary, r#""repo:${Repository}:ref:refs/heads/main""#);
    assert!(finding.message.contains("the default of parameter `Repository`"), "{}", finding.message);
    assert!(
        related_texts(&finding).iter().any(|(text, _)| text == r#""acme/*""#),
        "the parameter default is a related location: {:#?}",
        related_texts(&finding)
    );
}

#[test]
fn a_partly_unknown_subject_says_which_part_was_unknown() {
    let text = trust_json(
        r#",
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:${repository}:*"}}"#,
    );
    let (finding, primary) = only("oidc-wildcard-subject", "trust.json.tpl", &text);
    assert_eq!(primary, r#""repo:${repository}:*""#);
    assert!(finding.message.contains("`${repository}`"), "{}", finding.message);
}

#[test]
fn condition_operators_point_at_the_operator() {
    let text = trust_json(
        r#",
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLikeIfExists": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}"#,
    );
    let found = findings("oidc-condition-fails-open", "trust.json", &text);
    assert!(!found.is_empty());
    for finding in &found {
        let primary = finding.primary.text();
        assert!(
            primary == r#""StringLikeIfExists""# || primary.contains("repo:acme/app"),
            "points inside the condition: {primary}"
        );
    }
    let text = trust_json(
        r#",
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                 "token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}"#,
    );
    let (_, primary) = only("oidc-condition-never-matches", "trust.json", &text);
    assert_eq!(primary, r#""repo:acme/app:*""#);
}

#[test]
fn admin_binding_points_at_the_element_that_grants_it() {
    let text = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
                token.actions.githubusercontent.com:sub: repo:acme/infra:environment:prod
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/ReadOnlyAccess
        - arn:aws:iam::aws:policy/AdministratorAccess
      Policies:
        - PolicyName: deploy
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:GetObject, "*"]
                Resource: "*"
"#;
    let found = findings("oidc-admin-binding", "template.yaml", text);
    let primaries: Vec<&str> = found.iter().map(|f| f.primary.text()).collect();
    assert_eq!(primaries, ["arn:aws:iam::aws:policy/AdministratorAccess", r#""*""#]);
    for finding in &found {
        assert!(related_texts(finding).iter().any(|(_, label)| label == "the OIDC trust of this identity"));
    }
}

#[test]
fn long_lived_key_resource_points_at_the_key_resource() {
    let text = r#"import * as aws from "@pulumi/aws";
const ci = new aws.iam.User("ci", { name: "ci-deployer" });
const key = new aws.iam.AccessKey("ci-key", { user: ci.name });
export const secret = key.secret;
"#;
    let (_, primary) = only("long-lived-key-resource", "index.ts", text);
    assert_eq!(primary, r#""ci-key""#);
}

#[test]
fn static_cloud_credentials_point_at_the_input_that_wires_the_key() {
    let text = r#"on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-region: us-east-1
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
"#;
    let (_, primary) = only("static-cloud-credentials", ".github/workflows/deploy.yml", text);
    assert_eq!(primary, "aws-access-key-id");
}

#[test]
fn plaintext_config_secret_points_at_the_value() {
    let value = Rng(7).pick(ALNUM, 40);
    let text = format!("config:\n  aws:region: us-east-1\n  payments:dbPassword: {value}\n");
    let (finding, primary) = only("plaintext-config-secret", "Pulumi.prod.yaml", &text);
    assert_eq!(primary, value);
    assert!(!finding.message.contains(&value), "never printed whole");
}

#[test]
fn hardcoded_secret_points_at_the_literal() {
    let token = format!("pul-{}", Rng(11).pick("0123456789abcdef", 40));
    let text = format!("PULUMI_ACCESS_TOKEN={token}\n");
    let (finding, primary) = only("hardcoded-secret", "deploy.env", &text);
    assert_eq!(primary, token);
    assert!(!finding.message.contains(&token), "never printed whole");
}

/// The end of a Python program's imports, then a helper that trusts GitHub for one subject; the
/// programs below import from `.constants` and call it.
macro_rules! program_with_github_role {
    ($imports:literal, $calls:literal) => {
        concat!(
            "import json\n\nimport pulumi\nimport pulumi_aws as aws\n\n",
            $imports,
            r#"

config = pulumi.Config()


def github_role(name, subject):
    return aws.iam.Role(
        name,
        assume_role_policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": subject},
                },
            }],
        }),
    )


"#,
            $calls
        )
    };
}

/// `oidc-wildcard-subject` findings of the tree at `dir` in one output format.
fn wildcard_report(dir: &std::path::Path, format: &str) -> String {
    let run = common::run(
        dir,
        &["check", ".", "--select", "oidc-wildcard-subject", "--format", format, "--exit-zero"],
    );
    assert_eq!(run.code, 0, "{}", run.both());
    run.stdout
}

const PROGRAM_READING_ELSEWHERE: &str = program_with_github_role!(
    "from .constants import DEPLOY_SUBJECT",
    r#"github_role("deploy", DEPLOY_SUBJECT)
github_role("preview", config.require("previewSubject"))
"#
);

/// A value a program reads from its stack file or imports from a sibling module is reported at
/// its use, with the place that writes it (in the other file) as a related location in every
/// format, and the message names the file (and the stack).
#[test]
fn values_from_stack_files_and_sibling_modules_are_related_locations_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "infra/Pulumi.yaml", "name: infra\nruntime: python\n");
    common::write(
        dir.path(),
        "infra/Pulumi.dev.yaml",
        "config:\n  infra:previewSubject: \"repo:acme/app:*\"\n",
    );
    common::write(
        dir.path(),
        "infra/constants.py",
        "REGION = \"eu-west-1\"\nDEPLOY_SUBJECT = \"repo:acme/*\"\n",
    );
    common::write(dir.path(), "infra/__main__.py", PROGRAM_READING_ELSEWHERE);
    let check = |format: &str| wildcard_report(dir.path(), format);
    // (where the value is written, its line and columns there, what the message says)
    let expected = [
        ("infra/constants.py", 2, 18, 31, "(The value comes from `DEPLOY_SUBJECT` of `constants.py`.)"),
        (
            "infra/Pulumi.dev.yaml",
            2,
            25,
            42,
            "(The value comes from config `infra:previewSubject` of stack `dev`, in `Pulumi.dev.yaml`.)",
        ),
    ];

    let sarif = common::assert_valid_sarif(&check("sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif:#}");
    for (path, line, start, end, says) in expected {
        let result = results
            .iter()
            .find(|r| r["message"]["text"].as_str().unwrap().contains(says))
            .unwrap_or_else(|| panic!("no result saying {says}: {sarif:#}"));
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "infra/__main__.py"
        );
        let related = result["relatedLocations"].as_array().unwrap();
        let elsewhere = related
            .iter()
            .find(|r| r["physicalLocation"]["artifactLocation"]["uri"] == path)
            .unwrap_or_else(|| panic!("no related location in {path}: {result:#}"));
        let region = &elsewhere["physicalLocation"]["region"];
        assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(line), Some(start)));
        assert_eq!(region["endColumn"].as_u64(), Some(end));
        assert_eq!(elsewhere["message"]["text"], "the value is defined here");
    }

    let json = common::json(&check("json"));
    for (path, line, start, _, says) in expected {
        let finding = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["message"].as_str().unwrap().contains(says))
            .unwrap_or_else(|| panic!("no finding saying {says}: {json:#}"));
        assert_eq!(finding["path"], "infra/__main__.py");
        let related = finding["related"].as_array().unwrap();
        assert!(
            related
                .iter()
                .any(|r| r["path"] == path && r["start"]["line"] == line && r["start"]["column"] == start),
            "{finding:#}"
        );
    }

    let human = check("human");
    for (path, line, start, _, says) in expected {
        assert!(human.contains(says), "{human}");
        assert!(
            human.contains(&format!("related: {path}:{line}:{start}: the value is defined here")),
            "{human}"
        );
    }

    // Annotations carry no related locations: the message says where the value comes from.
    let github = check("github");
    for (_, _, _, _, says) in expected {
        assert!(github.contains(says), "{github}");
    }
}

/// A program whose subjects are templates splicing in a sibling module's constant and a stack
/// value: the template is the primary location, and the part that brings the wildcard is a
/// related location in the file that writes it.
const PROGRAM_SPLICING_ELSEWHERE: &str = program_with_github_role!(
    "from .constants import ORG, REPOSITORIES",
    r#"github_role("deploy", f"repo:{ORG}/{REPOSITORIES}:environment:prod")
github_role("preview", "repo:acme/app:ref:refs/heads/" + config.require("previewBranches"))
"#
);

/// Parts spliced into a template from another file (a sibling module's constant, a stack
/// value) are related locations in that file in every format; the template is the primary
/// location and the message says which part came from where.
#[test]
fn spliced_parts_from_other_files_are_related_locations_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "infra/Pulumi.yaml", "name: infra\nruntime: python\n");
    common::write(dir.path(), "infra/Pulumi.dev.yaml", "config:\n  infra:previewBranches: \"*\"\n");
    common::write(dir.path(), "infra/constants.py", "ORG = \"acme\"\nREPOSITORIES = \"*\"\n");
    common::write(dir.path(), "infra/__main__.py", PROGRAM_SPLICING_ELSEWHERE);
    let check = |format: &str| wildcard_report(dir.path(), format);
    // (the template, where the part is written, its line and columns there, the related label,
    // what the message says)
    let expected = [
        (
            r#"f"repo:{ORG}/{REPOSITORIES}:environment:prod""#,
            "infra/constants.py",
            2,
            16,
            19,
            "`REPOSITORIES` of `constants.py` is defined here (spliced in as `*`)",
            "(It splices in `*` from `REPOSITORIES` of `constants.py`.)",
        ),
        (
            r#""repo:acme/app:ref:refs/heads/" + config.require("previewBranches")"#,
            "infra/Pulumi.dev.yaml",
            2,
            26,
            29,
            "`*` is spliced in from config `infra:previewBranches` of stack `dev`, in `Pulumi.dev.yaml`, written here",
            "(The value comes from config `infra:previewBranches` of stack `dev`, in `Pulumi.dev.yaml`.)",
        ),
    ];
    let program = PROGRAM_SPLICING_ELSEWHERE;
    let line_of = |text: &str| program[..program.find(text).unwrap()].lines().count();

    let sarif = common::assert_valid_sarif(&check("sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif:#}");
    for (template, path, line, start, end, label, says) in expected {
        let result = results
            .iter()
            .find(|r| r["message"]["text"].as_str().unwrap().contains(says))
            .unwrap_or_else(|| panic!("no result saying {says}: {sarif:#}"));
        let primary = &result["locations"][0]["physicalLocation"];
        assert_eq!(primary["artifactLocation"]["uri"], "infra/__main__.py");
        assert_eq!(primary["region"]["startLine"].as_u64(), Some(line_of(template) as u64), "{result:#}");
        let related = result["relatedLocations"].as_array().unwrap();
        let elsewhere = related
            .iter()
            .find(|r| r["physicalLocation"]["artifactLocation"]["uri"] == path)
            .unwrap_or_else(|| panic!("no related location in {path}: {result:#}"));
        let region = &elsewhere["physicalLocation"]["region"];
        assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(line), Some(start)));
        assert_eq!(region["endColumn"].as_u64(), Some(end));
        assert_eq!(elsewhere["message"]["text"], label);
    }

    let json = common::json(&check("json"));
    for (_, path, line, start, _, label, says) in expected {
        let finding = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["message"].as_str().unwrap().contains(says))
            .unwrap_or_else(|| panic!("no finding saying {says}: {json:#}"));
        assert_eq!(finding["path"], "infra/__main__.py");
        let related = finding["related"].as_array().unwrap();
        assert!(
            related.iter().any(|r| r["path"] == path
                && r["start"]["line"] == line
                && r["start"]["column"] == start
                && r["message"] == label),
            "{finding:#}"
        );
    }

    let human = check("human");
    // Messages wrap at the terminal width, behind a `│` gutter.
    let words =
        |text: &str| text.split_whitespace().filter(|word| *word != "│").collect::<Vec<_>>().join(" ");
    for (_, path, line, start, _, label, says) in expected {
        assert!(words(&human).contains(&words(says)), "{human}");
        assert!(human.contains(&format!("related: {path}:{line}:{start}: {label}")), "{human}");
    }
}

#[test]
fn an_admin_grant_written_in_a_parameter_default_is_a_related_location() {
    let text = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  DeployPolicyArn:
    Type: String
    Default: arn:aws:iam::aws:policy/AdministratorAccess
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
                token.actions.githubusercontent.com:sub: repo:acme/infra:environment:prod
      ManagedPolicyArns:
        - !Ref DeployPolicyArn
"#;
    let (finding, primary) = only("oidc-admin-binding", "template.yaml", text);
    assert_eq!(primary, "DeployPolicyArn");
    assert!(finding.message.contains("the default of parameter `DeployPolicyArn`"), "{}", finding.message);
    assert!(
        related_texts(&finding).contains(&(
            "arn:aws:iam::aws:policy/AdministratorAccess".to_string(),
            "the value is defined here".to_string()
        )),
        "{:#?}",
        related_texts(&finding)
    );
}
