//! Rule documents: `rules/<id>.md` with TOML front matter between `+++` lines, embedded by each
//! rule's declaration (and checked when this crate compiled), so `trustlint explain`, SARIF help
//! and editor hover need no files at run time.

use std::sync::OnceLock;

use trustlint_core::{RuleMeta, Severity};

use crate::{Declared, ParseError, UnknownRuleInIgnore};

/// Metadata of every rule and pseudo-rule, sorted by id.
pub fn all() -> &'static [RuleMeta] {
    static ALL: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    ALL.get_or_init(|| {
        let rules = crate::registry();
        let pseudo: [&dyn Declared; 2] = [&ParseError, &UnknownRuleInIgnore];
        let mut all: Vec<RuleMeta> = rules
            .iter()
            .map(|rule| rule.as_ref() as &dyn Declared)
            .chain(pseudo)
            .map(|rule| {
                RuleMeta::parse(rule.id(), rule.document()).unwrap_or_else(|e| {
                    panic!("rules/{}.md was checked when it was embedded: {e}", rule.id())
                })
            })
            .collect();
        all.sort_by_key(|meta| meta.id);
        all
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

    /// A document nothing declares would be left out of every output without a word.
    #[test]
    fn every_document_is_declared() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
        let mut documents: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".md").map(str::to_string))
            .collect();
        documents.sort();
        let declared: Vec<&str> = all().iter().map(|meta| meta.id).collect();
        assert_eq!(documents, declared);
    }
}
