//! The trust chain: which CI job can become which cloud identity. Callers (jobs that mint a
//! token and log in) are linked to the trusts of the scanned tree after every file is analysed;
//! each link says whether the trust admits the job's token, and what is not known.

pub mod admit;
pub mod caller;
pub mod chain;
pub mod glob;
pub mod repository;
pub mod stack_output;

pub use caller::{Alternative, Caller, Claim, Cloud, Login, Target, TargetKind};
pub use chain::{Chain, IdentityNode, Link, Rejection, Resolution, Settings, Verdict, link};
pub use repository::{Platform, Repository, RepositorySource};
pub use stack_output::StackOutputRef;
