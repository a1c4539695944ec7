//! End-to-end tests of the real binary: every output format, exit codes, SARIF validated against
//! the OASIS schema, and byte-identical output whatever the number of threads. The binary is the
//! one cargo built, or `TRUSTLINT_TEST_BINARY` (.ci/run runs these tests on the installed wheel).

mod common;

use serde_json::Value;

use common::{assert_valid_sarif, json, repo_root};

/// Run the built binary at the root of this checkout.
fn run(args: &[&str]) -> common::Run {
    common::run(repo_root(), args)
}

const WIDE: &str = "fixtures/e2e/wide";
const SCOPED: &str = "fixtures/e2e/scoped";

#[test]
fn wide_policy_is_reported_in_every_format_and_fails() {
    // The `"repo:acme/*"` value is on line 12; the `Condition` block, where the audience is
    // added, starts on line 10.
    let human = run(&["check", WIDE]);
    assert_eq!(human.code, 1, "{}{}", human.stdout, human.stderr);
    assert!(human.stdout.contains("oidc-wildcard-subject"), "{}", human.stdout);
    assert!(human.stdout.contains("oidc-missing-audience"), "{}", human.stdout);
    assert!(human.stdout.contains("trust-policy.json:12:"), "{}", human.stdout);
    assert!(human.stdout.contains("any repository owned by `acme`"), "{}", human.stdout);
    assert!(!human.stdout.contains('\u{1b}'), "no colour when not a terminal");

    let json = run(&["check", WIDE, "--format", "json"]);
    assert_eq!(json.code, 1);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let by_rule =
        |rule: &str| findings.iter().find(|f| f["rule"] == rule).unwrap_or_else(|| panic!("no {rule}"));
    let wildcard = by_rule("oidc-wildcard-subject");
    assert_eq!(wildcard["severity"], "high");
    assert_eq!(wildcard["path"], "fixtures/e2e/wide/trust-policy.json");
    assert_eq!(wildcard["start"]["line"], 12);
    assert_eq!(by_rule("oidc-missing-audience")["start"]["line"], 10);
    assert_eq!(by_rule("oidc-missing-audience")["severity"], "medium");

    let sarif = run(&["check", WIDE, "--format", "sarif"]);
    assert_eq!(sarif.code, 1);
    let doc = assert_valid_sarif(&sarif.stdout);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let result = results.iter().find(|r| r["ruleId"] == "oidc-wildcard-subject").unwrap();
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "fixtures/e2e/wide/trust-policy.json");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 12);
    assert_eq!(location["region"]["startColumn"], 54);
    assert_eq!(location["region"]["endColumn"], 67);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "oidc-wildcard-subject");
    assert!(rules[index]["properties"]["security-severity"].is_string());

    let github = run(&["check", WIDE, "--format", "github"]);
    assert_eq!(github.code, 1);
    assert!(
        github
            .stdout
            .lines()
            .any(|l| l.starts_with("::error file=fixtures/e2e/wide/trust-policy.json,line=12,col=54,")
                && l.contains("oidc-wildcard-subject")),
        "{}",
        github.stdout
    );
    assert!(
        github
            .stdout
            .lines()
            .any(|l| l.starts_with("::warning file=fixtures/e2e/wide/trust-policy.json,line=10,")
                && l.contains("oidc-missing-audience")),
        "{}",
        github.stdout
    );
}

#[test]
fn scoped_policy_is_clean_in_every_format() {
    for format in ["human", "json", "sarif", "github"] {
        let out = run(&["check", SCOPED, "--format", format]);
        assert_eq!(out.code, 0, "{format}: {}{}", out.stdout, out.stderr);
        match format {
            "json" => {
                let doc: Value = serde_json::from_str(&out.stdout).unwrap();
                assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
            }
            "sarif" => {
                let doc = assert_valid_sarif(&out.stdout);
                assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
            }
            "github" => assert!(!out.stdout.contains("::error") && !out.stdout.contains("::warning")),
            _ => assert!(out.stdout.contains("No findings"), "{}", out.stdout),
        }
    }
}

#[test]
fn fail_on_threshold_and_exit_zero() {
    assert_eq!(run(&["check", WIDE, "--fail-on", "critical"]).code, 0);
    assert_eq!(run(&["check", WIDE, "--fail-on", "high"]).code, 1);
    assert_eq!(run(&["check", WIDE, "--exit-zero"]).code, 0);
    // Selecting only the audience rule leaves a medium finding.
    assert_eq!(run(&["check", WIDE, "--select", "oidc-missing-audience", "--fail-on", "high"]).code, 0);
    let ignored =
        run(&["check", WIDE, "--ignore", "oidc-missing-audience,oidc-wildcard-subject", "--format", "json"]);
    assert_eq!(ignored.code, 0, "{}", ignored.stdout);
}

#[test]
fn a_bad_format_or_threshold_lists_the_values_accepted() {
    let cases = [
        (&["check", WIDE, "--format", "xml"][..], "[possible values: human, json, sarif, github]"),
        (&["check", WIDE, "--fail-on", "severe"], "[possible values: critical, high, medium, low, info]"),
        (&["map", WIDE, "--format", "svg"], "[possible values: human, json, mermaid, dot, html]"),
    ];
    for (args, expected) in cases {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn usage_and_config_errors_exit_2() {
    let unknown_rule = run(&["check", WIDE, "--select", "no-such-rule"]);
    assert_eq!(unknown_rule.code, 2);
    assert!(unknown_rule.stderr.contains("no-such-rule"));
    assert_eq!(run(&["check", WIDE, "--format", "xml"]).code, 2);
    let missing = run(&["check", WIDE, "--config", "does-not-exist.toml"]);
    assert_eq!(missing.code, 2);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("trustlint.toml");
    std::fs::write(&config, "exclude = []\n\n[rules.oidc-wildcard-subjct]\nenabled = false\n").unwrap();
    let bad = run(&["check", WIDE, "--config", config.to_str().unwrap()]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("line 3") && bad.stderr.contains("rules.oidc-wildcard-subjct"),
        "{}",
        bad.stderr
    );
}

#[test]
fn config_at_the_scan_root_applies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo_root().join(WIDE).join("trust-policy.json"), dir.path().join("trust.json")).unwrap();
    std::fs::write(
        dir.path().join("trustlint.toml"),
        "ignore = [\"trust.json:12:oidc-wildcard-subject\"]\n[rules.oidc-missing-audience]\nseverity = \"info\"\n",
    )
    .unwrap();
    let output = common::run(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    let doc = json(&output.stdout);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "the suppressed finding is hidden: {findings:?}");
    assert_eq!(findings[0]["rule"], "oidc-missing-audience");
    assert_eq!(findings[0]["severity"], "info");
    // SARIF keeps the suppressed finding, marked external.
    let sarif = assert_valid_sarif(&common::run(dir.path(), &["check", ".", "--format", "sarif"]).stdout);
    let suppressed: Vec<_> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
}

#[test]
fn output_is_identical_on_one_and_many_threads() {
    for format in ["json", "sarif", "human"] {
        let one = run(&["check", "fixtures", "--format", format, "--threads", "1"]);
        let many = run(&["check", "fixtures", "--format", format, "--threads", "8"]);
        assert_eq!(one.code, 1);
        assert!(one.stdout.len() > 1000, "{format}: the fixtures produce findings");
        assert_eq!(one.stdout, many.stdout, "{format} differs between 1 and 8 threads");
    }
}

#[test]
fn broken_files_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo_root().join(WIDE).join("trust-policy.json"), dir.path().join("good.json")).unwrap();
    std::fs::write(dir.path().join("broken.json"), "{\"Statement\": [{\"Principal\": {\"Federated\": \"x\"")
        .unwrap();
    std::fs::write(dir.path().join("latin1.json"), b"{\"Federated\": \"caf\xe9\"}").unwrap();
    std::fs::write(dir.path().join("binary.json"), b"\x00\x01Federated\x00").unwrap();
    let doc = json(&common::run(dir.path(), &["check", ".", "--format", "json"]).stdout);
    let findings = doc["findings"].as_array().unwrap();
    let rules: Vec<(&str, &str)> =
        findings.iter().map(|f| (f["path"].as_str().unwrap(), f["rule"].as_str().unwrap())).collect();
    assert!(rules.contains(&("broken.json", "parse-error")), "{rules:?}");
    assert!(rules.contains(&("latin1.json", "parse-error")), "{rules:?}");
    assert!(rules.contains(&("good.json", "oidc-wildcard-subject")), "{rules:?}");
    assert!(!rules.iter().any(|(path, _)| *path == "binary.json"), "{rules:?}");
    let broken = findings.iter().find(|f| f["path"] == "broken.json").unwrap();
    assert!(broken["message"].as_str().unwrap().contains("end of input"), "{broken}");
    let latin1 = findings.iter().find(|f| f["path"] == "latin1.json").unwrap();
    assert!(latin1["message"].as_str().unwrap().contains("invalid UTF-8 at byte 18"), "{latin1}");
}

#[test]
fn output_file_and_rule_listing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trustlint.sarif");
    let result = run(&["check", WIDE, "--format", "sarif", "--output", out.to_str().unwrap()]);
    assert_eq!(result.code, 1);
    assert!(result.stdout.is_empty());
    assert_valid_sarif(&std::fs::read_to_string(&out).unwrap());

    let rules = run(&["rules"]);
    assert_eq!(rules.code, 0);
    for id in ["oidc-missing-subject", "oidc-wildcard-subject", "oidc-admin-binding"] {
        assert!(rules.stdout.contains(id), "{}", rules.stdout);
    }
    let explain = run(&["explain", "oidc-wildcard-subject"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("## Why is this bad"));
    assert_eq!(run(&["explain", "nope"]).code, 2);
}

#[test]
fn literal_credentials_are_masked_whichever_rule_reports_them() {
    // Built at run time so no scanner sees a credential in this source file.
    let secret: String = ["wJa1rXUtnFEMI", "K7MDENGbPxRfiCY", "zq9Lm2Tk4Vb8Nc"].concat();
    let key_id = format!("{}{}", "AKIA", "QZ7TRW3KXN5LM2PV");
    let dir = tempfile::tempdir().unwrap();
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(
        workflows.join("deploy.yml"),
        format!(
            "on: push\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      \
             - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: {key_id}\n          \
             aws-secret-access-key: {secret}\n          aws-region: us-east-1\n"
        ),
    )
    .unwrap();
    for rules in ["static-cloud-credentials", "static-cloud-credentials,hardcoded-secret"] {
        for format in ["human", "json", "sarif", "github"] {
            let output = common::run(dir.path(), &["check", ".", "--select", rules, "--format", format]);
            let stdout = output.stdout;
            assert_eq!(output.code, 1, "{rules} {format}: {stdout}");
            assert!(stdout.contains("static-cloud-credentials"), "{rules} {format}: {stdout}");
            assert!(!stdout.contains(&secret), "{rules} {format} prints the secret:\n{stdout}");
            assert!(!stdout.contains(&key_id), "{rules} {format} prints the key id:\n{stdout}");
        }
    }
}

#[test]
fn esc_static_logins_mask_the_secret_values_not_the_login_keys() {
    // Built at run time so no scanner sees a credential in this source file.
    let aws_secret: String = ["FAKEfakeFAKE", "fakeFAKEfake", "FAKEfakeFAKEfake"].concat();
    let gcp_token: String = ["ya29.", "fakeFAKEfake", "FAKEfakeFAKE"].concat();
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "env/prod.yaml",
        &format!(
            "values:\n  aws:\n    login:\n      fn::open::aws-login:\n        static:\n          \
             accessKeyId: AKIAZZZZFAKEKEY7ZZZZ\n          secretAccessKey: {aws_secret}\n  azure:\n    \
             login:\n      fn::open::azure-login:\n        clientId: 00000000-0000-0000-0000-000000000000\n        \
             clientSecret:\n          fn::secret:\n            ciphertext: ZXNjeAAAAAEAAAEAc2VjcmV0\n  gcp:\n    \
             login:\n      fn::open::gcp-login:\n        project: 123456789\n        accessToken: {gcp_token}\n"
        ),
    );
    for format in ["human", "json"] {
        let output = common::run(
            dir.path(),
            &["check", ".", "--select", "plaintext-config-secret", "--format", format],
        );
        let stdout = output.stdout;
        assert_eq!(output.code, 1, "{format}: {stdout}{}", output.stderr);
        for key in ["static", "clientSecret", "accessToken"] {
            assert!(stdout.contains(&format!("`{key}`")), "{format} masks the key `{key}`:\n{stdout}");
            if format == "human" {
                assert!(
                    stdout.contains(&format!("{key}:")),
                    "{format} masks `{key}:` in a snippet:\n{stdout}"
                );
            }
        }
        assert!(!stdout.contains("(12 chars)") && !stdout.contains("(6 chars)"), "{format}:\n{stdout}");
        assert!(!stdout.contains(&aws_secret), "{format} prints the AWS secret:\n{stdout}");
        assert!(!stdout.contains(&gcp_token), "{format} prints the GCP token:\n{stdout}");
        assert!(stdout.contains("FAKE…(40 chars)"), "{format} does not say which value:\n{stdout}");
    }
}

#[test]
fn a_config_in_a_scanned_subfolder_uses_paths_written_from_there() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "infra/policies/trust.json", common::WILDCARD_TRUST);
    common::write(dir.path(), "infra/vendor/trust.json", common::WILDCARD_TRUST);
    common::write(
        dir.path(),
        "infra/trustlint.toml",
        "exclude = [\"vendor/**\"]\nignore = [\"policies/trust.json:13:oidc-wildcard-subject\"]\n",
    );
    let output = common::run(dir.path(), &["check", "infra", "--format", "json"]);
    assert_eq!(output.code, 0, "{}{}", output.stdout, output.stderr);
    let doc = json(&output.stdout);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{}", output.stdout);
    assert_eq!(doc["summary"]["suppressed"], 1, "{}", output.stdout);
}

#[test]
fn a_missing_path_is_a_usage_error_not_a_clean_run() {
    let out = run(&["check", "no/such/folder"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("no/such/folder: no such file or folder"), "{}", out.stderr);
}

/// The commit `--version` names, or `None` when the build had no repository.
fn version_commit() -> Option<String> {
    let version = run(&["--version"]);
    assert_eq!(version.code, 0, "{}", version.stderr);
    let expected_prefix = format!("trustlint {} (commit ", env!("CARGO_PKG_VERSION"));
    let commit = version
        .stdout
        .trim_end()
        .strip_prefix(&expected_prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version output: {:?}", version.stdout));
    if commit == "unknown" {
        return None;
    }
    assert!(commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()), "{commit:?}");
    Some(commit.to_string())
}

#[test]
fn version_names_the_commit_and_the_reports_carry_it() {
    let commit = version_commit();
    // Built from this checkout's repository: the commit is its HEAD (the build script reruns when
    // HEAD moves), unless the build was told otherwise.
    let head = std::process::Command::new("git")
        .current_dir(repo_root())
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    if let Some(head) = head.filter(|_| option_env!("TRUSTLINT_BUILD_COMMIT").is_none()) {
        assert_eq!(commit.as_deref(), Some(head.as_str()), "--version should name HEAD");
    }

    let report = json(&run(&["check", SCOPED, "--format", "json"]).stdout);
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["tool"]["commit"], commit.as_deref().map_or(Value::Null, Value::from));

    let sarif = assert_valid_sarif(&run(&["check", SCOPED, "--format", "sarif"]).stdout);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["properties"]["commit"], commit.as_deref().map_or(Value::Null, Value::from));
}

#[test]
fn allow_whole_owner_accepts_the_owner_the_subject_names_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let trust = common::WILDCARD_TRUST.replace(
        r#""repo:acme/*""#,
        r#"["repo:acme/*", "environment:prod:repository_owner:acme", "repo:acme-evil/*"]"#,
    );
    common::write(dir.path(), "trust.json", &trust);
    common::write(
        dir.path(),
        "trustlint.toml",
        "[rules.oidc-wildcard-subject]\nallow-whole-owner = [\"ACME\"]\n",
    );
    let output =
        common::run(dir.path(), &["check", ".", "--select", "oidc-wildcard-subject", "--format", "json"]);
    let doc = json(&output.stdout);
    let messages: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].starts_with("`repo:acme-evil/*`"), "{messages:?}");
}
