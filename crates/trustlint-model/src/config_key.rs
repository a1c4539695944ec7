//! Which configuration keys hold credentials (Pulumi stack configuration, ESC environment
//! values; oidc-reference.md 5.1, 5.2), and which values are references rather than secrets.

use crate::trust::CredentialKind;

/// Provider configuration keys that hold a long-lived cloud credential.
const PROVIDER_KEYS: &[(&str, &str)] = &[
    ("aws", "accessKey"),
    ("aws", "secretKey"),
    ("aws", "token"),
    ("aws-native", "accessKey"),
    ("aws-native", "secretKey"),
    ("aws-native", "token"),
    ("gcp", "credentials"),
    ("gcp", "accessToken"),
    ("google-native", "credentials"),
    ("azure-native", "clientSecret"),
    ("azure-native", "clientCertificatePassword"),
    ("azure", "clientSecret"),
    ("azure", "clientCertificatePassword"),
    ("azuread", "clientSecret"),
    ("azuread", "clientCertificatePassword"),
    ("pulumiservice", "accessToken"),
];

fn provider_kind(namespace: &str) -> CredentialKind {
    match namespace {
        "aws" | "aws-native" => CredentialKind::AwsAccessKey,
        "gcp" | "google-native" => CredentialKind::GcpServiceAccountKey,
        "azure-native" | "azure" | "azuread" => CredentialKind::AzureClientSecret,
        "pulumiservice" => CredentialKind::PulumiAccessToken,
        other => CredentialKind::Other(format!("{other} credential")),
    }
}

/// Words that name a credential on their own (after splitting a key into words).
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "credential",
    "credentials",
    "privatekey",
    "apikey",
    "accesskey",
    "secretkey",
    "clientsecret",
    "accesstoken",
    "authtoken",
];

/// Two words that name a credential together (`privateKey`, `api_key`, `accessKey`).
const CREDENTIAL_PAIRS: &[(&str, &str)] = &[("private", "key"), ("api", "key"), ("access", "key")];

/// Words that may follow the credential word and still name the credential itself
/// (`secretKey`, `passwordValue`, `privateKeyPem`); anything else names something about it
/// (`secretName`, `tokenLifetime`, `passwordLength`).
const TRAILING_WORDS: &[&str] = &[
    "key", "value", "data", "string", "pem", "b64", "base64", "text", "plain", "raw", "hex", "json",
    "content", "contents",
];

/// Split a key into lower-case words at separators and camelCase boundaries:
/// `aws:secretKey` -> `aws`, `secret`, `key`; `APIToken` -> `api`, `token`.
pub fn words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = key.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_ascii_uppercase()
            && previous.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The credential a configuration key holds, if its name says it holds one. `key` is a full
/// stack key (`aws:secretKey`, `acme:dbPassword`) or a path of ESC value keys
/// (`db.password`); for a path only its last segment is judged.
pub fn credential_key(key: &str) -> Option<CredentialKind> {
    if let Some((namespace, name)) = key.split_once(':')
        && PROVIDER_KEYS.iter().any(|(ns, k)| *ns == namespace && k.eq_ignore_ascii_case(name))
    {
        return Some(provider_kind(namespace));
    }
    let last = key.rsplit(['.', ':']).next().unwrap_or(key);
    let words = words(last);
    // The last word (or pair) that names a credential, and what follows it.
    let mut found: Option<(usize, &str)> = None;
    for i in 0..words.len() {
        if CREDENTIAL_WORDS.contains(&words[i].as_str()) {
            found = Some((i + 1, credential_noun(&words[i])));
        } else if let Some(next) = words.get(i + 1)
            && CREDENTIAL_PAIRS.iter().any(|(a, b)| *a == words[i] && b == next)
        {
            found = Some((i + 2, credential_noun(&format!("{}{next}", words[i]))));
        }
    }
    let (end, noun) = found?;
    if !words[end.min(words.len())..].iter().all(|w| TRAILING_WORDS.contains(&w.as_str())) {
        return None;
    }
    Some(CredentialKind::Other(noun.to_string()))
}

fn credential_noun(word: &str) -> &'static str {
    match word {
        "password" | "passwd" => "password",
        "passphrase" => "passphrase",
        "token" | "accesstoken" | "authtoken" => "token",
        "credential" | "credentials" => "credential",
        "privatekey" => "private key",
        "apikey" => "API key",
        "accesskey" => "access key",
        _ => "secret",
    }
}

/// True when a plaintext value is a reference or placeholder rather than a secret: empty, a YAML
/// keyword ([`is_yaml_keyword`]), `${...}` interpolation, `$VAR`, a template placeholder
/// ([`is_placeholder_text`]), a file path.
pub fn is_reference_or_placeholder(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty()
        || is_yaml_keyword(value)
        || (value.starts_with("${") && value.ends_with('}') && !value[2..].contains("${"))
        || is_placeholder_text(value)
    {
        return true;
    }
    if let Some(name) = value.strip_prefix('$') {
        return !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    }
    let path_like = value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("../")
        || value.starts_with("~/");
    let file_like = [".json", ".pem", ".key", ".p12", ".pfx"].iter().any(|ext| value.ends_with(ext))
        && !value.contains(char::is_whitespace)
        && !value.contains('{');
    (path_like && !value.contains('\n')) || file_like
}

/// A YAML 1.1 or 1.2 boolean or null in any spelling (`True`, `FALSE`, `yes`, `On`, `~`): a
/// switch, not a secret, even when a tool reads it as a string.
pub fn is_yaml_keyword(value: &str) -> bool {
    const KEYWORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"];
    let value = value.trim();
    // YAML accepts `true`, `True` and `TRUE`, not `tRUE`: either lowercase after the first
    // letter, or all uppercase.
    let rest = value.get(1..).unwrap_or("");
    let spelled =
        rest.chars().all(|c| !c.is_ascii_uppercase()) || value.chars().all(|c| !c.is_ascii_lowercase());
    spelled && KEYWORDS.iter().any(|k| value.eq_ignore_ascii_case(k))
}

/// Text written to be replaced: `<your-token>`, `REPLACE_WITH_TOKEN`, `changeme`, `xxxx`,
/// `your-api-key`, `{{ token }}`, `%s`, `****`.
pub fn is_placeholder_text(value: &str) -> bool {
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let lower = value.to_ascii_lowercase();
    if value.is_empty() {
        return false;
    }
    let bracketed = |open: &str, close: &str| value.starts_with(open) && value.ends_with(close);
    if bracketed("<", ">") || bracketed("{{", "}}") {
        return true;
    }
    const PREFIXES: &[&str] = &[
        "replace_with",
        "replace-with",
        "replace_me",
        "replace-me",
        "replaceme",
        "your_",
        "your-",
        "insert_",
        "insert-",
        "enter_",
        "enter-",
    ];
    const MARKERS: &[&str] =
        &["changeme", "change_me", "change-me", "placeholder", "replace_this", "replace-this", "redacted"];
    if PREFIXES.iter().any(|p| lower.starts_with(p)) || MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    if matches!(lower.as_str(), "%s" | "%v" | "todo" | "tbd" | "secret" | "token" | "password") {
        return true;
    }
    // Masks: `xxxx`, `XXXX-XXXX`, `****`, `....`.
    let mask = |c: char| matches!(c, 'x' | 'X' | '*' | '.' | '#');
    let masked = value.chars().filter(|c| mask(*c)).count();
    masked >= 3 && value.chars().all(|c| mask(c) || matches!(c, '-' | '_' | ' ' | ':' | '/'))
}

/// ESC login providers: the field that holds their static form, and their OIDC form
/// (oidc-reference.md 5.2).
pub const ESC_LOGINS: &[EscLogin] = &[
    EscLogin {
        function: "fn::open::aws-login",
        static_field: "static",
        kind_name: "AWS",
        oidc: "`oidc: {roleArn, sessionName}`",
    },
    EscLogin {
        function: "fn::open::gcp-login",
        static_field: "accessToken",
        kind_name: "GCP",
        oidc: "`oidc: {workloadPoolId, providerId, serviceAccount}`",
    },
    EscLogin {
        function: "fn::open::azure-login",
        static_field: "clientSecret",
        kind_name: "Azure",
        oidc: "`oidc: true` with `clientId`, `tenantId` and `subscriptionId`",
    },
];

/// One ESC login provider function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EscLogin {
    pub function: &'static str,
    /// The field whose presence makes the login static.
    pub static_field: &'static str,
    pub kind_name: &'static str,
    /// What to write instead.
    pub oidc: &'static str,
}

impl EscLogin {
    pub fn kind(&self) -> CredentialKind {
        match self.kind_name {
            "AWS" => CredentialKind::AwsAccessKey,
            "GCP" => CredentialKind::GcpServiceAccountKey,
            _ => CredentialKind::AzureClientSecret,
        }
    }
}

/// The login whose static form a configuration path names: `aws.login.fn::open::aws-login.static`
/// -> the AWS login. Such credentials are long-lived even when encrypted.
pub fn esc_static_login(key: &str) -> Option<&'static EscLogin> {
    ESC_LOGINS.iter().find(|login| key.ends_with(&format!("{}.{}", login.function, login.static_field)))
}

/// The suffix of a configuration path whose value is `fn::secret` written in plaintext.
pub const PLAINTEXT_FN_SECRET: &str = ".fn::secret";

/// True when the path names an `fn::secret` written in plaintext: ESC encrypts it only when the
/// environment is saved through Pulumi Cloud, so a file in a repository holds the secret itself.
pub fn is_plaintext_fn_secret(key: &str) -> bool {
    key.ends_with(PLAINTEXT_FN_SECRET) || key == "fn::secret"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_keys_into_words() {
        assert_eq!(words("aws:secretKey"), ["aws", "secret", "key"]);
        assert_eq!(words("APIToken"), ["api", "token"]);
        assert_eq!(words("db_password-2"), ["db", "password", "2"]);
        assert_eq!(words("sshPrivateKeyPEM"), ["ssh", "private", "key", "pem"]);
    }

    #[test]
    fn recognises_credential_keys() {
        let other = |noun: &str| Some(CredentialKind::Other(noun.to_string()));
        let cases: &[(&str, Option<CredentialKind>)] = &[
            ("aws:accessKey", Some(CredentialKind::AwsAccessKey)),
            ("aws:secretKey", Some(CredentialKind::AwsAccessKey)),
            ("aws:token", Some(CredentialKind::AwsAccessKey)),
            ("gcp:credentials", Some(CredentialKind::GcpServiceAccountKey)),
            ("gcp:accessToken", Some(CredentialKind::GcpServiceAccountKey)),
            ("azure-native:clientSecret", Some(CredentialKind::AzureClientSecret)),
            ("azure:clientSecret", Some(CredentialKind::AzureClientSecret)),
            ("azuread:clientSecret", Some(CredentialKind::AzureClientSecret)),
            ("pulumiservice:accessToken", Some(CredentialKind::PulumiAccessToken)),
            ("acme:dbPassword", other("password")),
            ("acme:DB_PASSWORD", other("password")),
            ("acme:githubToken", other("token")),
            ("acme:webhookSecret", other("secret")),
            ("acme:sshPrivateKey", other("private key")),
            ("acme:private_key_pem", other("private key")),
            ("acme:stripeApiKey", other("API key")),
            ("acme:storageAccessKey", other("access key")),
            ("db.password", other("password")),
            ("acme:passphrase", other("passphrase")),
            // About a credential, not the credential.
            ("acme:secretName", None),
            ("acme:tokenLifetime", None),
            ("acme:passwordLength", None),
            ("acme:privateKeyPath", None),
            ("acme:keyVaultSecretArn", None),
            ("acme:publicKey", None),
            ("aws:region", None),
            ("acme:tokenizer", None),
            ("acme:secretive", None),
        ];
        for (key, expected) in cases {
            assert_eq!(&credential_key(key), expected, "{key}");
        }
    }

    #[test]
    fn references_and_placeholders_are_not_secrets() {
        for value in [
            "",
            "True",
            "FALSE",
            "yes",
            "On",
            "NULL",
            "REPLACE_WITH_YOUR_TOKEN",
            "<your-token>",
            "your-api-key-here",
            "changeme",
            "ChangeMe123",
            "xxxx",
            "XXXX-XXXX-XXXX",
            "${VAR}",
            "{{ token }}",
            "${aws.login.secretAccessKey}",
            "$DB_PASSWORD",
            "<your-token>",
            "./key.json",
            "/etc/creds.json",
            "true",
            "****",
        ] {
            assert!(is_reference_or_placeholder(value), "{value}");
        }
        for value in [
            "hunter2",
            "FAKEfakeFAKEfake",
            "{\"type\": \"service_account\"}",
            "12345678",
            "pre${x}post",
            "tRUE",
            "yesterday-9f3kq",
            "x9Kq2xT7",
        ] {
            assert!(!is_reference_or_placeholder(value), "{value}");
        }
    }

    #[test]
    fn static_logins() {
        assert_eq!(esc_static_login("aws.login.fn::open::aws-login.static").unwrap().kind_name, "AWS");
        assert_eq!(esc_static_login("az.fn::open::azure-login.clientSecret").unwrap().kind_name, "Azure");
        assert_eq!(esc_static_login("aws.login.fn::open::aws-login.static.secretAccessKey"), None);
        assert_eq!(esc_static_login("db.password"), None);
        assert!(is_plaintext_fn_secret("db.password.fn::secret"));
        assert!(!is_plaintext_fn_secret("db.password"));
    }
}
