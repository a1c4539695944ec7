//! Every format over hand-built findings: a JSON trust policy with a wildcard subject (related
//! locations in the same and another file, a fix), a suppressed finding, a YAML file with an emoji
//! before the span (UTF-16 columns), an info finding (notice level) and baseline leftovers.

use std::sync::Arc;

use serde_json::Value;
use trustlint_core::{
    BaselineState, Confidence, Finding, Fix, Location, RuleMeta, Severity, SourceFile, Span, Suppression,
    SuppressionKind, TextEdit,
};
use trustlint_report::{
    AbsentFinding, Format, RenderOptions, Report, render, render_sarif_with_result_limit,
};

/// The commit a report names as the one trustlint was built from.
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": { "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringLike": { "token.actions.githubusercontent.com:sub": "repo:acme/*" }
      }
    }
  ]
}
"#;

const WORKFLOW: &str = "name: deploy
on: push
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
";

/// The emoji (4 UTF-8 bytes, 2 UTF-16 units) and the é (2 bytes, 1 unit) sit before the span.
const STACK: &str = "config:\n  trust: { note: \"🚀 é\", sub: \"repo:acme/*\" }\n";
const STACK_PATH: &str = "pulumi/stack,dev.yaml";

fn span_of(text: &str, needle: &str) -> Span {
    let start = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in text"));
    Span::new(start, start + needle.len())
}

fn rule(id: &'static str, severity: Severity, summary: &str, tags: &[&str]) -> RuleMeta {
    RuleMeta {
        id,
        summary: summary.to_string(),
        default_severity: severity,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        inputs: vec!["IAM JSON".to_string()],
        doc: format!(
            "## What it does\n\n{summary}.\nIt reads the trust.\n\n## Why is this bad?\n\nAttackers get in.\n"
        ),
    }
}

fn rules() -> Vec<RuleMeta> {
    vec![
        rule("hardcoded-secret", Severity::Critical, "Flags credentials committed in files", &["secrets"]),
        rule("oidc-missing-audience", Severity::Medium, "Flags trust without an audience check", &["oidc"]),
        rule("oidc-token-broad-permission", Severity::Info, "Flags id-token: write for every job", &[]),
        rule("oidc-wildcard-subject", Severity::High, "Flags wildcard OIDC subjects", &["oidc", "aws"]),
    ]
}

struct Fixture {
    findings: Vec<Finding>,
    rules: Vec<RuleMeta>,
    notes: Vec<String>,
    absent: Vec<AbsentFinding>,
}

impl Fixture {
    fn new() -> Self {
        let policy = SourceFile::new("infra/policy.json", POLICY);
        let workflow = SourceFile::new(".github/workflows/deploy.yml", WORKFLOW);
        let stack = SourceFile::new(STACK_PATH, STACK);

        let broad = {
            let mut f = Finding::new(
                "oidc-token-broad-permission",
                Severity::Info,
                Location::new(&workflow, span_of(WORKFLOW, "id-token: write")),
                "`id-token: write` is granted at workflow level, to every job",
            )
            .with_help("grant `id-token: write` only to the job that deploys");
            f.fingerprint = "11111111111111111111111111111111".to_string();
            f
        };

        let stack_subject = {
            let mut f = Finding::new(
                "oidc-wildcard-subject",
                Severity::Critical,
                Location::new(&stack, span_of(STACK, "\"repo:acme/*\"")),
                "any repository owned by `acme`, on any ref, can assume this identity",
            )
            .with_confidence(Confidence::Low)
            .with_help("pin the subject to one repository and branch");
            f.fingerprint = "22222222222222222222222222222222".to_string();
            f
        };

        let missing_audience = {
            let mut f = Finding::new(
                "oidc-missing-audience",
                Severity::Medium,
                Location::new(&policy, span_of(POLICY, "\"Condition\"")),
                "the trust does not check the `aud` claim",
            )
            .with_confidence(Confidence::Medium)
            .with_help("add \"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"");
            f.suppression = Some(Suppression {
                kind: SuppressionKind::InSource,
                justification: "audience enforced by the provider".to_string(),
            });
            f.fingerprint = "33333333333333333333333333333333".to_string();
            f
        };

        let wildcard = {
            let subject = span_of(POLICY, "\"repo:acme/*\"");
            let mut f = Finding::new(
                "oidc-wildcard-subject",
                Severity::High,
                Location::new(&policy, subject),
                "any repository owned by `acme`, on any ref, can assume this role",
            )
            .with_help(
                "pin the subject to one repository and branch, e.g. `repo:acme/infra:ref:refs/heads/main`",
            )
            .with_related(
                Location::new(&policy, span_of(POLICY, "\"StringLike\"")),
                "matched with StringLike",
            )
            .with_related(
                Location::new(&workflow, span_of(WORKFLOW, "role-to-assume")),
                "this workflow assumes the role",
            )
            .with_fix(Fix {
                description: "pin the subject to acme/infra on main".to_string(),
                safe: false,
                file: Arc::clone(&policy),
                edits: vec![TextEdit {
                    span: subject,
                    replacement: "\"repo:acme/infra:ref:refs/heads/main\"".to_string(),
                }],
                postcondition: None,
            });
            f.baseline = Some(BaselineState::New);
            f.fingerprint = "44444444444444444444444444444444".to_string();
            f
        };

        Self {
            // Sorted by path, then offset, as the engine delivers them.
            findings: vec![broad, missing_audience, wildcard, stack_subject],
            rules: rules(),
            notes: vec!["skipped big.bin: larger than 2 MiB".to_string()],
            absent: vec![AbsentFinding {
                rule: "oidc-wildcard-subject".to_string(),
                path: "old/policy.json".to_string(),
                message: "any repository owned by `acme` can assume this role".to_string(),
                fingerprint: "55555555555555555555555555555555".to_string(),
            }],
        }
    }

    fn report(&self) -> Report<'_> {
        Report {
            findings: &self.findings,
            rules: &self.rules,
            files_scanned: 12,
            notes: &self.notes,
            absent: &self.absent,
            tool_version: "0.1.0",
            tool_commit: Some(COMMIT),
        }
    }
}

const PLAIN: RenderOptions = RenderOptions { color: false, show_suppressed: false };
const PLAIN_ALL: RenderOptions = RenderOptions { color: false, show_suppressed: true };

fn utf8_column(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    offset - line_start + 1
}

fn utf16_column(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset].encode_utf16().count() + 1
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

// ---------------------------------------------------------------------------------------------
// human

#[test]
fn human_shows_rule_message_help_and_position_without_ansi() {
    let fixture = Fixture::new();
    let out = render(Format::Human, &fixture.report(), &PLAIN);
    assert!(!out.contains('\u{1b}'), "escape sequence in plain output:\n{out}");

    let subject = span_of(POLICY, "\"repo:acme/*\"").start;
    let position =
        format!("[infra/policy.json:{}:{}]", line_of(POLICY, subject), utf8_column(POLICY, subject));
    for needle in [
        "oidc-wildcard-subject (https://github.com/trustlint/trustlint/blob/main/docs/rules/oidc-wildcard-subject.md)",
        "high: any repository owned by `acme`, on any ref, can assume this role",
        "help: pin the subject to one repository and branch",
        &position,
        "here",
        "matched with StringLike",
        "  related: .github/workflows/deploy.yml:11:11: this workflow assumes the role",
        "  fix: pin the subject to acme/infra on main (review before applying)",
        "critical (low confidence): any repository owned by `acme`",
        "note: skipped big.bin: larger than 2 MiB",
        "  old/policy.json: oidc-wildcard-subject: any repository owned by `acme` can assume this role",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in:\n{out}");
    }
    // The suppressed finding is hidden but counted.
    assert!(!out.contains("oidc-missing-audience"), "{out}");
    assert!(out.ends_with("3 findings (1 critical, 1 high, 1 info) in 12 files; 1 suppressed\n"), "{out}");

    // Byte columns: the emoji counts 4 and the é 2.
    let stack_subject = span_of(STACK, "\"repo:acme/*\"").start;
    assert!(out.contains(&format!("[{STACK_PATH}:2:{}]", utf8_column(STACK, stack_subject))), "{out}");

    insta::assert_snapshot!("human_plain", out);
}

#[test]
fn human_shows_suppressed_on_request_and_colors_only_when_asked() {
    let fixture = Fixture::new();
    let out = render(Format::Human, &fixture.report(), &PLAIN_ALL);
    assert!(out.contains("oidc-missing-audience"), "{out}");
    assert!(out.contains("medium (medium confidence): the trust does not check the `aud` claim"), "{out}");
    assert!(out.contains("  suppressed in source: audience enforced by the provider"), "{out}");
    assert!(!out.contains('\u{1b}'));

    let colored =
        render(Format::Human, &fixture.report(), &RenderOptions { color: true, show_suppressed: false });
    assert!(colored.contains('\u{1b}'), "color was asked for");
    // No terminal hyperlinks: the URL is printed as text.
    assert!(!colored.contains("\u{1b}]8;;"), "{colored}");
}

#[test]
fn human_summary_without_findings() {
    let rules = rules();
    let report = Report {
        findings: &[],
        rules: &rules,
        files_scanned: 1,
        notes: &[],
        absent: &[],
        tool_version: "0.1.0",
        tool_commit: Some(COMMIT),
    };
    assert_eq!(render(Format::Human, &report, &PLAIN), "No findings in 1 file.\n");

    let fixture = Fixture::new();
    let only_suppressed = &fixture.findings[1..2];
    let report = Report { findings: only_suppressed, files_scanned: 12, ..report };
    assert_eq!(render(Format::Human, &report, &PLAIN), "No findings in 12 files; 1 suppressed.\n");
}

// ---------------------------------------------------------------------------------------------
// json

fn parse(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{out}"))
}

#[test]
fn json_has_the_documented_fields_and_round_trips() {
    let fixture = Fixture::new();
    let out = render(Format::Json, &fixture.report(), &PLAIN);
    let value = parse(&out);
    let again: Value = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
    assert_eq!(again, value, "round trip");

    assert_eq!(value["version"], 1);
    assert_eq!(value["tool"]["name"], "trustlint");
    assert_eq!(value["tool"]["version"], "0.1.0");
    let summary = &value["summary"];
    assert_eq!(summary["files_scanned"], 12);
    assert_eq!(summary["findings"], 3);
    assert_eq!(summary["suppressed"], 1);
    assert_eq!(summary["absent"], 1);
    assert_eq!(
        summary["by_severity"],
        serde_json::json!({"critical": 1, "high": 1, "medium": 0, "low": 0, "info": 1})
    );

    let findings = value["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3, "suppressed omitted by default");
    let wildcard = &findings[1];
    let subject = span_of(POLICY, "\"repo:acme/*\"");
    assert_eq!(wildcard["rule"], "oidc-wildcard-subject");
    assert_eq!(wildcard["severity"], "high");
    assert_eq!(wildcard["confidence"], "high");
    assert_eq!(wildcard["path"], "infra/policy.json");
    assert_eq!(wildcard["span"], serde_json::json!({"start": subject.start, "end": subject.end}));
    assert_eq!(wildcard["start"]["line"], line_of(POLICY, subject.start));
    assert_eq!(wildcard["start"]["column"], utf8_column(POLICY, subject.start));
    assert_eq!(wildcard["end"]["column"], utf8_column(POLICY, subject.end));
    assert_eq!(wildcard["related"].as_array().unwrap().len(), 2);
    assert_eq!(wildcard["related"][1]["path"], ".github/workflows/deploy.yml");
    assert_eq!(wildcard["related"][1]["message"], "this workflow assumes the role");
    assert_eq!(wildcard["fingerprint"], "44444444444444444444444444444444");
    assert_eq!(wildcard["suppressed"], Value::Null);
    assert_eq!(wildcard["baseline_state"], "new");
    assert_eq!(wildcard["fix"]["safe"], false);
    assert_eq!(wildcard["fix"]["path"], "infra/policy.json");
    assert_eq!(wildcard["fix"]["edits"][0]["span"]["start"], subject.start);
    assert_eq!(wildcard["fix"]["edits"][0]["replacement"], "\"repo:acme/infra:ref:refs/heads/main\"");
    assert_eq!(findings[0]["fix"], Value::Null);
    assert_eq!(findings[0]["baseline_state"], Value::Null);

    // Byte columns in JSON, even after an emoji.
    let stack = &findings[2];
    let stack_subject = span_of(STACK, "\"repo:acme/*\"");
    assert_eq!(stack["start"]["column"], utf8_column(STACK, stack_subject.start));
    assert_eq!(stack["confidence"], "low");

    assert_eq!(value["absent"][0]["fingerprint"], "55555555555555555555555555555555");
    assert_eq!(value["notes"][0], "skipped big.bin: larger than 2 MiB");

    let all = parse(&render(Format::Json, &fixture.report(), &PLAIN_ALL));
    let suppressed = &all["findings"][1];
    assert_eq!(suppressed["rule"], "oidc-missing-audience");
    assert_eq!(
        suppressed["suppressed"],
        serde_json::json!({"kind": "inSource", "justification": "audience enforced by the provider"})
    );
    assert_eq!(all["summary"], value["summary"], "the summary does not depend on show_suppressed");

    insta::assert_snapshot!("json_all", render(Format::Json, &fixture.report(), &PLAIN_ALL));
}

/// Every key the JSON output can contain is documented in docs/json-output.md.
#[test]
fn json_keys_are_documented() {
    fn keys(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    out.push(key.clone());
                    keys(child, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
            _ => {}
        }
    }
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/json-output.md");
    let doc = std::fs::read_to_string(doc_path).unwrap_or_else(|e| panic!("cannot read {doc_path}: {e}"));
    let fixture = Fixture::new();
    let value = parse(&render(Format::Json, &fixture.report(), &PLAIN_ALL));
    let mut all = Vec::new();
    keys(&value, &mut all);
    for key in all {
        assert!(doc.contains(&format!("`{key}`")), "`{key}` is not documented in docs/json-output.md");
    }
}

// ---------------------------------------------------------------------------------------------
// sarif

fn sarif_validator() -> jsonschema::Validator {
    // Vendored in the repository (tests/schemas) so the test runs on any machine.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("the SARIF 2.1.0 schema is needed at {path} to validate SARIF output ({e})")
    });
    // The OASIS file's `language` pattern is malformed and the Rust jsonschema crate refuses to
    // compile it.
    let text = text.replace(r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", r"^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(out: &str) -> Value {
    let value = parse(out);
    let validator = sarif_validator();
    let errors: Vec<String> =
        validator.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF schema errors:\n{}\n{out}", errors.join("\n"));
    value
}

#[test]
fn sarif_is_valid_and_complete() {
    let fixture = Fixture::new();
    let out = render(Format::Sarif, &fixture.report(), &PLAIN);
    assert_eq!(out, render(Format::Sarif, &fixture.report(), &PLAIN_ALL), "options do not matter");
    let log = assert_valid_sarif(&out);

    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"],
        "skipped big.bin: larger than 2 MiB"
    );

    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "trustlint");
    assert_eq!(driver["version"], "0.1.0");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 4, "every known rule, used or not");
    let wildcard_rule = &rules[3];
    assert_eq!(wildcard_rule["id"], "oidc-wildcard-subject");
    assert_eq!(wildcard_rule["name"], "OidcWildcardSubject");
    assert_eq!(wildcard_rule["shortDescription"]["text"], "Flags wildcard OIDC subjects");
    assert_eq!(wildcard_rule["fullDescription"]["text"], "Flags wildcard OIDC subjects. It reads the trust.");
    assert!(wildcard_rule["help"]["markdown"].as_str().unwrap().contains("## Why is this bad?"));
    assert_eq!(
        wildcard_rule["helpUri"],
        "https://github.com/trustlint/trustlint/blob/main/docs/rules/oidc-wildcard-subject.md"
    );
    assert_eq!(wildcard_rule["defaultConfiguration"]["level"], "error");
    assert_eq!(wildcard_rule["properties"]["tags"], serde_json::json!(["oidc", "aws", "security"]));
    assert_eq!(wildcard_rule["properties"]["security-severity"], "8.0");
    assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
    assert_eq!(rules[2]["properties"]["security-severity"], "0.0");

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5, "4 findings (the suppressed one included) and 1 absent");
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at the rule");
        assert!(result.get("snippet").is_none());
    }
    assert_eq!(results[0]["level"], "note");
    assert_eq!(results[3]["level"], "error", "from the finding's severity (critical)");

    let wildcard = &results[2];
    let subject = span_of(POLICY, "\"repo:acme/*\"");
    assert_eq!(
        wildcard["message"]["text"],
        "any repository owned by `acme`, on any ref, can assume this role. Pin the subject to one repository \
         and branch, e.g. `repo:acme/infra:ref:refs/heads/main`"
    );
    let location = &wildcard["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"],
        serde_json::json!({"uri": "infra/policy.json", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        location["region"],
        serde_json::json!({
            "startLine": line_of(POLICY, subject.start),
            "startColumn": utf16_column(POLICY, subject.start),
            "endLine": line_of(POLICY, subject.end),
            "endColumn": utf16_column(POLICY, subject.end),
        })
    );
    assert_eq!(wildcard["relatedLocations"][1]["id"], 2);
    assert_eq!(wildcard["relatedLocations"][1]["message"]["text"], "this workflow assumes the role");
    assert_eq!(
        wildcard["relatedLocations"][1]["physicalLocation"]["artifactLocation"]["uri"],
        ".github/workflows/deploy.yml"
    );
    assert_eq!(wildcard["partialFingerprints"]["trustlint/v1"], "44444444444444444444444444444444");
    assert_eq!(wildcard["properties"], serde_json::json!({"severity": "high", "confidence": "high"}));
    assert_eq!(wildcard["baselineState"], "new");
    let replacement = &wildcard["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["deletedRegion"], location["region"]);
    assert_eq!(replacement["insertedContent"]["text"], "\"repo:acme/infra:ref:refs/heads/main\"");

    let suppressed = &results[1];
    assert_eq!(
        suppressed["suppressions"],
        serde_json::json!([{"kind": "inSource", "justification": "audience enforced by the provider"}])
    );

    // UTF-16 columns after an emoji and an é; the comma in the path is kept (a legal URI char).
    let stack = &results[3];
    let stack_subject = span_of(STACK, "\"repo:acme/*\"");
    let region = &stack["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], utf16_column(STACK, stack_subject.start));
    assert_eq!(region["endColumn"], utf16_column(STACK, stack_subject.end));
    assert_ne!(utf16_column(STACK, stack_subject.start), utf8_column(STACK, stack_subject.start));
    assert_eq!(stack["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], STACK_PATH);

    let absent = &results[4];
    assert_eq!(absent["baselineState"], "absent");
    assert_eq!(absent["ruleId"], "oidc-wildcard-subject");
    assert!(absent["locations"][0]["physicalLocation"].get("region").is_none());

    insta::assert_snapshot!("sarif", out);
}

#[test]
fn sarif_keeps_the_most_severe_results_when_truncated() {
    let file = SourceFile::new("many.json", "a b c d e f g h i j\n");
    let severities = [
        Severity::Low,
        Severity::Critical,
        Severity::Info,
        Severity::High,
        Severity::Critical,
        Severity::Medium,
        Severity::High,
    ];
    let mut findings: Vec<Finding> = severities
        .iter()
        .enumerate()
        .map(|(i, &severity)| {
            Finding::new(
                "oidc-wildcard-subject",
                severity,
                Location::new(&file, Span::new(2 * i, 2 * i + 1)),
                format!("finding {i}"),
            )
        })
        .collect();
    // A suppressed critical ranks after every active finding.
    findings[4].suppression =
        Some(Suppression { kind: SuppressionKind::External, justification: String::new() });
    let rules = rules();
    let report = Report {
        findings: &findings,
        rules: &rules,
        files_scanned: 1,
        notes: &[],
        absent: &[],
        tool_version: "0.1.0",
        tool_commit: Some(COMMIT),
    };

    let log = assert_valid_sarif(&render_sarif_with_result_limit(&report, 3));
    let run = &log["runs"][0];
    let messages: Vec<&str> =
        run["results"].as_array().unwrap().iter().map(|r| r["message"]["text"].as_str().unwrap()).collect();
    // Critical 1, high 3 and high 6 kept, in their original order.
    assert_eq!(messages, ["finding 1", "finding 3", "finding 6"]);
    let notification = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "warning");
    assert!(notification["message"]["text"].as_str().unwrap().starts_with("4 of 7 results were dropped"));
    assert_eq!(run["properties"]["droppedResults"], 4);

    // Within the limit nothing is dropped or reported.
    let log = parse(&render_sarif_with_result_limit(&report, 7));
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 7);
    assert!(log["runs"][0].get("properties").is_none());
    assert!(log["runs"][0]["invocations"][0].get("toolExecutionNotifications").is_none());
}

#[test]
fn sarif_without_findings_is_valid() {
    let rules = rules();
    let report = Report {
        findings: &[],
        rules: &rules,
        files_scanned: 0,
        notes: &[],
        absent: &[],
        tool_version: "0.1.0",
        tool_commit: Some(COMMIT),
    };
    let log = assert_valid_sarif(&render(Format::Sarif, &report, &PLAIN));
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_gives_unknown_rules_a_descriptor() {
    let fixture = Fixture::new();
    let report = Report { rules: &fixture.rules[..1], ..fixture.report() };
    let log = assert_valid_sarif(&render(Format::Sarif, &report, &PLAIN));
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

// ---------------------------------------------------------------------------------------------
// github

#[test]
fn github_annotations_are_escaped() {
    let fixture = Fixture::new();
    let out = render(Format::Github, &fixture.report(), &PLAIN);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "3 visible findings and 1 note:\n{out}");

    assert_eq!(
        lines[0],
        "::notice file=.github/workflows/deploy.yml,line=4,col=3,endLine=4,endColumn=18,\
         title=oidc-token-broad-permission (info)::`id-token: write` is granted at workflow level, to every \
         job%0Ahelp: grant `id-token: write` only to the job that deploys"
    );
    let subject = span_of(POLICY, "\"repo:acme/*\"");
    assert!(lines[1].starts_with(&format!(
        "::error file=infra/policy.json,line={},col={},endLine={},endColumn={},title=oidc-wildcard-subject (high)::",
        line_of(POLICY, subject.start),
        utf16_column(POLICY, subject.start),
        line_of(POLICY, subject.end),
        utf16_column(POLICY, subject.end),
    )));
    // The comma in the path is escaped in the property; UTF-16 columns.
    let stack_subject = span_of(STACK, "\"repo:acme/*\"");
    assert!(
        lines[2].starts_with(&format!(
            "::error file=pulumi/stack%2Cdev.yaml,line=2,col={},",
            utf16_column(STACK, stack_subject.start)
        )),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "::notice title=trustlint::skipped big.bin: larger than 2 MiB");

    let all = render(Format::Github, &fixture.report(), &PLAIN_ALL);
    assert!(all.contains("title=oidc-missing-audience (medium%2C suppressed)::"), "{all}");
    insta::assert_snapshot!("github_all", all);
}

#[test]
fn sarif_validation_is_not_vacuous() {
    let fixture = Fixture::new();
    let mut log = parse(&render(Format::Sarif, &fixture.report(), &PLAIN));
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = Value::from(0);
    let validator = sarif_validator();
    assert!(validator.iter_errors(&log).count() >= 2, "the schema rejects a bad level and line 0");
}

// ---------------------------------------------------------------------------------------------
// odd spans and files

#[test]
fn odd_spans_render_in_every_format() {
    let empty = SourceFile::new("empty.json", "");
    let crlf_text = "{\r\n  \"sub\": \"repo:acme/*\",\r\n  \"aud\": \"x\"\r\n}\r\n";
    let crlf = SourceFile::new("crlf.json", crlf_text);
    let findings = vec![
        Finding::new(
            "oidc-wildcard-subject",
            Severity::Low,
            Location::new(&crlf, Span::new(4, 40)),
            "multi-line",
        ),
        Finding::new(
            "oidc-wildcard-subject",
            Severity::Low,
            Location::new(&crlf, Span::new(500, 900)),
            "past the end",
        ),
        Finding::new(
            "oidc-wildcard-subject",
            Severity::Low,
            Location::new(&empty, Span::new(0, 0)),
            "empty file",
        ),
    ];
    let rules = rules();
    let report = Report {
        findings: &findings,
        rules: &rules,
        files_scanned: 2,
        notes: &[],
        absent: &[],
        tool_version: "0.1.0",
        tool_commit: Some(COMMIT),
    };
    let human = render(Format::Human, &report, &PLAIN);
    for message in ["multi-line", "past the end", "empty file"] {
        assert!(human.contains(message), "{human}");
    }
    // miette's header agrees with the core's byte columns on CRLF files.
    let position = crlf.position(4, trustlint_core::ColumnUnit::Utf8);
    assert_eq!((position.line, position.column), (2, 2));
    assert!(human.contains("[crlf.json:2:2]"), "{human}");
    assert!(!human.contains("Failed to read"), "{human}");
    assert_valid_sarif(&render(Format::Sarif, &report, &PLAIN));
    parse(&render(Format::Json, &report, &PLAIN));
    assert_eq!(render(Format::Github, &report, &PLAIN).lines().count(), 3);
    if std::env::var_os("SHOW_HUMAN").is_some() {
        println!("{human}");
    }
}

/// Issue 9 item 13: thousands of findings on one long line (a minified policy). Each block shows
/// its own label with the line cut around it; the time is measured by scripts/robustness.py
/// (`human-50k-findings-one-line`), not here.
#[test]
fn human_many_findings_on_one_long_line() {
    let statement =
        r#"{"Sid":"S00000","Principal":{"Federated":"x"},"Condition":{"StringLike":{"sub":"*"}}}"#;
    let count = 2_000;
    let line: String =
        (0..count).map(|i| statement.replace("S00000", &format!("S{i:05}"))).collect::<Vec<_>>().join(",");
    let text = format!("{{\"Statement\":[{line}]}}\n");
    let file = SourceFile::new("policy.json", text.clone());
    let findings: Vec<Finding> = (0..count)
        .map(|i| {
            let sid = format!("S{i:05}");
            let at = text.find(&sid).unwrap();
            let mut finding = Finding::new(
                "oidc-wildcard-subject",
                Severity::High,
                Location::new(&file, Span::new(at, at + sid.len())),
                format!("statement {sid} trusts every subject"),
            );
            finding.fingerprint = format!("{i:032}");
            finding
        })
        .collect();
    let rules = rules();
    let report = Report {
        findings: &findings,
        rules: &rules,
        files_scanned: 1,
        notes: &[],
        absent: &[],
        tool_version: "0.1.0",
        tool_commit: Some(COMMIT),
    };
    let out = render(Format::Human, &report, &PLAIN);
    assert_eq!(out.matches("oidc-wildcard-subject (").count(), count);
    for i in [0, 1, count / 2, count - 1] {
        let sid = format!("S{i:05}");
        assert_eq!(out.matches(&format!("statement {sid} trusts")).count(), 1, "{sid}");
        // The label's own text is shown, in a cut line.
        assert!(out.contains(&format!("\"Sid\":\"{sid}\"")), "{sid}");
    }
    // Every block is a few lines around its label: the output grows with the findings, not with
    // findings times the line.
    assert!(out.len() < count * 2_000, "{} bytes", out.len());
}
