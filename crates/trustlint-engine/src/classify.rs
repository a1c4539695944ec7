//! Which frontend reads a file: decided from its path and a cheap look at its text, before any
//! parsing, so that only candidates are parsed.

use trustlint_frontends::pulumi::{self, Language};
use trustlint_frontends::{aws_json, cloudformation, esc, github_actions, gitlab_ci, pulumi_config};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// IAM policy JSON or a CloudFormation JSON template; `template` marks `*.tpl` files whose
    /// `${...}` placeholders are Unknown.
    Json { template: bool },
    /// CloudFormation / SAM YAML.
    CloudFormationYaml,
    /// A GitHub Actions workflow or action metadata file (`action.yml`).
    GitHubActions,
    /// GitLab CI: `.gitlab-ci.yml`, `*.gitlab-ci.yml` and the files it includes.
    GitLabCi,
    /// Pulumi stack settings: `Pulumi.<stack>.yaml`, or a file shaped like one.
    PulumiStackConfig,
    /// A Pulumi ESC environment definition (a top-level `values:` using ESC constructs).
    EscEnvironment,
    /// A TypeScript/JavaScript or Python file that imports a Pulumi SDK.
    PulumiProgram(Language),
    /// A Pulumi YAML program (`resources:` with Pulumi type tokens).
    PulumiYaml,
}

/// Extensions worth opening at all.
pub fn by_path(path: &str) -> Option<PathClass> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if let Some(class) = ci_path(&lower, name) {
        return Some(class);
    }
    if pulumi_config::stack_of(path).is_some() {
        return Some(PathClass::PulumiStack);
    }
    if let Some(language) = pulumi::language_of(name) {
        return Some(PathClass::Program(language));
    }
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

/// CI files recognised by their path: GitHub reads workflows only directly under
/// `.github/workflows/`; GitLab's entry file is `.gitlab-ci.yml` (or a custom `*.gitlab-ci.yml`),
/// and included files conventionally live under `.gitlab/`.
fn ci_path(lower: &str, name: &str) -> Option<PathClass> {
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    let parent = lower.strip_suffix(name).unwrap_or("").trim_end_matches('/');
    if yaml && (parent == ".github/workflows" || parent.ends_with("/.github/workflows")) {
        Some(PathClass::GitHubWorkflow)
    } else if name == "action.yml" || name == "action.yaml" {
        Some(PathClass::GitHubAction)
    } else if name.ends_with(".gitlab-ci.yml")
        || name.ends_with(".gitlab-ci.yaml")
        || (yaml && (lower.starts_with(".gitlab/") || lower.contains("/.gitlab/")))
    {
        Some(PathClass::GitLabCi)
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathClass {
    Json {
        template: bool,
    },
    Yaml,
    GitHubWorkflow,
    GitHubAction,
    GitLabCi,
    /// `Pulumi.<stack>.yaml`.
    PulumiStack,
    /// Program source (TypeScript, JavaScript, Python).
    Program(Language),
}

/// The content sniff: `None` when nothing in the text can matter.
pub fn by_content(class: PathClass, text: &str) -> Option<InputKind> {
    match class {
        PathClass::Json { template } => {
            aws_json::looks_relevant(text).then_some(InputKind::Json { template })
        }
        PathClass::GitHubWorkflow => Some(InputKind::GitHubActions),
        PathClass::GitHubAction => {
            github_actions::looks_like_action(text).then_some(InputKind::GitHubActions)
        }
        PathClass::GitLabCi => Some(InputKind::GitLabCi),
        PathClass::Yaml if cloudformation::looks_like_template(text) => Some(InputKind::CloudFormationYaml),
        PathClass::Yaml if pulumi::looks_like_yaml_program(text) => Some(InputKind::PulumiYaml),
        PathClass::Program(language) => {
            pulumi::looks_like_program(text).then_some(InputKind::PulumiProgram(language))
        }
        // Workflows and pipelines kept elsewhere (templates, included files, fixtures).
        PathClass::Yaml
            if github_actions::looks_like_workflow(text) || github_actions::looks_like_action(text) =>
        {
            Some(InputKind::GitHubActions)
        }
        PathClass::Yaml if gitlab_ci::looks_like_pipeline(text) => Some(InputKind::GitLabCi),
        PathClass::PulumiStack => Some(InputKind::PulumiStackConfig),
        PathClass::Yaml if pulumi_config::looks_like_stack_file("", text) => {
            Some(InputKind::PulumiStackConfig)
        }
        PathClass::Yaml if esc::looks_like_environment(text) => Some(InputKind::EscEnvironment),
        PathClass::Yaml => None,
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

    #[test]
    fn classifies_pulumi_programs() {
        assert_eq!(by_path("infra/index.ts"), Some(PathClass::Program(Language::TypeScript)));
        assert_eq!(by_path("infra/__main__.py"), Some(PathClass::Program(Language::Python)));
        assert_eq!(by_path("infra/types.d.ts"), None);
        let ts = "import * as aws from \"@pulumi/aws\";\n";
        assert_eq!(
            by_content(PathClass::Program(Language::TypeScript), ts),
            Some(InputKind::PulumiProgram(Language::TypeScript))
        );
        assert_eq!(by_content(PathClass::Program(Language::JavaScript), "console.log(1);\n"), None);
        let yaml = "name: infra\nruntime: yaml\nresources:\n  role:\n    type: aws:iam:Role\n";
        assert_eq!(by_content(PathClass::Yaml, yaml), Some(InputKind::PulumiYaml));
        assert_eq!(by_path("Pulumi.yaml"), Some(PathClass::Yaml));
    }

    #[test]
    fn classifies_ci_files() {
        assert_eq!(by_path(".github/workflows/deploy.yml"), Some(PathClass::GitHubWorkflow));
        assert_eq!(by_path("repo/.github/workflows/ci.YAML"), Some(PathClass::GitHubWorkflow));
        // GitHub does not read sub-folders of `workflows/`.
        assert_eq!(by_path(".github/workflows/old/ci.yml"), Some(PathClass::Yaml));
        assert_eq!(by_path(".github/actions/deploy/action.yml"), Some(PathClass::GitHubAction));
        assert_eq!(by_path(".gitlab-ci.yml"), Some(PathClass::GitLabCi));
        assert_eq!(by_path("ci/deploy.gitlab-ci.yml"), Some(PathClass::GitLabCi));
        assert_eq!(by_path(".gitlab/ci/deploy.yml"), Some(PathClass::GitLabCi));
        assert_eq!(by_path(".gitlab/issue_templates/bug.md"), None);
        assert_eq!(by_content(PathClass::GitHubWorkflow, "jobs: {}"), Some(InputKind::GitHubActions));
        assert_eq!(by_content(PathClass::GitHubAction, "name: x\ndescription: y\n"), None);
        let workflow = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n";
        assert_eq!(by_content(PathClass::Yaml, workflow), Some(InputKind::GitHubActions));
        let included = "deploy:\n  stage: deploy\n  script: make deploy\n";
        assert_eq!(by_content(PathClass::Yaml, included), Some(InputKind::GitLabCi));
        assert_eq!(by_content(PathClass::Yaml, "apiVersion: v1\nkind: ConfigMap\n"), None);
    }

    #[test]
    fn classifies_pulumi_configuration() {
        assert_eq!(by_path("infra/Pulumi.prod.yaml"), Some(PathClass::PulumiStack));
        assert_eq!(by_path("infra/Pulumi.dev.yml"), Some(PathClass::PulumiStack));
        assert_eq!(by_path("infra/Pulumi.yaml"), Some(PathClass::Yaml));
        assert_eq!(by_content(PathClass::PulumiStack, ""), Some(InputKind::PulumiStackConfig));
        let stack = "config:\n  aws:secretKey: x\n";
        assert_eq!(by_content(PathClass::Yaml, stack), Some(InputKind::PulumiStackConfig));
        let environment = "values:\n  aws:\n    login:\n      fn::open::aws-login: {}\n";
        assert_eq!(by_content(PathClass::Yaml, environment), Some(InputKind::EscEnvironment));
        assert_eq!(by_content(PathClass::Yaml, "values:\n  replicas: 2\n"), None);
    }
}
