//! `trustlint server` driven by a real LSP client: pytest-lsp (from PyPI) runs `tests/lsp/`
//! against the debug binary. The virtualenv lives under `target/` and is reused while it holds
//! the pinned version.
//!
//! A machine with only the Rust toolchain may have no python3 or no network: the test then says
//! why it skipped and passes, unless `TRUSTLINT_REQUIRE_INTEGRATION=1` (set by `.ci/run`), where
//! that is a failure.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PYTEST_LSP: &str = "pytest-lsp==1.0.1";

/// pytest's exit status when it collected no tests: a broken suite, not a pass.
const PYTEST_NO_TESTS: i32 = 5;

#[test]
fn a_real_client_sees_diagnostics_appear_and_clear() {
    let binary = Path::new(env!("CARGO_BIN_EXE_trustlint"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    // target/debug/trustlint -> target/
    let target = binary.parent().and_then(Path::parent).expect("the binary is under target/<profile>/");
    let python = match prepare_virtualenv(&target.join("lsp-venv")) {
        Ok(python) => python,
        Err(why) => {
            if std::env::var("TRUSTLINT_REQUIRE_INTEGRATION").as_deref() == Ok("1") {
                panic!("the LSP client test cannot run: {why} (required: TRUSTLINT_REQUIRE_INTEGRATION=1)");
            }
            eprintln!(
                "SKIPPED the LSP client test: {why}. Set TRUSTLINT_REQUIRE_INTEGRATION=1 to make this fail."
            );
            return;
        }
    };
    let output = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-c"])
        .arg(repo.join("tests/lsp/pytest.ini"))
        .arg(repo.join("tests/lsp"))
        .env("TRUSTLINT_BIN", binary)
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

/// A virtualenv with pytest-lsp at `venv`, made or reused; returns its python. Serialized with a
/// lock file, since several `cargo test` runs may share the target folder.
fn prepare_virtualenv(venv: &Path) -> Result<PathBuf, String> {
    let python = venv.join(if cfg!(windows) { "Scripts/python.exe" } else { "bin/python" });
    std::fs::create_dir_all(venv.parent().unwrap_or(venv))
        .map_err(|e| format!("cannot create target/: {e}"))?;
    let lock =
        File::create(venv.with_extension("lock")).map_err(|e| format!("cannot create the venv lock: {e}"))?;
    lock.lock().map_err(|e| format!("cannot lock the venv: {e}"))?;
    let pinned = PYTEST_LSP.split("==").nth(1).unwrap_or_default();
    let check =
        format!("import importlib.metadata as m, sys; sys.exit(m.version('pytest-lsp') != {pinned:?})");
    if python.is_file() && run(Command::new(&python).args(["-c", &check])).is_ok() {
        return Ok(python);
    }
    run(Command::new("python3").arg("--version")).map_err(|e| format!("python3 is not available: {e}"))?;
    run(Command::new("python3").args(["-m", "venv", "--clear"]).arg(venv))
        .map_err(|e| format!("`python3 -m venv` failed: {e}"))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--retries",
        "2",
        "--timeout",
        "60",
        PYTEST_LSP,
    ]))
    .map_err(|e| format!("`pip install {PYTEST_LSP}` failed: {e}"))?;
    Ok(python)
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| e.to_string())?;
    if output.status.success() { Ok(()) } else { Err(describe(&output)) }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
