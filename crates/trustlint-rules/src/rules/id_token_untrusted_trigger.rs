//! `id-token-untrusted-trigger`: a job that can mint an OIDC token in a workflow started by an
//! event an outsider controls (`pull_request_target`, `workflow_run`, `issue_comment`, ...).

use trustlint_core::{Confidence, Finding, Location, Span};
use trustlint_model::workflow::{self, Access, Job, PermissionOrigin, Trigger, Workflow};

use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct IdTokenUntrustedTrigger;

impl Rule for IdTokenUntrustedTrigger {
    /// One finding per grant, at the `id-token: write` line (or `write-all`) the user must change:
    /// a job-level grant is that job's finding; a workflow-level grant is one finding naming every
    /// job that inherits it. Triggers, jobs and evidence are related locations.
    fn check_github_workflow(&self, ctx: &RuleContext<'_>, flow: &Workflow, out: &mut Vec<Finding>) {
        let risky: Vec<&Trigger> = flow.triggers.iter().filter(|t| t.runs_outsider_content()).collect();
        let Some(first) = risky.first() else { return };
        let mut inheriting: Vec<&Job> = Vec::new();
        let mut workflow_grant = None;
        for job in &flow.jobs {
            let effective = flow.effective_permissions(job);
            if effective.id_token != Access::Write {
                continue;
            }
            let (Some(span), Some((origin, block))) = (effective.grant_span(), effective.origin) else {
                continue;
            };
            let write_all = block.set.id_token_scope().is_none();
            match origin {
                PermissionOrigin::Workflow => {
                    workflow_grant = Some((span, write_all));
                    inheriting.push(job);
                }
                PermissionOrigin::Job => {
                    out.push(finding(ctx, flow, &risky, first, (span, write_all), &[job], false))
                }
            }
        }
        if let Some(grant) = workflow_grant {
            out.push(finding(ctx, flow, &risky, first, grant, &inheriting, true));
        }
    }
}

fn finding(
    ctx: &RuleContext<'_>,
    flow: &Workflow,
    risky: &[&Trigger],
    first: &Trigger,
    (grant, write_all): (Span, bool),
    jobs: &[&Job],
    workflow_level: bool,
) -> Finding {
    let events: Vec<String> = risky.iter().map(|t| format!("`{}`", t.event)).collect();
    let names: Vec<String> = jobs.iter().map(|job| format!("`{}`", job.id)).collect();
    let who = match (workflow_level, names.as_slice()) {
        (false, _) | (true, [_]) => format!("Job {}", names.join(", ")),
        (true, [rest @ .., last]) => format!("Jobs {} and {last}", rest.join(", ")),
        (true, []) => "No job".to_string(),
    };
    let granted = match (workflow_level, write_all) {
        (true, false) => "the workflow-level `id-token: write`",
        (true, true) => "the workflow-level `permissions: write-all`",
        (false, false) => "`id-token: write`",
        (false, true) => "`permissions: write-all`",
    };
    let can = if jobs.len() == 1 { "can" } else { "can each" };
    let evidence: Vec<(&Job, &workflow::Evidence)> =
        jobs.iter().flat_map(|job| job.untrusted_content.iter().map(move |e| (*job, e))).collect();
    let exposure = match evidence.first() {
        Some((job, evidence)) if jobs.len() > 1 => format!(
            "job `{}` {}, so code or data an outsider controls runs in a job that can obtain the token",
            job.id, evidence.what
        ),
        Some((_, evidence)) => format!(
            "it {}, so code or data an outsider controls runs in a job that can obtain the token",
            evidence.what
        ),
        None => "no step trustlint can see checks out the pull request's code, but any step that \
                 handles outsider-controlled input (a title, a comment, an artifact) runs where the \
                 token can be obtained"
            .to_string(),
    };
    let mut message = format!(
        "{who} {can} mint an OIDC token ({granted}) in a workflow started by {}, {}; {exposure}. \
         With the token, an outsider can become every cloud identity that trusts this repository.",
        events.join(", "),
        why(&first.event),
    );
    let mut confidence = if evidence.is_empty() { Confidence::Medium } else { Confidence::High };
    let whose =
        |job: &Job| if jobs.len() == 1 { "The job's".to_string() } else { format!("Job `{}`'s", job.id) };
    for job in jobs {
        if let Some(condition) =
            job.condition.as_ref().filter(|c| workflow::condition_gates_outsiders(&c.text))
        {
            message.push_str(&format!(
                " {} condition `{}` may keep outsiders out; check that it does.",
                whose(job),
                condition.text.trim()
            ));
            confidence = Confidence::Medium;
        }
        if let Some(environment) = &job.environment {
            let name = environment.name.as_deref().unwrap_or("(computed)");
            let its = if jobs.len() == 1 { "Its".to_string() } else { format!("Job `{}`'s", job.id) };
            message.push_str(&format!(
                " {its} environment `{name}` helps only if it requires a reviewer before the job runs."
            ));
            confidence = Confidence::Medium;
        }
    }
    let mut finding =
        ctx.finding(Location::new(&flow.file, grant), message).with_confidence(confidence).with_help(
            "Mint tokens only in jobs that run trusted code: move the deployment to a workflow \
             on `push` to a protected branch (or `workflow_dispatch`), behind an environment that \
             requires a reviewer, and keep `id-token: write` out of this workflow.",
        );
    for trigger in risky {
        finding = finding
            .with_related(Location::new(&flow.file, trigger.span), format!("started by `{}`", trigger.event));
    }
    for job in jobs {
        finding = finding.with_related(Location::new(&flow.file, job.id_span), "can mint a token");
    }
    for (_, evidence) in evidence {
        finding = finding.with_related(Location::new(&flow.file, evidence.span), evidence.what.clone());
    }
    finding
}

/// Why an event runs outsider-controlled content with the repository's privileges (6.2).
fn why(event: &str) -> &'static str {
    match event {
        "pull_request_target" => {
            "which runs for pull requests from forks with this repository's secrets and permissions"
        }
        "workflow_run" => {
            "which runs with this repository's privileges after another workflow, including one started by a fork's pull request"
        }
        "issue_comment" | "discussion_comment" => "which anyone who can comment can start",
        "issues" | "discussion" => "which anyone who can open an issue or a discussion can start",
        _ => "which an outsider can start",
    }
}
