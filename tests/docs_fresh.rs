//! Generated documentation: `docs/rules/<id>.md`, `docs/rules/README.md`, the rule table in
//! `README.md` (between `<!-- rules:start -->` and `<!-- rules:end -->`) and the editor schema
//! `docs/trustlint.schema.json` are generated from the rule catalog (`rules/*.md`, embedded in the
//! binary) and the configuration keys. The tests regenerate them in memory and fail when a
//! checked-in file differs; `TRUSTLINT_UPDATE_DOCS=1 cargo test --test docs_fresh` rewrites them.
//!
//! The schema is also checked against the real configuration reader: every example is accepted
//! by the schema exactly when `trustlint_engine::Config::parse` accepts it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use trustlint_core::RuleMeta;
use trustlint_core::rule::DOCS_BASE_URL;

const UPDATE_VAR: &str = "TRUSTLINT_UPDATE_DOCS";
const README_START: &str = "<!-- rules:start -->";
const README_END: &str = "<!-- rules:end -->";
const SCHEMA_PATH: &str = "docs/trustlint.schema.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rules() -> &'static [RuleMeta] {
    trustlint_rules::catalog::all()
}

fn updating() -> bool {
    std::env::var_os(UPDATE_VAR).is_some_and(|v| v == "1")
}

fn generated_notice(source: &str) -> String {
    format!(
        "<!-- Generated from {source} by tests/docs_fresh.rs. Edit the source, then run\n     \
         `{UPDATE_VAR}=1 cargo test --test docs_fresh`. -->\n"
    )
}

/// A markdown table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) { text.to_string() } else { format!("{text}.") }
}

fn rule_page(meta: &RuleMeta) -> String {
    let id = meta.id;
    let body = meta.doc.trim();
    // The document's own `# id` heading is replaced by the one written here.
    let body = match body.split_once('\n') {
        Some((first, rest)) if first.trim() == format!("# {id}") => rest.trim_start(),
        _ if body.trim() == format!("# {id}") => "",
        _ => body,
    };
    let mut out = generated_notice(&format!("rules/{id}.md"));
    out.push_str(&format!("# {id}\n\n{}\n\n", sentence(&meta.summary)));
    out.push_str("| Default severity | Reads | Tags |\n|---|---|---|\n");
    out.push_str(&format!(
        "| {} | {} | {} |\n\n",
        meta.default_severity,
        cell(&meta.inputs.join(", ")),
        cell(&meta.tags.join(", "))
    ));
    out.push_str(body);
    out.push_str(&format!(
        "\n\n## Configuration\n\n\
         In `trustlint.toml` (see [configuration](../configuration.md)):\n\n\
         ```toml\n\
         [rules.{id}]\n\
         enabled = false      # turn the rule off\n\
         severity = \"low\"     # or report it at another severity\n\
         ```\n\n\
         To accept one finding, write `trustlint: ignore[{id}] <reason>` in a comment on its line or \
         the line above, or list it under `ignore` in `trustlint.toml` (see \
         [suppressions](../suppressions.md)).\n\n\
         [All rules](README.md)\n"
    ));
    out
}

fn rules_index() -> String {
    let mut out = generated_notice("rules/*.md");
    out.push_str(
        "# Rules\n\n\
         Every rule trustlint runs, with its default severity and the inputs it reads. Change a \
         rule's severity or turn it off in `trustlint.toml` ([configuration](../configuration.md)); \
         `trustlint explain <id>` prints the same page in the terminal.\n\n\
         | Rule | Summary | Severity | Reads |\n|---|---|---|---|\n",
    );
    for meta in rules() {
        out.push_str(&format!(
            "| [`{id}`]({id}.md) | {} | {} | {} |\n",
            cell(&meta.summary),
            meta.default_severity,
            cell(&meta.inputs.join(", ")),
            id = meta.id,
        ));
    }
    out
}

/// The table between the README markers (markers included).
fn readme_table() -> String {
    let mut out =
        format!("{README_START}\n| id | summary | default severity | inputs |\n|---|---|---|---|\n");
    for meta in rules() {
        out.push_str(&format!(
            "| [`{id}`](docs/rules/{id}.md) | {} | {} | {} |\n",
            cell(&meta.summary),
            meta.default_severity,
            cell(&meta.inputs.join(", ")),
            id = meta.id,
        ));
    }
    out.push_str(README_END);
    out
}

/// README.md with its rule table regenerated. A README without the markers gets a `## Rules`
/// section appended; a missing README is created with just that section.
fn readme(current: Option<&str>) -> String {
    match current {
        None => format!("## Rules\n\n{}\n", readme_table()),
        Some(text) => match (text.find(README_START), text.find(README_END)) {
            (Some(start), Some(end)) if start < end => {
                format!("{}{}{}", &text[..start], readme_table(), &text[end + README_END.len()..])
            }
            _ => format!("{}\n\n## Rules\n\n{}\n", text.trim_end(), readme_table()),
        },
    }
}

/// The keys every `[rules.<id>]` table takes.
fn common_rule_keys() -> serde_json::Map<String, Value> {
    let keys = json!({
        "enabled": {
            "description": "`false` turns the rule off.",
            "type": "boolean"
        },
        "severity": {
            "description": "Report the rule's findings at this severity instead of its default (and of the severity the rule computed).",
            "$ref": "#/definitions/severity"
        }
    });
    keys.as_object().cloned().unwrap_or_default()
}

/// The JSON schema of `trustlint.toml`, for editors (taplo / Even Better TOML, or any JSON
/// schema aware TOML tool). Keys mirror `crates/trustlint-engine/src/config.rs`; each rule's own
/// options come from its options struct (`trustlint_rules::options_of`).
fn schema() -> String {
    let severity_names: Vec<&str> = trustlint_core::Severity::ALL.iter().rev().map(|s| s.as_str()).collect();
    let rule_properties: serde_json::Map<String, Value> = rules()
        .iter()
        .map(|meta| {
            let description = format!(
                "{} Default severity: {}. {}",
                sentence(&meta.summary),
                meta.default_severity,
                meta.help_uri()
            );
            // A rule's own options are accepted under it alone (its options struct lists them).
            let options = trustlint_rules::options_of(meta.id).keys;
            let schema = if options.is_empty() {
                json!({ "description": description, "$ref": "#/definitions/rule" })
            } else {
                let mut properties = common_rule_keys();
                for option in options {
                    let mut property = option.value.json_schema();
                    property["description"] = json!(option.description);
                    properties.insert(option.name.to_string(), property);
                }
                json!({
                    "description": description,
                    "type": "object",
                    "additionalProperties": false,
                    "properties": properties
                })
            };
            (meta.id.to_string(), schema)
        })
        .collect();
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://raw.githubusercontent.com/trustlint/trustlint/main/docs/trustlint.schema.json",
        "title": "trustlint.toml",
        "description": "trustlint configuration. Generated by tests/docs_fresh.rs; documented in docs/configuration.md.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "exclude": {
                "description": "Glob patterns (relative to the folder trustlint runs in, `/`-separated) of files and folders not to check. `dir` also excludes everything below it. Applies to files named on the command line too.",
                "type": "array",
                "items": { "type": "string" }
            },
            "ignore": {
                "description": "External suppressions for files without comments (JSON): `path:line` suppresses every rule on that line, `path:line:rule-id` one rule. The line is the finding's first line.",
                "type": "array",
                "items": {
                    "type": "string",
                    "pattern": "^.+:[0-9]+(:[^:]*[^0-9:][^:]*)?$"
                }
            },
            "fail-on": {
                "description": "Exit 1 when an unsuppressed finding at or above this severity remains (default: low). `--fail-on` on the command line wins.",
                "$ref": "#/definitions/severity"
            },
            "repository": {
                "description": "The repository scanned: `owner/name` on GitHub, the project path on GitLab. The trust chain (`trustlint map`, trust-rejects-caller, trust-broader-than-usage) builds token subjects from it. Default: `--repository`, else the `origin` remote in .git/config.",
                "type": "string",
                "pattern": "^[^/]+(/[^/]+)+$"
            },
            "repository-id": {
                "description": "GitHub's immutable repository id. With `repository-owner-id`, subjects take the immutable form `repo:OWNER@ID/REPO@ID:...` (repositories created or renamed after 2026-07-15, or opted in).",
                "type": ["string", "integer"]
            },
            "repository-owner-id": {
                "description": "GitHub's immutable owner id (see `repository-id`).",
                "type": ["string", "integer"]
            },
            "subject-claim-keys": {
                "description": "A customised GitHub subject template (`include_claim_keys`), in order, e.g. `[\"repo\", \"context\", \"job_workflow_ref\"]`.",
                "type": "array",
                "items": { "type": "string" }
            },
            "default-branch": {
                "description": "The default branch, where scheduled and chained runs start. Default: .git/refs/remotes/origin/HEAD, else unknown (any branch).",
                "type": "string"
            },
            "variables": {
                "description": "Values of CI variables (GitHub `vars.NAME`, GitLab `$NAME`) that name login targets, so the trust chain can link them.",
                "type": "object",
                "additionalProperties": { "type": "string" }
            },
            "links": {
                "description": "Login values the tree cannot resolve (`secrets.DEPLOY_ROLE`, `vars.X`, or a literal) mapped to the trust they name: `path` or `path:resource` (a CloudFormation logical id, a Pulumi resource name or a role name).",
                "type": "object",
                "additionalProperties": { "type": "string" }
            },
            "rules": {
                "description": "Per-rule settings, keyed by rule id (see `trustlint rules`).",
                "type": "object",
                "additionalProperties": false,
                "properties": rule_properties
            }
        },
        "definitions": {
            "severity": {
                "description": "A severity, most to least severe.",
                "type": "string",
                "enum": severity_names
            },
            "rule": {
                "type": "object",
                "additionalProperties": false,
                "properties": common_rule_keys()
            }
        }
    });
    let mut out = serde_json::to_string_pretty(&schema).unwrap();
    out.push('\n');
    out
}

/// Every generated file: path relative to the repository root -> expected content.
fn expected() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    for meta in rules() {
        files.insert(PathBuf::from(format!("docs/rules/{}.md", meta.id)), rule_page(meta));
    }
    files.insert(PathBuf::from("docs/rules/README.md"), rules_index());
    let current_readme = std::fs::read_to_string(root().join("README.md")).ok();
    files.insert(PathBuf::from("README.md"), readme(current_readme.as_deref()));
    files.insert(PathBuf::from(SCHEMA_PATH), schema());
    files
}

/// Pages under docs/rules/ whose rule no longer exists.
fn orphans(expected: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root().join("docs/rules")) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| Path::new("docs/rules").join(entry.file_name()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md") && !expected.contains_key(path))
        .collect();
    out.sort();
    out
}

#[test]
fn generated_docs_are_fresh() {
    let expected = expected();
    let orphans = orphans(&expected);
    if updating() {
        for (path, content) in &expected {
            let full = root().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            if std::fs::read_to_string(&full).ok().as_deref() != Some(content.as_str()) {
                std::fs::write(&full, content).unwrap();
            }
        }
        for path in &orphans {
            std::fs::remove_file(root().join(path)).unwrap();
        }
        return;
    }
    let mut stale: Vec<String> = expected
        .iter()
        .filter(|(path, content)| {
            std::fs::read_to_string(root().join(path)).ok().as_deref() != Some(content.as_str())
        })
        .map(|(path, _)| format!("  {} (out of date or missing)", path.display()))
        .collect();
    stale.extend(orphans.iter().map(|path| format!("  {} (its rule no longer exists)", path.display())));
    assert!(
        stale.is_empty(),
        "generated docs are stale; run `{UPDATE_VAR}=1 cargo test --test docs_fresh`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn help_uri_points_at_the_generated_page() {
    assert!(DOCS_BASE_URL.ends_with("/docs/rules"), "{DOCS_BASE_URL}");
    for meta in rules() {
        let uri = meta.help_uri();
        let page = format!("docs/rules/{}.md", meta.id);
        assert_eq!(uri, format!("{DOCS_BASE_URL}/{}.md", meta.id));
        assert!(uri.ends_with(&format!("/{page}")), "{uri} does not name {page}");
    }
}

#[test]
fn rule_pages_keep_the_document_and_link_back() {
    for meta in rules() {
        let page = rule_page(meta);
        for section in ["## What it does", "## Why is this bad", "## Examples", "## Fix", "## Configuration"]
        {
            assert!(page.contains(section), "{}: page lacks `{section}`", meta.id);
        }
        assert_eq!(page.matches(&format!("# {}\n", meta.id)).count(), 1, "{}: one title", meta.id);
        assert!(page.contains(&format!("[rules.{}]", meta.id)));
        assert!(rules_index().contains(&format!("[`{id}`]({id}.md)", id = meta.id)));
        assert!(readme_table().contains(&format!("(docs/rules/{}.md)", meta.id)));
    }
}

#[test]
fn readme_table_replaces_only_the_marked_section() {
    let text =
        format!("# trustlint\n\nIntro.\n\n## Rules\n\n{README_START}\nold\n{README_END}\n\n## License\n");
    let updated = readme(Some(&text));
    assert!(updated.starts_with("# trustlint\n\nIntro.\n\n## Rules\n\n<!-- rules:start -->"));
    assert!(updated.ends_with("<!-- rules:end -->\n\n## License\n"));
    assert!(!updated.contains("\nold\n"));
    assert_eq!(readme(Some(&updated)), updated, "regenerating is stable");
    let appended = readme(Some("# trustlint\n"));
    assert!(appended.starts_with("# trustlint\n\n## Rules\n\n<!-- rules:start -->"), "{appended}");
    assert!(readme(None).starts_with("## Rules\n\n<!-- rules:start -->"));
}

// ---- the configuration schema, against the real configuration reader ----

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&schema()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn toml_to_json(text: &str) -> Value {
    toml::from_str::<Value>(text).unwrap_or_else(|e| panic!("not TOML: {e}\n{text}"))
}

fn schema_errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    validator.iter_errors(&toml_to_json(text)).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

#[test]
fn schema_accepts_the_repository_configuration() {
    let text = std::fs::read_to_string(root().join("trustlint.toml")).unwrap();
    trustlint_engine::Config::parse(&text).unwrap();
    let errors = schema_errors(&schema_validator(), &text);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn schema_agrees_with_the_configuration_reader() {
    let validator = schema_validator();
    let cases: &[&str] = &[
        "",
        // The example of crates/trustlint-engine/src/config.rs `reads_every_key`.
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
        "fail-on = \"info\"\n",
        "ignore = [\"C:/work/trust.json:4\", \"./a.json:1:parse-error\"]\n",
        "[rules.parse-error]\nenabled = true\nseverity = \"critical\"\n",
        // Rejected by both:
        "exclud = []\n",
        "exclude = \"vendor\"\n",
        "exclude = []\n[rules.oidc-wildcard-subjct]\nenabled = false\n",
        "[rules.oidc-missing-subject]\nseverity = \"urgent\"\n",
        "[rules.oidc-missing-subject]\nenabld = false\n",
        "[rules.oidc-missing-subject]\nenabled = \"no\"\n",
        "[rules.oidc-wildcard-subject]\nallow-whole-owner = \"acme\"\n",
        "[rules.oidc-missing-subject]\nallow-whole-owner = [\"acme\"]\n",
        "[rules.oidc-wildcard-subject]\nallow-whole-ownr = [\"acme\"]\n",
        "ignore = [\"nofile\"]\n",
        "ignore = [\"a.json:x:y\"]\n",
        "ignore = [\"a.json:12:rule:extra\"]\n",
        "fail-on = \"fatal\"\n",
        "fail-on = 3\n",
        "rules = []\n",
    ];
    for text in cases {
        let reader = trustlint_engine::Config::parse(text);
        let errors = schema_errors(&validator, text);
        assert_eq!(
            errors.is_empty(),
            reader.is_ok(),
            "schema and reader disagree on:\n{text}\nschema errors: {errors:?}\nreader: {reader:?}"
        );
    }
}

#[test]
fn schema_lists_every_rule_and_rejects_unknown_keys() {
    let schema: Value = serde_json::from_str(&schema()).unwrap();
    let listed = schema["properties"]["rules"]["properties"].as_object().unwrap();
    for meta in rules() {
        assert!(listed.contains_key(meta.id), "{} missing from the schema", meta.id);
    }
    let validator = schema_validator();
    assert!(!schema_errors(&validator, "colour = true\n").is_empty());
    assert!(!schema_errors(&validator, "[rules.oidc-missing-subject]\nallow = []\n").is_empty());
}
