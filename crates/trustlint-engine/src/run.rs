//! The run: read candidates in parallel (one parser per thread), analyse each with its frontend,
//! apply the rules, suppressions and severity remaps, then sort and fingerprint so the output is
//! byte-identical whatever the number of threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;
use trustlint_core::fingerprint::fingerprint;
use trustlint_core::read::{ReadError, read_file, read_listed_file};
use trustlint_core::{Finding, Location, Severity, SourceFile, Span};
use trustlint_frontends::pulumi::{Siblings, Surroundings};
use trustlint_frontends::{Analysis, inputs};
use trustlint_link::{Chain, Repository, RepositorySource, Settings};
use trustlint_model::workflow::{Job, Step, Workflow, login_request};
use trustlint_rules::ActiveRule;

use crate::classify::{self, Recognised};
use crate::config::{Config, ConfigError};
use crate::decode::{Decoded, decode};
use crate::discover::{self, Excludes};
use crate::mask::mask_credentials;
use crate::suppress;

/// Files larger than this are skipped with a note: no trust policy or template is this big.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

pub(crate) const WORKER_STACK_SIZE: usize = 16 * 1024 * 1024;

/// `--threads` beyond this many per core only adds stacks and switching: the work is reading and
/// parsing, not waiting.
pub const THREADS_PER_CORE: usize = 4;

/// The most worker threads a run starts: [`THREADS_PER_CORE`] per core.
pub fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from) * THREADS_PER_CORE
}

#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Only these rules (empty: all).
    pub select: Vec<String>,
    /// Not these rules.
    pub ignore: Vec<String>,
    pub threads: Option<usize>,
    pub max_file_size: u64,
    /// Skip Pulumi programs that cannot contribute a fact (see `pulumi::relevance`). Off only
    /// to prove that it changes no finding.
    pub relevance_test: bool,
    /// Fixes are applied or rendered; when not, rules need not build and verify them.
    pub fixes: bool,
    /// `--repository`: the repository scanned, when `trustlint.toml` does not say.
    pub repository: Option<String>,
    /// Keep the trust chain in the result even when no chain rule runs (`trustlint map`).
    pub keep_chain: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            select: Vec::new(),
            ignore: Vec::new(),
            threads: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            relevance_test: true,
            fixes: true,
            repository: None,
            keep_chain: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct RunResult {
    /// Sorted; includes suppressed findings (renderers decide what to show).
    pub findings: Vec<Finding>,
    pub files_scanned: usize,
    pub notes: Vec<String>,
    pub stats: RunStats,
    /// The trust chain, when a chain rule ran or it was asked for.
    pub chain: Option<Chain>,
}

/// What one file contributes to the trust chain, kept until every file is analysed.
#[derive(Debug, Default)]
pub(crate) struct Retained {
    /// The file's path, the order in which files are linked.
    path: String,
    pub(crate) trusts: Vec<trustlint_model::Trust>,
    grants: Vec<trustlint_model::Grant>,
    pub(crate) workflows: Vec<Workflow>,
    /// Its suppression comments, for chain findings whose primary location is in this file.
    comments: Vec<suppress::IgnoreComment>,
}

impl Retained {
    pub(crate) fn of(file: &Arc<SourceFile>, analysis: &Analysis) -> Option<Retained> {
        let facts = &analysis.facts;
        // Only workflows with a job that logs in or calls a reusable workflow can be callers, and
        // only those jobs, their login steps and the steps that read a Pulumi stack output for
        // a login are read by the link pass: the rest of a workflow is not kept until every
        // file is read.
        let can_call =
            |job: &Job| !job.token_requests.is_empty() || job.call.is_some() || !job.id_tokens.is_empty();
        let is_login = |step: &Step| {
            step.uses.as_ref().is_some_and(|action| login_request(action, step).is_some())
                || trustlint_link::stack_output::may_read_stack(step)
        };
        let workflows: Vec<Workflow> = facts
            .workflows
            .iter()
            .filter(|w| w.is_reusable() || w.jobs.iter().any(can_call))
            .map(|w| {
                let mut kept = w.clone();
                kept.jobs.retain(can_call);
                kept.jobs.shrink_to_fit();
                for job in &mut kept.jobs {
                    job.steps.retain(is_login);
                    job.steps.shrink_to_fit();
                }
                kept
            })
            .collect();
        if facts.trusts.is_empty() && workflows.is_empty() {
            return None;
        }
        Some(Retained {
            path: file.path().to_string(),
            trusts: facts.trusts.clone(),
            grants: if facts.trusts.is_empty() { Vec::new() } else { facts.grants.clone() },
            workflows,
            comments: suppress::ignore_comments(file, &analysis.comments),
        })
    }
}

/// What a run read and parsed; printed on standard error when `TRUSTLINT_STATS` is set, never
/// part of a report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunStats {
    /// Files read whole.
    pub files_read: usize,
    /// Files a frontend parsed (programs, templates, workflows, policies, stack files).
    pub files_parsed: usize,
    /// Pulumi programs the relevance test found unable to contribute a fact: not parsed.
    pub programs_skipped: usize,
    /// Folders whose stack and project files were read, and sibling modules read.
    pub folders_read: usize,
    pub modules_read: usize,
    /// Edited files analysed again to check the fixes offered.
    pub fixes_reanalysed: usize,
}

impl std::fmt::Display for RunStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "files read {}, parsed {}, programs skipped by the relevance test {}, folders read {}, sibling modules read {}, fixes re-analysed {}",
            self.files_read,
            self.files_parsed,
            self.programs_skipped,
            self.folders_read,
            self.modules_read,
            self.fixes_reanalysed
        )
    }
}

/// The rules and settings of a run; also used by the language server to check one file.
pub struct Engine {
    rules: Vec<ActiveRule>,
    config: Config,
    enabled_ids: Vec<&'static str>,
    fixes: bool,
    /// Edited files analysed again to check fixes, over the engine's life.
    fix_reanalyses: AtomicUsize,
}

impl Engine {
    pub fn new(config: Config, options: &RunOptions) -> Result<Engine, ConfigError> {
        for id in options.select.iter().chain(&options.ignore) {
            if trustlint_rules::catalog::find(id).is_none() {
                return Err(ConfigError::quoting(
                    &format!("unknown rule id `{id}` (see `trustlint rules`)"),
                    &[],
                ));
            }
        }
        let enabled = |id: &str| {
            (options.select.is_empty() || options.select.iter().any(|s| s == id))
                && !options.ignore.iter().any(|s| s == id)
                && !config.disabled.iter().any(|s| s == id)
        };
        let rules: Vec<ActiveRule> = trustlint_rules::registry()
            .into_iter()
            .filter(|rule| enabled(rule.id()))
            .filter_map(|rule| {
                let meta = trustlint_rules::catalog::find(rule.id())?;
                Some(ActiveRule { options: config.options_for(rule.id()), meta, rule })
            })
            .collect();
        let enabled_ids =
            trustlint_rules::catalog::all().iter().map(|m| m.id).filter(|id| enabled(id)).collect();
        Ok(Engine { rules, config, enabled_ids, fixes: options.fixes, fix_reanalyses: AtomicUsize::new(0) })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn is_enabled(&self, id: &str) -> bool {
        self.enabled_ids.contains(&id)
    }

    /// How many edited files were analysed again to check fixes (none when fixes are neither
    /// applied nor shown, at most one per fixed file otherwise, bar overlapping fixes).
    pub fn fix_reanalyses(&self) -> usize {
        self.fix_reanalyses.load(Ordering::Relaxed)
    }

    /// Check the postconditions of the fixes in `findings` ([`crate::fix::settle_fixes`]);
    /// `disk_path` gives where a file of a report path was read.
    fn settle_fixes(
        &self,
        findings: &mut [Finding],
        disk_path: &(dyn Fn(&str) -> PathBuf + Sync),
        surroundings: &Surroundings,
    ) {
        crate::fix::settle_fixes(findings, self.fixes, &|file| {
            self.fix_reanalyses.fetch_add(1, Ordering::Relaxed);
            crate::fix::reanalyse(file, &disk_path(file.path()), surroundings)
        });
    }

    /// Check one file whose input is known; `disk_path` is where it was read from, if anywhere
    /// (Pulumi programs read the stack files and sibling modules next to it).
    pub fn check_source_at(
        &self,
        file: &Arc<SourceFile>,
        input: Recognised,
        disk_path: Option<&Path>,
    ) -> Vec<Finding> {
        let surroundings = Surroundings::default();
        self.check_source_in(file, input, &Siblings::of(disk_path, &surroundings), false).0
    }

    /// [`Engine::check_source_at`] with the run's cache of program folders; also says whether a
    /// frontend parsed the file.
    fn check_source_in(
        &self,
        file: &Arc<SourceFile>,
        input: Recognised,
        siblings: &Siblings<'_>,
        keep: bool,
    ) -> (Vec<Finding>, bool, Option<Retained>) {
        let Some(analysis) = inputs::analyze(file, input, siblings) else {
            // Nothing in it can become a fact: only text rules apply, as to any other file.
            return (self.check_plain_text(file), false, None);
        };
        let retained = if keep { Retained::of(file, &analysis) } else { None };
        (self.judge(file, analysis, true), true, retained)
    }

    /// Check one file from its path and text alone, as if it had no neighbours: `None` when no
    /// enabled rule reads the file.
    pub fn check_text(&self, display: &str, text: &str) -> Option<Vec<Finding>> {
        self.check_text_at(display, text, None)
    }

    /// Check one file shown as `display` (the language server's entry point); `disk_path` is
    /// where it lives, whose folder holds the stack files and sibling modules a Pulumi program
    /// reads. `None` when no enabled rule reads the file.
    pub fn check_text_at(&self, display: &str, text: &str, disk_path: Option<&Path>) -> Option<Vec<Finding>> {
        let input = classify::by_path(display).and_then(|class| classify::by_content(class, text));
        let mut findings = match input {
            Some(input) => self.check_source_at(&SourceFile::new(display, text), input, disk_path),
            // Text rules (credential literals) read every file.
            None if self.has_text_rules() => self.check_plain_text(&SourceFile::new(display, text)),
            None => return None,
        };
        // Sorted, de-duplicated (a program evaluated once per stack repeats facts) and
        // fingerprinted, exactly as a whole run does.
        finish(&mut findings);
        self.settle_fixes(&mut findings, &|display| PathBuf::from(display), &Surroundings::default());
        Some(findings)
    }

    /// `real_comments`: the comments come from a parser. Markers found by a plain-text scan may be
    /// prose (documentation quoting the syntax, a report quoting a message), so they suppress but
    /// are never reported as naming unknown rules.
    fn judge(&self, file: &Arc<SourceFile>, analysis: Analysis, real_comments: bool) -> Vec<Finding> {
        let mut findings = Vec::new();
        if !analysis.problems.is_empty() && self.is_enabled(trustlint_rules::PARSE_ERROR) {
            let credentials = trustlint_rules::secrets::credential_spans(file.text());
            let known: Vec<&str> = credentials.iter().map(|&span| file.slice(span)).collect();
            for problem in &analysis.problems {
                findings.push(parse_error(file, problem, &known));
            }
        }
        trustlint_rules::judge_facts(&self.rules, self.fixes, file, &analysis.facts, &mut findings);
        let comments = suppress::ignore_comments(file, &analysis.comments);
        if real_comments && self.is_enabled(trustlint_rules::UNKNOWN_RULE_IN_IGNORE) {
            let known = |id: &str| trustlint_rules::catalog::find(id).is_some();
            findings.extend(suppress::unknown_rules(file, &comments, &known));
        }
        for finding in &mut findings {
            // A remap sets the rule's severity; its informational findings (documented example
            // keys) stay informational.
            if let Some(severity) = self.config.severity.get(finding.rule)
                && finding.severity != Severity::Info
            {
                finding.severity = *severity;
            }
        }
        suppress::apply(&mut findings, &comments, &self.config.ignore);
        mask_credentials(&mut findings);
        findings
    }

    /// Check a file that no frontend reads: only text rules (credential literals) apply.
    fn check_plain_text(&self, file: &Arc<SourceFile>) -> Vec<Finding> {
        let comments = marker_comments(file.text());
        self.judge(file, Analysis { comments, ..Analysis::default() }, false)
    }

    fn has_text_rules(&self) -> bool {
        self.rules.iter().any(|active| active.rule.reads_text())
    }

    /// True when a chain rule is enabled: facts are then kept for linking.
    pub(crate) fn runs_chain_rules(&self) -> bool {
        self.rules.iter().any(|active| active.rule.reads_chain())
    }

    /// Read and check one candidate; keep what it contributes to the trust chain when `keep`.
    fn check_candidate(
        &self,
        candidate: &discover::Candidate,
        max_size: u64,
        surroundings: &Surroundings,
        keep: bool,
    ) -> Checked {
        let class = classify::by_path(&candidate.display);
        if class.is_none() && !self.has_text_rules() {
            return Checked::default();
        }
        // Walked files were listed as regular files: no need to look before opening.
        let read = if candidate.explicit { read_file } else { read_listed_file };
        let bytes = match read(&candidate.path, max_size) {
            Ok(bytes) => bytes,
            Err(error @ (ReadError::TooLarge { .. } | ReadError::NotRegular(_))) => {
                return Checked::note(format!("skipped {}: {error}", candidate.display));
            }
            Err(error) => {
                return Checked::note(format!("skipped {}: cannot read: {error}", candidate.display));
            }
        };
        let (text, valid_up_to) = match decode(bytes) {
            Decoded::Utf8(text) | Decoded::Utf16(text) => (text, None),
            // NULs: a binary, or text with a few NULs. Secret scanners read the text around
            // them; so do the text rules here, and no frontend parses it. The only text rule
            // finds nothing without a keyword: most binaries are never made text.
            Decoded::Binary(bytes) if self.has_text_rules() => {
                if !trustlint_rules::secrets::may_find(&candidate.display, &bytes) {
                    return Checked { read: true, ..Checked::default() };
                }
                let text = crate::decode::text_of_binary(bytes);
                let findings = self.check_plain_text(&SourceFile::new(&candidate.display, text));
                return Checked { read: true, findings, ..Checked::default() };
            }
            Decoded::Binary(_) => return Checked::default(),
            Decoded::Lossy { text, valid_up_to } => (text, Some(valid_up_to)),
        };
        match valid_up_to {
            None => {
                let kind = class.and_then(|class| classify::by_content(class, &text));
                let file = SourceFile::new(&candidate.display, text);
                let (findings, parsed, retained) = match kind {
                    Some(input) => {
                        let siblings = Siblings::of(Some(&candidate.path), surroundings);
                        self.check_source_in(&file, input, &siblings, keep)
                    }
                    None => (self.check_plain_text(&file), false, None),
                };
                Checked { read: true, parsed, findings, note: None, retained }
            }
            Some(valid) => {
                let relevant = class.is_some_and(|class| classify::by_content(class, &text).is_some());
                if !relevant && self.has_text_rules() {
                    // A file in another encoding (a Latin-1 config) can still hold a key: text rules
                    // read it with the invalid bytes replaced, which keeps its lines.
                    let findings = self.check_plain_text(&SourceFile::new(&candidate.display, text));
                    return Checked { read: true, findings, ..Checked::default() };
                }
                if !relevant || !self.is_enabled(trustlint_rules::PARSE_ERROR) {
                    return Checked { read: true, ..Checked::default() };
                }
                let file = SourceFile::new(&candidate.display, text);
                let message = format!("invalid UTF-8 at byte {valid}");
                let mut findings = vec![parse_error(
                    &file,
                    &trustlint_frontends::Problem {
                        span: Span::new(valid, valid + 1),
                        message,
                        rest_checked: false,
                    },
                    &[],
                )];
                mask_credentials(&mut findings);
                Checked { read: true, findings, ..Checked::default() }
            }
        }
    }

    /// Discover, read and check everything under `paths`.
    pub fn run(
        &self,
        root: &Path,
        paths: &[PathBuf],
        options: &RunOptions,
    ) -> Result<RunResult, ConfigError> {
        let excludes = Excludes::new(&self.config.exclude)?;
        let surroundings = Surroundings::new(options.relevance_test);
        let max_size = options.max_file_size;
        let keep = options.keep_chain || self.runs_chain_rules();
        // A big vector grows in place (its pages are remapped, not copied), and its spare
        // capacity is never touched, so it costs only the findings it holds.
        let all_findings = Mutex::new(Vec::new());
        // Fixes are settled by the workers and, for the chain's findings, at the end.
        let reanalyses = self.fix_reanalyses();
        // Files are checked while the walk goes on (the walk itself is sequential); the order
        // results arrive in does not matter, they are sorted at the end.
        let work = || {
            let (sender, receiver) = std::sync::mpsc::channel();
            rayon::join(
                move || {
                    discover::walk(root, paths, &excludes, max_size, &mut |candidate| {
                        let _ = sender.send(candidate);
                    })
                },
                || {
                    receiver
                        .into_iter()
                        .par_bridge()
                        .map(|candidate| {
                            let mut checked = self.check_candidate(&candidate, max_size, &surroundings, keep);
                            // Gathered as they come: holding every file's vector until the walk
                            // ends and then copying them into one held the findings twice.
                            let mut file_findings = std::mem::take(&mut checked.findings);
                            // A fix's condition holds a good part of the file's facts: settle it
                            // now, when all the fixes it must be checked beside are at hand.
                            if fixes_all_in(&file_findings, &candidate.display) {
                                let disk_path = |_: &str| candidate.path.clone();
                                self.settle_fixes(&mut file_findings, &disk_path, &surroundings);
                            }
                            if !file_findings.is_empty() {
                                all_findings
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .extend(file_findings);
                            }
                            checked
                        })
                        .collect::<Vec<_>>()
                },
            )
        };
        // Parsers and the program evaluator recurse (with depth limits); give workers more stack
        // than the 2 MiB default so a deep but legal file is read rather than cut short.
        let threads = options.threads.unwrap_or(0).min(max_threads());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(WORKER_STACK_SIZE)
            .build()
            .map_err(|e| ConfigError(format!("cannot start {threads} threads: {e}")))?;
        let results = pool.install(work);
        let (mut notes, results) = results;
        let mut findings = all_findings.into_inner().unwrap_or_else(PoisonError::into_inner);
        let mut stats = RunStats::default();
        let mut retained = Vec::new();
        for checked in results {
            retained.extend(checked.retained);
            stats.files_read += usize::from(checked.read);
            stats.files_parsed += usize::from(checked.parsed);
            notes.extend(checked.note);
        }
        let counters = &surroundings.counters;
        stats.programs_skipped = counters.programs_skipped.load(Ordering::Relaxed);
        stats.folders_read = counters.folders_read.load(Ordering::Relaxed);
        stats.modules_read = counters.modules_read.load(Ordering::Relaxed);
        // The chain rules judge trusts: with none in the run, the callers need not be worked out
        // unless the map asked for them.
        let keep = keep && (options.keep_chain || retained.iter().any(|kept| !kept.trusts.is_empty()));
        let chain = if keep {
            // Files arrive in any order: link them in path order, so the chain is the same on
            // any thread count.
            retained.sort_by(|a, b| a.path.cmp(&b.path));
            let has_callers = retained.iter().any(|kept| !kept.workflows.is_empty());
            let settings = self.chain_settings(root, paths, options, has_callers, &mut notes);
            let retained: Vec<&Retained> = retained.iter().collect();
            let chain = pool.install(|| link_retained(&retained, &settings));
            findings.extend(self.judge_chain(&chain, &retained));
            // Kept only when asked for (the map): on a big tree the callers' claims are tens of
            // megabytes that a check no longer needs once the chain rules have run.
            options.keep_chain.then_some(chain)
        } else {
            None
        };
        finish(&mut findings);
        pool.install(|| self.settle_fixes(&mut findings, &|display| root.join(display), &surroundings));
        stats.fixes_reanalysed = self.fix_reanalyses() - reanalyses;
        notes.sort();
        Ok(RunResult { findings, files_scanned: stats.files_read, notes, stats, chain })
    }
    /// The repository and the inputs only configuration gives: `repository` in trustlint.toml,
    /// else `--repository`, else the `origin` remote of the scanned folder's `.git/config`.
    pub(crate) fn chain_settings(
        &self,
        root: &Path,
        paths: &[PathBuf],
        options: &RunOptions,
        has_callers: bool,
        notes: &mut Vec<String>,
    ) -> Settings {
        let chain = &self.config.chain;
        let folders: Vec<&Path> = match paths {
            [only] if only.is_dir() => vec![only.as_path(), root],
            _ => vec![root],
        };
        let repository = match (&chain.repository, &options.repository) {
            (Some(path), _) => Some(Repository::new(path, RepositorySource::Config)),
            (None, Some(path)) => Some(Repository::new(path, RepositorySource::CommandLine)),
            (None, None) => folders
                .iter()
                .find_map(|folder| trustlint_link::repository::from_git_config(folder))
                .map(|(url, path)| Repository::new(path, RepositorySource::GitRemote(url))),
        };
        let repository = repository.map(|mut repo| {
            repo.repository_id = chain.repository_id.clone();
            repo.owner_id = chain.repository_owner_id.clone();
            repo.claim_keys = chain.subject_claim_keys.clone();
            repo.default_branch = chain
                .default_branch
                .clone()
                .or_else(|| folders.iter().find_map(|f| trustlint_link::repository::default_branch(f)));
            repo
        });
        // Said only where it matters: a job in the tree logs in, and its subject stays unknown.
        if repository.is_none() && has_callers {
            notes.push(
                "the repository is not known, so the subjects of CI tokens are not either: set `repository` in trustlint.toml or pass `--repository`".into(),
            );
        }
        Settings { repository, variables: chain.variables.clone(), links: chain.links.clone() }
    }

    /// Run the chain rules, then apply severity remaps, suppressions (inline comments of the
    /// primary file, config entries) and masking, as for per-file findings.
    pub(crate) fn judge_chain(&self, chain: &Chain, retained: &[&Retained]) -> Vec<Finding> {
        let mut findings = Vec::new();
        trustlint_rules::judge_chain(&self.rules, self.fixes, chain, &mut findings);
        for finding in &mut findings {
            if let Some(severity) = self.config.severity.get(finding.rule) {
                finding.severity = *severity;
            }
        }
        let mut comments: HashMap<&str, Vec<suppress::IgnoreComment>> = HashMap::new();
        for kept in retained {
            let path = kept
                .trusts
                .first()
                .map(|t| t.file.path())
                .or_else(|| kept.workflows.first().map(|w| w.file.path()));
            if let Some(path) = path {
                comments.entry(path).or_default().extend(kept.comments.iter().cloned());
            }
        }
        for finding in &mut findings {
            let file_comments = comments.get(finding.primary.path()).map_or(&[][..], Vec::as_slice);
            suppress::apply(std::slice::from_mut(finding), file_comments, &self.config.ignore);
        }
        mask_credentials(&mut findings);
        findings
    }
}

/// Link the facts kept from every file (in path order, so the chain is the same on any thread
/// count).
pub(crate) fn link_retained(retained: &[&Retained], settings: &Settings) -> Chain {
    let trusts: Vec<trustlint_model::Trust> =
        retained.iter().flat_map(|r| r.trusts.iter().cloned()).collect();
    let grants: Vec<trustlint_model::Grant> =
        retained.iter().flat_map(|r| r.grants.iter().cloned()).collect();
    let workflows: Vec<&Workflow> = retained.iter().flat_map(|r| r.workflows.iter()).collect();
    trustlint_link::link(trusts, &grants, &workflows, settings)
}

/// Whether every fix in `findings` that still has a condition to check edits the file shown as
/// `display`: fixes of one file are settled together, so a file's fixes can be settled as soon as
/// it is checked unless some edit another file (those wait for the end of the run).
fn fixes_all_in(findings: &[Finding], display: &str) -> bool {
    findings
        .iter()
        .filter_map(|finding| finding.fix.as_ref())
        .filter(|fix| fix.postcondition.is_some())
        .all(|fix| fix.file.path() == display)
}

/// What checking one candidate gave.
#[derive(Default)]
struct Checked {
    read: bool,
    parsed: bool,
    findings: Vec<Finding>,
    note: Option<String>,
    retained: Option<Retained>,
}

impl Checked {
    fn note(note: String) -> Checked {
        Checked { note: Some(note), ..Checked::default() }
    }
}

/// Files no frontend parses have no known comment syntax: a `trustlint: ignore[...]` marker on a
/// line counts as a comment from its leader (`#`, `//`, `<!--`, ...) to the end of the line, so
/// suppressions work in `.env` files, scripts and docs too.
fn marker_comments(text: &str) -> Vec<trustlint_syntax::Comment> {
    const MARKER: &str = "trustlint: ignore[";
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let mut comments = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(at) = line.find(MARKER) {
            let leader = line[..at].trim_end_matches(|c: char| c.is_whitespace() || "#/!<-;*%'".contains(c));
            let end = line.trim_end_matches(['\n', '\r']).len();
            comments.push(trustlint_syntax::Comment {
                text: line[at..end].to_string(),
                span: Span::new(line_start + leader.len(), line_start + end),
            });
        }
        line_start += line.len();
    }
    comments
}

fn parse_error(file: &Arc<SourceFile>, problem: &trustlint_frontends::Problem, known: &[&str]) -> Finding {
    let severity = trustlint_rules::catalog::default_severity(trustlint_rules::PARSE_ERROR);
    let message = trustlint_rules::secrets::redact_quotes(
        &problem.message,
        known,
        trustlint_rules::secrets::QUOTE_CHARS,
    );
    let finding = |message: String| {
        Finding::new(trustlint_rules::PARSE_ERROR, severity, Location::new(file, problem.span), message)
    };
    if problem.rest_checked {
        finding(format!("{message}; the rest of the file was checked.")).with_help(
            "Flatten the nesting at this position (name intermediate values), or review it by hand.",
        )
    } else {
        finding(format!("{message}; the file was not checked."))
            .with_help("Fix the syntax at this position, or exclude the file in trustlint.toml.")
    }
}

/// Sort into the one output order and give each finding its content fingerprint.
pub fn finish(findings: &mut Vec<Finding>) {
    // In place (a stable sort would allocate half the findings again). Files arrive in any
    // order, so the order is made total over what a report shows: which of two findings with the
    // same key survives the de-duplication never depends on arrival.
    findings.sort_unstable_by(shown_order);
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    // Findings are sorted by file, so occurrences are counted one file at a time: the map never
    // holds more than one file's findings.
    let mut seen: HashMap<(&'static str, String), usize> = HashMap::new();
    let mut file = String::new();
    for finding in findings.iter_mut() {
        if finding.primary.path() != file {
            seen.clear();
            file = finding.primary.path().to_string();
        }
        let basis = finding.fingerprint_basis.clone().unwrap_or_else(|| finding.primary.text().to_string());
        let occurrence = seen.entry((finding.rule, basis.clone())).or_insert(0);
        finding.fingerprint = fingerprint(finding.rule, finding.primary.path(), &basis, *occurrence);
        *occurrence += 1;
    }
}

/// The report order: by [`Finding::sort_key`], then by everything else a report shows.
fn shown_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    fn related(f: &Finding) -> impl Iterator<Item = (&str, usize, usize, &str)> {
        f.related
            .iter()
            .map(|r| (r.location.path(), r.location.span.start, r.location.span.end, r.message.as_str()))
    }
    fn fix(f: &Finding) -> Option<(bool, &str, &str)> {
        f.fix.as_ref().map(|fix| (fix.safe, fix.description.as_str(), fix.file.path()))
    }
    fn edits(f: &Finding) -> impl Iterator<Item = (usize, usize, &str)> {
        f.fix.iter().flat_map(|fix| &fix.edits).map(|e| (e.span.start, e.span.end, e.replacement.as_str()))
    }
    a.sort_key()
        .cmp(&b.sort_key())
        .then_with(|| a.help.cmp(&b.help))
        .then_with(|| {
            (a.severity.as_str(), a.confidence.as_str()).cmp(&(b.severity.as_str(), b.confidence.as_str()))
        })
        .then_with(|| a.fingerprint_basis.cmp(&b.fingerprint_basis))
        .then_with(|| related(a).cmp(related(b)))
        .then_with(|| fix(a).cmp(&fix(b)))
        .then_with(|| edits(a).cmp(edits(b)))
}

/// True when a finding that is not suppressed reaches the threshold.
pub fn fails(findings: &[Finding], threshold: Severity) -> bool {
    findings.iter().any(|f| f.suppression.is_none() && f.severity >= threshold)
}
