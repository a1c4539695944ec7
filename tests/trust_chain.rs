//! The trust chain end to end: the bundled example (workflows, CloudFormation, IAM JSON, Pulumi
//! TypeScript and Python in several folders) links every resolvable login to its trust;
//! `trustlint map` renders it in every format, byte-identical on any thread count; the HTML page
//! is rendered by headless Chromium, which must run its script and draw a non-empty graph.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{json, repo_root, run, skip_or_fail, write};
use serde_json::Value;

const EXAMPLE: &str = "examples/trust-chain";

fn map(args: &[&str]) -> String {
    let mut all = vec!["map", EXAMPLE];
    all.extend_from_slice(args);
    let out = run(repo_root(), &all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

fn link<'a>(links: &'a [Value], job: &str, input_value: &str) -> &'a Value {
    links
        .iter()
        .find(|l| {
            l["caller"]["job"] == job && l["login"]["value"].as_str().is_some_and(|v| v.contains(input_value))
        })
        .unwrap_or_else(|| panic!("no link for job {job} ({input_value}): {links:#?}"))
}

#[test]
fn the_example_links_every_resolvable_login_across_files_and_folders() {
    let map = json(&map(&["--format", "json"]));
    assert_eq!(map["version"], 1);
    assert_eq!(map["repository"]["path"], "acme/shop");
    let links = map["links"].as_array().unwrap();
    // IAM JSON (`aws iam get-role` output), by role name.
    let plan = link(links, "plan", "role/shop-readonly");
    assert_eq!(plan["status"], "admits");
    assert_eq!(plan["trust"]["file"], "examples/trust-chain/iam/shop-readonly.json");
    assert_eq!(plan["admitted_subjects"][0], "repo:acme/shop:pull_request");
    // CloudFormation `RoleName`: the prod environment replaces the ref, the trust pins main.
    let deploy = link(links, "deploy", "role/shop-deploy");
    assert_eq!(deploy["status"], "rejects");
    assert_eq!(deploy["trust"]["resource"], "role `ShopDeploy`");
    assert_eq!(deploy["trust"]["matched_by"], "role name `shop-deploy`");
    // Pulumi TypeScript `name`, reached through a `vars.X` value from trustlint.toml.
    let export = link(links, "export", "vars.DATA_ROLE_ARN");
    assert_eq!(export["status"], "admits");
    assert_eq!(export["trust"]["file"], "examples/trust-chain/infra/pulumi-ts/index.ts");
    // A secret, resolved by a [links] entry.
    let audit = link(links, "audit", "secrets.OPS_ROLE_ARN");
    assert_eq!(audit["trust"]["matched_by"], "the [links] entry `secrets.OPS_ROLE_ARN`");
    // Pulumi Python: the GCP provider path and the service account.
    let provider = link(links, "publish", "workloadIdentityPools/github/providers/shop");
    assert_eq!(provider["status"], "admits");
    assert_eq!(provider["trust"]["file"], "examples/trust-chain/infra/pulumi-py/__main__.py");
    let account = link(links, "publish", "shop-release@");
    assert_eq!(account["trust"]["matched_by"], "service account `shop-release`");
    // A secret with no link: unknown, and the map says which input resolves it.
    let report = link(links, "report", "secrets.REPORTING_ROLE_ARN");
    assert_eq!(report["status"], "unresolved");
    assert!(report["resolve_with"].as_str().unwrap().contains("[links]"), "{report:#}");
    // Every trust carries its "who can assume it" sentence; wide ones get an "anyone in" node.
    let nodes = map["nodes"].as_array().unwrap();
    assert!(
        nodes
            .iter()
            .filter(|n| n["kind"] == "trust")
            .all(|n| n["detail"].as_str().unwrap().starts_with("Who can assume it: "))
    );
    assert!(nodes.iter().any(|n| n["kind"] == "anyone"));
}

#[test]
fn the_chain_rules_fire_on_the_example() {
    let out = run(
        repo_root(),
        &[
            "check",
            EXAMPLE,
            "--select",
            "trust-rejects-caller,trust-broader-than-usage",
            "--format",
            "json",
            "--exit-zero",
        ],
    );
    let report = json(&out.stdout);
    let rules: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["trust-rejects-caller", "trust-broader-than-usage"], "{}", out.stdout);
}

#[test]
fn every_format_renders_and_the_page_is_self_contained() {
    let human = map(&[]);
    assert!(human.contains("Trust chain of acme/shop"), "{human}");
    assert!(human.contains("✗ job `deploy`"), "{human}");
    let mermaid = map(&["--format", "mermaid"]);
    assert!(
        mermaid.starts_with("```mermaid\nflowchart LR\n") && mermaid.trim_end().ends_with("```"),
        "{mermaid}"
    );
    assert!(mermaid.contains(" --x"), "a rejected login is drawn as a crossed edge:\n{mermaid}");
    let dot = map(&["--format", "dot"]);
    assert!(dot.starts_with("digraph trust_chain {") && dot.trim_end().ends_with('}'), "{dot}");
    let html = map(&["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["src=", "<link", "@import", "url(http", "http://", "https://"] {
        let outside = html.replace("http://www.w3.org/2000/svg", "");
        assert!(!outside.contains(external), "the page must load nothing from outside (`{external}`)");
    }
}

#[test]
fn output_is_byte_identical_on_one_and_many_threads() {
    for format in ["json", "html", "mermaid", "human"] {
        let one = map(&["--format", format, "--threads", "1"]);
        let many = map(&["--format", format, "--threads", "8"]);
        assert_eq!(one, many, "map --format {format}");
    }
    let check = |threads: &str| {
        run(repo_root(), &["check", EXAMPLE, "--format", "sarif", "--threads", threads, "--exit-zero"]).stdout
    };
    assert_eq!(check("1"), check("8"));
}

#[test]
fn the_repository_comes_from_the_origin_remote_without_running_git() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".git/config",
        "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/app.git\n",
    );
    write(dir.path(), ".git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/trunk\n");
    write(
        dir.path(),
        ".github/workflows/nightly.yml",
        "on:\n  schedule:\n    - cron: '0 3 * * *'\npermissions:\n  id-token: write\njobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/x\n",
    );
    let out = run(dir.path(), &["map", ".", "--format", "json"]);
    let map = json(&out.stdout);
    assert_eq!(map["repository"]["path"], "acme/app");
    assert!(map["repository"]["source"].as_str().unwrap().contains(".git/config"));
    let caller = map["nodes"].as_array().unwrap().iter().find(|n| n["kind"] == "caller").unwrap();
    assert!(caller["detail"].as_str().unwrap().contains("default branch `trunk`"), "{caller:#}");
    // `--repository` comes before the remote; trustlint.toml before both.
    let out = run(dir.path(), &["map", ".", "--format", "json", "--repository", "acme/other"]);
    assert_eq!(json(&out.stdout)["repository"]["path"], "acme/other");
    write(dir.path(), "trustlint.toml", "repository = \"acme/configured\"\n");
    let out = run(dir.path(), &["map", ".", "--format", "json", "--repository", "acme/other"]);
    assert_eq!(json(&out.stdout)["repository"]["path"], "acme/configured");
    std::fs::remove_file(dir.path().join("trustlint.toml")).unwrap();
    std::fs::remove_dir_all(dir.path().join(".git")).unwrap();
    let out = run(dir.path(), &["map", ".", "--format", "json"]);
    assert!(json(&out.stdout)["repository"].is_null());
    assert!(out.stderr.contains("the repository is not known"), "{}", out.stderr);
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let found = Command::new(name).arg("--version").output().ok().filter(|o| o.status.success())?;
        let _ = found;
        Some(PathBuf::from(name))
    })
}

/// Render `page` in headless Chromium: the DOM after scripts ran, and a screenshot at `png`.
fn render_in_browser(browser: &Path, page: &Path, png: &Path) -> String {
    let url = format!("file://{}", page.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--allow-file-access-from-files",
    ];
    let dom = Command::new(browser)
        .args(common)
        .args(["--virtual-time-budget=3000", "--dump-dom", &url])
        .output()
        .unwrap();
    assert!(dom.status.success(), "chromium --dump-dom failed: {}", String::from_utf8_lossy(&dom.stderr));
    let shot = Command::new(browser)
        .args(common)
        .args(["--window-size=1720,1100", &format!("--screenshot={}", png.display()), &url])
        .output()
        .unwrap();
    assert!(shot.status.success(), "chromium --screenshot failed: {}", String::from_utf8_lossy(&shot.stderr));
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

/// The page's script sets `data-rendered="N nodes, M edges"` on `<body>` once it ran: a script
/// error leaves `pending`, an empty graph `0 nodes`.
fn rendered_nodes(dom: &str) -> usize {
    let at = dom.find("data-rendered=\"").expect("the page has its render marker");
    let rest = &dom[at + "data-rendered=\"".len()..];
    let value = &rest[..rest.find('"').unwrap()];
    assert_ne!(value, "pending", "the page's script did not run to the end (a script error)");
    value.split(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("unexpected marker `{value}`"))
}

#[test]
fn the_html_map_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        skip_or_fail(
            "headless browser test of the HTML map",
            "chromium is not installed (apt-get install chromium)",
        );
        return;
    };
    let out_dir = repo_root().join("target/trust-chain-map");
    std::fs::create_dir_all(&out_dir).unwrap();
    let page = out_dir.join("example.html");
    let page_arg = page.to_string_lossy().to_string();
    let out = run(repo_root(), &["map", EXAMPLE, "--format", "html", "--output", &page_arg]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let png = out_dir.join("example.png");
    let _ = std::fs::remove_file(&png);
    let dom = render_in_browser(&browser, &page, &png);
    assert!(rendered_nodes(&dom) >= 10, "the example's graph is drawn");
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "the screenshot of a drawn graph is not blank ({size} bytes)");

    // 100 trusts, each with its caller: the page stays one file and the graph is drawn.
    let tree = tempfile::tempdir().unwrap();
    write(tree.path(), "trustlint.toml", "repository = \"acme/app\"\n");
    let mut jobs =
        String::from("on:\n  push:\n    branches: [main]\npermissions:\n  id-token: write\njobs:\n");
    for n in 0..100 {
        write(
            tree.path(),
            &format!("iam/role-{n}.json"),
            &format!(
                r#"{{"Role": {{"RoleName": "svc-{n}", "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
  "Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {{"StringEquals": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}}}}]}}}}}}"#
            ),
        );
        jobs.push_str(&format!(
            "  deploy-{n}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/svc-{n}\n"
        ));
    }
    write(tree.path(), ".github/workflows/deploy.yml", &jobs);
    let big = out_dir.join("hundred.html");
    let big_arg = big.to_string_lossy().to_string();
    let out = run(tree.path(), &["map", ".", "--format", "html", "--output", &big_arg]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dom = render_in_browser(&browser, &big, &out_dir.join("hundred.png"));
    // 100 callers, 1 issuer, 100 trusts, 100 powers.
    assert_eq!(rendered_nodes(&dom), 301);
}

fn fixture_map(fixture: &str, threads: &str) -> String {
    let dir = format!("fixtures/trust-rejects-caller/{fixture}");
    let out = run(repo_root(), &["map", &dir, "--format", "json", "--threads", threads]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn logins_link_through_pulumi_stack_outputs() {
    let cases = [
        // `pulumi stack output` written to $GITHUB_OUTPUT; `working-directory` picks the program.
        ("bad-pulumi-stack-output", "deploy", "infra/aws/index.ts", "deployRoleArn"),
        // pulumi/actions outputs, a Python `pulumi.export`.
        ("bad-pulumi-actions-output", "release", "infra/__main__.py", "deployRoleArn"),
        // A GitLab script variable, a YAML program's `outputs:`.
        ("bad-gitlab-stack-output", "release", "infra/Pulumi.yaml", "releaseRoleArn"),
        // $GITHUB_ENV after `cd`, an Azure application's exported client id.
        ("bad-pulumi-azure-client-id", "deploy", "identity/index.ts", "deployerClientId"),
    ];
    for (fixture, job, program, output) in cases {
        let map = json(&fixture_map(fixture, "1"));
        let links = map["links"].as_array().unwrap();
        let linked = links.iter().find(|l| l["caller"]["job"] == job).unwrap();
        let file = format!("fixtures/trust-rejects-caller/{fixture}/{program}");
        assert_eq!(linked["trust"]["file"], file.as_str(), "{linked:#}");
        assert_eq!(linked["trust"]["matched_by"], format!("stack output `{output}` of {file}"));
        assert_eq!(fixture_map(fixture, "1"), fixture_map(fixture, "4"));
    }
    // Two programs export the output and nothing says which one the step reads: unknown, with
    // the inputs that would resolve it.
    let map = json(&fixture_map("ok-stack-output-ambiguous", "1"));
    let unresolved = &map["links"][0];
    assert_eq!(unresolved["status"], "unresolved");
    assert!(unresolved["unknown"].as_str().unwrap().contains("several programs export"), "{unresolved:#}");
    let hint = unresolved["resolve_with"].as_str().unwrap();
    assert!(hint.contains("working-directory") && hint.contains("[links]"), "{hint}");
}

#[test]
fn roles_without_a_written_name_link_by_their_generated_name() {
    let map = json(&fixture_map("bad-generated-role-names", "1"));
    let links = map["links"].as_array().unwrap();
    let how = |job: &str| {
        let link = links.iter().find(|l| l["caller"]["job"] == job).unwrap();
        link["trust"]["matched_by"].as_str().unwrap_or_default().to_string()
    };
    assert!(how("deploy").contains("Pulumi's auto-naming rule"), "{}", how("deploy"));
    assert!(how("publish").contains("CloudFormation's naming rule"), "{}", how("publish"));
    assert!(how("ci").contains("Pulumi's `namePrefix` rule"), "{}", how("ci"));
    // A suffix of another length is not the grammar: the logins stay unlinked.
    let map = json(&fixture_map("ok-generated-name-other-grammar", "1"));
    for link in map["links"].as_array().unwrap() {
        assert_eq!(link["status"], "unresolved", "{link:#}");
    }
}
