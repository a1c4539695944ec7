//! trustlint's rules. Each rule is one file under `rules/`, judges the trust model (never raw
//! text, except the secret scanner), and is declared by `#[derive(DeclareRule)]` on its unit
//! struct: the id is the type name in kebab-case, and the document `rules/<id>.md` at the
//! repository root (summary, default severity, tags, inputs, the rule page) is checked while this
//! crate compiles. A rule implements only the hooks it needs; [`judge_facts`] and
//! [`judge_chain`] call them.

// The declaration macros' code names this crate `::trustlint_rules`, inside it as well.
extern crate self as trustlint_rules;

pub mod assess;
pub mod catalog;
pub mod fix;
pub mod options;
pub mod rules;
pub mod secrets;

use std::sync::Arc;

use trustlint_core::{Finding, Location, RuleMeta, SourceFile};
use trustlint_model::workflow::{Job, Workflow, WorkflowKind};
use trustlint_model::{CredentialUse, Facts, Issuer, Trust};
pub use trustlint_rule_macros::{DeclareRule, RuleOptions};

use crate::options::OptionsDeclaration;
pub use crate::options::RuleOptions;

pub struct RuleContext<'a> {
    pub meta: &'a RuleMeta,
    pub options: &'a RuleOptions,
    /// Whether fixes are applied or shown in this run (`--fix`, or a format that renders them):
    /// a rule may skip the work of building and verifying one when not.
    pub fixes: bool,
}

impl RuleContext<'_> {
    /// A finding of this rule at its default severity; a rule that grades its findings sets
    /// another with [`Finding::with_severity`].
    pub fn finding(&self, location: Location, message: impl Into<String>) -> Finding {
        Finding::new(self.meta.id, self.meta.default_severity, location, message)
    }
}

/// What `#[derive(DeclareRule)]` implements: the rule's id, its document, its options.
pub trait Declared {
    fn id(&self) -> &'static str;

    /// `rules/<id>.md`.
    fn document(&self) -> &'static str;

    /// The options the rule reads (`#[rule(options = Type)]`); none by default.
    fn options(&self) -> &'static OptionsDeclaration {
        &options::NO_OPTIONS
    }
}

/// A trust whose issuer is known and that some token can satisfy (a trust none can is
/// `oidc-condition-never-matches`' finding alone), with the facts of its unit.
pub struct LiveTrust<'a> {
    pub trust: &'a Trust,
    pub issuer: &'a Issuer,
    /// The unit's facts: the other trusts (a GCP pool and its bindings), grants.
    pub facts: &'a Facts,
}

/// The hooks a rule implements, the way zizmor's audits receive a workflow, a job or a step. The
/// dispatchers ([`judge_facts`], [`judge_chain`]) walk the facts and call each.
pub trait Rule: Declared + Send + Sync {
    /// Judge the facts of one unit (a file, or a program whose files are linked together) as a
    /// whole, for what no narrower hook gives (grants, minted credentials, all trusts at once).
    fn check_facts(&self, _ctx: &RuleContext<'_>, _facts: &Facts, _out: &mut Vec<Finding>) {}

    /// Judge a trust whose issuer is known and that some token can satisfy.
    fn check_trust(&self, _ctx: &RuleContext<'_>, _trust: &LiveTrust<'_>, _out: &mut Vec<Finding>) {}

    /// Judge a trust whose issuer is known, including one no token can satisfy.
    fn check_issued_trust(
        &self,
        _ctx: &RuleContext<'_>,
        _trust: &Trust,
        _issuer: &Issuer,
        _out: &mut Vec<Finding>,
    ) {
    }

    /// Judge a long-lived credential wired in (CI inputs and variables, stack settings).
    fn check_credential(&self, _ctx: &RuleContext<'_>, _credential: &CredentialUse, _out: &mut Vec<Finding>) {
    }

    /// Judge a GitHub Actions workflow (not a composite action).
    fn check_github_workflow(&self, _ctx: &RuleContext<'_>, _flow: &Workflow, _out: &mut Vec<Finding>) {}

    /// Judge one job of a GitHub Actions workflow.
    fn check_github_job(
        &self,
        _ctx: &RuleContext<'_>,
        _flow: &Workflow,
        _job: &Job,
        _out: &mut Vec<Finding>,
    ) {
    }

    /// Judge a GitLab CI pipeline definition.
    fn check_gitlab_pipeline(&self, _ctx: &RuleContext<'_>, _flow: &Workflow, _out: &mut Vec<Finding>) {}

    /// True for rules that read the text of every file (credential literals): the engine then
    /// reads files no frontend parses, and calls [`Rule::check_text`] on them.
    fn reads_text(&self) -> bool {
        false
    }

    /// Judge a file's text (only for rules that look for literals, such as credentials).
    fn check_text(&self, _ctx: &RuleContext<'_>, _file: &Arc<SourceFile>, _out: &mut Vec<Finding>) {}

    /// True for rules that judge the trust chain of the whole run (callers linked to trusts
    /// across files): the engine then keeps the facts linking needs and calls
    /// [`Rule::check_chain`] once every file is analysed.
    fn reads_chain(&self) -> bool {
        false
    }

    /// Judge the trust chain of the whole run.
    fn check_chain(&self, _ctx: &RuleContext<'_>, _chain: &trustlint_link::Chain, _out: &mut Vec<Finding>) {}
}

/// A rule enabled for a run, with its document and its options.
pub struct ActiveRule {
    pub rule: Box<dyn Rule>,
    pub meta: &'static RuleMeta,
    pub options: RuleOptions,
}

impl ActiveRule {
    fn context(&self, fixes: bool) -> RuleContext<'_> {
        RuleContext { meta: self.meta, options: &self.options, fixes }
    }
}

/// Run every hook of `rules` on one file and the facts of its unit.
pub fn judge_facts(
    rules: &[ActiveRule],
    fixes: bool,
    file: &Arc<SourceFile>,
    facts: &Facts,
    out: &mut Vec<Finding>,
) {
    let rules: Vec<(&dyn Rule, RuleContext<'_>)> =
        rules.iter().map(|active| (active.rule.as_ref(), active.context(fixes))).collect();
    for (rule, ctx) in &rules {
        rule.check_text(ctx, file, out);
        rule.check_facts(ctx, facts, out);
    }
    for trust in &facts.trusts {
        let Some(issuer) = trust.issuer() else { continue };
        let live =
            assess::dead_condition(trust, issuer).is_none().then_some(LiveTrust { trust, issuer, facts });
        for (rule, ctx) in &rules {
            rule.check_issued_trust(ctx, trust, issuer, out);
            if let Some(live) = &live {
                rule.check_trust(ctx, live, out);
            }
        }
    }
    for credential in &facts.credentials {
        for (rule, ctx) in &rules {
            rule.check_credential(ctx, credential, out);
        }
    }
    for flow in &facts.workflows {
        for (rule, ctx) in &rules {
            match flow.kind {
                WorkflowKind::GitHubWorkflow => {
                    rule.check_github_workflow(ctx, flow, out);
                    for job in &flow.jobs {
                        rule.check_github_job(ctx, flow, job, out);
                    }
                }
                WorkflowKind::GitLabPipeline => rule.check_gitlab_pipeline(ctx, flow, out),
                WorkflowKind::GitHubCompositeAction => {}
            }
        }
    }
}

/// Run the chain rules among `rules` on the trust chain of the whole run.
pub fn judge_chain(rules: &[ActiveRule], fixes: bool, chain: &trustlint_link::Chain, out: &mut Vec<Finding>) {
    for active in rules.iter().filter(|active| active.rule.reads_chain()) {
        active.rule.check_chain(&active.context(fixes), chain, out);
    }
}

/// The findings of one rule, with default options and fixes on, on one file and its facts.
#[cfg(test)]
pub(crate) fn judge_one(rule: Box<dyn Rule>, file: &Arc<SourceFile>, facts: &Facts) -> Vec<Finding> {
    let meta = catalog::find(rule.id()).expect("a declared rule");
    let mut out = Vec::new();
    judge_facts(&[ActiveRule { rule, meta, options: RuleOptions::default() }], true, file, facts, &mut out);
    out
}

/// The options rule `id` reads (none for unknown ids and pseudo-rules).
pub fn options_of(id: &str) -> &'static OptionsDeclaration {
    registry().iter().find(|rule| rule.id() == id).map_or(&options::NO_OPTIONS, |rule| rule.options())
}

/// Every rule, in registry order (one explicit line each).
pub fn registry() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(rules::oidc_missing_subject::OidcMissingSubject),
        Box::new(rules::oidc_wildcard_subject::OidcWildcardSubject),
        Box::new(rules::oidc_missing_audience::OidcMissingAudience),
        Box::new(rules::oidc_instance_audience::OidcInstanceAudience),
        Box::new(rules::oidc_condition_fails_open::OidcConditionFailsOpen),
        Box::new(rules::oidc_condition_never_matches::OidcConditionNeverMatches),
        Box::new(rules::oidc_admin_binding::OidcAdminBinding),
        Box::new(rules::hardcoded_secret::HardcodedSecret),
        Box::new(rules::id_token_workflow_scope::IdTokenWorkflowScope),
        Box::new(rules::id_token_untrusted_trigger::IdTokenUntrustedTrigger),
        Box::new(rules::id_token_unused::IdTokenUnused),
        Box::new(rules::static_cloud_credentials::StaticCloudCredentials),
        Box::new(rules::plaintext_config_secret::PlaintextConfigSecret),
        Box::new(rules::long_lived_key_resource::LongLivedKeyResource),
        Box::new(rules::trust_rejects_caller::TrustRejectsCaller),
        Box::new(rules::trust_broader_than_usage::TrustBroaderThanUsage),
    ]
}

/// The pseudo-rule for files that cannot be parsed: the engine reports it, no hook does.
#[derive(DeclareRule)]
pub struct ParseError;

/// The pseudo-rule for `trustlint: ignore[...]` comments naming an unknown rule (the engine's).
#[derive(DeclareRule)]
pub struct UnknownRuleInIgnore;

/// The id of the pseudo-rule for files that cannot be parsed.
pub const PARSE_ERROR: &str = ParseError::ID;
/// The id of the pseudo-rule for `trustlint: ignore[...]` comments naming an unknown rule.
pub const UNKNOWN_RULE_IN_IGNORE: &str = UnknownRuleInIgnore::ID;
