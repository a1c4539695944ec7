//! `trustlint.toml`: rules on and off, severity remaps, excluded paths, rule options and
//! external suppressions. Errors name the key and line that is wrong. They never show the file
//! whole: a `trustlint.toml` may be a link to a file of secrets (`~/.aws/credentials`,
//! `/proc/self/environ`), so every quote of it is redacted like a finding and then cut short.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use trustlint_core::Severity;
use trustlint_rules::RuleOptions;

pub const FILE_NAME: &str = "trustlint.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    fail_on: Option<String>,
    #[serde(default)]
    rules: BTreeMap<String, RawRule>,
    repository: Option<String>,
    repository_id: Option<IdText>,
    repository_owner_id: Option<IdText>,
    subject_claim_keys: Option<Vec<String>>,
    default_branch: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    links: BTreeMap<String, String>,
}

/// A numeric id written as a number or a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdText {
    Number(u64),
    Text(String),
}

impl IdText {
    fn text(self) -> String {
        match self {
            IdText::Number(n) => n.to_string(),
            IdText::Text(t) => t,
        }
    }
}

/// What only configuration can tell the trust chain (see docs/configuration.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainConfig {
    /// `owner/name` (GitHub) or the project path (GitLab).
    pub repository: Option<String>,
    pub repository_id: Option<String>,
    pub repository_owner_id: Option<String>,
    /// GitHub `include_claim_keys` of a customised subject template.
    pub subject_claim_keys: Option<Vec<String>>,
    /// The default branch (scheduled runs use it); else `.git/refs/remotes/origin/HEAD`.
    pub default_branch: Option<String>,
    /// Values of CI variables (`vars.NAME`, GitLab `$NAME`).
    pub variables: BTreeMap<String, String>,
    /// Login values (`secrets.DEPLOY_ROLE`) to the trust they name (`path[:resource]`).
    pub links: BTreeMap<String, String>,
}

/// `[rules.<id>]`: every rule takes `enabled` and `severity`; the other keys are the rule's own
/// options, accepted only under a rule whose options struct has them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawRule {
    enabled: Option<bool>,
    severity: Option<String>,
    #[serde(flatten)]
    options: trustlint_rules::options::Table,
}

/// An external suppression: `path:line` (every rule) or `path:line:rule-id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEntry {
    pub path: String,
    pub line: u32,
    pub rule: Option<String>,
    pub written: String,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where it was read from, if anywhere.
    pub source: Option<PathBuf>,
    pub exclude: Vec<String>,
    pub ignore: Vec<IgnoreEntry>,
    pub fail_on: Option<Severity>,
    pub disabled: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub options: BTreeMap<String, RuleOptions>,
    pub chain: ChainConfig,
}

/// A configuration error: the message names the key, and the line when it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The most characters of the configuration an error quotes (each quote, after redaction).
pub const QUOTE_CHARS: usize = 60;

/// The longest configuration error, quotes included.
const MAX_MESSAGE_CHARS: usize = 400;

impl ConfigError {
    /// An error whose message may quote the configuration: credentials in it (those the scan
    /// recognises, and `known`, the credentials of the file) are redacted, then each quote
    /// (between backticks) is cut to [`QUOTE_CHARS`].
    pub fn quoting(message: &str, known: &[&str]) -> ConfigError {
        let redacted = trustlint_rules::secrets::redact_quotes(message, known, QUOTE_CHARS);
        // Values the library echoes outside quotes (`invalid type: string "..."`) are bounded too.
        ConfigError(trustlint_rules::secrets::excerpt(&redacted, &[], MAX_MESSAGE_CHARS))
    }
}

/// A `trustlint.toml` larger than this is refused (real ones are a few hundred bytes).
pub const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

impl Config {
    /// Read `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = trustlint_core::read::read_file(path, MAX_CONFIG_SIZE)
            .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
        // Not UTF-8: say where, quoting nothing (it is likely not a configuration at all).
        let text = String::from_utf8(bytes).map_err(|e| {
            ConfigError(format!(
                "{}: not UTF-8 text (invalid byte at offset {}); is this a trustlint configuration?",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        let mut config =
            Config::parse(&text).map_err(|ConfigError(e)| ConfigError(format!("{}: {e}", path.display())))?;
        // Globs are checked here, so that a bad one is reported with the file it is in.
        crate::discover::Excludes::new(&config.exclude)
            .map_err(|ConfigError(e)| ConfigError(format!("{}: {e}", path.display())))?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// `trustlint.toml` at the scan root, if there is one.
    pub fn discover(root: &Path) -> Result<Config, ConfigError> {
        let candidate = root.join(FILE_NAME);
        if candidate.is_file() { Config::load(&candidate) } else { Ok(Config::default()) }
    }

    /// Read a configuration from its text. Errors quote it only through [`ConfigError::quoting`].
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse_raw(text).map_err(|ConfigError(message)| {
            let credentials = trustlint_rules::secrets::credential_spans(text);
            let known: Vec<&str> = credentials.iter().map(|span| &text[span.start..span.end]).collect();
            ConfigError::quoting(&message, &known)
        })
    }

    fn parse_raw(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError(toml_error(text, &e)))?;
        let known = |id: &str| trustlint_rules::catalog::find(id).is_some();
        let line_of = |needle: &str| {
            text.lines()
                .position(|line| line.contains(needle))
                .map_or_else(String::new, |i| format!("line {}: ", i + 1))
        };
        let mut config = Config { exclude: raw.exclude, ..Config::default() };
        if let Some(repository) = &raw.repository
            && !repository.trim().trim_matches('/').contains('/')
        {
            return Err(ConfigError(format!(
                "{}key `repository`: `{repository}` must be `owner/name` (GitHub) or a project path `group/project` (GitLab)",
                line_of("repository")
            )));
        }
        for (key, target) in &raw.links {
            if target.trim().is_empty() {
                return Err(ConfigError(format!(
                    "{}key `links.{key}`: the value must name a file, optionally with `:resource`",
                    line_of(key)
                )));
            }
        }
        config.chain = ChainConfig {
            repository: raw.repository,
            repository_id: raw.repository_id.map(IdText::text),
            repository_owner_id: raw.repository_owner_id.map(IdText::text),
            subject_claim_keys: raw.subject_claim_keys,
            default_branch: raw.default_branch,
            variables: raw.variables,
            links: raw.links,
        };
        for written in raw.ignore {
            config.ignore.push(parse_ignore(&written).ok_or_else(|| {
                ConfigError(format!(
                    "{}`ignore` entry `{written}` must be `path:line` or `path:line:rule-id`",
                    line_of(&written)
                ))
            })?);
        }
        if let Some(level) = raw.fail_on {
            config.fail_on = Some(
                level
                    .parse()
                    .map_err(|e| ConfigError(format!("{}key `fail-on`: {e}", line_of("fail-on"))))?,
            );
        }
        for (id, rule) in raw.rules {
            if !known(&id) {
                return Err(ConfigError(format!(
                    "{}key `rules.{id}`: unknown rule id (see `trustlint rules`)",
                    line_of(&id)
                )));
            }
            if rule.enabled == Some(false) {
                config.disabled.push(id.clone());
            }
            if let Some(severity) = rule.severity {
                let severity = severity
                    .parse()
                    .map_err(|e| ConfigError(format!("{}key `rules.{id}.severity`: {e}", line_of(&id))))?;
                config.severity.insert(id.clone(), severity);
            }
            let options = (trustlint_rules::options_of(&id).read)(&rule.options).map_err(|error| {
                ConfigError(format!(
                    "{}key `rules.{id}.{}`: {}",
                    line_in_table(text, &format!("[rules.{id}]"), &error.key),
                    error.key,
                    error.message
                ))
            })?;
            config.options.insert(id, options);
        }
        Ok(config)
    }

    /// Make `exclude` and `ignore` paths, written relative to the folder `prefix` (as reports
    /// show it, e.g. `infra`), relative to the folder reports are relative to.
    pub fn rebased(mut self, prefix: &str) -> Config {
        let prefix = prefix.trim_end_matches('/');
        if prefix.is_empty() || prefix == "." {
            return self;
        }
        for pattern in &mut self.exclude {
            *pattern = format!("{prefix}/{}", pattern.trim_start_matches("./"));
        }
        for entry in &mut self.ignore {
            entry.path = format!("{prefix}/{}", entry.path);
        }
        for target in self.chain.links.values_mut() {
            *target = format!("{prefix}/{}", target.trim_start_matches("./"));
        }
        self
    }

    pub fn options_for(&self, id: &str) -> RuleOptions {
        self.options.get(id).cloned().unwrap_or_default()
    }
}

/// `line N: ` for the first line at or below the table `header` that sets `key` (the first that
/// does anywhere when the header is not written out, as with dotted keys).
fn line_in_table(text: &str, header: &str, key: &str) -> String {
    let start = text.lines().position(|line| line.trim() == header).unwrap_or(0);
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, line)| line.trim_start().trim_start_matches('"').starts_with(key))
        .map_or_else(String::new, |(i, _)| format!("line {}: ", i + 1))
}

/// `line 3, column 9: <what TOML says>; the line reads `<the line>``: the position and the line,
/// rather than the library's drawing of it, so the quote can be redacted and cut like any other.
fn toml_error(text: &str, error: &toml::de::Error) -> String {
    // serde's messages quote values in double quotes; backticks make them quotes to cut as well.
    let message = error.message().trim_end().replace('`', "'");
    let Some(at) = error.span().map(|span| span.start.min(text.len())) else { return message };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count() + 1;
    let column = text.get(line_start..at).map_or(1, |before| before.chars().count() + 1);
    let mut line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
    // Quoted whole up to a bound no credential reaches; it is redacted, then cut much shorter.
    line_end = line_end.min(line_start + 4096);
    while !text.is_char_boundary(line_end) {
        line_end -= 1;
    }
    let quoted = text[line_start..line_end].trim_end_matches('\r').replace('`', "'");
    format!("line {line}, column {column}: {message}; the line reads `{quoted}`")
}

fn parse_ignore(written: &str) -> Option<IgnoreEntry> {
    let mut parts = written.rsplitn(3, ':').collect::<Vec<_>>();
    parts.reverse();
    let (path, line, rule) = match parts.as_slice() {
        [path, line, rule] if rule.parse::<u32>().is_err() && line.parse::<u32>().is_ok() => {
            (path.to_string(), line.parse().ok()?, Some(rule.to_string()))
        }
        [path, line, last] if last.parse::<u32>().is_ok() => {
            (format!("{path}:{line}"), last.parse().ok()?, None)
        }
        [path, line] => (path.to_string(), line.parse().ok()?, None),
        _ => return None,
    };
    Some(IgnoreEntry {
        path: path.trim_start_matches("./").to_string(),
        line,
        rule,
        written: written.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use trustlint_rules::rules::oidc_wildcard_subject::WildcardSubjectOptions;

    use super::*;

    #[test]
    fn reads_every_key() {
        let config = Config::parse(
            r#"
exclude = ["vendor/**"]
ignore = ["policies/legacy.json:12", "policies/b.json:3:oidc-missing-audience"]
fail-on = "high"

[rules.oidc-missing-audience]
enabled = false

[rules.oidc-wildcard-subject]
severity = "medium"
allow-whole-owner = ["acme"]
"#,
        )
        .unwrap();
        assert_eq!(config.exclude, vec!["vendor/**"]);
        assert_eq!(config.ignore[0].path, "policies/legacy.json");
        assert_eq!(config.ignore[0].line, 12);
        assert_eq!(config.ignore[1].rule.as_deref(), Some("oidc-missing-audience"));
        assert_eq!(config.fail_on, Some(Severity::High));
        assert_eq!(config.disabled, vec!["oidc-missing-audience"]);
        assert_eq!(config.severity["oidc-wildcard-subject"], Severity::Medium);
        let options = config.options_for("oidc-wildcard-subject");
        assert_eq!(options.get::<WildcardSubjectOptions>().allow_whole_owner, vec!["acme"]);
    }

    #[test]
    fn reads_the_chain_keys() {
        let config = Config::parse(
            r#"
repository = "acme/app"
repository-id = 90817263
repository-owner-id = "4411223"
subject-claim-keys = ["repo", "context", "job_workflow_ref"]

[variables]
DEPLOY_ROLE_ARN = "arn:aws:iam::123456789012:role/app-deploy"

[links]
"secrets.DEPLOY_ROLE" = "infra/ci.ts:deploy-role"
"#,
        )
        .unwrap();
        assert_eq!(config.chain.repository.as_deref(), Some("acme/app"));
        assert_eq!(config.chain.repository_id.as_deref(), Some("90817263"));
        assert_eq!(config.chain.repository_owner_id.as_deref(), Some("4411223"));
        assert_eq!(config.chain.subject_claim_keys.as_ref().unwrap().len(), 3);
        assert_eq!(config.chain.links["secrets.DEPLOY_ROLE"], "infra/ci.ts:deploy-role");
        let rebased = config.rebased("sub");
        assert_eq!(rebased.chain.links["secrets.DEPLOY_ROLE"], "sub/infra/ci.ts:deploy-role");
        let error = Config::parse("repository = \"app\"\n").unwrap_err();
        assert!(error.0.contains("line 1") && error.0.contains("owner/name"), "{error}");
    }

    #[test]
    fn an_option_is_accepted_only_under_the_rule_that_reads_it() {
        let error =
            Config::parse("[rules.oidc-missing-subject]\nenabled = true\nallow-whole-owner = [\"acme\"]\n")
                .unwrap_err();
        assert_eq!(
            error.0,
            "line 3: key `rules.oidc-missing-subject.allow-whole-owner`: the rule reads no options (every rule takes `enabled` and `severity`)"
        );
        let error =
            Config::parse("[rules.oidc-wildcard-subject]\nallow-whole-ownr = [\"acme\"]\n").unwrap_err();
        assert!(error.0.starts_with("line 2: key `rules.oidc-wildcard-subject.allow-whole-ownr`: the rule reads no such option (it reads `allow-whole-owner`"), "{error}");
        let error =
            Config::parse("[rules.oidc-wildcard-subject]\nallow-whole-owner = \"acme\"\n").unwrap_err();
        assert_eq!(
            error.0,
            "line 2: key `rules.oidc-wildcard-subject.allow-whole-owner`: expected a list of strings"
        );
        let path = std::env::temp_dir().join(format!("trustlint-options-{}.toml", std::process::id()));
        std::fs::write(&path, "[rules.hardcoded-secret]\nallow-whole-owner = []\n").unwrap();
        let error = Config::load(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            error.0.starts_with(&format!(
                "{}: line 2: key `rules.hardcoded-secret.allow-whole-owner`",
                path.display()
            )),
            "{error}"
        );
    }

    #[test]
    fn rebasing_prefixes_paths_written_from_a_subfolder() {
        let config = Config::parse("exclude = [\"vendor/**\"]\nignore = [\"a.json:3\"]\n").unwrap();
        let rebased = config.clone().rebased("infra");
        assert_eq!(rebased.exclude, vec!["infra/vendor/**"]);
        assert_eq!(rebased.ignore[0].path, "infra/a.json");
        assert_eq!(config.rebased(".").exclude, vec!["vendor/**"]);
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let error =
            Config::parse("exclude = []\n[rules.oidc-wildcard-subjct]\nenabled = false\n").unwrap_err();
        assert!(error.0.contains("line 2"), "{error}");
        assert!(error.0.contains("rules.oidc-wildcard-subjct"), "{error}");
        let error = Config::parse("[rules.oidc-missing-subject]\nseverity = \"urgent\"\n").unwrap_err();
        assert!(error.0.contains("rules.oidc-missing-subject.severity"), "{error}");
        let error = Config::parse("exclud = []\n").unwrap_err();
        assert!(error.0.contains("line 1") && error.0.contains("exclud"), "{error}");
        let error = Config::parse("ignore = [\"nofile\"]\n").unwrap_err();
        assert!(error.0.contains("nofile"), "{error}");
    }
}
