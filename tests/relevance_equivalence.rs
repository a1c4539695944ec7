//! The relevance test (Pulumi programs that cannot declare a fact-bearing resource are not
//! parsed) must never change a finding: every fixture, and the trees named in
//! `TRUSTLINT_EQUIVALENCE_TREES` (paths separated by `:`, for example the labelled corpus and a
//! checkout of pulumi/examples), are checked with the test on and off and must give identical
//! findings.

use std::path::{Path, PathBuf};

use trustlint_engine::{Config, Engine, RunOptions, RunResult};

fn run(root: &Path, relevance_test: bool) -> RunResult {
    let options = RunOptions { relevance_test, ..RunOptions::default() };
    let engine = Engine::new(Config::default(), &options).unwrap();
    engine.run(root, &[root.to_path_buf()], &options).unwrap()
}

/// Everything a report shows of a finding.
fn described(result: &RunResult) -> Vec<String> {
    result
        .findings
        .iter()
        .map(|f| {
            let related: Vec<String> = f
                .related
                .iter()
                .map(|r| format!("{}@{:?}: {}", r.location.path(), r.location.span, r.message))
                .collect();
            format!(
                "{} {:?} {:?} {}@{:?} {} | {} | {:?} | {} | fix: {:?}",
                f.rule,
                f.severity,
                f.confidence,
                f.primary.path(),
                f.primary.span,
                f.message,
                f.help,
                related,
                f.fingerprint,
                f.fix.as_ref().map(|fix| (&fix.description, &fix.edits)),
            )
        })
        .collect()
}

fn assert_equivalent(root: &Path) -> (RunResult, RunResult) {
    let filtered = run(root, true);
    let full = run(root, false);
    let (a, b) = (described(&filtered), described(&full));
    for (with, without) in a.iter().zip(&b) {
        assert_eq!(with, without, "{}: a finding differs with the relevance test", root.display());
    }
    assert_eq!(a.len(), b.len(), "{}: the relevance test changed the number of findings", root.display());
    assert_eq!(filtered.notes, full.notes);
    assert_eq!(full.stats.programs_skipped, 0);
    (filtered, full)
}

#[test]
fn every_fixture_gives_the_same_findings_with_and_without_the_relevance_test() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (filtered, full) = assert_equivalent(&fixtures);
    // The test did skip programs (fixtures/relevance/buckets-*), and still found the roles that
    // programs declare only through a helper in a sibling module.
    assert!(filtered.stats.programs_skipped >= 2, "{:?}", filtered.stats);
    assert!(filtered.stats.files_parsed < full.stats.files_parsed);
    for program in ["relevance/helper-role-ts/index.ts", "relevance/helper-role-py/__main__.py"] {
        assert!(
            filtered
                .findings
                .iter()
                .any(|f| f.rule == "oidc-wildcard-subject" && f.primary.path().ends_with(program)),
            "{program}: the role its helper declares was not found"
        );
    }
}

#[test]
fn named_trees_give_the_same_findings_with_and_without_the_relevance_test() {
    let Some(trees) = std::env::var_os("TRUSTLINT_EQUIVALENCE_TREES") else {
        println!("note: TRUSTLINT_EQUIVALENCE_TREES is not set; only the fixtures were compared");
        return;
    };
    for tree in std::env::split_paths(&trees).filter(|p| !p.as_os_str().is_empty()) {
        let tree: PathBuf = tree;
        if !tree.is_dir() {
            println!("note: {} is not a folder; skipped", tree.display());
            continue;
        }
        let (filtered, full) = assert_equivalent(&tree);
        println!(
            "{}: {} findings either way; parsed {} files instead of {}",
            tree.display(),
            filtered.findings.len(),
            filtered.stats.files_parsed,
            full.stats.files_parsed
        );
    }
}
