//! Finding the files to look at: a .gitignore-aware walk that includes dot-folders such as
//! `.github`, skips `.git`, dependency and build folders, and never follows symlinks (so loops
//! cannot happen). Files named on the command line are always checked.
//!
//! Ignore files (`.gitignore`, `.ignore`, the repository's `.git/info/exclude`) are read here
//! through the one size-limited reader, not by the walker: one that is a FIFO or a symlink to
//! `/dev/zero` is skipped with a note instead of blocking or filling memory. The user's global
//! git excludes are not read, so what is checked depends only on the tree.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use trustlint_core::read::read_text;

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

/// The ignore files met during a walk, each read once.
struct IgnoreFiles {
    max_size: u64,
    /// Per folder, its rules (`None`: no ignore file there).
    by_dir: Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
    /// Compiled rules by the text of the files they come from. Compiling is most of what ignore
    /// files cost, and a repository of many projects repeats the same few `.gitignore` files in
    /// every folder: each distinct text is compiled once. The rules match paths relative to
    /// their folder, so the same matcher serves every folder with that text.
    compiled: Mutex<HashMap<Vec<String>, Arc<Gitignore>>>,
    /// The folder whose entries were judged last and the top of its walk's repository, with the
    /// rules that apply in it, deepest first: the walk judges a folder's entries one after
    /// another, so the chain of folders up to the top is looked up once per folder rather than
    /// once per entry.
    last_folder: Mutex<Option<(PathBuf, PathBuf, RuleChain)>>,
    notes: Mutex<Vec<String>>,
}

/// The ignore rules that apply in a folder, deepest folder first, with the folder they are in.
type RuleChain = Arc<Vec<(PathBuf, Arc<Gitignore>)>>;

/// Distinct ignore-file texts kept compiled; beyond this the cache starts over, so memory stays
/// bounded on a tree with thousands of different ignore files.
const MAX_COMPILED_IGNORE_FILES: usize = 512;

impl IgnoreFiles {
    fn new(max_size: u64) -> IgnoreFiles {
        IgnoreFiles {
            max_size,
            by_dir: Mutex::new(HashMap::new()),
            compiled: Mutex::new(HashMap::new()),
            last_folder: Mutex::new(None),
            notes: Mutex::new(Vec::new()),
        }
    }

    fn rules(&self, dir: &Path) -> Option<Arc<Gitignore>> {
        let mut by_dir = self.by_dir.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(rules) = by_dir.get(dir) {
            return rules.clone();
        }
        by_dir.entry(dir.to_path_buf()).or_insert_with(|| self.read(dir)).clone()
    }

    /// Later lines win: the repository's exclude file, then `.gitignore`, then `.ignore`.
    fn read(&self, dir: &Path) -> Option<Arc<Gitignore>> {
        let mut texts = Vec::new();
        for name in [".git/info/exclude", ".gitignore", ".ignore"] {
            let path = dir.join(name);
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            match read_text(&path, self.max_size) {
                Ok(text) => texts.push(text),
                Err(error) => {
                    let mut notes = self.notes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    notes.push(format!("ignore file {} not read: {error}", path.display()));
                }
            }
        }
        if texts.is_empty() {
            return None;
        }
        let mut compiled = self.compiled.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(rules) = compiled.get(&texts) {
            return Some(Arc::clone(rules));
        }
        // Rooted at `.`: matched against paths relative to the folder (see `ignored`).
        let mut builder = GitignoreBuilder::new(".");
        for line in texts.iter().flat_map(|text| text.lines()) {
            // A line that is not a valid glob is skipped, as git does.
            let _ = builder.add_line(None, line);
        }
        let rules = Arc::new(builder.build().ok()?);
        if compiled.len() >= MAX_COMPILED_IGNORE_FILES {
            compiled.clear();
        }
        compiled.insert(texts, Arc::clone(&rules));
        Some(rules)
    }

    /// Whether `path` (found by walking `start`) is ignored by the rules of its folders, up to
    /// the top of its git repository: the deepest folder's rules decide first, as in git.
    /// Ignored folders are never entered, so a path's parents are known not to be ignored.
    fn ignored(&self, walk: &WalkRoot, path: &Path, is_dir: bool) -> bool {
        let Ok(below) = path.strip_prefix(&walk.start) else { return false };
        let absolute = walk.absolute.join(below);
        let Some(folder) = absolute.parent() else { return false };
        for (dir, rules) in self.chain(walk, folder).iter() {
            if let Ok(relative) = absolute.strip_prefix(dir) {
                let matched = rules.matched(relative, is_dir);
                if matched.is_ignore() {
                    return true;
                }
                if matched.is_whitelist() {
                    return false;
                }
            }
        }
        false
    }

    /// The rules of `folder` and of each folder above it up to the top of the repository,
    /// deepest first.
    fn chain(&self, walk: &WalkRoot, folder: &Path) -> RuleChain {
        let mut last = self.last_folder.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((last_folder, last_top, chain)) = last.as_ref()
            && last_folder == folder
            && *last_top == walk.top
        {
            return Arc::clone(chain);
        }
        {
            // The walk is depth-first: folders that do not hold this one are done with, and
            // their entries are dropped to keep the map small (compiled rules stay in `compiled`).
            let mut by_dir = self.by_dir.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            by_dir.retain(|dir, _| folder.starts_with(dir));
        }
        let mut chain = Vec::new();
        for dir in folder.ancestors() {
            if let Some(rules) = self.rules(dir) {
                chain.push((dir.to_path_buf(), rules));
            }
            if dir == walk.top {
                break;
            }
        }
        let chain = Arc::new(chain);
        *last = Some((folder.to_path_buf(), walk.top.clone(), Arc::clone(&chain)));
        chain
    }
}

/// A folder being walked: as given, absolute, and the top of the git repository holding it
/// (itself outside a repository), whose ignore rules are the last to apply.
struct WalkRoot {
    start: PathBuf,
    absolute: PathBuf,
    top: PathBuf,
}

impl WalkRoot {
    fn new(start: &Path) -> WalkRoot {
        let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let top =
            absolute.ancestors().find(|dir| dir.join(".git").exists()).unwrap_or(&absolute).to_path_buf();
        WalkRoot { start: start.to_path_buf(), absolute, top }
    }
}

/// Walk `paths` (files or directories) under `root`; ignore files larger than `max_size` are
/// not read. Sorted, each file once.
pub fn discover(
    root: &Path,
    paths: &[PathBuf],
    excludes: &Excludes,
    max_size: u64,
) -> (Vec<Candidate>, Vec<String>) {
    let mut candidates = Vec::new();
    let notes = walk(root, paths, excludes, max_size, &mut |candidate| candidates.push(candidate));
    candidates.sort();
    (candidates, notes)
}

/// Walk `paths` and hand each file to `found` as soon as it is seen (each file once, in walk
/// order), so checking can start while the walk goes on; returns the notes, sorted.
pub fn walk(
    root: &Path,
    paths: &[PathBuf],
    excludes: &Excludes,
    max_size: u64,
    found: &mut dyn FnMut(Candidate),
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut found = |candidate: Candidate| {
        if seen.insert(candidate.display.clone()) {
            found(candidate);
        }
    };
    let ignore_files = Arc::new(IgnoreFiles::new(max_size));
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
                found(Candidate { display, path: path.clone(), explicit: true });
            }
            continue;
        }
        let walk = WalkRoot::new(path);
        let ignore_files = Arc::clone(&ignore_files);
        let walker = WalkBuilder::new(path)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if is_dir && SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()) {
                    return false;
                }
                entry.depth() == 0 || !ignore_files.ignored(&walk, entry.path(), is_dir)
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    let display = display_path(root, entry.path());
                    if !excludes.matches(&display) {
                        found(Candidate { display, path: entry.into_path(), explicit: false });
                    }
                }
                Ok(_) => {}
                Err(e) => notes.push(format!("walk: {e}")),
            }
        }
    }
    notes.extend(std::mem::take(
        &mut *ignore_files.notes.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
    ));
    notes.sort();
    notes
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
        let (found, notes) = discover(root, &[root.to_path_buf()], &excludes, 1 << 20);
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
        let (found, _) = discover(root, &[root.to_path_buf()], &Excludes::new(&[]).unwrap(), 1 << 20);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn explicit_files_are_kept_even_when_gitignored() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "*.json\n").unwrap();
        std::fs::write(root.join("trust.json"), "{}").unwrap();
        let (found, _) = discover(root, &[root.join("trust.json")], &Excludes::new(&[]).unwrap(), 1 << 20);
        assert_eq!(found.len(), 1);
        assert!(found[0].explicit);
    }
}
