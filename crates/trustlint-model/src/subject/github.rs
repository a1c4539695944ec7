//! GitHub Actions: `sub` in the default and customized templates, and the claims that name a
//! repository, an owner or a reusable workflow (oidc-reference.md 1.1, 2.6).

use super::Breadth;
use super::pattern::{
    Grade, Outside, Pattern, Reader, Value, check_git_name, check_number, example_of, splice,
};
use crate::issuer::IssuerKind;

/// The claims read here; `ref`, `environment`, `workflow`, `actor`... alone do not say which
/// repository a token comes from, so they are left to the caller.
pub(super) const CLAIMS: &[&str] =
    &["sub", "repository", "repository_owner", "repository_owner_id", "repository_id", "job_workflow_ref"];

/// Keys a customized subject template can hold, besides `repo_property_*` and the bare
/// `pull_request` context. `context` is not among them: the subject holds its value.
const TEMPLATE_KEYS: &[&str] = &[
    "repo",
    "environment",
    "ref",
    "actor",
    "actor_id",
    "base_ref",
    "check_run_id",
    "enterprise",
    "enterprise_id",
    "event_name",
    "head_ref",
    "job_workflow_ref",
    "job_workflow_sha",
    "ref_protected",
    "ref_type",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "run_attempt",
    "run_id",
    "run_number",
    "runner_environment",
    "sha",
    "workflow",
    "workflow_ref",
    "workflow_sha",
];
const PULL_REQUEST: &str = "pull_request";
const PROPERTY_PREFIX: &str = "repo_property_";
const ANY_CONTEXT: &str = "on any branch, tag, environment or pull request";

fn is_template_key(key: &str) -> bool {
    TEMPLATE_KEYS.contains(&key) || key.strip_prefix(PROPERTY_PREFIX).is_some_and(|name| !name.is_empty())
}

fn may_start_template_key(typed: &str) -> bool {
    TEMPLATE_KEYS.iter().chain([&PULL_REQUEST]).any(|key| key.starts_with(typed))
        || PROPERTY_PREFIX.starts_with(typed)
        || typed.starts_with(PROPERTY_PREFIX)
}

/// Keys whose values are free text, in which GitHub writes `:` as `%3A`.
fn is_free_text(key: &str) -> bool {
    matches!(key, "environment" | "workflow") || key.starts_with(PROPERTY_PREFIX)
}

fn is_owner_char(c: char) -> bool {
    // `_` appears in the handles of enterprise managed users, who can own repositories.
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_repo_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A GitHub flavour: where its repositories live, and whether it emits the immutable form.
pub(super) struct Github {
    /// "on github.com", "of enterprise `acme-corp`".
    scope: String,
    immutable_ids: bool,
}

#[derive(Clone, Copy, Debug, Default)]
enum Owner<'a> {
    #[default]
    Unpinned,
    /// The owner's name (or numeric id) is typed up to a wildcard.
    Prefix {
        value: Value<'a>,
        by_id: bool,
    },
    Name {
        name: &'a str,
        id: Option<&'a str>,
    },
    Id(&'a str),
}

#[derive(Clone, Copy, Debug, Default)]
enum Repo<'a> {
    #[default]
    Unpinned,
    /// Owner pinned, repository name typed up to a wildcard.
    Prefix {
        owner: &'a str,
        value: Value<'a>,
    },
    /// `acme/infra`, or `acme@4411223/infra@90817263` as written.
    Name(&'a str),
    Id(&'a str),
    IdPrefix(&'a str),
}

#[derive(Clone, Copy, Debug, Default)]
enum Context<'a> {
    #[default]
    Unpinned,
    PullRequest,
    Environment(Value<'a>),
    Ref(RefPin<'a>),
}

#[derive(Clone, Copy, Debug)]
enum RefPin<'a> {
    /// `refs/` or less is written: any branch, tag or pull-request ref.
    Any,
    Branch(Value<'a>),
    Tag(Value<'a>),
    /// `refs/pull/N/merge`: written by templates that include the `ref` claim.
    Pull(Value<'a>),
    Other(Value<'a>),
}

/// What a `job_workflow_ref` pins, graded on its own.
#[derive(Clone, Debug)]
struct WorkflowPin<'a> {
    breadth: Breadth,
    who: String,
    exact: Option<&'a str>,
}

/// Everything a subject (or a single claim) pins.
#[derive(Clone, Debug, Default)]
struct Pins<'a> {
    owner: Owner<'a>,
    repo: Repo<'a>,
    context: Context<'a>,
    workflow: Option<WorkflowPin<'a>>,
    /// The repository came from the `repo` key of the default template.
    repo_key: bool,
    /// Pairs that restrict something else (`repository_visibility:private`).
    others: usize,
    /// The subject ends right after `repo:OWNER/REPO`: only a customized template without
    /// `context` issues it.
    ends_at_repo: bool,
}

impl<'a> Pins<'a> {
    fn set_owner(&mut self, owner: Owner<'a>) {
        if matches!(self.owner, Owner::Unpinned) {
            self.owner = owner;
        }
    }

    fn set_repo(&mut self, repo: Repo<'a>) {
        if matches!(self.repo, Repo::Unpinned) {
            self.repo = repo;
        }
    }

    /// Nothing about the calling repository is pinned (`job_workflow_ref:...` alone).
    fn names_no_caller(&self) -> bool {
        matches!((self.owner, self.repo, self.context), (Owner::Unpinned, Repo::Unpinned, Context::Unpinned))
    }

    fn set_context(&mut self, context: Context<'a>) {
        if matches!(self.context, Context::Unpinned) {
            self.context = context;
        }
    }
}

/// Which part of `OWNER@OWNER_ID/REPO@REPO_ID` the wildcard cuts, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IdsTyped {
    Complete,
    OwnerIdLast,
    RepoIdLast,
}

/// Which claim the pattern is a value of, for suggestions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Sub,
    Repository,
    Other,
}

impl Github {
    pub(super) fn of(kind: &IssuerKind) -> Option<Github> {
        let scope = match kind {
            IssuerKind::GitHub => "on github.com".to_string(),
            IssuerKind::GitHubEnterprise { slug } => format!("of enterprise `{slug}`"),
            IssuerKind::GitHubServer { host } => format!("on `{host}`"),
            IssuerKind::GheCom { subdomain } => format!("on `{subdomain}.ghe.com`"),
            _ => return None,
        };
        Some(Github { scope, immutable_ids: !matches!(kind, IssuerKind::GitHubServer { .. }) })
    }

    pub(super) fn everyone(&self) -> String {
        format!("any workflow in any repository {}", self.scope)
    }

    pub(super) fn assess(&self, claim: &str, pattern: Pattern<'_>) -> Result<Grade, Outside> {
        if claim == "sub" {
            let pins = self.read_sub(pattern)?;
            return Ok(self.grade(&pins, Form::Sub));
        }
        let value = Reader::new(pattern).value_until("");
        let mut pins = Pins::default();
        self.read_pair(claim, value, 0, pattern, &mut pins)?;
        let form = if claim == "repository" { Form::Repository } else { Form::Other };
        Ok(self.grade(&pins, form))
    }

    /// Reads `KEY:VALUE` pairs (and the bare `pull_request`) up to the wildcard.
    fn read_sub<'a>(&self, pattern: Pattern<'a>) -> Result<Pins<'a>, Outside> {
        let mut reader = Reader::new(pattern);
        let mut pins = Pins::default();
        // The key and value offset of the pair before, to explain a raw `:` in its value.
        let mut previous: Option<(&str, usize)> = None;
        // `repo:OWNER/REPO` is always followed by something (the context, in the default template).
        let mut repo_last;
        loop {
            let key_start = reader.pos;
            // A wildcard right after `repo:OWNER/REPO:` counts as the rest of the subject.
            repo_last = false;
            let key = match reader.value_until(":") {
                Value::Partial { typed, .. } => {
                    if !may_start_template_key(typed) {
                        return Err(self.unknown_key(typed, false, key_start, previous, pattern));
                    }
                    break;
                }
                Value::Exact(key) => key,
            };
            let has_value = reader.eat(":");
            if key == PULL_REQUEST {
                pins.set_context(Context::PullRequest);
                previous = Some((key, key_start));
                if has_value {
                    continue;
                }
                break;
            }
            if !is_template_key(key) {
                return Err(self.unknown_key(key, has_value, key_start, previous, pattern));
            }
            if !has_value {
                return Err(Outside::new(format!("`{key}` has no value: GitHub writes `{key}:VALUE`")));
            }
            let value_start = reader.pos;
            let value = reader.value_until(":");
            self.read_pair(key, value, value_start, pattern, &mut pins)?;
            previous = Some((key, value_start));
            repo_last = key == "repo";
            if !value.is_exact() || !reader.eat(":") {
                break;
            }
        }
        // The default template follows `repo:OWNER/REPO` with the context, but a customized one
        // may hold `repo` without `context` (`["workflow", "repo"]`), so the subject can end there.
        pins.ends_at_repo = repo_last && reader.at_end();
        Ok(pins)
    }

    /// Reads the value of one claim into `pins`.
    fn read_pair<'a>(
        &self,
        key: &str,
        value: Value<'a>,
        start: usize,
        pattern: Pattern<'a>,
        pins: &mut Pins<'a>,
    ) -> Result<(), Outside> {
        if value.is_exact() && value.typed().is_empty() {
            return Err(Outside::new(format!("GitHub never writes an empty `{key}`")));
        }
        match key {
            "repo" | "repository" => {
                let (owner, repo) = self.read_repository(value, key == "repo", start, pattern)?;
                pins.set_owner(owner);
                pins.set_repo(repo);
                pins.repo_key |= key == "repo";
            }
            "repository_owner" => pins.set_owner(read_owner(value)?),
            "repository_owner_id" => {
                check_number(key, value)?;
                pins.set_owner(match value {
                    Value::Exact(id) => Owner::Id(id),
                    _ if value.is_unpinned() => Owner::Unpinned,
                    Value::Partial { .. } => Owner::Prefix { value, by_id: true },
                });
            }
            "repository_id" => {
                check_number(key, value)?;
                pins.set_repo(match value {
                    Value::Exact(id) => Repo::Id(id),
                    Value::Partial { typed, .. } => Repo::IdPrefix(typed),
                });
            }
            "environment" => pins.set_context(Context::Environment(value)),
            "ref" => pins.set_context(Context::Ref(read_ref(value, start, pattern)?)),
            "job_workflow_ref" => pins.workflow = Some(self.read_workflow(value, start, pattern)?),
            _ => {
                check_enumerated(key, value)?;
                pins.others += 1;
            }
        }
        Ok(())
    }

    /// `OWNER[@OWNER_ID]/REPO[@REPO_ID]` (ids only in `repo`, and only where GitHub emits them).
    fn read_repository<'a>(
        &self,
        value: Value<'a>,
        ids_allowed: bool,
        start: usize,
        pattern: Pattern<'a>,
    ) -> Result<(Owner<'a>, Repo<'a>), Outside> {
        let text = value.typed();
        let Some((owner_part, repo_part)) = text.split_once('/') else {
            if value.is_exact() {
                return Err(Outside::new(format!("`{text}` is not `OWNER/REPO`")));
            }
            let (name, id) = split_id(text);
            check_owner(name, id.is_some())?;
            return match id {
                Some(id) => {
                    self.check_ids(ids_allowed, Some(id), None, IdsTyped::OwnerIdLast, text, start, pattern)?;
                    Ok((Owner::Name { name, id: None }, Repo::Unpinned))
                }
                None if text.is_empty() => Ok((Owner::Unpinned, Repo::Unpinned)),
                None => Ok((Owner::Prefix { value, by_id: false }, Repo::Unpinned)),
            };
        };
        let (owner_name, owner_id) = split_id(owner_part);
        check_owner(owner_name, true)?;
        let (repo_name, repo_id) = split_id(repo_part);
        let name_complete = value.is_exact() || repo_id.is_some();
        if repo_name.contains('/')
            || !repo_name.chars().all(is_repo_char)
            || (name_complete && repo_name.is_empty())
        {
            return Err(Outside::new(format!(
                "`{repo_name}` is not a GitHub repository name: only letters, digits, `.`, `-` and `_`"
            )));
        }
        let typed = if value.is_exact() { IdsTyped::Complete } else { IdsTyped::RepoIdLast };
        self.check_ids(ids_allowed, owner_id, repo_id, typed, text, start, pattern)?;
        let owner = Owner::Name { name: owner_name, id: owner_id };
        let repo = if value.is_exact() {
            Repo::Name(text)
        } else if repo_id.is_some() {
            Repo::Name(&text[..owner_part.len() + 1 + repo_name.len()])
        } else if repo_name.is_empty() {
            Repo::Unpinned
        } else {
            Repo::Prefix { owner: owner_part, value: value.after(owner_part.len() + 1) }
        };
        Ok((owner, repo))
    }

    #[allow(clippy::too_many_arguments)]
    fn check_ids(
        &self,
        ids_allowed: bool,
        owner_id: Option<&str>,
        repo_id: Option<&str>,
        typed: IdsTyped,
        text: &str,
        start: usize,
        pattern: Pattern<'_>,
    ) -> Result<(), Outside> {
        if owner_id.is_none() && repo_id.is_none() {
            return Ok(());
        }
        let complete = typed == IdsTyped::Complete;
        // The id the wildcard cuts may still be empty (`repo:acme@*`).
        let digits_only = |id: Option<&str>, typed_last: bool| {
            id.is_none_or(|id| id.bytes().all(|b| b.is_ascii_digit()) && (typed_last || !id.is_empty()))
        };
        if !digits_only(owner_id, typed == IdsTyped::OwnerIdLast)
            || !digits_only(repo_id, typed == IdsTyped::RepoIdLast)
        {
            return Err(Outside::new(format!(
                "the ids in `{text}` are numbers: `OWNER@OWNER_ID/REPO@REPO_ID`"
            )));
        }
        if !ids_allowed {
            return Err(Outside::new("the `repository` claim is `OWNER/REPO`, never with ids"));
        }
        if !self.immutable_ids {
            let names = text.split('/').map(|part| split_id(part).0).collect::<Vec<_>>().join("/");
            let end = start + text.len();
            return Err(Outside::new(
                "GitHub Enterprise Server never emits the immutable `OWNER@ID/REPO@ID` subject form",
            )
            .suggest(splice(pattern.full, start, end, &names)));
        }
        if owner_id.is_none() || (complete && repo_id.is_none()) {
            return Err(Outside::new(
                "the immutable subject form carries both ids: `repo:OWNER@OWNER_ID/REPO@REPO_ID`",
            ));
        }
        Ok(())
    }

    /// `OWNER/REPO/PATH@REF`, graded on its own: it pins the called workflow, not the caller.
    fn read_workflow<'a>(
        &self,
        value: Value<'a>,
        start: usize,
        pattern: Pattern<'a>,
    ) -> Result<WorkflowPin<'a>, Outside> {
        let text = value.typed();
        let exact = value.is_exact();
        let pin = |breadth: Breadth, who: String| Ok(WorkflowPin { breadth, who, exact: None });
        let Some((owner, rest)) = text.split_once('/') else {
            if exact {
                return Err(Outside::new(format!("`{text}` is not `OWNER/REPO/PATH@REF`")));
            }
            check_owner(text, false)?;
            let example = example_of(value.name_pattern(&['/']));
            return pin(
                Breadth::AnyOwner,
                format!(
                    "jobs running any reusable workflow {} whose owner name starts with `{text}` \
                     (for example `{example}`)",
                    self.scope
                ),
            );
        };
        check_owner(owner, true)?;
        let Some((repo, path_ref)) = rest.split_once('/') else {
            if exact || !rest.chars().all(is_repo_char) {
                return Err(Outside::new(format!("`{text}` is not `OWNER/REPO/PATH@REF`")));
            }
            if rest.is_empty() {
                return pin(
                    Breadth::WholeOwner { owner: Some(owner.to_string()) },
                    format!("jobs running any reusable workflow of any repository owned by `{owner}`"),
                );
            }
            let example = example_of(value.after(owner.len() + 1).name_pattern(&['/']));
            return pin(
                Breadth::SiblingRepos,
                format!(
                    "jobs running reusable workflows of any repository of `{owner}` whose name starts with \
                     `{rest}` (for example `{owner}/{example}`)"
                ),
            );
        };
        if repo.is_empty() || !repo.chars().all(is_repo_char) {
            return Err(Outside::new(format!("`{repo}` is not a GitHub repository name")));
        }
        let repository = &text[..owner.len() + 1 + repo.len()];
        let path_start = repository.len() + 1;
        let Some((path, at_ref)) = path_ref.split_once('@') else {
            if exact {
                return Err(Outside::new(format!(
                    "`{text}` has no `@REF`: GitHub writes `OWNER/REPO/PATH@REF`"
                ))
                .suggest(format!("{}@refs/heads/main", pattern.full)));
            }
            let file = path_ref.strip_prefix(".github/workflows/").unwrap_or("");
            let matching = value.after(path_start).matching();
            return if file.is_empty() {
                pin(
                    Breadth::AnyContext,
                    format!("jobs running any reusable workflow of `{repository}`{matching}"),
                )
            } else {
                pin(
                    Breadth::ContextPattern,
                    format!("jobs running reusable workflows of `{repository}`{matching}"),
                )
            };
        };
        let workflow = &text[..path_start + path.len()];
        let ref_start = path_start + path.len() + 1;
        let ref_value = value.after(ref_start);
        let full_ref = at_ref.starts_with("refs/")
            || (at_ref.len() == 40 && at_ref.bytes().all(|b| b.is_ascii_hexdigit()));
        let may_become_ref =
            !exact && ("refs/".starts_with(at_ref) || at_ref.bytes().all(|b| b.is_ascii_hexdigit()));
        if !full_ref && !may_become_ref {
            let at = start + ref_start;
            return Err(Outside::new(format!(
                "GitHub writes the full ref (`refs/heads/{at_ref}`) or a commit SHA after `@`, \
                 never `{at_ref}`"
            ))
            .suggest(splice(pattern.full, at, at, "refs/heads/")));
        }
        if exact {
            return Ok(WorkflowPin {
                breadth: Breadth::Exact,
                who: format!(
                    "jobs running reusable workflow `{text}`, called from any repository allowed to use it"
                ),
                exact: Some(text),
            });
        }
        let refs = if ref_value.is_open() {
            "any ref".to_string()
        } else {
            format!("refs matching `{}`", ref_pattern(ref_value))
        };
        pin(Breadth::ContextPattern, format!("jobs running reusable workflow `{workflow}` at {refs}"))
    }

    fn grade(&self, pins: &Pins<'_>, form: Form) -> Grade {
        let caller = self.grade_caller(pins, form);
        match &pins.workflow {
            Some(workflow) if workflow.breadth.width() < caller.breadth.width() || pins.names_no_caller() => {
                Grade::new(workflow.breadth.clone(), workflow.who.clone())
            }
            Some(WorkflowPin { exact: Some(exact), .. }) => {
                Grade { who: format!("{}, running reusable workflow `{exact}`", caller.who), ..caller }
            }
            _ => caller,
        }
    }

    fn grade_caller(&self, pins: &Pins<'_>, form: Form) -> Grade {
        let breadth = match pins.repo {
            Repo::Name(_) | Repo::Id(_) => context_breadth(pins.context),
            Repo::Prefix { .. } => Breadth::SiblingRepos,
            Repo::IdPrefix(_) | Repo::Unpinned => match pins.owner {
                Owner::Name { name, .. } => Breadth::WholeOwner { owner: Some(name.to_string()) },
                Owner::Id(_) => Breadth::WholeOwner { owner: None },
                Owner::Prefix { .. } | Owner::Unpinned => Breadth::AnyOwner,
            },
        };
        let noun = self.noun(pins);
        let mut who = match context_words(pins.context) {
            Some(ContextWords { head, matching, tail }) => format!("{head} of {noun}{matching}{tail}"),
            None if breadth == Breadth::AnyOwner => noun,
            None => format!("{noun}, {ANY_CONTEXT}"),
        };
        if pins.ends_at_repo {
            who.push_str(
                " (GitHub issues a subject that ends at the repository only under a customized subject \
                 template holding `repo` without `context`; under the default template it never matches)",
            );
        }
        let suggestion = suggestion(pins, &breadth, form);
        Grade::new(breadth, who).suggest_opt(suggestion)
    }

    /// The repositories admitted, before any context: "`acme/infra`", "any repository owned by `acme`".
    fn noun(&self, pins: &Pins<'_>) -> String {
        let scope = &self.scope;
        match (pins.repo, pins.owner) {
            (Repo::Name(name), _) => format!("`{name}`"),
            (Repo::Id(id), _) => format!("repository id `{id}`"),
            (Repo::Prefix { owner, value }, _) => format!(
                "any repository of `{owner}` whose name starts with `{}` (for example `{owner}/{}`)",
                value.typed(),
                example_of(value.name_pattern(&[':', '@']))
            ),
            (_, Owner::Name { name, id: None }) => format!("any repository owned by `{name}`"),
            (_, Owner::Name { name, id: Some(id) }) => {
                format!("any repository owned by `{name}` (owner id `{id}`)")
            }
            (_, Owner::Id(id)) => format!("any repository of the owner with id `{id}`"),
            (Repo::IdPrefix(typed), _) => format!("any repository {scope} whose id starts with `{typed}`"),
            (_, Owner::Prefix { value, by_id: true }) => {
                format!("any repository {scope} whose owner id starts with `{}`", value.typed())
            }
            (_, Owner::Prefix { value, by_id: false }) => format!(
                "any repository {scope} whose owner name starts with `{}` (for example `{}`)",
                value.typed(),
                example_of(value.name_pattern(&['/', ':', '@']))
            ),
            // Only a template without `repo` or an owner key lets other owners' subjects look alike.
            (_, Owner::Unpinned)
                if !pins.repo_key && (pins.others > 0 || !matches!(pins.context, Context::Unpinned)) =>
            {
                format!("any repository {scope} (this subject names no owner or repository)")
            }
            (_, Owner::Unpinned) => format!("any repository {scope}"),
        }
    }

    fn unknown_key(
        &self,
        key: &str,
        has_value: bool,
        key_start: usize,
        previous: Option<(&str, usize)>,
        pattern: Pattern<'_>,
    ) -> Outside {
        let full = pattern.full;
        if let Some((previous_key, value_start)) =
            previous.filter(|(previous_key, _)| is_free_text(previous_key))
        {
            let what = if previous_key == "environment" { "environment names" } else { "claim values" };
            return Outside::new(format!(
                "GitHub writes `:` inside {what} as `%3A`, and `{key}` is not a claim key, so this raw `:` \
                 never appears"
            ))
            .suggest(encode_raw_colons(full, value_start));
        }
        let key_end = key_start + key.len();
        let lower = key.to_ascii_lowercase();
        if lower != key && (is_template_key(&lower) || lower == PULL_REQUEST) {
            return Outside::new(format!(
                "GitHub writes claim keys in lower case (`{lower}`), and the comparison is case-sensitive"
            ))
            .suggest(splice(full, key_start, key_end, &lower));
        }
        let replacement = match key {
            "branch" | "heads" => {
                Some(("ref:refs/heads/", "GitHub writes branches as `ref:refs/heads/NAME`"))
            }
            "tag" | "tags" => Some(("ref:refs/tags/", "GitHub writes tags as `ref:refs/tags/NAME`")),
            "env" => Some(("environment:", "GitHub writes environments as `environment:NAME`")),
            _ => None,
        };
        match replacement {
            Some((with, reason)) if has_value => {
                Outside::new(reason).suggest(splice(full, key_start, key_end + 1, with))
            }
            _ if key.is_empty() => {
                Outside::new("GitHub subjects never hold an empty field (`::` or a trailing `:`)")
            }
            _ if key.starts_with("refs/") => Outside::new("GitHub writes a ref with its key: `ref:refs/...`")
                .suggest(splice(full, key_start, key_start, "ref:")),
            _ if key_start == 0 && key.contains('/') => {
                Outside::new("GitHub subjects start with a claim key: `repo:OWNER/REPO:...`")
                    .suggest(splice(full, 0, 0, "repo:"))
            }
            _ if key == "context" => Outside::new(
                "`context` is a template key; the subject holds its value \
                 (`environment:NAME`, `pull_request` or \
                 `ref:REF`), never the word `context`",
            ),
            _ => Outside::new(format!("`{key}` is not a claim GitHub can put in a subject")),
        }
    }
}

fn split_id(part: &str) -> (&str, Option<&str>) {
    match part.split_once('@') {
        Some((name, id)) => (name, Some(id)),
        None => (part, None),
    }
}

fn check_owner(name: &str, complete: bool) -> Result<(), Outside> {
    if (complete && name.is_empty()) || !name.chars().all(is_owner_char) {
        return Err(Outside::new(format!(
            "`{name}` is not a GitHub owner name: only letters, digits and `-` (and `_` for managed users)"
        )));
    }
    Ok(())
}

fn read_owner(value: Value<'_>) -> Result<Owner<'_>, Outside> {
    check_owner(value.typed(), value.is_exact())?;
    Ok(match value {
        Value::Exact(name) => Owner::Name { name, id: None },
        _ if value.is_unpinned() => Owner::Unpinned,
        Value::Partial { .. } => Owner::Prefix { value, by_id: false },
    })
}

/// `refs/heads/NAME`, `refs/tags/NAME`, `refs/pull/N/merge`, ...: GitHub always writes full refs.
fn read_ref<'a>(value: Value<'a>, start: usize, pattern: Pattern<'a>) -> Result<RefPin<'a>, Outside> {
    let typed = value.typed();
    let Some(rest) = typed.strip_prefix("refs/") else {
        if !value.is_exact() && "refs/".starts_with(typed) {
            return Ok(RefPin::Any);
        }
        return Err(Outside::new(format!(
            "GitHub writes full refs (`refs/heads/{typed}` for a branch, `refs/tags/{typed}` for a tag), \
             never `{typed}`"
        ))
        .suggest(splice(pattern.full, start, start, "refs/heads/")));
    };
    if let Some(name) = rest.strip_prefix("heads/") {
        let name = value.after(typed.len() - name.len());
        check_git_name(name, "branch name")?;
        return Ok(RefPin::Branch(name));
    }
    if let Some(name) = rest.strip_prefix("tags/") {
        let name = value.after(typed.len() - name.len());
        check_git_name(name, "tag name")?;
        return Ok(RefPin::Tag(name));
    }
    if rest.starts_with("pull/") {
        check_git_name(value, "ref")?;
        return Ok(RefPin::Pull(value));
    }
    if !value.is_exact() && ["heads/", "tags/", "pull/"].iter().any(|namespace| namespace.starts_with(rest)) {
        return Ok(RefPin::Any);
    }
    check_git_name(value, "ref")?;
    Ok(RefPin::Other(value))
}

/// Claims with a fixed set of values (or numeric ones) must hold one.
fn check_enumerated(key: &str, value: Value<'_>) -> Result<(), Outside> {
    let choices: &[&str] = match key {
        "ref_type" => &["branch", "tag"],
        "repository_visibility" => &["public", "private", "internal"],
        "runner_environment" => &["github-hosted", "self-hosted"],
        "ref_protected" => &["true", "false"],
        _ if key.starts_with(PROPERTY_PREFIX) => return Ok(()),
        _ if key.ends_with("_id") || matches!(key, "run_attempt" | "run_number") => {
            return check_number(key, value);
        }
        _ => return Ok(()),
    };
    if super::sequence::one_of(value.typed(), value.is_exact(), choices) {
        Ok(())
    } else {
        Err(Outside::new(format!("`{key}` is one of `{}`, never `{}`", choices.join("`, `"), value.typed())))
    }
}

fn context_breadth(context: Context<'_>) -> Breadth {
    let value = match context {
        Context::Environment(value) => value,
        Context::Ref(RefPin::Branch(value) | RefPin::Tag(value) | RefPin::Other(value)) => value,
        Context::Ref(RefPin::Any | RefPin::Pull(_)) | Context::Unpinned | Context::PullRequest => {
            return Breadth::AnyContext;
        }
    };
    match value {
        Value::Exact(_) => Breadth::Exact,
        _ if value.is_unpinned() => Breadth::AnyContext,
        _ => Breadth::ContextPattern,
    }
}

/// How a context reads around the repositories it belongs to:
/// "{head} of {noun}{matching}{tail}" -> "branches of `acme/infra` matching `release/*`".
struct ContextWords {
    head: String,
    matching: String,
    tail: &'static str,
}

fn context_words(context: Context<'_>) -> Option<ContextWords> {
    let fixed =
        |head: &str, tail| Some(ContextWords { head: head.to_string(), matching: String::new(), tail });
    /// `(one, many, any, tail when nothing is pinned, tail when a pattern is)`.
    type Words = (&'static str, &'static str, &'static str, &'static str, &'static str);
    let (value, (one, many, any, unpinned_tail, pattern_tail)): (Value<'_>, Words) = match context {
        Context::Unpinned => return None,
        Context::PullRequest | Context::Ref(RefPin::Pull(Value::Partial { .. })) => {
            return fixed("pull requests", " (unmerged code)");
        }
        Context::Ref(RefPin::Pull(Value::Exact(reference))) => {
            let number = reference.trim_start_matches("refs/pull/").split('/').next().unwrap_or_default();
            return fixed(&format!("pull request #{number}"), " (unmerged code)");
        }
        Context::Ref(RefPin::Any) => return fixed("any branch or tag", " (anyone who can push one)"),
        Context::Environment(value) => {
            (value, ("environment", "environments", "any environment", ", including unprotected ones", ""))
        }
        Context::Ref(RefPin::Branch(value)) => {
            (value, ("branch", "branches", "any branch", " (anyone who can push a branch)", ""))
        }
        Context::Ref(RefPin::Tag(value)) => (
            value,
            ("tag", "tags", "any tag", " (anyone who can push a tag)", " (protect them with tag rulesets)"),
        ),
        Context::Ref(RefPin::Other(value)) => (value, ("ref", "refs", "any ref", "", "")),
    };
    match value {
        Value::Exact(name) => fixed(&format!("{one} `{name}`"), ""),
        _ if value.is_open() => fixed(any, unpinned_tail),
        _ => Some(ContextWords {
            head: many.to_string(),
            matching: value.matching(),
            tail: if value.is_unpinned() { unpinned_tail } else { pattern_tail },
        }),
    }
}

fn suggestion(pins: &Pins<'_>, breadth: &Breadth, form: Form) -> Option<String> {
    let star_follows = |value: Value<'_>| match value {
        Value::Partial { typed, pattern } => pattern[typed.len()..].starts_with('*'),
        Value::Exact(_) => false,
    };
    match form {
        Form::Sub if pins.repo_key && pins.others == 0 && pins.workflow.is_none() => {
            match (breadth, pins.owner, pins.repo) {
                (Breadth::AnyOwner, Owner::Prefix { value, by_id: false }, _) if star_follows(value) => {
                    Some(format!("repo:{}/<repo>:environment:<env>", value.typed()))
                }
                (Breadth::WholeOwner { .. }, Owner::Name { name, id: None }, _) => {
                    Some(format!("repo:{name}/<repo>:environment:<env>"))
                }
                (Breadth::WholeOwner { .. }, Owner::Name { name, id: Some(id) }, _) => {
                    Some(format!("repo:{name}@{id}/<repo>@<repo_id>:environment:<env>"))
                }
                (Breadth::SiblingRepos, Owner::Name { id, .. }, Repo::Prefix { owner, value }) => {
                    let repo_id = if id.is_some() { "@<repo_id>" } else { "" };
                    Some(format!("repo:{owner}/{}{repo_id}:environment:<env>", value.typed()))
                }
                (Breadth::AnyContext, _, Repo::Name(name)) => Some(match pins.context {
                    Context::Ref(RefPin::Branch(_)) => format!("repo:{name}:ref:refs/heads/<branch>"),
                    _ => format!("repo:{name}:environment:<env>"),
                }),
                _ => None,
            }
        }
        Form::Repository => match (breadth, pins.owner, pins.repo) {
            (Breadth::AnyOwner, Owner::Prefix { value, .. }, _) if star_follows(value) => {
                Some(format!("{}/<repo>", value.typed()))
            }
            (Breadth::WholeOwner { .. }, Owner::Name { name, .. }, _) => Some(format!("{name}/<repo>")),
            (Breadth::SiblingRepos, _, Repo::Prefix { owner, value }) => {
                Some(format!("{owner}/{}", value.typed()))
            }
            _ => None,
        },
        _ => None,
    }
}

fn ref_pattern(value: Value<'_>) -> &str {
    match value {
        Value::Exact(text) => text,
        Value::Partial { pattern, .. } => pattern,
    }
}

/// Rewrites the raw `:` in a free-text value (from `value_start` up to the next claim key) as `%3A`.
fn encode_raw_colons(full: &str, value_start: usize) -> String {
    let (head, tail) = full.split_at(value_start);
    let parts: Vec<&str> = tail.split(':').collect();
    let mut value = parts[0].to_string();
    let mut index = 1;
    while index < parts.len() {
        let part = parts[index];
        let next_pair = part == PULL_REQUEST || (is_template_key(part) && index + 1 < parts.len());
        if next_pair {
            break;
        }
        value.push_str("%3A");
        value.push_str(part);
        index += 1;
    }
    let mut out = format!("{head}{value}");
    for part in &parts[index..] {
        out.push(':');
        out.push_str(part);
    }
    out
}
