//! Entra ID federated identity credentials (oidc-reference.md 4.1): the classic form (issuer,
//! subject and audiences compared exactly) and the flexible form, whose
//! `claimsMatchingExpression` is read here into claim conditions.

use trustlint_core::Span;

use crate::cel::TextOrigin;
use crate::condition::{ClaimCondition, ConditionValue, Dialect, MatchKind, Operator};

/// The audience Entra ID expects in tokens it exchanges.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

fn exact(claim: &str, written: &str, values: Vec<ConditionValue>, key_span: Span) -> ClaimCondition {
    ClaimCondition {
        key: written.to_string(),
        issuer_prefix: None,
        claim: claim.to_string(),
        operator: Operator::positive(Dialect::AzureCredential, MatchKind::Exact, written),
        values,
        key_span,
        operator_span: key_span,
        from_deny: false,
    }
}

/// A classic credential's `subject`: compared exactly, so `*` and `?` are literal characters.
pub fn subject_condition(value: ConditionValue, key_span: Span) -> ClaimCondition {
    exact("sub", "subject", vec![value], key_span)
}

/// A credential's `audiences` (either form): the token's `aud` must be one of them.
pub fn audience_condition(values: Vec<ConditionValue>, key_span: Span) -> ClaimCondition {
    exact("aud", "audiences", values, key_span)
}

/// A credential's `issuer`: compared with the token's `iss` exactly, whitespace included.
pub fn issuer_condition(value: ConditionValue, key_span: Span) -> ClaimCondition {
    exact("iss", "issuer", vec![value], key_span)
}

/// One `claims['NAME'] OP 'VALUE'` term of a flexible credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub claim: String,
    /// `claims['sub']`, relative to the expression text.
    pub claim_span: Span,
    pub glob: bool,
    pub operator: String,
    pub operator_span: Span,
    pub value: String,
    /// The quoted comparand, relative to the expression text.
    pub value_span: Span,
}

/// Read a `claimsMatchingExpression` value: terms joined by `and`.
pub fn parse_expression(text: &str) -> Result<Vec<Term>, String> {
    let mut scanner = Scanner { text, pos: 0 };
    let mut terms = Vec::new();
    loop {
        terms.push(scanner.term()?);
        scanner.skip_space();
        if scanner.pos == text.len() {
            return Ok(terms);
        }
        let (word, _) = scanner.word();
        if !word.eq_ignore_ascii_case("and") {
            let found = match word {
                "" => text[scanner.pos..].chars().next().map(String::from).unwrap_or_default(),
                word => word.to_string(),
            };
            return Err(format!("expected `and` between terms, found `{found}`"));
        }
    }
}

/// Read a flexible expression into claim conditions (AND-ed), with spans in the file.
pub fn expression_conditions(text: &str, origin: TextOrigin) -> Result<Vec<ClaimCondition>, String> {
    let terms = parse_expression(text)?;
    Ok(terms
        .into_iter()
        .map(|term| {
            let kind = if term.glob { MatchKind::Glob } else { MatchKind::Exact };
            ClaimCondition {
                key: text[term.claim_span.start..term.claim_span.end].to_string(),
                issuer_prefix: None,
                claim: term.claim.to_ascii_lowercase(),
                operator: Operator::positive(Dialect::AzureExpression, kind, &term.operator),
                values: vec![ConditionValue::known(term.value, origin.locate(term.value_span))],
                key_span: origin.locate(term.claim_span),
                operator_span: origin.locate(term.operator_span),
                from_deny: false,
            }
        })
        .collect())
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn word(&mut self) -> (&'a str, Span) {
        self.skip_space();
        let rest = &self.text[self.pos..];
        let len = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
        let start = self.pos;
        self.pos += len;
        (&rest[..len], Span::new(start, self.pos))
    }

    fn expect(&mut self, what: &str) -> Result<Span, String> {
        self.skip_space();
        if self.text[self.pos..].starts_with(what) {
            self.pos += what.len();
            Ok(Span::new(self.pos - what.len(), self.pos))
        } else {
            Err(format!("expected `{what}` at byte {}", self.pos))
        }
    }

    /// A single- or double-quoted string; Entra defines no escapes.
    fn quoted(&mut self) -> Result<(String, Span), String> {
        self.skip_space();
        let start = self.pos;
        let rest = &self.text[self.pos..];
        let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"');
        let Some(quote) = quote else {
            return Err(format!("expected a quoted value at byte {start}"));
        };
        let Some(len) = rest[1..].find(quote) else {
            return Err("a quoted value is not closed".into());
        };
        self.pos += len + 2;
        Ok((rest[1..1 + len].to_string(), Span::new(start, self.pos)))
    }

    fn term(&mut self) -> Result<Term, String> {
        let (word, word_span) = self.word();
        if word != "claims" {
            return Err(format!("expected `claims['NAME']`, found `{word}`"));
        }
        self.expect("[")?;
        let (claim, _) = self.quoted()?;
        let close = self.expect("]")?;
        let claim_span = word_span.cover(close);
        let (operator, operator_span) = self.word();
        let glob = if operator.eq_ignore_ascii_case("matches") {
            true
        } else if operator.eq_ignore_ascii_case("eq") {
            false
        } else {
            return Err(format!(
                "`{operator}` is not an operator of the expression language (`matches`, `eq`)"
            ));
        };
        let operator = operator.to_string();
        let (value, value_span) = self.quoted()?;
        Ok(Term { claim, claim_span, glob, operator, operator_span, value, value_span })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flexible_expressions() {
        let text = "claims['sub'] matches 'repo:acme/*' and claims['job_workflow_ref'] eq 'acme/ci/.github/workflows/d.yml@refs/heads/main'";
        let terms = parse_expression(text).unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].claim, "sub");
        assert!(terms[0].glob);
        assert_eq!(terms[0].value, "repo:acme/*");
        assert_eq!(&text[terms[0].claim_span.start..terms[0].claim_span.end], "claims['sub']");
        assert_eq!(&text[terms[0].value_span.start..terms[0].value_span.end], "'repo:acme/*'");
        assert_eq!(&text[terms[0].operator_span.start..terms[0].operator_span.end], "matches");
        assert_eq!(terms[1].claim, "job_workflow_ref");
        assert!(!terms[1].glob);

        let upper = parse_expression("claims[\"sub\"] EQ \"repo:acme/infra:environment:prod\"").unwrap();
        assert_eq!(upper[0].value, "repo:acme/infra:environment:prod");
        assert!(!upper[0].glob);
    }

    #[test]
    fn rejects_what_the_language_does_not_have() {
        let cases = [
            ("claims['sub'] == 'x'", "is not an operator"),
            ("claims['sub'] matches 'x' or claims['sub'] eq 'y'", "expected `and`"),
            ("claims['sub'] matches 'x", "not closed"),
            ("sub matches 'x'", "expected `claims['NAME']`"),
            ("", "expected `claims['NAME']`"),
            ("claims['sub'] matches", "expected a quoted value"),
        ];
        for (text, expected) in cases {
            let error = parse_expression(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn conditions_carry_file_spans() {
        let file = "value: \"claims['sub'] matches 'repo:acme/*'\"";
        let text = "claims['sub'] matches 'repo:acme/*'";
        let whole = Span::new(7, file.len());
        let origin = TextOrigin::of_literal(&file[7..], whole, text);
        let conditions = expression_conditions(text, origin).unwrap();
        assert_eq!(conditions[0].operator.kind, MatchKind::Glob);
        assert_eq!(
            &file[conditions[0].values[0].span.start..conditions[0].values[0].span.end],
            "'repo:acme/*'"
        );
        assert_eq!(&file[conditions[0].key_span.start..conditions[0].key_span.end], "claims['sub']");
    }

    #[test]
    fn classic_fields() {
        let span = Span::new(0, 3);
        let subject = subject_condition(ConditionValue::known("repo:acme/*", span), span);
        assert_eq!(subject.operator.kind, MatchKind::Exact);
        assert_eq!(subject.claim, "sub");
        let audiences = audience_condition(vec![ConditionValue::known(TOKEN_EXCHANGE_AUDIENCE, span)], span);
        assert_eq!(audiences.claim, "aud");
    }
}
