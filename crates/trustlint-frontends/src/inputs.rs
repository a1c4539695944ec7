//! The inputs trustlint reads, in one table: for each frontend, the path classes it reads, the
//! cheap look at the text that decides for each, and the function that analyses the file. The
//! engine's classifier and dispatcher both read [`INPUTS`], so a new input is one row (and its
//! frontend module); see "Adding an input" in docs/architecture.md.

use std::sync::Arc;

use trustlint_core::SourceFile;

use crate::pulumi::{self, Language, Siblings};
use crate::{Analysis, aws_json, cloudformation, esc, github_actions, gitlab_ci, pulumi_config};

/// What a path alone says about a file, before it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathClass {
    /// `*.json`; `template` marks `*.tpl`, `*.tmpl` and `*.json.j2` files.
    Json { template: bool },
    /// Any other YAML file (and CloudFormation's `*.template`).
    Yaml,
    /// A YAML file directly under `.github/workflows/`.
    GitHubWorkflow,
    /// `action.yml` / `action.yaml`.
    GitHubAction,
    /// `.gitlab-ci.yml`, `*.gitlab-ci.yml` and YAML under `.gitlab/`.
    GitLabCi,
    /// `Pulumi.<stack>.yaml`.
    PulumiStack,
    /// Program source (TypeScript, JavaScript, Python).
    Program(Language),
}

/// The path class of a file worth opening at all; `None` for every other file (only text rules
/// read those).
pub fn path_class(path: &str) -> Option<PathClass> {
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

/// Which frontend reads a file: one per row of [`INPUTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// IAM policy JSON or a CloudFormation JSON template.
    Json,
    /// CloudFormation / SAM YAML.
    CloudFormationYaml,
    /// A TypeScript/JavaScript or Python file that imports a Pulumi SDK.
    PulumiProgram,
    /// A Pulumi YAML program (`resources:` with Pulumi type tokens).
    PulumiYaml,
    /// A GitHub Actions workflow or action metadata file (`action.yml`).
    GitHubActions,
    /// GitLab CI: `.gitlab-ci.yml`, `*.gitlab-ci.yml` and the files it includes.
    GitLabCi,
    /// Pulumi stack settings: `Pulumi.<stack>.yaml`, or a file shaped like one.
    PulumiStackConfig,
    /// A Pulumi ESC environment definition (a top-level `values:` using ESC constructs).
    EscEnvironment,
}

/// A file recognised as an input: its frontend, and the path class it was read under (which
/// carries a program's language and whether JSON is a template).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recognised {
    pub kind: InputKind,
    pub class: PathClass,
}

/// A cheap look at the text, before any parsing: does it look like this input?
pub type Sniff = fn(&str) -> bool;

/// Analyse a recognised file. `None` when a pre-parse test found that nothing in it can become a
/// fact (a Pulumi program that declares no relevant resource): it is then read as plain text.
pub type Analyze = fn(&Arc<SourceFile>, PathClass, &Siblings<'_>) -> Option<Analysis>;

/// One frontend: which files it reads, and how.
pub struct Input {
    pub kind: InputKind,
    /// The path classes it reads, each with the sniff its text must pass.
    pub reads: &'static [(PathClass, Sniff)],
    pub analyze: Analyze,
}

/// For path classes whose name alone decides (a YAML file under `.github/workflows/`).
fn any_text(_: &str) -> bool {
    true
}

/// Every input, in the order their sniffs are tried: a YAML file is the first input whose sniff
/// accepts it (a CloudFormation template before a Pulumi YAML program, before a workflow, ...).
pub static INPUTS: &[Input] = &[
    Input {
        kind: InputKind::Json,
        reads: &[
            (PathClass::Json { template: false }, aws_json::looks_relevant),
            (PathClass::Json { template: true }, aws_json::looks_relevant),
        ],
        analyze: |file, class, _| Some(aws_json::analyze(file, class == PathClass::Json { template: true })),
    },
    Input {
        kind: InputKind::CloudFormationYaml,
        reads: &[(PathClass::Yaml, cloudformation::looks_like_template)],
        analyze: |file, _, _| Some(cloudformation::analyze_yaml(file)),
    },
    Input {
        kind: InputKind::PulumiProgram,
        reads: &[
            (PathClass::Program(Language::TypeScript), pulumi::looks_like_program),
            (PathClass::Program(Language::JavaScript), pulumi::looks_like_program),
            (PathClass::Program(Language::Python), pulumi::looks_like_program),
        ],
        analyze: |file, class, siblings| match class {
            PathClass::Program(language) => pulumi::analyze_in(file, language, siblings),
            _ => None,
        },
    },
    Input {
        kind: InputKind::PulumiYaml,
        reads: &[(PathClass::Yaml, pulumi::looks_like_yaml_program)],
        analyze: |file, _, siblings| pulumi::analyze_in(file, Language::Yaml, siblings),
    },
    Input {
        kind: InputKind::GitHubActions,
        reads: &[
            (PathClass::GitHubWorkflow, any_text),
            (PathClass::GitHubAction, github_actions::looks_like_action),
            // Workflows kept elsewhere (templates, fixtures).
            (PathClass::Yaml, |text| {
                github_actions::looks_like_workflow(text) || github_actions::looks_like_action(text)
            }),
        ],
        analyze: |file, _, _| Some(github_actions::analyze(file)),
    },
    Input {
        kind: InputKind::GitLabCi,
        reads: &[(PathClass::GitLabCi, any_text), (PathClass::Yaml, gitlab_ci::looks_like_pipeline)],
        analyze: |file, _, _| Some(gitlab_ci::analyze(file)),
    },
    Input {
        kind: InputKind::PulumiStackConfig,
        reads: &[
            (PathClass::PulumiStack, any_text),
            (PathClass::Yaml, |text| pulumi_config::looks_like_stack_file("", text)),
        ],
        analyze: |file, _, _| Some(pulumi_config::analyze(file)),
    },
    Input {
        kind: InputKind::EscEnvironment,
        reads: &[(PathClass::Yaml, esc::looks_like_environment)],
        analyze: |file, _, _| Some(esc::analyze(file)),
    },
];

/// The input a file of path class `class` is, judged by its text: `None` when nothing in the
/// text can matter.
pub fn recognise(class: PathClass, text: &str) -> Option<Recognised> {
    INPUTS.iter().find_map(|input| {
        let accepts = input.reads.iter().any(|&(read, sniff)| read == class && sniff(text));
        accepts.then_some(Recognised { kind: input.kind, class })
    })
}

/// Analyse a recognised file with its frontend (see [`Analyze`] for `None`). [`recognise`] only
/// gives kinds that have a row, so the lookup fails only for a hand-made kind without one.
pub fn analyze(file: &Arc<SourceFile>, input: Recognised, siblings: &Siblings<'_>) -> Option<Analysis> {
    let row = INPUTS.iter().find(|row| row.kind == input.kind)?;
    (row.analyze)(file, input.class, siblings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind only: the class is the one passed in.
    fn by_content(class: PathClass, text: &str) -> Option<InputKind> {
        recognise(class, text).map(|recognised| recognised.kind)
    }

    #[test]
    fn classifies_by_path_then_content() {
        assert_eq!(path_class("a/trust.json"), Some(PathClass::Json { template: false }));
        assert_eq!(path_class("a/trust.json.tpl"), Some(PathClass::Json { template: true }));
        assert_eq!(path_class("stack.YAML"), Some(PathClass::Yaml));
        assert_eq!(path_class("README.md"), None);
        assert_eq!(by_content(PathClass::Json { template: false }, "{\"name\": \"pkg\"}"), None);
        assert_eq!(
            by_content(
                PathClass::Json { template: false },
                "{\"Action\": \"sts:AssumeRoleWithWebIdentity\"}"
            ),
            Some(InputKind::Json)
        );
        assert_eq!(
            by_content(PathClass::Yaml, "Resources:\n  R:\n    Type: AWS::IAM::Role\n"),
            Some(InputKind::CloudFormationYaml)
        );
        assert_eq!(by_content(PathClass::Yaml, "on: push\njobs: {}\n"), None);
    }

    #[test]
    fn classifies_pulumi_programs() {
        assert_eq!(path_class("infra/index.ts"), Some(PathClass::Program(Language::TypeScript)));
        assert_eq!(path_class("infra/__main__.py"), Some(PathClass::Program(Language::Python)));
        assert_eq!(path_class("infra/types.d.ts"), None);
        let ts = "import * as aws from \"@pulumi/aws\";\n";
        assert_eq!(by_content(PathClass::Program(Language::TypeScript), ts), Some(InputKind::PulumiProgram));
        assert_eq!(by_content(PathClass::Program(Language::JavaScript), "console.log(1);\n"), None);
        let yaml = "name: infra\nruntime: yaml\nresources:\n  role:\n    type: aws:iam:Role\n";
        assert_eq!(by_content(PathClass::Yaml, yaml), Some(InputKind::PulumiYaml));
        assert_eq!(path_class("Pulumi.yaml"), Some(PathClass::Yaml));
    }

    #[test]
    fn classifies_ci_files() {
        assert_eq!(path_class(".github/workflows/deploy.yml"), Some(PathClass::GitHubWorkflow));
        assert_eq!(path_class("repo/.github/workflows/ci.YAML"), Some(PathClass::GitHubWorkflow));
        // GitHub does not read sub-folders of `workflows/`.
        assert_eq!(path_class(".github/workflows/old/ci.yml"), Some(PathClass::Yaml));
        assert_eq!(path_class(".github/actions/deploy/action.yml"), Some(PathClass::GitHubAction));
        assert_eq!(path_class(".gitlab-ci.yml"), Some(PathClass::GitLabCi));
        assert_eq!(path_class("ci/deploy.gitlab-ci.yml"), Some(PathClass::GitLabCi));
        assert_eq!(path_class(".gitlab/ci/deploy.yml"), Some(PathClass::GitLabCi));
        assert_eq!(path_class(".gitlab/issue_templates/bug.md"), None);
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
        assert_eq!(path_class("infra/Pulumi.prod.yaml"), Some(PathClass::PulumiStack));
        assert_eq!(path_class("infra/Pulumi.dev.yml"), Some(PathClass::PulumiStack));
        assert_eq!(path_class("infra/Pulumi.yaml"), Some(PathClass::Yaml));
        assert_eq!(by_content(PathClass::PulumiStack, ""), Some(InputKind::PulumiStackConfig));
        let stack = "config:\n  aws:secretKey: x\n";
        assert_eq!(by_content(PathClass::Yaml, stack), Some(InputKind::PulumiStackConfig));
        let environment = "values:\n  aws:\n    login:\n      fn::open::aws-login: {}\n";
        assert_eq!(by_content(PathClass::Yaml, environment), Some(InputKind::EscEnvironment));
        assert_eq!(by_content(PathClass::Yaml, "values:\n  replicas: 2\n"), None);
    }

    #[test]
    fn no_kind_has_two_rows() {
        for (index, input) in INPUTS.iter().enumerate() {
            assert!(!input.reads.is_empty(), "{:?} reads nothing", input.kind);
            assert!(
                INPUTS[index + 1..].iter().all(|other| other.kind != input.kind),
                "{:?} has two rows",
                input.kind
            );
        }
    }
}
