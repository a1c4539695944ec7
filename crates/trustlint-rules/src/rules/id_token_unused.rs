//! `id-token-unused`: a job granted `id-token: write` in its own `permissions:` with no step that
//! requests a token. (Grants inherited from the workflow level are `id-token-workflow-scope`.)

use trustlint_core::{Finding, Location};
use trustlint_model::workflow::{Access, Job, PermissionSet, TokenNeed, Workflow};

use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct IdTokenUnused;

impl Rule for IdTokenUnused {
    fn check_github_job(&self, ctx: &RuleContext<'_>, flow: &Workflow, job: &Job, out: &mut Vec<Finding>) {
        let Some(block) = &job.permissions else { return };
        // Steps that cannot be looked into (local or unknown actions) might request one.
        if block.set.id_token() != Access::Write || job.token_need() != TokenNeed::None {
            return;
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
            ctx.finding(Location::new(&flow.file, span), message)
                .with_help(help)
                .with_related(Location::new(&flow.file, job.id_span), "the job"),
        );
    }
}
