//! Which frontend reads a file: decided from its path and a cheap look at its text, before any
//! parsing, so that only candidates are parsed.

use trustlint_frontends::{aws_json, cloudformation};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// IAM policy JSON or a CloudFormation JSON template; `template` marks `*.tpl` files whose
    /// `${...}` placeholders are Unknown.
    Json { template: bool },
    /// CloudFormation / SAM YAML.
    CloudFormationYaml,
}

/// Extensions worth opening at all.
pub fn by_path(path: &str) -> Option<PathClass> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if name.ends_with(".json") {
        Some(PathClass::Json { template: false })
    } else if name.ends_with(".tpl") || name.ends_with(".tmpl") || name.ends_with(".json.j2") {
        Some(PathClass::Json { template: true })
    } else if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".template") {
        Some(PathClass::Yaml)
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathClass {
    Json { template: bool },
    Yaml,
}

/// The content sniff: `None` when nothing in the text can matter.
pub fn by_content(class: PathClass, text: &str) -> Option<InputKind> {
    match class {
        PathClass::Json { template } => {
            aws_json::looks_relevant(text).then_some(InputKind::Json { template })
        }
        PathClass::Yaml => cloudformation::looks_like_template(text).then_some(InputKind::CloudFormationYaml),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_path_then_content() {
        assert_eq!(by_path("a/trust.json"), Some(PathClass::Json { template: false }));
        assert_eq!(by_path("a/trust.json.tpl"), Some(PathClass::Json { template: true }));
        assert_eq!(by_path("stack.YAML"), Some(PathClass::Yaml));
        assert_eq!(by_path("README.md"), None);
        assert_eq!(by_content(PathClass::Json { template: false }, "{\"name\": \"pkg\"}"), None);
        assert_eq!(
            by_content(
                PathClass::Json { template: false },
                "{\"Action\": \"sts:AssumeRoleWithWebIdentity\"}"
            ),
            Some(InputKind::Json { template: false })
        );
        assert_eq!(
            by_content(PathClass::Yaml, "Resources:\n  R:\n    Type: AWS::IAM::Role\n"),
            Some(InputKind::CloudFormationYaml)
        );
        assert_eq!(by_content(PathClass::Yaml, "on: push\njobs: {}\n"), None);
    }
}
