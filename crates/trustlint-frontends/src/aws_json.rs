//! JSON inputs: IAM trust-policy documents anywhere in the tree (also templates such as
//! `*.json.tpl` with `${...}` placeholders), `aws iam get-role` output, and CloudFormation JSON
//! templates. Recognised by content, not by file name.

use std::sync::Arc;

use trustlint_core::{SourceFile, Span};
use trustlint_model::{Facts, Identity, NameKind};
use trustlint_syntax::{Node, parse_json};

use crate::aws_policy::{self, Resolve, Resolved};
use crate::{Analysis, cloudformation};

/// Cheap content sniff before parsing: only files that can hold a web-identity trust or a
/// CloudFormation template are parsed.
pub fn looks_relevant(text: &str) -> bool {
    text.contains("AssumeRoleWithWebIdentity")
        || text.contains("Federated")
        || text.contains("AWSTemplateFormatVersion")
        || text.contains("AWS::IAM::")
}

/// Analyse a JSON (or JSON template) file. `template` marks `${...}` placeholders as Unknown.
pub fn analyze(file: &Arc<SourceFile>, template: bool) -> Analysis {
    let (text, placeholders) =
        if template { quote_bare_placeholders(file.text()) } else { (file.text().to_string(), Vec::new()) };
    let parsed = parse_json(&text);
    if let Some(error) = parsed.errors.first() {
        return Analysis::problem(error.span, format!("invalid JSON: {}", error.message));
    }
    let Some(root) = parsed.root else { return Analysis::default() };
    let mut analysis = if cloudformation::is_template(&root) {
        cloudformation::analyze_template(file, &root)
    } else {
        Analysis { facts: policy_facts(file, &root, template, &placeholders), ..Analysis::default() }
    };
    analysis.comments.extend(parsed.comments);
    analysis
}

fn policy_facts(file: &Arc<SourceFile>, root: &Node, template: bool, placeholders: &[Span]) -> Facts {
    let resolve = TemplateResolver { template, placeholders };
    // A policy document, or `aws iam get-role` output.
    let (document, identity) = if aws_policy::is_policy_document(root) {
        (root, Identity::standalone_aws_role())
    } else if let Some(document) = root
        .at(&[trustlint_syntax::Step::Key("Role"), trustlint_syntax::Step::Key("AssumeRolePolicyDocument")])
    {
        let field = |key: &str| {
            root.at(&[trustlint_syntax::Step::Key("Role"), trustlint_syntax::Step::Key(key)])
                .and_then(|node| node.as_text().map(|text| (text, node.span)))
        };
        let mut identity = match field("RoleName") {
            Some((name, span)) => {
                Identity { label: format!("role `{name}`"), ..Identity::standalone_aws_role() }.with_name(
                    NameKind::AwsRoleName,
                    name,
                    span,
                )
            }
            None => Identity::standalone_aws_role(),
        };
        if let Some((arn, span)) = field("Arn") {
            identity = identity.with_name(NameKind::AwsRoleArn, arn, span);
        }
        (document, identity)
    } else {
        return Facts::default();
    };
    Facts { trusts: aws_policy::trusts_of(file, document, &identity, &resolve), ..Facts::default() }
}

struct TemplateResolver<'a> {
    template: bool,
    placeholders: &'a [Span],
}

impl Resolve for TemplateResolver<'_> {
    fn scalar(&self, node: &Node) -> Resolved {
        if self.placeholders.contains(&node.span) {
            return Resolved::unknown(format!(
                "template placeholder `${{{}}}`",
                node.as_str().unwrap_or("").trim_start_matches('$')
            ));
        }
        aws_policy::PlainResolver { template: self.template }.scalar(node)
    }
}

/// Templates may put `${var}` where a JSON value goes (`"Federated": ${provider_arn}`). Rewrite
/// each one, outside strings, to a quoted string of the same length (`"$var"`) so the JSON parses
/// and every byte offset stays where it was; the spans are returned so the value is Unknown.
fn quote_bare_placeholders(text: &str) -> (String, Vec<Span>) {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut spans = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'$' if !in_string && bytes.get(i + 1) == Some(&b'{') => {
                if let Some(len) = bytes[i..].iter().position(|&b| b == b'}') {
                    let end = i + len;
                    if !bytes[i..end].iter().any(|&b| b == b'"' || b == b'\n') {
                        out[i] = b'"';
                        out[i + 1] = b'$';
                        out[end] = b'"';
                        spans.push(Span::new(i, end + 1));
                        i = end;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII bytes, so the text is still valid UTF-8.
    (String::from_utf8(out).unwrap_or_else(|_| text.to_string()), spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_model::IssuerRef;

    #[test]
    fn bare_placeholders_keep_offsets() {
        let text = r#"{"Principal": {"Federated": ${provider_arn}}, "x": "${inside}"}"#;
        let (rewritten, spans) = quote_bare_placeholders(text);
        assert_eq!(rewritten.len(), text.len());
        assert_eq!(spans.len(), 1);
        assert_eq!(&text[spans[0].start..spans[0].end], "${provider_arn}");
        assert!(parse_json(&rewritten).errors.is_empty());
    }

    #[test]
    fn template_principal_is_inferred_from_the_condition_keys() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",
"Principal":{"Federated": ${provider_arn}},
"Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:${org}/*"}}}]}"#;
        let file = SourceFile::new("trust.json.tpl", text);
        let analysis = analyze(&file, true);
        assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
        let trust = &analysis.facts.trusts[0];
        let IssuerRef::Inferred { issuer, from } = &trust.issuer else { panic!("{:?}", trust.issuer) };
        assert_eq!(issuer.host_path, "token.actions.githubusercontent.com");
        assert!(
            from.contains("token.actions.githubusercontent.com:sub") && from.contains("${provider_arn}"),
            "{from}"
        );
        assert_eq!(trust.conditions[0].values[0].text(), None);
    }

    #[test]
    fn truncated_json_is_a_problem_with_a_position() {
        let text = "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Federated\": \"x\"";
        let analysis = analyze(&SourceFile::new("t.json", text), false);
        assert_eq!(analysis.problems.len(), 1);
        assert!(analysis.problems[0].message.starts_with("invalid JSON"));
    }

    #[test]
    fn get_role_output_names_the_role() {
        let text = r#"{"Role": {"RoleName": "deploy", "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
"Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}}]}}}"#;
        let analysis = analyze(&SourceFile::new("role.json", text), false);
        assert_eq!(analysis.facts.trusts[0].identity.label, "role `deploy`");
    }
}
