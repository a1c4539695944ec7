//! What lies around the programs of a run, read once: per folder, the stacks
//! (`Pulumi.<stack>.yaml`) and the project name (`Pulumi.yaml`); per file, sibling modules with
//! the words the relevance test found in them. Everything is read lazily, when a relevant
//! program first asks, through the one size-limited reader, and shared by every worker thread.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use trustlint_core::read::read_text;
use trustlint_syntax::eval::{ParsedProgram, SourceLanguage, parse_program};
use trustlint_syntax::{Node, parse_yaml};

use super::relevance::{self, Words};
use super::{ModuleLoader, StackConfig};

/// Sibling modules, stack and project files larger than this are not read (constants modules
/// and stack settings are small).
pub const MAX_MODULE_SIZE: u64 = 512 * 1024;

/// The stacks and project of one folder.
#[derive(Debug, Default)]
pub struct Folder {
    /// Sorted by stack name.
    pub stacks: Vec<StackConfig>,
    /// `name:` of `Pulumi.yaml`; read only when there are stacks, whose keys it qualifies.
    pub project: Option<String>,
}

/// A sibling module's text, the relevance words in it, and its parse per grammar (see
/// [`Module::parsed`]).
#[derive(Debug)]
pub struct Module {
    pub text: String,
    pub words: Words,
    parsed: [OnceLock<Arc<ParsedProgram>>; 3],
}

impl Module {
    fn new(text: String) -> Module {
        Module { words: relevance::words_in(&text), text, parsed: Default::default() }
    }

    /// The module parsed with the grammar of the program importing it, once per run: the
    /// programs of a folder often all import the same constants module.
    pub fn parsed(&self, language: SourceLanguage) -> Arc<ParsedProgram> {
        let slot = match language {
            SourceLanguage::TypeScript { jsx: false } => 0,
            SourceLanguage::TypeScript { jsx: true } => 1,
            SourceLanguage::Python => 2,
        };
        Arc::clone(self.parsed[slot].get_or_init(|| Arc::new(parse_program(&self.text, language))))
    }
}

/// Counts of what a run read and parsed (see `TRUSTLINT_STATS` in docs/performance.md).
#[derive(Debug, Default)]
pub struct Counters {
    pub programs_parsed: AtomicUsize,
    pub programs_skipped: AtomicUsize,
    pub folders_read: AtomicUsize,
    pub modules_read: AtomicUsize,
}

/// A map whose values are computed once, by the first thread that asks; others wait for it.
struct OnceMap<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceLock<V>>>>,
}

impl<K: Eq + Hash, V: Clone> OnceMap<K, V> {
    fn new() -> Self {
        OnceMap { cells: Mutex::new(HashMap::new()) }
    }

    fn get(&self, key: K, compute: impl FnOnce() -> V) -> V {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(cells.entry(key).or_default())
        };
        cell.get_or_init(compute).clone()
    }
}

/// The per-run cache around programs; `relevance_test: false` parses every program (the
/// equivalence tests compare both ways).
pub struct Surroundings {
    pub relevance_test: bool,
    folders: OnceMap<PathBuf, Arc<Folder>>,
    modules: OnceMap<PathBuf, Option<Arc<Module>>>,
    pub counters: Counters,
}

impl Default for Surroundings {
    fn default() -> Self {
        Surroundings::new(true)
    }
}

impl Surroundings {
    pub fn new(relevance_test: bool) -> Surroundings {
        Surroundings {
            relevance_test,
            folders: OnceMap::new(),
            modules: OnceMap::new(),
            counters: Counters::default(),
        }
    }

    /// The stacks and project of `dir`, read on first use.
    pub fn folder(&self, dir: &Path) -> Arc<Folder> {
        self.folders.get(dir.to_path_buf(), || {
            self.counters.folders_read.fetch_add(1, Ordering::Relaxed);
            Arc::new(read_folder(dir))
        })
    }

    /// The sibling module at `relative` inside `dir`: `None` outside the folder (absolute, `..`),
    /// absent, unreadable or too large.
    pub fn module(&self, dir: &Path, relative: &str) -> Option<Arc<Module>> {
        let path = inside(dir, relative)?;
        self.modules.get(path.clone(), || {
            let text = read_text(&path, MAX_MODULE_SIZE).ok()?;
            self.counters.modules_read.fetch_add(1, Ordering::Relaxed);
            Some(Arc::new(Module::new(text)))
        })
    }
}

/// Where a program's stack files and sibling modules are: the folder of the file on disk, read
/// through the run's cache. Built from the path the file was read from, never from the path
/// shown in reports (relative to the scan root, not to the working directory), so the language
/// server finds them whatever its working directory.
#[derive(Clone, Copy)]
pub struct Siblings<'a> {
    dir: Option<&'a Path>,
    pub surroundings: &'a Surroundings,
}

impl<'a> Siblings<'a> {
    /// The siblings of the file read from `disk_path`; none when it was not read from disk (an
    /// unsaved buffer, a test string) or its folder is gone.
    pub fn of(disk_path: Option<&'a Path>, surroundings: &'a Surroundings) -> Siblings<'a> {
        let dir = disk_path
            .and_then(Path::parent)
            .map(|dir| if dir.as_os_str().is_empty() { Path::new(".") } else { dir });
        Siblings { dir, surroundings }
    }

    /// The folder holding them, when there is one. Looked at only when asked (by programs), not
    /// for every file a run reads.
    pub fn dir(&self) -> Option<&'a Path> {
        self.dir.filter(|dir| dir.is_dir())
    }
}

/// `dir/relative` when `relative` stays inside `dir`.
fn inside(dir: &Path, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    let plain = relative.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    (!relative.is_absolute() && plain).then(|| dir.join(relative))
}

/// Reads sibling modules of one program folder through the run's cache.
pub struct DirectoryModules<'a> {
    pub dir: &'a Path,
    pub surroundings: &'a Surroundings,
}

impl ModuleLoader for DirectoryModules<'_> {
    fn load(&self, relative_path: &str, language: SourceLanguage) -> Option<Arc<ParsedProgram>> {
        self.surroundings.module(self.dir, relative_path).map(|module| module.parsed(language))
    }

    fn text(&self, relative_path: &str) -> Option<String> {
        self.surroundings.module(self.dir, relative_path).map(|module| module.text.clone())
    }

    /// A program file that siblings may import is parsed through the module cache: in a real
    /// repository a third of the sibling modules loaded are programs parsed on their own too.
    /// Entry points (`index.ts`, `__main__.py`) are rarely imported and are parsed alone, so
    /// that their parses are not held for the run. The file read as a module must have the
    /// same text as the program (it is read again through the module reader, which refuses
    /// what it would refuse for an import).
    fn shared_parse(
        &self,
        file_name: &str,
        text: &str,
        language: SourceLanguage,
    ) -> Option<Arc<ParsedProgram>> {
        if is_entry_point(file_name) {
            return None;
        }
        let module = self.surroundings.module(self.dir, file_name)?;
        (module.text == text).then(|| module.parsed(language))
    }
}

/// `index.ts`, `index.js`, ... and `__main__.py`: where a Pulumi project starts.
fn is_entry_point(file_name: &str) -> bool {
    let stem = file_name.split('.').next().unwrap_or(file_name);
    stem == "index" || stem == "__main__"
}

/// The stacks and project name of a folder: `Pulumi.<stack>.yaml` files sorted by name, and
/// `name:` of `Pulumi.yaml` when there are stacks. Unreadable files are skipped.
fn read_folder(dir: &Path) -> Folder {
    let mut folder = Folder::default();
    let Ok(entries) = std::fs::read_dir(dir) else { return folder };
    let mut names: Vec<String> =
        entries.filter_map(|e| e.ok()).filter_map(|e| e.file_name().into_string().ok()).collect();
    names.sort();
    for name in &names {
        let Some(rest) = name.strip_prefix("Pulumi.") else { continue };
        let Some(stem) = rest.strip_suffix(".yaml").or_else(|| rest.strip_suffix(".yml")) else { continue };
        if stem.is_empty() {
            continue;
        }
        let Ok(text) = read_text(&dir.join(name), MAX_MODULE_SIZE) else { continue };
        folder.stacks.extend(
            StackConfig::parse(stem, &text).map(|stack| StackConfig { file_name: name.clone(), ..stack }),
        );
    }
    // The project name only qualifies keys that stacks set: without stacks it is not read.
    if folder.stacks.is_empty() {
        return folder;
    }
    for name in ["Pulumi.yaml", "Pulumi.yml"] {
        if !names.iter().any(|n| n == name) {
            continue;
        }
        if let Ok(text) = read_text(&dir.join(name), MAX_MODULE_SIZE)
            && let Some(root) = parse_yaml(&text).documents.into_iter().next()
        {
            folder.project = root.get("name").and_then(Node::as_text).map(str::to_string);
            break;
        }
    }
    folder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_modules_are_read_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Pulumi.yaml"), "name: infra\nruntime: nodejs\n").unwrap();
        std::fs::write(dir.path().join("Pulumi.dev.yaml"), "config:\n  infra:x: y\n").unwrap();
        std::fs::write(dir.path().join("constants.ts"), "export const A = 1;\n").unwrap();
        let surroundings = Surroundings::new(true);
        for _ in 0..3 {
            let folder = surroundings.folder(dir.path());
            assert_eq!(folder.project.as_deref(), Some("infra"));
            assert_eq!(folder.stacks.len(), 1);
            assert!(surroundings.module(dir.path(), "constants.ts").is_some());
            assert!(surroundings.module(dir.path(), "absent.ts").is_none());
            assert!(surroundings.module(dir.path(), "../constants.ts").is_none());
        }
        assert_eq!(surroundings.counters.folders_read.load(Ordering::Relaxed), 1);
        assert_eq!(surroundings.counters.modules_read.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_program_imported_by_its_siblings_is_parsed_once() {
        let dir = tempfile::tempdir().unwrap();
        let roles = "export const ROLE = \"deploy\";\n";
        std::fs::write(dir.path().join("roles.ts"), roles).unwrap();
        std::fs::write(dir.path().join("index.ts"), "import { ROLE } from \"./roles\";\n").unwrap();
        let surroundings = Surroundings::new(true);
        let modules = DirectoryModules { dir: dir.path(), surroundings: &surroundings };
        let language = SourceLanguage::TypeScript { jsx: false };
        let as_program = modules.shared_parse("roles.ts", roles, language).expect("shared");
        let as_module = modules.load("roles.ts", language).expect("loaded");
        assert!(Arc::ptr_eq(&as_program, &as_module));
        // Another text than the file's (an unsaved edit) is parsed alone, and so is an entry point.
        assert!(modules.shared_parse("roles.ts", "export const ROLE = 1;\n", language).is_none());
        assert!(modules.shared_parse("index.ts", "import { ROLE } from \"./roles\";\n", language).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_around_a_program_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Pulumi.yaml"), "name: infra\n").unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("Pulumi.dev.yaml")).unwrap();
        std::fs::write(dir.path().join("Pulumi.prod.yaml"), "config:\n  infra:x: y\n").unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("constants.ts")).unwrap();
        let fifo = dir.path().join("helpers.py");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let surroundings = Surroundings::new(true);
        let folder = surroundings.folder(dir.path());
        assert_eq!(folder.stacks.len(), 1);
        assert_eq!(folder.project.as_deref(), Some("infra"));
        assert!(surroundings.module(dir.path(), "constants.ts").is_none());
        assert!(surroundings.module(dir.path(), "helpers.py").is_none());
    }
}
