//! The composite GitHub Action (`action.yml`): its steps are run with bash as a runner would run
//! them (inputs as environment variables, `GITHUB_OUTPUT`). The check step runs the freshly built
//! binary; the install step downloads a fake release through `file://` URLs, so checksum
//! verification is exercised without a network. Checks that the SARIF file is written and then the
//! step fails on findings, that `paths`, `fail-on`, `config` and `baseline` reach every run, and
//! that a configuration error stops the job. Also checks that `cargo install --locked`, which the action runs, accepts the
//! checked-in Cargo.lock, and that the workflow examples in docs/ci.md pass trustlint's own rules.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use common::{Run, WILDCARD_TRUST, json, repo_root, write};

/// The `run: |` script of the step named `name` in action.yml, dedented.
fn step_script(name: &str) -> String {
    let action = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let lines: Vec<&str> = action.lines().collect();
    let step = lines
        .iter()
        .position(|line| line.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("action.yml has no step `{name}`"));
    let run = (step..lines.len())
        .find(|&i| lines[i].trim() == "run: |")
        .unwrap_or_else(|| panic!("step `{name}` has no `run: |`"));
    let indent = |line: &str| line.len() - line.trim_start().len();
    let body_indent = indent(lines[run + 1]);
    assert!(body_indent > indent(lines[run]));
    let mut script = String::new();
    for line in &lines[run + 1..] {
        if !line.trim().is_empty() && indent(line) < body_indent {
            break;
        }
        script.push_str(line.get(body_indent..).unwrap_or(""));
        script.push('\n');
    }
    script
}

/// Run one step of the action in `dir` with these inputs (`TRUSTLINT_*` variables).
fn run_step(name: &str, dir: &Path, inputs: &[(&str, &str)]) -> Run {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_trustlint"));
    let mut path = vec![binary.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(step_script(name))
        .current_dir(dir)
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("GITHUB_OUTPUT", dir.join(".github-output"))
        .env("TRUSTLINT", &binary)
        .env("NO_COLOR", "1");
    for (key, value) in [
        ("TRUSTLINT_PATHS", "."),
        ("TRUSTLINT_CONFIG", ""),
        ("TRUSTLINT_BASELINE", ""),
        ("TRUSTLINT_SARIF", "trustlint.sarif"),
        ("TRUSTLINT_FAIL_ON", ""),
    ] {
        command.env(key, value);
    }
    for (key, value) in inputs {
        command.env(key, value);
    }
    command.output().expect("bash runs").into()
}

/// The steps run with bash: without it the tests say so and pass.
fn bash_missing() -> bool {
    let missing = !common::runs("bash", "--version");
    if missing {
        eprintln!("SKIPPED: bash is not installed");
    }
    missing
}

const STEP: &str = "Check, write SARIF, gate";

fn read_json(path: &Path) -> Value {
    json(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[test]
fn sarif_is_written_then_the_step_fails() {
    if bash_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(repo, "infra/trust-policy.json", WILDCARD_TRUST);
    // A stale report from an earlier run is replaced, never read as input.
    write(repo, "trustlint.sarif", "stale");

    let step = run_step(STEP, repo, &[]);
    assert_eq!(
        step.code, 1,
        "a high finding fails at the default threshold:\n{}{}",
        step.stdout, step.stderr
    );
    assert!(step.stdout.contains("::error file=infra/trust-policy.json"), "annotations:\n{}", step.stdout);
    assert!(step.stdout.contains("any repository owned by `acme`"), "human report:\n{}", step.stdout);
    assert!(step.stdout.contains("in 1 file"), "only the policy was read:\n{}", step.stdout);

    let sarif = read_json(&repo.join("trustlint.sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "oidc-wildcard-subject"), "{sarif:#}");
    for result in results {
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, "infra/trust-policy.json", "relative to the repository root");
    }
    let output = std::fs::read_to_string(repo.join(".github-output")).unwrap();
    assert_eq!(output.trim(), "sarif-file=trustlint.sarif");

    let lenient = run_step(STEP, repo, &[("TRUSTLINT_FAIL_ON", "critical")]);
    assert_eq!(lenient.code, 0, "a high finding passes `fail-on: critical`:\n{}", lenient.stdout);
    assert!(lenient.stdout.contains("::error file=infra/trust-policy.json"), "still annotated");
}

#[test]
fn inputs_reach_every_run() {
    if bash_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(repo, "a/trust.json", WILDCARD_TRUST);
    write(repo, "b/trust.json", WILDCARD_TRUST);
    write(repo, "c/trust.json", WILDCARD_TRUST);
    write(repo, "ci/trustlint.toml", "exclude = [\"b/**\"]\nfail-on = \"critical\"\n");

    // Paths on several lines, a config file (its `fail-on` applies) and a custom SARIF path.
    let inputs = [
        ("TRUSTLINT_PATHS", "a\nb  c"),
        ("TRUSTLINT_CONFIG", "ci/trustlint.toml"),
        ("TRUSTLINT_SARIF", "out/report.sarif"),
    ];
    std::fs::create_dir_all(repo.join("out")).unwrap();
    let step = run_step(STEP, repo, &inputs);
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    let sarif = read_json(&repo.join("out/report.sarif"));
    let mut uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    uris.dedup();
    assert_eq!(uris, ["a/trust.json", "c/trust.json"], "b/ is excluded by the config");
    // The `fail-on` input wins over the config.
    assert_eq!(run_step(STEP, repo, &[inputs[0], inputs[1], ("TRUSTLINT_FAIL_ON", "high")]).code, 1);

    // With a baseline of today's findings the gate passes, and SARIF marks them unchanged.
    let written = common::run(repo, &["check", "a", "c", "--write-baseline", "baseline.json"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    let inputs = [("TRUSTLINT_PATHS", "a c"), ("TRUSTLINT_BASELINE", "baseline.json")];
    assert_eq!(run_step(STEP, repo, &inputs).code, 0);
    let sarif = read_json(&repo.join("trustlint.sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["baselineState"] == "unchanged"), "{results:#?}");
}

#[test]
fn a_configuration_error_stops_the_step_without_a_report() {
    if bash_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(repo, "trust.json", WILDCARD_TRUST);
    let step = run_step(STEP, repo, &[("TRUSTLINT_CONFIG", "missing.toml")]);
    assert_eq!(step.code, 2, "{}", step.stderr);
    assert!(step.stderr.contains("missing.toml"), "{}", step.stderr);
    assert!(!repo.join(".github-output").exists(), "no output when the step failed");
    assert!(!repo.join("trustlint.sarif").exists());
}

#[test]
fn the_lock_file_satisfies_cargo_install_locked() {
    // `cargo install --path ... --locked` fails when Cargo.lock would need an update.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(repo_root())
        .args(["metadata", "--locked", "--offline", "--format-version", "1", "--no-deps"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn workflow_examples_in_the_docs_pass_trustlint() {
    let docs = std::fs::read_to_string(repo_root().join("docs/ci.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let mut written = 0;
    for (i, block) in docs.split("```yaml\n").skip(1).enumerate() {
        let block = block.split("```").next().unwrap();
        let target = if block.starts_with("# .github/workflows/") {
            format!(".github/workflows/example-{i}.yml")
        } else if block.starts_with("# .gitlab-ci.yml") {
            format!("gitlab-{i}/.gitlab-ci.yml")
        } else {
            continue;
        };
        write(repo, &target, block);
        written += 1;
    }
    assert!(written >= 3, "docs/ci.md should hold two GitHub workflows and a GitLab pipeline");
    let output = common::run(repo, &["check", "--fail-on", "info", "--format", "json"]);
    let report = json(&output.stdout);
    assert_eq!(report["summary"]["files_scanned"], written, "{report:#}");
    assert_eq!(report["findings"], Value::Array(Vec::new()), "{report:#}");
    assert_eq!(output.code, 0);
}

/// A fake GitHub release of version 9.9.9 for Linux x86_64 under `dir/releases`, holding the built
/// binary as the release workflow packages it; returns the download base URL.
fn fake_release(dir: &Path) -> String {
    let name = "trustlint-9.9.9-x86_64-unknown-linux-musl";
    let release = dir.join("releases/v9.9.9");
    let staging = dir.join("staging").join(name);
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::create_dir_all(&release).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_trustlint"), staging.join("trustlint")).unwrap();
    let archive = format!("{name}.tar.gz");
    let tar = Command::new("tar")
        .arg("-C")
        .arg(dir.join("staging"))
        .arg("-czf")
        .arg(release.join(&archive))
        .arg(name)
        .status()
        .unwrap();
    assert!(tar.success());
    let sums = Command::new("sha256sum").arg(&archive).current_dir(&release).output().unwrap();
    assert!(sums.status.success());
    std::fs::write(release.join("SHA256SUMS"), &sums.stdout).unwrap();
    format!("file://{}", dir.join("releases").display())
}

const INSTALL: &str = "Install trustlint";

#[test]
fn a_released_binary_is_installed_only_when_its_checksum_matches() {
    if bash_missing() || !common::runs("curl", "--version") || !common::runs("sha256sum", "--version") {
        eprintln!("SKIPPED: bash, curl or sha256sum is missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fake_release(dir.path());
    let bin = dir.path().join("bin");
    let bin_text = bin.to_str().unwrap();
    let inputs = [
        ("TRUSTLINT_VERSION", "9.9.9"),
        ("TRUSTLINT_BIN", bin_text),
        ("TRUSTLINT_DOWNLOAD_URL", url.as_str()),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
    ];
    let step = run_step(INSTALL, dir.path(), &inputs);
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    let installed = Command::new(bin.join("trustlint")).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&installed.stdout).starts_with("trustlint "), "{installed:?}");

    // A tampered archive (its digest no longer matches SHA256SUMS) is refused and not installed.
    std::fs::remove_dir_all(&bin).unwrap();
    let sums = dir.path().join("releases/v9.9.9/SHA256SUMS");
    let listed = std::fs::read_to_string(&sums).unwrap();
    let tampered = format!("{}{}", "0".repeat(64), &listed[64..]);
    std::fs::write(&sums, &tampered).unwrap();
    let step = run_step(INSTALL, dir.path(), &inputs);
    assert_eq!(step.code, 1, "{}{}", step.stdout, step.stderr);
    assert!(step.stdout.contains("checksum mismatch"), "{}", step.stdout);
    assert!(!bin.join("trustlint").exists());

    // An archive SHA256SUMS does not list is refused too.
    std::fs::write(&sums, listed.replace("x86_64-unknown-linux-musl", "other")).unwrap();
    let step = run_step(INSTALL, dir.path(), &inputs);
    assert_eq!(step.code, 1, "{}{}", step.stdout, step.stderr);
    assert!(step.stdout.contains("<not listed>"), "{}", step.stdout);

    // A platform without a release binary says to build from source.
    let step = run_step(
        INSTALL,
        dir.path(),
        &[inputs[0], inputs[1], inputs[2], ("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "ARM")],
    );
    assert_eq!(step.code, 1);
    assert!(step.stdout.contains("leave `version` empty"), "{}", step.stdout);
}

#[test]
fn the_cache_key_names_the_release_or_the_sources() {
    if bash_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = |inputs: &[(&str, &str)]| {
        let output = dir.path().join(".github-output");
        let _ = std::fs::remove_file(&output);
        let step = run_step("Cache key", dir.path(), inputs);
        assert_eq!(step.code, 0, "{}", step.stderr);
        std::fs::read_to_string(output).unwrap().trim().to_string()
    };
    let platform = [("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "X64")];
    let release = key(&[platform[0], platform[1], ("TRUSTLINT_VERSION", "0.1.0")]);
    assert_eq!(release, "key=trustlint-release-0.1.0-Linux-X64");
    let root = repo_root().to_str().unwrap();
    let source_inputs = [platform[0], platform[1], ("TRUSTLINT_VERSION", ""), ("GITHUB_ACTION_PATH", root)];
    let source = key(&source_inputs);
    assert!(source.starts_with("key=trustlint-source-") && source.ends_with("-Linux-X64"), "{source}");
    assert_eq!(source, key(&source_inputs), "the same sources give the same key");
}
