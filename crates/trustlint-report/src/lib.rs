//! Renders trustlint findings in four formats:
//!
//! - [`Format::Human`]: terminal diagnostics drawn by miette, with the source snippet, labels, the
//!   help line, the rule id and its docs link, then notes and a one-line summary. Columns are
//!   1-based UTF-8 byte columns (what miette counts).
//! - [`Format::Json`]: a stable, versioned document described in `docs/json-output.md`. Columns are
//!   1-based UTF-8 byte columns; byte offsets are given too.
//! - [`Format::Sarif`]: SARIF 2.1.0 for GitHub code scanning, one run, `columnKind`
//!   `utf16CodeUnits`, at most [`SARIF_MAX_RESULTS`] results.
//! - [`Format::Github`]: GitHub Actions workflow commands (`::error file=...::message`), one line
//!   per visible finding. Columns are UTF-16 code units, like SARIF.
//!
//! Every format is deterministic for a given [`Report`]: findings are written in the order given
//! (the engine sorts them). miette is used only inside this crate; rules never see it.
//!
//! Credentials are never printed whole: the spans each finding marks as credentials
//! ([`Finding::masked`]: a secret rule marks its own value, and the engine marks every
//! credential of each file with findings, whatever rules ran) are masked in human snippets, lines
//! over 1,000 bytes are cut around the labels, and every free-text field of every format is
//! scrubbed of those secret values (replaced by [`trustlint_core::redact`]).

use std::fmt;
use std::io;

use trustlint_core::{Finding, RuleMeta};

mod common;
mod github;
mod human;
mod json;
mod sarif;

/// GitHub code scanning accepts at most this many results per SARIF run.
pub const SARIF_MAX_RESULTS: usize = 25_000;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding recorded in a baseline that the current run no longer reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbsentFinding {
    pub rule: String,
    pub path: String,
    pub message: String,
    pub fingerprint: String,
}

/// Everything a renderer needs.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    /// Already sorted; includes suppressed findings (`finding.suppression.is_some()`).
    pub findings: &'a [Finding],
    /// Every rule known. SARIF `tool.driver.rules` lists them all, in this order, and `ruleIndex`
    /// points into it.
    pub rules: &'a [RuleMeta],
    pub files_scanned: usize,
    /// Run notes, such as "skipped big.bin: larger than 2 MiB".
    pub notes: &'a [String],
    /// Baseline findings that are no longer present.
    pub absent: &'a [AbsentFinding],
    pub tool_version: &'a str,
    /// The git commit trustlint was built from, when known.
    pub tool_commit: Option<&'a str>,
}

/// Options for [`render`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colors in the human format. When false, the output contains no escape sequence at all.
    /// Ignored by the other formats.
    pub color: bool,
    /// Show suppressed findings in the human, JSON and GitHub formats (they are always counted in
    /// summaries). SARIF always includes them, with `suppressions` set.
    pub show_suppressed: bool,
}

/// Render `report` in `format`. The result ends with a newline unless it is empty (a GitHub
/// rendering with nothing to annotate).
pub fn render(format: Format, report: &Report<'_>, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    render_to(format, report, options, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("every format writes UTF-8")
}

/// [`render`], written to `out` as it is made: a report of tens of thousands of findings is
/// never held in memory whole. Errors are `out`'s own.
pub fn render_to(
    format: Format,
    report: &Report<'_>,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render_to(report, options, out),
        Format::Json => json::render_to(report, options, out),
        Format::Sarif => sarif::render_to(report, SARIF_MAX_RESULTS, out),
        Format::Github => github::render_to(report, options, out),
    }
}

/// SARIF with a different result limit than [`SARIF_MAX_RESULTS`]; for tests.
#[doc(hidden)]
pub fn render_sarif_with_result_limit(report: &Report<'_>, max_results: usize) -> String {
    let mut out = Vec::new();
    sarif::render_to(report, max_results, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("SARIF is UTF-8")
}
