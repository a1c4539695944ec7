//! The server in-process: a client (`common::Client`) on the other end of `Connection::memory()`
//! speaks the protocol as an editor would (JSON messages), and checks what comes back.

mod common;

use common::{Client, TIMEOUT, file_uri, rules_of};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

const WIDE_POLICY: &str = r#"{
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
        },
        "StringLike": {
          "token.actions.githubusercontent.com:sub": "repo:acme/*"
        }
      }
    }
  ]
}
"#;

const WIDE_TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
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
                token.actions.githubusercontent.com:sub: repo:acme/*
"#;

fn scoped_policy() -> String {
    WIDE_POLICY.replace("repo:acme/*", "repo:acme/infra:ref:refs/heads/main")
}

/// (line, start column, end column) of `needle` in `text`, columns counted in UTF-8 bytes or
/// UTF-16 units.
fn columns(text: &str, needle: &str, utf16: bool) -> (u64, u64, u64) {
    let start = text.find(needle).unwrap();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..start].matches('\n').count() as u64;
    let count = |s: &str| if utf16 { s.encode_utf16().count() } else { s.len() } as u64;
    let column = count(&text[line_start..start]);
    (line, column, column + count(needle))
}

fn range_of(diagnostic: &Value) -> (u64, u64, u64) {
    let range = &diagnostic["range"];
    assert_eq!(range["start"]["line"], range["end"]["line"], "{range}");
    (
        range["start"]["line"].as_u64().unwrap(),
        range["start"]["character"].as_u64().unwrap(),
        range["end"]["character"].as_u64().unwrap(),
    )
}

#[test]
fn a_wide_trust_policy_is_reported_then_cleared_when_scoped() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    assert_eq!(client.initialize_result["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(client.initialize_result["serverInfo"]["name"], "trustlint");

    let uri = file_uri(&dir.path().join("iam/trust.json"));
    client.open(&uri, "json", WIDE_POLICY);
    let published = client.diagnostics(&uri);
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(rules_of(&published), vec!["oidc-wildcard-subject"], "{published:#}");
    let diagnostic = &diagnostics[0];
    assert_eq!(range_of(diagnostic), columns(WIDE_POLICY, "\"repo:acme/*\"", true));
    assert_eq!(diagnostic["severity"], 1, "high is an error");
    assert_eq!(diagnostic["source"], "trustlint");
    assert_eq!(
        diagnostic["codeDescription"]["href"],
        "https://github.com/trustlint/trustlint/blob/main/docs/rules/oidc-wildcard-subject.md"
    );
    let message = diagnostic["message"].as_str().unwrap();
    assert!(message.contains("acme") && message.contains("\nhelp: "), "{message}");

    client.change(&uri, 2, &scoped_policy());
    let published = client.diagnostics(&uri);
    assert_eq!(published["version"], 2);
    assert_eq!(published["diagnostics"], json!([]));

    // Back to wide, then closed: closing clears what was shown.
    client.change(&uri, 3, WIDE_POLICY);
    assert_eq!(rules_of(&client.diagnostics(&uri)), vec!["oidc-wildcard-subject"]);
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(client.diagnostics(&uri)["diagnostics"], json!([]));
    client.shutdown().unwrap();
}

#[test]
fn files_trustlint_does_not_read_get_an_empty_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    for (name, language, text) in [
        ("README.md", "markdown", "# Trust\n\n`repo:acme/*` everywhere\n"),
        ("package.json", "json", "{\"name\": \"pkg\", \"version\": \"1.0.0\"}\n"),
        ("ci.yaml", "yaml", "on: push\njobs: {}\n"),
    ] {
        let uri = file_uri(&dir.path().join(name));
        client.open(&uri, language, text);
        assert_eq!(client.diagnostics(&uri)["diagnostics"], json!([]), "{name}");
    }
    client.shutdown().unwrap();
}

#[test]
fn unsaved_buffers_are_checked_by_their_language() {
    let mut client = Client::start(json!({}), None);
    let uri = "untitled:Untitled-1";
    client.open(uri, "json", WIDE_POLICY);
    assert_eq!(rules_of(&client.diagnostics(uri)), vec!["oidc-wildcard-subject"]);
    client.shutdown().unwrap();
}

#[test]
fn yaml_findings_have_ranges_and_suppressed_ones_are_not_published() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join("stack.yaml"));
    client.open(&uri, "yaml", WIDE_TEMPLATE);
    let published = client.diagnostics(&uri);
    assert_eq!(rules_of(&published), vec!["oidc-wildcard-subject"], "{published:#}");
    assert_eq!(range_of(&published["diagnostics"][0]), columns(WIDE_TEMPLATE, "repo:acme/*", true));

    let suppressed = WIDE_TEMPLATE.replace(
        "                token.actions.githubusercontent.com:sub",
        "                # trustlint: ignore[oidc-wildcard-subject] read-only role\n                token.actions.githubusercontent.com:sub",
    );
    client.change(&uri, 2, &suppressed);
    assert_eq!(client.diagnostics(&uri)["diagnostics"], json!([]));
    client.shutdown().unwrap();
}

#[test]
fn hover_on_a_diagnostic_shows_the_rule_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join("trust.json"));
    client.open(&uri, "json", WIDE_POLICY);
    client.diagnostics(&uri);

    let (line, start, end) = columns(WIDE_POLICY, "\"repo:acme/*\"", true);
    let hover = |client: &mut Client, line: u64, character: u64| {
        client
            .request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
            )
            .unwrap()
    };
    let shown = hover(&mut client, line, start + 3);
    assert_eq!(shown["contents"]["kind"], "markdown");
    let text = shown["contents"]["value"].as_str().unwrap();
    let doc = &trustlint_rules::catalog::find("oidc-wildcard-subject").unwrap().doc;
    assert!(text.starts_with(doc.trim_end()), "{text}");
    assert!(text.contains("## Why is this bad") && text.contains("Severity here: **high**"), "{text}");
    assert_eq!(shown["range"]["start"], json!({ "line": line, "character": start }));
    assert_eq!(shown["range"]["end"], json!({ "line": line, "character": end }));

    // Elsewhere (the `Version` line) there is nothing to show.
    assert_eq!(hover(&mut client, 1, 5), Value::Null);
    client.shutdown().unwrap();
}

#[test]
fn code_action_inserts_an_ignore_comment_that_silences_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join("stack.yaml"));
    client.open(&uri, "yaml", WIDE_TEMPLATE);
    let published = client.diagnostics(&uri);
    let diagnostic = published["diagnostics"][0].clone();

    let actions = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": diagnostic["range"],
                "context": { "diagnostics": [diagnostic], "only": ["quickfix"] }
            }),
        )
        .unwrap();
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], false);
    assert_eq!(action["diagnostics"][0]["code"], "oidc-wildcard-subject");
    assert!(action["title"].as_str().unwrap().contains("trustlint: ignore[oidc-wildcard-subject]"));
    let edits = action["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let (line, _, _) = columns(WIDE_TEMPLATE, "token.actions.githubusercontent.com:sub", true);
    assert_eq!(
        edits[0]["range"],
        json!({ "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 0 } })
    );
    assert_eq!(edits[0]["newText"], "                # trustlint: ignore[oidc-wildcard-subject]\n");

    // The editor applies it: the finding is gone.
    let line_start = WIDE_TEMPLATE.find("                token.actions.githubusercontent.com:sub").unwrap();
    let edited = format!(
        "{}{}{}",
        &WIDE_TEMPLATE[..line_start],
        edits[0]["newText"].as_str().unwrap(),
        &WIDE_TEMPLATE[line_start..]
    );
    client.change(&uri, 2, &edited);
    assert_eq!(client.diagnostics(&uri)["diagnostics"], json!([]));

    // Asking only for refactorings gets nothing.
    let none = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": diagnostic["range"], "context": { "diagnostics": [], "only": ["refactor"] } }),
        )
        .unwrap();
    assert_eq!(none, json!([]));
    client.shutdown().unwrap();
}

#[test]
fn plain_json_gets_no_ignore_comment() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join("trust.json"));
    client.open(&uri, "json", WIDE_POLICY);
    let diagnostic = client.diagnostics(&uri)["diagnostics"][0].clone();
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": diagnostic["range"], "context": { "diagnostics": [diagnostic] } }),
        )
        .unwrap();
    let titles: Vec<&str> = actions.as_array().unwrap().iter().filter_map(|a| a["title"].as_str()).collect();
    assert!(titles.iter().all(|t| !t.contains("ignore")), "{titles:?}");
    client.shutdown().unwrap();
}

#[test]
fn positions_are_utf8_when_the_client_offers_it_else_utf16() {
    // The statement on one line, with a two-byte, one-unit `é` and a four-byte, two-unit `😀` in
    // its `Sid` before the span.
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Déploiement😀", "Effect": "Allow", "Principal": { "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": { "StringEquals": { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, "StringLike": { "token.actions.githubusercontent.com:sub": "repo:acme/*" } } }
  ]
}
"#;
    let needle = "\"repo:acme/*\"";
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("trust.json"));

    let utf8 = json!({ "general": { "positionEncodings": ["utf-16", "utf-8"] } });
    let mut client = Client::start(utf8, Some(dir.path()));
    assert_eq!(client.initialize_result["capabilities"]["positionEncoding"], "utf-8");
    client.open(&uri, "json", text);
    let published = client.diagnostics(&uri);
    assert_eq!(rules_of(&published), vec!["oidc-wildcard-subject"], "{published:#}");
    let in_bytes = columns(text, needle, false);
    assert_eq!(range_of(&published["diagnostics"][0]), in_bytes);
    // A hover at a byte column lands on the finding too.
    let hover = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": in_bytes.0, "character": in_bytes.1 + 1 } }),
        )
        .unwrap();
    assert_eq!(hover["range"]["start"]["character"], in_bytes.1);
    client.shutdown().unwrap();

    let utf16_only = json!({ "general": { "positionEncodings": ["utf-16"] } });
    let mut client = Client::start(utf16_only, Some(dir.path()));
    assert_eq!(client.initialize_result["capabilities"]["positionEncoding"], "utf-16");
    client.open(&uri, "json", text);
    let published = client.diagnostics(&uri);
    assert_eq!(rules_of(&published), vec!["oidc-wildcard-subject"], "{published:#}");
    let in_units = columns(text, needle, true);
    assert_eq!(range_of(&published["diagnostics"][0]), in_units);
    // `é` is one byte longer in UTF-8, `😀` two.
    assert_eq!(in_bytes.1 - in_units.1, 3);
    client.shutdown().unwrap();
}

#[test]
fn the_workspace_configuration_applies_and_is_reread_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("trustlint.toml");
    std::fs::write(&config, "exclude = [\"vendor/**\"]\n[rules.oidc-wildcard-subject]\nenabled = false\n")
        .unwrap();
    let watching = json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let mut client = Client::start(watching, Some(dir.path()));
    // The server asks to watch trustlint.toml: answered by `answer_server_request` when seen.
    let uri = file_uri(&dir.path().join("trust.json"));
    client.open(&uri, "json", WIDE_POLICY);
    assert_eq!(client.diagnostics(&uri)["diagnostics"], json!([]), "the rule is disabled");
    let vendored = file_uri(&dir.path().join("vendor/x/trust.json"));
    client.open(&vendored, "json", WIDE_POLICY);
    assert_eq!(client.diagnostics(&vendored)["diagnostics"], json!([]), "excluded");

    // Changed on disk: the watcher tells the server, which re-checks the open documents.
    std::fs::write(&config, "[rules.oidc-wildcard-subject]\nseverity = \"medium\"\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": file_uri(&config), "type": 2 }] }),
    );
    let published = client.diagnostics(&uri);
    assert_eq!(rules_of(&published), vec!["oidc-wildcard-subject"]);
    assert_eq!(published["diagnostics"][0]["severity"], 2, "remapped to medium: a warning");
    assert_eq!(rules_of(&client.diagnostics(&vendored)), vec!["oidc-wildcard-subject"]);

    // Broken and saved in the editor: an error message and a diagnostic on the line, while the
    // last valid configuration stays in force.
    std::fs::write(&config, "[rules.oidc-wildcard-subject]\nseverity = \"urgent\"\n").unwrap();
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": file_uri(&config) } }));
    let shown = client.next_notification("window/showMessage", |_| true);
    assert_eq!(shown["type"], 1);
    assert!(shown["message"].as_str().unwrap().contains("urgent"), "{shown}");
    let on_config = client.diagnostics(&file_uri(&config));
    assert_eq!(on_config["diagnostics"][0]["range"]["start"]["line"], 0, "{on_config}");
    assert!(on_config["diagnostics"][0]["message"].as_str().unwrap().contains("severity"), "{on_config}");
    assert_eq!(client.diagnostics(&uri)["diagnostics"][0]["severity"], 2);

    // Fixed: the diagnostic on trustlint.toml is cleared.
    std::fs::write(&config, "").unwrap();
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": file_uri(&config) } }));
    assert_eq!(client.diagnostics(&file_uri(&config))["diagnostics"], json!([]));
    assert_eq!(client.diagnostics(&uri)["diagnostics"][0]["severity"], 1);
    client.shutdown().unwrap();
}

#[test]
fn the_server_asks_to_watch_the_configuration_when_the_client_allows_it() {
    let (server_side, client_side) = Connection::memory();
    let server = std::thread::spawn(move || trustlint_lsp::run(&server_side));
    let capabilities = json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let init = Request::new(RequestId::from(1), "initialize".into(), json!({ "capabilities": capabilities }));
    client_side.sender.send(init.into()).unwrap();
    assert!(matches!(client_side.receiver.recv_timeout(TIMEOUT).unwrap(), Message::Response(_)));
    client_side.sender.send(Notification::new("initialized".into(), json!({})).into()).unwrap();
    let Message::Request(register) = client_side.receiver.recv_timeout(TIMEOUT).unwrap() else {
        panic!("expected a registration request")
    };
    assert_eq!(register.method, "client/registerCapability");
    let registration = &register.params["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(registration["registerOptions"]["watchers"][0]["globPattern"], "**/trustlint.toml");
    client_side.sender.send(Response::new_ok(register.id, Value::Null).into()).unwrap();
    client_side.sender.send(Notification::new("exit".into(), Value::Null).into()).unwrap();
    assert!(server.join().unwrap().is_err(), "exit without shutdown is an error");
}

#[test]
fn protocol_errors_are_answered_not_fatal() {
    let (server_side, client_side) = Connection::memory();
    let server = std::thread::spawn(move || trustlint_lsp::run(&server_side));
    let early = Request::new(RequestId::from(1), "textDocument/hover".into(), json!({}));
    client_side.sender.send(early.into()).unwrap();
    let Message::Response(response) = client_side.receiver.recv_timeout(TIMEOUT).unwrap() else { panic!() };
    assert_eq!(response.response_result.unwrap_err().code, -32002, "server not initialized");
    drop(client_side);
    assert!(server.join().unwrap().is_err(), "a client gone before initializing is an error");

    let mut client = Client::start(json!({}), None);
    let unknown = client.request("textDocument/completion", json!({})).unwrap_err();
    assert_eq!(unknown.0, -32601, "method not found");
    let bad = client.request("textDocument/hover", json!({ "textDocument": 3 })).unwrap_err();
    assert_eq!(bad.0, -32602, "invalid params");
    // Hover and code actions on a document that was never opened: nothing, not an error.
    let hover = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": "file:///nowhere.json" }, "position": { "line": 0, "character": 0 } }),
        )
        .unwrap();
    assert_eq!(hover, Value::Null);
    // Malformed notifications are dropped; the server keeps serving.
    client.notify("textDocument/didOpen", json!({ "textDocument": 1 }));
    let uri = "untitled:x.json";
    client.open(uri, "json", "{ \"Statement\": [ { \"Action\": \"sts:AssumeRoleWithWebIdentity\", ");
    let published = client.diagnostics(uri);
    assert_eq!(rules_of(&published), vec!["parse-error"], "{published}");
    client.shutdown().unwrap();
}

#[test]
fn a_burst_of_edits_ends_with_the_last_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join("trust.json"));
    client.open(&uri, "json", WIDE_POLICY);
    client.diagnostics(&uri);
    let scoped = scoped_policy();
    for version in 2..=30 {
        client.change(&uri, version, if version % 2 == 1 { WIDE_POLICY } else { &scoped });
    }
    // Whatever was coalesced, the last publication is for version 30 (scoped).
    let last = loop {
        let published = client.diagnostics(&uri);
        if published["version"] == 30 {
            break published;
        }
    };
    assert_eq!(last["diagnostics"], json!([]));
    client.shutdown().unwrap();
}

#[test]
fn credentials_in_any_file_are_reported_redacted_and_can_be_ignored() {
    // Built at run time so no scanner mistakes this test for a leak.
    let key_id = format!("ASIA{}", "K6AXDK5GFVAXZ4O2");
    let secret = format!("xq3/GZg0v1BmGKgHfiwQ3{}", "GacpmRkFiwUuJVzdlHz");
    let text = format!(
        "# deploy overrides\nAWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join("deploy/.env"));
    client.open(&uri, "dotenv", &text);
    let published = client.diagnostics(&uri);
    assert_eq!(rules_of(&published), vec!["hardcoded-secret", "hardcoded-secret"], "{published:#}");
    let wire = published.to_string();
    assert!(!wire.contains(&key_id) && !wire.contains(&secret), "a credential was published whole: {wire}");
    assert_eq!(range_of(&published["diagnostics"][0]).0, 2);

    let diagnostic = published["diagnostics"][0].clone();
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": diagnostic["range"], "context": { "diagnostics": [diagnostic] } }),
        )
        .unwrap();
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|action| action["title"].as_str().unwrap().contains("trustlint: ignore[hardcoded-secret]"))
        .expect("an ignore action");
    let edit = &ignore["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "# trustlint: ignore[hardcoded-secret]\n");
    assert_eq!(edit["range"]["start"], json!({ "line": 2, "character": 0 }));
    let edited =
        text.replacen("AWS_ACCESS_KEY_ID", "# trustlint: ignore[hardcoded-secret]\nAWS_ACCESS_KEY_ID", 1);
    client.change(&uri, 2, &edited);
    let published = client.diagnostics(&uri);
    assert_eq!(rules_of(&published), vec!["hardcoded-secret"], "only the secret key remains: {published:#}");
    assert_eq!(range_of(&published["diagnostics"][0]).0, 4);
    client.shutdown().unwrap();
}

const WORKFLOW: &str = "name: ci
on: [push]

permissions:
  contents: read
  id-token: write # needed by deploy

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm test

  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: us-east-1
      - run: make deploy
";

/// `text` with LSP text edits applied (ASCII text, so columns are bytes in either encoding).
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + position["character"].as_u64().unwrap() as usize
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|edit| {
            (
                offset(&edit["range"]["start"]),
                offset(&edit["range"]["end"]),
                edit["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|span| std::cmp::Reverse(span.0));
    let mut out = text.to_string();
    for (start, end, new_text) in spans {
        out.replace_range(start..end, new_text);
    }
    out
}

#[test]
fn a_rule_fix_is_offered_as_a_preferred_quick_fix_and_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join(".github/workflows/ci.yml"));
    client.open(&uri, "yaml", WORKFLOW);
    let published = client.diagnostics(&uri);
    let diagnostic = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "id-token-workflow-scope")
        .unwrap_or_else(|| panic!("the workflow-wide grant is reported: {published:#}"))
        .clone();
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": diagnostic["range"], "context": { "diagnostics": [diagnostic] } }),
        )
        .unwrap();
    let actions = actions.as_array().unwrap();
    let fix = actions.iter().find(|a| a["isPreferred"] == true).unwrap_or_else(|| panic!("{actions:#?}"));
    assert_eq!(fix["kind"], "quickfix");
    assert!(fix["title"].as_str().unwrap().contains("id-token: write"), "{fix:#}");
    assert!(actions.iter().any(|a| a["title"].as_str().unwrap().contains("ignore[id-token-workflow-scope]")));

    let fixed = apply_edits(WORKFLOW, fix["edit"]["changes"][&uri].as_array().unwrap());
    assert!(fixed.contains("  deploy:\n") && fixed.matches("id-token: write").count() == 1, "{fixed}");
    client.change(&uri, 2, &fixed);
    let published = client.diagnostics(&uri);
    assert!(!rules_of(&published).contains(&"id-token-workflow-scope".to_string()), "{published:#}");
    client.shutdown().unwrap();
}

#[test]
fn files_over_the_size_limit_are_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let uri = file_uri(&dir.path().join("huge.json"));
    // A wide policy padded past 4 MiB with whitespace.
    let padded = WIDE_POLICY.replacen('{', &format!("{{{}", " ".repeat(5 * 1024 * 1024)), 1);
    client.open(&uri, "json", &padded);
    let note = client.next_notification("window/logMessage", |_| true);
    assert!(note["message"].as_str().unwrap().contains("size limit"), "{note}");
    assert_eq!(client.diagnostics(&uri)["diagnostics"], json!([]));
    // Back under the limit: checked again.
    client.change(&uri, 2, WIDE_POLICY);
    assert_eq!(rules_of(&client.diagnostics(&uri)), vec!["oidc-wildcard-subject"]);
    client.shutdown().unwrap();
}

#[test]
fn configuration_errors_reach_the_editor_redacted() {
    // A token drawn at run time, so this file holds none.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let tail: String = (0..36)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(alphabet[(state % alphabet.len() as u64) as usize])
        })
        .collect();
    let token = format!("ghp_{tail}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("trustlint.toml");
    std::fs::write(&config, format!("[rules.oidc-wildcard-subject]\nenabled = \"{token}\"\n")).unwrap();
    let mut client = Client::start(json!({}), Some(dir.path()));
    let shown = client.next_notification("window/showMessage", |_| true);
    let on_config = client.diagnostics(&file_uri(&config));
    for text in [shown.to_string(), on_config.to_string()] {
        assert!(!text.contains(&token[4..16]), "{text}");
        assert!(text.contains("ghp_…(40 chars)"), "{text}");
    }
    assert_eq!(on_config["diagnostics"][0]["range"]["start"]["line"], 1, "{on_config}");
    client.shutdown().unwrap();
}
