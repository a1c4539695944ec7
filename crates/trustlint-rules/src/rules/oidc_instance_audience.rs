//! `oidc-instance-audience`: a GitLab `id_tokens` entry whose audience is the instance URL
//! (`https://gitlab.com`, `$CI_SERVER_URL`). GitLab documents that value, so the audience is not
//! missing; it is generic: every project on the instance can request it, so it does not say which
//! relying party a token is for. Low severity: the trust on the other side still has to accept it.

use trustlint_core::{Confidence, Finding, Location};
use trustlint_model::workflow::{self, Workflow};

use crate::rules::oidc_missing_audience::{Report, add};
use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct OidcInstanceAudience;

const HELP: &str = "Give each relying party its own audience (`aud: sts.amazonaws.com` for AWS, the workload identity provider URL for GCP, `api://AzureADTokenExchange` for Azure, your Vault or service URL otherwise) and require that audience in the trust.";

impl Rule for OidcInstanceAudience {
    /// One finding per `aud` value as written: an entry merged into several jobs (an anchor, a
    /// template) is reported once, naming every job.
    fn check_gitlab_pipeline(&self, ctx: &RuleContext<'_>, flow: &Workflow, out: &mut Vec<Finding>) {
        let mut reports: Vec<Report<'_>> = Vec::new();
        for job in &flow.jobs {
            for token in &job.id_tokens {
                for audience in &token.audiences {
                    let Some(certain) = workflow::is_instance_audience(audience) else { continue };
                    let head = format!(
                        "ID token `{}` uses the GitLab instance URL `{}` as its audience: GitLab documents \
                         this value, but every project on the instance can request it, so it does not say \
                         which relying party the token is for, and a token minted here for one cloud or \
                         service is accepted by every other relying party set up with the same audience",
                        token.name,
                        audience.text.trim()
                    );
                    // A bare `https://gitlab.<domain>` only looks like an instance URL.
                    let confidence = if certain { Confidence::High } else { Confidence::Medium };
                    add(&mut reports, audience.span, head, confidence, &job.id);
                }
            }
        }
        for (span, head, confidence, jobs) in reports {
            let jobs: Vec<String> = jobs.iter().map(|job| format!("`{job}`")).collect();
            let noun = if jobs.len() == 1 { "job" } else { "jobs" };
            let message = format!("{head} ({noun} {}).", jobs.join(", "));
            out.push(
                ctx.finding(Location::new(&flow.file, span), message)
                    .with_confidence(confidence)
                    .with_help(HELP),
            );
        }
    }
}
