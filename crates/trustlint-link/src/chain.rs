//! Linking: after every file is analysed, each login target is resolved to the identity whose
//! trust it names, and each trust is checked against the claims the caller's token can carry.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use trustlint_core::{SourceFile, Span};
use trustlint_model::admin::admin_power;
use trustlint_model::workflow::{Origin, Workflow};
use trustlint_model::{AdminPower, Grant, Identity, IdentityKind, NameKind, Trust};

use crate::admit::{Check, admits};
use crate::caller::{Caller, Target, TargetKind, callers};
use crate::repository::Repository;
use crate::stack_output::StackOutputRef;

/// What linking needs besides the facts: the repository and the inputs only configuration can
/// give (`[variables]` values for `${{ vars.X }}`, `[links]` for secrets).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub repository: Option<Repository>,
    /// `ROLE_ARN = "arn:aws:iam::…"`: values of CI variables (`vars.ROLE_ARN`, GitLab `$ROLE_ARN`).
    pub variables: BTreeMap<String, String>,
    /// `"secrets.DEPLOY_ROLE" = "infra/ci.ts:deploy-role"`: a login value to the trust it names.
    pub links: BTreeMap<String, String>,
}

/// One identity of the tree with every trust statement that lets a workload become it.
#[derive(Clone, Debug)]
pub struct IdentityNode {
    pub file: Arc<SourceFile>,
    pub identity: Identity,
    pub trusts: Vec<Trust>,
    pub grants: Vec<Grant>,
    /// The strongest admin-equivalent power among the grants.
    pub admin: Option<(AdminPower, usize)>,
}

impl IdentityNode {
    /// Where to point at the identity: its first trust statement.
    pub fn span(&self) -> Span {
        self.trusts.first().map_or_else(Span::default, |t| t.statement_span)
    }
}

/// How a login target was resolved.
#[derive(Clone, Debug)]
pub enum Resolution {
    Identity {
        index: usize,
        /// "role name `gha-deploy`", "the [links] entry `secrets.DEPLOY_ROLE`".
        matched_by: String,
    },
    /// Not resolvable from the tree: why, and which input would resolve it.
    Unknown { why: String, resolve_with: String },
}

/// Whether the trust admits the caller.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Some ways the job runs are admitted (indexes into the caller's alternatives).
    Admits {
        admitted: Vec<usize>,
        rejected: Vec<usize>,
    },
    /// No way the job runs is admitted: per alternative, the condition and why.
    Rejects(Vec<Rejection>),
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct Rejection {
    pub alternative: usize,
    pub trust: usize,
    pub span: Span,
    pub why: String,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub caller: usize,
    pub login: usize,
    pub target: usize,
    pub resolution: Resolution,
    /// `None` when the target is not resolved.
    pub verdict: Option<Verdict>,
}

/// The trust chain of a whole run.
#[derive(Clone, Debug, Default)]
pub struct Chain {
    pub repository: Option<Repository>,
    pub callers: Vec<Caller>,
    pub identities: Vec<IdentityNode>,
    pub links: Vec<Link>,
}

impl Chain {
    pub fn target(&self, link: &Link) -> &Target {
        &self.callers[link.caller].logins[link.login].targets[link.target]
    }

    /// Links that resolved to identity `index`.
    pub fn links_to(&self, index: usize) -> impl Iterator<Item = &Link> {
        self.links
            .iter()
            .filter(move |l| matches!(l.resolution, Resolution::Identity { index: i, .. } if i == index))
    }
}

/// Group trusts by identity (a program evaluated per stack repeats its trusts; identical ones
/// are kept once) and attach their grants.
fn identities(trusts: Vec<Trust>, grants: &[Grant]) -> Vec<IdentityNode> {
    let mut nodes: Vec<IdentityNode> = Vec::new();
    let mut by_key: BTreeMap<(String, String), usize> = BTreeMap::new();
    for trust in trusts {
        let key = if trust.identity.key.is_empty() {
            (trust.file.path().to_string(), format!("#{}", trust.statement_span.start))
        } else {
            (trust.file.path().to_string(), trust.identity.key.clone())
        };
        match by_key.get(&key) {
            Some(&index) => {
                let node = &mut nodes[index];
                let same = |t: &Trust| {
                    t.statement_span == trust.statement_span
                        && t.conditions.len() == trust.conditions.len()
                        && t.conditions.iter().zip(&trust.conditions).all(|(a, b)| {
                            a.key == b.key
                                && a.values
                                    .iter()
                                    .map(|v| v.display())
                                    .eq(b.values.iter().map(|v| v.display()))
                        })
                };
                if !node.trusts.iter().any(same) {
                    for name in &trust.identity.names {
                        if !node.identity.names.contains(name) {
                            node.identity.names.push(name.clone());
                        }
                    }
                    node.trusts.push(trust);
                }
            }
            None => {
                by_key.insert(key, nodes.len());
                nodes.push(IdentityNode {
                    file: Arc::clone(&trust.file),
                    identity: trust.identity.clone(),
                    trusts: vec![trust],
                    grants: Vec::new(),
                    admin: None,
                });
            }
        }
    }
    for node in &mut nodes {
        if node.identity.key.is_empty() {
            continue;
        }
        let mut seen = Vec::new();
        for grant in
            grants.iter().filter(|g| g.identity_key == node.identity.key && g.file.path() == node.file.path())
        {
            if seen.contains(&(grant.span, grant.via.clone())) {
                continue;
            }
            seen.push((grant.span, grant.via.clone()));
            if let Some(power) = admin_power(&grant.permission)
                && node.admin.as_ref().is_none_or(|(current, _)| power.severity > current.severity)
            {
                node.admin = Some((power, node.grants.len()));
            }
            node.grants.push(grant.clone());
        }
    }
    nodes
}

/// The role name an AWS role value names: the last segment of an ARN, or the value itself.
fn aws_role_name(value: &str) -> &str {
    match value.split_once(":role/") {
        Some((_, path)) => path.rsplit('/').next().unwrap_or(path),
        None => value,
    }
}

/// `projects/N/locations/global/workloadIdentityPools/POOL/providers/PROVIDER` -> `POOL/PROVIDER`.
fn gcp_provider_ids(value: &str) -> Option<String> {
    let (_, rest) = value.split_once("workloadIdentityPools/")?;
    let (pool, provider) = rest.split_once("/providers/")?;
    Some(format!("{pool}/{}", provider.trim_end_matches('/')))
}

/// Identities that `text` names for a target of `kind`.
fn by_name(nodes: &[IdentityNode], kind: TargetKind, text: &str) -> Vec<(usize, String)> {
    let text = text.trim();
    let mut found = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let matched = match kind {
            TargetKind::AwsRole if node.identity.kind == IdentityKind::AwsRole => {
                node.identity.names.iter().find_map(|name| match name.kind {
                    NameKind::AwsRoleArn if name.value.eq_ignore_ascii_case(text) => {
                        Some(format!("role ARN `{}`", name.value))
                    }
                    // IAM role names are unique without regard to case.
                    NameKind::AwsRoleName if name.value.eq_ignore_ascii_case(aws_role_name(text)) => {
                        Some(format!("role name `{}`", name.value))
                    }
                    // No name is written: the one the tool generates, by its grammar exactly.
                    kind if kind.generates(&name.value, aws_role_name(text)) => Some(format!(
                        "role name `{}`, generated from `{}` by {}",
                        aws_role_name(text),
                        name.value,
                        kind.generating_rule().unwrap_or_default()
                    )),
                    _ => None,
                })
            }
            TargetKind::GcpProvider if node.identity.kind == IdentityKind::GcpWorkloadPool => {
                let ids = gcp_provider_ids(text);
                node.identity.names.iter().find_map(|name| {
                    (name.kind == NameKind::GcpProvider && ids.as_deref() == Some(name.value.as_str()))
                        .then(|| format!("workload identity provider `{}`", name.value))
                })
            }
            TargetKind::GcpServiceAccount if node.identity.kind == IdentityKind::GcpServiceAccount => {
                let account = text.split('@').next().unwrap_or(text);
                node.identity.names.iter().find_map(|name| {
                    (name.kind == NameKind::GcpServiceAccount && name.value == account)
                        .then(|| format!("service account `{}`", name.value))
                })
            }
            TargetKind::AzureClientId
                if matches!(
                    node.identity.kind,
                    IdentityKind::AzureApplication | IdentityKind::AzureManagedIdentity
                ) =>
            {
                let from_key = node.identity.key.strip_prefix("azure-app-id:");
                let named = node
                    .identity
                    .names
                    .iter()
                    .any(|n| n.kind == NameKind::AzureClientId && n.value.eq_ignore_ascii_case(text));
                (named || from_key.is_some_and(|id| id.eq_ignore_ascii_case(text)))
                    .then(|| format!("client id `{text}`"))
            }
            _ => None,
        };
        if let Some(how) = matched {
            found.push((index, how));
        }
    }
    found
}

/// Identities a `[links]` value (`path`, `path:resource`) names.
fn by_link(nodes: &[IdentityNode], entry: &str) -> Vec<usize> {
    let (path, resource) = match entry.rsplit_once(':') {
        Some((path, resource)) if !resource.contains('/') => (path, Some(resource)),
        _ => (entry, None),
    };
    let path = path.trim_start_matches("./");
    nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| {
            let file = node.file.path();
            (file == path || file.ends_with(&format!("/{path}")))
                && resource.is_none_or(|r| {
                    node.identity.key == r
                        || node.identity.key.rsplit(':').next() == Some(r)
                        || node.identity.names.iter().any(|n| n.value == r)
                })
        })
        .map(|(index, _)| index)
        .collect()
}

/// The identity a Pulumi program exports as the stack output a login reads: linked only when
/// exactly one program (in the directory the command runs in, when it says) exports it.
fn by_stack_output(nodes: &[IdentityNode], target: &Target, stack: &StackOutputRef) -> Vec<Resolution> {
    let output = &stack.output;
    let found: Vec<(usize, &str)> = nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| node.file.path().starts_with(&stack.directory))
        .filter(|(_, node)| {
            target.kind.names(node.identity.kind)
                && node
                    .identity
                    .names
                    .iter()
                    .any(|n| n.kind == NameKind::PulumiStackOutput && &n.value == output)
        })
        .map(|(index, node)| (index, node.file.path()))
        .collect();
    let key = target.value.text.trim();
    let mut files: Vec<&str> = found.iter().map(|(_, file)| *file).collect();
    files.sort_unstable();
    files.dedup();
    match files.as_slice() {
        [] => vec![Resolution::Unknown {
            why: format!(
                "`{key}` is the stack output `{output}` ({}), which no Pulumi program {} exports from a {}",
                stack.evidence,
                if stack.directory.is_empty() {
                    "of the scanned tree".to_string()
                } else {
                    format!("under `{}`", stack.directory)
                },
                target.kind.describe()
            ),
            resolve_with: format!(
                "`export const {output} = <resource>.<property>` in the program (or `pulumi.export(\"{output}\", …)`), or a [links] entry `\"{}\" = \"path:resource\"`",
                link_key(target)
            ),
        }],
        [file] => found
            .into_iter()
            .map(|(index, _)| Resolution::Identity {
                index,
                matched_by: format!("stack output `{output}` of {file}"),
            })
            .collect(),
        several => vec![Resolution::Unknown {
            why: format!(
                "`{key}` is the stack output `{output}` ({}), which several programs export: {}",
                stack.evidence,
                several.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
            ),
            resolve_with: format!(
                "the program's directory on the command (`working-directory:`, `cd DIR`, `--cwd DIR`), or a [links] entry `\"{}\" = \"path:resource\"`",
                link_key(target)
            ),
        }],
    }
}

/// The `[links]` key a login value is looked up by.
fn link_key(target: &Target) -> String {
    match &target.value.origin {
        Origin::Literal => target.value.text.trim().to_string(),
        Origin::Secret(name) => format!("secrets.{name}"),
        Origin::Variable(name) => format!("vars.{name}"),
        Origin::StepOutput(step) => format!("steps.{step}"),
        Origin::Expression(text) => text.clone(),
    }
}

fn resolve(nodes: &[IdentityNode], settings: &Settings, target: &Target) -> Vec<Resolution> {
    let value = &target.value;
    let reference = match &value.origin {
        Origin::Literal => None,
        Origin::Secret(name) => Some(format!("secrets.{name}")),
        Origin::Variable(name) => Some(format!("vars.{name}")),
        Origin::StepOutput(step) => Some(format!("steps.{step}")),
        Origin::Expression(text) => Some(text.clone()),
    };
    if let Some(link) = reference
        .as_ref()
        .and_then(|r| settings.links.get(r))
        .or_else(|| settings.links.get(value.text.trim()))
    {
        let found = by_link(nodes, link);
        if found.is_empty() {
            return vec![Resolution::Unknown {
                why: format!("the [links] entry `{link}` names no trust of the scanned tree"),
                resolve_with: "a [links] value `path` or `path:resource` that names a trust in the tree"
                    .into(),
            }];
        }
        let key = reference.unwrap_or_else(|| value.text.trim().to_string());
        return found
            .into_iter()
            .map(|index| Resolution::Identity { index, matched_by: format!("the [links] entry `{key}`") })
            .collect();
    }
    if let Some(stack) = &target.stack_output {
        return by_stack_output(nodes, target, stack);
    }
    let text = match &value.origin {
        Origin::Literal => value.text.trim().to_string(),
        Origin::Variable(name) => match settings.variables.get(name) {
            Some(text) => text.clone(),
            None => {
                return vec![Resolution::Unknown {
                    why: format!(
                        "`{}` is the CI variable `{name}`, whose value is not in the tree",
                        value.text.trim()
                    ),
                    resolve_with: format!(
                        "`{name} = \"…\"` under [variables] in trustlint.toml, or a [links] entry `\"vars.{name}\" = \"path:resource\"`"
                    ),
                }];
            }
        },
        _ => {
            let key = reference.unwrap_or_default();
            return vec![Resolution::Unknown {
                why: format!("`{}` is not known statically", value.text.trim()),
                resolve_with: format!("a [links] entry `\"{key}\" = \"path:resource\"` in trustlint.toml"),
            }];
        }
    };
    if target.kind == TargetKind::PulumiOrganization {
        return vec![Resolution::Unknown {
            why: format!(
                "the trust of Pulumi organization `{text}` is registered in Pulumi Cloud, not in files"
            ),
            resolve_with:
                "nothing in the tree: review the organization's OIDC issuer policies in Pulumi Cloud".into(),
        }];
    }
    let found = by_name(nodes, target.kind, &text);
    if found.is_empty() {
        return vec![Resolution::Unknown {
            why: format!("no trust in the scanned tree is named `{text}`"),
            resolve_with: format!(
                "a literal name on the trust (`RoleName`, a Pulumi `name`), the whole name CloudFormation or Pulumi generated for a role without one, or a [links] entry `\"{}\" = \"path:resource\"`",
                value.text.trim()
            ),
        }];
    }
    found.into_iter().map(|(index, matched_by)| Resolution::Identity { index, matched_by }).collect()
}

fn verdict(node: &IdentityNode, caller: &Caller) -> Verdict {
    let mut admitted = Vec::new();
    let mut rejected = Vec::new();
    let mut rejections = Vec::new();
    let mut unknown = None;
    if caller.alternatives.is_empty() {
        return Verdict::Unknown("the workflow's triggers could not be read".into());
    }
    for (index, alternative) in caller.alternatives.iter().enumerate() {
        let mut first_fail = None;
        let mut alt_unknown = None;
        let mut pass = false;
        for (t, trust) in node.trusts.iter().enumerate() {
            match admits(trust, caller.platform, alternative) {
                Check::Pass => pass = true,
                Check::Fail { span, why } => {
                    first_fail.get_or_insert(Rejection { alternative: index, trust: t, span, why });
                }
                Check::Unknown(why) => {
                    alt_unknown.get_or_insert(why);
                }
            }
        }
        if pass {
            admitted.push(index);
        } else if let Some(why) = alt_unknown {
            unknown.get_or_insert(why);
        } else if let Some(rejection) = first_fail {
            rejected.push(index);
            rejections.push(rejection);
        }
    }
    if !admitted.is_empty() {
        Verdict::Admits { admitted, rejected }
    } else if let Some(why) = unknown {
        Verdict::Unknown(why)
    } else {
        Verdict::Rejects(rejections)
    }
}

/// Link every caller of `workflows` to the trusts of the tree.
pub fn link(trusts: Vec<Trust>, grants: &[Grant], workflows: &[&Workflow], settings: &Settings) -> Chain {
    let identities = identities(trusts, grants);
    let callers = callers(workflows, settings.repository.as_ref());
    let mut targets = Vec::new();
    for (c, caller) in callers.iter().enumerate() {
        for (l, login) in caller.logins.iter().enumerate() {
            for t in 0..login.targets.len() {
                targets.push((c, l, t));
            }
        }
    }
    // Per target, in input order: parallel and deterministic.
    let links: Vec<Link> = targets
        .par_iter()
        .flat_map_iter(|&(c, l, t)| {
            let caller = &callers[c];
            let nodes = &identities;
            resolve(nodes, settings, &caller.logins[l].targets[t])
                .into_iter()
                .map(move |resolution| {
                    let verdict = match &resolution {
                        Resolution::Identity { index, .. } => Some(verdict(&nodes[*index], caller)),
                        Resolution::Unknown { .. } => None,
                    };
                    Link { caller: c, login: l, target: t, resolution, verdict }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    Chain { repository: settings.repository.clone(), callers, identities, links }
}
