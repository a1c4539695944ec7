//! Records the git commit trustlint is built from, for `--version` and the reports.
//!
//! `TRUSTLINT_BUILD_COMMIT` wins when set (release builds set it from the CI checkout). Otherwise
//! the commit is read from the `.git` files directly: `HEAD`, then the branch's loose ref or
//! `packed-refs`, following a worktree's `gitdir:` and `commondir` links. No git executable is run
//! and nothing is written. Without a repository (an sdist, a crate from crates.io) the commit is
//! simply unknown and the build goes on.

use std::path::{Path, PathBuf};

const COMMIT_VAR: &str = "TRUSTLINT_BUILD_COMMIT";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={COMMIT_VAR}");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let commit = match std::env::var(COMMIT_VAR) {
        Ok(value) if is_commit(value.trim()) => Some(value.trim().to_ascii_lowercase()),
        Ok(value) if !value.trim().is_empty() => {
            println!("cargo:warning={COMMIT_VAR}={value:?} is not a commit id; ignored");
            None
        }
        _ => commit_from_git(&manifest_dir),
    };
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    let shown = commit.as_deref().unwrap_or("unknown");
    // `trustlint --version` prints `trustlint <this>`.
    println!("cargo:rustc-env=TRUSTLINT_VERSION_TEXT={version} (commit {shown})");
    println!("cargo:rustc-env=TRUSTLINT_COMMIT={}", commit.unwrap_or_default());
}

/// A full SHA-1 or SHA-256 commit id in hex.
fn is_commit(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn commit_from_git(manifest_dir: &Path) -> Option<String> {
    let dot_git = manifest_dir.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else if dot_git.is_file() {
        // A worktree or submodule: `.git` is a file saying `gitdir: <path>`.
        watch(&dot_git);
        let text = std::fs::read_to_string(&dot_git).ok()?;
        let target = PathBuf::from(text.strip_prefix("gitdir:")?.trim());
        if target.is_absolute() { target } else { manifest_dir.join(target) }
    } else {
        return None;
    };
    // Refs are shared by every worktree and live in the common folder.
    let common_dir = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(text) => {
            let path = PathBuf::from(text.trim());
            if path.is_absolute() { path } else { git_dir.join(path) }
        }
        Err(_) => git_dir.clone(),
    };
    let head_path = git_dir.join("HEAD");
    watch(&head_path);
    let head = std::fs::read_to_string(&head_path).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:").map(str::trim) else {
        // A detached HEAD holds the commit itself.
        return is_commit(head).then(|| head.to_ascii_lowercase());
    };
    for folder in [&git_dir, &common_dir] {
        let loose = folder.join(reference);
        if loose.is_file() {
            watch(&loose);
            let text = std::fs::read_to_string(&loose).ok()?;
            return is_commit(text.trim()).then(|| text.trim().to_ascii_lowercase());
        }
    }
    // Packed refs: `<commit> <ref>` lines (`^<commit>` lines peel tags and are skipped). A branch
    // not packed yet may appear as a loose ref later, so its future path is watched too.
    let loose = common_dir.join(reference);
    if let Some(parent) = loose.parent().filter(|p| p.is_dir()) {
        watch(parent);
    }
    let packed_path = common_dir.join("packed-refs");
    watch(&packed_path);
    let packed = std::fs::read_to_string(packed_path).ok()?;
    packed.lines().find_map(|line| {
        let (commit, name) = line.split_once(' ')?;
        (name.trim() == reference && is_commit(commit)).then(|| commit.to_ascii_lowercase())
    })
}

/// Rebuild when `path` changes. Only existing paths: cargo reruns a build script on every build
/// when a watched path is missing.
fn watch(path: &Path) {
    if path.exists()
        && let Some(text) = path.to_str()
    {
        println!("cargo:rerun-if-changed={text}");
    }
}
