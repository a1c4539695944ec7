//! GitLab CI: `.gitlab-ci.yml` and the files it includes. Jobs are read after GitLab's own
//! composition: anchors and `<<` merges (already expanded by the YAML reader), `extends:` (deep
//! merge, templates first) and `!reference [...]` tags, both resolved within the file, and the
//! `default:` section. What points outside the file (an `include:`d template) is recorded as
//! unresolved, never guessed. Fills [`Workflow`] facts (jobs, `id_tokens`, variables, `secrets:`,
//! merge-request rules) and [`CredentialUse`] facts for long-lived cloud credentials in
//! `variables:` or referenced by scripts.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::workflow::{
    self, EnvVar, Environment, ExternalSecret, IdToken, Include, Job, Origin, TokenRequest, TokenRequestKind,
    Value, Workflow, WorkflowKind,
};
use trustlint_model::{CredentialKind, CredentialSource, CredentialUse, Facts};
use trustlint_syntax::{Entry, Node, NodeKind, parse_yaml};

use crate::Analysis;

/// Top-level keys that are not jobs.
const KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
    "types",
];

/// GitLab stops at 11 levels of `extends`.
const MAX_EXTENDS_DEPTH: usize = 11;
/// GitLab allows 10 levels of nested `!reference`.
const MAX_REFERENCE_DEPTH: usize = 10;
/// Nodes that `extends` and `!reference` may copy in one file: a handful of references per level
/// would otherwise grow exponentially with the nesting.
const MAX_EXPANDED_NODES: usize = 1_000_000;

/// A YAML file not named `.gitlab-ci.yml` that still reads as GitLab CI (an included file):
/// `id_tokens:`, a top-level `stages:`, or `script:` next to another job keyword.
pub fn looks_like_pipeline(text: &str) -> bool {
    text.contains("id_tokens:")
        || text.lines().any(|line| line.starts_with("stages:"))
        || (text.contains("script:")
            && ["stage:", "extends:", "before_script:", "after_script:"].iter().any(|k| text.contains(k)))
}

pub fn analyze(file: &Arc<SourceFile>) -> Analysis {
    let parsed = parse_yaml(file.text());
    if let Some(error) = parsed.errors.first() {
        let mut analysis = Analysis::problem(error.span, format!("invalid YAML: {}", error.message));
        analysis.comments = parsed.comments;
        return analysis;
    }
    let mut facts = Facts::default();
    // A CI/CD component starts with a `spec:` header document.
    let root = parsed
        .documents
        .iter()
        .find(|doc| doc.as_map().is_some_and(|entries| entries.iter().any(|e| e.key != "spec")));
    if let Some(root) = root {
        read_pipeline(file, root, &mut facts);
    }
    for flow in &mut facts.workflows {
        flow.comments = parsed.comments.len();
    }
    Analysis { facts, comments: parsed.comments, ..Analysis::default() }
}

fn read_pipeline(file: &Arc<SourceFile>, root: &Node, facts: &mut Facts) {
    let includes = root.get("include").map(read_includes).unwrap_or_default();
    let resolver = Resolver { root, has_includes: !includes.is_empty(), expanded: Cell::new(0) };
    let mut unresolved_globals = Vec::new();
    let globals = root
        .get("variables")
        .map(|node| resolver.references(node, 0, &mut unresolved_globals))
        .map(|node| variables(&node))
        .unwrap_or_default();
    let default = root.get("default").map(|node| resolver.references(node, 0, &mut unresolved_globals));

    let mut flow = Workflow {
        file: Arc::clone(file),
        kind: WorkflowKind::GitLabPipeline,
        name: None,
        triggers: Vec::new(),
        permissions: None,
        env: globals,
        jobs: Vec::new(),
        includes,
        comments: 0,
    };
    let mut templates = Vec::new();
    for entry in root.as_map().unwrap_or_default() {
        if KEYWORDS.contains(&entry.key.as_str()) || entry.value.as_map().is_none() {
            continue;
        }
        let mut job = resolver.job(entry, default.as_ref());
        job.unresolved.extend(unresolved_globals.iter().cloned());
        if entry.key.starts_with('.') {
            templates.push(job);
        } else {
            flow.jobs.push(job);
        }
    }
    credentials(&flow, &templates, facts);
    facts.workflows.push(flow);
}

fn read_includes(node: &Node) -> Vec<Include> {
    let include = |kind: &str, target: &Node| Include {
        kind: kind.to_string(),
        target: target.as_text().unwrap_or("").to_string(),
        span: target.span,
    };
    node.one_or_many()
        .into_iter()
        .filter_map(|item| {
            if let Some(text) = item.as_text() {
                let kind = if text.starts_with("http://") || text.starts_with("https://") {
                    "remote"
                } else {
                    "local"
                };
                return Some(include(kind, item));
            }
            ["local", "project", "remote", "template", "component"]
                .iter()
                .find_map(|kind| item.get(kind).map(|target| include(kind, target)))
        })
        .collect()
}

struct Resolver<'a> {
    root: &'a Node,
    has_includes: bool,
    /// Nodes copied so far by `extends` and `!reference`, against [`MAX_EXPANDED_NODES`].
    expanded: Cell<usize>,
}

impl Resolver<'_> {
    /// Charge a copied subtree to the budget; false (and a note) once it is spent.
    fn charge(&self, copied: &Node, what: &str, unresolved: &mut Vec<String>) -> bool {
        let total = self.expanded.get().saturating_add(node_count(copied, MAX_EXPANDED_NODES + 1));
        self.expanded.set(total);
        if total > MAX_EXPANDED_NODES {
            unresolved.push(format!(
                "{what} is not expanded: the file expands to more than {MAX_EXPANDED_NODES} nodes"
            ));
            return false;
        }
        true
    }

    fn not_here(&self, what: &str) -> String {
        if self.has_includes {
            format!("{what} is not in this file (it may come from an `include:`)")
        } else {
            format!("{what} is not in this file")
        }
    }

    /// A job as GitLab runs it: templates merged, references resolved, `default:` applied.
    fn job(&self, entry: &Entry, default: Option<&Node>) -> Job {
        let mut unresolved = Vec::new();
        let mut chain = vec![entry.key.clone()];
        let merged = self.extends(&entry.value, &mut chain, &mut unresolved);
        let node = self.references(&merged, 0, &mut unresolved);
        let mut job = Job::new(entry.key.clone(), entry.key_span, entry.value.span);
        job.unresolved = unresolved;
        read_job(&mut job, &node, default);
        job
    }

    /// `extends:` applied: each template (itself extended first) deep-merged in order, then the
    /// job on top.
    fn extends(&self, node: &Node, chain: &mut Vec<String>, unresolved: &mut Vec<String>) -> Node {
        let Some(extends) = node.get("extends") else { return node.clone() };
        let mut merged: Option<Node> = None;
        for name_node in extends.one_or_many() {
            let Some(name) = name_node.as_text() else { continue };
            if self.expanded.get() > MAX_EXPANDED_NODES {
                unresolved.push(format!(
                    "`extends: {name}` is not expanded: the file expands to more than {MAX_EXPANDED_NODES} nodes"
                ));
                break;
            }
            if chain.iter().any(|seen| seen == name) {
                unresolved.push(format!("`extends: {name}` loops back on itself"));
                continue;
            }
            if chain.len() > MAX_EXTENDS_DEPTH {
                unresolved.push(format!("`extends: {name}` nests deeper than {MAX_EXTENDS_DEPTH} levels"));
                continue;
            }
            let Some(base) = self.root.get(name).filter(|base| base.as_map().is_some()) else {
                unresolved.push(self.not_here(&format!("`extends: {name}`")));
                continue;
            };
            chain.push(name.to_string());
            let base = self.extends(base, chain, unresolved);
            chain.pop();
            if !self.charge(&base, &format!("`extends: {name}`"), unresolved) {
                continue;
            }
            merged = Some(match merged {
                Some(earlier) => deep_merge(&earlier, &base),
                None => base,
            });
        }
        let own = without_key(node, "extends");
        match merged {
            Some(base) => deep_merge(&base, &own),
            None => own,
        }
    }

    /// Every `!reference [job, key, ...]` replaced by what it names (spliced into sequences).
    fn references(&self, node: &Node, depth: usize, unresolved: &mut Vec<String>) -> Node {
        if node.tag_name() == Some("!reference") {
            return self.reference(node, depth, unresolved).unwrap_or_else(|| empty_like(node));
        }
        let kind = match &node.kind {
            NodeKind::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    let resolved = self.references(item, depth, unresolved);
                    match (item.tag_name(), resolved.kind) {
                        // A referenced list is spliced into the list that references it.
                        (Some("!reference"), NodeKind::Seq(spliced)) => out.extend(spliced),
                        (_, kind) => out.push(Node { kind, ..resolved }),
                    }
                }
                NodeKind::Seq(out)
            }
            NodeKind::Map(entries) => NodeKind::Map(
                entries
                    .iter()
                    .map(|entry| Entry {
                        value: self.references(&entry.value, depth, unresolved),
                        ..entry.clone()
                    })
                    .collect(),
            ),
            // Scalars (and the computed values only program readers make) hold no reference.
            _ => return node.clone(),
        };
        Node { kind, span: node.span, tag: node.tag.clone() }
    }

    fn reference(&self, node: &Node, depth: usize, unresolved: &mut Vec<String>) -> Option<Node> {
        let route: Vec<&str> = node.as_seq()?.iter().filter_map(Node::as_text).collect();
        let written = format!("`!reference [{}]`", route.join(", "));
        if depth >= MAX_REFERENCE_DEPTH {
            unresolved.push(format!("{written} nests deeper than {MAX_REFERENCE_DEPTH} levels"));
            return None;
        }
        let (first, rest) = route.split_first()?;
        let Some(mut target) = self.root.get(first) else {
            unresolved.push(self.not_here(&format!("{written} names `{first}`, which")));
            return None;
        };
        for key in rest {
            match target.get(key) {
                Some(next) => target = next,
                None => {
                    unresolved.push(format!("{written}: `{first}` has no `{key}`"));
                    return None;
                }
            }
        }
        if self.expanded.get() > MAX_EXPANDED_NODES {
            unresolved.push(format!(
                "{written} is not expanded: the file expands to more than {MAX_EXPANDED_NODES} nodes"
            ));
            return None;
        }
        let resolved = self.references(target, depth + 1, unresolved);
        self.charge(&resolved, &written, unresolved).then_some(resolved)
    }
}

/// Nodes in a tree, counting no further than `limit`.
fn node_count(node: &Node, limit: usize) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        count += 1;
        if count >= limit {
            break;
        }
        match &node.kind {
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(entries) => stack.extend(entries.iter().map(|entry| &entry.value)),
            _ => {}
        }
    }
    count
}

/// GitLab's `extends` merge: mappings merge key by key, anything else is replaced.
fn deep_merge(base: &Node, over: &Node) -> Node {
    let (Some(base_entries), Some(over_entries)) = (base.as_map(), over.as_map()) else {
        return over.clone();
    };
    let mut entries: Vec<Entry> = base_entries.to_vec();
    for entry in over_entries {
        match entries.iter_mut().rev().find(|existing| existing.key == entry.key) {
            Some(existing) => {
                existing.value = deep_merge(&existing.value, &entry.value);
                existing.key_span = entry.key_span;
            }
            None => entries.push(entry.clone()),
        }
    }
    Node { kind: NodeKind::Map(entries), span: over.span, tag: over.tag.clone() }
}

fn without_key(node: &Node, key: &str) -> Node {
    match &node.kind {
        NodeKind::Map(entries) => Node {
            kind: NodeKind::Map(entries.iter().filter(|entry| entry.key != key).cloned().collect()),
            span: node.span,
            tag: node.tag.clone(),
        },
        _ => node.clone(),
    }
}

/// What an unresolved `!reference` leaves behind: nothing.
fn empty_like(node: &Node) -> Node {
    Node { kind: NodeKind::Seq(Vec::new()), span: node.span, tag: None }
}

fn gitlab_value(node: &Node) -> Option<Value> {
    let text = node.as_str()?;
    Some(Value { text: text.to_string(), span: node.span, origin: Origin::of_gitlab(text) })
}

/// `variables:`: `NAME: value` or `NAME: {value: ..., description: ...}`.
fn variables(node: &Node) -> Vec<EnvVar> {
    node.as_map()
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            let value_node =
                if entry.value.as_map().is_some() { entry.value.get("value")? } else { &entry.value };
            Some(EnvVar {
                name: entry.key.clone(),
                name_span: entry.key_span,
                value: gitlab_value(value_node)?,
            })
        })
        .collect()
}

/// Whether the job inherits `key` from `default:` (`inherit: default: false | [keys]`).
fn inherits_default(node: &Node, key: &str) -> bool {
    match node.get("inherit").and_then(|inherit| inherit.get("default")) {
        None => true,
        Some(setting) => match setting.as_seq() {
            Some(keys) => keys.iter().any(|k| k.as_text() == Some(key)),
            None => setting.as_text() != Some("false"),
        },
    }
}

fn read_job(job: &mut Job, node: &Node, default: Option<&Node>) {
    let inherited = |key: &str| {
        node.get(key).or_else(|| default.filter(|_| inherits_default(node, key)).and_then(|d| d.get(key)))
    };
    job.name = Some(job.id.clone());
    job.environment = node.get("environment").and_then(|env| {
        let name_node = if env.as_map().is_some() { env.get("name")? } else { env };
        let name = name_node.as_text()?;
        Some(Environment { name: (!name.contains('$')).then(|| name.to_string()), span: name_node.span })
    });
    job.matrix = node.get("parallel").and_then(|p| p.get("matrix")).is_some();
    job.run_filter = ["rules", "only"]
        .into_iter()
        .find_map(|key| node.get(key).map(|filter| (key.to_string(), filter.clone())));
    job.env = node.get("variables").map(variables).unwrap_or_default();
    for key in ["before_script", "script", "after_script"] {
        if let Some(lines) = inherited(key) {
            flatten_lines(lines, &mut job.scripts);
        }
    }
    if let Some(tokens) = inherited("id_tokens").and_then(Node::as_map) {
        for entry in tokens {
            let aud = entry.value.entry("aud");
            let audiences = aud
                .map(|aud| aud.value.one_or_many().into_iter().filter_map(gitlab_value).collect())
                .unwrap_or_default();
            job.token_requests.push(TokenRequest {
                span: entry.key_span,
                kind: TokenRequestKind::GitLabIdToken,
                what: format!("`id_tokens` entry `{}`", entry.key),
            });
            job.id_tokens.push(IdToken {
                name: entry.key.clone(),
                name_span: entry.key_span,
                audiences,
                aud_span: aud.map(|aud| aud.key_span),
            });
        }
    }
    if let Some(secrets) = node.get("secrets").and_then(Node::as_map) {
        for entry in secrets {
            let provider = ["vault", "azure_key_vault", "gcp_secret_manager", "akeyless"]
                .iter()
                .find(|p| entry.value.get(p).is_some())
                .map_or("unknown", |p| p);
            let token = entry.value.get("token").and_then(Node::as_text).map(|t| {
                t.trim().trim_start_matches('$').trim_start_matches('{').trim_end_matches('}').to_string()
            });
            job.secrets.push(ExternalSecret {
                name: entry.key.clone(),
                name_span: entry.key_span,
                provider: provider.to_string(),
                token,
            });
        }
    }
    job.merge_request_pipelines = merge_request_rule(node);
}

/// Script lines, with nested lists (from `!reference`) flattened.
fn flatten_lines(node: &Node, out: &mut Vec<Value>) {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().for_each(|item| flatten_lines(item, out)),
        NodeKind::Scalar(_) => out.extend(gitlab_value(node).map(|v| Value { origin: Origin::Literal, ..v })),
        _ => {}
    }
}

/// The `rules: - if:` or `only:` entry that runs the job in merge-request pipelines.
fn merge_request_rule(node: &Node) -> Option<Span> {
    if let Some(rules) = node.get("rules").and_then(Node::as_seq) {
        for rule in rules {
            let Some(condition) = rule.get("if").filter(|c| c.as_text().is_some()) else { continue };
            let text = condition.as_text().unwrap_or("");
            let never = rule.get("when").and_then(Node::as_text) == Some("never");
            if !never && (text.contains("merge_request_event") || text.contains("CI_MERGE_REQUEST_")) {
                return Some(condition.span);
            }
        }
    }
    let only = node.get("only")?;
    let refs = if only.as_map().is_some() { only.get("refs")? } else { only };
    refs.one_or_many().into_iter().find(|r| r.as_text() == Some("merge_requests")).map(|r| r.span)
}

/// Long-lived credentials: credential variables set in `variables:` (global, job or template),
/// and secret variables a script reads without the job setting them (a project CI/CD variable).
fn credentials(flow: &Workflow, templates: &[Job], facts: &mut Facts) {
    let mut seen: HashSet<Span> = HashSet::new();
    let mut push = |facts: &mut Facts, credential: CredentialUse| {
        if seen.insert(credential.span) {
            facts.credentials.push(credential);
        }
    };
    for var in &flow.env {
        if let Some(credential) = variable_credential(&flow.file, var, "global `variables:`") {
            push(facts, credential);
        }
    }
    for job in templates.iter().chain(&flow.jobs) {
        for var in &job.env {
            if let Some(credential) =
                variable_credential(&flow.file, var, &format!("`variables:` of `{}`", job.id))
            {
                push(facts, credential);
            }
        }
        for credential in script_credentials(flow, job) {
            push(facts, credential);
        }
    }
}

fn variable_credential(file: &Arc<SourceFile>, var: &EnvVar, place: &str) -> Option<CredentialUse> {
    let known = workflow::credential_variable(&var.name)?;
    let source = match &var.value.origin {
        Origin::Variable(name) if !known.only_from_secret => CredentialSource::Variable(name.clone()),
        Origin::Literal if !known.only_from_secret && !workflow::is_placeholder_literal(&var.value.text) => {
            CredentialSource::Literal
        }
        _ => return None,
    };
    let value_span = (source == CredentialSource::Literal).then_some(var.value.span);
    Some(CredentialUse {
        file: Arc::clone(file),
        span: var.name_span,
        value_span,
        kind: known.kind,
        source,
        wired_into: format!("`{}` in {place}", var.name),
        replacement: Cow::Borrowed(known.gitlab_replacement),
    })
}

/// Long-lived credentials a job's scripts wire in from CI/CD variables of the project or group:
/// a credential variable or AWS CLI setting assigned from one (`export AWS_ACCESS_KEY_ID=$KEY`,
/// `aws configure set aws_secret_access_key $SECRET`; the first per credential kind), or a secret
/// credential variable read without the job setting it. Skipped when part of the job could not be
/// read or the job declares `id_tokens` (its scripts may exchange the token for these values).
fn script_credentials(flow: &Workflow, job: &Job) -> Vec<CredentialUse> {
    if !job.unresolved.is_empty() || !job.id_tokens.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut kinds_wired: Vec<CredentialKind> = Vec::new();
    let mut assigned_names: Vec<&str> = Vec::new();
    for line in &job.scripts {
        for assignment in workflow::credential_assignments(&line.text) {
            assigned_names.push(assignment.variable.name);
            // Only a whole-value reference to a CI/CD variable the job does not compute itself is
            // known to be stored; `$(aws sts ...)` and values built in the script are not.
            let Some(source) = workflow::shell_reference(assignment.value) else { continue };
            if computed_by_job(flow, job, source) || kinds_wired.contains(&assignment.variable.kind) {
                continue;
            }
            kinds_wired.push(assignment.variable.kind.clone());
            let written = &line.text[assignment.name_at..assignment.name_at + assignment.name_len];
            out.push(CredentialUse {
                file: Arc::clone(&flow.file),
                span: locate(&flow.file, line, &line.text[..assignment.name_at], written),
                value_span: None,
                kind: assignment.variable.kind,
                source: CredentialSource::Variable(source.to_string()),
                wired_into: format!("`{written}` set by the script of `{}`", job.id),
                replacement: Cow::Borrowed(assignment.variable.gitlab_replacement),
            });
        }
    }
    for line in &job.scripts {
        for (name, offset) in variable_references(&line.text) {
            let Some(known) = workflow::credential_variable(name) else { continue };
            if !known.secret || known.only_from_secret || kinds_wired.contains(&known.kind) {
                continue;
            }
            let defined = flow.env.iter().chain(&job.env).any(|var| var.name == name);
            let assigned = assigned_names.contains(&known.name)
                || job.scripts.iter().any(|other| {
                    other.text.contains(&format!("{name}=")) || other.text.contains(&format!("export {name}"))
                });
            if defined || assigned {
                continue;
            }
            // Point at the reference itself when the line is written as decoded.
            let raw = flow.file.slice(line.span);
            let written = &line.text[offset..];
            let reference_len = written
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '{' || c == '}'))
                .unwrap_or(written.len());
            let reference = &written[..reference_len];
            let span = raw.find(reference).map_or(line.span, |at| {
                Span::new(line.span.start + at, line.span.start + at + reference.len())
            });
            out.push(CredentialUse {
                file: Arc::clone(&flow.file),
                span,
                value_span: None,
                kind: known.kind,
                source: CredentialSource::Variable(name.to_string()),
                wired_into: format!("`${name}` read by the script of `{}`", job.id),
                replacement: Cow::Borrowed(known.gitlab_replacement),
            });
        }
    }
    out
}

/// True when the job gives `name` a value itself: in `variables:`, or by a script assignment other
/// than a pass-through of the same name (`export KEY=$KEY`).
fn computed_by_job(flow: &Workflow, job: &Job, name: &str) -> bool {
    if flow.env.iter().chain(&job.env).any(|var| var.name == name) {
        return true;
    }
    job.scripts.iter().any(|line| {
        let text = &line.text;
        text.match_indices(&format!("{name}=")).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let starts_word =
                before.is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '{')));
            let value = &text[at + name.len() + 1..];
            starts_word
                && !value.starts_with('=')
                && workflow::shell_reference(value.split_whitespace().next().unwrap_or("").trim_matches('"'))
                    != Some(name)
        })
    })
}

/// The span of the `index`-th occurrence of `written` in a script line's source, counting the
/// occurrences in the decoded text before it (`prefix`); the whole line when it cannot be found.
fn locate(file: &SourceFile, line: &Value, prefix: &str, written: &str) -> Span {
    let ordinal = prefix.matches(written).count();
    let raw = file.slice(line.span);
    raw.match_indices(written)
        .nth(ordinal)
        .map_or(line.span, |(at, _)| Span::new(line.span.start + at, line.span.start + at + written.len()))
}

/// `$NAME` and `${NAME}` in a script line, with the offset of the `$`.
fn variable_references(text: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices('$') {
        let rest = &text[at + 1..];
        let (body, braced) = match rest.strip_prefix('{') {
            Some(inner) => (inner, true),
            None => (rest, false),
        };
        let len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(body.len());
        if len == 0 || (braced && !body[len..].starts_with('}')) {
            continue;
        }
        out.push((&body[..len], at));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn analyze_text(text: &str) -> Analysis {
        analyze(&SourceFile::new(".gitlab-ci.yml", text))
    }

    const PIPELINE: &str = "\
include:
  - local: ci/common.yml
  - project: acme/templates
    file: deploy.yml
variables:
  AWS_DEFAULT_REGION: us-east-1
  AWS_ACCESS_KEY_ID: AKIAZ7Q3\
XMPLR4T2VN6W
.aws: &aws
  id_tokens:
    AWS_TOKEN:
      aud: https://gitlab.com
.setup:
  before_script:
    - echo setup
  variables:
    PULUMI_ACCESS_TOKEN: $PULUMI_TOKEN
deploy:
  <<: *aws
  extends: .setup
  environment: { name: production }
  script:
    - !reference [.setup, before_script]
    - aws sts assume-role-with-web-identity --web-identity-token \"$AWS_TOKEN\"
  rules:
    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"
multi:
  id_tokens:
    GCP: { aud: [https://iam.googleapis.com/projects/1/x, sts.amazonaws.com] }
    NOAUD: {}
  script: make
  extends: .from-include
legacy:
  script:
    - aws configure set aws_secret_access_key ${AWS_SECRET_ACCESS_KEY}
    - pulumi up
  only: [merge_requests]
";

    #[test]
    fn jobs_after_anchors_extends_and_references() {
        let analysis = analyze_text(PIPELINE);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        let flow = &analysis.facts.workflows[0];
        assert_eq!(flow.includes.len(), 2);
        assert_eq!(
            (flow.includes[1].kind.as_str(), flow.includes[1].target.as_str()),
            ("project", "acme/templates")
        );
        let ids: Vec<_> = flow.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["deploy", "multi", "legacy"]);

        let deploy = &flow.jobs[0];
        assert!(deploy.unresolved.is_empty(), "{:?}", deploy.unresolved);
        assert_eq!(deploy.id_tokens.len(), 1);
        // The merged audience keeps the span of the anchor's definition.
        let aud = &deploy.id_tokens[0].audiences[0];
        assert_eq!(slice(PIPELINE, aud.span), "https://gitlab.com");
        assert_eq!(deploy.environment.as_ref().unwrap().name.as_deref(), Some("production"));
        let lines: Vec<_> = deploy.scripts.iter().map(|s| s.text.as_str()).collect();
        // before_script from `.setup`, then the script with the reference spliced in.
        assert_eq!(lines[0], "echo setup");
        assert_eq!(lines[1], "echo setup");
        assert!(lines[2].starts_with("aws sts"));
        assert_eq!(
            slice(PIPELINE, deploy.merge_request_pipelines.unwrap()),
            "$CI_PIPELINE_SOURCE == \"merge_request_event\""
        );
        assert_eq!(deploy.env[0].name, "PULUMI_ACCESS_TOKEN");

        let multi = &flow.jobs[1];
        assert_eq!(multi.id_tokens[0].audiences.len(), 2);
        assert!(multi.id_tokens[1].audiences.is_empty());
        assert!(multi.id_tokens[1].aud_span.is_none());
        assert_eq!(multi.unresolved.len(), 1);
        assert!(multi.unresolved[0].contains("include"), "{}", multi.unresolved[0]);

        let legacy = &flow.jobs[2];
        assert_eq!(slice(PIPELINE, legacy.merge_request_pipelines.unwrap()), "merge_requests");
    }

    #[test]
    fn credentials_in_variables_and_scripts() {
        let analysis = analyze_text(PIPELINE);
        let found: Vec<_> = analysis
            .facts
            .credentials
            .iter()
            .map(|c| (slice(PIPELINE, c.span), c.source.clone(), c.kind.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("AWS_ACCESS_KEY_ID", CredentialSource::Literal, CredentialKind::AwsAccessKey),
                (
                    "PULUMI_ACCESS_TOKEN",
                    CredentialSource::Variable("PULUMI_TOKEN".into()),
                    CredentialKind::PulumiAccessToken
                ),
                // The setting the script assigns, not the variable it reads.
                (
                    "aws_secret_access_key",
                    CredentialSource::Variable("AWS_SECRET_ACCESS_KEY".into()),
                    CredentialKind::AwsAccessKey
                ),
            ]
        );
    }

    #[test]
    fn default_section_and_inherit() {
        let text = "\
default:
  id_tokens:
    VAULT_ID_TOKEN:
      aud: https://vault.acme.io
build:
  inherit:
    default: false
  script: make
deploy:
  script: make deploy
  secrets:
    DB_PASSWORD:
      vault: prod/db/password@secrets
      token: $VAULT_ID_TOKEN
";
        let analysis = analyze_text(text);
        let flow = &analysis.facts.workflows[0];
        assert!(flow.jobs[0].id_tokens.is_empty());
        assert_eq!(flow.jobs[1].id_tokens[0].name, "VAULT_ID_TOKEN");
        assert_eq!(flow.jobs[1].secrets[0].provider, "vault");
        assert_eq!(flow.jobs[1].secrets[0].token.as_deref(), Some("VAULT_ID_TOKEN"));
    }

    #[test]
    fn extends_loops_and_missing_references_are_unresolved() {
        let text = "\
.a:
  extends: .b
.b:
  extends: .a
job:
  extends: .a
  script:
    - !reference [.nowhere, script]
    - !reference [.a, nothing]
";
        let analysis = analyze_text(text);
        let job = &analysis.facts.workflows[0].jobs[0];
        assert_eq!(job.unresolved.len(), 3, "{:?}", job.unresolved);
        assert!(job.scripts.is_empty());
    }

    #[test]
    fn every_prefix_and_suffix_is_read_without_panicking() {
        for end in (0..=PIPELINE.len()).filter(|&end| PIPELINE.is_char_boundary(end)) {
            let _ = analyze_text(&PIPELINE[..end]);
            let _ = analyze_text(&PIPELINE[end..]);
        }
    }

    #[test]
    fn reference_bombs_are_capped() {
        // Each level references the previous one ten times: 10^9 lines if fully expanded.
        let mut text = String::from(".l0:\n  s: [a, b, c, d, e, f, g, h, i, j]\n");
        for level in 1..10 {
            text.push_str(&format!(".l{level}:\n  s:\n"));
            for _ in 0..10 {
                text.push_str(&format!("    - !reference [.l{}, s]\n", level - 1));
            }
        }
        text.push_str("job:\n  script: !reference [.l9, s]\n");
        let started = std::time::Instant::now();
        let analysis = analyze_text(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let job = &analysis.facts.workflows[0].jobs[0];
        assert!(job.unresolved.iter().any(|u| u.contains("not expanded")), "{:?}", job.unresolved);

        // The same with `extends`: each template extends the previous one ten times over.
        let mut text = String::from(".e0:\n  variables: {A: a}\n  script: [a, b, c, d, e, f, g, h]\n");
        for level in 1..12 {
            let bases = vec![format!(".e{}", level - 1); 10].join(", ");
            text.push_str(&format!(".e{level}:\n  extends: [{bases}]\n"));
        }
        text.push_str("job:\n  extends: .e11\n");
        let started = std::time::Instant::now();
        let analysis = analyze_text(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let job = &analysis.facts.workflows[0].jobs[0];
        assert!(job.unresolved.iter().any(|u| u.contains("not expanded")), "{:?}", job.unresolved);
    }

    #[test]
    fn components_and_junk() {
        let text = "spec:\n  inputs:\n    stage: {default: test}\n---\njob:\n  script: echo\n";
        assert_eq!(analyze_text(text).facts.workflows[0].jobs.len(), 1);
        for junk in [
            "",
            "job: 1",
            "job: {extends: [1, {a: b}]}",
            "job: {script: !reference 3}",
            "- x",
            "job: {id_tokens: [a]}",
        ] {
            let _ = analyze_text(junk);
        }
        assert_eq!(analyze_text("a: [").problems.len(), 1);
        assert!(looks_like_pipeline("deploy:\n  stage: deploy\n  script: make\n"));
        assert!(!looks_like_pipeline("apiVersion: v1\nkind: Pod\n"));
    }

    #[test]
    fn run_filters_come_through_extends_in_gitlab_order() {
        let text = "\
.tags:
  rules:
    - if: $CI_COMMIT_TAG
.main:
  rules:
    - if: $CI_COMMIT_BRANCH == \"main\"
.nested:
  extends: .tags
  environment: prod
later-wins:
  extends: [.tags, .main]
  script: deploy
nested:
  extends: .nested
  script: deploy
own-wins:
  extends: .main
  only: [tags]
  script: deploy
loop-a:
  extends: loop-b
  script: a
loop-b:
  extends: loop-a
  script: b
";
        let analysis = analyze_text(text);
        let jobs = &analysis.facts.workflows[0].jobs;
        let filter = |id: &str| {
            let job = jobs.iter().find(|j| j.id == id).unwrap();
            job.run_filter
                .as_ref()
                .map(|(key, node)| (key.clone(), slice(text, node.span).trim().to_string()))
        };
        let main = "- if: $CI_COMMIT_BRANCH == \"main\"".to_string();
        assert_eq!(filter("later-wins"), Some(("rules".into(), main)));
        assert_eq!(filter("nested"), Some(("rules".into(), "- if: $CI_COMMIT_TAG".into())));
        let nested = jobs.iter().find(|j| j.id == "nested").unwrap();
        assert_eq!(nested.environment.as_ref().and_then(|e| e.name.as_deref()), Some("prod"));
        // `rules` is read before `only`, as GitLab rejects a job with both.
        assert_eq!(filter("own-wins").map(|(key, _)| key), Some("rules".into()));
        let looped = jobs.iter().find(|j| j.id == "loop-a").unwrap();
        assert!(looped.unresolved.iter().any(|u| u.contains("loops back")), "{:?}", looped.unresolved);

        // GitLab stops at 11 levels of `extends`.
        let mut deep = String::from(".t0:\n  rules:\n    - if: $CI_COMMIT_TAG\n");
        for level in 1..=12 {
            deep.push_str(&format!(".t{level}:\n  extends: .t{}\n", level - 1));
        }
        deep.push_str("job:\n  extends: .t12\n  script: x\n");
        let analysis = analyze_text(&deep);
        let job = &analysis.facts.workflows[0].jobs[0];
        assert!(job.unresolved.iter().any(|u| u.contains("nests deeper than 11")), "{:?}", job.unresolved);
    }
}
