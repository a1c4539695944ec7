//! Pulumi ESC environment definitions kept in a repository (oidc-reference.md 5.2): logins
//! (`fn::open::aws-login` / `gcp-login` / `azure-login`) in their static form, values under
//! credential-like keys that are not wrapped in `fn::secret`, and `fn::secret` written in
//! plaintext, become [`CredentialUse`] facts.
//!
//! # Recognising an environment file
//!
//! ESC definitions have no fixed file name, so the content decides: a YAML document whose root
//! is a mapping with a `values:` mapping (written at column 0), and that uses an ESC construct
//! (`fn::...`, `environmentVariables`, `pulumiConfig`). Helm values files, Kubernetes manifests,
//! workflows and Pulumi programs have no top-level `values:` key with those constructs, so they
//! are not mistaken for environments. [`looks_like_environment`] is the cheap text sniff run
//! before parsing; [`analyze`] confirms the shape on the parsed tree and reads nothing otherwise.

use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::config_key::{
    ESC_LOGINS, EscLogin, PLAINTEXT_FN_SECRET, credential_key, is_reference_or_placeholder,
};
use trustlint_model::workflow::credential_variable;
use trustlint_model::{CredentialKind, CredentialSource, CredentialUse};
use trustlint_syntax::{Entry, Node, NodeKind, parse_yaml};

use crate::{Analysis, Problem};

/// Nesting read inside `values:`; environments are shallow.
const MAX_DEPTH: usize = 48;

/// Cheap sniff, before parsing: a top-level `values:` key and an ESC construct.
pub fn looks_like_environment(text: &str) -> bool {
    let has_values = text.lines().any(|line| {
        line.strip_prefix("values:")
            .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
    });
    has_values
        && (text.contains("fn::") || text.contains("environmentVariables") || text.contains("pulumiConfig"))
}

/// True when a parsed document has the shape of an environment definition.
pub fn is_environment(root: &Node) -> bool {
    root.get("values").is_some_and(|values| values.as_map().is_some())
}

/// Read an environment definition into credential facts.
pub fn analyze(file: &Arc<SourceFile>) -> Analysis {
    let parsed = parse_yaml(file.text());
    let mut analysis = Analysis { comments: parsed.comments, ..Analysis::default() };
    if let Some(error) = parsed.errors.first() {
        analysis.problems.push(Problem {
            span: error.span,
            message: error.message.clone(),
            rest_checked: false,
        });
        return analysis;
    }
    let Some(values) =
        parsed.documents.first().filter(|root| is_environment(root)).and_then(|r| r.get("values"))
    else {
        return analysis;
    };
    let mut reader = Reader { file, out: Vec::new() };
    for entry in values.as_map().unwrap_or_default() {
        let context = match entry.key.as_str() {
            "environmentVariables" => Context::EnvironmentVariables,
            "pulumiConfig" => Context::PulumiConfig,
            _ => Context::Values,
        };
        reader.node(&entry.key, &entry.value, context, 0);
    }
    analysis.facts.credentials = reader.out;
    analysis
}

/// Which part of `values:` a value sits in: it decides how keys are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Values,
    /// Environment variable names (`AWS_SECRET_ACCESS_KEY`).
    EnvironmentVariables,
    /// Stack configuration keys (`aws:secretKey`).
    PulumiConfig,
}

struct Reader<'a> {
    file: &'a Arc<SourceFile>,
    out: Vec<CredentialUse>,
}

/// How a credential setting is stored in the file.
#[derive(Clone, Copy, Debug)]
enum Stored {
    /// `fn::secret` ciphertext (or only references): nothing secret is in the file.
    Encrypted,
    /// In plaintext, with the span of the secret value to mask when there is one. Only a value
    /// is masked, never a key such as `static` or `clientSecret`.
    Plaintext(Option<Span>),
}

/// The last key of a path (`db.password` -> `password`), as written.
fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn fn_secret(node: &Node) -> Option<&Entry> {
    match node.as_map()? {
        [entry] if entry.key == "fn::secret" => Some(entry),
        _ => None,
    }
}

/// `fn::secret: {ciphertext: ...}`: encrypted by ESC.
fn is_ciphertext(node: &Node) -> bool {
    node.as_map().is_some_and(|entries| entries.iter().any(|e| e.key == "ciphertext"))
}

impl Reader<'_> {
    /// The credential a value at `path` would be, by its key.
    fn kind_of(&self, path: &str, context: Context) -> Option<CredentialKind> {
        let key = last_key(path);
        match context {
            Context::EnvironmentVariables => match credential_variable(key) {
                Some(variable) if variable.secret && !variable.only_from_secret => Some(variable.kind),
                Some(_) => None,
                None => credential_key(key),
            },
            // `pulumiConfig: {aws:secretKey: ...}`: the key is a full stack key.
            Context::PulumiConfig => credential_key(path.strip_prefix("pulumiConfig.").unwrap_or(path)),
            Context::Values => credential_key(key),
        }
    }

    fn node(&mut self, path: &str, node: &Node, context: Context, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(secret) = fn_secret(node) {
            self.fn_secret(path, secret, context);
            return;
        }
        match &node.kind {
            NodeKind::Map(entries) => {
                for entry in entries {
                    if let Some(login) = ESC_LOGINS.iter().find(|login| login.function == entry.key) {
                        self.login(path, login, entry, depth);
                        continue;
                    }
                    let child = format!("{path}.{}", entry.key);
                    self.node(&child, &entry.value, context, depth + 1);
                }
            }
            NodeKind::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.node(&format!("{path}[{index}]"), item, context, depth + 1);
                }
            }
            NodeKind::Scalar(_) => {
                let Some(value) = plaintext_scalar(node) else { return };
                if let Some(kind) = self.kind_of(path, context) {
                    let wired = format!("the ESC value `{path}`, not wrapped in `fn::secret`,");
                    self.push(path.to_string(), value, Stored::Plaintext(Some(value)), kind, wired, None);
                }
            }
            NodeKind::Computed(_) => {}
        }
    }

    fn fn_secret(&mut self, path: &str, secret: &Entry, context: Context) {
        let kind = self.kind_of(path, context).unwrap_or_else(|| CredentialKind::Other("secret".into()));
        if is_ciphertext(&secret.value) {
            if self.kind_of(path, context).is_some() {
                let wired = format!("the ESC value `{path}`");
                self.push(path.to_string(), secret.key_span, Stored::Encrypted, kind, wired, None);
            }
            return;
        }
        let Some(text) = secret.value.as_text() else { return };
        if is_reference_or_placeholder(text) || text.contains("${") {
            return;
        }
        let wired = format!("the `fn::secret` value `{path}`");
        let replacement = match &kind {
            CredentialKind::Other(_) => None,
            cloud => Some(crate::pulumi_config::replacement(cloud).to_string()),
        }
        .unwrap_or_else(|| {
            "keep only the ciphertext in the file: set the value with `esc env set ENV PATH VALUE --secret` and commit the definition Pulumi Cloud returns".to_string()
        });
        self.push(
            format!("{path}{PLAINTEXT_FN_SECRET}"),
            secret.value.span,
            Stored::Plaintext(Some(secret.value.span)),
            kind,
            wired,
            Some(replacement),
        );
    }

    fn login(&mut self, path: &str, login: &'static EscLogin, entry: &Entry, depth: usize) {
        let login_path = format!("{path}.{}", login.function);
        let Some(static_entry) = entry.value.entry(login.static_field) else {
            // The OIDC form; still read nested values for plaintext secrets.
            self.node(&login_path, &entry.value, Context::Values, depth + 1);
            return;
        };
        let static_path = format!("{login_path}.{}", login.static_field);
        let encrypted = all_leaves_protected(&static_entry.value);
        let wired = format!(
            "`{}` of `{}` at `{path}`, which logs in with long-lived {} credentials instead of OIDC,",
            login.static_field, login.function, login.kind_name
        );
        let replacement = format!("log in with {} in `{}`", login.oidc, login.function);
        // A plain string (`clientSecret: ...`, `accessToken: ...`) is the secret itself and this
        // fact covers it. In a mapping (`static: {accessKeyId, secretAccessKey}`) plaintext
        // secrets are reported on their own values; encrypted ones are covered by this fact.
        let plain_value = plaintext_scalar(&static_entry.value);
        let before = self.out.len();
        if plain_value.is_none() {
            self.node(&static_path, &static_entry.value, Context::Values, depth + 1);
        }
        let inner: Vec<CredentialUse> = self
            .out
            .drain(before..)
            .filter(|c| matches!(c.source, CredentialSource::Config { secure: false, .. }))
            .map(|c| CredentialUse { kind: login.kind(), replacement: replacement.clone().into(), ..c })
            .collect();
        // The key (`static`, `clientSecret`) is no secret: only a plaintext value is masked.
        let stored = if encrypted {
            Stored::Encrypted
        } else {
            Stored::Plaintext(plain_value.or_else(|| inner.iter().find_map(|c| c.value_span)))
        };
        self.push(static_path, static_entry.key_span, stored, login.kind(), wired, Some(replacement));
        self.out.extend(inner);
        for other in entry.value.as_map().unwrap_or_default().iter().filter(|e| e.key != login.static_field) {
            let child = format!("{login_path}.{}", other.key);
            self.node(&child, &other.value, Context::Values, depth + 1);
        }
    }

    fn push(
        &mut self,
        key: String,
        span: Span,
        stored: Stored,
        kind: CredentialKind,
        wired_into: String,
        replacement: Option<String>,
    ) {
        let replacement = replacement.unwrap_or_else(|| match &kind {
            CredentialKind::Other(_) => {
                "wrap it in `fn::secret` and save the environment through Pulumi Cloud (`esc env set --secret`), which stores only the ciphertext".to_string()
            }
            other => crate::pulumi_config::replacement(other).to_string(),
        });
        let (secure, value_span) = match stored {
            Stored::Encrypted => (true, None),
            Stored::Plaintext(value_span) => (false, value_span),
        };
        self.out.push(CredentialUse {
            file: self.file.clone(),
            span,
            value_span,
            kind,
            source: CredentialSource::Config { key, secure },
            wired_into,
            replacement: replacement.into(),
        });
    }
}

/// The span of a scalar that is a secret in plaintext (not empty, a reference or a placeholder).
fn plaintext_scalar(node: &Node) -> Option<Span> {
    let NodeKind::Scalar(scalar) = &node.kind else { return None };
    let reference =
        node.is_null() || is_reference_or_placeholder(&scalar.value) || scalar.value.contains("${");
    (!reference).then_some(node.span)
}

/// True when every scalar inside is an `fn::secret` ciphertext or a reference.
fn all_leaves_protected(node: &Node) -> bool {
    if let Some(secret) = fn_secret(node) {
        return is_ciphertext(&secret.value);
    }
    match &node.kind {
        NodeKind::Map(entries) => entries.iter().all(|e| all_leaves_protected(&e.value)),
        NodeKind::Seq(items) => items.iter().all(all_leaves_protected),
        NodeKind::Scalar(scalar) => {
            node.is_null() || is_reference_or_placeholder(&scalar.value) || scalar.value.contains("${")
        }
        NodeKind::Computed(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> Vec<(String, bool, String)> {
        crate::pulumi_config::tests::config_credentials(analyze, "env/prod.yaml", text)
    }

    #[test]
    fn sniffs_environments() {
        assert!(looks_like_environment(
            "imports: [base]\nvalues:\n  aws:\n    login:\n      fn::open::aws-login: {}\n"
        ));
        assert!(looks_like_environment("values: # comment\n  environmentVariables:\n    A: b\n"));
        assert!(!looks_like_environment("values:\n  replicaCount: 2\n"));
        assert!(!looks_like_environment("spec:\n  values:\n    fn::secret: x\n"));
        assert!(!looks_like_environment("resources:\n  r:\n    type: aws:iam:Role\n"));
    }

    #[test]
    fn static_logins_and_plaintext_values() {
        let text = "\
values:
  aws:
    login:
      fn::open::aws-login:
        static:
          accessKeyId: AKIAZZZZFAKEKEY7ZZZZ
          secretAccessKey:
            fn::secret: FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake
  db:
    password: hunter2hunter2
    token:
      fn::secret:
        ciphertext: ZXNjeAAAAAEAAAEA
    conn:
      fn::secret: postgres://u:p@h/db
  environmentVariables:
    AWS_ACCESS_KEY_ID: ${aws.login.accessKeyId}
    AWS_SECRET_ACCESS_KEY: ${aws.login.secretAccessKey}
    GITHUB_TOKEN: ghp_notarealtokennotarealtokennotareal
  pulumiConfig:
    aws:region: us-east-1
    azure-native:clientSecret: plain-secret-value
";
        assert_eq!(
            facts(text),
            vec![
                ("aws.login.fn::open::aws-login.static".into(), false, "static".into()),
                (
                    "aws.login.fn::open::aws-login.static.secretAccessKey.fn::secret".into(),
                    false,
                    "FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake".into()
                ),
                ("db.password".into(), false, "hunter2hunter2".into()),
                ("db.token".into(), true, "fn::secret".into()),
                ("db.conn.fn::secret".into(), false, "postgres://u:p@h/db".into()),
                (
                    "environmentVariables.GITHUB_TOKEN".into(),
                    false,
                    "ghp_notarealtokennotarealtokennotareal".into()
                ),
                ("pulumiConfig.azure-native:clientSecret".into(), false, "plain-secret-value".into()),
            ]
        );
    }

    #[test]
    fn oidc_logins_and_encrypted_static_logins() {
        let oidc = "\
values:
  aws:
    login:
      fn::open::aws-login:
        oidc:
          roleArn: arn:aws:iam::123456789012:role/esc
          sessionName: esc
";
        assert!(facts(oidc).is_empty());
        let encrypted = "\
values:
  azure:
    login:
      fn::open::azure-login:
        clientId: 00000000-0000-0000-0000-000000000000
        tenantId: 00000000-0000-0000-0000-000000000000
        clientSecret:
          fn::secret:
            ciphertext: ZXNjeAAAAAEAAAEA
";
        assert_eq!(
            facts(encrypted),
            vec![("azure.login.fn::open::azure-login.clientSecret".into(), true, "clientSecret".into())]
        );
    }

    /// `(key, located text, masked value text)` of every credential fact.
    fn masked(text: &str) -> Vec<(String, String, Option<String>)> {
        let file = SourceFile::new("env/prod.yaml", text);
        let analysis = analyze(&file);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        analysis
            .facts
            .credentials
            .iter()
            .map(|c| {
                let CredentialSource::Config { key, .. } = &c.source else { panic!() };
                (key.clone(), file.slice(c.span).to_string(), c.value_span.map(|v| file.slice(v).to_string()))
            })
            .collect()
    }

    #[test]
    fn static_logins_mask_plaintext_values_never_their_keys() {
        let text = "\
values:
  aws:
    login:
      fn::open::aws-login:
        static:
          accessKeyId: AKIAZZZZFAKEKEY7ZZZZ
          secretAccessKey: FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake
  azure:
    login:
      fn::open::azure-login:
        clientId: 00000000-0000-0000-0000-000000000000
        clientSecret: fake~azure~client~secret~value
  gcp:
    login:
      fn::open::gcp-login:
        project: 123456789
        accessToken:
          fn::secret:
            ciphertext: ZXNjeAAAAAEAAAEA
  aws2:
    login:
      fn::open::aws-login:
        static:
          accessKeyId: AKIAZZZZFAKEKEY7ZZZZ
          secretAccessKey:
            fn::secret:
              ciphertext: ZXNjeAAAAAEAAAEA
";
        let owned = |key: &str, at: &str, value: Option<&str>| {
            (key.to_string(), at.to_string(), value.map(str::to_string))
        };
        assert_eq!(
            masked(text),
            vec![
                // The login is located at its key; the plaintext secret inside is what is masked.
                owned(
                    "aws.login.fn::open::aws-login.static",
                    "static",
                    Some("FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake")
                ),
                owned(
                    "aws.login.fn::open::aws-login.static.secretAccessKey",
                    "FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake",
                    Some("FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake")
                ),
                // A plain string is the secret itself: one fact, its value masked.
                owned(
                    "azure.login.fn::open::azure-login.clientSecret",
                    "clientSecret",
                    Some("fake~azure~client~secret~value")
                ),
                // Ciphertext, or a key id beside ciphertext: nothing in the file to mask.
                owned("gcp.login.fn::open::gcp-login.accessToken", "accessToken", None),
                owned("aws2.login.fn::open::aws-login.static", "static", None),
            ]
        );
    }

    #[test]
    fn other_documents_give_nothing() {
        let file = SourceFile::new("x.yaml", "values: [1, 2]\nfn::x: 1\n");
        assert!(analyze(&file).facts.credentials.is_empty());
        let file = SourceFile::new("x.yaml", "values:\n  a: [unclosed\n");
        assert!(!analyze(&file).problems.is_empty());
    }
}
