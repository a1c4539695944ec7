//! Frontends: one module per input kind, each turning a file into trust-model [`Facts`].

pub mod aws_json;
pub mod aws_policy;
pub mod cloudformation;
pub mod esc;
pub mod github_actions;
pub mod gitlab_ci;
pub mod inputs;
pub mod pulumi;
pub mod pulumi_config;

use trustlint_core::Span;
use trustlint_model::Facts;
use trustlint_syntax::Comment;

/// What a frontend learned from one file.
#[derive(Debug, Default)]
pub struct Analysis {
    pub facts: Facts,
    /// Parse errors and other reasons the file could not be read (become `parse-error` findings).
    pub problems: Vec<Problem>,
    /// Comments, for inline suppressions.
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    /// The file was still checked around this place (a limit hit, not a syntax error).
    pub rest_checked: bool,
}

impl Analysis {
    pub fn problem(span: Span, message: impl Into<String>) -> Analysis {
        Analysis {
            problems: vec![Problem { span, message: message.into(), rest_checked: false }],
            ..Analysis::default()
        }
    }
}
