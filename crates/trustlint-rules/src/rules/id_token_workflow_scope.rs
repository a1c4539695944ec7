//! `id-token-workflow-scope`: `id-token: write` (or `write-all`) granted at workflow level while
//! some job that inherits it never requests a token. The fix moves the grant to the jobs that do.

use std::sync::Arc;

use trustlint_core::{Confidence, Finding, Fix, Location, SourceFile, TextEdit};
use trustlint_model::workflow::{Access, Job, PermissionSet, Permissions, Scope, TokenNeed, Workflow};
use trustlint_syntax::yaml::edit;

use crate::fix::{Reanalysed, checked_fix};
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
    // The fix is built (and verified by the engine) only when someone will see or apply it.
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
/// reads as intended, with every comment kept (checked by the engine, see [`intended`]).
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
    let id_token = scopes.iter().find(|s| s.name == "id-token")?;
    let written =
        |scope: &Scope| format!("{}: {}", file.slice(scope.name_span), file.slice(scope.level_span));
    let others: Vec<String> = scopes.iter().filter(|s| s.name != "id-token").map(written).collect();

    let mut edits = Vec::new();
    if flow_style {
        if file.slice(block.value_span).contains('#') {
            return None;
        }
        edits.push(TextEdit { span: block.value_span, replacement: edit::flow_mapping(&others) });
    } else {
        edits.push(edit::remove_entry_line(text, id_token.name_span, id_token.level_span)?);
        if others.is_empty() {
            // `permissions: {}` keeps every other scope at `none` for the jobs that inherit it.
            edits.push(edit::empty_mapping_after(text, block.key_span)?);
        }
    }
    let inherited: Vec<String> = scopes.iter().map(written).collect();
    for job in targets {
        edits.push(edit::insert_first_entry(text, job.id_span, job.span.start, "permissions", &inherited)?);
    }
    let description = if targets.is_empty() {
        "Remove `id-token: write` from the workflow-level `permissions:`".to_string()
    } else {
        format!(
            "Move `id-token: write` from the workflow-level `permissions:` to {} {}",
            if targets.len() == 1 { "job" } else { "jobs" },
            names(targets)
        )
    };
    Some(checked_fix(description, true, file, edits, intended(flow, targets)))
}

/// What a job's token may do, comparable across two readings of the file.
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

/// The condition on the edited file: it must parse, keep every comment and job, leave each
/// target job exactly its old permissions, and take `id-token` from every other job that
/// inherited it, without touching anything else.
fn intended(flow: &Workflow, targets: &[&Job]) -> impl Fn(&Reanalysed) -> bool + Send + Sync + 'static {
    let comments = flow.comments;
    let triggers = flow.triggers.len();
    let jobs: Vec<(String, usize, Canonical)> = flow
        .jobs
        .iter()
        .map(|old| {
            let expected = match canonical(flow, old) {
                Canonical::Scopes(pairs)
                    if old.permissions.is_none() && !targets.iter().any(|t| t.id == old.id) =>
                {
                    Canonical::Scopes(pairs.into_iter().filter(|(name, _)| name != "id-token").collect())
                }
                other => other,
            };
            (old.id.clone(), old.steps.len(), expected)
        })
        .collect();
    move |after: &Reanalysed| {
        let [new_flow] = after.facts.workflows.as_slice() else { return false };
        after.problems == 0
            && after.comments == comments
            && new_flow.jobs.len() == jobs.len()
            && new_flow.triggers.len() == triggers
            && new_flow.permissions.as_ref().is_some_and(|p| p.set.id_token() == Access::None)
            && jobs.iter().zip(&new_flow.jobs).all(|((id, steps, expected), new)| {
                *id == new.id && *steps == new.steps.len() && canonical(new_flow, new) == *expected
            })
    }
}
