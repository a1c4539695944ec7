//! Output, configuration and the language server, tried as an attacker (or an unlucky monorepo)
//! would: a report that cannot be written fails the run, nothing quotes a credential whole
//! (configuration errors, parse errors, baselines), control characters never reach a terminal or
//! log, nothing is written where it should not be (`--output`, `--write-baseline`, `--fix`),
//! `--threads` is capped, and the language server survives oversized and malformed messages and
//! checks only the latest of a burst of edits.
//!
//! Credentials are drawn at run time from a fixed seed: this file holds none.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::Stdio;

use common::{ALNUM, Rng, Run, WILDCARD_TRUST, json, run, write};
use serde_json::{Value, json};

/// An AWS secret access key: 40 characters of base64, recognised only next to its key name.
fn aws_secret(seed: u64) -> String {
    Rng(seed).pick(&format!("{ALNUM}+/"), 40)
}

/// `out` holds no 12-character piece of `secret`, let alone all of it.
fn assert_no_part_of(secret: &str, out: &str, what: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(12) {
        let piece: String = window.iter().collect();
        assert!(!out.contains(&piece), "{what}: prints `{piece}` of a credential:\n{out}");
    }
}

// Item 4: a report that could not be written.

#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_exits_2_whatever_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trust.json", WILDCARD_TRUST);
    for args in [
        &["check", "--format", "sarif", "--exit-zero"][..],
        &["check", "--format", "human"],
        &["check", "--format", "json", "--fail-on", "critical"],
    ] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let output = common::command().current_dir(dir.path()).args(args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write the report to standard output"), "{args:?}: {stderr}");
    }
    let Run { code, stderr, .. } = run(dir.path(), &["check", "--exit-zero", "--output", "/dev/full"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot write the report to /dev/full"), "{stderr}");
    // A device is written, not replaced: /dev/null is still a device afterwards.
    let Run { code, .. } = run(dir.path(), &["check", "--exit-zero", "--output", "/dev/null"]);
    assert_eq!(code, 0);
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
}

// Item 5: configuration errors.

#[test]
fn configuration_errors_quote_no_credential_and_no_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trust.json", WILDCARD_TRUST);
    let token = Rng(5).github_token();
    let secret = aws_secret(55);
    // What `/proc/self/environ` looks like: one line of NUL-separated variables.
    let environ = format!(
        "HOME=/home/ci\0GITHUB_TOKEN={token}\0AWS_SECRET_ACCESS_KEY={secret}\0PATH=/usr/local/bin:/usr/bin:/bin\0\
         EDITOR=vi\0LANG=C.UTF-8\0SHELL=/bin/bash\0"
    );
    write(dir.path(), "environ", &environ);
    let mut configs = vec![
        // A token where a boolean belongs: TOML echoes the value.
        ("value.toml", format!("[rules.oidc-wildcard-subject]\nenabled = \"{token}\"\n")),
        // In an `ignore` entry and an `exclude` glob that trustlint quotes back.
        ("ignore.toml", format!("ignore = [\"{token}\"]\n")),
        ("glob.toml", format!("exclude = [\"[{token}\"]\n")),
        ("rule.toml", format!("[rules.{token}]\nenabled = false\n")),
        // A credentials file given as the configuration.
        ("credentials.toml", format!("[default]\naws_secret_access_key = {secret}\n")),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("environ"), dir.path().join("environ.toml")).unwrap();
        configs.push(("environ.toml", String::new()));
    }
    for (name, text) in &configs {
        if !text.is_empty() {
            write(dir.path(), name, text);
        }
        let result = run(dir.path(), &["check", "trust.json", "--config", name]);
        let out = result.both();
        assert_eq!(result.code, 2, "{name}: {out}");
        assert_no_part_of(&token, &out, name);
        assert_no_part_of(&secret, &out, name);
        assert!(out.contains(name), "{name}: names the file: {out}");
    }
    let environ_run = run(dir.path(), &["check", "trust.json", "--config", "environ"]);
    let out = environ_run.both();
    assert!(out.contains("line 1, column"), "{out}");
    assert!(!out.contains("SHELL=/bin/bash"), "the rest of the line is cut: {out}");
    assert!(!out.contains('\0'), "control characters are escaped: {out:?}");
}

// Item 6: baselines.

#[test]
fn baselines_hold_no_credential_and_old_ones_resurface_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let token = Rng(6).github_token();
    // The subject names the token: the finding's message quotes it.
    write(dir.path(), "trust.json", &WILDCARD_TRUST.replace("repo:acme/*", &format!("repo:acme/{token}*")));
    let Run { code, stderr, .. } = run(dir.path(), &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(written.contains("oidc-wildcard-subject"), "{written}");
    assert_no_part_of(&token, &written, "the baseline");

    // A baseline written by an earlier trustlint, message whole; the finding is gone now.
    let mut old: Value = json(&written);
    for entry in old["findings"].as_array_mut().unwrap() {
        entry["message"] = json!(format!("the subject `repo:acme/{token}*` matches every repository"));
        entry["fingerprint"] = json!("0123456789abcdef0123456789abcdef");
    }
    write(dir.path(), "old.json", &old.to_string());
    for format in ["human", "json", "sarif", "github"] {
        let result = run(dir.path(), &["check", "--baseline", "old.json", "--format", format]);
        assert_no_part_of(&token, &result.both(), format);
    }
}

// Item 7: parse-error excerpts.

#[test]
fn parse_errors_redact_before_they_cut() {
    let dir = tempfile::tempdir().unwrap();
    let secret = aws_secret(7);
    let token = Rng(77).github_token();
    // An unclosed quote: the parser quotes the line from the value on, the credential with it.
    let template = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  secret_key: \"{secret}\n  Role: x\n"
    );
    write(dir.path(), "template.yaml", &template);
    // The parser stops inside the token: the piece it quotes is redacted too.
    let policy = format!("{{\"Action\": \"sts:AssumeRoleWithWebIdentity\",\n  \"k\": {token} {token}\n}}\n");
    write(dir.path(), "token.json", &policy);
    for format in ["human", "json", "sarif", "github"] {
        let result = run(dir.path(), &["check", "--format", format, "--select", "parse-error"]);
        let out = result.both();
        assert!(out.contains("parse-error"), "{format}: {out}");
        assert_no_part_of(&secret, &out, format);
        assert_no_part_of(&token, &out, format);
    }
    let result = run(dir.path(), &["check", "--format", "json", "--select", "parse-error"]);
    let messages: Vec<String> = json(&result.stdout)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].to_string())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().all(|m| m.contains("…(40 chars)")), "{messages:?}");
}

// Item 8: terminal and log injection.

#[test]
fn control_characters_never_reach_the_terminal_or_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // OSC (retitle, hyperlink), CSI (clear screen, colors), a carriage return and C1 CSI.
    let evil = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[31mred\rX\u{9b}1m";
    let subject = format!("repo:acme/{evil}*");
    // Written as JSON escapes: the file itself is plain text, the value holds the raw characters.
    let escaped = serde_json::to_string(&subject).unwrap();
    write(dir.path(), "trust.json", &WILDCARD_TRUST.replace("\"repo:acme/*\"", &escaped));
    #[cfg(unix)]
    write(dir.path(), &format!("bad{evil}name.json"), WILDCARD_TRUST);
    for format in ["human", "github"] {
        let result = run(dir.path(), &["check", "--format", format, "--show-suppressed"]);
        let out = result.both();
        assert!(out.contains("oidc-wildcard-subject"), "{format}: {out}");
        for c in ['\u{1b}', '\u{7}', '\u{9b}', '\r'] {
            assert!(!out.contains(c), "{format}: prints {c:?} raw:\n{out:?}");
        }
        assert!(out.contains("\\u{1b}]0;owned"), "{format}: escaped, still visible:\n{out}");
    }
}

// Item 9: writes where they should not.

#[cfg(unix)]
#[test]
fn output_never_writes_through_a_link_or_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(dir.path(), "policies/trust.json", WILDCARD_TRUST);
    write(outside.path(), "precious.txt", "keep me");
    std::os::unix::fs::symlink(outside.path().join("precious.txt"), dir.path().join("report.sarif")).unwrap();

    let Run { code, stderr, .. } =
        run(dir.path(), &["check", "--format", "sarif", "--output", "report.sarif", "--exit-zero"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(outside.path().join("precious.txt")).unwrap(), "keep me");
    let report = dir.path().join("report.sarif");
    assert!(std::fs::symlink_metadata(&report).unwrap().is_file(), "the link is replaced by the report");
    assert!(std::fs::read_to_string(&report).unwrap().contains("oidc-wildcard-subject"));

    // An input named on the command line, one found under a checked folder, the configuration.
    write(dir.path(), "trustlint.toml", "exclude = []\n");
    for (args, input) in [
        (&["check", "policies/trust.json", "--output", "policies/trust.json"][..], "policies/trust.json"),
        (&["check", ".", "--output", "policies/trust.json"], "policies/trust.json"),
        (&["check", ".", "--write-baseline", "policies/trust.json"], "policies/trust.json"),
        (&["check", ".", "--output", "trustlint.toml"], "trustlint.toml"),
    ] {
        let before = std::fs::read_to_string(dir.path().join(input)).unwrap();
        let Run { code, stderr, .. } = run(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("refusing to write") && stderr.contains(input), "{args:?}: {stderr}");
        assert_eq!(std::fs::read_to_string(dir.path().join(input)).unwrap(), before, "{args:?}");
    }
    // Reports and baselines from an earlier run are not inputs, whatever they quote: replaced.
    for (flag, file) in [("--output", "report.sarif.json"), ("--write-baseline", "baseline.json")] {
        for _ in 0..2 {
            let args = ["check", ".", "--format", "sarif", flag, file, "--exit-zero"];
            let Run { code, stderr, .. } = run(dir.path(), &args);
            assert_eq!(code, 0, "{flag} {file}: {stderr}");
        }
    }
}

/// A workflow whose workflow-level `id-token: write` the safe fix moves to the job that logs in.
const WORKFLOW: &str = "\
name: deploy
on: push
permissions:
  contents: read
  id-token: write
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: make lint
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: us-east-1
";

#[cfg(unix)]
#[test]
fn fix_writes_only_single_link_regular_files_inside_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "linked.yml", WORKFLOW);
    write(outside.path(), "hard.yml", WORKFLOW);
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    let workflows = dir.path().join(".github/workflows");
    std::os::unix::fs::symlink(outside.path().join("linked.yml"), workflows.join("linked.yml")).unwrap();
    std::fs::hard_link(outside.path().join("hard.yml"), workflows.join("hard.yml")).unwrap();
    write(dir.path(), ".github/workflows/own.yml", WORKFLOW);

    let select = ["--select", "id-token-workflow-scope"];
    let args = [&["check", "--fix", ".", ".github/workflows/linked.yml"][..], &select].concat();
    let Run { stderr, .. } = run(dir.path(), &args);
    assert!(stderr.contains("applied 1 fix(es) to 1 file(s)"), "{stderr}");
    assert!(stderr.contains("linked.yml: it is a symbolic link"), "{stderr}");
    assert!(stderr.contains("hard.yml: it has 2 hard links"), "{stderr}");
    assert_eq!(std::fs::read_to_string(outside.path().join("linked.yml")).unwrap(), WORKFLOW);
    assert_eq!(std::fs::read_to_string(outside.path().join("hard.yml")).unwrap(), WORKFLOW);
    let own = std::fs::read_to_string(workflows.join("own.yml")).unwrap();
    assert_ne!(own, WORKFLOW, "the file inside the tree is fixed");
}

// Item 14: threads.

#[test]
fn threads_are_capped_and_the_cap_is_said() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trust.json", WILDCARD_TRUST);
    let capped = run(dir.path(), &["check", "--format", "json", "--threads", "100000"]);
    assert_eq!(capped.code, 1, "{}", capped.stderr);
    assert!(capped.stderr.contains("--threads 100000 is over the limit of"), "{}", capped.stderr);
    let one = run(dir.path(), &["check", "--format", "json", "--threads", "1"]);
    assert!(!one.stderr.contains("over the limit"), "{}", one.stderr);
    assert_eq!(capped.stdout, one.stdout);
}

// Item 15: the language server over real standard input and output.

fn frame(body: &Value) -> Vec<u8> {
    let body = body.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Every message the server wrote, in order.
fn read_messages(output: &[u8]) -> Vec<Value> {
    let mut reader = BufReader::new(output);
    let mut messages = Vec::new();
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                return messages;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = Some(value.parse::<usize>().unwrap());
            }
        }
        let mut body = vec![0; length.expect("a Content-Length")];
        reader.read_exact(&mut body).unwrap();
        messages.push(serde_json::from_slice(&body).unwrap());
    }
}

/// Run `trustlint server` on `input` (the client closes its end after writing it).
fn serve(root: &Path, input: &[u8]) -> (Option<i32>, Vec<Value>, String) {
    let mut child = common::command()
        .arg("server")
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        output.status.code(),
        read_messages(&output.stdout),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn initialize(root: &Path) -> Vec<u8> {
    let uri = format!("file://{}", root.display());
    [
        frame(&json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": { "capabilities": {}, "rootUri": uri } })),
        frame(&json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} })),
    ]
    .concat()
}

fn shutdown() -> Vec<u8> {
    [
        frame(&json!({ "jsonrpc": "2.0", "id": 99, "method": "shutdown" })),
        frame(&json!({ "jsonrpc": "2.0", "method": "exit" })),
    ]
    .concat()
}

#[test]
fn the_language_server_survives_huge_and_malformed_messages() {
    let dir = tempfile::tempdir().unwrap();
    let malformed = b"{ \"jsonrpc\": \"2.0\", \"id\": ".to_vec();
    let input = [
        initialize(dir.path()),
        format!("Content-Length: {}\r\n\r\n", malformed.len()).into_bytes(),
        malformed,
        frame(&json!({ "jsonrpc": "2.0", "id": 5, "method": 42 })),
        // A declared length over the limit, with its (short) body: skipped, not allocated.
        b"Content-Length: 99999999999\r\n\r\n{}".to_vec(),
    ]
    .concat();
    let (code, messages, stderr) = serve(dir.path(), &input);
    assert_eq!(code, Some(0), "{stderr}");
    let errors: Vec<i64> = messages.iter().filter_map(|m| m["error"]["code"].as_i64()).collect();
    assert_eq!(errors, [-32700, -32600, -32600], "{messages:?}");
    assert!(messages.iter().any(|m| m["id"] == 1 && m["result"]["capabilities"].is_object()), "{messages:?}");

    // After a malformed message the server goes on: it answers the next request.
    let input = [
        initialize(dir.path()),
        frame(&json!("not an object")),
        b"Content-Length: 3\r\n\r\n{{{".to_vec(),
        shutdown(),
    ]
    .concat();
    let (code, messages, stderr) = serve(dir.path(), &input);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(messages.iter().any(|m| m["id"] == 99 && m["result"].is_null()), "{messages:?}");
}

#[test]
fn queued_edits_are_checked_once_at_the_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("file://{}/trust.json", dir.path().display());
    // A document big enough that each check takes a while: without coalescing, every version
    // would be checked in turn while the rest wait in the pipe.
    let statements: Vec<String> = (0..400)
        .map(|n| {
            let statement: Value = json(WILDCARD_TRUST)["Statement"][0].clone();
            statement.to_string().replace("repo:acme/*", &format!("repo:acme{n}/*"))
        })
        .collect();
    let text = format!("{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}", statements.join(",\n"));
    let mut input = initialize(dir.path());
    input.extend(frame(&json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": { "uri": uri, "languageId": "json", "version": 1, "text": text } } })));
    for version in 2..=12 {
        input.extend(frame(&json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "text": text.replace("acme0/", &format!("acme0v{version}/")) }] } })));
    }
    // The client then closes the pipe: the server checks what is pending and ends.
    let (code, messages, stderr) = serve(dir.path(), &input);
    assert_eq!(code, Some(0), "{stderr}");
    let versions: Vec<i64> = messages
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert_eq!(versions.last(), Some(&12), "{versions:?}");
    // The messages were all queued before the first check ended; at most the first version is
    // checked on its own.
    assert!(versions.len() <= 2, "checked {} versions: {versions:?}", versions.len());
}
