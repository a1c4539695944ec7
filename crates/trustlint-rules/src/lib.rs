//! trustlint's rules. Each rule is one file under `rules/`, judges the trust model (never raw
//! text, except the secret scanner), and is bound to its document `rules/<id>.md` at the
//! repository root, which supplies its summary, default severity, tags and inputs.

pub mod assess;
pub mod catalog;
pub mod fix;
pub mod rules;
pub mod secrets;

use std::sync::Arc;

use trustlint_core::{Finding, RuleMeta, SourceFile};
use trustlint_model::Facts;

/// Per-rule options from `trustlint.toml` (`[rules.<id>]` tables).
#[derive(Clone, Debug, Default)]
pub struct RuleOptions {
    /// `oidc-wildcard-subject`: owners whose org-wide trusts are intended (a read-only role for
    /// every repository of `acme`, say).
    pub allow_whole_owner: Vec<String>,
}

pub struct RuleContext<'a> {
    pub meta: &'a RuleMeta,
    pub options: &'a RuleOptions,
    /// Whether fixes are applied or shown in this run (`--fix`, or a format that renders them):
    /// a rule may skip the work of building and verifying one when not.
    pub fixes: bool,
}

pub trait Rule: Send + Sync {
    fn id(&self) -> &'static str;

    /// Judge the facts of one unit (a file, or a program whose files are linked together).
    fn check_facts(&self, _ctx: &RuleContext<'_>, _facts: &Facts, _out: &mut Vec<Finding>) {}

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

/// The id of the pseudo-rule for files that cannot be parsed.
pub const PARSE_ERROR: &str = "parse-error";
/// The id of the pseudo-rule for `trustlint: ignore[...]` comments naming an unknown rule.
pub const UNKNOWN_RULE_IN_IGNORE: &str = "unknown-rule-in-ignore";
