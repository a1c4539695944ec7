//! Fixes offered by rules, checked by the engine: every fix offered on a fixture, applied, leaves
//! a file that re-analyses without the finding it fixes; `id-token-workflow-scope` moves the
//! grant as intended and offers nothing it cannot verify; and checking costs no re-analysis when
//! fixes are neither applied nor shown, at most one per fixed file when they are.

use std::path::{Path, PathBuf};

use trustlint_core::{Finding, apply_edits};
use trustlint_engine::{Config, Engine, RunOptions};

const SCOPE: &str = "id-token-workflow-scope";

fn engine(select: &[&str], fixes: bool) -> Engine {
    let options =
        RunOptions { select: select.iter().map(|s| s.to_string()).collect(), fixes, ..RunOptions::default() };
    Engine::new(Config::default(), &options).unwrap()
}

/// `id-token-workflow-scope` findings of a workflow, fixes checked.
fn run(text: &str) -> Vec<Finding> {
    engine(&[SCOPE], true).check_text(".github/workflows/ci.yml", text).unwrap()
}

fn fixed(text: &str) -> String {
    let findings = run(text);
    let fix = findings[0].fix.as_ref().expect("a fix");
    assert!(fix.safe);
    apply_edits(text, &fix.edits).unwrap()
}

fn count(findings: &[Finding], rule: &str) -> usize {
    findings.iter().filter(|f| f.rule == rule).count()
}

#[test]
fn moves_the_grant_and_keeps_other_scopes_and_comments() {
    let text = "\
on: push
# Least privilege.
permissions:
  contents: read
  id-token: write # OIDC for deploy
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
  deploy:
    # The only job that logs in.
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: { role-to-assume: arn:aws:iam::123456789012:role/deploy, aws-region: us-east-1 }
";
    let findings = run(text);
    assert_eq!(findings.len(), 1);
    assert!(findings[0].message.contains("job `test` never requests"), "{}", findings[0].message);
    let out = fixed(text);
    assert_eq!(
        out,
        "\
on: push
# Least privilege.
permissions:
  contents: read
  # OIDC for deploy
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
  deploy:
    # The only job that logs in.
    permissions:
      contents: read
      id-token: write
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: { role-to-assume: arn:aws:iam::123456789012:role/deploy, aws-region: us-east-1 }
"
    );
    assert!(run(&out).is_empty());
}

#[test]
fn block_with_only_id_token_becomes_empty_not_absent() {
    let text = "\
on: [push]
permissions:
  id-token: write
jobs:
  lint: {runs-on: ubuntu-latest, steps: [{run: make lint}]}
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish --provenance
";
    let out = fixed(text);
    assert!(out.contains("permissions: {}\njobs:"), "{out}");
    assert!(out.contains("  publish:\n    permissions:\n      id-token: write\n    runs-on"), "{out}");
    assert!(run(&out).is_empty());
}

#[test]
fn flow_blocks_and_flow_jobs() {
    let text = "\
on: push
permissions: { contents: read, id-token: write, packages: write }
jobs:
  build: { runs-on: ubuntu-latest, steps: [ { run: make } ] }
  sign: { runs-on: ubuntu-latest, steps: [ { run: cosign sign $IMAGE } ] }
";
    let out = fixed(text);
    assert!(out.contains("permissions: { contents: read, packages: write }\n"), "{out}");
    assert!(
        out.contains("sign: { permissions: { contents: read, id-token: write, packages: write }, runs-on"),
        "{out}"
    );
    assert!(run(&out).is_empty());
}

#[test]
fn fixes_offered_on_truncated_files_are_still_verified() {
    let text = "on: push\npermissions:\n  contents: read\n  id-token: write # oidc\njobs:\n  a:\n    runs-on: x\n    \
                steps: [{run: make}]\n  b: {runs-on: x, steps: [{run: npm publish}]}\n  c:\n    runs-on: x\n    \
                steps:\n      - run: cosign sign img\n";
    assert!(run(text)[0].fix.as_ref().is_some_and(|f| f.safe));
    for end in (0..=text.len()).filter(|&end| text.is_char_boundary(end)) {
        for finding in run(&text[..end]).iter().filter(|f| f.rule == SCOPE) {
            if let Some(fix) = &finding.fix {
                let out = apply_edits(&text[..end], &fix.edits).unwrap();
                assert!(count(&run(&out), SCOPE) == 0, "{end}: {out}");
            }
        }
    }
}

#[test]
fn write_all_is_reported_without_a_fix() {
    let text = "on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n";
    let findings = run(text);
    assert_eq!(findings.len(), 1);
    assert!(findings[0].fix.is_none());
    assert!(findings[0].message.contains("write-all"));
}

#[test]
fn opaque_jobs_are_reported_only_beside_a_job_that_logs_in() {
    let deploy = "  deploy:
    runs-on: x
    steps: [{uses: google-github-actions/auth@v2, with: {workload_identity_provider: projects/1/locations/global/workloadIdentityPools/p/providers/g}}]
";
    let opaque = "  other:
    runs-on: x
    steps: [{uses: ./.github/actions/release}]
";
    let own = "  own:
    permissions: { contents: read }
    runs-on: x
    steps: [{run: make}]
";
    let head = "on: push\npermissions: { id-token: write }\njobs:\n";
    // Every inheriting job logs in, or the only one cannot be looked into: quiet.
    assert!(run(&format!("{head}{deploy}{own}")).is_empty());
    assert!(run(&format!("{head}{opaque}{own}")).is_empty());
    // Beside a job that logs in, the opaque job is named, at medium confidence, and the fix
    // that would take its token is offered but not applied by `--fix`.
    let findings = run(&format!("{head}{deploy}{opaque}{own}"));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].confidence, trustlint_core::Confidence::Medium);
    let message = &findings[0].message;
    assert!(message.contains("job `other` has no step known to request a token"), "{message}");
    assert!(message.contains("local action `./.github/actions/release`"), "{message}");
    assert!(findings[0].fix.as_ref().is_some_and(|fix| !fix.safe));
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
}

fn bad(path: &Path) -> bool {
    path.file_name().unwrap().to_string_lossy().starts_with("bad-")
}

/// Every fix any rule offers on a single-file fixture: applied, the file still parses and the
/// finding it fixes is gone.
#[test]
fn every_fix_offered_on_a_fixture_removes_its_finding() {
    let engine = engine(&[], true);
    let mut fixes = 0;
    for rule_dir in entries(&fixtures()).into_iter().filter(|p| p.is_dir() && !p.ends_with("e2e")) {
        for path in entries(&rule_dir).into_iter().filter(|p| p.is_file() && bad(p)) {
            let display = format!("fixtures/{}", path.strip_prefix(fixtures()).unwrap().to_string_lossy());
            let text = std::fs::read_to_string(&path).unwrap();
            let Some(before) = engine.check_text(&display, &text) else { continue };
            for finding in &before {
                let Some(fix) = &finding.fix else { continue };
                fixes += 1;
                assert!(fix.postcondition.is_none(), "{display}: the fix's condition was not checked");
                let out = apply_edits(&text, &fix.edits).unwrap();
                let after = engine.check_text(&display, &out).unwrap();
                assert!(
                    count(&after, finding.rule) < count(&before, finding.rule),
                    "{display}: {} is still there after its fix:\n{out}",
                    finding.rule
                );
                assert_eq!(count(&after, "parse-error"), 0, "{display}: the fix breaks the file:\n{out}");
            }
        }
    }
    assert!(fixes > 0);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for path in entries(from) {
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The chain rule's fixes (directory fixtures, checked as a repository): applied, the trust no
/// longer admits more than its callers use.
#[test]
fn every_fix_offered_on_a_repository_fixture_removes_its_finding() {
    let rule = "trust-broader-than-usage";
    let mut fixes = 0;
    for fixture in entries(&fixtures().join(rule)).into_iter().filter(|p| p.is_dir() && bad(p)) {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("repo");
        copy_tree(&fixture, &root);
        let options = RunOptions { select: vec![rule.to_string()], ..RunOptions::default() };
        let run = || {
            let engine = Engine::new(Config::discover(&root).unwrap(), &options).unwrap();
            engine.run(&root, std::slice::from_ref(&root), &options).unwrap().findings
        };
        let before = run();
        for fix in before.iter().filter_map(|f| f.fix.as_ref()) {
            fixes += 1;
            let path = root.join(fix.file.path());
            let out = apply_edits(fix.file.text(), &fix.edits).unwrap();
            std::fs::write(&path, out).unwrap();
        }
        assert!(count(&run(), rule) < count(&before, rule), "{}", fixture.display());
    }
    assert!(fixes > 0);
}

fn workflow(n: usize) -> String {
    format!(
        "on: push\npermissions:\n  contents: read\n  id-token: write\njobs:\n  test{n}:\n    runs-on: x\n    \
         steps: [{{run: make}}]\n  deploy:\n    runs-on: x\n    steps:\n      - run: npm publish --provenance\n"
    )
}

/// No re-analysis when fixes are neither applied nor shown; one per fixed file when they are.
#[test]
fn fix_checks_cost_nothing_when_off_and_one_analysis_per_file_when_on() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&folder).unwrap();
    let files = 12;
    for n in 0..files {
        std::fs::write(folder.join(format!("w{n}.yml")), workflow(n)).unwrap();
    }
    let paths = [dir.path().to_path_buf()];
    for fixes in [false, true] {
        let options = RunOptions { fixes, ..RunOptions::default() };
        let engine = Engine::new(Config::default(), &options).unwrap();
        let result = engine.run(dir.path(), &paths, &options).unwrap();
        let fixed = result.findings.iter().filter(|f| f.rule == SCOPE && f.fix.is_some()).count();
        assert_eq!(result.stats.fixes_reanalysed, engine.fix_reanalyses());
        if fixes {
            assert_eq!(fixed, files);
            assert_eq!(engine.fix_reanalyses(), files);
        } else {
            assert_eq!(fixed, 0);
            assert_eq!(engine.fix_reanalyses(), 0);
        }
    }
}
