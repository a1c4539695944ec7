//! Finding the files to look at: a .gitignore-aware walk that includes dot-folders such as
//! `.github`, skips `.git`, dependency and build folders, and never follows symlinks (so loops
//! cannot happen). Files named on the command line are always checked.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use crate::config::ConfigError;

/// Folders never worth walking: VCS data, dependencies, build output, virtualenvs.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".terraform",
    ".pulumi",
    "bower_components",
    ".next",
    "dist-packages",
    "site-packages",
];

/// A file to check, with its path as shown in reports (relative to the scan root, `/`-separated).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub display: String,
    pub path: PathBuf,
    /// Named explicitly on the command line.
    pub explicit: bool,
}

pub struct Excludes(GlobSet);

impl Excludes {
    pub fn new(patterns: &[String]) -> Result<Excludes, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Glob::new(pattern).map_err(|e| {
                ConfigError::quoting(&format!("key `exclude`: `{pattern}`: {}", e.kind()), &[])
            })?;
            builder.add(glob);
            // `dir` or `dir/` excludes everything below it too.
            let below = format!("{}/**", pattern.trim_end_matches('/'));
            if let Ok(glob) = Glob::new(&below) {
                builder.add(glob);
            }
        }
        builder.build().map(Excludes).map_err(|e| ConfigError::quoting(&format!("key `exclude`: {e}"), &[]))
    }

    pub fn matches(&self, display: &str) -> bool {
        self.0.is_match(display)
    }
}

/// Relative, `/`-separated path for reports.
pub fn display_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.trim_start_matches("./").to_string();
    if text.is_empty() {
        path.file_name().map_or_else(|| ".".into(), |n| n.to_string_lossy().into_owned())
    } else {
        text
    }
}

/// Walk `paths` (files or directories) under `root`.
pub fn discover(root: &Path, paths: &[PathBuf], excludes: &Excludes) -> (Vec<Candidate>, Vec<String>) {
    let mut candidates = Vec::new();
    let mut notes = Vec::new();
    for path in paths {
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(e) => {
                notes.push(format!("{}: cannot read: {e}", path.display()));
                continue;
            }
        };
        if metadata.is_file() {
            // Explicit files are checked even if ignored: pre-commit passes staged names.
            let display = display_path(root, path);
            if !excludes.matches(&display) {
                candidates.push(Candidate { display, path: path.clone(), explicit: true });
            }
            continue;
        }
        let walker = WalkBuilder::new(path)
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .filter_entry(|entry| {
                !(entry.file_type().is_some_and(|t| t.is_dir())
                    && SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    let display = display_path(root, entry.path());
                    if !excludes.matches(&display) {
                        candidates.push(Candidate { display, path: entry.into_path(), explicit: false });
                    }
                }
                Ok(_) => {}
                Err(e) => notes.push(format!("walk: {e}")),
            }
        }
    }
    candidates.sort();
    candidates.dedup_by(|a, b| a.display == b.display);
    notes.sort();
    (candidates, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_dot_folders_but_skips_vcs_dependencies_and_gitignored_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            ".github/workflows/ci.yml",
            ".git/config.json",
            "node_modules/x/policy.json",
            "policies/trust.json",
            "ignored/trust.json",
            "vendor/trust.json",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        let excludes = Excludes::new(&["vendor".to_string()]).unwrap();
        let (found, notes) = discover(root, &[root.to_path_buf()], &excludes);
        let names: Vec<_> = found.iter().map(|c| c.display.as_str()).collect();
        assert_eq!(names, vec![".github/workflows/ci.yml", ".gitignore", "policies/trust.json"]);
        assert!(notes.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_do_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        std::fs::write(root.join("a/trust.json"), "{}").unwrap();
        let (found, _) = discover(root, &[root.to_path_buf()], &Excludes::new(&[]).unwrap());
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn explicit_files_are_kept_even_when_gitignored() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "*.json\n").unwrap();
        std::fs::write(root.join("trust.json"), "{}").unwrap();
        let (found, _) = discover(root, &[root.join("trust.json")], &Excludes::new(&[]).unwrap());
        assert_eq!(found.len(), 1);
        assert!(found[0].explicit);
    }
}
