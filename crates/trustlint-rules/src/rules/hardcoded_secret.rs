//! `hardcoded-secret`: a literal credential written in a file (any text file, comments
//! included). The value is never printed: messages carry its redacted form and the fingerprint
//! is computed from a hash of it.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use trustlint_core::{Finding, Location, Severity, SourceFile, redact};

use crate::secrets::{self, Found};
use crate::{DeclareRule, Rule, RuleContext};

#[derive(DeclareRule)]
pub struct HardcodedSecret;

impl Rule for HardcodedSecret {
    fn reads_text(&self) -> bool {
        true
    }

    fn check_text(&self, ctx: &RuleContext<'_>, file: &Arc<SourceFile>, out: &mut Vec<Finding>) {
        for found in secrets::scan(file.path(), file.text()) {
            out.push(finding(ctx, file, &found));
        }
    }
}

fn finding(ctx: &RuleContext<'_>, file: &Arc<SourceFile>, found: &Found) -> Finding {
    let kind = found.kind;
    let value = file.slice(found.span);
    let redacted = redact(value);
    let (severity, message, help) = if found.example {
        let note = kind.example_note.as_deref().map(|note| format!(" ({note})")).unwrap_or_default();
        (
            Severity::Info,
            format!(
                "`{redacted}` is a documented example {}{note}: it grants no access, so it is reported \
                 for information only.",
                kind.description
            ),
            "Nothing to fix. Keep real credentials out of this file: read them from the environment or a \
             secret store."
                .to_string(),
        )
    } else {
        (
            kind.severity,
            format!(
                "A literal {} is written in this file (`{redacted}`): the secret value itself is here, so \
                 anyone who can read the file or its Git history can use it.",
                kind.description
            ),
            kind.help.clone(),
        )
    };
    // The value is masked in every output; the fingerprint identifies it without storing it.
    let digest: String = Sha256::digest(value.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    ctx.finding(Location::new(file, found.span), message)
        .with_severity(severity)
        .with_help(help)
        .with_confidence(kind.confidence)
        .with_sensitive_value(format!("{}:sha256:{digest}", kind.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, text: &str) -> Vec<Finding> {
        let file = SourceFile::new(path, text);
        crate::judge_one(Box::new(HardcodedSecret), &file, &trustlint_model::Facts::default())
    }

    // Assembled at run time so that this source file holds no credential-shaped literal.
    fn token() -> String {
        ["ghp_", "Zq3vT9mPx2LwK7rB", "c8Hn4YdJ6sFa1GuE", "pQ0i"].concat()
    }

    #[test]
    fn reports_the_kind_and_only_the_redacted_value() {
        let token = token();
        let findings = run("deploy.sh", &format!("# rotate me\nexport GH_TOKEN={token}\n"));
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Critical);
        assert_eq!(finding.primary.text(), token);
        assert!(finding.message.contains(
            "literal GitHub personal access token (classic) is written in this file (`ghp_…(40 chars)`)"
        ));
        assert!(!finding.message.contains(&token) && !finding.help.contains(&token));
        assert_eq!(finding.masked, vec![finding.primary.span], "the finding masks its own value");
        let basis = finding.fingerprint_basis.as_deref().unwrap();
        assert!(basis.starts_with("github-personal-access-token:sha256:"));
        assert!(!basis.contains(&token[4..]));
    }

    #[test]
    fn documented_examples_are_info() {
        let key = ["AKIAIOSFODNN7", "EXAMPLE"].concat();
        let findings = run("README.md", &format!("aws_access_key_id = {key}\n"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Info);
        assert!(findings[0].message.contains("documented example AWS access key ID"));
        assert!(!findings[0].message.contains(&key));
    }
}
