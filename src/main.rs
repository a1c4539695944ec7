//! The `trustlint` command line: subcommands, options and exit codes only. Exit 0 when nothing at
//! or above the threshold remains, 1 when something does, 2 for usage or configuration errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use trustlint_core::{BaselineState, Finding, Severity};
use trustlint_engine::baseline::Baseline;
use trustlint_engine::{Config, Engine, RunOptions, RunResult};
use trustlint_report::{AbsentFinding, Format, RenderOptions, Report};

#[derive(Parser)]
#[command(
    name = "trustlint",
    version,
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
}

#[derive(Args)]
struct CheckArgs {
    /// Files or folders to check. Files named here are always checked, even if .gitignored.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "human", value_parser = ["human", "json", "sarif", "github"])]
    format: String,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains [default: low, or `fail-on` in trustlint.toml].
    #[arg(long, value_parser = ["critical", "high", "medium", "low", "info"])]
    fail_on: Option<String>,
    /// Only run these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Configuration file [default: trustlint.toml at the scan root].
    #[arg(long)]
    config: Option<PathBuf>,
    /// Worker threads [default: one per core].
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => match check(*args) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("trustlint: error: {message}");
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
        Command::Server => match trustlint_lsp::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("trustlint: language server: {message}");
                ExitCode::from(1)
            }
        },
    }
}

fn print(text: &str) -> ExitCode {
    // A closed pipe (`trustlint rules | head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    // A mistyped path must not pass a CI gate as "no findings".
    if let Some(missing) = paths.iter().find(|path| !path.exists()) {
        return Err(format!("{}: no such file or folder", missing.display()));
    }
    let scan_root = match paths.as_slice() {
        [only] if only.is_dir() => only.clone(),
        _ => PathBuf::from("."),
    };
    let mut config = match &args.config {
        Some(path) => Config::load(path),
        // Paths in a `trustlint.toml` found in the scan root are written from that folder.
        None => Config::discover(&scan_root).map(|config| config.rebased(&folder_prefix(&cwd, &scan_root))),
    }
    .map_err(|e| e.to_string())?;
    // trustlint's own files are not inputs: a report or baseline quotes rule documents and messages.
    let own = [&args.output, &args.baseline, &args.write_baseline];
    config.exclude.extend(own.into_iter().flatten().filter_map(|file| own_file_exclude(&cwd, file)));
    let threshold = match &args.fail_on {
        Some(level) => level.parse::<Severity>()?,
        None => config.fail_on.unwrap_or(Severity::Low),
    };
    let format: Format = args.format.parse()?;
    let options = RunOptions {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        threads: args.threads,
        // Internal switch for measurements: parse every Pulumi program, relevant or not.
        relevance_test: std::env::var_os("TRUSTLINT_FULL_PARSE").is_none_or(|v| v.is_empty()),
        // GitHub annotations do not show fixes.
        fixes: args.fix || format != Format::Github,
        ..RunOptions::default()
    };
    let engine = Engine::new(config, &options).map_err(|e| e.to_string())?;
    let mut result = engine.run(&cwd, &absolute(&cwd, &paths), &options).map_err(|e| e.to_string())?;
    if args.fix {
        let outcome = trustlint_engine::fix::apply_safe_fixes(&cwd, &result.findings);
        for note in &outcome.notes {
            eprintln!("trustlint: note: {note}");
        }
        let (fixes, files) = (outcome.applied, outcome.files.len());
        eprintln!("trustlint: applied {fixes} fix(es) to {files} file(s)");
        if fixes > 0 {
            result = engine.run(&cwd, &absolute(&cwd, &paths), &options).map_err(|e| e.to_string())?;
        }
    }
    if std::env::var_os("TRUSTLINT_STATS").is_some_and(|v| !v.is_empty()) {
        eprintln!("trustlint: stats: {}", result.stats);
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &result.findings);
    }
    let absent = apply_baseline(args.baseline.as_deref(), &cwd, &paths, &mut result)?;
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
        eprintln!("trustlint: note: {note}");
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
    };
    let rendered = trustlint_report::render(
        format,
        &report,
        &RenderOptions { color, show_suppressed: args.show_suppressed },
    );
    match &args.output {
        Some(path) => {
            std::fs::write(path, rendered).map_err(|e| format!("cannot write {}: {e}", path.display()))?
        }
        None => {
            let _ = std::io::stdout().write_all(rendered.as_bytes());
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
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
    eprintln!("trustlint: recorded {count} {noun} in the baseline {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `--baseline`: mark findings new or unchanged, note how many are hidden, and return the recorded
/// findings that are gone from the files this run checked.
fn apply_baseline(
    path: Option<&Path>,
    cwd: &Path,
    paths: &[PathBuf],
    result: &mut RunResult,
) -> Result<Vec<AbsentFinding>, String> {
    let Some(path) = path else { return Ok(Vec::new()) };
    let baseline = Baseline::load(path).map_err(|e| e.to_string())?;
    // The checked paths as reports show them (`.` for the current folder itself).
    let scope: Vec<String> = absolute(cwd, paths)
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
