//! Renderers of the map. Every one is a pure function of the map, so output is byte-identical
//! whatever the number of threads; credentials never reach them (only names and references
//! do), and a last pass masks anything that looks like one anyway.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use trustlint_core::Severity;

use super::{EdgeKind, MapNode, NodeKind, TrustMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    Human,
    Json,
    Mermaid,
    Dot,
    Html,
}

pub fn render(map: &TrustMap, format: Format) -> String {
    let out = match format {
        Format::Human => human(map),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(map).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Mermaid => mermaid(map),
        Format::Dot => dot(map),
        Format::Html => html(map),
    };
    mask(&out)
}

/// Mask anything the secret scanner recognises as a credential.
fn mask(text: &str) -> String {
    let spans = trustlint_rules::secrets::credential_spans(text);
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        if span.start < at {
            continue;
        }
        out.push_str(&text[at..span.start]);
        out.push_str(&trustlint_core::redact::redact(&text[span.start..span.end]));
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

fn node<'a>(map: &'a TrustMap, id: &str) -> Option<&'a MapNode> {
    map.nodes.iter().find(|n| n.id == id)
}

fn place(node: &MapNode) -> String {
    match (&node.file, node.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => String::new(),
    }
}

fn human(map: &TrustMap) -> String {
    let mut out = String::new();
    match &map.repository {
        Some(repo) => {
            let _ = writeln!(out, "Trust chain of {} (from {})", repo.path, repo.source);
        }
        None => out.push_str(
            "Trust chain (repository not known: set `repository` in trustlint.toml or pass `--repository`)\n",
        ),
    }
    for trust in map.nodes.iter().filter(|n| n.kind == NodeKind::Trust) {
        let severity = trust.severity.map(|s| format!(" [{s}]")).unwrap_or_default();
        let _ = writeln!(out, "\n{} at {}{severity}", trust.label, place(trust));
        if let Some(detail) = &trust.detail {
            let _ = writeln!(out, "  {detail}");
        }
        for edge in map.edges.iter().filter(|e| e.from == trust.id && e.kind == EdgeKind::Grants) {
            if let Some(power) = node(map, &edge.to) {
                let _ = writeln!(out, "  power: {}", power.label);
            }
        }
        let trust_links: Vec<_> = map
            .links
            .iter()
            .filter(|l| {
                l.trust.as_ref().is_some_and(|t| {
                    Some(&t.file) == trust.file.as_ref()
                        && Some(t.line) == trust.line
                        && t.resource == trust.label
                })
            })
            .collect();
        if trust_links.is_empty() {
            out.push_str("  callers: none in the scanned tree\n");
        }
        for link in trust_links {
            let how = link.trust.as_ref().map(|t| t.matched_by.as_str()).unwrap_or_default();
            let _ = write!(
                out,
                "  {} job `{}` ({}:{}), linked through {how}: ",
                mark(link.status),
                link.caller.job,
                link.caller.file,
                link.login.line
            );
            match link.status {
                "admits" => {
                    let _ = writeln!(out, "admitted as {}", link.admitted_subjects.join(", "));
                }
                "rejects" => {
                    let _ = writeln!(out, "rejected ({})", link.rejections.join("; "));
                }
                _ => {
                    let _ = writeln!(out, "not known ({})", link.unknown.as_deref().unwrap_or(""));
                }
            }
        }
    }
    let unresolved: Vec<_> = map.links.iter().filter(|l| l.status == "unresolved").collect();
    if !unresolved.is_empty() {
        out.push_str("\nLogins not linked to a trust:\n");
        for link in unresolved {
            let _ = writeln!(
                out,
                "  ? job `{}` ({}:{}) {} `{}`: {}. Resolve with {}.",
                link.caller.job,
                link.caller.file,
                link.login.line,
                link.login.input,
                link.login.value,
                link.unknown.as_deref().unwrap_or(""),
                link.resolve_with.as_deref().unwrap_or("")
            );
        }
    }
    let count = |status: &str| map.links.iter().filter(|l| l.status == status).count();
    let _ = writeln!(
        out,
        "\n{} trust(s), {} caller(s): {} admitted, {} rejected, {} not known, {} not linked",
        map.nodes.iter().filter(|n| n.kind == NodeKind::Trust).count(),
        map.nodes.iter().filter(|n| n.kind == NodeKind::Caller).count(),
        count("admits"),
        count("rejects"),
        count("unknown"),
        count("unresolved")
    );
    out
}

fn mark(status: &str) -> &'static str {
    match status {
        "admits" => "✓",
        "rejects" => "✗",
        _ => "?",
    }
}

/// Text safe inside a quoted Mermaid label.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;").replace('`', "").replace('<', "#lt;").replace('>', "#gt;")
}

fn severity_class(severity: Option<Severity>) -> &'static str {
    match severity {
        Some(Severity::Critical) => "critical",
        Some(Severity::High) => "high",
        Some(Severity::Medium) => "medium",
        Some(Severity::Low) | Some(Severity::Info) => "low",
        None => "none",
    }
}

const COLUMNS: [&str; 4] = ["Callers", "Issuers", "Trusts", "Power"];

fn mermaid(map: &TrustMap) -> String {
    let mut out = String::from("```mermaid\nflowchart LR\n");
    for (column, title) in COLUMNS.iter().enumerate() {
        let members: Vec<&MapNode> = map.nodes.iter().filter(|n| n.kind.column() == column).collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph col{column}[\"{title}\"]");
        for node in members {
            let mut label = mermaid_text(&node.label);
            if node.kind == NodeKind::Caller {
                let _ = write!(label, "<br/><small>{}</small>", mermaid_text(&place(node)));
            }
            if node.kind == NodeKind::Trust
                && let Some(detail) = &node.detail
            {
                let _ = write!(label, "<br/><small>{}</small>", mermaid_text(detail));
            }
            let (open, close) = match node.kind {
                NodeKind::Caller => ("([", "])"),
                NodeKind::Issuer => ("{{", "}}"),
                NodeKind::Anyone | NodeKind::Unresolved => ("[/", "/]"),
                NodeKind::Trust | NodeKind::Power => ("[", "]"),
            };
            let _ = writeln!(out, "    {}{open}\"{label}\"{close}", node.id);
        }
        out.push_str("  end\n");
    }
    for edge in &map.edges {
        let arrow = match edge.kind {
            EdgeKind::IsRejectedBy => "--x",
            EdgeKind::MayBeAdmittedBy => "-.->",
            _ => "-->",
        };
        match &edge.label {
            Some(label) if edge.kind == EdgeKind::MayBeAdmittedBy => {
                let _ = writeln!(out, "  {} -. \"{}\" .-> {}", edge.from, mermaid_text(label), edge.to);
            }
            Some(label) => {
                let _ = writeln!(out, "  {} {arrow}|\"{}\"| {}", edge.from, mermaid_text(label), edge.to);
            }
            None => {
                let _ = writeln!(out, "  {} {arrow} {}", edge.from, edge.to);
            }
        }
    }
    out.push_str("  classDef critical fill:#7f1d1d,color:#fff,stroke:#450a0a\n");
    out.push_str("  classDef high fill:#dc2626,color:#fff,stroke:#7f1d1d\n");
    out.push_str("  classDef medium fill:#f59e0b,color:#000,stroke:#92400e\n");
    out.push_str("  classDef low fill:#fde68a,color:#000,stroke:#a16207\n");
    out.push_str("  classDef anyone fill:#fee2e2,color:#7f1d1d,stroke:#dc2626,stroke-dasharray:4\n");
    let mut classes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in &map.nodes {
        let class = match node.kind {
            NodeKind::Anyone => "anyone",
            _ => severity_class(node.severity),
        };
        if class != "none" {
            classes.entry(class).or_default().push(&node.id);
        }
    }
    for (class, ids) in classes {
        let _ = writeln!(out, "  class {} {class}", ids.join(","));
    }
    out.push_str("```\n");
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn fill(node: &MapNode) -> &'static str {
    match node.kind {
        NodeKind::Anyone => "#fee2e2",
        _ => match node.severity {
            Some(Severity::Critical) => "#7f1d1d",
            Some(Severity::High) => "#dc2626",
            Some(Severity::Medium) => "#f59e0b",
            Some(_) => "#fde68a",
            None => "#f8fafc",
        },
    }
}

fn dot(map: &TrustMap) -> String {
    let mut out = String::from(
        "digraph trust_chain {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=10];\n  edge [fontname=\"sans-serif\", fontsize=9];\n",
    );
    for (column, title) in COLUMNS.iter().enumerate() {
        let members: Vec<&MapNode> = map.nodes.iter().filter(|n| n.kind.column() == column).collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph cluster_{column} {{\n    label=\"{title}\";\n    rank=same;");
        for node in members {
            let mut label = dot_text(&node.label);
            if node.kind == NodeKind::Caller {
                let _ = write!(label, "\\n{}", dot_text(&place(node)));
            }
            if let Some(detail) = node.detail.as_ref().filter(|_| node.kind == NodeKind::Trust) {
                let _ = write!(label, "\\n{}", dot_text(detail));
            }
            let color = if matches!(node.severity, Some(Severity::Critical | Severity::High)) {
                "white"
            } else {
                "black"
            };
            let place = place(node);
            let tooltip =
                if place.is_empty() { String::new() } else { format!(", tooltip=\"{}\"", dot_text(&place)) };
            let _ = writeln!(
                out,
                "    \"{}\" [label=\"{label}\", fillcolor=\"{}\", fontcolor={color}{tooltip}];",
                node.id,
                fill(node)
            );
        }
        out.push_str("  }\n");
    }
    for edge in &map.edges {
        let style = match edge.kind {
            EdgeKind::IsRejectedBy => ", color=\"#dc2626\", arrowhead=tee",
            EdgeKind::MayBeAdmittedBy => ", style=dashed",
            _ => "",
        };
        let label = edge.label.as_ref().map(|l| format!(", label=\"{}\"", dot_text(l))).unwrap_or_default();
        let _ = writeln!(out, "  \"{}\" -> \"{}\" [dir=forward{label}{style}];", edge.from, edge.to);
    }
    out.push_str("}\n");
    out
}

fn html_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const NODE_WIDTH: usize = 300;
const COLUMN_GAP: usize = 120;
const NODE_GAP: usize = 14;
const MARGIN: usize = 20;

/// A label cut into lines of at most `width` characters (the box is fixed-width); code quotes
/// are dropped, the box already sets names apart.
fn text_lines(text: &str, width: usize) -> Vec<String> {
    let text = text.replace('`', "");
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        // A word wider than the box (a long path) is cut where it must.
        let chars: Vec<char> = word.chars().collect();
        words.extend(
            chars.chunks(width.saturating_sub(2).max(8)).map(|chunk| chunk.iter().collect::<String>()),
        );
    }
    for word in &words {
        if !line.is_empty() && line.chars().count() + word.chars().count() >= width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Nodes in drawing order: callers and issuers as the run found them, each trust next to its
/// first caller and each power next to its trust, which keeps edges short and mostly level.
fn ordered(map: &TrustMap) -> Vec<&MapNode> {
    let position: BTreeMap<&str, usize> =
        map.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut rank: BTreeMap<&str, usize> = BTreeMap::new();
    for edge in map.edges.iter().filter(|e| {
        matches!(e.kind, EdgeKind::IsAdmittedBy | EdgeKind::IsRejectedBy | EdgeKind::MayBeAdmittedBy)
    }) {
        let Some(from) = map.nodes.iter().find(|n| n.id == edge.from) else { continue };
        if from.kind != NodeKind::Caller {
            continue;
        }
        let at = position[edge.from.as_str()];
        rank.entry(edge.to.as_str()).and_modify(|r| *r = (*r).min(at)).or_insert(at);
    }
    for edge in map.edges.iter().filter(|e| e.kind == EdgeKind::Grants) {
        if let Some(&r) = rank.get(edge.from.as_str()) {
            rank.insert(edge.to.as_str(), r);
        }
    }
    let mut nodes: Vec<&MapNode> = map.nodes.iter().collect();
    // Unlinked trusts after the linked ones, in run order.
    nodes.sort_by_key(|n| {
        (n.kind.column(), rank.get(n.id.as_str()).copied().unwrap_or(usize::MAX), position[n.id.as_str()])
    });
    nodes
}

/// One self-contained page: the graph is laid out here (columns, fixed-width boxes) and drawn
/// as inline SVG; a small inline script only highlights a node's edges on hover and marks the
/// page as rendered. No network, no external scripts or fonts.
fn html(map: &TrustMap) -> String {
    struct Placed<'a> {
        node: &'a MapNode,
        x: usize,
        y: usize,
        height: usize,
        lines: Vec<String>,
        detail: Vec<String>,
    }
    let mut placed: Vec<Placed<'_>> = Vec::new();
    let mut bottoms = [MARGIN + 30; 4];
    for node in ordered(map) {
        let column = node.kind.column();
        // Level with the node that leads here (a trust's first caller, a power's trust) when
        // there is room, so edges run straight.
        let lead = map
            .edges
            .iter()
            .filter(|e| {
                e.to == node.id
                    && (e.kind == EdgeKind::Grants
                        || (node.kind == NodeKind::Trust && e.from.starts_with("caller_")))
            })
            .find_map(|e| placed.iter().find(|p| p.node.id == e.from).map(|p| p.y));
        if let Some(y) = lead {
            bottoms[column] = bottoms[column].max(y);
        }
        let lines = text_lines(&node.label, 36);
        let detail = node.detail.as_deref().map(|d| text_lines(d, 48)).unwrap_or_default();
        let height = 16 + 15 * lines.len() + 13 * detail.len() + if node.file.is_some() { 14 } else { 0 };
        let x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP);
        let y = bottoms[column];
        bottoms[column] += height + NODE_GAP;
        placed.push(Placed { node, x, y, height, lines, detail });
    }
    let width = MARGIN * 2 + 4 * NODE_WIDTH + 3 * COLUMN_GAP;
    let height = bottoms.iter().max().copied().unwrap_or(100) + MARGIN;
    let find = |id: &str| placed.iter().find(|p| p.node.id == id);
    let mut svg = String::new();
    for (column, title) in COLUMNS.iter().enumerate() {
        let x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP);
        let _ = writeln!(svg, "<text class=\"column\" x=\"{x}\" y=\"{}\">{title}</text>", MARGIN + 12);
    }
    for (index, edge) in map.edges.iter().enumerate() {
        let (Some(from), Some(to)) = (find(&edge.from), find(&edge.to)) else { continue };
        let (x1, y1) = (from.x + NODE_WIDTH, from.y + from.height / 2);
        let (x2, y2) = (to.x, to.y + to.height / 2);
        let (x1, x2) = if to.x <= from.x { (from.x, to.x + NODE_WIDTH) } else { (x1, x2) };
        let bend = (x2.abs_diff(x1) / 2).max(40);
        let (c1, c2) = if x2 >= x1 {
            (x1 + bend, x2.saturating_sub(bend))
        } else {
            (x1.saturating_sub(bend), x2 + bend)
        };
        let class = match edge.kind {
            EdgeKind::IsRejectedBy => "edge rejected",
            EdgeKind::MayBeAdmittedBy => "edge maybe",
            _ => "edge",
        };
        let title = edge.label.as_deref().map(html_text).unwrap_or_default();
        let _ = writeln!(
            svg,
            "<path id=\"e{index}\" class=\"{class}\" data-from=\"{}\" data-to=\"{}\" d=\"M{x1},{y1} C{c1},{y1} {c2},{y2} {x2},{y2}\" marker-end=\"url(#arrow)\"><title>{title}</title></path>",
            edge.from, edge.to
        );
    }
    for p in &placed {
        let class = match p.node.kind {
            NodeKind::Anyone => "anyone".to_string(),
            NodeKind::Unresolved => "unresolved".to_string(),
            _ => severity_class(p.node.severity).to_string(),
        };
        let href = p.node.file.as_ref().map(|file| match p.node.line {
            Some(line) => format!("{file}#L{line}"),
            None => file.clone(),
        });
        let _ =
            write!(svg, "<g class=\"node {class}\" id=\"{}\" data-kind=\"{:?}\">", p.node.id, p.node.kind);
        if let Some(href) = &href {
            let _ = write!(svg, "<a href=\"{}\">", html_text(href));
        }
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{NODE_WIDTH}\" height=\"{}\" rx=\"8\"/>",
            p.x, p.y, p.height
        );
        let mut y = p.y + 18;
        for line in &p.lines {
            let _ =
                write!(svg, "<text class=\"label\" x=\"{}\" y=\"{y}\">{}</text>", p.x + 10, html_text(line));
            y += 15;
        }
        for line in &p.detail {
            let _ =
                write!(svg, "<text class=\"detail\" x=\"{}\" y=\"{y}\">{}</text>", p.x + 10, html_text(line));
            y += 13;
        }
        if href.is_some() {
            let _ = write!(
                svg,
                "<text class=\"place\" x=\"{}\" y=\"{y}\">{}</text>",
                p.x + 10,
                html_text(&place(p.node))
            );
            svg.push_str("</a>");
        }
        svg.push_str("</g>\n");
    }
    let title = match &map.repository {
        Some(repo) => format!("Trust chain of {}", repo.path),
        None => "Trust chain".to_string(),
    };
    let count = |status: &str| map.links.iter().filter(|l| l.status == status).count();
    let summary = format!(
        "{} trusts, {} callers: {} admitted, {} rejected, {} not known, {} not linked",
        map.nodes.iter().filter(|n| n.kind == NodeKind::Trust).count(),
        map.nodes.iter().filter(|n| n.kind == NodeKind::Caller).count(),
        count("admits"),
        count("rejects"),
        count("unknown"),
        count("unresolved"),
    );
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f8fafc; color: #0f172a; }}
header {{ padding: 12px 20px; border-bottom: 1px solid #cbd5e1; background: #fff; }}
h1 {{ font-size: 18px; margin: 0 0 4px; }}
.summary {{ font-size: 13px; color: #475569; }}
.legend span {{ display: inline-block; margin-right: 12px; font-size: 12px; }}
.legend i {{ display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 4px; vertical-align: -2px; border: 1px solid #64748b; }}
main {{ overflow: auto; }}
svg {{ display: block; }}
.column {{ font-size: 14px; font-weight: 600; fill: #334155; }}
.node rect {{ fill: #fff; stroke: #64748b; stroke-width: 1.2; }}
.node.critical rect {{ fill: #7f1d1d; stroke: #450a0a; }}
.node.high rect {{ fill: #fecaca; stroke: #dc2626; stroke-width: 2; }}
.node.medium rect {{ fill: #fef3c7; stroke: #d97706; stroke-width: 2; }}
.node.low rect {{ fill: #fefce8; stroke: #ca8a04; }}
.node.anyone rect {{ fill: #fee2e2; stroke: #dc2626; stroke-dasharray: 5 3; }}
.node.unresolved rect {{ fill: #f1f5f9; stroke: #94a3b8; stroke-dasharray: 3 3; }}
.node.critical text {{ fill: #fff; }}
.label {{ font-size: 13px; font-weight: 600; }}
.detail {{ font-size: 11px; fill: #334155; }}
.place {{ font-size: 10px; fill: #2563eb; }}
.node a:hover rect {{ stroke-width: 3; }}
.edge {{ fill: none; stroke: #475569; stroke-width: 1.4; }}
.edge.rejected {{ stroke: #dc2626; stroke-width: 2; }}
.edge.maybe {{ stroke-dasharray: 5 4; stroke: #94a3b8; }}
.edge.lit {{ stroke: #2563eb; stroke-width: 3; }}
</style>
</head>
<body data-rendered="pending">
<header>
<h1>{title}</h1>
<div class="summary">{summary}</div>
<div class="legend"><span><i style="background:#7f1d1d"></i>critical</span><span><i style="background:#fecaca"></i>high</span><span><i style="background:#fef3c7"></i>medium</span><span><i style="background:#fee2e2"></i>anyone outside the repository</span><span>red edge: rejected · dashed: not known</span></div>
</header>
<main>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#475569"/></marker></defs>
{svg}</svg>
</main>
<script>
(function () {{
  var nodes = document.querySelectorAll("g.node");
  var edges = document.querySelectorAll("path.edge");
  nodes.forEach(function (node) {{
    node.addEventListener("mouseenter", function () {{
      edges.forEach(function (edge) {{
        if (edge.dataset.from === node.id || edge.dataset.to === node.id) edge.classList.add("lit");
      }});
    }});
    node.addEventListener("mouseleave", function () {{
      edges.forEach(function (edge) {{ edge.classList.remove("lit"); }});
    }});
  }});
  document.body.dataset.rendered = nodes.length + " nodes, " + edges.length + " edges";
}})();
</script>
</body>
</html>
"##
    )
}
