//! The fuzz targets' entry points, shared with `tests/fuzz_regressions.rs` so that a stable
//! `cargo test` replays every committed crash input through exactly the code the fuzzer ran.
//! Each entry takes arbitrary bytes; it may return anything but must never panic, abort or hang.

use std::sync::OnceLock;

use trustlint_core::{SourceFile, Span};
use trustlint_engine::classify::{self, InputKind, Recognised};
use trustlint_engine::{Config, Engine, RunOptions};

/// A target's entry point: any bytes in, nothing out; it must not panic, abort or hang.
pub type Entry = fn(&[u8]);

/// Every target by name, as used for the folders under `fixtures/fuzz-regressions/`.
pub const TARGETS: &[(&str, Entry)] = &[
    ("json_reader", json_reader),
    ("yaml_reader", yaml_reader),
    ("cloudformation", cloudformation),
    ("typescript", typescript),
    ("python", python),
    ("cel", cel),
    ("github_actions", github_actions),
    ("gitlab_ci", gitlab_ci),
    ("stack_config_esc", stack_config_esc),
    ("secrets", secrets),
    ("lsp", lsp),
];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(Config::default(), &RunOptions::default()).expect("default rules"))
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Runs the whole per-file pipeline (frontend, rules, suppressions, masking) on `data` as `kind`,
/// whatever its text; `path` says the rest (a program's language, a JSON template).
fn check(path: &str, data: &[u8], kind: InputKind) {
    let class = classify::by_path(path).expect("every fuzzed path is an input's path");
    let file = SourceFile::new(path, text(data));
    let findings = engine().check_source_at(&file, Recognised { kind, class }, None);
    // Every finding must point inside the file: renderers slice the text with these spans.
    for finding in &findings {
        let span = finding.primary.span;
        assert!(span.start <= span.end && span.end <= file.text().len(), "span {span:?} outside the file");
    }
}

pub fn json_reader(data: &[u8]) {
    let parsed = trustlint_syntax::parse_json(&text(data));
    let _ = parsed.errors.len();
}

pub fn yaml_reader(data: &[u8]) {
    let parsed = trustlint_syntax::parse_yaml(&text(data));
    let _ = parsed.documents.len();
}

pub fn cloudformation(data: &[u8]) {
    check("template.yaml", data, InputKind::CloudFormationYaml);
    check("template.json", data, InputKind::Json);
    check("policy.json.tpl", data, InputKind::Json);
}

pub fn typescript(data: &[u8]) {
    check("index.ts", data, InputKind::PulumiProgram);
}

pub fn python(data: &[u8]) {
    check("__main__.py", data, InputKind::PulumiProgram);
}

pub fn cel(data: &[u8]) {
    use trustlint_model::cel::{AttributeMapping, Mapped, TextOrigin, read_condition};
    let text = text(data);
    let mut mapping = AttributeMapping::new();
    mapping.insert("google.subject", Mapped::Expression("assertion.sub".into()));
    mapping.insert("attribute.repository", Mapped::Expression("assertion.repository".into()));
    let condition = read_condition(&text, &mapping, TextOrigin::whole(Span::new(0, text.len())));
    let _ = condition.has_unknown();
}

pub fn github_actions(data: &[u8]) {
    check(".github/workflows/ci.yml", data, InputKind::GitHubActions);
}

pub fn gitlab_ci(data: &[u8]) {
    check(".gitlab-ci.yml", data, InputKind::GitLabCi);
}

pub fn stack_config_esc(data: &[u8]) {
    check("Pulumi.dev.yaml", data, InputKind::PulumiStackConfig);
    check("env.yaml", data, InputKind::EscEnvironment);
    check("Pulumi.yaml", data, InputKind::PulumiYaml);
}

pub fn secrets(data: &[u8]) {
    let text = text(data);
    for found in trustlint_rules::secrets::scan(".env", &text) {
        assert!(found.span.end <= text.len());
    }
    // The whole text path, with suppressions and masking, as for a file no frontend reads.
    let _ = engine().check_text("notes.txt", &text);
}

/// The language server's message loop, in-process: the input is a document opened and then
/// changed, and is also sent as a raw JSON-RPC message when it parses as one.
pub fn lsp(data: &[u8]) {
    use lsp_server::{Connection, Message, Notification, Request, RequestId};
    use serde_json::json;

    const NAMES: &[&str] = &[
        "policy.json",
        "template.yaml",
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        "index.ts",
        "__main__.py",
        "Pulumi.dev.yaml",
        "notes.txt",
    ];
    let (selector, body) = data.split_first().map_or((0, data), |(first, rest)| (*first, rest));
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let uri = format!("file:///fuzz/{name}");
    let text = text(body);

    let (server_side, client) = Connection::memory();
    let server = std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(move || trustlint_lsp::run(&server_side))
        .expect("server thread");
    let request = |id: i32, method: &str, params: serde_json::Value| {
        Message::Request(Request { id: RequestId::from(id), method: method.into(), params })
    };
    let notify = |method: &str, params: serde_json::Value| {
        Message::Notification(Notification { method: method.into(), params })
    };
    let messages = [
        request(1, "initialize", json!({ "capabilities": {} })),
        notify("initialized", json!({})),
        notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "", "version": 1, "text": text } }),
        ),
        notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 },
                    "contentChanges": [{ "text": format!("{text}\n") }] }),
        ),
        request(
            2,
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 1 } }),
        ),
        request(
            3,
            "textDocument/codeAction",
            json!({
            "textDocument": { "uri": uri },
            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 1, "character": 0 } },
            "context": { "diagnostics": [] } }),
        ),
    ];
    for message in messages {
        let _ = client.sender.send(message);
    }
    if let Ok(raw) = serde_json::from_slice::<Message>(body) {
        let _ = client.sender.send(raw);
    }
    let _ = client.sender.send(request(4, "shutdown", serde_json::Value::Null));
    let _ = client.sender.send(notify("exit", serde_json::Value::Null));
    drop(client.sender);
    // Drain what the server says until it hangs up, so it never blocks on a full channel.
    while client.receiver.recv().is_ok() {}
    // An `Err` is a protocol outcome (e.g. the raw message was `exit`); a panic is a bug.
    let outcome = server.join();
    assert!(outcome.is_ok(), "the language server panicked");
}
