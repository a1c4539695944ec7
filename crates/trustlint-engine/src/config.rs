//! `trustlint.toml`: rules on and off, severity remaps, excluded paths, rule options and
//! external suppressions. Errors name the key and line that is wrong.

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
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    enabled: Option<bool>,
    severity: Option<String>,
    #[serde(default)]
    allow_whole_owner: Vec<String>,
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

/// A `trustlint.toml` larger than this is refused (real ones are a few hundred bytes).
pub const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

impl Config {
    /// Read `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = trustlint_core::read::read_text(path, MAX_CONFIG_SIZE)
            .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
        let mut config =
            Config::parse(&text).map_err(|ConfigError(e)| ConfigError(format!("{}: {e}", path.display())))?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// `trustlint.toml` at the scan root, if there is one.
    pub fn discover(root: &Path) -> Result<Config, ConfigError> {
        let candidate = root.join(FILE_NAME);
        if candidate.is_file() { Config::load(&candidate) } else { Ok(Config::default()) }
    }

    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError(e.to_string().trim_end().to_string()))?;
        let known = |id: &str| trustlint_rules::catalog::find(id).is_some();
        let line_of = |needle: &str| {
            text.lines()
                .position(|line| line.contains(needle))
                .map_or_else(String::new, |i| format!("line {}: ", i + 1))
        };
        let mut config = Config { exclude: raw.exclude, ..Config::default() };
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
            config.options.insert(id, RuleOptions { allow_whole_owner: rule.allow_whole_owner });
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
        self
    }

    pub fn options_for(&self, id: &str) -> RuleOptions {
        self.options.get(id).cloned().unwrap_or_default()
    }
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
        assert_eq!(config.options_for("oidc-wildcard-subject").allow_whole_owner, vec!["acme"]);
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
