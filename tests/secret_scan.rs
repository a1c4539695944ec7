//! The secret scan over a whole tree, end to end: a temporary tree is generated with fake
//! credentials of every kind planted in many file types, next to decoys (hashes, UUIDs, base64
//! blobs, references, placeholders, public keys) and files that must be skipped (lock files,
//! minified bundles, binaries, a file over the size limit). The real binary must report exactly
//! the planted values (kind, file, line), documented example values at info only, and no output
//! format may contain any planted value in full.
//!
//! Every value is drawn at run time from a fixed seed: this file holds no credential.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use common::{ALNUM, Rng, Run};

/// `len` characters drawn from `alphabet`, cut into lines of `width`.
fn wrapped(rng: &mut Rng, alphabet: &str, len: usize, width: usize) -> Vec<String> {
    let text = rng.pick(alphabet, len);
    text.as_bytes().chunks(width).map(|chunk| String::from_utf8(chunk.to_vec()).unwrap()).collect()
}

const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &str = "0123456789abcdef";
const URL_SAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const DIGITS: &str = "0123456789";

/// A finding the scan must produce.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    path: String,
    line: u64,
    /// The kind's description, as the message names it.
    kind: &'static str,
    /// `critical`, `high` or `info`.
    severity: &'static str,
    suppressed: bool,
}

/// The tree being built: files, the findings they must produce, and every planted value.
#[derive(Default)]
struct Tree {
    files: Vec<(String, Vec<u8>)>,
    expected: Vec<Expected>,
    /// Values that must never appear whole in any output (each line of a multi-line value).
    values: Vec<String>,
}

/// One file, written line by line, remembering where each secret is planted.
struct FileBuilder<'a> {
    tree: &'a mut Tree,
    path: String,
    lines: Vec<String>,
}

impl Tree {
    fn file(&mut self, path: &str) -> FileBuilder<'_> {
        FileBuilder { tree: self, path: path.to_string(), lines: Vec::new() }
    }

    fn raw(&mut self, path: &str, bytes: Vec<u8>) {
        self.files.push((path.to_string(), bytes));
    }

    fn write(&self, root: &Path) {
        for (path, bytes) in &self.files {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, bytes).unwrap();
        }
    }
}

impl FileBuilder<'_> {
    fn line(mut self, text: &str) -> Self {
        self.lines.extend(text.split('\n').map(str::to_string));
        self
    }

    /// A line holding a secret (possibly multi-line: it is reported at its first line).
    fn secret(self, text: &str, value: &str, kind: &'static str, severity: &'static str) -> Self {
        self.planted(text, value, kind, severity, false)
    }

    fn planted(
        self,
        text: &str,
        value: &str,
        kind: &'static str,
        severity: &'static str,
        suppressed: bool,
    ) -> Self {
        assert!(text.contains(value), "{text} does not hold {value}");
        let line =
            self.lines.len() as u64 + 1 + text[..text.find(value).unwrap()].matches('\n').count() as u64;
        self.tree.expected.push(Expected { path: self.path.clone(), line, kind, severity, suppressed });
        // Each line of a key block (also JSON-escaped ones), but not its public `-----BEGIN ...`
        // and `Proc-Type:` header lines.
        let lines = value.split("\\n").flat_map(|part| part.split(['\n', '\r'])).map(str::trim);
        for part in lines.filter(|part| part.len() >= 8 && !part.starts_with("-----") && !part.contains(": "))
        {
            if severity != "info" {
                self.tree.values.push(part.to_string());
            }
        }
        self.line(text)
    }

    fn done(self) {
        let mut text = self.lines.join("\n");
        text.push('\n');
        self.tree.files.push((self.path, text.into_bytes()));
    }
}

fn pem(rng: &mut Rng, label: &str, body_len: usize) -> String {
    let body = wrapped(rng, BASE64, body_len, 64);
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----", body.join("\n"))
}

fn aws_key_id(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", rng.pick(BASE32, 16))
}

const AWS_KEY_ID: &str = "AWS access key ID";
const AWS_SECRET: &str = "AWS secret access key";

fn build_tree() -> Tree {
    let mut rng = Rng(0x5EC2_E75C_A11D_0001);
    let mut tree = Tree::default();

    // .env: a session key pair, a Pulumi token, a suppressed fixture token.
    let key_id = aws_key_id(&mut rng, "ASIA");
    let secret = rng.pick(BASE64, 40);
    let pulumi = format!("pul-{}", rng.pick(HEX, 40));
    let suppressed = rng.github_token();
    tree.file("config/app.env")
        .line("# Local overrides\nAWS_REGION=eu-west-1")
        .secret(&format!("AWS_ACCESS_KEY_ID={key_id}"), &key_id, AWS_KEY_ID, "high")
        .secret(&format!("AWS_SECRET_ACCESS_KEY={secret}"), &secret, AWS_SECRET, "critical")
        .secret(&format!("PULUMI_ACCESS_TOKEN={pulumi}"), &pulumi, "Pulumi access token", "critical")
        .line("# trustlint: ignore[hardcoded-secret] revoked token kept for the parser tests")
        .planted(
            &format!("TEST_TOKEN={suppressed}"),
            &suppressed,
            "GitHub personal access token (classic)",
            "critical",
            true,
        )
        .done();

    // YAML: a Helm values file with a Slack bot token, a GitLab deploy token and a base64 key file.
    let slack_bot = format!("xoxb-{}-{}-{}", rng.pick(DIGITS, 12), rng.pick(DIGITS, 13), rng.pick(ALNUM, 24));
    let deploy_token = format!("gldt-{}", rng.pick(URL_SAFE, 20));
    let mut encoded = vec![format!("ewogICJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIs{}", rng.pick(BASE64, 36))];
    encoded.extend(wrapped(&mut rng, BASE64, 3000, 76));
    let encoded_yaml = encoded.join("\n    ");
    tree.file("deploy/values.yaml")
        .line("replicaCount: 3\nimage:\n  repository: acme/app\n  tag: v1.2.3\nnotifications:")
        .secret(&format!("  slackToken: \"{slack_bot}\""), &slack_bot, "Slack bot token", "high")
        .secret(&format!("registryPassword: {deploy_token}"), &deploy_token, "GitLab deploy token", "high")
        .line("gcpKey:\n  key.json: |")
        .secret(
            &format!("    {encoded_yaml}"),
            &encoded_yaml,
            "base64-encoded GCP service-account key",
            "critical",
        )
        .line("  other: value")
        .done();

    // A workflow: a literal key pair given to the login action, a classic PAT in env.
    let key_id = aws_key_id(&mut rng, "AKIA");
    let secret = rng.pick(BASE64, 40);
    let pat = rng.github_token();
    tree.file(".github/workflows/deploy.yml")
        .line("name: deploy\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:")
        .secret(&format!("      GH_TOKEN: {pat}"), &pat, "GitHub personal access token (classic)", "critical")
        .line("    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:")
        .secret(&format!("          aws-access-key-id: {key_id}"), &key_id, AWS_KEY_ID, "high")
        .secret(&format!("          aws-secret-access-key: {secret}"), &secret, AWS_SECRET, "critical")
        .line("          aws-region: us-east-1\n      - run: ./deploy.sh")
        .done();

    // JSON: a service-account key file.
    let key = pem(&mut rng, "PRIVATE KEY", 1620).replace('\n', "\\n") + "\\n";
    tree.file("infra/service-account.json")
        .line("{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",")
        .line(&format!("  \"private_key_id\": \"{}\",", rng.pick(HEX, 40)))
        .secret(&format!("  \"private_key\": \"{key}\","), &key, "GCP service-account key", "critical")
        .line("  \"client_email\": \"deployer@acme-prod.iam.gserviceaccount.com\",\n  \"client_id\": \"109876543210987654321\"\n}")
        .done();

    // Python: Azure client secret, routable GitLab PAT, Slack webhook.
    let azure = format!("{}{}Q~{}", rng.pick(ALNUM, 3), rng.pick(DIGITS, 1), rng.pick(ALNUM, 34));
    let glpat =
        format!("glpat-{}.01{}", rng.pick(URL_SAFE, 40), rng.pick("abcdefghijklmnopqrstuvwxyz0123456789", 7));
    let webhook = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        rng.pick(BASE32, 8),
        rng.pick(BASE32, 10),
        rng.pick(ALNUM, 24)
    );
    tree.file("app/settings.py")
        .line("import os\n\nAZURE = {\n    \"tenant_id\": os.environ[\"AZURE_TENANT_ID\"],")
        .secret(
            &format!("    \"client_secret\": \"{azure}\","),
            &azure,
            "Azure AD (Entra ID) client secret",
            "critical",
        )
        .line("}")
        .secret(
            &format!("GITLAB_TOKEN = os.environ.get(\"GITLAB_TOKEN\", \"{glpat}\")"),
            &glpat,
            "GitLab personal access token",
            "critical",
        )
        .secret(&format!("SLACK_WEBHOOK = '{webhook}'"), &webhook, "Slack incoming webhook URL", "high")
        .done();

    // TypeScript: a GCP API key, a fine-grained PAT, a Slack user token in a template literal.
    let api_key = format!("AIza{}", rng.pick(URL_SAFE, 35));
    let fine = format!("github_pat_{}_{}", rng.pick(ALNUM, 22), rng.pick(ALNUM, 59));
    let xoxp = format!(
        "xoxp-{}-{}-{}-{}",
        rng.pick(DIGITS, 12),
        rng.pick(DIGITS, 12),
        rng.pick(DIGITS, 13),
        rng.pick(HEX, 32)
    );
    tree.file("web/src/client.ts")
        .line("import { Octokit } from \"@octokit/rest\";\n")
        .secret(&format!("const MAPS_KEY = \"{api_key}\";"), &api_key, "Google Cloud API key", "high")
        .secret(
            &format!("export const octokit = new Octokit({{ auth: \"{fine}\" }});"),
            &fine,
            "GitHub fine-grained personal access token",
            "critical",
        )
        .secret(&format!("const header = `Bearer {xoxp}`;"), &xoxp, "Slack user token", "high")
        .done();

    // Terraform: an HCP Terraform token, GitLab runner tokens.
    let hcp = format!("{}.atlasv1.{}", rng.pick(ALNUM, 14), rng.pick(ALNUM, 67));
    let registration = format!("GR1348941{}", rng.pick(URL_SAFE, 20));
    let runner = format!("glrt-{}", rng.pick(URL_SAFE, 20));
    tree.file("infra/main.tf")
        .line("provider \"tfe\" {")
        .secret(
            &format!("  token = \"{hcp}\""),
            &hcp,
            "HCP Terraform / Terraform Enterprise API token",
            "critical",
        )
        .line("}\n\nresource \"gitlab_runner\" \"ci\" {")
        .secret(
            &format!("  registration_token = \"{registration}\""),
            &registration,
            "GitLab runner registration token",
            "high",
        )
        .secret(
            &format!("  # authentication token: {runner}"),
            &runner,
            "GitLab runner authentication token",
            "high",
        )
        .line("}")
        .done();

    // Markdown: tokens in prose and code, and documented example values (info only).
    let ghs = format!("ghs_{}", rng.pick(ALNUM, 36));
    let ghu = format!("ghu_{}", rng.pick(ALNUM, 36));
    tree.file("docs/runbook.md")
        .line("# Runbook\n\nIf the bot stops, check its installation token")
        .secret(&format!("({ghs}) has not expired."), &ghs, "GitHub App installation token", "high")
        .line("\n```sh")
        .secret(
            &format!("curl -H 'Authorization: token {ghu}' https://api.github.com/user"),
            &ghu,
            "GitHub App user access token",
            "high",
        )
        .line("```\n\nThe AWS CLI guide uses these values:\n")
        .secret("    aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", AWS_KEY_ID, "info")
        .secret(
            "    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            AWS_SECRET,
            "info",
        )
        .line("\nLocalStack accepts any key; its docs use:\n")
        .secret("    export AWS_ACCESS_KEY_ID=test", "test", "AWS credential", "info")
        .secret("    export AWS_SECRET_ACCESS_KEY=test", "test", "AWS credential", "info")
        .done();

    // Key files.
    let rsa = pem(&mut rng, "RSA PRIVATE KEY", 1600);
    let ec = pem(&mut rng, "EC PRIVATE KEY", 160);
    tree.file("keys/deploy.pem")
        .secret(&rsa, &rsa, "private key", "critical")
        .secret(&ec, &ec, "private key", "critical")
        .done();
    let openssh = pem(&mut rng, "OPENSSH PRIVATE KEY", 400);
    tree.file("keys/id_ed25519").secret(&openssh, &openssh, "OpenSSH private key", "critical").done();
    let encrypted = pem(&mut rng, "ENCRYPTED PRIVATE KEY", 1600);
    let legacy = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{}\n\n{}\n-----END RSA PRIVATE KEY-----",
        rng.pick("0123456789ABCDEF", 32),
        wrapped(&mut rng, BASE64, 1600, 64).join("\n")
    );
    tree.file("keys/encrypted.key")
        .secret(&encrypted, &encrypted, "passphrase-encrypted private key", "high")
        .line("")
        .secret(&legacy, &legacy, "passphrase-encrypted private key", "high")
        .done();
    let pgp = format!(
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n={}\n-----END PGP PRIVATE KEY BLOCK-----",
        wrapped(&mut rng, BASE64, 2400, 64).join("\n"),
        rng.pick(BASE64, 4)
    );
    tree.file("keys/release.asc").secret(&pgp, &pgp, "PGP private key block", "critical").done();

    // Secrets in comments of a script and a Go file.
    let gho = format!("gho_{}", rng.pick(ALNUM, 36));
    let trigger = format!("glptt-{}", rng.pick(HEX, 40));
    let job = format!("glcbt-{}", rng.pick(URL_SAFE, 20));
    let refresh = format!("ghr_{}", rng.pick(ALNUM, 36));
    tree.file("scripts/release.sh")
        .line("#!/usr/bin/env bash\nset -euo pipefail")
        .secret(&format!("# old token, revoked? {gho}"), &gho, "GitHub OAuth access token", "critical")
        .secret(
            &format!("curl -X POST -F token={trigger} -F ref=main https://gitlab.example.com/api/v4/projects/1/trigger/pipeline"),
            &trigger,
            "GitLab pipeline trigger token",
            "high",
        )
        .secret(&format!("JOB_TOKEN=\"{job}\"  # copied from a job log"), &job, "GitLab CI/CD job token", "high")
        .secret(&format!("#   refresh: {refresh}"), &refresh, "GitHub App refresh token", "critical")
        .done();
    let xapp = format!(
        "xapp-1-A{}-{}-{}",
        rng.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10),
        rng.pick(DIGITS, 13),
        rng.pick(HEX, 64)
    );
    tree.file("src/main.go")
        .line("package main\n")
        .secret(&format!("// TODO: move to the vault: {xapp}"), &xapp, "Slack app-level token", "high")
        .line("func main() {}")
        .done();

    // A Latin-1 file (not valid UTF-8) is still read.
    let latin1_token = format!("glpat-{}", rng.pick(URL_SAFE, 20));
    let mut latin1 = b"# Configuration du d\xe9ploiement\n".to_vec();
    latin1.extend(format!("gitlab.token={latin1_token}\n").as_bytes());
    tree.raw("config/legacy.properties", latin1);
    tree.expected.push(Expected {
        path: "config/legacy.properties".into(),
        line: 2,
        kind: "GitLab personal access token",
        severity: "critical",
        suppressed: false,
    });
    tree.values.push(latin1_token);

    // Decoys: nothing here is a secret.
    tree.file("decoys/values.txt")
        .line(&format!("commit {}", rng.pick(HEX, 40)))
        .line(&format!("sha256:{}", rng.pick(HEX, 64)))
        .line(&format!("secret_key_sha1 = {}", rng.pick(HEX, 40)))
        .line("request id 3f2504e0-4f89-41d3-9a0c-0305e82c3301 and 6ba7b810-9dad-11d1-80b4-00c04fd430c8")
        .line(&format!("blob: {}==", rng.pick(BASE64, 86)))
        .line(&format!("integrity: sha512-{}==", rng.pick(BASE64, 86)))
        .line(&format!("random 40 chars with no key name: {}", rng.pick(BASE64, 40)))
        .line(&format!("RoleId: AROA{} UserId: AIDA{}", rng.pick(BASE32, 16), rng.pick(BASE32, 16)))
        .line("token: ${{ secrets.GITHUB_TOKEN }}\nAWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY")
        .line("secretAccessKey: ${aws.login.secretAccessKey}\naws_access_key_id = <YOUR_ACCESS_KEY_ID>")
        .line("password: ******\nGITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        .line("aws:secretKey: FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake\naccessKeyId: AKIAZZZZFAKEKEY7ZZZZ")
        .done();
    let certificate = pem(&mut rng, "CERTIFICATE", 1200);
    let public = pem(&mut rng, "PUBLIC KEY", 400);
    tree.file("decoys/ca.pem").line(&certificate).line(&public).done();
    tree.file("decoys/wif.json")
        .line("{\n  \"type\": \"external_account\",\n  \"audience\": \"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/providers/acme\",")
        .line("  \"subject_token_type\": \"urn:ietf:params:oauth:token-type:jwt\",\n  \"token_url\": \"https://sts.googleapis.com/v1/token\"\n}")
        .done();

    // Skipped files: a lock file, a minified bundle, a binary, a file over the size limit.
    let skipped = rng.github_token();
    tree.raw("web/package-lock.json", format!("{{\"resolved\": \"https://x/{skipped}\"}}\n").into_bytes());
    tree.raw("web/dist/app.min.js", format!("var t=\"{skipped}\";\n").into_bytes());
    let mut huge = "log line\n".repeat(4 * 1024 * 1024 / 9 + 10).into_bytes();
    huge.extend(format!("token {skipped}\n").as_bytes());
    tree.raw("logs/huge.log", huge);
    tree.values.push(skipped);

    // Issue 9 item 3: a file with NUL bytes (a binary with text in it) and a UTF-16 file are read
    // for their text, as secret scanners do, instead of being skipped whole.
    let in_binary = rng.github_token();
    let mut binary = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\n".to_vec();
    binary.extend(format!("token={in_binary}\n").as_bytes());
    tree.raw("assets/logo.png", binary);
    let in_utf16 = rng.github_token();
    for (path, little_endian) in [("config/creds-le.ini", true), ("config/creds-be.ini", false)] {
        let mut utf16 = if little_endian { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for unit in format!("[default]\r\ngithub_token = {in_utf16}\r\n").encode_utf16() {
            utf16.extend(if little_endian { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        tree.raw(path, utf16);
    }
    for (path, line) in [("assets/logo.png", 4), ("config/creds-le.ini", 2), ("config/creds-be.ini", 2)] {
        tree.expected.push(Expected {
            path: path.into(),
            line,
            kind: "GitHub personal access token (classic)",
            severity: "critical",
            suppressed: false,
        });
    }
    tree.values.extend([in_binary, in_utf16]);
    tree
}

/// `trustlint check .` in `root`, with `args`.
fn check(root: &Path, args: &[&str]) -> Run {
    common::run(root, &[&["check", "."], args].concat())
}

/// The `hardcoded-secret` findings of a JSON report, in the shape of [`Expected`].
fn reported(doc: &Value, descriptions: &BTreeSet<&'static str>) -> Vec<Expected> {
    let mut out = Vec::new();
    for finding in doc["findings"].as_array().unwrap() {
        if finding["rule"] != "hardcoded-secret" {
            continue;
        }
        let message = finding["message"].as_str().unwrap();
        let severity = finding["severity"].as_str().unwrap();
        // The kind named by the message: the longest description it contains.
        let kind = descriptions
            .iter()
            .filter(|d| {
                message.contains(&format!("literal {d} is written"))
                    || message.contains(&format!("documented example {d}"))
            })
            .max_by_key(|d| d.len())
            .unwrap_or_else(|| panic!("no known kind in: {message}"));
        out.push(Expected {
            path: finding["path"].as_str().unwrap().to_string(),
            line: finding["start"]["line"].as_u64().unwrap(),
            kind,
            severity: ["critical", "high", "medium", "low", "info"]
                .into_iter()
                .find(|s| *s == severity)
                .unwrap(),
            suppressed: !finding["suppressed"].is_null(),
        });
    }
    out.sort();
    out
}

#[test]
fn exactly_the_planted_secrets_are_found_and_never_printed() {
    let tree = build_tree();
    let dir = tempfile::tempdir().unwrap();
    tree.write(dir.path());
    let descriptions: BTreeSet<&'static str> = tree.expected.iter().map(|e| e.kind).collect();

    let Run { code, stdout, stderr } = check(dir.path(), &["--format", "json", "--show-suppressed"]);
    assert_eq!(code, 1, "critical findings fail the check\n{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let mut expected = tree.expected.clone();
    expected.sort();
    let found = reported(&doc, &descriptions);
    let missing: Vec<_> = expected.iter().filter(|e| !found.contains(e)).collect();
    let unexpected: Vec<_> = found.iter().filter(|f| !expected.contains(f)).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );

    // Every kind of the catalog was planted (documented examples aside, which reuse kinds).
    assert!(descriptions.len() >= 28, "{descriptions:?}");
    // The file over the size limit is skipped with a note, whatever its type.
    assert!(
        stderr.contains("note: skipped logs/huge.log: 4.0 MiB is over the 4.0 MiB size limit"),
        "{stderr}"
    );

    let mut outputs = vec![("json", stdout, stderr)];
    for args in [
        &["--format", "human"][..],
        &["--format", "human", "--show-suppressed"],
        &["--format", "sarif"],
        &["--format", "github"],
    ] {
        let Run { code, stdout, stderr } = check(dir.path(), args);
        assert_eq!(code, 1);
        outputs.push((args[1], stdout, stderr));
    }
    for (format, stdout, stderr) in &outputs {
        for value in &tree.values {
            assert!(!stdout.contains(value.as_str()), "{format} prints a planted value: {value}");
            assert!(!stderr.contains(value.as_str()), "{format} (stderr) prints a planted value: {value}");
        }
    }
    // The outputs do report the secrets, redacted.
    let human = &outputs[1].1;
    assert!(human.contains("pul-…(44 chars)"), "{human}");
    assert!(human.contains("hardcoded-secret"));
    let sarif: Value = serde_json::from_str(&outputs[3].1).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.iter().filter(|r| r["ruleId"] == "hardcoded-secret").count(), expected.len());
}

#[test]
fn documented_examples_alone_do_not_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
    let Run { code, stdout, .. } = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, 0, "{stdout}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["summary"]["by_severity"]["info"], 2, "{stdout}");
    // Asked to, the gate fails on them too.
    let Run { code, .. } = check(dir.path(), &["--fail-on", "info"]);
    assert_eq!(code, 1);
}
