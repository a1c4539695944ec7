//! Builds tree-sitter-yaml's grammar from the published crate's sources with a patched scanner.
//! The sources are located with `cargo metadata` (the crate is a build dependency, so they are
//! always downloaded) and only the patched scanner is written, to OUT_DIR.

use std::path::{Path, PathBuf};
use std::process::Command;

const GRAMMAR: &str = "tree-sitter-yaml";

fn main() {
    let source = grammar_dir().join("src");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let scanner = std::fs::read_to_string(source.join("scanner.c")).expect("read scanner.c");
    let patched = out.join("scanner.c");
    std::fs::write(&patched, patch(&scanner)).expect("write the patched scanner");

    let mut build = cc::Build::new();
    build.std("c11").include(&source).include(source.join("tree_sitter"));
    build
        .flag_if_supported("-Wno-unused-but-set-variable")
        .flag_if_supported("-Wno-unused-value")
        .flag_if_supported("-Wno-implicit-fallthrough")
        .flag_if_supported("-Wno-unused-parameter");
    // Distinct symbol names, so this can never clash with the unpatched crate's library.
    build.define("tree_sitter_yaml", "tree_sitter_yaml_wide");
    for hook in ["create", "destroy", "scan", "serialize", "deserialize"] {
        build.define(
            &format!("tree_sitter_yaml_external_scanner_{hook}"),
            Some(format!("tree_sitter_yaml_wide_external_scanner_{hook}").as_str()),
        );
    }
    build.file(source.join("parser.c")).file(&patched);
    build.compile("tree-sitter-yaml-wide");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The published crate's directory, from `cargo metadata`.
fn grammar_dir() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let package = packages
        .iter()
        .find(|package| package["name"] == GRAMMAR)
        .unwrap_or_else(|| panic!("{GRAMMAR} is not in the dependency graph"));
    let manifest_path = package["manifest_path"].as_str().expect("manifest_path");
    Path::new(manifest_path).parent().expect("crate directory").to_path_buf()
}

/// Widen the scanner's 16-bit positions and bound its state serialization. Each edit must apply
/// exactly as expected: a new upstream version fails the build here rather than build unpatched.
fn patch(scanner: &str) -> String {
    let widened = scanner.replace("int16_t", "int32_t");
    assert!(!widened.contains("int16_t") && widened != scanner, "the scanner no longer uses int16_t");
    let loop_bound = "typ_itr != typ_end && size < TREE_SITTER_SERIALIZATION_BUFFER_SIZE;";
    assert_eq!(widened.matches(loop_bound).count(), 1, "the serialization loop changed upstream");
    widened.replace(
        loop_bound,
        "typ_itr != typ_end && size + 2 * sizeof(int32_t) <= TREE_SITTER_SERIALIZATION_BUFFER_SIZE;",
    )
}
