//! Bad input never panics: every fixture, truncated and mangled in deterministic ways, goes
//! through every frontend and rule. A panic fails the test with the file and the mutation.

use std::path::{Path, PathBuf};

use trustlint_engine::{Config, Engine, RunOptions};

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fixture_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutations that keep the text valid UTF-8: truncations, deleted and duplicated ranges, and
/// structural characters sprinkled in.
fn mutations(text: &str, rng: &mut Rng) -> Vec<(String, String)> {
    let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let pick = |rng: &mut Rng| boundaries[rng.below(boundaries.len())];
    let mut out = Vec::new();
    for _ in 0..6 {
        let at = pick(rng);
        out.push((format!("truncated at {at}"), text[..at].to_string()));
    }
    for _ in 0..4 {
        let (a, b) = (pick(rng), pick(rng));
        let (start, end) = (a.min(b), a.max(b));
        out.push((format!("deleted {start}..{end}"), format!("{}{}", &text[..start], &text[end..])));
        out.push((format!("duplicated {start}..{end}"), format!("{}{}", &text[..end], &text[start..])));
    }
    for _ in 0..4 {
        let mut mangled = String::with_capacity(text.len() + 16);
        let mut last = 0;
        let mut cuts: Vec<usize> = (0..8).map(|_| pick(rng)).collect();
        cuts.sort_unstable();
        for cut in cuts {
            mangled.push_str(&text[last..cut]);
            mangled.push(
                ['{', '}', '[', ']', '"', '\'', ':', '`', '(', ')', '\n', '\t', '&', '*', '!', '#']
                    [rng.below(16)],
            );
            last = cut;
        }
        mangled.push_str(&text[last..]);
        out.push(("structural characters inserted".to_string(), mangled));
    }
    out
}

#[test]
fn mangled_inputs_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    fixture_files(&root, &mut files);
    assert!(files.len() > 50, "the fixtures are the corpus");
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut checked = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let display = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        for (what, mutated) in mutations(&text, &mut rng) {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine.check_text(&display, &mutated)
            }));
            assert!(result.is_ok(), "{display} ({what}) panicked; input:\n{mutated}");
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} mutated inputs were checked");
}

#[test]
fn pathological_shapes_never_panic() {
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    let deep_json = format!(
        "{{\"Statement\": {}\"sts:AssumeRoleWithWebIdentity\"{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let deep_yaml = format!("AWSTemplateFormatVersion: x\nResources:\n{}", "- ".repeat(3000));
    let deep_ts = format!(
        "import * as aws from \"@pulumi/aws\";\nconst x = {}1{};\n",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let deep_py = format!("import pulumi_aws as aws\nx = {}1{}\n", "[".repeat(3000), "]".repeat(3000));
    let long_line = format!("AWS_SECRET_ACCESS_KEY={}\n", "A".repeat(1_000_000));
    let cases = [
        ("deep.json", deep_json),
        ("template.yaml", deep_yaml),
        ("index.ts", deep_ts),
        ("__main__.py", deep_py),
        (".env", long_line),
        ("empty.json", String::new()),
        ("bom.json", "\u{feff}{\"Federated\": 1}".to_string()),
        (".github/workflows/x.yml", "on: [\njobs: {".to_string()),
        (".gitlab-ci.yml", "a: &a [*a]\nb: *b\n<<: *c\n".to_string()),
    ];
    for (name, text) in cases {
        // Parsers and evaluators recurse; run on a thread with the stack rayon workers get.
        let engine = &engine;
        let result = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn_scoped(scope, || engine.check_text(name, &text).map(|f| f.len()))
                .unwrap()
                .join()
        });
        assert!(result.is_ok(), "{name} panicked");
    }
}

/// An AWS role trusting GitHub's OIDC provider for `subject` (an expression of the language).
fn role_program(file: &str, subject: &str) -> String {
    if file.ends_with(".py") {
        format!(
            "import json\nimport pulumi_aws as aws\n\naws.iam.Role(\"deploy\", assume_role_policy=json.dumps({{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [{{\n        \"Effect\": \"Allow\",\n        \"Principal\": {{\"Federated\": \"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\"}},\n        \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n        \"Condition\": {{\n            \"StringEquals\": {{\"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"}},\n            \"StringLike\": {{\"token.actions.githubusercontent.com:sub\": {subject}}},\n        }},\n    }}],\n}}))\n"
        )
    } else {
        format!(
            "import * as aws from \"@pulumi/aws\";\n\nnew aws.iam.Role(\"deploy\", {{\n    assumeRolePolicy: JSON.stringify({{\n        Version: \"2012-10-17\",\n        Statement: [{{\n            Effect: \"Allow\",\n            Principal: {{ Federated: \"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\" }},\n            Action: \"sts:AssumeRoleWithWebIdentity\",\n            Condition: {{\n                StringEquals: {{ \"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\" }},\n                StringLike: {{ \"token.actions.githubusercontent.com:sub\": {subject} }},\n            }},\n        }}],\n    }}),\n}});\n"
        )
    }
}

/// The rules of `findings` (with their messages) of `name`, checked on a rayon-sized stack.
fn check_on_worker_stack(engine: &Engine, name: &str, text: &str) -> Vec<(String, String)> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn_scoped(scope, || engine.check_text(name, text).unwrap_or_default())
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{name} panicked"))
    })
    .into_iter()
    .map(|f| (f.rule.to_string(), f.message.clone()))
    .collect()
}

/// `"repo:acme/" + "" + … + "*"`: `terms` operands in one flat, left-nested chain.
fn flat_chain(terms: usize) -> String {
    let mut chain = String::from("\"repo:acme/\"");
    for _ in 0..terms.saturating_sub(2) {
        chain.push_str(" + \"\"");
    }
    chain.push_str(" + \"*\"");
    chain
}

#[test]
fn long_expression_chains_keep_their_trust() {
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    let parenthesised = format!("{}\"repo:acme/*\"{}", "(".repeat(200), ")".repeat(200));
    // Each step's left operand parenthesised: `((("repo:acme/" + "") + "") + "*")`.
    let parenthesised_chain = {
        let mut chain = format!("{}\"repo:acme/\"", "(".repeat(200));
        for _ in 0..199 {
            chain.push_str(" + \"\")");
        }
        chain.push_str(" + \"*\")");
        chain
    };
    for file in ["index.ts", "__main__.py"] {
        for (what, subject) in [
            ("200-term chain", flat_chain(200)),
            ("5,000-term chain", flat_chain(5_000)),
            ("200-deep parentheses", parenthesised.clone()),
            ("200-deep parenthesised chain", parenthesised_chain.clone()),
        ] {
            let findings = check_on_worker_stack(&engine, file, &role_program(file, &subject));
            assert!(
                findings.iter().any(|(rule, _)| rule == "oidc-wildcard-subject"),
                "{file}, {what}: {findings:?}"
            );
            assert!(findings.iter().all(|(rule, _)| rule != "parse-error"), "{file}, {what}: {findings:?}");
        }
    }
}

#[test]
fn nesting_past_the_limit_is_said_never_silent() {
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    // Right-nested: `"repo:acme/" + ("" + ("" + … + "*"))` really is 300 levels deep.
    let nested = format!("\"repo:acme/\"{} + \"*\"{}", " + (\"\"".repeat(300), ")".repeat(300));
    for file in ["index.ts", "__main__.py"] {
        let findings = check_on_worker_stack(&engine, file, &role_program(file, &nested));
        let note = findings.iter().find(|(rule, _)| rule == "parse-error");
        assert!(
            note.is_some_and(|(_, message)| message.contains("nested more than 200 levels")
                && message.contains("the rest of the file was checked")),
            "{file}: {findings:?}"
        );
    }
}

#[test]
fn nesting_past_the_limit_in_an_imported_module_is_said_at_the_import() {
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    let nested = format!("\"repo:acme/\"{} + \"*\"{}", " + (\"\"".repeat(300), ")".repeat(300));
    for (file, module, import, constant) in [
        ("index.ts", "subject.ts", "import { subject } from \"./subject\";\n", "export const subject = "),
        ("__main__.py", "subject.py", "from subject import subject\n", "subject = "),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(module), format!("{constant}{nested}\n")).unwrap();
        let program = format!("{import}{}", role_program(file, "subject"));
        let path = dir.path().join(file);
        std::fs::write(&path, &program).unwrap();
        let findings = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn_scoped(scope, || engine.check_text_at(file, &program, Some(&path)).unwrap_or_default())
                .unwrap()
                .join()
                .unwrap()
        });
        let note = findings.iter().find(|f| f.rule == "parse-error");
        assert!(
            note.is_some_and(|f| f.message.contains("in module `")
                && f.message.contains("nested more than 200 levels")
                && f.primary.span.start < import.len()),
            "{file}: {:?}",
            findings.iter().map(|f| (f.rule, &f.message)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn chains_past_the_limit_are_said_never_silent() {
    let engine = Engine::new(Config::default(), &RunOptions::default()).unwrap();
    for file in ["index.ts", "__main__.py"] {
        let findings = check_on_worker_stack(&engine, file, &role_program(file, &flat_chain(200_000)));
        let note = findings.iter().find(|(rule, _)| rule == "parse-error");
        assert!(
            note.is_some_and(|(_, message)| message.contains("a chain of more than 50000 operators")
                && message.contains("the rest of the file was checked")),
            "{file}: {findings:?}"
        );
    }
}
