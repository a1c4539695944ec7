//! `trust-rejects-caller`: a job logs in to a trust of this tree that admits none of the
//! subjects its token can carry, so the login fails with `AccessDenied` at run time.

use trustlint_core::{Finding, Location};
use trustlint_link::{Chain, Resolution, Verdict};
use trustlint_model::NameKind;

use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct TrustRejectsCaller;

impl Rule for TrustRejectsCaller {
    fn reads_chain(&self) -> bool {
        true
    }

    fn check_chain(&self, ctx: &RuleContext<'_>, chain: &Chain, out: &mut Vec<Finding>) {
        for link in &chain.links {
            let (Resolution::Identity { index, matched_by }, Some(Verdict::Rejects(rejections))) =
                (&link.resolution, &link.verdict)
            else {
                continue;
            };
            let caller = &chain.callers[link.caller];
            let login = &caller.logins[link.login];
            let target = chain.target(link);
            let node = &chain.identities[*index];
            let shown: Vec<String> = rejections
                .iter()
                .take(3)
                .map(|rejection| {
                    let alternative = &caller.alternatives[rejection.alternative];
                    format!("{}: {}", alternative.via, rejection.why)
                })
                .collect();
            let more = rejections.len().saturating_sub(shown.len());
            // The trust's file is said once: "stack output `x` of FILE" is shortened here.
            let matched_by =
                matched_by.strip_suffix(&format!(" of {}", node.file.path())).unwrap_or(matched_by);
            let mut message = format!(
                "Job `{}` logs in to {} ({}, linked through {matched_by}), but its trust admits none of the tokens this job can carry ({}).",
                caller.job_id,
                node.identity.label,
                node.file.path(),
                shown.join("; ")
            );
            if more > 0 {
                message.push_str(&format!(" ({more} more ways the job runs are rejected the same way.)"));
            }
            let example = rejections
                .first()
                .and_then(|r| caller.alternatives[r.alternative].subject())
                .map(|s| format!(" (for example `{s}`)"))
                .unwrap_or_default();
            let help = format!(
                "{} answers `AccessDenied` to this login. Make the trust admit this job's subject{example}, or log in to the identity meant for it.",
                login.cloud.name()
            );
            let mut finding =
                ctx.finding(Location::new(&caller.file, target.value.span), message).with_help(help);
            let mut conditions = Vec::new();
            for rejection in rejections.iter().take(3) {
                let alternative = &caller.alternatives[rejection.alternative];
                finding = finding.with_related(
                    Location::new(&caller.file, alternative.span),
                    format!("the job runs {}", alternative.via),
                );
                let trust = &node.trusts[rejection.trust];
                if !conditions.contains(&(trust.file.path(), rejection.span)) {
                    conditions.push((trust.file.path(), rejection.span));
                    finding = finding.with_related(
                        Location::new(&trust.file, rejection.span),
                        "the condition that rejects it",
                    );
                }
            }
            if let Some(stack) = &target.stack_output {
                finding = finding.with_related(
                    Location::new(&caller.file, stack.span),
                    format!("where the job reads stack output `{}`", stack.output),
                );
                let export = node
                    .identity
                    .names
                    .iter()
                    .find(|name| name.kind == NameKind::PulumiStackOutput && name.value == stack.output);
                if let Some(export) = export {
                    finding = finding.with_related(
                        Location::new(&node.file, export.span),
                        format!("the program exports `{}`", stack.output),
                    );
                }
            }
            finding = finding.with_related(Location::new(&node.file, node.span()), "the trust statement");
            out.push(finding);
        }
    }
}
