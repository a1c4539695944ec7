//! GitHub Actions: workflows (`.github/workflows/*.yml`, reusable ones with `on: workflow_call`)
//! and composite actions (`action.yml`). Fills [`Workflow`] facts (triggers, permissions per
//! job, environments, steps, token requests, outsider-controlled checkouts) and
//! [`CredentialUse`] facts for long-lived cloud credentials wired into login actions or `env:`.
//! Spans point at the key or value as written.

use std::borrow::Cow;
use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::workflow::{
    self, ActionRef, EnvVar, Environment, Evidence, Input, Job, Origin, PermissionSet, Permissions, Scope,
    Step, TokenRequest, TokenRequestKind, Trigger, Value, Workflow, WorkflowCall, WorkflowKind,
};
use trustlint_model::{CredentialSource, CredentialUse, Facts};
use trustlint_syntax::{Entry, Node, parse_yaml};

use crate::Analysis;

/// A YAML file outside `.github/workflows/` that is still a workflow (a template folder, a copy
/// under test): a top-level `on:` and `jobs:` with at least one job-like key.
pub fn looks_like_workflow(text: &str) -> bool {
    let top = |keys: &[&str]| text.lines().any(|line| keys.iter().any(|key| line.starts_with(key)));
    top(&["jobs:"])
        && top(&["on:", "\"on\":", "'on':", "true:"])
        && (text.contains("runs-on:") || text.contains("uses:"))
}

/// An action metadata file (`action.yml`) read from anywhere: a top-level `runs:` with `using:`.
pub fn looks_like_action(text: &str) -> bool {
    text.lines().any(|line| line.starts_with("runs:")) && text.contains("using:")
}

/// Analyse a workflow or an action metadata file.
pub fn analyze(file: &Arc<SourceFile>) -> Analysis {
    let parsed = parse_yaml(file.text());
    if let Some(error) = parsed.errors.first() {
        let mut analysis = Analysis::problem(error.span, format!("invalid YAML: {}", error.message));
        analysis.comments = parsed.comments;
        return analysis;
    }
    let mut facts = Facts::default();
    if let Some(root) = parsed.documents.first() {
        if let Some(runs) = root.entry("runs") {
            read_action(file, root, runs, &mut facts);
        } else if root.get("jobs").is_some() {
            read_workflow(file, root, &mut facts);
        }
    }
    for flow in &mut facts.workflows {
        flow.comments = parsed.comments.len();
    }
    Analysis { facts, comments: parsed.comments, ..Analysis::default() }
}

fn read_workflow(file: &Arc<SourceFile>, root: &Node, facts: &mut Facts) {
    let mut flow = Workflow {
        file: Arc::clone(file),
        kind: WorkflowKind::GitHubWorkflow,
        name: root.get("name").and_then(Node::as_text).map(str::to_string),
        triggers: root.entry("on").or_else(|| root.entry("true")).map(triggers).unwrap_or_default(),
        permissions: root.entry("permissions").map(|entry| permissions(file, entry)),
        env: env_vars(root.get("env")),
        jobs: Vec::new(),
        includes: Vec::new(),
        comments: 0,
    };
    if let Some(jobs) = root.get("jobs").and_then(Node::as_map) {
        for entry in jobs.iter().filter(|entry| entry.value.as_map().is_some()) {
            flow.jobs.push(read_job(file, entry));
        }
    }
    credentials(&flow, facts);
    facts.workflows.push(flow);
}

/// `runs:` of an action: only composite actions have steps to look at.
fn read_action(file: &Arc<SourceFile>, root: &Node, entry: &Entry, facts: &mut Facts) {
    let runs = &entry.value;
    let mut job = Job::new("(composite action)", entry.key_span, runs.span);
    job.name = root.get("name").and_then(Node::as_text).map(str::to_string);
    job.steps = runs
        .get("steps")
        .and_then(Node::as_seq)
        .map(|steps| steps.iter().map(read_step).collect())
        .unwrap_or_default();
    finish_job(&mut job);
    let flow = Workflow {
        file: Arc::clone(file),
        kind: WorkflowKind::GitHubCompositeAction,
        name: job.name.clone(),
        triggers: Vec::new(),
        permissions: None,
        env: Vec::new(),
        jobs: vec![job],
        includes: Vec::new(),
        comments: 0,
    };
    credentials(&flow, facts);
    facts.workflows.push(flow);
}

/// `on: push`, `on: [push, pull_request]`, `on: {push: {...}, workflow_call: {...}}`.
fn triggers(entry: &Entry) -> Vec<Trigger> {
    let node = &entry.value;
    let trigger = |event: &str, span: Span| Trigger { event: event.to_string(), span };
    match (node.as_text(), node.as_seq(), node.as_map()) {
        (Some(event), _, _) => vec![trigger(event, node.span)],
        (_, Some(items), _) => {
            items.iter().filter_map(|item| item.as_text().map(|event| trigger(event, item.span))).collect()
        }
        (_, _, Some(entries)) => entries.iter().map(|e| trigger(&e.key, e.key_span)).collect(),
        _ => Vec::new(),
    }
}

/// A `permissions:` entry at workflow or job level.
fn permissions(file: &SourceFile, entry: &Entry) -> Permissions {
    let node = &entry.value;
    let set = if let Some(text) = node.as_text() {
        match text {
            "write-all" => PermissionSet::WriteAll,
            "read-all" => PermissionSet::ReadAll,
            other => PermissionSet::Unknown(format!("`permissions: {other}`")),
        }
    } else if let Some(entries) = node.as_map() {
        let mut scopes = Vec::new();
        let mut unknown = None;
        for scope in entries {
            match scope.value.as_text() {
                Some(level) => scopes.push(Scope {
                    name: scope.key.clone(),
                    name_span: scope.key_span,
                    level: level.to_string(),
                    level_span: scope.value.span,
                }),
                None => unknown = Some(format!("the value of `{}`", scope.key)),
            }
        }
        match unknown {
            Some(why) => PermissionSet::Unknown(why),
            None => PermissionSet::Scopes { scopes, flow: file.slice(node.span).starts_with('{') },
        }
    } else {
        PermissionSet::Unknown("an empty or unreadable `permissions:` value".into())
    };
    Permissions { key_span: entry.key_span, value_span: node.span, set }
}

fn value(node: &Node) -> Option<Value> {
    let text = node.as_str()?;
    Some(Value { text: text.to_string(), span: node.span, origin: Origin::of_github(text) })
}

/// `env:` / `with:` mappings with scalar values (an `env: ${{ fromJSON(...) }}` is not readable).
fn env_vars(node: Option<&Node>) -> Vec<EnvVar> {
    let Some(entries) = node.and_then(Node::as_map) else { return Vec::new() };
    entries
        .iter()
        .filter_map(|entry| {
            Some(EnvVar { name: entry.key.clone(), name_span: entry.key_span, value: value(&entry.value)? })
        })
        .collect()
}

fn read_job(file: &Arc<SourceFile>, entry: &Entry) -> Job {
    let node = &entry.value;
    let mut job = Job::new(entry.key.clone(), entry.key_span, node.span);
    job.name = node.get("name").and_then(Node::as_text).map(str::to_string);
    job.permissions = node.entry("permissions").map(|entry| permissions(file, entry));
    job.environment = node.get("environment").and_then(environment);
    job.condition = node.get("if").and_then(value);
    job.matrix = node.get("strategy").and_then(|s| s.get("matrix")).is_some();
    job.env = env_vars(node.get("env"));
    job.steps = node
        .get("steps")
        .and_then(Node::as_seq)
        .map(|steps| steps.iter().map(read_step).collect())
        .unwrap_or_default();
    if let Some(uses) = node.get("uses").filter(|uses| uses.as_text().is_some()) {
        let secrets_inherit = node.get("secrets").filter(|s| s.as_text() == Some("inherit")).map(|s| s.span);
        job.call = Some(WorkflowCall {
            target: uses.as_text().unwrap_or("").to_string(),
            span: uses.span,
            secrets_inherit,
        });
    }
    finish_job(&mut job);
    job
}

/// `environment: prod` or `environment: {name: prod, url: ...}`; expressions are Unknown names.
fn environment(node: &Node) -> Option<Environment> {
    let name_node = if node.as_map().is_some() { node.get("name")? } else { node };
    let name = name_node.as_text()?;
    Some(Environment { name: (!name.contains("${{")).then(|| name.to_string()), span: name_node.span })
}

fn read_step(node: &Node) -> Step {
    let with = node
        .get("with")
        .and_then(Node::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| {
                    Some(Input {
                        name: entry.key.clone(),
                        name_span: entry.key_span,
                        value: value(&entry.value)?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Step {
        span: node.span,
        id: node.get("id").and_then(Node::as_text).map(str::to_string),
        name: node.get("name").and_then(Node::as_text).map(str::to_string),
        uses: node.get("uses").and_then(|uses| Some(ActionRef::parse(uses.as_text()?, uses.span))),
        with,
        env: env_vars(node.get("env")),
        run: node.get("run").and_then(value),
    }
}

/// Token requests and outsider-controlled content, from the job's steps and `uses:`.
fn finish_job(job: &mut Job) {
    let mut requests = Vec::new();
    let mut evidence = Vec::new();
    for step in &job.steps {
        if let Some(action) = &step.uses {
            requests.extend(workflow::login_request(action, step));
            evidence.extend(untrusted_action(action, step));
        }
        for input in &step.with {
            if let Some(what) = workflow::script_requests_token(&input.value.text) {
                requests.push(TokenRequest {
                    span: input.value.span,
                    kind: TokenRequestKind::Script,
                    what: format!("{what} in input `{}`", input.name),
                });
            }
        }
        if let Some(run) = &step.run {
            if let Some(what) = workflow::script_requests_token(&run.text) {
                requests.push(TokenRequest {
                    span: run.span,
                    kind: TokenRequestKind::Script,
                    what: what.into(),
                });
            }
            if workflow::names_untrusted_ref(&run.text) {
                evidence.push(Evidence {
                    span: run.span,
                    what: "runs a script on the pull request's ref".into(),
                });
            } else if let Some(what) = workflow::script_fetches_untrusted(&run.text) {
                evidence.push(Evidence { span: run.span, what: what.into() });
            }
        }
    }
    if let Some(call) = &job.call {
        requests.push(TokenRequest {
            span: call.span,
            kind: TokenRequestKind::ReusableWorkflow,
            what: format!("reusable workflow `{}`", call.target),
        });
    }
    job.token_requests = requests;
    job.untrusted_content = evidence;
}

/// A checkout of the pull request's head, or a download of another run's artifacts.
fn untrusted_action(action: &ActionRef, step: &Step) -> Option<Evidence> {
    let name = action.name();
    match name.as_str() {
        "actions/checkout" => ["ref", "repository"].iter().find_map(|input| {
            let input = step.input(input)?;
            workflow::names_untrusted_ref(&input.value.text).then(|| Evidence {
                span: input.value.span,
                what: format!("checks out `{}`", input.value.text.trim()),
            })
        }),
        "actions/download-artifact" if step.input("run-id").is_some() => Some(Evidence {
            span: step.input("run-id").map_or(action.span, |input| input.value.span),
            what: "downloads artifacts of another run".into(),
        }),
        "dawidd6/action-download-artifact" => {
            Some(Evidence { span: action.span, what: "downloads artifacts of another run".into() })
        }
        _ => None,
    }
}

/// Long-lived cloud credentials in login-action inputs and in `env:` at every level.
fn credentials(flow: &Workflow, facts: &mut Facts) {
    let file = &flow.file;
    for var in &flow.env {
        env_credential(file, var, &[&flow.env], "workflow-level `env:`", facts);
        text_credentials(
            file,
            &var.value,
            &[&flow.env],
            &format!("`{}` in workflow-level `env:`", var.name),
            facts,
        );
    }
    for job in &flow.jobs {
        let place = if flow.kind == WorkflowKind::GitHubCompositeAction {
            "the composite action".to_string()
        } else {
            format!("job `{}`", job.id)
        };
        for var in &job.env {
            env_credential(file, var, &[&job.env, &flow.env], &format!("`env:` of {place}"), facts);
            let label = format!("`{}` in `env:` of {place}", var.name);
            text_credentials(file, &var.value, &[&job.env, &flow.env], &label, facts);
        }
        for (index, step) in job.steps.iter().enumerate() {
            let label = format!("`env:` of {} in {place}", step.label(index));
            let scopes: [&[EnvVar]; 3] = [&step.env, &job.env, &flow.env];
            for var in &step.env {
                env_credential(file, var, &scopes, &label, facts);
            }
            if let Some(run) = &step.run {
                text_credentials(
                    file,
                    run,
                    &scopes,
                    &format!("the script of {} in {place}", step.label(index)),
                    facts,
                );
            }
            let Some(action) = &step.uses else { continue };
            for input in workflow::static_inputs(action) {
                let Some(given) = step.input(input.input) else { continue };
                let source = match &given.value.origin {
                    Origin::Literal if workflow::is_placeholder_literal(&given.value.text) => continue,
                    Origin::Literal => CredentialSource::Literal,
                    Origin::Secret(name) => CredentialSource::Secret(name.clone()),
                    Origin::Variable(name) => CredentialSource::Variable(name.clone()),
                    // Produced by an OIDC exchange in this job: short-lived, not a static credential.
                    Origin::StepOutput(id) if job.step(id).is_some_and(Step::outputs_are_short_lived) => {
                        continue;
                    }
                    Origin::StepOutput(id) => CredentialSource::Unknown(format!("the output of step `{id}`")),
                    Origin::Expression(text) => CredentialSource::Unknown(format!("`{text}`")),
                };
                let value_span = (source == CredentialSource::Literal).then_some(given.value.span);
                facts.credentials.push(CredentialUse {
                    file: Arc::clone(file),
                    span: given.name_span,
                    value_span,
                    kind: input.kind.clone(),
                    source,
                    wired_into: format!(
                        "input `{}` of {} ({})",
                        input.input,
                        action.name(),
                        step.short_label(index)
                    ),
                    replacement: Cow::Borrowed(input.replacement),
                });
            }
        }
    }
}

/// `AWS_SECRET_ACCESS_KEY: ${{ secrets.X }}` and friends. Values whose origin cannot be told (a
/// step output, an expression) are left alone: they are often short-lived credentials.
fn env_credential(
    file: &Arc<SourceFile>,
    var: &EnvVar,
    scopes: &[&[EnvVar]],
    place: &str,
    facts: &mut Facts,
) {
    let Some(known) = workflow::credential_variable(&var.name) else { return };
    let origin = resolve_env_reference(&var.value, scopes);
    let source = match origin {
        Origin::Secret(name) => CredentialSource::Secret(name),
        _ if known.only_from_secret => return,
        Origin::Variable(name) => CredentialSource::Variable(name),
        Origin::Literal if !workflow::is_placeholder_literal(&var.value.text) => CredentialSource::Literal,
        _ => return,
    };
    let value_span = (source == CredentialSource::Literal).then_some(var.value.span);
    facts.credentials.push(CredentialUse {
        file: Arc::clone(file),
        span: var.name_span,
        value_span,
        kind: known.kind,
        source,
        wired_into: format!("`{}` in {place}", var.name),
        replacement: Cow::Borrowed(known.github_replacement),
    });
}

/// Credentials given a value inside script or profile text (a `run:` script, a multi-line `env:`
/// value written to `~/.aws/credentials`): `aws_access_key_id=${{ secrets.K }}`,
/// `export AWS_SECRET_ACCESS_KEY=$S` where `S` comes from a secret. Values trustlint cannot trace
/// to a stored secret or variable (a command's output, a variable set by an earlier step) are
/// left alone, and so are references to an `env:` credential variable, reported where it is set.
fn text_credentials(
    file: &Arc<SourceFile>,
    value: &Value,
    scopes: &[&[EnvVar]],
    place: &str,
    facts: &mut Facts,
) {
    let mut kinds: Vec<trustlint_model::CredentialKind> = Vec::new();
    for assignment in workflow::credential_assignments(&value.text) {
        let origin = match workflow::shell_reference(assignment.value) {
            Some(name) => {
                let Some(var) = scopes.iter().find_map(|vars| vars.iter().rev().find(|var| var.name == name))
                else {
                    continue;
                };
                if workflow::credential_variable(&var.name).is_some() {
                    continue;
                }
                resolve_env_reference(&var.value, scopes)
            }
            None => resolve_env_reference(
                &Value {
                    text: assignment.value.to_string(),
                    span: value.span,
                    origin: Origin::of_github(assignment.value),
                },
                scopes,
            ),
        };
        let source = match origin {
            Origin::Secret(name) => CredentialSource::Secret(name),
            Origin::Variable(name) => CredentialSource::Variable(name),
            _ => continue,
        };
        if kinds.contains(&assignment.variable.kind) {
            continue;
        }
        kinds.push(assignment.variable.kind.clone());
        let written = &value.text[assignment.name_at..assignment.name_at + assignment.name_len];
        let ordinal = value.text[..assignment.name_at].matches(written).count();
        let raw = file.slice(value.span);
        let span = raw.match_indices(written).nth(ordinal).map_or(value.span, |(at, _)| {
            Span::new(value.span.start + at, value.span.start + at + written.len())
        });
        facts.credentials.push(CredentialUse {
            file: Arc::clone(file),
            span,
            value_span: None,
            kind: assignment.variable.kind,
            source,
            wired_into: format!("`{written}` set in {place}"),
            replacement: Cow::Borrowed(assignment.variable.github_replacement),
        });
    }
}

/// `${{ env.NAME }}` takes the origin of `NAME` from the nearest enclosing `env:` (one level).
fn resolve_env_reference(value: &Value, scopes: &[&[EnvVar]]) -> Origin {
    let Origin::Expression(text) = &value.origin else { return value.origin.clone() };
    let Some(at) = text.find("env.") else { return value.origin.clone() };
    let name: String =
        text[at + 4..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let referenced = scopes
        .iter()
        .find_map(|vars| vars.iter().rev().find(|var| var.name == name && var.value.text != value.text));
    match referenced {
        Some(var) => var.value.origin.clone(),
        None => value.origin.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_model::CredentialKind;
    use trustlint_model::workflow::{Access, PermissionOrigin, TokenNeed};

    fn analyze_text(text: &str) -> Analysis {
        analyze(&SourceFile::new(".github/workflows/deploy.yml", text))
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    const DEPLOY: &str = "\
name: deploy
on:
  pull_request_target:
    types: [opened]
  push:
    branches: [main]
permissions:
  contents: read
  id-token: write # for OIDC
env:
  PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_TOKEN }}
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [18, 20]
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm test
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: prod
    permissions:
      id-token: write
      contents: read
    steps:
      - id: aws
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: us-east-1
          output-credentials: true
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ steps.aws.outputs.aws-access-key-id }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET }}
      - run: ./deploy.sh
        env:
          AWS_ACCESS_KEY_ID: ${{ steps.aws.outputs.aws-access-key-id }}
          ARM_CLIENT_SECRET: ${{ env.AZ }}
          GOOGLE_APPLICATION_CREDENTIALS: ./creds.json
    env:
      AZ: ${{ secrets.AZURE_SECRET }}
  release:
    uses: acme/workflows/.github/workflows/release.yml@main
    secrets: inherit
";

    #[test]
    fn reads_triggers_permissions_and_jobs() {
        let analysis = analyze_text(DEPLOY);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        assert_eq!(analysis.comments.len(), 1);
        let flow = &analysis.facts.workflows[0];
        let events: Vec<_> =
            flow.triggers.iter().map(|t| (t.event.as_str(), slice(DEPLOY, t.span))).collect();
        assert_eq!(events, [("pull_request_target", "pull_request_target"), ("push", "push")]);
        assert!(!flow.is_reusable());
        let ids: Vec<_> = flow.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["build", "deploy", "release"]);

        let build = &flow.jobs[0];
        let effective = flow.effective_permissions(build);
        assert_eq!(effective.id_token, Access::Write);
        assert_eq!(effective.origin.unwrap().0, PermissionOrigin::Workflow);
        assert_eq!(slice(DEPLOY, effective.grant_span().unwrap()), "id-token");
        assert!(build.matrix);
        assert_eq!(build.token_need(), TokenNeed::None);
        assert_eq!(build.untrusted_content.len(), 1);
        assert_eq!(
            slice(DEPLOY, build.untrusted_content[0].span),
            "${{ github.event.pull_request.head.sha }}"
        );

        let deploy = &flow.jobs[1];
        assert_eq!(flow.effective_permissions(deploy).origin.unwrap().0, PermissionOrigin::Job);
        assert_eq!(deploy.environment.as_ref().unwrap().name.as_deref(), Some("prod"));
        assert_eq!(deploy.token_requests.len(), 1);
        assert!(deploy.token_requests[0].what.contains("role-to-assume"));

        let release = &flow.jobs[2];
        let call = release.call.as_ref().unwrap();
        assert_eq!(call.target, "acme/workflows/.github/workflows/release.yml@main");
        assert_eq!(slice(DEPLOY, call.secrets_inherit.unwrap()), "inherit");
        assert_eq!(release.token_requests[0].kind, TokenRequestKind::ReusableWorkflow);
    }

    #[test]
    fn static_credentials_skip_exchange_outputs() {
        let analysis = analyze_text(DEPLOY);
        let found: Vec<_> = analysis
            .facts
            .credentials
            .iter()
            .map(|c| (slice(DEPLOY, c.span), c.source.clone(), c.kind.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "PULUMI_ACCESS_TOKEN",
                    CredentialSource::Secret("PULUMI_TOKEN".into()),
                    CredentialKind::PulumiAccessToken
                ),
                (
                    "aws-secret-access-key",
                    CredentialSource::Secret("AWS_SECRET".into()),
                    CredentialKind::AwsAccessKey
                ),
                (
                    "ARM_CLIENT_SECRET",
                    CredentialSource::Secret("AZURE_SECRET".into()),
                    CredentialKind::AzureClientSecret
                ),
            ]
        );
        let aws = &analysis.facts.credentials[1];
        assert!(aws.wired_into.contains("aws-actions/configure-aws-credentials"), "{}", aws.wired_into);
    }

    #[test]
    fn flow_style_and_literals() {
        let text = "\
on: [workflow_call]
permissions: { contents: read, id-token: write }
jobs:
  deploy: { runs-on: ubuntu-latest, permissions: write-all, steps: [
      { uses: google-github-actions/auth@v2, with: { credentials_json: '${{ secrets.GCP_SA_KEY }}' } },
      { uses: azure/login@v2, with: { creds: '${{ secrets.AZURE_CREDENTIALS }}' } },
      { run: echo, env: { AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz, AWS_ACCESS_KEY_ID: test } } ] }
";
        let analysis = analyze_text(text);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        let flow = &analysis.facts.workflows[0];
        assert!(flow.is_reusable());
        match &flow.permissions.as_ref().unwrap().set {
            PermissionSet::Scopes { scopes, flow } => {
                assert!(*flow);
                assert_eq!(scopes.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(flow.jobs[0].permissions.as_ref().unwrap().set, PermissionSet::WriteAll);
        let sources: Vec<_> = analysis.facts.credentials.iter().map(|c| c.source.clone()).collect();
        assert_eq!(
            sources,
            [
                CredentialSource::Secret("GCP_SA_KEY".into()),
                CredentialSource::Secret("AZURE_CREDENTIALS".into()),
                CredentialSource::Literal
            ]
        );
    }

    #[test]
    fn composite_actions_have_steps_but_no_permissions() {
        let text = "\
name: deploy
runs:
  using: composite
  steps:
    - uses: pulumi/auth-actions@v1
      with: { organization: acme, requested-token-type: urn:pulumi:token-type:access_token:organization }
    - shell: bash
      run: pulumi up
      env:
        PULUMI_ACCESS_TOKEN: ${{ inputs.token }}
";
        let analysis = analyze(&SourceFile::new("deploy/action.yml", text));
        let flow = &analysis.facts.workflows[0];
        assert_eq!(flow.kind, WorkflowKind::GitHubCompositeAction);
        assert_eq!(flow.jobs[0].steps.len(), 2);
        assert_eq!(flow.jobs[0].token_requests.len(), 1);
        assert!(matches!(flow.effective_permissions(&flow.jobs[0]).id_token, Access::Unknown(_)));
        // `inputs.token` cannot be told: no credential fact.
        assert!(analysis.facts.credentials.is_empty());
    }

    #[test]
    fn scripts_requesting_tokens_and_fetching_pull_requests() {
        let text = "\
on: issue_comment
jobs:
  chatops:
    runs-on: ubuntu-latest
    permissions: { id-token: write }
    steps:
      - run: gh pr checkout ${{ github.event.issue.number }}
      - uses: actions/github-script@v7
        with:
          script: |
            const token = await core.getIDToken('sts.amazonaws.com')
";
        let analysis = analyze_text(text);
        let job = &analysis.facts.workflows[0].jobs[0];
        assert_eq!(job.token_requests.len(), 1);
        assert!(job.token_requests[0].what.contains("getIDToken"));
        assert_eq!(job.untrusted_content.len(), 1);
        assert!(job.untrusted_content[0].what.contains("gh pr checkout"));
    }

    #[test]
    fn broken_yaml_is_a_problem_and_junk_never_panics() {
        let analysis = analyze_text("on: push\njobs:\n  a: [\n");
        assert_eq!(analysis.problems.len(), 1);
        for junk in ["", "jobs: 3", "jobs: [a]", "on: {}\njobs: {a: 1}", "runs: x", "runs: {steps: 3}", "- a"]
        {
            let _ = analyze_text(junk);
        }
    }

    #[test]
    fn every_prefix_and_suffix_is_read_without_panicking() {
        for end in (0..=DEPLOY.len()).filter(|&end| DEPLOY.is_char_boundary(end)) {
            let _ = analyze_text(&DEPLOY[..end]);
            let _ = analyze_text(&DEPLOY[end..]);
        }
    }

    #[test]
    fn sniffs() {
        assert!(looks_like_workflow("on: push\njobs:\n  a:\n    runs-on: x\n"));
        assert!(!looks_like_workflow("on: push\njobs: {}\n"));
        assert!(looks_like_action("runs:\n  using: composite\n"));
    }
}
