//! Claim grammars: subject (and subject-like claim) patterns parsed with each issuer's grammar,
//! and graded by breadth. See oidc-reference.md 1.1-1.10 and 2.6.
//!
//! A pattern is read up to its first wildcard: breadth is decided by how much of the grammar that
//! literal text pins (`repo:acme/*` pins the owner, so every repository of `acme` gets in). The
//! text after the wildcard only shows up in the wording, since `*` also matches `/` and `:`.

mod fixed;
mod github;
mod gitlab;
mod pattern;
mod pulumi;
mod sequence;
mod tenant;

use crate::issuer::IssuerKind;
use github::Github;
use gitlab::Gitlab;
use pattern::{Grade, Outside, Pattern, verdict};

/// How much a pattern admits, from the narrowest; [`Breadth::width`] orders them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Breadth {
    /// Intended scope: one repository plus one ref or environment (or the issuer's equivalent).
    Exact,
    /// One repository (project, stack, ...) and a ref/environment/tag *pattern*.
    ContextPattern,
    /// One repository on any ref, environment or pull request (or `pull_request` itself).
    AnyContext,
    /// Sibling repositories sharing a name prefix (`repo:acme/infra*`).
    SiblingRepos,
    /// Every repository of one owner / group / organization.
    WholeOwner {
        /// The GitHub owner or GitLab top-level group the pattern names (what the
        /// `allow-whole-owner` option lists); `None` for an owner named only by its id, and for
        /// the organizations of other issuers.
        owner: Option<String>,
    },
    /// Owners other than the intended one (`repo:acme*`, `repo:*`).
    AnyOwner,
    /// Any subject at all from this issuer (`*`).
    AnySubject,
}

impl Breadth {
    /// How much it admits, to compare breadths: `Exact` is 0, `AnySubject` the widest. Which
    /// owner a `WholeOwner` names does not make it wider or narrower.
    pub fn width(&self) -> u8 {
        match self {
            Breadth::Exact => 0,
            Breadth::ContextPattern => 1,
            Breadth::AnyContext => 2,
            Breadth::SiblingRepos => 3,
            Breadth::WholeOwner { .. } => 4,
            Breadth::AnyOwner => 5,
            Breadth::AnySubject => 6,
        }
    }
}

/// The result of reading one pattern with its issuer's grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectVerdict {
    /// The pattern is inside the grammar; this is what it admits.
    Scoped {
        breadth: Breadth,
        /// Who can get in, in words: "any repository owned by `acme`, on any branch, tag,
        /// environment or pull request".
        who: String,
        /// A narrower value to write instead, when one can be derived from the pattern
        /// (e.g. `repo:acme/infra:environment:prod`).
        suggestion: Option<String>,
    },
    /// The value can never be emitted by this issuer (e.g. `repo:acme/infra:ref:main`: GitHub
    /// writes `ref:refs/heads/main`).
    OutsideGrammar { reason: String, suggestion: Option<String> },
    /// The grammar of this issuer/claim is not known: do not guess.
    Unrecognised,
}

/// Read `pattern` as a value of `claim` (lower-case: `sub`, `repository`, `job_workflow_ref`, ...)
/// for tokens of `issuer`. `glob` is true when `*` and `?` are wildcards (StringLike, Azure
/// `matches`); otherwise they are literal characters.
///
/// Claims that do not say which workload a token belongs to on their own (`ref`, `environment`,
/// `workflow`, `actor`, `aud` of most issuers) are [`SubjectVerdict::Unrecognised`]: the caller
/// decides what they add.
pub fn assess(issuer: &IssuerKind, claim: &str, pattern: &str, glob: bool) -> SubjectVerdict {
    let Some(grammar) = Grammar::of(issuer, claim) else {
        return SubjectVerdict::Unrecognised;
    };
    if let Some(outside) = grammar.never_matches(claim, pattern, glob) {
        return outside.into();
    }
    let pattern = Pattern::new(pattern, glob);
    let nothing_pinned = if grammar.structured() {
        pattern.literal.is_empty()
    } else {
        // A free-form subject such as `*@clients` still narrows by what follows the wildcard.
        pattern.full.chars().all(|c| c == '*' || c == '?')
    };
    if pattern.wild && nothing_pinned {
        return Grade::new(Breadth::AnySubject, grammar.everyone()).into();
    }
    grammar.assess(claim, pattern)
}

/// The subject grammar of one issuer.
enum Grammar<'i> {
    Github(Github),
    Gitlab(Gitlab),
    Pulumi,
    Terraform,
    Kubernetes,
    Buildkite,
    CircleCi { org: &'i str },
    Bitbucket,
    Google,
    Other,
}

impl<'i> Grammar<'i> {
    /// The grammar of `claim` for `issuer`, when it is one this module reads.
    fn of(issuer: &'i IssuerKind, claim: &str) -> Option<Grammar<'i>> {
        let grammar = match issuer {
            IssuerKind::GitHub
            | IssuerKind::GitHubEnterprise { .. }
            | IssuerKind::GitHubServer { .. }
            | IssuerKind::GheCom { .. } => Grammar::Github(Github::of(issuer)?),
            IssuerKind::GitLab { .. } => Grammar::Gitlab(Gitlab::of(issuer)?),
            IssuerKind::PulumiCloud => Grammar::Pulumi,
            IssuerKind::HcpTerraform { .. } => Grammar::Terraform,
            IssuerKind::Kubernetes { .. } => Grammar::Kubernetes,
            IssuerKind::Buildkite => Grammar::Buildkite,
            IssuerKind::CircleCi { org } => Grammar::CircleCi { org },
            IssuerKind::Bitbucket { .. } => Grammar::Bitbucket,
            IssuerKind::Google => Grammar::Google,
            IssuerKind::Other => Grammar::Other,
        };
        let claims: &[&str] = match grammar {
            Grammar::Github(_) => github::CLAIMS,
            Grammar::Gitlab(_) => gitlab::CLAIMS,
            Grammar::Google => &["sub", "aud"],
            _ => &["sub"],
        };
        claims.contains(&claim).then_some(grammar)
    }

    /// The grammar has structure of its own, so a leading wildcard leaves nothing pinned.
    fn structured(&self) -> bool {
        !matches!(self, Grammar::Google | Grammar::Other)
    }

    fn name(&self) -> &'static str {
        match self {
            Grammar::Github(_) => "GitHub",
            Grammar::Gitlab(_) => "GitLab",
            Grammar::Pulumi => "Pulumi Cloud",
            Grammar::Terraform => "HCP Terraform",
            Grammar::Kubernetes => "Kubernetes",
            Grammar::Buildkite => "Buildkite",
            Grammar::CircleCi { .. } => "CircleCI",
            Grammar::Bitbucket => "Bitbucket",
            Grammar::Google => "Google",
            Grammar::Other => "the issuer",
        }
    }

    /// Who gets in when nothing at all is pinned.
    fn everyone(&self) -> String {
        match self {
            Grammar::Github(github) => github.everyone(),
            Grammar::Gitlab(gitlab) => gitlab.everyone(),
            Grammar::Pulumi => pulumi::EVERYONE.into(),
            Grammar::Terraform => "any run of any workspace of any HCP Terraform organization".into(),
            Grammar::Kubernetes => "any service account in any namespace of the cluster".into(),
            Grammar::Buildkite => "any job of any Buildkite organization".into(),
            Grammar::CircleCi { .. } => "any job of any project of the CircleCI organization".into(),
            Grammar::Bitbucket => "any pipeline step of any repository in the workspace".into(),
            Grammar::Google => "any Google account or service account of any project".into(),
            Grammar::Other => "every client or user the issuer signs tokens for".into(),
        }
    }

    /// Values no token can carry whatever the grammar: empty, padded with whitespace, or holding
    /// a `*` that is not a wildcard.
    fn never_matches(&self, claim: &str, pattern: &str, glob: bool) -> Option<Outside> {
        if pattern.is_empty() {
            return Some(Outside::new(format!(
                "an empty value never matches: tokens of {} always carry a non-empty `{claim}`",
                self.name()
            )));
        }
        let trimmed = pattern.trim();
        if trimmed != pattern {
            let outside = Outside::new(format!(
                "leading or trailing whitespace: `{claim}` never carries it, so this value never matches"
            ));
            return Some(if trimmed.is_empty() { outside } else { outside.suggest(trimmed) });
        }
        if !glob && pattern.contains('*') && self.structured() {
            return Some(Outside::new(format!(
                "`*` is a literal character under an exact comparison, and {} never writes one in `{claim}`: \
                 this value never matches (a wildcard needs a glob operator such as `StringLike`)",
                self.name()
            )));
        }
        None
    }

    fn assess(&self, claim: &str, pattern: Pattern<'_>) -> SubjectVerdict {
        match self {
            Grammar::Github(github) => verdict(github.assess(claim, pattern)),
            Grammar::Gitlab(gitlab) => verdict(gitlab.assess(claim, pattern)),
            Grammar::Pulumi => verdict(pulumi::assess(pattern)),
            Grammar::Terraform => verdict(fixed::terraform(pattern)),
            Grammar::Kubernetes => verdict(fixed::kubernetes(pattern)),
            Grammar::Buildkite => verdict(fixed::buildkite(pattern)),
            Grammar::CircleCi { org } => verdict(fixed::circleci(pattern, org)),
            Grammar::Bitbucket => verdict(tenant::bitbucket(pattern)),
            Grammar::Google => tenant::google(claim, pattern).map_or(SubjectVerdict::Unrecognised, verdict),
            Grammar::Other => tenant::other(pattern).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Breadth::*;

    /// `WholeOwner` naming the GitHub owner or GitLab top-level group `owner`.
    fn whole_owner(owner: &str) -> Breadth {
        WholeOwner { owner: Some(owner.to_string()) }
    }

    /// `WholeOwner` of an owner named only by its id, or of another issuer's organization.
    const UNNAMED_OWNER: Breadth = WholeOwner { owner: None };

    #[derive(Clone, Debug)]
    enum Want {
        Is(Breadth),
        Outside,
        Unrecognised,
    }
    use Want::{Is, Outside as Out, Unrecognised as Unread};

    /// `(claim, pattern, glob, expected)`.
    type Case<'a> = (&'a str, &'a str, bool, Want);

    fn check(issuer: &IssuerKind, cases: &[Case<'_>]) {
        for (claim, pattern, glob, want) in cases {
            let (claim, pattern, glob) = (*claim, *pattern, *glob);
            let got = assess(issuer, claim, pattern, glob);
            let context = format!("{issuer:?} {claim} {pattern:?} glob={glob}: {got:?}");
            match (want, &got) {
                (Is(breadth), SubjectVerdict::Scoped { breadth: got_breadth, who, .. }) => {
                    assert_eq!(got_breadth, breadth, "{context}");
                    assert!(!who.is_empty(), "{context}");
                }
                (Out, SubjectVerdict::OutsideGrammar { reason, .. }) => {
                    assert!(!reason.is_empty(), "{context}")
                }
                (Unread, SubjectVerdict::Unrecognised) => {}
                _ => panic!("expected {want:?}; {context}"),
            }
            // A suggestion without placeholders must itself be inside the grammar.
            let suggestion = match &got {
                SubjectVerdict::Scoped { suggestion, .. }
                | SubjectVerdict::OutsideGrammar { suggestion, .. } => suggestion.as_deref(),
                SubjectVerdict::Unrecognised => None,
            };
            if let Some(suggestion) = suggestion.filter(|s| !s.contains('<')) {
                let again = assess(issuer, claim, suggestion, glob || suggestion.contains('*'));
                assert!(
                    matches!(again, SubjectVerdict::Scoped { .. }),
                    "suggestion {suggestion:?} of {context}: {again:?}"
                );
            }
        }
    }

    fn scoped(
        issuer: &IssuerKind,
        claim: &str,
        pattern: &str,
        glob: bool,
    ) -> (Breadth, String, Option<String>) {
        match assess(issuer, claim, pattern, glob) {
            SubjectVerdict::Scoped { breadth, who, suggestion } => (breadth, who, suggestion),
            other => panic!("{pattern}: {other:?}"),
        }
    }

    fn outside(issuer: &IssuerKind, claim: &str, pattern: &str, glob: bool) -> (String, Option<String>) {
        match assess(issuer, claim, pattern, glob) {
            SubjectVerdict::OutsideGrammar { reason, suggestion } => (reason, suggestion),
            other => panic!("{pattern}: {other:?}"),
        }
    }

    #[test]
    fn github_sub_breadth_follows_the_grading_table() {
        let cases: &[Case<'_>] = &[
            // Nothing pinned, or owners other than the intended one.
            ("sub", "*", true, Is(AnySubject)),
            ("sub", "**", true, Is(AnySubject)),
            ("sub", "*:environment:prod", true, Is(AnySubject)),
            ("sub", "repo:*", true, Is(AnyOwner)),
            ("sub", "repo:*:*", true, Is(AnyOwner)),
            ("sub", "re*", true, Is(AnyOwner)),
            ("sub", "repo:acme*", true, Is(AnyOwner)),
            ("sub", "repo:acme*/infra:*", true, Is(AnyOwner)),
            ("sub", "repo:acm?/infra:ref:refs/heads/main", true, Is(AnyOwner)),
            ("sub", "environment:prod", true, Is(AnyOwner)),
            ("sub", "repo_property_workspace_id:ws-abc123", false, Is(AnyOwner)),
            // Every repository of one owner.
            ("sub", "repo:acme/*", true, Is(whole_owner("acme"))),
            ("sub", "repo:acme/*:environment:prod", true, Is(whole_owner("acme"))),
            ("sub", "repo:acme@4411223/*", true, Is(whole_owner("acme"))),
            ("sub", "repo:acme@*", true, Is(whole_owner("acme"))),
            ("sub", "repository_owner:acme", false, Is(whole_owner("acme"))),
            ("sub", "repository_owner:acme", true, Is(whole_owner("acme"))),
            ("sub", "repository_owner_id:4411223", false, Is(UNNAMED_OWNER)),
            ("sub", "repository_owner:acme:repository_visibility:private", false, Is(whole_owner("acme"))),
            ("sub", "environment:prod:repository_owner:acme", false, Is(whole_owner("acme"))),
            ("sub", "environment:production%3Aeastus:repository_owner:acme", false, Is(whole_owner("acme"))),
            // Sibling repositories.
            ("sub", "repo:acme/infra*", true, Is(SiblingRepos)),
            ("sub", "repo:acme/infr?:ref:refs/heads/main", true, Is(SiblingRepos)),
            ("sub", "repo:acme@4411223/infra*", true, Is(SiblingRepos)),
            // One repository, any context.
            ("sub", "repo:acme/infra:*", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:e*", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:ref:*", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:ref:refs/*", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:ref:refs/heads/*", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:ref:refs/heads/?ain", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:ref:refs/tags/*", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:environment:*", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:pull_request", false, Is(AnyContext)),
            ("sub", "repo:acme/infra:pull_request", true, Is(AnyContext)),
            ("sub", "repo:acme/infra:ref:refs/pull/42/merge", false, Is(AnyContext)),
            ("sub", "repository_id:90817263", false, Is(AnyContext)),
            // A customized template may hold `repo` without `context`, so a subject can end there.
            ("sub", "repo:acme/infra", false, Is(AnyContext)),
            ("sub", "repo:acme/infra", true, Is(AnyContext)),
            ("sub", "workflow:deploy:repo:acme/app", false, Is(AnyContext)),
            ("sub", "environment:prod:repo:acme/app", false, Is(Exact)),
            ("sub", "workflow:deploy:repo:acme/*", true, Is(whole_owner("acme"))),
            ("sub", "repo:acme@4411223/infra@90817263:*", true, Is(AnyContext)),
            // One repository, a context pattern.
            ("sub", "repo:acme/infra:ref:refs/tags/v*", true, Is(ContextPattern)),
            ("sub", "repo:acme/infra:ref:refs/heads/release/*", true, Is(ContextPattern)),
            ("sub", "repo:acme/infra:environment:prod-*", true, Is(ContextPattern)),
            ("sub", "repo:acme/infra:environment:prod?", true, Is(ContextPattern)),
            // Intended scope.
            ("sub", "repo:acme/infra:ref:refs/heads/main", true, Is(Exact)),
            ("sub", "repo:acme/infra:ref:refs/heads/main", false, Is(Exact)),
            ("sub", "repo:acme/infra:ref:refs/tags/v1.2.0", false, Is(Exact)),
            ("sub", "repo:acme/infra:environment:prod", false, Is(Exact)),
            ("sub", "repo:acme/infra:environment:prod:*", true, Is(Exact)),
            ("sub", "repo:acme/infra:environment:Production%3AV1", false, Is(Exact)),
            ("sub", "repo:acme@4411223/infra@90817263:environment:prod", false, Is(Exact)),
            ("sub", "repo:acme@4411223/infra@90817263:ref:refs/heads/main", true, Is(Exact)),
            (
                "sub",
                "job_workflow_ref:acme/automation/.github/workflows/deploy.yml@refs/heads/main",
                false,
                Is(Exact),
            ),
            (
                "sub",
                "repo:acme/infra:environment:prod:job_workflow_ref:acme/automation/.github/workflows/deploy.yml@refs/heads/main",
                false,
                Is(Exact),
            ),
            ("sub", "repo:acme-corp_x/my.repo-1:ref:refs/heads/feature/a-b", false, Is(Exact)),
            // Outside the grammar: never matches.
            ("sub", "repo:acme/infra:ref:main", true, Out),
            ("sub", "repo:acme/infra:ref:m*", true, Out),
            ("sub", "repo:acme/infra:branch:main", true, Out),
            ("sub", "repo:acme/infra:branch:*", true, Out),
            ("sub", "repo:acme/infra:refs/heads/main", false, Out),
            ("sub", "repo:acme/infra:environment:Production:V1", false, Out),
            ("sub", "repo:acme/infra:environment:Prod:V*", true, Out),
            ("sub", "repo:acme/infra:x*", true, Out),
            ("sub", "repo:acme/infra:context:prod", false, Out),
            ("sub", "repo:acme/infra::pull_request", false, Out),
            ("sub", "repo:acme/infra:", false, Out),
            ("sub", "repo:acme/infra:ref:refs/heads/", false, Out),
            ("sub", "repo:acme/infra:ref:refs/heads/a..b", false, Out),
            ("sub", "repo:acme.corp/infra:*", true, Out),
            ("sub", "repo:acme corp/infra:*", true, Out),
            ("sub", "repo:acme/in fra:*", true, Out),
            ("sub", "repo:acme:*", true, Out),
            ("sub", "repo:acme@4411223/infra:environment:prod", false, Out),
            ("sub", "repo:acme/infra@*", true, Out),
            ("sub", "repo:acme@x/infra@1:environment:prod", false, Out),
            ("sub", "Repo:acme/infra:ref:refs/heads/main", false, Out),
            ("sub", "REPO:acme/*", true, Out),
            ("sub", "acme/infra:ref:refs/heads/main", false, Out),
            ("sub", "repository_id:abc", false, Out),
            ("sub", "repository_visibility:secret", false, Out),
            ("sub", " repo:acme/infra:ref:refs/heads/main", false, Out),
            ("sub", "repo:acme/infra:ref:refs/heads/main ", true, Out),
            ("sub", "  ", true, Out),
            ("sub", "", true, Out),
            ("sub", "", false, Out),
            // `*` is literal under an exact comparison.
            ("sub", "repo:acme/*", false, Out),
            ("sub", "*", false, Out),
            ("sub", "repo:acme/infra:environment:*", false, Out),
        ];
        check(&IssuerKind::GitHub, cases);
    }

    /// Every ordering of every combination of up to three claims a customized template can hold
    /// (reference 1.1): the subject is never dead, and its breadth follows from which claims pin
    /// an identity. `repo`/`repository_id` pin the repository, and then the context (`environment`,
    /// `ref`) decides; `repository_owner` pins the owner; an exact `job_workflow_ref` pins the
    /// called workflow; `workflow`, `actor`, `event_name`, `repository_visibility` and the like are
    /// chosen by any repository, so on their own they admit every repository.
    #[test]
    fn github_customized_templates_in_every_order() {
        // (pair as GitHub writes it, what it pins)
        #[derive(Clone, Copy, PartialEq)]
        enum Pin {
            Repository,
            OwnerName,
            OwnerId,
            Context,
            CalledWorkflow,
            Nothing,
        }
        let pairs: &[(&str, Pin)] = &[
            ("repo:acme/app", Pin::Repository),
            ("repository_id:90817263", Pin::Repository),
            ("repository_owner:acme", Pin::OwnerName),
            ("repository_owner_id:4411223", Pin::OwnerId),
            ("environment:prod%3Aeastus", Pin::Context),
            ("ref:refs/heads/main", Pin::Context),
            (
                "job_workflow_ref:acme/automation/.github/workflows/deploy.yml@refs/heads/main",
                Pin::CalledWorkflow,
            ),
            ("workflow:deploy", Pin::Nothing),
            ("actor:octocat", Pin::Nothing),
            ("event_name:push", Pin::Nothing),
            ("repository_visibility:private", Pin::Nothing),
            ("runner_environment:github-hosted", Pin::Nothing),
            ("repo_property_tier:production", Pin::Nothing),
        ];
        let expected = |pins: &[Pin]| {
            if pins.contains(&Pin::CalledWorkflow) {
                Exact
            } else if pins.contains(&Pin::Repository) {
                if pins.contains(&Pin::Context) { Exact } else { AnyContext }
            } else if let Some(owner) = pins.iter().find(|pin| matches!(pin, Pin::OwnerName | Pin::OwnerId)) {
                // The first owner key is the one read; a name after an id adds nothing.
                if *owner == Pin::OwnerName { whole_owner("acme") } else { UNNAMED_OWNER }
            } else {
                AnyOwner
            }
        };
        let n = pairs.len();
        let mut checked = 0;
        for a in 0..n {
            for b in (0..n).map(Some).chain([None]) {
                for c in (0..n).map(Some).chain([None]) {
                    let chosen: Vec<usize> = [Some(a), b, c].into_iter().flatten().collect();
                    // A template names each key once; two keys of the same kind are not combined
                    // (GitHub keeps `repo` and `repository_id` distinct, both pin the same thing).
                    let keys: Vec<&str> =
                        chosen.iter().map(|&i| pairs[i].0.split(':').next().unwrap()).collect();
                    if (1..keys.len()).any(|i| keys[..i].contains(&keys[i])) || (c.is_some() && b.is_none()) {
                        continue;
                    }
                    let subject: Vec<&str> = chosen.iter().map(|&i| pairs[i].0).collect();
                    let subject = subject.join(":");
                    let pins: Vec<Pin> = chosen.iter().map(|&i| pairs[i].1).collect();
                    let want = expected(&pins);
                    match assess(&IssuerKind::GitHub, "sub", &subject, false) {
                        SubjectVerdict::Scoped { breadth, .. } => {
                            assert_eq!(breadth, want, "{subject}");
                        }
                        other => panic!("{subject}: a customized template can issue it, got {other:?}"),
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 1500, "{checked}");
        // A raw `:` inside a free-text value is never written: GitHub encodes it as `%3A`.
        assert!(matches!(
            assess(&IssuerKind::GitHub, "sub", "environment:prod:eastus:repository_owner:acme", false),
            SubjectVerdict::OutsideGrammar { .. }
        ));
    }

    #[test]
    fn github_claims_other_than_sub() {
        let cases: &[Case<'_>] = &[
            ("repository", "acme/*", true, Is(whole_owner("acme"))),
            ("repository", "acme/infra", false, Is(AnyContext)),
            ("repository", "acme*", true, Is(AnyOwner)),
            ("repository", "acme/infra*", true, Is(SiblingRepos)),
            ("repository", "*", true, Is(AnySubject)),
            ("repository", "acme", false, Out),
            ("repository", "acme@4411223/infra@90817263", false, Out),
            ("repository_owner", "acme", false, Is(whole_owner("acme"))),
            ("repository_owner", "acme*", true, Is(AnyOwner)),
            ("repository_owner", "ac.me", false, Out),
            ("repository_owner_id", "4411223", false, Is(UNNAMED_OWNER)),
            ("repository_owner_id", "44*", true, Is(AnyOwner)),
            ("repository_id", "90817263", false, Is(AnyContext)),
            ("repository_id", "9081*", true, Is(AnyOwner)),
            ("repository_id", "acme/infra", false, Out),
            (
                "job_workflow_ref",
                "acme/automation/.github/workflows/deploy.yml@refs/heads/main",
                false,
                Is(Exact),
            ),
            (
                "job_workflow_ref",
                "acme/automation/.github/workflows/deploy.yml@0123456789abcdef0123456789abcdef01234567",
                false,
                Is(Exact),
            ),
            ("job_workflow_ref", "acme/automation/.github/workflows/deploy.yml@*", true, Is(ContextPattern)),
            (
                "job_workflow_ref",
                "acme/automation/.github/workflows/deploy.yml@refs/tags/v*",
                true,
                Is(ContextPattern),
            ),
            ("job_workflow_ref", "acme/automation/.github/workflows/dep*", true, Is(ContextPattern)),
            ("job_workflow_ref", "acme/automation/*", true, Is(AnyContext)),
            ("job_workflow_ref", "acme/auto*", true, Is(SiblingRepos)),
            ("job_workflow_ref", "acme/*", true, Is(whole_owner("acme"))),
            ("job_workflow_ref", "acm*", true, Is(AnyOwner)),
            ("job_workflow_ref", "acme/automation/.github/workflows/deploy.yml@main", false, Out),
            ("job_workflow_ref", "acme/automation/.github/workflows/deploy.yml@m*", true, Out),
            ("job_workflow_ref", "acme/automation/.github/workflows/deploy.yml", false, Out),
            // Alone these say nothing about the repository: the caller decides.
            ("ref", "refs/heads/main", false, Unread),
            ("environment", "prod", false, Unread),
            ("workflow", "deploy", false, Unread),
            ("actor", "octocat", false, Unread),
            ("aud", "sts.amazonaws.com", false, Unread),
            ("ref", "", false, Unread),
        ];
        check(&IssuerKind::GitHub, cases);
    }

    #[test]
    fn github_flavours() {
        let server = IssuerKind::GitHubServer { host: "ghes.acme.example".into() };
        check(
            &server,
            &[
                ("sub", "repo:acme/infra:environment:prod", false, Is(Exact)),
                ("sub", "repo:acme@4411223/infra@90817263:environment:prod", false, Out),
                ("sub", "repo:acme@4411223/*", true, Out),
            ],
        );
        let (_, suggestion) =
            outside(&server, "sub", "repo:acme@4411223/infra@90817263:environment:prod", false);
        assert_eq!(suggestion.as_deref(), Some("repo:acme/infra:environment:prod"));
        let (_, who, _) = scoped(&server, "sub", "repo:acm*", true);
        assert!(who.contains("on `ghes.acme.example`"), "{who}");

        let enterprise = IssuerKind::GitHubEnterprise { slug: "acme-corp".into() };
        check(
            &enterprise,
            &[
                ("sub", "*", true, Is(AnySubject)),
                ("sub", "repo:acme@4411223/infra@90817263:environment:prod", false, Is(Exact)),
            ],
        );
        let (_, who, _) = scoped(&enterprise, "sub", "*", true);
        assert!(who.contains("enterprise `acme-corp`"), "{who}");
        check(
            &IssuerKind::GheCom { subdomain: "acme".into() },
            &[("sub", "repo:acme/*", true, Is(whole_owner("acme")))],
        );
    }

    #[test]
    fn github_wording_and_suggestions() {
        let github = &IssuerKind::GitHub;
        let cases: &[(&str, &str, &str, Option<&str>)] = &[
            (
                "sub",
                "repo:acme/*",
                "any repository owned by `acme`, on any branch, tag, environment or pull request",
                Some("repo:acme/<repo>:environment:<env>"),
            ),
            (
                "sub",
                "repo:acme*",
                "any repository on github.com whose owner name starts with `acme` (for example `acme-evil`)",
                Some("repo:acme/<repo>:environment:<env>"),
            ),
            (
                "sub",
                "repo:acm?/infra:*",
                "any repository on github.com whose owner name starts with `acm` (for example `acmx`)",
                None,
            ),
            (
                "sub",
                "repo:acme/infra:ref:refs/heads/*",
                "any branch of `acme/infra` (anyone who can push a branch)",
                Some("repo:acme/infra:ref:refs/heads/<branch>"),
            ),
            (
                "sub",
                "repo:acme/infra:pull_request",
                "pull requests of `acme/infra` (unmerged code)",
                Some("repo:acme/infra:environment:<env>"),
            ),
            (
                "sub",
                "repo:acme/infra:*",
                "`acme/infra`, on any branch, tag, environment or pull request",
                Some("repo:acme/infra:environment:<env>"),
            ),
            (
                "sub",
                "repo:acme/infra*",
                "any repository of `acme` whose name starts with `infra` (for example `acme/infra-evil`), on any \
                 branch, tag, environment or pull request",
                Some("repo:acme/infra:environment:<env>"),
            ),
            (
                "sub",
                "repo:acme@4411223/*",
                "any repository owned by `acme` (owner id `4411223`), on any branch, tag, environment or pull request",
                Some("repo:acme@4411223/<repo>@<repo_id>:environment:<env>"),
            ),
            (
                "sub",
                "repo:acme/infra:ref:refs/tags/v*",
                "tags of `acme/infra` matching `v*` (protect them with tag rulesets)",
                None,
            ),
            (
                "sub",
                "repo:acme/infra:ref:refs/heads/?ain",
                "branches of `acme/infra` matching `?ain` (anyone who can push a branch)",
                Some("repo:acme/infra:ref:refs/heads/<branch>"),
            ),
            ("sub", "repo:*", "any repository on github.com", None),
            (
                "sub",
                "environment:prod",
                "environment `prod` of any repository on github.com (this subject names no owner or repository)",
                None,
            ),
            (
                "job_workflow_ref",
                "acm*",
                "jobs running any reusable workflow on github.com whose owner name starts with `acm` (for example \
                 `acm-evil`)",
                None,
            ),
            (
                "job_workflow_ref",
                "acme/automation/.github/workflows/deploy.yml@*",
                "jobs running reusable workflow `acme/automation/.github/workflows/deploy.yml` at any ref",
                None,
            ),
            (
                "sub",
                "repo:acme/infra:environment:*",
                "any environment of `acme/infra`, including unprotected ones",
                Some("repo:acme/infra:environment:<env>"),
            ),
            ("sub", "repo:acme/infra:environment:prod", "environment `prod` of `acme/infra`", None),
            ("sub", "repo:acme/infra:ref:refs/heads/main", "branch `main` of `acme/infra`", None),
            (
                "sub",
                "environment:prod:repository_owner:acme",
                "environment `prod` of any repository owned by `acme`",
                None,
            ),
            (
                "sub",
                "repository_id:90817263",
                "repository id `90817263`, on any branch, tag, environment or pull request",
                None,
            ),
            (
                "sub",
                "job_workflow_ref:acme/automation/.github/workflows/deploy.yml@refs/heads/main",
                "jobs running reusable workflow `acme/automation/.github/workflows/deploy.yml@refs/heads/main`, called \
                 from any repository allowed to use it",
                None,
            ),
            (
                "repository",
                "acme/*",
                "any repository owned by `acme`, on any branch, tag, environment or pull request",
                Some("acme/<repo>"),
            ),
        ];
        for &(claim, pattern, want_who, want_suggestion) in cases {
            let (_, who, suggestion) = scoped(github, claim, pattern, true);
            assert_eq!(who, want_who, "{pattern}");
            assert_eq!(suggestion.as_deref(), want_suggestion, "{pattern}");
        }
    }

    #[test]
    fn github_outside_reasons_and_fixes() {
        let github = &IssuerKind::GitHub;
        let cases: &[(&str, bool, &str, Option<&str>)] = &[
            (
                "repo:acme/infra:ref:main",
                false,
                "refs/heads/main",
                Some("repo:acme/infra:ref:refs/heads/main"),
            ),
            ("repo:acme/infra:branch:main", false, "refs/heads", Some("repo:acme/infra:ref:refs/heads/main")),
            ("repo:acme/infra:tag:v1", false, "refs/tags", Some("repo:acme/infra:ref:refs/tags/v1")),
            ("repo:acme/infra:env:prod", false, "environment:NAME", Some("repo:acme/infra:environment:prod")),
            (
                "repo:acme/infra:refs/heads/main",
                false,
                "ref:refs",
                Some("repo:acme/infra:ref:refs/heads/main"),
            ),
            (
                "repo:acme/infra:environment:Production:V1",
                false,
                "%3A",
                Some("repo:acme/infra:environment:Production%3AV1"),
            ),
            (
                "repo:acme/infra:environment:a:b:c:job_workflow_ref:acme/x/w.yml@refs/heads/main",
                false,
                "%3A",
                Some("repo:acme/infra:environment:a%3Ab%3Ac:job_workflow_ref:acme/x/w.yml@refs/heads/main"),
            ),
            (
                "repo:acme/infra:environment:Prod:V*",
                true,
                "%3A",
                Some("repo:acme/infra:environment:Prod%3AV*"),
            ),
            (
                "Repo:acme/infra:ref:refs/heads/main",
                false,
                "lower case",
                Some("repo:acme/infra:ref:refs/heads/main"),
            ),
            ("acme/infra:ref:refs/heads/main", false, "repo:", Some("repo:acme/infra:ref:refs/heads/main")),
            ("repo:acme.corp/infra:*", true, "owner name", None),
            (
                " repo:acme/infra:ref:refs/heads/main",
                false,
                "whitespace",
                Some("repo:acme/infra:ref:refs/heads/main"),
            ),
            ("repo:acme/*", false, "literal", None),
            ("", true, "empty", None),
        ];
        for &(pattern, glob, reason_part, want_suggestion) in cases {
            let (reason, suggestion) = outside(github, "sub", pattern, glob);
            assert!(reason.contains(reason_part), "{pattern}: {reason}");
            assert_eq!(suggestion.as_deref(), want_suggestion, "{pattern}");
        }
    }

    #[test]
    fn gitlab() {
        let gitlab = IssuerKind::GitLab { host: "gitlab.com".into(), saas: true };
        let cases: &[Case<'_>] = &[
            ("sub", "*", true, Is(AnySubject)),
            ("sub", "project_path:*", true, Is(AnyOwner)),
            ("sub", "project*", true, Is(AnyOwner)),
            ("sub", "project_path:acme*", true, Is(AnyOwner)),
            ("sub", "project_path:acme/*", true, Is(whole_owner("acme"))),
            ("sub", "project_path:acme/platform/*", true, Is(whole_owner("acme"))),
            ("sub", "project_path:acme/infra*", true, Is(SiblingRepos)),
            ("sub", "project_path:acme/infra:*", true, Is(AnyContext)),
            ("sub", "project_path:acme/infra:ref_type:*", true, Is(AnyContext)),
            ("sub", "project_path:acme/infra:ref_type:branch:ref:*", true, Is(AnyContext)),
            ("sub", "project_path:acme/infra", false, Is(AnyContext)),
            ("sub", "project_path:acme/infra:ref_type:branch:ref:release/*", true, Is(ContextPattern)),
            ("sub", "project_path:acme/infra:ref_type:branch:ref:main", false, Is(Exact)),
            ("sub", "project_path:acme/platform/infra:ref_type:tag:ref:v4.2.0", false, Is(Exact)),
            (
                "sub",
                "project_path:acme/infra:ref_type:branch:ref:main:environment:production",
                false,
                Is(Exact),
            ),
            ("sub", "project_path:acme/infra:ref_type:branch:ref:refs/heads/main", false, Out),
            ("sub", "project_path:acme/infra:ref_type:branch:ref:refs/heads/*", true, Out),
            ("sub", "project_path:acme/infra:ref_type:commit:ref:main", false, Out),
            ("sub", "project_path:acme/infra:branch:main", false, Out),
            ("sub", "project_path:acme", false, Out),
            ("sub", "Project_path:acme/infra:*", true, Out),
            ("sub", "repo:acme/infra:*", true, Out),
            ("sub", "project_path:acme/*", false, Out),
            ("project_path", "acme/*", true, Is(whole_owner("acme"))),
            ("project_path", "acme/infra", false, Is(AnyContext)),
            ("project_path", "acme*", true, Is(AnyOwner)),
            ("namespace_path", "acme", false, Is(whole_owner("acme"))),
            ("namespace_path", "acme/*", true, Is(whole_owner("acme"))),
            ("namespace_path", "acme*", true, Is(AnyOwner)),
            ("project_id", "20", false, Is(AnyContext)),
            ("project_id", "2*", true, Is(AnyOwner)),
            ("project_id", "acme", false, Out),
            ("namespace_id", "72", false, Is(UNNAMED_OWNER)),
            ("ref", "main", false, Unread),
        ];
        check(&gitlab, cases);
        let (_, who, suggestion) = scoped(&gitlab, "sub", "project_path:acme/infra:*", true);
        assert!(who.contains("merge-request pipelines"), "{who}");
        assert_eq!(suggestion.as_deref(), Some("project_path:acme/infra:ref_type:branch:ref:<branch>"));
        let (_, who, _) = scoped(&gitlab, "sub", "project_path:acme/*", true);
        assert!(who.contains("group `acme` or its subgroups"), "{who}");
        let (_, suggestion) =
            outside(&gitlab, "sub", "project_path:acme/infra:ref_type:branch:ref:refs/heads/main", false);
        assert_eq!(suggestion.as_deref(), Some("project_path:acme/infra:ref_type:branch:ref:main"));
        let self_managed = IssuerKind::GitLab { host: "gitlab.acme.example".into(), saas: false };
        let (_, who, _) = scoped(&self_managed, "sub", "*", true);
        assert!(who.contains("`gitlab.acme.example`"), "{who}");
    }

    #[test]
    fn pulumi() {
        let cases: &[Case<'_>] = &[
            ("sub", "*", true, Is(AnySubject)),
            ("sub", "pulumi:*", true, Is(AnyOwner)),
            ("sub", "pulumi:deploy:org:ac*", true, Is(AnyOwner)),
            ("sub", "pulumi:deploy:org:acme:*", true, Is(UNNAMED_OWNER)),
            ("sub", "pulumi:deploy:org:acme:project:co*", true, Is(SiblingRepos)),
            ("sub", "pulumi:deploy:org:acme:project:core:*", true, Is(AnyContext)),
            ("sub", "pulumi:deploy:org:acme:project:core:stack:pr*", true, Is(ContextPattern)),
            ("sub", "pulumi:deploy:org:acme:project:core:stack:prod:*", true, Is(ContextPattern)),
            ("sub", "pulumi:deploy:org:acme:project:core:stack:prod:operation:*", true, Is(ContextPattern)),
            (
                "sub",
                "pulumi:deploy:org:acme:project:core:stack:prod:operation:update:scope:write",
                false,
                Is(Exact),
            ),
            ("sub", "pulumi:deploy:org:acme:project:core:stack:prod:operation:update:*", true, Is(Exact)),
            (
                "sub",
                "pulumi:deploy:org:acme:project:core:stack:prod:operation:deploy:scope:write",
                false,
                Out,
            ),
            ("sub", "pulumi:deploy:org:acme:project:core", false, Out),
            (
                "sub",
                "pulumi:deploy:org:acme:project:core:stack:prod:operation:update:scope:write:x",
                false,
                Out,
            ),
            ("sub", "pulumi:environments:org:*", true, Is(AnyOwner)),
            ("sub", "pulumi:environments:org:acme:*", true, Is(UNNAMED_OWNER)),
            ("sub", "pulumi:environments:org:acme:env:*", true, Is(UNNAMED_OWNER)),
            ("sub", "pulumi:environments:org:acme:env:<yaml>", false, Is(UNNAMED_OWNER)),
            ("sub", "pulumi:environments:org:acme:env:pay*", true, Is(SiblingRepos)),
            ("sub", "pulumi:environments:org:acme:env:payments/*", true, Is(AnyContext)),
            ("sub", "pulumi:environments:org:acme:env:payments/pr*", true, Is(ContextPattern)),
            ("sub", "pulumi:environments:org:acme:env:payments/prod", false, Is(Exact)),
            ("sub", "pulumi:environments:org:acme:env:prod", false, Is(Exact)),
            ("sub", "pulumi:environments:org:acme:env:a/b/c", false, Out),
            ("sub", "pulumi:environments:pulumi.organization.login:acme", false, Is(UNNAMED_OWNER)),
            ("sub", "pulumi:environments:pulumi.organization.login:acme:*", true, Is(UNNAMED_OWNER)),
            (
                "sub",
                "pulumi:environments:pulumi.organization.login:acme:pulumi.user.login:alice",
                false,
                Is(UNNAMED_OWNER),
            ),
            (
                "sub",
                "pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:payments/prod",
                false,
                Is(Exact),
            ),
            (
                "sub",
                "pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:payments/prod:pulumi.user.login:alice",
                false,
                Is(Exact),
            ),
            (
                "sub",
                "pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:payments/*",
                true,
                Is(AnyContext),
            ),
            ("sub", "pulumi:environments:pulumi.organization.login:ac*", true, Is(AnyOwner)),
            ("sub", "pulumi:environments:pulumi.organization.login:acme:env:prod", false, Out),
            ("sub", "urn:pulumi:org:acme", false, Out),
            ("aud", "acme", false, Unread),
        ];
        check(&IssuerKind::PulumiCloud, cases);
        let (_, who, _) =
            scoped(&IssuerKind::PulumiCloud, "sub", "pulumi:environments:org:acme:env:<yaml>", false);
        assert!(who.contains("org-wide"), "{who}");
        let (_, who, _) = scoped(&IssuerKind::PulumiCloud, "sub", "pulumi:environments:org:acme:env:*", true);
        assert!(who.contains("org-wide"), "{who}");
    }

    #[test]
    fn hcp_terraform() {
        let terraform = IssuerKind::HcpTerraform { host: "app.terraform.io".into() };
        let cases: &[Case<'_>] = &[
            ("sub", "*", true, Is(AnySubject)),
            ("sub", "organization:*", true, Is(AnyOwner)),
            ("sub", "organization:ac*", true, Is(AnyOwner)),
            ("sub", "organization:acme:*", true, Is(UNNAMED_OWNER)),
            ("sub", "organization:acme:project:*", true, Is(UNNAMED_OWNER)),
            ("sub", "organization:acme:project:Pl*", true, Is(SiblingRepos)),
            ("sub", "organization:acme:project:Default Project:*", true, Is(AnyContext)),
            ("sub", "organization:acme:project:P:workspace:*", true, Is(AnyContext)),
            ("sub", "organization:acme:project:P:workspace:prod-*", true, Is(ContextPattern)),
            ("sub", "organization:acme:project:P:workspace:W:*", true, Is(ContextPattern)),
            ("sub", "organization:acme:project:P:workspace:W:run_phase:*", true, Is(ContextPattern)),
            ("sub", "organization:acme:project:P:workspace:W:run_phase:apply", false, Is(Exact)),
            ("sub", "organization:acme:project:P:workspace:W:run_phase:destroy", false, Out),
            ("sub", "org:acme:*", true, Out),
            ("terraform_workspace_name", "W", false, Unread),
        ];
        check(&terraform, cases);
        let (_, who, suggestion) =
            scoped(&terraform, "sub", "organization:acme:project:P:workspace:W:run_phase:*", true);
        assert!(who.contains("plan runs"), "{who}");
        assert_eq!(suggestion.as_deref(), Some("organization:acme:project:P:workspace:W:run_phase:apply"));
    }

    #[test]
    fn kubernetes() {
        let cluster = IssuerKind::Kubernetes { cluster: "oidc.eks.us-east-1.amazonaws.com/id/abc".into() };
        let cases: &[Case<'_>] = &[
            ("sub", "*", true, Is(AnySubject)),
            ("sub", "system:*", true, Is(UNNAMED_OWNER)),
            ("sub", "system:serviceaccount:*", true, Is(UNNAMED_OWNER)),
            ("sub", "system:serviceaccount:kube*", true, Is(SiblingRepos)),
            ("sub", "system:serviceaccount:ns:*", true, Is(AnyContext)),
            ("sub", "system:serviceaccount:ns:deploy-*", true, Is(ContextPattern)),
            ("sub", "system:serviceaccount:ns:deploy", false, Is(Exact)),
            ("sub", "system:serviceaccount:ns:deploy.v2", false, Is(Exact)),
            ("sub", "system:serviceaccount:NS:deploy", false, Out),
            ("sub", "system:serviceaccount:ns", false, Out),
            ("sub", "system:serviceaccount:ns:deploy:extra", false, Out),
            ("sub", "serviceaccount:ns:deploy", false, Out),
            ("sub", "system:serviceaccount:ns:*", false, Out),
        ];
        check(&cluster, cases);
    }

    #[test]
    fn circleci() {
        const ORG: &str = "0e4f7c6b-aaaa-bbbb-cccc-1234567890ab";
        const PROJECT: &str = "11111111-2222-3333-4444-555555555555";
        const USER: &str = "66666666-7777-8888-9999-000000000000";
        let issuer = IssuerKind::CircleCi { org: ORG.into() };
        let with = |rest: &str| format!("org/{ORG}/project/{PROJECT}{rest}");
        let owned = [
            (format!("org/{ORG}/*"), true, Is(UNNAMED_OWNER)),
            (format!("org/{ORG}/project/1111*"), true, Is(UNNAMED_OWNER)),
            (with("/*"), true, Is(AnyContext)),
            (with("/user/*"), true, Is(AnyContext)),
            (with("/user/*/vcs-origin/github.com/acme/infra/vcs-ref/refs/heads/main"), true, Is(AnyContext)),
            (with(&format!("/user/{USER}")), false, Is(ContextPattern)),
            (with(&format!("/user/{USER}/*")), true, Is(ContextPattern)),
            (
                with(&format!("/user/{USER}/vcs-origin/github.com/acme/infra/vcs-ref/refs/heads/main")),
                false,
                Is(Exact),
            ),
            (format!("org/ffffffff-aaaa-bbbb-cccc-1234567890ab/project/{PROJECT}/user/*"), true, Out),
            (format!("org/{ORG}/project/not-a-uuid/user/*"), true, Out),
            (with(""), false, Out),
        ];
        let cases: Vec<Case<'_>> = owned
            .iter()
            .map(|(pattern, glob, want)| ("sub", pattern.as_str(), *glob, want.clone()))
            .collect();
        check(&issuer, &cases);
        check(&issuer, &[("sub", "*", true, Is(AnySubject))]);
    }

    #[test]
    fn bitbucket() {
        const REPO: &str = "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}";
        const ENV: &str = "{11111111-2222-3333-4444-555555555555}";
        const STEP: &str = "{99999999-8888-7777-6666-555555555555}";
        let issuer = IssuerKind::Bitbucket { workspace: "acme".into() };
        let owned = [
            ("*".to_string(), true, Is(AnySubject)),
            ("{*".to_string(), true, Is(UNNAMED_OWNER)),
            ("{aaaa*".to_string(), true, Is(UNNAMED_OWNER)),
            (format!("{REPO}:*"), true, Is(Exact)),
            (format!("{REPO}*"), true, Is(Exact)),
            (format!("{REPO}:{ENV}:*"), true, Is(Exact)),
            // The step UUID is new on every run: a full subject matched one past run only.
            (format!("{REPO}:{STEP}"), false, Out),
            (format!("{REPO}:{ENV}:{STEP}"), false, Out),
            (format!("{REPO}:{STEP}"), true, Out),
            (format!("{REPO}:{ENV}:{STEP}*"), true, Out),
            (format!("{REPO}:{ENV}*"), true, Is(Exact)),
            (REPO.to_string(), false, Out),
            (format!("{REPO}:*"), false, Out),
            (format!("{}:*", REPO.trim_matches(['{', '}'])), true, Out),
            ("{not-a-uuid}:*".to_string(), true, Out),
        ];
        let cases: Vec<Case<'_>> = owned
            .iter()
            .map(|(pattern, glob, want)| ("sub", pattern.as_str(), *glob, want.clone()))
            .collect();
        check(&issuer, &cases);
        let (reason, suggestion) = outside(&issuer, "sub", &format!("{REPO}:{STEP}"), false);
        assert_eq!(reason, "the step UUID changes on every run, so this value matches one past run only");
        assert_eq!(suggestion, Some(format!("{REPO}:*")));
        let (_, suggestion) = outside(&issuer, "sub", &format!("{REPO}:{ENV}:{STEP}"), false);
        assert_eq!(suggestion, Some(format!("{REPO}:{ENV}:*")));
        let (_, suggestion) = outside(&issuer, "sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:*", true);
        assert_eq!(suggestion, Some(format!("{REPO}:*")));
    }

    #[test]
    fn buildkite() {
        let cases: &[Case<'_>] = &[
            ("sub", "*", true, Is(AnySubject)),
            ("sub", "organization:ac*", true, Is(AnyOwner)),
            ("sub", "organization:acme:*", true, Is(UNNAMED_OWNER)),
            ("sub", "organization:acme:pipeline:inf*", true, Is(SiblingRepos)),
            ("sub", "organization:acme:pipeline:infra:*", true, Is(AnyContext)),
            ("sub", "organization:acme:pipeline:infra:ref:refs/heads/*", true, Is(AnyContext)),
            ("sub", "organization:acme:pipeline:infra:ref:refs/heads/rel*", true, Is(ContextPattern)),
            ("sub", "organization:acme:pipeline:infra:ref:refs/heads/main:*", true, Is(Exact)),
            (
                "sub",
                "organization:acme:pipeline:infra:ref:refs/heads/main:commit:750339bf:step:deploy",
                false,
                Is(Exact),
            ),
            ("sub", "organization:acme:pipeline:infra:ref:refs/heads/main:commit:xyz:*", true, Out),
            ("sub", "pipeline:infra:*", true, Out),
        ];
        check(&IssuerKind::Buildkite, cases);
    }

    #[test]
    fn google_and_other_issuers() {
        check(
            &IssuerKind::Google,
            &[
                ("sub", "*", true, Is(AnySubject)),
                ("sub", "104000000000000000001", false, Is(Exact)),
                ("sub", "1040*", true, Is(AnyOwner)),
                ("sub", "deployer@acme.iam.gserviceaccount.com", false, Out),
                ("sub", "deployer@*", true, Out),
                ("aud", "104000000000000000001", false, Is(Exact)),
                ("aud", "123-abc.apps.googleusercontent.com", false, Is(UNNAMED_OWNER)),
                ("aud", "sts.amazonaws.com", false, Unread),
                ("email", "deployer@acme.iam.gserviceaccount.com", false, Unread),
                ("sub", "*", false, Out),
            ],
        );
        check(
            &IssuerKind::Other,
            &[
                ("sub", "*", true, Is(AnySubject)),
                ("sub", "**", true, Is(AnySubject)),
                ("sub", "0oa1acmedeploy00001", false, Is(Exact)),
                ("sub", "cccccccc-3333-4444-5555-dddddddddddd", true, Is(Exact)),
                ("sub", "0oa*", true, Is(UNNAMED_OWNER)),
                ("sub", "*@clients", true, Is(UNNAMED_OWNER)),
                ("sub", "AcmeDeployClient0000000000000001@clients", false, Is(Exact)),
                // No grammar to say a literal `*` never appears.
                ("sub", "*", false, Is(Exact)),
                ("sub", " 0oa1acmedeploy00001", false, Out),
                ("sub", "", false, Out),
                ("azp", "client", false, Unread),
            ],
        );
        let (_, who, _) = scoped(&IssuerKind::Other, "sub", "0oa*", true);
        assert_eq!(who, "every client or user of the tenant whose subject matches `0oa*`");
    }

    #[test]
    fn breadth_orders_widest_first() {
        let widest_first =
            [AnySubject, AnyOwner, whole_owner("acme"), SiblingRepos, AnyContext, ContextPattern, Exact];
        assert!(widest_first.windows(2).all(|pair| pair[0].width() > pair[1].width()));
        // Which owner is named does not change the width.
        assert_eq!(whole_owner("acme").width(), UNNAMED_OWNER.width());
    }
}
