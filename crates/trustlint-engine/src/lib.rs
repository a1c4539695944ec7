//! The engine: discovery, classification, configuration, the parallel run, suppressions and
//! baselines. The CLI and the language server both drive it.

pub mod baseline;
pub mod classify;
pub mod config;
pub mod decode;
pub mod discover;
pub mod fix;
pub mod linked;
pub mod map;
mod mask;
pub mod run;
pub mod suppress;
pub mod write;

pub use config::{Config, ConfigError};
pub use run::{Engine, RunOptions, RunResult, RunStats, fails};
