//! The entry points live in `../entries.rs` so the stable regression test can include them too.

#[path = "../entries.rs"]
pub mod entries;
