//! Every runnable example in a rule's document is run with only that rule enabled: the ones under
//! a "Bad" heading must produce the rule's finding, the ones under "Good" must produce none.
//! IAM `Condition` fragments are run inside a GitHub Actions trust statement.

use std::path::Path;

use trustlint_engine::{Config, Engine, RunOptions};

/// One fenced example: its language, its text, and whether it is shown as bad.
struct Example {
    language: String,
    text: String,
    bad: bool,
}

/// Examples under `## Examples`, labelled by the last `Bad`/`Good` line before each block.
fn examples(document: &str) -> Vec<Example> {
    let Some(start) = document.find("## Examples") else { return Vec::new() };
    let section = &document[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut out = Vec::new();
    let mut bad = None;
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(language) = trimmed.strip_prefix("```").filter(|l| !l.is_empty()) {
            let mut text = String::new();
            for body in lines.by_ref() {
                if body.trim_start().starts_with("```") {
                    break;
                }
                text.push_str(body);
                text.push('\n');
            }
            if let Some(bad) = bad {
                out.push(Example { language: language.to_string(), text, bad });
            }
        } else if trimmed.starts_with("Bad") {
            bad = Some(true);
        } else if trimmed.starts_with("Good") {
            bad = Some(false);
        }
    }
    out
}

/// A file name and text trustlint reads, or `None` when the example is not a whole input.
fn as_input(example: &Example) -> Option<(&'static str, String)> {
    let text = example.text.trim();
    match example.language.as_str() {
        "json" if text.starts_with("\"Condition\"") => Some((
            "trust-policy.json",
            format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
  "Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},
  "Action": "sts:AssumeRoleWithWebIdentity",
  {text}}}]}}"#
            ),
        )),
        "json" if text.contains("\"Statement\"") && !text.contains("...") => {
            Some(("trust-policy.json", text.to_string()))
        }
        "yaml" if text.contains("AWSTemplateFormatVersion") && !text.contains("...") => {
            Some(("template.yaml", text.to_string()))
        }
        "yaml" if text.starts_with("on:") && text.contains("jobs:") => {
            Some((".github/workflows/example.yml", text.to_string()))
        }
        _ => None,
    }
}

#[test]
fn documented_examples_behave_as_documented() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut ran = 0;
    let mut failures = Vec::new();
    for meta in trustlint_rules::catalog::all() {
        let document = std::fs::read_to_string(rules.join(format!("{}.md", meta.id))).unwrap();
        let options = RunOptions { select: vec![meta.id.to_string()], ..RunOptions::default() };
        let engine = Engine::new(Config::default(), &options).unwrap();
        for example in examples(&document) {
            let Some((name, text)) = as_input(&example) else { continue };
            let findings = engine.check_text(name, &text).unwrap_or_default();
            let reported = findings.iter().any(|f| f.rule == meta.id && f.suppression.is_none());
            if reported != example.bad {
                let expected = if example.bad { "a finding" } else { "no finding" };
                failures.push(format!("{}: expected {expected} for:\n{}", meta.id, example.text));
            }
            ran += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran >= 10, "only {ran} documented examples were runnable");
}
