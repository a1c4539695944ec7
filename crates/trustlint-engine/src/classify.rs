//! Which frontend reads a file: decided from its path and a cheap look at its text, before any
//! parsing, so that only candidates are parsed. The inputs and their sniffs are one table,
//! [`trustlint_frontends::inputs::INPUTS`].

pub use trustlint_frontends::inputs::{
    InputKind, PathClass, Recognised, path_class as by_path, recognise as by_content,
};
