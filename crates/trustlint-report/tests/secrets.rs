//! No format ever prints a credential whole, even when a rule carelessly puts it in a message and
//! when another finding's snippet shows the line it is on.

use std::sync::Arc;

use trustlint_core::{
    Finding, Fix, Location, Severity, SourceFile, Span, Suppression, SuppressionKind, TextEdit,
};
use trustlint_report::{Format, RenderOptions, Report, render};

// Built at run time so that no scanner mistakes this test file for a leak.
fn access_key_id() -> String {
    ["AKIA", "QWERTYUIOP", "ASDFGH"].concat()
}

fn secret_access_key() -> String {
    ["wJalrXUtnFEMI", "/K7MDENG/bPxRfiCY", "EXAMPLEKEY"].concat()
}

fn span_of(text: &str, needle: &str) -> Span {
    let start = text.find(needle).unwrap();
    Span::new(start, start + needle.len())
}

#[test]
fn no_format_prints_a_secret() {
    let id = access_key_id();
    let key = secret_access_key();
    let text = format!(
        "env:\n  AWS_ACCESS_KEY_ID: {id}\n  AWS_SECRET_ACCESS_KEY: \"{key}\"\n  AWS_REGION: us-east-1\n"
    );
    let file = SourceFile::new("ci/deploy.yml", text.clone());

    let id_finding = Finding::new(
        "hardcoded-secret",
        Severity::Critical,
        Location::new(&file, span_of(&text, &id)),
        // A careless rule: the message repeats the value.
        format!("AWS access key ID {id} is committed"),
    )
    .with_help(format!("remove {id} and rotate it"))
    .with_fix(Fix {
        description: format!("replace {id} with a secret reference"),
        safe: false,
        file: Arc::clone(&file),
        edits: vec![TextEdit {
            span: span_of(&text, &id),
            replacement: "${{ secrets.AWS_ACCESS_KEY_ID }}".to_string(),
        }],
        postcondition: None,
    })
    // As `hardcoded-secret` does: a finding whose primary span is a credential says so.
    .with_sensitive_value("aws-access-key-id");

    // The span includes the quotes; the suppressed finding still counts as a secret.
    let mut key_finding = Finding::new(
        "hardcoded-secret",
        Severity::Critical,
        Location::new(&file, span_of(&text, &format!("\"{key}\""))),
        format!("AWS secret access key \"{key}\" is committed"),
    )
    .with_sensitive_value("aws-secret-access-key")
    .with_related(Location::new(&file, span_of(&text, &id)), format!("paired with {id}"));
    key_finding.suppression =
        Some(Suppression { kind: SuppressionKind::External, justification: format!("test key {key}") });

    // Its snippet shows the lines around it, where the secrets are.
    let region = Finding::new(
        "long-lived-credentials",
        Severity::High,
        Location::new(&file, span_of(&text, "AWS_REGION")),
        "static AWS credentials are configured for this job",
    )
    .with_related(Location::new(&file, span_of(&text, "AWS_SECRET_ACCESS_KEY")), "the secret key");

    let findings = vec![id_finding, key_finding, region];
    let notes = vec![format!("could not verify {id}")];
    let report = Report {
        findings: &findings,
        rules: &[],
        files_scanned: 1,
        notes: &notes,
        absent: &[],
        tool_version: "0.1.0",
        tool_commit: None,
    };

    let mut human = String::new();
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        for color in [false, true] {
            for show_suppressed in [false, true] {
                let out = render(format, &report, &RenderOptions { color, show_suppressed });
                for secret in [&id, &key] {
                    assert!(!out.contains(secret.as_str()), "{format} printed a secret:\n{out}");
                }
                // Not even most of it.
                assert!(!out.contains("QWERTYUIOP"), "{format}:\n{out}");
                assert!(!out.contains("K7MDENG"), "{format}:\n{out}");
                if format == Format::Human && !color && show_suppressed {
                    human = out;
                }
            }
        }
    }
    if std::env::var_os("SHOW_HUMAN").is_some() {
        println!("{human}");
    }
    // What is shown instead: the first four characters and the length.
    assert!(human.contains("AKIA…(20 chars)"), "{human}");
    assert!(human.contains("\"wJal…(40 chars)"), "{human}");
    assert!(human.contains("AWS access key ID AKIA…(20 chars) is committed"), "{human}");
    assert!(human.contains("AWS secret access key \"wJal…(40 chars)\" is committed"), "{human}");
    // Masking keeps offsets: the region finding still points at line 4.
    assert!(human.contains("[ci/deploy.yml:4:3]"), "{human}");
}
