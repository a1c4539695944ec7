//! The pre-commit hooks, tested with the real client: `pre-commit` from PyPI in a virtualenv under
//! target/, this checkout's current tree committed into a scratch hook repository (hook
//! `trustlint`, built from source), packaging/pre-commit committed into a scratch mirror
//! repository (hook `trustlint-wheel`, installing the wheel `maturin build` made, named by
//! `TRUSTLINT_WHEEL`), and a throwaway consumer repository whose `.pre-commit-config.yaml` names
//! both. pip installs from a local wheelhouse with no index, so only the wheel under test can be
//! installed. Real
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
/// The mirror's build backend (packaging/pre-commit/pyproject.toml), put in the wheelhouse.
const SETUPTOOLS: &str = "setuptools==84.2.1";
/// The wheel built by `maturin build` (set by .ci/run).
const WHEEL_VAR: &str = "TRUSTLINT_WHEEL";

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

fn commit(consumer: &Path, env: &dyn Fn(&mut Command), message: &str) -> (bool, String) {
    let mut command = git(consumer);
    command.args(["commit", "-q", "-m", message]);
    env(&mut command);
    let started = Instant::now();
    let output = command.output().expect("run git commit");
    eprintln!("git commit `{message}`: {:.1?}", started.elapsed());
    (output.status.success(), text(&output))
}

/// The wheel the `trustlint-wheel` hook installs: `TRUSTLINT_WHEEL` (set by .ci/run after
/// `maturin build`), else `Err` saying so.
fn built_wheel() -> Result<PathBuf, String> {
    let wheel = std::env::var_os(WHEEL_VAR).map(PathBuf::from).ok_or_else(|| {
        format!("{WHEEL_VAR} is not set (.ci/run builds the wheel with maturin and sets it)")
    })?;
    if !wheel.is_file() {
        return Err(format!("{WHEEL_VAR}={} is not a file", wheel.display()));
    }
    Ok(wheel)
}

/// A folder pip installs from with no index: the trustlint wheel and the mirror's build backend
/// (downloaded once from PyPI). With no index, pip can never pick up a same-named package from
/// PyPI instead of the wheel under test.
fn wheelhouse(work: &Path, pre_commit: &Path, wheel: &Path) -> PathBuf {
    let house = work.join("wheelhouse");
    let has_backend = std::fs::read_dir(&house).is_ok_and(|entries| {
        entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("setuptools-"))
    });
    if !has_backend {
        let pip = pre_commit.with_file_name("pip");
        ok(Command::new(pip)
            .args(["download", "--quiet", "--disable-pip-version-check", "--only-binary=:all:", "-d"])
            .arg(&house)
            .arg(SETUPTOOLS));
    }
    for entry in std::fs::read_dir(&house).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("trustlint_oidc-") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    std::fs::copy(wheel, house.join(wheel.file_name().unwrap())).unwrap();
    house
}

/// Publish packaging/pre-commit as the mirror repository. Its commit names the wheel's digest, so
/// a new wheel is a new `rev` and pre-commit installs it afresh instead of reusing its cache.
fn mirror_repo(checkout: &Path, mirror: &Path, wheel: &Path) -> String {
    init_repo(mirror);
    let source = checkout.join("packaging/pre-commit");
    for entry in std::fs::read_dir(&source).unwrap().flatten() {
        std::fs::copy(entry.path(), mirror.join(entry.file_name())).unwrap();
    }
    let digest = ok(Command::new("sha256sum").arg(wheel));
    ok(git(mirror).args(["add", "-A"]));
    ok(git(mirror).args(["commit", "-q", "--no-verify", "-m"]).arg(format!("mirror for {}", digest.trim())));
    ok(git(mirror).args(["rev-parse", "HEAD"])).trim().to_string()
}

/// How pre-commit reported the hook named `name`: `Passed`, `Failed` or `(no files to check)Skipped`.
fn hook_status<'a>(output: &'a str, name: &str) -> Option<&'a str> {
    output.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let status = rest.trim_start_matches('.');
        (status.len() < rest.len()).then_some(status.trim())
    })
}

/// The output pre-commit printed under `- hook id: <id>`.
fn hook_section<'a>(output: &'a str, id: &str) -> &'a str {
    let marker = format!("- hook id: {id}\n");
    let start = output.find(&marker).unwrap_or_else(|| panic!("no section for {id}:\n{output}"));
    let section = &output[start + marker.len()..];
    // The next hook's status line (`trustlint (wheel)....Passed`) ends the section; a line the
    // hook itself printed (`trustlint: note: ...`) does not.
    let mut end = section.len();
    let mut at = 0;
    for line in section.split_inclusive('\n') {
        if line.starts_with("trustlint") && line.contains("....") {
            end = at;
            break;
        }
        at += line.len();
    }
    &section[..end]
}

/// The source hook (`trustlint`, `language: rust`) and the wheel hook (`trustlint-wheel`,
/// `language: python`) both run on each commit.
const HOOKS: [(&str, &str); 2] = [("trustlint", "trustlint"), ("trustlint-wheel", "trustlint (wheel)")];

#[test]
fn pre_commit_hooks_block_a_bad_trust_policy_and_pass_a_clean_one() {
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
    // Without a wheel only the source hook is tested (and, when required, that is a failure).
    let wheel = built_wheel()
        .map_err(|why| common::skip_or_fail("pre-commit test of the `trustlint-wheel` hook", &why))
        .ok();
    let hooks = &HOOKS[..if wheel.is_some() { 2 } else { 1 }];
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
    let mut config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: trustlint\n",
        hook_repo.display()
    );
    let mut house = None;
    if let Some(wheel) = &wheel {
        house = Some(wheelhouse(&work, &pre_commit, wheel));
        let mirror = work.join("mirror-repo");
        let mirror_rev = mirror_repo(checkout, &mirror, wheel);
        config.push_str(&format!(
            "  - repo: {}\n    rev: {mirror_rev}\n    hooks:\n      - id: trustlint-wheel\n",
            mirror.display()
        ));
    }

    let consumer = work.join("consumer");
    init_repo(&consumer);
    write(&consumer, ".pre-commit-config.yaml", &config);
    let env = |command: &mut Command| {
        hook_env(command, &work);
        if let Some(house) = &house {
            command.env("PIP_NO_INDEX", "1").env("PIP_FIND_LINKS", house);
        }
    };
    let mut install = Command::new(&pre_commit);
    install.current_dir(&consumer).arg("install");
    env(&mut install);
    ok(&mut install);
    write(&consumer, "README.md", "infrastructure\n");
    ok(git(&consumer).args(["add", ".pre-commit-config.yaml", "README.md"]));
    // The first commit installs both hooks (once per tree and wheel; reused afterwards).
    let (passed, output) = commit(&consumer, &env, "start");
    assert!(passed, "a commit with no trust policy must pass:\n{output}");

    // A staged policy any repository of `acme` can assume blocks the commit, with the report.
    write(&consumer, "infra/trust-policy.json", WILDCARD_TRUST);
    ok(git(&consumer).args(["add", "infra/trust-policy.json"]));
    let (passed, output) = commit(&consumer, &env, "wide trust");
    assert!(!passed, "the bad policy was committed:\n{output}");
    for &(id, name) in hooks {
        assert_eq!(hook_status(&output, name), Some("Failed"), "{id}:\n{output}");
        let report = hook_section(&output, id);
        assert!(report.contains("oidc-wildcard-subject"), "{id}:\n{report}");
        assert!(report.contains("infra/trust-policy.json"), "{id}:\n{report}");
        assert!(
            report.contains("any repository owned by `acme`"),
            "{id}: the human report is shown:\n{report}"
        );
    }

    // Fixed and staged, it passes, while an unstaged bad file is not looked at.
    write(&consumer, "infra/trust-policy.json", SCOPED_TRUST);
    write(&consumer, "scratch/wide.json", WILDCARD_TRUST);
    ok(git(&consumer).args(["add", "infra/trust-policy.json"]));
    let (passed, output) = commit(&consumer, &env, "scoped trust");
    assert!(passed, "a clean staged policy must pass, untracked files are not checked:\n{output}");
    for &(id, name) in hooks {
        assert_eq!(hook_status(&output, name), Some("Passed"), "{id}:\n{output}");
    }

    // Templates are selected too (`files` pattern): a staged `.json.tpl` policy is checked.
    write(&consumer, "templates/trust.json.tpl", &WILDCARD_TRUST.replace("123456789012", "${account_id}"));
    ok(git(&consumer).args(["add", "templates/trust.json.tpl"]));
    let (passed, output) = commit(&consumer, &env, "template");
    assert!(!passed, "the bad template was committed:\n{output}");
    for &(id, name) in hooks {
        assert_eq!(hook_status(&output, name), Some("Failed"), "{id}:\n{output}");
        assert!(hook_section(&output, id).contains("templates/trust.json.tpl"), "{id}:\n{output}");
    }

    // Keep the cache to the installs still referenced (older trees' builds are dropped).
    let mut gc = Command::new(&pre_commit);
    gc.current_dir(&consumer).arg("gc");
    env(&mut gc);
    let _ = gc.output();
}

#[test]
fn the_mirror_pins_the_wheel_of_this_version() {
    let version = env!("CARGO_PKG_VERSION");
    let mirror: toml::Table = toml::from_str(
        &std::fs::read_to_string(repo_root().join("packaging/pre-commit/pyproject.toml")).unwrap(),
    )
    .unwrap();
    let wheel: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo_root().join("pyproject.toml")).unwrap()).unwrap();
    let wheel_name = wheel["project"]["name"].as_str().unwrap();
    assert_eq!(mirror["project"]["version"].as_str(), Some(version));
    let dependencies = mirror["project"]["dependencies"].as_array().unwrap();
    assert_eq!(dependencies.len(), 1);
    assert_eq!(dependencies[0].as_str(), Some(format!("{wheel_name}=={version}").as_str()));
    // Both hooks select the same files.
    let selection = |path: &str| {
        let text = std::fs::read_to_string(repo_root().join(path)).unwrap();
        text.lines()
            .filter(|line| {
                ["  files:", "  types:", "  entry:", "  require_serial:"].iter().any(|k| line.starts_with(k))
            })
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let source = selection(".pre-commit-hooks.yaml");
    assert_eq!(source.len(), 4, "{source:?}");
    assert_eq!(source, selection("packaging/pre-commit/.pre-commit-hooks.yaml"));
}
