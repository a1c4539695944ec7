//! `id-token-untrusted-trigger`: a job that can mint an OIDC token in a workflow started by an
//! event an outsider controls (`pull_request_target`, `workflow_run`, `issue_comment`, ...).

use trustlint_core::{Confidence, Finding, Location, Severity};
use trustlint_model::Facts;
use trustlint_model::workflow::{self, Access, Trigger, WorkflowKind};

use crate::{Rule, RuleContext};

pub struct IdTokenUntrustedTrigger;

impl Rule for IdTokenUntrustedTrigger {
    fn id(&self) -> &'static str {
        "id-token-untrusted-trigger"
    }

    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        for flow in facts.workflows.iter().filter(|w| w.kind == WorkflowKind::GitHubWorkflow) {
            let risky: Vec<&Trigger> = flow.triggers.iter().filter(|t| t.runs_outsider_content()).collect();
            let Some(first) = risky.first() else { continue };
            let events: Vec<String> = risky.iter().map(|t| format!("`{}`", t.event)).collect();
            for job in &flow.jobs {
                let effective = flow.effective_permissions(job);
                if effective.id_token != Access::Write {
                    continue;
                }
                let evidence = job.untrusted_content.first();
                let exposure = match evidence {
                    Some(evidence) => format!(
                        "it {}, so code or data an outsider controls runs in a job that can obtain the token",
                        evidence.what
                    ),
                    None => "no step trustlint can see checks out the pull request's code, but any step that \
                             handles outsider-controlled input (a title, a comment, an artifact) runs where the \
                             token can be obtained"
                        .to_string(),
                };
                let mut message = format!(
                    "Job `{}` can mint an OIDC token (`id-token: write`) in a workflow started by {}, {}; {exposure}. \
                     With the token, an outsider can become every cloud identity that trusts this repository.",
                    job.id,
                    events.join(", "),
                    why(&first.event),
                );
                let mut confidence = if evidence.is_some() { Confidence::High } else { Confidence::Medium };
                if let Some(condition) =
                    job.condition.as_ref().filter(|c| workflow::condition_gates_outsiders(&c.text))
                {
                    message.push_str(&format!(
                        " The job's condition `{}` may keep outsiders out; check that it does.",
                        condition.text.trim()
                    ));
                    confidence = Confidence::Medium;
                }
                if let Some(environment) = &job.environment {
                    let name = environment.name.as_deref().unwrap_or("(computed)");
                    message.push_str(&format!(
                        " Its environment `{name}` helps only if it requires a reviewer before the job runs."
                    ));
                    confidence = Confidence::Medium;
                }
                let mut finding =
                    Finding::new(ctx.meta.id, Severity::High, Location::new(&flow.file, job.id_span), message)
                        .with_confidence(confidence)
                        .with_help(
                            "Mint tokens only in jobs that run trusted code: move the deployment to a workflow \
                             on `push` to a protected branch (or `workflow_dispatch`), behind an environment that \
                             requires a reviewer, and keep `id-token: write` out of this workflow.",
                        );
                for trigger in &risky {
                    finding = finding.with_related(
                        Location::new(&flow.file, trigger.span),
                        format!("started by `{}`", trigger.event),
                    );
                }
                if let Some(span) = effective.grant_span() {
                    finding = finding
                        .with_related(Location::new(&flow.file, span), "`id-token: write` granted here");
                }
                for evidence in &job.untrusted_content {
                    finding =
                        finding.with_related(Location::new(&flow.file, evidence.span), evidence.what.clone());
                }
                out.push(finding);
            }
        }
    }
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
