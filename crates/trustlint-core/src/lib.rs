//! Shared vocabulary of trustlint: source files and spans, findings, severities, rule metadata,
//! redaction of credentials, escaping of control characters and content fingerprints.

pub mod finding;
pub mod fingerprint;
pub mod read;
pub mod redact;
pub mod rule;
pub mod source;
pub mod terminal;

pub use finding::{
    BaselineState, Confidence, Finding, Fix, Location, Related, Severity, Suppression, SuppressionKind,
    TextEdit,
};
pub use redact::redact;
pub use rule::RuleMeta;
pub use source::{ColumnUnit, Position, SourceFile, Span};
