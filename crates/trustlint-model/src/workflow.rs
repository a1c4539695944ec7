//! CI workflows: who may mint an OIDC token (GitHub `permissions`, GitLab `id_tokens`), on which
//! triggers, and which steps request one (oidc-reference.md 1.1, 1.2, 6.1-6.5). Filled by the
//! GitHub Actions and GitLab CI frontends; judged by the `id-token-*` rules,
//! `static-cloud-credentials` and `oidc-missing-audience`.
//!
//! Knowledge about actions (which ones log in with OIDC, which inputs take static keys) is data
//! here, so the frontends only read YAML and the rules only judge.

use std::sync::Arc;

use trustlint_core::{SourceFile, Span};

use crate::trust::CredentialKind;

/// What kind of file a [`Workflow`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowKind {
    /// A GitHub Actions workflow (`.github/workflows/*.yml`), reusable or not.
    GitHubWorkflow,
    /// A GitHub composite action (`action.yml` with `runs.using: composite`): one pseudo-job
    /// holding its steps; it has no permissions of its own (the calling job's apply).
    GitHubCompositeAction,
    /// A GitLab CI pipeline definition (`.gitlab-ci.yml` or a file it includes).
    GitLabPipeline,
}

/// A CI workflow or pipeline definition.
#[derive(Clone, Debug)]
pub struct Workflow {
    pub file: Arc<SourceFile>,
    pub kind: WorkflowKind,
    pub name: Option<String>,
    /// GitHub: the events under `on:` (`workflow_call` makes the workflow reusable). GitLab: empty.
    pub triggers: Vec<Trigger>,
    /// GitHub: the workflow-level `permissions:` block.
    pub permissions: Option<Permissions>,
    /// GitHub: workflow-level `env:`. GitLab: global `variables:`.
    pub env: Vec<EnvVar>,
    /// Jobs that run (GitLab hidden `.templates` are not jobs; their content reaches the jobs that
    /// extend or reference them).
    pub jobs: Vec<Job>,
    /// GitLab `include:` entries: their content is not read, so what they define is Unknown.
    pub includes: Vec<Include>,
    /// How many comments the file holds (a fix that rewrites the file must keep them all).
    pub comments: usize,
}

impl Workflow {
    /// True for `on: workflow_call`: the triggers and permissions then come from the caller.
    pub fn is_reusable(&self) -> bool {
        self.triggers.iter().any(|t| t.event == "workflow_call")
    }

    /// The permissions a job's `GITHUB_TOKEN` really has (6.1): a job-level block replaces the
    /// workflow-level one; with neither, the repository default applies, which never includes
    /// `id-token: write` (or, in a reusable workflow, the caller's permissions).
    pub fn effective_permissions<'a>(&'a self, job: &'a Job) -> Effective<'a> {
        if self.kind != WorkflowKind::GitHubWorkflow {
            return Effective { id_token: Access::Unknown(self.no_permissions_reason()), origin: None };
        }
        let (block, origin) = match (&job.permissions, &self.permissions) {
            (Some(block), _) => (block, PermissionOrigin::Job),
            (None, Some(block)) => (block, PermissionOrigin::Workflow),
            (None, None) if self.is_reusable() => {
                return Effective {
                    id_token: Access::Unknown("the caller's permissions (reusable workflow)".into()),
                    origin: None,
                };
            }
            (None, None) => return Effective { id_token: Access::None, origin: None },
        };
        Effective { id_token: block.set.id_token(), origin: Some((origin, block)) }
    }

    fn no_permissions_reason(&self) -> String {
        match self.kind {
            WorkflowKind::GitHubCompositeAction => "the calling job's permissions (composite action)".into(),
            _ => "not a GitHub workflow".into(),
        }
    }
}

/// One event under `on:`.
#[derive(Clone, Debug)]
pub struct Trigger {
    pub event: String,
    /// The event name as written (a key, a scalar or a list item).
    pub span: Span,
}

impl Trigger {
    /// Events that run with the base repository's privileges for something an outsider (a fork
    /// author, any commenter) started (6.2).
    pub fn runs_outsider_content(&self) -> bool {
        UNTRUSTED_EVENTS.contains(&self.event.as_str())
    }
}

/// Events started by people without write access that still run with the repository's secrets
/// and a write-capable token.
pub const UNTRUSTED_EVENTS: &[&str] =
    &["pull_request_target", "workflow_run", "issue_comment", "issues", "discussion", "discussion_comment"];

/// A `permissions:` block (GitHub).
#[derive(Clone, Debug)]
pub struct Permissions {
    /// The `permissions` key.
    pub key_span: Span,
    /// Its value (`write-all`, the mapping).
    pub value_span: Span,
    pub set: PermissionSet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PermissionSet {
    /// `write-all`: every scope, `id-token` included.
    WriteAll,
    /// `read-all`: every scope read; `id-token` cannot be read, so no token.
    ReadAll,
    /// Listed scopes; unlisted ones are `none`. `{}` lists nothing. `flow` when written `{...}`.
    Scopes { scopes: Vec<Scope>, flow: bool },
    /// Anything else (an expression, a misspelt level): not judged.
    Unknown(String),
}

impl PermissionSet {
    /// The `id-token` access this set grants.
    pub fn id_token(&self) -> Access {
        match self {
            PermissionSet::WriteAll => Access::Write,
            PermissionSet::ReadAll => Access::None,
            PermissionSet::Scopes { scopes, .. } => {
                match scopes.iter().rev().find(|scope| scope.name == "id-token") {
                    Some(scope) => match scope.level.as_str() {
                        "write" => Access::Write,
                        "read" => Access::Read,
                        "none" => Access::None,
                        other => Access::Unknown(format!("`id-token: {other}`")),
                    },
                    None => Access::None,
                }
            }
            PermissionSet::Unknown(why) => Access::Unknown(why.clone()),
        }
    }

    /// The `id-token` scope, when listed.
    pub fn id_token_scope(&self) -> Option<&Scope> {
        match self {
            PermissionSet::Scopes { scopes, .. } => scopes.iter().rev().find(|s| s.name == "id-token"),
            _ => None,
        }
    }
}

/// `contents: read`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub name: String,
    pub name_span: Span,
    pub level: String,
    pub level_span: Span,
}

/// Access to the `id-token` scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    None,
    /// Listed in older docs; it does not allow minting a token.
    Read,
    Write,
    /// Cannot be told from this file, with the reason.
    Unknown(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PermissionOrigin {
    Job,
    Workflow,
}

/// What a job's token may do, and which block says so (`None`: the repository default).
#[derive(Clone, Debug)]
pub struct Effective<'a> {
    pub id_token: Access,
    pub origin: Option<(PermissionOrigin, &'a Permissions)>,
}

impl Effective<'_> {
    /// Where the `id-token` grant is written: the `id-token` key, or `write-all`.
    pub fn grant_span(&self) -> Option<Span> {
        let (_, block) = self.origin?;
        Some(block.set.id_token_scope().map_or(block.value_span, |scope| scope.name_span))
    }
}

/// A value as written, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// Decoded text (quotes removed).
    pub text: String,
    pub span: Span,
    pub origin: Origin,
}

/// Where a CI value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Written in the file.
    Literal,
    /// `${{ secrets.NAME }}`.
    Secret(String),
    /// `${{ vars.NAME }}`, or a GitLab `$NAME` (a CI/CD variable of the project or group).
    Variable(String),
    /// `${{ steps.ID.outputs.X }}`: produced by step `ID` of the same job.
    StepOutput(String),
    /// Any other expression (`inputs.x`, `matrix.key`, `needs.a.outputs.b`, a mix): Unknown.
    Expression(String),
}

impl Origin {
    /// Read a GitHub Actions value from the context references inside its `${{ ... }}`
    /// expressions: a secret anywhere decides first, then a variable, then a step output
    /// (`steps.<id>.outputs.X` is a step output whatever the id says, `steps.get-secrets` too).
    pub fn of_github(text: &str) -> Origin {
        if !text.contains("${{") {
            return Origin::Literal;
        }
        let chains = expression_references(text);
        let find = |root: &str| {
            chains.iter().find(|chain| chain.len() >= 2 && chain[0] == root).map(|chain| chain[1].clone())
        };
        if let Some(name) = find("secrets") {
            return Origin::Secret(name);
        }
        if let Some(name) = find("vars") {
            return Origin::Variable(name);
        }
        if let Some(step) = find("steps") {
            return Origin::StepOutput(step);
        }
        Origin::Expression(text.trim().to_string())
    }

    /// Read a GitLab CI value: a whole `$NAME` / `${NAME}` is a CI/CD variable; other text with
    /// `$` mixes variables in and is Unknown.
    pub fn of_gitlab(text: &str) -> Origin {
        let trimmed = text.trim();
        let name = trimmed
            .strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .or_else(|| trimmed.strip_prefix('$'));
        match name {
            Some(name) if !name.is_empty() && name.chars().all(is_variable_char) => {
                Origin::Variable(name.to_string())
            }
            _ if trimmed.contains('$') => Origin::Expression(trimmed.to_string()),
            _ => Origin::Literal,
        }
    }
}

fn is_variable_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The property chains (`secrets.AWS_KEY` -> `["secrets", "AWS_KEY"]`, `secrets['A-B']`,
/// `steps.get-secrets.outputs.token`) referenced inside the `${{ ... }}` expressions of `text`,
/// in order. String literals are skipped, and a chain starts only at a word boundary, so
/// `github.secrets.x` is the chain `github.secrets.x`, never `secrets.x`.
pub fn expression_references(text: &str) -> Vec<Vec<String>> {
    let mut chains = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("${{") {
        let body_start = open + 3;
        let body_end = rest[body_start..].find("}}").map_or(rest.len(), |at| body_start + at);
        chains.extend(chains_in(&rest[body_start..body_end]));
        rest = &rest[(body_end + 2).min(rest.len())..];
    }
    chains
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The chains in one expression body.
fn chains_in(body: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = body.chars().collect();
    let mut chains = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A string literal; `''` escapes a quote inside it.
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        let boundary = i == 0 || !(is_name_char(chars[i - 1]) || chars[i - 1] == '.');
        if !(boundary && (c.is_ascii_alphabetic() || c == '_')) {
            i += 1;
            continue;
        }
        let mut chain = Vec::new();
        let read_name = |i: &mut usize| {
            let from = *i;
            while *i < chars.len() && is_name_char(chars[*i]) {
                *i += 1;
            }
            chars[from..*i].iter().collect::<String>()
        };
        chain.push(read_name(&mut i));
        loop {
            match chars.get(i) {
                Some('.') if chars.get(i + 1).is_some_and(|c| is_name_char(*c) || *c == '*') => {
                    i += 1;
                    if chars[i] == '*' {
                        chain.push("*".into());
                        i += 1;
                    } else {
                        chain.push(read_name(&mut i));
                    }
                }
                Some('[') => {
                    let quote = chars.get(i + 1).copied().filter(|q| *q == '\'' || *q == '"');
                    let Some(quote) = quote else { break };
                    let from = i + 2;
                    let Some(len) = chars[from..].iter().position(|c| *c == quote) else { break };
                    chain.push(chars[from..from + len].iter().collect());
                    i = from + len + 1;
                    if chars.get(i) == Some(&']') {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        chains.push(chain);
    }
    chains
}

/// `NAME: value` under `env:` (GitHub) or `variables:` (GitLab).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub name_span: Span,
    pub value: Value,
}

/// `environment:` of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// `None` when the name is an expression (`${{ matrix.env }}`, `$CI_ENVIRONMENT`).
    pub name: Option<String>,
    pub span: Span,
}

/// A job (GitHub) or a job after `extends`, `!reference` and `default:` are applied (GitLab).
#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    /// The job's key.
    pub id_span: Span,
    /// The job's value.
    pub span: Span,
    pub name: Option<String>,
    /// GitHub: the job-level `permissions:` block.
    pub permissions: Option<Permissions>,
    pub environment: Option<Environment>,
    /// GitHub: the job-level `if:` condition, which may keep outsiders out.
    pub condition: Option<Value>,
    /// `strategy.matrix` (GitHub) or `parallel.matrix` (GitLab).
    pub matrix: bool,
    /// GitHub: job `env:`. GitLab: job `variables:` (own and from templates).
    pub env: Vec<EnvVar>,
    pub steps: Vec<Step>,
    /// GitHub: a job that calls a reusable workflow (`uses:` at job level).
    pub call: Option<WorkflowCall>,
    /// Steps (or GitLab `id_tokens`) that obtain an OIDC token.
    pub token_requests: Vec<TokenRequest>,
    /// Steps that bring code or artifacts an outsider controls into a privileged job (6.2).
    pub untrusted_content: Vec<Evidence>,
    /// GitLab: `id_tokens:`.
    pub id_tokens: Vec<IdToken>,
    /// GitLab: `secrets:` fetched from an external manager.
    pub secrets: Vec<ExternalSecret>,
    /// GitLab: `before_script`, `script` and `after_script` lines.
    pub scripts: Vec<Value>,
    /// GitLab: the `rules:`/`only:` entry that runs the job in merge-request pipelines.
    pub merge_request_pipelines: Option<Span>,
    /// GitLab: the job's `rules:` (else `only:`) after `extends` and `!reference`, as the key
    /// and its YAML, for readers that need the refs it runs on (the trust chain).
    pub run_filter: Option<(String, trustlint_syntax::Node)>,
    /// What could not be read (an `extends` or `!reference` to a file not in view).
    pub unresolved: Vec<String>,
}

impl Job {
    /// An empty job, for frontends to fill.
    pub fn new(id: impl Into<String>, id_span: Span, span: Span) -> Job {
        Job {
            id: id.into(),
            id_span,
            span,
            name: None,
            permissions: None,
            environment: None,
            condition: None,
            matrix: false,
            env: Vec::new(),
            steps: Vec::new(),
            call: None,
            token_requests: Vec::new(),
            untrusted_content: Vec::new(),
            id_tokens: Vec::new(),
            secrets: Vec::new(),
            scripts: Vec::new(),
            merge_request_pipelines: None,
            run_filter: None,
            unresolved: Vec::new(),
        }
    }

    /// Whether the job needs an OIDC token.
    pub fn token_need(&self) -> TokenNeed<'_> {
        if !self.token_requests.is_empty() {
            return TokenNeed::Requests(&self.token_requests);
        }
        let mut unseen: Vec<String> = self.unresolved.clone();
        for step in &self.steps {
            if let Some(action) = &step.uses
                && !action.never_requests_token()
            {
                unseen.push(match &action.kind {
                    ActionKind::Local(path) => format!("local action `{path}`"),
                    ActionKind::Docker(image) => format!("container action `{image}`"),
                    ActionKind::Remote { .. } => format!("`{}`", action.name()),
                });
            }
        }
        if unseen.is_empty() { TokenNeed::None } else { TokenNeed::Unknown(unseen) }
    }

    /// The step with `id: name`.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.id.as_deref() == Some(id))
    }
}

/// Whether a job requests an OIDC token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenNeed<'a> {
    Requests(&'a [TokenRequest]),
    /// No request seen, but these steps could make one and cannot be looked into.
    Unknown(Vec<String>),
    None,
}

/// A GitHub step.
#[derive(Clone, Debug)]
pub struct Step {
    pub span: Span,
    pub id: Option<String>,
    pub name: Option<String>,
    pub uses: Option<ActionRef>,
    pub with: Vec<Input>,
    pub env: Vec<EnvVar>,
    pub run: Option<Value>,
}

impl Step {
    /// The `with:` input `name` (input names are case-insensitive on GitHub).
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.with.iter().rev().find(|input| input.name.eq_ignore_ascii_case(name))
    }

    /// A short label: `step \`login\``, `step 3 (aws-actions/configure-aws-credentials)`.
    pub fn label(&self, index: usize) -> String {
        match (&self.id, &self.name, &self.uses) {
            (Some(id), _, _) => format!("step `{id}`"),
            (None, Some(name), _) => format!("step \"{name}\""),
            (None, None, Some(uses)) => format!("step {} ({})", index + 1, uses.name()),
            (None, None, None) => format!("step {}", index + 1),
        }
    }

    /// The step's `id`, else its `name`, else its position: `step \`login\``, `step 3`.
    pub fn short_label(&self, index: usize) -> String {
        match (&self.id, &self.name) {
            (Some(id), _) => format!("step `{id}`"),
            (None, Some(name)) => format!("step \"{name}\""),
            (None, None) => format!("step {}", index + 1),
        }
    }

    /// True when this step is a known OIDC login, so its outputs are short-lived credentials.
    pub fn is_oidc_login(&self) -> bool {
        self.uses.as_ref().is_some_and(|action| login_request(action, self).is_some())
    }

    /// True when this step's outputs are short-lived credentials: an OIDC login, or an action
    /// whose outputs always come from an exchange made for this run ([`KnownAction::short_lived_outputs`]).
    pub fn outputs_are_short_lived(&self) -> bool {
        self.is_oidc_login()
            || self.uses.as_ref().and_then(ActionRef::known).is_some_and(|known| known.short_lived_outputs)
    }
}

/// `with:` input of a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub name_span: Span,
    pub value: Value,
}

/// `uses:` of a step: `owner/repo[/path]@ref`, `./local/path` or `docker://image`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRef {
    pub raw: String,
    pub span: Span,
    pub kind: ActionKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// `owner/repo` lowercased (GitHub names are case-insensitive), an optional sub-path.
    Remote {
        repo: String,
        path: Option<String>,
        git_ref: Option<String>,
    },
    Local(String),
    Docker(String),
}

impl ActionRef {
    pub fn parse(raw: &str, span: Span) -> ActionRef {
        let text = raw.trim();
        let kind = if let Some(image) = text.strip_prefix("docker://") {
            ActionKind::Docker(image.to_string())
        } else if text.starts_with("./") || text.starts_with("../") || text.starts_with('/') {
            ActionKind::Local(text.to_string())
        } else {
            let (name, git_ref) = match text.split_once('@') {
                Some((name, git_ref)) => (name, Some(git_ref.to_string())),
                None => (text, None),
            };
            let mut parts = name.splitn(3, '/');
            let owner = parts.next().unwrap_or("");
            let repo = parts.next().unwrap_or("");
            let path = parts.next().filter(|p| !p.is_empty()).map(str::to_string);
            ActionKind::Remote { repo: format!("{owner}/{repo}").to_ascii_lowercase(), path, git_ref }
        };
        ActionRef { raw: text.to_string(), span, kind }
    }

    /// `owner/repo[/path]` without the ref, lowercased; the raw text for local and docker actions.
    pub fn name(&self) -> String {
        match &self.kind {
            ActionKind::Remote { repo, path: Some(path), .. } => {
                format!("{repo}/{}", path.to_ascii_lowercase())
            }
            ActionKind::Remote { repo, path: None, .. } => repo.clone(),
            ActionKind::Local(path) | ActionKind::Docker(path) => path.clone(),
        }
    }

    /// `owner/repo` for remote actions.
    pub fn repo(&self) -> Option<&str> {
        match &self.kind {
            ActionKind::Remote { repo, .. } => Some(repo),
            _ => None,
        }
    }

    /// The entry of [`KNOWN_ACTIONS`] for this action, if any (sub-paths of a listed action, such
    /// as `gradle/actions/setup-gradle`, share its entry).
    pub fn known(&self) -> Option<&'static KnownAction> {
        let name = self.name();
        KNOWN_ACTIONS.iter().find(|known| {
            name == known.name || (name.starts_with(known.name) && name[known.name.len()..].starts_with('/'))
        })
    }

    /// True for actions known never to request an OIDC token themselves: the table says so
    /// ([`TokenUse::Never`]), the action is an input-dependent login (used without its OIDC
    /// inputs it requests nothing; with them, the step is already a token request), or it belongs
    /// to an owner in [`NO_TOKEN_OWNERS`]. Other unknown actions may request one.
    pub fn never_requests_token(&self) -> bool {
        if let Some(known) = self.known() {
            return !matches!(known.token, TokenUse::Always);
        }
        let name = self.name();
        let owner = name.split('/').next().unwrap_or("");
        matches!(self.kind, ActionKind::Remote { .. }) && NO_TOKEN_OWNERS.contains(&owner)
    }
}

/// What a well-known action does with the job's OIDC token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUse {
    /// Never requests a token itself (it may consume credentials another step produced).
    Never,
    /// Requests a token whatever its inputs.
    Always,
    /// Requests a token when every test holds (a cloud login given its OIDC inputs).
    When(&'static [InputTest]),
}

/// A test on a step's `with:` inputs (names compare case-insensitively, as GitHub does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputTest {
    /// Given, with a non-empty value.
    Given(&'static str),
    /// Absent or empty.
    Absent(&'static str),
    /// Given with this value (case-insensitive).
    Equals(&'static str, &'static str),
    /// Absent, or given with another value.
    NotEquals(&'static str, &'static str),
}

impl InputTest {
    fn holds(&self, step: &Step) -> bool {
        let value = |name: &str| {
            step.input(name)
                .map(|input| input.value.text.trim().to_ascii_lowercase())
                .filter(|v| !v.is_empty())
        };
        match *self {
            InputTest::Given(name) => value(name).is_some(),
            InputTest::Absent(name) => value(name).is_none(),
            InputTest::Equals(name, expected) => value(name).as_deref() == Some(expected),
            InputTest::NotEquals(name, other) => value(name).as_deref() != Some(other),
        }
    }
}

/// A well-known action: whether it requests an OIDC token, which inputs take a long-lived
/// credential, and, for cloud logins, which inputs name the identity it becomes.
#[derive(Clone, Debug)]
pub struct KnownAction {
    /// `owner/repo[/path]`, lowercased.
    pub name: &'static str,
    pub token: TokenUse,
    /// Inputs that take a long-lived credential instead of the OIDC token (6.3).
    pub static_inputs: &'static [StaticInput],
    /// The relying party a login exchanges the token with, and the inputs naming the target
    /// identity (a role ARN, a workload identity provider and service account, an Azure client):
    /// what links a workflow's login to the trust that must accept it.
    pub login: Option<LoginTarget>,
    /// Its outputs are credentials from an OIDC exchange made for this run (short-lived), not a
    /// stored credential passed through.
    pub short_lived_outputs: bool,
}

/// What a login action exchanges the token for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginTarget {
    /// "AWS", "Google Cloud", "Azure", "Vault", "Pulumi Cloud", ...
    pub relying_party: &'static str,
    /// Inputs naming the identity, most specific first.
    pub identity_inputs: &'static [&'static str],
    /// The input setting the token's audience, when the action lets the caller choose it.
    pub audience_input: Option<&'static str>,
}

/// A static-credential input of a known login action (6.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticInput {
    pub input: &'static str,
    pub kind: CredentialKind,
    /// The OIDC replacement, for the help line.
    pub replacement: &'static str,
}

const AWS_REPLACEMENT: &str = "Use `role-to-assume` with a role that trusts this repository's OIDC tokens, grant `id-token: write` to this job, and remove `aws-access-key-id`/`aws-secret-access-key`.";
const GCP_REPLACEMENT: &str = "Use `workload_identity_provider` (and `service_account`, or direct Workload Identity Federation) with `id-token: write`, and remove `credentials_json`.";
const AZURE_REPLACEMENT: &str = "Use `client-id`, `tenant-id` and `subscription-id` with a federated identity credential and `id-token: write`, and remove `creds`.";

const fn never(name: &'static str) -> KnownAction {
    KnownAction { name, token: TokenUse::Never, static_inputs: &[], login: None, short_lived_outputs: false }
}

const fn always(name: &'static str) -> KnownAction {
    KnownAction { name, token: TokenUse::Always, static_inputs: &[], login: None, short_lived_outputs: false }
}

/// The one table of what well-known GitHub actions do with OIDC tokens (oidc-reference.md 6.1,
/// 6.3). The frontends read it to find token requests and static-key inputs, the `id-token-*`
/// rules to tell which jobs need `id-token: write`, and workflow-to-trust linking to find the
/// identity a login targets. An action not listed here (and not under [`NO_TOKEN_OWNERS`]) is
/// unknown: it may request a token.
///
/// Notes on entries that are easy to get wrong: `pulumi/actions` runs the Pulumi CLI with
/// whatever `PULUMI_ACCESS_TOKEN` it is given and never requests a token (the exchange is
/// `pulumi/auth-actions`); `aws-actions/amazon-ecr-login` uses credentials an earlier step set.
pub const KNOWN_ACTIONS: &[KnownAction] = &[
    // Cloud and secret-manager logins: OIDC with their identity inputs, static keys otherwise.
    KnownAction {
        name: "aws-actions/configure-aws-credentials",
        token: TokenUse::When(&[
            InputTest::Given("role-to-assume"),
            InputTest::Absent("aws-access-key-id"),
            InputTest::Absent("web-identity-token-file"),
        ]),
        static_inputs: &[
            StaticInput {
                input: "aws-access-key-id",
                kind: CredentialKind::AwsAccessKey,
                replacement: AWS_REPLACEMENT,
            },
            StaticInput {
                input: "aws-secret-access-key",
                kind: CredentialKind::AwsAccessKey,
                replacement: AWS_REPLACEMENT,
            },
        ],
        login: Some(LoginTarget {
            relying_party: "AWS",
            identity_inputs: &["role-to-assume"],
            audience_input: Some("audience"),
        }),
        short_lived_outputs: true,
    },
    KnownAction {
        name: "google-github-actions/auth",
        token: TokenUse::When(&[
            InputTest::Given("workload_identity_provider"),
            InputTest::Absent("credentials_json"),
        ]),
        static_inputs: &[StaticInput {
            input: "credentials_json",
            kind: CredentialKind::GcpServiceAccountKey,
            replacement: GCP_REPLACEMENT,
        }],
        login: Some(LoginTarget {
            relying_party: "Google Cloud",
            identity_inputs: &["workload_identity_provider", "service_account"],
            audience_input: Some("audience"),
        }),
        short_lived_outputs: true,
    },
    KnownAction {
        name: "azure/login",
        token: TokenUse::When(&[
            InputTest::Given("client-id"),
            InputTest::NotEquals("auth-type", "identity"),
        ]),
        static_inputs: &[StaticInput {
            input: "creds",
            kind: CredentialKind::AzureClientSecret,
            replacement: AZURE_REPLACEMENT,
        }],
        login: Some(LoginTarget {
            relying_party: "Azure",
            identity_inputs: &["client-id", "tenant-id", "subscription-id"],
            audience_input: Some("audience"),
        }),
        short_lived_outputs: false,
    },
    KnownAction {
        name: "hashicorp/vault-action",
        token: TokenUse::When(&[InputTest::Equals("method", "jwt"), InputTest::Absent("jwttoken")]),
        static_inputs: &[],
        login: Some(LoginTarget {
            relying_party: "Vault",
            identity_inputs: &["role", "url"],
            audience_input: Some("jwtGithubAudience"),
        }),
        short_lived_outputs: false,
    },
    KnownAction {
        name: "pulumi/auth-actions",
        token: TokenUse::Always,
        static_inputs: &[],
        login: Some(LoginTarget {
            relying_party: "Pulumi Cloud",
            identity_inputs: &["organization", "requested-token-type", "scope"],
            audience_input: None,
        }),
        short_lived_outputs: true,
    },
    KnownAction {
        name: "pulumi/esc-action",
        token: TokenUse::When(&[InputTest::Equals("oidc-auth", "true")]),
        static_inputs: &[],
        login: Some(LoginTarget {
            relying_party: "Pulumi Cloud",
            identity_inputs: &["oidc-organization", "environment"],
            audience_input: None,
        }),
        // The values of an ESC environment opened for this run; its cloud logins are exchanges,
        // and static values stored in it are judged where the environment is defined.
        short_lived_outputs: true,
    },
    KnownAction {
        name: "octo-sts/action",
        token: TokenUse::Always,
        static_inputs: &[],
        login: Some(LoginTarget {
            relying_party: "Octo STS",
            identity_inputs: &["scope", "identity"],
            audience_input: None,
        }),
        short_lived_outputs: true,
    },
    // Publishing and signing with the token (trusted publishing, keyless signing, attestations).
    KnownAction {
        name: "pypa/gh-action-pypi-publish",
        token: TokenUse::When(&[InputTest::Absent("password")]),
        static_inputs: &[],
        login: None,
        short_lived_outputs: false,
    },
    KnownAction {
        name: "codecov/codecov-action",
        token: TokenUse::When(&[InputTest::Equals("use_oidc", "true")]),
        static_inputs: &[],
        login: None,
        short_lived_outputs: false,
    },
    always("actions/deploy-pages"),
    always("actions/attest"),
    always("actions/attest-build-provenance"),
    always("actions/attest-sbom"),
    always("sigstore/gh-action-sigstore-python"),
    always("rubygems/release-gem"),
    always("rubygems/configure-rubygems-credentials"),
    always("rust-lang/crates-io-auth-action"),
    // Never request a token: toolchains, caches, linters, and tools that use credentials an
    // earlier step produced.
    never("pulumi/actions"),
    never("pulumi/setup-pulumi"),
    never("aws-actions/amazon-ecr-login"),
    never("aws-actions/amazon-ecs-deploy-task-definition"),
    never("aws-actions/amazon-ecs-render-task-definition"),
    never("google-github-actions/setup-gcloud"),
    never("google-github-actions/get-gke-credentials"),
    never("google-github-actions/deploy-cloudrun"),
    never("azure/setup-kubectl"),
    never("azure/setup-helm"),
    never("hashicorp/setup-terraform"),
    never("dtolnay/rust-toolchain"),
    never("swatinem/rust-cache"),
    never("taiki-e/install-action"),
    never("pnpm/action-setup"),
    never("astral-sh/setup-uv"),
    never("ruby/setup-ruby"),
    never("softprops/action-gh-release"),
    never("peter-evans/create-pull-request"),
    never("golangci/golangci-lint-action"),
    never("gradle/actions"),
    never("jdx/mise-action"),
];

/// Owners whose actions never request an OIDC token unless [`KNOWN_ACTIONS`] says otherwise
/// (`actions/deploy-pages` and the attestation actions do): GitHub's own toolchain, checkout,
/// cache, artifact and container-build actions.
pub const NO_TOKEN_OWNERS: &[&str] = &["actions", "docker", "github"];

/// Why and how a job obtains an OIDC token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// The step, script line, job-level `uses:` or `id_tokens` entry.
    pub span: Span,
    pub kind: TokenRequestKind,
    /// "aws-actions/configure-aws-credentials with `role-to-assume`".
    pub what: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRequestKind {
    /// A login or publishing action known to exchange the token.
    Action,
    /// `ACTIONS_ID_TOKEN_REQUEST_*`, `core.getIDToken` or a tool that reads them in a script.
    Script,
    /// A called reusable workflow, which may request one with the caller's permissions.
    ReusableWorkflow,
    /// A GitLab `id_tokens` entry: the token is minted for the job whether or not it is used.
    GitLabIdToken,
}

/// The token request a step makes, if it is a known OIDC login or token consumer.
pub fn login_request(action: &ActionRef, step: &Step) -> Option<TokenRequest> {
    let known = action.known()?;
    let requests = match known.token {
        TokenUse::Never => false,
        TokenUse::Always => true,
        TokenUse::When(tests) => tests.iter().all(|test| test.holds(step)),
    };
    if !requests {
        return None;
    }
    let name = action.name();
    let what = match known.token {
        TokenUse::When(tests) => match tests.first() {
            Some(InputTest::Given(input)) => format!("{name} with `{input}`"),
            Some(InputTest::Equals(input, value)) => format!("{name} with `{input}: {value}`"),
            Some(InputTest::Absent(_)) => format!("{name} (trusted publishing)"),
            _ => name,
        },
        _ => name,
    };
    Some(TokenRequest { span: step.span, kind: TokenRequestKind::Action, what })
}

/// Text (a `run:` script, a `github-script` body) that requests a token: returns what it uses.
pub fn script_requests_token(text: &str) -> Option<&'static str> {
    const MARKERS: &[(&str, &str)] = &[
        ("ACTIONS_ID_TOKEN_REQUEST_URL", "`ACTIONS_ID_TOKEN_REQUEST_URL`"),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "`ACTIONS_ID_TOKEN_REQUEST_TOKEN`"),
        ("getIDToken", "`core.getIDToken`"),
        ("npm publish", "`npm publish` (provenance or trusted publishing)"),
        ("pnpm publish", "`pnpm publish` (provenance or trusted publishing)"),
        ("uv publish", "`uv publish` (trusted publishing)"),
        ("cosign sign", "`cosign sign` (keyless signing)"),
        ("cosign attest", "`cosign attest` (keyless signing)"),
    ];
    MARKERS.iter().find(|(marker, _)| text.contains(marker)).map(|(_, what)| *what)
}

/// The inputs of `action` that take a long-lived credential.
pub fn static_inputs(action: &ActionRef) -> Vec<StaticInput> {
    action.known().map(|known| known.static_inputs.to_vec()).unwrap_or_default()
}
/// A long-lived credential environment variable (6.3, 5.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialVariable {
    pub name: &'static str,
    pub kind: CredentialKind,
    /// True when the variable holds the secret half (not an identifier such as a key ID).
    pub secret: bool,
    /// Only a credential when its value comes from a secret (`GOOGLE_APPLICATION_CREDENTIALS`
    /// is usually a file path).
    pub only_from_secret: bool,
    pub github_replacement: &'static str,
    pub gitlab_replacement: &'static str,
}

/// The environment variables that carry a long-lived cloud credential.
pub fn credential_variable(name: &str) -> Option<CredentialVariable> {
    const AWS_GH: &str = "Log in with aws-actions/configure-aws-credentials and `role-to-assume` (with `id-token: write`) instead of setting static keys.";
    const AWS_GL: &str = "Declare `id_tokens: {AWS_ID_TOKEN: {aud: sts.amazonaws.com}}` and exchange it with `aws sts assume-role-with-web-identity` instead of static keys.";
    const GCP_GH: &str = "Log in with google-github-actions/auth and `workload_identity_provider` (with `id-token: write`) instead of a service-account key.";
    const GCP_GL: &str = "Declare an `id_tokens` entry whose `aud` is your workload identity provider and log in with a credential configuration file instead of a service-account key.";
    const AZ_GH: &str = "Log in with azure/login and `client-id` (a federated identity credential, `id-token: write`) instead of a client secret.";
    const AZ_GL: &str = "Declare `id_tokens: {AZURE_ID_TOKEN: {aud: api://AzureADTokenExchange}}` and log in with a federated identity credential (`az login --federated-token`) instead of a client secret.";
    const PULUMI_GH: &str = "Exchange the job's OIDC token with pulumi/auth-actions (`id-token: write`) instead of a static `PULUMI_ACCESS_TOKEN`.";
    const PULUMI_GL: &str = "Declare `id_tokens: {PULUMI_ID_TOKEN: {aud: \"urn:pulumi:org:ORG\"}}` and log in with `pulumi login --oidc-token \"$PULUMI_ID_TOKEN\" --oidc-org ORG` instead of a static `PULUMI_ACCESS_TOKEN`.";
    let (name, kind, secret, only_from_secret, github, gitlab) = match name {
        "AWS_ACCESS_KEY_ID" => {
            ("AWS_ACCESS_KEY_ID", CredentialKind::AwsAccessKey, false, false, AWS_GH, AWS_GL)
        }
        "AWS_SECRET_ACCESS_KEY" => {
            ("AWS_SECRET_ACCESS_KEY", CredentialKind::AwsAccessKey, true, false, AWS_GH, AWS_GL)
        }
        "GOOGLE_CREDENTIALS" => {
            ("GOOGLE_CREDENTIALS", CredentialKind::GcpServiceAccountKey, true, false, GCP_GH, GCP_GL)
        }
        "GOOGLE_APPLICATION_CREDENTIALS" => (
            "GOOGLE_APPLICATION_CREDENTIALS",
            CredentialKind::GcpServiceAccountKey,
            true,
            true,
            GCP_GH,
            GCP_GL,
        ),
        "ARM_CLIENT_SECRET" => {
            ("ARM_CLIENT_SECRET", CredentialKind::AzureClientSecret, true, false, AZ_GH, AZ_GL)
        }
        "AZURE_CLIENT_SECRET" => {
            ("AZURE_CLIENT_SECRET", CredentialKind::AzureClientSecret, true, false, AZ_GH, AZ_GL)
        }
        "PULUMI_ACCESS_TOKEN" => {
            ("PULUMI_ACCESS_TOKEN", CredentialKind::PulumiAccessToken, true, false, PULUMI_GH, PULUMI_GL)
        }
        _ => return None,
    };
    Some(CredentialVariable {
        name,
        kind,
        secret,
        only_from_secret,
        github_replacement: github,
        gitlab_replacement: gitlab,
    })
}

/// Literal values that are placeholders, not credentials: empty, very short (`test` for
/// LocalStack and moto), AWS's documented examples, YAML keywords in any spelling, or text
/// written to be replaced (`REPLACE_WITH_...`, `<your-token>`, `changeme`, `xxxx`, `${VAR}`).
pub fn is_placeholder_literal(text: &str) -> bool {
    let text = text.trim();
    text.chars().count() < 8
        || text.contains("EXAMPLE")
        || text.eq_ignore_ascii_case("localstack")
        || crate::config_key::is_reference_or_placeholder(text)
}

/// A credential variable or AWS CLI setting given a value in script or profile text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialAssignment<'a> {
    pub variable: CredentialVariable,
    /// Byte range of the name as written in the text.
    pub name_at: usize,
    pub name_len: usize,
    /// The value as written, quotes removed (`$AWS_KEY`, `${{ secrets.KEY }}`, `$(aws ...)`).
    pub value: &'a str,
}

/// Credentials given a value in shell or profile text: `export AWS_ACCESS_KEY_ID=$KEY`,
/// `AWS_SECRET_ACCESS_KEY="${{ secrets.S }}" terraform apply`, `aws configure set
/// aws_secret_access_key "$S"`, and `aws_access_key_id = ...` in a credentials-file profile. A
/// `$AWS_ACCESS_KEY_ID` reference is a read, not an assignment.
pub fn credential_assignments(text: &str) -> Vec<CredentialAssignment<'_>> {
    const NAMES: &[&str] = &[
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "GOOGLE_CREDENTIALS",
        "ARM_CLIENT_SECRET",
        "AZURE_CLIENT_SECRET",
        "PULUMI_ACCESS_TOKEN",
    ];
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for name in NAMES {
        let Some(variable) = credential_variable(name) else { continue };
        let needle = name.to_ascii_lowercase();
        for (at, _) in lower.match_indices(&needle) {
            let end = at + needle.len();
            let before = text[..at].chars().next_back();
            let after = text[end..].chars().next();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '{' | '-'))
                || after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            // A profile-qualified AWS CLI setting (`profile.prod.aws_access_key_id`) follows a dot.
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_head = &lower[line_start..at];
            let configure = line_head.contains("configure set");
            if before == Some('.') && !configure {
                continue;
            }
            let rest = &text[end..];
            let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let value_text = if rest[spaces..].starts_with('=') && !rest[spaces..].starts_with("==") {
                rest[spaces + 1..].trim_start_matches([' ', '\t'])
            } else if configure && spaces > 0 {
                &rest[spaces..]
            } else {
                continue;
            };
            let value = value_token(value_text);
            if value.is_empty() {
                continue;
            }
            out.push(CredentialAssignment {
                variable: variable.clone(),
                name_at: at,
                name_len: needle.len(),
                value,
            });
        }
    }
    out.sort_by_key(|a| a.name_at);
    out
}

/// The shell word at the start of `text`, quotes removed; a `${{ ... }}` expression is one word.
fn value_token(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix('"') {
        return &rest[..rest.find('"').unwrap_or(rest.len())];
    }
    if let Some(rest) = text.strip_prefix('\'') {
        return &rest[..rest.find('\'').unwrap_or(rest.len())];
    }
    if text.starts_with("${{") {
        return text.find("}}").map_or(text, |at| &text[..at + 2]);
    }
    if text.starts_with("$(") {
        return text.find(')').map_or(text, |at| &text[..at + 1]);
    }
    let end =
        text.find(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')')).unwrap_or(text.len());
    &text[..end]
}

/// The variable a whole-value shell reference names (`$KEY`, `${KEY}`), if the value is one.
pub fn shell_reference(value: &str) -> Option<&str> {
    let value = value.trim();
    let name = value
        .strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
        .or_else(|| value.strip_prefix('$'))?;
    (!name.is_empty() && name.chars().all(is_variable_char)).then_some(name)
}

/// A job-level `uses:` calling a reusable workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowCall {
    pub target: String,
    pub span: Span,
    /// `secrets: inherit`: every secret of the caller is passed on.
    pub secrets_inherit: Option<Span>,
}

/// Something seen in a job that brings outsider-controlled code or data in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub span: Span,
    /// "checks out `${{ github.event.pull_request.head.sha }}`".
    pub what: String,
}

/// A job condition that gates on who started the run or where the code comes from (an
/// `author_association` check, a same-repository check, a named actor), which can keep outsiders
/// out; conditions on the event's content (a comment's text, a run's conclusion) cannot.
pub fn condition_gates_outsiders(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "author_association",
        "head.repo.full_name",
        "head.repo.fork",
        "head_repository.full_name",
        "github.actor",
        "github.triggering_actor",
        "sender.login",
    ];
    MARKERS.iter().any(|marker| text.contains(marker))
}

/// Text that names pull-request-controlled code or the triggering run's content (6.2).
pub fn names_untrusted_ref(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "github.event.pull_request.head.",
        "github.head_ref",
        "github.event.workflow_run.head_",
        "github.event.issue.pull_request",
        "refs/pull/",
        "pull/${{",
        "merge_commit_sha",
        "head.repo.full_name",
    ];
    MARKERS.iter().any(|marker| text.contains(marker))
}

/// Commands that fetch a pull request's code or another run's artifacts.
pub fn script_fetches_untrusted(text: &str) -> Option<&'static str> {
    const MARKERS: &[(&str, &str)] = &[
        ("gh pr checkout", "runs `gh pr checkout`"),
        ("gh run download", "downloads artifacts with `gh run download`"),
        ("pull/", "fetches a pull request ref"),
    ];
    MARKERS.iter().find(|(marker, _)| text.contains(marker)).map(|(_, what)| *what)
}

/// A GitLab `id_tokens` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdToken {
    /// The CI variable that receives the token.
    pub name: String,
    pub name_span: Span,
    /// `aud` values (a string or a list); empty when `aud` is missing.
    pub audiences: Vec<Value>,
    /// The `aud` key, when written.
    pub aud_span: Option<Span>,
}

/// The audience is the GitLab instance URL (`https://gitlab.com`, `$CI_SERVER_URL`): every
/// project on the instance can request it. `Some(true)` when certain, `Some(false)` when the
/// value only looks like an instance URL (a bare `https://gitlab.<domain>`).
pub fn is_instance_audience(value: &Value) -> Option<bool> {
    if let Origin::Variable(name) = &value.origin {
        return matches!(name.as_str(), "CI_SERVER_URL" | "CI_SERVER_HOST").then_some(true);
    }
    let text = value.text.trim().trim_end_matches('/').to_ascii_lowercase();
    let host = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).unwrap_or(&text);
    if host == "gitlab.com" {
        return Some(true);
    }
    (host.starts_with("gitlab.") && !host.contains('/') && host.contains('.')).then_some(false)
}

/// A GitLab `secrets:` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalSecret {
    pub name: String,
    pub name_span: Span,
    /// `vault`, `azure_key_vault`, `gcp_secret_manager`, `akeyless`, or `unknown`.
    pub provider: String,
    /// `token: $ID_TOKEN`: the `id_tokens` entry used to authenticate.
    pub token: Option<String>,
}

/// A GitLab `include:` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// `local`, `project`, `remote`, `template` or `component`.
    pub kind: String,
    pub target: String,
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, origin: Origin) -> Value {
        Value { text: text.into(), span: Span::default(), origin }
    }

    fn scope(name: &str, level: &str) -> Scope {
        Scope {
            name: name.into(),
            name_span: Span::default(),
            level: level.into(),
            level_span: Span::default(),
        }
    }

    fn permissions(set: PermissionSet) -> Permissions {
        Permissions { key_span: Span::new(0, 11), value_span: Span::new(13, 20), set }
    }

    fn workflow(permissions: Option<Permissions>, triggers: &[&str]) -> Workflow {
        Workflow {
            file: SourceFile::new("w.yml", ""),
            kind: WorkflowKind::GitHubWorkflow,
            name: None,
            triggers: triggers
                .iter()
                .map(|event| Trigger { event: event.to_string(), span: Span::default() })
                .collect(),
            permissions,
            env: Vec::new(),
            jobs: Vec::new(),
            includes: Vec::new(),
            comments: 0,
        }
    }

    #[test]
    fn github_value_origins() {
        let cases = [
            ("plain", Origin::Literal),
            ("${{ secrets.AWS_KEY }}", Origin::Secret("AWS_KEY".into())),
            ("${{secrets['AWS-KEY']}}", Origin::Secret("AWS-KEY".into())),
            ("${{ secrets.A || secrets.B }}", Origin::Secret("A".into())),
            ("${{ vars.ROLE }}", Origin::Variable("ROLE".into())),
            ("${{ steps.login.outputs.aws-access-key-id }}", Origin::StepOutput("login".into())),
            ("${{ matrix.key }}", Origin::Expression("${{ matrix.key }}".into())),
            ("${{ github.secrets.x }}", Origin::Expression("${{ github.secrets.x }}".into())),
            // A step output whatever its id says.
            ("${{ steps.get-secrets.outputs.token }}", Origin::StepOutput("get-secrets".into())),
            ("${{ steps.secrets.outputs.token }}", Origin::StepOutput("secrets".into())),
            ("${{ steps['load-secrets'].outputs.key }}", Origin::StepOutput("load-secrets".into())),
            // Text inside a string literal is not a reference.
            (
                "${{ format('secrets.{0}', matrix.x) }}",
                Origin::Expression("${{ format('secrets.{0}', matrix.x) }}".into()),
            ),
            ("a ${{ steps.s.outputs.k }} b ${{ secrets.K }}", Origin::Secret("K".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(Origin::of_github(text), expected, "{text}");
        }
    }

    #[test]
    fn credential_assignments_in_scripts_and_profiles() {
        let found = |text: &str| -> Vec<(&'static str, String)> {
            credential_assignments(text).into_iter().map(|a| (a.variable.name, a.value.to_string())).collect()
        };
        assert_eq!(found("export AWS_ACCESS_KEY_ID=$KEY"), [("AWS_ACCESS_KEY_ID", "$KEY".to_string())]);
        assert_eq!(
            found("aws configure set aws_secret_access_key \"${SECRET}\" && aws s3 ls"),
            [("AWS_SECRET_ACCESS_KEY", "${SECRET}".to_string())]
        );
        assert_eq!(
            found("aws configure set profile.prod.aws_access_key_id $K"),
            [("AWS_ACCESS_KEY_ID", "$K".to_string())]
        );
        assert_eq!(
            found("[default]\naws_access_key_id = ${{ secrets.K }}\nregion=us-east-1"),
            [("AWS_ACCESS_KEY_ID", "${{ secrets.K }}".to_string())]
        );
        assert_eq!(
            found("PULUMI_ACCESS_TOKEN=$T pulumi up; export AWS_SECRET_ACCESS_KEY=$(vault read -field=sk x)"),
            [
                ("PULUMI_ACCESS_TOKEN", "$T".to_string()),
                ("AWS_SECRET_ACCESS_KEY", "$(vault read -field=sk x)".to_string())
            ]
        );
        // Reads, comparisons and other names are not assignments.
        assert!(found("echo $AWS_ACCESS_KEY_ID; test \"$AWS_SECRET_ACCESS_KEY\" == x").is_empty());
        assert!(found("MY_AWS_ACCESS_KEY_ID=1 AWS_ACCESS_KEY_ID_FILE=/x").is_empty());
        assert!(found("if [ AWS_ACCESS_KEY_ID == x ]; then :; fi").is_empty());
        assert_eq!(shell_reference("${KEY}"), Some("KEY"));
        assert_eq!(shell_reference("$KEY-suffix"), None);
    }

    #[test]
    fn one_table_says_which_actions_request_tokens() {
        let action = |name: &str| ActionRef::parse(name, Span::default());
        // `pulumi/actions` runs the CLI with the token it is given; the exchange is auth-actions.
        assert!(action("pulumi/actions@v6").never_requests_token());
        assert!(!action("pulumi/auth-actions@v1").never_requests_token());
        assert!(action("gradle/actions/setup-gradle@v4").never_requests_token());
        assert!(!action("example-org/deploy@v1").never_requests_token());
        assert!(!action("./.github/actions/deploy").never_requests_token());
        // Each entry once; login targets name their identity inputs.
        for (i, known) in KNOWN_ACTIONS.iter().enumerate() {
            assert_eq!(known.name, known.name.to_ascii_lowercase());
            assert!(KNOWN_ACTIONS[..i].iter().all(|other| other.name != known.name), "{}", known.name);
            if let Some(login) = &known.login {
                assert!(!login.identity_inputs.is_empty(), "{}", known.name);
                assert_ne!(known.token, TokenUse::Never, "{}", known.name);
            }
        }
        let step = |uses: &str, inputs: &[(&str, &str)]| Step {
            span: Span::default(),
            id: None,
            name: None,
            uses: Some(action(uses)),
            with: inputs
                .iter()
                .map(|(n, v)| Input {
                    name: n.to_string(),
                    name_span: Span::default(),
                    value: value(v, Origin::of_github(v)),
                })
                .collect(),
            env: Vec::new(),
            run: None,
        };
        assert!(
            step("pulumi/esc-action@v1", &[("environment", "acme/prod"), ("oidc-auth", "true")])
                .is_oidc_login()
        );
        assert!(!step("pulumi/esc-action@v1", &[("environment", "acme/prod")]).is_oidc_login());
        assert!(step("pulumi/esc-action@v1", &[("environment", "acme/prod")]).outputs_are_short_lived());
        // Input names are case-insensitive on GitHub.
        assert!(!step("hashicorp/vault-action@v3", &[("method", "JWT"), ("jwtToken", "x")]).is_oidc_login());
        assert!(step("hashicorp/vault-action@v3", &[("method", "jwt"), ("role", "ci")]).is_oidc_login());
        assert!(!step("pulumi/actions@v6", &[("command", "up")]).outputs_are_short_lived());
    }

    #[test]
    fn gitlab_value_origins() {
        assert_eq!(Origin::of_gitlab("$AWS_KEY"), Origin::Variable("AWS_KEY".into()));
        assert_eq!(Origin::of_gitlab("${AWS_KEY}"), Origin::Variable("AWS_KEY".into()));
        assert_eq!(Origin::of_gitlab("AKIAZZZZ"), Origin::Literal);
        assert_eq!(Origin::of_gitlab("pre-$X"), Origin::Expression("pre-$X".into()));
    }

    #[test]
    fn effective_permissions_follow_the_replacement_rule() {
        let both = permissions(PermissionSet::Scopes {
            scopes: vec![scope("contents", "read"), scope("id-token", "write")],
            flow: false,
        });
        let w = workflow(Some(both.clone()), &["push"]);
        let mut job = Job::new("a", Span::default(), Span::default());
        assert_eq!(w.effective_permissions(&job).id_token, Access::Write);
        assert_eq!(w.effective_permissions(&job).origin.unwrap().0, PermissionOrigin::Workflow);
        // A job block replaces the workflow block: unlisted scopes are none.
        job.permissions =
            Some(permissions(PermissionSet::Scopes { scopes: vec![scope("contents", "read")], flow: false }));
        assert_eq!(w.effective_permissions(&job).id_token, Access::None);
        job.permissions = Some(permissions(PermissionSet::Scopes { scopes: vec![], flow: true }));
        assert_eq!(w.effective_permissions(&job).id_token, Access::None);
        job.permissions = Some(permissions(PermissionSet::WriteAll));
        assert_eq!(w.effective_permissions(&job).id_token, Access::Write);
        assert_eq!(w.effective_permissions(&job).grant_span(), Some(Span::new(13, 20)));
        job.permissions = Some(permissions(PermissionSet::ReadAll));
        assert_eq!(w.effective_permissions(&job).id_token, Access::None);

        // No block anywhere: the repository default never includes id-token.
        let bare = workflow(None, &["push"]);
        assert_eq!(
            bare.effective_permissions(&Job::new("b", Span::default(), Span::default())).id_token,
            Access::None
        );
        // ... except in a reusable workflow, where the caller decides.
        let reusable = workflow(None, &["workflow_call"]);
        assert!(matches!(
            reusable.effective_permissions(&Job::new("b", Span::default(), Span::default())).id_token,
            Access::Unknown(_)
        ));
    }

    #[test]
    fn action_refs_and_known_requests() {
        let action = ActionRef::parse("AWS-Actions/configure-aws-credentials@v4", Span::default());
        assert_eq!(action.name(), "aws-actions/configure-aws-credentials");
        assert_eq!(
            ActionRef::parse("./.github/actions/x", Span::default()).kind,
            ActionKind::Local("./.github/actions/x".into())
        );
        assert!(ActionRef::parse("actions/checkout@v4", Span::default()).never_requests_token());
        assert!(!ActionRef::parse("actions/deploy-pages@v4", Span::default()).never_requests_token());
        assert!(!ActionRef::parse("acme/deploy@v1", Span::default()).never_requests_token());
        // A login action given static keys requests no token.
        assert!(action.never_requests_token());
        assert!(ActionRef::parse("github/codeql-action/init@v3", Span::default()).never_requests_token());

        let step = |inputs: &[(&str, &str)]| Step {
            span: Span::default(),
            id: None,
            name: None,
            uses: Some(action.clone()),
            with: inputs
                .iter()
                .map(|(n, v)| Input {
                    name: n.to_string(),
                    name_span: Span::default(),
                    value: value(v, Origin::of_github(v)),
                })
                .collect(),
            env: Vec::new(),
            run: None,
        };
        assert!(step(&[("role-to-assume", "arn:aws:iam::1:role/x")]).is_oidc_login());
        assert!(!step(&[("role-to-assume", "r"), ("aws-access-key-id", "${{ secrets.K }}")]).is_oidc_login());
        assert!(!step(&[("aws-region", "us-east-1")]).is_oidc_login());
        assert_eq!(static_inputs(&action).len(), 2);
        assert_eq!(
            script_requests_token("curl \"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=x\""),
            Some("`ACTIONS_ID_TOKEN_REQUEST_URL`")
        );
        assert_eq!(script_requests_token("make deploy"), None);
    }

    #[test]
    fn token_need_sees_requests_and_opaque_steps() {
        let mut job = Job::new("a", Span::default(), Span::default());
        let step = |uses: &str| Step {
            span: Span::default(),
            id: None,
            name: None,
            uses: Some(ActionRef::parse(uses, Span::default())),
            with: Vec::new(),
            env: Vec::new(),
            run: None,
        };
        job.steps.push(step("actions/checkout@v4"));
        assert_eq!(job.token_need(), TokenNeed::None);
        job.steps.push(step("./.github/actions/deploy"));
        assert_eq!(
            job.token_need(),
            TokenNeed::Unknown(vec!["local action `./.github/actions/deploy`".into()])
        );
        job.token_requests.push(TokenRequest {
            span: Span::default(),
            kind: TokenRequestKind::Script,
            what: "x".into(),
        });
        assert!(matches!(job.token_need(), TokenNeed::Requests(_)));
    }

    #[test]
    fn instance_audiences() {
        assert_eq!(is_instance_audience(&value("https://gitlab.com", Origin::Literal)), Some(true));
        assert_eq!(is_instance_audience(&value("https://gitlab.com/", Origin::Literal)), Some(true));
        assert_eq!(
            is_instance_audience(&value("$CI_SERVER_URL", Origin::Variable("CI_SERVER_URL".into()))),
            Some(true)
        );
        assert_eq!(is_instance_audience(&value("https://gitlab.acme.io", Origin::Literal)), Some(false));
        assert_eq!(is_instance_audience(&value("sts.amazonaws.com", Origin::Literal)), None);
        assert_eq!(is_instance_audience(&value("https://gitlab.com/acme/infra", Origin::Literal)), None);
    }

    #[test]
    fn untrusted_events_and_placeholders() {
        assert!(
            Trigger { event: "pull_request_target".into(), span: Span::default() }.runs_outsider_content()
        );
        assert!(!Trigger { event: "pull_request".into(), span: Span::default() }.runs_outsider_content());
        assert!(is_placeholder_literal("test"));
        assert!(is_placeholder_literal("AKIAIOSFODNN7EXAMPLE"));
        // Split so trustlint's own secret scan does not see a key in this file.
        assert!(!is_placeholder_literal(concat!("AKIAZ7Q3", "XMPLR4T2VN6W")));
        assert!(credential_variable("AWS_SECRET_ACCESS_KEY").unwrap().secret);
        assert!(credential_variable("HOME").is_none());
    }
}
