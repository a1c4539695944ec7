//! Rule documents: `rules/<id>.md` with TOML front matter between `+++` lines. They are compiled
//! into the binary, so `trustlint explain`, SARIF help and editor hover need no files at run time.

use std::sync::OnceLock;

use serde::Deserialize;
use trustlint_core::{RuleMeta, Severity};

include!(concat!(env!("OUT_DIR"), "/documents.rs"));

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

/// Split a document into its front matter and body.
pub fn split_front_matter(document: &str) -> Result<(&str, &str), String> {
    let rest = document.strip_prefix("+++\n").ok_or("the document must start with a `+++` line")?;
    let end = rest.find("\n+++\n").ok_or("the front matter has no closing `+++` line")?;
    Ok((&rest[..end], rest[end + 5..].trim_start_matches('\n')))
}

/// Parse one document into rule metadata.
pub fn parse(id: &'static str, document: &'static str) -> Result<RuleMeta, String> {
    let (front, body) = split_front_matter(document)?;
    let front: FrontMatter = toml::from_str(front).map_err(|e| format!("{id}: {e}"))?;
    if front.id != id {
        return Err(format!("{id}: front matter names `{}`", front.id));
    }
    Ok(RuleMeta {
        id,
        summary: front.summary,
        default_severity: front.severity.parse().map_err(|e| format!("{id}: {e}"))?,
        tags: front.tags,
        inputs: front.inputs,
        doc: body.to_string(),
    })
}

/// Metadata of every rule and pseudo-rule. The documents are checked by a test, so a failure
/// here is a build defect, not a user error.
pub fn all() -> &'static [RuleMeta] {
    static ALL: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    ALL.get_or_init(|| {
        DOCUMENTS
            .iter()
            .map(|(id, doc)| parse(id, doc).unwrap_or_else(|e| panic!("rule catalog: {e}")))
            .collect()
    })
}

pub fn find(id: &str) -> Option<&'static RuleMeta> {
    all().iter().find(|meta| meta.id == id)
}

/// Default severity of a rule (Info for unknown ids).
pub fn default_severity(id: &str) -> Severity {
    find(id).map_or(Severity::Info, |meta| meta.default_severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_parses_and_has_the_required_sections() {
        for (id, document) in DOCUMENTS {
            let meta = parse(id, document).unwrap();
            for section in ["## What it does", "## Why is this bad", "## Examples", "## Fix"] {
                assert!(meta.doc.contains(section), "{id}: missing section `{section}`");
            }
            assert!(!meta.summary.is_empty(), "{id}: empty summary");
            assert!(!meta.inputs.is_empty(), "{id}: no inputs listed");
        }
    }

    #[test]
    fn every_registered_rule_has_a_document() {
        for rule in crate::registry() {
            assert!(find(rule.id()).is_some(), "{} has no rules/{}.md", rule.id(), rule.id());
        }
    }
}
