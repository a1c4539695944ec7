//! The `trustlint` command line: subcommands, options and exit codes only. Exit 0 when nothing at
//! or above the threshold remains, 1 when something does, 2 for usage or configuration errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use trustlint_core::terminal::escape_controls;
use trustlint_core::{BaselineState, Finding, Severity};
use trustlint_engine::baseline::Baseline;
use trustlint_engine::write::{write_atomically, write_atomically_with};
use trustlint_engine::{Config, Engine, RunOptions, RunResult};
use trustlint_report::{AbsentFinding, Format, RenderOptions, Report};

#[derive(Parser)]
#[command(
    name = "trustlint",
    version = env!("TRUSTLINT_VERSION_TEXT"),
    about = "Offline static analysis of OIDC trust: who can assume your cloud roles"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files and folders (default: the current folder).
    // Boxed: the check options dwarf the other subcommands.
    Check(Box<CheckArgs>),
    /// List the rules.
    Rules,
    /// Print a rule's document.
    Explain {
        /// The rule id, e.g. `oidc-wildcard-subject`.
        rule: String,
    },
    /// Run the language server over standard input and output (for editors; see docs/editors.md).
    Server,
    /// Draw the trust chain: which CI job can become which cloud identity, and who else can.
    Map(MapArgs),
}

#[derive(Args)]
struct MapArgs {
    /// Files or folders to map (default: the current folder).
    paths: Vec<PathBuf>,
    /// Output format (see docs/map-output.md).
    #[arg(long, value_enum, default_value = "human")]
    format: trustlint_engine::map::Format,
    /// Write the map to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Configuration file [default: trustlint.toml at the scan root].
    #[arg(long)]
    config: Option<PathBuf>,
    /// The repository scanned (`owner/name`, or a GitLab project path) when trustlint.toml does
    /// not say [default: the `origin` remote in .git/config].
    #[arg(long)]
    repository: Option<String>,
    /// Worker threads [default: one per core].
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Args)]
struct CheckArgs {
    /// Files or folders to check. Files named here are always checked, even if .gitignored.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write the report to this file instead of standard output (replaced whole, never written
    /// through a link, never an input of the run).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: low, or `fail-on` in trustlint.toml].
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
    /// Only run these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Configuration file [default: trustlint.toml at the scan root].
    #[arg(long)]
    config: Option<PathBuf>,
    /// Worker threads [default: one per core; at most 4 per core].
    #[arg(long)]
    threads: Option<usize>,
    /// Exit 0 even when findings remain (errors still exit 2).
    #[arg(long)]
    exit_zero: bool,
    /// Also show suppressed findings (SARIF always includes them, marked as suppressed).
    #[arg(long)]
    show_suppressed: bool,
    /// Apply the fixes marked safe (for example moving `id-token: write` to the jobs that log
    /// in), then check again and report what remains.
    #[arg(long)]
    fix: bool,
    /// Report only findings not recorded in this baseline (see --write-baseline); SARIF still
    /// lists the recorded ones, with `baselineState` `unchanged`.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record the current findings in FILE as the accepted baseline, then exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// The repository scanned (`owner/name`, or a GitLab project path) when trustlint.toml does
    /// not say [default: the `origin` remote in .git/config]; the trust-chain rules need it.
    #[arg(long)]
    repository: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => match check(*args) {
            Ok(code) => code,
            Err(message) => {
                say("error", &message);
                ExitCode::from(2)
            }
        },
        Command::Rules => {
            let mut out = String::new();
            for meta in trustlint_rules::catalog::all() {
                out.push_str(&format!("{:<30} {:<9} {}\n", meta.id, meta.default_severity, meta.summary));
            }
            print(&out)
        }
        Command::Explain { rule } => match trustlint_rules::catalog::find(&rule) {
            Some(meta) => print(&format!("{}\n", meta.doc.trim_end())),
            None => {
                eprintln!("trustlint: error: unknown rule `{rule}` (see `trustlint rules`)");
                ExitCode::from(2)
            }
        },
        Command::Map(args) => match map(args) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("trustlint: error: {message}");
                ExitCode::from(2)
            }
        },
        Command::Server => match trustlint_lsp::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                say("language server", &message);
                ExitCode::from(1)
            }
        },
    }
}

fn print(text: &str) -> ExitCode {
    match write_stdout(text) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`trustlint rules | head`) is the reader having seen enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say("error", &format!("cannot write to standard output: {e}"));
            ExitCode::from(2)
        }
    }
}

/// Write `text` to standard output and flush it, so that a failed write is seen.
fn write_stdout(text: &str) -> std::io::Result<()> {
    with_stdout(|out| out.write_all(text.as_bytes()))
}

/// Standard output, buffered, to `write`; flushed, so that a failed write is seen.
fn with_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    write(&mut stdout)?;
    stdout.flush()
}

/// `trustlint: <kind>: <text>` on standard error. The text may name files and quote values:
/// control characters are escaped so that it cannot restyle or rewrite the terminal.
fn say(kind: &str, text: &str) {
    eprintln!("trustlint: {kind}: {}", escape_controls(text));
}

/// The paths to check (default: the current folder), each one existing, and the configuration:
/// `--config`, else `trustlint.toml` in the one folder named.
fn paths_and_config(
    cwd: &Path,
    paths: &[PathBuf],
    config: Option<&Path>,
) -> Result<(Vec<PathBuf>, Config), String> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    // A mistyped path must not pass a CI gate as "no findings".
    if let Some(missing) = paths.iter().find(|path| !path.exists()) {
        return Err(format!("{}: no such file or folder", missing.display()));
    }
    let scan_root = match paths.as_slice() {
        [only] if only.is_dir() => only.clone(),
        _ => PathBuf::from("."),
    };
    let config = match config {
        Some(path) => Config::load(path),
        // Paths in a `trustlint.toml` found in the scan root are written from that folder.
        None => Config::discover(&scan_root).map(|config| config.rebased(&folder_prefix(cwd, &scan_root))),
    }
    .map_err(|e| e.to_string())?;
    Ok((paths, config))
}

/// `trustlint map`: run every rule (findings colour the map), link, and render.
fn map(args: MapArgs) -> Result<ExitCode, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let (paths, mut config) = paths_and_config(&cwd, &args.paths, args.config.as_deref())?;
    let checked = absolute(&cwd, &paths);
    let inputs: Vec<PathBuf> = checked.iter().cloned().chain(config.source.clone()).collect();
    if let Some(output) = &args.output {
        refuse_to_overwrite_an_input(&cwd, &inputs, output)?;
    }
    if let Some(exclude) = args.output.as_ref().and_then(|file| own_file_exclude(&cwd, file)) {
        config.exclude.push(exclude);
    }
    let format = args.format;
    let options = RunOptions {
        threads: capped_threads(args.threads),
        repository: args.repository.clone(),
        keep_chain: true,
        ..RunOptions::default()
    };
    let engine = Engine::new(config, &options).map_err(|e| e.to_string())?;
    let result = engine.run(&cwd, &checked, &options).map_err(|e| e.to_string())?;
    for note in &result.notes {
        say("note", note);
    }
    let chain = result.chain.unwrap_or_default();
    let rendered =
        trustlint_engine::map::render(&trustlint_engine::map::build(&chain, &result.findings), format);
    match &args.output {
        Some(path) => write_atomically(path, rendered.as_bytes())
            .map_err(|e| format!("cannot write the map to {}: {e}", path.display()))?,
        None => {
            write_stdout(&rendered).map_err(|e| format!("cannot write the map to standard output: {e}"))?
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let (paths, mut config) = paths_and_config(&cwd, &args.paths, args.config.as_deref())?;
    let checked = absolute(&cwd, &paths);
    // Refused before anything runs: a report or baseline written over an input destroys it.
    let inputs: Vec<PathBuf> =
        checked.iter().cloned().chain(config.source.clone()).chain(args.baseline.clone()).collect();
    for own in [&args.output, &args.write_baseline].into_iter().flatten() {
        refuse_to_overwrite_an_input(&cwd, &inputs, own)?;
    }
    // trustlint's own files are not inputs: a report or baseline quotes rule documents and messages.
    let own = [&args.output, &args.baseline, &args.write_baseline];
    config.exclude.extend(own.into_iter().flatten().filter_map(|file| own_file_exclude(&cwd, file)));
    let threshold = args.fail_on.or(config.fail_on).unwrap_or(Severity::Low);
    let threads = capped_threads(args.threads);
    let format = args.format;
    let options = RunOptions {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        threads,
        repository: args.repository.clone(),
        // Internal switch for measurements: parse every Pulumi program, relevant or not.
        relevance_test: std::env::var_os("TRUSTLINT_FULL_PARSE").is_none_or(|v| v.is_empty()),
        // GitHub annotations do not show fixes.
        fixes: args.fix || format != Format::Github,
        ..RunOptions::default()
    };
    let engine = Engine::new(config, &options).map_err(|e| e.to_string())?;
    let mut result = engine.run(&cwd, &checked, &options).map_err(|e| e.to_string())?;
    if args.fix {
        let outcome = trustlint_engine::fix::apply_safe_fixes(&cwd, &checked, &result.findings);
        for note in &outcome.notes {
            say("note", note);
        }
        let (fixes, files) = (outcome.applied, outcome.files.len());
        eprintln!("trustlint: applied {fixes} fix(es) to {files} file(s)");
        if fixes > 0 {
            result = engine.run(&cwd, &checked, &options).map_err(|e| e.to_string())?;
        }
    }
    if std::env::var_os("TRUSTLINT_STATS").is_some_and(|v| !v.is_empty()) {
        eprintln!("trustlint: stats: {}", result.stats);
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &result.findings);
    }
    let absent = apply_baseline(args.baseline.as_deref(), &cwd, &checked, &mut result)?;
    // Findings already in the baseline neither show nor fail; SARIF keeps them, marked unchanged.
    let unchanged = |f: &Finding| f.baseline == Some(BaselineState::Unchanged);
    let failed = !args.exit_zero
        && result
            .findings
            .iter()
            .any(|f| !unchanged(f) && trustlint_engine::fails(std::slice::from_ref(f), threshold));
    if format != Format::Sarif {
        // Dropped, not copied: with tens of thousands of findings a copy is most of the memory.
        result.findings.retain(|f| !unchanged(f));
    }
    for note in &result.notes {
        say("note", note);
    }
    let color = args.output.is_none()
        && format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let report = Report {
        findings: &result.findings,
        rules: trustlint_rules::catalog::all(),
        files_scanned: result.files_scanned,
        notes: &result.notes,
        absent: &absent,
        tool_version: env!("CARGO_PKG_VERSION"),
        tool_commit: Some(env!("TRUSTLINT_COMMIT")).filter(|commit| !commit.is_empty()),
    };
    let options = RenderOptions { color, show_suppressed: args.show_suppressed };
    // Streamed: tens of thousands of findings are written as they are rendered, never held whole.
    let render = |out: &mut dyn Write| trustlint_report::render_to(format, &report, &options, out);
    // A report that could not be written fails the run whatever `--exit-zero` says: a gate must
    // not pass on a report nobody can read.
    match &args.output {
        Some(path) => write_atomically_with(path, render)
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))?,
        None => {
            with_stdout(render).map_err(|e| format!("cannot write the report to standard output: {e}"))?
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `--threads`, capped at a multiple of the cores (a note says so when the request was over).
fn capped_threads(requested: Option<usize>) -> Option<usize> {
    requested.map(|requested| {
        let cap = trustlint_engine::run::max_threads();
        if requested > cap {
            say(
                "note",
                &format!(
                    "--threads {requested} is over the limit of {cap} ({} per core); using {cap}",
                    trustlint_engine::run::THREADS_PER_CORE
                ),
            );
        }
        requested.min(cap)
    })
}

/// An `exclude` glob matching exactly `file` as reports name it (`None` if it cannot be written
/// as one).
fn own_file_exclude(cwd: &Path, file: &Path) -> Option<String> {
    let display = trustlint_engine::discover::display_path(cwd, &cwd.join(file));
    if display.contains('\\') {
        return None;
    }
    Some(
        display
            .chars()
            .map(|c| if "*?[]{}".contains(c) { format!("[{c}]") } else { c.to_string() })
            .collect(),
    )
}

/// `--write-baseline`: record the findings that are not suppressed.
fn write_baseline(path: &Path, findings: &[Finding]) -> Result<ExitCode, String> {
    let baseline = Baseline::from_findings(findings);
    baseline.write(path).map_err(|e| e.to_string())?;
    let count = baseline.findings.len();
    let noun = if count == 1 { "finding" } else { "findings" };
    let path = escape_controls(&path.to_string_lossy()).into_owned();
    eprintln!("trustlint: recorded {count} {noun} in the baseline {path}");
    Ok(ExitCode::SUCCESS)
}

/// `--baseline`: mark findings new or unchanged, note how many are hidden, and return the recorded
/// findings that are gone from the files this run checked.
fn apply_baseline(
    path: Option<&Path>,
    cwd: &Path,
    checked: &[PathBuf],
    result: &mut RunResult,
) -> Result<Vec<AbsentFinding>, String> {
    let Some(path) = path else { return Ok(Vec::new()) };
    let baseline = Baseline::load(path).map_err(|e| e.to_string())?;
    // The checked paths as reports show them (`.` for the current folder itself).
    let scope: Vec<String> = checked
        .iter()
        .map(|p| match p.strip_prefix(cwd) {
            Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
            _ => trustlint_engine::discover::display_path(cwd, p),
        })
        .collect();
    let absent = baseline.apply(&mut result.findings, &scope);
    let unchanged = result
        .findings
        .iter()
        .filter(|f| f.suppression.is_none() && f.baseline == Some(BaselineState::Unchanged))
        .count();
    if unchanged > 0 {
        let noun = if unchanged == 1 { "finding is" } else { "findings are" };
        result
            .notes
            .push(format!("{unchanged} {noun} recorded in the baseline {} and not reported", path.display()));
    }
    Ok(absent
        .into_iter()
        .map(|entry| AbsentFinding {
            rule: entry.rule,
            path: entry.path,
            message: entry.message,
            fingerprint: entry.fingerprint,
        })
        .collect())
}

/// Refuse to let `--output` or `--write-baseline` replace `own` when it is one of this run's
/// inputs: a file named on the command line, the configuration or baseline read, or a file under a
/// checked folder that trustlint checks (judged by its name and content, as the run would). A
/// symbolic link there is replaced, not followed, so only the link itself is at stake.
fn refuse_to_overwrite_an_input(cwd: &Path, inputs: &[PathBuf], own: &Path) -> Result<(), String> {
    let own_path = cwd.join(own);
    let is_file = std::fs::symlink_metadata(&own_path).is_ok_and(|m| m.is_file());
    let Some(real) = is_file.then(|| own_path.canonicalize().ok()).flatten() else { return Ok(()) };
    let refuse =
        |why: &str| Err(format!("refusing to write {}: it is {why}; choose another file", own.display()));
    for input in inputs {
        let Ok(input) = cwd.join(input).canonicalize() else { continue };
        if input == real {
            return refuse("an input of this run");
        }
        if input.is_dir() && real.starts_with(&input) {
            let display = trustlint_engine::discover::display_path(cwd, &own_path);
            let class = trustlint_engine::classify::by_path(&display);
            let text = || {
                let limit = trustlint_engine::run::DEFAULT_MAX_FILE_SIZE;
                let mut bytes = Vec::new();
                let file = std::fs::File::open(&own_path).ok()?;
                std::io::Read::read_to_end(&mut std::io::Read::take(file, limit), &mut bytes).ok()?;
                Some(String::from_utf8_lossy(&bytes).into_owned())
            };
            if let Some(class) = class
                && text().is_some_and(|text| {
                    trustlint_engine::classify::by_content(class, &text).is_some() && !is_own_output(&text)
                })
            {
                return refuse("a file this run checks");
            }
        }
    }
    Ok(())
}

/// Whether `text` is a report or baseline trustlint wrote (a rerun replaces it): JSON and SARIF
/// reports name the tool at their top, and a baseline reads as one.
fn is_own_output(text: &str) -> bool {
    let head = text.get(..text.len().min(1024)).unwrap_or(text);
    head.contains("\"name\": \"trustlint\"") || Baseline::parse(text).is_ok()
}

/// Paths as given, made absolute against the current folder so reports can show them relative.
fn absolute(cwd: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().map(|p| if p.is_absolute() { p.clone() } else { cwd.join(p) }).collect()
}

/// `infra` for `./infra/`, empty for the current folder: how reports name a folder's files.
fn folder_prefix(cwd: &Path, folder: &Path) -> String {
    let absolute = if folder.is_absolute() { folder.to_path_buf() } else { cwd.join(folder) };
    let relative = absolute.strip_prefix(cwd).unwrap_or(&absolute);
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}
