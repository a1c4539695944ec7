//! Pulumi stack configuration files (`Pulumi.<stack>.yaml`, oidc-reference.md 5.1): every value
//! under a credential-like key becomes a [`CredentialUse`] whose source says whether it is
//! encrypted (`secure:`) or written in plaintext.

use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::config_key::{credential_key, is_reference_or_placeholder};
use trustlint_model::{CredentialKind, CredentialSource, CredentialUse};
use trustlint_syntax::{Node, NodeKind, parse_yaml};

use crate::Analysis;

/// Nesting read inside one configuration value; structured config is shallow.
const MAX_DEPTH: usize = 32;

/// The stack name of a stack settings file: `infra/Pulumi.prod.yaml` -> `prod`. `Pulumi.yaml`
/// (the project file) is not one.
pub fn stack_of(path: &str) -> Option<&str> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let rest = name.strip_prefix("Pulumi.")?;
    let stack = rest.strip_suffix(".yaml").or_else(|| rest.strip_suffix(".yml"))?;
    (!stack.is_empty()).then_some(stack)
}

/// Top-level keys a stack settings file may have.
const STACK_FILE_KEYS: &[&str] =
    &["config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt"];

/// Is this a stack settings file? By name (`Pulumi.<stack>.yaml`, Pulumi's convention), or by
/// content for files kept under another name: a top-level `config:` block whose keys are
/// namespaced (`aws:region`), and no top-level key a stack file cannot have.
pub fn looks_like_stack_file(path: &str, text: &str) -> bool {
    if stack_of(path).is_some() {
        return true;
    }
    let mut saw_config = false;
    let mut namespaced = false;
    let mut in_config = false;
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.is_empty() || trimmed.trim_start().starts_with('#') || trimmed == "---" {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            let Some((key, _)) = trimmed.split_once(':') else { return false };
            if !STACK_FILE_KEYS.contains(&key) {
                return false;
            }
            in_config = key == "config";
            saw_config |= in_config;
        } else if in_config && !namespaced {
            let entry = trimmed.trim_start();
            namespaced = entry.split_once(':').is_some_and(|(namespace, rest)| {
                !namespace.is_empty()
                    && namespace.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    && rest.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            });
        }
    }
    saw_config && namespaced
}

/// Read a stack settings file into credential facts.
pub fn analyze(file: &Arc<SourceFile>) -> Analysis {
    let parsed = parse_yaml(file.text());
    let mut analysis = Analysis { comments: parsed.comments, ..Analysis::default() };
    if let Some(error) = parsed.errors.first() {
        analysis.problems.push(crate::Problem {
            span: error.span,
            message: error.message.clone(),
            rest_checked: false,
        });
        return analysis;
    }
    let stack = stack_of(file.path()).map(str::to_string);
    let Some(config) = parsed.documents.first().and_then(|root| root.get("config")) else {
        return analysis;
    };
    let mut reader = Reader { file, stack, out: Vec::new() };
    for entry in config.as_map().unwrap_or_default() {
        reader.value(&entry.key, entry.key_span, &entry.value, 0);
    }
    analysis.facts.credentials = reader.out;
    analysis
}

/// `{secure: <ciphertext>}`: an encrypted value.
pub fn secure_value(node: &Node) -> Option<&Node> {
    match node.as_map()? {
        [entry] if entry.key == "secure" => Some(&entry.value),
        _ => None,
    }
}

struct Reader<'a> {
    file: &'a Arc<SourceFile>,
    stack: Option<String>,
    out: Vec<CredentialUse>,
}

impl Reader<'_> {
    /// `key` is the full configuration path (`aws:secretKey`, `acme:db.password`).
    fn value(&mut self, key: &str, key_span: Span, node: &Node, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if secure_value(node).is_some() {
            if let Some(kind) = credential_key(key) {
                self.push(key, key_span, kind, true);
            }
            return;
        }
        match &node.kind {
            NodeKind::Map(entries) => {
                for entry in entries {
                    self.value(&format!("{key}.{}", entry.key), entry.key_span, &entry.value, depth + 1);
                }
            }
            NodeKind::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.value(&format!("{key}[{index}]"), item.span, item, depth + 1);
                }
            }
            NodeKind::Scalar(scalar) => {
                if node.is_null() || is_reference_or_placeholder(&scalar.value) {
                    return;
                }
                if let Some(kind) = credential_key(key) {
                    self.push(key, node.span, kind, false);
                }
            }
            NodeKind::Computed(_) => {}
        }
    }

    fn push(&mut self, key: &str, span: Span, kind: CredentialKind, secure: bool) {
        let replacement = replacement(&kind).to_string();
        // The span is the configured value; a ciphertext is not a secret, a plaintext is.
        self.out.push(CredentialUse {
            file: self.file.clone(),
            span,
            value_span: (!secure).then_some(span),
            kind,
            source: CredentialSource::Config { key: key.to_string(), secure },
            wired_into: match &self.stack {
                Some(stack) => format!("stack configuration `{key}` of stack `{stack}`"),
                None => format!("stack configuration `{key}`"),
            },
            replacement: replacement.into(),
        });
    }
}

/// The OIDC way to give a program this credential, for help lines.
pub fn replacement(kind: &CredentialKind) -> &'static str {
    match kind {
        CredentialKind::AwsAccessKey => {
            "import an ESC environment that logs in with `fn::open::aws-login` and `oidc` (listed under `environment:` in the stack file), or use the provider's OIDC settings of Pulumi Deployments"
        }
        CredentialKind::GcpServiceAccountKey => {
            "import an ESC environment that logs in with `fn::open::gcp-login` and `oidc` (workload identity federation), or use Pulumi Deployments' GCP OIDC settings"
        }
        CredentialKind::AzureClientSecret => {
            "import an ESC environment that logs in with `fn::open::azure-login` and `oidc: true` (a federated identity credential), or set `azure-native:useOidc`"
        }
        CredentialKind::PulumiAccessToken => {
            "exchange an OIDC token for a short-lived Pulumi token (`pulumi/auth-actions`, Pulumi Deployments) instead of storing an access token"
        }
        CredentialKind::Other(_) => {
            "store it encrypted with `pulumi config set --secret`, or in an ESC environment"
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn facts(path: &str, text: &str) -> Vec<(String, bool, String)> {
        config_credentials(analyze, path, text)
    }

    /// `(key, secure, value text)` of every configuration credential `analyze` finds in `text`,
    /// which it must read without a problem. Shared with the ESC reader's tests.
    pub(crate) fn config_credentials(
        analyze: fn(&Arc<SourceFile>) -> Analysis,
        path: &str,
        text: &str,
    ) -> Vec<(String, bool, String)> {
        let file = SourceFile::new(path, text);
        let analysis = analyze(&file);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        analysis
            .facts
            .credentials
            .iter()
            .map(|c| {
                let CredentialSource::Config { key, secure } = &c.source else { panic!() };
                (key.clone(), *secure, file.slice(c.span).to_string())
            })
            .collect()
    }

    #[test]
    fn names_stacks() {
        assert_eq!(stack_of("infra/Pulumi.prod.yaml"), Some("prod"));
        assert_eq!(stack_of("Pulumi.dev.yml"), Some("dev"));
        assert_eq!(stack_of("Pulumi.yaml"), None);
        assert_eq!(stack_of("Pulumi..yaml"), None);
        assert_eq!(stack_of("pulumi.prod.yaml"), None);
    }

    #[test]
    fn recognises_stack_files_by_name_or_content() {
        assert!(looks_like_stack_file("Pulumi.prod.yaml", ""));
        assert!(looks_like_stack_file("fixtures/bad-plaintext.yaml", "config:\n  aws:region: us-east-1\n"));
        assert!(looks_like_stack_file(
            "x.yaml",
            "# stack\nsecretsprovider: passphrase\nencryptionsalt: v1:x\nconfig:\n  acme:db:\n    password: x\n"
        ));
        assert!(!looks_like_stack_file("Pulumi.yaml", "name: p\nruntime: yaml\nconfig:\n  aws:region: x\n"));
        assert!(!looks_like_stack_file("app.yaml", "config:\n  replicas: 3\n"));
        assert!(!looks_like_stack_file("app.yaml", "config:\n  aws:region: x\nspec: {}\n"));
    }

    #[test]
    fn plaintext_and_secure_values() {
        let text = "\
config:
  aws:region: us-east-1
  aws:accessKey: AKIAZZZZFAKEKEY7ZZZZ
  aws:secretKey:
    secure: AAABAGx0ZXN0Y2lwaGVydGV4dA==
  acme:db:
    host: db.internal
    password: hunter2hunter2
    replicas:
      - password: { secure: v1:abc }
  acme:apiToken: ${env.TOKEN}
  acme:tokenLifetime: 3600
  acme:empty:
";
        let got = facts("Pulumi.prod.yaml", text);
        assert_eq!(
            got,
            vec![
                ("aws:accessKey".into(), false, "AKIAZZZZFAKEKEY7ZZZZ".into()),
                ("aws:secretKey".into(), true, "aws:secretKey".into()),
                ("acme:db.password".into(), false, "hunter2hunter2".into()),
                ("acme:db.replicas[0].password".into(), true, "password".into()),
            ]
        );
    }

    #[test]
    fn broken_and_empty_files() {
        let file = SourceFile::new("Pulumi.dev.yaml", "config:\n  aws:secretKey: [unclosed\n");
        assert!(!analyze(&file).problems.is_empty());
        let file = SourceFile::new("Pulumi.dev.yaml", "encryptionsalt: v1:abc\n");
        assert!(analyze(&file).facts.credentials.is_empty());
        let file = SourceFile::new("Pulumi.dev.yaml", "config: 3\n");
        assert!(analyze(&file).facts.credentials.is_empty());
    }
}
