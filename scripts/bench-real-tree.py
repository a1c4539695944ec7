#!/usr/bin/env python3
"""Whole-tree speed on a real repository and on generated workflows, side by side in one run.

For a real tree (default: a checkout of pulumi/examples) it measures, interleaved round by round
so that a loaded machine slows every subject alike:

- trustlint `check TREE --format json` (the relevance test on, as shipped),
- the same with every Pulumi program parsed (`TRUSTLINT_FULL_PARSE=1`), whose output must be
  byte-identical,
- the time to read every byte of every file of the tree (in this process, from the page cache),
- zizmor `--offline TREE`, when installed;

then prints the medians, the peak resident memory of each subject, and trustlint's counts of
files read and parsed (`TRUSTLINT_STATS=1`). It then generates GitHub workflows with findings
(`--workflows`, default 5,000) and times trustlint and zizmor on them the same way.

    python3 scripts/bench-real-tree.py --tree /work/pulumi-examples --runs 5
    python3 scripts/bench-real-tree.py --no-build --workflows 0

Third-party trees are read where they are: nothing is copied into the repository.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "trustlint"


def run(command, env_extra=None):
    """Run a command; return (wall seconds, stdout, stderr)."""
    env = dict(os.environ)
    env.update(env_extra or {})
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=env)
    return time.perf_counter() - start, result.stdout, result.stderr


def peak_rss(command, env_extra=None):
    """Peak resident memory of one run, in MiB, from GNU time."""
    env = dict(os.environ)
    env.update(env_extra or {})
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    last = result.stderr.decode().strip().splitlines()[-1]
    return int(last) / 1024


def read_tree(files):
    start = time.perf_counter()
    total = 0
    for path in files:
        try:
            with open(path, "rb") as handle:
                total += len(handle.read())
        except OSError:
            pass
    return time.perf_counter() - start, total


def tree_files(tree):
    files = []
    for folder, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                files.append(path)
    return files


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def measure(subjects, runs):
    """subjects: name -> zero-argument callable returning seconds. Interleaved, median of runs."""
    times = {name: [] for name in subjects}
    for _ in range(runs):
        for name, subject in subjects.items():
            times[name].append(subject())
    return {name: (statistics.median(values), min(values)) for name, values in times.items()}


def workflow(n):
    """A workflow with findings for both tools: `id-token: write` at workflow level inherited by
    a job that never logs in, static AWS keys, an unpinned action, a `pull_request_target`
    checkout of the pull request's head."""
    return f"""name: deploy-{n}
on:
  push:
    branches: [main]
  pull_request_target:
permissions:
  id-token: write
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{{{ github.event.pull_request.head.sha }}}}
      - run: make test
  deploy:
    runs-on: ubuntu-latest
    needs: test
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy-{n}
          aws-region: us-east-1
      - run: ./deploy.sh {n}
  legacy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}
          aws-secret-access-key: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}
          aws-region: us-east-1
      - run: aws s3 sync build s3://bucket-{n}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", default="/work/pulumi-examples")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workflows", type=int, default=5000)
    parser.add_argument("--workflow-runs", type=int, default=3, help="runs on the generated workflows")
    parser.add_argument("--zizmor", default=shutil.which("zizmor"), help="path of the zizmor binary")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = str(BINARY)
    zizmor = args.zizmor
    if zizmor and zizmor.endswith("/shims/zizmor"):
        # A pyenv shim is a shell script: time the real binary, not the shim.
        real = subprocess.run(["pyenv", "which", "zizmor"], capture_output=True, text=True)
        zizmor = real.stdout.strip() or zizmor
    print(f"load average at start: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")

    tree = Path(args.tree)
    if tree.is_dir():
        files = tree_files(tree)
        check = [binary, "check", str(tree), "--format", "json", "--exit-zero"]
        shipped = run(check)[1]
        full = run(check, {"TRUSTLINT_FULL_PARSE": "1"})[1]
        # Notes share standard error with the counts: keep the `stats:` line.
        def stats_line(env):
            lines = run(check, env)[2].decode().splitlines()
            return next((line for line in lines if "trustlint: stats:" in line), "?")

        stats = stats_line({"TRUSTLINT_STATS": "1"})
        full_stats = stats_line({"TRUSTLINT_STATS": "1", "TRUSTLINT_FULL_PARSE": "1"})
        subjects = {
            "trustlint check --format json": lambda: run(check)[0],
            "same, every program parsed": lambda: run(check, {"TRUSTLINT_FULL_PARSE": "1"})[0],
            "read every byte of the tree": lambda: read_tree(files)[0],
        }
        if zizmor:
            subjects["zizmor --offline"] = lambda: run([zizmor, "--offline", str(tree)])[0]
        results = measure(subjects, args.runs)
        size = read_tree(files)[1]
        print(f"\n{tree}: {len(files)} files, {size / 1_048_576:.1f} MiB; median (fastest) of {args.runs}")
        memory = {
            "trustlint check --format json": peak_rss(check),
            "same, every program parsed": peak_rss(check, {"TRUSTLINT_FULL_PARSE": "1"}),
        }
        if zizmor:
            memory["zizmor --offline"] = peak_rss([zizmor, "--offline", str(tree)])
        read = results["read every byte of the tree"][0]
        print("| subject | median | fastest | x read time | peak RSS |\n|---|---|---|---|---|")
        for name, (median, best) in results.items():
            rss = f"{memory[name]:.1f} MiB" if name in memory else ""
            print(f"| {name} | {ms(median)} | {ms(best)} | {median / read:.1f} | {rss} |")
        print(f"\nstats (relevance test on):  {stats}")
        print(f"stats (every program parsed): {full_stats}")
        print(f"findings identical with and without the relevance test: {shipped == full}")
    else:
        print(f"{tree}: not found, real-tree measurements skipped")

    if args.workflows > 0:
        with tempfile.TemporaryDirectory(prefix="trustlint-workflows-") as scratch:
            folder = Path(scratch) / ".github" / "workflows"
            folder.mkdir(parents=True)
            for n in range(args.workflows):
                (folder / f"deploy-{n:05}.yml").write_text(workflow(n))
            check = [binary, "check", scratch, "--format", "json", "--exit-zero"]
            findings = run(check)[1].count(b'"rule":')
            subjects = {"trustlint check --format json": lambda: run(check)[0]}
            if zizmor:
                subjects["zizmor --offline"] = lambda: run([zizmor, "--offline", scratch])[0]
            results = measure(subjects, args.workflow_runs)
            memory = {"trustlint check --format json": peak_rss(check)}
            if zizmor:
                memory["zizmor --offline"] = peak_rss([zizmor, "--offline", scratch])
            print(f"\n{args.workflows} generated workflows ({findings} trustlint findings); median (fastest) of {args.workflow_runs}")
            print("| subject | median | fastest | peak RSS |\n|---|---|---|---|")
            for name, (median, best) in results.items():
                print(f"| {name} | {ms(median)} | {ms(best)} | {memory[name]:.1f} MiB |")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
