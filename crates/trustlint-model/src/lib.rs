//! The trust model: issuers, claim conditions, claim grammars and breadth, permissions.
//! Pure: no I/O, no parsing of files.

pub mod admin;
pub mod audience;
pub mod azure;
pub mod cel;
pub mod condition;
pub mod config_key;
pub mod gcp;
pub mod issuer;
pub mod subject;
pub mod trust;
pub mod workflow;

pub use condition::{
    ClaimCondition, ConditionValue, DefinedAt, Dialect, DroppedCondition, MatchKind, Operator, Piece,
    SetQualifier, SplicedPart, Splices,
};
pub use issuer::{Issuer, IssuerKind, Tenancy};
pub use subject::{Breadth, SubjectVerdict};
pub use trust::{
    AdminPower, CredentialKind, CredentialSource, CredentialUse, Facts, Grant, Identity, IdentityKind,
    IdentityName, IssuerRef, MintedCredential, NameKind, Permission, Trust,
};
