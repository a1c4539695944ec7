//! What a rule reports. Findings are owned and `Send` so rayon workers and the language server
//! can keep them; renderers turn them into text, JSON, SARIF or annotations.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::fix::{Fix, TextEdit};
use crate::source::{SourceFile, Span};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// SARIF / GitHub level for this severity.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Critical | Severity::High => "error",
            Severity::Medium | Severity::Low => "warning",
            Severity::Info => "note",
        }
    }

    /// The CVSS-like score GitHub code scanning reads from `security-severity`.
    pub fn security_score(self) -> f32 {
        match self {
            Severity::Critical => 9.5,
            Severity::High => 8.0,
            Severity::Medium => 5.5,
            Severity::Low => 3.0,
            Severity::Info => 0.0,
        }
    }

    pub fn raise(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}` (expected critical, high, medium, low or info)"))
    }
}

/// `--fail-on critical|high|medium|low|info`, listed from the most severe as `--help` shows them.
#[cfg(feature = "clap")]
impl clap::ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &[Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// How sure the rule is. `Low` is used when part of the trust could not be resolved statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A span in a file.
#[derive(Clone, Debug)]
pub struct Location {
    pub file: Arc<SourceFile>,
    pub span: Span,
}

impl Location {
    pub fn new(file: &Arc<SourceFile>, span: Span) -> Self {
        Self { file: Arc::clone(file), span }
    }

    pub fn path(&self) -> &str {
        self.file.path()
    }

    pub fn text(&self) -> &str {
        self.file.slice(self.span)
    }
}

/// A secondary location with a short label ("the trust statement", "attached here").
#[derive(Clone, Debug)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// Why a finding is hidden: an inline comment in the file, or a config entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionKind {
    InSource,
    External,
}

#[derive(Clone, Debug)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub justification: String,
}

/// Whether a finding is new relative to a baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Unchanged,
    Absent,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    /// What is wrong here, in plain words: who can get in.
    pub message: String,
    /// What to write instead.
    pub help: Cow<'static, str>,
    pub primary: Location,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
    pub suppression: Option<Suppression>,
    pub baseline: Option<BaselineState>,
    /// Content fingerprint; set by the engine once all findings are known.
    pub fingerprint: String,
    /// Spans of the primary file whose text is a credential value: renderers mask them in
    /// snippets and scrub their text from free text, in every format.
    pub masked: Vec<Span>,
    /// Normalised text the fingerprint is computed from; rules set it when the primary span's
    /// text is not stable or is a secret (the fingerprint never stores it in the clear).
    pub fingerprint_basis: Option<String>,
}

/// Findings live until the report is written, tens of thousands of them on a big tree, while
/// `format!` reserves up to twice a message's length: keep only what the text needs.
fn compact(text: impl Into<String>) -> String {
    let mut text = text.into();
    text.shrink_to_fit();
    text
}

impl Finding {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        primary: Location,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            severity,
            confidence: Confidence::High,
            message: compact(message),
            help: Cow::Borrowed(""),
            primary,
            related: Vec::new(),
            fix: None,
            suppression: None,
            baseline: None,
            fingerprint: String::new(),
            fingerprint_basis: None,
            masked: Vec::new(),
        }
    }

    /// Mark the primary span as a credential value (never shown, never fingerprinted in clear).
    pub fn with_sensitive_value(mut self, fingerprint_basis: impl Into<String>) -> Self {
        self.masked.push(self.primary.span);
        self.fingerprint_basis = Some(fingerprint_basis.into());
        self
    }

    /// Mark another span of the primary file as a credential value, never to be shown.
    pub fn with_masked(mut self, span: Span) -> Self {
        self.masked.push(span);
        self
    }

    /// Most rules' help is a fixed text: it is shared by every finding, not copied into each.
    pub fn with_help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = match help.into() {
            Cow::Owned(help) => Cow::Owned(compact(help)),
            shared => shared,
        };
        self
    }

    /// Report at another severity than the rule's default (a graded finding).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related { location, message: compact(message) });
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The order every output uses: path, line (offset), rule, message. Deterministic whatever
    /// the number of threads.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (self.primary.path(), self.primary.span.start, self.primary.span.end, self.rule, &self.message)
    }
}
