//! The trust chain of a workspace for the language server: every file of the folder is read once
//! and what it contributes to the chain is cached, the editor's open buffers replace the text on
//! disk, and each re-link analyses again only the files whose text changed (a buffer edited, a
//! file saved or touched on disk), so an edit costs one file's analysis and one linking pass.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use trustlint_core::read::read_file;
use trustlint_core::{Finding, SourceFile};
use trustlint_frontends::inputs;
use trustlint_frontends::pulumi::{Siblings, Surroundings};

use crate::classify;
use crate::decode::{Decoded, decode};
use crate::discover::{self, Excludes};
use crate::run::{
    DEFAULT_MAX_FILE_SIZE, Engine, Retained, RunOptions, WORKER_STACK_SIZE, finish, link_retained,
};

/// What one file's chain facts were computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Version {
    /// A file on disk, by modification time and size (not read again while they hold).
    Disk(Option<SystemTime>, u64),
    /// An editor buffer, by a hash of its text.
    Buffer(u64),
}

struct Cached {
    version: Version,
    retained: Option<Retained>,
}

/// Per-workspace state kept between re-links.
#[derive(Default)]
pub struct ChainCache {
    /// The files of the folder that can hold chain facts (display path, disk path); `None` until
    /// the folder is walked, and again after [`ChainCache::forget_listing`].
    listing: Option<Vec<(String, PathBuf)>>,
    facts: HashMap<String, Cached>,
    /// Files analysed by the last re-link (the others came from the cache).
    pub last_analysed: usize,
    /// Workers with the run's stack size (parsers recurse), started once.
    pool: Option<rayon::ThreadPool>,
}

impl ChainCache {
    /// Walk the folder again at the next re-link (files may have been created or deleted).
    pub fn forget_listing(&mut self) {
        self.listing = None;
    }

    /// Forget everything (the configuration changed).
    pub fn clear(&mut self) {
        let pool = self.pool.take();
        *self = ChainCache { pool, ..ChainCache::default() };
    }
}

fn buffer_version(text: &str) -> Version {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    Version::Buffer(hasher.finish())
}

impl Engine {
    /// The chain findings of the folder `root`, with `buffers` (display path -> text) in place of
    /// the files on disk. Sorted and fingerprinted like a run's; empty when no chain rule is
    /// enabled.
    pub fn check_chain_in(
        &self,
        root: &Path,
        buffers: &BTreeMap<String, String>,
        cache: &mut ChainCache,
    ) -> Vec<Finding> {
        cache.last_analysed = 0;
        if !self.runs_chain_rules() {
            return Vec::new();
        }
        let listing = cache.listing.get_or_insert_with(|| {
            let mut files = Vec::new();
            // An unreadable exclude list leaves the folder unfiltered rather than unlinked.
            let excludes = Excludes::new(&self.config().exclude).or_else(|_| Excludes::new(&[]));
            if let Ok(excludes) = excludes {
                discover::walk(root, &[root.to_path_buf()], &excludes, DEFAULT_MAX_FILE_SIZE, &mut |c| {
                    if classify::by_path(&c.display).is_some() {
                        files.push((c.display, c.path));
                    }
                });
            }
            files.sort();
            files
        });
        // Buffers of files not yet on disk count too.
        let mut files: BTreeMap<&str, PathBuf> =
            listing.iter().map(|(display, path)| (display.as_str(), path.clone())).collect();
        for display in buffers.keys() {
            if classify::by_path(display).is_some() {
                files.entry(display.as_str()).or_insert_with(|| root.join(display));
            }
        }
        let versions: Vec<(&str, &PathBuf, Version)> = files
            .iter()
            .map(|(display, path)| {
                let version = match buffers.get(*display) {
                    Some(text) => buffer_version(text),
                    None => {
                        let metadata = std::fs::metadata(path).ok();
                        let modified = metadata.as_ref().and_then(|m| m.modified().ok());
                        Version::Disk(modified, metadata.map_or(0, |m| m.len()))
                    }
                };
                (*display, path, version)
            })
            .collect();
        let stale: Vec<&(&str, &PathBuf, Version)> = versions
            .iter()
            .filter(|(display, _, version)| cache.facts.get(*display).is_none_or(|c| &c.version != version))
            .collect();
        let surroundings = Surroundings::new(RunOptions::default().relevance_test);
        if cache.pool.is_none() {
            cache.pool = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_SIZE).build().ok();
        }
        let analyse = || -> Vec<(String, Cached)> {
            stale
                .par_iter()
                .map(|(display, path, version)| {
                    let retained = match buffers.get(*display) {
                        Some(text) => self.chain_facts(display, text.clone(), path, &surroundings),
                        None => read_file(path, DEFAULT_MAX_FILE_SIZE).ok().and_then(|bytes| {
                            match decode(bytes) {
                                Decoded::Utf8(text) | Decoded::Utf16(text) => {
                                    self.chain_facts(display, text, path, &surroundings)
                                }
                                _ => None,
                            }
                        }),
                    };
                    (display.to_string(), Cached { version: version.clone(), retained })
                })
                .collect()
        };
        let analysed = match &cache.pool {
            Some(pool) => pool.install(analyse),
            None => analyse(),
        };
        cache.last_analysed = analysed.len();
        cache.facts.extend(analysed);
        cache.facts.retain(|display, _| files.contains_key(display.as_str()));
        // In path order, as a run links, so the chain does not depend on the order of analysis.
        let mut retained: Vec<&Retained> = Vec::new();
        for display in files.keys() {
            if let Some(kept) = cache.facts.get(*display).and_then(|c| c.retained.as_ref()) {
                retained.push(kept);
            }
        }
        if retained.iter().all(|kept| kept.trusts.is_empty()) {
            return Vec::new();
        }
        let has_callers = retained.iter().any(|kept| !kept.workflows.is_empty());
        let settings = self.chain_settings(
            root,
            &[root.to_path_buf()],
            &RunOptions::default(),
            has_callers,
            &mut Vec::new(),
        );
        let chain = link_retained(&retained, &settings);
        let mut findings = self.judge_chain(&chain, &retained);
        finish(&mut findings);
        findings
    }

    /// What one file contributes to the chain, from `text`.
    fn chain_facts(
        &self,
        display: &str,
        text: String,
        path: &Path,
        surroundings: &Surroundings,
    ) -> Option<Retained> {
        let input = classify::by_path(display).and_then(|class| classify::by_content(class, &text))?;
        let file = SourceFile::new(display, text);
        let analysis = inputs::analyze(&file, input, &Siblings::of(Some(path), surroundings))?;
        Retained::of(&file, &analysis)
    }
}
