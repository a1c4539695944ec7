//! Callers: CI jobs that can mint an OIDC token and hand it to a cloud login, with the claims
//! their token can carry. Each way the job can run (a push to `main`, a pull request, a tag, a
//! deployment to `prod`) is one [`Alternative`]; parts that cannot be known stay [`Claim::Unknown`]
//! with the reason.
//!
//! Branch and tag filters (GitHub `on:`) are read here from the workflow's own YAML, for the few
//! files that have a login, so the workflow model stays as the other rules need it. GitLab
//! `rules:`/`only:` come from the job as the frontend merged it (`extends`, `!reference`), so a
//! job's claims are those of the job GitLab runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::IdentityKind;
use trustlint_model::workflow::{
    Access, ActionKind, Job, Origin, Step, Value, Workflow, WorkflowKind, login_request,
};
use trustlint_syntax::{Node, parse_yaml};

use crate::repository::{Platform, Repository};
use crate::stack_output::{
    StackOutputRef, github_stack_output, gitlab_stack_output, repository_root, step_directory,
};

/// What a caller's token carries for one claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// A glob of the values it can take (`ref:refs/heads/*` for any branch).
    Pattern(String),
    /// The token does not carry this claim (no `environment` without an environment).
    Absent,
    /// Cannot be told from the tree, with the reason.
    Unknown(String),
}

/// One way a job can run, and the claims its token then carries.
#[derive(Clone, Debug)]
pub struct Alternative {
    /// In words: "on push to `main`", "in environment `prod`", "on pull requests".
    pub via: String,
    /// The trigger, filter or `environment:` that says so.
    pub span: Span,
    pub claims: BTreeMap<String, Claim>,
}

impl Alternative {
    pub fn claim(&self, name: &str) -> Claim {
        self.claims.get(name).cloned().unwrap_or_else(|| {
            Claim::Unknown(format!("the `{name}` claim is not modelled for this job's tokens"))
        })
    }

    /// The subject, as it would be written in a trust.
    pub fn subject(&self) -> Option<&str> {
        match self.claims.get("sub") {
            Some(Claim::Pattern(subject)) => Some(subject),
            _ => None,
        }
    }
}

/// The cloud a login targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
    Pulumi,
}

impl Cloud {
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS",
            Cloud::Gcp => "Google Cloud",
            Cloud::Azure => "Azure",
            Cloud::Pulumi => "Pulumi Cloud",
        }
    }
}

/// What a login input names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    AwsRole,
    GcpProvider,
    GcpServiceAccount,
    AzureClientId,
    PulumiOrganization,
}

impl TargetKind {
    /// Whether a login input of this kind can name an identity of `kind`.
    pub fn names(self, kind: IdentityKind) -> bool {
        match self {
            TargetKind::AwsRole => kind == IdentityKind::AwsRole,
            TargetKind::GcpProvider => kind == IdentityKind::GcpWorkloadPool,
            TargetKind::GcpServiceAccount => kind == IdentityKind::GcpServiceAccount,
            TargetKind::AzureClientId => {
                matches!(kind, IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity)
            }
            TargetKind::PulumiOrganization => false,
        }
    }

    /// What the input names, in words.
    pub fn describe(self) -> &'static str {
        match self {
            TargetKind::AwsRole => "role",
            TargetKind::GcpProvider => "workload identity provider",
            TargetKind::GcpServiceAccount => "service account",
            TargetKind::AzureClientId => "Azure application or managed identity",
            TargetKind::PulumiOrganization => "Pulumi organization",
        }
    }
}

/// One input of a login that names the identity to become.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: TargetKind,
    /// The input or option (`role-to-assume`, `--role-arn`).
    pub input: String,
    pub value: Value,
    /// When the value is a Pulumi stack output read by an earlier step or script line.
    pub stack_output: Option<StackOutputRef>,
}

/// A login step (or GitLab script) that exchanges the job's token.
#[derive(Clone, Debug)]
pub struct Login {
    pub cloud: Cloud,
    /// "aws-actions/configure-aws-credentials", "`aws sts assume-role-with-web-identity`".
    pub what: String,
    pub span: Span,
    pub targets: Vec<Target>,
}

/// A job that can mint a token and logs in with it.
#[derive(Clone, Debug)]
pub struct Caller {
    pub file: Arc<SourceFile>,
    pub platform: Platform,
    pub job_id: String,
    pub job_span: Span,
    pub logins: Vec<Login>,
    pub alternatives: Vec<Alternative>,
    /// The reusable workflow this job runs in, when it is one (`job_workflow_ref` differs).
    pub reusable: bool,
}

impl Caller {
    /// `deploy.yml` job `deploy`.
    pub fn label(&self) -> String {
        format!("job `{}` of {}", self.job_id, self.file.path())
    }
}

/// Every caller of the run's workflows, in input order.
pub fn callers(workflows: &[&Workflow], repository: Option<&Repository>) -> Vec<Caller> {
    let mut out = Vec::new();
    for workflow in workflows {
        match workflow.kind {
            WorkflowKind::GitHubWorkflow => github_callers(workflow, workflows, repository, &mut out),
            WorkflowKind::GitLabPipeline => gitlab_callers(workflow, repository, &mut out),
            WorkflowKind::GitHubCompositeAction => {}
        }
    }
    out
}

/// How a job is started, before environments apply.
#[derive(Clone, Debug)]
struct Context {
    event: String,
    /// `refs/heads/main`, `refs/heads/*`; `None` for pull requests (their subject has no ref).
    git_ref: Option<String>,
    via: String,
    span: Span,
}

fn github_logins(workflow: &Workflow, root: &Node, job: &Job) -> Vec<Login> {
    let mut logins = Vec::new();
    let repository_root = repository_root(workflow.file.path());
    let directory_of = |index: usize| step_directory(root, &job.id, job.steps[index].span);
    for (index, step) in job.steps.iter().enumerate() {
        let Some(action) = &step.uses else { continue };
        if login_request(action, step).is_none() {
            continue;
        }
        let ActionKind::Remote { .. } = action.kind else { continue };
        let name = action.name();
        let target = |kind: TargetKind, input: &str| {
            step.input(input).map(|i| Target {
                kind,
                input: input.to_string(),
                value: i.value.clone(),
                stack_output: github_stack_output(&i.value, job, index, &directory_of, &repository_root),
            })
        };
        let (cloud, targets) = match name.as_str() {
            "aws-actions/configure-aws-credentials" => {
                (Cloud::Aws, vec![target(TargetKind::AwsRole, "role-to-assume")])
            }
            "google-github-actions/auth" => (
                Cloud::Gcp,
                vec![
                    target(TargetKind::GcpProvider, "workload_identity_provider"),
                    target(TargetKind::GcpServiceAccount, "service_account"),
                ],
            ),
            "azure/login" => (Cloud::Azure, vec![target(TargetKind::AzureClientId, "client-id")]),
            "pulumi/auth-actions" => {
                (Cloud::Pulumi, vec![target(TargetKind::PulumiOrganization, "organization")])
            }
            _ => continue,
        };
        logins.push(Login {
            cloud,
            what: name,
            span: step.span,
            targets: targets.into_iter().flatten().collect(),
        });
    }
    logins
}

/// The audience a GitHub login requests (`audience` input, else the action's default).
fn github_audience(step_inputs: Option<&Step>, cloud: Cloud) -> Claim {
    if let Some(input) = step_inputs.and_then(|s| s.input("audience")) {
        return match input.value.origin {
            Origin::Literal => Claim::Pattern(input.value.text.trim().to_string()),
            _ => Claim::Unknown(format!("the `audience` input `{}`", input.value.text.trim())),
        };
    }
    match cloud {
        Cloud::Aws => Claim::Pattern("sts.amazonaws.com".into()),
        Cloud::Azure => Claim::Pattern("api://AzureADTokenExchange".into()),
        // google-github-actions/auth asks for the provider's own resource name, which a provider
        // accepts by default; see `admit`.
        Cloud::Gcp => Claim::Pattern(GCP_DEFAULT_AUDIENCE.into()),
        Cloud::Pulumi => Claim::Unknown("the Pulumi organization's audience".into()),
    }
}

/// Marker for "the provider's default audience" on both sides of a GCP link.
pub const GCP_DEFAULT_AUDIENCE: &str = "https://iam.googleapis.com/<the provider>";

fn github_callers(
    workflow: &Workflow,
    all: &[&Workflow],
    repository: Option<&Repository>,
    out: &mut Vec<Caller>,
) {
    let tree = parse_yaml(workflow.file.text());
    let Some(root) = tree.documents.first() else { return };
    let reusable = workflow.is_reusable();
    for job in &workflow.jobs {
        let logins = github_logins(workflow, root, job);
        if logins.is_empty() {
            continue;
        }
        if matches!(workflow.effective_permissions(job).id_token, Access::None | Access::Read) && !reusable {
            // It cannot mint a token at all: `id-token-*` rules speak about that.
            continue;
        }
        let contexts = if reusable {
            reusable_contexts(workflow, all, repository)
        } else {
            on_contexts(root.get("on").or_else(|| root.get("true")), repository)
        };
        let contexts = filter_by_condition(contexts, job);
        let first_step = job.steps.iter().find(|s| s.span == logins[0].span);
        let audience = github_audience(first_step, logins[0].cloud);
        let alternatives = contexts
            .iter()
            .map(|context| github_alternative(workflow, job, context, repository, &audience))
            .collect();
        out.push(Caller {
            file: Arc::clone(&workflow.file),
            platform: Platform::GitHub,
            job_id: job.id.clone(),
            job_span: job.id_span,
            logins,
            alternatives,
            reusable,
        });
    }
}

/// The contexts of a reusable workflow: those of the jobs in the tree that call it.
fn reusable_contexts(
    workflow: &Workflow,
    all: &[&Workflow],
    repository: Option<&Repository>,
) -> Vec<Context> {
    let file_name = workflow.file.path().rsplit('/').next().unwrap_or_default().to_string();
    let mut contexts = Vec::new();
    for caller in all.iter().filter(|w| w.kind == WorkflowKind::GitHubWorkflow && !w.is_reusable()) {
        let tree = parse_yaml(caller.file.text());
        let Some(root) = tree.documents.first() else { continue };
        for job in &caller.jobs {
            let Some(call) = &job.call else { continue };
            let target = call.target.trim();
            let local = target.starts_with("./") && target.ends_with(&format!("/{file_name}"));
            if !local {
                continue;
            }
            for mut context in
                filter_by_condition(on_contexts(root.get("on").or_else(|| root.get("true")), repository), job)
            {
                context.via =
                    format!("{} (called by job `{}` of {})", context.via, job.id, caller.file.path());
                contexts.push(context);
            }
        }
    }
    if contexts.is_empty() {
        // Called from outside the tree: any event, any ref, pull requests included.
        let span = workflow.triggers.first().map_or_else(Span::default, |t| t.span);
        let via = "when called by a workflow outside the scanned tree";
        contexts.push(Context { event: "*".into(), git_ref: Some("refs/*".into()), via: via.into(), span });
        contexts.push(Context {
            event: "pull_request".into(),
            git_ref: None,
            via: format!("{via}, on a pull request"),
            span,
        });
    }
    contexts
}

/// Keep the contexts a job's `if:` allows, when it is a plain test of `github.event_name` or
/// `github.ref` (`==`, joined by `&&`); anything else keeps every context.
fn filter_by_condition(contexts: Vec<Context>, job: &Job) -> Vec<Context> {
    let Some(condition) = &job.condition else { return contexts };
    let text = condition.text.as_str();
    if text.contains("||") || text.contains('!') {
        return contexts;
    }
    let equals = |variable: &str| -> Option<String> {
        let at = text.find(variable)?;
        let rest = text[at + variable.len()..].trim_start().strip_prefix("==")?.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        rest[1..].find(quote).map(|end| rest[1..1 + end].to_string())
    };
    let event = equals("github.event_name");
    let git_ref = equals("github.ref");
    contexts
        .into_iter()
        .filter(|context| event.as_ref().is_none_or(|e| *e == context.event))
        .filter_map(|mut context| {
            let Some(wanted) = &git_ref else { return Some(context) };
            match &context.git_ref {
                Some(pattern)
                    if crate::glob::Pattern::glob(pattern)
                        .intersects(&crate::glob::Pattern::exact(wanted)) =>
                {
                    context.git_ref = Some(wanted.clone());
                    Some(context)
                }
                _ => None,
            }
        })
        .collect()
}

/// The contexts `on:` allows, with branch and tag filters.
fn on_contexts(on: Option<&Node>, repository: Option<&Repository>) -> Vec<Context> {
    let default_branch = repository.and_then(|r| r.default_branch.as_deref());
    let Some(on) = on else { return Vec::new() };
    let mut events: Vec<(&str, Option<&Node>, Span)> = Vec::new();
    if let Some(entries) = on.as_map() {
        for entry in entries {
            events.push((entry.key.as_str(), Some(&entry.value), entry.key_span));
        }
    } else {
        for item in on.one_or_many() {
            if let Some(name) = item.as_text() {
                events.push((name, None, item.span));
            }
        }
    }
    let mut contexts = Vec::new();
    for (event, filters, span) in events {
        let patterns = |key: &str| -> Option<Vec<String>> {
            let node = filters?.get(key)?;
            let items: Vec<String> = node
                .one_or_many()
                .iter()
                .filter_map(|n| n.as_text())
                .filter(|p| !p.starts_with('!'))
                // GitHub's `*` stops at `/` and `**` does not: both read as any run here, which
                // keeps the set a superset of the refs that really run.
                .map(|p| p.replace("**", "*"))
                .collect();
            Some(items)
        };
        let push = |contexts: &mut Vec<Context>, git_ref: String, via: String| {
            contexts.push(Context { event: event.to_string(), git_ref: Some(git_ref), via, span });
        };
        match event {
            "pull_request" => contexts.push(Context {
                event: event.into(),
                git_ref: None,
                via: "on pull requests".into(),
                span,
            }),
            "push" => {
                let branches = patterns("branches");
                let tags = patterns("tags");
                let ignores = patterns("branches-ignore").is_some() || patterns("tags-ignore").is_some();
                match (branches, tags) {
                    (None, None) => {
                        push(&mut contexts, "refs/heads/*".into(), "on push to any branch".into());
                        push(&mut contexts, "refs/tags/*".into(), "on push of any tag".into());
                    }
                    (branches, tags) => {
                        for branch in branches.unwrap_or_default() {
                            push(
                                &mut contexts,
                                format!("refs/heads/{branch}"),
                                format!("on push to `{branch}`"),
                            );
                        }
                        for tag in tags.unwrap_or_default() {
                            push(
                                &mut contexts,
                                format!("refs/tags/{tag}"),
                                format!("on push of tag `{tag}`"),
                            );
                        }
                    }
                }
                let _ = ignores;
            }
            "pull_request_target" => match patterns("branches") {
                Some(branches) => {
                    for branch in branches {
                        push(
                            &mut contexts,
                            format!("refs/heads/{branch}"),
                            format!("on pull_request_target into `{branch}`"),
                        );
                    }
                }
                None => push(&mut contexts, "refs/heads/*".into(), "on pull_request_target".into()),
            },
            "merge_group" => {
                push(&mut contexts, "refs/heads/gh-readonly-queue/*".into(), "in the merge queue".into())
            }
            "release" => push(&mut contexts, "refs/tags/*".into(), "on release".into()),
            "workflow_dispatch" => {
                push(&mut contexts, "refs/heads/*".into(), "on manual dispatch from any branch".into());
                push(&mut contexts, "refs/tags/*".into(), "on manual dispatch from any tag".into());
            }
            // Scheduled and chained runs use the default branch.
            other => match default_branch {
                Some(branch) => push(
                    &mut contexts,
                    format!("refs/heads/{branch}"),
                    format!("on `{other}` (default branch `{branch}`)"),
                ),
                None => push(
                    &mut contexts,
                    "refs/heads/*".into(),
                    format!("on `{other}` (the default branch, not known)"),
                ),
            },
        }
    }
    contexts
}

/// `:` in subject values is percent-encoded by GitHub.
fn encode(value: &str) -> String {
    value.replace(':', "%3A")
}

fn github_alternative(
    workflow: &Workflow,
    job: &Job,
    context: &Context,
    repository: Option<&Repository>,
    audience: &Claim,
) -> Alternative {
    let mut claims = BTreeMap::new();
    let unknown_repo = || {
        Claim::Unknown("the repository (set `repository` in trustlint.toml or pass `--repository`)".into())
    };
    let (environment, env_via, span) = match &job.environment {
        Some(env) => match &env.name {
            Some(name) => (Claim::Pattern(name.clone()), format!("in environment `{name}`"), env.span),
            None => {
                (Claim::Pattern("*".into()), "in an environment chosen by an expression".into(), env.span)
            }
        },
        None => (Claim::Absent, String::new(), context.span),
    };
    let context_text = match (&environment, &context.git_ref) {
        (Claim::Pattern(name), _) => format!("environment:{}", encode(name)),
        (_, None) => "pull_request".to_string(),
        (_, Some(git_ref)) => format!("ref:{git_ref}"),
    };
    let via = if env_via.is_empty() { context.via.clone() } else { format!("{env_via}, {}", context.via) };
    claims.insert("environment".into(), environment);
    claims.insert("event_name".into(), Claim::Pattern(context.event.clone()));
    match &context.git_ref {
        Some(git_ref) => {
            claims.insert("ref".into(), Claim::Pattern(git_ref.clone()));
            let ref_type = if git_ref.starts_with("refs/tags/") {
                "tag"
            } else if git_ref.starts_with("refs/heads/") {
                "branch"
            } else {
                "*"
            };
            claims.insert("ref_type".into(), Claim::Pattern(ref_type.into()));
        }
        None => {
            claims.insert("ref".into(), Claim::Pattern("refs/pull/*/merge".into()));
            claims.insert("ref_type".into(), Claim::Pattern("*".into()));
        }
    }
    claims.insert("aud".into(), audience.clone());
    let workflow_path = workflow.file.path().to_string();
    let workflow_in_repo = workflow_path
        .find(".github/workflows/")
        .map(|at| workflow_path[at..].to_string())
        .unwrap_or(workflow_path);
    let ref_of_run = context.git_ref.clone().unwrap_or_else(|| "refs/pull/*/merge".into());
    match repository {
        Some(repo) => {
            claims.insert("repository".into(), Claim::Pattern(repo.path.clone()));
            claims.insert("repository_owner".into(), Claim::Pattern(repo.owner().to_string()));
            let id = |value: &Option<String>, what: &str| match value {
                Some(id) => Claim::Pattern(id.clone()),
                None => Claim::Unknown(format!("the {what} (set `{what}` in trustlint.toml)")),
            };
            claims.insert("repository_id".into(), id(&repo.repository_id, "repository-id"));
            claims.insert("repository_owner_id".into(), id(&repo.owner_id, "repository-owner-id"));
            let workflow_ref = format!("{}/{workflow_in_repo}@{ref_of_run}", repo.path);
            claims.insert("workflow_ref".into(), Claim::Pattern(workflow_ref.clone()));
            // A reusable workflow of this repository runs at the caller's ref, so both claims
            // name this file at the ref of the run.
            claims.insert("job_workflow_ref".into(), Claim::Pattern(workflow_ref));
            let sub = match &repo.claim_keys {
                None => Claim::Pattern(format!("repo:{}:{context_text}", repo.github_subject_repo())),
                Some(keys) => custom_subject(keys, repo, &context_text, &claims),
            };
            claims.insert("sub".into(), sub);
        }
        None => {
            for claim in [
                "repository",
                "repository_owner",
                "repository_id",
                "repository_owner_id",
                "workflow_ref",
                "job_workflow_ref",
                "sub",
            ] {
                claims.insert(claim.into(), unknown_repo());
            }
        }
    }
    Alternative { via, span, claims }
}

/// A subject built from a customised template: `key:value` pairs in template order.
fn custom_subject(
    keys: &[String],
    repo: &Repository,
    context: &str,
    claims: &BTreeMap<String, Claim>,
) -> Claim {
    let mut parts = Vec::new();
    for key in keys {
        let value = match key.as_str() {
            "repo" => repo.github_subject_repo(),
            "context" => {
                parts.push(context.to_string());
                continue;
            }
            other => match claims.get(other) {
                Some(Claim::Pattern(value)) => encode(value),
                Some(Claim::Absent) => String::new(),
                Some(Claim::Unknown(why)) => return Claim::Unknown(why.clone()),
                None => return Claim::Unknown(format!("the `{other}` claim of the subject template")),
            },
        };
        parts.push(format!("{key}:{value}"));
    }
    Claim::Pattern(parts.join(":"))
}

fn gitlab_callers(workflow: &Workflow, repository: Option<&Repository>, out: &mut Vec<Caller>) {
    for job in &workflow.jobs {
        if job.id_tokens.is_empty() {
            continue;
        }
        let logins = gitlab_logins(workflow, job);
        if logins.is_empty() {
            continue;
        }
        // The job as GitLab runs it: `rules:`/`only:` after `extends` (the frontend merged them).
        let refs = gitlab_refs(job);
        let audience = gitlab_audience(job, &logins);
        let alternatives = refs
            .into_iter()
            .map(|(ref_type, name, via, span)| {
                let mut claims = BTreeMap::new();
                claims.insert("ref_type".to_string(), Claim::Pattern(ref_type.clone()));
                claims.insert("ref".to_string(), Claim::Pattern(name.clone()));
                claims.insert("aud".to_string(), audience.clone());
                claims.insert(
                    "environment".to_string(),
                    match &job.environment {
                        Some(env) => Claim::Pattern(env.name.clone().unwrap_or_else(|| "*".into())),
                        None => Claim::Absent,
                    },
                );
                match repository {
                    Some(repo) => {
                        claims.insert("project_path".into(), Claim::Pattern(repo.path.clone()));
                        claims.insert("namespace_path".into(), Claim::Pattern(repo.owner().to_string()));
                        claims.insert(
                            "sub".into(),
                            Claim::Pattern(format!(
                                "project_path:{}:ref_type:{ref_type}:ref:{name}",
                                repo.path
                            )),
                        );
                    }
                    None => {
                        let why =
                            "the project path (set `repository` in trustlint.toml or pass `--repository`)";
                        for claim in ["project_path", "namespace_path", "sub"] {
                            claims.insert(claim.into(), Claim::Unknown(why.into()));
                        }
                    }
                }
                Alternative { via, span, claims }
            })
            .collect();
        out.push(Caller {
            file: Arc::clone(&workflow.file),
            platform: Platform::GitLab,
            job_id: job.id.clone(),
            job_span: job.id_span,
            logins,
            alternatives,
            reusable: false,
        });
    }
}

/// `aws sts assume-role-with-web-identity --role-arn X` in a script, or the `AWS_ROLE_ARN`
/// variable the AWS SDKs and CLI read with `AWS_WEB_IDENTITY_TOKEN_FILE`.
fn gitlab_logins(workflow: &Workflow, job: &Job) -> Vec<Login> {
    let mut logins = Vec::new();
    for line in &job.scripts {
        let text = &line.text;
        if !text.contains("assume-role-with-web-identity") {
            continue;
        }
        let target = option_value(text, "--role-arn").map(|(value, offset, len)| {
            let start = line.span.start + offset;
            // The span is exact only when the script line is written as is (plain scalars).
            let span = if line.span.len() == text.len() { Span::new(start, start + len) } else { line.span };
            let value = Value { text: value.clone(), span, origin: Origin::of_gitlab(&value) };
            let value = resolve_variable(workflow, job, value);
            let root = repository_root(workflow.file.path());
            Target {
                kind: TargetKind::AwsRole,
                input: "--role-arn".into(),
                stack_output: gitlab_stack_output(&value, job, line.span, &root),
                value,
            }
        });
        logins.push(Login {
            cloud: Cloud::Aws,
            what: "`aws sts assume-role-with-web-identity`".into(),
            span: line.span,
            targets: target.into_iter().collect(),
        });
    }
    if logins.is_empty()
        && let Some(var) = job.env.iter().chain(&workflow.env).find(|v| v.name == "AWS_ROLE_ARN")
    {
        logins.push(Login {
            cloud: Cloud::Aws,
            what: "`AWS_ROLE_ARN` with a web identity token".into(),
            span: var.name_span,
            targets: vec![Target {
                kind: TargetKind::AwsRole,
                input: "AWS_ROLE_ARN".into(),
                value: var.value.clone(),
                stack_output: None,
            }],
        });
    }
    logins
}

/// A `$NAME` value replaced by the job's or pipeline's own `variables:` entry, when there is one.
fn resolve_variable(workflow: &Workflow, job: &Job, value: Value) -> Value {
    if let Origin::Variable(name) = &value.origin
        && let Some(var) = job.env.iter().chain(&workflow.env).find(|v| &v.name == name)
    {
        return var.value.clone();
    }
    value
}

/// `--opt value` / `--opt=value` in a command line: the value, its byte offset and length.
fn option_value(text: &str, option: &str) -> Option<(String, usize, usize)> {
    let at = text.find(option)?;
    let rest = &text[at + option.len()..];
    let skip = rest.len() - rest.trim_start_matches([' ', '=']).len();
    let value_start = at + option.len() + skip;
    let rest = &text[value_start..];
    let (value, len) = if let Some(quoted) = rest.strip_prefix('"') {
        let end = quoted.find('"')?;
        (quoted[..end].to_string(), end + 2)
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (rest[..end].to_string(), end)
    };
    (!value.is_empty()).then_some((value, value_start, len))
}

fn gitlab_audience(job: &Job, logins: &[Login]) -> Claim {
    let named = logins.iter().find_map(|login| {
        job.scripts.iter().find(|l| l.span == login.span).and_then(|line| {
            option_value(&line.text, "--web-identity-token")
                .map(|(value, _, _)| value.trim_start_matches('$').trim_matches(['{', '}']).to_string())
        })
    });
    let token = match named {
        Some(name) => job.id_tokens.iter().find(|t| t.name == name),
        None if job.id_tokens.len() == 1 => job.id_tokens.first(),
        None => None,
    };
    match token.map(|t| t.audiences.as_slice()) {
        Some([one]) if one.origin == Origin::Literal => Claim::Pattern(one.text.trim().to_string()),
        Some([one]) => Claim::Unknown(format!("the `aud` `{}`", one.text.trim())),
        Some(_) => Claim::Unknown("which of the `aud` values the login uses".into()),
        None => Claim::Unknown("which `id_tokens` entry the login uses".into()),
    }
}

/// The `(ref_type, ref, via, span)` a GitLab job runs on, from its `rules:` or `only:`.
fn gitlab_refs(job: &Job) -> Vec<(String, String, String, Span)> {
    let any = |span: Span| {
        vec![
            ("branch".into(), "*".into(), "on any branch".into(), span),
            ("tag".into(), "*".into(), "on any tag".into(), span),
        ]
    };
    let mut out = Vec::new();
    let filter = |key: &str| job.run_filter.as_ref().filter(|(k, _)| k == key).map(|(_, node)| node);
    if let Some(rules) = filter("rules") {
        for rule in rules.one_or_many() {
            if rule.get("when").and_then(Node::as_text) == Some("never") {
                continue;
            }
            let Some(condition) = rule.get("if").and_then(Node::as_text) else {
                return any(rule.span);
            };
            out.extend(refs_of_condition(condition, rule.span));
        }
        return if out.is_empty() { any(rules.span) } else { out };
    }
    if let Some(only) = filter("only") {
        let refs = only.get("refs").unwrap_or(only);
        for item in refs.one_or_many() {
            let Some(text) = item.as_text() else { continue };
            match text {
                "branches" | "merge_requests" => {
                    out.push(("branch".into(), "*".into(), "on any branch".into(), item.span))
                }
                "tags" => out.push(("tag".into(), "*".into(), "on any tag".into(), item.span)),
                regex if regex.starts_with('/') => out.extend(any(item.span)),
                name => {
                    // `only` names match branches and tags alike.
                    out.push(("branch".into(), name.into(), format!("on branch `{name}`"), item.span));
                    out.push(("tag".into(), name.into(), format!("on tag `{name}`"), item.span));
                }
            }
        }
        return if out.is_empty() { any(only.span) } else { out };
    }
    any(job.id_span)
}

/// Refs a `rules: - if:` expression allows; anything it does not pin is any ref.
fn refs_of_condition(condition: &str, span: Span) -> Vec<(String, String, String, Span)> {
    let equals = |variable: &str| -> Option<String> {
        let at = condition.find(variable)?;
        let rest = condition[at + variable.len()..].trim_start();
        let rest = rest.strip_prefix("==")?.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &rest[1..];
        value.find(quote).map(|end| value[..end].to_string())
    };
    if condition.contains("||") {
        return vec![
            ("branch".into(), "*".into(), format!("when `{condition}`"), span),
            ("tag".into(), "*".into(), format!("when `{condition}`"), span),
        ];
    }
    if let Some(branch) = equals("$CI_COMMIT_BRANCH") {
        return vec![("branch".into(), branch.clone(), format!("on branch `{branch}`"), span)];
    }
    if let Some(tag) = equals("$CI_COMMIT_TAG") {
        return vec![("tag".into(), tag.clone(), format!("on tag `{tag}`"), span)];
    }
    if let Some(name) = equals("$CI_COMMIT_REF_NAME") {
        return vec![
            ("branch".into(), name.clone(), format!("on branch `{name}`"), span),
            ("tag".into(), name.clone(), format!("on tag `{name}`"), span),
        ];
    }
    if condition.contains("$CI_COMMIT_TAG") && !condition.contains("$CI_COMMIT_BRANCH") {
        return vec![("tag".into(), "*".into(), "on any tag".into(), span)];
    }
    if condition.contains("$CI_COMMIT_BRANCH") || condition.contains("merge_request_event") {
        return vec![("branch".into(), "*".into(), format!("when `{condition}`"), span)];
    }
    vec![
        ("branch".into(), "*".into(), format!("when `{condition}`"), span),
        ("tag".into(), "*".into(), format!("when `{condition}`"), span),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_in_scripts() {
        let line = "aws sts assume-role-with-web-identity --role-arn \"$ROLE\" --web-identity-token $TOKEN";
        let (value, at, len) = option_value(line, "--role-arn").unwrap();
        assert_eq!(value, "$ROLE");
        assert_eq!(&line[at..at + len], "\"$ROLE\"");
        assert_eq!(
            option_value("x --role-arn=arn:aws:iam::1:role/r", "--role-arn").unwrap().0,
            "arn:aws:iam::1:role/r"
        );
    }

    #[test]
    fn gitlab_rule_conditions() {
        let refs = refs_of_condition("$CI_COMMIT_BRANCH == \"main\"", Span::default());
        assert_eq!((refs[0].0.as_str(), refs[0].1.as_str()), ("branch", "main"));
        assert_eq!(refs_of_condition("$CI_COMMIT_TAG", Span::default())[0].0, "tag");
        assert_eq!(refs_of_condition("$A == \"1\" || $B", Span::default()).len(), 2);
    }
}
