//! Issuers whose subjects are fixed fields in a fixed order: HCP Terraform, Kubernetes service
//! accounts, Buildkite and CircleCI (oidc-reference.md 1.3, 1.5, 1.7, 1.9).

use super::Breadth;
use super::pattern::{Grade, Outside, Pattern, Value, example_of};
use super::sequence::{self, Field, one_of, walk};

/// " (for example `acme-evil`)" for a name typed up to a wildcard.
fn for_example(value: Value<'_>, ends: &[char]) -> String {
    format!(" (for example `{}`)", example_of(value.name_pattern(ends)))
}

fn run_phase(text: &str, complete: bool) -> Result<(), &'static str> {
    if one_of(text, complete, &["plan", "apply"]) { Ok(()) } else { Err("`plan` or `apply`") }
}

/// `organization:ORG:project:PROJ:workspace:WS:run_phase:plan|apply`
pub(super) fn terraform(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    const FIELDS: &[Field] = &[
        Field { lead: "organization:", stop: ":", name: "organization name", check: sequence::name },
        Field { lead: ":project:", stop: ":", name: "project name", check: sequence::text },
        Field { lead: ":workspace:", stop: ":", name: "workspace name", check: sequence::name },
        Field { lead: ":run_phase:", stop: "", name: "run phase", check: run_phase },
    ];
    const PLAN_TOO: &str = "plan runs, which run on unreviewed branches, get the same role as apply";
    let walk = walk(pattern, FIELDS, FIELDS.len(), "HCP Terraform")?;
    let v = &walk.values;
    let narrow = |project: &str, workspace: &str| {
        format!("organization:{}:project:{project}:workspace:{workspace}:run_phase:apply", v[0])
    };
    Ok(match walk.cut {
        Some((0, value)) if value.is_unpinned() => {
            Grade::new(Breadth::AnyOwner, "any run of any workspace of any HCP Terraform organization")
        }
        Some((0, value)) => Grade::new(
            Breadth::AnyOwner,
            format!(
                "any run of any HCP Terraform organization whose name starts with `{}`{}",
                value.typed(),
                for_example(value, &[':'])
            ),
        ),
        Some((1, value)) if value.is_unpinned() => Grade::new(
            Breadth::WholeOwner { owner: None },
            format!("any run of any workspace of organization `{}`; {PLAN_TOO}", v[0]),
        )
        .suggest(narrow("<project>", "<workspace>")),
        Some((1, value)) => Grade::new(
            Breadth::SiblingRepos,
            format!(
                "any run of any workspace in the projects of `{}` whose name starts with `{}`{}",
                v[0],
                value.typed(),
                for_example(value, &[':'])
            ),
        )
        .suggest(narrow(value.typed(), "<workspace>")),
        Some((2, value)) if value.is_unpinned() => Grade::new(
            Breadth::AnyContext,
            format!(
                "any run of every workspace of project `{}` in `{}`{}; {PLAN_TOO}",
                v[1],
                v[0],
                value.matching()
            ),
        )
        .suggest(narrow(v[1], "<workspace>")),
        Some((2, value)) => Grade::new(
            Breadth::ContextPattern,
            format!("any run of the workspaces of project `{}` in `{}`{}", v[1], v[0], value.matching()),
        ),
        Some((3, _)) => Grade::new(
            Breadth::ContextPattern,
            format!(
                "plan and apply runs of workspace `{}` (project `{}` in `{}`); {PLAN_TOO}",
                v[2], v[1], v[0]
            ),
        )
        .suggest(narrow(v[1], v[2])),
        _ => Grade::new(
            Breadth::Exact,
            format!("`{}` runs of workspace `{}` (project `{}` in `{}`)", v[3], v[2], v[1], v[0]),
        ),
    })
}

/// `system:serviceaccount:NAMESPACE:NAME`
pub(super) fn kubernetes(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    const FIELDS: &[Field] = &[
        Field { lead: "system:serviceaccount:", stop: ":", name: "namespace", check: sequence::dns_label },
        Field { lead: ":", stop: "", name: "service account name", check: sequence::dns_subdomain },
    ];
    let walk = walk(pattern, FIELDS, FIELDS.len(), "Kubernetes service-account")?;
    let v = &walk.values;
    Ok(match walk.cut {
        Some((0, value)) if value.is_unpinned() => Grade::new(
            Breadth::WholeOwner { owner: None },
            "every service account in every namespace of the cluster",
        )
        .suggest("system:serviceaccount:<namespace>:<service-account>"),
        Some((0, value)) => Grade::new(
            Breadth::SiblingRepos,
            format!(
                "every service account in the namespaces whose name starts with `{}`{}",
                value.typed(),
                for_example(value, &[':'])
            ),
        )
        .suggest(format!("system:serviceaccount:{}:<service-account>", value.typed())),
        Some((1, value)) if value.is_unpinned() => Grade::new(
            Breadth::AnyContext,
            format!("every service account in namespace `{}`{}", v[0], value.matching()),
        )
        .suggest(format!("system:serviceaccount:{}:<service-account>", v[0])),
        Some((1, value)) => Grade::new(
            Breadth::ContextPattern,
            format!("the service accounts of namespace `{}`{}", v[0], value.matching()),
        ),
        _ => Grade::new(Breadth::Exact, format!("service account `{}` of namespace `{}`", v[1], v[0])),
    })
}

/// `organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:KEY`
pub(super) fn buildkite(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    const FIELDS: &[Field] = &[
        Field { lead: "organization:", stop: ":", name: "organization slug", check: sequence::name },
        Field { lead: ":pipeline:", stop: ":", name: "pipeline slug", check: sequence::name },
        Field { lead: ":ref:", stop: ":", name: "ref", check: sequence::text },
        Field { lead: ":commit:", stop: ":", name: "commit", check: sequence::hex },
        Field { lead: ":step:", stop: "", name: "step key", check: sequence::text },
    ];
    let walk = walk(pattern, FIELDS, FIELDS.len(), "Buildkite")?;
    let v = &walk.values;
    let narrow =
        |pipeline: &str| format!("organization:{}:pipeline:{pipeline}:ref:refs/heads/<branch>:*", v[0]);
    Ok(match walk.cut {
        Some((0, value)) if value.is_unpinned() => {
            Grade::new(Breadth::AnyOwner, "any job of any Buildkite organization")
        }
        Some((0, value)) => Grade::new(
            Breadth::AnyOwner,
            format!(
                "any job of any Buildkite organization whose slug starts with `{}`{}",
                value.typed(),
                for_example(value, &[':'])
            ),
        ),
        Some((1, value)) if value.is_unpinned() => Grade::new(
            Breadth::WholeOwner { owner: None },
            format!("any job of any pipeline of Buildkite organization `{}`", v[0]),
        )
        .suggest(narrow("<pipeline>")),
        Some((1, value)) => Grade::new(
            Breadth::SiblingRepos,
            format!(
                "any job of the pipelines of `{}` whose slug starts with `{}`{}",
                v[0],
                value.typed(),
                for_example(value, &[':'])
            ),
        )
        .suggest(narrow(value.typed())),
        Some((2, value))
            if ["refs/heads/", "refs/tags/"].iter().any(|start| start.starts_with(value.typed())) =>
        {
            Grade::new(
                Breadth::AnyContext,
                format!("any job of pipeline `{}/{}` on any branch or tag{}", v[0], v[1], value.matching()),
            )
            .suggest(narrow(v[1]))
        }
        Some((2, value)) => Grade::new(
            Breadth::ContextPattern,
            format!("jobs of pipeline `{}/{}` on refs{}", v[0], v[1], value.matching()),
        ),
        None => Grade::new(
            Breadth::Exact,
            format!(
                "step `{}` of commit `{}` of pipeline `{}/{}` on `{}` (the commit pins one build)",
                v[4], v[3], v[0], v[1], v[2]
            ),
        ),
        Some(_) => Grade::new(Breadth::Exact, format!("jobs of pipeline `{}/{}` on `{}`", v[0], v[1], v[2])),
    })
}

/// `org/ORG/project/PROJECT/user/USER[/vcs-origin/ORIGIN/vcs-ref/REF]`; the issuer URL already
/// pins `ORG`.
pub(super) fn circleci(pattern: Pattern<'_>, issuer_org: &str) -> Result<Grade, Outside> {
    const FIELDS: &[Field] = &[
        Field { lead: "org/", stop: "/", name: "organization id", check: sequence::uuid },
        Field { lead: "/project/", stop: "/", name: "project id", check: sequence::uuid },
        Field { lead: "/user/", stop: "/", name: "user id", check: sequence::uuid },
        Field { lead: "/vcs-origin/", stop: "/vcs-ref/", name: "VCS origin", check: sequence::text },
        Field { lead: "/vcs-ref/", stop: "", name: "VCS ref", check: sequence::text },
    ];
    let walk = walk(pattern, FIELDS, 3, "CircleCI")?;
    let v = &walk.values;
    let written_org = v.first().copied().or(match walk.cut {
        Some((0, value)) => Some(value.typed()),
        _ => None,
    });
    if let Some(org) = written_org.filter(|_| !issuer_org.is_empty()) {
        let complete = !v.is_empty();
        let same = if complete {
            org.eq_ignore_ascii_case(issuer_org)
        } else {
            issuer_org.starts_with(&org.to_ascii_lowercase())
        };
        if !same {
            return Err(Outside::new(format!(
                "this issuer (`oidc.circleci.com/org/{issuer_org}`) only signs subjects of organization \
                 `{issuer_org}`, never `{org}`"
            ))
            .suggest(pattern.full.replacen(org, issuer_org, 1)));
        }
    }
    let org = v.first().copied().unwrap_or(issuer_org);
    let narrow = format!("org/{org}/project/<project-id>/user/*");
    Ok(match walk.cut {
        Some((index, value)) if index < 2 => {
            let which = if index == 1 && !value.is_unpinned() {
                format!(" whose project id starts with `{}`", value.typed())
            } else {
                String::new()
            };
            Grade::new(
                Breadth::WholeOwner { owner: None },
                format!("any job of any project of the CircleCI organization{which}"),
            )
            .suggest(narrow)
        }
        Some((2, value)) if value.is_unpinned() => Grade::new(
            Breadth::AnyContext,
            format!("any job of project `{}`, started by any user, on any branch{}", v[1], value.matching()),
        ),
        Some((2, value)) => Grade::new(
            Breadth::ContextPattern,
            format!("jobs of project `{}` started by users{}", v[1], value.matching()),
        ),
        Some((index, value)) => {
            let reference = if index == 4 && !value.is_unpinned() {
                format!(", on refs{}", value.matching())
            } else {
                String::new()
            };
            Grade::new(
                Breadth::ContextPattern,
                format!("jobs of project `{}` started by user `{}`{reference}", v[1], v[2]),
            )
        }
        None if v.len() == 3 => Grade::new(
            Breadth::ContextPattern,
            format!("jobs of project `{}` started by user `{}`, on any branch", v[1], v[2]),
        ),
        None => Grade::new(
            Breadth::Exact,
            format!("jobs of project `{}` started by user `{}` on `{}` (`{}`)", v[1], v[2], v[4], v[3]),
        ),
    })
}
