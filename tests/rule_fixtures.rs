//! Every fixture under `fixtures/<rule-id>/` is checked with only that rule enabled: `bad-*`
//! files are compared with their snapshot (which must not be empty), `ok-*` files must produce
//! nothing. A catalog test checks that every rule has a document, two bad and two ok fixtures.
//! A `bad-*`/`ok-*` directory is one fixture made of several files (a Pulumi program with its
//! stack files): each file in it that is an input is checked, with the directory as its folder.
//! For the trust-chain rules, which link files to each other, a directory fixture is a small
//! repository (with its `trustlint.toml`) checked as a whole.

use std::path::{Path, PathBuf};

use trustlint_core::ColumnUnit;
use trustlint_engine::{Config, Engine, RunOptions};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn fixture_files(rule: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_root().join(rule))
        .unwrap_or_else(|e| panic!("fixtures/{rule}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Directory fixtures (`bad-*/`, `ok-*/`) and the files directly inside each.
fn fixture_dirs(rule: &str) -> Vec<(PathBuf, Vec<PathBuf>)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_root().join(rule))
        .unwrap_or_else(|e| panic!("fixtures/{rule}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
            files.sort();
            (dir, files)
        })
        .collect()
}

fn starts_with(path: &Path, prefix: &str) -> bool {
    path.file_name().unwrap().to_string_lossy().starts_with(prefix)
}

/// Findings of one fixture, rendered compactly for a snapshot.
fn check_fixture(rule: &str, path: &Path) -> String {
    check_input(rule, path)
        .unwrap_or_else(|| panic!("{} is not recognised as an input at all", path.display()))
}

/// Findings of one file, or `None` when no enabled rule reads it (a `Pulumi.yaml` project file).
fn check_input(rule: &str, path: &Path) -> Option<String> {
    let options = RunOptions { select: vec![rule.to_string()], ..RunOptions::default() };
    let engine = Engine::new(Config::default(), &options).unwrap();
    // Shown relative to the package root; programs read the stack files next to `path`.
    let relative = path.strip_prefix(fixtures_root()).unwrap().to_string_lossy().replace('\\', "/");
    let display = format!("fixtures/{relative}");
    let text = std::fs::read_to_string(path).unwrap();
    let mut findings = engine.check_text_at(&display, &text, Some(path))?;
    trustlint_engine::run::finish(&mut findings);
    Some(render(&findings))
}

/// Findings rendered compactly, one block each.
fn render(findings: &[trustlint_core::Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let file = &finding.primary.file;
        let start = file.position(finding.primary.span.start, ColumnUnit::Utf8);
        let end = file.position(finding.primary.span.end, ColumnUnit::Utf8);
        out.push_str(&format!(
            "{}:{}-{}:{} {} {} [{}]\n  {}\n  help: {}\n  at: {}\n",
            start.line,
            start.column,
            end.line,
            end.column,
            finding.rule,
            finding.severity,
            finding.confidence.as_str(),
            finding.message,
            finding.help,
            finding.primary.text().lines().next().unwrap_or(""),
        ));
        if let Some(suppression) = &finding.suppression {
            out.push_str(&format!("  suppressed: {:?} {}\n", suppression.kind, suppression.justification));
        }
        for related in &finding.related {
            let position = related.location.file.position(related.location.span.start, ColumnUnit::Utf8);
            out.push_str(&format!(
                "  related {}{}:{}: {}\n",
                if related.location.path() == file.path() {
                    String::new()
                } else {
                    format!("{} ", related.location.path())
                },
                position.line,
                position.column,
                related.message
            ));
        }
        // Chain rules offer fixes across files; the snapshot shows them.
        if let Some(fix) = finding.fix.as_ref().filter(|_| reads_chain(finding.rule)) {
            out.push_str(&format!(
                "  fix ({}): {}\n",
                if fix.safe { "safe" } else { "unsafe" },
                fix.description
            ));
            for edit in &fix.edits {
                out.push_str(&format!(
                    "    replace {}..{} with {}\n",
                    edit.span.start, edit.span.end, edit.replacement
                ));
            }
        }
    }
    out
}

/// Rules that judge the whole run's trust chain.
fn reads_chain(rule: &str) -> bool {
    trustlint_rules::registry().iter().any(|r| r.id() == rule && r.reads_chain())
}

/// Findings of a whole directory fixture checked as one repository.
fn check_tree(rule: &str, dir: &Path) -> String {
    let options = RunOptions { select: vec![rule.to_string()], ..RunOptions::default() };
    let config = Config::discover(dir).unwrap();
    let engine = Engine::new(config, &options).unwrap();
    let result = engine.run(dir, &[dir.to_path_buf()], &options).unwrap();
    render(&result.findings)
}

fn rule_ids() -> Vec<&'static str> {
    trustlint_rules::catalog::all().iter().map(|meta| meta.id).collect()
}

#[test]
fn every_rule_has_a_document_and_fixtures() {
    for rule in rule_ids() {
        let files = fixture_files(rule);
        let dirs: Vec<PathBuf> = fixture_dirs(rule).into_iter().map(|(dir, _)| dir).collect();
        let named = |prefix: &str| {
            files
                .iter()
                .chain(&dirs)
                .filter(|f| f.file_name().unwrap().to_string_lossy().starts_with(prefix))
                .count()
        };
        assert!(named("bad-") >= 2, "{rule}: needs at least two bad fixtures");
        assert!(named("ok-") >= 2, "{rule}: needs at least two ok fixtures");
        for file in files.iter().chain(fixture_dirs(rule).iter().map(|(dir, _)| dir)) {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            assert!(
                name.starts_with("bad-") || name.starts_with("ok-"),
                "{rule}/{name}: must start with bad- or ok-"
            );
        }
    }
}

#[test]
fn ok_fixtures_produce_nothing() {
    for rule in rule_ids() {
        for path in
            fixture_files(rule).iter().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("ok-"))
        {
            let out = check_fixture(rule, path);
            assert!(out.is_empty(), "{}: expected no finding, got:\n{out}", path.display());
        }
        for (dir, files) in fixture_dirs(rule).iter().filter(|(dir, _)| starts_with(dir, "ok-")) {
            if reads_chain(rule) {
                let out = check_tree(rule, dir);
                assert!(out.is_empty(), "{}: expected no finding, got:\n{out}", dir.display());
                continue;
            }
            for path in files {
                let out = check_input(rule, path).unwrap_or_default();
                assert!(out.is_empty(), "{}: expected no finding, got:\n{out}", path.display());
            }
        }
    }
}

#[test]
fn bad_fixtures_match_their_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/fixtures"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for rule in rule_ids() {
            for path in fixture_files(rule)
                .iter()
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("bad-"))
            {
                let out = check_fixture(rule, path);
                let name = format!("{rule}__{}", path.file_name().unwrap().to_string_lossy());
                assert!(
                    out.contains(rule),
                    "{}: a bad fixture must produce a `{rule}` finding:\n{out}",
                    path.display()
                );
                insta::assert_snapshot!(name, out);
            }
            for (dir, files) in fixture_dirs(rule).iter().filter(|(dir, _)| starts_with(dir, "bad-")) {
                let mut out = String::new();
                if reads_chain(rule) {
                    out = check_tree(rule, dir);
                }
                for path in files.iter().filter(|_| !reads_chain(rule)) {
                    if let Some(findings) = check_input(rule, path).filter(|f| !f.is_empty()) {
                        out.push_str(&format!(
                            "== {} ==\n{findings}",
                            path.file_name().unwrap().to_string_lossy()
                        ));
                    }
                }
                let name = format!("{rule}__{}", dir.file_name().unwrap().to_string_lossy());
                assert!(
                    out.contains(rule),
                    "{}: a bad fixture must produce a `{rule}` finding:\n{out}",
                    dir.display()
                );
                insta::assert_snapshot!(name, out);
            }
        }
    });
}
