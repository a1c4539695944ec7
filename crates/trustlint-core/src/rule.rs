//! Rule metadata, as read from `rules/<id>.md`. Renderers need it (SARIF rule descriptors, the
//! docs link), so it lives here rather than in the rules crate. The rules' declaration macro
//! parses the documents with the same [`RuleMeta::parse`] at compile time, so a document that
//! would not parse here fails the build.

use serde::Deserialize;

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

/// The sections every rule document has, in this order of reading.
pub const REQUIRED_SECTIONS: [&str; 4] = ["## What it does", "## Why is this bad", "## Examples", "## Fix"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    summary: String,
    severity: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    inputs: Vec<String>,
}

/// Split a document into its TOML front matter (between `+++` lines) and body.
fn split_front_matter(document: &str) -> Result<(&str, &str), String> {
    let rest = document.strip_prefix("+++\n").ok_or("the document must start with a `+++` line")?;
    let end = rest.find("\n+++\n").ok_or("the front matter has no closing `+++` line")?;
    Ok((&rest[..end], rest[end + 5..].trim_start_matches('\n')))
}

impl RuleMeta {
    /// Read the document of rule `id`: its front matter must name `id` and a severity, give a
    /// summary and the inputs read, and its body must have every [`REQUIRED_SECTIONS`] heading.
    pub fn parse(id: &'static str, document: &str) -> Result<RuleMeta, String> {
        let (front, body) = split_front_matter(document)?;
        let front: FrontMatter =
            toml::from_str(front).map_err(|e| format!("front matter: {}", e.message()))?;
        if front.id != id {
            return Err(format!("the front matter names `{}`, not `{id}`", front.id));
        }
        if front.summary.trim().is_empty() {
            return Err("the front matter has an empty `summary`".into());
        }
        if front.inputs.is_empty() {
            return Err("the front matter lists no `inputs`".into());
        }
        if let Some(section) = REQUIRED_SECTIONS.iter().find(|section| !body.contains(*section)) {
            return Err(format!("the document has no `{section}` section"));
        }
        Ok(RuleMeta {
            id,
            summary: front.summary,
            default_severity: front.severity.parse().map_err(|e| format!("front matter `severity`: {e}"))?,
            tags: front.tags,
            inputs: front.inputs,
            doc: body.to_string(),
        })
    }

    pub fn help_uri(&self) -> String {
        help_uri(self.id)
    }
}

pub fn help_uri(rule_id: &str) -> String {
    format!("{DOCS_BASE_URL}/{rule_id}.md")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = "+++\nid = \"some-rule\"\nsummary = \"Flags something.\"\nseverity = \"low\"\ninputs = [\"IAM JSON\"]\n+++\n\n# some-rule\n\n## What it does\n\n## Why is this bad\n\n## Examples\n\n## Fix\n";

    #[test]
    fn reads_the_front_matter_and_body() {
        let meta = RuleMeta::parse("some-rule", DOCUMENT).unwrap();
        assert_eq!(meta.default_severity, Severity::Low);
        assert_eq!(meta.inputs, vec!["IAM JSON"]);
        assert!(meta.doc.starts_with("# some-rule\n"));
    }

    #[test]
    fn names_what_disagrees() {
        let error = RuleMeta::parse("other-rule", DOCUMENT).unwrap_err();
        assert_eq!(error, "the front matter names `some-rule`, not `other-rule`");
        let error = RuleMeta::parse("some-rule", &DOCUMENT.replace("\"low\"", "\"urgent\"")).unwrap_err();
        assert!(error.starts_with("front matter `severity`: unknown severity `urgent`"), "{error}");
        let error = RuleMeta::parse("some-rule", &DOCUMENT.replace("## Fix", "## Remedy")).unwrap_err();
        assert_eq!(error, "the document has no `## Fix` section");
        let error = RuleMeta::parse("some-rule", &DOCUMENT.replace("+++\n\n#", "\n#")).unwrap_err();
        assert_eq!(error, "the front matter has no closing `+++` line");
    }
}
