//! Workspace folders and their `trustlint.toml`: which engine checks a document, under which
//! display path (relative to its folder, as the CLI would print it, so `ignore` entries and
//! `exclude` patterns match), and what went wrong reading the configuration.

use std::path::{Path, PathBuf};

use std::collections::HashMap;

use trustlint_core::Finding;
use trustlint_engine::config::FILE_NAME;
use trustlint_engine::discover::{Excludes, display_path};
use trustlint_engine::linked::ChainCache;
use trustlint_engine::{Config, Engine, RunOptions};

pub struct Workspace {
    /// `None` for the catch-all of files outside every workspace folder (default configuration).
    pub root: Option<PathBuf>,
    pub engine: Engine,
    excludes: Excludes,
    /// Why `trustlint.toml` could not be used; the previous (or default) configuration applies.
    pub config_error: Option<String>,
    /// The folder's files' chain facts, kept between re-links.
    pub chain: ChainCache,
    /// The chain findings of the last re-link, by the display path of their primary location.
    pub chain_findings: HashMap<String, Vec<Finding>>,
    /// A re-link is due (a buffer opened, changed or closed, a file saved, the configuration
    /// changed).
    pub chain_stale: bool,
}

impl Workspace {
    /// The default configuration, for files outside every workspace folder.
    pub fn detached() -> Workspace {
        let (engine, excludes) = default_engine();
        Workspace {
            root: None,
            engine,
            excludes,
            config_error: None,
            chain: ChainCache::default(),
            chain_findings: HashMap::new(),
            chain_stale: true,
        }
    }

    /// A workspace folder with its `trustlint.toml`, if it has one.
    pub fn open(root: PathBuf) -> Workspace {
        let mut workspace = Workspace::detached();
        workspace.root = Some(root);
        workspace.reload();
        workspace
    }

    pub fn config_path(&self) -> Option<PathBuf> {
        self.root.as_ref().map(|root| root.join(FILE_NAME))
    }

    /// Read `trustlint.toml` again. On error the configuration in force is kept and the error
    /// is remembered for the editor to show.
    pub fn reload(&mut self) {
        let Some(root) = &self.root else { return };
        let loaded = Config::discover(root).and_then(|config| {
            let excludes = Excludes::new(&config.exclude)?;
            Ok((Engine::new(config, &RunOptions::default())?, excludes))
        });
        match loaded {
            Ok((engine, excludes)) => {
                self.engine = engine;
                self.excludes = excludes;
                self.config_error = None;
                self.chain.clear();
                self.chain_stale = true;
            }
            Err(error) => self.config_error = Some(error.0),
        }
    }

    /// The path a finding in `path` is reported under, when `path` is in this folder.
    pub fn display_path(&self, path: &Path) -> Option<String> {
        match &self.root {
            Some(root) => path.starts_with(root).then(|| display_path(root, path)),
            None => Some(path.to_string_lossy().replace('\\', "/")),
        }
    }

    /// The local path of a display path (for related locations in other files).
    pub fn local_path(&self, display: &str) -> PathBuf {
        match &self.root {
            Some(root) => root.join(display),
            None => PathBuf::from(display),
        }
    }

    pub fn excludes(&self, display: &str) -> bool {
        self.root.is_some() && self.excludes.matches(display)
    }
}

fn default_engine() -> (Engine, Excludes) {
    let engine = Engine::new(Config::default(), &RunOptions::default())
        .unwrap_or_else(|e| unreachable!("the default configuration is valid: {e}"));
    let excludes = Excludes::new(&[]).unwrap_or_else(|e| unreachable!("no patterns cannot fail: {e}"));
    (engine, excludes)
}

/// The 1-based line a configuration error names (`line 3: ...`, or TOML's `at line 3, column 1`).
pub fn error_line(message: &str) -> Option<u32> {
    message.match_indices("line ").find_map(|(at, _)| {
        let digits: String = message[at + 5..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok().filter(|&line| line > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_keeps_the_last_valid_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join(FILE_NAME), "exclude = [\"vendor/**\"]\n").unwrap();
        let mut workspace = Workspace::open(root.clone());
        assert_eq!(workspace.config_error, None);
        assert!(workspace.excludes("vendor/a/trust.json"));
        assert!(!workspace.excludes("policies/trust.json"));

        std::fs::write(root.join(FILE_NAME), "exclude = [\"vendor/**\"]\n[rules.no-such-rule]\n").unwrap();
        workspace.reload();
        let error = workspace.config_error.clone().unwrap();
        assert!(error.contains("no-such-rule"), "{error}");
        assert_eq!(error_line(&error), Some(2));
        assert!(workspace.excludes("vendor/a/trust.json"), "the previous configuration stays in force");

        std::fs::remove_file(root.join(FILE_NAME)).unwrap();
        workspace.reload();
        assert_eq!(workspace.config_error, None);
        assert!(!workspace.excludes("vendor/a/trust.json"));
    }

    #[test]
    fn display_paths_are_relative_to_the_folder() {
        let workspace = Workspace::open(PathBuf::from("/nonexistent/repo"));
        assert_eq!(
            workspace.display_path(Path::new("/nonexistent/repo/iam/trust.json")).as_deref(),
            Some("iam/trust.json")
        );
        assert_eq!(workspace.display_path(Path::new("/elsewhere/trust.json")), None);
        assert_eq!(workspace.local_path("iam/trust.json"), Path::new("/nonexistent/repo/iam/trust.json"));
        assert!(!Workspace::detached().excludes("anything"));
    }
}
