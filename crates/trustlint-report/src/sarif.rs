//! SARIF 2.1.0, shaped for GitHub code scanning: one run, every known rule in
//! `tool.driver.rules`, UTF-16 columns, content fingerprints in `partialFingerprints`, suppressed
//! findings with `suppressions`, baseline leftovers as `absent` results, and at most
//! `max_results` results (the most severe kept).
//!
//! No snippet is ever written (it could contain a credential).

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;
use trustlint_core::{ColumnUnit, Finding, RuleMeta, Severity, SourceFile, Span, SuppressionKind};

use crate::common::{Secrets, Streamed, message_with_help};
use crate::{AbsentFinding, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/trustlint/trustlint";
/// Base of every relative artifact URI: the directory that was scanned.
const SRCROOT: &str = "%SRCROOT%";
/// GitHub keeps at most 1,000 locations per result.
const MAX_RELATED: usize = 1_000;

pub(crate) fn render_to(report: &Report<'_>, max_results: usize, out: &mut dyn Write) -> io::Result<()> {
    let secrets = Secrets::collect(report.findings);

    // Findings and baseline leftovers, in the order given; `keep` picks which survive the limit.
    let items: Vec<Item<'_>> =
        report.findings.iter().map(Item::Finding).chain(report.absent.iter().map(Item::Absent)).collect();
    let keep = select(&items, max_results);
    let dropped = items.len() - keep.iter().filter(|&&k| k).count();
    // The rule descriptors are written before the results: every rule a result names is
    // registered first, so the results can be written one by one as they are made.
    let kept = || items.iter().zip(&keep).filter(|(_, keep)| **keep).map(|(item, _)| item);
    let rules = Rules::registered(report.rules, kept().map(Item::rule));
    let results = Streamed(|| {
        kept().map(|item| match item {
            Item::Finding(finding) => finding_result(finding, &rules, &secrets),
            Item::Absent(absent) => absent_result(absent, &rules, &secrets),
        })
    });

    let mut notifications: Vec<Notification> = report
        .notes
        .iter()
        .map(|note| Notification {
            level: "note",
            message: Message::text(secrets.scrub(note)),
            descriptor: None,
        })
        .collect();
    if dropped > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Message::text(format!(
                "{dropped} of {} results were dropped to stay within {max_results} results per run \
                 (GitHub code scanning's limit); the most severe results were kept",
                items.len()
            )),
            descriptor: Some(DescriptorReference { id: "trustlint/results-truncated" }),
        });
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "trustlint",
                    version: report.tool_version.to_string(),
                    semantic_version: report.tool_version.to_string(),
                    information_uri: INFORMATION_URI,
                    rules: &rules.descriptors,
                    properties: report
                        .tool_commit
                        .map(|commit| DriverProperties { commit: commit.to_string() }),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: OriginalUriBaseIds {
                srcroot: BaseId {
                    description: Message::text(
                        "The directory trustlint scanned; result paths are relative to it.".to_string(),
                    ),
                },
            },
            results,
            column_kind: "utf16CodeUnits",
            properties: (dropped > 0).then_some(RunProperties { dropped_results: dropped }),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

enum Item<'a> {
    Finding(&'a Finding),
    Absent(&'a AbsentFinding),
}

impl Item<'_> {
    fn rule(&self) -> &str {
        match self {
            Item::Finding(finding) => finding.rule,
            Item::Absent(absent) => &absent.rule,
        }
    }
}

/// Which items to keep: all of them when they fit, else the first `max` by (active before
/// suppressed before absent, most severe first), ties kept in the given order.
fn select(items: &[Item<'_>], max: usize) -> Vec<bool> {
    if items.len() <= max {
        return vec![true; items.len()];
    }
    let rank = |item: &Item<'_>| match item {
        Item::Finding(f) => (u8::from(f.suppression.is_some()), std::cmp::Reverse(Some(f.severity))),
        Item::Absent(_) => (2, std::cmp::Reverse(None)),
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| rank(&items[i]));
    let mut keep = vec![false; items.len()];
    for &i in order.iter().take(max) {
        keep[i] = true;
    }
    keep
}

/// The rule descriptors, and the index of each id. A rule id that is not in `Report::rules` (which
/// should not happen) gets a minimal descriptor appended, so every `ruleIndex` is valid.
struct Rules {
    descriptors: Vec<RuleDescriptor>,
    index: HashMap<String, usize>,
}

impl Rules {
    /// Every rule known, then each id of `used` that is not.
    fn registered<'a>(metas: &[RuleMeta], used: impl Iterator<Item = &'a str>) -> Self {
        let mut rules = Self { descriptors: Vec::new(), index: HashMap::new() };
        for meta in metas {
            if !rules.index.contains_key(meta.id) {
                rules.index.insert(meta.id.to_string(), rules.descriptors.len());
                rules.descriptors.push(RuleDescriptor::from_meta(meta));
            }
        }
        for id in used {
            if !rules.index.contains_key(id) {
                rules.index.insert(id.to_string(), rules.descriptors.len());
                rules.descriptors.push(RuleDescriptor::unknown(id));
            }
        }
        rules
    }

    fn index_of(&self, id: &str) -> usize {
        self.index[id]
    }

    fn default_level(&self, index: usize) -> &'static str {
        self.descriptors[index].default_configuration.level
    }
}

fn finding_result(finding: &Finding, rules: &Rules, secrets: &Secrets) -> SarifResult {
    let rule_index = rules.index_of(finding.rule);
    let related_locations = finding
        .related
        .iter()
        .take(MAX_RELATED)
        .enumerate()
        .map(|(i, related)| SarifLocation {
            id: Some(i + 1),
            physical_location: physical(&related.location.file, Some(related.location.span)),
            message: Some(Message::text(secrets.scrub(&related.message))),
        })
        .collect();
    SarifResult {
        rule_id: finding.rule.to_string(),
        rule_index,
        level: finding.severity.sarif_level(),
        message: Message::text(secrets.scrub(&message_with_help(&finding.message, &finding.help))),
        locations: vec![SarifLocation {
            id: None,
            physical_location: physical(&finding.primary.file, Some(finding.primary.span)),
            message: None,
        }],
        related_locations,
        partial_fingerprints: fingerprints(&finding.fingerprint),
        suppressions: finding
            .suppression
            .iter()
            .map(|s| Suppression {
                kind: match s.kind {
                    SuppressionKind::InSource => "inSource",
                    SuppressionKind::External => "external",
                },
                justification: (!s.justification.trim().is_empty())
                    .then(|| secrets.scrub(s.justification.trim())),
            })
            .collect(),
        baseline_state: finding.baseline.map(|state| match state {
            trustlint_core::BaselineState::New => "new",
            trustlint_core::BaselineState::Unchanged => "unchanged",
            trustlint_core::BaselineState::Absent => "absent",
        }),
        fixes: finding
            .fix
            .iter()
            .map(|fix| SarifFix {
                description: Message::text(secrets.scrub(&fix.description)),
                artifact_changes: vec![ArtifactChange {
                    artifact_location: artifact(fix.file.path()),
                    replacements: fix
                        .edits
                        .iter()
                        .map(|edit| Replacement {
                            deleted_region: region(&fix.file, edit.span),
                            inserted_content: Content { text: secrets.scrub(&edit.replacement) },
                        })
                        .collect(),
                }],
            })
            .collect(),
        properties: Some(ResultProperties {
            severity: finding.severity.as_str(),
            confidence: finding.confidence.as_str(),
        }),
    }
}

fn absent_result(absent: &AbsentFinding, rules: &Rules, secrets: &Secrets) -> SarifResult {
    let rule_index = rules.index_of(&absent.rule);
    SarifResult {
        rule_id: absent.rule.clone(),
        rule_index,
        level: rules.default_level(rule_index),
        message: Message::text(secrets.scrub(&absent.message)),
        locations: vec![SarifLocation {
            id: None,
            physical_location: PhysicalLocation { artifact_location: artifact(&absent.path), region: None },
            message: None,
        }],
        related_locations: Vec::new(),
        partial_fingerprints: fingerprints(&absent.fingerprint),
        suppressions: Vec::new(),
        baseline_state: Some("absent"),
        fixes: Vec::new(),
        properties: None,
    }
}

fn fingerprints(fingerprint: &str) -> Option<PartialFingerprints> {
    (!fingerprint.is_empty()).then(|| PartialFingerprints { trustlint_v1: fingerprint.to_string() })
}

fn physical(file: &SourceFile, span: Option<Span>) -> PhysicalLocation {
    PhysicalLocation { artifact_location: artifact(file.path()), region: span.map(|span| region(file, span)) }
}

fn region(file: &SourceFile, span: Span) -> Region {
    let start = file.position(span.start, ColumnUnit::Utf16);
    let end = file.position(span.end.max(span.start), ColumnUnit::Utf16);
    Region { start_line: start.line, start_column: start.column, end_line: end.line, end_column: end.column }
}

/// A relative path becomes a percent-encoded URI relative to `%SRCROOT%`; an absolute one (which
/// the engine should not produce) becomes a `file://` URI.
fn artifact(path: &str) -> ArtifactLocation {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with('/') {
        ArtifactLocation { uri: format!("file://{}", encode_path(path)), uri_base_id: None }
    } else if drive {
        ArtifactLocation {
            uri: format!("file:///{}:{}", &path[..1], encode_path(&path[2..])),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation { uri: encode_path(path), uri_base_id: Some(SRCROOT) }
    }
}

/// Percent-encode everything but RFC 3986 path characters (`:` included, so a relative path's
/// first segment never reads as a scheme).
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `oidc-wildcard-subject` -> `OidcWildcardSubject`.
pub(crate) fn pascal_case(id: &str) -> String {
    id.split(['-', '_', ' '])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The first paragraph of a markdown document that is not a heading, joined into one line.
pub(crate) fn first_paragraph(doc: &str) -> Option<String> {
    let mut lines: Vec<&str> = Vec::new();
    let mut in_fence = false;
    for line in doc.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            if !lines.is_empty() {
                break;
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(trimmed);
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}

#[derive(Serialize)]
struct Log<'a, Results> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a, Results>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a, Results> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    original_uri_base_ids: OriginalUriBaseIds,
    results: Results,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RunProperties>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    dropped_results: usize,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: String,
    semantic_version: String,
    information_uri: &'static str,
    rules: &'a [RuleDescriptor],
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<DriverProperties>,
}

/// The build's provenance, in the driver's property bag (SARIF has no field for a tool's commit).
#[derive(Serialize)]
struct DriverProperties {
    commit: String,
}

/// A SARIF `reportingDescriptor` (a rule).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

impl RuleDescriptor {
    fn from_meta(meta: &RuleMeta) -> Self {
        let summary = if meta.summary.trim().is_empty() { meta.id.to_string() } else { meta.summary.clone() };
        let doc = meta.doc.trim();
        let mut tags: Vec<String> = Vec::new();
        for tag in meta.tags.iter().map(String::as_str).chain(["security"]) {
            if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
                tags.push(tag.to_string());
            }
        }
        Self {
            id: meta.id.to_string(),
            name: pascal_case(meta.id),
            short_description: Message::text(summary.clone()),
            full_description: Message::text(first_paragraph(doc).unwrap_or_else(|| summary.clone())),
            help: if doc.is_empty() {
                MultiformatMessage { text: summary.clone(), markdown: summary }
            } else {
                MultiformatMessage { text: doc.to_string(), markdown: doc.to_string() }
            },
            help_uri: meta.help_uri(),
            default_configuration: Configuration { level: meta.default_severity.sarif_level() },
            properties: RuleProperties {
                tags,
                security_severity: format!("{:.1}", meta.default_severity.security_score()),
            },
        }
    }

    fn unknown(id: &str) -> Self {
        let meta = RuleMeta {
            id: "",
            summary: id.to_string(),
            default_severity: Severity::Medium,
            tags: Vec::new(),
            inputs: Vec::new(),
            doc: String::new(),
        };
        let mut descriptor = Self::from_meta(&meta);
        descriptor.id = id.to_string();
        descriptor.name = pascal_case(id);
        descriptor.help_uri = trustlint_core::rule::help_uri(id);
        descriptor
    }
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: String,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn text(text: String) -> Self {
        Self { text }
    }
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    descriptor: Option<DescriptorReference>,
}

/// A `reportingDescriptorReference`.
#[derive(Serialize)]
struct DescriptorReference {
    id: &'static str,
}

#[derive(Serialize)]
struct OriginalUriBaseIds {
    #[serde(rename = "%SRCROOT%")]
    srcroot: BaseId,
}

#[derive(Serialize)]
struct BaseId {
    description: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_fingerprints: Option<PartialFingerprints>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct PartialFingerprints {
    /// The content fingerprint computed by the engine (see `trustlint_core::fingerprint`).
    #[serde(rename = "trustlint/v1")]
    trustlint_v1: String,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Message,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Content,
}

#[derive(Serialize)]
struct Content {
    text: String,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: &'static str,
    confidence: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("oidc-wildcard-subject"), "OidcWildcardSubject");
        assert_eq!(pascal_case("hardcoded-secret"), "HardcodedSecret");
    }

    #[test]
    fn first_paragraph_skips_headings_and_fences() {
        let doc = "## What it does\n\nFlags wide subjects\nin trust policies.\n\n## Why\n\nBecause.";
        assert_eq!(first_paragraph(doc).as_deref(), Some("Flags wide subjects in trust policies."));
        assert_eq!(first_paragraph("# Title\n\n```json\n{}\n```\n\nText."), Some("Text.".to_string()));
        assert_eq!(first_paragraph("## Only a heading\n"), None);
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("infra/my policy.json"), "infra/my%20policy.json");
        assert_eq!(encode_path("a/ü#?.json"), "a/%C3%BC%23%3F.json");
        assert_eq!(encode_path("c:x/@scope+y.ts"), "c%3Ax/@scope+y.ts");
        let absolute = artifact("/abs/x y.json");
        assert_eq!(absolute.uri, "file:///abs/x%20y.json");
        assert!(absolute.uri_base_id.is_none());
        assert_eq!(artifact("C:/x.json").uri, "file:///C:/x.json");
        assert_eq!(artifact("x.json").uri_base_id, Some(SRCROOT));
    }
}
