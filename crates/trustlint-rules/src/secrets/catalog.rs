//! The secret kinds of `rules/secrets.toml`, compiled once: regexes, example allowlists and the
//! pre-filter keywords. The file is part of the binary, so a malformed entry is a build defect
//! caught by the tests, not a user error.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use trustlint_core::{Confidence, Severity};

const SOURCE: &str = include_str!("../../../../rules/secrets.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    settings: Settings,
    kind: Vec<KindSpec>,
}

/// Which files are not scanned at all, and which lines count as minified.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub skip_file_names: Vec<String>,
    pub skip_file_suffixes: Vec<String>,
    pub max_line_length: usize,
}

impl Settings {
    /// Lock files and minified bundles: generated, full of hashes, never hand-written secrets.
    pub fn skips(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.skip_file_names.iter().any(|skipped| skipped == name)
            || self.skip_file_suffixes.iter().any(|suffix| name.ends_with(suffix.as_str()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindSpec {
    id: String,
    description: String,
    severity: String,
    keywords: Vec<String>,
    #[serde(default)]
    keywords_ignore_case: bool,
    #[serde(default)]
    lines_before: usize,
    #[serde(default)]
    lines_after: usize,
    regex: String,
    #[serde(default)]
    entropy: f64,
    #[serde(default)]
    min_length: usize,
    #[serde(default = "yes")]
    placeholders: bool,
    #[serde(default)]
    examples: Vec<String>,
    example_regex: Option<String>,
    example_note: Option<String>,
    #[serde(default)]
    all_examples: bool,
    context: Option<ContextSpec>,
    confidence: Option<String>,
    help: String,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSpec {
    #[serde(default)]
    key_names: Vec<String>,
    #[serde(default)]
    near_kinds: Vec<String>,
    #[serde(default)]
    near_lines: usize,
    requires: Option<String>,
    #[serde(default)]
    requires_lines: usize,
}

/// One kind of secret, ready to scan for.
#[derive(Debug)]
pub struct Kind {
    pub id: String,
    pub description: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub help: String,
    pub(crate) keywords: Vec<String>,
    pub(crate) keywords_ignore_case: bool,
    pub(crate) lines_before: usize,
    pub(crate) lines_after: usize,
    pub(crate) regex: Regex,
    /// Index of the `secret` capture group (0: the whole match).
    pub(crate) secret_group: usize,
    /// Index of the `entropy` capture group, the part whose randomness is measured (a key
    /// block's body, without its header): the `secret` group when absent.
    pub(crate) entropy_group: usize,
    pub(crate) entropy: f64,
    /// Minimum length of the value, whitespace excluded.
    pub(crate) min_length: usize,
    pub(crate) placeholders: bool,
    pub(crate) examples: Vec<String>,
    pub(crate) example_regex: Option<Regex>,
    pub example_note: Option<String>,
    pub(crate) all_examples: bool,
    pub(crate) context: Option<Context>,
}

impl Kind {
    /// A documented example value of this kind (reported at info, never as a secret).
    pub(crate) fn is_example(&self, value: &[u8]) -> bool {
        self.all_examples
            || self.examples.iter().any(|example| example.as_bytes() == value)
            || self.example_regex.as_ref().is_some_and(|regex| regex.is_match(value))
    }
}

/// Where a value must stand to count as this kind (see the header of `rules/secrets.toml`).
#[derive(Debug)]
pub(crate) struct Context {
    /// Lower-case, letters and digits only.
    pub(crate) key_names: Vec<String>,
    /// As written in the file: pre-filter keywords, matched in any case.
    pub(crate) key_names_written: Vec<String>,
    /// Indexes into [`Catalog::kinds`].
    pub(crate) near_kinds: Vec<usize>,
    pub(crate) near_lines: usize,
    pub(crate) requires: Option<Regex>,
    pub(crate) requires_lines: usize,
}

#[derive(Debug)]
pub struct Catalog {
    pub settings: Settings,
    /// In precedence order: when two values overlap, the kind listed first wins.
    pub kinds: Vec<Kind>,
}

/// Letters and digits only, lower-cased: `AWS_SECRET_ACCESS_KEY`, `secretAccessKey` and
/// `aws-secret-access-key` all contain `secretaccesskey`.
pub(crate) fn normalize_key_name(text: &[u8]) -> String {
    text.iter().filter(|b| b.is_ascii_alphanumeric()).map(|b| char::from(b.to_ascii_lowercase())).collect()
}

fn compile(pattern: &str, what: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .multi_line(true)
        // `$` also before `\r\n`: files written on Windows.
        .crlf(true)
        // ASCII classes: faster, and every secret format is ASCII.
        .unicode(false)
        .build()
        .map_err(|e| format!("{what}: {e}"))
}

/// Parse and compile a secrets file.
pub fn parse(source: &str) -> Result<Catalog, String> {
    let spec: FileSpec = toml::from_str(source).map_err(|e| e.to_string())?;
    let ids: Vec<&str> = spec.kind.iter().map(|k| k.id.as_str()).collect();
    let mut kinds = Vec::with_capacity(spec.kind.len());
    for (index, kind) in spec.kind.iter().enumerate() {
        let id = &kind.id;
        if ids[..index].contains(&id.as_str()) {
            return Err(format!("kind `{id}` is defined twice"));
        }
        let severity: Severity = kind.severity.parse().map_err(|e| format!("{id}: {e}"))?;
        let confidence = match kind.confidence.as_deref() {
            None | Some("high") => Confidence::High,
            Some("medium") => Confidence::Medium,
            Some("low") => Confidence::Low,
            Some(other) => return Err(format!("{id}: unknown confidence `{other}`")),
        };
        if kind.keywords.is_empty() || kind.keywords.iter().any(String::is_empty) {
            return Err(format!("{id}: needs non-empty keywords (the pre-filter)"));
        }
        let regex = compile(&kind.regex, &format!("{id}: regex"))?;
        let group = |wanted: &str| regex.capture_names().position(|name| name == Some(wanted));
        let secret_group = group("secret").unwrap_or(0);
        let entropy_group = group("entropy").unwrap_or(secret_group);
        let example_regex =
            kind.example_regex.as_deref().map(|p| compile(p, &format!("{id}: example_regex"))).transpose()?;
        if kind.all_examples && kind.example_note.is_none() {
            return Err(format!("{id}: `all_examples` needs an `example_note`"));
        }
        let context = match &kind.context {
            None => None,
            Some(context) => {
                let near_kinds = context
                    .near_kinds
                    .iter()
                    .map(|near| {
                        ids.iter()
                            .position(|id| id == near)
                            .ok_or_else(|| format!("{id}: context names unknown kind `{near}`"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let requires = context
                    .requires
                    .as_deref()
                    .map(|p| compile(p, &format!("{id}: context.requires")))
                    .transpose()?;
                Some(Context {
                    key_names: context.key_names.iter().map(|n| normalize_key_name(n.as_bytes())).collect(),
                    key_names_written: context.key_names.clone(),
                    near_kinds,
                    near_lines: context.near_lines,
                    requires,
                    requires_lines: context.requires_lines,
                })
            }
        };
        kinds.push(Kind {
            id: id.clone(),
            description: kind.description.clone(),
            severity,
            confidence,
            help: kind.help.clone(),
            keywords: kind.keywords.clone(),
            keywords_ignore_case: kind.keywords_ignore_case,
            lines_before: kind.lines_before,
            lines_after: kind.lines_after,
            regex,
            secret_group,
            entropy_group,
            entropy: kind.entropy,
            min_length: kind.min_length,
            placeholders: kind.placeholders,
            examples: kind.examples.clone(),
            example_regex,
            example_note: kind.example_note.clone(),
            all_examples: kind.all_examples,
            context,
        });
    }
    Ok(Catalog { settings: spec.settings, kinds })
}

/// The catalog compiled into the binary.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| parse(SOURCE).unwrap_or_else(|e| panic!("rules/secrets.toml: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalog_compiles() {
        let catalog = catalog();
        assert!(catalog.kinds.len() >= 20);
        for kind in &catalog.kinds {
            assert!(!kind.help.is_empty(), "{}: no help", kind.id);
            assert!(kind.severity >= Severity::High || kind.all_examples, "{}: severity", kind.id);
            assert!(
                kind.secret_group > 0 || kind.regex.captures_len() == 1,
                "{}: a regex with groups must name the `secret` one",
                kind.id
            );
        }
    }

    #[test]
    fn malformed_entries_are_reported() {
        let base = "[settings]\nskip_file_names = []\nskip_file_suffixes = []\nmax_line_length = 10\n";
        let kind = |extra: &str| {
            format!(
                "{base}[[kind]]\nid = \"x\"\ndescription = \"x\"\nseverity = \"high\"\nhelp = \"h\"\n{extra}"
            )
        };
        let error = |extra: &str| parse(&kind(extra)).unwrap_err();
        assert!(error("keywords = []\nregex = 'a'").contains("keywords"));
        assert!(error("keywords = ['a']\nregex = '('").contains("regex"));
        assert!(error("keywords = ['a']\nregex = 'a'\ncontext.near_kinds = ['nope']").contains("nope"));
        assert!(error("keywords = ['a']\nregex = 'a'\nall_examples = true").contains("example_note"));
        assert!(error("keywords = ['a']\nregex = 'a'\nsurprise = 1").contains("surprise"));
        assert!(parse(&kind("keywords = ['a']\nregex = 'a'")).is_ok());
    }

    #[test]
    fn lock_files_and_bundles_are_skipped() {
        let settings = &catalog().settings;
        for path in ["package-lock.json", "web/yarn.lock", "go.sum", "Cargo.lock", "dist/app.min.js"] {
            assert!(settings.skips(path), "{path}");
        }
        for path in ["src/app.js", "Cargo.toml", "lock.json", ".env"] {
            assert!(!settings.skips(path), "{path}");
        }
    }

    #[test]
    fn key_names_ignore_case_and_punctuation() {
        assert_eq!(normalize_key_name(b"AWS_SECRET_ACCESS_KEY"), "awssecretaccesskey");
        assert_eq!(normalize_key_name(b"aws-secret-access-key"), "awssecretaccesskey");
        assert_eq!(normalize_key_name(b"  secretAccessKey: \""), "secretaccesskey");
    }
}
