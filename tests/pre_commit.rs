//! The pre-commit hook, tested with the real client: `pre-commit` from PyPI in a virtualenv under
//! target/, this checkout's current tree committed into a scratch hook repository, and a throwaway
//! consumer repository whose `.pre-commit-config.yaml` names that repository and commit. Real
//! `git commit`s then show that a staged bad trust policy (or template) fails the commit with the
//! human report, and that a clean one passes while an unstaged bad file is left alone.
//!
//! pre-commit builds the hook with `cargo install` in release mode (minutes on 2 cores), so
//! everything lives at fixed places under target/tmp/pre-commit and is reused: the virtualenv,
//! pre-commit's cache (`PRE_COMMIT_HOME`, keyed by repository path and commit) and cargo's build
//! folder. The scratch commit is made with a fixed author and date, so an unchanged tree gives the
//! same commit and no reinstall. There is exactly one hook install per tree.
//!
//! Without python3 (with venv), PyPI or git the test prints why and passes, unless
//! `TRUSTLINT_REQUIRE_INTEGRATION=1` (set by .ci/run) makes that a failure.

mod common;

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{SCOPED_TRUST, WILDCARD_TRUST, python_venv, repo_root, runs, succeed, text, write};

const PRE_COMMIT: &str = "pre-commit==4.7.0";

/// Skips (or, when required, fails) with a reason.
fn unavailable(reason: &str) {
    common::skip_or_fail("pre-commit integration test", reason);
}

/// Run to completion and require success.
fn ok(command: &mut Command) -> String {
    succeed(command).unwrap_or_else(|e| panic!("{command:?} failed: {e}"))
}

/// git with no user or system configuration (no signing, hooks path or templates leak in) and a
/// fixed identity and date, so the same tree always gives the same commit.
fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "trustlint test")
        .env("GIT_AUTHOR_EMAIL", "test@trustlint.invalid")
        .env("GIT_COMMITTER_NAME", "trustlint test")
        .env("GIT_COMMITTER_EMAIL", "test@trustlint.invalid")
        .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    command
}

fn init_repo(dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    ok(git(dir).args(["-c", "init.defaultBranch=main", "init", "-q"]));
    ok(git(dir).args(["config", "user.email", "test@trustlint.invalid"]));
    ok(git(dir).args(["config", "user.name", "trustlint test"]));
    ok(git(dir).args(["config", "commit.gpgsign", "false"]));
}

/// The files of this checkout's current tree: tracked and untracked ones that are not ignored
/// (from git when the checkout is a repository, else a walk that skips build output).
fn tree_files(checkout: &Path) -> Vec<PathBuf> {
    let listed =
        git(checkout).args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).output();
    let mut files: Vec<PathBuf> = match listed {
        Ok(output) if output.status.success() => output
            .stdout
            .split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
            .collect(),
        _ => walk(checkout, Path::new("")),
    };
    // Deleted but still tracked files are listed by git; the current tree does not have them.
    files.retain(|file| checkout.join(file).is_file());
    files.sort();
    files.dedup();
    files
}

fn walk(root: &Path, relative: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join(relative)) else { return out };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if [".git", "target", "node_modules", "__pycache__"].contains(&name_text.as_ref())
            || name_text.starts_with(".venv")
        {
            continue;
        }
        let path = relative.join(&name);
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => out.extend(walk(root, &path)),
            Ok(kind) if kind.is_file() => out.push(path),
            _ => {}
        }
    }
    out
}

/// Commit this checkout's current tree into a scratch hook repository; returns the commit.
fn snapshot_checkout(checkout: &Path, hook_repo: &Path) -> String {
    init_repo(hook_repo);
    for file in tree_files(checkout) {
        let target = hook_repo.join(&file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(checkout.join(&file), &target)
            .unwrap_or_else(|e| panic!("copy {}: {e}", file.display()));
    }
    assert!(hook_repo.join(".pre-commit-hooks.yaml").is_file(), "the checkout has no .pre-commit-hooks.yaml");
    ok(git(hook_repo).args(["add", "-A"]));
    ok(git(hook_repo).args(["commit", "-q", "--no-verify", "-m", "trustlint working tree"]));
    ok(git(hook_repo).args(["rev-parse", "HEAD"])).trim().to_string()
}

/// The environment every pre-commit and `git commit` call gets: pre-commit's cache and cargo's
/// build folder under target/, and cargo on PATH for the hook install.
fn hook_env(command: &mut Command, work: &Path) {
    let mut path: Vec<PathBuf> = Vec::new();
    if let Some(cargo_dir) =
        std::env::var_os("CARGO").map(PathBuf::from).and_then(|c| c.parent().map(Path::to_path_buf))
    {
        path.push(cargo_dir);
    }
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let path: OsString = std::env::join_paths(path).unwrap();
    command
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", work.join("home"))
        .env("CARGO_TARGET_DIR", work.join("cargo-target"))
        .env("PRE_COMMIT_COLOR", "never")
        .env("NO_COLOR", "1");
}

fn commit(consumer: &Path, work: &Path, message: &str) -> (bool, String) {
    let mut command = git(consumer);
    command.args(["commit", "-q", "-m", message]);
    hook_env(&mut command, work);
    let started = Instant::now();
    let output = command.output().expect("run git commit");
    eprintln!("git commit `{message}`: {:.1?}", started.elapsed());
    (output.status.success(), text(&output))
}

#[test]
fn pre_commit_hook_blocks_a_bad_trust_policy_and_passes_a_clean_one() {
    if !cfg!(unix) {
        return unavailable("this test drives a Unix virtualenv layout");
    }
    if !runs("git", "--version") {
        return unavailable("git is not installed");
    }
    if !runs("python3", "--version") {
        return unavailable("python3 is not installed");
    }
    // pre-commit builds `language: rust` hooks with the cargo on PATH (else it downloads rustup).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    if !runs(&cargo, "--version") {
        return unavailable("cargo is not on PATH");
    }
    let checkout = repo_root();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    std::fs::create_dir_all(&work).unwrap();
    // Two test runs at once would rebuild each other's repositories.
    let lock = File::create(work.join("lock")).unwrap();
    lock.lock().unwrap();

    let pre_commit = match python_venv(&work.join("venv"), PRE_COMMIT) {
        Ok(python) => python.with_file_name("pre-commit"),
        Err(why) => return unavailable(&why),
    };
    let hook_repo = work.join("hook-repo");
    let rev = snapshot_checkout(checkout, &hook_repo);

    let consumer = work.join("consumer");
    init_repo(&consumer);
    write(
        &consumer,
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: trustlint\n",
            hook_repo.display()
        ),
    );
    let mut install = Command::new(&pre_commit);
    install.current_dir(&consumer).arg("install");
    hook_env(&mut install, &work);
    ok(&mut install);
    write(&consumer, "README.md", "infrastructure\n");
    ok(git(&consumer).args(["add", ".pre-commit-config.yaml", "README.md"]));
    // The first commit builds and installs the hook (once per tree; reused afterwards).
    let (passed, output) = commit(&consumer, &work, "start");
    assert!(passed, "a commit with no trust policy must pass:\n{output}");

    // A staged policy any repository of `acme` can assume blocks the commit, with the report.
    write(&consumer, "infra/trust-policy.json", WILDCARD_TRUST);
    ok(git(&consumer).args(["add", "infra/trust-policy.json"]));
    let (passed, output) = commit(&consumer, &work, "wide trust");
    assert!(!passed, "the bad policy was committed:\n{output}");
    assert!(output.contains("trustlint") && output.contains("Failed"), "{output}");
    assert!(output.contains("oidc-wildcard-subject"), "{output}");
    assert!(output.contains("infra/trust-policy.json"), "{output}");
    assert!(output.contains("any repository owned by `acme`"), "the human report is shown:\n{output}");

    // Fixed and staged, it passes, while an unstaged bad file is not looked at.
    write(&consumer, "infra/trust-policy.json", SCOPED_TRUST);
    write(&consumer, "scratch/wide.json", WILDCARD_TRUST);
    ok(git(&consumer).args(["add", "infra/trust-policy.json"]));
    let (passed, output) = commit(&consumer, &work, "scoped trust");
    assert!(passed, "a clean staged policy must pass, untracked files are not checked:\n{output}");

    // Templates are selected too (`files` pattern): a staged `.json.tpl` policy is checked.
    write(&consumer, "templates/trust.json.tpl", &WILDCARD_TRUST.replace("123456789012", "${account_id}"));
    ok(git(&consumer).args(["add", "templates/trust.json.tpl"]));
    let (passed, output) = commit(&consumer, &work, "template");
    assert!(!passed, "the bad template was committed:\n{output}");
    assert!(output.contains("templates/trust.json.tpl"), "{output}");

    // Keep the cache to the installs still referenced (older trees' builds are dropped).
    let mut gc = Command::new(&pre_commit);
    gc.current_dir(&consumer).arg("gc");
    hook_env(&mut gc, &work);
    let _ = gc.output();
}
