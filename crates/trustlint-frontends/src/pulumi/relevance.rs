//! The relevance test: can a TypeScript, JavaScript or Python program contribute a fact at all?
//! Parsing and evaluating a program is the expensive part of a run, and in a real repository
//! most programs declare buckets, clusters and functions, not identities.
//!
//! Facts come only from resources whose type one of the cloud mappings reads (their
//! `FACT_TYPES`/`fact_types()`, the very lists the mappings compare against). A resource of type
//! `aws:iam:Role` is reached through a class path the program writes out: `aws.iam.Role`,
//! `iam.Role` after `import { iam } from "@pulumi/aws"`, `from pulumi_aws.iam import Role`,
//! `aws["iam"]["Role"]`. So its package root (`aws`), every module (`iam`) and its class
//! (`Role`) appear in the text of the program or of the sibling modules it loads (a helper in
//! `./roles.ts` may declare the role when called). The test is one case-insensitive
//! multi-pattern pass over those words; a program is parsed when, for some fact type, every word
//! is present in the program and its siblings together. A program that mentions `trustlint` is
//! always parsed, so its suppression comments are read by the parser as before.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{aws, azure, credentials, gcp};

/// Which words of the test a text contains, one bit per word.
pub type Words = u128;

struct Test {
    automaton: AhoCorasick,
    /// Per fact type, the bits of the words that must all be present.
    requirements: Vec<Words>,
    /// The bit of `trustlint` (a suppression comment may be in the file).
    marker: Words,
}

static TEST: LazyLock<Test> = LazyLock::new(build);

/// Every type a mapping turns into facts.
pub fn fact_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = aws::FACT_TYPES.to_vec();
    types.extend(gcp::fact_types());
    types.extend(azure::fact_types());
    types.extend(credentials::fact_types());
    types
}

/// The words a program must write to declare a resource of a short type token:
/// `aws:iam:Role` -> `aws`, `iam`, `role`; `pulumi:providers:aws` -> `aws`, `provider`;
/// `azure-native:managedidentity:FederatedIdentityCredential` -> `azure`, `managedidentity`,
/// `federatedidentitycredential` (`azure_native` in Python, `azure-native` in TypeScript).
pub fn words_of(type_token: &str) -> Vec<String> {
    let segments: Vec<&str> = type_token.split(':').collect();
    let package_root =
        |package: &str| package.split(['-', '_']).next().unwrap_or(package).to_ascii_lowercase();
    match segments.as_slice() {
        ["pulumi", "providers", package] => vec![package_root(package), "provider".to_string()],
        [package, modules @ .., class] => {
            let mut words = vec![package_root(package)];
            words.extend(
                modules
                    .iter()
                    .flat_map(|module| module.split('/'))
                    .filter(|module| !module.is_empty() && *module != "index")
                    .map(str::to_ascii_lowercase),
            );
            words.push(class.to_ascii_lowercase());
            words
        }
        [only] => vec![only.to_ascii_lowercase()],
        [] => Vec::new(),
    }
}

fn build() -> Test {
    let mut words: Vec<String> = Vec::new();
    let bit = |word: String, words: &mut Vec<String>| -> Words {
        let index = words.iter().position(|w| *w == word).unwrap_or_else(|| {
            words.push(word);
            words.len() - 1
        });
        assert!(index < Words::BITS as usize, "the relevance test holds at most 128 words");
        1 << index
    };
    let requirements = fact_types()
        .into_iter()
        .map(|token| words_of(token).into_iter().fold(0, |mask, word| mask | bit(word, &mut words)))
        .collect();
    let marker = bit("trustlint".to_string(), &mut words);
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&words)
        .expect("the relevance words are plain ASCII");
    Test { automaton, requirements, marker }
}

/// The words of the test found in `text`, in one pass (overlapping matches count: `RolePolicy`
/// holds `role`, `policy` and `rolepolicy`).
pub fn words_in(text: &str) -> Words {
    let test = &*TEST;
    let mut found: Words = 0;
    for hit in test.automaton.find_overlapping_iter(text) {
        found |= 1 << hit.pattern().as_usize();
    }
    found
}

/// True when texts holding `words` together may declare a resource that becomes a fact.
pub fn is_relevant(words: Words) -> bool {
    let test = &*TEST;
    words & test.marker != 0 || test.requirements.iter().any(|needed| words & needed == *needed)
}

/// The sibling modules (paths relative to the program's folder) a program may load: a superset
/// of what the evaluator resolves. TypeScript: every quoted string starting with `./` (import,
/// `require`, re-export). Python: every dotted name on a line that mentions `import`, with
/// backslash continuations joined (`from .constants import X`, `import helpers`).
pub fn sibling_paths(text: &str, python: bool) -> Vec<String> {
    let mut modules: Vec<String> = Vec::new();
    if python {
        let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
        for line in joined.lines().filter(|line| line.contains("import")) {
            let names = line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'));
            modules
                .extend(names.filter(|name| name.chars().any(|c| c.is_alphanumeric())).map(str::to_string));
        }
    } else {
        for (at, _) in text.match_indices("./") {
            let Some(quote) = at.checked_sub(1).map(|q| text.as_bytes()[q]) else { continue };
            if !matches!(quote, b'"' | b'\'' | b'`') {
                continue;
            }
            let rest = &text[at..];
            if let Some(end) = rest.find([quote as char, '\n']) {
                modules.push(rest[..end].to_string());
            }
        }
    }
    modules.sort();
    modules.dedup();
    let mut paths: Vec<String> = modules
        .iter()
        .flat_map(|module| trustlint_syntax::eval::sibling_candidates(module, python))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relevant(text: &str) -> bool {
        is_relevant(words_in(text))
    }

    #[test]
    fn words_come_from_the_type_tokens() {
        assert_eq!(words_of("aws:iam:Role"), ["aws", "iam", "role"]);
        assert_eq!(words_of("pulumi:providers:azure-native"), ["azure", "provider"]);
        assert_eq!(words_of("azuread:ApplicationPassword"), ["azuread", "applicationpassword"]);
        assert!(fact_types().contains(&"gcp:iam:WorkloadIdentityPoolProvider"));
    }

    #[test]
    fn programs_declaring_identities_are_relevant_in_every_spelling() {
        for text in [
            "import * as aws from \"@pulumi/aws\";\nnew aws.iam.Role(\"r\", {});\n",
            "import { iam } from \"@pulumi/aws\";\nnew iam.Role(\"r\", {});\n",
            "import pulumi_aws as aws\naws.iam.Role('r')\n",
            "from pulumi_aws.iam import AccessKey\nAccessKey('k', user='u')\n",
            "import pulumi_azure_native as azure_native\nazure_native.authorization.RoleAssignment('a')\n",
            "const gcp = require('@pulumi/gcp');\nnew gcp.iam.WorkloadIdentityPoolProvider('p', {});\n",
            "import * as aws from \"@pulumi/aws\";\nnew aws.Provider(\"p\", { accessKey: \"x\" });\n",
            "// trustlint: ignore[hardcoded-secret]\nconst key = 'x';\n",
        ] {
            assert!(relevant(text), "{text}");
        }
    }

    #[test]
    fn programs_without_identities_are_not() {
        for text in [
            "import * as aws from \"@pulumi/aws\";\nconst bucket = new aws.s3.Bucket(\"b\");\n",
            "import pulumi\nimport pulumi_kubernetes as k8s\nk8s.apps.v1.Deployment('d')\n",
            "import * as gcp from \"@pulumi/gcp\";\nnew gcp.storage.Bucket(\"b\", {});\n",
        ] {
            assert!(!relevant(text), "{text}");
        }
    }

    #[test]
    fn sibling_paths_cover_every_relative_import() {
        let ts = "import { mk } from \"./lib/roles\";\nconst c = require('./constants.js');\nimport x from \"react\";\n";
        let paths = sibling_paths(ts, false);
        assert!(paths.contains(&"lib/roles.ts".to_string()));
        assert!(paths.contains(&"constants.ts".to_string()));
        assert!(paths.contains(&"constants.js".to_string()));
        assert!(!paths.iter().any(|p| p.contains("react")));
        let py = "import json, \\\n  helpers\nfrom .pkg.mod import X\nx = 1\n";
        let paths = sibling_paths(py, true);
        for expected in ["helpers.py", "pkg/mod.py", "pkg/mod/__init__.py", "json.py"] {
            assert!(paths.contains(&expected.to_string()), "{expected}: {paths:?}");
        }
        assert!(!paths.contains(&"x.py".to_string()));
    }
}
