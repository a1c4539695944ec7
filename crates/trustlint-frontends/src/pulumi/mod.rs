//! Pulumi programs read as source, offline: TypeScript/JavaScript, Python and YAML programs
//! become one language-neutral [`Program`], and cloud mappings (AWS in [`aws`], GCP and Azure
//! alongside) turn its resources into trust-model facts.
//!
//! # The shared interface
//!
//! - [`Program`]: the file, its [`Resource`]s in source order, comments, problems and the stack
//!   whose configuration was used (`None`: configuration reads are Unknown).
//! - [`Resource`]: `type_token` normalized to the short YAML form (`aws:iam:Role`,
//!   `gcp:iam:WorkloadIdentityPoolProvider`, `azure-native:managedidentity:FederatedIdentityCredential`,
//!   `azuread:ApplicationFederatedIdentityCredential`, `pulumi:providers:aws`; compare with
//!   [`Resource::is`], which ignores ASCII case), the logical `name`, the program `variable` bound
//!   to it, and `properties`: a [`Node`] map with camelCase keys (Python snake_case is
//!   normalized; keys inside JSON documents are kept as written), values evaluated.
//! - Values that are not fully known are [`NodeKind::Computed`] nodes made of [`Part`]s: text,
//!   Unknown holes (with the reason), [`Part::Ref`] to another resource's output (`role.arn`,
//!   `${deployRole.name}`), and [`Part::Config`] text read from one stack's configuration. Spans
//!   of evaluated values are the source spans of the literals (a finding on a `sub` value points
//!   at the `"repo:acme/*"` string inside `JSON.stringify`).
//! - Reading values: [`Program::resolver`] gives a [`Resolve`] for `aws_policy` and for any
//!   mapping (a provider's `arn` resolves to its issuer); [`Program::text`] gives known text.
//! - [`facts`] runs every cloud mapping over a program; a mapping is a `fn(&Program) -> Facts`.

pub mod aws;
pub mod azure;
pub mod credentials;
pub mod gcp;
pub mod python;
mod refs;
pub mod relevance;
pub mod surroundings;
pub mod typescript;
pub mod yaml;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use trustlint_core::{SourceFile, Span};
use trustlint_model::{DefinedAt, Facts, Piece, SplicedPart, Splices};
use trustlint_syntax::eval::{
    ConfigLookup, Evaluated, Host, ParsedProgram, SourceLanguage, SplicedValue, display as eval_display,
    evaluate_parsed, parse_program,
};
use trustlint_syntax::{Comment, Node, NodeKind, Part, parse_yaml};

use crate::aws_policy::{self, Resolve, Resolved};
use crate::{Analysis, Problem};
pub use surroundings::{DirectoryModules, MAX_MODULE_SIZE, Siblings, Surroundings};

/// The language a program is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    TypeScript,
    JavaScript,
    Python,
    Yaml,
}

/// One resource a program declares (`new aws.iam.Role("deploy", {...})`, `aws.iam.Role("deploy",
/// ...)`, a `resources:` entry of a YAML program).
#[derive(Clone, Debug)]
pub struct Resource {
    /// Normalized short token: `aws:iam:Role`, `pulumi:providers:aws`.
    pub type_token: String,
    /// The logical name (the first constructor argument; the key in YAML). Unknown parts are
    /// shown as `…`.
    pub name: String,
    /// The variable the resource is bound to (`const role = new ...`), when there is one.
    pub variable: Option<String>,
    /// A map with camelCase keys; always a [`NodeKind::Map`] (empty when the arguments are not
    /// an object the evaluator could read, see `properties_unknown`).
    pub properties: Node,
    /// Set when the argument object itself could not be read (a variable of unknown value).
    pub properties_unknown: Option<String>,
    /// The constructor call (or the YAML resource entry).
    pub span: Span,
    /// The logical name as written.
    pub name_span: Span,
}

impl Resource {
    /// True when the resource has this type (ASCII case ignored: full tokens write `iAMMember`).
    pub fn is(&self, type_token: &str) -> bool {
        self.type_token.eq_ignore_ascii_case(type_token)
    }

    /// A property by its camelCase name.
    pub fn property(&self, name: &str) -> Option<&Node> {
        self.properties.get(name)
    }

    /// How messages name the resource: `aws.iam.Role "deploy"`.
    pub fn label(&self) -> String {
        format!("{} \"{}\"", display_type(&self.type_token), self.name)
    }
}

/// `aws:iam:Role` -> `aws.iam.Role`, `azure-native:authorization:RoleAssignment` ->
/// `azure-native.authorization.RoleAssignment`; providers stay as tokens.
fn display_type(token: &str) -> String {
    if token.starts_with("pulumi:providers:") {
        return token.to_string();
    }
    token.replace(':', ".")
}

/// A Pulumi program evaluated statically.
#[derive(Clone, Debug)]
pub struct Program {
    pub file: Arc<SourceFile>,
    pub language: Language,
    pub resources: Vec<Resource>,
    /// The stack whose configuration resolved `config.require(...)`; `None` when no stack file
    /// set a key the program reads (such reads are then Unknown).
    pub stack: Option<String>,
    /// The file of `stack` (`Pulumi.<stack>.yaml` beside the program), where the configuration
    /// values the program read are written.
    pub stack_file: Option<Arc<SourceFile>>,
    /// Values the program uses that a sibling module defines, by the span of each use.
    pub imported: Vec<ImportedUse>,
    /// Text the program joined from values written elsewhere, by the span of the joining
    /// expression (see [`Program::splices_of`]).
    pub spliced: Vec<SplicedValue>,
    pub comments: Vec<Comment>,
    pub problems: Vec<Problem>,
}

/// A value of a sibling module used in the program (`SUBJECT` after `import { SUBJECT } from
/// "./constants"`).
#[derive(Clone, Debug)]
pub struct ImportedUse {
    /// The use in the program: the span its value carries.
    pub at: Span,
    /// The name the module defines.
    pub name: String,
    /// The module, with its path beside the program's.
    pub module: Arc<SourceFile>,
    /// Where the module writes the value.
    pub span: Span,
}

/// The path of a file in the folder of `file`, as reports show paths (`infra/index.ts` and
/// `Pulumi.dev.yaml` -> `infra/Pulumi.dev.yaml`).
fn beside(file: &SourceFile, relative: &str) -> String {
    let relative = relative.trim_start_matches("./");
    match file.path().rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{relative}"),
        None => relative.to_string(),
    }
}

impl Program {
    /// The sibling module's value used at `span`, when the value there is one.
    pub fn imported_at(&self, span: Span) -> Option<&ImportedUse> {
        self.imported.iter().find(|imported| imported.at == span)
    }

    /// The parts of `node`'s text that were written elsewhere in the program or in a sibling
    /// module (`ORG` in `repo:${ORG}/*`), each with where it is written and the name that
    /// splices it in. Stack values are [`Part::Config`] parts of the value itself.
    pub fn splices_of(&self, node: &Node) -> Splices {
        let mut splices = Splices::default();
        let Some(record) = self.spliced.iter().rev().find(|record| record.at == node.span) else {
            return splices;
        };
        if record.text != eval_display(node) {
            return splices;
        }
        for part in &record.parts {
            if part.defined.end > self.file.text().len() {
                continue;
            }
            let (source, at) = match self.imported_at(part.defined) {
                Some(imported) => {
                    (Some(imported_note(imported)), DefinedAt::in_file(&imported.module, imported.span))
                }
                None => {
                    (name_written(self.file.slice(part.used)), DefinedAt::in_file(&self.file, part.defined))
                }
            };
            splices.push(SplicedPart { text: part.text.clone(), source, at });
        }
        splices.omitted = record.omitted;
        splices
    }

    /// The resource with this logical name (the last one, if a name is reused).
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().rev().find(|r| r.name == name)
    }

    pub fn resources_of<'a>(&'a self, type_token: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources.iter().filter(move |r| r.is(type_token))
    }

    /// A [`Resolve`] for this program: references to another resource's output are Unknown and
    /// named, except what the program itself determines (an OIDC provider's `arn` names its
    /// issuer; a resource's `name` when its `name` property is a literal).
    pub fn resolver(&self) -> ProgramResolver<'_> {
        ProgramResolver { program: self }
    }

    /// The value of a node as text, when fully known (stack configuration counts as known).
    pub fn text(&self, node: &Node) -> Option<String> {
        self.resolver().scalar(node).known()
    }

    /// The resource a reference names, and the output it reads: `role.name` -> (role, "name").
    pub fn referenced<'n>(&self, node: &'n Node) -> Option<(&Resource, &'n str)> {
        self.referenced_of(node, &[])
    }

    /// Like [`Program::referenced`], for a resource of one of `types` (empty: any type). Pulumi
    /// lets resources of different types share a logical name (a policy and its attachment).
    pub fn referenced_of<'n>(&self, node: &'n Node, types: &[&str]) -> Option<(&Resource, &'n str)> {
        match node.as_computed()? {
            [Part::Ref { resource, output }] => {
                let found =
                    self.resources.iter().rev().find(|r| {
                        r.name == *resource && (types.is_empty() || types.iter().any(|t| r.is(t)))
                    })?;
                Some((found, output.as_str()))
            }
            _ => None,
        }
    }
}

/// See [`Program::resolver`].
pub struct ProgramResolver<'p> {
    program: &'p Program,
}

/// Deeper than this, a chain of references is a cycle.
const MAX_REFERENCE_DEPTH: usize = 8;

impl ProgramResolver<'_> {
    fn part(&self, part: &Part, depth: usize) -> Resolved {
        match part {
            Part::Ref { resource, output } => self.output(resource, output, depth),
            other => aws_policy::computed_in(std::slice::from_ref(other), self.program.stack_file.as_ref()),
        }
    }

    fn output(&self, name: &str, output: &str, depth: usize) -> Resolved {
        // A provider's `arn` names the issuer; prefer it over another resource of the same name.
        let provider = (output == "arn")
            .then(|| self.program.resources.iter().rev().find(|r| r.name == name && r.is(aws::OIDC_PROVIDER)))
            .flatten();
        let Some(resource) = provider.or_else(|| self.program.resource(name)) else {
            return Resolved::unknown(format!("the output `{output}` of resource `{name}`"));
        };
        let unknown = || {
            Resolved::unknown(if output.is_empty() {
                resource.label()
            } else {
                format!("the output `{output}` of {}", resource.label())
            })
        };
        if depth >= MAX_REFERENCE_DEPTH {
            return unknown();
        }
        if resource.is(aws::OIDC_PROVIDER) && output == "arn" {
            // `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST_AND_PATH`: the issuer is the URL.
            let Some(url) = resource.property("url") else { return unknown() };
            let url = self.node(url, depth + 1);
            let mut pieces = vec![Piece::Unknown(format!(
                "the partition and account of {} (an `Output`)",
                resource.label()
            ))];
            let mut first = true;
            for piece in url.pieces {
                match piece {
                    Piece::Text(text) if first => {
                        let host = text.trim_start_matches("https://").trim_start_matches("http://");
                        pieces.push(Piece::Text(format!(":oidc-provider/{host}")));
                    }
                    other => pieces.push(other),
                }
                first = false;
            }
            return Resolved {
                pieces,
                relies_on: url.relies_on,
                defined_at: None,
                spliced: Default::default(),
            };
        }
        // Names are known when written out (`name: "deploy"`); AWS IAM `id` equals the name.
        let named_output =
            output == "name" || (output == "id" && resource.type_token.starts_with("aws:iam:"));
        if named_output && let Some(name) = resource.property("name") {
            let resolved = self.node(name, depth + 1);
            if resolved.known().is_some() {
                return resolved;
            }
        }
        unknown()
    }

    fn node(&self, node: &Node, depth: usize) -> Resolved {
        match &node.kind {
            NodeKind::Computed(parts) => {
                let mut pieces: Vec<Piece> = Vec::new();
                let mut notes: Vec<String> = Vec::new();
                let mut defined_at = None;
                let mut spliced = Splices::default();
                for part in parts {
                    let resolved = self.part(part, depth);
                    // Written elsewhere only when that is the whole value (see `computed_in`);
                    // otherwise a part spliced in.
                    if parts.len() == 1 {
                        defined_at = resolved.defined_at;
                    } else if let Some(at) = resolved.defined_at.clone() {
                        spliced.push(SplicedPart {
                            text: display(&resolved),
                            source: resolved.relies_on.clone(),
                            at,
                        });
                    }
                    spliced.extend(resolved.spliced);
                    for piece in resolved.pieces {
                        match (pieces.last_mut(), piece) {
                            (Some(Piece::Text(last)), Piece::Text(text)) => last.push_str(&text),
                            (_, piece) => pieces.push(piece),
                        }
                    }
                    if let Some(note) = resolved.relies_on
                        && !notes.contains(&note)
                    {
                        notes.push(note);
                    }
                }
                if pieces.is_empty() {
                    pieces.push(Piece::Text(String::new()));
                }
                Resolved {
                    pieces,
                    relies_on: (!notes.is_empty()).then(|| notes.join(" and ")),
                    defined_at,
                    spliced,
                }
            }
            NodeKind::Scalar(scalar) => Resolved::text(scalar.value.clone()),
            NodeKind::Seq(_) | NodeKind::Map(_) => {
                Resolved::unknown("a list or object where text is expected")
            }
        }
    }
}

impl Resolve for ProgramResolver<'_> {
    fn scalar(&self, node: &Node) -> Resolved {
        let mut resolved = self.node(node, 0);
        let mut spliced = self.program.splices_of(node);
        spliced.extend(std::mem::take(&mut resolved.spliced));
        resolved.spliced = spliced;
        if resolved.defined_at.is_none()
            && let Some(imported) = self.program.imported_at(node.span)
        {
            resolved.defined_at = Some(DefinedAt::in_file(&imported.module, imported.span));
            let note = imported_note(imported);
            resolved.relies_on = Some(match resolved.relies_on {
                Some(other) => format!("{note} and {other}"),
                None => note,
            });
        }
        resolved
    }
}

/// "`ORG`" for an expression that is a name or a member chain (`ORG`, `self.org`,
/// `settings.owner`): what a message calls the part it splices in; `None` for anything else.
fn name_written(expression: &str) -> Option<String> {
    let expression = expression.trim();
    let is_name = !expression.is_empty()
        && expression.len() <= 64
        && !expression.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && expression.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.'));
    is_name.then(|| format!("`{expression}`"))
}

/// How a message names a sibling module's value: "`SUBJECT` of `constants.ts`".
pub(crate) fn imported_note(imported: &ImportedUse) -> String {
    let path = imported.module.path();
    format!("`{}` of `{}`", imported.name, path.rsplit('/').next().unwrap_or(path))
}

/// A resolved value as text, holes shown as `…` (for labels and ARNs in messages).
pub fn display(resolved: &Resolved) -> String {
    resolved
        .pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.as_str(),
            Piece::Unknown(_) => "…",
        })
        .collect()
}

/// Stack configuration (`Pulumi.<stack>.yaml`) as the evaluator sees it.
#[derive(Clone, Debug)]
pub struct StackConfig {
    /// `dev` for `Pulumi.dev.yaml`.
    pub stack: String,
    /// The file's name (`Pulumi.dev.yaml`) and text, for locations in it.
    pub file_name: String,
    pub text: Arc<str>,
    /// Entries of `config:`, full keys (`acme:subject`, `aws:region`).
    pub values: Vec<StackValue>,
}

#[derive(Clone, Debug)]
pub struct StackValue {
    pub key: String,
    /// The value; `None` for a `secure:` value (encrypted: not readable).
    pub value: Option<Node>,
}

impl StackConfig {
    /// Read the `config:` section of a stack file; `None` when it does not parse.
    pub fn parse(stack: &str, text: &str) -> Option<StackConfig> {
        let parsed = parse_yaml(text);
        if !parsed.errors.is_empty() {
            return None;
        }
        let root = parsed.documents.into_iter().next()?;
        let mut values = Vec::new();
        for entry in root.get("config").and_then(Node::as_map).unwrap_or_default() {
            let secure =
                entry.value.get("secure").is_some() && entry.value.as_map().is_some_and(|m| m.len() == 1);
            values.push(StackValue { key: entry.key.clone(), value: (!secure).then(|| entry.value.clone()) });
        }
        Some(StackConfig {
            stack: stack.to_string(),
            file_name: format!("Pulumi.{stack}.yaml"),
            text: Arc::from(text),
            values,
        })
    }

    /// The stack file as a source beside `program` (same folder), for locations in it.
    pub fn source_beside(&self, program: &SourceFile) -> Arc<SourceFile> {
        SourceFile::new(beside(program, &self.file_name), self.text.to_string())
    }

    /// The entry for `key` in `namespace` (the project when `None`; then any namespace that is
    /// not a provider's, since the project name may not be known).
    pub fn lookup(&self, namespace: Option<&str>, key: &str, project: Option<&str>) -> Option<&StackValue> {
        self.values.iter().rev().find(|value| {
            let Some((ns, name)) = value.key.split_once(':') else { return false };
            if name != key {
                return false;
            }
            match (namespace, project) {
                (Some(wanted), _) => ns == wanted,
                (None, Some(project)) => ns == project,
                (None, None) => !PROVIDER_NAMESPACES.contains(&ns),
            }
        })
    }
}

/// Configuration namespaces of provider packages (never the project's).
const PROVIDER_NAMESPACES: &[&str] = &[
    "aws",
    "aws-native",
    "gcp",
    "azure",
    "azure-native",
    "azuread",
    "kubernetes",
    "pulumi",
    "pulumiservice",
];

/// Reads sibling modules of a program (`./constants.ts`, `constants.py`) by a path relative to
/// the program's folder, parsed with `language` ([`parse_program`]). Implementations must refuse
/// paths outside the program's folder.
pub trait ModuleLoader {
    fn load(&self, relative_path: &str, language: SourceLanguage) -> Option<Arc<ParsedProgram>>;

    /// The text of a module `load` loaded, for locations in it.
    fn text(&self, relative_path: &str) -> Option<String>;

    /// The parse of the program file `file_name` of this folder, whose text is `text`, shared
    /// with the programs that import it as a module (`load`), so that the file is parsed once
    /// per run. `None` (parse it alone) when it is not kept for sharing.
    fn shared_parse(
        &self,
        _file_name: &str,
        _text: &str,
        _language: SourceLanguage,
    ) -> Option<Arc<ParsedProgram>> {
        None
    }
}

/// Loads nothing: programs are read on their own.
pub struct NoModules;

impl ModuleLoader for NoModules {
    fn load(&self, _relative_path: &str, _language: SourceLanguage) -> Option<Arc<ParsedProgram>> {
        None
    }

    fn text(&self, _relative_path: &str) -> Option<String> {
        None
    }
}

/// What the caller knows around a program file.
pub struct ProgramContext<'a> {
    /// Stacks of the program's folder, sorted by stack name.
    pub stacks: Vec<StackConfig>,
    /// The project name (`name:` in `Pulumi.yaml`): the namespace of `new pulumi.Config()`.
    pub project: Option<String>,
    pub modules: &'a dyn ModuleLoader,
}

impl ProgramContext<'_> {
    /// A program read on its own: no stacks, no sibling modules.
    pub fn alone() -> ProgramContext<'static> {
        ProgramContext { stacks: Vec::new(), project: None, modules: &NoModules }
    }
}

/// Cheap content sniff: a TypeScript/JavaScript or Python file that imports a Pulumi SDK
/// (`from "@pulumi/aws"`, `require("@pulumi/aws")`, `import pulumi_aws`, `from pulumi import`),
/// not merely one that mentions Pulumi.
pub fn looks_like_program(text: &str) -> bool {
    if looks_like_sst(text) {
        return true;
    }
    if text.contains("@pulumi/") {
        return [
            "from \"@pulumi/",
            "from '@pulumi/",
            "require(\"@pulumi/",
            "require('@pulumi/",
            "import \"@pulumi/",
        ]
        .iter()
        .any(|import| text.contains(import));
    }
    text.contains("pulumi") && text.lines().any(imports_pulumi_module)
}

/// An SST v3 program or module: SST's globals (`$config(`, `$interpolate`, `$app.`, ...) next to
/// the `aws.` or `sst.` namespaces it provides without imports.
fn looks_like_sst(text: &str) -> bool {
    const GLOBALS: &[&str] = &[
        "$config(",
        "$interpolate`",
        "$interpolate(",
        "$app.",
        "$output(",
        "$resolve(",
        "$jsonStringify(",
        "$dev",
    ];
    GLOBALS.iter().any(|global| text.contains(global)) && (text.contains("aws.") || text.contains("sst."))
}

/// A Python import line naming a Pulumi module: `import pulumi`, `import pulumi_aws as aws`,
/// `from pulumi_gcp import iam`, and also `import json, pulumi_aws as aws`.
fn imports_pulumi_module(line: &str) -> bool {
    let is_pulumi = |module: &str| {
        let name = module.split_whitespace().next().unwrap_or("");
        let root = name.split('.').next().unwrap_or("");
        root == "pulumi" || root.starts_with("pulumi_")
    };
    let line = line.trim_start();
    if let Some(modules) = line.strip_prefix("import ") {
        return modules.split(',').any(|module| is_pulumi(module.trim()));
    }
    line.strip_prefix("from ").is_some_and(|rest| is_pulumi(rest.trim_start()))
}

#[cfg(test)]
mod sniff_tests {
    use super::looks_like_program;

    #[test]
    fn python_imports_in_every_form() {
        for text in [
            "import pulumi\n",
            "import pulumi_aws as aws\n",
            "import json, pulumi_aws as aws\n",
            "from pulumi_gcp import iam as gcp_iam\n",
            "from pulumi import Output\n",
            "import pulumi.runtime\n",
        ] {
            assert!(looks_like_program(text), "{text}");
        }
        for text in ["import pulumicious\n", "# uses pulumi\nimport json\n", "from pulumix import y\n"] {
            assert!(!looks_like_program(text), "{text}");
        }
    }
}

/// Cheap content sniff for a Pulumi YAML program: `resources:` with Pulumi type tokens
/// (`type: aws:iam:Role`), or `runtime: yaml`.
pub fn looks_like_yaml_program(text: &str) -> bool {
    let has_resources = text.lines().any(|line| line.trim_end() == "resources:");
    has_resources
        && (text.contains("runtime: yaml")
            || text.lines().any(|line| {
                let line = line.trim_start();
                line.strip_prefix("type:").is_some_and(|token| {
                    let token = token.trim().trim_matches('"').trim_matches('\'');
                    token.split(':').count() >= 2 && !token.starts_with("AWS::")
                })
            }))
}

/// Analyse a program file: evaluate it (once per stack whose configuration it reads) and map its
/// resources to facts.
pub fn analyze(file: &Arc<SourceFile>, language: Language, context: &ProgramContext<'_>) -> Analysis {
    let programs = match language {
        Language::TypeScript | Language::JavaScript => typescript::programs(file, language, context),
        Language::Python => python::programs(file, context),
        Language::Yaml => yaml::programs(file, context),
    };
    let mut analysis = Analysis::default();
    for (index, program) in programs.into_iter().enumerate() {
        analysis.facts.extend(facts(&program));
        if index == 0 {
            analysis.comments = program.comments;
            analysis.problems = program.problems;
        }
    }
    analysis
}

/// Analyse a program file with what lies around it: the stacks (`Pulumi.<stack>.yaml`) and
/// project name of its folder resolve configuration reads, and sibling modules resolve imported
/// constants; without a folder, the program is read on its own. `None` when the relevance test
/// (on) finds that the program cannot contribute a fact: it is then not parsed.
pub fn analyze_in(file: &Arc<SourceFile>, language: Language, siblings: &Siblings<'_>) -> Option<Analysis> {
    let surroundings = siblings.surroundings;
    let dir = siblings.dir();
    if surroundings.relevance_test && language != Language::Yaml {
        let mut words = relevance::words_in(file.text());
        if !relevance::is_relevant(words)
            && let Some(dir) = dir
        {
            // A helper in a sibling module may declare the resource when the program calls it.
            for path in relevance::sibling_paths(file.text(), language == Language::Python) {
                if let Some(module) = surroundings.module(dir, &path) {
                    words |= module.words;
                }
            }
        }
        if !relevance::is_relevant(words) {
            surroundings.counters.programs_skipped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
    }
    surroundings.counters.programs_parsed.fetch_add(1, Ordering::Relaxed);
    Some(match dir {
        Some(dir) => {
            let folder = surroundings.folder(dir);
            let modules = DirectoryModules { dir, surroundings };
            let context = ProgramContext {
                stacks: folder.stacks.clone(),
                project: folder.project.clone(),
                modules: &modules,
            };
            analyze(file, language, &context)
        }
        None => analyze(file, language, &ProgramContext::alone()),
    })
}

/// Which language a path is, by extension; `None` for files that are not program sources.
pub fn language_of(path: &str) -> Option<Language> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if name.ends_with(".d.ts") {
        return None;
    }
    if name.ends_with(".ts") || name.ends_with(".tsx") || name.ends_with(".mts") || name.ends_with(".cts") {
        Some(Language::TypeScript)
    } else if name.ends_with(".js")
        || name.ends_with(".mjs")
        || name.ends_with(".cjs")
        || name.ends_with(".jsx")
    {
        Some(Language::JavaScript)
    } else if name.ends_with(".py") {
        Some(Language::Python)
    } else {
        None
    }
}

/// Stacks evaluated at most per program (the first ones, sorted by name).
pub(crate) const MAX_STACKS: usize = 16;

/// Evaluate a TypeScript/JavaScript or Python program: once on its own, and again once per
/// stack when it reads configuration that stack files may set.
pub(crate) fn evaluate_source(
    file: &Arc<SourceFile>,
    language: Language,
    source: SourceLanguage,
    context: &ProgramContext<'_>,
) -> Vec<Program> {
    let what = match language {
        Language::Python => "Python",
        Language::JavaScript => "JavaScript",
        _ => "TypeScript",
    };
    let file_name = Path::new(file.path()).file_name().and_then(|name| name.to_str()).unwrap_or("");
    let parsed = context
        .modules
        .shared_parse(file_name, file.text(), source)
        .unwrap_or_else(|| Arc::new(parse_program(file.text(), source)));
    if let Some(error) = parsed.errors.first() {
        return vec![Program {
            file: Arc::clone(file),
            language,
            resources: Vec::new(),
            stack: None,
            stack_file: None,
            imported: Vec::new(),
            spliced: Vec::new(),
            comments: parsed.comments.clone(),
            problems: vec![Problem {
                span: error.span,
                message: format!("invalid {what}: {}", error.message),
                rest_checked: false,
            }],
        }];
    }
    let alone = evaluate_parsed(&parsed, &ProgramHost { context, stack: None });
    let mut programs = if alone.config_reads == 0 || context.stacks.is_empty() {
        vec![program_of(file, language, alone, None, context)]
    } else {
        context
            .stacks
            .iter()
            .take(MAX_STACKS)
            .map(|stack| {
                let evaluated = evaluate_parsed(&parsed, &ProgramHost { context, stack: Some(stack) });
                program_of(file, language, evaluated, Some(stack), context)
            })
            .collect()
    };
    // Limits met in imported modules are the same for every stack: said once per file.
    for later in programs.iter_mut().skip(1) {
        later.problems.clear();
    }
    if let Some(first) = programs.first_mut() {
        first.comments = parsed.comments.clone();
        // Said once per file, not once per stack.
        first.problems.splice(
            0..0,
            parsed.notes.iter().map(|note| Problem {
                span: note.span,
                message: note.message.clone(),
                rest_checked: true,
            }),
        );
    }
    programs
}

fn program_of(
    file: &Arc<SourceFile>,
    language: Language,
    evaluated: Evaluated,
    stack: Option<&StackConfig>,
    context: &ProgramContext<'_>,
) -> Program {
    // One source per module the program used a value of, with its path beside the program's.
    let mut modules: Vec<(String, Option<Arc<SourceFile>>)> = Vec::new();
    let mut imported = Vec::new();
    for import in evaluated.imported {
        let module = match modules.iter().find(|(path, _)| *path == import.module) {
            Some((_, module)) => module.clone(),
            None => {
                let module = context
                    .modules
                    .text(&import.module)
                    .map(|text| SourceFile::new(beside(file, &import.module), text));
                modules.push((import.module.clone(), module.clone()));
                module
            }
        };
        if let Some(module) = module {
            imported.push(ImportedUse { at: import.at, name: import.name, module, span: import.span });
        }
    }
    let resources = evaluated
        .resources
        .into_iter()
        .filter_map(|call| {
            Some(Resource {
                type_token: token_of(&call.package, &call.path)?,
                name: call.name_text,
                variable: call.variable,
                properties: call.properties,
                properties_unknown: call.properties_unknown,
                span: call.span,
                name_span: call.name_span,
            })
        })
        .collect();
    Program {
        file: Arc::clone(file),
        language,
        resources,
        stack: stack.map(|stack| stack.stack.clone()),
        stack_file: stack.map(|stack| stack.source_beside(file)),
        imported,
        spliced: evaluated.spliced,
        comments: evaluated.comments,
        // Limits met in the sibling modules the program imports, said at the import.
        problems: evaluated
            .notes
            .into_iter()
            .map(|note| Problem { span: note.span, message: note.message, rest_checked: true })
            .collect(),
    }
}

/// What the evaluator asks about the world around the program.
struct ProgramHost<'c, 'm> {
    context: &'c ProgramContext<'m>,
    stack: Option<&'c StackConfig>,
}

impl Host for ProgramHost<'_, '_> {
    fn config(&self, namespace: Option<&str>, key: &str) -> ConfigLookup {
        let Some(stack) = self.stack else { return ConfigLookup::NotSet };
        match stack.lookup(namespace, key, self.context.project.as_deref()) {
            Some(StackValue { key, value: Some(value) }) => {
                ConfigLookup::Value { key: key.clone(), stack: stack.stack.clone(), value: value.clone() }
            }
            Some(StackValue { key, value: None }) => {
                ConfigLookup::Secret { key: key.clone(), stack: stack.stack.clone() }
            }
            None => ConfigLookup::NotSet,
        }
    }

    fn invoke(&self, package: &str, path: &[String], args: &Node, span: Span) -> Option<Node> {
        match package {
            "aws" => aws::invoke(path, args, span),
            _ => None,
        }
    }

    fn constant(&self, package: &str, path: &[String]) -> Option<String> {
        match package {
            "aws" => aws::constant(path),
            _ => None,
        }
    }

    fn load_module(&self, relative_path: &str, language: SourceLanguage) -> Option<Arc<ParsedProgram>> {
        self.context.modules.load(relative_path, language)
    }
}

/// A stack output that hands out a resource's property: `export const deployRoleArn = role.arn`
/// (TypeScript, JavaScript), `pulumi.export("deployRoleArn", role.arn)` (Python), an `outputs:`
/// entry `deployRoleArn: ${role.arn}` (YAML). Only that plain shape counts: an output computed
/// from several values names no one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackExport {
    pub name: String,
    /// The variable the exported property is read from (a YAML resource's logical name).
    pub variable: String,
    pub property: String,
    /// The output's name as written.
    pub span: Span,
}

/// The outputs among `exports` that hand out one of `properties` of `resource`.
pub fn exports_of<'e>(
    exports: &'e [StackExport],
    resource: &Resource,
    properties: &'e [&str],
) -> impl Iterator<Item = &'e StackExport> + 'e {
    let variable = resource.variable.clone();
    exports.iter().filter(move |export| {
        variable.as_deref() == Some(export.variable.as_str())
            && properties.contains(&export.property.as_str())
    })
}

/// Every plain stack output of a program file (see [`StackExport`]).
pub fn stack_exports(file: &SourceFile, language: Language) -> Vec<StackExport> {
    let text = file.text();
    let mut exports = Vec::new();
    let mut offset = 0;
    let mut in_yaml_outputs = false;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let line = line.trim_end();
        let found = match language {
            Language::TypeScript | Language::JavaScript => typescript_export(line),
            Language::Python => python_export(line),
            Language::Yaml => {
                if !line.starts_with([' ', '\t']) && !line.is_empty() {
                    in_yaml_outputs = line == "outputs:";
                    None
                } else if in_yaml_outputs {
                    yaml_output(line)
                } else {
                    None
                }
            }
        };
        if let Some((name_at, name, variable, property)) = found {
            let name_start = start + name_at;
            exports.push(StackExport {
                span: Span::new(name_start, name_start + name.len()),
                name: name.to_string(),
                variable: variable.to_string(),
                property: property.to_string(),
            });
        }
    }
    exports
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// `variable.property` with both parts plain identifiers.
fn property_read(text: &str) -> Option<(&str, &str)> {
    let (variable, property) = text.trim().split_once('.')?;
    (is_identifier(variable) && is_identifier(property)).then_some((variable, property))
}

/// `export const NAME = variable.property;` -> (offset of NAME, NAME, variable, property).
fn typescript_export(line: &str) -> Option<(usize, &str, &str, &str)> {
    let rest = line.strip_prefix("export const ")?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    let (variable, property) = property_read(value.trim().trim_end_matches(';'))?;
    let name_at = "export const ".len() + (rest.len() - rest.trim_start().len());
    is_identifier(name).then_some((name_at, name, variable, property))
}

/// `pulumi.export("NAME", variable.property)`.
fn python_export(line: &str) -> Option<(usize, &str, &str, &str)> {
    let rest = line.strip_prefix("pulumi.export(")?.strip_suffix(')')?;
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let (name, after) = rest[1..].split_once(quote)?;
    let (variable, property) = property_read(after.trim_start().strip_prefix(',')?)?;
    let name_at = "pulumi.export(".len() + 1;
    (!name.is_empty() && !name.contains(['\\', '{'])).then_some((name_at, name, variable, property))
}

/// `  NAME: ${resource.property}` under `outputs:`.
fn yaml_output(line: &str) -> Option<(usize, &str, &str, &str)> {
    let name_at = line.len() - line.trim_start().len();
    let (name, value) = line[name_at..].split_once(':')?;
    let value = value.trim().trim_matches(['"', '\'']);
    let (variable, property) = property_read(value.strip_prefix("${")?.strip_suffix('}')?)?;
    is_identifier(name.trim()).then_some((name_at, name.trim(), variable, property))
}

/// Every cloud mapping over one program.
pub fn facts(program: &Program) -> Facts {
    let mut facts = Facts::default();
    facts.extend(aws::facts(program));
    facts.extend(gcp::facts(program));
    facts.extend(azure::facts(program));
    facts.extend(credentials::facts(program));
    facts
}

/// Normalize a type token to the short form: `aws:iam/role:Role` -> `aws:iam:Role`,
/// `azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential`
/// -> `azuread:ApplicationFederatedIdentityCredential`, `azure-native:managedidentity/v20230131:X`
/// -> `azure-native:managedidentity:X`.
pub fn normalize_type_token(token: &str) -> String {
    let parts: Vec<&str> = token.trim().split(':').collect();
    match parts.as_slice() {
        [package, module, class] => {
            let module = module.split('/').next().unwrap_or(module);
            if *package == "pulumi" && module == "providers" {
                return token.trim().to_string();
            }
            if module.is_empty() || module == "index" {
                format!("{package}:{class}")
            } else {
                format!("{package}:{module}:{class}")
            }
        }
        _ => token.trim().to_string(),
    }
}

/// The type token of a class reached through an SDK package: `("aws", ["iam", "Role"])` ->
/// `aws:iam:Role`; `("aws", ["Provider"])` -> `pulumi:providers:aws`; version modules of
/// azure-native (`v20230131`, `v20250131preview`) are dropped.
pub fn token_of(package: &str, path: &[String]) -> Option<String> {
    let (class, modules) = path.split_last()?;
    let modules: Vec<&str> =
        modules.iter().map(String::as_str).filter(|m| !is_version_module(m) && *m != "index").collect();
    if modules.is_empty() && class == "Provider" {
        return Some(format!("pulumi:providers:{package}"));
    }
    Some(if modules.is_empty() {
        format!("{package}:{class}")
    } else {
        format!("{package}:{}:{class}", modules.join("/"))
    })
}

fn is_version_module(module: &str) -> bool {
    let Some(rest) = module.strip_prefix('v') else { return false };
    rest.len() >= 8 && rest[..8].bytes().all(|b| b.is_ascii_digit())
}

pub use trustlint_syntax::eval::camel_case;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_stack_exports_in_each_language() {
        let exports = |language: Language, text: &str| -> Vec<(String, String, String, String)> {
            let file = SourceFile::new("p", text);
            stack_exports(&file, language)
                .into_iter()
                .map(|e| (e.name, e.variable, e.property, file.slice(e.span).to_string()))
                .collect()
        };
        let one = |name: &str, variable: &str, property: &str| {
            vec![(name.to_string(), variable.to_string(), property.to_string(), name.to_string())]
        };
        assert_eq!(
            exports(Language::TypeScript, "const r = 1;\nexport const deployRoleArn = role.arn;\n"),
            one("deployRoleArn", "role", "arn")
        );
        assert_eq!(
            exports(Language::Python, "pulumi.export('deployRoleArn', role.arn)\n"),
            one("deployRoleArn", "role", "arn")
        );
        assert_eq!(
            exports(Language::Yaml, "resources:\n  role: {}\noutputs:\n  deployRoleArn: ${role.arn}\n"),
            one("deployRoleArn", "role", "arn")
        );
        // Computed outputs name no one resource; `outputs:` keys elsewhere are not stack outputs.
        assert!(exports(Language::TypeScript, "export const x = pulumi.interpolate`${a.arn}`;\n").is_empty());
        assert!(exports(Language::TypeScript, "export const x = a.arn.apply(f);\n").is_empty());
        assert!(exports(Language::Python, "pulumi.export(\"x\", f(role.arn))\n").is_empty());
        assert!(exports(Language::Yaml, "resources:\n  r:\n    outputs:\n      x: ${role.arn}\n").is_empty());
    }

    #[test]
    fn type_tokens() {
        assert_eq!(normalize_type_token("aws:iam/role:Role"), "aws:iam:Role");
        assert_eq!(normalize_type_token("aws:iam:Role"), "aws:iam:Role");
        assert_eq!(
            normalize_type_token("gcp:serviceaccount/iAMMember:IAMMember"),
            "gcp:serviceaccount:IAMMember"
        );
        assert_eq!(
            normalize_type_token(
                "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
            ),
            "azuread:ApplicationFederatedIdentityCredential"
        );
        assert_eq!(normalize_type_token("pulumi:providers:aws"), "pulumi:providers:aws");
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(token_of("aws", &path(&["iam", "Role"])).unwrap(), "aws:iam:Role");
        assert_eq!(token_of("aws", &path(&["Provider"])).unwrap(), "pulumi:providers:aws");
        assert_eq!(
            token_of("azure-native", &path(&["managedidentity", "v20230131", "FederatedIdentityCredential"]))
                .unwrap(),
            "azure-native:managedidentity:FederatedIdentityCredential"
        );
        assert_eq!(
            token_of("azuread", &path(&["ApplicationFederatedIdentityCredential"])).unwrap(),
            "azuread:ApplicationFederatedIdentityCredential"
        );
    }

    #[test]
    fn stack_config_lookup() {
        let stack = StackConfig::parse(
            "prod",
            "config:\n  aws:region: us-east-1\n  acme:subject: repo:acme/infra:environment:prod\n  acme:token:\n    secure: AAABAxyz\n",
        )
        .unwrap();
        assert_eq!(
            stack.lookup(None, "subject", None).unwrap().value.as_ref().unwrap().as_str(),
            Some("repo:acme/infra:environment:prod")
        );
        assert!(stack.lookup(None, "region", None).is_none());
        assert!(stack.lookup(Some("aws"), "region", None).is_some());
        assert!(stack.lookup(None, "token", None).unwrap().value.is_none());
        assert!(stack.lookup(None, "subject", Some("other")).is_none());
    }

    #[test]
    fn sniffs_programs() {
        assert!(looks_like_program("import * as aws from \"@pulumi/aws\";"));
        assert!(looks_like_program("import pulumi\nimport pulumi_aws as aws\n"));
        assert!(looks_like_program("const aws = require('@pulumi/aws');"));
        assert!(looks_like_program("from pulumi import Output\n"));
        assert!(!looks_like_program("import React from 'react';"));
        assert!(!looks_like_program("// see https://www.npmjs.com/package/@pulumi/aws\n"));
        // SST v3: globals, no imports.
        assert!(looks_like_program(
            "export default $config({ async run() { new aws.iam.Role(\"r\", {}) } });"
        ));
        assert!(looks_like_program("const arn = $interpolate`arn:${x}`;\nnew aws.iam.Role(\"r\", {});"));
        assert!(!looks_like_program("const price = \"$app.total\";"));
        assert!(!looks_like_program("PULUMI_TOKEN = os.environ['pulumi_token']\nimport pulumify\n"));
        assert!(looks_like_yaml_program(
            "name: x\nruntime: yaml\nresources:\n  r:\n    type: aws:iam:Role\n"
        ));
        assert!(looks_like_yaml_program("resources:\n  r:\n    type: aws:iam:Role\n"));
        assert!(!looks_like_yaml_program("Resources:\n  R:\n    Type: AWS::IAM::Role\n"));
    }
}
