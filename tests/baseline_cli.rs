//! Baselines end to end with the real binary: write a baseline on a repository with findings,
//! shift the old finding down with unrelated edits and add a new bad policy, then check that only
//! the new finding is reported and decides the exit code, that SARIF marks `baselineState`, and
//! that a fixed finding is reported as absent.

mod common;

use serde_json::Value;

use common::{SCOPED_TRUST, assert_valid_sarif, json, run, write};

/// An org-wide subject (`repo:acme/*`) with no audience: oidc-wildcard-subject and
/// oidc-missing-audience. The end-to-end fixture tests/cli.rs reads.
const WIDE: &str = include_str!("../fixtures/e2e/wide/trust-policy.json");

/// An audience but no subject condition: any repository on github.com (oidc-missing-subject,
/// critical).
const NO_SUBJECT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
        }
      }
    }
  ]
}
"#;

/// (rule, path, baseline state) of every finding in a JSON report.
fn json_findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["baseline_state"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn baseline_hides_old_findings_across_line_shifts_and_reports_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(repo, "policies/legacy.json", WIDE);

    // Without a baseline the legacy policy fails the check. Its findings, with their lines:
    assert_eq!(run(repo, &["check"]).code, 1);
    let before = json(&run(repo, &["check", "--format", "json"]).stdout);
    let mut old: Vec<(String, i64)> = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["start"]["line"].as_i64().unwrap()))
        .collect();
    old.sort();
    assert!(!old.is_empty());

    let written = run(repo, &["check", "--write-baseline", "trustlint-baseline.json"]);
    assert_eq!(written.code, 0, "{}{}", written.stdout, written.stderr);
    let noun = if old.len() == 1 { "finding" } else { "findings" };
    assert!(written.stderr.contains(&format!("recorded {} {noun}", old.len())), "{}", written.stderr);
    let baseline = json(&std::fs::read_to_string(repo.join("trustlint-baseline.json")).unwrap());
    assert_eq!(baseline["version"], 1);
    let entries = baseline["findings"].as_array().unwrap();
    assert_eq!(entries.len(), old.len(), "{baseline:#}");
    for entry in entries {
        let keys: Vec<&str> = entry.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["fingerprint", "message", "path", "rule"], "only what matching needs");
        assert_eq!(entry["path"], "policies/legacy.json");
        assert_eq!(entry["fingerprint"].as_str().unwrap().len(), 32);
    }

    // Same tree: nothing new, exit 0, and the human report says why it is quiet.
    let quiet = run(repo, &["check", "--baseline", "trustlint-baseline.json"]);
    assert_eq!(quiet.code, 0, "{}{}", quiet.stdout, quiet.stderr);
    assert!(quiet.stdout.contains("No findings"), "{}", quiet.stdout);
    assert!(quiet.stdout.contains("recorded in the baseline trustlint-baseline.json"), "{}", quiet.stdout);

    // Unrelated edits push the old findings down five lines; a new bad policy appears.
    let shifted = WIDE.replacen(
        "  \"Version\": \"2012-10-17\",\n",
        "  \"Version\": \"2012-10-17\",\n  \"Id\": \"legacy-deploy-roles\",\n\n\n\n\n",
        1,
    );
    assert_ne!(shifted, WIDE);
    write(repo, "policies/legacy.json", &shifted);
    write(repo, "policies/new.json", NO_SUBJECT);

    let human = run(repo, &["check", "--baseline", "trustlint-baseline.json"]);
    assert_eq!(human.code, 1, "the new critical finding fails the check");
    assert!(human.stdout.contains("policies/new.json"), "{}", human.stdout);
    assert!(human.stdout.contains("oidc-missing-subject"), "{}", human.stdout);
    assert!(!human.stdout.contains("policies/legacy.json:"), "old findings are hidden:\n{}", human.stdout);

    let report =
        json(&run(repo, &["check", "--baseline", "trustlint-baseline.json", "--format", "json"]).stdout);
    assert_eq!(
        json_findings(&report),
        [("oidc-missing-subject".to_string(), "policies/new.json".to_string(), "new".to_string())]
    );
    assert_eq!(report["absent"].as_array().unwrap().len(), 0);

    let github = run(repo, &["check", "--baseline", "trustlint-baseline.json", "--format", "github"]);
    let annotations: Vec<&str> = github.stdout.lines().filter(|l| !l.starts_with("::notice")).collect();
    assert_eq!(annotations.len(), 1, "{}", github.stdout);
    assert!(annotations[0].contains("file=policies/new.json"), "{}", github.stdout);

    // SARIF keeps everything, marked; the old findings are unchanged five lines further down.
    let sarif = run(repo, &["check", "--baseline", "trustlint-baseline.json", "--format", "sarif"]);
    assert_eq!(sarif.code, 1);
    let sarif = assert_valid_sarif(&sarif.stdout);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let location = |r: &Value| {
        let physical = &r["locations"][0]["physicalLocation"];
        (
            physical["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            physical["region"]["startLine"].as_i64().unwrap(),
        )
    };
    let mut unchanged: Vec<(String, i64)> = results
        .iter()
        .filter(|r| r["baselineState"] == "unchanged")
        .map(|r| {
            assert_eq!(location(r).0, "policies/legacy.json");
            (r["ruleId"].as_str().unwrap().to_string(), location(r).1)
        })
        .collect();
    unchanged.sort();
    let moved: Vec<(String, i64)> = old.iter().map(|(rule, line)| (rule.clone(), line + 5)).collect();
    assert_eq!(unchanged, moved);
    let new: Vec<(String, i64)> =
        results.iter().filter(|r| r["baselineState"] == "new").map(location).collect();
    assert_eq!(new.len(), 1, "{results:#?}");
    assert_eq!(new[0].0, "policies/new.json");
    assert_eq!(results.len(), old.len() + 1, "every result has a baseline state");

    // The gate counts only new findings: with the new policy fixed, the run passes.
    write(repo, "policies/new.json", SCOPED_TRUST);
    let gate = run(repo, &["check", "--baseline", "trustlint-baseline.json", "--fail-on", "info"]);
    assert_eq!(gate.code, 0, "{}{}", gate.stdout, gate.stderr);

    // Fixing the legacy policy turns its recorded findings into `absent` ones.
    write(repo, "policies/legacy.json", SCOPED_TRUST);
    let fixed =
        json(&run(repo, &["check", "--baseline", "trustlint-baseline.json", "--format", "json"]).stdout);
    assert_eq!(json_findings(&fixed), []);
    let mut absent: Vec<&str> =
        fixed["absent"].as_array().unwrap().iter().map(|a| a["rule"].as_str().unwrap()).collect();
    absent.sort();
    assert_eq!(absent, old.iter().map(|(rule, _)| rule.as_str()).collect::<Vec<_>>());
    let sarif = run(repo, &["check", "--baseline", "trustlint-baseline.json", "--format", "sarif"]);
    assert_eq!(sarif.code, 0);
    let sarif = assert_valid_sarif(&sarif.stdout);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), old.len());
    assert!(results.iter().all(|r| r["baselineState"] == "absent"), "{results:#?}");
    let human = run(repo, &["check", "--baseline", "trustlint-baseline.json"]);
    assert!(human.stdout.contains("from the baseline no longer present"), "{}", human.stdout);
}

#[test]
fn a_run_on_some_files_does_not_call_the_others_absent() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(repo, "a/trust.json", WIDE);
    write(repo, "b/trust.json", NO_SUBJECT);
    assert_eq!(run(repo, &["check", "--write-baseline", "baseline.json"]).code, 0);
    // pre-commit passes only the staged files.
    let report = json(
        &run(repo, &["check", "--baseline", "baseline.json", "--format", "json", "a/trust.json"]).stdout,
    );
    assert_eq!(json_findings(&report), []);
    assert_eq!(report["absent"].as_array().unwrap().len(), 0, "{report:#}");
}

#[test]
fn bad_baseline_arguments_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(repo, "trust.json", WIDE);

    let missing = run(repo, &["check", "--baseline", "nope.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("nope.json") && missing.stderr.contains("cannot read"),
        "{}",
        missing.stderr
    );

    write(repo, "not-a-baseline.json", "{\"results\": []}");
    let wrong = run(repo, &["check", "--baseline", "not-a-baseline.json"]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("not a trustlint baseline"), "{}", wrong.stderr);

    let both = run(repo, &["check", "--baseline", "a.json", "--write-baseline", "b.json"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn a_baseline_never_holds_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    // A GitHub token shape, assembled here so no credential-looking literal sits in this file.
    let token = format!("ghp_{}", "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d");
    write(repo, "deploy.env", &format!("GITHUB_TOKEN={token}\n"));
    let written = run(repo, &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    let baseline = std::fs::read_to_string(repo.join("baseline.json")).unwrap();
    assert!(baseline.contains("hardcoded-secret"), "the credential is a finding:\n{baseline}");
    assert!(!baseline.contains(&token[4..]), "the baseline holds the credential:\n{baseline}");
    // And the recorded finding is recognised on the next run.
    let next = run(repo, &["check", "--baseline", "baseline.json"]);
    assert_eq!(next.code, 0, "{}{}", next.stdout, next.stderr);
}
