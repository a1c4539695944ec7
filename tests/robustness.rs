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
