//! Shared vocabulary of trustlint: source files and spans, findings, severities, rule metadata,
//! redaction of credentials, escaping of control characters and content fingerprints.

pub mod finding;
pub mod fingerprint;
pub mod fix;
pub mod read;
pub mod redact;
pub mod rule;
pub mod source;
pub mod terminal;

pub use finding::{
    BaselineState, Confidence, Finding, Location, Related, Severity, Suppression, SuppressionKind,
};
pub use fix::{Fix, Postcondition, TextEdit, apply_edits};
pub use redact::redact;
pub use rule::RuleMeta;
pub use source::{ColumnUnit, Position, SourceFile, Span};
