//! Helpers shared by the end-to-end tests: running the built binary, writing files into a
//! scratch repository, trust policies, SARIF validation, and the integration tests' virtualenvs
//! and skip policy. Each test file uses only some of them.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::Value;

/// Set to `1` (by .ci/run) to make a missing tool a failure of the integration tests.
pub const REQUIRE_VAR: &str = "TRUSTLINT_REQUIRE_INTEGRATION";

/// A trust any repository of `acme` may assume, on any ref, with an audience:
/// oidc-wildcard-subject (high) only.
pub const WILDCARD_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringLike": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:acme/*"
        }
      }
    }
  ]
}
"#;

/// The same trust pinned to one repository and protected environment, with an audience: no
/// finding.
pub const SCOPED_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:acme/infra:environment:prod"
        }
      }
    }
  ]
}
"#;

/// This checkout.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// How a run of a program ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output and standard error, one after the other.
    pub fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

/// Set to a `trustlint` executable (by .ci/run: the one the wheel installed) to run the CLI and
/// LSP client tests against it instead of the binary cargo built.
pub const BINARY_VAR: &str = "TRUSTLINT_TEST_BINARY";

/// The `trustlint` under test: [`BINARY_VAR`] when set, else the one cargo built.
pub fn binary() -> PathBuf {
    match std::env::var_os(BINARY_VAR) {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "{BINARY_VAR}={} is not a file", path.display());
            path
        }
        _ => PathBuf::from(env!("CARGO_BIN_EXE_trustlint")),
    }
}

/// The `trustlint` under test, without colour.
pub fn command() -> Command {
    let mut command = Command::new(binary());
    command.env("NO_COLOR", "1");
    command
}

/// Run the `trustlint` under test in `dir`, without colour.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    command().current_dir(dir).args(args).output().unwrap().into()
}

/// Write `text` to `dir/path`, making the folders on the way.
pub fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

/// Check `text` against the vendored SARIF 2.1.0 schema (with the one pattern the `jsonschema`
/// crate cannot compile fixed) and return it parsed.
pub fn assert_valid_sarif(text: &str) -> Value {
    let path = repo_root().join("tests/schemas/sarif-schema-2.1.0.json");
    let schema = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema = schema.replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    let validator = jsonschema::validator_for(&json(&schema)).unwrap();
    let sarif = json(text);
    let errors: Vec<String> =
        validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
    sarif
}

/// Whether `program arg` runs and succeeds (`git --version`: is git installed).
pub fn runs(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success())
}

/// Both streams of a finished program.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The exit status and both streams, to say why a program failed.
pub fn describe(output: &Output) -> String {
    format!("{}\n{}", output.status, text(output))
}

/// Run to completion: its stdout on success, else why it failed.
pub fn succeed(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(describe(&output))
    }
}

/// An integration test that cannot run says why and passes, unless [`REQUIRE_VAR`] is `1`: then
/// it fails.
pub fn skip_or_fail(test: &str, reason: &str) {
    if std::env::var_os(REQUIRE_VAR).is_some_and(|v| v == "1") {
        panic!("the {test} cannot run: {reason} ({REQUIRE_VAR}=1 requires it)");
    }
    eprintln!(
        "SKIPPED the {test}: {reason}. Install what it needs, or set {REQUIRE_VAR}=1 to make this fail."
    );
}

/// A virtualenv at `venv` (under target/) holding `requirement` (`name==version`) from PyPI, made
/// or reused while it holds that version; returns its python. Serialized with a lock file next to
/// it, since several `cargo test` runs may share the target folder. `Err` says why python3 or pip
/// could not provide it.
pub fn python_venv(venv: &Path, requirement: &str) -> Result<PathBuf, String> {
    let (package, version) = requirement.split_once("==").expect("a pinned requirement");
    let python = venv.join(if cfg!(windows) { "Scripts/python.exe" } else { "bin/python" });
    std::fs::create_dir_all(venv.parent().unwrap_or(venv))
        .map_err(|e| format!("cannot create {}: {e}", venv.display()))?;
    let lock =
        File::create(venv.with_extension("lock")).map_err(|e| format!("cannot create the venv lock: {e}"))?;
    lock.lock().map_err(|e| format!("cannot lock the venv: {e}"))?;
    let check =
        format!("import importlib.metadata as m, sys; sys.exit(m.version({package:?}) != {version:?})");
    let installed = || python.is_file() && succeed(Command::new(&python).args(["-c", &check])).is_ok();
    if installed() {
        return Ok(python);
    }
    succeed(Command::new("python3").arg("--version"))
        .map_err(|e| format!("python3 is not available: {e}"))?;
    succeed(Command::new("python3").args(["-m", "venv", "--clear"]).arg(venv))
        .map_err(|e| format!("`python3 -m venv` failed (is python3-venv installed?): {e}"))?;
    let started = Instant::now();
    succeed(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--retries",
        "2",
        "--timeout",
        "60",
        requirement,
    ]))
    .map_err(|e| format!("`pip install {requirement}` failed: {e}"))?;
    eprintln!("installed {requirement} from PyPI in {:.1?}", started.elapsed());
    if !installed() {
        return Err(format!("pip installed {requirement} but {} does not report it", python.display()));
    }
    Ok(python)
}

/// Letters and digits: the alphabet of GitHub tokens and of many other credentials.
pub const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// xorshift64*: fixed values that look random.
pub struct Rng(pub u64);

impl Rng {
    /// `len` characters drawn from `alphabet`.
    pub fn pick(&mut self, alphabet: &str, len: usize) -> String {
        let alphabet = alphabet.as_bytes();
        (0..len)
            .map(|_| {
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                let next = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
                char::from(alphabet[(next % alphabet.len() as u64) as usize])
            })
            .collect()
    }

    /// A classic GitHub token (`ghp_` and 36 letters or digits), never a real one.
    pub fn github_token(&mut self) -> String {
        format!("ghp_{}", self.pick(ALNUM, 36))
    }
}
