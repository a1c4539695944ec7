//! Helpers shared by the renderers: what is visible, summary counts, and keeping secrets out of
//! the output.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use trustlint_core::terminal::escape_controls;
use trustlint_core::{Finding, Severity, redact::redact_all};

use crate::RenderOptions;

/// Shorter values are masked in snippets but not searched for in free text: replacing every
/// occurrence of a 3-character string would mangle messages.
const MIN_SCRUB_LEN: usize = 8;

pub(crate) fn is_visible(finding: &Finding, options: &RenderOptions) -> bool {
    finding.suppression.is_none() || options.show_suppressed
}

/// The credential values reported in this run, used to scrub free text (messages, help lines,
/// notes, fix descriptions) in every format.
pub(crate) struct Secrets {
    /// Longest first.
    values: Vec<String>,
    /// Indexes into `values` by their first [`MIN_SCRUB_LEN`] bytes: a text is searched in one
    /// pass, however many values there are (a file of credentials can have thousands).
    by_prefix: HashMap<[u8; MIN_SCRUB_LEN], Vec<usize>>,
}

impl Secrets {
    pub(crate) fn collect(findings: &[Finding]) -> Self {
        let values: Vec<String> = findings
            .iter()
            .flat_map(|f| f.masked.iter().map(move |&span| f.primary.file.slice(span)))
            // The span may include the quotes around a string literal; the value alone is
            // searched for, so the quotes around it survive in messages.
            .map(|text| text.trim().trim_matches(|c| c == '"' || c == '\'' || c == '`'))
            .filter(|value| value.len() >= MIN_SCRUB_LEN)
            .map(str::to_string)
            .collect();
        Self::of_values(values)
    }

    fn of_values(mut values: Vec<String>) -> Self {
        // Longest first, so a secret that contains another is replaced whole.
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        let mut by_prefix: HashMap<[u8; MIN_SCRUB_LEN], Vec<usize>> = HashMap::new();
        for (index, value) in values.iter().enumerate() {
            if let Some(prefix) = value.as_bytes().first_chunk::<MIN_SCRUB_LEN>() {
                by_prefix.entry(*prefix).or_default().push(index);
            }
        }
        Self { values, by_prefix }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut found: Vec<usize> = Vec::new();
        if !self.by_prefix.is_empty() {
            for at in 0..bytes.len().saturating_sub(MIN_SCRUB_LEN - 1) {
                let Some(indexes) = bytes[at..].first_chunk().and_then(|prefix| self.by_prefix.get(prefix))
                else {
                    continue;
                };
                found.extend(indexes.iter().filter(|&&i| bytes[at..].starts_with(self.values[i].as_bytes())));
            }
        }
        if found.is_empty() {
            return text.to_string();
        }
        // In the order of `values`: longest first, so a secret that contains another goes whole.
        found.sort_unstable();
        found.dedup();
        let secrets: Vec<&str> = found.iter().map(|&i| self.values[i].as_str()).collect();
        redact_all(text, &secrets)
    }

    /// Free text as the terminal formats (human, github) show it: scrubbed, with control
    /// characters escaped.
    pub(crate) fn shown(&self, text: &str) -> String {
        escape_controls(&self.scrub(text)).into_owned()
    }
}

/// A sequence serialized from an iterator made when it is written, so a long list (findings,
/// results) goes to the output item by item instead of being built in memory first.
pub(crate) struct Streamed<F>(pub(crate) F);

impl<F, I> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Counts shared by the human summary line and the JSON `summary` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Findings that are not suppressed.
    pub(crate) findings: usize,
    pub(crate) suppressed: usize,
    /// Not-suppressed findings per severity, indexed like `Severity::ALL` (info first).
    pub(crate) by_severity: [usize; 5],
}

impl Counts {
    pub(crate) fn of(findings: &[Finding]) -> Self {
        let mut counts = Counts::default();
        for finding in findings {
            if finding.suppression.is_some() {
                counts.suppressed += 1;
            } else {
                counts.findings += 1;
                counts.by_severity[severity_index(finding.severity)] += 1;
            }
        }
        counts
    }

    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.by_severity[severity_index(severity)]
    }
}

fn severity_index(severity: Severity) -> usize {
    Severity::ALL.iter().position(|&s| s == severity).unwrap_or(0)
}

/// `message` followed by `help` as a second sentence.
pub(crate) fn message_with_help(message: &str, help: &str) -> String {
    let message = message.trim_end();
    let help = help.trim();
    if help.is_empty() {
        return message.to_string();
    }
    let separator = if message.ends_with(['.', '!', '?']) { " " } else { ". " };
    // The help starts a new sentence.
    let mut chars = help.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{message}{separator}{first}{}", chars.as_str())
}

/// `n` followed by `word`, pluralised with an `s` unless `n == 1`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_and_help_read_as_two_sentences() {
        assert_eq!(message_with_help("too wide", "pin it"), "too wide. Pin it");
        assert_eq!(message_with_help("too wide.", "pin it."), "too wide. Pin it.");
        assert_eq!(message_with_help("too wide", "`x` instead"), "too wide. `x` instead");
        assert_eq!(message_with_help("too wide", ""), "too wide");
    }

    #[test]
    fn scrub_finds_every_value_in_one_pass() {
        let values = ["ghp_0123abcdWXYZ", "0123abcd", "xoxb-999988887777", "tooshort"];
        let secrets = Secrets::of_values(values.iter().map(|v| v.to_string()).collect());
        assert_eq!(secrets.scrub("no secret here"), "no secret here");
        assert_eq!(secrets.scrub(""), "");
        assert_eq!(
            secrets.scrub("a ghp_0123abcdWXYZ, b 0123abcd, c xoxb-999988887777"),
            "a ghp_…(16 chars), b 0123…(8 chars), c xoxb…(17 chars)"
        );
        // At the very end, and twice.
        assert_eq!(secrets.scrub("tooshort tooshort"), "toos…(8 chars) toos…(8 chars)");
    }

    #[test]
    fn plural_words() {
        assert_eq!(plural(1, "file"), "1 file");
        assert_eq!(plural(0, "file"), "0 files");
        assert_eq!(plural(12, "finding"), "12 findings");
    }
}
