//! `id-token-workflow-scope`: `id-token: write` (or `write-all`) granted at workflow level while
//! some job that inherits it never requests a token. The fix moves the grant to the jobs that do.

use std::sync::Arc;

use trustlint_core::{Confidence, Finding, Fix, Location, SourceFile, Span, TextEdit};
use trustlint_model::workflow::{Access, Job, PermissionSet, Permissions, Scope, TokenNeed, Workflow};

use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct IdTokenWorkflowScope;

impl Rule for IdTokenWorkflowScope {
    fn check_github_workflow(&self, ctx: &RuleContext<'_>, flow: &Workflow, out: &mut Vec<Finding>) {
        let Some(block) = &flow.permissions else { return };
        if block.set.id_token() != Access::Write {
            return;
        }
        // Jobs with their own block do not inherit the workflow-level one.
        let inheriting: Vec<&Job> = flow.jobs.iter().filter(|job| job.permissions.is_none()).collect();
        let mut idle = Vec::new();
        let mut opaque = Vec::new();
        let mut needing = Vec::new();
        for job in inheriting {
            match job.token_need() {
                TokenNeed::None => idle.push(job),
                TokenNeed::Unknown(_) => opaque.push(job),
                TokenNeed::Requests(_) => needing.push(job),
            }
        }
        // A job whose steps cannot be looked into may need the token; it is reported only
        // when another job shows what the grant is for, so the workflow-level grant is at
        // least wider than the jobs known to need it.
        if idle.is_empty() && (opaque.is_empty() || needing.is_empty()) {
            return;
        }
        out.push(finding(ctx, flow, block, &idle, &opaque, &needing));
    }
}

fn names(jobs: &[&Job]) -> String {
    let names: Vec<String> = jobs.iter().map(|job| format!("`{}`", job.id)).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn finding(
    ctx: &RuleContext<'_>,
    flow: &Workflow,
    block: &Permissions,
    idle: &[&Job],
    opaque: &[&Job],
    needing: &[&Job],
) -> Finding {
    let (span, granted) = match block.set.id_token_scope() {
        Some(scope) => (scope.name_span, "`id-token: write` is granted to every job of this workflow".to_string()),
        None => (
            block.value_span,
            "`permissions: write-all` grants `id-token: write` (and every other write scope) to every job of this workflow"
                .to_string(),
        ),
    };
    let mut reasons = Vec::new();
    if !idle.is_empty() {
        let (job_word, verb) =
            if idle.len() == 1 { ("job", "never requests") } else { ("jobs", "never request") };
        reasons.push(format!("{job_word} {} {verb} an OIDC token", names(idle)));
    }
    if !opaque.is_empty() {
        let (job_word, verb) = if opaque.len() == 1 { ("job", "has") } else { ("jobs", "have") };
        let unseen: Vec<String> = opaque
            .iter()
            .flat_map(|job| match job.token_need() {
                TokenNeed::Unknown(steps) => steps,
                _ => Vec::new(),
            })
            .fold(Vec::new(), |mut all, step| {
                if !all.contains(&step) {
                    all.push(step);
                }
                all
            });
        reasons.push(format!(
            "{job_word} {} {verb} no step known to request a token (trustlint cannot look into {}; check that they do not need it)",
            names(opaque),
            unseen.join(", ")
        ));
    }
    let message = format!(
        "{granted}, but {}: any step there (a third-party action, a build script, a compromised dependency) \
         can mint a token and become every cloud identity that trusts this repository.",
        reasons.join(", and ")
    );
    let help = match (needing.is_empty(), block.set.id_token_scope().is_some()) {
        (true, _) if !opaque.is_empty() => format!(
            "Remove `id-token: write` from the workflow-level `permissions:`, and grant it in the `permissions:` of {} only if a step there needs it.",
            names(opaque)
        ),
        (true, true) => "Remove `id-token: write` from the workflow-level `permissions:`: no job that inherits it requests a token.".to_string(),
        (true, false) => "Replace `write-all` with the scopes the jobs need (for example `contents: read`).".to_string(),
        (false, true) => format!(
            "Grant `id-token: write` in the `permissions:` of {} only, and keep the workflow-level block to what every job needs.",
            names(needing)
        ),
        (false, false) => format!(
            "Replace `write-all` with the scopes every job needs (for example `contents: read`), and grant `id-token: write` in the `permissions:` of {} only.",
            names(needing)
        ),
    };
    let confidence = if idle.is_empty() { Confidence::Medium } else { Confidence::High };
    let mut finding =
        ctx.finding(Location::new(&flow.file, span), message).with_help(help).with_confidence(confidence);
    for job in idle {
        finding = finding
            .with_related(Location::new(&flow.file, job.id_span), "inherits the grant, requests no token");
    }
    for job in opaque {
        finding = finding.with_related(
            Location::new(&flow.file, job.id_span),
            "inherits the grant, no step known to request a token",
        );
    }
    // The fix is verified by parsing the edited file: only when someone will see or apply it.
    if ctx.fixes
        && let PermissionSet::Scopes { scopes, flow: flow_style } = &block.set
        && let Some(mut fix) = move_grant(&flow.file, flow, block, scopes, *flow_style, needing)
    {
        // Taking the token from a job trustlint cannot look into might break it: offered, not applied.
        fix.safe = opaque.is_empty();
        finding = finding.with_fix(fix);
    }
    finding
}

/// The text edits that remove the workflow-level `id-token: write` and give each job that needs
/// a token its own block holding exactly what it inherited (a job-level block replaces the
/// workflow-level one, so every inherited scope is copied). Offered only when the edited file
/// re-parses to the intended permissions with every comment kept.
fn move_grant(
    file: &Arc<SourceFile>,
    flow: &Workflow,
    block: &Permissions,
    scopes: &[Scope],
    flow_style: bool,
    targets: &[&Job],
) -> Option<Fix> {
    let text = file.text();
    if scopes.iter().filter(|s| s.name == "id-token").count() != 1 {
        return None;
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let id_token = scopes.iter().find(|s| s.name == "id-token")?;
    let others: Vec<&Scope> = scopes.iter().filter(|s| s.name != "id-token").collect();
    let written =
        |scope: &Scope| format!("{}: {}", file.slice(scope.name_span), file.slice(scope.level_span));

    let mut edits = Vec::new();
    if flow_style {
        if file.slice(block.value_span).contains('#') {
            return None;
        }
        let replacement = if others.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", others.iter().map(|s| written(s)).collect::<Vec<_>>().join(", "))
        };
        edits.push(TextEdit { span: block.value_span, replacement });
    } else {
        let line_start = line_start(text, id_token.name_span.start);
        if !text[line_start..id_token.name_span.start].chars().all(|c| c == ' ') {
            return None;
        }
        let line_end =
            text[id_token.level_span.end..].find('\n').map_or(text.len(), |i| id_token.level_span.end + i);
        let rest = text[id_token.level_span.end..line_end].trim();
        if rest.is_empty() {
            // The whole line, with its terminator.
            edits.push(TextEdit {
                span: Span::new(line_start, (line_end + 1).min(text.len())),
                replacement: String::new(),
            });
        } else if rest.starts_with('#') {
            // Keep a trailing comment on its own line.
            let comment = id_token.level_span.end + text[id_token.level_span.end..line_end].find('#')?;
            edits.push(TextEdit {
                span: Span::new(id_token.name_span.start, comment),
                replacement: String::new(),
            });
        } else {
            return None;
        }
        if others.is_empty() {
            // `permissions: {}` keeps every other scope at `none` for the jobs that inherit it.
            let colon = block.key_span.end + text[block.key_span.end..].find(':')?;
            if !text[block.key_span.end..colon].trim().is_empty() {
                return None;
            }
            edits.push(TextEdit { span: Span::new(colon + 1, colon + 1), replacement: " {}".into() });
        }
    }

    for job in targets {
        edits.push(job_block(text, job, scopes, &written, newline)?);
    }
    let fix = Fix {
        description: if targets.is_empty() {
            "Remove `id-token: write` from the workflow-level `permissions:`".to_string()
        } else {
            format!(
                "Move `id-token: write` from the workflow-level `permissions:` to {} {}",
                if targets.len() == 1 { "job" } else { "jobs" },
                names(targets)
            )
        },
        safe: true,
        file: Arc::clone(file),
        edits,
    };
    verified(flow, &fix, targets).then_some(fix)
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// A `permissions:` block as the job's first key, indented like its other keys.
fn job_block(
    text: &str,
    job: &Job,
    scopes: &[Scope],
    written: &dyn Fn(&Scope) -> String,
    newline: &str,
) -> Option<TextEdit> {
    let start = job.span.start;
    if text[start..].starts_with('{') {
        let inner = scopes.iter().map(written).collect::<Vec<_>>().join(", ");
        return Some(TextEdit {
            span: Span::new(start + 1, start + 1),
            replacement: format!(" permissions: {{ {inner} }},"),
        });
    }
    let line = line_start(text, start);
    let indent = &text[line..start];
    let key_column = job.id_span.start - line_start(text, job.id_span.start);
    if !indent.chars().all(|c| c == ' ') || indent.len() <= key_column {
        return None;
    }
    let step = " ".repeat(indent.len() - key_column);
    let mut block = format!("{indent}permissions:{newline}");
    for scope in scopes {
        block.push_str(&format!("{indent}{step}{}{newline}", written(scope)));
    }
    Some(TextEdit { span: Span::new(line, line), replacement: block })
}

/// What a job's token may do, comparable across two parses.
#[derive(Debug, PartialEq, Eq)]
enum Canonical {
    Default,
    WriteAll,
    ReadAll,
    Scopes(Vec<(String, String)>),
    Unknown,
}

fn canonical(flow: &Workflow, job: &Job) -> Canonical {
    let block = job.permissions.as_ref().or(flow.permissions.as_ref());
    match block.map(|b| &b.set) {
        None => Canonical::Default,
        Some(PermissionSet::WriteAll) => Canonical::WriteAll,
        Some(PermissionSet::ReadAll) => Canonical::ReadAll,
        Some(PermissionSet::Unknown(_)) => Canonical::Unknown,
        Some(PermissionSet::Scopes { scopes, .. }) => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for scope in scopes {
                pairs.retain(|(name, _)| *name != scope.name);
                pairs.push((scope.name.clone(), scope.level.clone()));
            }
            pairs.sort();
            Canonical::Scopes(pairs)
        }
    }
}

/// Apply the fix in memory and read the result again: it must parse, keep every comment and job,
/// leave each target job exactly its old permissions, and take `id-token` from every other job
/// that inherited it, without touching anything else.
fn verified(flow: &Workflow, fix: &Fix, targets: &[&Job]) -> bool {
    let Some(fixed) = apply(flow.file.text(), &fix.edits) else { return false };
    // One parse, of the edited text: the original's facts are at hand.
    let after = trustlint_frontends::github_actions::analyze(&SourceFile::new(flow.file.path(), fixed));
    let [new_flow] = after.facts.workflows.as_slice() else { return false };
    if !after.problems.is_empty()
        || after.comments.len() != flow.comments
        || new_flow.jobs.len() != flow.jobs.len()
        || new_flow.triggers.len() != flow.triggers.len()
        || new_flow.permissions.as_ref().is_none_or(|p| p.set.id_token() != Access::None)
    {
        return false;
    }
    flow.jobs.iter().zip(&new_flow.jobs).all(|(old, new)| {
        let expected = match canonical(flow, old) {
            Canonical::Scopes(pairs)
                if old.permissions.is_none() && !targets.iter().any(|t| t.id == old.id) =>
            {
                Canonical::Scopes(pairs.into_iter().filter(|(name, _)| name != "id-token").collect())
            }
            other => other,
        };
        old.id == new.id && old.steps.len() == new.steps.len() && canonical(new_flow, new) == expected
    })
}

/// `text` with non-overlapping `edits` applied, last first.
fn apply(text: &str, edits: &[TextEdit]) -> Option<String> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.span.start, edit.span.end));
    if sorted.windows(2).any(|pair| pair[0].span.end > pair[1].span.start) {
        return None;
    }
    let mut out = text.to_string();
    for edit in sorted.iter().rev() {
        if edit.span.end > out.len()
            || !out.is_char_boundary(edit.span.start)
            || !out.is_char_boundary(edit.span.end)
        {
            return None;
        }
        out.replace_range(edit.span.start..edit.span.end, &edit.replacement);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<Finding> {
        let file = SourceFile::new(".github/workflows/ci.yml", text);
        let analysis = trustlint_frontends::github_actions::analyze(&file);
        crate::judge_one(Box::new(IdTokenWorkflowScope), &file, &analysis.facts)
    }

    fn fixed(text: &str) -> String {
        let findings = run(text);
        let fix = findings[0].fix.as_ref().expect("a fix");
        assert!(fix.safe);
        apply(text, &fix.edits).unwrap()
    }

    #[test]
    fn moves_the_grant_and_keeps_other_scopes_and_comments() {
        let text = "\
on: push
# Least privilege.
permissions:
  contents: read
  id-token: write # OIDC for deploy
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
  deploy:
    # The only job that logs in.
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: { role-to-assume: arn:aws:iam::123456789012:role/deploy, aws-region: us-east-1 }
";
        let findings = run(text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("job `test` never requests"), "{}", findings[0].message);
        let out = fixed(text);
        assert_eq!(
            out,
            "\
on: push
# Least privilege.
permissions:
  contents: read
  # OIDC for deploy
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
  deploy:
    # The only job that logs in.
    permissions:
      contents: read
      id-token: write
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: { role-to-assume: arn:aws:iam::123456789012:role/deploy, aws-region: us-east-1 }
"
        );
        assert!(run(&out).is_empty());
    }

    #[test]
    fn block_with_only_id_token_becomes_empty_not_absent() {
        let text = "\
on: [push]
permissions:
  id-token: write
jobs:
  lint: {runs-on: ubuntu-latest, steps: [{run: make lint}]}
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish --provenance
";
        let out = fixed(text);
        assert!(out.contains("permissions: {}\njobs:"), "{out}");
        assert!(out.contains("  publish:\n    permissions:\n      id-token: write\n    runs-on"), "{out}");
        assert!(run(&out).is_empty());
    }

    #[test]
    fn flow_blocks_and_flow_jobs() {
        let text = "\
on: push
permissions: { contents: read, id-token: write, packages: write }
jobs:
  build: { runs-on: ubuntu-latest, steps: [ { run: make } ] }
  sign: { runs-on: ubuntu-latest, steps: [ { run: cosign sign $IMAGE } ] }
";
        let out = fixed(text);
        assert!(out.contains("permissions: { contents: read, packages: write }\n"), "{out}");
        assert!(
            out.contains(
                "sign: { permissions: { contents: read, id-token: write, packages: write }, runs-on"
            ),
            "{out}"
        );
        assert!(run(&out).is_empty());
    }

    #[test]
    fn fixes_offered_on_truncated_files_are_still_verified() {
        let text = "on: push\npermissions:\n  contents: read\n  id-token: write # oidc\njobs:\n  a:\n    runs-on: x\n    \
                    steps: [{run: make}]\n  b: {runs-on: x, steps: [{run: npm publish}]}\n  c:\n    runs-on: x\n    \
                    steps:\n      - run: cosign sign img\n";
        assert!(run(text)[0].fix.as_ref().is_some_and(|f| f.safe));
        for end in (0..=text.len()).filter(|&end| text.is_char_boundary(end)) {
            for finding in run(&text[..end]) {
                if let Some(fix) = &finding.fix {
                    let out = apply(&text[..end], &fix.edits).unwrap();
                    assert!(run(&out).is_empty(), "{end}: {out}");
                }
            }
        }
    }

    #[test]
    fn write_all_is_reported_without_a_fix() {
        let text =
            "on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n";
        let findings = run(text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fix.is_none());
        assert!(findings[0].message.contains("write-all"));
    }

    #[test]
    fn opaque_jobs_are_reported_only_beside_a_job_that_logs_in() {
        let deploy = "  deploy:
    runs-on: x
    steps: [{uses: google-github-actions/auth@v2, with: {workload_identity_provider: projects/1/locations/global/workloadIdentityPools/p/providers/g}}]
";
        let opaque = "  other:
    runs-on: x
    steps: [{uses: ./.github/actions/release}]
";
        let own = "  own:
    permissions: { contents: read }
    runs-on: x
    steps: [{run: make}]
";
        let head = "on: push\npermissions: { id-token: write }\njobs:\n";
        // Every inheriting job logs in, or the only one cannot be looked into: quiet.
        assert!(run(&format!("{head}{deploy}{own}")).is_empty());
        assert!(run(&format!("{head}{opaque}{own}")).is_empty());
        // Beside a job that logs in, the opaque job is named, at medium confidence, and the fix
        // that would take its token is offered but not applied by `--fix`.
        let findings = run(&format!("{head}{deploy}{opaque}{own}"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].confidence, trustlint_core::Confidence::Medium);
        assert!(
            findings[0].message.contains("job `other` has no step known to request a token"),
            "{}",
            findings[0].message
        );
        assert!(
            findings[0].message.contains("local action `./.github/actions/release`"),
            "{}",
            findings[0].message
        );
        assert!(findings[0].fix.as_ref().is_some_and(|fix| !fix.safe));
    }
}
