//! Baselines, for adopting trustlint on a repository that already has findings:
//! `--write-baseline FILE` records the current findings by content fingerprint, and `--baseline
//! FILE` then marks each finding `New` or `Unchanged` and lists the recorded findings that are gone
//! (`absent`). Fingerprints hash the rule, the path and the text the finding points at, not its
//! line, so edits elsewhere in a file do not turn an old finding into a new one.
//!
//! The file holds only what matching and reporting need: rule, path, fingerprint and the
//! message, redacted. Users commit baselines, and a message may quote the file (a subject, a job
//! name, a parse-error excerpt), so every credential in it is redacted before it is written: those
//! the scan recognises in the message, the ones the finding marks in its file, and the flagged text
//! of rules that read raw text. Messages of baselines written before this are redacted as they are
//! read, so an old entry that resurfaces as absent shows no credential either.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use trustlint_core::{BaselineState, Finding};
use trustlint_rules::secrets::redact_credentials;

/// Bumped on any incompatible change to the file's shape.
pub const BASELINE_VERSION: u32 = 1;

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub rule: String,
    /// As shown in reports: relative to the folder trustlint ran in, `/`-separated.
    pub path: String,
    pub fingerprint: String,
    pub message: String,
}

/// A baseline file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

/// A baseline that cannot be read or is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineError(pub String);

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BaselineError {}

/// A baseline larger than this is refused (one entry is about 200 bytes: 300,000 findings).
pub const MAX_BASELINE_SIZE: u64 = 64 * 1024 * 1024;

impl Baseline {
    /// The findings a run reported, minus the suppressed ones (they are already accepted
    /// elsewhere). Sorted, so rewriting an unchanged baseline gives the same bytes.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let text_rules: BTreeSet<&'static str> = trustlint_rules::registry()
            .iter()
            .filter(|rule| rule.reads_text())
            .map(|rule| rule.id())
            .collect();
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .filter(|finding| finding.suppression.is_none())
            .map(|finding| BaselineEntry {
                rule: finding.rule.to_string(),
                path: finding.primary.path().to_string(),
                fingerprint: finding.fingerprint.clone(),
                message: redacted_message(finding, text_rules.contains(finding.rule)),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline { version: BASELINE_VERSION, findings: entries }
    }

    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a baseline serializes");
        out.push('\n');
        out
    }

    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let mut baseline: Baseline = serde_json::from_str(text)
            .map_err(|e| BaselineError(format!("not a trustlint baseline: {e}")))?;
        if baseline.version != BASELINE_VERSION {
            return Err(BaselineError(format!(
                "baseline version {} is not supported (this trustlint reads version {BASELINE_VERSION}); \
                 write it again with `trustlint check --write-baseline`",
                baseline.version
            )));
        }
        for entry in &mut baseline.findings {
            entry.message = redact_credentials(&entry.message, &[]);
        }
        Ok(baseline)
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = trustlint_core::read::read_text(path, MAX_BASELINE_SIZE)
            .map_err(|e| BaselineError(format!("{}: cannot read the baseline: {e}", path.display())))?;
        Baseline::parse(&text).map_err(|BaselineError(e)| BaselineError(format!("{}: {e}", path.display())))
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        crate::write::write_atomically(path, self.to_json().as_bytes())
            .map_err(|e| BaselineError(format!("cannot write the baseline {}: {e}", path.display())))
    }

    /// Mark every finding `New` or `Unchanged`, and return the recorded findings that this run
    /// no longer reports. `scope` holds the paths that were checked, as shown in reports (`.` for
    /// everything): a recorded finding in a file outside them is neither present nor absent (a
    /// pre-commit run sees only the staged files), so it is not returned.
    pub fn apply(&self, findings: &mut [Finding], scope: &[String]) -> Vec<BaselineEntry> {
        let mut remaining: HashMap<&str, usize> = HashMap::new();
        for entry in &self.findings {
            *remaining.entry(entry.fingerprint.as_str()).or_insert(0) += 1;
        }
        for finding in findings.iter_mut() {
            let state = match remaining.get_mut(finding.fingerprint.as_str()) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    BaselineState::Unchanged
                }
                _ => BaselineState::New,
            };
            finding.baseline = Some(state);
        }
        let mut absent = Vec::new();
        for entry in &self.findings {
            if let Some(count) = remaining.get_mut(entry.fingerprint.as_str())
                && *count > 0
            {
                *count -= 1;
                if in_scope(&entry.path, scope) {
                    absent.push(entry.clone());
                }
            }
        }
        absent
    }
}

/// The finding's message with every credential redacted (see the module documentation);
/// `flagged`: the finding points at a credential (a rule that reads raw text).
fn redacted_message(finding: &Finding, flagged: bool) -> String {
    let file = &finding.primary.file;
    let mut known: Vec<&str> = finding.masked.iter().map(|&span| file.slice(span)).collect();
    if flagged {
        known.push(flagged_value(finding));
    }
    redact_credentials(&finding.message, &known)
}

/// The credential text a raw-text finding points at, without the quotes around a literal.
fn flagged_value(finding: &Finding) -> &str {
    finding.primary.text().trim().trim_matches(|c| c == '"' || c == '\'' || c == '`')
}

/// Whether `path` is one of `scope` or inside one of its folders.
fn in_scope(path: &str, scope: &[String]) -> bool {
    scope.iter().any(|prefix| {
        let prefix = prefix.trim_start_matches("./").trim_end_matches('/');
        prefix.is_empty()
            || prefix == "."
            || path == prefix
            || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_core::{Location, Severity, SourceFile, Span, Suppression, SuppressionKind};

    fn finding(path: &str, text: &str, rule: &'static str, fingerprint: &str) -> Finding {
        let file = SourceFile::new(path, text);
        let mut finding = Finding::new(
            rule,
            Severity::High,
            Location::new(&file, Span::new(0, text.len())),
            format!("message for {fingerprint}"),
        );
        finding.fingerprint = fingerprint.to_string();
        finding
    }

    #[test]
    fn records_unsuppressed_findings_sorted_and_round_trips() {
        let mut suppressed = finding("b.json", "x", "oidc-missing-audience", "f3");
        suppressed.suppression =
            Some(Suppression { kind: SuppressionKind::InSource, justification: String::new() });
        let findings = vec![
            finding("b.json", "x", "oidc-wildcard-subject", "f2"),
            finding("a.json", "x", "oidc-wildcard-subject", "f1"),
            suppressed,
        ];
        let baseline = Baseline::from_findings(&findings);
        let fingerprints: Vec<&str> = baseline.findings.iter().map(|e| e.fingerprint.as_str()).collect();
        assert_eq!(fingerprints, ["f1", "f2"]);
        assert_eq!(Baseline::parse(&baseline.to_json()).unwrap(), baseline);
    }

    #[test]
    fn marks_new_and_unchanged_and_returns_absent_in_scope() {
        let baseline = Baseline {
            version: BASELINE_VERSION,
            findings: vec![
                BaselineEntry {
                    rule: "r".into(),
                    path: "policies/a.json".into(),
                    fingerprint: "kept".into(),
                    message: "m".into(),
                },
                BaselineEntry {
                    rule: "r".into(),
                    path: "policies/b.json".into(),
                    fingerprint: "fixed".into(),
                    message: "m".into(),
                },
                BaselineEntry {
                    rule: "r".into(),
                    path: "other/c.json".into(),
                    fingerprint: "unseen".into(),
                    message: "m".into(),
                },
            ],
        };
        let mut findings = vec![
            finding("policies/a.json", "x", "oidc-wildcard-subject", "kept"),
            finding("policies/a.json", "y", "oidc-wildcard-subject", "added"),
        ];
        let absent = baseline.apply(&mut findings, &["policies".to_string()]);
        assert_eq!(findings[0].baseline, Some(BaselineState::Unchanged));
        assert_eq!(findings[1].baseline, Some(BaselineState::New));
        let absent: Vec<&str> = absent.iter().map(|e| e.fingerprint.as_str()).collect();
        assert_eq!(absent, ["fixed"], "other/ was not checked, so its entry is not absent");

        let mut findings = vec![finding("policies/a.json", "x", "oidc-wildcard-subject", "kept")];
        assert_eq!(baseline.apply(&mut findings, &[".".to_string()]).len(), 2);
    }

    #[test]
    fn one_entry_covers_one_finding() {
        let baseline = Baseline::from_findings(&[finding("a.json", "x", "r", "same")]);
        let mut findings = vec![finding("a.json", "x", "r", "same"), finding("a.json", "x", "r", "same")];
        baseline.apply(&mut findings, &[".".to_string()]);
        assert_eq!(findings[0].baseline, Some(BaselineState::Unchanged));
        assert_eq!(findings[1].baseline, Some(BaselineState::New));
    }

    #[test]
    fn scope_matches_files_and_folders_not_name_prefixes() {
        let scope = ["policies".to_string(), "./stack.yaml".to_string()];
        assert!(in_scope("policies/a.json", &scope));
        assert!(in_scope("stack.yaml", &scope));
        assert!(!in_scope("policies-old/a.json", &scope));
        assert!(!in_scope("stack.yaml.bak", &scope));
    }

    #[test]
    fn rejects_other_files_and_versions_with_a_plain_message() {
        let error = Baseline::parse("{\"version\": 9, \"findings\": []}").unwrap_err();
        assert!(error.0.contains("version 9"), "{error}");
        let error = Baseline::parse("[1, 2]").unwrap_err();
        assert!(error.0.contains("not a trustlint baseline"), "{error}");
        let error = Baseline::parse("{\"version\": 1, \"findings\": [], \"secret\": \"x\"}").unwrap_err();
        assert!(error.0.contains("unknown field"), "{error}");
    }

    /// A GitHub token assembled at run time, so this file holds none.
    fn token() -> String {
        format!("ghp_{}", "Zq3vT9mPx2LwK7rBc8Hn4YdJ6sFa1GuE0123")
    }

    #[test]
    fn messages_are_stored_and_read_redacted() {
        let token = token();
        let text = format!("job {token}\n");
        let mut quoted = finding("ci.yml", &text, "oidc-wildcard-subject", "f1");
        quoted.message = format!("the job `{token}` may assume the role");
        let mut marked = finding("ci.yml", &text, "oidc-wildcard-subject", "f2");
        // A credential the scan knows only from its file (the message alone does not show it).
        let opaque = "Opaque-Credential-0042";
        marked.message = format!("subject `{opaque}`");
        marked.primary = trustlint_core::Location::new(&SourceFile::new("ci.yml", opaque), Span::new(0, 4));
        marked.masked = vec![Span::new(0, opaque.len())];
        let json = Baseline::from_findings(&[quoted, marked]).to_json();
        assert!(!json.contains(&token), "{json}");
        assert!(!json.contains(opaque), "{json}");
        assert!(json.contains("ghp_…(40 chars)") && json.contains("Opaq…(22 chars)"), "{json}");

        // A baseline written unredacted by an earlier version still loads, redacted.
        let old = format!(
            "{{\"version\": 1, \"findings\": [{{\"rule\": \"r\", \"path\": \"a\", \"fingerprint\": \"f\", \
             \"message\": \"job {token}\"}}]}}"
        );
        let loaded = Baseline::parse(&old).unwrap();
        assert_eq!(loaded.findings[0].message, "job ghp_…(40 chars)");
    }
}
