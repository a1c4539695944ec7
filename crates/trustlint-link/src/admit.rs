//! Whether a trust admits a caller's token: each condition of the trust (AND-ed) is compared with
//! what the token carries for that claim, value patterns against value patterns.

use trustlint_core::Span;
use trustlint_model::{ClaimCondition, IssuerKind, MatchKind, Piece, Trust};

use crate::caller::{Alternative, Claim, GCP_DEFAULT_AUDIENCE};
use crate::glob::Pattern;
use crate::repository::Platform;

/// The outcome for one way a job runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    Pass,
    /// No token of this alternative passes: the condition (or the issuer) and why.
    Fail {
        span: Span,
        why: String,
    },
    Unknown(String),
}

pub fn admits(trust: &Trust, platform: Platform, alternative: &Alternative) -> Check {
    let issuer = match trust.issuer() {
        Some(issuer) => issuer,
        None => return Check::Unknown("the trust's issuer cannot be resolved statically".into()),
    };
    let accepted = match (&issuer.kind, platform) {
        (IssuerKind::GitHub, Platform::GitHub) => true,
        (IssuerKind::GitLab { saas: true, .. }, Platform::GitLab) => true,
        (
            IssuerKind::GitHubEnterprise { .. } | IssuerKind::GheCom { .. } | IssuerKind::GitHubServer { .. },
            Platform::GitHub,
        )
        | (IssuerKind::GitLab { saas: false, .. }, Platform::GitLab) => {
            return Check::Unknown(format!(
                "whether this repository's tokens are issued by `{}`",
                issuer.host_path
            ));
        }
        _ => false,
    };
    if !accepted {
        return Check::Fail {
            span: trust.issuer_span,
            why: format!(
                "the trust accepts tokens of {}, the job's token comes from {}",
                issuer.name(),
                platform.name()
            ),
        };
    }
    let mut unknown = trust.conditions_unknown.clone();
    for condition in &trust.conditions {
        match condition_check(trust, condition, alternative) {
            Check::Pass => {}
            fail @ Check::Fail { .. } => return fail,
            Check::Unknown(why) => {
                unknown.get_or_insert(why);
            }
        }
    }
    match unknown {
        Some(why) => Check::Unknown(why),
        None => Check::Pass,
    }
}

fn condition_check(trust: &Trust, condition: &ClaimCondition, alternative: &Alternative) -> Check {
    let op = &condition.operator;
    if !op.compares_strings() {
        return Check::Pass;
    }
    let fail = |why: String| Check::Fail { span: condition.key_span, why };
    if !trust.key_matches_issuer(condition) {
        return if op.passes_when_absent() {
            Check::Pass
        } else {
            fail(format!("`{}` names another issuer, so it is never in the request", condition.key))
        };
    }
    let carried = match alternative.claim(&condition.claim) {
        Claim::Pattern(pattern) => pattern,
        Claim::Absent if op.passes_when_absent() => return Check::Pass,
        Claim::Absent => {
            return fail(format!(
                "the token carries no `{}` claim, which `{}` requires",
                condition.claim, condition.key
            ));
        }
        Claim::Unknown(why) => return Check::Unknown(why),
    };
    let ignore_case = op.kind == MatchKind::ExactIgnoreCase;
    let carried_pattern = {
        let p = Pattern::glob(&carried);
        if ignore_case { p.folded() } else { p }
    };
    let mut unknown_value = None;
    let mut matched = false;
    for value in &condition.values {
        if condition.claim == "aud"
            && carried == GCP_DEFAULT_AUDIENCE
            && is_gcp_default_audience(&value.pieces)
        {
            matched = true;
            continue;
        }
        let Some(text) = value.text() else {
            unknown_value.get_or_insert_with(|| value.unknown_reasons().join(", "));
            continue;
        };
        let (text, glob) = op.pattern(&text);
        let pattern = if glob { Pattern::glob(&text) } else { Pattern::exact(&text) };
        let pattern = if ignore_case { pattern.folded() } else { pattern };
        if op.negated {
            // `StringNotEquals`: fails only when every token of this alternative equals a value.
            if carried_pattern.is_literal() && carried_pattern.intersects(&pattern) {
                return fail(format!("`{}` is excluded by `{}` `{text}`", carried, op.written));
            }
        } else if carried_pattern.intersects(&pattern) {
            matched = true;
        }
    }
    if op.negated || matched {
        return Check::Pass;
    }
    if let Some(why) = unknown_value {
        return Check::Unknown(format!("the value of `{}` ({why})", condition.key));
    }
    let wanted: Vec<String> = condition.values.iter().map(|v| format!("`{}`", v.display())).collect();
    let carried_shown = if carried == GCP_DEFAULT_AUDIENCE {
        "the provider's default audience".to_string()
    } else {
        format!("`{carried}`")
    };
    fail(format!(
        "the token's `{}` is {carried_shown}, the trust requires `{}` {}",
        condition.claim,
        op.written,
        wanted.join(" or ")
    ))
}

/// `//iam.googleapis.com/` followed by the provider's own (unresolved) name: the audience a GCP
/// provider accepts when none is configured, which google-github-actions/auth requests.
fn is_gcp_default_audience(pieces: &[Piece]) -> bool {
    matches!(pieces, [Piece::Text(text), Piece::Unknown(_)] if text == "//iam.googleapis.com/")
}
