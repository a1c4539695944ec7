//! `trustlint map`: the trust chain as a graph. One node per caller (CI job), issuer, trust
//! (role, service account, application) and power (admin, scoped, unknown), plus "anyone in
//! ..." nodes for trusts that admit workloads outside the repository; edges for "mints for",
//! "is admitted by" (with the subject) and "grants". Rendered as text, versioned JSON
//! (docs/map-output.md), Mermaid, Graphviz dot and one self-contained HTML page.

use std::collections::BTreeMap;

use serde::Serialize;
use trustlint_core::{ColumnUnit, Finding, Severity, SourceFile, Span};
use trustlint_link::{Chain, Claim, Platform, Resolution, Verdict};
use trustlint_model::subject::Breadth;
use trustlint_model::{Issuer, Trust};
use trustlint_rules::assess::{dead_condition, subject_scope};

/// The version of the JSON map format; bumped on incompatible changes.
pub const MAP_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Caller,
    Issuer,
    Trust,
    Power,
    /// Workloads outside the repository that a trust admits.
    Anyone,
    /// A login whose target is not known.
    Unresolved,
}

impl NodeKind {
    /// The column the node is drawn in.
    pub fn column(self) -> usize {
        match self {
            NodeKind::Caller | NodeKind::Anyone => 0,
            NodeKind::Issuer | NodeKind::Unresolved => 1,
            NodeKind::Trust => 2,
            NodeKind::Power => 3,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MapNode {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// More text: for trusts, who can assume them; for callers, how they run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The worst finding at this node (trusts, powers, callers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    MintsFor,
    IsAdmittedBy,
    IsRejectedBy,
    MayBeAdmittedBy,
    Grants,
}

#[derive(Clone, Debug, Serialize)]
pub struct MapEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// One link, named so a reader needs no id lookup to follow it.
#[derive(Clone, Debug, Serialize)]
pub struct MapLink {
    pub caller: CallerRef,
    pub login: LoginRef,
    /// `None` when the target is not resolved.
    pub trust: Option<TrustRef>,
    /// `admits`, `rejects`, `unknown` (resolved, verdict not known) or `unresolved`.
    pub status: &'static str,
    /// Subjects of the job's token that the trust admits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admitted_subjects: Vec<String>,
    /// Ways the job runs that the trust rejects, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejections: Vec<String>,
    /// What is not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
    /// Which input would resolve an unresolved target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolve_with: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CallerRef {
    pub file: String,
    pub job: String,
    pub line: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct LoginRef {
    pub action: String,
    pub input: String,
    pub value: String,
    pub line: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrustRef {
    pub file: String,
    pub resource: String,
    pub line: u32,
    pub matched_by: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RepositoryRef {
    pub path: String,
    pub source: String,
}

/// The whole map.
#[derive(Clone, Debug, Serialize)]
pub struct TrustMap {
    pub version: u32,
    pub repository: Option<RepositoryRef>,
    pub nodes: Vec<MapNode>,
    pub edges: Vec<MapEdge>,
    pub links: Vec<MapLink>,
}

fn line_of(file: &SourceFile, span: Span) -> u32 {
    file.position(span.start, ColumnUnit::Utf8).line
}

/// "Who can assume it", in the words the subject rules use.
pub fn who_can_assume(trust: &Trust) -> String {
    let Some(issuer) = trust.issuer() else {
        return "not known: the issuer cannot be resolved statically".into();
    };
    if let Some(condition) = dead_condition(trust, issuer) {
        return format!("no one: `{}` never holds", condition.key);
    }
    let scope = subject_scope(trust, issuer);
    if scope.missing {
        return issuer.population();
    }
    let mut who = match &scope.narrowest {
        Some(narrowest) if !narrowest.values.is_empty() => {
            let mut parts: Vec<String> = narrowest.values.iter().map(|v| v.who.clone()).collect();
            parts.dedup();
            parts.join("; or ")
        }
        _ => format!(
            "not known: {}",
            trust
                .conditions_unknown
                .clone()
                .unwrap_or_else(|| "the subject condition could not be read".into())
        ),
    };
    if scope.partly_unknown && scope.narrowest.is_some() {
        who.push_str(" (part of the condition is not known statically)");
    }
    who
}

/// The outsiders a trust admits, when its subject scope reaches beyond one repository's
/// chosen contexts: the text of the "anyone in ..." node.
fn outsiders(trust: &Trust, issuer: &Issuer) -> Option<String> {
    if dead_condition(trust, issuer).is_some() {
        return None;
    }
    let scope = subject_scope(trust, issuer);
    if scope.missing {
        return Some(issuer.population());
    }
    let narrowest = scope.narrowest.as_ref()?;
    let wide: Vec<&str> = narrowest
        .values
        .iter()
        .filter(|v| v.breadth.width() >= Breadth::AnyContext.width())
        .map(|v| v.who.as_str())
        .collect();
    (!wide.is_empty()).then(|| wide.join("; or "))
}

/// Build the map of a run.
pub fn build(chain: &Chain, findings: &[Finding]) -> TrustMap {
    let mut nodes: Vec<MapNode> = Vec::new();
    let mut edges: Vec<MapEdge> = Vec::new();
    let mut links = Vec::new();
    let worst = |file: &SourceFile, spans: &[Span]| -> Option<Severity> {
        findings
            .iter()
            .filter(|f| f.suppression.is_none() && f.primary.path() == file.path())
            .filter(|f| spans.iter().any(|s| s.contains(f.primary.span) || *s == f.primary.span))
            .map(|f| f.severity)
            .max()
    };
    let mut issuers: BTreeMap<String, String> = BTreeMap::new();
    let mut issuer_id = |nodes: &mut Vec<MapNode>, host: &str, name: String| -> String {
        if let Some(id) = issuers.get(host) {
            return id.clone();
        }
        let id = format!("issuer_{}", issuers.len());
        issuers.insert(host.to_string(), id.clone());
        nodes.push(MapNode {
            id: id.clone(),
            kind: NodeKind::Issuer,
            label: name,
            detail: Some(host.to_string()),
            file: None,
            line: None,
            severity: None,
        });
        id
    };
    let mut anyone: BTreeMap<String, String> = BTreeMap::new();
    for (index, node) in chain.identities.iter().enumerate() {
        let id = format!("trust_{index}");
        let spans: Vec<Span> = node.trusts.iter().map(|t| t.statement_span).collect();
        let mut who: Vec<String> = node.trusts.iter().map(who_can_assume).collect();
        who.dedup();
        nodes.push(MapNode {
            id: id.clone(),
            kind: NodeKind::Trust,
            label: node.identity.label.clone(),
            detail: Some(format!("Who can assume it: {}.", who.join(" Also: "))),
            file: Some(node.file.path().to_string()),
            line: Some(line_of(&node.file, node.span())),
            severity: worst(&node.file, &spans),
        });
        for trust in &node.trusts {
            let Some(issuer) = trust.issuer() else { continue };
            let from = issuer_id(&mut nodes, &issuer.host_path, issuer.name());
            if !edges.iter().any(|e| e.from == from && e.to == id) {
                edges.push(MapEdge {
                    from,
                    to: id.clone(),
                    kind: EdgeKind::IsAdmittedBy,
                    label: Some("trusted by".into()),
                });
            }
            if let Some(text) = outsiders(trust, issuer) {
                let next = anyone.len();
                let anyone_id =
                    anyone.entry(text.clone()).or_insert_with(|| format!("anyone_{next}")).clone();
                if !nodes.iter().any(|n| n.id == anyone_id) {
                    nodes.push(MapNode {
                        id: anyone_id.clone(),
                        kind: NodeKind::Anyone,
                        label: format!("anyone in: {text}"),
                        detail: None,
                        file: None,
                        line: None,
                        severity: None,
                    });
                }
                if !edges.iter().any(|e| e.from == anyone_id && e.to == id) {
                    edges.push(MapEdge {
                        from: anyone_id,
                        to: id.clone(),
                        kind: EdgeKind::IsAdmittedBy,
                        label: None,
                    });
                }
            }
        }
        // Power: the admin grant, the scoped grants, or unknown.
        let power_id = format!("power_{index}");
        let (label, severity, line) = match &node.admin {
            Some((power, grant)) => {
                let grant = &node.grants[*grant];
                (
                    format!("admin: {}", power.what),
                    Some(power.severity),
                    Some(line_of(&grant.file, grant.span)),
                )
            }
            None if !node.grants.is_empty() => {
                let mut via: Vec<&str> = node.grants.iter().map(|g| g.via.as_str()).collect();
                via.dedup();
                let first = &node.grants[0];
                (format!("scoped: {}", via.join(", ")), None, Some(line_of(&first.file, first.span)))
            }
            None => ("unknown power: no grant in the scanned tree".to_string(), None, None),
        };
        nodes.push(MapNode {
            id: power_id.clone(),
            kind: NodeKind::Power,
            label,
            detail: None,
            file: line.map(|_| node.file.path().to_string()),
            line,
            severity,
        });
        edges.push(MapEdge { from: id, to: power_id, kind: EdgeKind::Grants, label: Some("grants".into()) });
    }
    for (index, caller) in chain.callers.iter().enumerate() {
        let id = format!("caller_{index}");
        let mut ways: Vec<String> = caller.alternatives.iter().map(|a| a.via.clone()).collect();
        ways.dedup();
        let spans: Vec<Span> = caller.logins.iter().map(|l| l.span).collect();
        nodes.push(MapNode {
            id: id.clone(),
            kind: NodeKind::Caller,
            label: format!("job `{}`", caller.job_id),
            detail: Some(format!("Runs {}.", ways.join("; "))),
            file: Some(caller.file.path().to_string()),
            line: Some(line_of(&caller.file, caller.job_span)),
            severity: worst(&caller.file, &spans),
        });
        let (host, name) = match caller.platform {
            Platform::GitHub => ("token.actions.githubusercontent.com", "GitHub Actions"),
            Platform::GitLab => ("gitlab.com", "GitLab"),
        };
        let issuer = issuer_id(&mut nodes, host, name.to_string());
        edges.push(MapEdge {
            from: id,
            to: issuer,
            kind: EdgeKind::MintsFor,
            label: Some("mints for".into()),
        });
    }
    for (index, link) in chain.links.iter().enumerate() {
        let caller = &chain.callers[link.caller];
        let login = &caller.logins[link.login];
        let target = chain.target(link);
        let caller_ref = CallerRef {
            file: caller.file.path().to_string(),
            job: caller.job_id.clone(),
            line: line_of(&caller.file, caller.job_span),
        };
        let login_ref = LoginRef {
            action: login.what.clone(),
            input: target.input.clone(),
            value: target.value.text.trim().to_string(),
            line: line_of(&caller.file, target.value.span),
        };
        let from = format!("caller_{}", link.caller);
        match &link.resolution {
            Resolution::Identity { index: trust, matched_by } => {
                let node = &chain.identities[*trust];
                let (status, kind, admitted, rejections, unknown) = match &link.verdict {
                    Some(Verdict::Admits { admitted, .. }) => {
                        let subjects: Vec<String> = admitted
                            .iter()
                            .map(|&a| match caller.alternatives[a].claims.get("sub") {
                                Some(Claim::Pattern(s)) => s.clone(),
                                _ => format!("{} (subject not known)", caller.alternatives[a].via),
                            })
                            .collect();
                        ("admits", EdgeKind::IsAdmittedBy, subjects, Vec::new(), None)
                    }
                    Some(Verdict::Rejects(rejections)) => {
                        let why = rejections
                            .iter()
                            .map(|r| format!("{}: {}", caller.alternatives[r.alternative].via, r.why))
                            .collect();
                        ("rejects", EdgeKind::IsRejectedBy, Vec::new(), why, None)
                    }
                    Some(Verdict::Unknown(why)) => {
                        ("unknown", EdgeKind::MayBeAdmittedBy, Vec::new(), Vec::new(), Some(why.clone()))
                    }
                    None => (
                        "unknown",
                        EdgeKind::MayBeAdmittedBy,
                        Vec::new(),
                        Vec::new(),
                        Some("not checked".into()),
                    ),
                };
                let mut unique = admitted.clone();
                unique.sort();
                unique.dedup();
                let label = match status {
                    "admits" => format!("is admitted as {}", unique.join(", ")),
                    "rejects" => "is rejected".to_string(),
                    _ => "may be admitted (not known)".to_string(),
                };
                edges.push(MapEdge { from, to: format!("trust_{trust}"), kind, label: Some(label) });
                links.push(MapLink {
                    caller: caller_ref,
                    login: login_ref,
                    trust: Some(TrustRef {
                        file: node.file.path().to_string(),
                        resource: node.identity.label.clone(),
                        line: line_of(&node.file, node.span()),
                        matched_by: matched_by.clone(),
                    }),
                    status,
                    admitted_subjects: unique,
                    rejections,
                    unknown,
                    resolve_with: None,
                });
            }
            Resolution::Unknown { why, resolve_with } => {
                let id = format!("unresolved_{index}");
                nodes.push(MapNode {
                    id: id.clone(),
                    kind: NodeKind::Unresolved,
                    label: format!("unknown target: {} {}", target.input, target.value.text.trim()),
                    detail: Some(format!("{why}. Resolve with {resolve_with}.")),
                    file: Some(caller.file.path().to_string()),
                    line: Some(login_ref.line),
                    severity: None,
                });
                edges.push(MapEdge {
                    from,
                    to: id,
                    kind: EdgeKind::MayBeAdmittedBy,
                    label: Some("logs in to".into()),
                });
                links.push(MapLink {
                    caller: caller_ref,
                    login: login_ref,
                    trust: None,
                    status: "unresolved",
                    admitted_subjects: Vec::new(),
                    rejections: Vec::new(),
                    unknown: Some(why.clone()),
                    resolve_with: Some(resolve_with.clone()),
                });
            }
        }
    }
    // Stable: within a column, nodes keep the order of the run.
    nodes.sort_by_key(|node| node.kind.column());
    TrustMap {
        version: MAP_VERSION,
        repository: chain
            .repository
            .as_ref()
            .map(|r| RepositoryRef { path: r.path.clone(), source: r.source.describe() }),
        nodes,
        edges,
        links,
    }
}

mod render;
pub use render::{Format, render};
