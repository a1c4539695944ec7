//! Issuers without a structured subject grammar of their own: Bitbucket Pipelines (UUIDs in
//! braces), Google, and enterprise or unrecognised identity providers (oidc-reference.md 1.4, 1.10).

use super::Breadth;
use super::pattern::{Grade, Outside, Pattern, Reader, Value, is_number};
use super::sequence::uuid;

/// `{REPO_UUID}:{STEP_UUID}` or `{REPO_UUID}:{DEPLOYMENT_ENV_UUID}:{STEP_UUID}`, braces literal.
pub(super) fn bitbucket(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    const WHOLE: &str = "any pipeline step of any repository in the workspace";
    let mut reader = Reader::new(pattern);
    let mut uuids: Vec<&str> = Vec::new();
    loop {
        if reader.at_cut() {
            break;
        }
        if !reader.eat("{") {
            let written = reader.rest().split(':').next().unwrap_or_default();
            let outside = Outside::new(format!(
                "Bitbucket writes UUIDs in braces (`{{{written}}}`): `{{REPO_UUID}}:{{STEP_UUID}}`"
            ));
            return Err(if uuid(written, true).is_ok() {
                let braced = pattern.full.split(':').map(brace).collect::<Vec<_>>().join(":");
                outside.suggest(braced)
            } else {
                outside
            });
        }
        let value = reader.value_until("}");
        if let Err(rule) = uuid(value.typed(), value.is_exact()) {
            return Err(Outside::new(format!("`{}` is not a Bitbucket UUID: {rule}", value.typed())));
        }
        let Value::Exact(id) = value else {
            break;
        };
        reader.eat("}");
        uuids.push(id);
        if uuids.len() == 3 || !reader.eat(":") {
            break;
        }
    }
    if reader.at_end() && uuids.len() == 1 {
        return Err(Outside::new("Bitbucket always writes the step UUID after the repository UUID")
            .suggest(format!("{{{}}}:*", uuids[0])));
    }
    if !reader.at_end() && !reader.at_cut() {
        return Err(Outside::new(format!(
            "`{}` goes on after the last UUID of a Bitbucket subject",
            reader.rest()
        )));
    }
    let cut = reader.at_cut();
    Ok(match (uuids.as_slice(), cut) {
        ([], _) => Grade::new(Breadth::WholeOwner { owner: None }, WHOLE),
        ([repo], _) => Grade::new(Breadth::Exact, format!("any pipeline step of repository `{{{repo}}}`")),
        ([repo, environment], true) => Grade::new(
            Breadth::Exact,
            format!("deployment steps of repository `{{{repo}}}` to environment `{{{environment}}}`"),
        ),
        // The last UUID is the step's, which Bitbucket mints anew for every run (oidc-reference.md
        // 1.4): the value was carried by one past run and no token will carry it again.
        ([_, ..], _) => {
            return Err(Outside::new(
                "the step UUID changes on every run, so this value matches one past run only",
            )
            .suggest(format!("{}:*", braced_prefix(&uuids[..uuids.len() - 1]))));
        }
    })
}

fn brace(part: &str) -> String {
    if part.starts_with('{') || part.contains('*') { part.to_string() } else { format!("{{{part}}}") }
}

fn braced_prefix(uuids: &[&str]) -> String {
    uuids.iter().map(|id| format!("{{{id}}}")).collect::<Vec<_>>().join(":")
}

/// Google puts the account's numeric unique id in `sub` (and, through `azp`, in `aud` for service
/// accounts); `aud` may also be an OAuth client id.
pub(super) fn google(claim: &str, pattern: Pattern<'_>) -> Option<Result<Grade, Outside>> {
    const OAUTH_CLIENT: &str = ".apps.googleusercontent.com";
    let typed = pattern.literal;
    let numeric = if pattern.wild { typed.bytes().all(|b| b.is_ascii_digit()) } else { is_number(typed) };
    if pattern.wild {
        if !numeric && claim == "sub" {
            return Some(Err(not_numeric(typed)));
        }
        return Some(Ok(Grade::new(
            Breadth::AnyOwner,
            format!(
                "any Google account or service account, in any project, whose unique id matches `{}`",
                pattern.full
            ),
        )));
    }
    Some(match (numeric, claim) {
        (true, _) => Ok(Grade::new(
            Breadth::Exact,
            format!("only the Google account or service account with unique id `{typed}`"),
        )),
        (false, "sub") => Err(not_numeric(typed)),
        (false, _) if typed.ends_with(OAUTH_CLIENT) => Ok(Grade::new(
            Breadth::WholeOwner { owner: None },
            format!("any Google account signed in to OAuth client `{typed}`"),
        )),
        // Without `azp` a token's `aud` is whatever its requester chose: not a subject restriction.
        (false, _) => return None,
    })
}

fn not_numeric(typed: &str) -> Outside {
    Outside::new(format!(
        "Google writes the account's numeric unique id in `sub`, never `{typed}` \
         (an email or name never matches)"
    ))
}

/// Per-tenant issuers whose subject grammar is not known (Entra, Okta, Auth0, Keycloak, ...).
pub(super) fn other(pattern: Pattern<'_>) -> Grade {
    if pattern.wild {
        Grade::new(
            Breadth::WholeOwner { owner: None },
            format!("every client or user of the tenant whose subject matches `{}`", pattern.full),
        )
    } else {
        Grade::new(Breadth::Exact, format!("only the principal with subject `{}`", pattern.full))
    }
}
