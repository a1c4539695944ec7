//! The `trustlint` command line: subcommands, options and exit codes only. Exit 0 when nothing at
//! or above the threshold remains, 1 when something does, 2 for usage or configuration errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use trustlint_core::Severity;
use trustlint_engine::{Config, Engine, RunOptions};
use trustlint_report::{Format, RenderOptions, Report};

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
    Check(CheckArgs),
    /// List the rules.
    Rules,
    /// Print a rule's document.
    Explain {
        /// The rule id, e.g. `oidc-wildcard-subject`.
        rule: String,
    },
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => match check(args) {
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
    let scan_root = match paths.as_slice() {
        [only] if only.is_dir() => only.clone(),
        _ => PathBuf::from("."),
    };
    let config = match &args.config {
        Some(path) => Config::load(path),
        None => Config::discover(&scan_root),
    }
    .map_err(|e| e.to_string())?;
    let threshold = match &args.fail_on {
        Some(level) => level.parse::<Severity>()?,
        None => config.fail_on.unwrap_or(Severity::Low),
    };
    let options = RunOptions {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        threads: args.threads,
        ..RunOptions::default()
    };
    let engine = Engine::new(config, &options).map_err(|e| e.to_string())?;
    let result = engine.run(&cwd, &absolute(&cwd, &paths), &options).map_err(|e| e.to_string())?;
    for note in &result.notes {
        eprintln!("trustlint: note: {note}");
    }
    let format: Format = args.format.parse()?;
    let color = args.output.is_none()
        && format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let report = Report {
        findings: &result.findings,
        rules: trustlint_rules::catalog::all(),
        files_scanned: result.files_scanned,
        notes: &result.notes,
        absent: &[],
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
    Ok(if !args.exit_zero && trustlint_engine::fails(&result.findings, threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Paths as given, made absolute against the current folder so reports can show them relative.
fn absolute(cwd: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().map(|p| if p.is_absolute() { p.clone() } else { cwd.join(p) }).collect()
}
