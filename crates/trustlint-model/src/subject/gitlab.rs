//! GitLab CI: `sub` (`project_path:GROUP/PROJECT:ref_type:TYPE:ref:REF`, customizable by
//! appending claims) and the claims that name a project or namespace (oidc-reference.md 1.2, 6.5).

use super::Breadth;
use super::pattern::{
    Grade, Outside, Pattern, Reader, Value, check_git_name, check_number, example_of, splice,
};
use super::sequence::one_of;
use crate::issuer::IssuerKind;

pub(super) const CLAIMS: &[&str] = &["sub", "project_path", "namespace_path", "project_id", "namespace_id"];

/// Claims a project can append to `sub` (`ci_id_token_sub_claim_components`, which always starts
/// with `project_path`).
const SUB_KEYS: &[&str] = &[
    "ref_type",
    "ref",
    "ref_path",
    "ref_protected",
    "environment",
    "environment_protected",
    "environment_action",
    "deployment_tier",
    "pipeline_source",
    "pipeline_id",
    "job_id",
    "namespace_id",
    "namespace_path",
    "project_id",
    "project_visibility",
    "user_id",
    "user_login",
    "user_email",
    "user_access_level",
    "runner_id",
    "runner_environment",
    "sha",
    "ci_config_ref_uri",
    "ci_config_sha",
];

pub(super) struct Gitlab {
    /// "on gitlab.com", "on `gitlab.acme.example`".
    scope: String,
}

/// How much of `GROUP[/SUBGROUP...]/PROJECT` is pinned.
#[derive(Clone, Copy, Debug)]
enum Project<'a> {
    /// The top-level group is typed up to a wildcard (possibly not at all).
    GroupPrefix(Value<'a>),
    /// A group is pinned; any project in it or its subgroups.
    Group(&'a str),
    /// A group is pinned and the next path segment typed up to a wildcard.
    Sibling {
        group: &'a str,
        value: Value<'a>,
    },
    Path(&'a str),
}

/// What the pairs after the project path pin.
#[derive(Clone, Copy, Debug, Default)]
struct Refs<'a> {
    ref_type: Option<&'a str>,
    reference: Option<Value<'a>>,
    environment: Option<Value<'a>>,
}

impl Gitlab {
    pub(super) fn of(kind: &IssuerKind) -> Option<Gitlab> {
        match kind {
            IssuerKind::GitLab { saas: true, .. } => Some(Gitlab { scope: "on gitlab.com".into() }),
            IssuerKind::GitLab { host, .. } => Some(Gitlab { scope: format!("on `{host}`") }),
            _ => None,
        }
    }

    pub(super) fn everyone(&self) -> String {
        format!("any CI job of any project {}", self.scope)
    }

    pub(super) fn assess(&self, claim: &str, pattern: Pattern<'_>) -> Result<Grade, Outside> {
        let value = || Reader::new(pattern).value_until("");
        match claim {
            "sub" => self.sub(pattern),
            "project_path" => Ok(self.grade(read_path(value())?, None)),
            "namespace_path" => self.namespace(value()),
            _ => {
                let value = value();
                check_number(claim, value)?;
                let (owner_level, what) = match claim {
                    "namespace_id" => (true, "namespace"),
                    _ => (false, "project"),
                };
                Ok(match value {
                    Value::Exact(id) if owner_level => Grade::new(
                        Breadth::WholeOwner { owner: None },
                        format!("any project directly in namespace id `{id}`"),
                    ),
                    Value::Exact(id) => Grade::new(
                        Breadth::AnyContext,
                        format!(
                            "every pipeline of project id `{id}`, on any ref \
                             (including merge-request pipelines)"
                        ),
                    ),
                    Value::Partial { typed, .. } => Grade::new(
                        Breadth::AnyOwner,
                        format!("any {what} {} whose id starts with `{typed}`", self.scope),
                    ),
                })
            }
        }
    }

    fn sub(&self, pattern: Pattern<'_>) -> Result<Grade, Outside> {
        let mut reader = Reader::new(pattern);
        if !reader.eat("project_path:") {
            if pattern.wild && "project_path:".starts_with(reader.rest()) {
                return Ok(Grade::new(Breadth::AnyOwner, format!("any project {}", self.scope)));
            }
            let reason = if pattern.literal.to_ascii_lowercase().starts_with("project_path:") {
                "GitLab writes `project_path:` in lower case, and the comparison is case-sensitive"
            } else {
                "GitLab subjects start with `project_path:` \
                 (`project_path:GROUP/PROJECT:ref_type:TYPE:ref:REF`)"
            };
            let suggestion = pattern.full.get(..13).filter(|head| head.eq_ignore_ascii_case("project_path:"));
            let outside = Outside::new(reason);
            return Err(match suggestion {
                Some(_) => outside.suggest(format!("project_path:{}", &pattern.full[13..])),
                None => outside,
            });
        }
        let project = read_path(reader.value_until(":"))?;
        let mut refs = Refs::default();
        while reader.eat(":") {
            let key = match reader.value_until(":") {
                Value::Partial { typed, .. } if SUB_KEYS.iter().any(|key| key.starts_with(typed)) => break,
                Value::Partial { typed: key, .. } | Value::Exact(key) if !SUB_KEYS.contains(&key) => {
                    return Err(unknown_key(key, reader.pos, pattern));
                }
                Value::Partial { .. } => break,
                Value::Exact(key) => key,
            };
            if !reader.eat(":") {
                return Err(Outside::new(format!("`{key}` has no value: GitLab writes `{key}:VALUE`")));
            }
            let start = reader.pos;
            let value = reader.value_until(":");
            if value.is_exact() && value.typed().is_empty() && key != "environment" {
                return Err(Outside::new(format!("GitLab never writes an empty `{key}`")));
            }
            match key {
                "ref_type" if !one_of(value.typed(), value.is_exact(), &["branch", "tag"]) => {
                    return Err(Outside::new(format!(
                        "`ref_type` is `branch` or `tag`, never `{}`",
                        value.typed()
                    )));
                }
                "ref_type" => refs.ref_type = refs.ref_type.or(value.is_exact().then_some(value.typed())),
                "ref" => refs.reference = refs.reference.or(Some(read_short_ref(value, start, pattern)?)),
                "environment" => refs.environment = refs.environment.or(Some(value)),
                _ => {}
            }
            if !value.is_exact() {
                break;
            }
        }
        Ok(self.grade(project, Some(refs)))
    }

    fn namespace(&self, value: Value<'_>) -> Result<Grade, Outside> {
        check_path_chars(value)?;
        Ok(match value {
            Value::Exact(namespace) => {
                Grade::new(whole_group(namespace), format!("any project directly in namespace `{namespace}`"))
            }
            Value::Partial { typed, .. } => match typed.rsplit_once('/') {
                None => Grade::new(
                    Breadth::AnyOwner,
                    format!(
                        "any project {} whose namespace starts with `{typed}` (for example `{}`)",
                        self.scope,
                        example_of(value.name_pattern(&['/']))
                    ),
                ),
                Some((group, _)) if value.after(group.len() + 1).is_open() => {
                    Grade::new(whole_group(group), format!("any project in any subgroup of `{group}`"))
                }
                Some((group, _)) => Grade::new(
                    whole_group(group),
                    format!("any project in the subgroups of `{group}`{}", value.matching()),
                ),
            },
        })
    }

    /// `refs` is `None` for the `project_path` claim, which says nothing about refs.
    fn grade(&self, project: Project<'_>, refs: Option<Refs<'_>>) -> Grade {
        let narrow = |path: &str| match refs.and_then(|refs| refs.ref_type) {
            Some("tag") => format!("project_path:{path}:ref_type:tag:ref:<tag>"),
            _ => format!("project_path:{path}:ref_type:branch:ref:<branch>"),
        };
        let sub = refs.is_some();
        match project {
            Project::GroupPrefix(value) if value.is_unpinned() => {
                Grade::new(Breadth::AnyOwner, format!("any project {}", self.scope))
            }
            Project::GroupPrefix(value) => {
                let grade = Grade::new(
                    Breadth::AnyOwner,
                    format!(
                        "any project {} whose top-level group starts with `{}` (for example `{}`)",
                        self.scope,
                        value.typed(),
                        example_of(value.name_pattern(&['/', ':']))
                    ),
                );
                grade.suggest_opt(sub.then(|| narrow(&format!("{}/<project>", value.typed()))))
            }
            Project::Group(group) => Grade::new(
                whole_group(group),
                format!("any project in group `{group}` or its subgroups, on any ref"),
            )
            .suggest(if sub {
                narrow(&format!("{group}/<project>"))
            } else {
                format!("{group}/<project>")
            }),
            Project::Sibling { group, value } => {
                let typed = value.typed();
                Grade::new(
                    Breadth::SiblingRepos,
                    format!(
                        "any project of group `{group}` whose path starts with `{typed}` (for example \
                         `{group}/{}`), subgroups included",
                        example_of(value.name_pattern(&['/', ':']))
                    ),
                )
                .suggest(if sub {
                    narrow(&format!("{group}/{typed}"))
                } else {
                    format!("{group}/{typed}")
                })
            }
            Project::Path(path) => {
                let refs = refs.unwrap_or_default();
                let (one, many) = match refs.ref_type {
                    Some("branch") => ("branch", "branches"),
                    Some("tag") => ("tag", "tags"),
                    _ => ("ref", "refs"),
                };
                match (refs.reference, refs.environment) {
                    (Some(Value::Exact(name)), _) => {
                        Grade::new(Breadth::Exact, format!("{one} `{name}` of `{path}`"))
                    }
                    (Some(value), _) if value.is_unpinned() => Grade::new(
                        Breadth::AnyContext,
                        format!("any {one} of `{path}`{}, including unprotected ones", value.matching()),
                    )
                    .suggest(narrow(path)),
                    (Some(value), _) => {
                        Grade::new(Breadth::ContextPattern, format!("{many} of `{path}`{}", value.matching()))
                    }
                    (None, Some(Value::Exact(environment))) => {
                        Grade::new(Breadth::Exact, format!("environment `{environment}` of `{path}`"))
                    }
                    (None, Some(value)) if !value.is_unpinned() => Grade::new(
                        Breadth::ContextPattern,
                        format!("environments of `{path}`{}", value.matching()),
                    ),
                    _ => Grade::new(
                        Breadth::AnyContext,
                        format!(
                            "every pipeline of `{path}`, on any ref, including unprotected branches and \
                             merge-request pipelines"
                        ),
                    )
                    .suggest_opt(sub.then(|| narrow(path))),
                }
            }
        }
    }
}

/// Every project of a group: the owner it names is the top-level group (`acme` of
/// `acme/platform`), the unit `allow-whole-owner` lists.
fn whole_group(path: &str) -> Breadth {
    let top = path.split('/').next().filter(|top| !top.is_empty());
    Breadth::WholeOwner { owner: top.map(str::to_string) }
}

fn check_path_chars(value: Value<'_>) -> Result<(), Outside> {
    let text = value.typed();
    let segments: Vec<&str> = text.split('/').collect();
    let last = segments.len() - 1;
    let fine = segments.iter().enumerate().all(|(index, segment)| {
        segment.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && (!segment.is_empty() || (index == last && !value.is_exact()))
    });
    if fine {
        Ok(())
    } else {
        Err(Outside::new(format!(
            "`{text}` is not a GitLab path: `/`-separated names of letters, digits, `-`, `_` and `.`"
        )))
    }
}

fn read_path(value: Value<'_>) -> Result<Project<'_>, Outside> {
    check_path_chars(value)?;
    let text = value.typed();
    Ok(match (value, text.rfind('/')) {
        (Value::Exact(_), None) => {
            return Err(Outside::new(format!("`{text}` is not a GitLab project path (`GROUP/PROJECT`)")));
        }
        (Value::Exact(path), Some(_)) => Project::Path(path),
        (Value::Partial { .. }, None) => Project::GroupPrefix(value),
        (Value::Partial { .. }, Some(at)) if at + 1 == text.len() => Project::Group(&text[..at]),
        (Value::Partial { .. }, Some(at)) => {
            Project::Sibling { group: &text[..at], value: value.after(at + 1) }
        }
    })
}

/// GitLab writes the short branch or tag name in `sub`, never `refs/heads/...`.
fn read_short_ref<'a>(value: Value<'a>, start: usize, pattern: Pattern<'a>) -> Result<Value<'a>, Outside> {
    let typed = value.typed();
    for prefix in ["refs/heads/", "refs/tags/"] {
        if let Some(short) = typed.strip_prefix(prefix) {
            return Err(Outside::new(format!(
                "GitLab writes the short ref name in `sub` (`ref:{short}`), never `{prefix}...`"
            ))
            .suggest(splice(pattern.full, start, start + prefix.len(), "")));
        }
    }
    check_git_name(value, "branch or tag name")?;
    Ok(value)
}

fn unknown_key(key: &str, key_end: usize, pattern: Pattern<'_>) -> Outside {
    let key_start = key_end - key.len();
    let lower = key.to_ascii_lowercase();
    if lower != key && SUB_KEYS.contains(&lower.as_str()) {
        return Outside::new(format!("GitLab writes claim keys in lower case (`{lower}`)")).suggest(splice(
            pattern.full,
            key_start,
            key_end,
            &lower,
        ));
    }
    match key {
        "branch" | "tag" => Outside::new(format!("GitLab writes `ref_type:{key}:ref:NAME`")).suggest(splice(
            pattern.full,
            key_start,
            key_end,
            &format!("ref_type:{key}:ref"),
        )),
        _ => Outside::new(format!("`{key}` is not a claim GitLab puts in `sub`")),
    }
}
