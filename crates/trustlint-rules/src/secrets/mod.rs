//! Literal credentials in any text file. The kinds are data (`rules/secrets.toml`, compiled into
//! the binary): their regexes run only around keyword hits of one aho-corasick pass, values must
//! look random (entropy, no typed runs), some need a key name or a companion value nearby, and
//! documented example values are told apart so they can be reported at info.

mod catalog;
mod entropy;
mod redact;
mod scanner;

pub use catalog::{Catalog, Kind, Settings, catalog, parse};
pub use entropy::{looks_like_placeholder, shannon};
pub use redact::{QUOTE_CHARS, excerpt, redact_credentials, redact_quotes};
pub use scanner::{Found, credential_spans, may_find, scan};

#[cfg(test)]
mod tests;
