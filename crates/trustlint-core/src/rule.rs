//! Rule metadata, as read from `rules/<id>.md`. Renderers need it (SARIF rule descriptors, the
//! docs link), so it lives here rather than in the rules crate.

use crate::finding::Severity;

/// Where rule pages are published; the SARIF `helpUri` and the human report link here.
pub const DOCS_BASE_URL: &str = "https://github.com/trustlint/trustlint/blob/main/docs/rules";

#[derive(Clone, Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    /// One line: what the rule flags.
    pub summary: String,
    pub default_severity: Severity,
    pub tags: Vec<String>,
    /// The input kinds the rule reads ("IAM JSON", "CloudFormation", ...).
    pub inputs: Vec<String>,
    /// The rule's document (markdown, without its front matter).
    pub doc: String,
}

impl RuleMeta {
    pub fn help_uri(&self) -> String {
        help_uri(self.id)
    }
}

pub fn help_uri(rule_id: &str) -> String {
    format!("{DOCS_BASE_URL}/{rule_id}.md")
}
