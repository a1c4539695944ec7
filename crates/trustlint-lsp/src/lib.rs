//! `trustlint server`: a Language Server over stdio. It checks the editor's in-memory text of
//! every file kind trustlint reads with the same engine as `trustlint check` (the workspace's
//! `trustlint.toml` applies), publishes diagnostics with rule id, docs link, severity and related
//! locations, shows the rule's document on hover, and offers two code actions: an ignore
//! comment, and the rule's fix when it has one.
//!
//! Synchronous by design (lsp-server): one file is checked in a few milliseconds, and messages
//! already queued are handled before checking, so a burst of edits is checked once. The stdio
//! transport is this crate's own ([`transport`]): it queues everything the client sent, bounds
//! message sizes and answers malformed messages instead of ending.

// `lsp_types::Uri` hashes and compares its text; the `Cell` clippy sees inside is fluent-uri's
// parse cache, which never changes either.
#![allow(clippy::mutable_key_type)]

mod actions;
mod convert;
mod server;
pub mod transport;
mod workspace;

use lsp_server::Connection;

/// Serve one client over standard input and output until it sends `exit` or closes the pipe.
/// Messages are bounded in size and a malformed one is answered, not fatal (see [`transport`]).
pub fn run_stdio() -> Result<(), String> {
    transport::run_stdio()
}

/// Serve one client over `connection` (stdio, or an in-memory pair in tests). Returns an error
/// when the client disconnects before initializing, or exits without asking to shut down.
pub fn run(connection: &Connection) -> Result<(), String> {
    server::serve(connection)
}
