//! `trust-broader-than-usage`: a trust of this tree admits subjects that no caller in the tree
//! uses. The help gives the condition narrowed to the actual callers; a fix rewrites a literal
//! value, offered when the rewritten file still parses and admits every caller.

use std::collections::BTreeSet;
use trustlint_core::{Confidence, Finding, Fix, Location, Severity, TextEdit};
use trustlint_link::admit::{Check, admits};
use trustlint_link::glob::Pattern;
use trustlint_link::{Alternative, Chain, Cloud, IdentityNode, Link, Platform, Resolution, Verdict};
use trustlint_model::{ClaimCondition, ConditionValue, MatchKind, Trust};

use crate::assess::is_effective;
use crate::fix::{Reanalysed, checked_fix};
use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct TrustBroaderThanUsage;

impl Rule for TrustBroaderThanUsage {
    fn reads_chain(&self) -> bool {
        true
    }

    fn check_chain(&self, ctx: &RuleContext<'_>, chain: &Chain, out: &mut Vec<Finding>) {
        for (index, node) in chain.identities.iter().enumerate() {
            let links: Vec<&Link> = chain.links_to(index).collect();
            let Some(usage) = usage(chain, &links) else { continue };
            let cloud = links.first().map(|l| chain.callers[l.caller].logins[l.login].cloud);
            // Logins whose target is not known may use this trust too: say so, and lower confidence.
            let unlinked = chain
                .links
                .iter()
                .filter(|l| {
                    matches!(l.resolution, Resolution::Unknown { .. })
                        && Some(chain.callers[l.caller].logins[l.login].cloud) == cloud
                        && cloud != Some(Cloud::Pulumi)
                })
                .count();
            for trust in &node.trusts {
                if let Some(finding) = judge(ctx, chain, node, trust, &links, &usage, unlinked) {
                    out.push(finding);
                }
            }
        }
    }
}

/// The subjects the callers of an identity use, when every one is known.
fn usage(chain: &Chain, links: &[&Link]) -> Option<BTreeSet<String>> {
    let mut subjects = BTreeSet::new();
    for link in links {
        let admitted = match &link.verdict {
            Some(Verdict::Admits { admitted, .. }) => admitted,
            // A job the trust rejects does not use it (`trust-rejects-caller` reports it).
            Some(Verdict::Rejects(_)) => continue,
            _ => return None,
        };
        let caller = &chain.callers[link.caller];
        for &alternative in admitted {
            subjects.insert(caller.alternatives[alternative].subject()?.to_string());
        }
    }
    (!subjects.is_empty()).then_some(subjects)
}

/// The single `sub` condition of a trust that nothing else narrows (other claims would make the
/// admitted set an intersection this rule does not compute).
fn subject_condition(trust: &Trust) -> Option<&ClaimCondition> {
    if trust.conditions_unknown.is_some() || !trust.dropped.is_empty() {
        return None;
    }
    let effective: Vec<&ClaimCondition> =
        trust.conditions.iter().filter(|c| trust.key_matches_issuer(c) && is_effective(c)).collect();
    if effective.iter().any(|c| c.claim != "sub" && c.claim != "aud") {
        return None;
    }
    let mut subjects = effective.into_iter().filter(|c| c.claim == "sub" && !c.operator.negated);
    let only = subjects.next()?;
    subjects.next().is_none().then_some(only)
}

fn judge(
    ctx: &RuleContext<'_>,
    chain: &Chain,
    node: &IdentityNode,
    trust: &Trust,
    links: &[&Link],
    usage: &BTreeSet<String>,
    unlinked: usize,
) -> Option<Finding> {
    let condition = subject_condition(trust)?;
    let used: Vec<Pattern> = usage.iter().map(|s| Pattern::glob(s)).collect();
    let (text, glob) = {
        let value = condition.values.iter().find(|value| {
            let Some(text) = value.text() else { return false };
            let (text, glob) = condition.operator.pattern(&text);
            let pattern = if glob { Pattern::glob(&text) } else { Pattern::exact(&text) };
            !used.iter().any(|u| pattern.within(u))
        })?;
        let (text, glob) = condition.operator.pattern(&value.text()?);
        (text, glob)
    };
    // Values that could not be read may be what a caller relies on: stay silent.
    if condition.values.iter().any(|v| v.text().is_none()) {
        return None;
    }
    let unused = condition
        .values
        .iter()
        .find(|v| v.text().is_some_and(|t| condition.operator.pattern(&t) == (text.clone(), glob)))?;
    let callers: BTreeSet<String> = links
        .iter()
        .filter(|l| matches!(l.verdict, Some(Verdict::Admits { .. })))
        .map(|l| chain.callers[l.caller].label())
        .collect();
    let narrowed: Vec<String> = usage.iter().map(|s| format!("`{s}`")).collect();
    let mut message = format!(
        "{} admits `{text}`, but the callers in this tree ({}) only use {}: any other workload that matches the value can assume it too.",
        crate::rules::capitalise(&node.identity.label),
        callers.into_iter().collect::<Vec<_>>().join(", "),
        narrowed.join(", "),
    );
    if let Some((power, _)) = &node.admin {
        message.push_str(&format!(" It holds {}.", power.what));
    }
    if unlinked > 0 {
        message.push_str(&format!(
            " {unlinked} login(s) in the tree could not be linked to a trust; if they use this one, their subjects count too."
        ));
    }
    let wildcard = usage.iter().any(|s| s.contains(['*', '?']));
    let operator = if wildcard { "StringLike" } else { "StringEquals" };
    let help = format!(
        "Narrow `{}` to the subjects your callers use: {} ({operator}).",
        condition.key,
        narrowed.join(", ")
    );
    let mut finding = ctx
        .finding(Location::new(&trust.file, unused.span), message)
        .with_help(help)
        .with_related(Location::new(&trust.file, trust.statement_span), "the trust statement");
    // Admin power behind a trust wider than its use raises the stakes.
    if node.admin.is_some() {
        finding = finding.with_severity(Severity::High);
    }
    if unlinked > 0 {
        finding = finding.with_confidence(Confidence::Medium);
    }
    for link in links.iter().filter(|l| matches!(l.verdict, Some(Verdict::Admits { .. }))) {
        let caller = &chain.callers[link.caller];
        let target = chain.target(link);
        finding = finding.with_related(
            Location::new(&caller.file, target.value.span),
            format!("job `{}` logs in here", caller.job_id),
        );
    }
    if let Some((_, grant)) = &node.admin {
        let grant = &node.grants[*grant];
        finding = finding.with_related(Location::new(&grant.file, grant.span), "the admin grant");
    }
    if ctx.fixes
        && condition.values.len() == 1
        && !wildcard
        && let Some(fix) = narrowing_fix(chain, trust, condition, unused, usage, links)
    {
        finding = finding.with_fix(fix);
    }
    Some(finding)
}

/// Rewrite the one literal value with the callers' subjects, when the file is a JSON policy or a
/// CloudFormation YAML template whose value is written as is; offered only when the rewritten
/// file parses and its trust still admits every caller the old one admitted (checked by the
/// engine).
fn narrowing_fix(
    chain: &Chain,
    trust: &Trust,
    condition: &ClaimCondition,
    value: &ConditionValue,
    usage: &BTreeSet<String>,
    links: &[&Link],
) -> Option<Fix> {
    let path = trust.file.path();
    let json = path.ends_with(".json");
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
    if !(json || yaml) || !matches!(condition.operator.kind, MatchKind::Exact | MatchKind::Glob) {
        return None;
    }
    let written = trust.file.slice(value.span);
    let unquoted = written.trim_matches('"').trim_matches('\'');
    if Some(unquoted.to_string()) != value.text() {
        return None;
    }
    let quoted: Vec<String> = usage.iter().map(|s| serde_quote(s)).collect();
    let replacement = match quoted.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    let edit = TextEdit { span: value.span, replacement };
    // Every caller the trust admitted before must still be admitted, in every way it was.
    let admitted: Vec<(Platform, Alternative)> = links
        .iter()
        .filter_map(|link| match &link.verdict {
            Some(Verdict::Admits { admitted, .. }) => Some((&chain.callers[link.caller], admitted)),
            _ => None,
        })
        .flat_map(|(caller, admitted)| {
            admitted.iter().map(|&alternative| (caller.platform, caller.alternatives[alternative].clone()))
        })
        .collect();
    let statement = trust.statement_span.start;
    let key = condition.key.clone();
    let usage = usage.clone();
    let still_admits = move |after: &Reanalysed| {
        let Some(new_trust) =
            after.facts.trusts.iter().find(|t| t.statement_span.start == after.moved(statement))
        else {
            return false;
        };
        let Some(new_condition) = new_trust.conditions.iter().find(|c| c.key == key) else { return false };
        let values: BTreeSet<String> = new_condition.values.iter().filter_map(|v| v.text()).collect();
        after.problems == 0
            && values == usage
            && admitted
                .iter()
                .all(|(platform, alternative)| admits(new_trust, *platform, alternative) == Check::Pass)
    };
    Some(checked_fix(
        format!("Narrow `{}` to the subjects of the callers in this tree", condition.key),
        // Callers outside the scanned tree (another repository sharing the role) would lose access.
        false,
        &trust.file,
        vec![edit],
        still_admits,
    ))
}

/// A JSON string literal, which YAML reads the same way.
fn serde_quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}
