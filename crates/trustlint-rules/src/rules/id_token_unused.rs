//! `id-token-unused`: a job granted `id-token: write` in its own `permissions:` with no step that
//! requests a token. (Grants inherited from the workflow level are `id-token-workflow-scope`.)

use trustlint_core::{Finding, Location, Severity};
use trustlint_model::Facts;
use trustlint_model::workflow::{Access, PermissionSet, TokenNeed, WorkflowKind};

use crate::{Rule, RuleContext};

pub struct IdTokenUnused;

impl Rule for IdTokenUnused {
    fn id(&self) -> &'static str {
        "id-token-unused"
    }

    fn check_facts(&self, ctx: &RuleContext<'_>, facts: &Facts, out: &mut Vec<Finding>) {
        for flow in facts.workflows.iter().filter(|w| w.kind == WorkflowKind::GitHubWorkflow) {
            for job in &flow.jobs {
                let Some(block) = &job.permissions else { continue };
                // Steps that cannot be looked into (local or unknown actions) might request one.
                if block.set.id_token() != Access::Write || job.token_need() != TokenNeed::None {
                    continue;
                }
                let write_all = block.set == PermissionSet::WriteAll;
                let (span, granted, help) = match block.set.id_token_scope() {
                    Some(scope) => (
                        scope.name_span,
                        "is granted `id-token: write`",
                        "Remove `id-token: write` from this job's `permissions:`.",
                    ),
                    None => (
                        block.value_span,
                        "has `permissions: write-all`, which includes `id-token: write`,",
                        "Replace `write-all` with the scopes this job needs (for example `contents: read`).",
                    ),
                };
                let message = format!(
                    "Job `{}` {granted} but no step requests an OIDC token (no known login action, no \
                     `ACTIONS_ID_TOKEN_REQUEST_*` or `core.getIDToken`, no reusable workflow call): the grant \
                     only lets its steps mint tokens nobody needs{}.",
                    job.id,
                    if write_all { ", along with every other write scope" } else { "" }
                );
                out.push(
                    Finding::new(ctx.meta.id, Severity::Low, Location::new(&flow.file, span), message)
                        .with_help(help)
                        .with_related(Location::new(&flow.file, job.id_span), "the job"),
                );
            }
        }
    }
}
