//! The human report shows source lines around every finding, and a credential on those lines is
//! masked whichever rules run: also when `hardcoded-secret` is off (`--select`, `--ignore`,
//! `trustlint.toml`), when its findings are hidden by a baseline, and when the line is too long
//! for the secret scan (a minified policy). Lines over 1,000 bytes are cut around the labels.
//!
//! The credentials are drawn at run time from a fixed seed: this file holds none.

mod common;

use std::path::Path;

use common::{Rng, Run, json};

/// A classic GitHub token and an AWS access key id.
struct Credentials {
    token: String,
    key_id: String,
}

impl Credentials {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        let token = rng.github_token();
        let key_id = format!("AKIA{}", rng.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
        Credentials { token, key_id }
    }

    /// The human report shows both redacted and neither whole.
    fn assert_masked(&self, what: &str, output: &Run) {
        let out = output.both();
        for value in [&self.token, &self.key_id] {
            assert!(!out.contains(value.as_str()), "{what}: prints {value}:\n{out}");
            // Not even most of it.
            assert!(!out.contains(&value[4..]), "{what}: prints the tail of {value}:\n{out}");
        }
        assert!(out.contains("ghp_…(40 chars)"), "{what}: no redacted token:\n{out}");
        assert!(out.contains("AKIA…(20 chars)"), "{what}: no redacted key id:\n{out}");
    }
}

/// A trust any `acme` repository may assume (oidc-wildcard-subject), with both credentials in
/// its statement, so that the finding's snippet shows their lines.
fn trust_with_credentials(credentials: &Credentials) -> String {
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "{key_id}",
      "Description": "rotated? {token}",
      "Effect": "Allow",
      "Principal": {{
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      }},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {{
        "StringLike": {{
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:acme/*"
        }}
      }}
    }}
  ]
}}
"#,
        key_id = credentials.key_id,
        token = credentials.token,
    )
}

/// The rules of the findings in a JSON report.
fn rules_reported(dir: &Path, args: &[&str]) -> Vec<String> {
    let run = common::run(dir, &[&["check", ".", "--format", "json"], args].concat());
    let doc = json(&run.stdout);
    doc["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
fn credentials_on_a_line_too_long_for_the_secret_scan_are_masked_and_the_line_is_cut() {
    let credentials = Credentials::new(0xB1B1_0001);
    let dir = tempfile::tempdir().unwrap();
    // One minified line over 16 KiB: the secret scan treats it as generated and skips it. The
    // credentials stand right after the statement, inside what the snippet shows of the line.
    let statement = common::WILDCARD_TRUST
        .split_once("\"Statement\": [")
        .and_then(|(_, rest)| rest.rsplit_once(']'))
        .map(|(statement, _)| statement.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap();
    let policy = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{statement}],\"K\":\"{}\",\"T\":\"{}\", \"Description\": \"{}\"}}\n",
        credentials.key_id,
        credentials.token,
        "x".repeat(17 * 1024)
    );
    common::write(dir.path(), "trust-policy.json", &policy);
    // Only the trust is reported: the secret scan does not read the line.
    assert_eq!(rules_reported(dir.path(), &[]), vec!["oidc-wildcard-subject"]);

    let human = common::run(dir.path(), &["check", "."]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    credentials.assert_masked("a 17 KiB line", &human);
    // The line is cut, and the snippet header keeps the file's column.
    assert!(human.stdout.contains(" bytes cut …]"), "{}", human.stdout);
    assert!(!human.stdout.contains(&"x".repeat(1000)), "{}", human.stdout);
    let longest = human.stdout.lines().map(str::len).max().unwrap();
    assert!(longest < 2000, "a line of {longest} bytes:\n{}", human.stdout);
    let column = policy.find("\"repo:acme/*\"").unwrap() + 1;
    assert!(human.stdout.contains(&format!("[trust-policy.json:1:{column}]")), "{}", human.stdout);
}

#[test]
fn credentials_are_masked_when_hardcoded_secret_does_not_run() {
    let credentials = Credentials::new(0xB2B2_0002);
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "trust-policy.json", &trust_with_credentials(&credentials));
    assert_eq!(
        rules_reported(dir.path(), &[]),
        vec!["hardcoded-secret", "hardcoded-secret", "oidc-wildcard-subject"]
    );
    for args in [&["--select", "oidc-wildcard-subject"][..], &["--ignore", "hardcoded-secret"]] {
        assert_eq!(rules_reported(dir.path(), args), vec!["oidc-wildcard-subject"], "{args:?}");
        let human = common::run(dir.path(), &[&["check", "."], args].concat());
        assert_eq!(human.code, 1, "{args:?}: {}", human.stderr);
        credentials.assert_masked(&format!("{args:?}"), &human);
    }

    common::write(dir.path(), "trustlint.toml", "[rules.hardcoded-secret]\nenabled = false\n");
    assert_eq!(rules_reported(dir.path(), &[]), vec!["oidc-wildcard-subject"]);
    let human = common::run(dir.path(), &["check", "."]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    credentials.assert_masked("disabled in trustlint.toml", &human);
}

#[test]
fn credentials_are_masked_when_their_findings_are_in_the_baseline() {
    let credentials = Credentials::new(0xB2B2_0003);
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let baseline = outside.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    common::write(dir.path(), "trust-policy.json", &trust_with_credentials(&credentials));
    // The credentials are accepted in the baseline; the wildcard trust is not.
    let written = common::run(
        dir.path(),
        &["check", ".", "--select", "hardcoded-secret", "--write-baseline", baseline],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);

    let human = common::run(dir.path(), &["check", ".", "--baseline", baseline]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(human.stdout.contains("oidc-wildcard-subject"), "{}", human.stdout);
    assert!(!human.stdout.contains("hardcoded-secret ("), "baseline findings shown:\n{}", human.stdout);
    credentials.assert_masked("hidden by the baseline", &human);
}
