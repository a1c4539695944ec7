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
//! Without python3 (with venv) or git the test prints why and passes, unless
//! `TRUSTLINT_REQUIRE_INTEGRATION=1` (set by .ci/run) makes that a failure.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const PRE_COMMIT_VERSION: &str = "4.7.0";
const REQUIRE_VAR: &str = "TRUSTLINT_REQUIRE_INTEGRATION";

/// A trust any repository of `acme` may assume, on any ref: oidc-wildcard-subject (high).
const WIDE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringLike": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:acme/*"
        }
      }
    }
  ]
}
"#;

/// One repository, one protected environment, with an audience: no finding.
const SCOPED: &str = r#"{
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
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:acme/infra:environment:prod"
        }
      }
    }
  ]
}
"#;

/// Skips (or, when required, fails) with a reason.
fn unavailable(reason: &str) {
    if std::env::var_os(REQUIRE_VAR).is_some_and(|v| v == "1") {
        panic!("pre-commit integration test cannot run: {reason} ({REQUIRE_VAR}=1 requires it)");
    }
    eprintln!(
        "SKIPPED pre-commit integration test: {reason}. Install it, or set {REQUIRE_VAR}=1 to make this a failure."
    );
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success())
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Run to completion and require success.
fn ok(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(output.status.success(), "{command:?} failed:\n{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
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

/// A virtualenv with pre-commit, reused when it already has the right version. `None` when
/// python3 cannot make one.
fn pre_commit_venv(work: &Path) -> Option<PathBuf> {
    let venv = work.join("venv");
    let pre_commit = venv.join("bin/pre-commit");
    let has_version = |path: &Path| {
        Command::new(path)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(PRE_COMMIT_VERSION))
    };
    if has_version(&pre_commit) {
        return Some(pre_commit);
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).unwrap();
    }
    let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).output();
    match made {
        Ok(output) if output.status.success() => {}
        Ok(output) => {
            unavailable(&format!("`python3 -m venv` failed (is python3-venv installed?): {}", text(&output)));
            return None;
        }
        Err(e) => {
            unavailable(&format!("cannot run python3: {e}"));
            return None;
        }
    }
    let started = Instant::now();
    ok(Command::new(venv.join("bin/python")).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        &format!("pre-commit=={PRE_COMMIT_VERSION}"),
    ]));
    eprintln!("installed pre-commit {PRE_COMMIT_VERSION} from PyPI in {:.1?}", started.elapsed());
    assert!(has_version(&pre_commit), "pip installed pre-commit but {} does not run", pre_commit.display());
    Some(pre_commit)
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

fn write(dir: &Path, path: &str, content: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, content).unwrap();
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
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    std::fs::create_dir_all(&work).unwrap();
    // Two test runs at once would rebuild each other's repositories.
    let lock = File::create(work.join("lock")).unwrap();
    lock.lock().unwrap();

    let Some(pre_commit) = pre_commit_venv(&work) else { return };
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
    write(&consumer, "infra/trust-policy.json", WIDE);
    ok(git(&consumer).args(["add", "infra/trust-policy.json"]));
    let (passed, output) = commit(&consumer, &work, "wide trust");
    assert!(!passed, "the bad policy was committed:\n{output}");
    assert!(output.contains("trustlint") && output.contains("Failed"), "{output}");
    assert!(output.contains("oidc-wildcard-subject"), "{output}");
    assert!(output.contains("infra/trust-policy.json"), "{output}");
    assert!(output.contains("any repository owned by `acme`"), "the human report is shown:\n{output}");

    // Fixed and staged, it passes, while an unstaged bad file is not looked at.
    write(&consumer, "infra/trust-policy.json", SCOPED);
    write(&consumer, "scratch/wide.json", WIDE);
    ok(git(&consumer).args(["add", "infra/trust-policy.json"]));
    let (passed, output) = commit(&consumer, &work, "scoped trust");
    assert!(passed, "a clean staged policy must pass, untracked files are not checked:\n{output}");

    // Templates are selected too (`files` pattern): a staged `.json.tpl` policy is checked.
    write(&consumer, "templates/trust.json.tpl", &WIDE.replace("123456789012", "${account_id}"));
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
