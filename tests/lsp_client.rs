//! `trustlint server` driven by a real LSP client: pytest-lsp (from PyPI) runs `tests/lsp/`
//! against the debug binary, or against `TRUSTLINT_TEST_BINARY` (.ci/run points it at the
//! `trustlint` the wheel installed). The virtualenv lives under `target/` and is reused while it
//! holds the pinned version.
//!
//! A machine with only the Rust toolchain may have no python3 or no network: the test then says
//! why it skipped and passes, unless `TRUSTLINT_REQUIRE_INTEGRATION=1` (set by `.ci/run`), where
//! that is a failure.

mod common;

use std::path::Path;
use std::process::Command;

use common::{describe, python_venv, repo_root, skip_or_fail};

const PYTEST_LSP: &str = "pytest-lsp==1.0.1";

/// pytest's exit status when it collected no tests: a broken suite, not a pass.
const PYTEST_NO_TESTS: i32 = 5;

#[test]
fn a_real_client_sees_diagnostics_appear_and_clear() {
    let binary = common::binary();
    let repo = repo_root();
    // target/debug/trustlint -> target/
    let target = Path::new(env!("CARGO_BIN_EXE_trustlint"))
        .parent()
        .and_then(Path::parent)
        .expect("the binary is under target/<profile>/");
    let python = match python_venv(&target.join("lsp-venv"), PYTEST_LSP) {
        Ok(python) => python,
        Err(why) => return skip_or_fail("LSP client test", &why),
    };
    let output = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-c"])
        .arg(repo.join("tests/lsp/pytest.ini"))
        .arg(repo.join("tests/lsp"))
        .env("TRUSTLINT_BIN", &binary)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(repo)
        .output()
        .expect("pytest starts");
    let log = describe(&output);
    match output.status.code() {
        Some(0) => {
            assert!(log.contains(" passed"), "pytest reported no passed test:\n{log}");
            assert!(!log.contains(" skipped"), "a client test was skipped:\n{log}");
            println!("{log}");
        }
        Some(PYTEST_NO_TESTS) => panic!("pytest collected no tests in tests/lsp:\n{log}"),
        _ => panic!("pytest-lsp tests failed ({}):\n{log}", output.status),
    }
}
